"""The guards and actions a flow declaration may name, and the model they act on.

Declarations refer to these by name (``"needs:os"``, ``"reason:user_request"``);
the part after a colon is an argument. Only names registered here can be
used, so a declaration can never run arbitrary code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from vpnfsm.flows.knowledge import load_table
from vpnfsm.flows.spec import FlowSpec

__all__ = ["ACTIONS", "GUARDS", "FlowModel", "parse_name"]


class FlowModel:
    """The light, plain object a ``transitions`` machine steps for one turn.

    It is built from the stored session before the turn and copied back after
    it; the machine itself is shared by every session of the process.
    """

    __slots__ = (
        "attempts",
        "dont_know",
        "given",
        "outcome",
        "reasks",
        "reason",
        "resets",
        "result",
        "said",
        "skipped",
        "slots",
        "spec",
        "state",
    )

    def __init__(
        self,
        spec: FlowSpec,
        *,
        state: str,
        slots: dict[str, str | None],
        skipped: set[str] | None = None,
        reasks: int = 0,
        attempts: int = 0,
        resets: int = 0,
        given: list[str] | None = None,
    ) -> None:
        self.spec = spec
        self.state = state
        self.slots = slots
        self.skipped = skipped if skipped is not None else set()
        self.reasks = reasks
        self.attempts = attempts
        self.resets = resets
        #: Article ids given so far, oldest first.
        self.given: list[str] = given if given is not None else []
        # What the current user message said, beyond facts.
        self.dont_know = False
        self.result: str | None = None
        # What this turn produced.
        self.said: list[str] = []
        self.outcome: str | None = None
        self.reason: str | None = None

    def say(self, key: str) -> None:
        """Queue the flow message ``key`` for the reply."""
        self.said.append(self.spec.messages[key])

    @property
    def pending_slot(self) -> str | None:
        """The slot the current state asks for, if any."""
        return self.spec.state(self.state).asks


Guard = Callable[[FlowModel, str | None], bool]
Action = Callable[[FlowModel, str | None], None]


def parse_name(name: str) -> tuple[str, str | None]:
    """Split ``"needs:os"`` into ``("needs", "os")``; plain names have no argument."""
    base, sep, arg = name.partition(":")
    return base, (arg if sep else None)


# -- guards -------------------------------------------------------------------


def _needs(model: FlowModel, slot: str | None) -> bool:
    assert slot is not None
    return model.slots.get(slot) is None and slot not in model.skipped


def _unanswered(model: FlowModel, _: str | None) -> bool:
    slot = model.pending_slot
    return slot is not None and _needs(model, slot)


def _can_reask(model: FlowModel, _: str | None) -> bool:
    return model.reasks < model.spec.limits.max_reasks


def _worked(model: FlowModel, _: str | None) -> bool:
    return model.result == "worked"


def _failed(model: FlowModel, _: str | None) -> bool:
    return model.result == "failed"


def _retry_left(model: FlowModel, _: str | None) -> bool:
    return model.attempts < model.spec.limits.max_attempts


def _can_restart(model: FlowModel, _: str | None) -> bool:
    return model.resets < model.spec.limits.max_resets


def _fact(model: FlowModel, arg: str | None) -> bool:
    # "fact:recovery=none": the slot holds exactly that value.
    assert arg is not None
    slot, _, value = arg.partition("=")
    return model.slots.get(slot) == value


def _has_steps(model: FlowModel, _: str | None) -> bool:
    table = load_table(model.spec.knowledge)
    return table.best(model.slots, exclude=model.given) is not None


GUARDS: Mapping[str, Guard] = {
    "needs": _needs,
    "unanswered": _unanswered,
    "can_reask": _can_reask,
    "worked": _worked,
    "failed": _failed,
    "retry_left": _retry_left,
    "can_restart": _can_restart,
    "has_steps": _has_steps,
    "fact": _fact,
}


# -- actions ------------------------------------------------------------------


def _settle_pending(model: FlowModel, _: str | None) -> None:
    # Runs before the transitions are tried: an unanswered question becomes
    # "skipped" when the user does not know, or was already asked again, so
    # that the routing guards move on instead of asking it a third time.
    slot = model.pending_slot
    if slot is None or not _needs(model, slot):
        return
    if model.dont_know or model.reasks >= model.spec.limits.max_reasks:
        model.skipped.add(slot)


def _count_reask(model: FlowModel, _: str | None) -> None:
    model.reasks += 1
    key = model.spec.state(model.state).reask
    if key is not None:
        model.say(key)


def _clear_reasks(model: FlowModel, _: str | None) -> None:
    model.reasks = 0


def _give_steps(model: FlowModel, _: str | None) -> None:
    table = load_table(model.spec.knowledge)
    article = table.best(model.slots, exclude=model.given)
    if article is None:  # guarded by has_steps; a fallback article always exists
        return
    model.attempts += 1
    model.given.append(article.id)
    lines = [f"Let's try this ({article.title}):"]
    steps = article.steps_for(model.slots, table.platforms)  # other platforms' steps left out
    lines += [f"{number}. {step}" for number, step in enumerate(steps, start=1)]
    model.said.append("\n".join(lines))


def _reason(model: FlowModel, reason: str | None) -> None:
    model.reason = reason


def _restart(model: FlowModel, _: str | None) -> None:
    model.resets += 1
    for slot in model.slots:
        model.slots[slot] = None
    model.skipped.clear()
    model.attempts = 0
    model.reasks = 0
    model.given.clear()


def _say(model: FlowModel, key: str | None) -> None:
    assert key is not None
    model.say(key)


def _finish(model: FlowModel, _: str | None) -> None:
    model.outcome = model.spec.state(model.state).outcome


ACTIONS: Mapping[str, Action] = {
    "settle_pending": _settle_pending,
    "count_reask": _count_reask,
    "clear_reasks": _clear_reasks,
    "give_steps": _give_steps,
    "reason": _reason,
    "restart": _restart,
    "say": _say,
    "finish": _finish,
}
