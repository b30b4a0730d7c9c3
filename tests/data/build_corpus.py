"""Turn tests/data/corpus_src.txt (pipe-separated, hand-written) into extractor_corpus.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

FIELDS = ("context", "intent", "os", "client", "symptom", "error_code")


def main() -> None:
    """Rebuild the JSONL corpus from its compact source."""
    root = Path(__file__).resolve().parent
    rows = []
    for line in (root / "corpus_src.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("|", len(FIELDS))
        values = {k: (None if v == "-" else v) for k, v in zip(FIELDS, parts[:-1], strict=True)}
        rows.append({"text": parts[-1], **values})
    out = root / "extractor_corpus.jsonl"
    keys = ("text", "context", "intent", "os", "client", "symptom", "error_code")
    out.write_text("".join(json.dumps({k: r[k] for k in keys}) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} rows -> {out}")


if __name__ == "__main__":
    main()
