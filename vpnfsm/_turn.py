"""One turn of a conversation, without I/O: validate, extract, step, build the reply.

:class:`vpnfsm.Assistant` and :class:`vpnfsm.AsyncAssistant` share this code
and differ only in how they load and save, so their behaviour cannot drift.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from vpnfsm import _idempotency
from vpnfsm._build import build
from vpnfsm._engine import Engine, engine_for
from vpnfsm.dialogue import cases
from vpnfsm.dialogue.conduct import converse
from vpnfsm.errors import InputError
from vpnfsm.flows import registry
from vpnfsm.flows.behaviour import FlowModel
from vpnfsm.flows.knowledge import load_table
from vpnfsm.flows.registry import flow_for_intent
from vpnfsm.flows.slots import flow_for_cues, match_slots
from vpnfsm.flows.spec import FlowSpec
from vpnfsm.handoff.summary import HandoffSummary, build_summary, make_reference
from vpnfsm.nlp.model import Extraction
from vpnfsm.redact import redact, screen_for
from vpnfsm.redact._memo import RedactionMemo
from vpnfsm.reply import Reply
from vpnfsm.responder import respond
from vpnfsm.session import HistoryEntry, OutboxItem, Session, StepsGiven, TailLine
from vpnfsm.types import Extractor

__all__ = [
    "DEFAULT_MAX_MESSAGE_CHARS",
    "MAX_SESSION_ID_CHARS",
    "TAIL_CAP",
    "TurnLogic",
    "TurnPlan",
    "check_id",
    "check_session_id",
]

#: Room for a pasted log or error dump (16 K characters); hosts may lower or raise it.
DEFAULT_MAX_MESSAGE_CHARS = 16 * 1024
#: User lines kept on the session for the handoff transcript excerpt.
TAIL_CAP = 20

# Tenant ids end up inside Redis hash tags, URLs and metrics: keep them to a safe alphabet.
_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")

#: Session ids are the host's own thread ids (Slack ``1712345678.123456``, Teams
#: ``19:abc@thread.v2``, Matrix ``!room:server``): any printable text up to this
#: length. The stores key them in a key-safe form.
MAX_SESSION_ID_CHARS = 256

Notice = Literal["unknown_session", "corrupt_session"]

_NOTICES: Mapping[str, str] = {
    "unknown_session": "I couldn't find our earlier conversation (it may have expired), "
    "so let's start fresh.",
    "corrupt_session": "Something went wrong with our earlier conversation, so let's start fresh.",
}

#: Said once per session when a message held what looked like a password, code or key.
SECRET_NOTICE = (
    "By the way: part of your message looked like a password or a code. I did not store it, "
    "and I never need one here -- nobody from IT support will ask you for it."
)

#: Said when a session's flow declaration changed and could not be carried over.
FLOW_UPDATED = "The troubleshooting steps were updated since we last spoke, so let's start this again."


def check_session_id(value: str) -> str:
    """Return ``value`` if it can be a session id: 1-256 printable characters.

    Raises:
        InputError: the id is not a string, empty, too long, or has a character
            that is not printable (control, format, separator other than space,
            lone surrogate).

    """
    if not isinstance(value, str) or not 0 < len(value) <= MAX_SESSION_ID_CHARS or not value.isprintable():
        raise InputError(
            f"session_id must be 1-{MAX_SESSION_ID_CHARS} printable characters",
            field="session_id",
            reason="invalid",
        )
    return value


def check_id(value: str, *, field_name: str) -> str:
    """Return ``value`` if it is a valid tenant id (or another id held to the key-safe alphabet).

    Raises:
        InputError: the id is empty, too long or has characters outside ``[A-Za-z0-9_-]``.

    """
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InputError(
            f"{field_name} must be 1-128 characters of letters, digits, '-' or '_'",
            field=field_name,
            reason="invalid",
        )
    return value


@dataclass
class TurnPlan:
    """What a turn wants written, and the reply to return once it is."""

    session: Session
    expected_version: int
    history: list[HistoryEntry]
    outbox: list[OutboxItem] = field(default_factory=list)
    reply: Reply | None = None
    #: The message id was applied before: return ``reply``, write nothing.
    replayed: bool = False


class TurnLogic:
    """The I/O-free core of the facade.

    Args:
        extractor: reads each message.
        flows: flows by name; the dialogue policy starts the one a new problem is about.
        max_message_chars: longer messages are rejected.
        clock: seconds since the epoch.

    """

    def __init__(
        self,
        *,
        extractor: Extractor,
        flows: Mapping[str, FlowSpec],
        max_message_chars: int,
        clock: Callable[[], float],
    ) -> None:
        if max_message_chars < 1:
            raise ValueError("max_message_chars must be positive")
        self.extractor = extractor
        self.flows = dict(flows)
        self.engines = {name: engine_for(spec) for name, spec in self.flows.items()}
        # Earlier declarations that running sessions may still use (see docs/operations.md).
        self.previous = dict(registry.PREVIOUS_VERSIONS)
        for spec in self.flows.values():
            load_table(spec.knowledge)  # fail at start-up, not mid-conversation
        self.max_message_chars = max_message_chars
        self.clock = clock
        #: Entry redaction, remembering the clean short answers people type alike.
        self.redaction = RedactionMemo()

    # -- input ------------------------------------------------------------------

    def check_message(self, message: str) -> str:
        """The message, or a typed error when it is empty, too long or not text.

        Raises:
            InputError: not a string (``invalid``); longer than
                ``max_message_chars`` (``too_long``); holding a lone surrogate,
                which no store or client can encode (``invalid``); or nothing
                but whitespace and invisible format characters such as
                U+200B or U+FEFF (``empty``).

        """
        if not isinstance(message, str):
            raise InputError("message must be a string", field="message", reason="invalid")
        # Length first: every later check is linear, and now bounded too.
        if len(message) > self.max_message_chars:
            raise InputError(
                f"message is longer than {self.max_message_chars} characters",
                field="message",
                reason="too_long",
            )
        try:
            message.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputError(
                "message is not valid Unicode text (a lone surrogate)", field="message", reason="invalid"
            ) from exc
        # Nearly every message starts with a visible character: then it is not empty.
        first = message[:1]
        if (not first or first.isspace() or unicodedata.category(first) == "Cf") and all(
            ch.isspace() or unicodedata.category(ch) == "Cf" for ch in message
        ):
            raise InputError("message is empty", field="message", reason="empty")
        return message

    @staticmethod
    def new_session_id() -> str:
        """A fresh random session id (128 bits, URL-safe)."""
        return secrets.token_urlsafe(16)

    # -- the turn ---------------------------------------------------------------

    def plan(
        self,
        message: str,
        *,
        session_id: str,
        tenant: str,
        loaded: Session | None,
        notice: Notice | None,
        message_id: str | None = None,
    ) -> TurnPlan:
        """Compute the turn for an already validated message.

        A ``message_id`` the loaded session already applied gives a plan with
        ``replayed`` set: the first application's reply, nothing to write.

        Raises:
            InputError: ``message_id`` was applied to a different message.

        """
        now = self.clock()
        new = loaded is None
        session = loaded if loaded is not None else Session.start(session_id, tenant=tenant, now=now)
        expected_version = session.version
        # A retry must match its first copy whatever the session's state became since, so
        # the fingerprint is of the plain redaction, not the context-screened one below.
        fingerprint = _idempotency.digest(redact(message)) if message_id is not None else ""
        if message_id is not None:
            applied = _idempotency.find_applied(session, message_id, fingerprint)
            if applied is not None:
                reply = _idempotency.replay(session, applied)
                return TurnPlan(session, expected_version, history=[], reply=reply, replayed=True)
        context = self._context(session)
        # The one redaction boundary: from here on only the redacted text exists. The
        # extractor and the flows read it with the placeholders blanked, so a removed
        # span can never fill a slot; the raw message is not kept anywhere.
        redaction = self.redaction.redact_message(
            message,
            screen=screen_for(state=context, slots=session.slots, after_cue=session.secret_cue_open),
        )
        stored_text, message = redaction.text, redaction.reading
        if session.secret_cue_open != redaction.ends_with_cue:  # a pydantic set costs ~1 µs a turn
            session.secret_cue_open = redaction.ends_with_cue
        extraction = self.extractor.extract(message, context=context)
        state_before = session.state
        # A case that ends on this turn has a new state or (a handoff with no flow) a new reference.
        case_before = (session.state, session.reference, session.outcome)

        session.tail.append(TailLine(at=now, text=stored_text, state=state_before))
        del session.tail[:-TAIL_CAP]
        text, intent = self._converse(session, extraction, message, now)
        _note_slot_text(session, extraction, message, stored_text)

        session.assign(version=session.version + 1, turns=session.turns + 1, updated_at=now, last_intent=intent)
        plan = TurnPlan(
            session=session,
            expected_version=expected_version,
            history=[
                HistoryEntry(at=now, role="user", text=stored_text, state=state_before),
            ],
        )
        if notice is not None:
            text = _NOTICES[notice] + "\n\n" + text
        if redaction.removed_credential and not session.secret_notice_given:
            session.secret_notice_given = True
            text += "\n\n" + SECRET_NOTICE
        plan.history.append(HistoryEntry(at=now, role="bot", text=text, state=session.state))
        # Built once: the outbox payload (on the handoff turn) and the reply share it.
        summary = build_summary(session) if session.outcome == "handoff" else None
        changed = case_before != (session.state, session.reference, session.outcome)
        if summary is not None and changed:
            plan.outbox.append(
                OutboxItem(
                    id=f"{session.tenant}:{session.id}:{session.reference}",
                    session_id=session.id,
                    tenant=session.tenant,
                    created_at=now,
                    payload=summary.model_dump_json(),
                )
            )
        ended_now = session.outcome is not None and changed
        plan.reply = self.reply(
            session,
            text,
            intent=intent,
            new_session=new,
            notice=notice,
            ended_now=ended_now,
            summary=summary,
        )
        if message_id is not None:
            _idempotency.remember(session, message_id, fingerprint, plan.reply)
        return plan

    def reply(
        self,
        session: Session,
        text: str,
        *,
        intent: str,
        new_session: bool = False,
        notice: Notice | None = None,
        ended_now: bool = False,
        summary: HandoffSummary | None = None,
    ) -> Reply:
        """The :class:`Reply` for a session after a turn (``summary``: already built, if it was)."""
        handed_off = session.outcome == "handoff"
        if handed_off and summary is None:
            summary = build_summary(session)
        # Every field from the session and the turn, all already valid: built, not
        # validated again (~2 µs a turn; tests/unit/test_reply_build.py compares both).
        return build(
            Reply,
            {
                "session_id": session.id,
                "reply": text,
                "intent": intent,
                "flow": session.flow,
                "state": session.state,
                "slots": dict(session.slots),
                "handoff": handed_off,
                "outcome": session.outcome,
                "handoff_summary": summary if handed_off else None,
                "ticket": session.ticket,
                "new_session": new_session,
                "notice": notice,
                "ended_now": ended_now,
            },
        )

    # -- helpers ----------------------------------------------------------------

    @staticmethod
    def _context(session: Session) -> str | None:
        # Only a running flow gives short answers a meaning.
        if session.flow is None or session.outcome is not None:
            return None
        return session.state

    @staticmethod
    def _clear_flow(session: Session) -> None:
        # The same reset as a case closed by the dialogue policy; the next flow's
        # transcript starts with this message.
        cases.clear_case(session)
        session.tail = session.tail[-1:]

    def _running_spec(self, session: Session) -> FlowSpec | None:
        """The declaration a running session continues on, after a deploy changed its flow.

        Same version: the current one. A ``migrations`` entry for the
        session's version: the current one, with the state moved (slots and
        counters kept). Else the old declaration if it is still registered in
        ``PREVIOUS_VERSIONS``; ``None`` when there is no way to continue.
        """
        assert session.flow is not None
        spec = self.flows[session.flow]
        if session.flow_version in (None, spec.version):
            return spec
        mapping = spec.migrations.get(session.flow_version or "")
        state = session.state or spec.initial
        if mapping is not None and (state in mapping or state in spec.state_names):
            session.state = mapping.get(state, state)
            session.flow_version = spec.version
            return spec
        return registry.previous_version(spec.name, session.flow_version or "", self.previous)

    def _engine(self, spec: FlowSpec) -> Engine:
        # The current declaration's engine, or the shared one of an older version.
        if self.flows.get(spec.name) is spec:
            return self.engines[spec.name]
        return engine_for(spec)

    # -- what the dialogue policy calls (vpnfsm.dialogue.conduct.FlowSteps) --------

    def _converse(self, session: Session, extraction: Extraction, message: str, now: float) -> tuple[str, str]:
        if session.flow in self.flows and session.outcome is None and session.state is not None:
            # A deploy's migration moves the state first: the policy must read the
            # message against the question the session is really waiting on.
            self._running_spec(session)
        return converse(self, session, extraction, message, now)

    def start_flow(self, session: Session, spec: FlowSpec, extraction: Extraction, message: str, now: float) -> str:
        """Begin ``spec`` as a new case for this message."""
        session.dialogue.meta_turns = 0
        return self._start(session, spec, extraction, message, now)

    def step_flow(self, session: Session, extraction: Extraction, message: str, now: float) -> str:
        """Step the running flow, on the declaration the session started on when it is still there."""
        running = self._running_spec(session)
        if running is None:  # its declaration is gone: begin the current one again
            assert session.flow is not None
            spec = self.flows[session.flow]
            self._clear_flow(session)
            return FLOW_UPDATED + "\n\n" + self._start(session, spec, extraction, message, now)
        return self._step(session, running, extraction, message, now)

    def route(self, session: Session, extraction: Extraction, message: str, now: float) -> str:
        """No case open: start the flow the message is about, or answer it."""
        return self._route(session, extraction, message, now)

    def _route(self, session: Session, extraction: Extraction, message: str, now: float) -> str:
        spec = flow_for_intent(extraction.intent, self.flows)
        if spec is None and extraction.intent == "general":
            spec = flow_for_cues(message, self.flows)  # a content pack's own topic
        if spec is None:
            last = session.tail[-1].text if session.tail else ""
            return respond(extraction.intent, last, human=extraction.human)
        if session.flow is not None:  # a finished flow: start the next one afresh
            self._clear_flow(session)  # keeps only the tail's newest line, this message
        return self._start(session, spec, extraction, message, now)

    def _start(
        self, session: Session, spec: FlowSpec, extraction: Extraction, message: str, now: float
    ) -> str:
        session.flow = spec.name
        session.flow_version = spec.version
        # Reply.slots shows the running flow's own slots (the four taxonomy
        # entities for the VPN flow).
        session.slots = dict.fromkeys(spec.slots)
        model = self._model(session, spec, extraction, message)
        engine = self.engines[spec.name]
        engine.begin(model)
        if extraction.human:
            model.said.clear()
            engine.fire(model, "human")
        return self._finish_step(session, spec, model, now)

    def _step(
        self, session: Session, spec: FlowSpec, extraction: Extraction, message: str, now: float
    ) -> str:
        model = self._model(session, spec, extraction, message)
        if spec.state(model.state).checks_result and session.steps:
            session.steps[-1].result = extraction.result or "unclear"
        trigger = "human" if extraction.human else "reset" if extraction.reset else "answer"
        self._engine(spec).fire(model, trigger)
        return self._finish_step(session, spec, model, now)

    @staticmethod
    def _model(session: Session, spec: FlowSpec, extraction: Extraction, message: str) -> FlowModel:
        slots = {slot: session.slots.get(slot) for slot in spec.slots}
        for slot, value in extraction.entities().items():
            if value is not None and slot in slots:
                slots[slot] = value
        # Slots that are not taxonomy entities come from the flow's own vocabulary.
        slots.update(match_slots(spec, message))
        model = FlowModel(
            spec,
            state=session.state or spec.initial,
            slots=slots,
            skipped=set(session.skipped),
            reasks=session.reasks,
            attempts=session.attempts,
            resets=session.resets,
            given=[step.article for step in session.steps if step.round == session.resets],
        )
        model.dont_know = extraction.dont_know
        model.result = extraction.result
        return model

    def _finish_step(self, session: Session, spec: FlowSpec, model: FlowModel, now: float) -> str:
        table = load_table(spec.knowledge)
        known = {step.article for step in session.steps if step.round == model.resets}
        for article_id in model.given:
            if article_id not in known:
                article = table.article(article_id)
                session.steps.append(
                    StepsGiven(
                        article=article.id,
                        title=article.title,
                        attempt=model.attempts,
                        round=model.resets,
                        at=now,
                    )
                )
        session.assign(
            state=model.state,
            slots={**session.slots, **model.slots},
            skipped=sorted(model.skipped),
            reasks=model.reasks,
            attempts=model.attempts,
            resets=model.resets,
        )
        if model.outcome is not None:
            session.outcome = "handoff" if model.outcome == "handoff" else "resolved"
        if session.outcome == "handoff":
            session.handoff_reason = model.reason or "no_progress"
            session.handoff_at = now
            session.reference = make_reference(session)
        text = "\n\n".join(model.said)
        return text.replace("{reference}", session.reference or "")


def _note_slot_text(session: Session, extraction: Extraction, message: str, stored_text: str) -> None:
    """Keep, per slot the flow took from this message, the words the user typed.

    Only a span that holds no placeholder is kept, so nothing redacted comes
    back through this side door. The span is a slice of the message as
    redacted at entry, under the screen of the question it answered, so it is
    not redacted again: a slice read out of context could only be judged less
    strictly than the whole message was.
    """
    for evidence in extraction.evidence:
        if session.slots.get(evidence.field) != evidence.value:
            continue
        # ``message`` is the reading (placeholders blanked, same length as the redacted
        # text): a span that differs from the stored text touched a placeholder.
        typed = message[evidence.start : evidence.end].strip()
        if typed and typed == stored_text[evidence.start : evidence.end].strip():
            session.slot_text[evidence.field] = typed[:200]
