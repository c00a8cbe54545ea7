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

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from aifactories.errors import InputError, UnsupportedFormatError
from aifactories.prefixes import PREFIX_IRIS
from aifactories.query.syntax import GRAPH_FORMS
from aifactories.terms import curie_iri

if TYPE_CHECKING:
    from rdflib.query import Result

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row = tuple[Term | None, ...]
Triple = tuple[Term, Term, Term]


@dataclass(frozen=True)
class Format:
    """One output format: its name, aliases, and its media type per kind of result."""

    name: str
    #: Media type for SELECT/ASK results (None: not offered for them).
    solutions: str | None
    #: Media type for CONSTRUCT/DESCRIBE results (None: not offered for them).
    graph: str | None
    #: Offered for SELECT but not ASK (SPARQL 1.1 CSV and TSV).
    select_only: bool = False
    aliases: tuple[str, ...] = ()
    description: str = ""


#: The one format table: the CLI's ``--format`` choices, the server's media types, the docs.
FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("table", "text/plain", "text/plain", description="aligned text for a terminal"),
        Format("csv", "text/csv", None, select_only=True, description="SPARQL 1.1 CSV"),
        Format(
            "tsv", "text/tab-separated-values", None, select_only=True, description="SPARQL 1.1 TSV"
        ),
        Format("json", "application/sparql-results+json", None, description="SPARQL 1.1 JSON"),
        Format(
            "xml",
            "application/sparql-results+xml",
            "application/rdf+xml",
            description="SPARQL XML results; RDF/XML for graphs",
        ),
        Format("turtle", None, "text/turtle", aliases=("ttl",), description="Turtle"),
        Format("nt", None, "application/n-triples", description="N-Triples"),
        Format("jsonld", None, "application/ld+json", description="JSON-LD, compacted"),
    )
}
#: Alias -> format name (``ttl`` is Turtle).
ALIASES: dict[str, str] = {a: f.name for f in FORMATS.values() for a in f.aliases}
#: Every name ``--format`` accepts, aliases included.
FORMAT_NAMES: tuple[str, ...] = (*FORMATS, *ALIASES)
#: The format used when none is asked for.
DEFAULT_SOLUTIONS_FORMAT = "table"
DEFAULT_GRAPH_FORMAT = "turtle"

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


def formats_for(form: str) -> tuple[str, ...]:
    """The format names that exist for a query of ``form`` (SELECT, ASK, CONSTRUCT, DESCRIBE)."""
    if form in GRAPH_FORMS:
        return tuple(f.name for f in FORMATS.values() if f.graph)
    return tuple(
        f.name for f in FORMATS.values() if f.solutions and not (f.select_only and form == "ASK")
    )


def default_format(form: str) -> str:
    """``table`` for SELECT/ASK, ``turtle`` for CONSTRUCT/DESCRIBE."""
    return DEFAULT_GRAPH_FORMAT if form in GRAPH_FORMS else DEFAULT_SOLUTIONS_FORMAT


def check_format(form: str, name: str | None) -> str:
    """The canonical format name for ``name`` (default: the form's), if it exists for ``form``.

    Raises UnsupportedFormatError naming the formats that do exist, InputError for a name that
    is no format at all.
    """
    if name is None:
        return default_format(form)
    canonical = ALIASES.get(name, name)
    found = FORMATS.get(canonical)
    if found is None:
        raise InputError(f"unknown format {name!r}; choose one of {', '.join(FORMAT_NAMES)}")
    available = formats_for(form)
    if canonical not in available:
        if found.select_only and form == "ASK":
            why = "is for SELECT results only (SPARQL 1.1 defines CSV and TSV for SELECT)"
        elif form in GRAPH_FORMS:
            why = "is for SELECT/ASK results"
        else:
            why = "is for CONSTRUCT/DESCRIBE results"
        raise UnsupportedFormatError(form, name, available, why)
    return canonical


def media_type(form: str, name: str) -> str:
    """The media type of format ``name`` for a result of ``form`` (checked by check_format)."""
    found = FORMATS[check_format(form, name)]
    media = found.graph if form in GRAPH_FORMS else found.solutions
    assert media is not None
    return media


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


def labelled(found: Mapping[str, str]) -> Callable[[str], str | None]:
    """A ``labels`` function from an IRI -> label mapping."""
    return found.get
