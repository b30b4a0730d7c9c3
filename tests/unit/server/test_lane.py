"""The chat lane (vpnfsm/server/_lane.py) answers exactly what the full stack answers.

Two apps are built by the same ``create_app``, each on its own memory store;
one has its lane switched off (``chat_lane = None`` before its first
request). The same requests, in the same order, go to both at the ASGI level
(raw header lists, body chunks, disconnects), and the status, every header,
the body, the log records and the counters must be equal. Session ids are
given, so both stores see the same conversations. Each case also says
whether the lane answers it itself; a count of the requests that reached the
full stack behind the lane checks that, so the comparison cannot pass by the
lane handing everything on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from vpnfsm.errors import InputError, SessionConflict, StoreUnavailable
from vpnfsm.server import Settings, create_app
from vpnfsm.server._lane import ChatLane, ServiceApp

pytestmark = pytest.mark.anyio

KEY = "lane-test-key-0123456789"
JSON = (b"content-type", b"application/json")
AUTH = (b"x-api-key", KEY.encode())
Message = MutableMapping[str, Any]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Answer:
    """What one request got: every message sent, and the exception raised to the server, if any."""

    messages: list[Message]
    raised: str | None

    @property
    def status(self) -> int | None:
        return self.messages[0]["status"] if self.messages else None


@dataclass
class Pair:
    """The app with its lane, its twin without, and the paths of the requests the lane passed on."""

    laned: ServiceApp
    plain: ServiceApp
    passed: list[str] = field(default_factory=list)


def _settings() -> Settings:
    return Settings(api_keys={KEY: "acme"}, max_message_chars=64, max_body_bytes=1024)


async def _ready(app: ServiceApp) -> None:
    # Build the middleware stack as the first request would.
    await _send(app, "GET", "/healthz", [], [b""])


def _pair() -> Pair:
    laned, plain = create_app(_settings()), create_app(_settings())
    assert isinstance(laned, ServiceApp)
    assert isinstance(plain, ServiceApp)
    return Pair(laned, plain)


async def _setup(pair: Pair) -> None:
    pair.plain.chat_lane = None  # this twin has no lane
    await _ready(pair.laned)
    await _ready(pair.plain)
    lane = pair.laned.middleware_stack
    assert isinstance(lane, ChatLane)
    assert not isinstance(pair.plain.middleware_stack, ChatLane)
    behind = lane.app

    async def counting(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        pair.passed.append(scope["path"])
        await behind(scope, receive, send)

    lane.app = counting


async def _send(
    app: Callable[..., Awaitable[None]],
    method: str,
    path: str,
    headers: list[tuple[bytes, bytes]],
    chunks: list[bytes | Exception | None],
) -> Answer:
    """One request at the ASGI level; a ``None`` chunk is the client hanging up, an exception is raised."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    pending = list(chunks)
    messages: list[Message] = []

    async def receive() -> Message:
        if not pending:
            return {"type": "http.disconnect"}
        chunk = pending.pop(0)
        if chunk is None:
            pending.clear()
            return {"type": "http.disconnect"}
        if isinstance(chunk, Exception):
            raise chunk
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message: Message) -> None:
        messages.append(dict(message))

    try:
        await app(scope, receive, send)
    except Exception as exc:  # the server's view: it logs what the app raised
        return Answer(messages, f"{type(exc).__name__}: {exc}")
    return Answer(messages, None)


def _body(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields).encode()


def _sized(body: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"content-length", str(len(body)).encode())]


@dataclass(frozen=True)
class Case:
    """A request and whether the lane answers it itself."""

    name: str
    headers: list[tuple[bytes, bytes]]
    chunks: list[bytes | Exception | None]
    lane: bool
    method: str = "POST"
    path: str = "/api/chat"


def _turn(name: str, fields: dict[str, Any], *extra: tuple[bytes, bytes], lane: bool = True) -> Case:
    body = _body(fields)
    return Case(name, [JSON, AUTH, *_sized(body), *extra], [body], lane)


# Valid but for its size (the extra field is ignored): only the cap refuses it.
BIG = _body({"message": "hi", "session_id": "s-8", "padding": "x" * 2000})
CASES = [
    _turn("new session", {"message": "VPN is not working", "session_id": "s-1"}),
    _turn("continued session", {"message": "Windows", "session_id": "s-1"}),
    _turn("third turn", {"message": "GlobalProtect", "session_id": "s-1"}),
    _turn("new without a session id, keyed", {"message": "vpn broken"}, (b"idempotency-key", b"evt-1")),
    _turn("replay with the same key", {"message": "vpn broken"}, (b"idempotency-key", b"evt-1")),
    _turn("used key, other message", {"message": "vpn dead"}, (b"idempotency-key", b"evt-1")),
    _turn("keyed turn in a session", {"message": "mac", "session_id": "s-2"}, (b"idempotency-key", b"evt-2")),
    _turn("keyed replay in a session", {"message": "mac", "session_id": "s-2"}, (b"idempotency-key", b"evt-2")),
    _turn("blank message (the turn refuses it)", {"message": "   ", "session_id": "s-3"}),
    _turn("zero-width message", {"message": "\u200b", "session_id": "s-3"}),
    _turn("unknown fields are ignored", {"message": "hello", "session_id": "s-4", "other": [1]}),
    _turn("empty message", {"message": ""}, lane=False),
    _turn("message over the limit", {"message": "m" * 65}, lane=False),
    _turn("session id with a newline", {"message": "hi", "session_id": "a\nb"}, lane=True),
    _turn("bad Idempotency-Key", {"message": "hi"}, (b"idempotency-key", b"two words"), lane=False),
    _turn("long Idempotency-Key", {"message": "hi"}, (b"idempotency-key", b"k" * 129), lane=False),
    Case("missing key", [JSON, *_sized(b'{"message": "hi"}')], [b'{"message": "hi"}'], lane=False),
    Case("unknown key", [JSON, (b"x-api-key", b"x" * 20)], [b'{"message": "hi"}'], lane=False),
    Case("forged page token", [JSON, (b"authorization", b"Bearer a.b")], [b'{"message": "hi"}'], lane=False),
    Case("bad JSON", [JSON, AUTH], [b'{"message": '], lane=False),
    Case("not an object", [JSON, AUTH], [b"[]"], lane=False),
    Case("empty body", [JSON, AUTH], [b""], lane=False),
    Case("text/plain", [(b"content-type", b"text/plain"), AUTH], [b'{"message": "hi"}'], lane=False),
    Case("no content type", [AUTH], [b'{"message": "hi"}'], lane=False),
    Case(
        "JSON with a charset",
        [(b"content-type", b"application/json; charset=utf-8"), AUTH],
        [b'{"message": "hello", "session_id": "s-5"}'],
        lane=False,
    ),
    Case("declared over the cap", [JSON, AUTH, *_sized(BIG)], [BIG], lane=False),
    Case("chunked over the cap", [JSON, AUTH], [BIG[:600], BIG[600:1200], BIG[1200:]], lane=False),
    Case("chunked under the cap", [JSON, AUTH], [b'{"message": "win', b'dows", "session_id": "s-6"}'], lane=True),
    Case("hangs up mid-body", [JSON, AUTH], [b'{"message": ', None], lane=True),
    Case(
        "two keys: the first counts",
        [JSON, AUTH, (b"x-api-key", b"y" * 20)],
        [b'{"message": "a", "session_id": "s-7"}'],
        lane=True,
    ),
    Case("GET on chat", [AUTH], [b""], lane=False, method="GET"),
    Case("OPTIONS on chat", [], [b""], lane=False, method="OPTIONS"),
    Case("another path", [JSON, AUTH], [b'{"message": "hi"}'], lane=False, path="/api/chat/"),
    Case("health", [], [b""], lane=False, method="GET", path="/healthz"),
]


def _comparable(answer: Answer) -> tuple[Any, ...]:
    return (answer.raised, [(m["type"], m.get("status"), m.get("headers"), m.get("body")) for m in answer.messages])


def _records(caplog: pytest.LogCaptureFixture) -> list[tuple[Any, ...]]:
    seen = [
        (r.name, r.levelname, r.getMessage(), getattr(r, "tenant", "-"), getattr(r, "session_id", "-"))
        for r in caplog.records
        if r.name.startswith("vpnfsm")
    ]
    caplog.clear()
    return seen


def _counters(app: ServiceApp) -> list[str]:
    # Counts only (a histogram's count included): durations and creation times differ between the apps.
    text = app.state.metrics.render().decode()
    varying = ("_created", "_bucket", "_sum")
    return [line for line in text.splitlines() if line.startswith("vpnfsm_") and not any(v in line for v in varying)]


async def test_every_request_gets_the_full_stacks_answer(caplog: pytest.LogCaptureFixture) -> None:
    pair = _pair()
    await _setup(pair)
    caplog.set_level(logging.INFO)
    for case in CASES:
        before = len(pair.passed)
        laned = await _send(pair.laned, case.method, case.path, case.headers, case.chunks)
        laned_logs = _records(caplog)
        plain = await _send(pair.plain, case.method, case.path, case.headers, case.chunks)
        assert _comparable(laned) == _comparable(plain), case.name
        assert laned_logs == _records(caplog), case.name
        assert (len(pair.passed) == before) is case.lane, case.name
    assert _counters(pair.laned) == _counters(pair.plain)
    turns = next(line for line in _counters(pair.laned) if line.startswith("vpnfsm_turns_total "))
    assert float(turns.split()[1]) >= sum(case.lane for case in CASES) - 5  # the refused turns count no turn


async def test_a_good_turn_carries_the_guard_headers_and_the_reply() -> None:
    pair = _pair()
    await _setup(pair)
    answer = await _send(pair.laned, "POST", "/api/chat", CASES[0].headers, CASES[0].chunks)
    assert answer.status == 200
    body = json.loads(answer.messages[1]["body"])
    assert body["session_id"] == "s-1"
    assert body["state"] == "VPN_ASK_OS"
    headers = answer.messages[0]["headers"]
    assert headers == [
        (b"content-length", str(len(answer.messages[1]["body"])).encode()),
        (b"content-type", b"application/json"),
        (b"x-content-type-options", b"nosniff"),
        (b"cache-control", b"no-store"),
    ]
    assert pair.passed == []


async def test_a_page_token_reaches_the_same_tenant() -> None:
    pair = _pair()
    await _setup(pair)
    answers = []
    for app in (pair.laned, pair.plain):
        issued = await _send(app, "GET", "/api/page/token", [], [b""])
        token = json.loads(issued.messages[1]["body"])["token"]
        answers.append(
            await _send(
                app,
                "POST",
                "/api/chat",
                [JSON, (b"authorization", f"Bearer {token}".encode())],
                [_body({"message": "VPN is not working", "session_id": "page-1"})],
            )
        )
    assert _comparable(answers[0]) == _comparable(answers[1])
    assert answers[0].status == 200
    assert pair.passed == ["/api/page/token"]


def _raising(exc: Exception) -> Callable[..., Awaitable[Any]]:
    async def handle(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return handle


TURN_ERRORS = [
    InputError("message is empty", field="message", reason="empty"),
    InputError("message_id was already used", field="message_id", reason="reused"),
    StoreUnavailable("connection refused", may_have_applied=False),
    StoreUnavailable("save not confirmed", may_have_applied=True),
    SessionConflict("s-9", 5),
    RuntimeError("a bug in a turn"),
]


@pytest.mark.parametrize("error", TURN_ERRORS, ids=lambda e: f"{type(e).__name__}-{e}")
@pytest.mark.parametrize("keyed", [False, True])
async def test_an_error_in_the_turn_gets_the_handlers_answer_and_log(
    error: Exception, keyed: bool, caplog: pytest.LogCaptureFixture
) -> None:
    pair = _pair()
    await _setup(pair)
    caplog.set_level(logging.INFO)
    extra = [(b"idempotency-key", b"evt-err")] if keyed else []
    answers, logs = [], []
    for app in (pair.laned, pair.plain):
        app.state.bot.handle = _raising(error)
        answers.append(
            await _send(app, "POST", "/api/chat", [JSON, AUTH, *extra], [_body({"message": "hi", "session_id": "s-9"})])
        )
        logs.append(_records(caplog))
    assert _comparable(answers[0]) == _comparable(answers[1])
    assert logs[0] == logs[1]
    assert pair.passed == []
    status = answers[0].status
    assert status == {InputError: 422, StoreUnavailable: 503, SessionConflict: 409, RuntimeError: 500}[type(error)]
    headers = dict(answers[0].messages[0]["headers"])
    # Errors Starlette's exception middleware answers pass Guard; the 500 is answered outside it.
    assert (b"cache-control" in headers) is (status != 500)
    assert (answers[0].raised is not None) is (status == 500)
    if isinstance(error, StoreUnavailable):
        problem = json.loads(answers[0].messages[1]["body"])
        assert problem["may_have_applied"] is error.may_have_applied
        assert problem["retry_safe"] is (keyed or not error.may_have_applied)
        assert logs[0]
        assert logs[0][0][3:] == ("acme", "s-9")
    assert _counters(pair.laned) == _counters(pair.plain)


def _failing_resolver(key: str | None) -> str:
    raise RuntimeError("a bug in the tenant lookup")


@pytest.mark.parametrize("where", ["receive", "tenant"])
async def test_an_error_before_the_turn_is_the_full_stacks_500(where: str, caplog: pytest.LogCaptureFixture) -> None:
    pair = _pair()
    await _setup(pair)
    caplog.set_level(logging.INFO)
    chunks: list[bytes | Exception | None] = [b'{"message": "hi", "session_id": "s-1"}']
    if where == "receive":
        chunks = [b'{"message": ', OSError("the connection broke")]
    answers, logs = [], []
    for app in (pair.laned, pair.plain):
        if where == "tenant":
            app.state.tenant_of = _failing_resolver
        answers.append(await _send(app, "POST", "/api/chat", [JSON, AUTH], chunks))
        logs.append(_records(caplog))
    assert _comparable(answers[0]) == _comparable(answers[1])
    assert logs[0] == logs[1]
    assert answers[0].status == 500
    assert answers[0].raised is not None
    assert logs[0][0][1] == "ERROR"
    assert pair.passed == []


async def test_a_host_that_adds_middleware_gets_no_lane() -> None:
    app = create_app(_settings())
    seen: list[str] = []

    class Host:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            seen.append(scope.get("path", ""))
            await self.inner(scope, receive, send)

    app.add_middleware(Host)
    answer = await _send(app, "POST", "/api/chat", CASES[0].headers, CASES[0].chunks)
    assert answer.status == 200
    assert seen == ["/api/chat"]
    assert not isinstance(app.middleware_stack, ChatLane)


async def test_debug_mode_gets_no_lane() -> None:
    app = create_app(_settings())
    app.debug = True  # tracebacks instead of the problem handler: the full stack's business
    answer = await _send(app, "POST", "/api/chat", CASES[0].headers, CASES[0].chunks)
    assert answer.status == 200
    assert not isinstance(app.middleware_stack, ChatLane)


async def test_a_mounted_service_is_answered_by_the_full_stack() -> None:
    pair = _pair()
    await _setup(pair)
    scope_path = "/vpn/api/chat"
    body = _body({"message": "VPN is not working", "session_id": "m-1"})
    lane = pair.laned.middleware_stack
    assert isinstance(lane, ChatLane)
    messages: list[Message] = []
    sent = False

    async def receive() -> Message:
        nonlocal sent
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": scope_path,
        "root_path": "/vpn",
        "raw_path": scope_path.encode(),
        "query_string": b"",
        "headers": [JSON, AUTH],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("t", 80),
        "client": ("c", 1),
        "app": pair.laned,
    }
    await lane(scope, receive, send)
    assert pair.passed == [scope_path]
    assert messages[0]["status"] == 200


async def test_the_openapi_schema_is_the_full_stacks() -> None:
    pair = _pair()
    await _setup(pair)
    laned = await _send(pair.laned, "GET", "/openapi.json", [], [b""])
    plain = await _send(pair.plain, "GET", "/openapi.json", [], [b""])
    assert laned.messages[1]["body"] == plain.messages[1]["body"]
    assert b'"/api/chat"' in laned.messages[1]["body"]
