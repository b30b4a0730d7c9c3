"""``vpnfsm bench``: print timing figures as JSON (core; ``--redis``; ``--http``)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

NAME = "bench"
HELP = "print per-turn and per-extraction timings as JSON (median, p99), side by side with a naive design"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``bench``."""
    parser.add_argument("--turns", type=int, default=3000, help="turns per design (default 3000)")
    parser.add_argument(
        "--redis",
        nargs="?",
        const="",
        default=None,
        metavar="URL",
        help="also benchmark the Redis store (no URL: start a temporary redis-server)",
    )
    parser.add_argument(
        "--texts",
        metavar="FILE",
        default=None,
        help="also time extraction on the messages of a JSON Lines file (text, context), e.g. a labeled set",
    )
    parser.add_argument(
        "--http", action="store_true", help="also run the HTTP load benchmark (needs the server extra)"
    )
    parser.add_argument(
        "--adversarial",
        action="store_true",
        help="also time the worst messages an attacker can build against a normal 300-character one",
    )


def run(args: argparse.Namespace) -> int:
    """Run the selected benchmarks and print one JSON object."""
    from vpnfsm.benchmarks.core_bench import run_core_bench

    if args.turns < 100:
        print("vpnfsm bench: --turns must be at least 100", file=sys.stderr)
        return 2
    if args.http and not _server_extra_installed():
        # Checked before the core figures run, so the refusal is not minutes late.
        print("vpnfsm bench --http needs the server extra: pip install 'vpnfsm[server]'", file=sys.stderr)
        return 2
    report: dict[str, Any] = {"core": run_core_bench(turns=args.turns, extractions=args.turns)}
    if args.texts is not None:
        from vpnfsm.nlp.bench import time_extraction
        from vpnfsm.nlp.evaluate import load_labeled

        pairs = [(row.text, row.context) for row in load_labeled(args.texts)]
        figures = time_extraction(pairs, repeat=max(1, args.turns // max(1, len(pairs))))
        report["extraction_texts"] = {"file": args.texts, **{k: round(v, 2) for k, v in figures.items()}}
    if args.redis is not None:
        from vpnfsm.benchmarks.redis_bench import run_redis_bench

        report["redis"] = run_redis_bench(args.redis or None)
    if args.adversarial:
        from vpnfsm.benchmarks.adversarial_bench import run_adversarial_bench

        report["adversarial"] = run_adversarial_bench()
    if args.http:
        from vpnfsm.benchmarks.http_bench import run_http_bench

        report["http"] = run_http_bench(None)
    print(json.dumps(report, indent=2))
    return 0


def _server_extra_installed() -> bool:
    try:
        import uvicorn  # noqa: F401

        import vpnfsm.server.app  # noqa: F401  (fastapi, prometheus-client, pydantic-settings)
    except ImportError:
        return False
    return True
