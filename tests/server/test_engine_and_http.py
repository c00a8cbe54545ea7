"""/sparql on the Oxigraph engine, HTTP details (HEAD, charset, Content-Type vs Accept), in process.

Expected values: the seed (13 AI Factories selected on or before 2025-03-12) and SPARQL 1.1
itself (an xsd:date compared with a plain string is a type error, so the FILTER drops the row).
"""

from __future__ import annotations

import json

import httpx
import pytest
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from starlette.routing import Route
from starlette.testclient import TestClient

from aifactories.graph import KnowledgeGraph


def algebra_contains(node: object, name: str) -> bool:
    """Whether rdflib's algebra of a query holds a node called ``name`` (the reference)."""
    if getattr(node, "name", None) == name:
        return True
    if isinstance(node, dict):
        return any(algebra_contains(v, name) for v in node.values())
    if isinstance(node, list | tuple):
        return any(algebra_contains(v, name) for v in node)
    return False


PREFIX = "PREFIX aif: <https://w3id.org/aifactories/ontology#>\n"
JSON_RESULTS = {"Accept": "application/sparql-results+json"}


def _count(client: httpx.Client, query: str) -> int:
    response = client.get("/sparql", params={"query": query}, headers=JSON_RESULTS)
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_sparql_answers_as_the_standard_requires(client: httpx.Client) -> None:
    # a typed date against a plain string: a type error, no row (rdflib's evaluator said 36)
    plain = (
        "SELECT (COUNT(*) AS ?n) WHERE { ?f a aif:AIFactory ; aif:selectionDate ?d "
        'FILTER (?d <= "2025-03-12") }'
    )
    assert _count(client, PREFIX + plain) == 0
    typed = plain.replace('"2025-03-12"', '"2025-03-12"^^<http://www.w3.org/2001/XMLSchema#date>')
    assert _count(client, PREFIX + typed.replace("COUNT(*)", "COUNT(DISTINCT ?f)")) == 13


def test_graph_variable_over_the_named_graphs(client: httpx.Client) -> None:
    # rdflib raised "You performed a query operation requiring a dataset" here
    response = client.get(
        "/sparql",
        params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "text/csv"},
    )
    assert response.status_code == 200
    assert sorted(response.text.split()[1:]) == [
        "https://w3id.org/aifactories/graph/asserted",
        "https://w3id.org/aifactories/graph/inferred",
    ]


def test_group_concat_over_an_unbound_value_is_unbound(client: httpx.Client) -> None:
    # an error in the aggregate leaves ?c unbound (Jena ARQ and Oxigraph; rdflib gave "")
    query = "SELECT (GROUP_CONCAT(?x) AS ?c) WHERE { VALUES ?x { UNDEF } }"
    response = client.get("/sparql", params={"query": query}, headers=JSON_RESULTS)
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == [{}]


def test_relative_iris_resolve_against_the_endpoint(client: httpx.Client) -> None:
    response = client.post(
        "/sparql",
        content=b"CONSTRUCT { <s> <p> 1 } WHERE {}",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"},
    )
    assert response.status_code == 200
    assert response.text.startswith(f"<{client.base_url}/s> <{client.base_url}/p> ")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "select * where { service silent <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o .SERVICE<http://example.org/sparql>{?s ?p ?o} }",
        "SELECT * WHERE { ?s ?p ?o } # a comment\nSERVICE",  # not valid: refused either way
        "SELECT * WHERE { BIND(<http://example.org/sparql> AS ?e) SERVICE ?e { ?s ?p ?o } }",
        "PREFIX s: <http://x/> SELECT * WHERE { {?s ?p ?o}UNION{SERVICE <http://e/> {?s ?p ?o}} }",
    ],
)
def test_service_is_refused_before_anything_runs(client: httpx.Client, query: str) -> None:
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400
    assert "SERVICE" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p "SERVICE <http://example.org/>" } LIMIT 1',
        "SELECT ?service WHERE { ?service ?p ?o } LIMIT 1",
        "PREFIX ex: <http://example.org/SERVICE/> SELECT * WHERE { ?s ex:SERVICE ?o } LIMIT 1",
        "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o } # SERVICE\n LIMIT 1",
    ],
)
def test_the_word_service_elsewhere_is_no_service(client: httpx.Client, query: str) -> None:
    # rdflib's algebra agrees that none of these has a SERVICE pattern (it finds a real one)
    real = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    assert algebra_contains(translateQuery(parseQuery(real)).algebra, "ServiceGraphPattern")
    assert not algebra_contains(translateQuery(parseQuery(query)).algebra, "ServiceGraphPattern")
    response = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("charset", ["UTF-16", "iso-8859-1", '"utf-16le"'])
def test_a_body_in_another_charset_is_400(client: httpx.Client, charset: str) -> None:
    for media, body in (
        ("application/sparql-query", "ASK {}"),
        ("application/x-www-form-urlencoded", "query=ASK%20%7B%7D"),
    ):
        response = client.post(
            "/sparql",
            content=body.encode(charset.strip('"').lower()),
            headers={"Content-Type": f"{media}; charset={charset}"},
        )
        assert response.status_code == 400
        assert "UTF-8" in response.json()["error"]["message"]


def test_a_utf8_charset_is_welcome(client: httpx.Client) -> None:
    response = client.post(
        "/sparql",
        content='ASK { ?s ?p "Jülich" }'.encode(),
        headers={"Content-Type": "application/sparql-query; charset=UTF-8", **JSON_RESULTS},
    )
    assert response.status_code == 200
    assert response.json()["boolean"] is False


#: One example path per GET route (the routes' own patterns are checked to be covered).
EXAMPLES = {
    "/": "/",
    "/network.svg": "/network.svg",
    "/query": "/query",
    "/sparql": "/sparql",
    "/.well-known/void": "/.well-known/void",
    "/dataset": "/dataset",
    "/api/queries": "/api/queries",
    "/api/queries/{name}": "/api/queries/factories",
    "/api/openapi.json": "/api/openapi.json",
    "/describe": "/describe?iri=http://publications.europa.eu/resource/authority/country/DEU",
    "/graph/{name}": "/graph/asserted",
    "/ontology": "/ontology",
    "/ontology.{ext}": "/ontology.ttl",
    "/id/{rest:path}": "/id/factory/jaif",
    "/static/{path:path}": "/static/style.css",
    "/health": "/health",
    "/favicon.ico": "/favicon.ico",
    "/map": "/map?as_of=2025-03-12",
    "/timeline": "/timeline",
    "/questions": "/questions",
    "/queries/{name}.rq": "/queries/factories.rq",
    "/search": "/search?q=JAIF",
    "/api/search": "/api/search?q=JAIF",
    "/api": "/api",
}


def test_head_is_answered_wherever_get_is(app: object, client: httpx.Client) -> None:
    routes = [r for r in app.routes if isinstance(r, Route) and "GET" in (r.methods or ())]  # type: ignore[attr-defined]
    assert {r.path for r in routes} <= set(EXAMPLES), "a new GET route needs an example here"
    for route in routes:
        path = EXAMPLES[route.path]
        got = client.get(path, follow_redirects=False)
        head = client.head(path, follow_redirects=False)
        assert head.status_code == got.status_code, path
        assert head.headers.get("content-type") == got.headers.get("content-type"), path
        assert head.content == b"", path
    query = client.head("/sparql", params={"query": "ASK {}"}, headers=JSON_RESULTS)
    assert query.status_code == 200
    assert query.headers["content-type"].startswith("application/sparql-results+json")


@pytest.mark.parametrize(
    ("accept", "status", "media"),
    [
        ("application/json", 400, "application/json"),
        # text/plain is no SELECT result format: a 406, said in plain text
        ("text/plain", 406, "text/plain"),
        ("application/sparql-results+json, application/json;q=0.5", 400, "application/json"),
        ("text/plain, application/json;q=0.1", 400, "text/plain"),
    ],
)
def test_an_error_comes_in_a_type_the_client_accepts(
    client: httpx.Client, accept: str, status: int, media: str
) -> None:
    response = client.get("/sparql", params={"query": "SELECT * {"}, headers={"Accept": accept})
    assert response.status_code == status
    assert response.headers["content-type"].split(";")[0] == media
    assert ("offered as" if status == 406 else "SPARQL syntax error") in response.text


def test_json_documents_refuse_what_is_not_json(client: httpx.Client) -> None:
    for path in ("/api/queries", "/api/openapi.json"):
        assert client.get(path, headers={"Accept": "text/csv"}).status_code == 406
        assert client.get(path, headers={"Accept": "application/json"}).status_code == 200


def test_the_rdflib_engine_stays_available(kg: KnowledgeGraph) -> None:
    from aifactories.server import Settings, create_app

    app = create_app(kg, Settings(engine="rdflib", workers=1, timeout=30))
    with TestClient(app) as http:
        health = http.get("/health").json()
        answer = http.get(
            "/sparql",
            params={"query": PREFIX + "ASK { ?f a aif:AIFactory }"},
            headers=JSON_RESULTS,
        )
        stored = http.get("/api/queries/factories-as-of", params={"date": "2025-03-12"})
    assert health["engine"] == "rdflib"
    assert answer.status_code == 200 and json.loads(answer.content)["boolean"] is True
    assert len(stored.json()["results"]["bindings"]) == 13
