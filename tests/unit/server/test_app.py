"""The HTTP service through an in-process ASGI transport (no sockets)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import httpx
import pytest

from vpnfsm._turn import DEFAULT_MAX_MESSAGE_CHARS
from vpnfsm.benchmarks.http_bench import SEED_CONVERSATION
from vpnfsm.errors import StoreUnavailable
from vpnfsm.server import Settings, create_app
from vpnfsm.session import HistoryEntry, OutboxItem, OutboxLease, Session

pytestmark = pytest.mark.anyio

SEED = SEED_CONVERSATION[:-1]  # the seed walk-through up to the handoff


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_seed_first_two_messages_follow_the_flow(client: httpx.AsyncClient) -> None:
    first = await client.post("/api/chat", json={"message": "VPN is not working"})
    assert first.status_code == 200
    body = first.json()
    assert body["state"] == "VPN_ASK_OS"
    assert body["handoff"] is False
    assert body["intent"] == "vpn"
    assert body["new_session"] is True
    second = await client.post("/api/chat", json={"session_id": body["session_id"], "message": "Windows"})
    assert second.json()["state"] == "VPN_ASK_CLIENT"
    assert second.json()["slots"]["os"] == "windows"


async def test_hello_after_handoff_stays_with_the_person(client: httpx.AsyncClient) -> None:
    sid = None
    for text in SEED:
        r = await client.post("/api/chat", json={"message": text, "session_id": sid})
        sid = r.json()["session_id"]
    last = r.json()
    assert last["handoff"] is True
    assert last["outcome"] == "handoff"
    assert last["ended_now"] is True
    assert last["handoff_summary"]["reason"] == "steps_failed"
    after = (await client.post("/api/chat", json={"message": "hello", "session_id": sid})).json()
    assert after["state"] == "VPN_HANDOFF"
    assert after["handoff"] is True
    assert after["ended_now"] is False
    view = (await client.get(f"/api/sessions/{sid}")).json()
    assert view["state"] == "VPN_HANDOFF"
    assert view["handoff_summary"]["reference"] == last["handoff_summary"]["reference"]
    assert [h["role"] for h in view["history"]] == ["user", "bot"] * (len(SEED) + 1)
    metrics = (await client.get("/metrics")).text
    assert 'vpnfsm_handoffs_total{flow="vpn",reason="steps_failed"} 1.0' in metrics
    assert "vpnfsm_turns_total 8.0" in metrics  # no tenant label while /metrics is open
    assert "vpnfsm_turn_duration_seconds_count 8.0" in metrics


async def test_unknown_session_id_starts_a_quiet_new_session(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/chat", json={"message": "VPN is not working", "session_id": "made-up-1"})
    assert r.status_code == 200
    assert r.json()["session_id"] == "made-up-1"
    assert r.json()["new_session"] is True
    assert r.json()["notice"] is None


async def test_delete_forgets_the_session(client: httpx.AsyncClient) -> None:
    sid = (await client.post("/api/chat", json={"message": "vpn down"})).json()["session_id"]
    assert (await client.delete(f"/api/sessions/{sid}")).status_code == 204
    gone = await client.get(f"/api/sessions/{sid}")
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"
    assert (await client.delete(f"/api/sessions/{sid}")).status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "title"),
    [
        (b'{"message": ', 422, "Malformed JSON"),
        (b'{"message": "   "}', 422, "Invalid input"),
        (json.dumps({"message": "x" * (DEFAULT_MAX_MESSAGE_CHARS + 1)}).encode(), 422, "Invalid request"),
        (b'{"message": 5}', 422, "Invalid request"),
        (b'{"message": "hi", "session_id": "bad\\nid"}', 422, "Invalid input"),
        (json.dumps({"message": "hi", "session_id": "x" * 257}).encode(), 422, "Invalid request"),
        (b"[]", 422, "Invalid request"),
    ],
)
async def test_bad_bodies_get_problem_documents(
    client: httpx.AsyncClient, body: bytes, status: int, title: str
) -> None:
    r = await client.post("/api/chat", content=body, headers={"content-type": "application/json"})
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["status"] == status
    assert problem["title"] == title
    assert problem["type"].startswith("/problems/")


async def test_oversized_body_is_refused_before_parsing(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/chat",
        content=b"{" + b" " * Settings().body_limit + b"}",
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["title"] == "Request body too large"


async def test_malformed_session_id_in_path_is_422(client: httpx.AsyncClient) -> None:
    for path in ("/api/sessions/zero%E2%80%8Bwidth", "/api/sessions/" + "x" * 257):
        r = await client.get(path)
        assert r.status_code == 422
        assert r.headers["content-type"] == "application/problem+json"


async def test_unknown_route_and_method_are_problems(client: httpx.AsyncClient) -> None:
    assert (await client.get("/nope")).json()["status"] == 404
    r = await client.put("/api/chat", json={})
    assert r.status_code == 405
    assert r.json()["title"] == "Method not allowed"


class DownStore:
    """A store whose every call fails: unreachable by default, or with ``error``."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error if error is not None else StoreUnavailable("connection refused")

    async def load(self, session_id: str, *, tenant: str) -> Session | None:
        raise self.error

    async def save(
        self,
        session: Session,
        *,
        expected_version: int,
        history: Sequence[HistoryEntry] = (),
        outbox: Sequence[OutboxItem] = (),
    ) -> bool:
        raise self.error

    async def history(self, session_id: str, *, tenant: str) -> list[HistoryEntry]:
        raise self.error

    async def delete(self, session_id: str, *, tenant: str) -> bool:
        raise self.error

    async def ping(self) -> None:
        raise self.error

    async def outbox_claim(self, consumer: str, *, limit: int, lease_seconds: float) -> list[OutboxLease]:
        raise self.error

    async def outbox_renew(self, item_id: str, *, token: int, lease_seconds: float) -> bool:
        raise self.error

    async def outbox_done(self, item_id: str, *, token: int) -> bool:
        raise self.error


async def test_store_down_is_503_with_retry_after() -> None:
    app = create_app(Settings(retry_after_seconds=7), store=DownStore())
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        for r in (
            await c.post("/api/chat", json={"message": "vpn"}),
            await c.get("/readyz"),
            await c.get("/api/sessions/abc"),
            await c.delete("/api/sessions/abc"),
        ):
            assert r.status_code == 503
            assert r.headers["retry-after"] == "7"
            assert r.json()["title"] == "Store unavailable"
            assert "Traceback" not in r.text
        assert (await c.get("/healthz")).status_code == 200
        assert 'vpnfsm_store_errors_total{kind="unavailable"} 4.0' in (await c.get("/metrics")).text


async def test_unexpected_error_is_a_bare_500_problem() -> None:
    app = create_app(Settings(), store=DownStore(RuntimeError("secret internals")))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.post("/api/chat", json={"message": "vpn"})
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert "secret internals" not in r.text
    assert "Traceback" not in r.text


async def test_health_ready_and_page(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json()["status"] == "ok"
    ready = (await client.get("/readyz")).json()
    assert ready == {"status": "ready", "version": ready["version"], "store": "memory"}
    page = await client.get("/")
    assert page.status_code == 200
    assert "<script" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset in ("app.js", "app.css"):
        assert (await client.get(f"/static/{asset}")).status_code == 200
    assert "http://" not in page.text
    assert "https://" not in page.text


KEYS = {"a" * 16 + "-key-of-tenant-a": "tenant-a", "b" * 16 + "-key-of-tenant-b": "tenant-b"}


async def test_tenants_need_keys_and_cannot_see_each_other() -> None:
    app = create_app(Settings(api_keys=KEYS))
    key_a, key_b = list(KEYS)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        assert (await c.post("/api/chat", json={"message": "vpn"})).status_code == 401
        wrong = await c.post("/api/chat", json={"message": "vpn"}, headers={"X-API-Key": "x" * 20})
        assert wrong.status_code == 401
        assert wrong.headers["content-type"] == "application/problem+json"
        sid = (await c.post("/api/chat", json={"message": "vpn broken"}, headers={"X-API-Key": key_a})).json()[
            "session_id"
        ]
        assert (await c.get(f"/api/sessions/{sid}", headers={"X-API-Key": key_a})).status_code == 200
        assert (await c.get(f"/api/sessions/{sid}", headers={"X-API-Key": key_b})).status_code == 404
        assert (await c.delete(f"/api/sessions/{sid}", headers={"X-API-Key": key_b})).status_code == 404
        other = (
            await c.post("/api/chat", json={"message": "Windows", "session_id": sid}, headers={"X-API-Key": key_b})
        ).json()
        assert other["new_session"] is True
        assert other["notice"] is None
        assert other["state"] is None
        mine = (await c.get(f"/api/sessions/{sid}", headers={"X-API-Key": key_a})).json()
        assert mine["state"] == "VPN_ASK_OS"
        assert mine["turns"] == 1


async def test_resolution_is_counted_once(client: httpx.AsyncClient) -> None:
    first = await client.post("/api/chat", json={"message": "my GlobalProtect VPN on Windows can't connect, error 809"})
    sid = first.json()["session_id"]
    assert first.json()["state"] == "VPN_CHECK_RESULT"
    done = (await client.post("/api/chat", json={"message": "yes that fixed it", "session_id": sid})).json()
    assert done["outcome"] == "resolved"
    assert done["ended_now"] is True
    await client.post("/api/chat", json={"message": "thanks", "session_id": sid})
    metrics = (await client.get("/metrics")).text
    assert 'vpnfsm_resolutions_total{flow="vpn"} 1.0' in metrics
    assert "vpnfsm_handoffs_total{" not in metrics


async def test_metrics_parse_as_prometheus_text(client: httpx.AsyncClient) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    await client.post("/api/chat", json={"message": "VPN is not working"})
    r = await client.get("/metrics")
    assert r.headers["content-type"].startswith("text/plain; version=")
    families = {f.name: f for f in text_string_to_metric_families(r.text)}
    assert {
        "vpnfsm_turns",
        "vpnfsm_intents",
        "vpnfsm_handoffs",
        "vpnfsm_resolutions",
        "vpnfsm_store_errors",
        "vpnfsm_turn_duration_seconds",
    } <= set(families)
    assert families["vpnfsm_turn_duration_seconds"].type == "histogram"
    intents = {s.labels["intent"]: s.value for s in families["vpnfsm_intents"].samples if s.name.endswith("_total")}
    assert intents == {"vpn": 1.0}


async def test_diagram_failure_is_a_503_problem_not_a_500(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vpnfsm.server import app as app_module

    def no_dot(flow: str) -> str:
        raise FileNotFoundError("dot")

    monkeypatch.setattr(app_module, "_diagram_svg", no_dot)
    r = await client.get("/api/flows/vpn/diagram.svg")
    assert r.status_code == 503
    assert r.json()["type"] == "/problems/diagram-unavailable"
    assert (await client.get("/api/flows/nope/diagram.svg")).status_code == 404


async def test_flow_diagram_is_svg_with_one_node_per_state(client: httpx.AsyncClient) -> None:
    from vpnfsm.flows.registry import FLOWS

    r = await client.get("/api/flows/vpn/diagram.svg")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/svg+xml"
    for state in FLOWS["vpn"].states:
        # graphviz escapes '-' in ids as &#45;, which the browser's DOM reads back as '-'
        assert f'id="state&#45;{state.name}"' in r.text


async def test_start_up_loads_the_language_model_before_any_request() -> None:
    from vpnfsm.dialogue import language

    language._identifier.cache_clear()
    app = create_app(Settings())
    assert language._identifier.cache_info().currsize == 0  # building the app does not load it
    async with app.router.lifespan_context(app):
        assert language._identifier.cache_info().currsize == 1
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            long_spanish = "hola no puedo conectarme a la vpn desde casa desde ayer"
            reply = (await client.post("/api/chat", json={"message": long_spanish})).json()
    assert language._identifier.cache_info().misses == 1  # that message found it loaded
    assert reply["session_id"]
