"""``vpnfsm serve`` as a user runs it: a subprocess on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from vpnfsm.benchmarks.redis_bench import temporary_redis

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SEED = ["VPN is not working", "Windows", "GlobalProtect", "it just won't connect", "error 809"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(*args: str) -> Iterator[tuple[str, list[str]]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_URL", "VPNFSM_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "vpnfsm", "serve", "--port", str(port), "--log-level", "warning", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        while not any("chat page at" in line for line in lines):
            line = proc.stdout.readline()
            assert line, f"serve exited: {''.join(lines)}"
            lines.append(line)
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, "serve exited during start-up"
            assert time.monotonic() < deadline, "serve did not answer /healthz within 20 s"
            time.sleep(0.1)
        yield url, lines
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        if proc.stdout is not None:
            proc.stdout.close()


def test_first_command_works_with_nothing_installed() -> None:
    with serve() as (url, lines):
        assert any("in-memory store" in line for line in lines)
        assert any("single-tenant mode, no API key required" in line for line in lines)
        reply = httpx.post(url + "/api/chat", json={"message": "VPN is not working"}).json()
        assert reply["state"] == "VPN_ASK_OS"
        assert httpx.get(url + "/").status_code == 200


def test_tenants_file_turns_keys_on(tmp_path: Path) -> None:
    tenants = tmp_path / "tenants.toml"
    tenants.write_text('[keys]\n"serve-test-key-0123456789" = "acme"\n')
    with serve("--tenants", str(tenants)) as (url, lines):
        assert any("1 tenant(s), API key required in X-API-Key" in line for line in lines)
        assert httpx.post(url + "/api/chat", json={"message": "vpn"}).status_code == 401
        ok = httpx.post(url + "/api/chat", json={"message": "vpn"}, headers={"X-API-Key": "serve-test-key-0123456789"})
        assert ok.status_code == 200


def test_bad_tenants_file_fails_before_listening(tmp_path: Path) -> None:
    tenants = tmp_path / "tenants.toml"
    tenants.write_text("[keys]\n")
    done = subprocess.run(
        [sys.executable, "-m", "vpnfsm", "serve", "--tenants", str(tenants)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert str(tenants) in done.stderr


def test_workers_without_redis_are_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "vpnfsm", "serve", "--workers", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        env={k: v for k, v in os.environ.items() if k != "REDIS_URL"},
    )
    assert done.returncode == 2
    assert "needs Redis" in done.stderr


def test_two_workers_share_one_redis() -> None:
    with (
        temporary_redis() as redis_url,
        serve("--redis-url", redis_url, "--workers", "2") as (url, lines),
    ):
        assert any(f"Redis at {redis_url}" in line for line in lines)
        assert httpx.get(url + "/readyz").json()["store"] == "redis"
        sid = None
        # A new connection per turn, so turns land on either worker; the session lives in Redis.
        for text in SEED:
            reply = httpx.post(url + "/api/chat", json={"message": text, "session_id": sid}).json()
            sid = reply["session_id"]
        assert reply["state"] == "VPN_CHECK_RESULT"
        assert reply["slots"]["error_code"] == "809"
        view = httpx.get(f"{url}/api/sessions/{sid}").json()
        assert view["turns"] == len(SEED)
        assert len(view["history"]) == 2 * len(SEED)


def _listening_sockets(port: int) -> int:
    """How many sockets listen on 127.0.0.1:``port`` (``/proc/net/tcp``, state 0A)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        count += state == "0A" and int(local.rsplit(":", 1)[1], 16) == port
    return count


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's socket table")
def test_two_workers_listen_on_a_socket_each() -> None:
    # One shared socket let whichever worker woke first accept a whole burst of
    # connections; with a socket each (SO_REUSEPORT) the kernel spreads them.
    with (
        temporary_redis() as redis_url,
        serve("--redis-url", redis_url, "--workers", "2") as (url, _),
    ):
        port = int(url.rsplit(":", 1)[1])
        deadline = time.monotonic() + 20
        while _listening_sockets(port) < 2:
            assert time.monotonic() < deadline, f"{_listening_sockets(port)} listening socket(s) after 20 s"
            time.sleep(0.1)
        assert _listening_sockets(port) == 2
