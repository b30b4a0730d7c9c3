"""The secrets corpus over HTTP with Redis, delivered to the local fake Jira.

Every corpus conversation is sent to the real service (uvicorn, Redis store)
as tenant ``acme``; the handoffs are delivered by the Redis outbox worker to
``fake_jira`` -- the first half through Jira's v2 API, the second through v3.
Then everything Redis holds (sessions, histories, outbox, indexes), every HTTP
reply, every issue body the fake Jira received and every log record at DEBUG is
searched for each literal secret; every fact must survive in Redis and in the
issue bodies. Prints "secrets caught N/N, facts kept M/M" in pytest's summary.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import pytest
import redis
from fake_jira import FakeJiraServer

from tests.e2e.httpkit import LiveServer, serve_in_thread
from tests.secrets_corpus import REPORT_LINES, fact_cases, leaks, score_line, secret_cases
from vpnfsm.examples import EXAMPLE_TENANTS
from vpnfsm.handoff.delivery import JiraAuth, JiraClient, RetryPolicy, deliver_pending
from vpnfsm.handoff.tenants import load_tenants
from vpnfsm.server import Settings, create_app
from vpnfsm.store.redis import RedisStore

pytestmark = pytest.mark.integration

API_KEY = "secrets-corpus-key"


@pytest.fixture
def service(redis_url: str) -> Iterator[LiveServer]:
    server = serve_in_thread(create_app(Settings(redis_url=redis_url, api_keys={API_KEY: "acme"})))
    try:
        yield server
    finally:
        server.stop()


def _converse(http: httpx.Client, url: str, conversation: tuple[str, ...]) -> tuple[list[str], str, bool]:
    replies: list[str] = []
    session_id: str | None = None
    body: dict[str, object] = {}
    for message in conversation:
        payload: dict[str, object] = {"message": message}
        if session_id is not None:
            payload["session_id"] = session_id
        response = http.post(url + "/api/chat", json=payload, headers={"X-API-Key": API_KEY})
        assert response.status_code == 200, response.text
        replies.append(response.text)
        body = response.json()
        session_id = str(body["session_id"])
    assert session_id is not None
    return replies, session_id, bool(body.get("handoff"))


def _text(value: object) -> str:
    """A Redis reply as text, bytes decoded as UTF-8 (as the store wrote them)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, dict):
        return "\n".join(f"{_text(k)}={_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        return "\n".join(_text(item) for item in value)
    return str(value)


def _redis_dump(url: str) -> str:
    """Every key and value in the module's Redis server, as text."""
    client = redis.Redis.from_url(url)
    parts: list[str] = []
    try:
        for key in client.scan_iter(count=1000):
            kind = client.type(key).decode()
            if kind == "string":
                value: object = client.get(key)
            elif kind == "list":
                value = client.lrange(key, 0, -1)
            elif kind == "hash":
                value = client.hgetall(key)
            elif kind == "zset":
                value = client.zrange(key, 0, -1)
            elif kind == "set":
                value = client.smembers(key)
            else:
                value = kind
            # One line per element, so a check can pick one session's lines by its id.
            parts.extend(_text(key) + " " + line for line in _text(value).splitlines())
    finally:
        client.close()
    return "\n".join(parts)


def _deliver(redis_url: str, jira_url: str, *, api: int) -> int:
    store = RedisStore.from_url(redis_url)
    tenants = load_tenants(EXAMPLE_TENANTS)
    created = 0
    try:
        with JiraClient(jira_url, auth=JiraAuth.bearer("pat"), api=api, retry=RetryPolicy(attempts=2)) as client:
            for _ in range(20):
                report = deliver_pending(store, client, tenants, limit=50)
                assert not report.errors, report.errors
                created += report.created
                if report.claimed == 0:
                    break
    finally:
        store.close()
    return created


def test_corpus_over_http_with_redis_and_fake_jira(
    service: LiveServer, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="vpnfsm")
    secrets = secret_cases()
    facts = fact_cases()
    conversations = [case.conversation for case in secrets] + [fact.conversation for fact in facts]
    half = len(conversations) // 2
    replies: list[list[str]] = []
    sessions: list[str] = []
    with FakeJiraServer() as jira, httpx.Client(timeout=30) as http:
        created = 0
        for index, conversation in enumerate(conversations):
            said, session_id, handed_off = _converse(http, service.url, conversation)
            assert handed_off, f"conversation {index} did not end in a handoff"
            replies.append(said)
            sessions.append(session_id)
            if index == half - 1:
                created += _deliver(redis_url, jira.url, api=2)
        created += _deliver(redis_url, jira.url, api=3)
        assert not jira.state.invalid, jira.state.invalid[:3]
        bodies = [json.dumps(body, ensure_ascii=False) for body in jira.state.issues.values()]
        issues = "\n".join(bodies)
    assert created == len(conversations) == len(jira.state.issues)
    stored = _redis_dump(redis_url)
    logs = caplog.text
    leaked = []
    stored_lines = stored.splitlines()
    for index, case in enumerate(secrets):
        haystacks = {"replies": "\n".join(replies[index]), "redis": stored, "jira issues": issues, "logs": logs}
        if len(case.secret) < 6:
            # A 4-digit code also occurs by chance in ids and timestamps elsewhere: look at this
            # conversation's own keys, issue and log lines.
            own = sessions[index]
            haystacks["redis"] = "\n".join(line for line in stored_lines if own in line)
            haystacks["jira issues"] = "\n".join(body for body in bodies if own in body)
            haystacks["logs"] = "\n".join(line for line in logs.splitlines() if own in line)
        where = leaks(case.secret, haystacks)
        if where:
            leaked.append(f"{case.id}: {case.secret!r} in {', '.join(where)}")
    lost = [
        f"{fact.id}: {keep!r}"
        for fact in facts
        for keep in fact.keep
        if not leaks(keep, {"redis": stored}) or not leaks(keep, {"jira": issues})
    ]
    line = score_line(len(secrets) - len(leaked), len(secrets), len(facts) - len(lost), len(facts))
    REPORT_LINES.append("HTTP + Redis + fake Jira: " + line)
    assert not leaked, line + "\n" + "\n".join(leaked)
    assert not lost, line + "\n" + "\n".join(lost)
