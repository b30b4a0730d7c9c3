"""The delivery fault scenario on the Redis stores (sync and asyncio).

Same checks as the memory-store run in ``test_delivery_faults.py``: every handoff
becomes exactly one issue through HTTP faults and two worker crashes. Leases
run on the Redis server's clock; the test ends a dead worker's leases by moving
their due times into the past rather than waiting the lease out.
"""

from __future__ import annotations

import asyncio
import json

import pytest
import redis
from delivery_scenario import FAST, LEASE, TIMEOUT, handoffs, run_fault_scenario
from fake_jira import FakeJiraServer, Fault

from vpnfsm import Assistant
from vpnfsm.cli import main
from vpnfsm.examples import EXAMPLE_TENANTS
from vpnfsm.handoff.delivery import AsyncJiraClient, DeliveryReport, JiraAuth, adeliver_pending
from vpnfsm.handoff.tenants import load_tenants
from vpnfsm.store import _redis_common as common
from vpnfsm.store.redis import AsyncRedisStore, RedisStore

pytestmark = pytest.mark.integration


def test_redis_outbox_delivers_each_handoff_exactly_once(
    redis_url: str, prefix: str, keyword_extractor: object
) -> None:
    store = RedisStore.from_url(redis_url, prefix=prefix)
    bot = Assistant(store, extractor=keyword_extractor)  # type: ignore[arg-type]
    raw = redis.Redis.from_url(redis_url)
    due = common.RedisKeys(prefix).due

    def expire() -> None:
        # The leases run out now: every due time moves into the past, as the server clock would move it.
        leased = raw.zrange(due, 0, -1)
        if leased:
            raw.zadd(due, dict.fromkeys(leased, 0), xx=True)

    try:
        run_fault_scenario(store, bot, lease=LEASE, expire=expire, count=8)
    finally:
        raw.close()
        store.close()


def test_async_worker_on_the_async_redis_store(redis_url: str, prefix: str, keyword_extractor: object) -> None:
    sync_store = RedisStore.from_url(redis_url, prefix=prefix)
    bot = Assistant(sync_store, extractor=keyword_extractor)  # type: ignore[arg-type]
    sessions = handoffs(bot, 3, ["globex"])
    tenants = load_tenants(EXAMPLE_TENANTS)

    async def run(url: str) -> list[DeliveryReport]:
        store = AsyncRedisStore.from_url(redis_url, prefix=prefix)
        try:
            async with AsyncJiraClient(url, auth=JiraAuth.bearer("pat"), timeout=TIMEOUT, retry=FAST) as client:
                # One at a time: the scripted faults meet the items in a known order.
                first = await adeliver_pending(store, client, tenants, lease_seconds=LEASE, concurrency=1)
                second = await adeliver_pending(store, client, tenants, lease_seconds=LEASE, concurrency=1)
                return [first, second]
        finally:
            await store.aclose()

    with FakeJiraServer() as server:
        server.state.create_faults.extend([Fault("status", status=503, retry_after="0.02"), Fault("drop")])
        first, second = asyncio.run(run(server.url))
    print(f"\nAsyncRedisStore: handoffs={len(sessions)} issues={len(server.state.issues)} {first}")
    assert (first.claimed, first.failed, second.claimed) == (3, 0, 0)
    assert len(server.state.issues) == 3
    for tenant, session_id in sessions:
        session = sync_store.load(session_id, tenant=tenant)
        assert session is not None
        assert session.ticket in server.state.issues
    sync_store.close()  # not reached on failure: the module's redis-server is stopped anyway


def test_deliver_command_once_against_redis_and_jira(
    redis_url: str, keyword_extractor: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = RedisStore.from_url(redis_url)  # the command uses the default key prefix
    bot = Assistant(store, extractor=keyword_extractor)  # type: ignore[arg-type]
    sessions = handoffs(bot, 2, ["acme"])
    monkeypatch.setenv("JIRA_API_TOKEN", "api-token")
    with FakeJiraServer() as server:
        argv = ["deliver", "--tenant", str(EXAMPLE_TENANTS), "--jira-url", server.url, "--redis-url", redis_url]
        code = main([*argv, "--email", "bot@example.com", "--once"])
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0
    assert (report["claimed"], report["created"], report["failed"]) == (2, 2, 0)
    assert sorted(report["tickets"].values()) == sorted(server.state.issues)
    for tenant, session_id in sessions:
        session = store.load(session_id, tenant=tenant)
        assert session is not None
        assert session.ticket in server.state.issues
    store.close()
