"""Print what a chat host adds to a turn, as JSON: ``python tests/bench/bench_hosts.py [--turns N]``.

Slack: a signed Events API request dispatched by bolt (signature check,
listener, ``Assistant.handle``, one ``chat.postMessage`` to a fake Web API on
127.0.0.1), against ``Assistant.handle`` alone on the same messages. Teams:
one activity through botbuilder's ``TestAdapter`` and ``VpnfsmTeamsBot``,
against ``AsyncAssistant.handle`` alone. Each conversation is three messages
in its own thread; figures are medians and 95th percentiles in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount
from slack_bolt import BoltRequest
from slack_sdk.signature import SignatureVerifier

from tests.e2e.fake_slack import BOT_USER, FakeSlackServer
from vpnfsm import Assistant, AsyncAssistant
from vpnfsm.hosts.slack import create_slack_app
from vpnfsm.hosts.teams import VpnfsmTeamsBot

SECRET = "bench-signing-secret"
MESSAGES = ("vpn wont connect from home", "windows 11", "globalprotect")


def _figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 3),
    }


def _timed(call: Callable[[], Any], into: list[float]) -> None:
    started = time.perf_counter()
    call()
    into.append(time.perf_counter() - started)


def bench_slack(conversations: int) -> dict[str, Any]:
    """Bolt's whole request handling per event, and the facade alone."""
    verifier = SignatureVerifier(SECRET)
    host: list[float] = []
    bare: list[float] = []
    with FakeSlackServer() as slack:
        app = create_slack_app(
            Assistant(), signing_secret=SECRET, token="xoxb-bench", api_url=slack.url, process_before_response=True
        )
        facade = Assistant()
        for n in range(conversations):
            thread = f"1712345678.{n:06d}"
            for m, text in enumerate(MESSAGES):
                event = {"type": "app_mention", "user": "U1", "text": f"<@{BOT_USER}> {text}", "channel": "C1",
                         "ts": f"1712345679.{n:03d}{m:03d}", "thread_ts": thread}
                raw = json.dumps({"type": "event_callback", "team_id": "T1", "event": event,
                                  "event_id": f"Ev{n:06d}{m}", "event_time": int(time.time())})
                stamp = str(int(time.time()))
                headers = {"content-type": ["application/json"], "x-slack-request-timestamp": [stamp],
                           "x-slack-signature": [verifier.generate_signature(timestamp=stamp, body=raw)]}
                _timed(lambda raw=raw, headers=headers: app.dispatch(BoltRequest(body=raw, headers=headers)), host)
                _timed(lambda text=text, n=n: facade.handle(text, f"C1:{n}", tenant="default"), bare)
        posted = len(slack.state.posts)
    return {"events": len(host), "posted": posted, "host": _figures(host), "facade_alone": _figures(bare)}


def bench_teams(conversations: int) -> dict[str, Any]:
    """One activity through TestAdapter + the bot, and the async facade alone."""
    host: list[float] = []
    bare: list[float] = []

    async def run() -> None:
        bot = VpnfsmTeamsBot(AsyncAssistant())
        facade = AsyncAssistant()
        for n in range(conversations):
            template = Activity(channel_id="msteams", service_url="https://smba.example/",
                                from_property=ChannelAccount(id="29:u"), recipient=ChannelAccount(id="28:bot"),
                                conversation=ConversationAccount(id=f"19:bench-{n}@thread.tacv2"))
            adapter = TestAdapter(bot.on_turn, template)
            for m, text in enumerate(MESSAGES):
                started = time.perf_counter()
                await adapter.receive_activity(Activity(type="message", id=f"{n}-{m}", text=text))
                host.append(time.perf_counter() - started)
                adapter.activity_buffer.clear()
                started = time.perf_counter()
                await facade.handle(text, f"19:bench-{n}", tenant="default")
                bare.append(time.perf_counter() - started)

    asyncio.run(run())
    return {"activities": len(host), "host": _figures(host), "facade_alone": _figures(bare)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=600, help="messages per host (three per conversation)")
    args = parser.parse_args()
    conversations = max(1, args.turns // len(MESSAGES))
    print(json.dumps({"slack": bench_slack(conversations), "teams": bench_teams(conversations)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
