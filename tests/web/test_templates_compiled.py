"""A server process compiles every page template before its first request
(``pages.compile_templates``, called by ``server.serving_app``)."""

from __future__ import annotations

from pathlib import Path

import recouvre.web
from recouvre.web import pages

TEMPLATES = Path(recouvre.web.__file__).parent / "templates"


def test_every_page_template_is_compiled_up_front() -> None:
    on_disk = {path.relative_to(TEMPLATES).as_posix() for path in TEMPLATES.rglob("*.html")}
    pages.environment.cache_clear()
    try:
        assert pages.compile_templates() == len(on_disk) > 30
        cache = pages.environment().cache
        assert cache is not None
        assert {name for _, name in cache} == on_disk
    finally:
        pages.environment.cache_clear()
