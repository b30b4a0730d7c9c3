"""Conversations through a team's content pack (tests/data/packs/acme-it): a fourth
flow (printer), tenant overlays (acme, globex) and the pack's own wording.

Written the way employees type; each expectation is what a good helpdesk
agent would do with the message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vpnfsm import Assistant, Reply

PACK = Path(__file__).resolve().parents[1] / "data" / "packs" / "acme-it"


@pytest.fixture(scope="module")
def bot() -> Assistant:
    return Assistant(content=PACK)


def talk(bot: Assistant, tenant: str, *messages: str) -> list[Reply]:
    replies: list[Reply] = []
    sid: str | None = None
    for message in messages:
        reply = bot.handle(message, sid, tenant=tenant)
        sid = reply.session_id
        replies.append(reply)
    return replies


def test_printer_jam_at_acme_gets_steps_then_a_person(bot: Assistant) -> None:
    first, second, third = talk(
        bot, "acme", "the printer on 3rd floor keeps jamming ugh", "nope still jammed", "no"
    )
    assert first.flow == "printer"
    assert first.slots["problem"] == "jam"
    assert first.state == "PRN_CHECK_RESULT"  # a jam needs no connection question
    assert "jammed paper" in first.reply
    assert second.state == "PRN_CHECK_RESULT"  # a second set of steps
    assert third.outcome == "handoff"
    assert "+1 555 0199" in third.reply  # acme's helpdesk, not the pack's
    assert third.handoff_summary is not None


def test_offline_network_printer_shows_the_tenants_self_service_address(bot: Assistant) -> None:
    acme = talk(bot, "acme", "cant print, printer shows offline", "its the shared one on the office wifi")
    assert acme[0].state == "PRN_ASK_CONNECTION"
    assert acme[1].slots == {"problem": "offline", "connection": "network"}
    assert "https://it.acme.example/printers" in acme[1].reply
    other = talk(bot, "default", "printer offline again!!", "usb")
    assert "https://help.example.com" not in other[1].reply  # a USB printer is re-plugged, not re-added
    assert "Unplug the USB cable" in other[1].reply


def test_globex_replaces_the_jam_article_and_keeps_the_others(bot: Assistant) -> None:
    (reply,) = talk(bot, "globex", "paper jam in the big printer :(")
    assert "https://selfservice.globex.example/print-room" in reply.reply
    assert "{" not in reply.reply


def test_acme_vpn_user_sees_acme_portal_in_question_and_steps(bot: Assistant) -> None:
    replies = talk(bot, "acme", "vpn wont connect from home", "win 11", "globalprotect", "no code just spins")
    assert "https://vpn.acme.example" in replies[1].reply  # the reworded client question
    steps = replies[-1].reply
    assert replies[-1].state == "VPN_CHECK_RESULT"
    assert "https://vpn.acme.example" in steps
    assert "globex" not in steps


def test_globex_vpn_user_gets_globex_portal(bot: Assistant) -> None:
    replies = talk(bot, "globex", "GlobalProtect stuck on connecting, windows 10", "theres no error code")
    assert replies[-1].state == "VPN_CHECK_RESULT"
    assert "https://remote.globex.example" in replies[-1].reply


def test_pack_wording_of_the_vpn_handoff_for_a_tenant_without_overlay(bot: Assistant) -> None:
    replies = talk(bot, "default", "vpn broken, can i talk to a human pls")
    assert replies[-1].outcome == "handoff"
    assert "network team" in replies[-1].reply
    assert "+1 555 0100" in replies[-1].reply
    assert "{" not in replies[-1].reply


def test_the_shipped_flows_still_run_in_the_pack(bot: Assistant) -> None:
    (reply,) = talk(bot, "acme", "locked out of my account after too many tries")
    assert reply.flow == "password"


def test_asking_for_a_person_in_the_printer_flow_hands_off(bot: Assistant) -> None:
    replies = talk(bot, "acme", "printer is acting weird", "just get me someone from IT")
    assert replies[0].state == "PRN_ASK_PROBLEM"
    assert replies[1].outcome == "handoff"
