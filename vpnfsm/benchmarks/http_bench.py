"""HTTP load benchmark: the service against a bare Redis endpoint, side by side.

``run_http_bench`` starts (unless given a URL) a private ``redis-server`` on a
free port, then two uvicorn servers on free ports with the same worker count:
the vpnfsm service and a bare FastAPI endpoint that does one Redis GET and one
SET per request. N concurrent clients (spread over a few client processes so
the load generator is not the bottleneck) each run full conversations against
one and then the other. Afterwards every conversation's history is read back
from Redis to count lost turns: a turn answered 200 whose history entries are
missing.

Needs the ``server`` extra plus httpx, and ``redis-server`` on PATH when no
URL is given.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from vpnfsm.benchmarks.redis_bench import temporary_redis

__all__ = ["SEED_CONVERSATION", "run_http_bench"]

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

_START_TIMEOUT_SECONDS = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait(check: Any, what: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_SECONDS
    while True:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"{what} exited during start-up: {err[-2000:]}")
        try:
            if check():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {_START_TIMEOUT_SECONDS:.0f} s")
        time.sleep(0.05)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stderr is not None:
        proc.stderr.close()


@contextmanager
def _uvicorn(factory: str, *, workers: int, env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            factory,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True

    try:
        _wait(up, factory, proc)
        yield url
    finally:
        _stop(proc)


# -- the load generator (runs in client processes) ---------------------------------


def _client_process(job: tuple[str, str, str | None, int, int, Sequence[str]]) -> dict[str, Any]:
    url, path, api_key, clients, conversations, script = job
    return asyncio.run(_drive(url, path, api_key, clients, conversations, script))


async def _drive(
    url: str, path: str, api_key: str | None, clients: int, conversations: int, script: Sequence[str]
) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    sessions: list[tuple[str, int]] = []
    headers = {"X-API-Key": api_key} if api_key else {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def one_client(http: httpx.AsyncClient) -> None:
        for _ in range(conversations):
            session_id: str | None = None
            answered = 0
            for message in script:
                body: dict[str, str] = {"message": message}
                if session_id is not None:
                    body["session_id"] = session_id
                started = time.perf_counter()
                try:
                    response = await http.post(path, json=body)
                except httpx.HTTPError as exc:
                    errors.append(type(exc).__name__)
                    continue
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    errors.append(f"HTTP {response.status_code}")
                    continue
                session_id = response.json()["session_id"]
                answered += 1
            if session_id is not None:
                sessions.append((session_id, answered))

    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as http:
        started = time.perf_counter()
        await asyncio.gather(*(one_client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {"latencies": latencies, "errors": errors, "sessions": sessions, "elapsed": elapsed}


def _load(
    url: str, path: str, api_key: str | None, *, clients: int, conversations: int, processes: int
) -> dict[str, Any]:
    """One load round: raw latencies, errors, sessions and the busy time."""
    per_process = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    jobs = [(url, path, api_key, n, conversations, SEED_CONVERSATION) for n in per_process if n]
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(jobs)) as pool:
        parts = pool.map(_client_process, jobs)
    sessions = [s for part in parts for s in part["sessions"]]
    # Throughput over the slowest client process's own clock: pool start-up is not load.
    busy = max(part["elapsed"] for part in parts)
    return {
        "latencies": [x for part in parts for x in part["latencies"]],
        "errors": [e for part in parts for e in part["errors"]],
        "sessions": sessions,
        "turns": sum(answered for _, answered in sessions),
        "seconds": busy,
    }


def _summary(rounds: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Figures over all rounds; throughput is the median round's, which shrugs off a noisy one."""
    latencies = sorted(x for r in rounds for x in r["latencies"])
    errors = [e for r in rounds for e in r["errors"]]
    per_round = [r["turns"] / r["seconds"] if r["seconds"] else 0.0 for r in rounds]
    return {
        "turns": sum(r["turns"] for r in rounds),
        "turns_per_s": round(statistics.median(per_round), 1),
        "turns_per_s_rounds": [round(x, 1) for x in per_round],
        "p50_ms": round(_quantile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(_quantile(latencies, 0.99) * 1000, 2),
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
        closer = getattr(store, "aclose", None)
        if closer is not None:
            await closer()
    client = Redis.from_url(redis_url)
    try:
        async for key in client.scan_iter(match=f"{bare}:*", count=1000):
            await client.delete(key)
    finally:
        await client.aclose()
    return lost


def run_http_bench(
    redis_url: str | None = None,
    *,
    clients: int = 64,
    conversations: int = 4,
    workers: int = 1,
    client_processes: int = 4,
    rounds: int = 3,
) -> dict[str, Any]:
    """Measure the service and the bare baseline in one run; returns the figures.

    Args:
        redis_url: Redis to use; ``None`` starts a private ``redis-server``.
            Only keys of this run (a random tenant and prefix) are written, and
            they are deleted afterwards.
        clients: concurrent clients (HTTP connections).
        conversations: full seed conversations each client runs.
        workers: uvicorn worker processes per server (the same for both).
        client_processes: processes the clients are spread over.
        rounds: measured rounds per side, alternating which side goes first.

    Raises:
        StoreUnavailable: no ``redis-server`` to start (see ``redis_bench.temporary_redis``).
        RuntimeError: a uvicorn server could not be started.

    """
    if min(clients, conversations, workers, client_processes, rounds) < 1:
        raise ValueError("clients, conversations, workers, client_processes and rounds must be positive")
    run_id = secrets.token_hex(4)
    tenant = f"bench-{run_id}"
    api_key = f"bench-key-{secrets.token_urlsafe(16)}"
    bare_prefix = f"vpnfsm-bench-bare-{run_id}"
    processes = min(client_processes, clients)
    with temporary_redis() if redis_url is None else _given(redis_url) as url:
        env = {
            "REDIS_URL": url,
            "VPNFSM_API_KEYS": f"{api_key}={tenant}",
            "VPNFSM_BENCH_BARE_PREFIX": bare_prefix,
        }
        with (
            _uvicorn("vpnfsm.server.app:app_from_env", workers=workers, env=env) as service_url,
            _uvicorn("vpnfsm.benchmarks._bare_app:create_bare_app", workers=workers, env=env) as bare_url,
        ):
            warm = {"clients": processes, "conversations": 1, "processes": processes}
            warm_service = _load(service_url, "/api/chat", api_key, **warm)
            _load(bare_url, "/bare", None, **warm)
            load = {"clients": clients, "conversations": conversations, "processes": processes}
            service_rounds: list[dict[str, Any]] = []
            bare_rounds: list[dict[str, Any]] = []
            for index in range(rounds):
                # Alternate which side goes first, so drift in the machine's load
                # (other processes, CPU frequency) falls on both sides alike.
                if index % 2:
                    bare_rounds.append(_load(bare_url, "/bare", None, **load))
                service_rounds.append(_load(service_url, "/api/chat", api_key, **load))
                if not index % 2:
                    bare_rounds.append(_load(bare_url, "/bare", None, **load))
        sessions = [s for r in [warm_service, *service_rounds] for s in r["sessions"]]
        lost = asyncio.run(_count_and_clean(url, tenant, sessions, bare_prefix))
    service = _summary(service_rounds)
    bare = _summary(bare_rounds)
    expected = rounds * clients * conversations * len(SEED_CONVERSATION)
    return {
        "clients": clients,
        "rounds": rounds,
        "conversations_per_client": conversations,
        "turns_per_conversation": len(SEED_CONVERSATION),
        "workers": workers,
        "client_processes": processes,
        "redis": "temporary redis-server" if redis_url is None else "given URL",
        "service": service,
        "bare_redis_endpoint": bare,
        "ratio": round(service["turns_per_s"] / bare["turns_per_s"], 3) if bare["turns_per_s"] else 0.0,
        "expected_turns": expected,
        "lost_turns": lost,
    }


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url
