"""``POST /api/chat``'s direct path answers exactly what FastAPI's own handler answers.

``application/json; charset=utf-8`` is JSON to FastAPI but not taken by the
direct path (vpnfsm/server/_chat_route.py), so sending a request once with
each content type compares the two paths on the same app. The turn is an
echo of what reached it, so any difference in what either path read shows.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import fastapi.routing
import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import StringConstraints, TypeAdapter, ValidationError

from vpnfsm._idempotency import MAX_MESSAGE_ID_CHARS
from vpnfsm.reply import Reply
from vpnfsm.server import Settings, create_app
from vpnfsm.server._chat_route import well_formed_key

pytestmark = pytest.mark.anyio

KEY = "chat-route-key-0123456789"
DIRECT = {"content-type": "application/json"}
STANDARD = {"content-type": "application/json; charset=utf-8"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _echo(message: str, session_id: str | None = None, *, tenant: str, message_id: str | None = None) -> Reply:
    return Reply(
        session_id=session_id or "new-session",
        reply=json.dumps([message, session_id, tenant, message_id]),
        intent="none",
        slots={},
    )


@functools.cache
def _echo_app() -> FastAPI:
    # One app for the whole module: the echo turn keeps no state, and building an app is the slow part.
    app = create_app(Settings(api_keys={KEY: "acme"}, max_message_chars=64))
    app.state.bot.handle = _echo
    return app


@pytest.fixture
async def echo() -> AsyncIterator[httpx.AsyncClient]:
    app = _echo_app()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


async def _both(client: httpx.AsyncClient, body: bytes, headers: dict[str, Any]) -> tuple[Any, Any]:
    seen = []
    for content_type in (DIRECT, STANDARD):
        r = await client.post("/api/chat", content=body, headers={**headers, **content_type})
        kept = {name: r.headers.get(name) for name in ("content-type", "www-authenticate", "cache-control")}
        seen.append((r.status_code, kept, r.json()))
    return seen[0], seen[1]


BODIES = [
    b'{"message": "VPN is not working"}',
    b'{"message": "windows", "session_id": "slack-thread-1"}',
    b'{"message": "x", "session_id": null, "other": [1, 2, {"a": NaN}]}',
    b'{"message": "first", "message": "second"}',
    b'{"message": "\\ud83d\\ude00 caf\\u00e9 \\u0000"}',
    b'{"m\\u0065ssage": "escaped key"}',
    b'\xef\xbb\xbf{"message": "with a BOM"}',
    b'{"message": "\\ud800"}',
    b'{"message": "raw\ncontrol"}',
    b'{"message": "\xed\xa0\x80"}',
    b'{"message": "\xff"}',
    b'{"message": ',
    b'{"message": "x",}',
    b'{"message": 5}',
    b'{"message": "   "}',
    b'{"message": "' + b"v" * 65 + b'"}',
    b'{"message": "hi", "session_id": "bad\\nid"}',
    b'{"message": "hi", "session_id": "' + b"s" * 257 + b'"}',
    b'{"message": "x", "deep": ' + b"[" * 300 + b"]" * 300 + b"}",
    b"[]",
    b"null",
    b"",
]

AUTH: list[dict[str, Any]] = [
    {"x-api-key": KEY},
    {},
    {"x-api-key": "not-the-key-at-all-000"},
    {"x-api-key": ""},
    {"authorization": "Bearer forged.token"},
    {"authorization": "Basic abc", "x-api-key": KEY},
]

IDEMPOTENCY: list[dict[str, Any]] = [
    {},
    {"idempotency-key": "evt-1"},
    {"idempotency-key": "0b9e53c2-2f1d-4a7e-8e61-3c5f7d9a1b2c"},
    {"idempotency-key": ""},
    {"idempotency-key": "two words"},
    {"idempotency-key": "k" * MAX_MESSAGE_ID_CHARS},
    {"idempotency-key": "k" * (MAX_MESSAGE_ID_CHARS + 1)},
    {"idempotency-key": "caf\xe9".encode("latin-1")},
    {"idempotency-key": "tab\tinside"},
]


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("auth", AUTH)
async def test_every_body_and_credential_gets_the_standard_answer(
    echo: httpx.AsyncClient, body: bytes, auth: dict[str, Any]
) -> None:
    direct, standard = await _both(echo, body, auth)
    assert direct == standard


@pytest.mark.parametrize("key", IDEMPOTENCY)
@pytest.mark.parametrize("body", [BODIES[0], BODIES[13]])
async def test_every_idempotency_key_gets_the_standard_answer(
    echo: httpx.AsyncClient, key: dict[str, Any], body: bytes
) -> None:
    for auth in AUTH[:2]:
        direct, standard = await _both(echo, body, {**auth, **key})
        assert direct == standard


async def test_a_page_token_reaches_the_same_tenant(echo: httpx.AsyncClient) -> None:
    token = (await echo.get("/api/page/token")).json()["token"]
    direct, standard = await _both(echo, BODIES[0], {"authorization": f"Bearer {token}"})
    assert direct == standard
    assert direct[0] == 200
    assert json.loads(direct[2]["reply"])[2] == "acme"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
_FIELDS = st.dictionaries(
    st.sampled_from(["message", "session_id", "extra"]), st.text(max_size=70) | st.none() | _JSON, max_size=3
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=_FIELDS.map(lambda fields: json.dumps(fields, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    | st.binary(max_size=40)
)
async def test_generated_bodies_get_the_standard_answer(echo: httpx.AsyncClient, body: bytes) -> None:
    direct, standard = await _both(echo, body, {"x-api-key": KEY})
    assert direct == standard


_DECLARED_KEY = TypeAdapter(
    Annotated[str, StringConstraints(min_length=1, max_length=MAX_MESSAGE_ID_CHARS, pattern=r"^[!-~]+$")]
)


@given(st.text(max_size=MAX_MESSAGE_ID_CHARS + 2) | st.text(st.characters(min_codepoint=0, max_codepoint=0x7F)))
def test_the_key_check_is_the_declared_header_rule(key: str) -> None:
    try:
        _DECLARED_KEY.validate_python(key)
        declared = True
    except ValidationError:
        declared = False
    assert well_formed_key(key) is declared


async def test_a_well_formed_request_skips_dependency_solving(
    echo: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    solved = 0
    real = fastapi.routing.solve_dependencies

    async def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal solved
        solved += 1
        return await real(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting)
    ok = await echo.post("/api/chat", content=BODIES[0], headers={"x-api-key": KEY, "idempotency-key": "e-1", **DIRECT})
    assert ok.status_code == 200
    assert solved == 0
    bad = await echo.post("/api/chat", content=b'{"message": 5}', headers={"x-api-key": KEY, **DIRECT})
    assert bad.status_code == 422
    assert solved == 1  # the error is FastAPI's own
