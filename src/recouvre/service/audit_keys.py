"""The audit chain's key and its exported heads: both outside the database.

Key (HMAC-SHA256 of each row, ``service.trail``), the first found of:

1. ``RECOUVRE_AUDIT_KEY``: the key itself (at least 32 characters);
2. ``RECOUVRE_AUDIT_KEY_FILE``: a file holding it (created, 256 random bits, mode 0600, when
   missing);
3. a per-installation key file created on first use: beside a SQLite database file
   (``DBFILE.audit-key``), else in ``RECOUVRE_AUDIT_DIR`` (default ``~/.local/state/recouvre``)
   under a name derived from the database's address (without its password);
4. an in-memory SQLite database gets a key of the process (the chain dies with the database).

Whoever can rewrite the database but not read this key cannot forge a row; whoever holds both
can, which the exported heads show: ``close_day`` appends the chain's head (seq, hash, day) to an
append-only heads file (``RECOUVRE_AUDIT_HEADS_FILE``, else beside the key:
``DBFILE.audit-heads.jsonl``), and ``trail.verify`` compares the chain with every head exported.
Neither file is ever committed nor stored in the database; keep copies elsewhere (the heads
file can be printed, signed, mailed).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.engine import make_url

KEY_VARIABLE = "RECOUVRE_AUDIT_KEY"
KEY_FILE_VARIABLE = "RECOUVRE_AUDIT_KEY_FILE"
DIR_VARIABLE = "RECOUVRE_AUDIT_DIR"
HEADS_VARIABLE = "RECOUVRE_AUDIT_HEADS_FILE"
MIN_KEY_LENGTH = 32
_process_keys: dict[str, bytes] = {}
_keys: dict[tuple[str, ...], bytes] = {}


class AuditKeyError(RuntimeError):
    """The audit key is missing or too short: nothing is appended without it."""


def _place(url: str) -> tuple[Path | None, str]:
    """The SQLite database file, if any, and a name for the installation."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(str(parsed.database)).resolve(), ""
    public = parsed.render_as_string(hide_password=True)
    return None, hashlib.sha256(public.encode("utf-8")).hexdigest()[:16]


def _in_memory(url: str) -> bool:
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def _state_dir() -> Path:
    found = os.environ.get(DIR_VARIABLE)
    return Path(found) if found else Path.home() / ".local" / "state" / "recouvre"


def key_file(url: str) -> Path:
    """Where the key of the installation at ``url`` is kept (when not given by the environment)."""
    named = os.environ.get(KEY_FILE_VARIABLE)
    if named:
        return Path(named)
    database, name = _place(url)
    if database is not None:
        return database.with_name(database.name + ".audit-key")
    return _state_dir() / f"audit-{name}.key"


def heads_file(url: str) -> Path:
    """The append-only file of the exported heads of the installation at ``url``."""
    named = os.environ.get(HEADS_VARIABLE)
    if named:
        return Path(named)
    database, name = _place(url)
    if database is not None:
        return database.with_name(database.name + ".audit-heads.jsonl")
    return _state_dir() / f"audit-{name}.heads.jsonl"


def _read_or_create(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            os.link(temporary, path)  # atomic, and never replaces a key another process made
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    text = path.read_text(encoding="utf-8").strip()
    if len(text) < MIN_KEY_LENGTH:
        raise AuditKeyError(f"{path}: audit key shorter than {MIN_KEY_LENGTH} characters")
    return text.encode("utf-8")


def audit_key(url: str) -> bytes:
    """The HMAC key of the audit chain of the installation at ``url`` (read once per process)."""
    given = os.environ.get(KEY_VARIABLE)
    if given:
        if len(given) < MIN_KEY_LENGTH:
            raise AuditKeyError(f"{KEY_VARIABLE}: shorter than {MIN_KEY_LENGTH} characters")
        return given.encode("utf-8")
    if _in_memory(url) and not os.environ.get(KEY_FILE_VARIABLE):
        return _process_keys.setdefault(url, secrets.token_hex(32).encode("ascii"))
    path = key_file(url)
    cache_key = (str(path),)
    found = _keys.get(cache_key)
    if found is None or not path.exists():
        found = _read_or_create(path)
        _keys[cache_key] = found
    return found


@dataclass(frozen=True)
class Head:
    """A head of the chain exported at a day's close."""

    day: date
    seq: int
    hash: str
    exported_at: str

    def line(self) -> str:
        return json.dumps(
            {
                "day": self.day.isoformat(),
                "seq": self.seq,
                "hash": self.hash,
                "exported_at": self.exported_at,
            },
            sort_keys=True,
        )


def append_head(url: str, head: Head) -> Path:
    """Append ``head`` to the heads file (opened in append mode, flushed to disk)."""
    path = heads_file(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(head.line() + "\n")
        handle.flush()
        with contextlib.suppress(OSError):
            os.fsync(handle.fileno())
    return path


def exported_heads(url: str) -> list[Head]:
    """Every head exported so far (none when the file does not exist yet)."""
    path = heads_file(url)
    if not path.exists():
        return []
    heads: list[Head] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            heads.append(
                Head(
                    date.fromisoformat(data["day"]),
                    int(data["seq"]),
                    str(data["hash"]),
                    str(data["exported_at"]),
                )
            )
        except (ValueError, KeyError, TypeError) as error:
            raise AuditKeyError(f"{path}:{number}: unreadable head ({error})") from None
    return heads
