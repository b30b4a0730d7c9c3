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

    def observe_turn(self, reply: Reply, *, tenant: str, seconds: float, ended_now: bool) -> None:
        """Count one answered turn; ``ended_now``: the flow reached its outcome on this turn."""
        (self.turns.labels(tenant=tenant) if self.tenant_labels else self.turns).inc()
        self.intents.labels(intent=reply.intent).inc()
        self.turn_seconds.observe(seconds)
        if reply.new_session:
            self.new_sessions.labels(notice=reply.notice or "none").inc()
        if ended_now and reply.outcome == "handoff":
            reason = reply.handoff_summary.reason if reply.handoff_summary else "unknown"
            self.handoffs.labels(flow=reply.flow or "", reason=reason).inc()
        elif ended_now and reply.outcome == "resolved":
            self.resolutions.labels(flow=reply.flow or "").inc()

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
