"""Run one task on the graph and answer with bytes ready to send.

Plain blocking code, run either on a thread of the server process (the Oxigraph engine:
pyoxigraph releases the GIL while it evaluates) or inside a forked worker (the rdflib engine,
see ``pool``). Every task returns a ``Reply``; expected failures (bad query, bad parameter,
nothing acceptable) are replies with a 4xx status and a one-line message, never exceptions.

Queries go through the one query pipeline (``aifactories.query``): ``syntax.check`` refuses
updates and SERVICE before anything runs (pyoxigraph would call a SERVICE endpoint), the
protocol's dataset parameters replace FROM / FROM NAMED, a graph the store does not hold is an
empty graph (never fetched), the engine stops reading rows past the row cap, and
``results.write`` writes the result.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph

from aifactories.errors import (
    AIFactoriesError,
    ForbiddenQueryError,
    QuerySyntaxError,
    UnsupportedFormatError,
)
from aifactories.limits import LimitExceeded
from aifactories.query import engines, syntax
from aifactories.query import run_stored as run_query
from aifactories.query.results import QueryResult, write
from aifactories.server import negotiation as neg

#: Response header set when results were cut at the row cap; its value is the cap.
TRUNCATED_HEADER = "X-Results-Truncated"
#: The 503 message of a query stopped at its deadline (threads and forked workers alike).
TIMEOUT_MESSAGE = (
    "the query ran past the {limit:g} s timeout and was stopped; "
    "narrow it down (LIMIT, more specific patterns) and try again"
)


@dataclass
class Reply:
    """A worker's answer: an HTTP status, a body and its type, or an error message."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    @classmethod
    def fail(cls, status: int, message: str, **headers: str) -> Reply:
        return cls(status=status, error=message, headers=dict(headers))


@dataclass(frozen=True)
class SparqlTask:
    """A SPARQL protocol query: its text, dataset parameters and what the client accepts."""

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    accept: str | None = None
    formats: tuple[str, ...] = ()
    row_cap: int = 10_000
    #: What relative IRIs in the query resolve against: the endpoint's own URL.
    base_iri: str | None = None


@dataclass(frozen=True)
class StoredTask:
    """A stored query of the catalogue with raw parameter values from the request."""

    name: str
    values: tuple[tuple[str, str], ...] = ()
    accept: str | None = None
    formats: tuple[str, ...] = ()
    row_cap: int = 10_000


@dataclass(frozen=True)
class DotTask:
    """A graphviz ``dot`` source to lay out as SVG."""

    source: str
    timeout: float = 10.0


@dataclass
class WorkerState:
    """What a task needs, built once in the server process (and inherited by forked workers).

    With ``store`` set, the Oxigraph engine answers every query; without, rdflib's evaluator
    over ``kg`` does (``serve --engine rdflib``).
    """

    dataset: Dataset | None
    union: Graph | None
    kg: Any  # aifactories.graph.KnowledgeGraph (typed loosely: the catalogue wants it)
    catalogue: Any | None = None
    store: ox.Store | None = None
    _engine: Any = field(default=None, repr=False)

    def engine(self) -> engines.Engine:
        """The engine queries run on: Oxigraph over ``store``, else rdflib over ``kg``."""
        if self._engine is None:
            if self.store is not None:
                self._engine = engines.OxigraphEngine(self.store)
            else:
                self._engine = engines.RdflibEngine(self.kg)
        return self._engine


def execute(task: object, state: WorkerState) -> Reply:
    """Run one task; a bug becomes a 500 reply without internals (the server logs it)."""
    if isinstance(task, SparqlTask):
        return run_sparql(task, state)
    if isinstance(task, StoredTask):
        return run_stored(task, state)
    if isinstance(task, DotTask):
        return run_dot(task)
    if task == "ping":
        return Reply(body=b"pong")
    return Reply.fail(500, f"unknown task {type(task).__name__}")


# --- SPARQL protocol -----------------------------------------------------------------------

#: The writer's format name for each negotiated format, by kind of result.
_SOLUTION_NAMES = {neg.SPARQL_JSON: "json", neg.SPARQL_XML: "xml", neg.CSV: "csv", neg.TSV: "tsv"}
_GRAPH_NAMES = {neg.TURTLE: "turtle", neg.NTRIPLES: "nt", neg.RDFXML: "xml", neg.JSONLD: "jsonld"}


def run_sparql(task: SparqlTask, state: WorkerState) -> Reply:
    """Check, negotiate, run (up to the row cap) and write one protocol query."""
    try:
        checked = syntax.check(task.query)
    except ForbiddenQueryError as exc:
        return Reply.fail(403 if exc.update else 400, str(exc))
    except (QuerySyntaxError, LimitExceeded) as exc:
        return Reply.fail(400, str(exc))
    form = checked.form
    try:
        fmt = neg.negotiate(task.accept, task.formats, neg.FORMS_OFFER[form], f"a {form} result")
    except neg.NotAcceptable as exc:
        return Reply.fail(406, str(exc))
    try:
        for iri in (*task.default_graphs, *task.named_graphs):
            ox.NamedNode(iri)
    except ValueError as exc:
        return Reply.fail(400, f"not an IRI in default-graph-uri or named-graph-uri: {exc}")
    dataset = syntax.choose_dataset(checked.dataset, task.default_graphs, task.named_graphs)
    try:
        result = state.engine().query(
            _with_base(checked.text, task.base_iri),
            dataset=dataset,
            prefixes=checked.prefixes,
            limit=task.row_cap + 1,
        )
    except QuerySyntaxError as exc:  # the engine's parse or evaluation error, on one line
        return Reply.fail(400, str(exc))
    return reply(result, fmt, task.row_cap)


def _with_base(text: str, base: str | None) -> str:
    """``text`` with a BASE for its relative IRIs, on its first line (line numbers unchanged)."""
    if not base:
        return text
    try:
        return f"BASE {ox.NamedNode(base)} {text}"
    except ValueError:  # an odd Host header: relative IRIs stay unresolved (a syntax error)
        return text


def reply(result: QueryResult, fmt: neg.Format, row_cap: int) -> Reply:
    """``result`` in ``fmt``, cut at ``row_cap`` rows or triples with a header saying so."""
    headers: dict[str, str] = {}
    if max(len(result.rows), len(result.triples)) > row_cap:
        result = QueryResult(
            result.form,
            result.variables,
            result.rows[:row_cap],
            result.boolean,
            result.triples[:row_cap],
        )
        headers[TRUNCATED_HEADER] = str(row_cap)
    names = _GRAPH_NAMES if result.form in syntax.GRAPH_FORMS else _SOLUTION_NAMES
    try:
        body = write(result, names.get(fmt, fmt.rdflib_name))
    except UnsupportedFormatError as exc:  # e.g. an ASK result as CSV
        return Reply.fail(406, str(exc))
    return Reply(body=body, content_type=fmt.content_type, headers=headers)


# --- Stored queries ------------------------------------------------------------------------


def run_stored(task: StoredTask, state: WorkerState) -> Reply:
    """Run a catalogue query with the same typed parameter checks as the CLI."""
    from aifactories.query.catalogue import load_catalogue

    catalogue = state.catalogue if state.catalogue is not None else load_catalogue()
    try:
        query = catalogue.get(task.name)
    except AIFactoriesError as exc:
        return Reply.fail(404, str(exc))
    offered = neg.FORMS_OFFER[query.form]
    try:
        fmt = neg.negotiate(task.accept, task.formats, offered, f"a {query.form} result")
    except neg.NotAcceptable as exc:
        return Reply.fail(406, str(exc))
    try:
        result = run_query(query, dict(task.values), state.engine())
    except AIFactoriesError as exc:
        return Reply.fail(400, str(exc))
    return reply(result, fmt, task.row_cap)


# --- RDF documents -------------------------------------------------------------------------


def rdf_bytes(graph: Graph, fmt: neg.Format) -> bytes:
    """``graph`` in ``fmt``; JSON-LD is compacted with the project's inline context."""
    if fmt is neg.JSONLD:
        from aifactories.exports import jsonld_context

        return graph.serialize(
            format="json-ld", context=jsonld_context(), auto_compact=True, encoding="utf-8"
        )
    return graph.serialize(format=fmt.rdflib_name, encoding="utf-8")


# --- Graphviz ------------------------------------------------------------------------------


def run_dot(task: DotTask) -> Reply:
    """Lay out ``task.source`` with graphviz ``dot``; 501 when graphviz is not installed."""
    try:
        done = subprocess.run(
            ["dot", "-Tsvg"],
            input=task.source.encode("utf-8"),
            capture_output=True,
            timeout=task.timeout,
            check=False,
        )
    except FileNotFoundError:
        return Reply.fail(501, "graphviz is not installed (apt-get install graphviz)")
    except subprocess.TimeoutExpired:
        return Reply.fail(503, "graphviz took too long to draw the network")
    if done.returncode != 0:
        return Reply.fail(500, "graphviz failed: " + done.stderr.decode(errors="replace")[:200])
    return Reply(body=done.stdout, content_type="image/svg+xml")
