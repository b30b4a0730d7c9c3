"""Jira payloads: a handoff formatted as a create-issue request body.

:func:`build_issue_body` returns the JSON for ``POST /rest/api/2/issue``
(description in wiki markup) or ``POST /rest/api/3/issue`` (description in
Atlassian Document Format). Every body carries the idempotency label
``vpnfsm-<reference>`` that delivery searches for before creating, so a
handoff never becomes two tickets. User text only ever appears inside code
blocks (or escaped), so it cannot inject markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from vpnfsm._patterns import compile_user
from vpnfsm.handoff.summary import HandoffSummary
from vpnfsm.handoff.tenants import TicketFields

__all__ = [
    "SUMMARY_MAX_CHARS",
    "ApiVersion",
    "adf_description",
    "build_issue_body",
    "idempotency_label",
    "summary_line",
    "wiki_description",
]

ApiVersion = Literal[2, 3]

#: Jira rejects longer summaries.
SUMMARY_MAX_CHARS = 255

_REASONS = {
    "user_request": "the user asked for a person",
    "steps_failed": "the troubleshooting steps did not fix it",
    "no_progress": "the conversation made no progress",
    "identity_check": "the user has no recovery method, so a person must verify their identity",
}
# Escaped in wiki markup; the text is the (redacted) user's, so RE2 as for every user-text pattern.
_WIKI_SPECIAL = compile_user(r"([*_{}\[\]|!+^~?#\\])", name="jira:wiki-special")
_SPACES = compile_user(r"\s+", name="jira:spaces")


def idempotency_label(summary: HandoffSummary) -> str:
    """The label that marks the one issue of a handoff (no spaces: Jira rejects them)."""
    return "vpnfsm-" + _SPACES.sub("_", summary.reference)


def _title(value: str | None) -> str:
    return (value or "unknown").replace("_", " ")


def summary_line(summary: HandoffSummary) -> str:
    """The issue summary: one line of at most :data:`SUMMARY_MAX_CHARS` characters.

    For example ``VPN-1A2B3C4D vpn: cannot connect (windows, globalprotect, error 809)``.
    """
    slots = summary.slots
    lead = slots.get("symptom") or summary.reason
    details = [value for name, value in slots.items() if value and name not in ("symptom", "error_code")]
    if slots.get("error_code"):
        details.append(f"error {slots['error_code']}")
    line = f"{summary.reference} {_title(summary.intent)}: {_title(lead)}"
    if details:
        line += f" ({', '.join(details)})"
    line = " ".join(line.split())  # no newlines or runs of spaces
    return line if len(line) <= SUMMARY_MAX_CHARS else line[: SUMMARY_MAX_CHARS - 1] + "…"


# -- facts shared by both formats --------------------------------------------------


def _fact_lines(summary: HandoffSummary) -> list[tuple[str, str, str | None]]:
    """(label, normalized value, as typed) per slot, in the flow's order."""
    rows = []
    for slot, value in summary.slots.items():
        shown = value or ("skipped by the user" if slot in summary.skipped else "unknown")
        rows.append((_title(slot), shown, summary.slot_text.get(slot)))
    return rows


def _error_lines(summary: HandoffSummary) -> list[str]:
    """The error code for a code block: as typed when that shows it, else normalized and typed."""
    code = summary.slots.get("error_code") or ""
    typed = " ".join(summary.slot_text.get("error_code", "").split())
    if typed and code in typed:
        return [typed]
    return [code, typed] if typed else [code]


def _step_lines(summary: HandoffSummary) -> list[str]:
    return [
        f"{step.title} ({step.article}), attempt {step.attempt}: {step.result or 'no answer'}" for step in summary.steps
    ]


def _transcript_lines(summary: HandoffSummary) -> list[str]:
    return [
        f"{datetime.fromtimestamp(line.at, tz=UTC):%H:%M:%S} [{line.state or '-'}] {line.text}"
        for line in summary.transcript
    ]


def _footer(summary: HandoffSummary) -> str:
    return (
        f"Reference {summary.reference}, tenant {summary.tenant}, session {summary.session_id}, "
        f"flow {summary.flow} {summary.flow_version}, summary v{summary.summary_version}, "
        f"started {summary.started_at:%Y-%m-%d %H:%M:%S} UTC, "
        f"handed off {summary.handed_off_at:%Y-%m-%d %H:%M:%S} UTC, {summary.turns} messages."
    )


# -- v2: wiki markup ---------------------------------------------------------------


def _wiki_escape(text: str) -> str:
    return _WIKI_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _wiki_block(kind: str, lines: Sequence[str]) -> str:
    # A user line cannot close the block early: break the closing token.
    body = "\n".join(line.replace("{" + kind, "{ " + kind) for line in lines)
    return "{" + kind + "}\n" + body + "\n{" + kind + "}"


def wiki_description(summary: HandoffSummary, tags: Sequence[str]) -> str:
    """The description in Jira wiki markup (API v2)."""
    parts = [
        f"h2. Handoff {summary.reference}",
        f"The assistant handed this case over: {_REASONS[summary.reason]}.",
        "h3. Facts",
    ]
    for label, value, typed in _fact_lines(summary):
        line = f"* *{label}*: {_wiki_escape(value)}"
        if typed:
            line += f" (typed: {{{{{_wiki_escape(typed)}}}}})"
        parts.append(line)
    if summary.slots.get("error_code"):
        parts += ["h3. Error", _wiki_block("code", _error_lines(summary))]
    parts.append("h3. Steps given")
    parts += [f"* {_wiki_escape(line)}" for line in _step_lines(summary)] or ["None."]
    if summary.transcript:
        parts += ["h3. Transcript excerpt (redacted)", _wiki_block("noformat", _transcript_lines(summary))]
    parts += ["h3. Tags", "{{" + " ".join(tags) + "}}", "----", _wiki_escape(_footer(summary))]
    return "\n".join(parts)


# -- v3: Atlassian Document Format -----------------------------------------------------


def _text(text: str, *marks: str) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": text}
    if marks:
        node["marks"] = [{"type": mark} for mark in marks]
    return node


def _paragraph(*content: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": [node for node in content if node.get("text")]}


def _heading(text: str, level: int) -> dict[str, Any]:
    return {"type": "heading", "attrs": {"level": level}, "content": [_text(text)]}


def _bullets(items: Sequence[list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "type": "bulletList",
        "content": [{"type": "listItem", "content": [_paragraph(*item)]} for item in items],
    }


def _code_block(lines: Sequence[str], language: str = "text") -> dict[str, Any]:
    text = "\n".join(lines)
    block: dict[str, Any] = {"type": "codeBlock", "attrs": {"language": language}, "content": []}
    if text:
        block["content"] = [_text(text)]
    return block


def adf_description(summary: HandoffSummary, tags: Sequence[str]) -> dict[str, Any]:
    """The description as an ADF document (API v3)."""
    facts = []
    for label, value, typed in _fact_lines(summary):
        item = [_text(f"{label}: ", "strong"), _text(value)]
        if typed:
            item += [_text(" (typed: "), _text(typed, "code"), _text(")")]
        facts.append(item)
    content: list[dict[str, Any]] = [
        _heading(f"Handoff {summary.reference}", 2),
        _paragraph(_text(f"The assistant handed this case over: {_REASONS[summary.reason]}.")),
        _heading("Facts", 3),
        _bullets(facts),
    ]
    if summary.slots.get("error_code"):
        content += [_heading("Error", 3), _code_block(_error_lines(summary))]
    content.append(_heading("Steps given", 3))
    steps = _step_lines(summary)
    content.append(_bullets([[_text(line)] for line in steps]) if steps else _paragraph(_text("None.")))
    if summary.transcript:
        content += [_heading("Transcript excerpt (redacted)", 3), _code_block(_transcript_lines(summary))]
    content += [
        _heading("Tags", 3),
        _paragraph(_text(" ".join(tags), "code")),
        {"type": "rule"},
        _paragraph(_text(_footer(summary))),
    ]
    return {"type": "doc", "version": 1, "content": content}


def build_issue_body(
    summary: HandoffSummary, tags: Sequence[str], fields: TicketFields, *, api: ApiVersion
) -> dict[str, Any]:
    """The create-issue request body for one handoff.

    Args:
        summary: the facts.
        tags: :func:`vpnfsm.handoff.tags.tags_for` of the summary.
        fields: the tenant's translation (:func:`vpnfsm.handoff.tenants.ticket_fields`).
        api: 2 (wiki markup description) or 3 (ADF description).

    Raises:
        ValueError: ``api`` is neither 2 nor 3.

    """
    if api not in (2, 3):
        raise ValueError(f"unsupported Jira API version {api!r} (use 2 or 3)")
    description: Any = wiki_description(summary, tags) if api == 2 else adf_description(summary, tags)
    labels = [_SPACES.sub("_", label) for label in fields.labels]
    labels.append(idempotency_label(summary))
    body_fields: dict[str, Any] = {
        "project": {"key": fields.project},
        "issuetype": {"name": fields.issue_type},
        "summary": summary_line(summary),
        "description": description,
        "labels": list(dict.fromkeys(labels)),
        "priority": {"name": fields.priority},
    }
    if fields.components:
        body_fields["components"] = [{"name": name} for name in fields.components]
    body_fields.update(fields.custom)
    return {"fields": body_fields}
