"""Which HTTP methods a path allows: ``OPTIONS`` answers, and the ``Allow`` header of a 405.

Starlette answers a wrong method with the methods of the *first* route whose
path matched, so ``/api/sessions/{id}`` claimed ``Allow: GET`` although it
also takes ``DELETE``, and it has no ``OPTIONS`` answer at all. This asks
every route, the way routing itself does.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import Any

from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["AnswerOptions", "allow_header", "allowed_methods"]

# Static files answer these; a Mount has no method list of its own.
_MOUNT_METHODS = frozenset({"GET", "HEAD"})


def allowed_methods(routes: Iterable[BaseRoute], scope: MutableMapping[str, Any]) -> set[str]:
    """Every method some route takes on ``scope``'s path, plus ``OPTIONS``; empty for an unknown path."""
    methods: set[str] = set()
    for route in routes:
        match, _ = route.matches({**scope, "type": "http"})
        if match is Match.NONE:
            continue
        if isinstance(route, Mount):
            methods |= _MOUNT_METHODS
        else:
            methods |= getattr(route, "methods", None) or set()
    if methods:
        methods.add("OPTIONS")
    return methods


def allow_header(methods: Iterable[str]) -> str:
    """The ``Allow`` header value, in a stable order."""
    return ", ".join(sorted(methods))


class AnswerOptions:
    """ASGI middleware: ``OPTIONS`` on a known path is 204 with ``Allow``; anything else passes on.

    An unknown path falls through to routing, which answers 404.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            methods = allowed_methods(scope["app"].router.routes, scope)
            if methods:
                headers = [(b"allow", allow_header(methods).encode())]
                await send({"type": "http.response.start", "status": 204, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)
