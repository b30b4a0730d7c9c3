"""The handoff cards: the same facts on Slack and Teams, within each platform's limits, user text escaped."""

from __future__ import annotations

from datetime import UTC, datetime

from vpnfsm.handoff.summary import HandoffSummary
from vpnfsm.hosts.cards import ADAPTIVE_CARD_VERSION, adaptive_card, block_kit, card_facts


def _summary(**changes: object) -> HandoffSummary:
    base: dict[str, object] = {
        "reference": "VPN-0A1B2C3D",
        "session_id": "C0HELP:1712345678.123456",
        "tenant": "default",
        "flow": "vpn",
        "flow_version": "1",
        "intent": "vpn",
        "reason": "user_request",
        "slots": {"os": "macos", "client": None, "symptom": "auth_failure", "error_code": None},
        "skipped": ["client"],
        "steps": [],
        "attempts": 0,
        "started_at": datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
        "handed_off_at": datetime(2026, 3, 2, 8, 3, tzinfo=UTC),
        "transcript": [],
    }
    base.update(changes)
    return HandoffSummary.model_validate(base)


def test_facts_are_words_with_reference_and_ticket_first() -> None:
    facts = card_facts(_summary(), ticket=None)
    assert facts[:2] == [("Reference", "VPN-0A1B2C3D"), ("Ticket", "being created")]
    assert ("Client", "skipped") in facts  # the user said they did not know
    assert ("Error code", "unknown") in facts
    assert ("Symptom", "auth failure") in facts
    assert ("Ticket", "ITS-17") in card_facts(_summary(), ticket="ITS-17")


def test_other_flows_show_their_own_slots() -> None:
    summary = _summary(flow="password", intent="password_reset", reference="PWD-00000001",
                       slots={"problem": "locked_out", "recovery": None}, skipped=[])
    labels = [label for label, _ in card_facts(summary, ticket=None)]
    assert labels == ["Reference", "Ticket", "Problem", "Recovery", "Steps tried"]


def test_slack_fields_are_escaped_and_within_limits() -> None:
    summary = _summary(slots={"os": "windows", "client": "other", "symptom": "slow", "error_code": "<!channel> & 809"})
    blocks = block_kit(summary, ticket=None)
    texts = [field["text"] for block in blocks if "fields" in block for field in block["fields"]]
    assert "*Error code*\n&lt;!channel&gt; &amp; 809" in texts  # cannot ping a channel from a card
    assert all(len(block.get("fields", [])) <= 10 for block in blocks)
    assert len(blocks[0]["text"]["text"]) <= 150
    assert blocks[-1]["type"] == "context"


def test_adaptive_card_shape() -> None:
    card = adaptive_card(_summary(), ticket="ITS-17")
    assert (card["type"], card["version"]) == ("AdaptiveCard", ADAPTIVE_CARD_VERSION)
    facts = card["body"][2]
    assert facts["type"] == "FactSet"
    assert {"title": "Ticket", "value": "ITS-17"} in facts["facts"]
    assert all(set(fact) == {"title", "value"} and isinstance(fact["value"], str) for fact in facts["facts"])
