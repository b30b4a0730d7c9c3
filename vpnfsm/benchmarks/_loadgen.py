"""The HTTP benchmark's load generator: raw-socket HTTP/1.1 keep-alive clients on uvloop.

It runs in its own process (``python -m vpnfsm.benchmarks._loadgen``), reads
one JSON job on stdin and writes one JSON result on stdout, so its CPU is
neither the service's nor the benchmark driver's. The job lists the
conversations to play (``scripts``); connections take them one after another.
Each connection sends one
request at a time (no pipelining) and parses only the status line, the
``Content-Length`` header and the reply's ``session_id``: a few tens of
microseconds per request, far below what a server spends, so the figures are
the server's. The result carries the generator's own CPU time, so the driver
can warn when it was the bottleneck after all.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

__all__ = ["run_job"]

_HEAD = (
    "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
    "Content-Length: {length}\r\n{extra}\r\n"
)


class _BadResponse(Exception):
    """The server answered something this client does not parse (e.g. chunked)."""


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = -1
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
            break
    if length < 0:
        raise _BadResponse("no Content-Length")
    body = await reader.readexactly(length)
    return status, body


async def _connection(
    job: dict[str, Any],
    streams: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    latencies: list[float],
    errors: list[str],
    sessions: list[list[Any]],
) -> None:
    host, path = job["host"], job["path"]
    extra = "".join(f"{name}: {value}\r\n" for name, value in job.get("headers", {}).items())
    scripts: Sequence[Sequence[str]] = job["scripts"]
    reader, writer = streams
    try:
        for _ in range(int(job["conversations"])):
            session_id: str | None = None
            answered = 0
            # Connections take the next conversation in turn: every employee's is different.
            for message in scripts[next(job["_next"]) % len(scripts)]:
                fields: dict[str, str] = {"message": message}
                if session_id is not None:
                    fields["session_id"] = session_id
                body = json.dumps(fields).encode()
                request = _HEAD.format(path=path, host=host, length=len(body), extra=extra).encode() + body
                began = time.perf_counter()
                try:
                    status, reply = await _exchange(reader, writer, request)
                except (OSError, asyncio.IncompleteReadError, _BadResponse, ValueError) as exc:
                    errors.append(type(exc).__name__)
                    return  # the connection is unusable; the lost turns show in the counts
                latencies.append(time.perf_counter() - began)
                if status != 200:
                    errors.append(f"HTTP {status}")
                    continue
                session_id = json.loads(reply)["session_id"]
                answered += 1
            if session_id is not None:
                sessions.append([session_id, answered])
    finally:
        writer.close()


async def _run(job: dict[str, Any]) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    sessions: list[list[Any]] = []
    # Every connection is open before the clock starts: connecting is not load.
    opened = [await asyncio.open_connection(job["host"], int(job["port"])) for _ in range(int(job["connections"]))]
    job = {**job, "_next": itertools.count()}
    cpu_before = time.process_time()
    began = time.perf_counter()
    outcomes = await asyncio.gather(
        *(_connection(job, streams, latencies, errors, sessions) for streams in opened), return_exceptions=True
    )
    elapsed = time.perf_counter() - began
    cpu = time.process_time() - cpu_before
    errors += [type(o).__name__ for o in outcomes if isinstance(o, BaseException)]
    return {
        "latencies": latencies,
        "errors": errors,
        "sessions": sessions,
        "elapsed": elapsed,
        "generator_cpu_seconds": cpu,
    }


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Run one load round described by ``job`` on uvloop (asyncio's loop if uvloop is missing)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is part of the server extra
        return asyncio.run(_run(job))
    return uvloop.run(_run(job))


if __name__ == "__main__":
    json.dump(run_job(json.load(sys.stdin)), sys.stdout)
