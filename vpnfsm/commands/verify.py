"""``vpnfsm verify [--flow NAME]``: prove every flow's behaviour, or print a counterexample."""

from __future__ import annotations

import argparse
import sys

from vpnfsm.commands._flows import add_flow_argument, selected_flows

NAME = "verify"
HELP = (
    "explore every reachable configuration of each flow and prove reachability, no dead ends, "
    "a bound K on user turns, transition coverage and version mappings"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``verify``."""
    add_flow_argument(parser, verb="verify")


def run(args: argparse.Namespace) -> int:
    """Verify the selected flows; 0 when all are proved, 1 with counterexamples otherwise."""
    from vpnfsm.flows.registry import FLOWS, PREVIOUS_VERSIONS
    from vpnfsm.verify import verify_flow

    names = selected_flows(args.flow, command="verify")
    if names is None:
        return 2
    failed = 0
    for name in names:
        spec = FLOWS[name]
        report = verify_flow(spec, previous=PREVIOUS_VERSIONS.get(name, ()))
        print(f"flow {spec.name} (version {report.version}): {'PROVED' if report.ok else 'FAILED'}")
        print(f"  states: {len(report.states)} ({', '.join(report.states)})")
        print(f"  configurations explored: {report.configurations}")
        covered = len(report.transitions_covered)
        print(
            f"  transitions covered: {covered}/{report.transitions_total} "
            f"({report.coverage:.0%}); generated conversations: {len(report.conversations)}"
        )
        if report.k is not None:
            print(f"  K = {report.k} user turns at most; one longest conversation:")
            for number, step in enumerate(report.longest_path, start=1):
                print(f"    {number}. {step}")
        else:
            print("  K: unbounded")
        if spec.migrations:
            checked = ", ".join(report.migrations_checked) or "none"
            print(f"  version mappings: {len(spec.migrations)} declared, checked: {checked}")
        else:
            print("  version mappings: none declared")
        for problem in report.problems:
            print("  " + problem.format().replace("\n", "\n  "))
        if not report.ok:
            failed += 1
    if failed:
        print(f"vpnfsm verify: {failed} flow(s) failed", file=sys.stderr)
        return 1
    return 0
