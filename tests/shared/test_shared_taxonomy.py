"""The tag vocabulary is exactly the shared taxonomy's labels (../shared/nlp-taxonomy.md)."""

from __future__ import annotations

import re

from tests.conftest import require_shared
from vpnfsm.handoff.tags import SLOT_VOCABULARY


def _taxonomy_labels() -> dict[str, set[str]]:
    text = require_shared("nlp-taxonomy.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## (\w+)\n(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL))
    os_line = sections["os"].strip().splitlines()[0]
    return {
        "os": set(re.findall(r"`([a-z_]+)`", os_line)),
        "client": set(re.findall(r"^\| `([a-z_]+)` \|", sections["client"], flags=re.MULTILINE)),
        "symptom": set(re.findall(r"^\| `([a-z_]+)` \|", sections["symptom"], flags=re.MULTILINE)),
    }


def test_vocabulary_is_the_taxonomy() -> None:
    labels = _taxonomy_labels()
    assert {slot: set(values) for slot, values in SLOT_VOCABULARY.items()} == labels
