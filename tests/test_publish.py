"""Publishing over the Graph Store Protocol, against a real Oxigraph server and stub servers.

One ``oxigraph serve`` (from the ``oxigraph`` PyPI package) runs for this module on a free
loopback port in a temporary folder. The graph is published to it, the triples per named graph
are counted there, and every golden query of ``tests/queries/expected`` is run there through
``aifactories query NAME --endpoint URL`` and must give the golden answer. Error handling (401,
403, 404, retries with back-off, credentials) is checked on small stub HTTP servers and httpx mock
transports, so no test waits for a real timeout.
"""

from __future__ import annotations

import base64
import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from aifactories import cli, exports
from aifactories import publish as pub
from aifactories.graph import KnowledgeGraph
from aifactories.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH
from aifactories.query import catalogue, syntax
from queries.goldens import (
    Golden,
    golden_cell,
    golden_files,
    project,
    read_golden,
    show_rows,
    term_cell,
    wildcard_columns,
)
from stores import oxigraph_server
from test_queries import _assert_same_multiset, _compare_graph

GOLDENS = [read_golden(p) for p in golden_files()]
CATALOGUE = catalogue.load_catalogue()


# --- A real Oxigraph server ----------------------------------------------------------------


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of an Oxigraph server started for this module (stopped afterwards)."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as base:
        yield base


@pytest.fixture(scope="module")
def endpoint(oxigraph: str, kg: KnowledgeGraph) -> str:
    """The query endpoint of the server, after ``aifactories publish --replace`` (small batches,
    so that a graph takes several requests)."""
    url = f"{oxigraph}/query"
    result = CliRunner().invoke(
        cli.main, ["publish", "--endpoint", url, "--replace", "--batch-size", "1000"]
    )
    assert result.exit_code == 0, result.output
    assert "MISMATCH" not in result.output
    assert "--default-graph union or oxigraph serve --union-default-graph" in result.output
    return url


def _count(url: str, graph: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    answer = httpx.post(
        url, data={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    answer.raise_for_status()
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def test_triples_per_graph_equal_the_export(endpoint: str, kg: KnowledgeGraph) -> None:
    exported = exports.serialize(kg, "nquads", inferred=True)
    per_graph = Counter(q.graph_name.value for q in ox.parse(exported, format=ox.RdfFormat.N_QUADS))
    assert set(per_graph) == {str(ASSERTED_GRAPH), str(INFERRED_GRAPH)}
    for graph, n in per_graph.items():
        assert _count(endpoint, graph) == n, graph


def test_publishing_again_without_replace_is_caught_by_the_count(
    endpoint: str, kg: KnowledgeGraph
) -> None:
    """The asserted graph has blank nodes: adding it again adds new ones, and the count shows."""
    assert any(isinstance(t, BNode) for triple in kg.asserted for t in triple)
    runner = CliRunner()
    try:
        again = runner.invoke(cli.main, ["publish", "--endpoint", endpoint, "--graph", "asserted"])
        assert again.exit_code == 1, again.output
        assert "MISMATCH (try --replace)" in again.output
        assert _count(endpoint, str(INFERRED_GRAPH)) == len(kg.inferred), "untouched"
    finally:
        restored = runner.invoke(
            cli.main, ["publish", "--endpoint", endpoint, "--replace", "--graph", "asserted"]
        )
        assert restored.exit_code == 0, restored.output
    assert _count(endpoint, str(ASSERTED_GRAPH)) == len(kg.asserted)


# --- The golden queries, answered by the server --------------------------------------------


def _rdflib_term(value: dict[str, str]) -> Node:
    if value["type"] == "uri":
        return URIRef(value["value"])
    if value["type"] == "bnode":
        return BNode(value["value"])
    if "xml:lang" in value:
        return Literal(value["value"], lang=value["xml:lang"])
    datatype = value.get("datatype")
    return Literal(value["value"], datatype=URIRef(datatype) if datatype else None)


def _remote(endpoint: str, golden: Golden, fmt: str) -> str:
    args = ["query", golden.query, "--endpoint", endpoint, "--format", fmt]
    for key, value in golden.params.items():
        args += ["--param", f"{key}={value}"]
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == 0, result.output
    return result.output


def check_golden(golden: Golden, endpoint: str, *, in_order: bool = True) -> None:
    """``aifactories query`` on ``endpoint`` gives the golden answer (shared with other stores);
    ``in_order`` False: ordered queries compare as multisets."""
    query = CATALOGUE.get(golden.query)
    if query.form in ("CONSTRUCT", "DESCRIBE"):
        graph = Graph().parse(data=_remote(endpoint, golden, "turtle"), format="turtle")
        _compare_graph(golden, graph)
        return
    data = json.loads(_remote(endpoint, golden, "json"))
    if query.form == "ASK":
        assert data["boolean"] is (golden.rows[0][0] == "true")
        return
    check_select(golden, data, in_order=in_order)


def check_select(golden: Golden, data: dict[str, Any], *, in_order: bool = True) -> None:
    """SPARQL JSON results ``data`` hold the golden rows (in the golden order when ordered)."""
    names = data["head"]["vars"]
    assert golden.header == names, f"{golden.path.name}: header differs from the projection"
    rows = [
        [term_cell(_rdflib_term(b[v])) if v in b else None for v in names]
        for b in data["results"]["bindings"]
    ]
    drop = wildcard_columns(golden)
    got = project(rows, drop)
    want = project([[golden_cell(c) for c in row] for row in golden.rows], drop)
    _assert_same_multiset(golden, got, want)
    if in_order and catalogue.is_ordered(CATALOGUE.get(golden.query)):
        assert got == want, f"{golden.path.name}: rows in another order:\n{show_rows(got)}"


@pytest.mark.parametrize("golden", GOLDENS, ids=lambda g: g.id)
def test_golden_queries_answer_the_same_remotely(golden: Golden, endpoint: str) -> None:
    check_golden(golden, endpoint)


# --- Clients that name no dataset -----------------------------------------------------------

#: SELECT goldens of queries without parameters: their text runs as it is, by any client.
PLAIN_SELECTS = [
    g
    for g in GOLDENS
    if CATALOGUE.get(g.query).form == "SELECT" and not CATALOGUE.get(g.query).params
]


def plain_client(url: str, golden: Golden) -> dict[str, Any]:
    """The query's text sent by SPARQLWrapper as a plain client does: no default-graph-uri."""
    from SPARQLWrapper import JSON, SPARQLWrapper

    wrapper = SPARQLWrapper(url)
    wrapper.setQuery(CATALOGUE.get(golden.query).text)
    wrapper.setReturnFormat(JSON)
    return wrapper.query().convert()  # type: ignore[return-value]


def test_plain_clients_see_the_union_after_default_graph_union(
    endpoint: str, kg: KnowledgeGraph
) -> None:
    """Published as named graphs only, a client naming no graph sees an empty default graph on
    Oxigraph; ``--default-graph union`` writes the union there, and every parameter-free SELECT
    then gives its golden answer to SPARQLWrapper."""
    assert len(PLAIN_SELECTS) >= 10
    exascale = next(g for g in PLAIN_SELECTS if g.query == "exascale-factories")
    before = plain_client(endpoint, exascale)
    assert before["results"]["bindings"] == [], "the default graph starts empty"
    result = CliRunner().invoke(
        cli.main,
        ["publish", "--endpoint", endpoint, "--replace", "--default-graph", "union"],
    )
    assert result.exit_code == 0, result.output
    assert f"the default graph: {len(kg.union)} triples" in result.output
    assert _count_default(endpoint) == len(kg.union)
    for golden in PLAIN_SELECTS:
        check_select(golden, plain_client(endpoint, golden))


def _count_default(url: str) -> int:
    answer = httpx.post(
        url,
        data={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    answer.raise_for_status()
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def test_plain_clients_see_the_data_on_oxigraph_with_its_union_option(
    tmp_path: Path,
) -> None:
    """The store's own option instead: ``oxigraph serve --union-default-graph``, publish as
    usual (named graphs only)."""
    with oxigraph_server(tmp_path, "--union-default-graph") as base:
        url = f"{base}/query"
        result = CliRunner().invoke(cli.main, ["publish", "--endpoint", url, "--replace"])
        assert result.exit_code == 0, result.output
        for golden in PLAIN_SELECTS:
            check_select(golden, plain_client(url, golden))


def test_default_graph_union_is_refused_where_the_default_graph_is_the_union() -> None:
    result = CliRunner().invoke(
        cli.main,
        [
            "publish",
            "--endpoint",
            "http://127.0.0.1:9/sparql",
            "--server",
            "virtuoso",
            "--default-graph",
            "union",
        ],
    )
    assert result.exit_code == 2
    assert "not needed on virtuoso" in result.output and "Traceback" not in result.output


def test_remote_parameters_are_checked_like_local_ones(endpoint: str) -> None:
    runner = CliRunner()
    unknown = runner.invoke(
        cli.main,
        ["query", "factory-supercomputers", "--endpoint", endpoint, "--param", "factory=Nope"],
    )
    assert unknown.exit_code == 2 and "parameter 'factory'" in unknown.output
    bad_date = runner.invoke(
        cli.main, ["query", "factories-as-of", "--endpoint", endpoint, "--param", "date=soon"]
    )
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output


def test_string_parameters_cannot_inject_sparql() -> None:
    """A value is written as an escaped literal in place of the variable, never as query text."""
    text = 'SELECT ?x WHERE { ?x ?p ?_name . FILTER (?_name != "?_name") } # ?_name'
    evil = syntax.bind_terms(text, {"_name": ox.Literal('x" } DROP ALL #')})
    assert evil == (
        'SELECT ?x WHERE { ?x ?p "x\\" } DROP ALL #" . '
        'FILTER ("x\\" } DROP ALL #" != "?_name") } # ?_name'
    )
    assert syntax.bind_terms(
        "SELECT ?_f ?y WHERE { ?y ?p ?_f }", {"_f": ox.NamedNode("http://e/x")}
    ) == ("SELECT (<http://e/x> AS ?_f) ?y WHERE { ?y ?p <http://e/x> }")


# --- Endpoints, batches, credentials --------------------------------------------------------


@pytest.mark.parametrize(
    ("server", "url", "graph_store", "query"),
    [
        ("oxigraph", "http://h:7878/query", "http://h:7878/store", "http://h:7878/query"),
        ("oxigraph", "http://h:7878", "http://h:7878/store", "http://h:7878/query"),
        ("fuseki", "http://h:3030/ds/sparql", "http://h:3030/ds/data", "http://h:3030/ds/sparql"),
        (
            "graphdb",
            "http://h:7200/repositories/kg",
            "http://h:7200/repositories/kg/rdf-graphs/service",
            "http://h:7200/repositories/kg",
        ),
        (
            "virtuoso",
            "http://h:8890/sparql",
            "http://h:8890/sparql-graph-crud-auth",
            "http://h:8890/sparql",
        ),
        ("qlever", "http://h:7001/", "http://h:7001/", "http://h:7001/"),
    ],
)
def test_endpoint_shapes(server: str, url: str, graph_store: str, query: str) -> None:
    ends = pub.endpoints(url, server)
    assert (ends.graph_store, ends.query) == (graph_store, query)


def test_virtuoso_names_the_graph_with_graph_uri() -> None:
    ends = pub.endpoints("http://h:8890/sparql", "virtuoso")
    assert ends.graph_url("https://g/1") == (
        "http://h:8890/sparql-graph-crud-auth?graph-uri=https%3A%2F%2Fg%2F1"
    )


def test_cli_lists_the_library_servers() -> None:
    assert tuple(pub.STORES) == cli.SERVER_KINDS


def test_batches_keep_blank_node_groups_whole() -> None:
    ex = "https://example.org/"
    a, b, c = BNode(), BNode(), BNode()
    triples = [(URIRef(ex + f"s{i}"), URIRef(ex + "p"), Literal(i)) for i in range(5)]
    triples += [
        (URIRef(ex + "s0"), URIRef(ex + "q"), a),
        (a, URIRef(ex + "r"), b),  # a and b are one group
        (b, URIRef(ex + "r"), Literal("deep")),
        (c, URIRef(ex + "r"), Literal("alone")),
    ]
    batches = list(pub.batches(triples, 2))
    assert sorted(map(len, batches)) == [1, 1, 2, 2, 3]
    for node in (a, b, c):
        holding = [i for i, batch in enumerate(batches) if any(node in t for t in batch)]
        assert len(holding) == 1, f"{node} split over batches {holding}"
    assert sorted(t for batch in batches for t in batch) == sorted(triples)


def test_ntriples_relabel_blank_nodes_per_document() -> None:
    node = BNode("weird label")
    text = pub.ntriples([(node, URIRef("https://e/p"), Literal('a "quoted"\nline'))])
    assert text == b'_:b0 <https://e/p> "a \\"quoted\\"\\nline" .\n'


def test_credentials_come_from_env_then_netrc(tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine store.example login alice password s3cret\n")
    netrc.chmod(0o600)
    url = "https://store.example/query"
    assert pub.credentials(url, env={"AIFACTORIES_TOKEN": "t"}).headers() == {
        "Authorization": "Bearer t"
    }
    user = pub.credentials(url, env={"AIFACTORIES_USER": "bob", "AIFACTORIES_PASSWORD": "pw"})
    assert (user.user, user.password, user.source) == ("bob", "pw", "AIFACTORIES_USER")
    from_netrc = pub.credentials(url, "digest", env={"NETRC": str(netrc)})
    assert (from_netrc.user, from_netrc.password, from_netrc.scheme) == (
        "alice",
        "s3cret",
        "digest",
    )
    assert pub.credentials("https://other.example/", env={"NETRC": str(netrc)}).user is None


# --- Errors and retries ---------------------------------------------------------------------


def _client(handler: Any, **kwargs: Any) -> tuple[pub.StoreClient, list[float]]:
    slept: list[float] = []
    client = pub.StoreClient(
        transport=httpx.MockTransport(handler), sleep=slept.append, retries=3, **kwargs
    )
    return client, slept


def test_5xx_is_retried_with_exponential_back_off() -> None:
    answers = iter([503, 502, 204])
    client, slept = _client(lambda request: httpx.Response(next(answers)))
    response = client.request("POST", "http://h/store", what="POST")
    assert response.status_code == 204
    assert slept == [0.5, 1.0] and client.requests == 3


def test_connection_errors_give_up_after_the_retries() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client, slept = _client(refuse)
    with pytest.raises(pub.PublishError, match=r"cannot reach http://h/store.*after 4 attempts"):
        client.request("POST", "http://h/store", what="POST")
    assert slept == [0.5, 1.0, 2.0]


def test_4xx_is_not_retried() -> None:
    client, slept = _client(lambda request: httpx.Response(400, text="bad\nturtle"))
    with pytest.raises(
        pub.PublishError, match="HTTP 400 Bad Request at http://h/store: bad turtle"
    ):
        client.request("POST", "http://h/store", what="POST")
    assert slept == []


class _Stub(BaseHTTPRequestHandler):
    """Answers every request with ``status`` and records the Authorization headers it saw."""

    status: ClassVar[int] = 204
    seen: ClassVar[list[str | None]] = []

    def _answer(self) -> None:
        type(self).seen.append(self.headers.get("Authorization"))
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def stub() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (401, "HTTP 401 Unauthorized at"),
        (403, "HTTP 403 Forbidden at"),
        (404, "HTTP 404 Not Found at"),
    ],
)
def test_cli_explains_401_403_404_in_one_line(
    status: int, message: str, stub: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_Stub, "status", status)
    for name in ("AIFACTORIES_TOKEN", "AIFACTORIES_USER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETRC", "/nonexistent")
    result = CliRunner().invoke(cli.main, ["publish", "--endpoint", f"{stub}/query"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0]
    assert "Traceback" not in result.output
    if status == 401:
        assert "AIFACTORIES_USER" in lines[0]


def test_credentials_are_sent(stub: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_Stub, "status", 204)
    monkeypatch.setattr(_Stub, "seen", [])
    monkeypatch.delenv("AIFACTORIES_TOKEN", raising=False)
    monkeypatch.setenv("AIFACTORIES_USER", "alice")
    monkeypatch.setenv("AIFACTORIES_PASSWORD", "s3cret")
    result = CliRunner().invoke(
        cli.main, ["publish", "--endpoint", f"{stub}/query", "--no-verify", "--graph", "inferred"]
    )
    assert result.exit_code == 0, result.output
    basic = "Basic " + base64.b64encode(b"alice:s3cret").decode()
    assert _Stub.seen and set(_Stub.seen) == {basic}
