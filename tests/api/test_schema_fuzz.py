"""schemathesis against /openapi.json: generated requests for every operation (a bounded number
each), over the real app and the real index. No server error; every response matches its
schema, errors included (problem+json)."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.main import create_app

# What the API promises: never a 5xx for what a client sends, and every answer (errors
# included) as documented. Not included: "schema-valid data is accepted", which a lang such
# as "de" (a well-formed tag, not a supported language) rightly fails with a 422 problem.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

EXAMPLES_PER_OPERATION = 25


def test_every_operation_answers_by_its_schema(seed_settings):
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(seed_settings))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/search", "/v1/tips/{tip_id}", "/healthz"}
    calls: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            response = case.call_and_validate(checks=CHECKS)
            calls.append(response.status_code)

        check()
    assert len(calls) >= 5 * len(operations)  # it really generated requests for each
    assert any(status == 422 for status in calls) and any(status == 200 for status in calls)
