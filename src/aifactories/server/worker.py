"""Run one task on the graph and answer with bytes ready to send.

Plain blocking code, run either on a thread of the server process (the Oxigraph engine:
pyoxigraph releases the GIL while it evaluates) or inside a forked worker (the rdflib engine,
see ``pool``). Every task returns a ``Reply``; expected failures (bad query, bad parameter,
nothing acceptable) are replies with a 4xx status and a one-line message, never exceptions.

On the Oxigraph engine the store the server opened once answers every query: the protocol's
dataset parameters become pyoxigraph's ``default_graph``/``named_graphs``; a graph the store
does not hold is an empty graph (never fetched); SERVICE is refused before anything runs, since
pyoxigraph would otherwise call the remote endpoint.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.query import Result
from rdflib.term import Node

from aifactories import prefixes
from aifactories.errors import AIFactoriesError
from aifactories.namespaces import PREFIXES, new_graph
from aifactories.query import engines, syntax
from aifactories.query import run_stored as run_query
from aifactories.query.results import QueryResult
from aifactories.server import negotiation as neg

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
    over ``dataset`` does (``serve --engine rdflib``).
    """

    dataset: Dataset | None
    union: Graph | None
    kg: Any  # aifactories.graph.KnowledgeGraph (typed loosely: the catalogue wants it)
    catalogue: Any | None = None
    store: ox.Store | None = None
    _engine: Any = field(default=None, repr=False)

    def engine(self) -> engines.Engine:
        """The engine stored queries run on: Oxigraph over ``store``, else rdflib over ``kg``."""
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


def run_sparql(task: SparqlTask, state: WorkerState) -> Reply:
    """Parse, check, run and serialise one protocol query."""
    if state.store is not None:
        return run_sparql_oxigraph(task, state.store)
    assert state.dataset is not None
    try:
        parsed = parseQuery(task.query)
    except Exception as exc:  # pyparsing's ParseException and friends: the parser's message
        try:
            parseUpdate(task.query)
        except Exception:
            return Reply.fail(400, f"SPARQL syntax error: {_one_line(exc)}")
        return Reply.fail(403, UPDATE_REFUSED)
    try:
        query = translateQuery(parsed, initNs=PREFIXES)
    except Exception as exc:  # rdflib raises a bare Exception for an undeclared prefix
        return Reply.fail(400, f"SPARQL error: {_one_line(exc)}")
    if "SERVICE" in syntax.keywords(task.query):
        return Reply.fail(400, SERVICE_REFUSED)
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
    # a graph the dataset does not hold is an empty graph (rdflib fetches nothing: site.py)
    result = state.dataset.query(query)
    return serialise(result, fmt, task.row_cap)


def _form(algebra_name: str) -> str:
    return algebra_name.removesuffix("Query").upper()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# --- SPARQL protocol on Oxigraph ------------------------------------------------------------

#: Tokens that may look like keywords but are not: comments, strings, IRIs, variables.
_OPAQUE = re.compile(
    "|".join(
        [
            r"\#[^\n]*",
            r'"""(?:[^"\\]|\\.|"(?!""))*"""',
            r"'''(?:[^'\\]|\\.|'(?!''))*'''",
            r'"(?:[^"\\\n]|\\.)*"',
            r"'(?:[^'\\\n]|\\.)*'",
            r'<[^<>"{}|^`\\\s]*>',
            r"[?$]\w+",
        ]
    )
)
#: SERVICE as a keyword: not part of a prefixed name, a variable or a longer word. Errs on the
#: side of refusing (``ex:a.SERVICE`` is refused too): pyoxigraph would call the endpoint.
_SERVICE = re.compile(r"(?<![\w:?$\\-])SERVICE(?![\w:-])", re.IGNORECASE)
#: A dataset clause (FROM / FROM NAMED) as a keyword, as for SERVICE above.
_FROM = re.compile(r"(?<![\w:?$.\\-])FROM(?![\w:-])", re.IGNORECASE)
#: An update's first keyword, after a prologue whose IRIs were blanked out.
_UPDATE = re.compile(
    r"\s*(?:(?:PREFIX\s+[\w.-]*:|BASE)\s*)*"
    r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
    re.IGNORECASE,
)
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
#: Result formats by negotiation format, as the engines' writer names them.
_WRITER_NAMES = {
    neg.SPARQL_JSON: "json",
    neg.SPARQL_XML: "xml",
    neg.CSV: "csv",
    neg.TSV: "tsv",
    neg.TURTLE: "turtle",
    neg.JSONLD: "jsonld",
}
_OX_RDF = {neg.NTRIPLES: ox.RdfFormat.N_TRIPLES, neg.RDFXML: ox.RdfFormat.RDF_XML}
SERVICE_REFUSED = "SERVICE is not allowed: this endpoint answers from its own graph, offline"
UPDATE_REFUSED = "SPARQL Update is not allowed: this endpoint is read-only"


def _blank_opaque(text: str) -> str:
    """``text`` with each comment, string, IRI and variable replaced by a space."""
    return _OPAQUE.sub(" ", text)


def query_form(text: str, *, bare: bool = False) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first form keyword outside strings and IRIs."""
    match = _FORM.search(text if bare else _blank_opaque(text))
    return match.group(1).upper() if match else "SELECT"


def run_sparql_oxigraph(task: SparqlTask, store: ox.Store) -> Reply:
    """One protocol query on the store: checked, negotiated, run, capped and written."""
    bare = _blank_opaque(task.query)
    if _SERVICE.search(bare):
        return Reply.fail(400, SERVICE_REFUSED)
    form = query_form(bare, bare=True)
    try:
        fmt = neg.negotiate(task.accept, task.formats, neg.FORMS_OFFER[form], f"a {form} result")
    except neg.NotAcceptable as exc:
        return Reply.fail(406, str(exc))
    options: dict[str, Any] = {"prefixes": prefixes.PREFIX_IRIS, "base_iri": task.base_iri}
    try:
        if task.default_graphs or task.named_graphs:
            # the protocol's dataset replaces FROM / FROM NAMED (SPARQL 1.1 Protocol §2.1.4)
            options["default_graph"] = [ox.NamedNode(g) for g in task.default_graphs]
            options["named_graphs"] = [ox.NamedNode(g) for g in task.named_graphs]
        elif not _FROM.search(bare):
            # no dataset given: the default graph is the union of the named graphs
            options["use_default_graph_as_union"] = True
    except ValueError as exc:
        return Reply.fail(400, f"not an IRI in default-graph-uri or named-graph-uri: {exc}")
    try:
        answer = store.query(task.query, **options)
    except SyntaxError as exc:
        if _UPDATE.match(bare):
            return Reply.fail(403, UPDATE_REFUSED)
        return Reply.fail(400, f"SPARQL syntax error: {_one_line(exc)}")
    except (OSError, RuntimeError, ValueError) as exc:
        return Reply.fail(400, f"SPARQL error: {_one_line(exc)}")
    return write_answer(answer, form, fmt, task.row_cap)


def write_answer(answer: Any, form: str, fmt: neg.Format, row_cap: int) -> Reply:
    """A pyoxigraph answer in ``fmt``, cut at ``row_cap`` rows or triples (a header says so)."""
    headers: dict[str, str] = {}
    try:
        if isinstance(answer, ox.QueryBoolean):
            result = QueryResult("ASK", boolean=bool(answer))
        elif isinstance(answer, ox.QueryTriples):
            capped = itertools.islice(answer, row_cap + 1)
            triples = [(t.subject, t.predicate, t.object) for t in capped]
            if len(triples) > row_cap:
                del triples[row_cap:]
                headers[TRUNCATED_HEADER] = str(row_cap)
            result = QueryResult(form, triples=triples)  # type: ignore[arg-type]
        else:
            names = tuple(v.value for v in answer.variables)
            width = range(len(names))
            rows = [tuple(s[i] for i in width) for s in itertools.islice(answer, row_cap + 1)]
            if len(rows) > row_cap:
                del rows[row_cap:]
                headers[TRUNCATED_HEADER] = str(row_cap)
            result = QueryResult("SELECT", names, rows)  # type: ignore[arg-type]
    except (OSError, RuntimeError, ValueError) as exc:  # evaluation errors surface while iterating
        return Reply.fail(400, f"SPARQL error: {_one_line(exc)}")
    return Reply(body=result_bytes(result, fmt), content_type=fmt.content_type, headers=headers)


def result_bytes(result: QueryResult, fmt: neg.Format) -> bytes:
    """An engine-neutral result in ``fmt``."""
    if fmt in _OX_RDF:
        data = ox.serialize((ox.Triple(*t) for t in result.triples), format=_OX_RDF[fmt])
        return data or b""
    return result.serialize(_WRITER_NAMES[fmt]).encode("utf-8")


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
    return Reply(
        body=result_bytes(_capped(result, task.row_cap), fmt),
        content_type=fmt.content_type,
        headers={TRUNCATED_HEADER: str(task.row_cap)} if _over(result, task.row_cap) else {},
    )


def _over(result: QueryResult, row_cap: int) -> bool:
    return max(len(result.rows), len(result.triples)) > row_cap


def _capped(result: QueryResult, row_cap: int) -> QueryResult:
    if not _over(result, row_cap):
        return result
    return QueryResult(
        result.form,
        result.variables,
        result.rows[:row_cap],
        result.boolean,
        result.triples[:row_cap],
    )


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
