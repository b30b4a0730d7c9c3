"""Secrets a user types never reach the summary, tags, Jira payload, history or logs."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from vpnfsm import Assistant, MemoryStore
from vpnfsm.examples import EXAMPLE_TENANTS
from vpnfsm.handoff.delivery import JiraAuth, JiraClient, RetryPolicy, deliver_pending
from vpnfsm.handoff.jira import build_issue_body
from vpnfsm.handoff.tags import tags_for
from vpnfsm.handoff.tenants import load_tenants, ticket_fields
from vpnfsm.redact import redact

REDACTED = "["  # every placeholder is "[kind]"

PASSWORD = "Tr0ub4dor&3x"
OTP = "784512"
EMAIL = "kim.doe@example.net"
PHONE = "+1 415 555 0199"
TOKEN = "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4"
SECRETS = [PASSWORD, OTP, EMAIL, PHONE, TOKEN, "415 555 0199"]

TRANSCRIPT = [
    "VPN broken, my password is " + PASSWORD,
    "Windows, you can mail me at " + EMAIL + " or call " + PHONE,
    "GlobalProtect",
    "it won't connect",
    f"error 809 and the OTP {OTP} was accepted, token: {TOKEN}",
    "no",
    "nope",
]


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("error 809 on Windows 11 build 22621", "error 809 on Windows 11 build 22621"),
        ("FortiClient says -7200", "FortiClient says -7200"),
        ("0x80070005 access denied", "0x80070005 access denied"),
        ("my password expired", "my password expired"),
        ("IKE error 13801", "IKE error 13801"),
    ],
)
def test_facts_a_technician_needs_survive(text: str, kept: str) -> None:
    assert redact(text) == kept


@pytest.mark.parametrize(
    "text",
    [
        "password: hunter2",
        "my pw is 'open sesame now'",
        "verification code 4821",
        "here is 55512345",
        "mail a.b@corp.example",
        "Authorization: Bearer abcdefghijklmnop",
        "https://alice:s3cret@vpn.example.com",
        "api key = sk_live_1234567890",
        "call 020 7946 0958",
    ],
)
def test_secrets_are_redacted(text: str) -> None:
    cleaned = redact(text)
    assert REDACTED in cleaned
    assert redact(cleaned) == cleaned  # idempotent: summaries re-redact safely


def test_typed_secrets_reach_nothing(keyword_extractor: object, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = MemoryStore()
    bot = Assistant(store, extractor=keyword_extractor)  # type: ignore[arg-type]
    reply = bot.handle(TRANSCRIPT[0], tenant="acme")
    for line in TRANSCRIPT[1:]:
        reply = bot.handle(line, session_id=reply.session_id, tenant="acme")
    assert reply.handoff_summary is not None
    summary = reply.handoff_summary
    tenants = load_tenants(EXAMPLE_TENANTS)
    tags = tags_for(summary)
    fields = ticket_fields(tenants.get("acme"), tags, attempts=summary.attempts)
    bodies = [build_issue_body(summary, tags, fields, api=api) for api in (2, 3)]

    sent: list[bytes] = []

    def jira(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        if request.url.path.endswith("/search"):
            return httpx.Response(200, json={"issues": []})
        return httpx.Response(201, json={"id": "1", "key": "ITS-1", "self": "x"})

    with JiraClient(
        "https://jira.example",
        auth=JiraAuth.basic("bot@example.com", "api-tok"),
        transport=httpx.MockTransport(jira),
        retry=RetryPolicy(attempts=1),
    ) as client:
        report = deliver_pending(store, client, tenants)
    assert report.created == 1

    history = store.history(reply.session_id, tenant="acme")
    stored = store.load(reply.session_id, tenant="acme")
    assert stored is not None
    haystacks = {
        "summary": summary.model_dump_json(),
        "tags": json.dumps(tags),
        "payload v2+v3": json.dumps(bodies),
        "sent to jira": b"\n".join(sent).decode(),
        "history": json.dumps([entry.model_dump() for entry in history]),
        "session": stored.dump_json().decode(),
        "logs": "\n".join(record.getMessage() for record in caplog.records) + caplog.text,
    }
    assert REDACTED in haystacks["summary"]
    for where, text in haystacks.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} leaked into {where}"
    assert "809" in haystacks["sent to jira"]  # the facts are still there
