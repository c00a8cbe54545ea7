"""The Python API for notebooks and scripts: open the graph once, ask it questions, get tables.

    >>> from aifactories import open_graph
    >>> kg = open_graph()
    >>> kg.query("factories-as-of", date="2025-03-12").to_pandas()   # a stored query
    >>> kg.sparql("SELECT ?s WHERE { ?s a aif:AIFactory }").to_polars()  # an ad-hoc query

Queries run on the same engine, with the same parameter binding, as ``aifactories query`` and
``aifactories sparql``: the union of the asserted and the inferred graph. Results convert to
pandas or polars DataFrames (``pip install 'aifactories-kg[notebook]'``); IRIs become strings,
literals Python values (dates, numbers), unbound cells None.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from aifactories.errors import AIFactoriesError


class NotebookError(AIFactoriesError):
    """A notebook call that cannot be answered (a query form that is not a table, ...)."""


@dataclass
class Results:
    """A SELECT result as a table: column names and rows of Python values."""

    columns: list[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records())

    def records(self) -> list[dict[str, Any]]:
        """The rows as dictionaries, column name to value."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def column(self, name: str) -> list[Any]:
        """One column's values, in row order."""
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def to_pandas(self) -> Any:
        """A pandas DataFrame (needs pandas: the ``notebook`` extra)."""
        pandas = _optional("pandas")
        return pandas.DataFrame.from_records(self.rows, columns=self.columns)

    def to_polars(self) -> Any:
        """A polars DataFrame (needs polars: the ``notebook`` extra)."""
        polars = _optional("polars")
        data = {c: self.column(c) for c in self.columns}
        return polars.DataFrame(data, strict=False)

    def _repr_html_(self) -> str:
        """A plain HTML table for Jupyter."""
        from html import escape

        head = "".join(f"<th>{escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in r) + "</tr>"
            for r in self.rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class KnowledgeGraphSession:
    """The loaded graph (parsed and reasoned over once) and the stored-query catalogue."""

    def __init__(self, kg: Any, engine: str = "oxigraph") -> None:
        from aifactories.query.catalogue import load_catalogue
        from aifactories.query.engines import open_engine

        self.kg = kg
        self.catalogue = load_catalogue()
        self._engine = open_engine(engine, kg)

    def queries(self) -> list[str]:
        """The names of the stored queries (``aifactories queries`` lists them with summaries)."""
        return [q.name for q in self.catalogue]

    def query(self, name: str, **params: Any) -> Results:
        """Run the stored query ``name`` with keyword parameters (``date="2025-03-12"``,
        ``factory="JAIF"``); values are checked and bound as on the command line."""
        from aifactories.query import run_stored

        stored = self.catalogue.get(name)
        values = {k: _param_text(v) for k, v in params.items()}
        return _table(run_stored(stored, values, self._engine))

    def sparql(self, text: str) -> Results:
        """Run an ad-hoc SELECT query; the project's prefixes (aif:, rdfs:, ...) are declared."""
        from aifactories.query import run

        return _table(run(text, self._engine))

    def describe(self, term: str) -> Any:
        """Every fact about one entity (IRI, CURIE, label or acronym), as ``describe`` shows it."""
        from aifactories.describe import describe

        return describe(self.kg, term)

    def search(self, text: str, limit: int = 10) -> Results:
        """Entities whose label, acronym, alternative or native name matches ``text``."""
        from aifactories.search import SearchIndex

        if not hasattr(self, "_search"):
            self._search = SearchIndex(self.kg.union)
        hits = self._search.search(text, limit)
        return Results(
            ["iri", "label", "kind", "matched"],
            [(str(h.iri), h.label, h.kind, h.matched) for h in hits],
        )


def open_graph(paths: Sequence[str] = (), *, engine: str = "oxigraph") -> KnowledgeGraphSession:
    """Load the project graph (plus extra Turtle ``paths``) with its OWL RL closure, once."""
    from aifactories.graph import load

    return KnowledgeGraphSession(load(tuple(paths)), engine)


def _table(result: Any) -> Results:
    from aifactories.query.convert import to_rdflib

    if result.form != "SELECT":
        raise NotebookError(f"a {result.form} query gives no table; use aifactories sparql")
    columns = list(result.variables)
    rows = [
        tuple(
            _python(row[i], to_rdflib) if row[i] is not None else None for i in range(len(columns))
        )
        for row in result.rows
    ]
    return Results(columns, rows)


def _python(term: Any, to_rdflib: Any) -> Any:
    from rdflib import Literal

    node = to_rdflib(term)
    if isinstance(node, Literal):
        value = node.toPython()
        return str(node) if isinstance(value, Literal) else value
    return str(node)


def _param_text(value: Any) -> str:
    import datetime as dt

    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _optional(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise NotebookError(
            f"{module} is not installed: pip install 'aifactories-kg[notebook]'"
        ) from None
