"""Worker processes and checks shared by the multi-worker delivery tests.

``Workers`` starts delivery worker processes with their output in files and
stops every one of them; ``wait_delivered`` and ``check_exactly_once`` are the
two halves of every multi-worker test (kept out of conftest.py so the test
modules import them by name).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import redis

from vpnfsm.store import _redis_common as common
from vpnfsm.store.redis import RedisStore

__all__ = [
    "CREATE_SECONDS",
    "HANDOFFS",
    "INDEX_LAG",
    "WORKER",
    "Workers",
    "check_exactly_once",
    "wait_delivered",
]

REPO = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("delivery_worker.py")
HANDOFFS = 60
CREATE_SECONDS = 2.5  # the incident's Jira
INDEX_LAG = 1.0  # a new issue shows up in search this much later
DEADLINE = 45.0  # seconds for all handoffs to be delivered


def worker_env() -> dict[str, str]:
    env = dict(os.environ, JIRA_API_TOKEN="test-token")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


class Workers:
    """Worker processes whose stdout goes to files; all stopped by :meth:`stop`."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, argv: list[str]) -> subprocess.Popen[bytes]:
        out = (self.logs / f"worker{len(self.procs)}.out").open("wb")
        err = (self.logs / f"worker{len(self.procs)}.err").open("wb")
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=worker_env(), cwd=REPO)
        out.close()
        err.close()
        self.procs.append(proc)
        return proc

    def reports(self, index: int) -> list[dict[str, Any]]:
        text = (self.logs / f"worker{index}.out").read_text()
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]

    def stderr(self) -> str:
        return "\n".join((self.logs / f"worker{i}.err").read_text()[-2000:] for i in range(len(self.procs)))

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def wait_delivered(
    jira: Any, raw: redis.Redis, keys: common.RedisKeys, workers: Workers, *, dead: object = None
) -> float:
    """Seconds until the outbox is empty and Jira holds every issue (fails after DEADLINE)."""
    started = time.monotonic()
    while time.monotonic() - started < DEADLINE:
        if raw.zcard(keys.due) == 0 and len(jira.issues) >= HANDOFFS:
            return time.monotonic() - started
        assert all(p.poll() is None for p in workers.procs if p is not dead), workers.stderr()
        time.sleep(0.1)
    pytest.fail(
        f"not delivered in {DEADLINE} s: issues={len(jira.issues)} due={raw.zcard(keys.due)}\n{workers.stderr()}"
    )


def check_exactly_once(jira: Any, store: RedisStore, sessions: list[tuple[str, str]], label: str) -> None:
    time.sleep(1.0)  # anything still in flight would land now
    labels = {name: n for name, n in jira.by_label.items() if name.startswith("vpnfsm-")}
    print(
        f"\n{label}: handoffs={len(sessions)} issues={len(jira.issues)} labels={len(labels)} "
        f"max_per_label={max(labels.values())} create_requests={jira.requests['issue']} "
        f"search_requests={jira.requests['search']} most_creates_at_once={jira.most_creating}"
    )
    assert jira.invalid == []
    assert len(jira.issues) == HANDOFFS
    assert len(labels) == HANDOFFS
    assert set(labels.values()) == {1}
    for tenant, session_id in sessions:
        session = store.load(session_id, tenant=tenant)
        assert session is not None
        assert session.ticket in jira.issues  # recorded on the conversation, too
