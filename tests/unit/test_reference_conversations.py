"""The project's reference conversations (tests/data/reference), run through the public Assistant.

The shared ones (../shared/conversations/vpn.yaml) run in tests/shared with ``--shared``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conversation_support import load_conversations, run_conversation

CONVERSATIONS = load_conversations(Path(__file__).resolve().parents[1] / "data" / "reference" / "vpn.yaml")


def test_the_reference_set_reaches_every_ending() -> None:
    ends = {turn["expect"].get("outcome") for case in CONVERSATIONS for turn in case["turns"]}
    assert {"handoff", "resolved"} <= ends
    assert len(CONVERSATIONS) >= 8


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c["name"] for c in CONVERSATIONS])
def test_reference_conversation(conversation: dict[str, Any]) -> None:
    run_conversation(conversation)
