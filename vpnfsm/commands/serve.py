"""``vpnfsm serve``: run the HTTP service and the web chat page with uvicorn.

Settings come from the flags and the environment through one model
(:class:`vpnfsm.server.settings.ServiceEnvironment`); a bad value stops the
command with one line naming the variable or flag. Workers get the validated
settings from a private file, never from their environment, and every secret
variable is removed from the environment they inherit.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from vpnfsm.commands._flows import add_content_argument

NAME = "serve"
HELP = "run the HTTP API and chat page (in-memory store unless --redis-url or REDIS_URL)"

# (flag as typed, argparse dest, ServiceEnvironment field); a flag left out lets
# the variable (or the model's default) apply.
_FLAGS = (
    ("--host", "host", "host"),
    ("--port", "port", "port"),
    ("--workers", "workers", "workers"),
    ("--redis-url", "redis_url", "redis_url"),
    ("--tenants", "tenants", "tenants_file"),
    ("--log-level", "log_level", "log_level"),
    ("--log-format", "log_format", "log_format"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``serve`` (every default comes from the settings model)."""
    from vpnfsm._logging import LOG_FORMATS, LOG_LEVELS

    parser.add_argument("--host", default=None, help="interface to listen on (default 127.0.0.1; $VPNFSM_HOST)")
    parser.add_argument("--port", type=int, default=None, help="TCP port (default 8000; $VPNFSM_PORT)")
    parser.add_argument("--redis-url", default=None, help="Redis URL (default: $REDIS_URL, else memory)")
    add_content_argument(parser)
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default 1; needs Redis when > 1)"
    )
    parser.add_argument(
        "--tenants",
        default=None,
        metavar="FILE",
        help="TOML file with a [keys] table (API key = tenant id); default $VPNFSM_TENANTS_FILE",
    )
    parser.add_argument(
        "--log-level", default=None, choices=LOG_LEVELS, help="log level (default info; $VPNFSM_LOG_LEVEL)"
    )
    parser.add_argument(
        "--log-format", default=None, choices=LOG_FORMATS, help="log lines as text or json ($VPNFSM_LOG_FORMAT)"
    )


def _refusal(env: object, settings: object) -> str | None:
    from vpnfsm.server.settings import ServiceEnvironment, Settings

    assert isinstance(env, ServiceEnvironment)
    assert isinstance(settings, Settings)
    if env.workers > 1 and settings.redis_url is None:
        return "--workers > 1 needs Redis (--redis-url or REDIS_URL): the in-memory store lives in one process"
    if env.jira_url is not None and settings.redis_url is None:
        # Decision (issue 11, item 8): refuse rather than deliver in-process. A
        # handoff in the memory store dies with the process, so a ticket promised
        # to the user would be lost on every restart; Redis + the worker keeps it.
        return (
            "VPNFSM_JIRA_URL is set but the in-memory store's handoffs never leave this process: "
            "set REDIS_URL and run `vpnfsm deliver --redis-url URL --tenant FILE` beside the service"
        )
    if env.require_api_keys and not settings.multi_tenant:
        return "VPNFSM_REQUIRE_API_KEYS is set but no API keys are configured (--tenants FILE or VPNFSM_API_KEYS)"
    return None


def run(args: argparse.Namespace) -> int:
    """Validate the configuration, say what runs, then serve until interrupted."""
    try:
        import vpnfsm.server.app  # noqa: F401  (the whole extra: fastapi, prometheus-client, ...)
        from vpnfsm.server import _uvicorn  # uvicorn on uvloop and httptools
        from vpnfsm.server.settings import API_KEY_HEADER, SECRET_ENV, SETTINGS_FILE_ENV, ServiceEnvironment
    except ImportError as exc:
        print(f"vpnfsm serve needs the 'server' extra: pip install 'vpnfsm[server]' ({exc})", file=sys.stderr)
        return 2
    from vpnfsm._logging import mask_url, uvicorn_log_config

    given = {field: (flag, getattr(args, dest)) for flag, dest, field in _FLAGS if getattr(args, dest) is not None}
    env = ServiceEnvironment.load(flags=given)  # SettingsError names the variable: the CLI prints one line
    settings = env.settings()  # TenantError on a bad keys file: fail before listening
    if args.content is not None:
        from vpnfsm.content import load_pack

        pack = load_pack(args.content)  # ContentError lists every problem: fail before listening
        os.environ["VPNFSM_CONTENT"] = str(Path(pack.root).resolve())  # the app (and every worker) loads it from here
        print(f"vpnfsm serve: content pack {pack.name} ({', '.join(pack.flows)})")
    refusal = _refusal(env, settings)
    if refusal is not None:
        print(f"vpnfsm serve: {refusal}", file=sys.stderr)
        return 2
    store = (
        "in-memory store (sessions are lost on exit)"
        if settings.redis_url is None
        else f"Redis at {mask_url(settings.redis_url)}"
    )
    print(f"vpnfsm serve: {store}")
    if settings.multi_tenant:
        tenants = sorted(set(settings.api_keys.values()))
        print(f"vpnfsm serve: {len(tenants)} tenant(s), API key required in {API_KEY_HEADER}")
    else:
        print(
            "vpnfsm serve: single-tenant mode, no API key required (local use only; "
            "configure --tenants for anything shared)"
        )
    if settings.metrics_token is not None:
        print("vpnfsm serve: /metrics requires its bearer token")
    print(f"vpnfsm serve: chat page at http://{env.host}:{env.port}/", flush=True)
    log_config = uvicorn_log_config(env.log_level, env.log_format)
    if env.workers == 1:
        # One process: the app is built here from the validated settings, so no
        # secret is written anywhere and nothing is left behind however it stops.
        from vpnfsm.server.app import create_app

        _uvicorn.run(
            create_app(settings),
            host=env.host,
            port=env.port,
            log_level=env.log_level,
            log_config=log_config,
            proxy_headers=False,
        )
        return 0
    # Several workers re-import the app; they read the settings from a file only
    # this user can read, and inherit an environment without keys or passwords.
    private = settings.write_private()
    os.environ[SETTINGS_FILE_ENV] = str(private)
    for name in SECRET_ENV:
        os.environ.pop(name, None)
    try:
        # Each worker listens on a socket of its own (SO_REUSEPORT): see vpnfsm/server/_uvicorn.py.
        _uvicorn.run(
            "vpnfsm.server.app:app_from_env",
            factory=True,
            host=env.host,
            port=env.port,
            workers=env.workers,
            log_level=env.log_level,
            log_config=log_config,
            proxy_headers=False,
        )
    finally:
        # Kept while serving: uvicorn restarts a worker that dies, and the new one reads it.
        os.environ.pop(SETTINGS_FILE_ENV, None)
        _remove(private)
    return 0


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()
