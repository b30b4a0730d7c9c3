"""``vpnfsm verify [--flow NAME] [--content DIR]``: prove every flow's behaviour, or print a counterexample."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from vpnfsm.commands._flows import add_flow_argument, selected

if TYPE_CHECKING:
    from vpnfsm.flows.spec import FlowSpec

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
    from vpnfsm.verify import verify_flow

    chosen = selected(args, command="verify")
    if chosen is None:
        return 2
    names, flows, previous = chosen.names, chosen.flows, chosen.previous
    failed = 0
    ks: dict[str, int] = {}
    for name in names:
        spec = flows[name]
        report = verify_flow(spec, previous=previous.get(name, ()))
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
        if report.k is not None:
            ks[name] = report.k
        failed += _print_scopes(spec)
        for tenant, variant in chosen.tenants.items():
            # A tenant's overlay changes articles: its table is proved too.
            if variant[name].knowledge != spec.knowledge:
                print(f"  tenant {tenant}:", end="")
                failed += _print_scopes(variant[name])
        if not report.ok:
            failed += 1
    # The dialogue policy parks and resumes cases by the extractor's intents; a
    # pack flow that starts on its own cues has none, so it is left out of that check.
    from vpnfsm.content.pack import extractor_intents

    read = extractor_intents()
    policed = {name: flows[name] for name in names if flows[name].intent in read}
    for name in sorted(set(names) - set(policed)):
        print(f"dialogue policy: {name} starts on its cues; park/resume is not checked for it")
    failed += _print_policy(policed, ks, partners={n: s for n, s in flows.items() if s.intent in read})
    if failed:
        print(f"vpnfsm verify: {failed} flow(s) failed", file=sys.stderr)
        return 1
    return 0


def _print_scopes(spec: FlowSpec) -> int:
    """Print the knowledge articles' scope check; 1 when it failed."""
    from vpnfsm.dialogue.scope import check_scopes

    scopes = check_scopes(spec)
    verdict = "PROVED" if scopes.ok else "FAILED"
    print(
        f"  article scopes: {verdict} ({scopes.articles} articles, {scopes.combinations} combinations of known "
        f"facts, each with a fitting article or the generic fallback)"
    )
    if scopes.fallback_only:
        print(f"  combinations that only get the generic fallback: {len(scopes.fallback_only)}, e.g.")
        for facts in scopes.fallback_only[:5]:
            print("    " + ", ".join(f"{key}={value}" for key, value in facts.items() if value is not None))
    for problem in scopes.problems[:20]:
        print("  " + problem.format())
    return 0 if scopes.ok else 1


def _print_policy(flows: Mapping[str, FlowSpec], ks: Mapping[str, int], *, partners: Mapping[str, FlowSpec]) -> int:
    """Print the dialogue policy's proofs; 1 when they failed."""
    from vpnfsm.dialogue.checks import verify_policy
    from vpnfsm.dialogue.policy import LIMITS

    report = verify_policy(flows, ks, partners=partners)
    print(f"dialogue policy: {'PROVED' if report.ok else 'FAILED'}")
    print(f"  rules: {report.rules}, each deciding some message ({report.live} live); the last is a catch-all")
    print(
        f"  budgets per case: {LIMITS.max_meta_turns} meta turns, {LIMITS.max_switches} switches per session, "
        f"{LIMITS.max_parked} parked case"
    )
    for name, (k, bound) in report.bounds.items():
        checked = report.parked_checked.get(name)
        parked = (
            f"parked and resumed unchanged from {checked} configurations"
            if checked is not None
            else "no other flow to be parked for"
        )
        print(f"  {name}: K = {bound} user turns per case with the policy (flow K {k} + meta + switches); {parked}")
    if len(report.bounds) > 1:
        two = sorted((bound for _, bound in report.bounds.values()), reverse=True)[:2]
        print(f"  with one case parked: at most {sum(two)} user turns until both cases have ended")
    for problem in report.problems:
        print("  " + problem)
    return 0 if report.ok else 1
