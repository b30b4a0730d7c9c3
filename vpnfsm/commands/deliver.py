"""``vpnfsm deliver``: send pending handoffs from the Redis outbox to Jira.

Credentials come from the environment, never from flags (flags show up in
process lists): ``JIRA_API_TOKEN`` with ``--email`` for basic auth, or
``JIRA_BEARER_TOKEN`` with ``--auth bearer``. The in-memory store's outbox
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
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command module stays light to import: httpx loads only when it runs
    from vpnfsm.handoff.delivery import JiraAuth

NAME = "deliver"
HELP = "deliver pending handoffs from the Redis outbox to Jira (exactly one issue per handoff)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``deliver``."""
    parser.add_argument("--tenant", required=True, metavar="FILE", help="tenant mapping file (TOML)")
    parser.add_argument("--jira-url", required=True, help="Jira base URL, e.g. https://example.atlassian.net")
    parser.add_argument("--api", type=int, choices=(2, 3), default=3, help="Jira REST API version (default 3)")
    parser.add_argument(
        "--auth",
        choices=("basic", "bearer"),
        default="basic",
        help="basic: --email + $JIRA_API_TOKEN; bearer: $JIRA_BEARER_TOKEN",
    )
    parser.add_argument("--email", default=None, help="account e-mail for basic auth")
    parser.add_argument("--redis-url", default=None, help="Redis URL (default: $REDIS_URL)")
    parser.add_argument("--once", action="store_true", help="one pass over the outbox, then exit")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between passes (default 5)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per HTTP request (default 10)")
    parser.add_argument("--consumer", default=f"deliver-{os.getpid()}", help="worker name for outbox leases")
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


def _auth(args: argparse.Namespace) -> JiraAuth:
    from vpnfsm.handoff.delivery import JiraAuth

    if args.auth == "bearer":
        token = os.environ.get("JIRA_BEARER_TOKEN")
        if not token:
            raise SystemExit("vpnfsm deliver: set JIRA_BEARER_TOKEN for --auth bearer")
        return JiraAuth.bearer(token)
    token = os.environ.get("JIRA_API_TOKEN")
    if not args.email or not token:
        raise SystemExit("vpnfsm deliver: basic auth needs --email and JIRA_API_TOKEN in the environment")
    return JiraAuth.basic(args.email, token)


def run(args: argparse.Namespace) -> int:
    """Deliver until interrupted (or one pass with ``--once``); exit 1 if a pass left failures."""
    from vpnfsm.commands._io import redis_url
    from vpnfsm.handoff.delivery import JiraClient, check_delivery_settings, deliver_pending
    from vpnfsm.handoff.tenants import load_tenants

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
