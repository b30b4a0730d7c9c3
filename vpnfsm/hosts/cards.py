"""The handoff as a chat card: Slack Block Kit blocks and a Microsoft Adaptive Card.

Pure functions of a :class:`~vpnfsm.handoff.summary.HandoffSummary` (and the
ticket key once delivery knows it), so both hosts show the same facts and
the cards can be checked without either SDK. Values are the normalized
slots written as words; user text in them was redacted before it was stored.
"""

from __future__ import annotations

from typing import Any

from vpnfsm.handoff.jira import summary_line
from vpnfsm.handoff.summary import HandoffSummary

__all__ = ["ADAPTIVE_CARD_VERSION", "adaptive_card", "block_kit", "card_facts"]

#: Adaptive Card schema version the Teams card declares (Teams renders 1.5).
ADAPTIVE_CARD_VERSION = "1.5"
#: Slack's limits: header text 150 characters, a section field 2000, at most 10 fields.
_SLACK_HEADER_MAX = 150
_SLACK_FIELD_MAX = 2000
_SLACK_FIELDS_MAX = 10
_PENDING = "being created"
_TITLE = "Handed over to the support team"


def _words(value: str) -> str:
    return value.replace("_", " ")


def card_facts(summary: HandoffSummary, *, ticket: str | None) -> list[tuple[str, str]]:
    """(label, value) rows shown on both cards, in a fixed order: reference and ticket first."""
    rows = [("Reference", summary.reference), ("Ticket", ticket or _PENDING)]
    for slot, value in summary.slots.items():
        shown = value or ("skipped" if slot in summary.skipped else "unknown")
        rows.append((_words(slot).capitalize(), _words(shown) if slot != "error_code" else shown))
    rows.append(("Steps tried", str(len(summary.steps))))
    return rows


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn reads &, < and > as control characters.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def block_kit(summary: HandoffSummary, *, ticket: str | None) -> list[dict[str, Any]]:
    """Slack blocks: a header, the ticket's summary line, the facts as fields, a context line."""
    fields = [
        {"type": "mrkdwn", "text": _cut(f"*{label}*\n{_slack_escape(value)}", _SLACK_FIELD_MAX)}
        for label, value in card_facts(summary, ticket=ticket)
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(_TITLE, _SLACK_HEADER_MAX)}},
        {"type": "section", "text": {"type": "plain_text", "text": _cut(summary_line(summary), _SLACK_FIELD_MAX)}},
    ]
    for start in range(0, len(fields), _SLACK_FIELDS_MAX):
        blocks.append({"type": "section", "fields": fields[start : start + _SLACK_FIELDS_MAX]})
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "A person from the support team will reply in this thread."}],
        }
    )
    return blocks


def adaptive_card(summary: HandoffSummary, *, ticket: str | None) -> dict[str, Any]:
    """An Adaptive Card: a title, the ticket's summary line, a fact set."""
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": ADAPTIVE_CARD_VERSION,
        "body": [
            {"type": "TextBlock", "text": _TITLE, "weight": "Bolder", "size": "Medium"},
            {"type": "TextBlock", "text": summary_line(summary), "wrap": True},
            {
                "type": "FactSet",
                "facts": [{"title": label, "value": value} for label, value in card_facts(summary, ticket=ticket)],
            },
            {
                "type": "TextBlock",
                "text": "A person from the support team will reply in this conversation.",
                "wrap": True,
                "isSubtle": True,
            },
        ],
    }
