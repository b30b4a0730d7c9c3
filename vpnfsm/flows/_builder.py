"""The shape the troubleshooting flows share: their states and transition table.

Ask for each missing fact in order (a fact already known or skipped is not
asked; a question may also be left out by ``unless`` guards), then give the
best steps and ask whether they worked; retry once with other steps; a
person takes over when nothing helped, when asked for, or after too many
restarts. ``shortcuts`` are routes tried before the steps (e.g. "no
recovery method: a person must check the user's identity").

All three shipped flows (VPN, password, e-mail) are declared with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vpnfsm.flows.spec import StateSpec, TransitionSpec

__all__ = ["Question", "TroubleshootingShape"]


@dataclass(frozen=True)
class Question:
    """A question state: the slot it asks for and when not to ask it at all.

    Its prompt and re-ask messages are ``ask_<slot>`` and ``reask_<slot>``.
    """

    slot: str
    state: str
    unless: tuple[str, ...] = ()


@dataclass(frozen=True)
class TroubleshootingShape:
    """The states of an ask -> steps -> check flow, and the transition table joining them.

    Each shortcut is a partial transition (``dest``, ``conditions``,
    ``unless``, ``before``); it is tried from the start state and every
    question, after the questions still needed and before the steps.
    """

    start: str
    questions: tuple[Question, ...]
    give_steps: str
    check_result: str
    handoff: str
    resolved: str
    shortcuts: tuple[TransitionSpec, ...] = ()

    @property
    def states(self) -> tuple[StateSpec, ...]:
        """Every state, in the order a conversation meets them."""
        return (
            StateSpec(self.start, transient=True),
            *(StateSpec(q.state, prompt=f"ask_{q.slot}", reask=f"reask_{q.slot}", asks=q.slot) for q in self.questions),
            StateSpec(self.give_steps, transient=True, on_enter=("give_steps",)),
            StateSpec(self.check_result, prompt="check_result", reask="reask_result", checks_result=True),
            StateSpec(self.handoff, prompt="handoff", outcome="handoff"),
            StateSpec(self.resolved, prompt="resolved", outcome="resolved"),
        )

    @property
    def transitions(self) -> tuple[TransitionSpec, ...]:
        """The transition table (see the module docstring for the behaviour)."""
        return _transitions(
            start=self.start,
            questions=self.questions,
            give_steps=self.give_steps,
            check_result=self.check_result,
            handoff=self.handoff,
            resolved=self.resolved,
            shortcuts=self.shortcuts,
        )


def _transitions(
    *,
    start: str,
    questions: Sequence[Question],
    give_steps: str,
    check_result: str,
    handoff: str,
    resolved: str,
    shortcuts: Sequence[TransitionSpec],
) -> tuple[TransitionSpec, ...]:
    def routes(source: str, trigger: str) -> list[TransitionSpec]:
        # Only later questions are route targets: a question is reached once
        # every earlier fact is known or skipped, and facts are only cleared by
        # a restart, so a route back could never fire (`vpnfsm verify` found
        # six such dead transitions when every VPN question routed to every other).
        asked = [q.state for q in questions]
        later = asked[asked.index(source) + 1 :] if source in asked else asked
        table: list[TransitionSpec] = []
        for question in questions:
            if question.state not in later:
                continue
            route: dict[str, object] = {
                "trigger": trigger,
                "source": source,
                "dest": question.state,
                "conditions": [f"needs:{question.slot}"],
            }
            if question.unless:
                route["unless"] = list(question.unless)
            table.append(route)
        table += [{"trigger": trigger, "source": source, **shortcut} for shortcut in shortcuts]
        table.append({"trigger": trigger, "source": source, "dest": give_steps})
        return table

    waiting = [q.state for q in questions] + [check_result]
    table: list[TransitionSpec] = routes(start, "advance")
    for question in questions:
        # An answer that does not fit is asked once more (internal transition:
        # the state is not left, so its re-ask counter survives).
        table.append(
            {
                "trigger": "answer",
                "source": question.state,
                "dest": None,
                "conditions": ["unanswered", "can_reask"],
                "after": ["count_reask"],
            }
        )
        table += routes(question.state, "answer")
    table += [
        {"trigger": "advance", "source": give_steps, "dest": check_result},
        {"trigger": "answer", "source": check_result, "dest": resolved, "conditions": ["worked"]},
        {
            "trigger": "answer",
            "source": check_result,
            "dest": give_steps,
            "conditions": ["failed", "retry_left", "has_steps"],
        },
        {
            "trigger": "answer",
            "source": check_result,
            "dest": handoff,
            "conditions": ["failed"],
            "before": ["reason:steps_failed"],
        },
        {
            "trigger": "answer",
            "source": check_result,
            "dest": None,
            "conditions": ["can_reask"],
            "after": ["count_reask"],
        },
        {"trigger": "answer", "source": check_result, "dest": handoff, "before": ["reason:no_progress"]},
        {"trigger": "human", "source": list(waiting), "dest": handoff, "before": ["reason:user_request"]},
        {
            "trigger": "reset",
            "source": list(waiting),
            "dest": start,
            "conditions": ["can_restart"],
            "before": ["restart", "say:restart"],
        },
        {"trigger": "reset", "source": list(waiting), "dest": handoff, "before": ["reason:no_progress"]},
    ]
    return tuple(table)
