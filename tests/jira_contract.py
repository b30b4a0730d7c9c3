"""Validators for the project's own Jira contract (tests/data/jira/contract.schema.json).

The default test run checks every create and search body against it, with
no ``../shared`` needed; ``tests/shared`` also checks against Atlassian's
published OpenAPI document and ADF schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "jira" / "contract.schema.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(SCHEMA)


def _validator(definition: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({"$ref": f"#/$defs/{definition}", "$defs": SCHEMA["$defs"]})


CREATE = {2: _validator("createV2"), 3: _validator("createV3")}
SEARCH = _validator("search")
ADF_DOC = _validator("adfDoc")


def _messages(validator: jsonschema.Draft202012Validator, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '.'}: {e.message}" for e in validator.iter_errors(instance)]


def create_errors(body: Any, api: int) -> list[str]:
    """Why a ``POST /rest/api/{api}/issue`` body breaks the contract (empty: it holds)."""
    return _messages(CREATE[api], body)


def search_errors(body: Any) -> list[str]:
    """Why a ``POST /rest/api/N/search`` body breaks the contract."""
    return _messages(SEARCH, body)


def adf_errors(document: Any) -> list[str]:
    """Why a v3 description is not an ADF document vpnfsm may send."""
    return _messages(ADF_DOC, document)
