"""Preview a handoff: what the ticket for one handoff summary would be.

For people who configure tenants: the same summary -> tags -> tenant fields
-> Jira body pipeline that delivery runs, without sending anything. Getting
a summary (replaying a transcript through the assistant) is the caller's
job: the handoff layer builds from a summary and never runs a conversation.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from vpnfsm.handoff.jira import ApiVersion, build_issue_body
from vpnfsm.handoff.summary import HandoffSummary
from vpnfsm.handoff.tags import tags_for
from vpnfsm.handoff.tenants import TenantBook, ticket_fields

__all__ = ["HandoffPreview", "preview_summary"]


class HandoffPreview(BaseModel):
    """The three layers of one handoff: facts, meaning, the request body."""

    model_config = ConfigDict(frozen=True)

    summary: HandoffSummary
    tags: list[str]
    jira: dict[str, Any]


def preview_summary(summary: HandoffSummary, *, tenants: TenantBook, api: ApiVersion) -> HandoffPreview:
    """Tag a handoff summary and format it for the summary's tenant, as delivery would.

    Raises:
        TenantError: the summary's tenant is not in ``tenants``.

    """
    tenant = tenants.get(summary.tenant)
    tags = tags_for(summary)
    fields = ticket_fields(tenant, tags, attempts=summary.attempts)
    return HandoffPreview(summary=summary, tags=tags, jira=build_issue_body(summary, tags, fields, api=api))
