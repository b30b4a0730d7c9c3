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


@pytest.fixture
def diagram_module() -> Iterator[None]:
    """Make ``vpnfsm.diagram`` importable for the page's SVG.

    The package's own module is used when it exists; until it is merged, a
    stand-in built from the same flow declaration (graphviz ``dot``, node ids
    ``state-<STATE>``) is registered for the duration of the test.
    """
    import importlib.util
    import sys

    from vpnfsm.server import app as app_module

    if importlib.util.find_spec("vpnfsm.diagram") is not None:
        yield
        return
    from httpkit import stand_in_diagram_module

    sys.modules["vpnfsm.diagram"] = stand_in_diagram_module()
    app_module._diagram_svg.cache_clear()
    try:
        yield
    finally:
        del sys.modules["vpnfsm.diagram"]
        app_module._diagram_svg.cache_clear()
