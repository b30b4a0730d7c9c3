"""Hypothesis drives the shipped Assistant through mixed conversations: answers, asides, switches,
returns, meta turns and corrections, in any order.

After every turn: the reply is consistent with the stored session; a case
never stays open longer than the bound ``vpnfsm verify`` prints (the flow's K
plus the policy's budgets; with a second case parked, the two bounds added);
and a parked case comes back exactly as it was parked: facts, steps given,
counters and state.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from vpnfsm import Assistant, MemoryStore
from vpnfsm.dialogue.checks import policy_bound
from vpnfsm.flows.registry import FLOWS
from vpnfsm.session import ParkedCase, Session
from vpnfsm.verify import verify_flow

BOUNDS = {name: policy_bound(verify_flow(spec).k or 0) for name, spec in FLOWS.items()}
#: One open case and one parked one, each within its own bound.
TWO_CASES = sum(sorted(BOUNDS.values())[-2:])

ANSWERS = [
    "windows", "its a macbook", "linux", "android phone", "globalprotect", "anyconnect", "forticlient",
    "it just won't connect", "keeps dropping", "login rejected", "error 809", "no code", "no idea",
    "yes that fixed it", "no, still broken", "nope", "didn't help at all", "👍", "same thing",
    "i forgot my password", "text message", "my personal email", "none", "outlook", "thunderbird",
    "my mailbox is full", "start over",
]
ASIDES = [
    "btw teams and outlook are fine", "you can reach me at jo.baker@corp.example",
    "my authenticator code was accepted though", "internet in the browser is fine",
]
SWITCHES = [
    "never mind, i locked myself out of my account", "another thing: outlook won't sync",
    "also my vpn keeps dropping on windows", "forget the vpn, i forgot my password",
    "one more thing, my mailbox is full",
]
RETURNS = ["back to the vpn", "back to the email", "back to the password thing", "ok back to the vpn please"]
META = [
    "what do you mean?", "whats a client??", "where do i find the code?", "should i just accept the certificate?",
    "thanks", "ugh this is so frustrating", "bye", "is it safe to tell you my password?",
    "hola, la vpn no conecta desde esta mañana y no sé qué hacer",
]
CORRECTIONS = ["sorry, it's a mac actually", "actually it's windows", "i meant anyconnect", "oops, its linux"]


def _case(session: Session) -> tuple[object, ...]:
    return (session.flow, session.state, dict(session.slots), [s.article for s in session.steps],
            [s.result for s in session.steps], session.reasks, session.attempts, session.resets)


def _parked(parked: ParkedCase) -> tuple[object, ...]:
    return (parked.flow, parked.state, dict(parked.slots), [s.article for s in parked.steps],
            [s.result for s in parked.steps], parked.reasks, parked.attempts, parked.resets)


class MixedConversations(RuleBasedStateMachine):
    """One session; each rule sends one kind of message."""

    @initialize()
    def setup(self) -> None:
        self.store = MemoryStore()
        self.assistant = Assistant(store=self.store)
        self.session_id: str | None = None
        self.open_turns = 0  # turns with a case open or waiting since every case last ended

    def _load(self) -> Session | None:
        if self.session_id is None:
            return None
        return self.store.load(self.session_id, tenant="default")

    def _send(self, text: str) -> None:
        before = self._load()
        parked_before = before.parked if before is not None else None
        was_open = before is not None and before.flow is not None and before.outcome is None
        reply = self.assistant.handle(text, session_id=self.session_id)
        self.session_id = reply.session_id
        after = self._load()
        assert after is not None
        assert (reply.flow, reply.state, reply.outcome) == (after.flow, after.state, after.outcome)
        if reply.flow is not None and reply.state is not None:
            assert reply.state in FLOWS[reply.flow].state_names
        if parked_before is not None and after.parked is None and after.flow == parked_before.flow:
            # The parked case came back: exactly as it was parked.
            assert _case(after) == _parked(parked_before), "a fact was lost across park/resume"
        if parked_before is not None and after.parked is not None and after.parked.flow == parked_before.flow:
            assert _parked(after.parked) == _parked(parked_before), "a parked case changed while waiting"
        if was_open:
            self.open_turns += 1
        if after.parked is None and (after.flow is None or after.outcome is not None):
            self.open_turns = 0
        bound = TWO_CASES if after.parked is not None or parked_before is not None else max(BOUNDS.values())
        assert self.open_turns <= bound, f"{self.open_turns} turns with a case open > {bound}"

    @rule(text=st.sampled_from(ANSWERS))
    def answer(self, text: str) -> None:
        self._send(text)

    @rule(text=st.sampled_from(ASIDES))
    def aside(self, text: str) -> None:
        self._send(text)

    @rule(text=st.sampled_from(SWITCHES))
    def switch(self, text: str) -> None:
        self._send(text)

    @rule(text=st.sampled_from(RETURNS))
    def go_back(self, text: str) -> None:
        self._send(text)

    @rule(text=st.sampled_from(META))
    def meta(self, text: str) -> None:
        self._send(text)

    @rule(text=st.sampled_from(CORRECTIONS))
    def correct(self, text: str) -> None:
        self._send(text)

    @invariant()
    def at_most_one_parked_case(self) -> None:
        session = self._load()
        if session is not None and session.parked is not None:
            assert session.parked.flow in FLOWS


MixedConversations.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestMixedConversations = MixedConversations.TestCase


def test_every_case_ends_when_the_user_only_sends_meta_turns_and_asides() -> None:
    # The budgets alone end a case: nothing but clarifications, asides and thanks.
    bot = Assistant()
    reply = bot.handle("vpn broken")
    texts = [*META[:4], *ASIDES, "thanks", "whats a client??"] * 10
    turns = 1
    for text in texts:
        reply = bot.handle(text, session_id=reply.session_id)
        turns += 1
        if reply.outcome is not None:
            break
    assert reply.outcome is not None
    assert turns <= BOUNDS["vpn"]
