"""Push the graph into a triple store, and run the catalogue's queries on any SPARQL endpoint.

Publishing uses the SPARQL 1.1 Graph Store HTTP Protocol (GSP): each named graph (asserted,
inferred) is sent to ``<graph store>?graph=<graph IRI>`` in N-Triples batches, so a large graph
never needs one giant request. A store is named by its SPARQL query endpoint (``--endpoint``); its
Graph Store URL follows from it by the store's documented layout (``STORES``). Afterwards the
triples of every graph are counted on the query endpoint and compared with what was sent.

Credentials come from the environment (``AIFACTORIES_TOKEN``, or ``AIFACTORIES_USER`` and
``AIFACTORIES_PASSWORD``) or from ``~/.netrc`` (``$NETRC``), never from the command line, so they
stay out of shell history and process lists. Requests that fail with a 5xx status or a
connection error are retried with exponential back-off; 401, 403 and 404 are explained in one line.

Blank nodes are scoped to one request, so every batch keeps the triples that share a blank node
together; a blank node shared by two named graphs becomes two nodes in the store (the project's
inferred graph holds no blank node, see ``aifactories.reasoning``).

Where the graphs land: in the named graphs ``PROJECT_GRAPHS``; a query that names no dataset sees
the store's default graph, which on some stores is empty (Oxigraph, Fuseki) and on others is the
union of all graphs (Virtuoso, GraphDB, QLever; ``StoreKind.default_is_union``). For the first
kind, ``--default-graph union`` also writes the union of the two graphs into the default graph
(``?default`` of the Graph Store Protocol), or the store is run with its own union option
(``StoreKind.union_option``).
"""

from __future__ import annotations

import json
import netrc
import os
import re
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aifactories.errors import InputError
from aifactories.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH

if TYPE_CHECKING:
    import httpx
    import pyoxigraph as ox
    from rdflib import Graph
    from rdflib.term import Node

    from aifactories.engines import Engine, QueryResult
    from aifactories.graph import KnowledgeGraph

    Triple = tuple[Node, Node, Node]

ENV_TOKEN = "AIFACTORIES_TOKEN"
ENV_USER = "AIFACTORIES_USER"
ENV_PASSWORD = "AIFACTORIES_PASSWORD"
#: ``basic`` or ``digest``: how a user name and password are sent (default: the store's).
ENV_AUTH = "AIFACTORIES_AUTH"

#: The project's named graphs, by short name.
PROJECT_GRAPHS: dict[str, str] = {"asserted": str(ASSERTED_GRAPH), "inferred": str(INFERRED_GRAPH)}
DEFAULT_BATCH = 50_000


class PublishError(InputError):
    """A store that cannot be reached, refuses the request or answers unexpectedly."""


# --- Where a store keeps its endpoints ------------------------------------------------------


@dataclass(frozen=True)
class StoreKind:
    """How one product lays out its endpoints under a base URL.

    ``strip`` are path endings removed from ``--endpoint`` to find the base; the Graph Store and
    query endpoints are the base plus ``gsp_path`` and ``query_path``, except that an
    ``--endpoint`` ending in one of ``query_endings`` is the query endpoint as given.
    """

    name: str
    strip: tuple[str, ...]
    gsp_path: str
    query_path: str
    query_endings: tuple[str, ...] = ()
    graph_param: str = "graph"
    content_type: str = "application/n-triples"
    auth: str = "basic"
    #: Whether a query without a dataset sees every graph (the store's default behaviour).
    default_is_union: bool = False
    #: How to make the store's default graph the union of its named graphs, if it has a way.
    union_option: str = ""


STORES: dict[str, StoreKind] = {
    kind.name: kind
    for kind in (
        StoreKind(
            "oxigraph",
            ("/query", "/store", "/update"),
            "/store",
            "/query",
            ("/query",),
            union_option="oxigraph serve --union-default-graph",
        ),
        StoreKind(
            "fuseki",
            ("/sparql", "/query", "/data", "/get", "/update"),
            "/data",
            "/sparql",
            ("/sparql", "/query"),
            union_option="TDB2 dataset with tdb2:unionDefaultGraph true",
        ),
        StoreKind(
            "graphdb",
            ("/rdf-graphs/service", "/statements"),
            "/rdf-graphs/service",
            "",
            default_is_union=True,
        ),
        StoreKind(
            "virtuoso",
            ("/sparql-graph-crud-auth", "/sparql-graph-crud", "/sparql-auth", "/sparql"),
            "/sparql-graph-crud-auth",
            "/sparql",
            ("/sparql", "/sparql-auth"),
            graph_param="graph-uri",
            # Virtuoso's Graph Store reads Turtle (N-Triples is a subset of it).
            content_type="text/turtle",
            auth="digest",
            default_is_union=True,
        ),
        StoreKind("qlever", (), "/", "/", default_is_union=True),
    )
}


@dataclass(frozen=True)
class Endpoints:
    """The Graph Store and SPARQL query URLs of one store."""

    kind: StoreKind
    graph_store: str
    query: str

    def graph_url(self, graph: str | None) -> str:
        """The Graph Store URL of the named graph ``graph`` (indirect graph identification), or
        of the default graph for ``None``."""
        if graph is None:
            return f"{self.graph_store}?default"
        return f"{self.graph_store}?{urllib.parse.urlencode({self.kind.graph_param: graph})}"


def check_url(url: str, what: str = "--endpoint") -> str:
    """``url`` when it is an absolute http(s) URL without query or fragment; InputError else."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{what} must be an http:// or https:// URL, got {url!r}")
    if parts.query or parts.fragment:
        raise InputError(f"{what}: give the URL without '?...' or '#...', got {url!r}")
    return url


def endpoints(url: str, store: str = "oxigraph", *, graph_store: str | None = None) -> Endpoints:
    """The endpoints of the ``store`` reached at ``url`` (its query endpoint, or its base URL).

    ``graph_store`` overrides the derived Graph Store URL (for a store laid out differently).
    """
    kind = STORES.get(store)
    if kind is None:
        raise InputError(f"unknown server {store!r}; choose one of {', '.join(STORES)}")
    base = check_url(url).rstrip("/")
    query = None
    for ending in kind.strip:
        if base.endswith(ending):
            query = base if ending in kind.query_endings else None
            base = base[: -len(ending)]
            break
    gsp = check_url(graph_store, "--graph-store") if graph_store else base + kind.gsp_path
    return Endpoints(kind, gsp, query or base + kind.query_path)


# --- Credentials -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """How to authenticate, and where that came from (named in a 401 message)."""

    source: str | None = None
    token: str | None = None
    user: str | None = None
    password: str = ""
    scheme: str = "basic"

    def httpx_auth(self) -> httpx.Auth | None:
        import httpx

        if self.user is None:
            return None
        if self.scheme == "digest":
            return httpx.DigestAuth(self.user, self.password)
        return httpx.BasicAuth(self.user, self.password)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def credentials(
    url: str, default_scheme: str = "basic", env: Mapping[str, str] | None = None
) -> Credentials:
    """Credentials for ``url``: a token or user from the environment, else ``~/.netrc``."""
    env = os.environ if env is None else env
    scheme = env.get(ENV_AUTH, default_scheme).strip().lower() or default_scheme
    if scheme not in ("basic", "digest"):
        raise InputError(f"{ENV_AUTH} must be 'basic' or 'digest', got {scheme!r}")
    token = env.get(ENV_TOKEN)
    if token:
        return Credentials(source=ENV_TOKEN, token=token)
    user = env.get(ENV_USER)
    if user:
        return Credentials(ENV_USER, user=user, password=env.get(ENV_PASSWORD, ""), scheme=scheme)
    path = Path(env["NETRC"]) if env.get("NETRC") else Path.home() / ".netrc"
    if not path.is_file():
        return Credentials()
    try:
        entry = netrc.netrc(path).authenticators(urllib.parse.urlsplit(url).hostname or "")
    except (netrc.NetrcParseError, OSError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    if entry is None:
        return Credentials()
    login, _account, password = entry
    return Credentials(str(path), user=login, password=password or "", scheme=scheme)


# --- HTTP with retries ----------------------------------------------------------------------


class StoreClient:
    """An httpx client that retries 5xx answers and connection errors with exponential back-off."""

    def __init__(
        self,
        creds: Credentials | None = None,
        *,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import httpx

        self.creds = creds or Credentials()
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.requests = 0
        self._client = httpx.Client(
            auth=self.creds.httpx_auth(),
            headers={"User-Agent": "aifactories-kg", **self.creds.headers()},
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> StoreClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        content: bytes | None = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        allow: Sequence[int] = (),
    ) -> httpx.Response:
        """Send one request; retry 5xx and connection errors; PublishError for other failures.

        ``allow`` lists non-2xx statuses that are answers, not errors (404 when deleting).
        """
        import httpx

        shown = urllib.parse.unquote(url)
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                self.requests += 1
                response = self._client.request(
                    method, url, content=content, data=data, headers=headers
                )
            except httpx.TransportError as exc:
                if last:
                    reason = " ".join(str(exc).split()) or type(exc).__name__
                    raise PublishError(
                        f"{what}: cannot reach {shown}: {reason} "
                        f"(after {self.retries + 1} attempts)"
                    ) from None
            else:
                if response.status_code < 500 or last:
                    return self._check(response, shown, what, allow)
            self.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _check(
        self, response: httpx.Response, url: str, what: str, allow: Sequence[int]
    ) -> httpx.Response:
        code = response.status_code
        if 200 <= code < 300 or code in allow:
            return response
        if code == 401:
            where = (
                f"the credentials from {self.creds.source} were refused"
                if self.creds.source
                else f"set {ENV_USER} and {ENV_PASSWORD}, or {ENV_TOKEN}, or add the host to "
                "~/.netrc"
            )
            raise PublishError(f"{what}: HTTP 401 Unauthorized at {url}: {where}")
        if code == 403:
            raise PublishError(
                f"{what}: HTTP 403 Forbidden at {url}: the store does not let this user "
                "write (check the account's rights, or that the store is not read-only)"
            )
        if code == 404:
            raise PublishError(
                f"{what}: HTTP 404 Not Found at {url}: no such endpoint; check --endpoint and "
                "--server (see 'aifactories publish --help' for each store's URL shape)"
            )
        detail = " ".join(response.text.split())[:200]
        raise PublishError(
            f"{what}: HTTP {code} {response.reason_phrase} at {url}"
            + (f": {detail}" if detail else "")
        )


# --- Batches of N-Triples -------------------------------------------------------------------


def batches(triples: Iterable[Triple], size: int) -> Iterator[list[Triple]]:
    """``triples`` in batches of at most ``size``; triples joined by blank nodes stay together.

    A group of blank-node triples larger than ``size`` is sent whole: splitting it would make
    the store mint two nodes for one.
    """
    from rdflib import BNode

    if size < 1:
        raise InputError(f"batch size must be at least 1, got {size}")
    plain: list[Triple] = []
    parent: dict[Node, Node] = {}

    def find(node: Node) -> Node:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    linked: list[tuple[Node, Triple]] = []
    for triple in triples:
        blanks = [t for t in (triple[0], triple[2]) if isinstance(t, BNode)]
        if not blanks:
            plain.append(triple)
            continue
        for node in blanks:
            parent.setdefault(node, node)
        if len(blanks) == 2:
            a, b = find(blanks[0]), find(blanks[1])
            if a != b:
                parent[b] = a
        linked.append((blanks[0], triple))
    for start in range(0, len(plain), size):
        yield plain[start : start + size]
    groups: dict[Node, list[Triple]] = {}
    for node, triple in linked:
        groups.setdefault(find(node), []).append(triple)
    batch: list[Triple] = []
    for group in groups.values():
        if batch and len(batch) + len(group) > size:
            yield batch
            batch = []
        batch.extend(group)
    if batch:
        yield batch


def ntriples(triples: Iterable[Triple]) -> bytes:
    """N-Triples for ``triples``, blank nodes relabelled ``_:b0``, ``_:b1``, ... (one document)."""
    from rdflib import BNode

    from aifactories.catalogue import nt_term

    labels: dict[Node, str] = {}

    def term(node: Node) -> str:
        if isinstance(node, BNode):
            if node not in labels:
                labels[node] = f"_:b{len(labels)}"
            return labels[node]
        return nt_term(node)

    return "".join(f"{term(s)} {term(p)} {term(o)} .\n" for s, p, o in triples).encode("utf-8")


# --- Publishing -----------------------------------------------------------------------------


@dataclass
class GraphReport:
    """What happened to one named graph (``iri`` None: the default graph)."""

    iri: str | None
    triples: int
    requests: int = 0
    on_store: int | None = None
    seconds: float = 0.0

    @property
    def verified(self) -> bool:
        return self.on_store == self.triples

    @property
    def name(self) -> str:
        return "the default graph" if self.iri is None else f"<{self.iri}>"


def union_default_graph(kg: KnowledgeGraph, kind: StoreKind) -> tuple[None, Graph]:
    """(None, asserted + inferred): what ``--default-graph union`` writes into the default
    graph; an InputError on a store whose default graph is the union already."""
    if kind.default_is_union:
        raise InputError(
            f"--default-graph union: not needed on {kind.name}, whose default graph is already "
            "the union of its named graphs"
        )
    return None, kg.union


def project_graphs(kg: KnowledgeGraph, names: Sequence[str] = ()) -> list[tuple[str, Graph]]:
    """The named graphs to publish: all of them, or those named (``asserted``, ``inferred``,
    or their IRIs)."""
    graphs = {str(ASSERTED_GRAPH): kg.asserted, str(INFERRED_GRAPH): kg.inferred}
    if not names:
        return list(graphs.items())
    out: list[tuple[str, Graph]] = []
    for name in names:
        iri = PROJECT_GRAPHS.get(name, name)
        if iri not in graphs:
            choices = ", ".join([*PROJECT_GRAPHS, *graphs])
            raise InputError(f"--graph: unknown graph {name!r}; choose one of {choices}")
        if all(iri != seen for seen, _ in out):
            out.append((iri, graphs[iri]))
    return out


def publish(
    graphs: Sequence[tuple[str | None, Graph]],
    ends: Endpoints,
    client: StoreClient,
    *,
    replace: bool = False,
    batch_size: int = DEFAULT_BATCH,
    verify: bool = True,
    progress: Callable[[int], None] | None = None,
) -> list[GraphReport]:
    """Send each (graph IRI, graph) to the Graph Store, then count its triples on the store.

    A graph IRI ``None`` is the default graph.

    With ``replace`` the first batch is a PUT (the graph's old content goes), the rest POSTs;
    an empty graph is DELETEd. Without, every batch is a POST (added to what is there).
    ``progress`` is called with the number of triples each batch carried.
    """
    reports: list[GraphReport] = []
    headers = {"Content-Type": ends.kind.content_type}
    for iri, graph in graphs:
        started = time.monotonic()
        before = client.requests
        report = GraphReport(iri, len(graph))
        url = ends.graph_url(iri)
        first = True
        for batch in batches(graph, batch_size):
            method = "PUT" if replace and first else "POST"
            what = f"{method} {report.name} ({len(batch)} triples)"
            client.request(method, url, what=what, content=ntriples(batch), headers=headers)
            first = False
            if progress is not None:
                progress(len(batch))
        if replace and first:
            client.request("DELETE", url, what=f"DELETE {report.name}", allow=(404,))
        report.requests = client.requests - before
        report.seconds = time.monotonic() - started
        reports.append(report)
    if verify:
        for report in reports:
            report.on_store = count_triples(client, ends.query, report.iri)
    return reports


def count_triples(client: StoreClient, query_url: str, graph: str | None) -> int:
    """The number of triples in the named graph ``graph`` (``None``: in the default graph of a
    query that names no dataset), asked of the SPARQL endpoint."""
    pattern = "?s ?p ?o" if graph is None else f"GRAPH <{graph}> {{ ?s ?p ?o }}"
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"
    response = client.request(
        "POST",
        query_url,
        what=f"counting the triples of {'the default graph' if graph is None else f'<{graph}>'}",
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    try:
        bindings = response.json()["results"]["bindings"]
        return int(bindings[0]["n"]["value"]) if bindings else 0
    except (ValueError, KeyError, IndexError, TypeError):
        raise PublishError(
            f"{query_url} did not answer a SPARQL query with JSON results; is it the store's "
            "query endpoint?"
        ) from None


# --- Querying a remote endpoint -------------------------------------------------------------

_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|\#[^\n]*"
    r"|[?$][A-Za-z0-9_\u00b7\u00c0-\ufffd]+"
    r"|[A-Za-z]+"
    r"|[(){}]"
    r"|\s+"
    r"|.",
    re.DOTALL,
)


def substitute(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each variable ``?name`` of ``values`` replaced by ``values[name]``.

    ``values`` are RDF terms in N-Triples syntax (resolved IRIs, checked and escaped literals),
    never raw user text. Only variable tokens are replaced, not text in strings, IRIs or
    comments; a replaced variable in a SELECT clause becomes ``(<term> AS ?name)`` so it stays
    projected. This pre-binds like rdflib's ``initBindings`` for the queries of the catalogue.
    """
    out: list[str] = []
    in_select = False
    depth = 0
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        # a keyword, not the local part of a prefixed name such as ex:select
        upper = token.upper() if text[match.start() - 1 : match.start()] != ":" else ""
        if upper == "SELECT":
            in_select, depth = True, 0
        elif in_select and (upper in ("WHERE", "FROM") or (token == "{" and depth == 0)):
            in_select = False
        elif token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        if token[0] in "?$" and token[1:] in values:
            term = values[token[1:]]
            out.append(f"({term} AS {token})" if in_select and depth == 0 else term)
        else:
            out.append(token)
    return "".join(out)


class RemoteEngine:
    """Runs SPARQL on a remote endpoint (SPARQLWrapper), as ``aifactories.engines`` engines do.

    The default dataset of every query is the union of the project's named graphs (sent as
    ``default-graph-uri``), as locally. Entity parameters are resolved on the local graph
    (``local``: an engine, or a function opening one on first use), then written into the query
    as IRIs (``substitute``).
    """

    name = "remote"

    def __init__(
        self,
        url: str,
        *,
        default_graphs: Sequence[str] = tuple(PROJECT_GRAPHS.values()),
        timeout: float = 60.0,
        local: Engine | Callable[[], Engine] | None = None,
        creds: Credentials | None = None,
    ) -> None:
        self.url = check_url(url)
        self.default_graphs = tuple(default_graphs)
        self.timeout = timeout
        self._local = local
        self.creds = creds if creds is not None else credentials(url)

    def resolve(self, term: str, classes: Sequence[str] | None = None) -> ox.NamedNode:
        if self._local is None:
            from aifactories.engines import DEFAULT_ENGINE, open_engine

            self._local = open_engine(DEFAULT_ENGINE)
        elif callable(self._local):  # opened on first use: parameter-free queries need no graph
            self._local = self._local()
        return self._local.resolve(term, classes)

    def query(self, text: str, bindings: Mapping[str, Any] | None = None) -> QueryResult:
        from aifactories.engines import from_rdflib, nt

        values = {
            name: nt(term if not _is_rdflib(term) else from_rdflib(term))
            for name, term in (bindings or {}).items()
        }
        return self._send(substitute(text, values) if values else text)

    def _send(self, text: str) -> QueryResult:
        from SPARQLWrapper import BASIC, DIGEST, JSON, POST, TURTLE, URLENCODED, SPARQLWrapper

        wrapper = SPARQLWrapper(self.url, agent="aifactories-kg")
        wrapper.setOnlyConneg(True)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setTimeout(max(1, round(self.timeout)))
        wrapper.setQuery(text)
        for graph in self.default_graphs:
            wrapper.addParameter("default-graph-uri", graph)
        if self.creds.token:
            wrapper.addCustomHttpHeader("Authorization", f"Bearer {self.creds.token}")
        elif self.creds.user is not None:
            wrapper.setHTTPAuth(DIGEST if self.creds.scheme == "digest" else BASIC)
            wrapper.setCredentials(self.creds.user, self.creds.password)
        form = str(wrapper.queryType).upper()
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        wrapper.setReturnFormat(TURTLE if graph_form else JSON)
        raw = self._fetch(wrapper)
        if graph_form:
            return _graph_result(form, raw, self.url)
        return _solutions(raw, self.url)

    def _fetch(self, wrapper: Any) -> bytes:
        import urllib.error

        from SPARQLWrapper.SPARQLExceptions import (
            EndPointInternalError,
            EndPointNotFound,
            QueryBadFormed,
            Unauthorized,
            URITooLong,
        )

        url = self.url
        try:
            return wrapper.query().response.read()
        except Unauthorized:
            who = f"the credentials from {self.creds.source}" if self.creds.source else "no"
            raise InputError(
                f"{url}: HTTP 401 Unauthorized ({who} credentials; set {ENV_USER}/"
                f"{ENV_PASSWORD} or {ENV_TOKEN}, or use ~/.netrc)"
            ) from None
        except EndPointNotFound:
            raise InputError(f"{url}: HTTP 404 Not Found: no SPARQL endpoint there") from None
        except QueryBadFormed as exc:
            raise InputError(f"{url}: the endpoint refused the query: {_detail(exc)}") from None
        except (EndPointInternalError, URITooLong) as exc:
            raise InputError(f"{url}: the endpoint failed: {_detail(exc)}") from None
        except urllib.error.HTTPError as exc:
            raise InputError(f"{url}: HTTP {exc.code} {exc.reason}") from None
        except (TimeoutError, urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise InputError(f"{url}: cannot reach the endpoint: {reason}") from None


def _is_rdflib(term: Any) -> bool:
    from rdflib.term import Identifier

    return isinstance(term, Identifier)


def _detail(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text.split("Response:", 1)[-1].strip()[:300] or type(exc).__name__


def _solutions(raw: bytes, url: str) -> QueryResult:
    """SPARQL 1.1 JSON results as an engine-neutral QueryResult."""
    from aifactories.engines import QueryResult

    try:
        data = json.loads(raw)
        if "boolean" in data:
            return QueryResult("ASK", boolean=bool(data["boolean"]))
        variables = tuple(data["head"]["vars"])
        blanks: dict[str, ox.BlankNode] = {}
        rows = [
            tuple(_json_term(b[v], blanks) if v in b else None for v in variables)
            for b in data["results"]["bindings"]
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{url}: not SPARQL JSON results ({exc})") from None
    return QueryResult("SELECT", variables, rows)  # type: ignore[arg-type]


def _json_term(value: Mapping[str, str], blanks: dict[str, ox.BlankNode]) -> Any:
    import pyoxigraph as ox

    kind = value["type"]
    if kind == "uri":
        return ox.NamedNode(value["value"])
    if kind == "bnode":
        return blanks.setdefault(value["value"], ox.BlankNode())
    if value.get("xml:lang"):
        return ox.Literal(value["value"], language=value["xml:lang"])
    if value.get("datatype"):
        return ox.Literal(value["value"], datatype=ox.NamedNode(value["datatype"]))
    return ox.Literal(value["value"])


def _graph_result(form: str, raw: bytes, url: str) -> QueryResult:
    import pyoxigraph as ox

    from aifactories.engines import QueryResult

    try:
        triples = [
            (t.subject, t.predicate, t.object)
            for t in ox.parse(raw, format=ox.RdfFormat.TURTLE)  # type: ignore[union-attr]
        ]
    except SyntaxError as exc:
        raise InputError(f"{url}: the endpoint's Turtle does not parse: {exc}") from None
    return QueryResult(form, triples=triples)  # type: ignore[arg-type]
