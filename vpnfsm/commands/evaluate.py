"""``vpnfsm eval FILE``: per-field accuracy of the extractor on a labeled file.

``vpnfsm eval --cv 5 FILE...`` instead runs grouped cross-validation over corpus files
(gold alternatives, ``"*"``, ``source`` groups) and prints rules only / model only / combined
per field (needs scikit-learn: the ``dev`` extra).
"""

from __future__ import annotations

import argparse
import json
import sys

NAME = "eval"
HELP = "measure the extractor on a labeled JSON Lines file (per-field accuracy and misses), or cross-validate"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``eval``."""
    parser.add_argument(
        "file", nargs="+", help="labeled JSON Lines (text, context, intent, os, client, symptom, error_code)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--min-accuracy", type=float, default=None, help="exit 1 when any field scores below this"
    )
    parser.add_argument(
        "--cv",
        type=int,
        default=None,
        metavar="K",
        help="grouped K-fold cross-validation of rules, model and both (trains a model per fold)",
    )


def run(args: argparse.Namespace) -> int:
    """Print the report; exit 1 below ``--min-accuracy``."""
    if args.cv is not None:
        return _run_cv(args)
    from vpnfsm.nlp import RuleExtractor
    from vpnfsm.nlp.evaluate import evaluate, load_labeled

    if len(args.file) != 1:
        print("vpnfsm eval: give one file (or --cv K with several)", file=sys.stderr)
        return 2
    try:
        rows = load_labeled(args.file[0])
    except (OSError, ValueError) as exc:
        print(f"vpnfsm eval: {exc}", file=sys.stderr)
        return 2
    report = evaluate(rows, RuleExtractor())
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.to_text())
    if args.min_accuracy is not None and report.min_accuracy() < args.min_accuracy:
        return 1
    return 0


def _run_cv(args: argparse.Namespace) -> int:
    from vpnfsm.nlp.corpus import load_corpus

    try:
        from vpnfsm.nlp.crossval import cross_validate

        rows = load_corpus(args.file)
        report = cross_validate(rows, folds=args.cv)
    except ImportError as exc:
        print(f"vpnfsm eval: --cv needs scikit-learn (pip install 'vpnfsm[dev]'): {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"vpnfsm eval: {exc}", file=sys.stderr)
        return 2
    print(report.model_dump_json(indent=2) if args.json else report.to_text())
    if args.min_accuracy is not None:
        worst = min((s.accuracy for s in report.scores if s.column == "combined"), default=1.0)
        if worst < args.min_accuracy:
            return 1
    return 0
