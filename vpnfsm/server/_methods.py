"""Which HTTP methods a path allows, for ``OPTIONS`` and the ``Allow`` header of a 405.

Starlette answers a wrong method with the methods of the *first* route whose
path matched, so ``/api/sessions/{id}`` claimed ``Allow: GET`` although it
also takes ``DELETE``. This asks every route, the way routing itself does.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import Any

from starlette.routing import BaseRoute, Match, Mount

__all__ = ["allow_header", "allowed_methods"]

# Static files answer these; a Mount has no method list of its own.
_MOUNT_METHODS = frozenset({"GET", "HEAD"})


def allowed_methods(routes: Iterable[BaseRoute], scope: MutableMapping[str, Any]) -> set[str]:
    """Every method some route takes on ``scope``'s path, plus ``OPTIONS``; empty for an unknown path."""
    methods: set[str] = set()
    for route in routes:
        own: set[str] | None = getattr(route, "methods", None)
        if own == {"OPTIONS"}:  # the catch-all OPTIONS route matches every path
            continue
        match, _ = route.matches({**scope, "type": "http"})
        if match is Match.NONE:
            continue
        if isinstance(route, Mount):
            methods |= _MOUNT_METHODS
        elif own:
            methods |= own
    if methods:
        methods.add("OPTIONS")
    return methods


def allow_header(methods: Iterable[str]) -> str:
    """The ``Allow`` header value, in a stable order."""
    return ", ".join(sorted(methods))
