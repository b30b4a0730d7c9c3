"""``vpnfsm deliver``: send pending handoffs from the Redis outbox to Jira.

Credentials come from the environment or a file, never from flags (flags show
up in process lists): ``JIRA_API_TOKEN`` (or ``JIRA_API_TOKEN_FILE``, e.g. a
Docker secret) with ``--email`` for basic auth, or ``JIRA_BEARER_TOKEN`` (or
``JIRA_BEARER_TOKEN_FILE``) with ``--auth bearer``. Each delivery outcome is a
log line on standard error (tenant, session, ticket); each pass prints one JSON
report on standard output. The in-memory store's outbox
lives inside the host process, so with it a host calls
:func:`vpnfsm.handoff.delivery.deliver_pending` itself.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from vpnfsm._logging import LOG_FORMATS, LOG_LEVELS

if TYPE_CHECKING:  # the command module stays light to import: httpx loads only when it runs
    from vpnfsm.handoff.delivery import JiraAuth

NAME = "deliver"
HELP = "deliver pending handoffs from the Redis outbox to Jira (exactly one issue per handoff)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``deliver``."""
    parser.add_argument("--tenant", required=True, metavar="FILE", help="tenant mapping file (TOML)")
    parser.add_argument(
        "--jira-url",
        default=os.environ.get("VPNFSM_JIRA_URL") or None,
        help="Jira base URL, e.g. https://example.atlassian.net (default $VPNFSM_JIRA_URL)",
    )
    parser.add_argument("--api", type=int, choices=(2, 3), default=3, help="Jira REST API version (default 3)")
    parser.add_argument(
        "--auth",
        choices=("basic", "bearer"),
        default="basic",
        help="basic: --email + $JIRA_API_TOKEN[_FILE]; bearer: $JIRA_BEARER_TOKEN[_FILE]",
    )
    parser.add_argument(
        "--email", default=os.environ.get("JIRA_EMAIL") or None, help="account e-mail for basic auth ($JIRA_EMAIL)"
    )
    parser.add_argument("--redis-url", default=None, help="Redis URL (default: $REDIS_URL)")
    parser.add_argument("--once", action="store_true", help="one pass over the outbox, then exit")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between passes (default 5)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per HTTP request (default 10)")
    parser.add_argument("--consumer", default=f"deliver-{os.getpid()}", help="worker name for outbox leases")
    parser.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default=os.environ.get("VPNFSM_LOG_LEVEL") or "info",
        help="log level (default info; $VPNFSM_LOG_LEVEL)",
    )
    parser.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default=os.environ.get("VPNFSM_LOG_FORMAT") or "text",
        help="log lines as text or json (default text; $VPNFSM_LOG_FORMAT)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=4, help="creates in flight at once in this worker (default 4)"
    )
    parser.add_argument(
        "--lease",
        type=float,
        default=400.0,
        help="seconds an outbox item stays leased without renewal; must exceed the worst-case retry schedule "
        "(default 400)",
    )


def _secret(name: str) -> str | None:
    # $NAME, or the first line of the file named by $NAME_FILE (Docker secrets).
    value = os.environ.get(name)
    if value:
        return value
    path = os.environ.get(f"{name}_FILE")
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8").strip() or None
    except OSError as exc:
        raise SystemExit(f"vpnfsm deliver: cannot read {name}_FILE ({path}): {exc.strerror}") from exc


def _auth(args: argparse.Namespace) -> JiraAuth:
    from vpnfsm.handoff.delivery import JiraAuth

    if args.auth == "bearer":
        token = _secret("JIRA_BEARER_TOKEN")
        if not token:
            raise SystemExit("vpnfsm deliver: set JIRA_BEARER_TOKEN or JIRA_BEARER_TOKEN_FILE for --auth bearer")
        return JiraAuth.bearer(token)
    token = _secret("JIRA_API_TOKEN")
    if not args.email or not token:
        raise SystemExit("vpnfsm deliver: basic auth needs --email and JIRA_API_TOKEN (or JIRA_API_TOKEN_FILE)")
    return JiraAuth.basic(args.email, token)


def run(args: argparse.Namespace) -> int:
    """Deliver until interrupted (or one pass with ``--once``); exit 1 if a pass left failures."""
    from vpnfsm._logging import configured

    with configured(args.log_level, args.log_format):
        return _deliver(args)


def _deliver(args: argparse.Namespace) -> int:
    from vpnfsm.commands._io import redis_url
    from vpnfsm.handoff.delivery import JiraClient, check_delivery_settings, deliver_pending
    from vpnfsm.handoff.tenants import load_tenants

    if not args.jira_url:
        print("vpnfsm deliver: say where Jira is: --jira-url URL or VPNFSM_JIRA_URL", file=sys.stderr)
        return 2
    tenants = load_tenants(args.tenant)
    url = redis_url(args.redis_url)
    if url is None:
        print(
            "vpnfsm deliver: no Redis URL (--redis-url or REDIS_URL). The in-memory store's outbox lives "
            "inside the host process: call vpnfsm.handoff.delivery.deliver_pending(store, client, tenants) "
            "from the host instead.",
            file=sys.stderr,
        )
        return 2
    from vpnfsm.store.redis import RedisStore

    auth = _auth(args)
    store = RedisStore.from_url(url)
    with JiraClient(args.jira_url, auth=auth, api=args.api, timeout=args.timeout) as client:
        try:
            check_delivery_settings(client, lease_seconds=args.lease, concurrency=args.concurrency)
        except ValueError as exc:
            print(f"vpnfsm deliver: {exc}", file=sys.stderr)
            return 2
        while True:
            report = deliver_pending(
                store, client, tenants, consumer=args.consumer, lease_seconds=args.lease, concurrency=args.concurrency
            )
            print(json.dumps(dataclasses.asdict(report)), flush=True)
            if args.once:
                return 1 if report.failed else 0
            time.sleep(args.interval)
