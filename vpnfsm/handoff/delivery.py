"""Delivery: turn every handoff in the outbox into exactly one Jira issue.

The turn that enters a handoff state writes an outbox item in the same
atomic save (see :mod:`vpnfsm._turn`). :func:`deliver_pending` (or its
asyncio twin :func:`adeliver_pending`) leases items, builds each body
(summary -> tags -> tenant fields -> Jira JSON), makes sure the issue exists
(search by the idempotency label, then create), records the key on the
session and marks the item done. A worker that dies at any point leaves its
lease to run out; the next run finds the issue by its label instead of
creating a second one. Guarantees and limits: ``docs/operations.md``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from vpnfsm.errors import CorruptSession, DeliveryError, TenantError
from vpnfsm.flows.spec import FlowSpec
from vpnfsm.handoff._jira_protocol import (
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
from vpnfsm.session import OutboxItem, Session
from vpnfsm.types import AsyncSessionStore, SessionStore

__all__ = [
    "AsyncJiraClient",
    "DeliveryReport",
    "IssueRef",
    "JiraAuth",
    "JiraClient",
    "RetryPolicy",
    "adeliver_pending",
    "deliver_pending",
    "prepare_issue",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

DEFAULT_TIMEOUT = 10.0
DEFAULT_LEASE_SECONDS = 120.0
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

    def ensure_issue(self, body: Mapping[str, Any], label: str) -> IssueRef:
        """The issue labelled ``label``, created from ``body`` if Jira has none.

        Raises:
            DeliveryError: Jira refused the request or kept failing.

        """
        steps = self.protocol.ensure_issue(body, label)
        answer: Response | None = None
        while True:
            try:
                step = steps.send(answer)
            except StopIteration as done:
                result: IssueRef = done.value
                return result
            if isinstance(step, Wait):
                self._sleep(step.seconds)
                answer = None
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

    async def ensure_issue(self, body: Mapping[str, Any], label: str) -> IssueRef:
        """See :meth:`JiraClient.ensure_issue`."""
        steps = self.protocol.ensure_issue(body, label)
        answer: Response | None = None
        while True:
            try:
                step = steps.send(answer)
            except StopIteration as done:
                result: IssueRef = done.value
                return result
            if isinstance(step, Wait):
                await asyncio.sleep(step.seconds)
                answer = None
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
        tickets: outbox item id -> issue key, for every delivered item.
        errors: outbox item id -> why it failed.

    """

    claimed: int = 0
    created: int = 0
    found: int = 0
    failed: int = 0
    tickets: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


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


def _delivered(report: DeliveryReport, item: OutboxItem, ref: IssueRef) -> None:
    report.tickets[item.id] = ref.key
    if ref.created:
        report.created += 1
    else:
        report.found += 1
    logger.info(
        "handoff delivered (%s)",
        "created" if ref.created else "found",
        extra={"tenant": item.tenant, "session_id": item.session_id, "item": item.id, "ticket": ref.key},
    )


def _failed(report: DeliveryReport, item: OutboxItem, exc: Exception) -> None:
    report.failed += 1
    report.errors[item.id] = str(exc)
    logger.warning(
        "handoff not delivered: %s",
        exc,
        extra={
            "tenant": item.tenant,
            "session_id": item.session_id,
            "item": item.id,
            "status": getattr(exc, "status", None),
        },
    )


def _items(
    report: DeliveryReport,
    claimed: list[OutboxItem],
    tenants: TenantBook,
    api: int,
    flows: Mapping[str, FlowSpec] | None,
) -> Generator[tuple[OutboxItem, HandoffSummary, dict[str, Any], str], None, None]:
    report.claimed += len(claimed)
    for item in claimed:
        try:
            yield (item, *prepare_issue(item, tenants, api=api, flows=flows))
        except (TenantError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
            _failed(report, item, exc)


def deliver_pending(
    store: SessionStore,
    client: JiraClient,
    tenants: TenantBook,
    *,
    consumer: str = "vpnfsm-deliver",
    limit: int = 50,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    flows: Mapping[str, FlowSpec] | None = None,
    clock: Callable[[], float] = time.time,
) -> DeliveryReport:
    """Deliver up to ``limit`` pending handoffs once; see the module docstring.

    A failing item stays in the outbox and is retried when its lease runs
    out; the report says why it failed. Store errors propagate.

    Raises:
        StoreUnavailable: the store could not be reached.

    """
    report = DeliveryReport()
    claimed = store.outbox_claim(consumer, limit=limit, lease_seconds=lease_seconds)
    for item, summary, body, label in _items(report, claimed, tenants, client.api, flows):
        try:
            ref = client.ensure_issue(body, label)
        except DeliveryError as exc:
            _failed(report, item, exc)
            continue
        _record(store, summary, ref.key, clock())
        store.outbox_done(item.id)
        _delivered(report, item, ref)
    return report


async def adeliver_pending(
    store: AsyncSessionStore,
    client: AsyncJiraClient,
    tenants: TenantBook,
    *,
    consumer: str = "vpnfsm-deliver",
    limit: int = 50,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    flows: Mapping[str, FlowSpec] | None = None,
    clock: Callable[[], float] = time.time,
) -> DeliveryReport:
    """The asyncio twin of :func:`deliver_pending`.

    Raises:
        StoreUnavailable: the store could not be reached.

    """
    report = DeliveryReport()
    claimed = await store.outbox_claim(consumer, limit=limit, lease_seconds=lease_seconds)
    for item, summary, body, label in _items(report, claimed, tenants, client.api, flows):
        try:
            ref = await client.ensure_issue(body, label)
        except DeliveryError as exc:
            _failed(report, item, exc)
            continue
        await _arecord(store, summary, ref.key, clock())
        await store.outbox_done(item.id)
        _delivered(report, item, ref)
    return report
