"""The web chat page: its files, and the short-lived token that lets it chat without an API key.

End users must never type a tenant's API key, so when the service requires
keys the page asks ``GET /api/page/token`` for a token instead and sends it as
``Authorization: Bearer <token>`` on ``POST /api/chat`` (and for the diagram).
A token is

    v1.<tenant, base64url>.<expiry, unix seconds>.<nonce>.<HMAC-SHA256, base64url>

signed over everything before the signature, with the ``page_secret`` setting
or, without one, a key derived from the configured API keys (so every worker
with the same keys accepts every other worker's tokens, and changing the keys
voids all tokens). It is accepted only until its expiry, only for the page's
tenant, and never on the session routes: a page visitor can chat, not read or
delete other conversations.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from vpnfsm.errors import TenantError
from vpnfsm.server.problems import PROBLEM_MEDIA_TYPE, Problem, ProblemError
from vpnfsm.server.settings import API_KEY_HEADER, DEFAULT_TENANT, Settings

__all__ = ["KeyOrPageTenant", "PageTokenBody", "PageTokens", "install_page", "page_tenant", "request_tenant"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

STATIC_DIR = Path(__file__).parent / "static"
TOKEN_VERSION = "v1"
# Longer than any token this module issues; longer input is refused unread.
_MAX_TOKEN_CHARS = 512
_NONCE_BYTES = 12
_SIGNING_CONTEXT = b"vpnfsm page token\n"

_api_key = APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="the tenant's API key")
_page_token = HTTPBearer(auto_error=False, description="a page token from GET /api/page/token")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derived_secret(api_keys: dict[str, str]) -> bytes:
    # Deterministic from the keys: workers started separately agree without a shared setting.
    material = json.dumps(sorted(api_keys.items()), separators=(",", ":")).encode()
    return hmac.new(b"vpnfsm page token secret v1", material, hashlib.sha256).digest()


@dataclass(frozen=True)
class IssuedToken:
    """A fresh page token and when it stops being accepted (unix seconds)."""

    token: str
    expires_at: int


class PageTokens:
    """Issues and checks the page's signed, tenant-bound, expiring tokens."""

    def __init__(
        self, secret: bytes, *, tenant: str, ttl_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        """Tokens for ``tenant``, valid ``ttl_seconds``, signed with ``secret``."""
        self._secret = secret
        self.tenant = tenant
        self.ttl_seconds = ttl_seconds
        self._clock = clock

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, _SIGNING_CONTEXT + payload.encode(), hashlib.sha256).digest())

    def issue(self) -> IssuedToken:
        """A new token for the page's tenant."""
        expires_at = int(self._clock()) + self.ttl_seconds
        nonce = _b64(secrets.token_bytes(_NONCE_BYTES))
        payload = f"{TOKEN_VERSION}.{_b64(self.tenant.encode())}.{expires_at}.{nonce}"
        return IssuedToken(token=f"{payload}.{self._sign(payload)}", expires_at=expires_at)

    def tenant_of(self, token: str) -> str | None:
        """The tenant a genuine, unexpired token of this page belongs to; ``None`` for any other text."""
        if len(token) > _MAX_TOKEN_CHARS:
            return None
        payload, _, signature = token.rpartition(".")
        # Signature first, in constant time: nothing of a forged token is parsed.
        if not payload or not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        parts = payload.split(".")
        if len(parts) != 4:
            return None
        version, tenant_b64, expiry, _nonce = parts
        try:
            tenant = _unb64(tenant_b64).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        if version != TOKEN_VERSION or not expiry.isdigit() or tenant != self.tenant:
            return None
        now = self._clock()
        # An expiry further out than one lifetime was not issued under these settings.
        if not now < int(expiry) <= now + self.ttl_seconds:
            return None
        return tenant


class PageTokenBody(BaseModel):
    """The body of ``GET /api/page/token``."""

    token: str
    expires_in: int
    expires_at: int


def page_tenant(settings: Settings) -> str | None:
    """The tenant the page chats for; ``None`` when keys name several tenants and none is chosen.

    Raises:
        TenantError: ``page_tenant`` names a tenant that has no API key.

    """
    if not settings.multi_tenant:
        return DEFAULT_TENANT
    tenants = set(settings.api_keys.values())
    if settings.page_tenant is not None:
        if settings.page_tenant not in tenants:
            raise TenantError(f"VPNFSM_PAGE_TENANT names {settings.page_tenant!r}, which has no API key")
        return settings.page_tenant
    return next(iter(tenants)) if len(tenants) == 1 else None


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, "Unauthorized", detail, headers={"WWW-Authenticate": f'ApiKey header="{API_KEY_HEADER}"'})


async def _key_or_page_tenant(
    request: Request,
    key: Annotated[str | None, Depends(_api_key)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_page_token)],
) -> str:
    resolve: Callable[[str | None], str] = request.app.state.tenant_of
    tokens: PageTokens | None = request.app.state.page_tokens
    settings: Settings = request.app.state.settings
    # A program's key wins; a page token only stands in where no key was sent.
    if key is not None or bearer is None or not settings.multi_tenant:
        tenant: str | None = resolve(key)
    else:
        tenant = tokens.tenant_of(bearer.credentials) if tokens is not None else None
    if tenant is None:
        raise _unauthorized(f"the page token is invalid or expired (programs send the {API_KEY_HEADER} header)")
    request.state.tenant = tenant  # for log lines about this request (vpnfsm.server.problems)
    return tenant


#: The tenant of a request to the routes the page uses: an API key or a page token.
KeyOrPageTenant = Annotated[str, Depends(_key_or_page_tenant)]


async def request_tenant(request: Request) -> str:
    """What :data:`KeyOrPageTenant` resolves to, read straight from ``request`` (no dependency solving).

    The same header readers and the same rule, so a route that skips FastAPI's
    dependency solving on its hot path (``POST /api/chat``) cannot disagree
    with the declared dependency.

    Raises:
        ProblemError: 401, the key is missing or unknown or the page token invalid.

    """
    return await _key_or_page_tenant(request, await _api_key(request), await _page_token(request))


def install_page(app: FastAPI, settings: Settings) -> None:
    """Add the page, its files, its favicon and its token route to ``app``.

    Raises:
        TenantError: ``page_tenant`` names a tenant that has no API key.

    """
    tenant = page_tenant(settings)
    tokens: PageTokens | None = None
    if tenant is not None:
        secret = settings.page_secret.encode() if settings.page_secret else _derived_secret(settings.api_keys)
        tokens = PageTokens(secret, tenant=tenant, ttl_seconds=settings.page_token_seconds)
    else:
        logger.warning("the web page cannot chat: several tenants have keys and VPNFSM_PAGE_TENANT is not set")
    app.state.page_tokens = tokens

    @app.get(
        "/api/page/token",
        response_model=PageTokenBody,
        responses={
            404: {
                "model": Problem,
                "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                "description": "the page is not enabled (several tenants, none chosen)",
            }
        },
        summary="A short-lived token for the web page",
    )
    async def page_token() -> PageTokenBody:
        """A signed token the page sends as ``Authorization: Bearer``; valid for the page's tenant only."""
        if tokens is None:
            raise ProblemError(404, "Not found", "the web page is not enabled on this service")
        issued = tokens.issue()
        return PageTokenBody(token=issued.token, expires_in=tokens.ttl_seconds, expires_at=issued.expires_at)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        # Browsers and tools that ignore the page's <link rel=icon> ask here.
        return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
