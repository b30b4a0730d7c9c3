"""Configuration of the HTTP service: store, API keys (tenants), limits, logging.

Settings come from flags (``vpnfsm serve``) and the environment through one
pydantic-settings model, :class:`ServiceEnvironment`, so a container or a
process manager can start the service without a command line. An invalid
value is a :class:`~vpnfsm.errors.SettingsError` naming the variable or flag.

================================  ========================================
With no keys configured the service runs single-tenant (tenant ``default``)
and needs no key: meant for local use, and announced at start-up.

Worker processes never get secrets through their environment: ``vpnfsm
serve`` writes the validated :class:`Settings` to a file only its user can
read (:meth:`Settings.write_private`) and passes the file's path in
:data:`SETTINGS_FILE_ENV`.
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from vpnfsm._logging import LogFormat, LogLevel
from vpnfsm._turn import DEFAULT_MAX_MESSAGE_CHARS, check_id
from vpnfsm.errors import InputError, SettingsError, TenantError

__all__ = [
    "API_KEY_HEADER",
    "DEFAULT_TENANT",
    "SECRET_ENV",
    "SETTINGS_FILE_ENV",
    "ServiceEnvironment",
    "Settings",
    "load_api_keys",
    "parse_api_keys",
]

#: The request header that carries a tenant's API key.
API_KEY_HEADER = "X-API-Key"

#: The tenant every request belongs to when no keys are configured.
DEFAULT_TENANT = "default"

#: Environment variable with the path of the private settings file that
#: ``vpnfsm serve`` hands its uvicorn workers (uvicorn re-imports the app).
SETTINGS_FILE_ENV = "VPNFSM_SETTINGS_FILE"

#: Variables that carry secrets (keys, passwords, tokens): ``vpnfsm serve``
#: removes them from the environment its workers inherit.
SECRET_ENV: tuple[str, ...] = (
    "REDIS_URL",
    "VPNFSM_API_KEYS",
    "VPNFSM_METRICS_TOKEN",
    "JIRA_API_TOKEN",
    "JIRA_BEARER_TOKEN",
)

class Settings(BaseModel):
    """Everything the HTTP service needs to start (built in code, or by :meth:`from_env`).

    Attributes:
        redis_url: the Redis store's URL; ``None`` selects the in-memory store.
        api_keys: API key -> tenant id; empty means single-tenant without keys.
        max_body_bytes: larger request bodies get 413; ``None`` (the default)
            follows ``max_message_chars`` (see :attr:`body_limit`).
        max_message_chars: longer messages get 422.
        retry_after_seconds: what ``Retry-After`` says when the store is down.
        tenants_file: where ``api_keys`` came from, for messages only.
        metrics_token: the bearer token ``/metrics`` requires; ``None``: open,
            and without per-tenant series.

    The secret fields are left out of ``repr``, so printing settings (or a
    traceback's locals) shows no key, password or token.

    """

    model_config = ConfigDict(frozen=True)

    redis_url: str | None = Field(default=None, repr=False)
    api_keys: dict[str, str] = Field(default_factory=dict, repr=False)
    max_body_bytes: int | None = Field(default=None, ge=256)
    max_message_chars: int = Field(default=DEFAULT_MAX_MESSAGE_CHARS, ge=1)
    retry_after_seconds: int = Field(default=2, ge=1)
    tenants_file: str | None = None
    metrics_token: str | None = Field(default=None, repr=False, min_length=16)

    @property
    def body_limit(self) -> int:
        """The request body limit: ``max_body_bytes``, or room for the longest message.

        Room means however a client encodes it: JSON may escape one character
        as up to 12 bytes (an emoji as two escaped surrogates), plus the envelope.
        """
        if self.max_body_bytes is not None:
            return self.max_body_bytes
        return 12 * self.max_message_chars + 4096

    @property
    def multi_tenant(self) -> bool:
        """Whether requests must carry an API key."""
        return bool(self.api_keys)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from the environment (see the module docstring).

        A worker started by ``vpnfsm serve`` reads the private file named by
        :data:`SETTINGS_FILE_ENV` instead.

        Raises:
            SettingsError: a variable has an invalid value (the message names it).
            TenantError: the tenants file or ``VPNFSM_API_KEYS`` is invalid.

        """
        env = os.environ if environ is None else environ
        private = env.get(SETTINGS_FILE_ENV)
        if private:
            return cls.from_file(Path(private))
        return ServiceEnvironment.load(environ).settings()

    def write_private(self, directory: Path | None = None) -> Path:
        """Write these settings to a new file only this user can read; returns its path.

        The file is created with mode 0600 inside a fresh 0700 directory; the
        caller deletes both (``path.unlink(); path.parent.rmdir()``) when done.
        """
        folder = Path(tempfile.mkdtemp(prefix="vpnfsm-", dir=directory))
        path = folder / "settings.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(self.model_dump_json())
        return path

    @classmethod
    def from_file(cls, path: Path) -> Settings:
        """Read settings written by :meth:`write_private`.

        Raises:
            SettingsError: the file cannot be read or does not hold settings.

        """
        try:
            return cls.model_validate_json(path.read_bytes())
        except OSError as exc:
            raise SettingsError(
                f"{SETTINGS_FILE_ENV}: cannot read {path}: {exc.strerror}", variable=SETTINGS_FILE_ENV
            ) from exc
        except ValidationError as exc:
            message = f"{SETTINGS_FILE_ENV}: {path} does not hold settings"
            raise SettingsError(message, variable=SETTINGS_FILE_ENV) from exc


class ServiceEnvironment(BaseSettings):
    """The service's settings as the environment and ``vpnfsm serve``'s flags give them.

    Every field reads the variable in its alias (``VPNFSM_MAX_BODY_BYTES``);
    flags (:meth:`load`) win over the environment. Values are
    validated here, once, so every mistake is reported with the variable or
    flag that caused it (:meth:`load`).
    """

    model_config = SettingsConfigDict(
        frozen=True, extra="ignore", env_ignore_empty=True, case_sensitive=True
    )

    redis_url: str | None = Field(
        default=None, repr=False, validation_alias="REDIS_URL"
    )
    tenants_file: Path | None = Field(
        default=None, validation_alias="VPNFSM_TENANTS_FILE"
    )
    api_keys: str | None = Field(default=None, repr=False, validation_alias="VPNFSM_API_KEYS")
    require_api_keys: bool = Field(
        default=False, validation_alias="VPNFSM_REQUIRE_API_KEYS"
    )
    max_body_bytes: int | None = Field(
        default=None,
        ge=256,
        validation_alias="VPNFSM_MAX_BODY_BYTES",
    )
    max_message_chars: int = Field(
        default=DEFAULT_MAX_MESSAGE_CHARS,
        ge=1,
        validation_alias="VPNFSM_MAX_MESSAGE_CHARS",
    )
    retry_after_seconds: int = Field(
        default=2, ge=1, validation_alias="VPNFSM_RETRY_AFTER_SECONDS"
    )
    metrics_token: str | None = Field(
        default=None, repr=False, min_length=16, validation_alias="VPNFSM_METRICS_TOKEN"
    )
    metrics_token_file: Path | None = Field(
        default=None, validation_alias="VPNFSM_METRICS_TOKEN_FILE"
    )
    log_level: LogLevel = Field(default="info", validation_alias="VPNFSM_LOG_LEVEL")
    log_format: LogFormat = Field(default="text", validation_alias="VPNFSM_LOG_FORMAT")
    jira_url: str | None = Field(default=None, validation_alias="VPNFSM_JIRA_URL")
    host: str = Field(default="127.0.0.1", min_length=1, validation_alias="VPNFSM_HOST")
    port: int = Field(default=8000, ge=0, le=65535, validation_alias="VPNFSM_PORT")
    workers: int = Field(default=1, ge=1, le=64, validation_alias="VPNFSM_WORKERS")

    @classmethod
    def load(
        cls, environ: Mapping[str, str] | None = None, *, flags: Mapping[str, tuple[str, object]] | None = None
    ) -> ServiceEnvironment:
        """Validate the environment (``os.environ`` by default) with ``flags`` on top.

        Args:
            environ: the variables to read; ``None`` reads the process environment.
            flags: field name -> (flag as typed, value) for the flags given.

        Raises:
            SettingsError: one value is invalid; the message names its variable or
                flag, the value and what is expected, in one line.

        """
        # Flags are given under their variable's name: the model then reads only the
        # variables (an environment entry named "port" must not count).
        given: dict[str, Any] = {
            _aliases(cls.model_fields[field])[0]: value for field, (_, value) in (flags or {}).items()
        }
        try:
            if environ is None:
                return cls(**given)
            variables = {
                name: value
                for name, value in environ.items()
                if value != "" and any(name in _aliases(info) for info in cls.model_fields.values())
            }
            return cls.model_validate({**variables, **given})
        except ValidationError as exc:
            raise _settings_error(exc, flags or {}) from exc

    def settings(self) -> Settings:
        """The :class:`Settings` these values describe (API keys and tokens read from their files).

        Raises:
            TenantError: the tenants file or ``VPNFSM_API_KEYS`` is invalid.
            SettingsError: the metrics token file cannot be read or is too short.

        """
        keys: dict[str, str] = {}
        if self.tenants_file is not None:
            keys.update(load_api_keys(self.tenants_file))
        if self.api_keys:
            keys.update(parse_api_keys(self.api_keys))
        return Settings(
            redis_url=self.redis_url,
            api_keys=keys,
            max_body_bytes=self.max_body_bytes,
            max_message_chars=self.max_message_chars,
            retry_after_seconds=self.retry_after_seconds,
            tenants_file=str(self.tenants_file) if self.tenants_file is not None else None,
            metrics_token=self._metrics_token(),
        )

    def _metrics_token(self) -> str | None:
        if self.metrics_token_file is None:
            return self.metrics_token
        variable = "VPNFSM_METRICS_TOKEN_FILE"
        try:
            token = self.metrics_token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SettingsError(
                f"{variable}: cannot read {self.metrics_token_file}: {exc.strerror}", variable=variable
            ) from exc
        if len(token) < 16:
            raise SettingsError(f"{variable}: the token must be at least 16 characters", variable=variable)
        return token


def _aliases(info: Any) -> tuple[str, ...]:
    alias = info.validation_alias
    return (alias,) if isinstance(alias, str) else ()


_SECRET_FIELDS = frozenset({"redis_url", "api_keys", "metrics_token"})


def _settings_error(exc: ValidationError, flags: Mapping[str, tuple[str, object]]) -> SettingsError:
    # The first problem, as one line: "VPNFSM_MAX_BODY_BYTES='abc': Input should be a valid integer".
    error = exc.errors(include_url=False)[0]
    where = str(error["loc"][0]) if error["loc"] else "settings"
    field = next(
        (name for name, info in ServiceEnvironment.model_fields.items() if where == name or where in _aliases(info)),
        None,
    )
    if field is not None and field in flags:
        where = flags[field][0]
    elif field is not None:
        where = next((a for a in _aliases(ServiceEnvironment.model_fields[field]) if a != field), where)
    shown = "" if field in _SECRET_FIELDS else f"={json.dumps(str(error.get('input')))}"
    return SettingsError(f"{where}{shown}: {error['msg']}", variable=where)


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
