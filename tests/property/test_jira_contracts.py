"""Contract tests: generated handoffs formatted for Jira validate against the shared schemas.

v3 bodies: ``IssueUpdateDetails`` of the shared Jira OpenAPI document (with
``openapi-schema-validator``) and the description against the official ADF
JSON schema (``jsonschema``, draft-04). v2 bodies: the v2 field formats
(description a wiki-markup string), written below as a JSON schema.
"""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator

from vpnfsm.examples import EXAMPLE_TENANTS
from vpnfsm.flows.registry import FLOWS
from vpnfsm.handoff.jira import SUMMARY_MAX_CHARS, build_issue_body, idempotency_label
from vpnfsm.handoff.summary import SUMMARY_VERSION, HandoffSummary
from vpnfsm.handoff.tags import SLOT_VOCABULARY, producible_tags, tags_for
from vpnfsm.handoff.tenants import load_tenants, ticket_fields
from vpnfsm.session import StepsGiven, TailLine

CONTRACTS = Path(__file__).resolve().parents[3] / "shared" / "contracts"
OPENAPI = json.loads((CONTRACTS / "jira-cloud-platform-openapi-v3.json").read_text(encoding="utf-8"))
ADF = json.loads((CONTRACTS / "adf-schema-v1-full.json").read_text(encoding="utf-8"))
ISSUE = OAS30Validator({"$ref": "#/components/schemas/IssueUpdateDetails", "components": OPENAPI["components"]})
ADF_DOC = jsonschema.Draft4Validator(ADF)
TENANTS = load_tenants(EXAMPLE_TENANTS)
DOMAINS = producible_tags(FLOWS)

_NAMED = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1}}}
V2_FIELDS = jsonschema.Draft7Validator(
    {
        "type": "object",
        "required": ["fields"],
        "properties": {
            "fields": {
                "type": "object",
                "required": ["project", "issuetype", "summary", "description", "labels"],
                "properties": {
                    "project": {
                        "type": "object",
                        "required": ["key"],
                        "properties": {"key": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]+$"}},
                    },
                    "issuetype": _NAMED,
                    "priority": _NAMED,
                    "components": {"type": "array", "items": _NAMED},
                    "summary": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 255,
                        "pattern": "^[^\\n\\r]*$",
                    },
                    "description": {"type": "string"},
                    "labels": {"type": "array", "items": {"type": "string", "pattern": "^\\S+$"}},
                },
                "patternProperties": {"^customfield_[0-9]+$": {}},
                "additionalProperties": False,
            }
        },
    }
)

# Free text as users type it: any printable character, markup and block tokens included.
user_text = st.text(alphabet=st.sampled_from(string.printable + "äéß€→🙂{}[]|*_#"), min_size=1, max_size=120).filter(
    lambda t: t.strip() != ""
)
epoch = st.floats(min_value=1.6e9, max_value=1.9e9, allow_nan=False)


@st.composite
def summaries(draw: st.DrawFn) -> HandoffSummary:
    slots: dict[str, str | None] = {}
    for slot in ("os", "client", "symptom"):
        slots[slot] = draw(st.none() | st.sampled_from(SLOT_VOCABULARY[slot]))
    slots["error_code"] = draw(st.none() | st.from_regex(r"-?[0-9]{2,5}|0x[0-9A-F]{8}", fullmatch=True))
    known = [slot for slot, value in slots.items() if value]
    slot_text = {slot: draw(user_text) for slot in known if draw(st.booleans())}
    steps = [
        StepsGiven(
            article=draw(st.from_regex(r"[a-z]{2,10}(-[a-z0-9]{1,6}){0,3}", fullmatch=True)),
            title=draw(user_text),
            attempt=n + 1,
            round=0,
            at=draw(epoch),
            result=draw(st.none() | st.sampled_from(["worked", "failed", "unclear"])),
        )
        for n in range(draw(st.integers(0, 4)))
    ]
    transcript = [
        TailLine(at=draw(epoch), text=draw(user_text), state=draw(st.none() | st.just("VPN_ASK_OS")))
        for _ in range(draw(st.integers(0, 12)))
    ]
    started = draw(epoch)
    return HandoffSummary(
        summary_version=SUMMARY_VERSION,
        reference="VPN-" + draw(st.from_regex(r"[0-9A-F]{8}", fullmatch=True)),
        session_id=draw(st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True)),
        tenant=draw(st.sampled_from(sorted(TENANTS.tenants))),
        flow="vpn",
        flow_version=FLOWS["vpn"].version,
        intent="vpn",
        state="VPN_HANDOFF",
        reason=draw(st.sampled_from(["user_request", "steps_failed", "no_progress"])),
        slots=slots,
        slot_text=slot_text,
        skipped=sorted(set(draw(st.lists(st.sampled_from(["os", "client", "symptom", "error_code"])))) - set(known)),
        steps=steps,
        attempts=len(steps),
        resets=draw(st.integers(0, 2)),
        turns=draw(st.integers(1, 40)),
        started_at=datetime.fromtimestamp(started, tz=UTC),
        handed_off_at=datetime.fromtimestamp(started + draw(st.floats(0, 3600)), tz=UTC),
        transcript=transcript,
    )


def _body(summary: HandoffSummary, api: int) -> tuple[list[str], dict[str, Any]]:
    tags = tags_for(summary)
    fields = ticket_fields(TENANTS.get(summary.tenant), tags, attempts=summary.attempts)
    return tags, build_issue_body(summary, tags, fields, api=3 if api == 3 else 2)


def _errors(validator: Any, instance: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


EXAMPLES = 60
checked: dict[int, int] = {2: 0, 3: 0}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(summaries())
def _check_v3(summary: HandoffSummary) -> None:
    _, body = _body(summary, 3)
    checked[3] += 1
    assert _errors(ISSUE, body) == []
    assert _errors(ADF_DOC, body["fields"]["description"]) == []
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
    _, body = _body(summary, 2)
    checked[2] += 1
    assert _errors(V2_FIELDS, body) == []
    assert _errors(ISSUE, body) == []
    description = body["fields"]["description"]
    if summary.slots["error_code"]:
        assert "{code}\n" in description
    # User text cannot end the transcript block early.
    assert description.count("{noformat}") == (2 if summary.transcript else 0)


def test_v3_bodies_validate_against_openapi_and_adf() -> None:
    checked[3] = 0
    _check_v3()
    print(f"\nv3 bodies validated against IssueUpdateDetails + ADF: {checked[3]}")
    assert checked[3] >= 50


def test_v2_bodies_match_v2_field_formats() -> None:
    checked[2] = 0
    _check_v2()
    print(f"\nv2 bodies validated against the v2 field formats + IssueUpdateDetails: {checked[2]}")
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
    _, body = _body(summary, 3)
    assert len(body["fields"]["summary"]) == SUMMARY_MAX_CHARS
