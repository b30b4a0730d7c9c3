"""Print the Redis benchmark as JSON: ``python tests/bench/bench_redis.py [URL] [--turns N]``.

Without a URL it starts (and stops) its own redis-server on a free port.
The figures and the issue's targets are explained in ``docs/storage.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from vpnfsm.benchmarks.redis_bench import run_redis_bench


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", nargs="?", default=None, help="Redis URL (default: a temporary server)")
    parser.add_argument("--turns", type=int, default=2000)
    args = parser.parse_args()
    print(json.dumps(run_redis_bench(args.url, turns=args.turns), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
