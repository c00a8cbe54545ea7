"""The one query pipeline: read and check a query, bind parameters, run it, write the result.

Every surface that answers SPARQL (``aifactories sparql``, ``aifactories query``, ``/sparql``, the
REST API and the pages) goes through these modules, in this order:

- ``syntax``: query text: read it, detect its form, refuse what must not run (updates, SERVICE),
  substitute bound variables by terms (SEP-0007), predeclare the project's prefixes.
- ``catalogue`` and ``listing``: stored queries (``queries/*.rq``): headers, the catalogue, its
  listings; ``binding``: check and bind their typed parameters.
- ``engines``: Oxigraph (the default) and rdflib (the reference); ``remote``: any SPARQL endpoint.
- ``formats``: the one format table; ``results``: the one result type and the one writer.
- ``convert``: rdflib <-> pyoxigraph terms, at one boundary.

``run`` and ``run_stored`` below are the whole pipeline in one call each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

#: Engine names, as ``--engine`` spells them.
ENGINES: tuple[str, ...] = ("oxigraph", "rdflib")
#: The engine used unless told otherwise: Oxigraph, which follows SPARQL 1.1 (rdflib departs
#: from it on typed comparisons and aggregates over errors: docs/engines.md).
DEFAULT_ENGINE = "oxigraph"

if TYPE_CHECKING:
    from aifactories.graph import KnowledgeGraph
    from aifactories.query.catalogue import StoredQuery
    from aifactories.query.engines import Engine
    from aifactories.query.results import QueryResult


def run(
    text: str,
    engine: Engine,
    *,
    default_graphs: Sequence[str] | None = None,
    named_graphs: Sequence[str] | None = None,
) -> QueryResult:
    """Check an ad-hoc query (read-only, offline; project prefixes predeclared) and run it.

    ``default_graphs`` / ``named_graphs`` (the protocol's ``default-graph-uri`` and
    ``named-graph-uri``) override the query's FROM / FROM NAMED; without either, the default
    graph is the union of the store's graphs. A graph the store does not hold is empty.
    Raises QuerySyntaxError, ForbiddenQueryError.
    """
    from aifactories.query import syntax

    checked = syntax.check(text)
    return engine.query(
        checked.text,
        dataset=syntax.choose_dataset(checked.dataset, default_graphs, named_graphs),
        prefixes=checked.prefixes,
    )


def run_stored(query: StoredQuery, values: Mapping[str, str], engine: Engine) -> QueryResult:
    """Run a stored query on ``engine`` with checked, resolved parameters (never pasted in)."""
    from aifactories.query.binding import bind

    bound = bind(query, values, engine)
    return engine.query(query.text, {"_" + name: term for name, term in bound.items()})


def run_named(
    name_or_query: str | StoredQuery,
    values: Mapping[str, str] | None = None,
    kg: KnowledgeGraph | None = None,
    *,
    engine: Engine | str | None = None,
) -> QueryResult:
    """Run a stored query by name (or StoredQuery) on ``engine`` (default: Oxigraph) over ``kg``.

    ``kg`` defaults to the project graph. For notebooks and tests:
    ``run_named("factory-supercomputers", {"factory": "JAIF"}).to_rdflib()``.
    """
    from aifactories.query.catalogue import StoredQuery, load_catalogue
    from aifactories.query.engines import DEFAULT_ENGINE, open_engine

    query = (
        name_or_query
        if isinstance(name_or_query, StoredQuery)
        else load_catalogue().get(name_or_query)
    )
    chosen = open_engine(engine or DEFAULT_ENGINE, kg) if not hasattr(engine, "query") else engine
    return run_stored(query, values or {}, chosen)  # type: ignore[arg-type]
