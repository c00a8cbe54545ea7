"""Ad-hoc SPARQL on the graph: read-only, offline, with readable and W3C result formats.

Queries are parsed once here and refused before they run when they would write (SPARQL Update)
or reach the network (SERVICE, or FROM / FROM NAMED, which rdflib would fetch). The project's
prefixes are predeclared, so short queries need no PREFIX lines.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result
from rdflib.term import Identifier, Node

from aifactories.errors import InputError, QuerySyntaxError
from aifactories.namespaces import PREFIXES, bind_prefixes
from aifactories.terms import curie, label

#: Formats for SELECT and ASK results (W3C SPARQL result formats, plus a terminal table).
RESULT_FORMATS: dict[str, str] = {
    "table": "",
    "csv": "csv",
    "tsv": "",
    "json": "json",
    "xml": "xml",
}
#: Formats for CONSTRUCT and DESCRIBE results (RDF, plus a terminal table of triples).
GRAPH_FORMATS: dict[str, str] = {
    "table": "",
    "turtle": "turtle",
    "jsonld": "json-ld",
    "nt": "nt",
    "xml": "xml",
}
FORMATS: tuple[str, ...] = tuple(dict.fromkeys([*RESULT_FORMATS, *GRAPH_FORMATS]))


def read_query(arg: str) -> str:
    """The query text: ``arg`` itself, or the contents of FILE for ``@FILE`` (``@-``: stdin)."""
    if not arg.startswith("@"):
        return arg
    name = arg[1:]
    if name == "-":
        return sys.stdin.read()
    path = Path(name)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such query file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read query: {exc}") from exc


def prepare(text: str, *, init_ns: Mapping[str, Any] | None = None) -> Query:
    """Parse and translate a read-only, offline SPARQL query, or raise with a one-line reason.

    Raises QuerySyntaxError with the parser's message for a query that does not parse, for
    SPARQL Update, and for SERVICE / FROM / FROM NAMED (they would reach the network).
    """
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    namespaces = dict(PREFIXES if init_ns is None else init_ns)
    try:
        parsed = parseQuery(text)
    except Exception as exc:  # pyparsing's ParseException and friends
        if _is_update(text, parseUpdate):
            raise QuerySyntaxError(
                "SPARQL Update is not allowed: the graph is read-only (use SELECT, ASK, "
                "CONSTRUCT or DESCRIBE)"
            ) from None
        raise QuerySyntaxError(f"SPARQL syntax error: {_one_line(exc)}") from None
    try:
        query = translateQuery(parsed, initNs=namespaces)
    except Exception as exc:  # rdflib raises a bare Exception for an unknown prefix
        raise QuerySyntaxError(f"SPARQL error: {_one_line(exc)}") from None
    if query.algebra.get("datasetClause"):
        raise QuerySyntaxError(
            "FROM / FROM NAMED are not allowed: queries run on the project graph and never "
            "load remote data"
        )
    if algebra_contains(query.algebra, "ServiceGraphPattern"):
        raise QuerySyntaxError("SERVICE is not allowed: queries run offline on the project graph")
    return query


def _is_update(text: str, parse_update: Any) -> bool:
    try:
        parse_update(text)
    except Exception:
        return False
    return True


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def algebra_contains(node: Any, name: str) -> bool:
    """Whether the algebra tree has a node called ``name`` (CompValues are dicts with ``.name``)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if getattr(item, "name", None) == name:
            return True
        if isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def run(
    graph: Graph, query: str | Query, *, bindings: Mapping[str, Identifier] | None = None
) -> Result:
    """Run a query (text or ``prepare``d) on ``graph``; text is checked by ``prepare`` first."""
    prepared = prepare(query) if isinstance(query, str) else query
    return graph.query(prepared, initBindings=dict(bindings or {}))


def render(result: Result, fmt: str, graph: Graph | None = None) -> str:
    """``result`` as text in ``fmt``; ``graph`` supplies labels for the ``table`` format."""
    if result.type in ("SELECT", "ASK"):
        if fmt not in RESULT_FORMATS:
            raise InputError(
                f"format {fmt!r} is for CONSTRUCT/DESCRIBE results; for {result.type} use "
                f"{', '.join(RESULT_FORMATS)}"
            )
        if result.type == "ASK" and fmt in ("table", "csv", "tsv"):
            return "true" if result.askAnswer else "false"
        if fmt == "table":
            assert result.vars is not None
            rows = [list(row) for row in result]  # type: ignore[arg-type]
            return table([str(v) for v in result.vars], rows, graph)
        if fmt == "tsv":
            return tsv(result)
        return _text(result.serialize(format=RESULT_FORMATS[fmt], encoding="utf-8"))
    if fmt not in GRAPH_FORMATS:
        raise InputError(
            f"format {fmt!r} is for SELECT/ASK results; for {result.type} use "
            f"{', '.join(GRAPH_FORMATS)}"
        )
    assert result.graph is not None
    rdf = bind_prefixes(result.graph)
    if fmt == "table":
        return table(["subject", "predicate", "object"], sorted(rdf), graph)
    if fmt == "jsonld":
        from aifactories.exports import jsonld_context

        return _text(
            rdf.serialize(
                format="json-ld", context=jsonld_context(), auto_compact=True, encoding="utf-8"
            )
        )
    return _text(rdf.serialize(format=GRAPH_FORMATS[fmt], encoding="utf-8"))


def tsv(result: Result) -> str:
    """SPARQL 1.1 TSV results (rdflib has no serializer for them): terms in N-Triples syntax."""
    assert result.vars is not None
    lines = ["\t".join(f"?{v}" for v in result.vars)]
    for row in result:
        assert isinstance(row, tuple)
        lines.append("\t".join("" if t is None else t.n3().replace("\t", "\\t") for t in row))
    return "\n".join(lines) + "\n"


def _text(data: bytes | str | None) -> str:
    return data.decode("utf-8") if isinstance(data, bytes) else data or ""


def cell(term: Node | None, graph: Graph | None = None) -> str:
    """One table cell: ``curie (label)`` for IRIs, the plain text of a literal, '' when unbound."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        name = label(graph, term) if graph is not None else None
        return f"{curie(term)} ({name})" if name else curie(term)
    if isinstance(term, Literal):
        return str(term)
    return f"_:{term}"


def table(
    headers: Sequence[str], rows: Sequence[Sequence[Node | None]], graph: Graph | None = None
) -> str:
    """An aligned plain-text table with a rule under the header and a row count."""
    cells = [[" ".join(cell(t, graph).split()) for t in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines)
