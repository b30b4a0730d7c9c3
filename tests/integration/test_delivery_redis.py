"""The delivery fault scenario on the Redis store (its outbox: a stream-backed lease index).

Same checks as the memory-store run in ``test_delivery_faults.py``: every handoff
becomes exactly one issue through HTTP faults and two worker crashes. Leases
run on the Redis server's clock, so they expire by waiting (1 s leases).
"""

from __future__ import annotations

import time

import pytest
from delivery_scenario import run_fault_scenario

from vpnfsm import Assistant
from vpnfsm.store.redis import RedisStore

pytestmark = pytest.mark.integration

LEASE = 1.0


def test_redis_outbox_delivers_each_handoff_exactly_once(
    redis_url: str, prefix: str, keyword_extractor: object
) -> None:
    store = RedisStore.from_url(redis_url, prefix=prefix)
    bot = Assistant(store, extractor=keyword_extractor)  # type: ignore[arg-type]
    run_fault_scenario(store, bot, lease=LEASE, expire=lambda: time.sleep(LEASE + 0.3), count=8)
