"""``vpnfsm extract [FILE]``: JSON Lines in (``text``, ``context``), labels out."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from vpnfsm.commands._io import open_input, read_jsonl

if TYPE_CHECKING:
    from vpnfsm.nlp.model import Evidence

NAME = "extract"
HELP = "read JSON Lines with 'text' (and optional 'context'), print intent and entities per line"

FIELDS = ("intent", "os", "client", "symptom", "error_code")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``extract``."""
    parser.add_argument("file", nargs="?", help="JSON Lines file (default: standard input)")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="add the evidence of every value: the rule id and span, or the model's probability and features",
    )


def _explained(evidence: Evidence) -> dict[str, object]:
    """One evidence entry for --explain: rule and span, plus probability and features for the model."""
    item: dict[str, object] = {"field": evidence.field, "value": evidence.value, "rule": evidence.rule}
    if evidence.probability is None:
        item["span"] = [evidence.start, evidence.end]
    else:
        item["probability"] = evidence.probability
        item["features"] = list(evidence.features)
    return item


def run(args: argparse.Namespace) -> int:
    """Extract every line, in order; a bad line is reported and stops the run."""
    from vpnfsm.nlp import RuleExtractor

    extractor = RuleExtractor()
    stream = open_input(args.file)
    try:
        for number, row in read_jsonl(stream):
            text = row.get("text")
            context = row.get("context")
            if not isinstance(text, str) or not (context is None or isinstance(context, str)):
                print(f"vpnfsm extract: line {number}: 'text' must be a string", file=sys.stderr)
                return 2
            result = extractor.extract(text, context=context)
            out: dict[str, object] = {field: getattr(result, field) for field in FIELDS}
            if args.explain:
                out["intent_confidence"] = result.intent_confidence
                out["second_symptom"] = result.second_symptom
                out["evidence"] = [_explained(e) for e in result.evidence]
            print(json.dumps(out, ensure_ascii=False))
    except ValueError as exc:
        print(f"vpnfsm extract: {exc}", file=sys.stderr)
        return 2
    finally:
        if stream is not sys.stdin:
            stream.close()
    return 0
