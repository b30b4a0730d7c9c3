"""The chat lane: well-formed ``POST /api/chat`` requests answered in front of the middleware stack.

Even with :class:`~vpnfsm.server._chat_route.ChatRoute`'s direct path, a chat
turn went through nine ASGI layers each way (FastAPI's error, telemetry and
body-limit middleware, :class:`~vpnfsm.server._guard.Guard`,
:class:`~vpnfsm.server._methods.AnswerOptions`, Starlette's exception
middleware, FastAPI's exit stack, routing and the route wrapper), some of
them wrapping ``send`` or ``receive`` once more. The lane is put outside them
all (FastAPI's own ``__call__`` still decides on telemetry first, and marks
the requests it traces) and takes what the direct path takes: the same checks
(:func:`~vpnfsm.server._chat_route.readable`,
:func:`~vpnfsm.server._chat_route.accept`), the body read under the same
byte cap as :class:`Guard`, and the same endpoint, so the turn, its metrics
and its response bytes are the route's own; Guard's headers are added as
Guard adds them.

Everything else goes to the full stack unchanged, before anything with a side
effect happened (a body already read is handed on as :class:`Guard` hands it
on): other paths, methods and content types, a body over the cap or failing
validation, a bad ``Idempotency-Key`` or credential, a request FastAPI's
telemetry traces, an app mounted under a prefix. So every error a client can
get is still FastAPI's and the problem handlers' own. An exception raised by
the turn is answered by the app's registered handlers, found the way
Starlette finds them: a class handler inside Guard (so with its headers), the
``Exception`` handler as ``ServerErrorMiddleware`` uses it (without Guard's
headers, and re-raised for the server to log). ``tests/unit/server/test_lane.py``
sends a table of requests through both.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from vpnfsm.server._chat_route import accept, readable
from vpnfsm.server._guard import declared_length, read_body, replayed, response_headers
from vpnfsm.server.problems import ProblemError

__all__ = ["ChatLane", "LaneSpec", "ServiceApp"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Handler = Callable[[Request, Exception], Any]

CHAT_PATH = "/api/chat"


@dataclass(frozen=True)
class LaneSpec:
    """What ``create_app`` set up: the chat route, the body cap, and its own middleware list."""

    route: APIRoute
    max_body_bytes: int
    middleware: tuple[object, ...]


class ServiceApp(FastAPI):
    """The service's FastAPI app: its middleware stack has the chat lane in front, where it fits.

    The lane is left out when the app is no longer as ``create_app`` built
    it: a host added middleware (which chat requests must pass), debug mode
    (tracebacks instead of the problem handler), a FastAPI body limit, or no
    ``Exception`` handler.
    """

    chat_lane: LaneSpec | None = None

    def build_middleware_stack(self) -> ASGIApp:
        """FastAPI's stack, behind :class:`ChatLane` when the app is as ``create_app`` built it."""
        stack: ASGIApp = super().build_middleware_stack()
        spec = self.chat_lane
        if (
            spec is None
            or self.debug
            or self.max_body_size is not None
            or tuple(self.user_middleware) != spec.middleware
            or _error_handler(self) is None
        ):
            return stack
        return ChatLane(stack, self, spec)


def _error_handler(app: FastAPI) -> Handler | None:
    # The handler ServerErrorMiddleware gets: FastAPI's build takes the last of 500 and Exception.
    found: Handler | None = None
    for key, handler in app.exception_handlers.items():
        if key in (500, Exception):
            found = handler
    return found


async def _call(handler: Handler, request: Request, exc: Exception) -> Response:
    # As Starlette calls exception handlers: a plain function runs in the thread pool.
    if inspect.iscoroutinefunction(handler):
        response: Response = await handler(request, exc)
    else:
        response = await run_in_threadpool(handler, request, exc)
    return response


class _Guarded:
    """``send`` with Guard's headers on the response; remembers whether a response began."""

    __slots__ = ("send", "started")

    _HEADERS = response_headers(CHAT_PATH)

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            message["headers"] = [*message.get("headers", []), *self._HEADERS]
        await self.send(message)


class ChatLane:
    """ASGI: answer a well-formed ``POST /api/chat`` with the chat endpoint; pass anything else to ``app``."""

    def __init__(self, app: ASGIApp, service: FastAPI, spec: LaneSpec) -> None:
        self.app = app
        self._service = service
        self._route = spec.route
        self._max_body_bytes = spec.max_body_bytes
        self._endpoint: Callable[..., Coroutine[Any, Any, Response]] = spec.route.endpoint
        self._body_model: type[BaseModel] = spec.route.endpoint.__annotations__["body"]
        # The handlers as FastAPI's build hands them to Starlette's exception middleware.
        handlers = {k: v for k, v in service.exception_handlers.items() if k not in (500, Exception)}
        self._class_handlers = {k: v for k, v in handlers.items() if isinstance(k, type)}
        self._status_handlers = {k: v for k, v in handlers.items() if isinstance(k, int)}
        error_handler = _error_handler(service)
        assert error_handler is not None  # ServiceApp builds no lane without one
        self._error_handler = error_handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] != "http" or scope["path"] != CHAT_PATH or scope["method"] != "POST" or scope.get("root_path"):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        declared = declared_length(scope)
        if not readable(request) or (declared is not None and declared > self._max_body_bytes):
            await self.app(scope, receive, send)
            return
        guarded = _Guarded(send)
        try:
            handoff = await self._take(scope, request, guarded)
        except Exception as exc:
            # As ServerErrorMiddleware, outside Guard: the error handler answers
            # unless a response began, and the server still sees the error.
            problem = await _call(self._error_handler, Request(scope), exc)
            if not guarded.started:
                await problem(scope, receive, send)
            raise
        if handoff is not None:
            await self.app(scope, handoff, send)

    async def _take(self, scope: Scope, request: Request, guarded: _Guarded) -> Receive | None:
        """Answer the request; or the ``receive`` to hand it to the full stack with, unanswered."""
        receive = request.receive
        read = await read_body(receive, self._max_body_bytes)
        if read is None:
            return None  # as Guard: nobody is left to answer
        body, more = read
        if len(body) > self._max_body_bytes:
            return replayed(body, more, receive)  # Guard answers 413
        # What routing puts in the scope, the same values (the problem handlers read the route).
        scope.setdefault("router", self._service.router)
        scope["endpoint"] = self._endpoint
        scope["path_params"] = {}
        scope["route"] = self._route
        try:
            try:
                accepted = await accept(request, body, self._body_model)
            except ProblemError:
                accepted = None  # the full stack words the 401
            if accepted is None:
                return replayed(body, False, receive)
            response = await self._endpoint(
                body=accepted.body, tenant=accepted.tenant, request=request, idempotency_key=accepted.idempotency_key
            )
            await response(scope, receive, guarded)
        except Exception as exc:
            # As Starlette's exception middleware, inside Guard: a registered handler answers.
            handler = self._handler_for(exc)
            if handler is None:
                raise
            if guarded.started:
                raise RuntimeError("Caught handled exception, but response already started.") from exc
            await (await _call(handler, request, exc))(scope, receive, guarded)
        return None

    def _handler_for(self, exc: Exception) -> Handler | None:
        if isinstance(exc, HTTPException) and exc.status_code in self._status_handlers:
            return self._status_handlers[exc.status_code]
        for cls in type(exc).__mro__:
            if cls in self._class_handlers:
                return self._class_handlers[cls]
        return None
