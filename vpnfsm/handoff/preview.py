"""Preview a handoff: replay a transcript and show what the ticket would be.

For people who configure tenants: the same summary -> tags -> tenant fields
-> Jira body pipeline that delivery runs, without sending anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict

from vpnfsm.errors import InputError
from vpnfsm.handoff.jira import ApiVersion, build_issue_body
from vpnfsm.handoff.summary import HandoffSummary
from vpnfsm.handoff.tags import tags_for
from vpnfsm.handoff.tenants import TenantBook, ticket_fields
from vpnfsm.types import Extractor

__all__ = ["HandoffPreview", "preview_handoff"]


class HandoffPreview(BaseModel):
    """The three layers of one handoff: facts, meaning, the request body."""

    model_config = ConfigDict(frozen=True)

    summary: HandoffSummary
    tags: list[str]
    jira: dict[str, Any]


def preview_handoff(
    lines: Iterable[str],
    *,
    tenants: TenantBook,
    tenant_id: str,
    api: ApiVersion,
    extractor: Extractor | None = None,
) -> HandoffPreview:
    """Replay user messages (one per item; blank ones skipped) and build the ticket.

    Raises:
        TenantError: ``tenant_id`` is not in ``tenants``.
        InputError: the transcript is empty or does not end in a handoff
            (``field="transcript"``; the message says where it ended).

    """
    from vpnfsm.assistant import Assistant

    tenant = tenants.get(tenant_id)
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
    summary = reply.handoff_summary
    tags = tags_for(summary)
    fields = ticket_fields(tenant, tags, attempts=summary.attempts)
    return HandoffPreview(summary=summary, tags=tags, jira=build_issue_body(summary, tags, fields, api=api))
