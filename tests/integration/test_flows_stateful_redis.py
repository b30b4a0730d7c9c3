"""The Hypothesis conversation machine of tests/property, through a real Redis store.

Same rules and invariants as ``tests/property/test_flows_stateful.py``; every
turn is saved to and loaded from a redis-server started by the fixture, so
the invariants hold across the store's real serialization and scripts.
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.property.test_flows_stateful import Conversations
from vpnfsm import RedisStore, SessionStore

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("use_rule_extractor", [False, True], ids=["scripted", "rule"])
def test_conversations_through_redis(redis_url: str, use_rule_extractor: bool) -> None:
    class RedisConversations(Conversations):
        def make_store(self) -> SessionStore:
            # A fresh key prefix per example: examples never see each other's sessions.
            self.redis_store = RedisStore.from_url(redis_url, prefix=f"hyp{uuid.uuid4().hex[:8]}")
            return self.redis_store

        def teardown(self) -> None:
            self.redis_store.close()

    RedisConversations.use_rule_extractor = use_rule_extractor
    run_state_machine_as_test(
        RedisConversations,
        settings=settings(
            max_examples=15,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
