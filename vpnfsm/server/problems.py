"""RFC 9457 problem details: the one shape every error of the service takes.

Every error path ends here: request validation, vpnfsm's typed errors, HTTP
errors raised by routing, and anything unexpected (a 500 that names no
internals; the traceback goes to the log only).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from vpnfsm.errors import InputError, SessionConflict, StoreUnavailable
from vpnfsm.server._methods import allow_header, allowed_methods

__all__ = ["PROBLEM_MEDIA_TYPE", "Problem", "ProblemError", "install_problem_handlers", "problem_response"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

PROBLEM_MEDIA_TYPE = "application/problem+json"

# Stable problem type URIs; relative references are allowed by RFC 9457 and
# resolve against the service, where docs/operations.md describes each.
_TYPES = {
    400: "bad-request",
    401: "unauthorized",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "body-too-large",
    415: "unsupported-media-type",
    422: "invalid-request",
    503: "store-unavailable",
    500: "internal-error",
}


class Problem(BaseModel):
    """An RFC 9457 problem document, as documented in the OpenAPI schema.

    Attributes:
        type: a URI reference naming the problem kind.
        title: a short summary of the kind.
        status: the HTTP status code.
        detail: what went wrong with this request.
        errors: for invalid requests, one entry per rejected field.

    """

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[dict[str, Any]] | None = None


class ProblemError(Exception):
    """Raised inside the service to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        kind: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.kind = kind


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    kind: str | None = None,
    **extra: Any,
) -> JSONResponse:
    """A ``application/problem+json`` response; ``kind`` overrides the status's problem type."""
    body: dict[str, Any] = {
        "type": "/problems/" + (kind or _TYPES.get(status, f"http-{status}")),
        "title": title,
        "status": status,
    }
    if detail is not None:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Keep location, message and type; drop the echoed input, which may be large or secret.
    return [
        {
            "loc": [str(part) for part in err.get("loc", ())],
            "msg": err.get("msg", ""),
            "type": err.get("type"),
        }
        for err in exc.errors()
    ]


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    if any(err["type"] == "json_invalid" for err in errors):
        return problem_response(422, "Malformed JSON", "the request body is not valid JSON", errors=errors)
    return problem_response(422, "Invalid request", "the request does not match the schema", errors=errors)


async def _on_input(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InputError)
    return problem_response(
        422, "Invalid input", str(exc), errors=[{"loc": [exc.field], "msg": str(exc), "type": exc.reason}]
    )


def _count_store_error(request: Request, kind: str) -> None:
    # One place counts what the store did to requests, whichever route met it.
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.store_errors.labels(kind=kind).inc()


async def _on_store_down(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StoreUnavailable)
    _count_store_error(request, "unavailable")
    retry = str(request.app.state.settings.retry_after_seconds)
    logger.warning("session store unavailable: %s", exc, extra=_log_context(request))
    headers = {"Retry-After": retry}
    if getattr(request.scope.get("route"), "path", None) != "/api/chat":
        return problem_response(
            503, "Store unavailable", "the session store cannot be reached; retry later", headers=headers
        )
    # A chat turn: say whether it may be stored, and whether sending it again is safe.
    keyed = bool(request.headers.get("idempotency-key"))
    if not exc.may_have_applied:
        # Only about this request: an earlier one with the same key may have been stored.
        detail = "the session store cannot be reached; this request wrote nothing; retry later"
    elif keyed:
        detail = (
            "the session store did not confirm the save, so the message may have been applied; "
            "retrying with the same Idempotency-Key is safe: it is applied at most once"
        )
    else:
        detail = (
            "the session store did not confirm the save, so the message may have been applied; "
            "a retry without an Idempotency-Key may apply it twice"
        )
    return problem_response(
        503,
        "Store unavailable",
        detail,
        headers=headers,
        may_have_applied=exc.may_have_applied,
        retry_safe=keyed or not exc.may_have_applied,
    )


def _log_context(request: Request) -> dict[str, object]:
    # Which tenant and session a failed request was about (set by the routes); never its body.
    return {
        "tenant": getattr(request.state, "tenant", None),
        "session_id": request.path_params.get("session_id") or getattr(request.state, "session_id", None),
    }


async def _on_conflict(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SessionConflict)
    _count_store_error(request, "conflict")
    return problem_response(409, "Concurrent update", "too many concurrent messages for this session; send it again")


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(exc.status, exc.title, exc.detail, headers=exc.headers, kind=exc.kind)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = {400: "Bad request", 404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
    detail = exc.detail if isinstance(exc.detail, str) else None
    headers = dict(exc.headers or {})
    if exc.status_code == 405:  # routing names only the first matching route's methods
        headers["Allow"] = allow_header(allowed_methods(request.app.router.routes, request.scope))
    return problem_response(exc.status_code, title, detail, headers=headers)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, extra=_log_context(request))
    return problem_response(500, "Internal error", "the service failed to handle the request")


def install_problem_handlers(app: FastAPI) -> None:
    """Route every error of ``app`` through a problem document."""
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(InputError, _on_input)
    app.add_exception_handler(StoreUnavailable, _on_store_down)
    app.add_exception_handler(SessionConflict, _on_conflict)
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Exception, _on_unexpected)
