"""Print extraction timing on the shared dev file plus the own corpus (development aid).

Runs ``time_extraction`` three times and reports each, since other processes share the cores.
"""

from __future__ import annotations

from pathlib import Path

from vpnfsm.nlp.bench import time_extraction
from vpnfsm.nlp.evaluate import load_labeled

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    rows = load_labeled(ROOT.parent / "shared" / "dev-utterances.jsonl")
    rows += load_labeled(ROOT / "tests" / "data" / "extractor_corpus.jsonl")
    pairs = [(r.text, r.context) for r in rows]
    for _ in range(3):
        figures = time_extraction(pairs, repeat=5)
        median, p99, mean = figures["median_us"], figures["p99_us"], figures["mean_us"]
        print(f"median {median:.1f} us  p99 {p99:.1f} us  mean {mean:.1f} us")
