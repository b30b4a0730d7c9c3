"""Planted pack defects: each fails at load (or verify) with ``file:line`` and what is wrong.

Every case starts from the pack ``vpnfsm new-flow wifi`` writes (which loads
cleanly, checked first), plants one mistake a content author makes, and
expects a problem on the line of the mistake that names it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from vpnfsm.content import load_pack
from vpnfsm.content.scaffold import write_flow
from vpnfsm.errors import ContentError, FlowError


@dataclass(frozen=True)
class Defect:
    file: str  # relative to the pack
    plant: Callable[[str], str]  # old text (empty for a new file) -> new text
    marker: str  # the line the problem must name contains this
    says: str  # and the problem says this


def replace(old: str, new: str) -> Callable[[str], str]:
    def plant(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return plant


def append(extra: str) -> Callable[[str], str]:
    return lambda text: text + extra


def write(content: str) -> Callable[[str], str]:
    return lambda _: content


EXPLICIT_TERMINAL_EXIT = """
[flow]
name = "kiosk"
intent = "kiosk"
title = "Kiosk"
slots = []
knowledge = "wifi.toml"
cues = ['\\bkiosk\\b']
initial = "K_START"

[messages]
handoff = "A person takes over. {reference}"

[[state]]
name = "K_START"
transient = true

[[state]]
name = "K_HANDOFF"
prompt = "handoff"
outcome = "handoff"

[[state]]
name = "K_ORPHAN"
prompt = "handoff"

[[transition]]
trigger = "advance"
source = "K_START"
dest = "K_HANDOFF"

[[transition]]
trigger = "reset"
source = "K_HANDOFF"
dest = "K_START"
"""

DEFECTS: dict[str, Defect] = {
    "unknown guard": Defect(
        "flows/wifi.toml",
        append('\n[[shape.shortcut]]\ndest = "WIFI_HANDOFF"\nconditions = ["moon_is_full"]\n'),
        "moon_is_full",
        "unregistered guard 'moon_is_full'",
    ),
    "unknown action": Defect(
        "flows/wifi.toml",
        append(
            '\n[[shape.shortcut]]\ndest = "WIFI_HANDOFF"\nconditions = ["fact:problem=slow"]\n'
            'before = ["page_the_ceo"]\n'
        ),
        "page_the_ceo",
        "unregistered action 'page_the_ceo'",
    ),
    "unreachable state": Defect("flows/kiosk.toml", write(EXPLICIT_TERMINAL_EXIT), 'name = "K_ORPHAN"', "unreachable"),
    "terminal state with an exit": Defect(
        "flows/kiosk.toml", write(EXPLICIT_TERMINAL_EXIT), 'name = "K_HANDOFF"', "leaves terminal state 'K_HANDOFF'"
    ),
    "article scope with an unknown label": Defect(
        "knowledge/wifi.toml",
        replace('any = ["problem"]', 'when = { problem = ["wifi_is_slow"] }'),
        "wifi_is_slow",
        "problem='wifi_is_slow', not a label",
    ),
    "missing message key": Defect(
        "flows/wifi.toml",
        replace('ask_problem = "What is wrong', 'ask_problm = "What is wrong'),
        'state = "WIFI_ASK_PROBLEM"',
        "unknown message 'ask_problem'",
    ),
    "undefined variable": Defect(
        "knowledge/wifi.toml",
        replace("Restart the device", "Open {wifi_portal} and restart the device"),
        "{wifi_portal}",
        "undefined variable {wifi_portal}",
    ),
    "duplicate article id": Defect(
        "knowledge/wifi.toml",
        replace('id = "wifi-check-others"', 'id = "wifi-restart"  # copied from above'),
        "# copied from above",
        "duplicate id 'wifi-restart'",
    ),
    "vocabulary pattern that is not linear-time": Defect(
        "flows/wifi.toml",
        replace("slow = ['", "slow = ['(sl)ow \\1', '"),
        "(sl)ow \\1",
        "not linear-time",
    ),
    "cue pattern that is not linear-time": Defect(
        "flows/wifi.toml",
        replace("cues = ['\\bwifi\\b']", "cues = ['wifi(?=!)']"),
        "cues =",
        "not linear-time",
    ),
    "message override for a key the flow lacks": Defect(
        "messages.toml", write('[wifi]\ngreeting = "hi"\n'), "greeting", "has no message 'greeting'"
    ),
    "message override for an unknown flow": Defect(
        "messages.toml", write('[wlan]\nask_problem = "?"\n'), "[wlan]", "unknown flow 'wlan'"
    ),
    "tenant without a value for a variable its article uses": Defect(
        "tenants/acme.toml",
        write(
            '[variables]\nportal = "https://wifi.acme.example"\n\n[[knowledge.wifi.article]]\nid = "acme-guest"\n'
            'title = "Guest network"\nany = ["problem"]\nsteps = ["Join {guest_ssid}.", "Sign in at {portal}."]\n'
        ),
        "{guest_ssid}",
        "undefined variable {guest_ssid} for tenant 'acme'",
    ),
    "intent the extractor never reads, without cues": Defect(
        "flows/wifi.toml", replace("cues = ['\\bwifi\\b']", "cues = []"), 'intent = "wifi"', "give the flow cues"
    ),
    "typo in a shape key": Defect(
        "flows/wifi.toml", replace("give_steps =", "give_step ="), "give_step =", "unknown key 'shape.give_step'"
    ),
    "not TOML": Defect("flows/wifi.toml", replace('title = "Wifi', 'title = Wifi "'), "title = Wifi", "not valid TOML"),
}


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    root = tmp_path / "pack"
    write_flow("wifi", root)
    load_pack(root)  # the scaffold itself is sound
    return root


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_planted_defect_fails_with_its_file_and_line(pack: Path, name: str) -> None:
    defect = DEFECTS[name]
    path = pack / defect.file
    path.parent.mkdir(parents=True, exist_ok=True)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    text = defect.plant(old)
    path.write_text(text, encoding="utf-8")
    line = next(number for number, row in enumerate(text.splitlines(), start=1) if defect.marker in row)
    with pytest.raises(ContentError) as caught:
        load_pack(pack)
    where = f"{path.resolve()}:{line}: "
    matching = [p for p in caught.value.problems if p.startswith(where) and defect.says in p]
    assert matching, f"no problem at {where} saying {defect.says!r}; got {caught.value.problems}"
    assert isinstance(caught.value, FlowError)  # hosts catching FlowError see pack problems too
    assert where in str(caught.value)


def test_every_problem_of_a_pack_is_listed_at_once(pack: Path) -> None:
    flow = pack / "flows" / "wifi.toml"
    flow.write_text(
        flow.read_text(encoding="utf-8")
        .replace("give_steps =", "give_step =")
        .replace('check_result = "Does', 'check_reslt = "Does'),
        encoding="utf-8",
    )
    (pack / "messages.toml").write_text('[wlan]\nask_problem = "?"\n', encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_pack(pack)
    text = "\n".join(caught.value.problems)
    assert "shape.give_step" in text
    assert "wlan" in text


def test_a_missing_pack_is_a_content_error(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="no such directory"):
        load_pack(tmp_path / "nowhere")
