"""Contract tests: generated handoffs formatted for Jira hold the project's Jira contract.

The contract (tests/data/jira/contract.schema.json, JSON Schema 2020-12) is
written from the facts of Jira's API: v3 bodies carry an ADF description, v2
bodies a wiki-markup string; labels have no spaces; the summary is one line.
``tests/shared`` checks the same bodies against Atlassian's published
OpenAPI document and ADF schema (``--shared``, run by ``.ci/run``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.handoff_strategies import body_for, summaries
from tests.jira_contract import adf_errors, create_errors, search_errors
from vpnfsm.flows.registry import FLOWS
from vpnfsm.handoff.jira import SUMMARY_MAX_CHARS, idempotency_label
from vpnfsm.handoff.summary import HandoffSummary
from vpnfsm.handoff.tags import producible_tags, tags_for

DOMAINS = producible_tags(FLOWS)


EXAMPLES = 60
checked: dict[int, int] = {2: 0, 3: 0}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(summaries())
def _check_v3(summary: HandoffSummary) -> None:
    _, body = body_for(summary, 3)
    checked[3] += 1
    assert create_errors(body, 3) == []
    fields = body["fields"]
    assert len(fields["summary"]) <= SUMMARY_MAX_CHARS
    assert "\n" not in fields["summary"]
    assert all(" " not in label for label in fields["labels"])
    assert idempotency_label(summary) in fields["labels"]
    if summary.slots["error_code"]:  # code-like text sits in a code block
        blocks = [n for n in fields["description"]["content"] if n["type"] == "codeBlock"]
        assert any(summary.slots["error_code"] in n["content"][0]["text"] for n in blocks if n["content"])


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(summaries())
def _check_v2(summary: HandoffSummary) -> None:
    _, body = body_for(summary, 2)
    checked[2] += 1
    assert create_errors(body, 2) == []
    description = body["fields"]["description"]
    if summary.slots["error_code"]:
        assert "{code}\n" in description
    # User text cannot end the transcript block early.
    assert description.count("{noformat}") == (2 if summary.transcript else 0)


def test_v3_bodies_hold_the_contract() -> None:
    checked[3] = 0
    _check_v3()
    print(f"\nv3 bodies checked against the project's Jira contract: {checked[3]}")
    assert checked[3] >= 50


def test_v2_bodies_hold_the_contract() -> None:
    checked[2] = 0
    _check_v2()
    print(f"\nv2 bodies checked against the project's Jira contract: {checked[2]}")
    assert checked[2] >= 50


@settings(max_examples=80, deadline=None)
@given(summaries())
def test_tags_are_total_and_within_the_producible_vocabulary(summary: HandoffSummary) -> None:
    tags = tags_for(summary)
    keys = [tag.split(":", 1)[0] for tag in tags]
    assert keys == ["intent", "reason", "attempts", "os", "client", "symptom", "error"]
    for tag in tags:
        key, value = tag.split(":", 1)
        domain = DOMAINS[key]
        assert value in domain.values or domain.open
        assert " " not in tag
    for slot, key in (("os", "os"), ("client", "client"), ("symptom", "symptom"), ("error_code", "error")):
        if summary.slots[slot] is None:
            assert f"{key}:unknown" in tags


def test_summary_line_is_cut_to_255_characters() -> None:
    summary = HandoffSummary(
        reference="VPN-00000000",
        session_id="s",
        tenant="acme",
        flow="vpn",
        flow_version="x",
        intent="vpn",
        reason="no_progress",
        slots={"os": "windows", "client": "other", "symptom": "slow", "error_code": "1" * 400},
        skipped=[],
        steps=[],
        attempts=0,
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        handed_off_at=datetime(2026, 1, 1, tzinfo=UTC),
        transcript=[],
    )
    _, body = body_for(summary, 3)
    assert len(body["fields"]["summary"]) == SUMMARY_MAX_CHARS


def _minimal(api: int, **fields: Any) -> dict[str, Any]:
    description: Any = "text" if api == 2 else {"type": "doc", "version": 1, "content": []}
    base: dict[str, Any] = {"project": {"key": "ITS"}, "issuetype": {"name": "Task"}, "summary": "s"}
    return {"fields": {**base, "description": description, **fields}}


@pytest.mark.parametrize(
    ("api", "fields", "broken"),
    [
        (3, {"labels": ["vpn issue"]}, "labels/0"),  # Jira: "The label ... contains spaces which is invalid."
        (3, {"summary": "two\nlines"}, "summary"),
        (3, {"summary": "x" * 256}, "summary"),
        (2, {"description": {"type": "doc", "version": 1, "content": []}}, "description"),
        (3, {"description": "wiki *markup*"}, "description"),
        (3, {"project": "ITS"}, "project"),
        (3, {"reporter_name": "x"}, "fields"),
        (3, {"customfield_10050": {"label": "x"}}, "customfield_10050"),
    ],
    ids=["label-with-space", "multiline-summary", "long-summary", "v2-adf", "v3-string", "project-string",
         "unknown-field", "select-without-value"],
)
def test_the_contract_rejects_what_jira_rejects(api: int, fields: dict[str, Any], broken: str) -> None:
    assert create_errors(_minimal(api), api) == []
    errors = create_errors(_minimal(api, **fields), api)
    assert errors
    assert any(broken in error for error in errors), errors


@pytest.mark.parametrize(
    "node",
    [
        {"type": "panel", "content": []},  # a node vpnfsm never sends
        {"type": "heading", "attrs": {"level": 7}, "content": []},
        {"type": "codeBlock", "content": [{"type": "text", "text": "x", "marks": [{"type": "strong"}]}]},
        {"type": "paragraph", "content": [{"type": "text", "text": ""}]},
        {"type": "paragraph", "content": [{"type": "text", "text": "x", "marks": [{"type": "code"}, {"type": "em"}]}]},
        {"type": "bulletList", "content": []},
        {"type": "bulletList", "content": [{"type": "paragraph", "content": []}]},
    ],
    ids=["unknown-node", "heading-level", "marks-in-code", "empty-text", "code-with-em", "empty-list", "list-no-item"],
)
def test_the_contract_rejects_bad_adf(node: dict[str, Any]) -> None:
    assert adf_errors({"type": "doc", "version": 1, "content": [node]}) != []


def test_the_search_contract() -> None:
    # The fake Jira checks delivery's real searches against this; here: that it can fail.
    assert search_errors({"jql": 'labels = "vpnfsm-VPN-0000ABCD"', "fields": ["key"], "maxResults": 1}) == []
    assert search_errors({"jql": "x", "maxResults": "1"}) != []
