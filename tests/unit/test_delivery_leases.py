"""Delivery leases: a worker renews what it works on, overlaps its creates, and is fenced out once it lost an item.

Jira is an in-process ``httpx.MockTransport`` whose handler plays the other
worker (it takes the lease over mid-request) or a slow server; the stores
are the memory twins, so these run in a second or two without a network.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import FakeClock, KeywordExtractor
from vpnfsm import Assistant, AsyncMemoryStore, MemoryStore
from vpnfsm.examples import EXAMPLE_TENANTS
from vpnfsm.handoff.delivery import (
    DEFAULT_LEASE_SECONDS,
    AsyncJiraClient,
    JiraAuth,
    JiraClient,
    RetryPolicy,
    adeliver_pending,
    check_delivery_settings,
    deliver_pending,
)
from vpnfsm.handoff.tenants import TenantBook, load_tenants
from vpnfsm.session import OutboxLease

# How people actually report it: lower case, no apostrophes, a code pasted in.
CONVERSATION = ["vpn trouble again", "windows 11", "globalprotect", "it wont connect", "error 809", "no", "nope same"]
ONE_TRY = RetryPolicy(attempts=1)
TIMEOUT = 0.1
LEASE = ONE_TRY.worst_case_seconds(TIMEOUT) + 0.4  # 0.6 s: the shortest lease the worker accepts, plus margin


def _handoffs(store: MemoryStore, count: int, clock: Callable[[], float] = time.time) -> list[str]:
    bot = Assistant(store, extractor=KeywordExtractor(), clock=clock)
    sessions = []
    for _ in range(count):
        reply = bot.handle(CONVERSATION[0], tenant="acme")
        for line in CONVERSATION[1:]:
            reply = bot.handle(line, session_id=reply.session_id, tenant="acme")
        assert reply.state == "VPN_HANDOFF"
        sessions.append(reply.session_id)
    return sessions


def _tenants() -> TenantBook:
    return load_tenants(EXAMPLE_TENANTS)


def _created(number: int) -> httpx.Response:
    return httpx.Response(201, json={"id": str(10000 + number), "key": f"ITS-{number}", "self": "x"})


def _client(handler: Callable[[httpx.Request], httpx.Response]) -> JiraClient:
    return JiraClient(
        "https://jira.example",
        auth=JiraAuth.bearer("pat"),
        timeout=TIMEOUT,
        retry=ONE_TRY,
        transport=httpx.MockTransport(handler),
    )


def test_lease_shorter_than_the_worst_case_retry_schedule_is_refused() -> None:
    """Regression: the retry policy alone (300 s Retry-After, 5 tries of 10 s) outlasted the 120 s lease."""
    old_policy = RetryPolicy(attempts=5, max_retry_after=300.0)
    with JiraClient("https://jira.example", auth=JiraAuth.bearer("t"), retry=old_policy) as old:
        assert old_policy.worst_case_seconds(old.timeout) == 1300.0  # 5 x 2 x 10 s + 4 x 300 s
        with pytest.raises(ValueError, match=r"lease of 120 s is not longer than .* 1300 s"):
            check_delivery_settings(old, lease_seconds=120, concurrency=4)
    with JiraClient("https://jira.example", auth=JiraAuth.bearer("t")) as client:
        check_delivery_settings(client, lease_seconds=DEFAULT_LEASE_SECONDS, concurrency=4)  # the defaults agree
        with pytest.raises(ValueError, match="340 s"):
            check_delivery_settings(client, lease_seconds=340, concurrency=4)
        with pytest.raises(ValueError, match="concurrency"):
            check_delivery_settings(client, lease_seconds=DEFAULT_LEASE_SECONDS, concurrency=0)


def test_refused_settings_claim_nothing() -> None:
    store = MemoryStore()
    _handoffs(store, 1)
    with _client(lambda request: httpx.Response(500)) as client, pytest.raises(ValueError, match="not longer than"):
        deliver_pending(store, client, _tenants(), lease_seconds=0.1)
    assert len(store.outbox_claim("next", limit=10, lease_seconds=5)) == 1  # still there, never leased


def test_worker_that_lost_its_lease_before_creating_sends_no_create(clock: FakeClock) -> None:
    """Regression: a worker whose lease had passed to another still created the issue."""
    store = MemoryStore(clock=clock)
    (session_id,) = _handoffs(store, 1, clock)
    taken: list[OutboxLease] = []
    paths: list[str] = []

    def jira(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.path.endswith("/search"):
            clock.advance(LEASE + 1)  # this worker stalls past its lease; another one claims the item
            taken.extend(store.outbox_claim("other", limit=10, lease_seconds=LEASE))
            return httpx.Response(200, json={"issues": []})
        return _created(1)

    with _client(jira) as client:
        report = deliver_pending(store, client, _tenants(), lease_seconds=LEASE, clock=clock)
    assert (report.claimed, report.lost, report.created, report.failed) == (1, 1, 0, 0)
    assert paths == ["/rest/api/3/search"]  # the fence stopped the create
    assert len(taken) == 1
    session = store.load(session_id, tenant="acme")
    assert session is not None
    assert session.ticket is None
    assert store.outbox_done(taken[0].id, token=taken[0].token)  # the new holder's lease is intact


def test_worker_that_lost_its_lease_while_creating_does_not_record(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Regression: a worker past its lease recorded its ticket and marked the item done under the new holder."""
    store = MemoryStore(clock=clock)
    (session_id,) = _handoffs(store, 1, clock)
    taken: list[OutboxLease] = []

    def jira(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/search"):
            return httpx.Response(200, json={"issues": []})
        clock.advance(LEASE + 1)  # the create is slow; the lease passes to another worker meanwhile
        taken.extend(store.outbox_claim("other", limit=10, lease_seconds=LEASE))
        return _created(7)

    caplog.set_level(logging.INFO, logger="vpnfsm.handoff.delivery")
    with _client(jira) as client:
        report = deliver_pending(store, client, _tenants(), lease_seconds=LEASE, clock=clock)
    assert (report.lost, report.created, report.tickets) == (1, 0, {})
    session = store.load(session_id, tenant="acme")
    assert session is not None
    assert session.ticket is None  # the holder records it, after finding ITS-7 by its label
    assert "created ITS-7, then lost the lease" in caplog.text
    assert store.outbox_renew(taken[0].id, token=taken[0].token, lease_seconds=LEASE)


def test_heartbeat_keeps_the_lease_of_a_create_slower_than_the_lease() -> None:
    """Regression: nobody renewed a lease, so a slow item came back to a second worker mid-create."""
    store = MemoryStore()
    (session_id,) = _handoffs(store, 1)
    rival: list[OutboxLease] = []
    stop = threading.Event()
    leased = threading.Event()  # the worker holds the item: from now on, nobody else may get it

    def rival_worker() -> None:
        leased.wait(5)
        while not stop.is_set():
            rival.extend(store.outbox_claim("rival", limit=10, lease_seconds=LEASE))
            time.sleep(0.02)

    def jira(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/search"):
            leased.set()
            return httpx.Response(200, json={"issues": []})
        time.sleep(4 * LEASE)  # an answer that trickles in far past the lease
        return _created(3)

    thread = threading.Thread(target=rival_worker)
    thread.start()
    try:
        with _client(jira) as client:
            report = deliver_pending(store, client, _tenants(), lease_seconds=LEASE)
    finally:
        stop.set()
        thread.join()
    assert rival == []
    assert (report.created, report.lost, report.tickets) == (1, 0, {next(iter(report.tickets)): "ITS-3"})
    session = store.load(session_id, tenant="acme")
    assert session is not None
    assert session.ticket == "ITS-3"


class _CountingJira:
    """A slow Jira that counts how many creates are in progress at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.made = 0

    def enter(self) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def leave(self) -> httpx.Response:
        with self.lock:
            self.now -= 1
            self.made += 1
            return _created(self.made)


class _ClaimLog:
    """Wraps a store and remembers the ``limit`` of every claim."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.limits: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def outbox_claim(self, consumer: str, *, limit: int, lease_seconds: float) -> Any:
        self.limits.append(limit)
        return self.inner.outbox_claim(consumer, limit=limit, lease_seconds=lease_seconds)


def test_worker_overlaps_creates_and_claims_only_free_slots() -> None:
    store = MemoryStore()
    _handoffs(store, 7)
    jira = _CountingJira(0.2)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/search"):
            return httpx.Response(200, json={"issues": []})
        jira.enter()
        time.sleep(jira.seconds)
        return jira.leave()

    logged = _ClaimLog(store)
    with _client(handler) as client:
        report = deliver_pending(logged, client, _tenants(), lease_seconds=LEASE, concurrency=3)  # type: ignore[arg-type]
    print(f"\nsync: created={report.created} most_in_flight={jira.most} claim_limits={logged.limits}")
    assert report.created == 7
    assert jira.most == 3
    assert logged.limits[0] == 3
    assert max(logged.limits) == 3
    assert sum(logged.limits) >= 7


def test_async_worker_overlaps_creates_and_is_fenced_like_the_sync_one(clock: FakeClock) -> None:
    sync_store = MemoryStore()
    sessions = _handoffs(sync_store, 5)
    store = AsyncMemoryStore(sync=sync_store)
    jira = _CountingJira(0.2)

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/search"):
            return httpx.Response(200, json={"issues": []})
        jira.enter()
        await asyncio.sleep(jira.seconds)
        return jira.leave()

    async def run() -> Any:
        async with AsyncJiraClient(
            "https://jira.example",
            auth=JiraAuth.bearer("pat"),
            timeout=TIMEOUT,
            retry=ONE_TRY,
            transport=httpx.MockTransport(handler),
        ) as client:
            return await adeliver_pending(store, client, _tenants(), lease_seconds=LEASE, concurrency=4)

    report = asyncio.run(run())
    print(f"\nasync: created={report.created} most_in_flight={jira.most}")
    assert (report.created, report.failed, report.lost) == (5, 0, 0)
    assert jira.most == 4
    for session_id in sessions:
        session = sync_store.load(session_id, tenant="acme")
        assert session is not None
        assert session.ticket is not None

    # Fenced out: the item passes to another worker during the search.
    fenced_store = MemoryStore(clock=clock)
    _handoffs(fenced_store, 1, clock)
    astore = AsyncMemoryStore(sync=fenced_store)
    creates: list[str] = []

    async def stealing(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/search"):
            clock.advance(LEASE + 1)
            fenced_store.outbox_claim("other", limit=10, lease_seconds=LEASE)
            return httpx.Response(200, json={"issues": []})
        creates.append(request.url.path)
        return _created(1)

    async def run_fenced() -> Any:
        async with AsyncJiraClient(
            "https://jira.example",
            auth=JiraAuth.bearer("pat"),
            timeout=TIMEOUT,
            retry=ONE_TRY,
            transport=httpx.MockTransport(stealing),
        ) as client:
            return await adeliver_pending(astore, client, _tenants(), lease_seconds=LEASE, clock=clock)

    fenced = asyncio.run(run_fenced())
    assert (fenced.lost, fenced.created) == (1, 0)
    assert creates == []
