"""``vpnfsm teams``: serve the Teams bot at ``/api/messages`` for the Bot Framework (extra ``teams``)."""

from __future__ import annotations

import argparse
import os
import sys

NAME = "teams"
HELP = "answer Microsoft Teams messages at /api/messages (in-memory store unless --redis-url)"

_VARIABLES = ("MicrosoftAppId", "MicrosoftAppPassword", "MicrosoftAppType", "MicrosoftAppTenantId")
_ENV_HELP = (
    "MicrosoftAppId and MicrosoftAppPassword (the Azure Bot registration); "
    "optional MicrosoftAppType, MicrosoftAppTenantId"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``teams``."""
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=3978, help="TCP port (default 3978, the Bot Framework's)")
    parser.add_argument("--tenant", default="default", help="the tenant this bot's sessions belong to")
    parser.add_argument("--redis-url", default=None, help="Redis URL (default: $REDIS_URL, else memory)")
    parser.epilog = f"Environment: {_ENV_HELP}."


def run(args: argparse.Namespace) -> int:
    """Check the configuration, say what runs, then serve until interrupted."""
    try:
        from aiohttp import web

        from vpnfsm.hosts.teams import TeamsApp, VpnfsmTeamsBot, create_teams_web_app
    except ImportError as exc:
        print(f"vpnfsm teams needs the 'teams' extra: pip install 'vpnfsm[teams]' ({exc})", file=sys.stderr)
        return 2
    from vpnfsm.assistant import AsyncAssistant
    from vpnfsm.commands._io import redis_url
    from vpnfsm.dialogue.language import load_model as load_language_model

    # The Bot Framework's own variable names, as Azure's bot templates set them.
    env = {name: os.environ.get(name, "").strip() for name in _VARIABLES}
    missing = [name for name in _VARIABLES[:2] if not env[name]]
    if missing:
        print(f"vpnfsm teams: error: set {' and '.join(missing)} ({_ENV_HELP})", file=sys.stderr)
        return 2
    app_id, password, app_type, app_tenant = (env[name] for name in _VARIABLES)
    registration = TeamsApp(
        app_id=app_id, app_password=password, app_type=app_type or "MultiTenant", app_tenant_id=app_tenant
    )
    url = redis_url(args.redis_url)
    if url is None:
        assistant = AsyncAssistant()
        where = "in-memory store (sessions are lost on exit)"
    else:
        from vpnfsm.store.redis import AsyncRedisStore

        assistant = AsyncAssistant(store=AsyncRedisStore.from_url(url))
        where = "Redis"
    app = create_teams_web_app(VpnfsmTeamsBot(assistant, tenant=args.tenant), registration)
    load_language_model()  # now, not on the first long non-English message
    print(f"vpnfsm teams: http://{args.host}:{args.port}/api/messages, tenant {args.tenant}, {where}")
    web.run_app(app, host=args.host, port=args.port, print=None)
    return 0
