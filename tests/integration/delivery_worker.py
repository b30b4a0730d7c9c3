"""One delivery worker process for the multi-worker tests: the code ``vpnfsm deliver`` runs.

It loops :func:`vpnfsm.handoff.delivery.deliver_pending` over a Redis outbox
like the command does, but with a retry policy short enough for the few-second
leases a test can wait out (the command's own policy needs minutes). It prints
one JSON report per pass that claimed something, and runs until it is killed.

    python delivery_worker.py REDIS_URL PREFIX JIRA_URL --lease 19 --concurrency 8 --timeout 4 --attempts 2
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time

from vpnfsm.examples import EXAMPLE_TENANTS
from vpnfsm.handoff.delivery import JiraAuth, JiraClient, RetryPolicy, deliver_pending
from vpnfsm.handoff.tenants import load_tenants
from vpnfsm.store.redis import RedisStore


def policy(attempts: int, settle: float) -> RetryPolicy:
    """The retry policy of a test worker: quick retries, short ``Retry-After`` cap."""
    return RetryPolicy(attempts=attempts, backoff=0.05, max_backoff=0.2, max_retry_after=0.5, settle=settle)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("redis_url")
    parser.add_argument("prefix")
    parser.add_argument("jira_url")
    parser.add_argument("--lease", type=float, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--attempts", type=int, required=True)
    parser.add_argument("--settle", type=float, required=True)
    args = parser.parse_args()
    tenants = load_tenants(EXAMPLE_TENANTS)
    store = RedisStore.from_url(args.redis_url, prefix=args.prefix)
    auth = JiraAuth.basic("bot@example.com", "test-token")
    retry = policy(args.attempts, args.settle)
    with JiraClient(args.jira_url, auth=auth, timeout=args.timeout, retry=retry) as client:
        while True:
            report = deliver_pending(
                store,
                client,
                tenants,
                consumer=f"test-worker-{os.getpid()}",
                lease_seconds=args.lease,
                concurrency=args.concurrency,
            )
            if report.claimed:
                print(json.dumps(dataclasses.asdict(report)), flush=True)
            else:
                time.sleep(0.1)


if __name__ == "__main__":
    main()
