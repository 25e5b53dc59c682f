"""A server process hands the interpreter over every millisecond (``server.serving_app``): a
request back from the database does not wait 5 ms behind a page being computed."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from recouvre import server
from recouvre.service import Services


@pytest.fixture
def switch_interval_restored() -> Iterator[None]:
    before = sys.getswitchinterval()
    try:
        yield
    finally:
        sys.setswitchinterval(before)


@pytest.mark.usefixtures("switch_interval_restored")
def test_a_server_process_switches_threads_every_millisecond(services: Services) -> None:
    sys.setswitchinterval(0.005)
    server.serving_app(services)
    assert sys.getswitchinterval() == pytest.approx(server.SWITCH_INTERVAL_SECONDS) == pytest.approx(0.001)
