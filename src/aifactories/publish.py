"""Push the graph into a triple store: the Graph Store client (remote queries: query.remote).

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

import netrc
import os
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aifactories.errors import InputError
from aifactories.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH

if TYPE_CHECKING:
    import httpx
    from rdflib import Graph
    from rdflib.term import Node

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
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError as exc:
        raise InputError(f"{what}: not a valid URL ({exc}): {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{what} must be an http:// or https:// URL, got {url!r}")
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise InputError(f"{what}: a URL may not hold spaces or control characters: {url!r}")
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

    from aifactories.query.convert import from_rdflib

    labels: dict[Node, str] = {}

    def term(node: Node) -> str:
        if isinstance(node, BNode):
            if node not in labels:
                labels[node] = f"_:b{len(labels)}"
            return labels[node]
        return str(from_rdflib(node))  # N-Triples, written by pyoxigraph

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
