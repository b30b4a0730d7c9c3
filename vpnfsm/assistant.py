"""The facade: load the session, read the message, step the flow, save atomically.

``Assistant`` is for synchronous hosts, ``AsyncAssistant`` for asyncio hosts;
both run the same I/O-free :class:`~vpnfsm._turn.TurnLogic` and differ only
in the lines that talk to the store.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from types import TracebackType

from vpnfsm._idempotency import check_message_id, session_id_for
from vpnfsm._turn import DEFAULT_MAX_MESSAGE_CHARS, Notice, TurnLogic, TurnPlan, check_id, check_session_id
from vpnfsm.content.pack import ContentPack, load_pack
from vpnfsm.errors import CorruptSession, SessionConflict, StoreUnavailable
from vpnfsm.flows.registry import FLOWS
from vpnfsm.flows.spec import FlowSpec
from vpnfsm.reply import Reply
from vpnfsm.session import Session
from vpnfsm.store.memory import AsyncMemoryStore, MemoryStore
from vpnfsm.types import (
    AsyncSessionStore,
    AsyncSpeculativeLoad,
    AsyncTombstones,
    Extractor,
    KeepsSaved,
    SessionStore,
    SpeculativeLoad,
    Tombstones,
)

__all__ = ["DEFAULT_MAX_RETRIES", "AsyncAssistant", "Assistant"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: Conflicting concurrent turns are retried this often before SessionConflict.
DEFAULT_MAX_RETRIES = 64


def _default_extractor() -> Extractor:
    from vpnfsm.nlp import RuleExtractor
    from vpnfsm.nlp._memo import MemoExtractor

    # Repeated short answers ("windows", "no") are read once per process.
    return MemoExtractor(RuleExtractor())


def _log_conflict(session_id: str, tenant: str, retries: int) -> None:
    logger.warning(
        "concurrent turns kept conflicting past %d retries; the message was not applied",
        retries,
        extra={"tenant": tenant, "session_id": session_id},
    )


def _backoff(attempt: int) -> float:
    # No pause after the first conflict: it is usually a stale local copy (see
    # SpeculativeLoad) or one lost race, and the retry already has the winner's
    # state. After that, full jitter growing to one second: racing writers
    # spread out instead of colliding again. The cap is wide enough that 200
    # tasks bursting on one session all get through within the retry budget
    # (tests/integration) now that a turn (redaction, dialogue, classifier)
    # takes several times longer than when the cap was a quarter second.
    if attempt == 0:
        return 0.0
    return random.uniform(0, min(1.0, 0.001 * (2 ** min(attempt, 10))))


class _UnconfirmedSave:
    """Mark a store failure during a save: the write may have happened.

    A load that fails wrote nothing; a save that fails may have run without
    its answer arriving. Hosts (and the 503 body) need to tell these apart.
    A plain class, not ``contextlib.contextmanager``: it wraps every save, and
    a generator-based manager costs a few microseconds each time.
    """

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if isinstance(exc, StoreUnavailable):
            raise StoreUnavailable(str(exc), may_have_applied=True) from exc


_unconfirmed_save = _UnconfirmedSave()


class _Facade:
    """Arguments and input checks shared by both facades."""

    def __init__(
        self,
        *,
        extractor: Extractor | None,
        flows: Mapping[str, FlowSpec] | None,
        content: str | Path | ContentPack | None,
        max_message_chars: int,
        max_retries: int,
        clock: Callable[[], float],
    ) -> None:
        if content is not None and flows is not None:
            raise ValueError("pass flows= or content=, not both")
        if content is None and flows is None:
            content = os.environ.get("VPNFSM_CONTENT") or None
        pack = load_pack(content) if content is not None else None
        reader = extractor if extractor is not None else _default_extractor()

        def logic(for_flows: Mapping[str, FlowSpec]) -> TurnLogic:
            made = TurnLogic(extractor=reader, flows=for_flows, max_message_chars=max_message_chars, clock=clock)
            if pack is not None:
                made.previous.update(pack.previous)  # the pack's earlier declarations keep running
            return made

        self.logic = logic(pack.flows if pack is not None else flows if flows is not None else FLOWS)
        # A tenant with an overlay in the pack gets its own wording, articles and variables.
        self._tenant_logic = {tenant: logic(specs) for tenant, specs in (pack.tenants if pack else {}).items()}
        if max_retries < 1:
            raise ValueError("max_retries must be at least 1")
        self.max_retries = max_retries

    def _attempts(self, *, speculative: bool) -> int:
        # A store that loads from a local copy gets one attempt more: its first
        # conflict may only mean the copy was stale, not that another turn raced.
        return self.max_retries + 1 if speculative else self.max_retries

    # Set by each facade once its store is known.
    _max_attempts: int
    # The store's hand_over (KeepsSaved), called with each turn's session once it is
    # saved: the facade never touches that object again, so the store may serve it
    # to the session's next turn instead of decoding the bytes it just wrote.
    _hand_over: Callable[[Session], None] | None

    def _begin(
        self, message: str, session_id: str | None, tenant: str, message_id: str | None
    ) -> tuple[str, str, bool]:
        message = self.logic.check_message(message)
        check_id(tenant, field_name="tenant")
        if message_id is not None:
            check_message_id(message_id)
        if session_id is None:
            # With a message id the new session's id is derived from it, so a
            # retried first message finds the session its lost reply named.
            sid = TurnLogic.new_session_id() if message_id is None else session_id_for(tenant, message_id)
            return message, sid, False
        return message, check_session_id(session_id), True

    def _plan(
        self,
        message: str,
        sid: str,
        tenant: str,
        *,
        loaded: Session | None,
        corrupt: bool,
        ended: bool,
        message_id: str | None,
    ) -> TurnPlan:
        # Everything a facade does between its load and its save: pick the
        # notice for a session that could not be continued, then plan the turn.
        # A missing session gets a notice only if it existed (a tombstone):
        # hosts start conversations on their own thread ids.
        notice: Notice | None = None
        if corrupt:
            notice = "corrupt_session"
        elif loaded is None and ended:
            notice = "unknown_session"
        return self._tenant_logic.get(tenant, self.logic).plan(
            message, session_id=sid, tenant=tenant, loaded=loaded, notice=notice, message_id=message_id
        )


def _log_quarantine(exc: CorruptSession, *, tenant: str, session_id: str) -> None:
    logger.warning(
        "corrupt session quarantined as %s (%s); a fresh session answers",
        exc.quarantine_key,
        exc.detail,
        extra={"tenant": tenant, "session_id": session_id},
    )


class Assistant(_Facade):
    """Runs conversations for a synchronous host.

    Args:
        store: where sessions live; an in-memory store by default.
        extractor: reads messages; the rule-based extractor by default.
        flows: the flows to run, by name; every shipped flow by default.
        content: a content pack (directory, installed pack name or loaded
            :class:`~vpnfsm.content.ContentPack`) whose flows, wording and
            tenant overlays to run instead; ``VPNFSM_CONTENT`` when neither
            this nor ``flows`` is given. Raises
            :class:`~vpnfsm.errors.ContentError` when the pack is broken.
        max_message_chars: longer messages raise :class:`~vpnfsm.errors.InputError`.
        max_retries: attempts when concurrent turns on one session conflict.
        clock: seconds since the epoch (tests inject one).

    Example::

        bot = Assistant()
        r = bot.handle("VPN is not working")
        r = bot.handle("Windows", session_id=r.session_id)

    """

    def __init__(
        self,
        store: SessionStore | None = None,
        *,
        extractor: Extractor | None = None,
        flows: Mapping[str, FlowSpec] | None = None,
        content: str | Path | ContentPack | None = None,
        max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS,
        max_retries: int = DEFAULT_MAX_RETRIES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            extractor=extractor,
            flows=flows,
            content=content,
            max_message_chars=max_message_chars,
            max_retries=max_retries,
            clock=clock,
        )
        self.store: SessionStore = store if store is not None else MemoryStore(clock=clock)
        self._load: Callable[..., Session | None] = (
            self.store.load_speculative if isinstance(self.store, SpeculativeLoad) else self.store.load
        )
        self._max_attempts = self._attempts(speculative=isinstance(self.store, SpeculativeLoad))
        self._hand_over = self.store.hand_over if isinstance(self.store, KeepsSaved) else None

    def handle(
        self,
        message: str,
        session_id: str | None = None,
        *,
        tenant: str = "default",
        message_id: str | None = None,
    ) -> Reply:
        """Answer one user message.

        ``session_id`` may be the host's own thread id (any printable text up
        to 256 characters). One never seen starts a new session quietly; one
        whose session expired or was deleted starts a new session under that
        id and says so (``notice="unknown_session"``); an unreadable stored
        session is quarantined and replaced (``notice="corrupt_session"``).

        ``message_id`` makes the call safe to repeat: a message id this session
        already applied (among its last 16) returns the reply of the first
        application and changes nothing. Pass the host's event or delivery id,
        or a UUID the host keeps for its retries. Without a ``session_id`` the
        new session's id is derived from ``(tenant, message_id)``, so a retry of
        a first message whose reply was lost reaches the same session.

        Raises:
            InputError: the message is empty (whitespace and invisible format
                characters only), too long or not encodable (a lone surrogate);
                the session id, tenant or message id is malformed; or the
                message id was already used for a different message. Nothing
                was changed.
            StoreUnavailable: the store could not be reached; its
                ``may_have_applied`` says whether the save was sent (retry with
                the same ``message_id``: it is applied at most once).
            SessionConflict: concurrent turns kept winning past ``max_retries``.

        """
        message, sid, asked = self._begin(message, session_id, tenant, message_id)
        corrupt, ended = False, None
        for attempt in range(self._max_attempts):
            try:
                # A session id this call just made up cannot be stored yet: skip
                # the read (the save's compare-and-set still checks, at version 0).
                # A derived one may be: its message may be a retry.
                loaded = self._load(sid, tenant=tenant) if asked or attempt or message_id else None
            except CorruptSession as exc:
                _log_quarantine(exc, tenant=tenant, session_id=sid)
                loaded, corrupt = None, True
            if ended is None and loaded is None and asked and not corrupt:
                ended = isinstance(self.store, Tombstones) and self.store.ended(sid, tenant=tenant)
            plan = self._plan(
                message, sid, tenant, loaded=loaded, corrupt=corrupt, ended=bool(ended), message_id=message_id
            )
            if plan.replayed:
                assert plan.reply is not None
                return plan.reply
            try:
                with _unconfirmed_save:
                    saved = self.store.save(
                        plan.session, expected_version=plan.expected_version, history=plan.history, outbox=plan.outbox
                    )
            except CorruptSession as exc:  # a wrong-typed key: moved aside, nothing written
                _log_quarantine(exc, tenant=tenant, session_id=sid)
                corrupt = True
                continue
            if saved:
                assert plan.reply is not None
                if self._hand_over is not None:
                    self._hand_over(plan.session)
                return plan.reply
            time.sleep(_backoff(attempt))
        _log_conflict(sid, tenant, self.max_retries)
        raise SessionConflict(sid, self.max_retries)


class AsyncAssistant(_Facade):
    """The asyncio twin of :class:`Assistant`: same arguments, ``await handle(...)``.

    The extractor and the flows do no I/O and take microseconds, so they run
    inline; only the store is awaited, and the event loop is never blocked.
    """

    def __init__(
        self,
        store: AsyncSessionStore | None = None,
        *,
        extractor: Extractor | None = None,
        flows: Mapping[str, FlowSpec] | None = None,
        content: str | Path | ContentPack | None = None,
        max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS,
        max_retries: int = DEFAULT_MAX_RETRIES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            extractor=extractor,
            flows=flows,
            content=content,
            max_message_chars=max_message_chars,
            max_retries=max_retries,
            clock=clock,
        )
        self.store: AsyncSessionStore = store if store is not None else AsyncMemoryStore(clock=clock)
        self._load: Callable[..., Awaitable[Session | None]] = (
            self.store.load_speculative if isinstance(self.store, AsyncSpeculativeLoad) else self.store.load
        )
        self._max_attempts = self._attempts(speculative=isinstance(self.store, AsyncSpeculativeLoad))
        self._hand_over = self.store.hand_over if isinstance(self.store, KeepsSaved) else None

    async def handle(
        self,
        message: str,
        session_id: str | None = None,
        *,
        tenant: str = "default",
        message_id: str | None = None,
    ) -> Reply:
        """Answer one user message; see :meth:`Assistant.handle`.

        Raises:
            InputError, StoreUnavailable, SessionConflict: as :meth:`Assistant.handle`.

        """
        message, sid, asked = self._begin(message, session_id, tenant, message_id)
        corrupt, ended = False, None
        for attempt in range(self._max_attempts):
            try:
                loaded = await self._load(sid, tenant=tenant) if asked or attempt or message_id else None
            except CorruptSession as exc:
                _log_quarantine(exc, tenant=tenant, session_id=sid)
                loaded, corrupt = None, True
            if ended is None and loaded is None and asked and not corrupt:
                ended = isinstance(self.store, AsyncTombstones) and await self.store.ended(sid, tenant=tenant)
            plan = self._plan(
                message, sid, tenant, loaded=loaded, corrupt=corrupt, ended=bool(ended), message_id=message_id
            )
            if plan.replayed:
                assert plan.reply is not None
                return plan.reply
            try:
                with _unconfirmed_save:
                    saved = await self.store.save(
                        plan.session, expected_version=plan.expected_version, history=plan.history, outbox=plan.outbox
                    )
            except CorruptSession as exc:  # a wrong-typed key: moved aside, nothing written
                _log_quarantine(exc, tenant=tenant, session_id=sid)
                corrupt = True
                continue
            if saved:
                assert plan.reply is not None
                if self._hand_over is not None:
                    self._hand_over(plan.session)
                return plan.reply
            await asyncio.sleep(_backoff(attempt))
        _log_conflict(sid, tenant, self.max_retries)
        raise SessionConflict(sid, self.max_retries)
