"""The secrets corpus (tests/data/secrets/) and the haystack check shared by its tests.

A case is a short conversation: ``before`` messages set the context (say, the
bot asked about the password), ``messages`` carry the secret, and the driver
appends a request for a person so that every case ends in a handoff.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from vpnfsm import Assistant, MemoryStore
from vpnfsm.examples import EXAMPLE_TENANTS
from vpnfsm.handoff.delivery import JiraAuth, JiraClient, RetryPolicy, deliver_pending
from vpnfsm.handoff.jira import build_issue_body
from vpnfsm.handoff.tags import tags_for
from vpnfsm.handoff.tenants import load_tenants, ticket_fields

DATA = Path(__file__).parent / "data" / "secrets"

#: Sent after each case's messages: every conversation ends in a handoff.
HANDOFF_ASK = "vpn still not working, i need a human agent please"


@dataclass(frozen=True)
class SecretCase:
    """One phrasing of a secret: the messages to send and the literal that must vanish."""

    id: str
    kind: str
    lang: str
    before: tuple[str, ...]
    messages: tuple[str, ...]
    secret: str

    @property
    def conversation(self) -> tuple[str, ...]:
        """Everything the user sends, ending in a request for a person."""
        return (*self.before, *self.messages, HANDOFF_ASK)


@dataclass(frozen=True)
class FactCase:
    """A message with facts that must survive redaction verbatim."""

    id: str
    before: tuple[str, ...]
    messages: tuple[str, ...]
    keep: tuple[str, ...]

    @property
    def conversation(self) -> tuple[str, ...]:
        """Everything the user sends, ending in a request for a person."""
        return (*self.before, *self.messages, HANDOFF_ASK)


def secret_cases() -> list[SecretCase]:
    """Every secret phrasing in the corpus."""
    cases = []
    for line in (DATA / "secrets.jsonl").read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        cases.append(
            SecretCase(
                raw["id"], raw["kind"], raw["lang"], tuple(raw.get("before", ())), tuple(raw["messages"]), raw["secret"]
            )
        )
    return cases


def fact_cases() -> list[FactCase]:
    """Every fact case in the corpus."""
    cases = []
    for line in (DATA / "facts.jsonl").read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        cases.append(FactCase(raw["id"], tuple(raw.get("before", ())), tuple(raw["messages"]), tuple(raw["keep"])))
    return cases


def leaks(secret: str, haystacks: Mapping[str, str]) -> list[str]:
    """Where ``secret`` (also JSON-escaped) still appears (for a fact: where it survived)."""
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    return [where for where, text in haystacks.items() if any(form in text for form in forms)]


def score_line(caught: int, secrets: int, kept: int, facts: int) -> str:
    """The figure the corpus tests print."""
    return f"secrets caught {caught}/{secrets}, facts kept {kept}/{facts}"


#: Score lines the corpus tests add; tests/conftest.py prints them in pytest's summary.
REPORT_LINES: list[str] = []


@dataclass
class MemoryRun:
    """One corpus conversation run in memory, with every place a secret could have gone."""

    haystacks: dict[str, str]
    user_lines: list[str]
    handed_off: bool


def run_in_memory(conversation: tuple[str, ...], *, log_text: Callable[[], str]) -> MemoryRun:
    """Run ``conversation`` through the real Assistant, deliver the handoff to a mock Jira, collect haystacks."""
    clock = _Clock()
    store = MemoryStore(clock=clock)
    bot = Assistant(store, clock=clock)
    replies: list[str] = []
    session_id: str | None = None
    reply = None
    for message in conversation:
        reply = bot.handle(message, session_id=session_id, tenant="acme")
        session_id = reply.session_id
        replies.append(reply.model_dump_json())
    assert reply is not None
    assert session_id is not None
    outbox = [item.model_dump_json() for item in store.outbox_claim("probe", limit=10, lease_seconds=1)]
    clock.now += 10  # the probe's lease runs out; delivery claims the items again
    haystacks = {"replies": "\n".join(replies), "outbox": "\n".join(outbox)}
    summary = reply.handoff_summary
    if summary is not None:
        tenants = load_tenants(EXAMPLE_TENANTS)
        tags = tags_for(summary)
        fields = ticket_fields(tenants.get("acme"), tags, attempts=summary.attempts)
        haystacks["summary"] = summary.model_dump_json()
        haystacks["tags"] = json.dumps(tags)
        haystacks["jira v2 body"] = json.dumps(build_issue_body(summary, tags, fields, api=2))
        haystacks["jira v3 body"] = json.dumps(build_issue_body(summary, tags, fields, api=3))
        sent: list[bytes] = []

        def jira(request: httpx.Request) -> httpx.Response:
            sent.append(request.content)
            if request.url.path.endswith("/search"):
                return httpx.Response(200, json={"issues": []})
            return httpx.Response(201, json={"id": "1", "key": "ITS-1", "self": "https://jira.example/1"})

        with JiraClient(
            "https://jira.example",
            auth=JiraAuth.basic("bot@example.com", "api-tok"),
            transport=httpx.MockTransport(jira),
            retry=RetryPolicy(attempts=1),
        ) as client:
            deliver_pending(store, client, tenants, clock=clock)
        haystacks["sent to jira"] = b"\n".join(sent).decode()
    history = store.history(session_id, tenant="acme")
    stored = store.load(session_id, tenant="acme")
    haystacks["history"] = json.dumps([entry.model_dump() for entry in history])
    haystacks["session"] = stored.dump_json().decode() if stored is not None else ""
    haystacks["logs"] = log_text()
    users = [entry.text for entry in history if entry.role == "user"]
    return MemoryRun(haystacks, users, reply.handoff)


class _Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        self.now += 0.001
        return self.now
