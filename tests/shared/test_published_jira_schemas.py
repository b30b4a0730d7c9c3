"""Generated handoff bodies also validate against Atlassian's published schemas (../shared/contracts).

v3 and v2 bodies: ``IssueUpdateDetails`` of the Jira Cloud OpenAPI document
(``openapi-schema-validator``); v3 descriptions: the ADF JSON schema
(draft-04, ``jsonschema``). The default run checks the project's own
contract (tests/property/test_jira_contracts.py); this keeps that contract
honest against the published one where CI has it.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from openapi_schema_validator import OAS30Validator

from tests.conftest import require_shared
from tests.handoff_strategies import body_for, summaries
from tests.jira_contract import create_errors
from vpnfsm.handoff.summary import HandoffSummary


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(require_shared("contracts", name).read_text(encoding="utf-8"))
    return data


OPENAPI = _load("jira-cloud-platform-openapi-v3.json")
ISSUE = OAS30Validator({"$ref": "#/components/schemas/IssueUpdateDetails", "components": OPENAPI["components"]})
SEARCH = OAS30Validator({"$ref": "#/components/schemas/SearchRequestBean", "components": OPENAPI["components"]})
ADF_DOC = jsonschema.Draft4Validator(_load("adf-schema-v1-full.json"))
checked = {"bodies": 0}


def _errors(validator: Any, instance: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(summaries())
def _check_both_apis(summary: HandoffSummary) -> None:
    for api in (2, 3):
        _, body = body_for(summary, api)
        assert create_errors(body, api) == []  # the project's contract and ...
        assert _errors(ISSUE, body) == []  # ... Atlassian's agree on every body we send
        if api == 3:
            assert _errors(ADF_DOC, body["fields"]["description"]) == []
    checked["bodies"] += 2


def test_bodies_validate_against_issue_update_details_and_adf() -> None:
    _check_both_apis()
    print(f"\nbodies validated against IssueUpdateDetails (+ ADF for v3): {checked['bodies']}")
    assert checked["bodies"] >= 100


def test_the_published_adf_schema_rejects_what_the_contract_rejects() -> None:
    # Shapes the project's contract refuses; the published schema must refuse them too,
    # or the contract would be inventing rules Jira does not have.
    bad = [
        {"type": "heading", "attrs": {"level": 7}, "content": []},
        {"type": "paragraph", "content": [{"type": "text", "text": ""}]},
        {"type": "bulletList", "content": []},
        {"type": "codeBlock", "content": [{"type": "text", "text": "x", "marks": [{"type": "strong"}]}]},
    ]
    for node in bad:
        assert _errors(ADF_DOC, {"type": "doc", "version": 1, "content": [node]}) != [], node


def test_the_idempotency_search_body_fits_search_request_bean() -> None:
    body = {"jql": 'labels = "vpnfsm-VPN-0000ABCD" ORDER BY created ASC', "fields": ["key"], "maxResults": 1}
    assert _errors(SEARCH, body) == []
