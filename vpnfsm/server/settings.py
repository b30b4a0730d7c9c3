"""Configuration of the HTTP service: store, API keys (tenants) and limits.

Settings come from arguments (``vpnfsm serve``) or the environment, so a
container or a process manager can start workers without a command line:

=========================  ==================================================
``REDIS_URL``              Redis URL; unset: the in-memory store (one process)
``VPNFSM_TENANTS_FILE``    TOML file with a ``[keys]`` table: API key = tenant
``VPNFSM_API_KEYS``        ``key1=tenant-a,key2=tenant-b`` (instead of a file)
``VPNFSM_MAX_BODY_BYTES``  largest accepted request body (default 16 KiB)
``VPNFSM_MAX_MESSAGE_CHARS``  longest accepted message (default 2000)
``VPNFSM_PAGE_TENANT``     the tenant the web chat page serves (see docs/operations.md)
``VPNFSM_PAGE_SECRET``     signs the page's tokens; unset: derived from the API keys
=========================  ==================================================

With no keys configured the service runs single-tenant (tenant ``default``)
and needs no key: meant for local use, and announced at start-up.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from vpnfsm._turn import DEFAULT_MAX_MESSAGE_CHARS, check_id
from vpnfsm.errors import InputError, TenantError

__all__ = ["API_KEY_HEADER", "DEFAULT_TENANT", "Settings", "load_api_keys", "parse_api_keys"]

#: The request header that carries a tenant's API key.
API_KEY_HEADER = "X-API-Key"

#: The tenant every request belongs to when no keys are configured.
DEFAULT_TENANT = "default"

# Environment variable that carries the whole settings object to worker
# processes started by ``vpnfsm serve --workers N`` (uvicorn re-imports the app).
SETTINGS_ENV = "VPNFSM_SERVER_SETTINGS"


class Settings(BaseModel):
    """Everything the HTTP service needs to start.

    Attributes:
        redis_url: the Redis store's URL; ``None`` selects the in-memory store.
        api_keys: API key -> tenant id; empty means single-tenant without keys.
        max_body_bytes: larger request bodies get 413.
        max_message_chars: longer messages get 422.
        retry_after_seconds: what ``Retry-After`` says when the store is down.
        tenants_file: where ``api_keys`` came from, for messages only.
        page_tenant: the tenant whose chat the web page offers when API keys
            are required; ``None``: the only tenant, if the keys name one.
        page_secret: the HMAC key of the page's tokens; ``None``: derived
            from the API keys, so every worker with the same keys agrees.
        page_token_seconds: how long a page token is accepted.

    """

    model_config = ConfigDict(frozen=True)

    redis_url: str | None = None
    api_keys: dict[str, str] = Field(default_factory=dict)
    max_body_bytes: int = Field(default=16 * 1024, ge=256)
    max_message_chars: int = Field(default=DEFAULT_MAX_MESSAGE_CHARS, ge=1)
    retry_after_seconds: int = Field(default=2, ge=1)
    tenants_file: str | None = None
    page_tenant: str | None = None
    page_secret: str | None = Field(default=None, min_length=32, repr=False)
    page_token_seconds: int = Field(default=15 * 60, ge=60, le=24 * 3600)

    @property
    def multi_tenant(self) -> bool:
        """Whether requests must carry an API key."""
        return bool(self.api_keys)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from the environment (see the module docstring).

        Raises:
            TenantError: the tenants file or ``VPNFSM_API_KEYS`` is invalid.

        """
        env = os.environ if environ is None else environ
        packed = env.get(SETTINGS_ENV)
        if packed:
            return cls.model_validate_json(packed)
        keys: dict[str, str] = {}
        tenants_file = env.get("VPNFSM_TENANTS_FILE") or None
        if tenants_file:
            keys.update(load_api_keys(Path(tenants_file)))
        if env.get("VPNFSM_API_KEYS"):
            keys.update(parse_api_keys(env["VPNFSM_API_KEYS"]))
        values: dict[str, object] = {
            "redis_url": env.get("REDIS_URL") or None,
            "api_keys": keys,
            "tenants_file": tenants_file,
            "page_tenant": env.get("VPNFSM_PAGE_TENANT") or None,
            "page_secret": env.get("VPNFSM_PAGE_SECRET") or None,
        }
        for name, var in (
            ("max_body_bytes", "VPNFSM_MAX_BODY_BYTES"),
            ("max_message_chars", "VPNFSM_MAX_MESSAGE_CHARS"),
        ):
            if env.get(var):
                values[name] = int(env[var])
        return cls.model_validate(values)

    def pack(self) -> str:
        """The settings as JSON for :data:`SETTINGS_ENV` (read back by :meth:`from_env`)."""
        return self.model_dump_json()


def _tenant(value: object, *, path: str | None, line: int | None = None) -> str:
    try:
        if not isinstance(value, str):
            raise InputError("tenant must be a string", field="tenant", reason="invalid")
        return check_id(value, field_name="tenant")
    except InputError as exc:
        raise TenantError(f"invalid tenant id {value!r}: {exc}", path=path, line=line) from exc


def load_api_keys(path: Path) -> dict[str, str]:
    """Read the ``[keys]`` table of a tenants file: ``"<api key>" = "<tenant id>"``.

    Raises:
        TenantError: the file is missing, not TOML, has no ``[keys]`` table, or
            a key or tenant id is invalid.

    """
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TenantError(f"cannot read tenants file: {exc.strerror}", path=where) from exc
    except tomllib.TOMLDecodeError as exc:
        raise TenantError(f"not valid TOML: {exc}", path=where) from exc
    table = data.get("keys")
    if "tenants" in data and table is None:
        raise TenantError(
            "this looks like a Jira tenant mapping; serve --tenants wants the API-key file ([keys] table)",
            path=where,
        )
    if not isinstance(table, dict) or not table:
        raise TenantError("expected a non-empty [keys] table (api key = tenant id)", path=where)
    keys: dict[str, str] = {}
    for key, tenant in table.items():
        keys[_key(key, path=where)] = _tenant(tenant, path=where)
    return keys


def parse_api_keys(text: str) -> dict[str, str]:
    """Parse ``key1=tenant-a,key2=tenant-b`` (the ``VPNFSM_API_KEYS`` format).

    Raises:
        TenantError: an item is not ``key=tenant`` or a part is invalid.

    """
    keys: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, tenant = item.partition("=")
        if not sep:
            raise TenantError("VPNFSM_API_KEYS items must look like key=tenant")
        keys[_key(key.strip(), path=None)] = _tenant(tenant.strip(), path=None)
    return keys


def _key(key: str, *, path: str | None) -> str:
    # Short keys are guessable; control characters cannot travel in a header.
    if len(key) < 16 or not key.isprintable() or key != key.strip():
        raise TenantError("API keys must be at least 16 printable characters", path=path)
    return key
