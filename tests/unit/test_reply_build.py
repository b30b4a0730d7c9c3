"""The turn builds its Reply without validating again; it must be the very Reply validation gives."""

from __future__ import annotations

from vpnfsm import Assistant
from vpnfsm.benchmarks.workload import conversations
from vpnfsm.reply import Reply


def test_every_reply_of_many_conversations_equals_its_validated_twin() -> None:
    bot = Assistant()
    stream = conversations(seed=5)
    seen_handoff = seen_resolved = False
    for _ in range(60):
        session_id = None
        for message in next(stream):
            reply = bot.handle(message, session_id=session_id)
            session_id = reply.session_id
            twin = Reply(**{name: getattr(reply, name) for name in Reply.model_fields})
            assert reply == twin
            assert reply.model_dump_json() == twin.model_dump_json()
            assert reply.model_fields_set == twin.model_fields_set
            assert Reply.model_validate_json(reply.model_dump_json()) == reply
            seen_handoff = seen_handoff or reply.handoff_summary is not None
            seen_resolved = seen_resolved or reply.outcome == "resolved"
    # The built path covered both kinds of ending.
    assert seen_handoff
    assert seen_resolved
