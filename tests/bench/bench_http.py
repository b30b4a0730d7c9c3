"""HTTP load benchmark: ``python tests/bench/bench_http.py [--clients 64] [--redis-url URL]``.

Prints one JSON object: turns/s, p50/p99 and errors for the vpnfsm service and
for a bare FastAPI endpoint doing one Redis GET + SET, measured in the same
run on the same machine, their ratio, and the turns lost (counted in Redis).
Target: ratio >= 0.7, zero errors, zero lost turns.
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
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--conversations", type=int, default=4, help="per client")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers per server")
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds per side (median reported)")
    args = parser.parse_args()
    figures = run_http_bench(
        args.redis_url,
        clients=args.clients,
        conversations=args.conversations,
        workers=args.workers,
        client_processes=args.client_processes,
        rounds=args.rounds,
    )
    print(json.dumps(figures, indent=2))
    ok = figures["service"]["errors"] == 0 and figures["lost_turns"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
