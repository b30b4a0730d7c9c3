"""Prometheus metrics of the HTTP service.

Each app gets its own registry, so several apps in one process (tests, a host
mounting the service twice) never share or double-register series. Metrics are
per process: with ``--workers N`` each worker answers a scrape with its own
counters, as Prometheus expects from separately scraped targets.

Tenant ids are labels only when ``/metrics`` requires its own bearer token
(``tenant_labels=True``): an open endpoint would list every customer to anyone
who can reach it.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from vpnfsm.reply import Reply

__all__ = ["CONTENT_TYPE", "ServiceMetrics"]

CONTENT_TYPE = CONTENT_TYPE_LATEST

# A turn is a Redis round trip or two plus microseconds of CPU; the buckets
# resolve the fast path finely and still show a slow store.
_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class ServiceMetrics:
    """The counters and the latency histogram one app exposes at ``/metrics``."""

    def __init__(self, *, tenant_labels: bool = False) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.tenant_labels = tenant_labels
        self.turns = Counter(
            "vpnfsm_turns", "Turns answered", ["tenant"] if tenant_labels else [], registry=self.registry
        )
        self.intents = Counter("vpnfsm_intents", "Intents read from messages", ["intent"], registry=self.registry)
        self.handoffs = Counter(
            "vpnfsm_handoffs", "Conversations handed to a person", ["flow", "reason"], registry=self.registry
        )
        self.resolutions = Counter(
            "vpnfsm_resolutions", "Conversations the user confirmed solved", ["flow"], registry=self.registry
        )
        self.new_sessions = Counter(
            "vpnfsm_new_sessions", "Sessions started, by why", ["notice"], registry=self.registry
        )
        self.store_errors = Counter(
            "vpnfsm_store_errors", "Requests failed by the store", ["kind"], registry=self.registry
        )
        self.turn_seconds = Histogram(
            "vpnfsm_turn_duration_seconds",
            "Time to answer one message (load, read, step, save)",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        # Every turn counts under a tenant and an intent: their series are kept
        # here by label value, so a turn makes no labels() lookup (a lock and
        # label validation each). Both label sets are small and closed (configured
        # tenants, the intent vocabulary), and the registry keeps every series anyway.
        self._turns_of: dict[str, Counter] = {}
        self._intent: dict[str, Counter] = {}
        self._new_session: dict[str, Counter] = {}

    def observe_turn(self, reply: Reply, *, tenant: str, seconds: float, ended_now: bool) -> None:
        """Count one answered turn; ``ended_now``: the flow reached its outcome on this turn."""
        if self.tenant_labels:
            _child(self._turns_of, self.turns, tenant).inc()
        else:
            self.turns.inc()
        _child(self._intent, self.intents, reply.intent).inc()
        self.turn_seconds.observe(seconds)
        if reply.new_session:
            _child(self._new_session, self.new_sessions, reply.notice or "none").inc()
        if ended_now and reply.outcome == "handoff":
            reason = reply.handoff_summary.reason if reply.handoff_summary else "unknown"
            self.handoffs.labels(flow=reply.flow or "", reason=reason).inc()
        elif ended_now and reply.outcome == "resolved":
            self.resolutions.labels(flow=reply.flow or "").inc()

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)


def _child(cache: dict[str, Counter], metric: Counter, value: str) -> Counter:
    """The series of one-label ``metric`` for ``value``, looked up once per value."""
    child = cache.get(value)
    if child is None:
        child = cache[value] = metric.labels(value)
    return child
