"""``POST /api/chat`` retries, odd input and method lists, named after what broke."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence

import httpx
import pytest

from vpnfsm.errors import StoreUnavailable
from vpnfsm.server import Settings, create_app
from vpnfsm.session import HistoryEntry, OutboxItem, Session
from vpnfsm.store.memory import AsyncMemoryStore

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _client(app: object) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://t")


async def _user_lines(client: httpx.AsyncClient, sid: str) -> list[str]:
    view = (await client.get(f"/api/sessions/{sid}")).json()
    return [h["text"] for h in view["history"] if h["role"] == "user"]


# -- Idempotency-Key ----------------------------------------------------------------


async def test_retried_post_with_the_same_idempotency_key_is_applied_once(client: httpx.AsyncClient) -> None:
    first = await client.post("/api/chat", json={"message": "vpn not working"}, headers={"Idempotency-Key": "k-1"})
    sid = first.json()["session_id"]
    body = {"message": "windows", "session_id": sid}
    answered = await client.post("/api/chat", json=body, headers={"Idempotency-Key": "k-2"})
    again = await client.post("/api/chat", json=body, headers={"Idempotency-Key": "k-2"})
    assert again.status_code == 200
    assert again.json() == answered.json()
    assert await _user_lines(client, sid) == ["vpn not working", "windows"]


async def test_retried_first_post_without_session_id_reaches_the_same_session(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "0b9e53c2-2f1d-4a7e-8e61-3c5f7d9a1b2c"}
    first = await client.post("/api/chat", json={"message": "hey vpn is dead"}, headers=headers)
    retry = await client.post("/api/chat", json={"message": "hey vpn is dead"}, headers=headers)
    assert retry.json() == first.json()
    assert await _user_lines(client, first.json()["session_id"]) == ["hey vpn is dead"]


async def test_idempotency_key_reused_for_another_message_is_422(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "same-key"}
    sid = (await client.post("/api/chat", json={"message": "vpn down"}, headers=headers)).json()["session_id"]
    other = await client.post("/api/chat", json={"message": "mac", "session_id": sid}, headers=headers)
    assert other.status_code == 422
    assert other.json()["errors"][0]["loc"] == ["message_id"]
    assert await _user_lines(client, sid) == ["vpn down"]


@pytest.mark.parametrize("key", ["", "two words", "k" * 129])
async def test_malformed_idempotency_key_is_422(client: httpx.AsyncClient, key: str) -> None:
    r = await client.post("/api/chat", json={"message": "vpn"}, headers={"Idempotency-Key": key})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"


class _FlakyStore(AsyncMemoryStore):
    """Saves fail (after running, when ``applied``) until ``failing`` is cleared; loads fail on ``load_down``."""

    def __init__(self, *, applied: bool = False, load_down: bool = False) -> None:
        super().__init__()
        self.applied = applied
        self.load_down = load_down
        self.failing = True

    async def load(self, session_id: str, *, tenant: str) -> Session | None:
        if self.failing and self.load_down:
            raise StoreUnavailable("connection refused")
        return await super().load(session_id, tenant=tenant)

    async def save(
        self,
        session: Session,
        *,
        expected_version: int,
        history: Sequence[HistoryEntry] = (),
        outbox: Sequence[OutboxItem] = (),
    ) -> bool:
        if not self.failing:
            return await super().save(session, expected_version=expected_version, history=history, outbox=outbox)
        if self.applied:
            await super().save(session, expected_version=expected_version, history=history, outbox=outbox)
        raise StoreUnavailable("timeout reading from socket")


@pytest.fixture
async def flaky() -> AsyncIterator[tuple[_FlakyStore, httpx.AsyncClient]]:
    store = _FlakyStore(applied=True)
    async with _client(create_app(Settings(retry_after_seconds=4), store=store)) as c:
        yield store, c


async def test_503_after_a_lost_save_says_it_may_be_applied_and_a_keyed_retry_is_safe(
    flaky: tuple[_FlakyStore, httpx.AsyncClient],
) -> None:
    store, client = flaky
    body = {"message": "anyconnect says login failed", "session_id": "slack-thread-7"}
    down = await client.post("/api/chat", json=body, headers={"Idempotency-Key": "evt-1"})
    assert down.status_code == 503
    assert down.headers["retry-after"] == "4"
    problem = down.json()
    assert problem["may_have_applied"] is True
    assert problem["retry_safe"] is True
    assert "same Idempotency-Key" in problem["detail"]
    store.failing = False
    retry = await client.post("/api/chat", json=body, headers={"Idempotency-Key": "evt-1"})
    assert retry.status_code == 200
    assert await _user_lines(client, "slack-thread-7") == ["anyconnect says login failed"]


async def test_503_without_a_key_after_a_lost_save_says_a_retry_may_duplicate(
    flaky: tuple[_FlakyStore, httpx.AsyncClient],
) -> None:
    _, client = flaky
    down = await client.post("/api/chat", json={"message": "vpn", "session_id": "s1"})
    assert down.status_code == 503
    assert down.json()["may_have_applied"] is True
    assert down.json()["retry_safe"] is False


async def test_503_when_the_store_was_never_reached_says_nothing_was_applied() -> None:
    async with _client(create_app(Settings(), store=_FlakyStore(load_down=True))) as client:
        down = await client.post("/api/chat", json={"message": "vpn", "session_id": "s1"})
    assert down.status_code == 503
    assert down.json()["may_have_applied"] is False
    assert down.json()["retry_safe"] is True


# -- input --------------------------------------------------------------------------


@pytest.mark.parametrize("escaped", ["\\ud800", "vpn \\udfff broke", "\\ud83d"])
async def test_lone_surrogate_in_the_message_is_422_not_500(client: httpx.AsyncClient, escaped: str) -> None:
    raw = ('{"message": "' + escaped + '"}').encode()
    r = await client.post("/api/chat", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["loc"][-1] == "message"
    # The connection stays usable: the next request on the same client works.
    assert (await client.post("/api/chat", json={"message": "vpn broken"})).status_code == 200


async def test_lone_surrogate_in_the_session_id_is_422(client: httpx.AsyncClient) -> None:
    raw = b'{"message": "vpn", "session_id": "ab\\ud800"}'
    r = await client.post("/api/chat", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422


@pytest.mark.parametrize("message", ["\u200b", "\ufeff", "\u200b\u200d\u2060", "\u00ad "])
async def test_zero_width_only_message_is_422_empty(client: httpx.AsyncClient, message: str) -> None:
    r = await client.post("/api/chat", json={"message": message})
    assert r.status_code == 422
    assert r.json()["errors"][0]["type"] == "empty"


async def test_openapi_message_schema_carries_min_and_max_length() -> None:
    for settings, longest in ((Settings(), 16 * 1024), (Settings(max_message_chars=500), 500)):
        async with _client(create_app(settings)) as client:
            schema = (await client.get("/openapi.json")).json()
            message = schema["components"]["schemas"]["ChatRequest"]["properties"]["message"]
            assert message["minLength"] == 1
            assert message["maxLength"] == longest
            too_long = await client.post("/api/chat", json={"message": "v" * (longest + 1)})
            assert too_long.status_code == 422


async def test_openapi_documents_the_idempotency_key(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    chat = schema["paths"]["/api/chat"]["post"]
    header = next(p for p in chat["parameters"] if p["name"] == "Idempotency-Key")
    assert header["in"] == "header"
    assert header["required"] is False
    assert "Idempotency-Key" in chat["description"]


async def test_body_limit_follows_the_message_limit_for_escaped_text(client: httpx.AsyncClient) -> None:
    # A 16 K-character message in a script other than Latin, as json.dumps sends
    # it (every character \\u-escaped: six bytes each) is not refused as too large.
    message = "сеть" * 4096
    assert len(message) == 16 * 1024
    raw = json.dumps({"message": message}).encode()
    assert len(raw) > 16 * 1024 * 5
    r = await client.post("/api/chat", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 200


async def test_explicit_body_limit_still_applies() -> None:
    async with _client(create_app(Settings(max_body_bytes=1024))) as client:
        r = await client.post("/api/chat", json={"message": "v" * 2000})
    assert r.status_code == 413


# -- methods ------------------------------------------------------------------------


async def test_options_on_a_session_lists_get_and_delete(client: httpx.AsyncClient) -> None:
    r = await client.options("/api/sessions/abc")
    assert r.status_code == 204
    assert set(r.headers["allow"].split(", ")) == {"GET", "DELETE", "OPTIONS"}


async def test_options_on_chat_lists_post(client: httpx.AsyncClient) -> None:
    r = await client.options("/api/chat")
    assert set(r.headers["allow"].split(", ")) == {"POST", "OPTIONS"}


async def test_wrong_method_on_a_session_lists_every_allowed_method(client: httpx.AsyncClient) -> None:
    r = await client.put("/api/sessions/abc", json={})
    assert r.status_code == 405
    assert set(r.headers["allow"].split(", ")) == {"GET", "DELETE", "OPTIONS"}
    assert r.headers["content-type"] == "application/problem+json"


async def test_options_on_an_unknown_path_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.options("/api/nothing-here")).status_code == 404
