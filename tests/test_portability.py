"""The stored queries are portable SPARQL 1.1: a second engine, Oxigraph, gives the same answers.

The union graph (asserted + inferred) is exported as N-Triples and loaded into a pyoxigraph Store.
Every parameter-free query must give the same results on both engines; parametrised queries are
compared too, for each parameter set of their expected results. Results are normalised to tuples
of N-Triples terms (numbers by value), compared as multisets, and in order where the query has an
ORDER BY. For Oxigraph only, parameters are substituted into the query text as N-Triples terms:
the values are the project's own IRIs and dates resolved by the library, and this is the same
pre-binding that rdflib's ``initBindings`` performs (Oxigraph's own ``substitutions`` requires the
variable in the SELECT projection).
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from rdflib.term import Node

from aifactories.graph import KnowledgeGraph
from aifactories.query import binding, catalogue, engines, run_named
from aifactories.query.convert import to_rdflib
from queries.goldens import golden_files, read_golden

ox = pytest.importorskip("pyoxigraph")

CATALOGUE = catalogue.load_catalogue()
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "long", "int")}

CASES: list[tuple[str, dict[str, str]]] = [(q.name, {}) for q in CATALOGUE if not q.params]
CASES += [(q.name, {}) for q in CATALOGUE if q.params and all(not p.required for p in q.params)]
CASES += [
    (g.query, g.params)
    for g in (read_golden(p) for p in golden_files())
    if g.query in CATALOGUE and CATALOGUE.get(g.query).params
]


@pytest.fixture(scope="module")
def store(kg: KnowledgeGraph) -> Any:
    store = ox.Store()
    store.load(kg.union.serialize(format="nt"), format=ox.RdfFormat.N_TRIPLES)
    return store


def _canonical(value: str, datatype: str | None, language: str | None) -> str:
    """One literal as N-Triples text, numbers in canonical form so engines agree."""
    if datatype in NUMERIC:
        try:
            return f'"{format(Decimal(value).normalize(), "f")}"^^<numeric>'
        except InvalidOperation:
            pass
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if language:
        return f'"{escaped}"@{language.lower()}'
    if datatype and datatype != XSD + "string":
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"'


def rdflib_term(term: Node | None) -> str | None:
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return "_:b"
    assert isinstance(term, Literal)
    return _canonical(str(term), str(term.datatype) if term.datatype else None, term.language)


def oxigraph_term(term: Any) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return "_:b"
    return _canonical(term.value, term.datatype.value if term.datatype else None, term.language)


def substituted(query: catalogue.StoredQuery, values: dict[str, str], kg: KnowledgeGraph) -> str:
    """The query text with parameters written in as N-Triples terms (Oxigraph side only)."""
    text = query.text
    bound = binding.bind(query, values, engines.open_engine("rdflib", kg))
    for name, term in bound.items():
        written = to_rdflib(term).n3()
        text = re.sub(rf"[?$]_{name}\b", lambda _m, t=written: t, text)
    return text


@pytest.mark.parametrize(
    ("name", "values"), CASES, ids=[f"{n}-{'-'.join(v.values()) or 'defaults'}" for n, v in CASES]
)
def test_same_results_on_oxigraph(
    name: str, values: dict[str, str], kg: KnowledgeGraph, store: Any
) -> None:
    query = CATALOGUE.get(name)
    ours = run_named(query, values, kg, engine="rdflib").to_rdflib()
    theirs = store.query(substituted(query, values, kg))
    if query.form == "ASK":
        assert bool(theirs) is ours.askAnswer
        return
    if query.form in ("CONSTRUCT", "DESCRIBE"):
        got = {tuple(rdflib_term(t) for t in triple) for triple in ours.graph}
        other = {
            (oxigraph_term(t.subject), oxigraph_term(t.predicate), oxigraph_term(t.object))
            for t in theirs
        }
        assert got == other, f"{name}: only rdflib {got - other}; only Oxigraph {other - got}"
        return
    variables = [str(v) for v in ours.vars or ()]
    assert [v.value for v in theirs.variables] == variables
    ours_rows = [tuple(rdflib_term(row.get(v)) for v in ours.vars or ()) for row in ours.bindings]
    their_rows = [tuple(oxigraph_term(s[v]) for v in variables) for s in theirs]
    assert Counter(ours_rows) == Counter(their_rows), (
        f"{name}: only rdflib {list((Counter(ours_rows) - Counter(their_rows)).elements())}; "
        f"only Oxigraph {list((Counter(their_rows) - Counter(ours_rows)).elements())}"
    )
    if catalogue.is_ordered(query):
        assert ours_rows == their_rows, f"{name}: the engines order the rows differently"


def test_every_parameter_free_query_is_covered() -> None:
    free = {q.name for q in CATALOGUE if not q.params}
    assert free <= {name for name, _ in CASES}
    assert len(free) >= 10
