"""What operators see: vpnfsm's log lines (one per record, with tenant and session, never the
message) and a /metrics endpoint that keeps tenant ids to whoever holds its token."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from vpnfsm import Assistant, MemoryStore
from vpnfsm._logging import configured, mask_url
from vpnfsm.errors import CorruptSession, SessionConflict, StoreUnavailable
from vpnfsm.examples import EXAMPLE_TENANTS
from vpnfsm.handoff.delivery import JiraAuth, JiraClient, deliver_pending
from vpnfsm.handoff.tenants import load_tenants
from vpnfsm.server import Settings, create_app
from vpnfsm.session import Session
from vpnfsm.store.memory import AsyncMemoryStore

pytestmark = pytest.mark.anyio

SECRET_WORDS = "my pasword is Winter2024 and vpn wont connect"
TOKEN = "metrics-bearer-0123456789"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    with configured("info", "text", stream=stream):
        yield stream


class DownLoadStore(AsyncMemoryStore):
    async def load(self, session_id: str, *, tenant: str) -> Session | None:
        raise StoreUnavailable("connection refused (redis://:hunter2-secret@cache:6379/0)")


async def test_store_unavailable_is_logged_once_with_tenant_and_session(log_lines: io.StringIO) -> None:
    app = create_app(Settings(api_keys={"acme-key-0123456789ab": "acme"}), store=DownLoadStore())
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.post(
            "/api/chat",
            json={"message": SECRET_WORDS, "session_id": "sess-42"},
            headers={"X-API-Key": "acme-key-0123456789ab"},
        )
    assert r.status_code == 503
    lines = log_lines.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "WARNING vpnfsm.server.problems: session store unavailable" in lines[0]
    assert "tenant=acme" in lines[0]
    assert "session_id=sess-42" in lines[0]
    assert "Winter2024" not in lines[0]
    assert "pasword" not in lines[0]
    assert "hunter2" not in lines[0]  # URL passwords are masked on every line
    assert "redis://:***@cache" in lines[0]


class QuarantiningStore(MemoryStore):
    def load(self, session_id: str, *, tenant: str) -> Session | None:
        raise CorruptSession(f"vpnfsm:{tenant}:session:{session_id}", quarantine_key="q:1", detail="bad JSON")


def test_quarantine_is_logged_with_tenant_and_session(log_lines: io.StringIO) -> None:
    reply = Assistant(QuarantiningStore()).handle(SECRET_WORDS, "old-sess", tenant="globex")
    assert reply.notice == "corrupt_session"
    (line,) = log_lines.getvalue().splitlines()
    assert "WARNING vpnfsm.assistant: corrupt session quarantined as q:1" in line
    assert "tenant=globex session_id=old-sess" in line
    assert "Winter2024" not in line


class LosingStore(MemoryStore):
    def save(self, session: Session, **kwargs: object) -> bool:  # type: ignore[override]
        return False  # another writer always wins


def test_conflict_past_the_retry_budget_is_logged(log_lines: io.StringIO) -> None:
    with pytest.raises(SessionConflict):
        Assistant(LosingStore(), max_retries=2).handle(SECRET_WORDS, "busy-sess", tenant="acme")
    (line,) = log_lines.getvalue().splitlines()
    assert "past 2 retries" in line
    assert "tenant=acme session_id=busy-sess" in line
    assert "Winter2024" not in line


def _handed_off(store: MemoryStore) -> str:
    bot = Assistant(store)
    sid = None
    for text in ("vpn not workin", "windows 11", "globalprotect", "it just wont connect", "error 809", "no", "no"):
        reply = bot.handle(text, sid)
        sid = reply.session_id
    assert reply.outcome == "handoff"
    return reply.session_id


def test_delivery_outcomes_are_logged_with_tenant_session_and_ticket(log_lines: io.StringIO) -> None:
    store = MemoryStore()
    sid = _handed_off(store)
    calls: list[str] = []

    def jira(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path.endswith("/search"):
            return httpx.Response(200, json={"issues": []})
        return httpx.Response(201, json={"id": "1", "key": "ITS-9", "self": "x"})

    client = JiraClient("https://jira.example", auth=JiraAuth.bearer("pat"), transport=httpx.MockTransport(jira))
    with client:
        report = deliver_pending(store, client, load_tenants(EXAMPLE_TENANTS))
    assert report.created == 1
    delivered = [line for line in log_lines.getvalue().splitlines() if "handoff delivered" in line]
    assert len(delivered) == 1
    assert f"tenant=default session_id={sid}" in delivered[0]
    assert "ticket=ITS-9" in delivered[0]


def test_json_lines_carry_the_context_as_fields() -> None:
    stream = io.StringIO()
    with configured("warning", "json", stream=stream):
        logging.getLogger("vpnfsm.assistant").info("not shown at warning")
        logging.getLogger("vpnfsm.assistant").warning("two\nlines", extra={"tenant": "acme", "session_id": "s1"})
    (line,) = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["level"] == "WARNING"
    assert record["message"] == "two\nlines"
    assert (record["tenant"], record["session_id"]) == ("acme", "s1")


def test_configure_twice_does_not_double_lines_and_leaves_nothing_behind() -> None:
    root = logging.getLogger("vpnfsm")
    before = (list(root.handlers), root.level, root.propagate)
    stream = io.StringIO()
    with configured("info", "text", stream=stream), configured("info", "text", stream=stream):
        logging.getLogger("vpnfsm.x").warning("once")
    assert stream.getvalue().count("once") == 1
    assert (list(root.handlers), root.level, root.propagate) == before


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("redis://:s3cret@cache:6379/0", "redis://:***@cache:6379/0"),
        ("rediss://app:s3cret@cache/1", "rediss://app:***@cache/1"),
        ("failed: redis://u:s3cret@h:1 and https://x:s3cret@jira/", "failed: redis://u:***@h:1 and https://x:***@jira/"),
        ("redis://cache:6379/0", "redis://cache:6379/0"),
    ],
)
def test_url_passwords_are_masked(text: str, shown: str) -> None:
    assert mask_url(text) == shown


async def _metrics(settings: Settings, headers: dict[str, str] | None = None) -> httpx.Response:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        key = {"X-API-Key": "acme-key-0123456789ab"} if settings.api_keys else {}
        assert (await c.post("/api/chat", json={"message": "vpn broke"}, headers=key)).status_code == 200
        return await c.get("/metrics", headers=headers or {})


async def test_open_metrics_name_no_tenant() -> None:
    r = await _metrics(Settings(api_keys={"acme-key-0123456789ab": "acme"}))
    assert r.status_code == 200
    assert "vpnfsm_turns_total 1.0" in r.text
    assert "acme" not in r.text


async def test_metrics_token_is_required_when_configured() -> None:
    settings = Settings(api_keys={"acme-key-0123456789ab": "acme"}, metrics_token=TOKEN)
    assert (await _metrics(settings)).status_code == 401
    wrong = await _metrics(settings, {"Authorization": "Bearer " + TOKEN[:-1] + "x"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"].startswith("Bearer")
    ok = await _metrics(settings, {"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200
    assert 'vpnfsm_turns_total{tenant="acme"} 1.0' in ok.text  # tenant series only behind the token


def test_uvicorn_config_adds_the_vpnfsm_logger_and_json_for_uvicorn_too() -> None:
    from uvicorn.config import LOGGING_CONFIG

    from vpnfsm._logging import uvicorn_log_config

    text = uvicorn_log_config("warning", "text")
    assert text["loggers"]["vpnfsm"] == {"handlers": ["vpnfsm"], "level": "WARNING", "propagate": False}
    assert text["handlers"]["vpnfsm"]["stream"] == "ext://sys.stderr"
    assert text["formatters"]["access"] == LOGGING_CONFIG["formatters"]["access"]
    as_json = uvicorn_log_config("info", "json")
    assert as_json["formatters"]["access"] == {"()": "vpnfsm._logging.JsonFormatter"}
    assert "vpnfsm" not in LOGGING_CONFIG["loggers"]  # uvicorn's own default is left untouched
