"""The one result type, the one format table and the one writer of query results.

Whichever engine answered, a query gives a ``QueryResult`` of pyoxigraph terms: SELECT rows, an
ASK boolean or CONSTRUCT/DESCRIBE triples. ``write`` turns it into bytes in a format of
``FORMATS``. pyoxigraph writes the W3C formats (SPARQL JSON, XML, CSV, TSV; Turtle, N-Triples,
RDF/XML); rdflib writes JSON-LD (compacted with the project's prefixes, which pyoxigraph does not
do); the terminal table is the only writer kept by hand.

SPARQL 1.1 defines CSV and TSV for SELECT results only: asking for an ASK result in either is
an ``UnsupportedFormatError`` (the server's 406) listing the formats that exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from aifactories.prefixes import PREFIX_IRIS
from aifactories.query.formats import (  # noqa: F401  (the table, re-exported for callers)
    ALIASES,
    FORMAT_NAMES,
    FORMATS,
    GRAPH_FORMS,
    Format,
    check_format,
    default_format,
    formats_for,
    media_type,
)
from aifactories.terms import curie_iri

if TYPE_CHECKING:
    from rdflib.query import Result

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row = tuple[Term | None, ...]
Triple = tuple[Term, Term, Term]


_RESULTS_FORMAT = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
_RDF_FORMAT = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "xml": ox.RdfFormat.RDF_XML,
}


@dataclass
class QueryResult:
    """What a query returned, engine-neutral: SELECT rows, an ASK answer or CONSTRUCT triples."""

    form: str
    variables: tuple[str, ...] = ()
    rows: list[Row] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[Triple] = field(default_factory=list)

    def serialize(self, fmt: str) -> str:
        """The result as text in ``fmt`` (see FORMATS)."""
        return write(self, fmt).decode("utf-8")

    def bindings(self) -> Iterator[dict[str, Term]]:
        """Rows as dicts of bound variables (unbound ones left out)."""
        for row in self.rows:
            yield {v: t for v, t in zip(self.variables, row, strict=True) if t is not None}

    def to_rdflib(self) -> Result:
        """The same answer as an rdflib Result, for code written against rdflib's API."""
        from aifactories.query.convert import result_to_rdflib

        return result_to_rdflib(self)


def write(
    result: QueryResult, fmt: str, *, labels: Callable[[str], str | None] | None = None
) -> bytes:
    """``result`` as bytes in ``fmt`` (UTF-8, ending with a line break).

    ``labels`` (IRI -> label) adds a label beside each IRI of the ``table`` format.
    Raises UnsupportedFormatError for a format the query's form does not have.
    """
    name = check_format(result.form, fmt)
    if name == "table":
        return table(result, labels).encode("utf-8")
    if result.form in GRAPH_FORMS:
        return _graph(result.triples, name)
    return _ends_with_newline(solutions(result).serialize(format=_RESULTS_FORMAT[name]) or b"")


def solutions(result: QueryResult) -> ox.QuerySolutions | ox.QueryBoolean:
    """The result as pyoxigraph query results, for pyoxigraph's writers.

    The rows travel as SPARQL TSV (terms in N-Triples syntax, written by pyoxigraph), which
    pyoxigraph reads back: so every engine's rows are written by the same code.
    """
    if result.form == "ASK":
        text = '{"head":{},"boolean":%s}' % ("true" if result.boolean else "false")
        return ox.parse_query_results(text, ox.QueryResultsFormat.JSON)
    lines = ["\t".join("?" + v for v in result.variables)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in result.rows]
    return ox.parse_query_results("\n".join(lines) + "\n", ox.QueryResultsFormat.TSV)


def _graph(triples: Sequence[Triple], name: str) -> bytes:
    if name == "jsonld":
        return _jsonld(triples)
    used = {t.value for triple in triples for t in triple if isinstance(t, ox.NamedNode)}
    wanted = {p: ns for p, ns in PREFIX_IRIS.items() if any(i.startswith(ns) for i in used)}
    data = ox.serialize(
        (ox.Triple(*t) for t in triples),  # type: ignore[arg-type]  # subjects are never literals
        format=_RDF_FORMAT[name],
        prefixes=wanted if name != "nt" else None,
    )
    return _ends_with_newline(data or b"")


def _jsonld(triples: Sequence[Triple]) -> bytes:
    """JSON-LD compacted with the project's prefixes (rdflib writes it: pyoxigraph cannot)."""
    from aifactories.namespaces import bind_prefixes, new_graph
    from aifactories.query.convert import to_rdflib

    graph = bind_prefixes(new_graph())
    for s, p, o in triples:
        graph.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
    data = graph.serialize(
        format="json-ld", context=dict(PREFIX_IRIS), auto_compact=True, encoding="utf-8"
    )
    return _ends_with_newline(data)


def _ends_with_newline(data: bytes) -> bytes:
    return data if data.endswith(b"\n") else data + b"\n"


# --- The terminal table ---------------------------------------------------------------------


def cell(term: Term | None, labels: Callable[[str], str | None] | None = None) -> str:
    """One table cell: ``curie (label)`` for IRIs, a literal's text, a blank node's label."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        shown = curie_iri(term.value)
        name = labels(term.value) if labels is not None else None
        return f"{shown} ({name})" if name else shown
    return " ".join(term.value.split())


def table(result: QueryResult, labels: Callable[[str], str | None] | None = None) -> str:
    """An aligned text table with a row count below; ``true``/``false`` for ASK."""
    if result.form == "ASK":
        return ("true" if result.boolean else "false") + "\n"
    if result.form in GRAPH_FORMS:
        names: Sequence[str] = ("subject", "predicate", "object")
        rows: Sequence[Sequence[Term | None]] = sorted(
            result.triples, key=lambda t: tuple(map(str, t))
        )
    else:
        names, rows = result.variables, result.rows
    cells = [[cell(t, labels) for t in row] for row in rows]
    widths = [max([len(n), *(len(r[i]) for r in cells)]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.append(f"({len(cells)} row{'' if len(cells) == 1 else 's'})")
    return "\n".join(lines) + "\n"


def iris(result: QueryResult) -> list[str]:
    """The IRIs a result holds, once each, in order of appearance (to look up their labels)."""
    rows: Sequence[Sequence[Term | None]] = result.triples or result.rows
    found = (t.value for row in rows for t in row if isinstance(t, ox.NamedNode))
    return list(dict.fromkeys(found))
