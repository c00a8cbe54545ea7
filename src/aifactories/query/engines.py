"""Query engines behind one small interface: Oxigraph (the default) and rdflib (the reference).

An engine runs SPARQL text with pre-bound variables on a dataset (``syntax.Dataset``) and
returns a ``results.QueryResult`` of pyoxigraph terms, whichever engine answered, so that results
are written by one module and the engines can be compared row for row (tests/test_engines.py,
tests/test_differential.py). The remote engine (``remote.RemoteEngine``) has the same interface.

Bound variables are substituted by their terms before the query runs (``syntax.bind_terms``):
values are never pasted in as the user typed them.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import islice
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from aifactories import prefixes
from aifactories.errors import InputError, QueryEvaluationError, QuerySyntaxError
from aifactories.query import DEFAULT_ENGINE, ENGINES, syntax  # noqa: F401  (re-exported)
from aifactories.query.convert import as_term
from aifactories.query.results import QueryResult

if TYPE_CHECKING:
    from aifactories.graph import KnowledgeGraph
    from aifactories.store import OpenStore


class Engine:
    """Runs SPARQL on the project's dataset (asserted and inferred named graphs).

    ``query`` does what every engine shares (terms bound, the dataset chosen); each engine
    implements ``_run``.
    """

    name: str = ""

    def query(
        self,
        text: str,
        bindings: Mapping[str, Any] | None = None,
        *,
        dataset: syntax.Dataset | None = None,
        prefixes: Mapping[str, str] | None = None,
        limit: int | None = None,
    ) -> QueryResult:
        """Run ``text`` with ``bindings`` (variable name without ``?`` -> term) pre-bound.

        ``dataset`` None takes it from the query's FROM clauses (the whole store without);
        ``prefixes`` are predeclared (prefix -> namespace IRI); ``limit`` stops reading rows
        (or triples) there: the server's row cap. Raises QuerySyntaxError, QueryEvaluationError.
        """
        values = {name: as_term(value) for name, value in (bindings or {}).items()}
        chosen = dataset if dataset is not None else syntax.dataset_clause(text)
        result = self._run(syntax.bind_terms(text, values), chosen, dict(prefixes or {}), limit)
        if limit is not None:  # engines that cannot stop early
            del result.rows[limit:], result.triples[limit:]
        return result

    def _run(
        self, text: str, dataset: syntax.Dataset, prefixes: dict[str, str], limit: int | None
    ) -> QueryResult:
        raise NotImplementedError

    def lookup(self) -> Engine:
        """The engine that resolves names for this one (itself, for a local engine)."""
        return self


class OxigraphEngine(Engine):
    """pyoxigraph over a Store holding the asserted and inferred named graphs."""

    name = "oxigraph"

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    @classmethod
    def from_knowledge_graph(cls, kg: KnowledgeGraph) -> OxigraphEngine:
        """An in-memory store of ``kg``'s asserted and inferred graphs (made once per graph)."""
        return cls(kg.store())

    def _run(
        self, text: str, dataset: syntax.Dataset, prefixes: dict[str, str], limit: int | None
    ) -> QueryResult:
        options: dict[str, Any] = {"prefixes": prefixes or None}
        if dataset.is_whole_store:
            options["use_default_graph_as_union"] = True
        else:
            options["default_graph"] = [ox.NamedNode(g) for g in dataset.default or ()]
            options["named_graphs"] = [ox.NamedNode(g) for g in dataset.named or ()]
        try:
            answer = self.store.query(text, **options)
            if isinstance(answer, ox.QueryBoolean):
                return QueryResult("ASK", boolean=bool(answer))
            if isinstance(answer, ox.QueryTriples):
                triples = [(t.subject, t.predicate, t.object) for t in islice(answer, limit)]
                form = syntax.query_form(text) or "CONSTRUCT"
                return QueryResult(form, triples=triples)
            names = tuple(v.value for v in answer.variables)
            width = range(len(names))
            rows = [tuple(solution[i] for i in width) for solution in islice(answer, limit)]
        except SyntaxError as exc:
            raise QuerySyntaxError(syntax.error_message(exc)) from None
        except (RuntimeError, OSError, ValueError) as exc:  # raised while evaluating
            raise QueryEvaluationError(syntax.error_message(exc, "error")) from None
        return QueryResult("SELECT", names, rows)


class RdflibEngine(Engine):
    """The reference engine: rdflib's SPARQL evaluator over the same named graphs.

    Where rdflib departs from SPARQL 1.1 (docs/engines.md), its answers differ from Oxigraph's;
    tests/test_differential.py pins each departure.
    """

    name = "rdflib"

    def __init__(self, kg: KnowledgeGraph) -> None:
        import rdflib.plugins.sparql

        rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # FROM never fetches
        self.kg = kg
        self.graphs = {prefixes.ASSERTED_GRAPH: kg.asserted, prefixes.INFERRED_GRAPH: kg.inferred}
        self._prepared: dict[tuple[str, bool], Any] = {}
        self._whole: Any = None

    def _run(
        self, text: str, dataset: syntax.Dataset, prefixes: dict[str, str], limit: int | None
    ) -> QueryResult:
        from aifactories.query.convert import result_from_rdflib

        prepared = self._prepare(text, prefixes)
        if prepared.algebra.get("datasetClause"):  # chosen by the caller, as on every engine
            from rdflib.plugins.sparql.parserutils import CompValue
            from rdflib.plugins.sparql.sparql import Query

            algebra = CompValue(prepared.algebra.name, **dict(prepared.algebra))
            algebra["datasetClause"] = None
            prepared = Query(prepared.prologue, algebra)
        target = self._whole_store() if dataset.is_whole_store else self._dataset(dataset)
        try:
            return result_from_rdflib(target.query(prepared))
        except Exception as exc:  # rdflib raises bare Exceptions while evaluating
            raise QueryEvaluationError(syntax.error_message(exc, "error")) from None

    def _prepare(self, text: str, prefixes: dict[str, str]) -> Any:
        key = (text, bool(prefixes))
        prepared = self._prepared.get(key)
        if prepared is None:
            from rdflib.plugins.sparql import prepareQuery

            try:
                prepared = prepareQuery(text, initNs=prefixes)
            except Exception as exc:  # pyparsing and rdflib raise many types
                raise QuerySyntaxError(syntax.error_message(exc)) from None
            self._prepared[key] = prepared
        return prepared

    def _whole_store(self) -> Any:
        if self._whole is None:
            self._whole = self._dataset(
                syntax.Dataset(tuple(self.graphs), tuple(self.graphs)), union=True
            )
        return self._whole

    def _dataset(self, chosen: syntax.Dataset, *, union: bool = False) -> Any:
        """An rdflib Dataset holding the chosen graphs (unknown graph IRIs: empty graphs)."""
        from rdflib import Dataset, URIRef

        ds = Dataset(default_union=union)
        asserted = self.graphs[prefixes.ASSERTED_GRAPH]
        for iri in chosen.named or ():
            graph = ds.graph(URIRef(iri))
            for triple in self._triples(iri, asserted):
                graph.add(triple)
        if not union:
            default = ds.default_graph
            for iri in chosen.default or ():
                for triple in self._triples(iri, asserted):
                    default.add(triple)
        return ds

    def _triples(self, iri: str, asserted: Any) -> Any:
        graph = self.graphs.get(iri)
        if graph is None:
            return ()
        if iri == prefixes.INFERRED_GRAPH:  # as in the Oxigraph store: no asserted triple twice
            return (t for t in graph if t not in asserted)
        return graph


_opened: dict[tuple[str, int], tuple[Any, Engine]] = {}


def open_engine(
    name: str, kg: KnowledgeGraph | None = None, *, store: OpenStore | None = None
) -> Engine:
    """The engine ``name`` over ``kg`` (default: the project graph, from the cache when warm).

    With ``store``, over the on-disk store written by ``aifactories load --store``. Engines
    are kept per graph, so an Oxigraph store is filled once per process and graph.
    """
    if name not in ENGINES:
        raise InputError(f"unknown engine {name!r} (expected one of {', '.join(ENGINES)})")
    if store is not None:
        from aifactories.store import knowledge_graph_from_store

        opened = store
        if name == "oxigraph":
            return OxigraphEngine(opened.store)
        return RdflibEngine(knowledge_graph_from_store(opened))
    key = (name, id(kg))
    found = _opened.get(key)
    if found is not None and found[0] is kg:
        return found[1]
    engine: Engine
    if name == "rdflib":
        if kg is None:
            from aifactories.graph import load

            kg = load()
        engine = RdflibEngine(kg)
    elif kg is not None:
        engine = OxigraphEngine.from_knowledge_graph(kg)
    else:
        from aifactories.graph import load

        engine = OxigraphEngine(load().store())
    _opened[key] = (kg, engine)
    return engine
