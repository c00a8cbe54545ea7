"""rdflib <-> pyoxigraph terms, results and graphs: the one boundary between the two.

pyoxigraph terms are the project's neutral term type (pyoxigraph imports in milliseconds, so the
Oxigraph path of ``aifactories query`` never imports rdflib); code written against rdflib gets its
terms converted here, and nowhere else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from aifactories import prefixes

if TYPE_CHECKING:
    from rdflib.query import Result
    from rdflib.term import Node

    from aifactories.query.results import QueryResult, Term

_XSD_STRING = prefixes.XSD + "string"


def to_rdflib(term: Term) -> Any:
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


def as_term(value: Any) -> Term:
    """``value`` as a pyoxigraph term, converting rdflib terms (for callers that have them)."""
    if isinstance(value, ox.NamedNode | ox.BlankNode | ox.Literal):
        return value
    return from_rdflib(value)


def _blank(label: str) -> ox.BlankNode:
    try:
        return ox.BlankNode(label)
    except ValueError:  # rdflib allows labels that N-Triples does not
        return ox.BlankNode()


def result_from_rdflib(result: Result) -> QueryResult:
    """An rdflib query result as a QueryResult."""
    from aifactories.query.results import QueryResult

    if result.type == "ASK":
        return QueryResult("ASK", boolean=bool(result.askAnswer))
    bnodes: dict[str, ox.BlankNode] = {}
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        assert result.graph is not None
        triples = [
            (from_rdflib(s, bnodes), from_rdflib(p, bnodes), from_rdflib(o, bnodes))
            for s, p, o in result.graph
        ]
        return QueryResult(result.type, triples=triples)
    variables = tuple(result.vars or ())
    rows = [
        tuple(None if row.get(v) is None else from_rdflib(row[v], bnodes) for v in variables)
        for row in result.bindings
    ]
    return QueryResult("SELECT", tuple(str(v) for v in variables), rows)


def result_to_rdflib(result: QueryResult) -> Result:
    """A QueryResult as an rdflib Result, for code written against rdflib's API."""
    from rdflib import Graph, Variable
    from rdflib.query import Result

    out = Result(result.form)
    if result.form == "ASK":
        out.askAnswer = bool(result.boolean)
    elif result.form in ("CONSTRUCT", "DESCRIBE"):
        graph = Graph()
        for s, p, o in result.triples:
            graph.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
        out.graph = graph
    else:
        names = [Variable(v) for v in result.variables]
        out.vars = names
        out.bindings = [
            _Row({n: to_rdflib(t) for n, t in zip(names, row, strict=True) if t is not None})
            for row in result.rows
        ]
    return out


class _Row(dict):
    """A solution keyed by rdflib Variables that also answers to plain names, as rdflib's do."""

    def __missing__(self, key: Any) -> Any:
        from rdflib import Variable

        if isinstance(key, str) and not isinstance(key, Variable):
            return self[Variable(key)]
        raise KeyError(key)

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default
