"""Delivery against a real local HTTP server that injects faults.

Every handoff must become exactly one Jira issue: none lost, none duplicated,
through 500s, 429/503 with Retry-After, answers slower than the client's
timeout, connections dropped after the issue was created, and a worker that
dies between "Jira created it" and "we recorded it".
"""

from __future__ import annotations

import asyncio
import time

import pytest
from delivery_scenario import FAST, LEASE, TIMEOUT, Clock, handoffs, run_fault_scenario
from fake_jira import FakeJiraServer, Fault

from vpnfsm import Assistant, AsyncMemoryStore, DeliveryError, MemoryStore
from vpnfsm.examples import EXAMPLE_TENANTS
from vpnfsm.handoff.delivery import (
    AsyncJiraClient,
    DeliveryReport,
    JiraAuth,
    JiraClient,
    RetryPolicy,
    adeliver_pending,
    deliver_pending,
)
from vpnfsm.handoff.tenants import load_tenants

pytestmark = pytest.mark.integration


def test_every_handoff_becomes_exactly_one_issue_through_faults(keyword_extractor: object) -> None:
    clock = Clock()
    store = MemoryStore(clock=clock)
    bot = Assistant(store, extractor=keyword_extractor, clock=clock)  # type: ignore[arg-type]
    lease = 30.0

    def expire() -> None:
        clock.offset += lease + 1

    run_fault_scenario(store, bot, lease=lease, expire=expire)


def test_async_worker_delivers_each_handoff_once(keyword_extractor: object) -> None:
    clock = Clock()
    sync_store = MemoryStore(clock=clock)
    bot = Assistant(sync_store, extractor=keyword_extractor, clock=clock)  # type: ignore[arg-type]
    sessions = handoffs(bot, 4, ["acme"])
    store = AsyncMemoryStore(sync=sync_store)
    tenants = load_tenants(EXAMPLE_TENANTS)

    async def run(url: str) -> list[DeliveryReport]:
        async with AsyncJiraClient(url, auth=JiraAuth.bearer("pat"), api=2, timeout=TIMEOUT, retry=FAST) as client:
            # One at a time: the scripted faults meet the items in a known order.
            first = await adeliver_pending(store, client, tenants, lease_seconds=LEASE, concurrency=1, clock=clock)
            second = await adeliver_pending(store, client, tenants, lease_seconds=LEASE, concurrency=1, clock=clock)
            return [first, second]

    with FakeJiraServer() as server:
        server.state.create_faults.extend([Fault("status", status=429, retry_after="0.02"), Fault("slow", delay=2.5)])
        first, second = asyncio.run(run(server.url))
    print(f"\nasync: handoffs={len(sessions)} issues={len(server.state.issues)} report={first}")
    assert first.claimed == 4
    assert first.failed == 0
    assert second.claimed == 0
    assert len(server.state.issues) == 4
    assert all(isinstance(body["fields"]["description"], str) for body in server.state.issues.values())


def test_refused_create_is_a_typed_error_and_stays_in_the_outbox(keyword_extractor: object) -> None:
    clock = Clock()
    store = MemoryStore(clock=clock)
    bot = Assistant(store, extractor=keyword_extractor, clock=clock)  # type: ignore[arg-type]
    handoffs(bot, 1, ["acme"])
    tenants = load_tenants(EXAMPLE_TENANTS)
    with FakeJiraServer() as server:
        server.state.create_faults.append(Fault("status", status=403))
        # A generous timeout: this test is about refusals, not about creates slower than the client waits.
        lease = FAST.worst_case_seconds(10.0) + 1  # the store's clock is the test's: nothing waits for it
        with JiraClient(server.url, auth=JiraAuth.basic("a@example.com", "t"), timeout=10.0, retry=FAST) as client:
            report = deliver_pending(store, client, tenants, lease_seconds=lease, clock=clock)
            assert report.failed == 1
            assert "HTTP 403" in next(iter(report.errors.values()))
            with pytest.raises(DeliveryError) as caught:  # the server's schema check refuses it
                client.ensure_issue({"fields": {"summary": "no ADF description"}}, "vpnfsm-x")
            assert caught.value.status == 400
            assert len(server.state.invalid) == 1
            clock.offset += lease + 1
            report = deliver_pending(store, client, tenants, lease_seconds=lease, clock=clock)
    assert report.created == 1
    assert len(server.state.issues) == 1


def test_budget_runs_out_on_endless_503(keyword_extractor: object) -> None:
    with FakeJiraServer() as server:
        server.state.search_faults.extend(Fault("status", status=503, retry_after="0") for _ in range(3))
        policy = RetryPolicy(attempts=3, backoff=0.0)
        with (
            JiraClient(server.url, auth=JiraAuth.bearer("t"), retry=policy) as client,
            pytest.raises(DeliveryError) as caught,
        ):
            client.ensure_issue({"fields": {}}, "vpnfsm-y")
    assert caught.value.status == 503
    assert caught.value.retry_after == 0
    assert server.state.requests["search"] == 3
    assert server.state.requests["issue"] == 0


@pytest.mark.parametrize(("settle", "issues"), [(0.0, 2), (2.0, 1)])
def test_create_timed_out_while_jira_still_processes_it_is_not_duplicated(
    keyword_extractor: object, settle: float, issues: int
) -> None:
    """Regression: a create that times out before Jira stored it was re-created at once.

    With no settle wait (the old behaviour) the retry's search runs before the
    first create lands, so both are stored; the settle wait closes that window.
    """
    store = MemoryStore()
    bot = Assistant(store, extractor=keyword_extractor)  # type: ignore[arg-type]
    handoffs(bot, 1, ["acme"])
    tenants = load_tenants(EXAMPLE_TENANTS)
    policy = RetryPolicy(attempts=6, backoff=0.01, max_backoff=0.02, settle=settle)
    with FakeJiraServer() as server:
        # Second-scale times: an ordinary create under load must still answer within the timeout.
        server.state.create_faults.append(Fault("lag", delay=1.5))
        with JiraClient(server.url, auth=JiraAuth.bearer("t"), timeout=0.5, retry=policy) as client:
            report = deliver_pending(store, client, tenants)
        time.sleep(1.6)  # let the lagging create land
    print(f"\nsettle={settle}: issues={len(server.state.issues)}")
    assert report.failed == 0
    assert len(server.state.issues) == issues


@pytest.mark.parametrize(("settle", "issues"), [(0.1, 2), (5.0, 1)])
def test_search_index_lag_longer_than_settle_duplicates_and_the_label_finds_both(
    keyword_extractor: object, settle: float, issues: int
) -> None:
    """What remains possible (docs/operations.md): a created issue not yet searchable is created again.

    The create's answer is lost (slower than the client's timeout) and Jira's
    search shows the issue only 4 s after it exists. A retry that searches
    sooner (settle 0.1 s) creates a second issue; one that waits longer than
    the lag (settle 5 s) finds the first. Either way every issue carries the
    handoff's label, and a later search names the older one.
    """
    store = MemoryStore()
    bot = Assistant(store, extractor=keyword_extractor)  # type: ignore[arg-type]
    handoffs(bot, 1, ["acme"])
    tenants = load_tenants(EXAMPLE_TENANTS)
    policy = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02, max_retry_after=0.1, settle=settle)
    with FakeJiraServer(index_lag=4.0) as server:
        server.state.create_faults.append(Fault("slow", delay=3.0))  # created; the answer comes after 3 s
        with JiraClient(server.url, auth=JiraAuth.bearer("t"), timeout=1.5, retry=policy) as client:
            report = deliver_pending(store, client, tenants)
            time.sleep(4.1)  # every issue is searchable now
            (label,) = [name for name in server.state.by_label if name.startswith("vpnfsm-")]
            later = client.ensure_issue({"fields": {}}, label)
    print(
        f"\nsettle={settle} index_lag=4: issues={len(server.state.issues)} label_count={server.state.by_label[label]}"
    )
    assert report.failed == 0
    assert len(server.state.issues) == issues
    assert server.state.by_label[label] == issues  # the duplicate is never silent: same label
    assert later.created is False
    assert later.key == min(server.state.issues, key=lambda key: int(key.split("-")[1]))
