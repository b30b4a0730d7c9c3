"""The Jira client's retry policy and idempotency, over an in-process httpx transport."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from vpnfsm import DeliveryError
from vpnfsm.handoff._jira_protocol import parse_retry_after
from vpnfsm.handoff.delivery import JiraAuth, JiraClient, RetryPolicy


class Script:
    """Answers requests from a list and records what was asked."""

    def __init__(self, answers: list[httpx.Response | Exception]) -> None:
        self.answers = answers
        self.seen: list[tuple[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.url.path, request.headers["authorization"].split()[0]))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


NONE_FOUND = httpx.Response(200, json={"issues": []})
CREATED = httpx.Response(201, json={"id": "10001", "key": "ITS-7", "self": "x"})


def _client(script: Script, sleeps: list[float], *, api: int = 3) -> JiraClient:
    return JiraClient(
        "https://jira.example/",
        auth=JiraAuth.bearer("pat"),
        api=api,
        transport=httpx.MockTransport(script),
        retry=RetryPolicy(attempts=4, backoff=0.25, max_backoff=1.0),
        sleep=sleeps.append,
    )


def test_retry_after_seconds_is_honoured_on_429() -> None:
    script = Script([NONE_FOUND, httpx.Response(429, headers={"Retry-After": "7"}), NONE_FOUND, CREATED])
    sleeps: list[float] = []
    with _client(script, sleeps) as client:
        ref = client.ensure_issue({"fields": {}}, "vpnfsm-VPN-1")
    assert (ref.key, ref.created) == ("ITS-7", True)
    assert sleeps == [7.0]
    assert [path for path, _ in script.seen] == [
        "/rest/api/3/search",
        "/rest/api/3/issue",
        "/rest/api/3/search",
        "/rest/api/3/issue",
    ]
    assert {scheme for _, scheme in script.seen} == {"Bearer"}


def test_retry_after_http_date_on_503() -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    script = Script(
        [
            httpx.Response(503, headers={"Retry-After": when}),
            httpx.Response(200, json={"issues": [{"id": "1", "key": "ITS-3"}]}),
        ]
    )
    sleeps: list[float] = []
    with _client(script, sleeps, api=2) as client:
        ref = client.ensure_issue({"fields": {}}, "vpnfsm-VPN-2")
    assert (ref.key, ref.created) == ("ITS-3", False)  # found, not created again
    assert 25 < sleeps[0] <= 30
    assert script.seen[0][0] == "/rest/api/2/search"


def test_create_timeout_waits_the_settle_time_then_finds_the_issue() -> None:
    script = Script(
        [
            NONE_FOUND,
            httpx.ReadTimeout("slow"),
            httpx.Response(200, json={"issues": [{"id": "9", "key": "ITS-9"}]}),
        ]
    )
    sleeps: list[float] = []
    with _client(script, sleeps) as client:
        ref = client.ensure_issue({"fields": {}}, "vpnfsm-VPN-3")
    assert (ref.key, ref.created) == ("ITS-9", False)
    assert sleeps == [5.0]  # the create may be in flight: give Jira the settle time before searching


def test_search_timeout_is_retried_with_plain_backoff() -> None:
    script = Script([httpx.ConnectTimeout("down"), NONE_FOUND, CREATED])
    sleeps: list[float] = []
    with _client(script, sleeps) as client:
        ref = client.ensure_issue({"fields": {}}, "vpnfsm-VPN-6")
    assert (ref.key, ref.created) == ("ITS-7", True)
    assert len(sleeps) == 1
    assert 0.125 <= sleeps[0] <= 0.25


def test_client_errors_are_not_retried() -> None:
    refusal = httpx.Response(400, json={"errorMessages": [], "errors": {"labels": "The label 'a b' contains spaces"}})
    script = Script([NONE_FOUND, refusal])
    sleeps: list[float] = []
    with _client(script, sleeps) as client, pytest.raises(DeliveryError, match="contains spaces") as caught:
        client.ensure_issue({"fields": {}}, "vpnfsm-VPN-4")
    assert caught.value.status == 400
    assert sleeps == []


def test_too_long_retry_after_gives_up_for_this_run() -> None:
    script = Script([httpx.Response(429, headers={"Retry-After": "3600"})])
    sleeps: list[float] = []
    with _client(script, sleeps) as client, pytest.raises(DeliveryError) as caught:
        client.ensure_issue({"fields": {}}, "vpnfsm-VPN-5")
    assert caught.value.retry_after == 3600
    assert sleeps == []


def test_parse_retry_after() -> None:
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_basic_auth_header_and_secret_not_in_repr() -> None:
    auth = JiraAuth.basic("bot@example.com", "s3cret-token")
    assert auth.header() == "Basic Ym90QGV4YW1wbGUuY29tOnMzY3JldC10b2tlbg=="
    assert "s3cret" not in repr(auth)
    assert "Ym90" not in repr(auth)
