"""Tenant files: validation errors name the file and line; translation is total."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vpnfsm import TenantError
from vpnfsm.examples import EXAMPLE_TENANTS
from vpnfsm.flows.registry import FLOWS
from vpnfsm.handoff.tags import producible_tags
from vpnfsm.handoff.tenants import load_tenants, loads_tenants, ticket_fields

GOOD = """\
version = 1

[tenants.small]
project = "HELP"
issue_type = "Incident"

[tenants.small.fields.customfield_10100]
key = "os"
kind = "option"
default = "Other"
[tenants.small.fields.customfield_10100.values]
windows = "Windows"
"""

TAGS = [
    "intent:vpn",
    "reason:steps_failed",
    "attempts:2",
    "os:windows",
    "client:globalprotect",
    "symptom:cannot_connect",
    "error:809",
]


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_example_tenants_translate_the_same_tags_differently() -> None:
    book = load_tenants(EXAMPLE_TENANTS)
    acme = ticket_fields(book.get("acme"), TAGS, attempts=2)
    globex = ticket_fields(book.get("globex"), TAGS, attempts=2)
    assert (acme.project, acme.issue_type, acme.priority) == ("ITS", "Incident", "High")
    assert (globex.project, globex.issue_type, globex.priority) == ("NETOPS", "Task", "P1")
    assert acme.custom == {"customfield_10050": {"value": "Palo Alto GP"}, "customfield_10051": "809"}
    assert globex.custom == {"customfield_20010": [{"value": "Windows"}], "customfield_20011": ["no-tunnel"]}
    assert acme.components == ["Remote Access"]
    assert globex.components == ["VPN - Prisma Access"]
    assert "client_globalprotect" in acme.labels
    assert globex.labels == ["remote-access", "bot-handoff"]


def test_priority_rule_needs_enough_attempts() -> None:
    acme = load_tenants(EXAMPLE_TENANTS).get("acme")
    assert ticket_fields(acme, TAGS, attempts=1).priority == "Medium"


def test_unknown_values_fall_back_to_defaults() -> None:
    acme = load_tenants(EXAMPLE_TENANTS).get("acme")
    tags = [
        "intent:vpn",
        "reason:user_request",
        "attempts:0",
        "os:unknown",
        "client:unknown",
        "symptom:unknown",
    ]
    fields = ticket_fields(acme, [*tags, "error:unknown"], attempts=0)
    assert fields.custom == {"customfield_10050": {"value": "Other"}}  # the error field is left empty
    assert fields.priority == "Low"


def test_every_producible_tag_has_a_translation_in_the_examples() -> None:
    book = load_tenants(EXAMPLE_TENANTS)
    domains = producible_tags(FLOWS)
    checked = 0
    for tenant in book.tenants.values():
        for field_map in tenant.fields.values():
            assert field_map.default is not None or not domains[field_map.key].open
            for value in domains[field_map.key].values:
                assert value in field_map.values or field_map.default is not None
                checked += 1
    assert checked > 20


def test_unknown_tenant_is_a_typed_error() -> None:
    with pytest.raises(TenantError, match="unknown tenant 'initech'") as caught:
        load_tenants(EXAMPLE_TENANTS).get("initech")
    assert caught.value.path == str(EXAMPLE_TENANTS)


def test_missing_translation_names_the_field_table() -> None:
    text = GOOD.replace('default = "Other"\n', "")
    with pytest.raises(TenantError, match=r"no translation and no default for os:android") as caught:
        loads_tenants(text, path="tenants.toml")
    assert caught.value.path == "tenants.toml"
    assert caught.value.line == _line_of(text, "[tenants.small.fields.customfield_10100]")
    assert str(caught.value).startswith(f"tenants.toml:{caught.value.line}: ")


def test_bad_custom_field_id_names_its_line() -> None:
    text = GOOD.replace("customfield_10100", "customfield_vpn")
    with pytest.raises(TenantError, match="customfield_vpn") as caught:
        loads_tenants(text, path="t.toml")
    assert caught.value.line == _line_of(text, "[tenants.small.fields.customfield_vpn]")


def test_toml_syntax_error_names_its_line() -> None:
    text = GOOD.replace('issue_type = "Incident"', 'issue_type = "Incident')
    with pytest.raises(TenantError, match="not valid TOML") as caught:
        loads_tenants(text, path="t.toml")
    assert caught.value.line == _line_of(text, 'issue_type = "Incident')


def test_wrong_value_type_names_the_key_line() -> None:
    text = GOOD.replace('kind = "option"', 'kind = "dropdown"')
    with pytest.raises(TenantError, match=r"tenants\.small\.fields\.customfield_10100\.kind") as caught:
        loads_tenants(text, path="t.toml")
    assert caught.value.line == _line_of(text, 'kind = "dropdown"')


def test_typo_in_a_key_is_rejected_at_its_line() -> None:
    text = GOOD.replace('issue_type = "Incident"', 'issue_type = "Incident"\nprojcet_lead = "x"')
    with pytest.raises(TenantError, match="projcet_lead") as caught:
        loads_tenants(text, path="t.toml")
    assert caught.value.line == _line_of(text, "projcet_lead")


def test_translation_of_a_value_no_flow_produces_is_rejected() -> None:
    text = GOOD.replace('windows = "Windows"', 'windwos = "Windows"')
    with pytest.raises(TenantError, match="os:windwos is not a tag the flows produce") as caught:
        loads_tenants(text, path="t.toml")
    assert caught.value.line == _line_of(text, "windwos")


def test_open_key_needs_a_default() -> None:
    text = (
        GOOD
        + '\n[tenants.small.fields.customfield_10101]\nkey = "error"\nkind = "text"\n'
        + 'values = { "809" = "809" }\n'
    )
    with pytest.raises(TenantError, match="open-ended") as caught:
        loads_tenants(text, path="t.toml")
    assert caught.value.line == _line_of(text, "customfield_10101")


def test_priority_rule_with_unknown_tag_names_the_rule() -> None:
    text = GOOD.replace(
        "[tenants.small.fields",
        '[[tenants.small.priority_rules]]\nall = ["symptom:on_fire"]\npriority = "High"\n\n' + "[tenants.small.fields",
        1,
    )
    with pytest.raises(TenantError, match="symptom:on_fire") as caught:
        loads_tenants(text, path="t.toml")
    assert caught.value.line == _line_of(text, 'all = ["symptom:on_fire"]')


def test_unreadable_file_is_a_tenant_error() -> None:
    with pytest.raises(TenantError, match="cannot read tenant file"):
        load_tenants("/nonexistent/tenants.toml")


def test_the_format_example_in_the_docs_loads() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "tenants.md"
    block = re.search(r"```toml\n(.*?)```", docs.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert block is not None
    book = loads_tenants(block.group(1), path="docs/tenants.md")
    fields = ticket_fields(book.get("acme"), TAGS, attempts=2)
    assert fields.custom == {"customfield_10050": {"value": "Palo Alto GP"}}
    assert fields.priority == "High"


def test_example_tenant_file_covers_single_tenant_default() -> None:
    # `vpnfsm deliver --tenant <example>` reported "unknown tenant 'default'" for every
    # handoff of a service running without API keys (their tenant is "default").
    book = load_tenants(EXAMPLE_TENANTS)
    fields = ticket_fields(book.get("default"), TAGS, attempts=1)
    assert fields.project == "IT"
