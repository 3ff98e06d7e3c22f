"""schemathesis over /openapi.json: generated requests (valid and invalid) to every
operation never get a 5xx, and every answer conforms to the document's schemas."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from test_http_fixtures import make_world

WORLD = make_world()
schema = schemathesis.openapi.from_asgi("/openapi.json", WORLD.app)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_openapi_promises(case: schemathesis.Case) -> None:
    case.call_and_validate(
        headers={"x-api-key": WORLD.a.key},
        checks=[not_a_server_error, response_schema_conformance],
    )
