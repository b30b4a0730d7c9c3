"""A delivery worker SIGKILLed mid-batch: after its leases run out the other worker finishes, one issue each.

Two worker processes (the loop ``vpnfsm deliver`` runs, with a retry policy
short enough for a 19 s lease), a fake Jira taking 2.5 s per create whose
search shows a new issue 1 s later, 60 handoffs. The first worker is killed
while its first 8 creates are at Jira: those issues get made, but it never
records them. Every process is stopped at the end.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from delivery_scenario import handoffs
from delivery_worker import policy
from fake_jira import FakeJiraServer
from worker_procs import CREATE_SECONDS, HANDOFFS, INDEX_LAG, WORKER, Workers, check_exactly_once, wait_delivered

from vpnfsm import Assistant
from vpnfsm.store import _redis_common as common
from vpnfsm.store.redis import RedisStore

pytestmark = pytest.mark.integration


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    running = Workers(tmp_path)
    try:
        yield running
    finally:
        running.stop()


def test_worker_sigkilled_mid_batch_still_leaves_exactly_one_issue_per_handoff(
    redis_url: str, prefix: str, keyword_extractor: object, workers: Workers
) -> None:
    timeout, attempts, settle, concurrency = 4.0, 2, 2.0, 8  # settle outlasts the index lag
    lease = policy(attempts, settle).worst_case_seconds(timeout) + 1.0  # the shortest the worker accepts, + 1 s
    store = RedisStore.from_url(redis_url, prefix=prefix)
    raw = redis.Redis.from_url(redis_url)
    keys = common.RedisKeys(prefix)
    try:
        bot = Assistant(store, extractor=keyword_extractor)  # type: ignore[arg-type]
        sessions = handoffs(bot, HANDOFFS, ["acme", "globex"])
        with FakeJiraServer(create_delay=CREATE_SECONDS, index_lag=INDEX_LAG) as jira_server:
            jira = jira_server.state
            argv = [sys.executable, str(WORKER), redis_url, prefix, jira_server.url, "--lease", str(lease)]
            argv += ["--concurrency", str(concurrency), "--timeout", str(timeout)]
            argv += ["--attempts", str(attempts), "--settle", str(settle)]
            victim = workers.start(argv)
            started = time.monotonic()
            while jira.creating < concurrency:  # the victim's first batch is at Jira
                assert time.monotonic() - started < 20, workers.stderr()
                time.sleep(0.05)
            workers.start(argv)
            held = raw.hlen(keys.lease)
            victim.send_signal(signal.SIGKILL)  # mid-batch: its creates are in flight, none recorded
            victim.wait(timeout=10)
            seconds = wait_delivered(jira, raw, keys, workers, dead=victim)
            check_exactly_once(jira, store, sessions, f"SIGKILL mid-batch, lease {lease:g} s, {seconds:.1f} s")
        found = sum(report["found"] for report in workers.reports(1))
        print(f"leases held by the victim at the kill={held} found_by_label_after_the_kill={found}")
        assert held == concurrency
        assert found >= concurrency  # the dead worker's creates were found by label, not made again
        assert jira.requests["issue"] == HANDOFFS  # not one create was tried twice
        assert seconds > lease / 2  # the survivor had to wait for the dead worker's leases to run out
    finally:
        raw.close()
        store.close()
