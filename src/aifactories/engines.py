"""Query engines behind one small interface: rdflib (the reference) and Oxigraph (the fast one).

An engine runs SPARQL text with pre-bound variables and returns a ``QueryResult``: the same
normalised rows of pyoxigraph terms whichever engine answered, so that output formats (W3C SPARQL
JSON, XML, CSV, TSV, a readable table, Turtle) are written by one piece of code and the two engines
can be compared row for row (``tests/test_engines.py`` does so for every stored query).

pyoxigraph terms are the neutral term type because pyoxigraph imports in a few milliseconds:
the Oxigraph path of ``aifactories query`` never imports rdflib.

Parameters are never pasted into query text as the user typed them. The rdflib engine binds
them with ``initBindings``. The Oxigraph engine substitutes each bound variable by its term
(SPARQL SEP-0007 substitution), the term being one that was resolved in the store or checked
against its datatype, and written by pyoxigraph in N-Triples syntax (``bind_terms``).
pyoxigraph's own ``substitutions`` argument was tried first and dropped: in 0.5 it leaves
``BIND(?v AS ?x)`` unbound, refuses variables that are not projected, and binds too late for the
optimiser, so a stored query that takes 0.4 ms with the term in place took 150 ms, and another
grew past 3 GB of memory without finishing (benchmarks/README.md).
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import pyoxigraph as ox

from aifactories import prefixes
from aifactories.errors import InputError, QuerySyntaxError, TermLookupError

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.query import Result
    from rdflib.term import Node

    from aifactories.graph import KnowledgeGraph

#: Engine names, as ``--engine`` spells them.
ENGINES: tuple[str, ...] = ("oxigraph", "rdflib")
#: The engine used unless told otherwise: Oxigraph, since the differential test shows it equal.
DEFAULT_ENGINE = "oxigraph"

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row = tuple[Term | None, ...]
Triple = tuple[Term, Term, Term]

#: Result formats for SELECT/ASK and for CONSTRUCT/DESCRIBE (``table`` is Turtle for graphs).
RESULT_FORMATS: tuple[str, ...] = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS: tuple[str, ...] = ("table", "turtle", "jsonld")

_XSD_STRING = prefixes.XSD + "string"
_LANG_STRING = prefixes.RDF + "langString"
_RDF_TYPE = ox.NamedNode(prefixes.RDF + "type")
_NAME_PROPERTIES = (
    prefixes.RDFS + "label",
    prefixes.SKOS + "prefLabel",
    prefixes.SKOS + "altLabel",
)


def escape(text: str) -> str:
    """XML character data (xml.sax.saxutils would pull in urllib: 35 ms of start-up)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    """An XML attribute value in double quotes."""
    return '"' + escape(text).replace('"', "&quot;") + '"'


# --- Results -------------------------------------------------------------------------------


@dataclass
class QueryResult:
    """What a query returned, engine-neutral: SELECT rows, an ASK answer or CONSTRUCT triples."""

    form: str
    variables: tuple[str, ...] = ()
    rows: list[Row] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[Triple] = field(default_factory=list)

    def serialize(self, fmt: str) -> str:
        """The result as text in ``fmt`` (see RESULT_FORMATS and GRAPH_FORMATS)."""
        return serialize(self, fmt)

    def to_rdflib(self) -> Result:
        """The same answer as an rdflib Result, for code written against rdflib's API."""
        from rdflib import Graph, Variable
        from rdflib.query import Result

        out = Result(self.form)
        if self.form == "ASK":
            out.askAnswer = bool(self.boolean)
        elif self.form in ("CONSTRUCT", "DESCRIBE"):
            graph = Graph()
            for triple in self.triples:
                graph.add(tuple(to_rdflib(t) for t in triple))  # type: ignore[arg-type]
            out.graph = graph
        else:
            names = [Variable(v) for v in self.variables]
            out.vars = names
            out.bindings = [  # type: ignore[assignment]
                {n: to_rdflib(t) for n, t in zip(names, row, strict=True) if t is not None}
                for row in self.rows
            ]
        return out

    def bindings(self) -> Iterator[dict[str, Term]]:
        """Rows as dicts of bound variables (unbound ones left out)."""
        for row in self.rows:
            yield {v: t for v, t in zip(self.variables, row, strict=True) if t is not None}


def serialize(result: QueryResult, fmt: str) -> str:
    """``result`` as W3C SPARQL results (JSON, XML, CSV, TSV), Turtle, JSON-LD or a table."""
    if result.form in ("CONSTRUCT", "DESCRIBE"):
        if fmt not in GRAPH_FORMATS:
            raise InputError(
                f"format {fmt!r} is for SELECT/ASK queries; a {result.form} query gives "
                f"{', '.join(GRAPH_FORMATS)}"
            )
        return _jsonld(result.triples) if fmt == "jsonld" else _turtle(result.triples)
    if fmt not in RESULT_FORMATS:
        raise InputError(
            f"format {fmt!r} is for CONSTRUCT/DESCRIBE queries; a {result.form} query gives "
            f"{', '.join(RESULT_FORMATS)}"
        )
    if fmt == "json":
        return _json(result)
    if fmt == "xml":
        return _xml(result)
    if result.form == "ASK":
        if fmt == "table":
            return ("true" if result.boolean else "false") + "\n"
        raise InputError(f"an ASK query has no {fmt} form; use json, xml or table")
    if fmt == "csv":
        return _csv(result)
    if fmt == "tsv":
        return _tsv(result)
    return _table(result)


def nt(term: Term) -> str:
    """A term in N-Triples syntax, tabs and line breaks escaped (for TSV and comparisons)."""
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    text = (
        term.value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    if term.language:
        return f'"{text}"@{term.language}'
    if term.datatype.value != _XSD_STRING:
        return f'"{text}"^^<{term.datatype.value}>'
    return f'"{text}"'


def _csv(result: QueryResult) -> str:
    """SPARQL 1.1 CSV results: IRIs and literals as plain text, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if t is None else _plain(t) for t in row])
    return out.getvalue()


def _plain(term: Term) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


def _tsv(result: QueryResult) -> str:
    """SPARQL 1.1 TSV results: ``?var`` header, terms in N-Triples syntax, LF line ends."""
    lines = ["\t".join("?" + v for v in result.variables)]
    lines += ["\t".join("" if t is None else nt(t) for t in row) for row in result.rows]
    return "\n".join(lines) + "\n"


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != _XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def _json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON Format."""
    if result.form == "ASK":
        data: dict[str, Any] = {"head": {}, "boolean": bool(result.boolean)}
    else:
        data = {
            "head": {"vars": list(result.variables)},
            "results": {
                "bindings": [
                    {v: _json_term(t) for v, t in zip(result.variables, row, strict=True) if t}
                    for row in result.rows
                ]
            },
        }
    return json.dumps(data, ensure_ascii=False) + "\n"


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != _XSD_STRING:
        dt = quoteattr(term.datatype.value)
        return f"<literal datatype={dt}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _xml(result: QueryResult) -> str:
    """SPARQL Query Results XML Format."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
        "<head>",
    ]
    lines += [f"<variable name={quoteattr(v)}/>" for v in result.variables]
    lines.append("</head>")
    if result.form == "ASK":
        lines.append(f"<boolean>{'true' if result.boolean else 'false'}</boolean>")
    else:
        lines.append("<results>")
        for row in result.rows:
            lines.append("<result>")
            for var, term in zip(result.variables, row, strict=True):
                if term is not None:
                    lines.append(f"<binding name={quoteattr(var)}>{_xml_term(term)}</binding>")
            lines.append("</result>")
        lines.append("</results>")
    lines.append("</sparql>")
    return "\n".join(lines) + "\n"


def _table(result: QueryResult) -> str:
    """An aligned text table: IRIs as CURIEs, literals as their text, a row count below."""

    def cell(term: Term | None) -> str:
        if term is None:
            return ""
        if isinstance(term, ox.NamedNode):
            return prefixes.curie(term.value)
        return " ".join(term.value.split())

    names = result.variables
    cells = [[cell(t) for t in row] for row in result.rows]
    widths = [max([len(n), *(len(r[i]) for r in cells)]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.append(f"({len(cells)} row{'' if len(cells) == 1 else 's'})")
    return "\n".join(lines) + "\n"


def _turtle(triples: Sequence[Triple]) -> str:
    used = {t.value for triple in triples for t in triple if isinstance(t, ox.NamedNode)}
    wanted = {
        p: ns for p, ns in prefixes.PREFIX_IRIS.items() if any(i.startswith(ns) for i in used)
    }
    data = ox.serialize(
        (ox.Triple(*t) for t in triples), format=ox.RdfFormat.TURTLE, prefixes=wanted
    )
    text = data.decode("utf-8") if data else ""
    return text if text.endswith("\n") else text + "\n"


def _jsonld(triples: Sequence[Triple]) -> str:
    """JSON-LD compacted with the project's prefixes (rdflib writes it; only this format)."""
    from aifactories.namespaces import bind_prefixes, new_graph

    graph = bind_prefixes(new_graph())
    for triple in triples:
        graph.add(tuple(to_rdflib(t) for t in triple))  # type: ignore[arg-type]
    data = graph.serialize(format="json-ld", context=dict(prefixes.PREFIX_IRIS), auto_compact=True)
    return data if data.endswith("\n") else data + "\n"


# --- Term conversion -----------------------------------------------------------------------


def to_rdflib(term: Term) -> Node:
    """A pyoxigraph term as an rdflib term (xsd:string literals become plain literals)."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == _XSD_STRING:
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(datatype))


def from_rdflib(term: Node, bnodes: dict[str, ox.BlankNode] | None = None) -> Term:
    """An rdflib term as a pyoxigraph term; ``bnodes`` keeps blank nodes apart consistently."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        if bnodes is None:
            return _blank(str(term))
        if str(term) not in bnodes:
            bnodes[str(term)] = _blank(str(term))
        return bnodes[str(term)]
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def _blank(label: str) -> ox.BlankNode:
    try:
        return ox.BlankNode(label)
    except ValueError:  # rdflib allows labels that N-Triples does not
        return ox.BlankNode()


# --- Engines -------------------------------------------------------------------------------


class Engine(Protocol):
    """Runs SPARQL on the union of the asserted and inferred graphs."""

    name: str

    def query(self, text: str, bindings: Mapping[str, Any] | None = None) -> QueryResult:
        """Run ``text`` with ``bindings`` (variable name without ``?`` -> term) pre-bound."""
        ...

    def resolve(self, term: str, classes: Sequence[str] | None = None) -> ox.NamedNode:
        """The one entity ``term`` names (as ``aifactories.terms.resolve``)."""
        ...


class RdflibEngine:
    """The reference engine: rdflib's SPARQL over ``kg.union``."""

    name = "rdflib"

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self._prepared: dict[str, Any] = {}

    def query(self, text: str, bindings: Mapping[str, Any] | None = None) -> QueryResult:
        from rdflib.term import Identifier

        init = {
            name: value if isinstance(value, Identifier) else to_rdflib(value)
            for name, value in (bindings or {}).items()
        }
        return from_rdflib_result(self.kg.union.query(self._prepare(text), initBindings=init))

    def _prepare(self, text: str) -> Any:
        prepared = self._prepared.get(text)
        if prepared is None:
            from rdflib.plugins.sparql import prepareQuery

            try:
                prepared = prepareQuery(text)
            except Exception as exc:  # pyparsing and rdflib raise many types
                detail = " ".join(str(exc).split()) or type(exc).__name__
                raise QuerySyntaxError(f"SPARQL syntax error: {detail}") from None
            self._prepared[text] = prepared
        return prepared

    def resolve(self, term: str, classes: Sequence[str] | None = None) -> ox.NamedNode:
        from rdflib import URIRef

        from aifactories.terms import resolve

        wanted = [URIRef(c) for c in classes] if classes else None
        return ox.NamedNode(str(resolve(self.kg.union, term, classes=wanted)))


def from_rdflib_result(result: Result) -> QueryResult:
    """An rdflib query result as a QueryResult."""
    if result.type == "ASK":
        return QueryResult("ASK", boolean=bool(result.askAnswer))
    bnodes: dict[str, ox.BlankNode] = {}
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        assert result.graph is not None
        triples = [
            tuple(from_rdflib(t, bnodes) for t in triple)  # type: ignore[misc]
            for triple in result.graph
        ]
        return QueryResult(result.type, triples=triples)  # type: ignore[arg-type]
    variables = tuple(result.vars or ())
    rows = [
        tuple(None if row.get(v) is None else from_rdflib(row[v], bnodes) for v in variables)
        for row in result.bindings
    ]
    return QueryResult("SELECT", tuple(str(v) for v in variables), rows)


class OxigraphEngine:
    """pyoxigraph over a Store holding the asserted and inferred named graphs, queried as one."""

    name = "oxigraph"

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    @classmethod
    def from_knowledge_graph(cls, kg: KnowledgeGraph) -> OxigraphEngine:
        """An in-memory store of ``kg``'s asserted and inferred graphs (made once per graph)."""
        return cls(kg.store())

    def query(self, text: str, bindings: Mapping[str, Any] | None = None) -> QueryResult:
        values = {
            name: value if isinstance(value, Term) else from_rdflib(value)
            for name, value in (bindings or {}).items()
        }
        try:
            answer = self.store.query(bind_terms(text, values), use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise QuerySyntaxError(f"SPARQL syntax error: {' '.join(str(exc).split())}") from None
        except RuntimeError as exc:
            raise QuerySyntaxError(f"SPARQL error: {' '.join(str(exc).split())}") from None
        if isinstance(answer, ox.QueryBoolean):
            return QueryResult("ASK", boolean=bool(answer))
        if isinstance(answer, ox.QueryTriples):
            triples = [(t.subject, t.predicate, t.object) for t in answer]
            return QueryResult(_form(text), triples=triples)  # type: ignore[arg-type]
        names = tuple(v.value for v in answer.variables)
        width = range(len(names))
        rows = [tuple(solution[i] for i in width) for solution in answer]
        return QueryResult("SELECT", names, rows)  # type: ignore[arg-type]

    def resolve(self, term: str, classes: Sequence[str] | None = None) -> ox.NamedNode:
        return StoreResolver(self.store).resolve(term, classes)


# --- Binding variables to terms ----------------------------------------------------------

_PROLOGUE = re.compile(
    r"(?:\s+|\#[^\n]*|(?i:PREFIX)\s+[\w.-]*:\s*<[^>]*>|(?i:BASE)\s*<[^>]*>)*",
)
_SELECT = re.compile(r"(?i:SELECT)(?:\s+(?i:DISTINCT|REDUCED))?\s+")
_FORM = re.compile(r"(?i)(SELECT|ASK|CONSTRUCT|DESCRIBE)\b")
#: Tokens that may hold a ``?name`` but must not be touched: comments, strings, IRIs.
_KEEP = "|".join(
    [
        r"\#[^\n]*",
        r'"""(?:[^"\\]|\\.|"(?!""))*"""',
        r"'''(?:[^'\\]|\\.|'(?!''))*'''",
        r'"(?:[^"\\\n]|\\.)*"',
        r"'(?:[^'\\\n]|\\.)*'",
        r'<[^<>"{}|^`\\\s]*>',
    ]
)
_TOKENS = re.compile(
    rf"(?P<keep>{_KEEP})|(?P<var>[?$]\w+)|(?P<open>\()|(?P<close>\))",
)


def _form(text: str) -> str:
    match = _FORM.match(text, _PROLOGUE.match(text).end())  # type: ignore[union-attr]
    return match.group(1).upper() if match else "SELECT"


def bind_terms(text: str, values: Mapping[str, Term]) -> str:
    """The query with each bound variable replaced by its term: SEP-0007 substitution.

    Each value is an RDF term (already resolved or checked) written by pyoxigraph in N-Triples
    syntax, so no text given by a user reaches the query: a string value stays one escaped
    literal whatever it holds. A variable projected by the top-level SELECT becomes
    ``(term AS ?name)``, so the result keeps its column. Comments, strings and IRIs of the
    query are left alone.
    """
    if not values:
        return text
    terms = {name: _term_text(term) for name, term in values.items()}
    start = _PROLOGUE.match(text).end()  # type: ignore[union-attr]
    select = _SELECT.match(text, start)
    projection = (
        (select.end(), _projection_end(text, select.end())) if select is not None else (0, 0)
    )
    out: list[str] = []
    depth = 0
    last = 0
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "var":
            name = match.group("var")[1:]
            if name in terms:
                out.append(text[last : match.start()])
                in_projection = projection[0] <= match.start() < projection[1]
                term = terms[name]
                out.append(f"({term} AS ?{name})" if in_projection and depth == 0 else term)
                last = match.end()
    out.append(text[last:])
    return "".join(out)


def _term_text(term: Term) -> str:
    if isinstance(term, ox.BlankNode):
        raise QuerySyntaxError("a blank node cannot be bound to a query variable")
    return str(term)  # pyoxigraph's N-Triples form: IRIs and literals fully escaped


def _projection_end(text: str, start: int) -> int:
    """Where the SELECT clause ends: WHERE or the group's opening brace (outside brackets)."""
    depth = 0
    for match in re.finditer(r"[()]|\{|(?i:\bWHERE\b)|(?i:\bFROM\b)", text[start:]):
        token = match.group(0)
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif depth == 0:
            return start + match.start()
    return len(text)


# --- Resolving terms on a store ------------------------------------------------------------


class StoreResolver:
    """``aifactories.terms.resolve`` on a pyoxigraph Store: same rules, same messages."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def resolve(self, term: str, classes: Sequence[str] | None = None) -> ox.NamedNode:
        text = term.strip()
        if not text:
            raise TermLookupError(term, "empty term")
        wanted = [ox.NamedNode(c) for c in dict.fromkeys(classes or ())]

        def fits(entity: ox.NamedNode) -> bool:
            return not wanted or any(self._has(entity, _RDF_TYPE, c) for c in wanted)

        iri = prefixes.as_iri(text)
        if iri is not None:
            try:
                node = ox.NamedNode(iri)
            except ValueError:
                node = None
            if node is None or not (self._has(node, None, None) or self._has(None, None, node)):
                raise TermLookupError(term, "no entity with this IRI", self._close(text, fits))
            if not fits(node):
                kinds = " or ".join(prefixes.curie(c.value) for c in wanted)
                raise TermLookupError(term, f"not a {kinds}", self._close(text, fits))
            return node

        folded = text.casefold()
        matches = {s for s, name in self._names(text) if name.casefold() == folded}
        if not matches:
            matches = {s for s, name in self._names(None) if name.casefold() == folded}
        fitting = sorted((m for m in matches if fits(m)), key=lambda n: n.value)
        if len(fitting) == 1:
            return fitting[0]
        if len(fitting) > 1:
            raise TermLookupError(
                term,
                f"ambiguous: names {len(fitting)} entities",
                [self._candidate(m) for m in fitting],
            )
        if matches:
            kinds = " or ".join(prefixes.curie(c) for c in sorted(c.value for c in wanted))
            raise TermLookupError(term, f"names no {kinds}", self._close(text, fits))
        raise TermLookupError(
            term, "no entity with this IRI, CURIE, label or acronym", self._close(text, fits)
        )

    def _has(self, s: Any, p: Any, o: Any) -> bool:
        return next(iter(self.store.quads_for_pattern(s, p, o, None)), None) is not None

    def _names(self, text: str | None) -> Iterable[tuple[ox.NamedNode, str]]:
        """(entity, name) pairs; with ``text``, only names equal to it ignoring case (LCASE)."""
        values = " ".join(f"<{p}>" for p in _NAME_PROPERTIES)
        query = (
            f"SELECT ?s ?o WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o "
            "FILTER (isIRI(?s) && isLiteral(?o)"
            + (" && LCASE(STR(?o)) = LCASE(?_text)" if text is not None else "")
            + ") }"
        )
        if text is not None:
            query = bind_terms(query, {"_text": ox.Literal(text)})
        for solution in self.store.query(query, use_default_graph_as_union=True):
            yield solution["s"], solution["o"].value

    def _label(self, entity: ox.NamedNode) -> str | None:
        """As ``terms.label``: English, else untagged, else any rdfs:label / skos:prefLabel."""
        for prop in _NAME_PROPERTIES[:2]:
            found = self.store.quads_for_pattern(entity, ox.NamedNode(prop), None)
            values = sorted(
                (q.object for q in found if isinstance(q.object, ox.Literal)),
                key=lambda lit: (lit.value, lit.language or ""),
            )
            for wanted in ("en", None):
                for value in values:
                    if value.language == wanted:
                        return value.value
            if values:
                return values[0].value
        return None

    def _candidate(self, entity: ox.NamedNode) -> str:
        name = self._label(entity)
        shown = prefixes.curie(entity.value)
        return f"{shown} ({name})" if name else shown

    def _close(self, text: str, fits: Any, limit: int = 5) -> list[str]:
        """Entities whose name or CURIE is close to ``text`` (difflib), best first."""
        by_key: dict[str, set[str]] = {}
        for entity, key in self._names(None):
            by_key.setdefault(key.casefold(), set()).add(entity.value)
        typed = "SELECT DISTINCT ?s WHERE { ?s a ?c FILTER isIRI(?s) }"
        for solution in self.store.query(typed, use_default_graph_as_union=True):
            iri = solution["s"].value
            by_key.setdefault(prefixes.curie(iri).casefold(), set()).add(iri)
        keys = difflib.get_close_matches(text.casefold(), list(by_key), n=limit * 3, cutoff=0.6)
        out: list[str] = []
        for key in keys:
            for iri in sorted(by_key[key]):
                entity = ox.NamedNode(iri)
                shown = self._candidate(entity)
                if fits(entity) and shown not in out:
                    out.append(shown)
        return out[:limit]


# --- Building stores and choosing an engine ------------------------------------------------


def knowledge_graph_quads(kg: KnowledgeGraph) -> Iterator[ox.Quad]:
    """``kg``'s asserted and inferred triples as quads in their named graphs.

    An inferred triple that is also asserted is left out: the union default graph would
    otherwise return it twice.
    """
    bnodes: dict[str, ox.BlankNode] = {}
    yield from graph_quads(kg.asserted, prefixes.ASSERTED_GRAPH, bnodes)
    yield from graph_quads(
        (t for t in kg.inferred if t not in kg.asserted), prefixes.INFERRED_GRAPH, bnodes
    )


def graph_quads(
    triples: Iterable[tuple[Node, Node, Node]] | Graph,
    graph_iri: str,
    bnodes: dict[str, ox.BlankNode],
) -> Iterator[ox.Quad]:
    """rdflib triples as pyoxigraph quads in the named graph ``graph_iri``."""
    graph = ox.NamedNode(graph_iri)
    seen: dict[Node, Term] = {}

    def convert(term: Node) -> Term:
        found = seen.get(term)
        if found is None:
            found = from_rdflib(term, bnodes)
            if len(seen) < 1_000_000:
                seen[term] = found
        return found

    for s, p, o in triples:
        yield ox.Quad(convert(s), convert(p), convert(o), graph)  # type: ignore[arg-type]


_opened: dict[tuple[str, int], tuple[Any, Engine]] = {}


def open_engine(name: str, kg: KnowledgeGraph | None = None) -> Engine:
    """The engine ``name`` over ``kg`` (default: the project graph, from the cache when warm).

    Engines are kept per graph, so an Oxigraph store is filled once per process and graph.
    """
    key = (name, id(kg))
    found = _opened.get(key)
    if found is not None and found[0] is kg:
        return found[1]
    engine = _open(name, kg)
    _opened[key] = (kg, engine)
    return engine


def _open(name: str, kg: KnowledgeGraph | None) -> Engine:
    if name == "rdflib":
        if kg is None:
            from aifactories.graph import load

            kg = load()
        return RdflibEngine(kg)
    if name == "oxigraph":
        if kg is not None:
            return OxigraphEngine.from_knowledge_graph(kg)
        from aifactories.graph import load

        return OxigraphEngine(load().store())
    raise InputError(f"unknown engine {name!r} (expected one of {', '.join(ENGINES)})")
