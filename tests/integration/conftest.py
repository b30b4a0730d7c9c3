"""Fixtures for the Redis integration tests: real servers on free ports, both I/O styles.

``redis_url`` is a standalone server shared by a test module (``--save ""``);
``cluster`` is a 6-node cluster shared by the session; ``kind`` runs a test
against the sync and the asyncio store through one small :class:`Driver`.
Without a redis-server binary (and no REDIS_URL) these fixtures fail with
instructions; they never skip.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration._redis_procs import (
    INSTALL_HINT,
    RedisCluster6,
    RedisServer,
    env_redis_url,
    redis_server_binary,
)
from tests.integration._support import Driver

pytestmark = pytest.mark.integration


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
