"""``vpnfsm eval FILE``: per-field accuracy of the extractor on a labeled file."""

from __future__ import annotations

import argparse
import json
import sys

NAME = "eval"
HELP = "measure the extractor on a labeled JSON Lines file (per-field accuracy and misses)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``eval``."""
    parser.add_argument("file", help="labeled JSON Lines (text, context, intent, os, client, symptom, error_code)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--min-accuracy", type=float, default=None, help="exit 1 when any field scores below this"
    )


def run(args: argparse.Namespace) -> int:
    """Print the report; exit 1 below ``--min-accuracy``."""
    from vpnfsm.nlp import RuleExtractor
    from vpnfsm.nlp.evaluate import evaluate, load_labeled

    try:
        rows = load_labeled(args.file)
    except (OSError, ValueError) as exc:
        print(f"vpnfsm eval: {exc}", file=sys.stderr)
        return 2
    report = evaluate(rows, RuleExtractor())
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.to_text())
    if args.min_accuracy is not None and report.min_accuracy() < args.min_accuracy:
        return 1
    return 0
