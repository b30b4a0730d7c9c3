"""``vpnfsm diagram [--flow NAME] [--content DIR] [--format ...] [-o DIR]``: draw flows from their declarations."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vpnfsm.commands._flows import add_flow_argument, selected

NAME = "diagram"
HELP = "draw each flow from its declaration (svg, png, dot or mermaid) into a directory"

_SUFFIX = {"svg": "svg", "png": "png", "dot": "dot", "mermaid": "mmd"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``diagram``."""
    add_flow_argument(parser, verb="draw")
    parser.add_argument(
        "--format", choices=sorted(_SUFFIX), default="svg", help="output format (default svg)"
    )
    parser.add_argument(
        "-o", "--output", metavar="DIR", default="diagrams", help="directory (default diagrams)"
    )


def run(args: argparse.Namespace) -> int:
    """Write ``<DIR>/<flow>.<ext>`` for each selected flow and print the paths."""
    from vpnfsm.diagram import render
    chosen = selected(args, command="diagram")
    if chosen is None:
        return 2
    names, flows = chosen.names, chosen.flows
    directory = Path(args.output)
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        try:
            data = render(flows[name], args.format)
        except ImportError:
            print(
                f"vpnfsm diagram: --format {args.format} needs the Python package graphviz: "
                "pip install 'vpnfsm[diagrams]' (--format mermaid needs nothing)",
                file=sys.stderr,
            )
            return 2
        except OSError as exc:  # graphviz.ExecutableNotFound is a RuntimeError; dot failures are OSError
            print(f"vpnfsm diagram: cannot render {name}: {exc}", file=sys.stderr)
            return 2
        except RuntimeError as exc:
            print(
                f"vpnfsm diagram: cannot render {name}: {exc} "
                "(install Graphviz's dot program, e.g. apt-get install graphviz)",
                file=sys.stderr,
            )
            return 2
        path = directory / f"{name}.{_SUFFIX[args.format]}"
        path.write_bytes(data)
        print(path)
    if args.format == "mermaid" and not args.flow:
        from vpnfsm.dialogue.diagram import policy_mermaid

        path = directory / "dialogue-policy.mmd"  # the policy between the flows, from its rule table
        path.write_text(policy_mermaid(), encoding="utf-8")
        print(path)
    return 0
