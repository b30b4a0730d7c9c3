"""The shared reference conversations, run through the public Assistant."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import SHARED
from vpnfsm import Assistant


def _conversations() -> list[Any]:
    path = SHARED / "conversations" / "vpn.yaml"
    if not path.exists():  # collected before fixtures run: fail at collection, loudly
        raise FileNotFoundError(f"reference conversations missing at {path}")
    data: list[Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


CONVERSATIONS = _conversations()


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c["name"] for c in CONVERSATIONS])
def test_reference_conversation(conversation: dict[str, Any], shared_dir: Path) -> None:
    bot = Assistant()
    session_id: str | None = None
    for number, turn in enumerate(conversation["turns"], start=1):
        reply = bot.handle(turn["user"], session_id=session_id)
        session_id = reply.session_id
        for key, expected in turn["expect"].items():
            where = f"turn {number} ({turn['user']!r}): {key}"
            if key == "slots":
                for slot, value in expected.items():
                    assert reply.slots[slot] == value, f"{where}.{slot}"
            else:
                assert getattr(reply, key) == expected, where
        if reply.handoff:
            assert reply.handoff_summary is not None
