"""Several delivery worker processes, one Redis, one slow Jira: exactly one issue per handoff.

The incident: two ``vpnfsm deliver`` workers, Jira taking 2.5 s per create,
turned 60 handoffs into 63 issues (a 50-item batch outlived its 120 s lease
and the other worker delivered its tail again). Here two and four real
``vpnfsm deliver`` processes deliver 60 handoffs to a local fake Jira that
takes 2.5 s per create and shows new issues in search only after 1 s, and a
scaled-down thread version replays the run that outlived its lease. The
SIGKILL case is in ``test_delivery_worker_crash.py``. Every process is
stopped at the end of its test.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from delivery_scenario import handoffs
from delivery_worker import policy
from fake_jira import FakeJiraServer
from worker_procs import CREATE_SECONDS, HANDOFFS, INDEX_LAG, Workers, check_exactly_once, wait_delivered

from vpnfsm import Assistant
from vpnfsm.examples import EXAMPLE_TENANTS
from vpnfsm.handoff.delivery import DeliveryReport, JiraAuth, JiraClient, deliver_pending
from vpnfsm.handoff.tenants import load_tenants
from vpnfsm.store import _redis_common as common
from vpnfsm.store._codec import DEFAULT_PREFIX
from vpnfsm.store.redis import RedisStore

pytestmark = pytest.mark.integration


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    running = Workers(tmp_path)
    try:
        yield running
    finally:
        running.stop()


@pytest.mark.parametrize(("count", "concurrency"), [(2, 8), (4, 4)])
def test_deliver_workers_with_a_slow_jira_make_60_issues_from_60_handoffs_not_63(
    count: int, concurrency: int, server_factory: Any, keyword_extractor: object, workers: Workers
) -> None:
    server = server_factory()
    store = RedisStore.from_url(server.url)  # `vpnfsm deliver` uses the default prefix; this server is ours alone
    raw = redis.Redis.from_url(server.url)
    try:
        bot = Assistant(store, extractor=keyword_extractor)  # type: ignore[arg-type]
        sessions = handoffs(bot, HANDOFFS, ["acme", "globex"])
        with FakeJiraServer(create_delay=CREATE_SECONDS, index_lag=INDEX_LAG) as jira_server:
            jira = jira_server.state
            for _ in range(count):
                argv = [sys.executable, "-m", "vpnfsm", "deliver", "--tenant", str(EXAMPLE_TENANTS)]
                argv += ["--jira-url", jira_server.url, "--redis-url", server.url, "--email", "bot@example.com"]
                argv += ["--interval", "0.2", "--timeout", "5", "--concurrency", str(concurrency)]
                workers.start(argv)
            seconds = wait_delivered(jira, raw, common.RedisKeys(DEFAULT_PREFIX), workers)
            check_exactly_once(jira, store, sessions, f"{count} workers x {concurrency}, {seconds:.1f} s")
            assert jira.requests["issue"] == HANDOFFS  # not one create was even tried twice
            assert jira.most_creating > concurrency  # the workers overlapped their creates
    finally:
        raw.close()
        store.close()


def test_run_longer_than_its_lease_is_not_delivered_twice_by_a_second_worker(
    redis_url: str, prefix: str, keyword_extractor: object
) -> None:
    """Regression: a worker's run outlived its lease, and the other worker created the tail's issues again.

    Scaled down from the incident: two workers in threads, one create at a time
    each, 0.4 s per create, so each run (about 8 s) outlasts the 7 s lease. On
    the old code (one 50-item claim, no renewal) this made duplicates (46 issues
    from 40 with 0.5 s creates and a 10 s lease).
    """
    timeout, count = 3.0, 40
    lease = policy(1, 0.5).worst_case_seconds(timeout) + 1.0
    store = RedisStore.from_url(redis_url, prefix=prefix)
    bot = Assistant(store, extractor=keyword_extractor)  # type: ignore[arg-type]
    sessions = handoffs(bot, count, ["acme"])
    tenants = load_tenants(EXAMPLE_TENANTS)
    reports: list[DeliveryReport] = []

    def worker(name: str) -> None:
        own = RedisStore.from_url(redis_url, prefix=prefix)
        with JiraClient(jira_server.url, auth=JiraAuth.bearer("t"), timeout=timeout, retry=policy(1, 0.5)) as client:
            reports.append(deliver_pending(own, client, tenants, consumer=name, lease_seconds=lease, concurrency=1))
        own.close()

    with FakeJiraServer(create_delay=0.4) as jira_server:
        threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        jira = jira_server.state
    print(
        f"\ntwo threads, lease {lease:g} s: handoffs={count} issues={len(jira.issues)} "
        f"claimed/created per worker={[(r.claimed, r.created) for r in reports]}"
    )
    assert len(jira.issues) == count
    assert jira.requests["issue"] == count
    assert sum(r.created for r in reports) == count
    assert all(r.lost == 0 and r.failed == 0 for r in reports)
    for tenant, session_id in sessions:
        session = store.load(session_id, tenant=tenant)
        assert session is not None
        assert session.ticket in jira.issues
    store.close()
