from __future__ import annotations

from collections.abc import Iterator

import pytest
from httpkit import LiveServer


@pytest.fixture
def live() -> Iterator[list[LiveServer]]:
    """Servers a test starts with ``serve_in_thread``; all stopped afterwards."""
    started: list[LiveServer] = []
    yield started
    for server in started:
        server.stop()
