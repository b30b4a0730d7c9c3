"""The route class of ``POST /api/chat``: FastAPI's contract, without FastAPI's per-request dependency solving.

FastAPI answers every request by walking the endpoint's dependency tree
(API-key header, bearer token, tenant, ``Idempotency-Key``, body) through
generic machinery; on the chat route that walk cost more CPU than the rest of
the HTTP layer together. This route keeps the declaration, and so the OpenAPI
schema, exactly as FastAPI builds it, and adds a direct path for the requests
that are well formed: a JSON body read once and validated once from its bytes
(``model_validate_json``), the tenant read with the very header readers the
declared dependency uses (:func:`vpnfsm.server.page.request_tenant`), and a
cheap check of the ``Idempotency-Key`` header.

Whatever the direct path does not accept (another content type, a body or a
key that fails validation, a request traced by FastAPI's telemetry) goes to
FastAPI's own handler, unchanged: every error a client can get is still
produced by FastAPI and the problem handlers, so it cannot drift from the
documented one. Accepting is the only thing the direct path decides, and it
accepts only what FastAPI accepts with the same values (pinned by
``tests/unit/server/test_chat_route.py``). The chat lane in front of the
middleware (:mod:`vpnfsm.server._lane`) takes requests by the same two
checks, :func:`readable` and :func:`accept`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from vpnfsm._idempotency import MAX_MESSAGE_ID_CHARS
from vpnfsm.server.page import request_tenant

__all__ = ["Accepted", "ChatRoute", "accept", "readable", "well_formed_key"]

# The only content type the direct path reads; any other, including JSON with
# parameters, is left to FastAPI's media-type rules.
_JSON = "application/json"
# Set by FastAPI's native telemetry on the requests it traces; those keep
# FastAPI's handler, which records the body and the dependency values.
_TELEMETRY_SCOPE_KEY = "fastapi.telemetry"


def well_formed_key(key: str) -> bool:
    """Whether ``key`` passes the ``Idempotency-Key`` header's declared rules (1-128 of ``!``..``~``).

    Printable ASCII without the space is exactly ``!``..``~``; no pattern is
    run on the header (constant work per character).
    """
    return 0 < len(key) <= MAX_MESSAGE_ID_CHARS and key.isascii() and key.isprintable() and " " not in key


def readable(request: Request) -> bool:
    """Whether the direct path may read ``request`` at all (exact JSON content type, not traced)."""
    return request.headers.get("content-type") == _JSON and request.scope.get(_TELEMETRY_SCOPE_KEY) is None


@dataclass(frozen=True, slots=True)
class Accepted:
    """What the endpoint is called with for a well-formed chat request."""

    body: BaseModel
    tenant: str
    idempotency_key: str | None


async def accept(request: Request, raw: bytes, body_model: type[BaseModel]) -> Accepted | None:
    """The endpoint's arguments from a :func:`readable` request's ``raw`` body; ``None``: FastAPI's handler decides.

    Raises:
        ProblemError: 401, as the declared tenant dependency raises it (the key
            is missing or unknown, or the page token invalid).

    """
    try:
        body = body_model.model_validate_json(raw)
    except ValidationError:
        return None  # FastAPI words the 422 (or the JSON error), as documented
    key = request.headers.get("idempotency-key")
    if key is not None and not well_formed_key(key):
        return None
    # FastAPI resolves the tenant before it validates parameters; so does this.
    return Accepted(body, await request_tenant(request), key)


class ChatRoute(APIRoute):
    """An :class:`~fastapi.routing.APIRoute` for the chat endpoint, with a direct path for well-formed requests.

    The endpoint must take ``body`` (a pydantic model), ``tenant``, ``request``
    and ``idempotency_key`` keyword arguments, as ``create_app``'s chat does.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's handler, behind the direct path."""
        standard = super().get_route_handler()
        body_model: type[BaseModel] = self.endpoint.__annotations__["body"]
        endpoint: Callable[..., Coroutine[Any, Any, Response]] = self.endpoint

        async def handle(request: Request) -> Response:
            accepted = await accept(request, await request.body(), body_model) if readable(request) else None
            if accepted is None:
                return await standard(request)
            return await endpoint(
                body=accepted.body, tenant=accepted.tenant, request=request, idempotency_key=accepted.idempotency_key
            )

        return handle
