"""What a turn costs with Redis, side by side with Redis's own round trip, in one run.

Figures (all medians in microseconds unless named otherwise):

* ``ping_median_us``: one ``PING`` round trip, the floor of any Redis call
  (in a tight loop: the target's yardstick).
* ``ping_between_turns_median_us``: a ``PING`` sent right after each turn,
  i.e. with the caches as cold as a turn's own command finds them.
* ``bare_get_set_median_us``: what a user would write without vpnfsm: one
  redis-py ``GET`` and one ``SET`` (with a TTL) of a stored session's bytes,
  timed in the same rounds; ``turn_over_bare_get_set`` compares a turn with it.
* ``bare_get_set_between_turns_median_us``: the same pair sent right after each
  turn of a worker (as ``ping_between_turns_median_us``): what the two commands
  cost when they follow a turn's CPU work instead of each other. Not a target;
  it shows how much of the ratio is the round trip running colder.
* ``turn_median_us``: a full :meth:`vpnfsm.Assistant.handle` through
  :class:`~vpnfsm.RedisStore` (extract, step, load, compare-and-set save),
  one worker serving its conversations, so the load comes from the bytes it
  saved last turn and the turn is one round trip.
* ``store_median_us``: the Redis part of those same turns (load + save).
* ``turn_uncached_median_us`` / ``store_uncached_median_us``: the same with
  ``session_cache=0``: every turn reads first (``GET`` + ``EVALSHA``).
* ``turn_alternating_median_us``: two workers taking turns on each
  conversation, so every copy is stale: the cache's worst case.
* ``turn_in_memory_median_us``: the same conversations on the memory store.
* ``turn_history_10_median_us`` / ``turn_history_1000_median_us``: turns on
  sessions whose history list already holds 10 resp. 1,000 entries.
* ``session_memory_bytes`` / ``history_memory_bytes``: ``MEMORY USAGE`` of the
  session key and of the history key after a 10-turn conversation.

The targets in the Redis issue are ratios of these figures, so they are
reported too (``*_over_ping``, ``history_1000_over_10``).
"""

from __future__ import annotations

import gc
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from vpnfsm.assistant import Assistant
from vpnfsm.benchmarks._timing import summarize, time_calls
from vpnfsm.benchmarks.core_bench import CONVERSATIONS
from vpnfsm.benchmarks.workload import conversations as workload
from vpnfsm.errors import StoreUnavailable
from vpnfsm.session import HistoryEntry, OutboxItem, OutboxLease, Session
from vpnfsm.store._codec import encode_history, encode_session
from vpnfsm.store.memory import MemoryStore
from vpnfsm.store.redis import RedisStore

__all__ = ["TEN_TURNS", "run_redis_bench", "temporary_redis"]

T = TypeVar("T")

#: The conversation whose stored size is reported (ten user messages).
TEN_TURNS: tuple[str, ...] = (
    "VPN is not working",
    "Windows",
    "GlobalProtect",
    "it just won't connect",
    "error 809",
    "no",
    "no",
    "any update?",
    "thanks",
    "bye",
)


@contextmanager
def temporary_redis() -> Iterator[str]:
    """A throwaway ``redis-server`` on a free port in a temp dir; yields its URL.

    Raises:
        StoreUnavailable: no ``redis-server`` binary, or it did not start.

    """
    binary = shutil.which("redis-server")
    if binary is None:
        raise StoreUnavailable(
            "no redis-server on PATH: install one (apt-get install redis-server) or pass a Redis URL"
        )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    with tempfile.TemporaryDirectory(prefix="vpnfsm-bench-") as workdir:
        args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", workdir]
        args += ["--save", "", "--appendonly", "no", "--logfile", str(Path(workdir) / "redis.log")]
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"redis://127.0.0.1:{port}/0"
            _wait_until_up(url, process)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    store = RedisStore.from_url(url)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                store.ping()
                return
            except StoreUnavailable:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise
    finally:
        store.close()


class _TimedStore:
    """Delegates to a Redis store and adds up the time spent in load and save."""

    def __init__(self, inner: RedisStore) -> None:
        self.inner = inner
        self.spent_ns = 0

    def _timed(self, call: Callable[[], T]) -> T:
        start = time.perf_counter_ns()
        try:
            return call()
        finally:
            self.spent_ns += time.perf_counter_ns() - start

    def load(self, session_id: str, *, tenant: str) -> Session | None:
        return self._timed(partial(self.inner.load, session_id, tenant=tenant))

    def load_speculative(self, session_id: str, *, tenant: str) -> Session | None:
        return self._timed(partial(self.inner.load_speculative, session_id, tenant=tenant))

    def save(
        self,
        session: Session,
        *,
        expected_version: int,
        history: Sequence[HistoryEntry] = (),
        outbox: Sequence[OutboxItem] = (),
    ) -> bool:
        return self._timed(
            partial(self.inner.save, session, expected_version=expected_version, history=history, outbox=outbox)
        )

    def history(self, session_id: str, *, tenant: str) -> list[HistoryEntry]:
        return self.inner.history(session_id, tenant=tenant)

    def delete(self, session_id: str, *, tenant: str) -> bool:
        return self.inner.delete(session_id, tenant=tenant)

    def ping(self) -> None:
        self.inner.ping()

    def outbox_claim(self, consumer: str, *, limit: int, lease_seconds: float) -> list[OutboxLease]:
        return self.inner.outbox_claim(consumer, limit=limit, lease_seconds=lease_seconds)

    def outbox_renew(self, item_id: str, *, token: int, lease_seconds: float) -> bool:
        return self.inner.outbox_renew(item_id, token=token, lease_seconds=lease_seconds)

    def outbox_done(self, item_id: str, *, token: int) -> bool:
        return self.inner.outbox_done(item_id, token=token)


def _conversation_turns(
    bot: Assistant, conversations: Iterator[tuple[str, ...]], turns: int, *, store: _TimedStore | None = None
) -> tuple[list[int], list[int]]:
    """Replay conversations until ``turns`` turns; (turn ns, store ns) per turn."""
    turn_ns: list[int] = []
    store_ns: list[int] = []
    while len(turn_ns) < turns:
        session_id: str | None = None
        for message in next(conversations):
            if store is not None:
                store.spent_ns = 0
            start = time.perf_counter_ns()
            session_id = bot.handle(message, session_id=session_id).session_id
            turn_ns.append(time.perf_counter_ns() - start)
            if store is not None:
                store_ns.append(store.spent_ns)
    return turn_ns[:turns], store_ns[:turns]


def _calls_between_turns(
    bot: Assistant, call: Callable[[], object], conversations: Iterator[tuple[str, ...]], turns: int
) -> list[int]:
    """``call`` timed once after each of ``turns`` turns (the turns themselves are not timed)."""
    call_ns: list[int] = []
    while len(call_ns) < turns:
        session_id: str | None = None
        for message in next(conversations):
            session_id = bot.handle(message, session_id=session_id).session_id
            call_ns += time_calls(call, count=1)
    return call_ns[:turns]


def _alternating_turns(
    bots: tuple[Assistant, Assistant], conversations: Iterator[tuple[str, ...]], turns: int
) -> list[int]:
    """Like :func:`_conversation_turns`, but the two workers take turns on each conversation."""
    turn_ns: list[int] = []
    while len(turn_ns) < turns:
        session_id: str | None = None
        for index, message in enumerate(next(conversations)):
            bot = bots[index % 2]
            start = time.perf_counter_ns()
            session_id = bot.handle(message, session_id=session_id).session_id
            turn_ns.append(time.perf_counter_ns() - start)
    return turn_ns[:turns]


def _history_turns(bot: Assistant, client: Any, store: RedisStore, length: int, rounds: int) -> list[int]:
    """Turns of fresh conversations whose history list already holds ``length`` entries."""
    filler = encode_history(HistoryEntry(at=time.time(), role="user", text="an earlier line of this chat"))
    samples: list[int] = []
    for conversation in CONVERSATIONS[:rounds]:
        session_id = uuid.uuid4().hex
        client.rpush(store.keys.history("default", session_id), *([filler] * length))
        for message in conversation:
            samples += time_calls(partial(bot.handle, message, session_id=session_id), count=1)
    return samples


def _bare_pair(client: Any, key: str, raw: bytes) -> Callable[[], None]:
    """One GET + SET of ``raw`` under ``key`` (TTL as a session's), as a user would write it."""

    def one() -> None:
        client.get(key)
        client.set(key, raw, px=3_600_000)

    return one


def _bare_get_set(client: Any, key: str, raw: bytes, count: int) -> list[int]:
    """``count`` GET + SET pairs of ``raw`` under ``key``, back to back."""
    return time_calls(_bare_pair(client, key, raw), count=count)


def _ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 2) if denominator else float("inf")


def run_redis_bench(url: str | None, *, turns: int = 2000) -> dict[str, float | int]:
    """Measure the figures listed in the module docstring against ``url``.

    ``url`` ``None`` starts a temporary redis-server on a free port and stops
    it afterwards. Keys are written under a fresh prefix and deleted at the end.

    Raises:
        StoreUnavailable: Redis could not be reached (or started).
        ValueError: ``turns`` is below 100.

    """
    if turns < 100:
        raise ValueError("turns must be at least 100")
    if url is None:
        with temporary_redis() as temp_url:
            return run_redis_bench(temp_url, turns=turns)
    prefix = "vpnfsm-bench-" + uuid.uuid4().hex[:8]
    redis_store = RedisStore.from_url(url, prefix=prefix, history_cap=2000)
    uncached_store = RedisStore.from_url(url, prefix=prefix, history_cap=2000, session_cache=0)
    # Two more workers on the same server, for the alternating figure.
    workers = [RedisStore.from_url(url, prefix=prefix) for _ in range(2)]
    client: Any = redis_store.client
    try:
        timed = _TimedStore(redis_store)
        timed_uncached = _TimedStore(uncached_store)
        bot = Assistant(store=timed)
        uncached_bot = Assistant(store=timed_uncached)
        pair = (Assistant(store=workers[0]), Assistant(store=workers[1]))
        memory_bot = Assistant(store=MemoryStore())
        for warm in (bot, uncached_bot, memory_bot):  # connections, scripts, caches
            _conversation_turns(warm, workload(seed=0), 200)
        _alternating_turns(pair, workload(seed=0), 200)
        gc.collect()
        ping_ns: list[int] = []
        ping_between_ns: list[int] = []
        turn_ns: list[int] = []
        store_ns: list[int] = []
        uncached_ns: list[int] = []
        uncached_store_ns: list[int] = []
        alternating_ns: list[int] = []
        memory_ns: list[int] = []
        short_ns: list[int] = []
        long_ns: list[int] = []
        bare_ns: list[int] = []
        bare_between_ns: list[int] = []
        # The bytes of a real session mid-conversation, stored under a key of this run.
        sample_id = None
        for message in TEN_TURNS[:5]:
            sample_id = memory_bot.handle(message, session_id=sample_id).session_id
        assert sample_id is not None
        sample = memory_bot.store.load(sample_id, tenant="default")
        assert sample is not None
        bare_raw = encode_session(sample)
        bare_key = f"{prefix}:bare"
        _bare_get_set(client, bare_key, bare_raw, 200)
        bare_after_turn = _bare_pair(workers[1].client, bare_key, bare_raw)
        rounds = 10  # interleave, so machine noise hits every figure alike
        per_round = turns // rounds
        # Every design plays the same stream of different employees' conversations.
        streams = [workload() for _ in range(6)]
        for _ in range(rounds):
            ping_ns += time_calls(client.ping, count=per_round)
            bare_ns += _bare_get_set(client, bare_key, bare_raw, per_round)
            more_turns, more_store = _conversation_turns(bot, streams[0], per_round, store=timed)
            turn_ns += more_turns
            store_ns += more_store
            more_turns, more_store = _conversation_turns(uncached_bot, streams[1], per_round, store=timed_uncached)
            uncached_ns += more_turns
            uncached_store_ns += more_store
            alternating_ns += _alternating_turns(pair, streams[2], per_round)
            memory_ns += _conversation_turns(memory_bot, streams[3], per_round)[0]
            ping_between_ns += _calls_between_turns(pair[0], workers[0].client.ping, streams[4], per_round)
            bare_between_ns += _calls_between_turns(pair[1], bare_after_turn, streams[5], per_round)
            short_ns += _history_turns(bot, client, redis_store, 10, len(CONVERSATIONS))
            long_ns += _history_turns(bot, client, redis_store, 1000, len(CONVERSATIONS))

        session_id = None
        for message in TEN_TURNS:
            session_id = bot.handle(message, session_id=session_id).session_id
        assert session_id is not None
        session_key = redis_store.keys.session("default", session_id)
        history_key = redis_store.keys.history("default", session_id)
        session_bytes = int(client.memory_usage(session_key, samples=0) or 0)
        history_bytes = int(client.memory_usage(history_key, samples=0) or 0)
        json_bytes = int(client.strlen(session_key))

        ping = summarize(ping_ns)["median_us"]
        turn = summarize(turn_ns)["median_us"]
        store = summarize(store_ns)["median_us"]
        uncached = summarize(uncached_ns)["median_us"]
        short = summarize(short_ns)["median_us"]
        long = summarize(long_ns)["median_us"]
        bare = summarize(bare_ns)["median_us"]
        return {
            "bare_get_set_median_us": bare,
            "bare_get_set_between_turns_median_us": summarize(bare_between_ns)["median_us"],
            "bare_value_bytes": len(bare_raw),
            "turn_over_bare_get_set": _ratio(turn, bare),
            "ping_median_us": ping,
            "ping_between_turns_median_us": summarize(ping_between_ns)["median_us"],
            "turn_median_us": turn,
            "store_median_us": store,
            "turn_uncached_median_us": uncached,
            "store_uncached_median_us": summarize(uncached_store_ns)["median_us"],
            "turn_alternating_median_us": summarize(alternating_ns)["median_us"],
            "turn_in_memory_median_us": summarize(memory_ns)["median_us"],
            "turn_history_10_median_us": short,
            "turn_history_1000_median_us": long,
            "turn_over_ping": _ratio(turn, ping),
            "store_over_ping": _ratio(store, ping),
            "turn_uncached_over_ping": _ratio(uncached, ping),
            "history_1000_over_10": _ratio(long, short),
            "session_memory_bytes": session_bytes,
            "session_json_bytes": json_bytes,
            "history_memory_bytes": history_bytes,
            "turns": len(turn_ns),
        }
    finally:
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.delete(key)
        for opened in (redis_store, uncached_store, *workers):
            opened.close()
