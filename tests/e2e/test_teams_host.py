"""The Teams host through botbuilder's TestAdapter: a conversation to a handoff with an Adaptive Card."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount, Entity

from vpnfsm import AsyncAssistant
from vpnfsm.hosts.teams import VpnfsmTeamsBot, message_text, teams_session_id
from vpnfsm.store.memory import AsyncMemoryStore

pytestmark = pytest.mark.e2e

# Shaped like a Teams channel thread id; the conversation id is the session.
CONVERSATION = "19:3b2f1c0e8d7a4e6f@thread.tacv2;messageid=1712345678901"
BOT = ChannelAccount(id="28:vpnfsm-bot", name="IT Helper")


def _template(conversation: str = CONVERSATION) -> Activity:
    return Activity(
        channel_id="msteams",
        service_url="https://smba.trafficmanager.net/emea/",
        from_property=ChannelAccount(id="29:employee", name="Sam"),
        recipient=BOT,
        conversation=ConversationAccount(id=conversation, conversation_type="channel"),
    )


def _mentioning(text: str, activity_id: str) -> Activity:
    at = "<at>IT Helper</at>"
    mention = Entity(type="mention")
    mention.additional_properties = {"mentioned": {"id": BOT.id, "name": BOT.name}, "text": at}
    return Activity(type=ActivityTypes.message, id=activity_id, text=f"{at} {text}", entities=[mention])


async def _talk(adapter: TestAdapter, messages: list[Activity]) -> list[list[Activity]]:
    replies = []
    for message in messages:
        await adapter.receive_activity(message)
        replies.append(list(adapter.activity_buffer))
        adapter.activity_buffer.clear()
    return replies


def _card(activity: Activity) -> dict[str, Any]:
    (attachment,) = activity.attachments
    assert attachment.content_type == "application/vnd.microsoft.card.adaptive"
    content: dict[str, Any] = attachment.content
    return content


def test_a_channel_conversation_ends_in_a_handoff_card() -> None:
    store = AsyncMemoryStore()
    bot = VpnfsmTeamsBot(AsyncAssistant(store=store), tenant="acme")
    adapter = TestAdapter(bot.on_turn, _template())
    said = [
        _mentioning("hi, the vpn wont connect on my windows laptop. globalprotect, error 809", "1712345678901"),
        _mentioning("nope still broken", "1712345679001"),
        _mentioning("no. didnt work either", "1712345680001"),
    ]
    replies = asyncio.run(_talk(adapter, said))
    assert [len(r) for r in replies] == [1, 1, 2]  # the last turn: the reply, then the card
    assert all(r[0].text for r in replies)
    facts = {f["title"]: f["value"] for f in _card(replies[-1][1])["body"][2]["facts"]}
    assert facts["Reference"].startswith("VPN-")
    assert facts["Ticket"] == "being created"
    assert facts["Os"] == "windows"
    assert facts["Client"] == "globalprotect"
    assert facts["Error code"] == "809"
    history = asyncio.run(store.history(CONVERSATION, tenant="acme"))
    users = [e.text for e in history if e.role == "user"]
    assert users[0].startswith("hi, the vpn")  # the mention of the bot is not part of the message
    assert len(users) == 3


def test_each_conversation_is_its_own_session_and_redelivery_is_applied_once() -> None:
    store = AsyncMemoryStore()
    bot = VpnfsmTeamsBot(AsyncAssistant(store=store))
    first = TestAdapter(bot.on_turn, _template("a:1personal-chat-sam"))
    other = TestAdapter(bot.on_turn, _template("a:1personal-chat-kim"))
    asyncio.run(_talk(first, [Activity(type="message", id="m1", text="vpn keeps dropping")]))
    asyncio.run(_talk(other, [Activity(type="message", id="m1", text="cant log into the vpn")]))
    again = Activity(type="message", id="m2", text="macos")
    asyncio.run(_talk(first, [again, again]))  # the channel delivers the same activity twice

    async def lines(conversation: str) -> list[str]:
        return [e.text for e in await store.history(conversation, tenant="default") if e.role == "user"]

    assert asyncio.run(lines("a:1personal-chat-sam")) == ["vpn keeps dropping", "macos"]
    assert asyncio.run(lines("a:1personal-chat-kim")) == ["cant log into the vpn"]
    # An activity id that is no valid message id is still answered (just without the guard).
    (odd,) = asyncio.run(_talk(other, [Activity(type="message", id="id with spaces", text="windows")]))
    assert "could not read" not in odd[0].text
    assert asyncio.run(lines("a:1personal-chat-kim")) == ["cant log into the vpn", "windows"]


def test_only_the_bots_own_mention_is_removed() -> None:
    activity = _mentioning("ask <at>Kim</at> too", "1")
    other = Entity(type="mention")
    other.additional_properties = {"mentioned": {"id": "29:kim", "name": "Kim"}, "text": "<at>Kim</at>"}
    activity.entities.append(other)
    activity.recipient = BOT
    assert message_text(activity) == "ask <at>Kim</at> too"


def test_session_ids_are_conversation_ids_and_overlong_ones_still_work() -> None:
    assert teams_session_id(CONVERSATION) == CONVERSATION
    long_id = "19:" + "x" * 300 + "@thread.v2"
    assert teams_session_id(long_id) == teams_session_id(long_id)
    assert teams_session_id(long_id).startswith("teams:")
    assert len(teams_session_id(long_id)) <= 256
    store = AsyncMemoryStore()
    adapter = TestAdapter(VpnfsmTeamsBot(AsyncAssistant(store=store)).on_turn, _template(long_id))
    (reply,) = asyncio.run(_talk(adapter, [Activity(type="message", id="1", text="vpn wont connect")]))[0]
    assert "could not read" not in reply.text
    assert asyncio.run(store.load(teams_session_id(long_id), tenant="default")) is not None


def test_the_web_app_refuses_activities_without_a_bot_framework_token() -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from vpnfsm.hosts.teams import TeamsApp, create_teams_web_app

    store = AsyncMemoryStore()
    registration = TeamsApp(app_id="00000000-0000-0000-0000-00000000b07", app_password="x")
    app = create_teams_web_app(VpnfsmTeamsBot(AsyncAssistant(store=store)), registration)
    activity = {
        "type": "message",
        "id": "1",
        "text": "vpn down",
        "channelId": "msteams",
        "serviceUrl": "https://smba.trafficmanager.net/emea/",
        "from": {"id": "29:employee"},
        "recipient": {"id": "28:vpnfsm-bot"},
        "conversation": {"id": CONVERSATION},
    }

    async def post() -> tuple[int, int]:
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            unsigned = await client.post("/api/messages", json=activity)
            wrong_method = await client.get("/api/messages")
            return unsigned.status, wrong_method.status

    assert asyncio.run(post()) == (401, 405)
    assert asyncio.run(store.load(CONVERSATION, tenant="default")) is None
