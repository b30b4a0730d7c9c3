"""Extraction memo hit rate on reference conversations: ``python tests/bench/bench_memo.py [FILE.yaml ...]``.

Every conversation is played once, in one process, through an ``Assistant``
with the default (memoized) extractor, as if each were another employee: a
hit is a short answer someone else already gave in the same state. Defaults
to the conversations in ``tests/data/conversations`` and ``tests/data/reference`` plus
``/work/shared/conversations/vpn.yaml`` when it is there. Prints JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a checkout without installing

from vpnfsm import Assistant
from vpnfsm.nlp._memo import MemoExtractor

_HERE = Path(__file__).resolve().parents[1]
_DEFAULTS = [
    *sorted((_HERE / "data" / "conversations").glob("*.yaml")),
    *sorted((_HERE / "data" / "reference").glob("*.yaml")),
    Path("/work/shared/conversations/vpn.yaml"),
]


def _conversations(path: Path) -> list[list[str]]:
    data: Any = yaml.safe_load(path.read_text())
    if isinstance(data, dict):  # {conversations: [...]} or a single mapping of name -> turns
        data = data.get("conversations", list(data.values()))
    found: list[list[str]] = []
    for item in data or []:
        turns = item.get("turns", []) if isinstance(item, dict) else []
        texts = [t["user"] for t in turns if isinstance(t, dict) and isinstance(t.get("user"), str)]
        if texts:
            found.append(texts)
    return found


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or [p for p in _DEFAULTS if p.exists()]
    bot = Assistant()
    memo = bot.logic.extractor
    assert isinstance(memo, MemoExtractor)
    conversations = [c for p in paths for c in _conversations(p)]
    messages = 0
    for texts in conversations:
        session_id = None
        for text in texts:
            session_id = bot.handle(text, session_id=session_id).session_id
            messages += 1
    short = memo.hits + memo.misses
    print(
        json.dumps(
            {
                "files": [str(p) for p in paths],
                "conversations": len(conversations),
                "messages": messages,
                "short_messages": short,
                "hits": memo.hits,
                "hit_rate_short": round(memo.hit_rate, 3),
                "hit_rate_all_messages": round(memo.hits / messages, 3) if messages else 0.0,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
