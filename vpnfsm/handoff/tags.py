"""Internal tags: the meaning of a handoff, as a small normalized vocabulary.

A tag is ``key:value`` in lower case without spaces (``os:windows``,
``error:809``). :func:`tags_for` is total: every summary yields exactly one
tag per key, and a fact that is missing, skipped or outside the vocabulary
becomes ``<key>:unknown``. Tenant mappings translate tags, never raw text,
so a tenant file can be checked against :func:`producible_tags` at load time.
The vocabulary is documented in ``docs/tags.md``; bump :data:`TAGS_VERSION`
when it changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import get_args

from vpnfsm._patterns import compile_user
from vpnfsm.flows.spec import FlowSpec
from vpnfsm.handoff.summary import HandoffSummary
from vpnfsm.nlp.model import Intent

__all__ = [
    "ATTEMPTS_MORE",
    "SLOT_VOCABULARY",
    "TAGS_VERSION",
    "UNKNOWN",
    "TagDomain",
    "parse_tag",
    "producible_tags",
    "tag_key",
    "tags_for",
]

#: Bumped when a key or a closed value set changes meaning.
TAGS_VERSION = 1

UNKNOWN = "unknown"
#: The ``attempts`` value for more sets of steps than one round allows.
ATTEMPTS_MORE = "more"

#: Closed value sets of slots, from the taxonomy (``shared/nlp-taxonomy.md``);
#: a slot not listed here (e.g. a new flow's own slot) is open-ended.
SLOT_VOCABULARY: Mapping[str, tuple[str, ...]] = {
    "os": ("windows", "macos", "linux", "ios", "android", "chromeos"),
    "client": (
        "anyconnect",
        "globalprotect",
        "forticlient",
        "openvpn",
        "wireguard",
        "windows_builtin",
        "ivanti",
        "zscaler",
        "checkpoint",
        "ipsec_other",
        "other",
    ),
    "symptom": (
        "cannot_connect",
        "auth_failure",
        "mfa",
        "certificate",
        "connected_no_access",
        "dns",
        "disconnects",
        "slow",
        "client_error",
    ),
}

# Slot names that read better shortened as tag keys.
_KEY_FOR_SLOT: Mapping[str, str] = {"error_code": "error"}
# Keys that are not slots, in the order tags are listed.
_FIXED_KEYS = ("intent", "reason", "attempts")
# Tag values come from slots, which come from user text: RE2, as every such pattern.
_UNSAFE = compile_user(r"[^a-z0-9_.+-]+", name="tags:unsafe")
_REASON_ACTION = compile_user(r"^reason:([a-z_]+)$", name="tags:reason-action")
#: Reason the turn logic uses when a flow ends without naming one.
_DEFAULT_REASON = "no_progress"


def tag_key(slot: str) -> str:
    """The tag key of a slot (``error_code`` -> ``error``)."""
    return _KEY_FOR_SLOT.get(slot, slot)


def _normalize(value: str) -> str:
    # Lower-case, no spaces (Jira labels reject them), bounded length.
    cleaned = _UNSAFE.sub("_", value.strip().lower()).strip("_")
    return cleaned[:40] or UNKNOWN


def parse_tag(tag: str) -> tuple[str, str]:
    """Split ``key:value``.

    Raises:
        ValueError: the text is not a tag.

    """
    key, sep, value = tag.partition(":")
    if not sep or not key or not value:
        raise ValueError(f"not a tag: {tag!r}")
    return key, value


@dataclass(frozen=True)
class TagDomain:
    """The values one tag key can take.

    Attributes:
        key: the tag key, e.g. ``"client"``.
        values: the closed set of values (``unknown`` included).
        open: further values can occur (error codes, free-form slots).

    """

    key: str
    values: frozenset[str]
    open: bool = False

    def tags(self) -> list[str]:
        """The closed values as tags, sorted."""
        return sorted(f"{self.key}:{value}" for value in self.values)


def _reasons(spec: FlowSpec) -> set[str]:
    found = {_DEFAULT_REASON}
    for transition in spec.transitions:
        before = transition.get("before", ())
        for action in [before] if isinstance(before, str) else before:
            match = _REASON_ACTION.match(str(action))
            if match:
                found.add(match.group(1) or "")
    return found


def producible_tags(flows: Mapping[str, FlowSpec]) -> dict[str, TagDomain]:
    """Every tag key the given flows can produce, with its values.

    Derived from the declarations (intents, slots, the ``reason:*`` actions
    of their transitions, their attempt limits) and :data:`SLOT_VOCABULARY`,
    so a new flow or slot shows up here without a hand-kept list.
    """
    # Every taxonomy intent is accepted, so tenants can be configured before a flow ships.
    intents = {UNKNOWN, *get_args(Intent)} | {spec.intent for spec in flows.values()}
    reasons = {UNKNOWN}
    attempts = {ATTEMPTS_MORE}
    slots: dict[str, set[str]] = {}
    open_keys: set[str] = set()
    for spec in flows.values():
        reasons |= _reasons(spec)
        attempts |= {str(n) for n in range(spec.limits.max_attempts + 1)}
        for slot in spec.slots:
            key = tag_key(slot)
            slots.setdefault(key, {UNKNOWN}).update(SLOT_VOCABULARY.get(slot, ()))
            if slot not in SLOT_VOCABULARY:
                open_keys.add(key)
    domains = {
        "intent": TagDomain("intent", frozenset(intents)),
        "reason": TagDomain("reason", frozenset(reasons)),
        "attempts": TagDomain("attempts", frozenset(attempts)),
    }
    for key, values in slots.items():
        domains[key] = TagDomain(key, frozenset(values), open=key in open_keys)
    return domains


def _attempts_value(attempts: int, flows: Mapping[str, FlowSpec], flow: str) -> str:
    spec = flows.get(flow)
    limit = (
        spec.limits.max_attempts
        if spec is not None
        else max((s.limits.max_attempts for s in flows.values()), default=0)
    )
    return str(attempts) if 0 <= attempts <= limit else ATTEMPTS_MORE


def tags_for(summary: HandoffSummary, *, flows: Mapping[str, FlowSpec] | None = None) -> list[str]:
    """The tags of a summary: one per key, ``intent``, ``reason``, ``attempts`` first.

    Every value is one of :func:`producible_tags` for the same flows; a fact
    outside a closed vocabulary, missing or skipped becomes ``<key>:unknown``.
    """
    if flows is None:
        from vpnfsm.flows.registry import FLOWS

        flows = FLOWS
    domains = producible_tags(flows)

    def pick(key: str, raw: str | None) -> str:
        domain = domains.get(key)
        value = _normalize(raw) if raw else UNKNOWN
        if domain is None or (value not in domain.values and not domain.open):
            value = UNKNOWN
        return f"{key}:{value}"

    tags = [
        pick("intent", summary.intent),
        pick("reason", summary.reason),
        pick("attempts", _attempts_value(summary.attempts, flows, summary.flow)),
    ]
    spec = flows.get(summary.flow)
    slot_names = list(spec.slots) if spec is not None else list(summary.slots)
    for slot in slot_names:
        tags.append(pick(tag_key(slot), summary.slots.get(slot)))
    return tags
