"""The ``vpnfsm`` command line: one subcommand per module in :mod:`vpnfsm.commands`.

Each command module exposes ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``; this file only wires them together, so adding a command
never touches another command's code. Only the CLI prints.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from vpnfsm.errors import VpnfsmError

__all__ = ["COMMANDS", "main"]

#: Command modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = (
    "vpnfsm.commands.chat",
    "vpnfsm.commands.extract",
    "vpnfsm.commands.evaluate",
    "vpnfsm.commands.train",
    "vpnfsm.commands.bench",
    "vpnfsm.commands.handoff",
    "vpnfsm.commands.deliver",
    "vpnfsm.commands.verify",
    "vpnfsm.commands.diagram",
    "vpnfsm.commands.new_flow",
    "vpnfsm.commands.serve",
    "vpnfsm.commands.slack",
    "vpnfsm.commands.teams",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command registered."""
    parser = argparse.ArgumentParser(prog="vpnfsm", description="State-machine IT-support assistant.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMANDS:
        module = importlib.import_module(module_name)
        command = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args._run(args)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
    except BrokenPipeError:
        # `vpnfsm eval FILE | head`: the reader left early. Not a failure of
        # vpnfsm, but the output is incomplete, so say so and exit non-zero.
        _discard_stdout()
        print("vpnfsm: output closed early (broken pipe); the rest was not written", file=sys.stderr)
        return 1
    except VpnfsmError as exc:
        print(f"vpnfsm: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a missing or unreadable file named on the command line
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"vpnfsm: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


def _discard_stdout() -> None:
    # Python flushes stdout again at exit and would print a second error there.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (tests, embedding)
        pass
