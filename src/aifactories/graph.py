"""The one loader: ontology + data (+ OWL RL closure) into a KnowledgeGraph, once per process.

Data flows one way: files -> this loader -> query / validate / export / serve. Nothing downstream
re-parses files or recomputes the closure; ``load()`` memoises on the file list and mtimes, and
across processes ``aifactories.cache`` keeps the parsed graph and its closure on disk.

Each file is read once: its bytes give the cache key, the triples (parsed by pyoxigraph; rdflib
only for formats pyoxigraph lacks, and to word a syntax error as before) and the lines that
validation reports point at. The graph is held as pyoxigraph terms; the rdflib graphs that
pySHACL, exports and the web pages use are built on first use, so a stored query on a warm cache
never imports rdflib. Imports go one way: graph -> cache, graph -> reasoning; neither imports
this module.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from aifactories import cache, prefixes, resources
from aifactories.errors import DataSyntaxError, InputError
from aifactories.progress import progress

if TYPE_CHECKING:
    from rdflib import Dataset, Graph

log = logging.getLogger(__name__)

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
#: Suffixes pyoxigraph parses itself (20x faster than rdflib).
_OX_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES}

#: Environment variable naming the reasoner (``--reasoner`` sets it for the whole command).
REASONER_ENV = "AIFACTORIES_REASONER"

#: A triple of pyoxigraph terms.
Triple = tuple[Any, Any, Any]


def default_reasoner() -> str:
    name = os.environ.get(REASONER_ENV)
    if not name:
        return "rules"  # rules.DEFAULT_REASONER, spelt out: a warm load never imports rules
    from aifactories.rules import check_reasoner

    return check_reasoner(name)


class KnowledgeGraph:
    """Asserted triples, the filtered inferred triples, and their union (what queries run on).

    Built either from pyoxigraph triples (the loader) or from rdflib graphs (callers that make
    graphs of their own); each view is derived from the other on first use.
    """

    def __init__(
        self,
        asserted: Graph | None = None,
        inferred: Graph | None = None,
        union: Graph | None = None,
        files: Sequence[Path] = (),
        inconsistencies: Sequence[str] = (),
        *,
        triples: tuple[list[Triple], list[Triple]] | None = None,
        texts: dict[Path, bytes] | None = None,
        store: ox.Store | None = None,
        nquads: bytes | None = None,
    ) -> None:
        self._asserted = asserted
        self._inferred = inferred
        self._union = union
        self.files = tuple(files)
        #: Inconsistencies the reasoner found (one line each); ``validate`` reports them.
        self.inconsistencies = tuple(inconsistencies)
        #: The bytes of each file as read (for locating validation results); may be empty.
        self.texts = texts or {}
        self._triples = triples
        #: Given by a warm cache entry (Oxigraph reads it in Rust); triples come from it then.
        self._store: ox.Store | None = store
        #: The entry's N-Quads, parsed for the triples when asked: a store holds literals in
        #: canonical form ("82000000.0"^^xsd:decimal comes back "82000000"), the file as written.
        self._nquads = nquads
        self._dataset: Dataset | None = None
        self._memo: dict[Any, Any] = {}

    # --- pyoxigraph views ---

    @property
    def triples(self) -> tuple[list[Triple], list[Triple]]:
        """(asserted, inferred) as pyoxigraph triples, no triple in both."""
        if self._triples is None and self._nquads is not None:
            self._triples = _nquads_triples(self._nquads)
        if self._triples is None and self._store is not None:
            self._triples = _store_triples(self._store)
        if self._triples is None:
            from aifactories.query.convert import from_rdflib

            bnodes: dict[str, ox.BlankNode] = {}
            memo: dict[Any, Any] = {}

            def convert(term: Any) -> Any:
                found = memo.get(term)
                if found is None:
                    found = memo[term] = from_rdflib(term, bnodes)
                return found

            asserted_graph = self.asserted
            asserted = [(convert(s), convert(p), convert(o)) for s, p, o in asserted_graph]
            inferred = [
                (convert(s), convert(p), convert(o))
                for s, p, o in self.inferred
                if (s, p, o) not in asserted_graph
            ]
            self._triples = (asserted, inferred)
        return self._triples

    def quads(self) -> Iterator[ox.Quad]:
        """The asserted and inferred triples in their named graphs."""
        asserted, inferred = self.triples
        for graph, triples in (
            (ox.NamedNode(prefixes.ASSERTED_GRAPH), asserted),
            (ox.NamedNode(prefixes.INFERRED_GRAPH), inferred),
        ):
            for s, p, o in triples:
                yield ox.Quad(s, p, o, graph)

    def store(self) -> ox.Store:
        """An in-memory Oxigraph store of ``quads()`` (made once)."""
        if self._store is None:
            store = ox.Store()
            store.bulk_extend(self.quads())
            self._store = store
        return self._store

    # --- rdflib views ---

    def _graph(self, parts: Iterable[list[Triple]], identifier: str | None = None) -> Graph:
        from aifactories.namespaces import new_graph
        from aifactories.query.convert import to_rdflib

        memo = self._memo

        def convert(term: Any) -> Any:
            found = memo.get(term)
            if found is None:
                found = memo[term] = to_rdflib(term)
            return found

        graph = new_graph(identifier)
        add = graph.add
        for triples in parts:
            for s, p, o in triples:
                add((convert(s), convert(p), convert(o)))
        return graph

    @property
    def asserted(self) -> Graph:
        if self._asserted is None:
            self._asserted = self._graph([self.triples[0]], prefixes.ASSERTED_GRAPH)
        return self._asserted

    @property
    def inferred(self) -> Graph:
        if self._inferred is None:
            self._inferred = self._graph([self.triples[1]])
        return self._inferred

    @property
    def union(self) -> Graph:
        if self._union is None:
            if self._triples is not None or self._store is not None:
                self._union = self._graph(self.triples)
            else:
                from aifactories.namespaces import new_graph

                union = new_graph()
                for triple in self.asserted:
                    union.add(triple)
                for triple in self.inferred:
                    union.add(triple)
                self._union = union
        return self._union

    def dataset(self) -> Dataset:
        """The asserted and inferred graphs as named graphs of one Dataset (for quad formats)."""
        if self._dataset is None:
            from rdflib import Dataset

            from aifactories.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH, bind_prefixes

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
        elif path.is_file() or os.path.lexists(path):  # FIFOs, devices, dangling links:
            out.append(path)  # refused with their reason by check_files
        else:
            raise InputError(f"{path}: no such file or folder")
    return out


def check_files(files: Iterable[Path]) -> None:
    """The input boundary (``aifactories.inputs``) for ``files``, before anything is parsed."""
    from aifactories import inputs

    for path in files:
        data = inputs.read_file(path)
        if path.suffix.lower() not in _OX_FORMATS:  # Turtle, N-Triples: see read_triples
            inputs.check_rdf(path, data, _rdflib_format(path))


def parse_file(path: Path, into: Graph | None = None, data: bytes | None = None) -> Graph:
    """Parse one RDF file with rdflib; a syntax error becomes a DataSyntaxError (file, line)."""
    from aifactories.namespaces import new_graph

    graph = into if into is not None else new_graph()
    fmt = _rdflib_format(path)
    checked = data is None  # read here: through the input boundary (read_triples checks its own)
    if checked:
        from aifactories import inputs

        data = inputs.check_rdf(path, inputs.read_file(path), fmt)
        target = graph if into is None else new_graph()
    else:
        target = graph
    try:
        target.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except RecursionError:
        raise DataSyntaxError(path, None, "nested too deeply") from None
    except Exception as exc:  # rdflib's parsers raise many types; all mean "bad input" here
        raise _syntax_error(path, exc) from exc
    if checked and data is not None:
        inputs.check_terms(path, target, data)
        if target is not graph:
            for triple in target:
                graph.add(triple)
    return graph


def _rdflib_format(path: Path) -> str:
    fmt = RDF_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"{path}: unsupported file type (expected one of {', '.join(RDF_FORMATS)})"
        )
    return fmt


def read_triples(path: Path, data: bytes | None = None) -> list[Triple]:
    """The triples of one file as pyoxigraph terms, blank nodes private to the file.

    pyoxigraph parses Turtle and N-Triples; when it refuses a file, rdflib parses it, so a
    syntax error keeps rdflib's wording (and a file only rdflib accepts still loads).
    """
    from aifactories import inputs

    rdflib_format = _rdflib_format(path)
    if data is None:
        data = read_bytes(path)
    fmt = _OX_FORMATS.get(path.suffix.lower())
    refused: Exception | None = None
    if fmt is not None:
        try:
            parsed = ox.parse(data, format=fmt, base_iri=path.resolve().as_uri())
            return _private_blanks((q.subject, q.predicate, q.object) for q in parsed)
        except (SyntaxError, ValueError) as exc:
            refused = exc
    else:  # the input boundary: contexts, entities, Oxigraph's strict pass (file:line)
        data = inputs.check_rdf(path, data, rdflib_format)
    from aifactories.query.convert import from_rdflib

    graph = parse_file(path, data=data)  # rdflib's wording when it refuses the file too
    if refused is not None:  # rdflib accepts what Oxigraph refuses: refused all the same
        raise DataSyntaxError(path, getattr(refused, "lineno", None), inputs.ox_message(refused))
    inputs.check_terms(path, graph, data)  # before any conversion to Oxigraph terms
    bnodes: dict[str, ox.BlankNode] = {}
    return [(from_rdflib(s, bnodes), from_rdflib(p), from_rdflib(o, bnodes)) for s, p, o in graph]


def _private_blanks(triples: Iterable[Triple]) -> list[Triple]:
    """Give each blank node a fresh label: two files' ``_:b1`` are different nodes."""
    fresh: dict[ox.BlankNode, ox.BlankNode] = {}
    blank = ox.BlankNode
    out: list[Triple] = []
    for s, p, o in triples:
        if type(s) is blank:
            s = fresh.get(s) or fresh.setdefault(s, blank())
        if type(o) is blank:
            o = fresh.get(o) or fresh.setdefault(o, blank())
        out.append((s, p, o))
    return out


def read_bytes(path: Path) -> bytes:
    """A file's bytes, if it is a regular file of bounded size (``inputs.read_file``)."""
    from aifactories import inputs

    return inputs.read_file(path)


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


def project_files(extra: Sequence[Path | str] = ()) -> list[Path]:
    """The loader's file list: the project's files, then ``extra`` files or folders."""
    return _unique([*default_files(), *expand_paths(extra)])


_cache: dict[tuple, KnowledgeGraph] = {}
_lock = threading.Lock()


def load(
    extra: Sequence[Path | str] = (), *, reason: bool = True, reasoner: str | None = None
) -> KnowledgeGraph:
    """Load the project's ontology and data, plus ``extra`` files or folders, with the closure.

    Memoised per process on the files and their modification times, so callers may call it freely;
    across processes the parsed graph and its closure come from the on-disk cache when it is warm
    (keyed by file contents, so any edit rebuilds). ``reasoner`` defaults to
    ``$AIFACTORIES_REASONER``, else ``rules``.
    """
    own = expand_paths(extra)
    check_files(own)  # the user's files fail fast, before the project is read
    files = _unique([*default_files(), *own])
    reasoner = reasoner or default_reasoner()
    key = (tuple((str(p), p.stat().st_mtime_ns) for p in files), reason, reasoner)
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
        kg = knowledge_graph(files, reason=reason, reasoner=reasoner)
        _cache[key] = kg
        return kg


def knowledge_graph(
    files: Sequence[Path], *, reason: bool = True, reasoner: str | None = None
) -> KnowledgeGraph:
    """The KnowledgeGraph of ``files``: from a warm cache entry, else built (and cached)."""
    reasoner = reasoner or default_reasoner()
    texts = {path: read_bytes(path) for path in files}
    if not reason or not cache.enabled():
        return build(files, reason=reason, reasoner=reasoner, texts=texts)
    key = cache.fingerprint(files, reasoner=reasoner, contents=texts)
    entry = cache.read(key)
    if entry is not None:
        try:
            return _from_entry(entry, files, texts)
        except cache.CorruptCacheError as exc:
            cache.discard(key, exc)
    with progress(f"reading {len(files)} files and reasoning ({reasoner})"):
        kg = build(files, reason=True, reasoner=reasoner, texts=texts)
    asserted, inferred = kg.triples
    body = ox.serialize(kg.quads(), format=ox.RdfFormat.N_QUADS) or b""
    meta = {
        "asserted": len(asserted),
        "inferred": len(inferred),
        "files": [str(p) for p in files],
        "reasoner": reasoner,
        "inconsistencies": list(kg.inconsistencies),
    }
    try:
        cache.write(key, body, meta)
    except OSError as exc:  # a read-only or full cache folder costs speed, not correctness
        log.warning("cannot write the graph cache in %s: %s", cache.cache_dir(), exc)
    return kg


def _from_entry(
    entry: cache.Entry, files: Sequence[Path], texts: dict[Path, bytes]
) -> KnowledgeGraph:
    """The graph of a warm entry: Oxigraph loads the N-Quads (the lean query path needs no
    Python term for them); the triples are read back from the store on first use."""
    store = ox.Store()
    try:
        # lenient: the body is our own N-Quads, checksum-verified by cache.read (4 ms of 15)
        store.load(entry.body, format=ox.RdfFormat.N_QUADS, lenient=True)
    except (SyntaxError, ValueError) as exc:
        raise cache.CorruptCacheError(f"unparsable body: {exc}") from None
    inferred = sum(1 for _ in store.quads_for_pattern(None, None, None, _INFERRED))
    if (len(store) - inferred, inferred) != (
        entry.meta.get("asserted"),
        entry.meta.get("inferred"),
    ):
        raise cache.CorruptCacheError("triple counts differ from the metadata")
    return KnowledgeGraph(
        files=files,
        inconsistencies=entry.inconsistencies,
        texts=texts,
        store=store,
        nquads=entry.body,
    )


_INFERRED = ox.NamedNode(prefixes.INFERRED_GRAPH)


def _nquads_triples(body: bytes) -> tuple[list[Triple], list[Triple]]:
    """(asserted, inferred) triples of a cache entry's N-Quads, literals as written."""
    asserted: list[Triple] = []
    inferred: list[Triple] = []
    for quad in ox.parse(body, format=ox.RdfFormat.N_QUADS):
        triple = (quad.subject, quad.predicate, quad.object)
        (inferred if quad.graph_name == _INFERRED else asserted).append(triple)
    return asserted, inferred


def _store_triples(store: ox.Store) -> tuple[list[Triple], list[Triple]]:
    """(asserted, inferred) triples of a store of the two named graphs."""
    asserted: list[Triple] = []
    inferred: list[Triple] = []
    for quad in store:
        triple = (quad.subject, quad.predicate, quad.object)
        (inferred if quad.graph_name == _INFERRED else asserted).append(triple)
    return asserted, inferred


def build(
    files: Sequence[Path],
    *,
    reason: bool = True,
    reasoner: str | None = None,
    texts: dict[Path, bytes] | None = None,
) -> KnowledgeGraph:
    """Parse ``files`` and compute the closure, without caching (see ``load``)."""
    texts = texts if texts is not None else {}
    asserted: dict[Triple, None] = {}
    for path in files:
        data = texts.get(path)
        if data is None:
            data = texts[path] = read_bytes(path)
        asserted.update(dict.fromkeys(read_triples(path, data)))
    triples = list(asserted)
    inferred: list[Triple] = []
    problems: Sequence[str] = ()
    if reason:
        from aifactories import limits
        from aifactories.reasoning import closure_of

        limits.check_closure_input(triples)  # refuse what would explode, naming it
        with limits.time_limit(
            "CLOSURE_SECONDS", "the OWL RL closure", lambda: limits.diagnose_closure(triples)
        ):
            inferred, problems = closure_of(triples, reasoner or default_reasoner())
    return KnowledgeGraph(
        files=files, inconsistencies=problems, triples=(triples, inferred), texts=texts
    )


def knowledge_graph_from_quads(
    quads: Iterable[ox.Quad], files: Sequence[Path], inconsistencies: Sequence[str] = ()
) -> KnowledgeGraph:
    """A KnowledgeGraph from quads in the asserted and inferred named graphs (a store's)."""
    asserted: list[Triple] = []
    inferred: list[Triple] = []
    for quad in quads:
        graph = getattr(quad.graph_name, "value", None)
        triple = (quad.subject, quad.predicate, quad.object)
        (inferred if graph == prefixes.INFERRED_GRAPH else asserted).append(triple)
    return KnowledgeGraph(
        files=files, inconsistencies=inconsistencies, triples=(asserted, inferred)
    )
