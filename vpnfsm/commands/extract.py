"""``vpnfsm extract [FILE]``: JSON Lines in (``text``, ``context``), labels out."""

from __future__ import annotations

import argparse
import json
import sys

from vpnfsm.commands._io import open_input, read_jsonl

NAME = "extract"
HELP = "read JSON Lines with 'text' (and optional 'context'), print intent and entities per line"

FIELDS = ("intent", "os", "client", "symptom", "error_code")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``extract``."""
    parser.add_argument("file", nargs="?", help="JSON Lines file (default: standard input)")


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
            print(json.dumps({field: getattr(result, field) for field in FIELDS}))
    except ValueError as exc:
        print(f"vpnfsm extract: {exc}", file=sys.stderr)
        return 2
    finally:
        if stream is not sys.stdin:
            stream.close()
    return 0
