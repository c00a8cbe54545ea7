"""The W3C SPARQL 1.1 Protocol test suite, every case that applies to a read-only service.

The manifest and its data are the W3C's, unchanged (``w3c_protocol/README.md``). Each case's
requests are sent, in order, to the app in process; the app's store holds the graphs the case
names (``ut:graphData``), each under its label as graph name. The cases whose updates must
succeed do not apply to a read-only endpoint and are listed, not run; the ``bad_update_*`` cases
(updates that must fail) do apply and run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.dom.minidom import parseString

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from starlette.testclient import TestClient

from aifactories.graph import KnowledgeGraph

HERE = Path(__file__).resolve().parent / "w3c_protocol"
BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

#: Cases whose update requests must succeed: they need a writable store.
NOT_APPLICABLE = {
    "update_dataset_default_graph",
    "update_dataset_default_graphs",
    "update_dataset_named_graphs",
    "update_dataset_full",
    "update_post_form",
    "update_post_direct",
    "update_base_uri",
}
BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
TABULAR_TYPES = (*BOOLEAN_TYPES, "text/csv", "text/tab-separated-values")
RDF_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: tuple[str, ...]  # "2xx", "3xx", "4xx"
    result_format: str | None  # "boolean", "tabular", "RDF"
    boolean: bool | None


@dataclass(frozen=True)
class Case:
    name: str
    title: str
    graphs: tuple[tuple[str, Path], ...]  # (graph name, N-Triples file)
    requests: tuple[Request, ...]


def _manifest() -> Graph:
    return Graph().parse(HERE / "manifest.ttl", format="turtle", publicID=BASE)


def _cases(graph: Graph) -> Iterator[Case]:
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    for entry in Collection(graph, graph.value(manifest, MF.entries)):
        name = str(entry).rsplit("#", 1)[1]
        graphs = tuple(
            (str(graph.value(data, RDFS.label)), HERE / Path(str(graph.value(data, UT.graph))).name)
            for data in graph.objects(entry, UT.graphData)
        )
        action = graph.value(entry, MF.action)
        requests = tuple(
            _request(graph, r) for r in Collection(graph, graph.value(action, HT.requests))
        )
        yield Case(name, str(graph.value(entry, MF.name)), graphs, requests)


def _request(graph: Graph, node: URIRef) -> Request:
    headers: dict[str, str] = {}
    if (listing := graph.value(node, HT.headers)) is not None:
        for header in Collection(graph, listing):
            headers[str(graph.value(header, HT.fieldName))] = str(
                graph.value(header, HT.fieldValue)
            )
    body = None
    if (content := graph.value(node, HT.body)) is not None:
        encoding = str(graph.value(content, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(content, CNT.chars)).encode(encoding.lower())
    response = graph.value(node, HT.resp)
    statuses = tuple(
        sorted(
            str(s).removeprefix(str(HTS)).removeprefix("StatusCode").lower()
            for s in graph.objects(response, MF.expectedStatus)
        )
    )
    fmt = graph.value(response, MF.expectedFormat)
    boolean = graph.value(response, MF.expectedBoolean)
    path = str(graph.value(node, HT.absolutePath))
    assert path.startswith("/sparql/")
    return Request(
        method=str(graph.value(node, HT.methodName)),
        path="/sparql" + path.removeprefix("/sparql/"),
        headers=headers,
        body=body,
        statuses=statuses,
        result_format=None if fmt is None else str(fmt),
        boolean=None if boolean is None else bool(boolean.toPython()),
    )


CASES = list(_cases(_manifest()))
APPLICABLE = [c for c in CASES if c.name not in NOT_APPLICABLE]


def test_the_manifest_is_read_whole() -> None:
    # 34 cases in the W3C manifest; 27 apply to a read-only service
    assert len(CASES) == 34
    assert {c.name for c in CASES} >= NOT_APPLICABLE
    assert len(APPLICABLE) == 27


@pytest.fixture(scope="module")
def w3c_client(kg: KnowledgeGraph) -> Iterator[httpx.Client]:
    """The app over a store holding data1..data3 as named graphs under their W3C labels."""
    from aifactories.server import Settings, create_app

    store = ox.Store()
    for label, path in {g for case in CASES for g in case.graphs}:
        store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(label))
    app = create_app(kg, Settings(timeout=10), store=store)
    with TestClient(app, base_url="http://www.example") as http:
        yield http


@pytest.mark.parametrize("case", APPLICABLE, ids=[c.name for c in APPLICABLE])
def test_protocol_case(w3c_client: httpx.Client, case: Case) -> None:
    for request in case.requests:
        response = w3c_client.request(
            request.method, request.path, headers=request.headers, content=request.body
        )
        status = f"{response.status_code // 100}xx"
        assert status in request.statuses, (
            f"{case.title}: {response.status_code} {response.text[:300]}"
        )
        media = response.headers.get("content-type", "").split(";")[0]
        if request.result_format == "boolean":
            assert media in BOOLEAN_TYPES, media
            if request.boolean is not None:
                assert _boolean(response.content, media) is request.boolean, case.title
        elif request.result_format == "tabular":
            assert media in TABULAR_TYPES, media
        elif request.result_format == "RDF":
            assert media in RDF_TYPES, media


def _boolean(body: bytes, media: str) -> bool:
    if media == "application/sparql-results+json":
        return bool(json.loads(body)["boolean"])
    element = parseString(body).getElementsByTagName("boolean")[0]
    return element.firstChild.data.strip() == "true"  # type: ignore[union-attr]
