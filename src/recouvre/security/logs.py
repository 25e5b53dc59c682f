"""Logs an operator can ship anywhere: one JSON object per line, and no personal data.

The application never logs a NIR or an IBAN on purpose (SQL parameters are hidden, request logs
carry the path only), but an access log line carries what a client put in a URL — a search by
NIR in a bookmarkable query string, for instance. ``Redact`` is the last line of defence: every
record's message, whatever its logger, has NIR-, IBAN- and e-mail-shaped text masked before any
handler writes it.
"""

from __future__ import annotations

import logging
import re
from typing import Final

from pythonjsonlogger.json import JsonFormatter

NIR: Final = re.compile(
    r"(?<![0-9A-Za-z])[12][0-9]{2}(?:0[1-9]|1[0-2]|[2-9][0-9])(?:[0-9]{2}|2[AB])[0-9]{6}(?:[0-9]{2})?(?![0-9A-Za-z])"
)
IBAN: Final = re.compile(
    r"(?<![0-9A-Za-z])[A-Z]{2}[0-9]{2}(?:[ ]?[0-9A-Z]{4}){2,7}(?:[ ]?[0-9A-Z]{1,4})?(?![0-9A-Za-z])"
)
EMAIL: Final = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
MASK: Final = "[masqué]"


def redact(text: str) -> str:
    return EMAIL.sub(MASK, IBAN.sub(MASK, NIR.sub(MASK, text)))


class Redact(logging.Filter):
    """Masks personal data in a record's message and arguments (the record is rewritten once)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


def configure(level: str = "info", json_lines: bool = False) -> None:
    """Root logging for ``recouvre serve`` and the batch commands: ``json_lines`` writes one
    JSON object per line (time, level, logger, message), else plain text; both redacted."""
    handler = logging.StreamHandler()
    handler.addFilter(Redact())
    if json_lines:
        handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}",
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's own loggers write through the root handler, so they are redacted too.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
