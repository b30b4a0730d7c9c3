"""``vpnfsm serve``: run the HTTP service and the web chat page with uvicorn."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

NAME = "serve"
HELP = "run the HTTP API and chat page (in-memory store unless --redis-url or REDIS_URL)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``serve``."""
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    parser.add_argument("--redis-url", default=None, help="Redis URL (default: $REDIS_URL, else memory)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (needs Redis when > 1)")
    parser.add_argument(
        "--tenants",
        default=None,
        metavar="FILE",
        help="TOML file with a [keys] table (API key = tenant id); default $VPNFSM_TENANTS_FILE",
    )
    parser.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )


def _safe_url(url: str) -> str:
    # Never print a Redis password.
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def run(args: argparse.Namespace) -> int:
    """Validate the configuration, say what runs, then serve until interrupted."""
    from vpnfsm.commands._io import redis_url

    try:
        import uvicorn

        from vpnfsm.server.settings import API_KEY_HEADER, SETTINGS_ENV, Settings
    except ImportError as exc:
        print(f"vpnfsm serve needs the 'server' extra: pip install 'vpnfsm[server]' ({exc})", file=sys.stderr)
        return 2
    environ = dict(os.environ)
    url = redis_url(args.redis_url)
    if url is not None:
        environ["REDIS_URL"] = url
    if args.tenants is not None:
        environ["VPNFSM_TENANTS_FILE"] = str(Path(args.tenants))
    settings = Settings.from_env(environ)  # raises TenantError on a bad file: fail before listening
    if args.workers < 1:
        print("vpnfsm: error: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.workers > 1 and settings.redis_url is None:
        print(
            "vpnfsm: error: --workers > 1 needs Redis (--redis-url or REDIS_URL): "
            "the in-memory store lives in one process",
            file=sys.stderr,
        )
        return 2
    store = (
        "in-memory store (sessions are lost on exit)"
        if settings.redis_url is None
        else (f"Redis at {_safe_url(settings.redis_url)}")
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
    print(f"vpnfsm serve: chat page at http://{args.host}:{args.port}/", flush=True)
    # Workers are separate processes that import the app themselves; they read
    # the validated settings from the environment.
    os.environ[SETTINGS_ENV] = settings.pack()
    uvicorn.run(
        "vpnfsm.server.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        proxy_headers=False,
    )
    return 0
