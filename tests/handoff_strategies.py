"""Hypothesis strategies for handoff summaries, and the Jira body each one becomes.

Shared by the contract tests on the project's schema (tests/property) and on
Atlassian's published schemas (tests/shared).
"""

from __future__ import annotations

import string
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from vpnfsm.examples import EXAMPLE_TENANTS
from vpnfsm.flows.registry import FLOWS
from vpnfsm.handoff.jira import build_issue_body
from vpnfsm.handoff.summary import SUMMARY_VERSION, HandoffSummary
from vpnfsm.handoff.tags import SLOT_VOCABULARY, tags_for
from vpnfsm.handoff.tenants import load_tenants, ticket_fields
from vpnfsm.session import StepsGiven, TailLine

TENANTS = load_tenants(EXAMPLE_TENANTS)


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


def body_for(summary: HandoffSummary, api: int) -> tuple[list[str], dict[str, Any]]:
    tags = tags_for(summary)
    fields = ticket_fields(TENANTS.get(summary.tenant), tags, attempts=summary.attempts)
    return tags, build_issue_body(summary, tags, fields, api=3 if api == 3 else 2)
