"""The one loader: ontology + data (+ OWL RL closure) into a KnowledgeGraph, once per process.

Data flows one way: files -> this loader -> query / validate / export / serve. Nothing downstream
re-parses files or recomputes the closure; ``load()`` memoises on the file list and mtimes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph

from aifactories import resources
from aifactories.errors import DataSyntaxError, InputError
from aifactories.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH, bind_prefixes, new_graph

#: File suffixes the loader reads, and the rdflib parser for each.
RDF_FORMATS: dict[str, str] = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".n3": "n3",
    ".jsonld": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
}


@dataclass
class KnowledgeGraph:
    """Asserted triples, the filtered inferred triples, and their union (what queries run on)."""

    asserted: Graph
    inferred: Graph
    union: Graph
    files: tuple[Path, ...]
    #: Inconsistencies the reasoner found (one line each); ``validate`` reports them.
    inconsistencies: tuple[str, ...] = ()
    _dataset: Dataset | None = field(default=None, repr=False)

    def dataset(self) -> Dataset:
        """The asserted and inferred graphs as named graphs of one Dataset (for quad formats)."""
        if self._dataset is None:
            ds = Dataset()
            bind_prefixes(ds)
            asserted = ds.graph(ASSERTED_GRAPH)
            for triple in self.asserted:
                asserted.add(triple)
            inferred = ds.graph(INFERRED_GRAPH)
            for triple in self.inferred:
                inferred.add(triple)
            self._dataset = ds
        return self._dataset


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files named directly, plus the RDF files (by suffix) inside named folders, sorted."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix in RDF_FORMATS))
        elif path.is_file():
            out.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    return out


def parse_file(path: Path, into: Graph | None = None) -> Graph:
    """Parse one RDF file; a syntax error becomes a DataSyntaxError naming the file and line."""
    graph = into if into is not None else new_graph()
    fmt = RDF_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"{path}: unsupported file type (expected one of {', '.join(RDF_FORMATS)})"
        )
    try:
        graph.parse(path, format=fmt)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except Exception as exc:  # rdflib's parsers raise many types; all mean "bad input" here
        raise _syntax_error(path, exc) from exc
    return graph


def _syntax_error(path: Path, exc: Exception) -> DataSyntaxError:
    lines = getattr(exc, "lines", None)
    why = getattr(exc, "_why", None)
    line = lines + 1 if isinstance(lines, int) else getattr(exc, "getLineNumber", lambda: None)()
    detail = str(why) if why else str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return DataSyntaxError(path, line, detail)


def _unique(files: Iterable[Path]) -> list[Path]:
    """``files`` without repeats (by resolved path): a file named twice would be parsed twice,
    duplicating its blank nodes and breaking cardinality checks."""
    seen: set[Path] = set()
    out: list[Path] = []
    for path in files:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            out.append(path)
    return out


def default_files() -> list[Path]:
    """The ontology followed by every data file of the project."""
    return [resources.ontology_file(), *resources.data_files()]


_cache: dict[tuple, KnowledgeGraph] = {}
_lock = threading.Lock()


def load(extra: Sequence[Path | str] = (), *, reason: bool = True) -> KnowledgeGraph:
    """Load the project's ontology and data, plus ``extra`` files or folders, with the closure.

    Memoised per process on the files and their modification times, so callers may call it freely;
    across processes the parsed graph and its closure come from the on-disk cache when it is warm
    (``aifactories.cache``: keyed by file contents, so any edit rebuilds).
    """
    from aifactories import cache

    files = _unique([*default_files(), *expand_paths(extra)])
    key = (tuple((str(p), p.stat().st_mtime_ns) for p in files), reason)
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
        kg = cache.knowledge_graph(files, reason=reason)
        _cache[key] = kg
        return kg


def build(files: Sequence[Path], *, reason: bool = True) -> KnowledgeGraph:
    """Parse ``files`` and compute the closure, without caching (see ``load``)."""
    asserted = new_graph(str(ASSERTED_GRAPH))
    for path in files:
        parse_file(path, into=asserted)
    problems: list[str] = []
    if reason:
        from aifactories.reasoning import closure_with_problems

        closure, problems = closure_with_problems(asserted)
        inferred = bind_prefixes(closure)
    else:
        inferred = new_graph()
    union = new_graph()
    for triple in asserted:
        union.add(triple)
    for triple in inferred:
        union.add(triple)
    return KnowledgeGraph(
        asserted=asserted,
        inferred=inferred,
        union=union,
        files=tuple(files),
        inconsistencies=tuple(problems),
    )
