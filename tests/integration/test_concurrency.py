"""Bursts on one session: every message is processed exactly once, none is lost.

Threads, processes and asyncio tasks hammer the same session id; afterwards
the stored history holds exactly one user entry per message and the version
counter equals the number of turns. The history cap is set above the total.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from pathlib import Path

import pytest

from tests.integration._support import StubExtractor
from vpnfsm import Assistant, AsyncAssistant, AsyncRedisStore, RedisStore
from vpnfsm.session import HistoryEntry

pytestmark = pytest.mark.integration

CAP = 5000
ROOT = Path(__file__).resolve().parents[2]


def _check(history: list[HistoryEntry], version: int, expected: int, tags: list[str]) -> None:
    user = [entry.text for entry in history if entry.role == "user"]
    assert len(user) == expected
    assert version == expected
    assert len(set(user)) == expected  # each message exactly once
    per_sender = Counter(text.split(" ")[1] for text in user)
    assert sorted(per_sender) == sorted(tags)
    assert set(per_sender.values()) == {expected // len(tags)}


def test_eight_threads_two_hundred_messages_each(redis_url: str, prefix: str) -> None:
    store = RedisStore.from_url(redis_url, prefix=prefix, history_cap=CAP)
    bot = Assistant(store=store, extractor=StubExtractor())
    sid = "burst-threads"
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def send(tag: str) -> None:
        start.wait()
        try:
            for i in range(200):
                bot.handle(f"msg {tag} {i}", sid)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(f"t{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    session = store.load(sid, tenant="default")
    assert session is not None
    _check(store.history(sid, tenant="default"), session.version, 1600, [f"t{n}" for n in range(8)])
    store.close()


_WORKER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[4])
    from tests.integration._support import StubExtractor
    from vpnfsm import Assistant, RedisStore
    url, prefix, tag = sys.argv[1:4]
    store = RedisStore.from_url(url, prefix=prefix, history_cap=5000)
    bot = Assistant(store=store, extractor=StubExtractor())
    sys.stdin.readline()  # start together
    for i in range(200):
        bot.handle(f"msg {tag} {i}", "burst-procs")
    store.close()
    """
)


def test_four_processes_two_hundred_messages_each(redis_url: str, prefix: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    here = str(Path(__file__).parent)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, redis_url, prefix, f"p{n}", here],
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=ROOT,
        )
        for n in range(4)
    ]
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        proc.stdin.flush()
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    store = RedisStore.from_url(redis_url, prefix=prefix, history_cap=CAP)
    session = store.load("burst-procs", tenant="default")
    assert session is not None
    _check(store.history("burst-procs", tenant="default"), session.version, 800, [f"p{n}" for n in range(4)])
    store.close()


def test_two_hundred_asyncio_tasks(redis_url: str, prefix: str) -> None:
    async def main() -> None:
        store = AsyncRedisStore.from_url(redis_url, prefix=prefix, history_cap=CAP)
        bot = AsyncAssistant(store=store, extractor=StubExtractor())
        sid = "burst-tasks"

        async def send(tag: str) -> None:
            for i in range(8):
                await bot.handle(f"msg {tag} {i}", sid)

        await asyncio.gather(*(send(f"a{n}") for n in range(200)))
        session = await store.load(sid, tenant="default")
        assert session is not None
        history = await store.history(sid, tenant="default")
        _check(history, session.version, 1600, [f"a{n}" for n in range(200)])
        await store.aclose()

    asyncio.run(main())
