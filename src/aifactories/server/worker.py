"""What a query worker does: run one task on the graph and answer with bytes ready to send.

Runs inside a forked worker process (see ``pool``), so everything here is plain blocking code.
Every task returns a ``Reply``; expected failures (bad query, bad parameter, nothing acceptable)
are replies with a 4xx status and a one-line message, never exceptions crossing the pipe.
"""

from __future__ import annotations

import csv
import io
import itertools
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rdflib import Dataset, Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.query import Result
from rdflib.term import Node

from aifactories.errors import AIFactoriesError
from aifactories.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH, PREFIXES, new_graph
from aifactories.server import negotiation as neg
from aifactories.sparql import algebra_contains

#: The named graphs a query may address with FROM / FROM NAMED / the protocol parameters.
KNOWN_GRAPHS: tuple[str, ...] = (str(ASSERTED_GRAPH), str(INFERRED_GRAPH))
#: Response header set when results were cut at the row cap; its value is the cap.
TRUNCATED_HEADER = "X-Results-Truncated"


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
    """What a worker needs, built once in the server process and inherited by fork."""

    dataset: Dataset
    union: Graph
    kg: Any  # aifactories.graph.KnowledgeGraph (typed loosely: the catalogue wants it)
    catalogue: Any | None = None


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


def run_sparql(task: SparqlTask, state: WorkerState) -> Reply:
    """Parse, check, run and serialise one protocol query."""
    try:
        parsed = parseQuery(task.query)
    except Exception as exc:  # pyparsing's ParseException and friends: the parser's message
        try:
            parseUpdate(task.query)
        except Exception:
            return Reply.fail(400, f"SPARQL syntax error: {_one_line(exc)}")
        return Reply.fail(403, "SPARQL Update is not allowed: this endpoint is read-only")
    try:
        query = translateQuery(parsed, initNs=PREFIXES)
    except Exception as exc:  # rdflib raises a bare Exception for an undeclared prefix
        return Reply.fail(400, f"SPARQL error: {_one_line(exc)}")
    if algebra_contains(query.algebra, "ServiceGraphPattern"):
        return Reply.fail(
            400, "SERVICE is not allowed: this endpoint answers from its own graph, offline"
        )
    form = _form(query.algebra.name)
    try:
        fmt = neg.negotiate(task.accept, task.formats, neg.FORMS_OFFER[form], f"a {form} result")
    except neg.NotAcceptable as exc:
        return Reply.fail(406, str(exc))
    if task.default_graphs or task.named_graphs:
        # the protocol parameters override FROM / FROM NAMED in the query (SPARQL 1.1 §2.1.4)
        query.algebra["datasetClause"] = [
            *(CompValue("DatasetClause", default=URIRef(g)) for g in task.default_graphs),
            *(CompValue("DatasetClause", named=URIRef(g)) for g in task.named_graphs),
        ]
    unknown = _unknown_graphs(query.algebra.get("datasetClause") or ())
    if unknown:
        return Reply.fail(
            400,
            f"unknown graph {unknown[0]}: this dataset has the named graphs "
            + " and ".join(f"<{g}>" for g in KNOWN_GRAPHS),
        )
    result = state.dataset.query(query)
    return serialise(result, fmt, task.row_cap)


def _form(algebra_name: str) -> str:
    return algebra_name.removesuffix("Query").upper()


def _unknown_graphs(clauses: Sequence[Any]) -> list[str]:
    names = [str(c.default or c.named) for c in clauses]  # CompValue attributes, None if unset
    return [f"<{n}>" for n in names if n not in KNOWN_GRAPHS]


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# --- Stored queries ------------------------------------------------------------------------


def run_stored(task: StoredTask, state: WorkerState) -> Reply:
    """Run a catalogue query with the same typed parameter checks as the CLI."""
    from aifactories import catalogue as cat

    catalogue = state.catalogue if state.catalogue is not None else cat.load_catalogue()
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
        result = cat.run(query, dict(task.values), kg=state.kg)
    except AIFactoriesError as exc:
        return Reply.fail(400, str(exc))
    return serialise(result, fmt, task.row_cap)


# --- Serialisation -------------------------------------------------------------------------


def serialise(result: Result, fmt: neg.Format, row_cap: int) -> Reply:
    """Results in ``fmt``, cut at ``row_cap`` rows (or triples) with a header saying so."""
    headers: dict[str, str] = {}
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        graph = result.graph
        assert graph is not None
        if len(graph) > row_cap:
            capped = new_graph()
            for triple in itertools.islice(graph, row_cap):
                capped.add(triple)
            graph = capped
            headers[TRUNCATED_HEADER] = str(row_cap)
        else:
            graph = _with_prefixes(graph)
        return Reply(body=rdf_bytes(graph, fmt), content_type=fmt.content_type, headers=headers)
    if result.type == "ASK":
        answer = bool(result.askAnswer)
        if fmt in (neg.CSV, neg.TSV):
            # SPARQL 1.1 defines CSV/TSV for SELECT only; one column, as Jena Fuseki answers
            return Reply(
                body=f"_askResult\r\n{str(answer).lower()}\r\n".encode(),
                content_type=fmt.content_type,
            )
        return Reply(
            body=result.serialize(format=fmt.rdflib_name, encoding="utf-8") or b"",
            content_type=fmt.content_type,
        )
    variables = list(result.vars or ())
    rows = list(itertools.islice(iter(result), row_cap + 1))
    if len(rows) > row_cap:
        rows = rows[:row_cap]
        headers[TRUNCATED_HEADER] = str(row_cap)
    bindings = [
        {Variable(str(k)): v for k, v in row.asdict().items() if v is not None}  # type: ignore[union-attr]
        for row in rows
    ]
    if fmt is neg.TSV:
        body = tsv(variables, bindings)
    elif fmt is neg.CSV:
        body = csv_results(variables, bindings)
    else:
        capped = Result("SELECT")
        capped.vars = variables
        capped.bindings = bindings  # type: ignore[assignment]
        body = capped.serialize(format=fmt.rdflib_name, encoding="utf-8") or b""
    return Reply(body=body, content_type=fmt.content_type, headers=headers)


def rdf_bytes(graph: Graph, fmt: neg.Format) -> bytes:
    """``graph`` in ``fmt``; JSON-LD is compacted with the project's inline context."""
    if fmt is neg.JSONLD:
        from aifactories.exports import jsonld_context

        return graph.serialize(
            format="json-ld", context=jsonld_context(), auto_compact=True, encoding="utf-8"
        )
    return graph.serialize(format=fmt.rdflib_name, encoding="utf-8")


def _with_prefixes(graph: Graph) -> Graph:
    out = new_graph()
    for triple in graph:
        out.add(triple)
    return out


def csv_results(variables: Sequence[Variable], rows: Sequence[Mapping[Variable, Node]]) -> bytes:
    """SPARQL 1.1 CSV: plain lexical forms, CRLF line ends, blank for unbound."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([str(v) for v in variables])
    for row in rows:
        writer.writerow([_csv_cell(row.get(v)) for v in variables])
    return out.getvalue().encode("utf-8")


def _csv_cell(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef | Literal):
        return str(term)
    return f"_:{term}"


def tsv(variables: Sequence[Variable], rows: Sequence[Mapping[Variable, Node]]) -> bytes:
    """SPARQL 1.1 TSV: ``?var`` header, terms in Turtle syntax, tabs and newlines escaped."""
    lines = ["\t".join(f"?{v}" for v in variables)]
    for row in rows:
        lines.append("\t".join(_tsv_cell(row.get(v)) for v in variables))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _tsv_cell(term: Node | None) -> str:
    if term is None:
        return ""
    text = term.n3()
    return text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


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
