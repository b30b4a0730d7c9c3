"""``vpnfsm new-flow NAME --into DIR``: start a flow in a content pack from one that works."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

NAME = "new-flow"
HELP = "write a small working flow and its two articles into a content pack directory (created if missing)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``new-flow``."""
    parser.add_argument("name", help="the flow's name (lower-case letters, digits, _), e.g. wifi")
    parser.add_argument("--into", metavar="DIR", required=True, help="the content pack directory")


def run(args: argparse.Namespace) -> int:
    """Write the files and print them with the next commands; 2 when nothing could be written."""
    from vpnfsm.content.scaffold import write_flow

    into = Path(args.into)
    try:
        written = write_flow(args.name, into)
    except (ValueError, FileExistsError) as exc:
        print(f"vpnfsm new-flow: {exc}", file=sys.stderr)
        return 2
    for path in (written.manifest, written.flow, written.knowledge):
        if path is not None:
            print(f"wrote {path}")
    print(f"next: vpnfsm verify --content {into}   then   vpnfsm chat --content {into}")
    return 0
