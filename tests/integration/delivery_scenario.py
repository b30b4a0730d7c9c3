"""The delivery fault scenario shared by the memory-store and Redis-store tests.

``run_fault_scenario`` hands off conversations, delivers them to a local fake
Jira through injected faults and two worker crashes, and checks that every
handoff became exactly one issue (printing the counts).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from fake_jira import FakeJiraServer, Fault

from vpnfsm import Assistant
from vpnfsm.examples import EXAMPLE_TENANTS
from vpnfsm.handoff.delivery import DeliveryReport, IssueRef, JiraAuth, JiraClient, RetryPolicy, deliver_pending
from vpnfsm.handoff.tenants import load_tenants
from vpnfsm.types import SessionStore

CONVERSATION = ["VPN trouble", "Windows", "GlobalProtect", "it won't connect", "error 809", "no", "nope"]
# settle: after a create with unknown outcome, wait longer than the fake server needs to finish it.
# Six tries absorb the worst item's five faults in the scenario below.
FAST = RetryPolicy(attempts=6, backoff=0.01, max_backoff=0.05, max_retry_after=0.1, settle=0.5)
#: The client timeout the scenarios use: shorter than the fake server's slow answers (2.5 s), long
#: enough that an ordinary create on a loaded machine still answers in time.
TIMEOUT = 1.0
#: The shortest lease the worker accepts with FAST and TIMEOUT, plus a margin.
LEASE = FAST.worst_case_seconds(TIMEOUT) + 0.2


class Clock:
    """Real time plus an offset the test can jump forward (to expire leases)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


class WorkerCrash(BaseException):
    """The worker process dies (not an Exception: nothing in the worker may catch it)."""


class CrashAfterCreate:
    """Wraps a client: after the issue of the n-th call exists, the worker 'dies'."""

    def __init__(self, client: JiraClient, crash_on: set[int]) -> None:
        self.client = client
        self.api = client.api
        self.protocol = client.protocol
        self.timeout = client.timeout
        self.crash_on = crash_on
        self.calls = 0
        self.refs: list[IssueRef] = []

    def ensure_issue(self, body, label, *, fence=None):  # type: ignore[no-untyped-def]
        ref = self.client.ensure_issue(body, label, fence=fence)
        self.refs.append(ref)
        self.calls += 1
        if self.calls in self.crash_on:
            raise WorkerCrash(label)
        return ref


def handoffs(bot: Assistant, count: int, tenants: list[str]) -> list[tuple[str, str]]:
    sessions = []
    for n in range(count):
        tenant = tenants[n % len(tenants)]
        reply = bot.handle(CONVERSATION[0], tenant=tenant)
        for line in CONVERSATION[1:]:
            reply = bot.handle(line, session_id=reply.session_id, tenant=tenant)
        assert reply.handoff
        assert reply.state == "VPN_HANDOFF"
        assert reply.handoff_summary is not None
        sessions.append((tenant, reply.session_id))
    return sessions


def _drain(run: Callable[[], DeliveryReport], expire: Callable[[], None], rounds: int = 10) -> list[DeliveryReport]:
    reports = []
    for _ in range(rounds):
        try:
            report = run()
        except WorkerCrash:
            expire()  # the dead worker's lease runs out
            continue
        reports.append(report)
        if report.claimed == 0:
            break
        if report.failed:
            expire()
    return reports


def run_fault_scenario(
    store: SessionStore, bot: Assistant, *, lease: float, expire: Callable[[], None], count: int = 12
) -> None:
    """Hand off ``count`` conversations, deliver them through every fault, check one issue each.

    Shared by the memory-store test here and the Redis-store variant.
    """
    tenants = load_tenants(EXAMPLE_TENANTS)
    sessions = handoffs(bot, count, ["acme", "globex"])
    with FakeJiraServer() as server:
        jira = server.state
        jira.create_faults.extend(
            [
                Fault("status", status=500),
                Fault("status", status=429, retry_after="0.05"),
                Fault("slow", delay=2.5),  # created, but the answer comes after the client gave up
                Fault("status", status=503, retry_after="0"),
                Fault("drop"),  # created, then the connection dies
                Fault("status", status=502),
            ]
        )
        jira.search_faults.extend([Fault("status", status=429, retry_after="0.05"), Fault("status", status=500)])
        with JiraClient(
            server.url, auth=JiraAuth.basic("bot@example.com", "tok"), api=3, timeout=TIMEOUT, retry=FAST
        ) as client:
            crashing = CrashAfterCreate(client, crash_on={3, 7})
            # One at a time, so the scripted faults meet the items in a known order.
            reports = _drain(
                lambda: deliver_pending(store, crashing, tenants, limit=5, lease_seconds=lease, concurrency=1),  # type: ignore[arg-type]
                expire,
            )

        labels = {label: n for label, n in jira.by_label.items() if label.startswith("vpnfsm-")}
        created = sum(ref.created for ref in crashing.refs)
        found = sum(not ref.created for ref in crashing.refs)
        print(
            f"\n{type(store).__name__}: handoffs={len(sessions)} issues={len(jira.issues)} "
            f"idempotency_labels={len(labels)} max_per_label={max(labels.values())} created={created} "
            f"found_existing={found} worker_crashes=2 create_requests={jira.requests['issue']} "
            f"search_requests={jira.requests['search']} invalid_bodies={len(jira.invalid)}"
        )
        assert jira.invalid == []
        assert len(jira.issues) == len(sessions)  # none lost, none duplicated
        assert len(labels) == len(sessions)
        assert set(labels.values()) == {1}
        # Found instead of re-created: the 2 crashed deliveries, and the slow and the dropped create
        # (those were created on the server, but the client never saw the answer).
        assert found == 4
        assert created == len(sessions) - 2
        assert all(r.failed == 0 for r in reports)  # every fault was absorbed by retries
        expire()
        assert store.outbox_claim("check", limit=100, lease_seconds=lease) == []

    projects = {body["fields"]["project"]["key"] for body in jira.issues.values()}
    assert projects == {"ITS", "NETOPS"}
    for tenant, session_id in sessions:
        session = store.load(session_id, tenant=tenant)
        assert session is not None
        assert session.ticket in jira.issues
        notice = bot.handle("any news?", session_id=session_id, tenant=tenant)
        assert notice.ticket == session.ticket
        assert session.ticket in notice.reply
