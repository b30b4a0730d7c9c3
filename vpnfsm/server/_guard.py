"""ASGI middleware that caps request bodies and sets protective response headers.

It runs before routing, so an oversized body is refused (413) without being
buffered past the limit, whichever route it was aimed at.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["Guard", "declared_length", "read_body", "replayed", "response_headers"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The page loads only its own files; the diagram is inline SVG from this service.
_PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


class Guard:
    """Refuse bodies over ``max_body_bytes`` with 413; add security headers.

    API responses also get ``Cache-Control: no-store``: they carry what users
    typed, which no shared cache should keep.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        declared = declared_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._too_large(send)
            return
        read = await read_body(receive, self.max_body_bytes)
        if read is None:
            return
        body, _ = read
        if len(body) > self.max_body_bytes:
            await self._too_large(send)
            return
        replay = replayed(body, False, receive)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *response_headers(path)]
            await send(message)

        await self.app(scope, replay, send_with_headers)

    async def _too_large(self, send: Send) -> None:
        body = json.dumps(
            {
                "type": "/problems/body-too-large",
                "title": "Request body too large",
                "status": 413,
                "detail": f"request bodies are limited to {self.max_body_bytes} bytes",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


# Built once: every response of the service carries one of these two lists.
_API_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"cache-control", b"no-store"))
_PAGE_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", _PAGE_CSP.encode()),
    (b"x-frame-options", b"DENY"),
)


def response_headers(path: str) -> tuple[tuple[bytes, bytes], ...]:
    """The headers :class:`Guard` adds to every response to ``path``."""
    return _API_HEADERS if path.startswith("/api/") else _PAGE_HEADERS


def declared_length(scope: Scope) -> int | None:
    """The request's first ``Content-Length`` header as a number; ``None`` when absent or not a number."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def read_body(receive: Receive, max_bytes: int) -> tuple[bytes, bool] | None:
    """The request body, read until its end or until it is over ``max_bytes``; ``None``: the client hung up.

    Returns the bytes read and whether more were still to come (only when it
    stopped over the cap), so a caller can hand the request on as it was.
    """
    body = b""
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        more = bool(message.get("more_body", False))
        if len(body) > max_bytes:
            break
    return body, more


def replayed(body: bytes, more: bool, receive: Receive) -> Receive:
    """``receive`` as it was before ``body`` was read from it (its first message is ``body`` again)."""
    done = False

    async def replay() -> Message:
        nonlocal done
        if not done:
            done = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replay
