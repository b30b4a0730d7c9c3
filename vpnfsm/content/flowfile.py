"""A pack's ``flows/<name>.toml`` -> :class:`~vpnfsm.flows.spec.FlowSpec`, every problem with its line.

Two forms. The troubleshooting shape (``[shape]`` with ``[[shape.question]]``
and ``[[shape.shortcut]]``) is expanded by the same
:class:`~vpnfsm.flows._builder.TroubleshootingShape` the shipped flows use.
An explicit table (``[[state]]`` and ``[[transition]]``, ``[flow] initial``)
is taken as written; a transition without ``dest`` stays in its state.
Either way the result is checked by the engine's own validation, and each
problem is placed on the line that names the offending state, guard or key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vpnfsm._engine import validate
from vpnfsm._patterns import PatternError, compile_user
from vpnfsm.content._source import Problems, SourceFile, strings
from vpnfsm.flows._builder import Question, TroubleshootingShape
from vpnfsm.flows.spec import FlowSpec, Limits, StateSpec, TransitionSpec

__all__ = ["parse_flow"]

_FLOW_KEYS = frozenset({"name", "intent", "title", "slots", "prepare", "knowledge", "cues", "initial"})
_TOP_KEYS = frozenset({"flow", "limits", "shape", "state", "transition", "vocabulary", "messages", "migrations"})
_SHAPE_KEYS = frozenset({"start", "give_steps", "check_result", "handoff", "resolved", "question", "shortcut"})
_STATE_KEYS = frozenset({"name", "prompt", "reask", "asks", "checks_result", "transient", "on_enter", "outcome"})
_TRANSITION_KEYS = frozenset({"trigger", "source", "dest", "conditions", "unless", "before", "after"})
_SHORTCUT_KEYS = frozenset({"dest", "conditions", "unless", "before"})


def _text(source: SourceFile, problems: Problems, table: Mapping[str, Any], key: str, *loc: str | int) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value:
        problems.add(source, source.line_of(*loc, key), f"{'.'.join(map(str, (*loc, key)))} must be a non-empty string")
        return ""
    return value


def _names(
    source: SourceFile, problems: Problems, table: Mapping[str, Any], key: str, *loc: str | int
) -> tuple[str, ...]:
    value = table.get(key, [])
    listed = strings(value)
    if listed is None:
        problems.add(source, source.line_of(*loc, key), f"{'.'.join(map(str, (*loc, key)))} must be a list of strings")
        return ()
    return tuple(listed)


def _unknown_keys(
    source: SourceFile, problems: Problems, table: Mapping[str, Any], allowed: frozenset[str], *loc: str | int
) -> None:
    for key in table:
        if key not in allowed:
            where = ".".join(map(str, (*loc, key)))
            problems.add(
                source, source.line_of(*loc, key), f"unknown key {where!r} (known: {', '.join(sorted(allowed))})"
            )


def _table(source: SourceFile, problems: Problems, key: str) -> dict[str, Any]:
    value = source.data.get(key, {})
    if not isinstance(value, dict):
        problems.add(source, source.line_of(key), f"{key} must be a table")
        return {}
    return value


def _array(source: SourceFile, problems: Problems, value: object, *loc: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        problems.add(source, source.line_of(*loc), f"{'.'.join(loc)} must be an array of tables ([[{'.'.join(loc)}]])")
        return []
    return value


def _limits(source: SourceFile, problems: Problems) -> Limits:
    raw = _table(source, problems, "limits")
    values: dict[str, int] = {}
    for key in ("max_reasks", "max_attempts", "max_resets"):
        value = raw.get(key, getattr(Limits(), key))
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10:
            problems.add(source, source.line_of("limits", key), f"limits.{key} must be an integer from 0 to 10")
            value = getattr(Limits(), key)
        values[key] = value
    _unknown_keys(source, problems, raw, frozenset(values), "limits")
    return Limits(**values)


def _shape(source: SourceFile, problems: Problems, raw: dict[str, Any]) -> TroubleshootingShape:
    _unknown_keys(source, problems, raw, _SHAPE_KEYS, "shape")
    questions: list[Question] = []
    for index, entry in enumerate(_array(source, problems, raw.get("question"), "shape", "question")):
        _unknown_keys(source, problems, entry, frozenset({"slot", "state", "unless"}), "shape", "question", index)
        questions.append(
            Question(
                slot=_text(source, problems, entry, "slot", "shape", "question", index),
                state=_text(source, problems, entry, "state", "shape", "question", index),
                unless=_names(source, problems, entry, "unless", "shape", "question", index),
            )
        )
    shortcuts: list[TransitionSpec] = []
    for index, entry in enumerate(_array(source, problems, raw.get("shortcut"), "shape", "shortcut")):
        _unknown_keys(source, problems, entry, _SHORTCUT_KEYS, "shape", "shortcut", index)
        shortcut: dict[str, object] = {"dest": _text(source, problems, entry, "dest", "shape", "shortcut", index)}
        for key in ("conditions", "unless", "before"):
            if key in entry:
                shortcut[key] = list(_names(source, problems, entry, key, "shape", "shortcut", index))
        shortcuts.append(shortcut)
    parts = {
        key: _text(source, problems, raw, key, "shape")
        for key in ("start", "give_steps", "check_result", "handoff", "resolved")
    }
    return TroubleshootingShape(questions=tuple(questions), shortcuts=tuple(shortcuts), **parts)


def _explicit(source: SourceFile, problems: Problems) -> tuple[tuple[StateSpec, ...], tuple[TransitionSpec, ...]]:
    states: list[StateSpec] = []
    for index, entry in enumerate(_array(source, problems, source.data.get("state"), "state")):
        _unknown_keys(source, problems, entry, _STATE_KEYS, "state", index)
        outcome = entry.get("outcome")
        if outcome not in (None, "resolved", "handoff"):
            problems.add(source, source.line_of("state", index, "outcome"), "outcome must be 'resolved' or 'handoff'")
            outcome = None
        optional = {key: entry.get(key) for key in ("prompt", "reask", "asks")}
        for key, value in optional.items():
            if value is not None and not isinstance(value, str):
                problems.add(source, source.line_of("state", index, key), f"state.{key} must be a string")
                optional[key] = None
        flags = {key: entry.get(key, False) for key in ("checks_result", "transient")}
        for key, value in flags.items():
            if not isinstance(value, bool):
                problems.add(source, source.line_of("state", index, key), f"state.{key} must be true or false")
                flags[key] = False
        states.append(
            StateSpec(
                name=_text(source, problems, entry, "name", "state", index),
                prompt=optional["prompt"],
                reask=optional["reask"],
                asks=optional["asks"],
                checks_result=flags["checks_result"],
                transient=flags["transient"],
                on_enter=_names(source, problems, entry, "on_enter", "state", index),
                outcome=outcome,
            )
        )
    transitions: list[TransitionSpec] = []
    for index, entry in enumerate(_array(source, problems, source.data.get("transition"), "transition")):
        _unknown_keys(source, problems, entry, _TRANSITION_KEYS, "transition", index)
        transition: dict[str, object] = {
            "trigger": _text(source, problems, entry, "trigger", "transition", index),
            "source": entry.get("source")
            if strings(entry.get("source")) is not None
            else _text(source, problems, entry, "source", "transition", index),
            "dest": entry.get("dest"),
        }
        for key in ("conditions", "unless", "before", "after"):
            if key in entry:
                transition[key] = list(_names(source, problems, entry, key, "transition", index))
        transitions.append(transition)
    return tuple(states), tuple(transitions)


def _vocabulary(source: SourceFile, problems: Problems) -> dict[str, dict[str, tuple[str, ...]]]:
    vocabulary: dict[str, dict[str, tuple[str, ...]]] = {}
    for slot, values in _table(source, problems, "vocabulary").items():
        if not isinstance(values, dict):
            problems.add(
                source, source.line_of("vocabulary", slot), f"vocabulary.{slot} must be a table of value = [patterns]"
            )
            continue
        vocabulary[slot] = {}
        for value, patterns in values.items():
            listed = strings(patterns)
            if listed is None:
                problems.add(
                    source,
                    source.line_of("vocabulary", slot, value),
                    f"vocabulary.{slot}.{value} must be a list of patterns",
                )
                continue
            for pattern in listed:
                _check_pattern(source, problems, pattern.removeprefix("!"), ("vocabulary", slot, value))
            vocabulary[slot][value] = tuple(listed)
    return vocabulary


def _check_pattern(source: SourceFile, problems: Problems, pattern: str, loc: tuple[str, ...]) -> None:
    # Patterns see user text: RE2 only, so a pattern that needs backtracking
    # (a backreference, a lookaround) is refused here, not at the first message.
    try:
        compile_user(pattern, name="content:" + ".".join(loc), ignore_case=True)
    except PatternError as exc:
        line = source.line_quoting(pattern, default=source.line_of(*loc))
        problems.add(source, line, f"{'.'.join(loc)}: pattern {pattern!r} is not linear-time (RE2 refuses it): {exc}")


def _messages(source: SourceFile, problems: Problems) -> dict[str, str]:
    messages: dict[str, str] = {}
    for key, text in _table(source, problems, "messages").items():
        if not isinstance(text, str) or not text.strip():
            problems.add(source, source.line_of("messages", key), f"messages.{key} must be non-empty text")
            continue
        messages[key] = text
    return messages


def _migrations(source: SourceFile, problems: Problems) -> dict[str, dict[str, str]]:
    migrations: dict[str, dict[str, str]] = {}
    for version, mapping in _table(source, problems, "migrations").items():
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            problems.add(
                source, source.line_of("migrations", version), f"migrations.{version} must map old states to new states"
            )
            continue
        migrations[version] = dict(mapping)
    return migrations


def _locate(source: SourceFile, problem: str) -> int:
    """The line a validation problem is about: its state, else the first quoted name found."""
    # The engine's messages name a state after "state " or quote the name at
    # fault ('needs:foo', 'VPN_ASK_X'); a name the file does not quote (a
    # missing message key) falls back to the state that uses it.
    candidates: list[str] = []
    if problem.startswith("state "):
        candidates.append(problem.removeprefix("state ").split(":")[0].split(" ")[0])
    parts = problem.split("'")
    candidates += [parts[index] for index in range(1, len(parts), 2)]
    for name in candidates:
        line = source.line_quoting(name, default=0)
        if line:
            return line
    return 1


def parse_flow(source: SourceFile, problems: Problems) -> FlowSpec | None:
    """The flow declared in ``source``; ``None`` (with problems added) when it is broken."""
    before = len(problems)
    _unknown_keys(source, problems, source.data, _TOP_KEYS)
    head = _table(source, problems, "flow")
    _unknown_keys(source, problems, head, _FLOW_KEYS, "flow")
    name = _text(source, problems, head, "name", "flow")
    # previous/<flow>@<label>.toml keeps an earlier declaration of <flow>.
    if name and name != source.path.stem.split("@")[0]:
        problems.add(
            source,
            source.line_of("flow", "name"),
            f"flow name {name!r} differs from the file name {source.path.stem!r}",
        )
    cues = _names(source, problems, head, "cues", "flow")
    for cue in cues:
        _check_pattern(source, problems, cue, ("flow", "cues"))
    shape_raw = source.data.get("shape")
    if isinstance(shape_raw, dict):
        if "state" in source.data or "transition" in source.data:
            problems.add(
                source, source.line_of("shape"), "declare either [shape] or [[state]]/[[transition]], not both"
            )
        shape = _shape(source, problems, shape_raw)
        states, transitions, initial = shape.states, shape.transitions, shape.start
    else:
        states, transitions = _explicit(source, problems)
        initial = _text(source, problems, head, "initial", "flow")
        if not states:
            problems.add(source, 1, "no states: declare [shape] or [[state]] tables")
    if len(problems) > before:
        return None
    spec = FlowSpec(
        name=name,
        intent=_text(source, problems, head, "intent", "flow"),
        title=_text(source, problems, head, "title", "flow"),
        states=states,
        initial=initial,
        transitions=transitions,
        slots=_names(source, problems, head, "slots", "flow"),
        messages=_messages(source, problems),
        knowledge=_text(source, problems, head, "knowledge", "flow"),
        prepare=_names(source, problems, head, "prepare", "flow"),
        limits=_limits(source, problems),
        migrations=_migrations(source, problems),
        vocabulary=_vocabulary(source, problems),
        cues=cues,
    )
    for problem in validate(spec):
        if "bad pattern" in problem:  # reported above, with its line and why
            continue
        problems.add(source, _locate(source, problem), problem)
    return spec if len(problems) == before else None
