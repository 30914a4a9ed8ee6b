"""Fuzz the HTTP API against its own OpenAPI spec with schemathesis (a bounded number of examples).

Valid and invalid requests alike must never get a 5xx, every response must match the spec
(status codes, JSON schemas, content types), and invalid data must be refused with a 4xx.
The server runs the real engine with its authored-lines backend: the fuzzer's target is the
HTTP layer (validation, limits, errors), and hundreds of model generations would not fit the
test budget; test_service_api.py covers the real model.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from gameai.service.app import create_app
from gameai.service.config import load_config
from gameai.service.server import BackgroundServer

KEY = "fuzz-key-0123456789abcdef"
EXAMPLES = 25  # per operation and mode: ~350 requests in all

# A schema-violating request may be refused for its size (413) as well as for its shape.
REFUSALS = ["400", "401", "404", "405", "413", "415", "422"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    config = load_config(
        overrides={"backend": "authored", "rate_limit": "100000/minute",
                   "memory_path": tmp_path_factory.mktemp("fuzz") / "memory.sqlite"},
        environ={"GAMEAI_API_KEY": KEY},
    )
    with BackgroundServer(create_app(config), config) as srv:
        yield srv


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_api_conforms_to_its_spec_under_fuzzing(server, mode):
    config = schemathesis.Config.from_dict({"checks": {"negative_data_rejection": {"expected-statuses": REFUSALS}}})
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 8
    tested = 0
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not (len(operation.path_parameters) or len(operation.body)):
            continue  # nothing to make invalid: GET /v1/health and GET /v1/npcs

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(base_url=server.url, headers={"X-API-Key": KEY}, timeout=30)

        check()
        tested += 1
    assert tested == (8 if mode is GenerationMode.POSITIVE else 6)  # all but health and the list
