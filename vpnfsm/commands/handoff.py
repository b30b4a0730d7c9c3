"""``vpnfsm handoff``: replay a transcript and print the handoff as summary, tags and Jira body."""

from __future__ import annotations

import argparse
import json

NAME = "handoff"
HELP = "replay a transcript (one user message a line) and print {summary, tags, jira} as JSON"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``handoff``."""
    parser.add_argument("--tenant", required=True, metavar="FILE", help="tenant mapping file (TOML)")
    parser.add_argument("--tenant-id", required=True, metavar="ID", help="which tenant of the file")
    parser.add_argument("--api", type=int, choices=(2, 3), default=3, help="Jira REST API version (default 3)")
    parser.add_argument("transcript", nargs="?", default=None, help="text file, one message a line (default stdin)")


def run(args: argparse.Namespace) -> int:
    """Print one JSON object; errors (no handoff, bad tenant file) exit 2 via the CLI."""
    from vpnfsm.commands._io import open_input
    from vpnfsm.handoff.preview import preview_handoff
    from vpnfsm.handoff.tenants import load_tenants

    tenants = load_tenants(args.tenant)
    stream = open_input(args.transcript)
    try:
        lines = stream.readlines()
    finally:
        if args.transcript not in (None, "-"):
            stream.close()
    preview = preview_handoff(lines, tenants=tenants, tenant_id=args.tenant_id, api=args.api)
    print(json.dumps(preview.model_dump(mode="json"), indent=2, ensure_ascii=False))
    return 0
