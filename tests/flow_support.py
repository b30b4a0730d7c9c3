"""Test helpers for flow tests: a scripted extractor and concrete texts for abstract inputs.

The extractor (``vpnfsm.nlp.RuleExtractor``) is built by another engineer;
these tests pin the flow mechanism (turn logic, engine, slot vocabulary,
store round trip), so the extraction of each message is scripted: the
generated conversation says which extraction each message has.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from vpnfsm.flows.slots import match_slots
from vpnfsm.flows.spec import FlowSpec
from vpnfsm.nlp.model import ENTITY_FIELDS, Extraction
from vpnfsm.verify import AbstractInput

#: A message that states exactly one value of a flow's own vocabulary.
PHRASES: dict[tuple[str, str, str], str] = {
    ("password", "problem", "forgot"): "I forgot my password",
    ("password", "problem", "expired"): "my password expired",
    ("password", "problem", "locked"): "my account is locked",
    ("password", "problem", "mfa"): "I got a new phone and MFA fails",
    ("password", "recovery", "authenticator"): "the authenticator",
    ("password", "recovery", "sms"): "text messages",
    ("password", "recovery", "alt_email"): "my personal email",
    ("password", "recovery", "none"): "I never set up a recovery method",
    ("email", "problem", "mailbox_full"): "my mailbox is full",
    ("email", "problem", "not_receiving"): "I'm not receiving mail",
    ("email", "problem", "not_sending"): "it's stuck in the outbox",
    ("email", "problem", "password_prompt"): "it keeps asking for my password",
    ("email", "problem", "sync"): "it won't sync",
    ("email", "mail_app", "outlook_web"): "Outlook on the web",
    ("email", "mail_app", "outlook"): "Outlook",
    ("email", "mail_app", "phone"): "on my iPhone",
    ("email", "mail_app", "apple_mail"): "Apple Mail",
    ("email", "mail_app", "thunderbird"): "Thunderbird",
}

_PLAIN = {
    "open": "I need help with this",
    "unknown": "I don't know",
    "none": "hmm, whatever",
    "human": "let me talk to a person",
    "reset": "start over",
    "success": "yes, that worked",
    "failure": "still broken",
}


def text_for(spec: FlowSpec, message: AbstractInput) -> str:
    """A concrete message for an abstract input (its vocabulary facts spelled out)."""
    parts = [PHRASES[(spec.name, slot, value)] for slot, value in message.facts if slot in spec.vocabulary]
    if message.kind in ("value", "later") and parts:
        return " and ".join(parts)
    base = _PLAIN["none" if message.kind in ("value", "later") else message.kind]
    if message.kind == "open" and message.human:
        base = "please get me a human"
    return ", ".join([base, *parts])


def extraction_for(spec: FlowSpec, message: AbstractInput) -> Extraction:
    """What a correct extractor reads from :func:`text_for`'s message."""
    entities = {slot: value for slot, value in message.facts if slot in ENTITY_FIELDS and not spec.vocabulary}
    return Extraction(
        intent=spec.intent,  # type: ignore[arg-type]
        human=message.kind == "human" or (message.kind == "open" and message.human),
        reset=message.kind == "reset",
        dont_know=message.kind == "unknown",
        result="worked" if message.kind == "success" else "failed" if message.kind == "failure" else None,
        **entities,
    )


class ScriptedExtractor:
    """Returns queued extractions in order (and checks it is asked once per message)."""

    def __init__(self, extractions: Iterable[Extraction] = ()) -> None:
        self.queue: deque[Extraction] = deque(extractions)
        self.contexts: list[str | None] = []

    def push(self, extraction: Extraction) -> None:
        self.queue.append(extraction)

    def extract(self, text: str, *, context: str | None = None) -> Extraction:
        self.contexts.append(context)
        return self.queue.popleft()


def vocabulary_facts(spec: FlowSpec, text: str) -> dict[str, str]:
    return match_slots(spec, text)


def rename_state(spec: FlowSpec, old: str, new: str) -> FlowSpec:
    """A new version of ``spec`` whose state ``old`` is called ``new`` (a structural change)."""
    import dataclasses

    def swap(value: object) -> object:
        if isinstance(value, list):
            return [new if item == old else item for item in value]
        return new if value == old else value

    return dataclasses.replace(
        spec,
        states=tuple(dataclasses.replace(s, name=new) if s.name == old else s for s in spec.states),
        transitions=tuple(
            {**t, "source": swap(t["source"]), "dest": swap(t.get("dest"))} for t in spec.transitions
        ),
    )
