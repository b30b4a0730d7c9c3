"""``vpnfsm handoff``: replay a transcript and print the handoff as summary, tags and Jira body.

The replay lives here, with the command that offers it, so that
:mod:`vpnfsm.handoff` builds from summaries and never reaches up to the
:class:`~vpnfsm.Assistant` it serves.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable

from vpnfsm.errors import InputError
from vpnfsm.handoff.summary import HandoffSummary
from vpnfsm.types import Extractor

NAME = "handoff"
HELP = "replay a transcript (one user message a line) and print {summary, tags, jira} as JSON"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the arguments of ``handoff``."""
    parser.add_argument("--tenant", required=True, metavar="FILE", help="tenant mapping file (TOML)")
    parser.add_argument("--tenant-id", required=True, metavar="ID", help="which tenant of the file")
    parser.add_argument("--api", type=int, choices=(2, 3), default=3, help="Jira REST API version (default 3)")
    parser.add_argument("transcript", nargs="?", default=None, help="text file, one message a line (default stdin)")


def replay_to_handoff(lines: Iterable[str], *, tenant_id: str, extractor: Extractor | None = None) -> HandoffSummary:
    """Replay user messages (one per item; blank ones skipped) in one session; return its handoff summary.

    Raises:
        InputError: the transcript is empty or does not end in a handoff
            (``field="transcript"``; the message says where it ended), or
            ``tenant_id`` is malformed.

    """
    from vpnfsm.assistant import Assistant

    bot = Assistant(extractor=extractor)
    reply = None
    number = 0
    for line in lines:
        number += 1  # the line number, blank lines included, so the error points into the file
        if not line.strip():
            continue
        session_id = reply.session_id if reply is not None else None
        reply = bot.handle(line.rstrip("\r\n"), session_id=session_id, tenant=tenant_id)
    if reply is None:
        raise InputError("the transcript has no messages", field="transcript", reason="empty")
    if reply.handoff_summary is None:
        where = f"state {reply.state}" if reply.state else "no flow"
        ended = f", outcome {reply.outcome}" if reply.outcome else ""
        raise InputError(
            f"the transcript does not end in a handoff: after line {number} the conversation "
            f"is in {where}{ended} (flow {reply.flow or '-'})",
            field="transcript",
            reason="no_handoff",
        )
    return reply.handoff_summary


def run(args: argparse.Namespace) -> int:
    """Print one JSON object; errors (no handoff, bad tenant file) exit 2 via the CLI."""
    from vpnfsm.commands._io import open_input
    from vpnfsm.handoff.preview import preview_summary
    from vpnfsm.handoff.tenants import load_tenants

    tenants = load_tenants(args.tenant)
    tenants.get(args.tenant_id)  # an unknown tenant is reported before any replay
    stream = open_input(args.transcript)
    try:
        lines = stream.readlines()
    finally:
        if args.transcript not in (None, "-"):
            stream.close()
    summary = replay_to_handoff(lines, tenant_id=args.tenant_id)
    preview = preview_summary(summary, tenants=tenants, api=args.api)
    print(json.dumps(preview.model_dump(mode="json"), indent=2, ensure_ascii=False))
    return 0
