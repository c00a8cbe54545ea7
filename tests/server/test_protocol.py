"""The SPARQL 1.1 Protocol at /sparql: SPARQLWrapper against the real server, the rest in process.

Expected values come from the seed (JAIF is the JUPITER AI Factory, selected in the second wave
on 2025-03-12; 13 AI Factories after that selection) and the ontology (every aif:AIFactory is
an aif:NetworkNode, which only the reasoner states).
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import urllib.error
from typing import Any
from xml.dom.minidom import Document

import httpx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed
from tests.server import procfs

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated")

Server = Any  # the ``server`` fixture of conftest.py (url, timeout, row_cap, pid)
ROW_CAP = 1000  # conftest.ROW_CAP: the in-process app's row cap too
AIF = Namespace("https://w3id.org/aifactories/ontology#")
JAIF = URIRef("https://w3id.org/aifactories/id/factory/jaif")
WAVE2 = URIRef("https://w3id.org/aifactories/id/wave/2")
ASSERTED = "https://w3id.org/aifactories/graph/asserted"
INFERRED = "https://w3id.org/aifactories/graph/inferred"
PREFIXES = """PREFIX aif: <https://w3id.org/aifactories/ontology#>
PREFIX factory: <https://w3id.org/aifactories/id/factory/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
SELECT_LABEL = PREFIXES + "SELECT ?label WHERE { factory:jaif rdfs:label ?label }"
SELECT_SEED = (
    PREFIXES
    + """SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE {
  ?f a aif:AIFactory ; aif:selectionDate ?d . FILTER (?d <= "2025-03-12"^^xsd:date) }"""
)
ASK_FACTORY = PREFIXES + "ASK { factory:jaif a aif:AIFactory }"
ASK_ANTENNA = PREFIXES + "ASK { factory:jaif a aif:AIFactoryAntenna }"
CONSTRUCT_WAVE = (
    PREFIXES
    + "CONSTRUCT { factory:jaif aif:selectedIn ?w } WHERE { factory:jaif aif:selectedIn ?w }"
)
DESCRIBE_JAIF = PREFIXES + "DESCRIBE factory:jaif"

METHODS = [("GET", None), ("POST", URLENCODED), ("POST", POSTDIRECTLY)]
METHOD_IDS = ["get", "post-form", "post-direct"]


def wrapper(server: Server, query: str, fmt: str, method: tuple[str, str | None]) -> SPARQLWrapper:
    sparql = SPARQLWrapper(server.url + "/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    verb, encoding = method
    if verb == "POST":
        sparql.setMethod(POST)
        sparql.setRequestMethod(encoding)
    return sparql


@pytest.mark.parametrize("method", METHODS, ids=METHOD_IDS)
def test_select_json(server: Server, method: tuple[str, str | None]) -> None:
    data = wrapper(server, SELECT_LABEL, JSON, method).query().convert()
    assert data["head"]["vars"] == ["label"]
    values = [b["label"] for b in data["results"]["bindings"]]
    assert values == [{"type": "literal", "value": "JUPITER AI Factory", "xml:lang": "en"}]


@pytest.mark.parametrize("method", METHODS, ids=METHOD_IDS)
def test_select_xml(server: Server, method: tuple[str, str | None]) -> None:
    doc = wrapper(server, SELECT_LABEL, XML, method).query().convert()
    assert isinstance(doc, Document)
    literals = doc.getElementsByTagName("literal")
    assert [node.firstChild.data for node in literals] == ["JUPITER AI Factory"]


@pytest.mark.parametrize("method", METHODS, ids=METHOD_IDS)
def test_select_csv(server: Server, method: tuple[str, str | None]) -> None:
    result = wrapper(server, SELECT_SEED, CSV, method).query()
    assert result.info()["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(result.convert().decode("utf-8"))))
    assert rows == [["n"], ["13"]]


@pytest.mark.parametrize("method", METHODS, ids=METHOD_IDS)
def test_select_tsv(server: Server, method: tuple[str, str | None]) -> None:
    result = wrapper(server, SELECT_LABEL, TSV, method).query()
    assert result.info()["content-type"].startswith("text/tab-separated-values")
    lines = result.convert().decode("utf-8").splitlines()
    assert lines == ["?label", '"JUPITER AI Factory"@en']


@pytest.mark.parametrize("method", METHODS, ids=METHOD_IDS)
def test_ask_json_and_xml(server: Server, method: tuple[str, str | None]) -> None:
    assert wrapper(server, ASK_FACTORY, JSON, method).query().convert()["boolean"] is True
    assert wrapper(server, ASK_ANTENNA, JSON, method).query().convert()["boolean"] is False
    doc = wrapper(server, ASK_FACTORY, XML, method).query().convert()
    assert doc.getElementsByTagName("boolean")[0].firstChild.data == "true"


@pytest.mark.parametrize("media", ["text/csv", "text/tab-separated-values"])
def test_ask_as_csv_or_tsv_is_406_naming_the_formats_that_exist(
    client: httpx.Client, media: str
) -> None:
    # SPARQL 1.1 defines CSV and TSV results for SELECT only
    response = client.get("/sparql", params={"query": ASK_FACTORY}, headers={"Accept": media})
    assert response.status_code == 406
    message = response.json()["error"]["message"]
    assert "application/sparql-results+json" in message
    assert "application/sparql-results+xml" in message
    assert media not in message.split("offered as:")[1]


def _graph(result: object, fmt: str) -> Graph:
    converted = result.convert()  # type: ignore[attr-defined]
    if isinstance(converted, Graph):
        return converted
    return Graph().parse(data=converted, format=fmt)


@pytest.mark.parametrize("method", METHODS, ids=METHOD_IDS)
@pytest.mark.parametrize(
    ("fmt", "rdflib_format"),
    [(TURTLE, "turtle"), (N3, "turtle"), (RDFXML, "xml"), (XML, "xml"), (JSONLD, "json-ld")],
)
def test_construct_formats(
    server: Server, method: tuple[str, str | None], fmt: str, rdflib_format: str
) -> None:
    graph = _graph(wrapper(server, CONSTRUCT_WAVE, fmt, method).query(), rdflib_format)
    assert set(graph) == {(JAIF, AIF.selectedIn, WAVE2)}


def test_construct_ntriples_by_accept(client: httpx.Client) -> None:
    response = client.get(
        "/sparql", params={"query": CONSTRUCT_WAVE}, headers={"Accept": "application/n-triples"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/n-triples")
    assert set(Graph().parse(data=response.text, format="nt")) == {(JAIF, AIF.selectedIn, WAVE2)}


@pytest.mark.parametrize(("fmt", "rdflib_format"), [(TURTLE, "turtle"), (JSONLD, "json-ld")])
def test_describe(server: Server, fmt: str, rdflib_format: str) -> None:
    graph = _graph(wrapper(server, DESCRIBE_JAIF, fmt, METHODS[0]).query(), rdflib_format)
    assert (JAIF, RDFS.label, Literal("JUPITER AI Factory", lang="en")) in graph
    assert (JAIF, AIF.selectedIn, WAVE2) in graph


def test_accept_q_values_choose_the_preferred_format(client: httpx.Client) -> None:
    accept = "application/sparql-results+json;q=0.5, text/csv;q=0.9, */*;q=0.1"
    response = client.get("/sparql", params={"query": SELECT_SEED}, headers={"Accept": accept})
    assert response.headers["content-type"].startswith("text/csv")
    accept = "text/turtle;q=0.2, application/ld+json"
    response = client.get("/sparql", params={"query": CONSTRUCT_WAVE}, headers={"Accept": accept})
    assert response.headers["content-type"].startswith("application/ld+json")


def test_format_parameter_overrides_accept(client: httpx.Client) -> None:
    response = client.get(
        "/sparql", params={"query": SELECT_SEED, "format": "tsv"}, headers={"Accept": "text/csv"}
    )
    assert response.headers["content-type"].startswith("text/tab-separated-values")


def test_unsupported_accept_is_406_listing_offers(server: Server) -> None:
    sparql = wrapper(server, SELECT_LABEL, JSON, METHODS[0])
    sparql.setOnlyConneg(True)
    sparql.addCustomHttpHeader("Accept", "image/png")
    with pytest.raises(urllib.error.HTTPError) as info:
        sparql.query()
    assert info.value.code == 406
    message = json.loads(info.value.read())["error"]["message"]
    for offered in (
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ):
        assert offered in message


def test_graph_format_for_select_is_406(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": SELECT_LABEL, "format": "turtle"})
    assert response.status_code == 406
    assert "text/csv" in response.json()["error"]["message"]


def test_malformed_query_is_400_with_the_parser_message(server: Server) -> None:
    sparql = wrapper(server, "SELECT ?x WHERE { ?x ?y }", JSON, METHODS[0])
    with pytest.raises(QueryBadFormed) as info:
        sparql.query()
    assert "SPARQL syntax error" in str(info.value)
    assert "Traceback" not in str(info.value)


@pytest.mark.parametrize("encoding", [URLENCODED, POSTDIRECTLY], ids=["update-form", "update-body"])
def test_update_is_refused_and_changes_nothing(server: Server, encoding: str) -> None:
    sparql = SPARQLWrapper(server.url + "/sparql")
    sparql.setMethod(POST)
    sparql.setRequestMethod(encoding)
    sparql.setQuery(PREFIXES + 'INSERT DATA { factory:jaif rdfs:label "Intruder" }')
    with pytest.raises(urllib.error.HTTPError) as info:
        sparql.query()
    assert info.value.code == 403
    check = wrapper(server, PREFIXES + 'ASK { ?s rdfs:label "Intruder" }', JSON, METHODS[0])
    assert check.query().convert()["boolean"] is False


def test_update_text_sent_as_a_query_is_403(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": "LOAD <http://example.org/data.ttl>"})
    assert response.status_code == 403


def test_service_is_refused_without_network(client: httpx.Client) -> None:
    query = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    started = time.monotonic()
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400
    assert "SERVICE" in response.json()["error"]["message"]
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "params",
    [
        {"query": "SELECT * FROM <http://example.org/remote.ttl> WHERE { ?s ?p ?o } LIMIT 1"},
        {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "default-graph-uri": "http://x.invalid/"},
        {
            "query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1",
            "named-graph-uri": "http://example.org/remote.ttl",
        },
    ],
    ids=["from", "default-graph-uri", "named-graph-uri"],
)
def test_a_graph_the_store_does_not_hold_is_empty_and_never_fetched(
    client: httpx.Client, params: dict[str, str]
) -> None:
    started = time.monotonic()
    response = client.get("/sparql", params=params, headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.text
    assert response.text.splitlines()[1:] == []
    assert time.monotonic() - started < 2


def _ask(client: httpx.Client, query: str, **params: str | list[str]) -> bool:
    response = client.get(
        "/sparql",
        params={"query": query, **params},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.text
    return bool(response.json()["boolean"])


def test_default_graph_is_the_union(client: httpx.Client) -> None:
    inferred_only = PREFIXES + "ASK { factory:jaif a aif:NetworkNode }"
    assert _ask(client, inferred_only) is True
    assert _ask(client, inferred_only, **{"default-graph-uri": ASSERTED}) is False
    assert _ask(client, inferred_only, **{"default-graph-uri": INFERRED}) is True
    assert _ask(client, ASK_FACTORY, **{"default-graph-uri": ASSERTED}) is True


def test_named_graphs_are_addressable(client: httpx.Client) -> None:
    query = PREFIXES + "SELECT ?g WHERE { GRAPH ?g { factory:jaif a aif:AIFactory } }"
    response = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert response.text.split() == ["g", ASSERTED]
    query = (
        PREFIXES + f"ASK FROM NAMED <{INFERRED}> {{ GRAPH ?g {{ factory:jaif a aif:AIFactory }} }}"
    )
    assert _ask(client, query) is False
    query = PREFIXES + "ASK { GRAPH ?g { factory:jaif a aif:NetworkNode } }"
    assert _ask(client, query, **{"named-graph-uri": [ASSERTED, INFERRED]}) is True
    assert _ask(client, query, **{"named-graph-uri": ASSERTED}) is False


def test_row_cap_truncates_and_says_so(client: httpx.Client) -> None:
    response = client.get(
        "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept": "text/csv"}
    )
    assert response.status_code == 200
    assert response.headers["x-results-truncated"] == str(ROW_CAP)
    assert len(response.text.strip().splitlines()) == ROW_CAP + 1
    graph = client.get(
        "/sparql",
        params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/n-triples"},
    )
    assert graph.headers["x-results-truncated"] == str(ROW_CAP)
    assert len(graph.text.strip().splitlines()) == ROW_CAP
    small = client.get("/sparql", params={"query": SELECT_LABEL})
    assert "x-results-truncated" not in small.headers


def _server_cpu_seconds(server: Server) -> float:
    """CPU time used so far by the server's processes (the supervisor and its children)."""
    return sum(map(procfs.cpu_seconds, [server.pid, *procfs.children(server.pid)]))


def test_runaway_query_gets_503_while_others_answer(server: Server) -> None:
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    outcome: dict[str, object] = {}

    def run() -> None:
        started = time.monotonic()
        response = httpx.post(server.url + "/sparql", data={"query": runaway}, timeout=60)
        outcome["status"] = response.status_code
        outcome["body"] = response.json()
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    quick = httpx.get(server.url + "/sparql", params={"query": ASK_FACTORY}, timeout=30)
    quick_seconds = time.monotonic() - started
    page = httpx.get(server.url + "/id/factory/jaif", timeout=30)
    thread.join(timeout=server.timeout + 30)
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    assert quick_seconds < 2, "a simple query waited for the runaway one"
    assert page.status_code == 200
    assert outcome["status"] == 503
    assert "timeout" in outcome["body"]["error"]["message"]  # type: ignore[index]
    assert outcome["seconds"] < server.timeout + 2
    after = httpx.get(server.url + "/sparql", params={"query": ASK_FACTORY}, timeout=30)
    assert after.status_code == 200, "the server did not recover after the runaway query"
    # the runaway query was really stopped: its process retired, nothing burns a core now
    time.sleep(1.0)
    before = _server_cpu_seconds(server)
    time.sleep(2.0)
    assert _server_cpu_seconds(server) - before < 0.5, "the runaway query is still running"


def test_service_description(client: httpx.Client) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    endpoint = URIRef(f"{client.base_url}/sparql")
    assert (endpoint, RDF.type, sd.Service) in graph
    assert (endpoint, sd.endpoint, endpoint) in graph
    assert (endpoint, sd.supportedLanguage, sd.SPARQL11Query) in graph
    names = set(graph.objects(None, sd.name))
    assert names == {URIRef(ASSERTED), URIRef(INFERRED)}


def test_void(client: httpx.Client, kg: object) -> None:
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    void = Namespace("http://rdfs.org/ns/void#")
    dataset = URIRef("https://w3id.org/aifactories/dataset")
    assert (dataset, void.sparqlEndpoint, URIRef(f"{client.base_url}/sparql")) in graph
    assert graph.value(dataset, void.triples).toPython() == len(kg.union)  # type: ignore[attr-defined]
    for key in ("entities", "classes", "properties"):
        assert graph.value(dataset, void[key]).toPython() > 0
    assert any(graph.subjects(RDF.type, void.Linkset))
    dumps = sorted(str(d) for d in graph.objects(dataset, void.dataDump))
    asserted_dump = next(d for d in dumps if d.endswith("/graph/asserted.ttl"))
    dump = client.get(asserted_dump)
    assert len(Graph().parse(data=dump.text, format="turtle")) == len(kg.asserted)  # type: ignore[attr-defined]


def test_made_up_hosts_do_not_grow_the_description_caches(client: httpx.Client, app: Any) -> None:
    """The VoID and service description name the host the client reached; any client sets it."""
    from aifactories.server.descriptions import CACHED_BASES

    void = Namespace("http://rdfs.org/ns/void#")
    dataset = URIRef("https://w3id.org/aifactories/dataset")
    for n in range(3 * CACHED_BASES):
        host = f"host{n}.example:8000"
        for path in ("/.well-known/void", "/sparql"):
            response = client.get(path, headers={"Accept": "text/turtle", "Host": host})
            assert response.status_code == 200
        graph = Graph().parse(data=response.text, format="turtle")  # the service description
        assert (URIRef(f"http://{host}/sparql"), RDF.type, None) in graph
    descriptions = app.state.site.descriptions
    assert descriptions.void.cache_info().currsize <= CACHED_BASES
    assert descriptions.service.cache_info().currsize <= CACHED_BASES
    again = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=again.text, format="turtle")
    assert (dataset, void.sparqlEndpoint, URIRef(f"{client.base_url}/sparql")) in graph


def test_cors(client: httpx.Client) -> None:
    response = client.get(
        "/sparql", params={"query": ASK_FACTORY}, headers={"Origin": "https://example.org"}
    )
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]


def test_unsupported_post_body_is_415(client: httpx.Client) -> None:
    response = client.post("/sparql", content=b"{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 415
