r"""``vpnfsm train FILE... --out PATH``: rebuild the classifier's weight file from labeled corpora.

The shipped weights are rebuilt with (from the repository root, ``shared/`` beside it)::

    vpnfsm train ../shared/corpus/real-vpn.jsonl ../shared/corpus/real-other.jsonl \\
        --out vpnfsm/nlp/weights.json

The output is deterministic: the same files give the same bytes (``--check`` compares instead
of writing, for CI). Needs scikit-learn (the ``dev`` extra).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

NAME = "train"
HELP = "train the intent/symptom classifier on labeled JSON Lines and write (or --check) the weight file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``train``."""
    parser.add_argument("file", nargs="+", help="labeled JSON Lines corpora (gold alternatives, source groups)")
    parser.add_argument("--out", required=True, help="weight file to write (the shipped one: vpnfsm/nlp/weights.json)")
    parser.add_argument(
        "--check", action="store_true", help="do not write: exit 1 unless --out already holds exactly these bytes"
    )


def run(args: argparse.Namespace) -> int:
    """Train, then write or compare the weight file."""
    from vpnfsm.nlp.corpus import load_corpus

    try:
        from vpnfsm.nlp.training import dump_weights, train

        data = dump_weights(train(load_corpus(args.file)))
    except ImportError as exc:
        print(f"vpnfsm train: needs scikit-learn (pip install 'vpnfsm[dev]'): {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"vpnfsm train: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    if args.check:
        same = out.is_file() and out.read_bytes() == data
        print(f"vpnfsm train: {out} {'is byte-identical' if same else 'DIFFERS from a fresh build'}")
        return 0 if same else 1
    out.write_bytes(data)
    print(f"vpnfsm train: wrote {out} ({len(data)} bytes)")
    return 0
