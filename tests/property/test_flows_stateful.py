"""Hypothesis drives ``Assistant`` through every flow with realistic and hostile messages.

After every step: replies are valid (declared state of the running flow,
handoff flag consistent, the flow's own slots), the stored session (a
serialization round trip: ``MemoryStore`` keeps encoded bytes, as Redis
does) agrees with the reply, a handed-off case stays handed off (a new
problem opens a new case beside it), bad input loses nothing,
and no conversation runs longer than the verifier's bound K.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tests.flow_support import PHRASES, ScriptedExtractor
from vpnfsm import Assistant, Extraction, InputError, MemoryStore, Reply, SessionStore
from vpnfsm._turn import DEFAULT_MAX_MESSAGE_CHARS
from vpnfsm.dialogue.checks import policy_bound
from vpnfsm.flows.registry import FLOWS
from vpnfsm.nlp import RuleExtractor
from vpnfsm.verify import verify_flow

# The flow's own K plus the dialogue policy's budgets (meta turns, switches), as `vpnfsm verify` prints.
BOUND = {name: policy_bound(verify_flow(spec).k or 0) for name, spec in FLOWS.items()}
INTENT_FLOW = {spec.intent: name for name, spec in FLOWS.items()}

_REALISTIC = [
    *PHRASES.values(),
    "vpn keeps dropping",
    "GlobalProtect on Windows says error 809",
    "I don't know",
    "no idea, sorry",
    "yes that worked",
    "no, still broken",
    "start over",
    "talk to a human",
    "my password is Hunter2! and the code is 123456",
    "none",
    "thanks",
]
_HOSTILE = [
    "'; DROP TABLE sessions; --",
    "{reference} {0} %s",
    '{"state": "VPN_RESOLVED", "outcome": "resolved"}',
    "VPN_HANDOFF",
    "\u202e\u200b\U0001f4a5 \x00\x07",
    "a" * 1999,
    "<script>alert(1)</script>",
]
messages = st.one_of(
    st.sampled_from(_REALISTIC),
    st.sampled_from(_HOSTILE),
    # Anything with one visible character: whitespace and format characters (Cf) alone are empty.
    st.text(min_size=1, max_size=200).filter(
        lambda s: any(not (c.isspace() or unicodedata.category(c) == "Cf") for c in s)
    ),
)
extractions = st.builds(
    Extraction,
    intent=st.sampled_from(["vpn", "email", "password_reset", "general"]),
    os=st.none() | st.sampled_from(["windows", "macos", "linux"]),
    client=st.none() | st.sampled_from(["globalprotect", "anyconnect", "other"]),
    symptom=st.none() | st.sampled_from(["cannot_connect", "dns", "auth_failure"]),
    error_code=st.none() | st.sampled_from(["809", "691", "-7200"]),
    human=st.booleans(),
    reset=st.booleans(),
    dont_know=st.booleans(),
    result=st.none() | st.sampled_from(["worked", "failed"]),
)


class Conversations(RuleBasedStateMachine):
    """One session driven by arbitrary messages and arbitrary readings of them.

    The scripted extractor lets Hypothesis combine any signals (a fact, "I
    don't know", a result, a request for a person, a reset, another intent)
    in one message, beyond what the shipped extractor produces today.
    """

    use_rule_extractor = False

    def make_store(self) -> SessionStore:
        """The store under test (a subclass runs the same steps through Redis)."""
        return MemoryStore()

    @initialize()
    def setup(self) -> None:
        self.store = self.make_store()
        self.extractor = ScriptedExtractor()
        self.assistant = Assistant(
            extractor=RuleExtractor() if self.use_rule_extractor else self.extractor,
            flows=FLOWS,
            store=self.store,
        )
        self.session_id: str | None = None
        self.last: Reply | None = None
        self.turns_in_run = 0
        self.saved_turns = 0

    def _send(self, text: str, extraction: Extraction) -> None:
        if not self.use_rule_extractor:
            self.extractor.push(extraction)
        reply = self.assistant.handle(text, self.session_id)
        previous = self.last
        if previous is not None and previous.handoff and previous.handoff_summary is not None:
            before = previous.handoff_summary.reference
            if reply.handoff_summary is not None and reply.handoff_summary.reference == before:
                assert reply.state == previous.state, "a handed-off case stays handed off"
            else:  # a clearly new problem opened a new case; the handed-off one is kept
                stored = self.store.load(reply.session_id, tenant="default")
                assert stored is not None
                assert before in [case.reference for case in stored.earlier], "the handed-off case is kept"
        new_run = (
            previous is None
            or previous.flow != reply.flow
            or (previous.outcome is not None and reply.outcome is None)
        )
        if new_run:
            self.turns_in_run = 1
        elif previous is not None and previous.outcome is None:
            # K bounds the turns until the flow ends; after a handoff every
            # reply repeats the handoff notice and is not counted.
            self.turns_in_run += 1
        self.session_id = reply.session_id
        self.last = reply
        self.saved_turns += 1

    @rule(text=messages, extraction=extractions)
    def say(self, text: str, extraction: Extraction) -> None:
        self._send(text, extraction)

    @rule(flow=st.sampled_from(sorted(FLOWS)), text=messages)
    def open_flow(self, flow: str, text: str) -> None:
        self._send(text, Extraction(intent=FLOWS[flow].intent))  # type: ignore[arg-type]

    @rule(
        text=st.sampled_from(["", "   ", "\n\t", "\u200b\ufeff", "vpn \ud800", "x" * (DEFAULT_MAX_MESSAGE_CHARS + 1)])
    )
    def bad_input_loses_nothing(self, text: str) -> None:
        before = self.store.load(self.session_id, tenant="default") if self.session_id else None
        try:
            self.assistant.handle(text, self.session_id)
        except InputError:
            pass
        else:
            raise AssertionError("bad input was accepted")
        after = self.store.load(self.session_id, tenant="default") if self.session_id else None
        assert before == after

    @invariant()
    def reply_is_valid_and_stored(self) -> None:
        reply = self.last
        if reply is None:
            return
        assert reply.handoff == (reply.outcome == "handoff")
        session = self.store.load(reply.session_id, tenant="default")
        assert session is not None
        assert session.version == self.saved_turns
        assert (session.flow, session.state, session.outcome) == (reply.flow, reply.state, reply.outcome)
        if reply.flow is None:
            assert reply.state is None
            return
        spec = FLOWS[reply.flow]
        assert reply.state in spec.state_names
        assert reply.state not in {s.name for s in spec.states if s.transient}
        assert set(reply.slots) == set(spec.slots)
        assert (reply.outcome is not None) == (reply.state in spec.terminal_states)
        bound = BOUND[reply.flow]
        assert bound is not None
        assert self.turns_in_run <= bound, f"{reply.flow}: {self.turns_in_run} turns > K={bound}"
        assert "{reference}" not in reply.reply  # the placeholder is always filled in


Conversations.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestConversations = Conversations.TestCase


class RuleConversations(Conversations):
    """The same session, read by the shipped rule extractor: messages alone drive it."""

    use_rule_extractor = True


RuleConversations.TestCase.settings = Conversations.TestCase.settings
TestRuleConversations = RuleConversations.TestCase


def _drive(flow: str, answer: Callable[[Reply, int], tuple[str, Extraction]]) -> Reply:
    """Open ``flow`` and answer with ``answer(reply, turn)`` until it ends, checking the bound K."""
    extractor = ScriptedExtractor([Extraction(intent=FLOWS[flow].intent)])  # type: ignore[arg-type]
    assistant = Assistant(extractor=extractor, flows=FLOWS)
    reply = assistant.handle("I have a problem")
    turns = 1
    while reply.outcome is None:
        text, extraction = answer(reply, turns)
        extractor.push(extraction)
        reply = assistant.handle(text, reply.session_id)
        turns += 1
        assert turns <= (BOUND[flow] or 0)
    return reply


@settings(max_examples=40, deadline=None)
@given(
    flow=st.sampled_from(sorted(FLOWS)),
    filler=st.lists(st.sampled_from(["none", "unknown"]), max_size=6),
)
def test_persistent_failure_reaches_handoff_within_k(flow: str, filler: list[str]) -> None:
    intent = FLOWS[flow].intent
    plan = iter(filler)

    def fail(reply: Reply, turn: int) -> tuple[str, Extraction]:
        kind = next(plan, "failure")
        result = "failed" if kind == "failure" else None
        extraction = Extraction(intent=intent, dont_know=kind == "unknown", result=result)  # type: ignore[arg-type]
        return ("it still fails" if result else "hm"), extraction

    reply = _drive(flow, fail)
    assert reply.outcome == "handoff"
    assert reply.handoff_summary is not None
    assert reply.handoff_summary.reason in ("steps_failed", "no_progress")


@settings(max_examples=40, deadline=None)
@given(flow=st.sampled_from(sorted(FLOWS)), unknowns=st.integers(min_value=0, max_value=4))
def test_confirmed_fix_reaches_resolved_within_k(flow: str, unknowns: int) -> None:
    spec = FLOWS[flow]

    def confirm(reply: Reply, turn: int) -> tuple[str, Extraction]:
        checking = spec.state(reply.state or "").checks_result
        extraction = Extraction(
            intent=spec.intent,  # type: ignore[arg-type]
            dont_know=not checking and turn <= unknowns,
            result="worked" if checking else None,
        )
        return ("yes it works" if checking else "no idea"), extraction

    assert _drive(flow, confirm).outcome == "resolved"
