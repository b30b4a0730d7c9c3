"""Print evaluation reports for the shared dev file and the own corpus, plus timing."""

from __future__ import annotations

import sys
from pathlib import Path

from vpnfsm.nlp import RuleExtractor
from vpnfsm.nlp.bench import time_extraction
from vpnfsm.nlp.evaluate import evaluate, load_labeled

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT.parent / "shared" / "dev-utterances.jsonl", ROOT / "tests" / "data" / "extractor_corpus.jsonl"]

if __name__ == "__main__":
    ex = RuleExtractor()
    verbose = "-v" in sys.argv
    all_rows = []
    for path in FILES:
        rows = load_labeled(path)
        all_rows += rows
        report = evaluate(rows, ex)
        text = report.to_text()
        print(f"== {path.name}")
        print(text if verbose else text.split("\n\n")[0] + "\n" + text.split("\n\n")[1])
    print(time_extraction([(r.text, r.context) for r in all_rows], repeat=5, extractor=ex))
