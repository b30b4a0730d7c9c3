"""HTTP load benchmark: the service against a bare FastAPI + Redis endpoint, side by side.

``run_http_bench`` starts (unless given a URL) a private ``redis-server``, then
for each worker count, all at once, the service (``vpnfsm serve``) and a bare FastAPI
endpoint doing one Redis GET and one SET of session-sized bytes
(``_bare_app``), both with the same uvicorn options and worker count. The load
comes from :mod:`vpnfsm.benchmarks._loadgen` in its own process: raw-socket
HTTP/1.1 keep-alive connections on uvloop, each playing conversations of
:mod:`vpnfsm.benchmarks.workload` (a different employee's each, so the
extraction memo hits only on short answers people type alike) one request at
a time. Every round visits every server with the same
connection count, in an order reversed each round, so drift in the shared
machine's load falls on all of them alike (worker counts included).

Per side it reports requests/s (median round), p50/p99 latency, the server
process tree's CPU per request (``/proc/PID/stat``, all worker processes) and
Redis's CPU per request, and warns when the generator itself used more than
90 % of a core (then the figures are the generator's, not the server's).
Afterwards every conversation's history is read back from Redis to count lost
turns: a turn answered 200 whose history entries are missing.

Needs the ``server`` extra and ``redis-server`` on PATH when no URL is given.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vpnfsm.benchmarks._bare_app import BARE_BYTES_ENV, BARE_PREFIX_ENV
from vpnfsm.benchmarks.redis_bench import temporary_redis
from vpnfsm.benchmarks.workload import conversations as workload

__all__ = ["SEED_CONVERSATION", "run_http_bench", "session_bytes"]

#: The seed walk-through: eight turns from the first message to a handoff and past it.
SEED_CONVERSATION: tuple[str, ...] = (
    "VPN is not working",
    "Windows",
    "GlobalProtect",
    "it just won't connect",
    "error 809",
    "no, still broken",
    "nope, same thing",
    "hello",
)

#: The generator's CPU share of one core above which its figures are its own ceiling.
GENERATOR_SATURATED = 0.90

_START_TIMEOUT_SECONDS = 30.0
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# -- CPU of a process tree, from /proc -------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: split after it.
    return text[text.rfind(")") + 2 :].split()


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (uvicorn's workers are children of its supervisor)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None:
                parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += parents.get(current, [])
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its live descendants so far."""
    total = 0
    for member in _tree(pid):
        fields = _stat_fields(member)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)
    return total / _CLOCK_TICKS


# -- the two servers ---------------------------------------------------------------


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stderr is not None:
        proc.stderr.close()


def _wait_up(port: int, what: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_SECONDS
    while True:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"{what} exited during start-up: {err[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1 "):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {_START_TIMEOUT_SECONDS:.0f} s")
        time.sleep(0.1)


@contextmanager
def _server(command: Sequence[str], *, port: int, env: dict[str, str], what: str) -> Iterator[int]:
    """Start a server process; yield its pid once it answers HTTP; stop it (and its workers)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", *command], env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        _wait_up(port, what, proc)
        yield proc.pid
    finally:
        _stop(proc)


# -- rounds --------------------------------------------------------------------------


def _round(job: dict[str, Any], *, server_pid: int, redis_pid: int | None) -> dict[str, Any]:
    """One load round in a fresh generator process, with the server's and Redis's CPU over it."""
    server_before = cpu_seconds(server_pid)
    redis_before = cpu_seconds(redis_pid) if redis_pid else 0.0
    done = subprocess.run(
        [sys.executable, "-m", "vpnfsm.benchmarks._loadgen"],
        input=json.dumps(job).encode(),
        capture_output=True,
        check=False,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr.decode(errors='replace')[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    result["server_cpu_seconds"] = cpu_seconds(server_pid) - server_before
    result["redis_cpu_seconds"] = (cpu_seconds(redis_pid) - redis_before) if redis_pid else 0.0
    return result


def _summary(rounds: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Figures over all rounds; requests/s is the median round's, which shrugs off a noisy one."""
    latencies = sorted(x for r in rounds for x in r["latencies"])
    errors = [e for r in rounds for e in r["errors"]]
    requests = len(latencies)
    per_round = [len(r["latencies"]) / r["elapsed"] if r["elapsed"] else 0.0 for r in rounds]
    server_cpu = sum(r["server_cpu_seconds"] for r in rounds)
    redis_cpu = sum(r["redis_cpu_seconds"] for r in rounds)
    generator_share = max(r["generator_cpu_seconds"] / r["elapsed"] if r["elapsed"] else 0.0 for r in rounds)
    return {
        "requests": requests,
        "requests_per_s": round(statistics.median(per_round), 1),
        "requests_per_s_rounds": [round(x, 1) for x in per_round],
        "p50_ms": round(_quantile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(_quantile(latencies, 0.99) * 1000, 2),
        "server_cpu_us_per_request": round(server_cpu / requests * 1e6, 1) if requests else 0.0,
        "redis_cpu_us_per_request": round(redis_cpu / requests * 1e6, 1) if requests else 0.0,
        "generator_cpu_share_of_a_core": round(generator_share, 3),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
    }


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    if len(sorted_values) == 1:
        return sorted_values[0]
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[round(q * 100) - 1]


async def _count_and_clean(redis_url: str, tenant: str, sessions: Sequence[tuple[str, int]], bare: str) -> int:
    """Lost turns: answered turns whose two history entries are not in Redis. Then remove the run's keys."""
    from redis.asyncio import Redis

    from vpnfsm.store.redis import AsyncRedisStore

    store = AsyncRedisStore.from_url(redis_url)
    lost = 0
    try:
        for session_id, answered in sessions:
            stored = len(await store.history(session_id, tenant=tenant))
            lost += max(0, answered - stored // 2)
            await store.delete(session_id, tenant=tenant)
    finally:
        await store.aclose()
    client = Redis.from_url(redis_url)
    try:
        async for key in client.scan_iter(match=f"{bare}:*", count=1000):
            await client.delete(key)
    finally:
        await client.aclose()
    return lost


def session_bytes(scripts: Sequence[Sequence[str]] | None = None) -> int:
    """Mean stored size of a session over the turns of ``scripts`` (what the bare endpoint writes).

    Default: twenty conversations of the benchmark's workload.
    """
    from vpnfsm.assistant import Assistant
    from vpnfsm.store._codec import encode_session
    from vpnfsm.store.memory import MemoryStore

    store = MemoryStore()
    bot = Assistant(store=store)
    sizes: list[int] = []
    for script in scripts if scripts is not None else _scripts(20, seed=0):
        session_id: str | None = None
        for message in script:
            session_id = bot.handle(message, session_id=session_id).session_id
            session = store.load(session_id, tenant="default")
            assert session is not None
            sizes.append(len(encode_session(session)))
    return round(statistics.fmean(sizes))


def _redis_pid(url: str) -> int | None:
    from redis import Redis

    client = Redis.from_url(url)
    try:
        pid = int(client.info("server")["process_id"])
    finally:
        client.close()
    # Only a local Redis's CPU can be read from /proc.
    return pid if Path(f"/proc/{pid}/stat").exists() else None


@dataclass
class _Side:
    """One server under load: which worker count, service or bare, and how to drive it."""

    workers: int
    kind: str  # "service" or "bare_redis_endpoint"
    port: int
    path: str
    headers: dict[str, str]
    command: list[str]
    env: dict[str, str]
    tenant: str
    bare_prefix: str
    pid: int = 0
    rounds: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[tuple[str, int]] = field(default_factory=list)

    def job(self, *, connections: int, conversations: int, scripts: Sequence[Sequence[str]]) -> dict[str, Any]:
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "path": self.path,
            "headers": self.headers,
            "connections": connections,
            "conversations": conversations,
            "scripts": [list(script) for script in scripts],
        }


def _scripts(count: int, *, seed: int) -> list[tuple[str, ...]]:
    """``count`` different employees' conversations (:mod:`vpnfsm.benchmarks.workload`)."""
    stream = workload(seed=seed)
    return [next(stream) for _ in range(count)]


def _sides(url: str, worker_counts: Sequence[int], bare_size: int) -> list[_Side]:
    sides: list[_Side] = []
    for workers in worker_counts:
        run_id = secrets.token_hex(4)
        tenant = f"bench-{run_id}"
        api_key = f"bench-key-{secrets.token_urlsafe(16)}"
        bare_prefix = f"vpnfsm-bench-bare-{run_id}"
        env = {
            "REDIS_URL": url,
            "VPNFSM_API_KEYS": f"{api_key}={tenant}",
            BARE_PREFIX_ENV: bare_prefix,
            BARE_BYTES_ENV: str(bare_size),
        }
        service_port, bare_port = _free_port(), _free_port()
        service_cmd = ["vpnfsm", "serve", "--host", "127.0.0.1", "--port", str(service_port)]
        service_cmd += ["--workers", str(workers), "--redis-url", url, "--log-level", "warning"]
        bare_cmd = ["vpnfsm.benchmarks._bare_app", "--port", str(bare_port), "--workers", str(workers)]
        for kind, port, path, headers, command in (
            ("service", service_port, "/api/chat", {"X-API-Key": api_key}, service_cmd),
            ("bare_redis_endpoint", bare_port, "/bare", {}, bare_cmd),
        ):
            sides.append(_Side(workers, kind, port, path, headers, command, env, tenant, bare_prefix))
    return sides


def _measure(
    url: str, worker_counts: Sequence[int], *, connections: int, conversations: int, rounds: int, bare_size: int
) -> list[dict[str, Any]]:
    """Every server of every worker count up at once; rounds visit all of them, the order reversed each round."""
    redis_pid = _redis_pid(url)
    sides = _sides(url, worker_counts, bare_size)
    with ExitStack() as stack:
        for side in sides:
            what = f"{side.kind} ({side.workers} worker(s))"
            side.pid = stack.enter_context(_server(side.command, port=side.port, env=side.env, what=what))
        for side in sides:  # warm: imports, Redis connections, scripts, every worker's caches
            job = side.job(connections=connections, conversations=1, scripts=_scripts(connections, seed=0))
            warm = _round(job, server_pid=side.pid, redis_pid=None)
            side.sessions += [(s, n) for s, n in warm["sessions"]]
        for index in range(rounds):
            # Every round brings other employees; within a round all servers get the same ones.
            scripts = _scripts(connections * conversations, seed=index + 1)
            # Drift in the shared machine's load falls on every server alike.
            for side in sides if index % 2 == 0 else reversed(sides):
                result = _round(
                    side.job(connections=connections, conversations=conversations, scripts=scripts),
                    server_pid=side.pid,
                    redis_pid=redis_pid,
                )
                side.rounds.append(result)
                side.sessions += [(s, n) for s, n in result["sessions"]]
    results: list[dict[str, Any]] = []
    for workers in worker_counts:
        service = next(s for s in sides if s.workers == workers and s.kind == "service")
        bare = next(s for s in sides if s.workers == workers and s.kind != "service")
        lost = asyncio.run(_count_and_clean(url, service.tenant, service.sessions, bare.bare_prefix))
        service_figures, bare_figures = _summary(service.rounds), _summary(bare.rounds)
        results.append(
            {
                "workers": workers,
                "service": service_figures,
                "bare_redis_endpoint": bare_figures,
                "ratio_requests_per_s": round(service_figures["requests_per_s"] / bare_figures["requests_per_s"], 3)
                if bare_figures["requests_per_s"]
                else 0.0,
                "lost_turns": lost,
            }
        )
    return results


def run_http_bench(
    redis_url: str | None = None,
    *,
    connections: int = 32,
    conversations: int = 6,
    worker_counts: Sequence[int] = (1, 2),
    rounds: int = 3,
) -> dict[str, Any]:
    """Measure the service and the bare baseline in one run, for each worker count; returns the figures.

    Args:
        redis_url: Redis to use; ``None`` starts a private ``redis-server``.
            Only keys of this run (a random tenant and prefix) are written, and
            they are deleted afterwards.
        connections: keep-alive connections the generator holds (each runs
            conversations one request at a time).
        conversations: conversations each connection plays per round (each another employee's).
        worker_counts: uvicorn worker processes per server (the same for both sides).
        rounds: measured rounds per side, alternating which side goes first.

    Raises:
        StoreUnavailable: no ``redis-server`` to start (see ``redis_bench.temporary_redis``).
        RuntimeError: a server or the load generator could not be started.
        ValueError: a count is not positive.

    """
    if min(connections, conversations, rounds, *worker_counts) < 1:
        raise ValueError("connections, conversations, worker counts and rounds must be positive")
    bare_size = session_bytes()
    per_round = connections * conversations
    expected = sum(len(script) for index in range(rounds) for script in _scripts(per_round, seed=index + 1))
    with temporary_redis() if redis_url is None else _given(redis_url) as url:
        results = _measure(
            url, worker_counts, connections=connections, conversations=conversations, rounds=rounds, bare_size=bare_size
        )
    warnings = [
        f"{r['workers']} worker(s), {side}: the load generator used "
        f"{r[side]['generator_cpu_share_of_a_core']:.0%} of a core; these figures are its ceiling"
        for r in results
        for side in ("service", "bare_redis_endpoint")
        if r[side]["generator_cpu_share_of_a_core"] > GENERATOR_SATURATED
    ]
    report: dict[str, Any] = {
        "connections": connections,
        "rounds": rounds,
        "conversations_per_connection": conversations,
        "conversations": "vpnfsm.benchmarks.workload (a different employee's each)",
        "expected_requests_per_side": expected,
        "bare_value_bytes": bare_size,
        "redis": "temporary redis-server" if redis_url is None else "given URL",
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "by_workers": results,
        "warnings": warnings,
    }
    if len(results) > 1 and results[0]["service"]["requests_per_s"]:
        report["service_requests_per_s_most_over_fewest_workers"] = round(
            results[-1]["service"]["requests_per_s"] / results[0]["service"]["requests_per_s"], 3
        )
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr)
    return report


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url
