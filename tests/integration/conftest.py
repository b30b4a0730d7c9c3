"""Fixtures for the Redis integration tests: real servers on free ports, both I/O styles.

``redis_url`` is a standalone server shared by a test module (``--save ""``);
``cluster`` is a 6-node cluster shared by the session; ``kind`` runs a test
against the sync and the asyncio store through one small :class:`Driver`.
Without a redis-server binary (and no REDIS_URL) these fixtures fail with
instructions; they never skip.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from _redis_procs import INSTALL_HINT, RedisCluster6, RedisServer, env_redis_url, redis_server_binary

from vpnfsm import AsyncAssistant, AsyncRedisStore, Extraction, RedisStore
from vpnfsm.assistant import Assistant
from vpnfsm.reply import Reply

pytestmark = pytest.mark.integration

_OS_WORDS = {"windows": "windows", "mac": "macos", "linux": "linux"}


class StubExtractor:
    """A tiny deterministic extractor, so these tests do not depend on the NLP rules.

    "vpn" starts the VPN flow, "agent" asks for a person, an OS word answers
    the OS question; anything else inside a flow is an unclear answer and
    anything else outside one is small talk.
    """

    def extract(self, text: str, *, context: str | None = None) -> Extraction:
        lowered = text.lower()
        if "agent" in lowered:
            return Extraction(intent="vpn", human=True)
        os_name = next((v for k, v in _OS_WORDS.items() if k in lowered), None)
        if "vpn" in lowered or (context is not None and os_name is not None):
            return Extraction(intent="vpn", os=os_name)
        return Extraction(intent="vpn" if context is not None else "general")


def _require_binary() -> None:
    if redis_server_binary() is None:
        pytest.fail(INSTALL_HINT, pytrace=False)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a standalone redis-server started for this module (REDIS_URL if no binary)."""
    if redis_server_binary() is None:
        url = env_redis_url()
        if url is None:
            pytest.fail(INSTALL_HINT, pytrace=False)
        yield url
        return
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Any]:
    """Start extra standalone servers (e.g. with AOF) that are stopped after the test."""
    _require_binary()
    started: list[RedisServer] = []

    def start(*extra: str) -> RedisServer:
        server = RedisServer(tmp_path / f"redis{len(started)}", extra=extra).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisCluster6]:
    """A 3-master, 3-replica Redis Cluster shared by the tests that do not kill nodes."""
    _require_binary()
    nodes = RedisCluster6(tmp_path_factory.mktemp("cluster"))
    try:
        yield nodes.start()
    finally:
        nodes.stop()


@pytest.fixture
def prefix() -> str:
    """A key prefix of its own for each test, so tests sharing a server never meet."""
    return "t" + uuid.uuid4().hex[:12]


class Driver:
    """Drives a sync or asyncio store + facade with one synchronous API.

    ``call("history", sid, tenant=...)`` runs the store method of that name
    (awaited on a private event loop for the asyncio store), so each test is
    written once and runs against both twins.
    """

    def __init__(self, kind: str, url: str, **options: Any) -> None:
        self.kind = kind
        self.options = options
        self.loop: asyncio.AbstractEventLoop | None = None
        # A plain sync client on the same server, for planting and inspecting keys.
        self.raw = redis.Redis.from_url(url.split("?")[0])
        if kind == "async":
            self.loop = asyncio.new_event_loop()
            self.store: Any = AsyncRedisStore.from_url(url, **options)
            self.bot: Any = AsyncAssistant(store=self.store, extractor=StubExtractor())
        else:
            self.store = RedisStore.from_url(url, **options)
            self.bot = Assistant(store=self.store, extractor=StubExtractor())

    def _run(self, value: Any) -> Any:
        if self.loop is not None:
            return self.loop.run_until_complete(value)
        return value

    def handle(self, message: str, session_id: str | None = None, *, tenant: str = "default") -> Reply:
        """One turn through the facade."""
        reply: Reply = self._run(self.bot.handle(message, session_id, tenant=tenant))
        return reply

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """A store method by name."""
        return self._run(getattr(self.store, name)(*args, **kwargs))

    def close(self) -> None:
        """Release connections and the loop."""
        self.raw.close()
        if self.loop is not None:
            self.loop.run_until_complete(self.store.aclose())
            self.loop.close()
        else:
            self.store.close()


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    """Which twin a store test runs against."""
    return str(request.param)


@pytest.fixture
def driver_factory(kind: str, redis_url: str, prefix: str) -> Iterator[Any]:
    """Build :class:`Driver` objects of the parametrized kind; closed after the test."""
    made: list[Driver] = []

    def make(url: str | None = None, **options: Any) -> Driver:
        options.setdefault("prefix", prefix)
        driver = Driver(kind, url or redis_url, **options)
        made.append(driver)
        return driver

    yield make
    for driver in made:
        driver.close()


@pytest.fixture
def driver(driver_factory: Any) -> Driver:
    """A driver with default settings on the module's server."""
    made: Driver = driver_factory()
    return made
