"""The HTTP service (extra ``server``): FastAPI app, settings and the web chat page.

Start it with ``vpnfsm serve``, or mount :func:`create_app` in a host::

    from vpnfsm.server import Settings, create_app
    app = create_app(Settings(redis_url="redis://localhost:6379/0"))

Importing :mod:`vpnfsm` never imports this package (or FastAPI).
"""

from vpnfsm.server.app import create_app
from vpnfsm.server.settings import Settings

__all__ = ["Settings", "create_app"]
