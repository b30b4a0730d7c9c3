"""``vpnfsm slack``: run the Slack app, over Socket Mode or the Events API (extra ``slack``)."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slack_bolt import App

#: Where the Events API request URL points (the Slack app's "Request URL").
EVENTS_PATH = "/slack/events"

NAME = "slack"
HELP = "answer Slack direct messages and mentions (Socket Mode or Events API; in-memory store unless --redis-url)"

_ENV_HELP = (
    "SLACK_BOT_TOKEN (xoxb-...) always; SLACK_APP_TOKEN (xapp-...) for --socket-mode; "
    "SLACK_SIGNING_SECRET for the Events API; optional SLACK_API_URL (e.g. GovSlack's)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``slack``."""
    parser.add_argument(
        "--socket-mode", action="store_true", help="connect out to Slack over a WebSocket (no public URL needed)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="Events API: interface to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=3000, help=f"Events API: TCP port (default 3000; path {EVENTS_PATH})"
    )
    parser.add_argument("--tenant", default="default", help="the tenant this workspace's sessions belong to")
    parser.add_argument("--redis-url", default=None, help="Redis URL (default: $REDIS_URL, else memory)")
    parser.epilog = f"Environment: {_ENV_HELP}."


def _need(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    if not value:
        print(f"vpnfsm slack: error: set {name} ({_ENV_HELP})", file=sys.stderr)
        return None
    return value


def run(args: argparse.Namespace) -> int:
    """Check the configuration, say what runs, then serve until interrupted."""
    try:
        from vpnfsm.hosts.slack import create_slack_app
    except ImportError as exc:
        print(f"vpnfsm slack needs the 'slack' extra: pip install 'vpnfsm[slack]' ({exc})", file=sys.stderr)
        return 2
    from vpnfsm.assistant import Assistant
    from vpnfsm.commands._io import redis_url
    from vpnfsm.dialogue.language import load_model as load_language_model

    token = _need("SLACK_BOT_TOKEN")
    if token is None:
        return 2
    if args.socket_mode:
        app_token = _need("SLACK_APP_TOKEN")
        if app_token is None:
            return 2
        # Socket Mode events are not signed (the WebSocket is authenticated by the app
        # token); an unknowable secret keeps every HTTP request to this app rejected.
        signing_secret = os.environ.get("SLACK_SIGNING_SECRET") or secrets.token_hex(32)
    else:
        secret = _need("SLACK_SIGNING_SECRET")
        if secret is None:
            return 2
        signing_secret = secret
    url = redis_url(args.redis_url)
    if url is None:
        assistant = Assistant()
        where = "in-memory store (sessions are lost on exit)"
    else:
        from vpnfsm.store.redis import RedisStore

        assistant = Assistant(store=RedisStore.from_url(url))
        where = "Redis"
    from slack_bolt.error import BoltError
    from slack_sdk import WebClient

    api_url = os.environ.get("SLACK_API_URL", "").strip() or WebClient.BASE_URL
    try:  # bolt asks Slack who the token belongs to before it accepts events
        app = create_slack_app(
            assistant, signing_secret=signing_secret, token=token, tenant=args.tenant, api_url=api_url
        )
    except (BoltError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"vpnfsm slack: error: could not check SLACK_BOT_TOKEN with {api_url}: {reason}", file=sys.stderr)
        return 2
    load_language_model()  # now, not on the first long non-English message
    if args.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        print(f"vpnfsm slack: Socket Mode, tenant {args.tenant}, {where}")
        SocketModeHandler(app, app_token).start()  # type: ignore[no-untyped-call]  # bolt leaves it unannotated
        return 0
    return _serve_events_api(app, host=args.host, port=args.port, banner=f"tenant {args.tenant}, {where}")


def _serve_events_api(app: App, *, host: str, port: int, banner: str) -> int:
    import uvicorn

    from vpnfsm.hosts.slack import events_api

    print(f"vpnfsm slack: Events API at http://{host}:{port}{EVENTS_PATH}, {banner}")
    uvicorn.run(events_api(app), host=host, port=port, log_level="warning")
    return 0
