"""The ``--flow NAME`` option shared by the commands that work on flow declarations."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_flow_argument", "selected_flows"]


def add_flow_argument(parser: argparse.ArgumentParser, *, verb: str) -> None:
    """Register ``--flow NAME`` ("<verb> only this flow (default: every flow)")."""
    parser.add_argument("--flow", metavar="NAME", help=f"{verb} only this flow (default: every flow)")


def selected_flows(flow: str | None, *, command: str) -> list[str] | None:
    """The registered flow names to work on, or ``None`` (after a message) when ``flow`` is unknown."""
    from vpnfsm.flows.registry import FLOWS

    if flow is None:
        return list(FLOWS)
    if flow not in FLOWS:
        print(f"vpnfsm {command}: unknown flow {flow!r} (known: {', '.join(sorted(FLOWS))})", file=sys.stderr)
        return None
    return [flow]
