"""The Slack host driven through bolt's own request handling: signed requests in, a fake Web API out.

Every request is signed the way Slack signs it (``v0=HMAC-SHA256(secret,
"v0:{timestamp}:{body}")``) and dispatched to the bolt app; the app's Web
API client talks to a fake Slack on 127.0.0.1.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier

from tests.e2e.fake_slack import BOT_USER, FakeSlackServer
from vpnfsm import Assistant, MemoryStore
from vpnfsm.hosts.slack import create_slack_app, slack_session_id

pytestmark = pytest.mark.e2e

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
CHANNEL = "C0HELPDESK"
THREAD = "1712345678.123456"


@pytest.fixture
def slack() -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as server:
        yield server


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def app(slack: FakeSlackServer, store: MemoryStore) -> App:
    # process_before_response: the listener runs inside dispatch, so a test sees its posts at once.
    return create_slack_app(
        Assistant(store=store),
        signing_secret=SECRET,
        token="xoxb-test-token",
        tenant="acme",
        api_url=slack.url,
        process_before_response=True,
    )


_counter = iter(range(1, 10_000))


def _mention(text: str, *, ts: str, thread_ts: str | None = None, event_id: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": "U0EMPLOYEE",
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "channel": CHANNEL,
        "event_ts": ts,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return {
        "token": "legacy-unused",
        "team_id": "T0TEAM",
        "api_app_id": "A0VPNFSM",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_counter):08d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": "T0TEAM", "user_id": BOT_USER, "is_bot": True}],
    }


def _dispatch(app: App, payload: dict[str, Any], *, secret: str = SECRET, **headers: str) -> int:
    raw = json.dumps(payload)
    stamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=raw)
    signed = {
        "content-type": ["application/json"],
        "x-slack-request-timestamp": [stamp],
        "x-slack-signature": [signature],
        **{name.replace("_", "-"): [value] for name, value in headers.items()},
    }
    response = app.dispatch(BoltRequest(body=raw, headers=signed))
    return response.status


def _user_lines(store: MemoryStore, session_id: str) -> list[str]:
    return [e.text for e in store.history(session_id, tenant="acme") if e.role == "user"]


def test_a_conversation_in_a_thread_ends_in_a_handoff_card(app: App, slack: FakeSlackServer) -> None:
    first = _mention("vpn wont connect from home, globalprotect on my windows laptop, error 809", ts=THREAD)
    assert _dispatch(app, first) == 200
    for n, text in enumerate(["no still broken", "nope same thing, can someone look at it"], start=1):
        assert _dispatch(app, _mention(text, ts=f"1712345700.00000{n}", thread_ts=THREAD)) == 200
    posts = slack.state.thread(CHANNEL, THREAD)
    assert len(posts) == 4  # one reply per message, then the card, all in the thread
    assert "couldn't find" not in posts[0]["text"]  # a new thread starts quietly
    assert all(p.get("text") for p in posts)
    card = posts[-1]["blocks"]
    assert card[0]["type"] == "header"
    fields = {f["text"].split("\n")[0]: f["text"].split("\n")[1] for f in card[2]["fields"]}
    assert fields["*Reference*"].startswith("VPN-")
    assert fields["*Ticket*"] == "being created"
    assert fields["*Os*"] == "windows"
    assert fields["*Error code*"] == "809"
    assert fields["*Reference*"] in posts[-1]["text"]


def test_each_thread_is_its_own_session(app: App, slack: FakeSlackServer, store: MemoryStore) -> None:
    _dispatch(app, _mention("vpn keeps dropping", ts="1712345678.000001"))
    _dispatch(app, _mention("cant log in to the vpn", ts="1712345678.000002"))
    for ts in ("1712345678.000001", "1712345678.000002"):
        assert len(_user_lines(store, slack_session_id(CHANNEL, ts))) == 1
        assert len(slack.state.thread(CHANNEL, ts)) == 1


def test_a_retried_event_is_applied_once(app: App, slack: FakeSlackServer, store: MemoryStore) -> None:
    _dispatch(app, _mention("vpn not working", ts=THREAD, event_id="Ev0FIRST"))
    answer = _mention("its a mac", ts="1712345679.000001", thread_ts=THREAD, event_id="Ev0ANSWER")
    assert _dispatch(app, answer) == 200
    # Slack timed out waiting for the ack and sends the same event again.
    assert _dispatch(app, answer, x_slack_retry_num="1", x_slack_retry_reason="http_timeout") == 200
    session = slack_session_id(CHANNEL, THREAD)
    assert _user_lines(store, session) == ["vpn not working", "its a mac"]
    assert len(slack.state.thread(CHANNEL, THREAD)) == 2  # the first attempt posted; the retry did not
    # After an error answer Slack retries again: still applied once, but the reply is posted again.
    assert _dispatch(app, answer, x_slack_retry_num="2", x_slack_retry_reason="http_error") == 200
    posts = slack.state.thread(CHANNEL, THREAD)
    assert _user_lines(store, session) == ["vpn not working", "its a mac"]
    assert len(posts) == 3
    assert posts[-1]["text"] == posts[-2]["text"]


def test_a_bad_signature_is_rejected_before_the_assistant(app: App, slack: FakeSlackServer, store: MemoryStore) -> None:
    payload = _mention("vpn broken", ts=THREAD)
    assert _dispatch(app, payload, secret="someone-elses-secret") == 401
    # A signature for another body does not carry over to this one.
    raw = json.dumps(payload)
    stamp = str(int(time.time()))
    other = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=raw.replace("broken", "fine"))
    headers = {"content-type": ["application/json"], "x-slack-request-timestamp": [stamp], "x-slack-signature": [other]}
    assert app.dispatch(BoltRequest(body=raw, headers=headers)).status == 401
    assert slack.state.posts == []
    assert store.history(slack_session_id(CHANNEL, THREAD), tenant="acme") == []


def test_an_empty_signing_secret_is_refused() -> None:
    # HMAC with an empty key is something anyone can compute.
    with pytest.raises(ValueError, match="signing secret"):
        create_slack_app(Assistant(), signing_secret="", token="xoxb-1")


def test_a_stale_signature_is_rejected(app: App, slack: FakeSlackServer) -> None:
    raw = json.dumps(_mention("vpn broken", ts=THREAD))
    old = str(int(time.time()) - 3600)  # bolt refuses timestamps older than five minutes (replays)
    headers = {
        "content-type": ["application/json"],
        "x-slack-request-timestamp": [old],
        "x-slack-signature": [SignatureVerifier(SECRET).generate_signature(timestamp=old, body=raw)],
    }
    assert app.dispatch(BoltRequest(body=raw, headers=headers)).status == 401
    assert slack.state.posts == []


def test_direct_messages_are_one_conversation_and_bots_are_ignored(
    app: App, slack: FakeSlackServer, store: MemoryStore
) -> None:
    def dm(text: str, ts: str, **extra: Any) -> dict[str, Any]:
        payload = _mention(text, ts=ts)
        payload["event"] = {"type": "message", "channel_type": "im", "channel": "D0EMPLOYEE", "user": "U0EMPLOYEE",
                            "text": text, "ts": ts, **extra}
        return payload

    _dispatch(app, dm("hey my vpn is broken", "1712345678.000010"))
    _dispatch(app, dm("ubuntu", "1712345678.000011"))
    _dispatch(app, dm("beep", "1712345678.000012", bot_id="B0OTHER", subtype="bot_message"))
    posts = slack.state.thread("D0EMPLOYEE", None)
    assert len(posts) == 2  # top-level replies; the other bot got none
    # The second message answered the first one's question: one session for the channel.
    assert _user_lines(store, slack_session_id("D0EMPLOYEE", None)) == ["hey my vpn is broken", "ubuntu"]


def test_mentions_and_entities_are_not_read_as_words() -> None:
    from vpnfsm.hosts.slack import SlackMessage

    body = {"event_id": "Ev1"}
    event = {"channel": "C1", "ts": "1.2", "text": "<@U0VPNBOT|vpn> error &lt;809&gt; &amp; no wifi"}
    message = SlackMessage.from_event(body, event)
    assert message.text == "error <809> & no wifi"
    assert message.thread == "1.2"


def test_the_events_api_over_http_answers_challenges_and_checks_signatures(
    app: App, slack: FakeSlackServer
) -> None:
    import asyncio

    import httpx

    from vpnfsm.hosts.slack import events_api

    def signed(payload: dict[str, Any], secret: str = SECRET) -> dict[str, Any]:
        raw = json.dumps(payload)
        stamp = str(int(time.time()))
        signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=raw)
        headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}
        headers["Content-Type"] = "application/json"
        return {"content": raw, "headers": headers}

    async def talk() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=events_api(app))
        async with httpx.AsyncClient(transport=transport, base_url="http://slack-app.test") as http:
            # Slack checks the Request URL with a signed challenge before it sends events.
            check = {"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV"}
            return [
                await http.post("/slack/events", **signed(check)),
                await http.post("/slack/events", **signed(_mention("vpn down", ts=THREAD), "forged")),
                await http.post("/slack/events", **signed(_mention("vpn down", ts=THREAD))),
            ]

    challenge, forged, event = asyncio.run(talk())
    assert (challenge.status_code, challenge.json()) == (200, {"challenge": "3eZbrw1aBm2rZgRNFdxV"})
    assert forged.status_code == 401
    assert event.status_code == 200
    assert len(slack.state.thread(CHANNEL, THREAD)) == 1  # one reply: the forged request reached nothing


def test_a_bare_mention_gets_a_prompt_and_changes_nothing(app: App, slack: FakeSlackServer, store: MemoryStore) -> None:
    from vpnfsm.hosts._texts import EMPTY_MESSAGE

    assert _dispatch(app, _mention("", ts=THREAD)) == 200
    assert [p["text"] for p in slack.state.thread(CHANNEL, THREAD)] == [EMPTY_MESSAGE]
    assert store.load(slack_session_id(CHANNEL, THREAD), tenant="acme") is None


class _UnreachableStore(MemoryStore):
    def save(self, *args: Any, **kwargs: Any) -> bool:
        from vpnfsm import StoreUnavailable

        raise StoreUnavailable("connection refused")


def test_a_store_outage_is_one_apology_in_the_thread(slack: FakeSlackServer) -> None:
    from vpnfsm.hosts._texts import TROUBLE

    app = create_slack_app(
        Assistant(store=_UnreachableStore()),
        signing_secret=SECRET,
        token="xoxb-test-token",
        api_url=slack.url,
        process_before_response=True,
    )
    assert _dispatch(app, _mention("vpn is down", ts=THREAD)) == 200
    assert [p["text"] for p in slack.state.thread(CHANNEL, THREAD)] == [TROUBLE]


def test_socket_mode_receives_an_event_acks_it_and_replies_in_the_thread(slack: FakeSlackServer) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from tests.e2e.fake_slack import FakeSocketMode

    app = create_slack_app(Assistant(), signing_secret=SECRET, token="xoxb-test-token", api_url=slack.url)
    with FakeSocketMode() as socket_mode:
        slack.state.socket_url = socket_mode.url
        handler = SocketModeHandler(app, "xapp-1-test-app-token")
        handler.connect()
        try:
            socket_mode.wait_connected()
            envelope = {
                "envelope_id": "57d6a792-4d35-4d0b-b6aa-3361493e1caf",
                "type": "events_api",
                "accepts_response_payload": False,
                "retry_attempt": 0,
                "retry_reason": "",
                "payload": _mention("hi my vpn is broken, anyconnect on a mac", ts=THREAD),
            }
            socket_mode.send(envelope)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not slack.state.thread(CHANNEL, THREAD):
                time.sleep(0.05)
        finally:
            handler.close()
    assert socket_mode.acks == ["57d6a792-4d35-4d0b-b6aa-3361493e1caf"]  # acked, so Slack will not retry
    posts = slack.state.thread(CHANNEL, THREAD)
    assert len(posts) == 1
    assert "apps.connections.open" in slack.state.calls
