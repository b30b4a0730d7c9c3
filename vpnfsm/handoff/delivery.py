"""Delivery: turn every handoff in the outbox into exactly one Jira issue.

The turn that enters a handoff state writes an outbox item in the same
atomic save (see :mod:`vpnfsm._turn`). :func:`deliver_pending` (or its
asyncio twin :func:`adeliver_pending`) works on up to ``concurrency`` items
at once and claims a new one only when a slot is free, so no item waits in a
batch while its lease runs; a heartbeat renews the leases in flight. For
each item it builds the body (summary -> tags -> tenant fields -> Jira JSON),
makes sure the issue exists (search by the idempotency label, then create),
records the key on the session and marks the item done.

Every claim carries a fencing token. Right before each create and before the
key is recorded the worker renews its lease with that token; a worker whose
lease passed to another claim (it stalled past the lease) stops there and
cannot mark the item done. A worker that dies leaves its lease to run out;
the next holder finds the issue by its label instead of creating a second
one. The lease must be longer than the worst-case retry schedule of one item
(:func:`check_delivery_settings`). Guarantees and limits: ``docs/operations.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import httpx

from vpnfsm.errors import CorruptSession, DeliveryError, LeaseLost, StoreUnavailable, TenantError
from vpnfsm.flows.spec import FlowSpec
from vpnfsm.handoff._jira_protocol import (
    Fence,
    IssueRef,
    JiraAuth,
    JiraProtocol,
    Request,
    Response,
    RetryPolicy,
    Wait,
)
from vpnfsm.handoff.jira import build_issue_body, idempotency_label
from vpnfsm.handoff.summary import HandoffSummary
from vpnfsm.handoff.tags import tags_for
from vpnfsm.handoff.tenants import TenantBook, ticket_fields
from vpnfsm.session import OutboxItem, OutboxLease, Session
from vpnfsm.types import AsyncSessionStore, SessionStore

__all__ = [
    "AsyncJiraClient",
    "DeliveryReport",
    "IssueRef",
    "JiraAuth",
    "JiraClient",
    "RetryPolicy",
    "adeliver_pending",
    "check_delivery_settings",
    "deliver_pending",
    "prepare_issue",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

DEFAULT_TIMEOUT = 10.0
#: Longer than the default policy's worst case (5 tries x 2 requests x 10 s + 4 waits x 60 s = 340 s).
DEFAULT_LEASE_SECONDS = 400.0
#: Creates in flight per worker: a slow Jira (seconds per create) is waited on in parallel.
DEFAULT_CONCURRENCY = 4
#: Leases in flight are renewed this often, as a fraction of the lease.
RENEW_FRACTION = 1 / 3
#: Attempts of the load/save loop that records a ticket key on its session.
RECORD_RETRIES = 16


# -- clients -------------------------------------------------------------------------


class _ClientBase:
    def __init__(self, base_url: str, *, auth: JiraAuth, api: int, timeout: float, retry: RetryPolicy) -> None:
        self.protocol = JiraProtocol(api=api, retry=retry)
        self.api = api
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": auth.header(), "Accept": "application/json"}
        self.timeout = timeout

    @staticmethod
    def _response(raw: httpx.Response) -> Response:
        try:
            body: Any = raw.json()
        except ValueError:
            body = None
        return Response(raw.status_code, {k.lower(): v for k, v in raw.headers.items()}, body)


class JiraClient(_ClientBase):
    """A synchronous Jira client over ``httpx``.

    Args:
        base_url: e.g. ``https://example.atlassian.net``.
        auth: :meth:`JiraAuth.basic` or :meth:`JiraAuth.bearer`.
        api: REST API version, 2 or 3 (decides the description format too).
        timeout: seconds per request (connect, read, write).
        retry: how to retry 429/5xx answers and transport failures.
        transport: an ``httpx`` transport (tests, proxies).
        sleep: how to wait between tries.

    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: JiraAuth,
        api: int = 3,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(base_url, auth=auth, api=api, timeout=timeout, retry=retry or RetryPolicy())
        self._http = httpx.Client(base_url=self.base_url, headers=self.headers, timeout=timeout, transport=transport)
        self._sleep = sleep

    def _send(self, request: Request) -> Response:
        try:
            raw = self._http.request(request.method, request.path, json=dict(request.json))
        except httpx.TransportError as exc:  # timeouts, refused or dropped connections
            return Response(None, error=type(exc).__name__)
        return self._response(raw)

    def ensure_issue(self, body: Mapping[str, Any], label: str, *, fence: Callable[[], None] | None = None) -> IssueRef:
        """The issue labelled ``label``, created from ``body`` if Jira has none.

        ``fence`` is called right before every create; it raises (e.g.
        :class:`~vpnfsm.errors.LeaseLost`) when the caller may no longer create.

        Raises:
            DeliveryError: Jira refused the request or kept failing.
            LeaseLost: from ``fence``.

        """
        steps = self.protocol.ensure_issue(body, label)
        answer: Response | None = None
        while True:
            try:
                step = steps.send(answer)
            except StopIteration as done:
                result: IssueRef = done.value
                return result
            answer = None
            if isinstance(step, Wait):
                self._sleep(step.seconds)
            elif isinstance(step, Fence):
                if fence is not None:
                    fence()
            else:
                answer = self._send(step)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> JiraClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncJiraClient(_ClientBase):
    """The asyncio twin of :class:`JiraClient` (same arguments, awaited methods)."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: JiraAuth,
        api: int = 3,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, auth=auth, api=api, timeout=timeout, retry=retry or RetryPolicy())
        self._http = httpx.AsyncClient(
            base_url=self.base_url, headers=self.headers, timeout=timeout, transport=transport
        )

    async def _send(self, request: Request) -> Response:
        try:
            raw = await self._http.request(request.method, request.path, json=dict(request.json))
        except httpx.TransportError as exc:
            return Response(None, error=type(exc).__name__)
        return self._response(raw)

    async def ensure_issue(
        self, body: Mapping[str, Any], label: str, *, fence: Callable[[], Awaitable[None]] | None = None
    ) -> IssueRef:
        """See :meth:`JiraClient.ensure_issue` (``fence`` is awaited)."""
        steps = self.protocol.ensure_issue(body, label)
        answer: Response | None = None
        while True:
            try:
                step = steps.send(answer)
            except StopIteration as done:
                result: IssueRef = done.value
                return result
            answer = None
            if isinstance(step, Wait):
                await asyncio.sleep(step.seconds)
            elif isinstance(step, Fence):
                if fence is not None:
                    await fence()
            else:
                answer = await self._send(step)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> AsyncJiraClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


# -- the worker ----------------------------------------------------------------------


@dataclass
class DeliveryReport:
    """What one :func:`deliver_pending` run did.

    Attributes:
        claimed: outbox items leased.
        created: issues created by this run.
        found: issues that already existed (an earlier run created them).
        failed: items left in the outbox (their lease brings them back).
        lost: items whose lease passed to another worker before this run
            finished them (it stalled past the lease); that worker delivers them.
        tickets: outbox item id -> issue key, for every delivered item.
        errors: outbox item id -> why it failed.

    """

    claimed: int = 0
    created: int = 0
    found: int = 0
    failed: int = 0
    lost: int = 0
    tickets: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def check_delivery_settings(client: JiraClient | AsyncJiraClient, *, lease_seconds: float, concurrency: int) -> None:
    """Refuse worker settings under which an item could outlive its lease.

    The lease must be longer than the worst case of one item's retry
    schedule (:meth:`RetryPolicy.worst_case_seconds` with the client's
    timeout), so that even a worker whose renewals fail cannot still be
    creating when another worker's claim of the same item begins.

    Raises:
        ValueError: the lease is not longer than that worst case, or
            ``concurrency`` is below 1.

    """
    if concurrency < 1:
        raise ValueError(f"delivery concurrency must be at least 1, not {concurrency}")
    retry = client.protocol.retry
    worst = retry.worst_case_seconds(client.timeout)
    if not lease_seconds > worst:
        raise ValueError(
            f"outbox lease of {lease_seconds:g} s is not longer than one delivery's worst-case retry "
            f"schedule of {worst:g} s ({retry.attempts} tries x 2 requests x {client.timeout:g} s timeout + "
            f"{retry.attempts - 1} waits of up to {max(retry.max_retry_after, retry.max_backoff, retry.settle):g} s): "
            "lengthen the lease, or shorten the timeout, the tries or RetryPolicy.max_retry_after"
        )


def prepare_issue(
    item: OutboxItem, tenants: TenantBook, *, api: int, flows: Mapping[str, FlowSpec] | None = None
) -> tuple[HandoffSummary, dict[str, Any], str]:
    """The summary, create-issue body and idempotency label of an outbox item.

    Raises:
        TenantError: the item's tenant is not in ``tenants``.
        ValueError: the payload is not a handoff summary (pydantic error).

    """
    summary = HandoffSummary.model_validate_json(item.payload)
    tenant = tenants.get(summary.tenant)
    tags = tags_for(summary, flows=flows)
    fields = ticket_fields(tenant, tags, attempts=summary.attempts)
    body = build_issue_body(summary, tags, fields, api=3 if api == 3 else 2)
    return summary, body, idempotency_label(summary)


def _add_ticket(session: Session, summary: HandoffSummary, key: str, now: float) -> bool:
    """Record the key on a freshly loaded session; ``False`` when there is nothing to save."""
    if session.reference != summary.reference or session.ticket == key:
        return False  # a later case reuses the session, or the key is already there
    session.ticket = key
    session.version += 1  # a write like any turn's, so a racing turn's save is refused and retried
    session.updated_at = now
    return True


def _record(store: SessionStore, summary: HandoffSummary, key: str, now: float) -> None:
    for _ in range(RECORD_RETRIES):
        try:
            session = store.load(summary.session_id, tenant=summary.tenant)
        except CorruptSession:
            return
        if session is None:  # expired: the ticket exists, there is no conversation to tell
            return
        loaded_version = session.version
        if not _add_ticket(session, summary, key, now):
            return
        if store.save(session, expected_version=loaded_version):
            return
    logger.warning(
        "could not record the ticket on the session: kept conflicting",
        extra={"tenant": summary.tenant, "session_id": summary.session_id, "ticket": key},
    )


async def _arecord(store: AsyncSessionStore, summary: HandoffSummary, key: str, now: float) -> None:
    for _ in range(RECORD_RETRIES):
        try:
            session = await store.load(summary.session_id, tenant=summary.tenant)
        except CorruptSession:
            return
        if session is None:  # expired: the ticket exists, there is no conversation to tell
            return
        loaded_version = session.version
        if not _add_ticket(session, summary, key, now):
            return
        if await store.save(session, expected_version=loaded_version):
            return
    logger.warning(
        "could not record the ticket on the session: kept conflicting",
        extra={"tenant": summary.tenant, "session_id": summary.session_id, "ticket": key},
    )


class _Tally:
    """One run's report and the leases it holds, shared by its worker threads and the heartbeat."""

    def __init__(self) -> None:
        self.report = DeliveryReport()
        self._lock = threading.Lock()
        self._held: dict[str, int] = {}

    def room(self, *, concurrency: int, limit: int, running: int) -> int:
        """How many items to claim now: free slots, within what is left of ``limit``."""
        return max(0, min(concurrency - running, limit - self.report.claimed))

    def claimed(self, leases: Sequence[OutboxLease]) -> None:
        with self._lock:
            self.report.claimed += len(leases)
            self._held.update((lease.id, lease.token) for lease in leases)

    def held(self) -> list[tuple[str, int]]:
        """The leases in flight (item id, token), for the heartbeat."""
        with self._lock:
            return list(self._held.items())

    def prepare(
        self, lease: OutboxLease, tenants: TenantBook, api: int, flows: Mapping[str, FlowSpec] | None
    ) -> tuple[HandoffSummary, dict[str, Any], str] | None:
        """:func:`prepare_issue`, or ``None`` with the item counted as failed."""
        try:
            return prepare_issue(lease, tenants, api=api, flows=flows)
        except (TenantError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
            self.failed(lease, exc)
            return None

    def delivered(self, lease: OutboxLease, ref: IssueRef) -> None:
        with self._lock:
            self._held.pop(lease.id, None)
            self.report.tickets[lease.id] = ref.key
            if ref.created:
                self.report.created += 1
            else:
                self.report.found += 1
        logger.info(
            "handoff delivered (%s)",
            "created" if ref.created else "found",
            extra={"tenant": lease.tenant, "session_id": lease.session_id, "item": lease.id, "ticket": ref.key},
        )

    def failed(self, lease: OutboxLease, exc: Exception) -> None:
        if isinstance(exc, LeaseLost):
            self.lost(lease, None)
            return
        with self._lock:
            self._held.pop(lease.id, None)
            self.report.failed += 1
            self.report.errors[lease.id] = str(exc)
        logger.warning(
            "handoff not delivered: %s",
            exc,
            extra={
                "tenant": lease.tenant,
                "session_id": lease.session_id,
                "item": lease.id,
                "status": getattr(exc, "status", None),
            },
        )

    def lost(self, lease: OutboxLease, ref: IssueRef | None) -> None:
        with self._lock:
            self._held.pop(lease.id, None)
            self.report.lost += 1
        if ref is not None and ref.created:
            # The label lets the new holder find this issue (once Jira's search shows it).
            logger.warning(
                "handoff: created %s, then lost the lease; the next holder finds it by label",
                ref.key,
                extra={"tenant": lease.tenant, "session_id": lease.session_id, "item": lease.id, "ticket": ref.key},
            )
        else:
            logger.info(
                "handoff lease passed to another worker; leaving it",
                extra={"tenant": lease.tenant, "session_id": lease.session_id, "item": lease.id},
            )


def _deliver_one(
    store: SessionStore,
    client: JiraClient,
    tenants: TenantBook,
    lease: OutboxLease,
    *,
    tally: _Tally,
    renew: Callable[[str, int], bool],
    flows: Mapping[str, FlowSpec] | None,
    clock: Callable[[], float],
) -> None:
    prepared = tally.prepare(lease, tenants, client.api, flows)
    if prepared is None:
        return
    summary, body, label = prepared

    def fence() -> None:
        if not renew(lease.id, lease.token):
            raise LeaseLost(lease.id)

    try:
        ref = client.ensure_issue(body, label, fence=fence)
    except DeliveryError as exc:  # LeaseLost included: nothing was created by this worker
        tally.failed(lease, exc)
        return
    if not renew(lease.id, lease.token):
        tally.lost(lease, ref)  # only the lease holder records the key
        return
    _record(store, summary, ref.key, clock())
    if store.outbox_done(lease.id, token=lease.token):
        tally.delivered(lease, ref)
    else:
        tally.lost(lease, ref)


def _heartbeat(renew: Callable[[str, int], bool], tally: _Tally, every: float, stop: threading.Event) -> None:
    """Renew every lease in flight each ``every`` seconds until ``stop`` (a daemon thread)."""
    while not stop.wait(every):
        for item_id, token in tally.held():
            try:
                if not renew(item_id, token):
                    logger.info("handoff %s: lease lost before renewal", item_id)
            except StoreUnavailable as exc:  # the fence before the next write fails closed anyway
                logger.warning("could not renew the lease on handoff %s: %s", item_id, exc)


def deliver_pending(
    store: SessionStore,
    client: JiraClient,
    tenants: TenantBook,
    *,
    consumer: str = "vpnfsm-deliver",
    limit: int = 50,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    concurrency: int = DEFAULT_CONCURRENCY,
    flows: Mapping[str, FlowSpec] | None = None,
    clock: Callable[[], float] = time.time,
) -> DeliveryReport:
    """Deliver up to ``limit`` pending handoffs, ``concurrency`` at a time; see the module docstring.

    Items are claimed one free slot at a time, so each is leased only while it
    is worked on; a failing item stays in the outbox and comes back when its
    lease runs out (the report says why it failed). Store errors propagate
    once the items in flight have finished.

    Raises:
        ValueError: the settings fail :func:`check_delivery_settings`.
        StoreUnavailable: the store could not be reached.

    """
    check_delivery_settings(client, lease_seconds=lease_seconds, concurrency=concurrency)
    tally = _Tally()
    stop = threading.Event()

    def renew(item_id: str, token: int) -> bool:
        return store.outbox_renew(item_id, token=token, lease_seconds=lease_seconds)

    beat = threading.Thread(target=_heartbeat, args=(renew, tally, lease_seconds * RENEW_FRACTION, stop), daemon=True)
    beat.start()
    try:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="vpnfsm-deliver") as pool:
            running: set[Future[None]] = set()
            more = True
            while True:
                room = tally.room(concurrency=concurrency, limit=limit, running=len(running))
                if more and room:
                    leases = store.outbox_claim(consumer, limit=room, lease_seconds=lease_seconds)
                    more = len(leases) == room  # fewer: nothing else is due now
                    tally.claimed(leases)
                    for lease in leases:
                        running.add(
                            pool.submit(
                                _deliver_one,
                                store,
                                client,
                                tenants,
                                lease,
                                tally=tally,
                                renew=renew,
                                flows=flows,
                                clock=clock,
                            )
                        )
                if not running:
                    return tally.report
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    future.result()  # a store error ends the run
    finally:
        stop.set()
        beat.join()


async def _adeliver_one(
    store: AsyncSessionStore,
    client: AsyncJiraClient,
    tenants: TenantBook,
    lease: OutboxLease,
    *,
    tally: _Tally,
    renew: Callable[[str, int], Awaitable[bool]],
    flows: Mapping[str, FlowSpec] | None,
    clock: Callable[[], float],
) -> None:
    prepared = tally.prepare(lease, tenants, client.api, flows)
    if prepared is None:
        return
    summary, body, label = prepared

    async def fence() -> None:
        if not await renew(lease.id, lease.token):
            raise LeaseLost(lease.id)

    try:
        ref = await client.ensure_issue(body, label, fence=fence)
    except DeliveryError as exc:
        tally.failed(lease, exc)
        return
    if not await renew(lease.id, lease.token):
        tally.lost(lease, ref)
        return
    await _arecord(store, summary, ref.key, clock())
    if await store.outbox_done(lease.id, token=lease.token):
        tally.delivered(lease, ref)
    else:
        tally.lost(lease, ref)


async def _aheartbeat(renew: Callable[[str, int], Awaitable[bool]], tally: _Tally, every: float) -> None:
    """The asyncio twin of :func:`_heartbeat` (a task, cancelled when the run ends)."""
    while True:
        await asyncio.sleep(every)
        for item_id, token in tally.held():
            try:
                if not await renew(item_id, token):
                    logger.info("handoff %s: lease lost before renewal", item_id)
            except StoreUnavailable as exc:
                logger.warning("could not renew the lease on handoff %s: %s", item_id, exc)


async def adeliver_pending(
    store: AsyncSessionStore,
    client: AsyncJiraClient,
    tenants: TenantBook,
    *,
    consumer: str = "vpnfsm-deliver",
    limit: int = 50,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    concurrency: int = DEFAULT_CONCURRENCY,
    flows: Mapping[str, FlowSpec] | None = None,
    clock: Callable[[], float] = time.time,
) -> DeliveryReport:
    """The asyncio twin of :func:`deliver_pending` (``concurrency`` tasks instead of threads).

    Raises:
        ValueError: the settings fail :func:`check_delivery_settings`.
        StoreUnavailable: the store could not be reached.

    """
    check_delivery_settings(client, lease_seconds=lease_seconds, concurrency=concurrency)
    tally = _Tally()

    async def renew(item_id: str, token: int) -> bool:
        return await store.outbox_renew(item_id, token=token, lease_seconds=lease_seconds)

    beat = asyncio.create_task(_aheartbeat(renew, tally, lease_seconds * RENEW_FRACTION))
    running: set[asyncio.Task[None]] = set()
    try:
        more = True
        while True:
            room = tally.room(concurrency=concurrency, limit=limit, running=len(running))
            if more and room:
                leases = await store.outbox_claim(consumer, limit=room, lease_seconds=lease_seconds)
                more = len(leases) == room
                tally.claimed(leases)
                for lease in leases:
                    running.add(
                        asyncio.create_task(
                            _adeliver_one(
                                store,
                                client,
                                tenants,
                                lease,
                                tally=tally,
                                renew=renew,
                                flows=flows,
                                clock=clock,
                            )
                        )
                    )
            if not running:
                return tally.report
            finished, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                task.result()
    finally:
        if running:  # like the thread pool: let the items in flight finish
            await asyncio.gather(*running, return_exceptions=True)
        beat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beat
