"""Runs a reference conversation (the ``user`` / ``expect`` YAML shape) through the public Assistant."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from vpnfsm import Assistant


def load_conversations(path: Path) -> list[dict[str, Any]]:
    """The conversations of one YAML file; a missing file fails at collection, loudly."""
    if not path.exists():
        raise FileNotFoundError(f"reference conversations missing at {path}")
    data: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def run_conversation(conversation: dict[str, Any]) -> None:
    """Play every turn in one session and check what each turn expects."""
    bot = Assistant()
    session_id: str | None = None
    for number, turn in enumerate(conversation["turns"], start=1):
        reply = bot.handle(turn["user"], session_id=session_id)
        session_id = reply.session_id
        for key, expected in turn["expect"].items():
            where = f"turn {number} ({turn['user']!r}): {key}"
            if key == "slots":
                for slot, value in expected.items():
                    assert reply.slots.get(slot) == value, f"{where}.{slot}"
            else:
                assert getattr(reply, key) == expected, where
        if reply.handoff:
            assert reply.handoff_summary is not None
