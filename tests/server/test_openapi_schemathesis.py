"""schemathesis against the REST API's OpenAPI document: every operation, generated requests.

The app runs in this process (ASGI, no socket). Each operation gets seeded, generated requests,
valid and invalid; every answer must be no 5xx, a documented status, content type and headers,
a body that matches the documented schema, and a 4xx for a request that breaks the schema.

The operations are listed from the document itself (built from the query catalogue alone, so
collection needs no graph); each test drives one with hypothesis and schemathesis's strategy,
not through schemathesis's pytest plugin, whose lazy fixture support breaks on pytest 9.2.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from starlette.applications import Starlette

from aifactories.query.catalogue import load_catalogue
from aifactories.server.api import openapi_document

_PATHS = openapi_document(load_catalogue())["paths"]
OPERATIONS = [(path, method.upper()) for path, item in _PATHS.items() for method in item]
#: Each operation with valid requests, and with requests that break the schema where it has
#: a parameter or a body to break.
CASES = [
    (path, method, mode)
    for path, method in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE
    or {"parameters", "requestBody"} & set(_PATHS[path][method.lower()])
]


@pytest.fixture(scope="module")
def api_schema(app: Starlette) -> Any:
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


def _takes_graph_names(operation: Any) -> bool:
    """SPARQL text, or a parameter that names an entity of the graph (x-rdf-class)."""
    if operation.path == "/sparql":
        return True
    return any("x-rdf-class" in (p.definition.get("schema") or {}) for p in operation.query)


def test_the_document_lists_every_stored_query_and_the_endpoint() -> None:
    paths = {path for path, _ in OPERATIONS}
    assert {f"/api/queries/{q.name}" for q in load_catalogue()} <= paths
    assert {("/sparql", "GET"), ("/sparql", "POST"), ("/api/search", "GET")} <= set(OPERATIONS)


@pytest.mark.parametrize(("path", "method", "mode"), CASES)
def test_every_operation_answers_as_documented(
    api_schema: Any, path: str, method: str, mode: GenerationMode
) -> None:
    """Valid requests (positive) and requests that break the schema (negative)."""
    operation = api_schema[path][method]
    # "a schema-valid request is accepted" cannot hold where a value must be a SPARQL query or
    # the name of an entity in the graph: no JSON Schema says which strings those are, and a
    # made-up one is rightly refused (400). Every other check runs on every operation.
    excluded = [positive_data_acceptance] if _takes_graph_names(operation) else []

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        case.call_and_validate(excluded_checks=excluded)

    check()
