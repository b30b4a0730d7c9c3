"""Start and stop real redis-server processes for tests (standalone and cluster).

Never touches port 6379: every server gets a free port in a fresh temp dir.
Also imported by the Redis benchmark's test script, so it stays free of pytest.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

__all__ = ["INSTALL_HINT", "RedisCluster6", "RedisServer", "free_port", "redis_server_binary"]

INSTALL_HINT = (
    "The Redis integration tests need a `redis-server` binary on PATH (they start their own "
    "servers on free ports; port 6379 is never used). Install one with "
    "`apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS), "
    "or set REDIS_URL to a disposable Redis for the standalone tests."
)


def redis_server_binary() -> str | None:
    """Path of ``redis-server``, or ``None``."""
    return shutil.which("redis-server")


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(*, with_bus: bool = False) -> int:
    """A free TCP port other than 6379 (and its cluster bus port +10000 when asked)."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port == 6379 or (with_bus and (port + 10000 > 65535 or not _port_free(port + 10000))):
            continue
        return port
    raise RuntimeError("no free port found")


@dataclass
class RedisServer:
    """One redis-server process on 127.0.0.1:``port`` with its data in ``workdir``."""

    workdir: Path
    port: int = 0
    extra: tuple[str, ...] = ()
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start (or restart, on the same port and data dir) and wait until it answers PING."""
        binary = redis_server_binary()
        if binary is None:
            raise RuntimeError(INSTALL_HINT)
        if not self.port:
            self.port = free_port(with_bus="--cluster-enabled" in self.extra)
        assert self.port != 6379
        self.workdir.mkdir(parents=True, exist_ok=True)
        args = [
            binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.workdir),
            "--daemonize",
            "no",
            "--logfile",
            str(self.workdir / "redis.log"),
            *self.extra,
        ]
        if "--appendonly" not in self.extra:
            args += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 15.0) -> None:
        """Block until PING succeeds (and any AOF is loaded)."""
        client = redis.Redis(port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout
        try:
            while True:
                if self.process is not None and self.process.poll() is not None:
                    log = (self.workdir / "redis.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"redis-server on port {self.port} exited:\n{log}")
                try:
                    if client.ping():
                        return
                except redis.exceptions.RedisError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server on port {self.port} did not answer within {timeout}s")
                time.sleep(0.02)
        finally:
            client.close()

    def kill(self) -> None:
        """SIGKILL the server (a crash: no shutdown save)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the server politely, then forcefully."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class RedisCluster6:
    """Three masters and three replicas joined with ``redis-cli --cluster create``."""

    workdir: Path
    servers: list[RedisServer] = field(default_factory=list)

    @property
    def url(self) -> str:
        """A node URL with ``?cluster=1`` (any node works as a startup node)."""
        return f"redis://127.0.0.1:{self.servers[0].port}/0?cluster=1"

    def start(self) -> RedisCluster6:
        """Start six nodes, create the cluster and wait for ``cluster_state:ok`` everywhere."""
        cli = shutil.which("redis-cli")
        if cli is None or redis_server_binary() is None:
            raise RuntimeError(INSTALL_HINT + " (`redis-cli` is needed too, for `--cluster create`)")
        extra = (
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            "1000",
            "--save",
            "",
            "--appendonly",
            "no",
        )
        for i in range(6):
            self.servers.append(RedisServer(self.workdir / f"node{i}", extra=extra).start())
        addresses = [f"127.0.0.1:{server.port}" for server in self.servers]
        subprocess.run(
            [cli, "--cluster", "create", *addresses, "--cluster-replicas", "1", "--cluster-yes"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=60,
        )
        self.wait_ok(self.servers)
        return self

    def wait_ok(self, nodes: list[RedisServer], timeout: float = 30.0) -> None:
        """Until every given node reports ``cluster_state:ok`` with all slots served."""
        deadline = time.monotonic() + timeout
        for server in nodes:
            client = redis.Redis(port=server.port, socket_timeout=1)
            try:
                while True:
                    info = client.cluster("INFO")
                    if info.get("cluster_state") == "ok" and int(info.get("cluster_slots_ok", 0)) == 16384:
                        break
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"cluster not ok on port {server.port}:\n{info}")
                    time.sleep(0.1)
            finally:
                client.close()

    def master_of(self, key_slot: int) -> RedisServer:
        """The server currently serving ``key_slot`` as master."""
        client = redis.Redis(port=self.live()[0].port, socket_timeout=1)
        try:
            for start, end, master, *_ in client.execute_command("CLUSTER SLOTS"):
                if start <= key_slot <= end:
                    port = int(master[1])
                    return next(s for s in self.servers if s.port == port)
        finally:
            client.close()
        raise LookupError(key_slot)

    def live(self) -> list[RedisServer]:
        """Servers whose process still runs."""
        return [s for s in self.servers if s.process is not None and s.process.poll() is None]

    def stop(self) -> None:
        """Stop every node."""
        for server in self.servers:
            server.stop()


def env_redis_url() -> str | None:
    """REDIS_URL, used only when no redis-server binary exists."""
    return os.environ.get("REDIS_URL") or None
