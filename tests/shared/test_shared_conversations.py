"""The shared reference conversations (../shared/conversations/vpn.yaml), run through the public Assistant."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SHARED
from tests.conversation_support import load_conversations, run_conversation

CONVERSATIONS = load_conversations(SHARED / "conversations" / "vpn.yaml")


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c["name"] for c in CONVERSATIONS])
def test_shared_reference_conversation(conversation: dict[str, Any]) -> None:
    run_conversation(conversation)
