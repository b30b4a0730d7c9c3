"""The service on a real Redis: state survives across app instances, and a dead Redis is a clean 503."""

from __future__ import annotations

from contextlib import ExitStack

import httpx
import pytest
from httpkit import LiveServer, serve_in_thread

from vpnfsm.benchmarks.redis_bench import temporary_redis
from vpnfsm.server import Settings, create_app

pytestmark = pytest.mark.e2e


def test_store_down_is_503_with_retry_after_and_recovers_nothing_lost(live: list[LiveServer]) -> None:
    with ExitStack() as redis:
        url = redis.enter_context(temporary_redis())
        settings = Settings(redis_url=url, retry_after_seconds=3)
        first = serve_in_thread(create_app(settings))
        second = serve_in_thread(create_app(settings))
        live.extend([first, second])
        with httpx.Client(timeout=10) as http:
            sid = http.post(first.url + "/api/chat", json={"message": "VPN is not working"}).json()["session_id"]
            # Another process-like instance continues the same conversation from Redis.
            on_second = http.post(second.url + "/api/chat", json={"message": "Windows", "session_id": sid})
            assert on_second.json()["state"] == "VPN_ASK_CLIENT"
            assert http.get(first.url + "/readyz").json()["store"] == "redis"
            redis.close()  # Redis goes away
            down = http.post(first.url + "/api/chat", json={"message": "GlobalProtect", "session_id": sid})
            assert down.status_code == 503
            assert down.headers["retry-after"] == "3"
            assert down.headers["content-type"] == "application/problem+json"
            assert "Traceback" not in down.text
            assert http.get(first.url + "/readyz").status_code == 503
            assert http.get(first.url + f"/api/sessions/{sid}").status_code == 503
            assert http.get(first.url + "/healthz").status_code == 200
            metrics = http.get(first.url + "/metrics").text
            assert 'vpnfsm_store_errors_total{kind="unavailable"} 3.0' in metrics
