"""Tenant mapping: how each customer organisation wants its tickets.

A tenant file (TOML) maps internal tags to one Jira project per tenant: the
project key, the issue type (per intent), priority rules, components, fixed
labels and custom fields with value translation. Loading validates the
shape with pydantic *and* proves coverage: every tag the flows can produce
(:func:`vpnfsm.handoff.tags.producible_tags`) has a translation or an
explicit default in every mapping of every tenant. Every problem is raised
as :class:`~vpnfsm.errors.TenantError` naming the file and line. The format
is documented in ``docs/tenants.md``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from vpnfsm.errors import TenantError
from vpnfsm.flows.spec import FlowSpec
from vpnfsm.handoff.tags import TagDomain, parse_tag, producible_tags

__all__ = [
    "CustomField",
    "PriorityRule",
    "Tenant",
    "TenantBook",
    "TicketFields",
    "Translation",
    "load_tenants",
    "loads_tenants",
]

CustomFieldId = Annotated[str, StringConstraints(pattern=r"^customfield_[0-9]+$")]
TenantId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,128}$")]
ProjectKey = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,9}$")]
Label = Annotated[str, StringConstraints(pattern=r"^\S{1,255}$")]
Tag = Annotated[str, StringConstraints(pattern=r"^[a-z_]+:\S+$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=255)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Translation(_Strict):
    """Tag values of one key -> what the tenant calls them.

    Attributes:
        key: the tag key translated (``"client"``).
        values: tag value -> the tenant's value.
        default: used for every value not listed; required unless ``values``
            covers every value the key can take. ``""`` means "leave empty";
            ``{value}`` in a translation stands for the tag value itself.

    """

    key: str
    values: dict[str, str] = {}
    default: str | None = None

    def translate(self, value: str) -> str | None:
        """The tenant's value for a tag value, ``None`` for "leave empty"."""
        found = self.values.get(value, self.default)
        return found.replace("{value}", value) if found else None


class CustomField(Translation):
    """A Jira custom field filled from one tag key.

    ``kind`` decides the JSON shape: ``option`` -> ``{"value": v}``,
    ``multi_option`` -> ``[{"value": v}]``, ``text`` -> ``"v"``, ``labels`` -> ``["v"]``.
    """

    kind: Literal["option", "multi_option", "text", "labels"] = "option"

    def json_value(self, value: str) -> Any:
        """The field's request JSON for a tag value, ``None`` to leave it out."""
        text = self.translate(value)
        if text is None:
            return None
        if self.kind == "option":
            return {"value": text}
        if self.kind == "multi_option":
            return [{"value": text}]
        if self.kind == "labels":
            return [text.replace(" ", "_")]
        return text


class Components(_Strict):
    """Jira components (by name) chosen by the value of one tag key."""

    key: str
    values: dict[str, list[Name]] = {}
    default: list[Name] | None = None


class PriorityRule(_Strict):
    """``priority`` applies when every tag in ``all`` is present and enough steps failed."""

    all: list[Tag] = []
    min_attempts: int = 0
    priority: Name


class Tenant(_Strict):
    """One customer organisation's ticket conventions."""

    name: Name | None = None
    project: ProjectKey
    issue_type: Name
    issue_types: dict[str, Name] = {}
    priority: Name = "Medium"
    priority_rules: list[PriorityRule] = []
    labels: list[Label] = []
    tag_labels: bool = True
    components: Components | None = None
    fields: dict[CustomFieldId, CustomField] = {}


class _TenantFile(_Strict):
    version: Literal[1] = 1
    tenants: dict[TenantId, Tenant]


@dataclass(frozen=True)
class TicketFields:
    """A ticket in tenant terms, before it is formatted for one Jira API version."""

    project: str
    issue_type: str
    priority: str
    components: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)


def ticket_fields(tenant: Tenant, tags: Sequence[str], *, attempts: int) -> TicketFields:
    """Translate a handoff's tags into the tenant's ticket fields."""
    by_key = dict(parse_tag(tag) for tag in tags)
    present = set(tags)
    issue_type = tenant.issue_types.get(by_key.get("intent", ""), tenant.issue_type)
    priority = tenant.priority
    for rule in tenant.priority_rules:
        if set(rule.all) <= present and attempts >= rule.min_attempts:
            priority = rule.priority
            break
    components: list[str] = []
    if tenant.components is not None:
        value = by_key.get(tenant.components.key, "")
        components = list(tenant.components.values.get(value, tenant.components.default or []))
    labels = list(tenant.labels)
    if tenant.tag_labels:
        labels += [tag.replace(":", "_") for tag in tags]
    custom: dict[str, Any] = {}
    for field_id, mapping in tenant.fields.items():
        json_value = mapping.json_value(by_key.get(mapping.key, "unknown"))
        if json_value is not None:
            custom[field_id] = json_value
    return TicketFields(
        project=tenant.project,
        issue_type=issue_type,
        priority=priority,
        components=components,
        labels=list(dict.fromkeys(labels)),
        custom=custom,
    )


class TenantBook:
    """The loaded tenants of one file; :meth:`get` looks one up."""

    def __init__(self, tenants: Mapping[str, Tenant], *, path: str) -> None:
        self.tenants = dict(tenants)
        self.path = path

    def get(self, tenant_id: str) -> Tenant:
        """The tenant called ``tenant_id``.

        Raises:
            TenantError: no such tenant in the file.

        """
        try:
            return self.tenants[tenant_id]
        except KeyError:
            known = ", ".join(sorted(self.tenants)) or "none"
            raise TenantError(f"unknown tenant {tenant_id!r} (known: {known})", path=self.path) from None


# -- loading ------------------------------------------------------------------

_KEY_PART = re.compile(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)")
_ARRAY_TABLE = re.compile(r"^\[\[\s*([^\]]+?)\s*\]\]")
_TABLE = re.compile(r"^\[\s*([^\]]+?)\s*\]")
_KEY_LINE = re.compile(
    r"^((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*="
)
_TOML_AT = re.compile(r"at line (\d+)")

Loc = tuple[str | int, ...]


def _split_key(text: str) -> tuple[str, ...]:
    return tuple(a or b or c for a, b, c in _KEY_PART.findall(text))


def _line_index(text: str) -> list[tuple[Loc, int]]:
    """Every table header and key of a TOML text with its 1-based line.

    tomllib keeps no positions, so this scan maps a validation error's
    location (``tenants.acme.fields.customfield_1.kind``) back to a line.
    """
    entries: list[tuple[Loc, int]] = []
    current: Loc = ()
    array_counts: dict[Loc, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if match := _ARRAY_TABLE.match(stripped):
            path: Loc = _split_key(match.group(1))
            index = array_counts.get(path, -1) + 1
            array_counts[path] = index
            current = (*path, index)
            entries.append((current, number))
        elif match := _TABLE.match(stripped):
            current = _split_key(match.group(1))
            entries.append((current, number))
        elif match := _KEY_LINE.match(stripped):
            entries.append(((*current, *_split_key(match.group(1))), number))
    return entries


def _locate(index: list[tuple[Loc, int]], loc: Sequence[str | int]) -> int | None:
    wanted = [part for part in loc if part != "[key]"]
    best_line: int | None = None
    best = 0
    for path, line in index:
        common = 0
        for have, want in zip(path, wanted, strict=False):
            if have != want:
                break
            common += 1
        if common == len(path) and common > best:  # only whole entries can hold the spot
            best, best_line = common, line
    return best_line


def _dotted(loc: Sequence[str | int]) -> str:
    return ".".join(str(part) for part in loc if part != "[key]")


def loads_tenants(text: str, *, path: str = "<tenants>", flows: Mapping[str, FlowSpec] | None = None) -> TenantBook:
    """Parse and validate a tenant file's text.

    Raises:
        TenantError: a TOML syntax error, a value of the wrong shape, a bad
            custom field id, an unknown tag, or a tag value with neither a
            translation nor a default; ``.path`` and ``.line`` point at it.

    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_AT.search(str(exc))
        raise TenantError(f"not valid TOML: {exc}", path=path, line=int(found.group(1)) if found else None) from exc
    index = _line_index(text)
    try:
        parsed = _TenantFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise TenantError(
            f"{_dotted(first['loc'])}: {first['msg']}{more}", path=path, line=_locate(index, first["loc"])
        ) from exc
    if flows is None:
        from vpnfsm.flows.registry import FLOWS

        flows = FLOWS
    domains = producible_tags(flows)
    for tenant_id, tenant in parsed.tenants.items():
        problem = _coverage_problem(tenant, domains)
        if problem is not None:
            loc, message = problem
            full: Loc = ("tenants", tenant_id, *loc)
            raise TenantError(f"{_dotted(full)}: {message}", path=path, line=_locate(index, full))
    return TenantBook(parsed.tenants, path=path)


def load_tenants(path: str | Path, *, flows: Mapping[str, FlowSpec] | None = None) -> TenantBook:
    """Read and validate a tenant file (see :func:`loads_tenants`).

    Raises:
        TenantError: the file cannot be read or does not validate.

    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TenantError(f"cannot read tenant file: {exc.strerror}", path=str(path)) from exc
    return loads_tenants(text, path=str(path), flows=flows)


def _check_translation(
    loc: Loc, key: str, values: Sequence[str], has_default: bool, domains: Mapping[str, TagDomain]
) -> tuple[Loc, str] | None:
    domain = domains.get(key)
    if domain is None:
        return (*loc, "key"), f"no flow produces tags with key {key!r} (known: {', '.join(sorted(domains))})"
    for value in values:
        if value not in domain.values and not domain.open:
            return (*loc, "values", value), f"{key}:{value} is not a tag the flows produce"
    if has_default:
        return None
    if domain.open:
        return loc, f"tag key {key!r} is open-ended (any value can occur): give a default"
    missing = sorted(domain.values - set(values))
    if missing:
        tags = ", ".join(f"{key}:{value}" for value in missing)
        return loc, f"no translation and no default for {tags}"
    return None


def _coverage_problem(tenant: Tenant, domains: Mapping[str, TagDomain]) -> tuple[Loc, str] | None:
    """The first mapping that leaves a producible tag untranslated, if any."""
    intents = domains["intent"]
    for intent in tenant.issue_types:
        if intent not in intents.values:
            return ("issue_types", intent), f"intent:{intent} is not a tag the flows produce"
    for number, rule in enumerate(tenant.priority_rules):
        for tag in rule.all:
            key, value = parse_tag(tag)
            domain = domains.get(key)
            if domain is None or (value not in domain.values and not domain.open):
                return ("priority_rules", number, "all"), f"{tag} is not a tag the flows produce"
    if tenant.components is not None:
        c = tenant.components
        problem = _check_translation(("components",), c.key, list(c.values), c.default is not None, domains)
        if problem is not None:
            return problem
    for field_id, mapping in tenant.fields.items():
        problem = _check_translation(
            ("fields", field_id), mapping.key, list(mapping.values), mapping.default is not None, domains
        )
        if problem is not None:
            return problem
    return None
