"""The ``--flow NAME`` and ``--content DIR`` options shared by the commands that work on flow declarations."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vpnfsm.flows.spec import FlowSpec

__all__ = ["Selection", "add_content_argument", "add_flow_argument", "selected", "selected_flows"]


def add_content_argument(parser: argparse.ArgumentParser) -> None:
    """Register ``--content DIR`` (a content pack instead of the shipped flows)."""
    parser.add_argument(
        "--content",
        metavar="DIR",
        default=None,
        help="a content pack directory (or installed pack name) instead of the shipped flows; $VPNFSM_CONTENT",
    )


def add_flow_argument(parser: argparse.ArgumentParser, *, verb: str) -> None:
    """Register ``--flow NAME`` ("<verb> only this flow (default: every flow)") and ``--content DIR``."""
    parser.add_argument("--flow", metavar="NAME", help=f"{verb} only this flow (default: every flow)")
    add_content_argument(parser)


@dataclass(frozen=True)
class Selection:
    """The flows a command works on: the chosen names, all flows, earlier versions, tenant variants."""

    names: list[str]
    flows: Mapping[str, FlowSpec]
    previous: Mapping[str, tuple[FlowSpec, ...]]
    tenants: Mapping[str, Mapping[str, FlowSpec]]


def selected(args: argparse.Namespace, *, command: str) -> Selection | None:
    """The flows of ``--content`` (else the registry) narrowed by ``--flow``; ``None`` after a message.

    Raises:
        ContentError: the pack is broken (the CLI prints every problem).

    """
    content = getattr(args, "content", None)
    flows: Mapping[str, FlowSpec]
    previous: Mapping[str, tuple[FlowSpec, ...]]
    tenants: Mapping[str, Mapping[str, FlowSpec]]
    if content is not None:
        from vpnfsm.content import load_pack

        pack = load_pack(content)
        flows, previous, tenants = pack.flows, pack.previous, pack.tenants
    else:
        from vpnfsm.flows.registry import FLOWS, PREVIOUS_VERSIONS

        flows, previous, tenants = FLOWS, PREVIOUS_VERSIONS, {}
    names = selected_flows(args.flow, command=command, flows=flows)
    if names is None:
        return None
    return Selection(names=names, flows=flows, previous=previous, tenants=tenants)


def selected_flows(flow: str | None, *, command: str, flows: Mapping[str, FlowSpec] | None = None) -> list[str] | None:
    """The flow names to work on, or ``None`` (after a message) when ``flow`` is unknown."""
    if flows is None:
        from vpnfsm.flows.registry import FLOWS

        flows = FLOWS
    if flow is None:
        return list(flows)
    if flow not in flows:
        print(f"vpnfsm {command}: unknown flow {flow!r} (known: {', '.join(sorted(flows))})", file=sys.stderr)
        return None
    return [flow]
