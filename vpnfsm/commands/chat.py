"""``vpnfsm chat``: a conversation in the terminal, showing the state after each reply."""

from __future__ import annotations

import argparse
import sys

from vpnfsm.commands._flows import add_content_argument
from vpnfsm.errors import InputError

NAME = "chat"
HELP = "talk to the assistant in the terminal (in-memory store unless --redis-url or REDIS_URL)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``chat``."""
    parser.add_argument("--redis-url", default=None, help="Redis URL (default: $REDIS_URL, else memory)")
    parser.add_argument("--quiet", action="store_true", help="do not print the state line after replies")
    add_content_argument(parser)


def _assistant(url: str | None, content: str | None = None) -> object:
    from vpnfsm import Assistant

    if url is None:
        return Assistant(content=content)
    from vpnfsm.store.redis import RedisStore

    return Assistant(store=RedisStore.from_url(url), content=content)


#: What ``/help`` prints: the chat's own commands (they are never sent to the assistant).
CHAT_COMMANDS = (
    ("/new", "forget this conversation and start a new one"),
    ("/help", "show these commands"),
    ("/quit", "leave (also /exit, or end of input)"),
)


def _print_help() -> None:
    for command, meaning in CHAT_COMMANDS:
        print(f"  {command:<6} {meaning}")


def run(args: argparse.Namespace) -> int:
    """Read lines until end of input or ``/quit``."""
    from vpnfsm import Assistant
    from vpnfsm.commands._io import redis_url

    bot = _assistant(redis_url(args.redis_url), args.content)
    assert isinstance(bot, Assistant)
    session_id: str | None = None
    shown: str | None = None  # the reference of the summary printed last: each handoff is shown once
    interactive = sys.stdin.isatty()
    print("vpnfsm chat - describe your IT problem; /help for commands, /quit to leave.")
    while True:
        if interactive:
            print("you> ", end="", flush=True)
        line = sys.stdin.readline()
        command = line.strip()
        if not line or command in ("/quit", "/exit"):
            return 0
        if not interactive:
            print(f"you> {line.rstrip()}")
        if command == "/help":
            _print_help()
            continue
        if command == "/new":
            session_id = None
            print("  (new conversation)")
            continue
        try:
            reply = bot.handle(line.rstrip("\n"), session_id=session_id)
        except InputError as exc:
            print(f"  ({exc})")
            continue
        session_id = reply.session_id
        print("bot> " + reply.reply.replace("\n", "\n     "))
        if not args.quiet:
            known = ", ".join(f"{k}={v}" for k, v in reply.slots.items() if v) or "nothing yet"
            print(f"     [state {reply.state or '-'} | intent {reply.intent} | known: {known}]")
        summary = reply.handoff_summary
        if summary is not None and reply.outcome == "handoff" and summary.reference != shown:
            shown = summary.reference
            if not args.quiet:
                print("     [handoff summary]")
                print("     " + summary.model_dump_json(indent=2).replace("\n", "\n     "))
