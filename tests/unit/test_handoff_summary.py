"""Summary v2 from real conversations (rule extractor): facts, raw text as typed, outbox."""

from __future__ import annotations

from vpnfsm import Assistant, MemoryStore
from vpnfsm.handoff.summary import SUMMARY_VERSION, HandoffSummary


def _talk(bot: Assistant, lines: list[str], tenant: str = "acme") -> list[object]:
    replies = [bot.handle(lines[0], tenant=tenant)]
    for line in lines[1:]:
        replies.append(bot.handle(line, session_id=replies[-1].session_id, tenant=tenant))
    return replies  # type: ignore[return-value]


def test_summary_v2_carries_facts_as_normalized_and_as_typed() -> None:
    store = MemoryStore()
    bot = Assistant(store)
    replies = _talk(bot, ["GlobalProtect on my Win 11 laptop can't connect, error 809", "no", "nope, same thing"])
    last = replies[-1]
    summary = last.handoff_summary  # type: ignore[attr-defined]
    assert isinstance(summary, HandoffSummary)
    assert summary.summary_version == SUMMARY_VERSION == 2
    assert (summary.tenant, summary.intent, summary.reason) == ("acme", "vpn", "steps_failed")
    assert summary.slots["os"] == "windows"
    assert "Win" in summary.slot_text["os"]
    assert summary.slot_text["client"] == "GlobalProtect"
    assert "809" in summary.slot_text["error_code"]
    assert summary.attempts == len(summary.steps) == 2
    assert [step.result for step in summary.steps] == ["failed", "failed"]
    assert summary.turns == 3
    assert summary.started_at <= summary.handed_off_at
    assert summary.transcript[0].text.startswith("GlobalProtect")

    items = store.outbox_claim("t", limit=5, lease_seconds=5)
    assert len(items) == 1
    assert items[0].id == f"acme:{summary.session_id}:{summary.reference}"
    assert HandoffSummary.model_validate_json(items[0].payload) == summary


def test_slot_text_is_cleared_when_a_new_case_starts() -> None:
    store = MemoryStore()
    bot = Assistant(store)
    first = bot.handle("my vpn keeps dropping on my MacBook", tenant="acme")
    before = store.load(first.session_id, tenant="acme")
    assert before is not None
    assert set(before.slot_text) == {"os", "symptom"}
    assert before.slot_text["os"] == "MacBook"
    bot.handle("I forgot my password", session_id=first.session_id, tenant="acme")
    after = store.load(first.session_id, tenant="acme")
    assert after is not None
    assert after.flow == "password"  # a password request now enters its own flow
    assert after.slot_text == {}


def test_a_version_1_payload_left_in_an_outbox_is_still_deliverable() -> None:
    from vpnfsm.examples import EXAMPLE_TENANTS
    from vpnfsm.handoff.delivery import prepare_issue
    from vpnfsm.handoff.tenants import load_tenants
    from vpnfsm.session import OutboxItem

    v1 = (
        '{"summary_version":1,"reference":"VPN-0A1B2C3D","session_id":"s1","tenant":"acme","flow":"vpn",'
        '"flow_version":"abc","reason":"user_request","slots":{"os":"linux","client":null,"symptom":null,'
        '"error_code":null},"skipped":["client"],"steps":[],"attempts":0,'
        '"started_at":"2026-01-01T10:00:00Z","handed_off_at":"2026-01-01T10:05:00Z","transcript":[]}'
    )
    item = OutboxItem(id="acme:s1:VPN-0A1B2C3D", session_id="s1", tenant="acme", created_at=0.0, payload=v1)
    summary, body, label = prepare_issue(item, load_tenants(EXAMPLE_TENANTS), api=3)
    assert summary.summary_version == 1
    assert label == "vpnfsm-VPN-0A1B2C3D"
    assert body["fields"]["project"] == {"key": "ITS"}
    assert "os_linux" in body["fields"]["labels"]
    assert "intent_unknown" in body["fields"]["labels"]
