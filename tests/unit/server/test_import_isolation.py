from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "fastapi",
    "uvicorn",
    "starlette",
    "prometheus_client",
    "vpnfsm.server",
    "vpnfsm.benchmarks",
    # chat hosts (extras slack, teams): their SDKs load only when a host is used
    "slack_bolt",
    "slack_sdk",
    "botbuilder",
    "botframework",
    "aiohttp",
    "vpnfsm.hosts",
)


def test_import_vpnfsm_loads_no_web_stack() -> None:
    code = (
        "import json, sys, vpnfsm, vpnfsm.cli\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({HEAVY!r}))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []
