"""Per-part timing of the extractor on the corpus, and the slowest messages (development aid)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from vpnfsm.nlp import RuleExtractor
from vpnfsm.nlp.context import read_context
from vpnfsm.nlp.protocols import Facts, Message

ROOT = Path(__file__).resolve().parents[1]
NO_FACTS = Facts(None, None, None, None)


def _once(x: RuleExtractor, text: str, context: str | None) -> int:
    start = time.perf_counter_ns()
    x.extract(text, context=context)
    return time.perf_counter_ns() - start

if __name__ == "__main__":
    x = RuleExtractor()
    rows = [json.loads(line) for line in (ROOT / "tests/data/extractor_corpus.jsonl").open()]
    texts = [(r["text"], r["context"]) for r in rows]
    for a, c in texts:
        x.extract(a, context=c)
    parts = {
        "message": lambda a, c: Message.of(a),
        "os": lambda a, c: x._os.match(Message.of(a), read_context(c), {}),
        "client": lambda a, c: x._client.match(Message.of(a), read_context(c), {}),
        "symptom": lambda a, c: x._symptom.match(Message.of(a), read_context(c), {}),
        "code": lambda a, c: x._code.find(Message.of(a), read_context(c)),
        "intent": lambda a, c: x._intent.classify(Message.of(a), read_context(c), NO_FACTS),
        "signals": lambda a, c: x._signals.detect(Message.of(a), read_context(c), False),
        "all": lambda a, c: x.extract(a, context=c),
    }
    for name, fn in parts.items():
        best = float("inf")
        for _ in range(7):  # the best pass: other processes share this machine's two cores
            start = time.perf_counter()
            for a, c in texts:
                fn(a, c)
            best = min(best, time.perf_counter() - start)
        print(f"{name:<8} {best / len(texts) * 1e6:8.1f} us (mean per message, best of 7 passes)")
    slow = []
    for a, c in texts:
        best_ns = min(_once(x, a, c) for _ in range(5))
        slow.append((best_ns / 1000, a))
    for us, a in sorted(slow, reverse=True)[:8]:
        print(f"{us:8.1f} us  {a}")
