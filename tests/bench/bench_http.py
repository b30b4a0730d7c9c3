"""HTTP load benchmark: ``python tests/bench/bench_http.py [--connections 32] [--redis-url URL]``.

Prints one JSON object per worker count: requests/s, p50/p99, server and Redis
CPU per request and errors for the vpnfsm service and for a bare FastAPI
endpoint doing one Redis GET + SET of session-sized bytes, measured in the
same run on the same machine, their ratio, and the turns lost (counted in
Redis). Targets (issue 16): ratio >= 0.85 with one worker, two workers >= one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a checkout without installing

from vpnfsm.benchmarks.http_bench import run_http_bench


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url", default=None, help="default: a temporary redis-server")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--conversations", type=int, default=6, help="per connection and round")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="uvicorn worker counts to compare")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds per side (median reported)")
    args = parser.parse_args()
    figures = run_http_bench(
        args.redis_url,
        connections=args.connections,
        conversations=args.conversations,
        worker_counts=args.workers,
        rounds=args.rounds,
    )
    print(json.dumps(figures, indent=2))
    ok = all(r["service"]["errors"] == 0 and r["lost_turns"] == 0 for r in figures["by_workers"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
