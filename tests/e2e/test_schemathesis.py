"""Property-based fuzzing of every endpoint against the app's own OpenAPI schema.

Runs in-process through ASGI (no sockets), multi-tenant with a valid key so the
handlers behind authentication are exercised too: no 5xx, and every response
(including problem documents) must match the schema the app publishes.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from vpnfsm.server import Settings, create_app

pytestmark = pytest.mark.e2e

KEY = "fuzz-tenant-key-0123456789"
app = create_app(Settings(api_keys={KEY: "fuzz"}))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
# Valid and invalid inputs both: the invalid ones must come back as documented problems, never 5xx.
schema.config.generation.update(modes=list(schemathesis.GenerationMode), max_examples=80)


@schema.parametrize()
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_honours_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(
        headers={"X-API-Key": KEY},
        checks=[not_a_server_error, response_schema_conformance, status_code_conformance],
    )
