"""The handoff summary reused after a handoff equals one built afresh, turn after turn."""

from __future__ import annotations

from vpnfsm import Assistant
from vpnfsm.handoff import summary as summary_module
from vpnfsm.handoff.summary import build_summary


def _fresh(session: object) -> object:
    return summary_module._build(session, summary_module._transcript(session))  # type: ignore[arg-type]


def test_summary_after_handoff_is_reused_and_stays_true() -> None:
    bot = Assistant()
    sid = None
    for text in ("vpn dead again on my laptop", "win11", "globalprotect", "cant connect at all",
                 "error 809", "nope", "still nothing", "agent pls"):
        sid = bot.handle(text, session_id=sid).session_id
    assert sid is not None
    first = bot.handle("hello?? anyone", session_id=sid)
    second = bot.handle("any update on my ticket", session_id=sid)
    assert first.handoff
    assert second.handoff
    assert first.handoff_summary is not None
    assert second.handoff_summary is not None
    session = bot.store.load(sid, tenant="default")
    assert session is not None
    # The same facts as a summary built from scratch, with the turn count brought up to date.
    assert second.handoff_summary == _fresh(session)
    assert second.handoff_summary.turns == first.handoff_summary.turns + 1
    # A follow-up after the handoff joins the case's transcript (the dialogue policy keeps it
    # with the case), so the reply's summary changed; built again from unchanged facts, the
    # summary is the cached one, not a rebuild.
    assert second.handoff_summary.transcript != first.handoff_summary.transcript
    assert build_summary(session).transcript is build_summary(session).transcript


def test_a_changed_fact_is_never_answered_from_the_reuse_cache() -> None:
    bot = Assistant()
    sid = None
    for text in ("VPN keeps dropping", "macos", "forticlient", "drops every 5 min", "no code", "no", "no"):
        sid = bot.handle(text, session_id=sid).session_id
    session = bot.store.load(sid, tenant="default")
    assert session is not None
    assert session.outcome == "handoff"
    before = build_summary(session)
    session.slots = {**session.slots, "os": "windows"}
    after = build_summary(session)
    assert after.slots["os"] == "windows" != before.slots["os"]
    assert after == _fresh(session)
