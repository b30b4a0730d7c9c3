"""Redis frozen (SIGSTOP) for 5 s under the HTTP service while 16 clients keep chatting.

Each client sends its messages with an ``Idempotency-Key`` and, on a 503,
waits ``Retry-After`` and sends the same request again (bounded). While Redis
is stopped some saves are sent and never confirmed: they run when Redis
resumes, after the client was told 503. Before message ids, those retries
were stored twice. Afterwards every session's history in Redis must hold each
message exactly once, in order: 0 duplicated, 0 lost.
"""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.e2e.httpkit import serve_in_thread
from vpnfsm import Assistant, RedisStore, Reply
from vpnfsm.server import Settings, create_app

pytestmark = pytest.mark.integration

CLIENTS = 16
STOP_SECONDS = 5.0
#: Every client gives up on one message after this long (the test then fails).
GIVE_UP_SECONDS = 30.0
#: Messages per client at most: their history (two entries each) stays under the store's cap.
MAX_MESSAGES = 90

# What people type to the bot, cycled per client; each line gets a marker so
# that a duplicate or a loss is visible in the stored history.
PHRASES = (
    "vpn wont connect from home since this morning",
    "windows 11 laptop",
    "globalprotect",
    "it just says gateway not responding",
    "nope still the same",
    "tried again, no luck",
    "ok what else can i try",
    "still broken tbh",
)


@dataclass
class ClientLog:
    """What one client sent and what the service answered."""

    session_id: str
    acknowledged: list[str] = field(default_factory=list)
    status_503: int = 0
    may_have_applied: int = 0
    unsafe: int = 0
    transport_errors: int = 0
    failed: str | None = None


def _client(base: str, log: ClientLog, n: int, stop: threading.Event) -> None:
    with httpx.Client(base_url=base, timeout=10.0) as http:
        i = 0
        while not stop.is_set() and i < MAX_MESSAGES:
            text = f"{PHRASES[i % len(PHRASES)]} (msg {n}-{i})"
            body = {"message": text, "session_id": log.session_id}
            headers = {"Idempotency-Key": f"c{n}-m{i}"}
            deadline = time.monotonic() + GIVE_UP_SECONDS
            while True:
                try:
                    r = http.post("/api/chat", json=body, headers=headers)
                except httpx.TransportError:
                    log.transport_errors += 1  # the answer is lost; the same key makes the retry safe
                    time.sleep(0.2)
                    continue
                if r.status_code == 200:
                    log.acknowledged.append(text)
                    break
                if r.status_code != 503:
                    log.failed = f"{text!r}: {r.status_code} {r.text[:200]}"
                    return
                problem = r.json()
                log.status_503 += 1
                log.may_have_applied += bool(problem.get("may_have_applied"))
                log.unsafe += not problem.get("retry_safe", False)
                if time.monotonic() > deadline:
                    log.failed = f"{text!r}: still 503 after {GIVE_UP_SECONDS} s"
                    return
                time.sleep(min(float(r.headers["retry-after"]), 2.0))
            i += 1


def test_frozen_redis_with_keyed_retries_loses_and_duplicates_nothing(server_factory: Any) -> None:
    redis_server = server_factory()
    service = serve_in_thread(create_app(Settings(redis_url=redis_server.url, retry_after_seconds=1)))
    logs = [ClientLog(session_id=f"outage-client-{n}") for n in range(CLIENTS)]
    stop = threading.Event()
    threads = [threading.Thread(target=_client, args=(service.url, log, n, stop)) for n, log in enumerate(logs)]
    process = redis_server.process
    assert process is not None
    try:
        for thread in threads:
            thread.start()
        # Traffic flowing: every client has had an answer (bounded wait on a busy machine).
        flowing = time.monotonic() + 20.0
        while not all(log.acknowledged for log in logs) and time.monotonic() < flowing:
            time.sleep(0.05)
        time.sleep(0.5)
        before_stop = sum(len(log.acknowledged) for log in logs)
        process.send_signal(signal.SIGSTOP)
        try:
            time.sleep(STOP_SECONDS)
        finally:
            process.send_signal(signal.SIGCONT)
        time.sleep(2.0)  # retries land, traffic flows again
        stop.set()
        for thread in threads:
            thread.join(timeout=GIVE_UP_SECONDS + 15)
        assert not any(thread.is_alive() for thread in threads), "a client did not finish"
    finally:
        stop.set()
        process.send_signal(signal.SIGCONT)
        service.stop()

    store = RedisStore.from_url(redis_server.url)
    duplicated = lost = 0
    differing: list[str] = []
    for log in logs:
        assert log.failed is None, log.failed
        stored = [e.text for e in store.history(log.session_id, tenant="default") if e.role == "user"]
        duplicated += sum(count - 1 for count in Counter(stored).values())
        lost += len(set(log.acknowledged) - set(stored))
        session = store.load(log.session_id, tenant="default")
        if stored != log.acknowledged or session is None or session.turns != len(log.acknowledged):
            differing.append(log.session_id)
    store.close()

    turns = sum(len(log.acknowledged) for log in logs)
    print(
        f"\n{CLIENTS} clients, Redis stopped {STOP_SECONDS:.0f} s: {turns} turns acknowledged "
        f"({before_stop} before the stop), {sum(log.status_503 for log in logs)} answered 503 "
        f"({sum(log.may_have_applied for log in logs)} of them possibly applied), "
        f"{sum(log.transport_errors for log in logs)} transport errors; "
        f"{duplicated} duplicated, {lost} lost"
    )
    assert duplicated == 0
    assert lost == 0
    assert differing == []  # each history is exactly what its client was told, in order
    assert sum(log.status_503 for log in logs) > 0, "the outage was never seen: the test proved nothing"
    assert sum(log.unsafe for log in logs) == 0  # every 503 of a keyed request says a retry is safe


def test_the_same_keyed_message_sent_16_times_at_once_is_applied_once(redis_url: str, prefix: str) -> None:
    # A host that fires its retries without waiting for the first answer: the
    # copies race each other's compare-and-set; the losers reload and find the id.
    store = RedisStore.from_url(redis_url, prefix=prefix)
    bot = Assistant(store=store)
    sid = bot.handle("vpn drops every few minutes on hotel wifi", session_id="race-1", message_id="e-0").session_id
    start = threading.Barrier(16)
    replies: list[Reply] = []

    def send() -> None:
        start.wait()
        replies.append(bot.handle("macbook air", session_id=sid, message_id="e-1"))

    threads = [threading.Thread(target=send) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    user = [e.text for e in store.history(sid, tenant="default") if e.role == "user"]
    store.close()
    assert len(replies) == 16
    assert all(reply == replies[0] for reply in replies)
    assert user == ["vpn drops every few minutes on hotel wifi", "macbook air"]
