"""The API keeps the contract its OpenAPI document states, as schemathesis (a property-based fuzzer nobody
here wrote) checks it: generated requests, valid and not, to every operation of the live document
(`/api/v1/openapi.json`, served by the portal's WSGI application on the test database), as a
contributor and as an organizer. No server error, only documented statuses and content types, bodies
that match their schemas, invalid input refused, and no operation that answers without the token.

A deeper run (more examples, stateful links between operations) is `make fuzz-api` (bench/fuzz_api.py).
"""

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]
# The suite's run is modest: a few generated requests (valid and not) per operation. `make fuzz-api`
# sets API_CONTRACT_DEEP=1: many more examples and schemathesis' coverage phase (every boundary of
# every parameter), then the stateful run (bench/fuzz_api.py).
DEEP = os.environ.get("API_CONTRACT_DEEP") == "1"
EXAMPLES = int(os.environ.get("API_CONTRACT_EXAMPLES", "200" if DEEP else "6"))


@pytest.fixture(autouse=True)
def _portal_in_the_test_transaction(portal):
    """The requests run in the test's transaction (see the `portal` fixture)."""


# The live document, served by the portal itself (no database needed to answer it).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
# Query parameters the document does not name are ignored (as Django and ninja do), not refused: the
# negative data is what breaks a documented parameter's rules (type, range, enum, required).
schema.config.generation.update(allow_extra_parameters=False)
schema.config.phases.coverage.enabled = DEEP


def _headers(token: str) -> dict:
    # The WSGI transport hands schemathesis the body as sent: a real client would undo the portal's
    # gzip (long error bodies are compressed when asked), this one cannot, so it asks for none.
    return {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}


HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@HYPOTHESIS
def test_every_operation_keeps_its_contract_for_a_contributor(case, contributor_token):
    case.call_and_validate(headers=_headers(contributor_token), checks=CHECKS)


# An organizer is a contributor too: the contributor's run covers every operation (the organizers' ones
# answer it 403); the organizer's covers the organizers' part (every operation with API_CONTRACT_DEEP).
organizer_schema = schema if DEEP else schema.include(path_regex="^/api/v1/organizers/")


@organizer_schema.parametrize()
@HYPOTHESIS
def test_every_operation_keeps_its_contract_for_an_organizer(case, organizer_token):
    case.call_and_validate(headers=_headers(organizer_token), checks=CHECKS)


@pytest.mark.skipif(not DEEP, reason="the stateful run is `make fuzz-api`'s")
def test_linked_operations_keep_the_contract_in_sequence(contributor_token):
    """Sequences of calls that feed one answer into the next (links schemathesis infers from the
    document: an id created, then read, edited, withdrawn), every answer checked."""
    stateful = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
    # The token as configured auth: `ignored_auth` knows what to take away, and nothing else is invented.
    stateful.config.update(headers=_headers(contributor_token))
    stateful.config.generation.update(allow_extra_parameters=False)

    class Workflow(stateful.as_state_machine()):
        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    Workflow.run(
        settings=settings(
            max_examples=max(1, EXAMPLES // 4), deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
    )
