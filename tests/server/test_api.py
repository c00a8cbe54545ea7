"""The stored queries as a REST API, its OpenAPI document, and the one JSON error shape."""

from __future__ import annotations

import csv
import io
from http import HTTPStatus

import httpx
import pytest

from aifactories.query.catalogue import load_catalogue

JAIF = "https://w3id.org/aifactories/id/factory/jaif"
# The seed: six factories of the second wave join the seven of the first, 13 in all.
SEED_FACTORIES = {
    "BSC AI Factory",
    "HammerHAI",
    "IT4LIA AI Factory",
    "LUMI AI Factory",
    "Luxembourg AI Factory",
    "Mimer – The Swedish AI Innovation Factory",
    "Pharos – The Greek AI Factory for Accelerating AI Innovation",
    "AI Factory Austria",
    "BRAIN++ – Bulgarian Robotics & AI Nexus",
    "AI Factory France",
    "JUPITER AI Factory",
    "PIAST AI Factory",
    "Slovenian AI Factory",
}


def assert_error_shape(response: httpx.Response, status: int) -> str:
    """The pinned shape: exactly {"error": {"status", "reason", "message"}}, JSON."""
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"]
    assert set(body["error"]) == {"status", "reason", "message"}
    assert body["error"]["status"] == status
    assert body["error"]["reason"] == HTTPStatus(status).phrase
    message = body["error"]["message"]
    assert isinstance(message, str) and message and "Traceback" not in message
    return message


def test_list_matches_the_catalogue(client: httpx.Client) -> None:
    body = client.get("/api/queries").json()
    names = [q["name"] for q in body["queries"]]
    assert names == load_catalogue().names()
    assert body["count"] == len(names)
    as_of = next(q for q in body["queries"] if q["name"] == "factories-as-of")
    assert as_of["parameters"][0]["name"] == "date"
    assert as_of["parameters"][0]["type"] == "xsd:date"


def test_run_with_a_parameter_csv(client: httpx.Client) -> None:
    response = client.get(
        "/api/queries/factories-as-of", params={"date": "2025-03-12", "format": "csv"}
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["factoryLabel"] for r in rows} == SEED_FACTORIES


def test_run_negotiates_json(client: httpx.Client) -> None:
    response = client.get(
        "/api/queries/factory-supercomputers",
        params={"factory": "JAIF"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    systems = {
        b[v]["value"]
        for b in response.json()["results"]["bindings"]
        for v in b
        if b[v]["value"] in ("JUPITER", "JARVIS")
    }
    assert systems == {"JUPITER", "JARVIS"}  # the seed: JAIF leverages JUPITER, features JARVIS


def test_run_graph_query_as_turtle(client: httpx.Client) -> None:
    response = client.get("/api/queries/describe-factory", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert "JUPITER AI Factory" in response.text


@pytest.mark.parametrize("name", load_catalogue().names())
def test_every_stored_query_runs(client: httpx.Client, name: str) -> None:
    examples = {"xsd:date": "2025-03-12", "aif:NetworkNode": "JAIF", "aif:Organisation": "FZJ"}
    query = load_catalogue().get(name)
    values = {p.name: examples[p.type_curie] for p in query.params if p.required}
    response = client.get(f"/api/queries/{name}", params=values)
    assert response.status_code == 200, response.text


def test_bad_parameter_value_is_400(client: httpx.Client) -> None:
    response = client.get("/api/queries/factories-as-of", params={"date": "12 March 2025"})
    message = assert_error_shape(response, 400)
    assert "YYYY-MM-DD" in message


def test_unknown_entity_is_400_with_close_matches(client: httpx.Client) -> None:
    response = client.get("/api/queries/factory-supercomputers", params={"factory": "JAIFF"})
    assert "JAIF" in assert_error_shape(response, 400)


def test_undeclared_parameter_and_missing_one(client: httpx.Client) -> None:
    assert_error_shape(client.get("/api/queries/factories", params={"colour": "blue"}), 400)
    assert "date" in assert_error_shape(client.get("/api/queries/factories-as-of"), 400)


def test_unknown_query_is_404(client: httpx.Client) -> None:
    assert "factories" in assert_error_shape(client.get("/api/queries/factoriez"), 404)


@pytest.mark.parametrize(
    ("path", "params", "headers", "status"),
    [
        ("/sparql", {"query": "SELECT * WHERE {"}, {}, 400),
        ("/sparql", {"update": "CLEAR ALL"}, {}, 403),
        ("/sparql", {"query": "ASK {}"}, {"Accept": "image/png"}, 406),
        ("/api/queries/factories", {}, {"Accept": "image/png"}, 406),
        ("/api/nothing-here", {}, {}, 404),
    ],
)
def test_one_error_shape(
    client: httpx.Client, path: str, params: dict[str, str], headers: dict[str, str], status: int
) -> None:
    assert_error_shape(client.get(path, params=params, headers=headers), status)


def test_pages_show_errors_as_html_for_browsers(client: httpx.Client) -> None:
    response = client.get("/?country=Atlantis", headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "unknown country" in response.text


def test_openapi_document(client: httpx.Client) -> None:
    doc = client.get("/api/openapi.json").json()
    assert doc["openapi"] == "3.1.0"
    catalogue = load_catalogue()
    for name in catalogue.names():
        assert f"/api/queries/{name}" in doc["paths"], name
    as_of = doc["paths"]["/api/queries/factories-as-of"]["get"]
    date = next(p for p in as_of["parameters"] if p["name"] == "date")
    assert date["required"] is True
    assert date["schema"] == {"type": "string", "format": "date"}
    supercomputers = doc["paths"]["/api/queries/factory-supercomputers"]["get"]
    factory = next(p for p in supercomputers["parameters"] if p["name"] == "factory")
    assert factory["required"] is False
    assert factory["schema"]["type"] == "string"
    assert factory["schema"]["default"] == "factory:jaif"
    assert factory["schema"]["x-rdf-class"] == "https://w3id.org/aifactories/ontology#NetworkNode"
    error = doc["components"]["schemas"]["Error"]["properties"]["error"]
    assert set(error["required"]) == {"status", "reason", "message"}
