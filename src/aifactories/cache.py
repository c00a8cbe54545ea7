"""The parsed graph and its filtered OWL RL closure, cached on disk so each edit is paid once.

The closure takes seconds and parsing Turtle with rdflib most of a second, in every process. Both
are cached in one N-Quads file (asserted and inferred named graphs) in the user cache directory
(``platformdirs``; ``AIFACTORIES_CACHE_DIR`` overrides it, ``AIFACTORIES_NO_CACHE=1`` turns the
cache off). An entry is keyed by a hash of the ontology, shapes and data file contents, the
reasoning code and the library versions, so any edit makes a new key. Entries are written
atomically (temporary file + ``os.replace``) and carry a SHA-256 of their body: an entry that is
truncated, altered or unparsable is deleted and rebuilt, never trusted.

The warm path needs only pyoxigraph: ``load_store`` gives the Oxigraph engine its store without
importing rdflib; ``knowledge_graph`` rebuilds rdflib graphs from the same file for the rest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from aifactories import prefixes, resources

if TYPE_CHECKING:
    from aifactories.graph import KnowledgeGraph

log = logging.getLogger(__name__)

CACHE_DIR_ENV = "AIFACTORIES_CACHE_DIR"
NO_CACHE_ENV = "AIFACTORIES_NO_CACHE"
#: Bumped whenever the entry layout or the meaning of its content changes.
FORMAT = 1
MAGIC = f"# aifactories-cache {FORMAT}".encode()
#: Entries kept; older ones (by modification time) are removed when a new one is written.
KEEP = 8
#: Packages whose installed copy is part of the key (parsing and reasoning code); this
#: package's own code is keyed by the hash of reasoning.py, graph.py and cache.py.
LIBRARIES = ("rdflib", "owlrl", "pyshacl")


class CorruptCacheError(Exception):
    """A cache entry that fails its checks; it is deleted and rebuilt."""


def enabled() -> bool:
    return os.environ.get(NO_CACHE_ENV, "").strip().lower() not in ("1", "true", "yes")


def cache_dir() -> Path:
    """``$AIFACTORIES_CACHE_DIR``, else the user cache directory for ``aifactories``."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("aifactories", appauthor=False))


def _versions() -> list[str]:
    """Python and the libraries that shape the entry, without importing (or asking
    importlib.metadata, 40 ms) for them: each package's location and its ``__init__``'s size
    and modification time change whenever it is upgraded or reinstalled."""
    from importlib.util import find_spec

    out = [f"python {sys.version_info[0]}.{sys.version_info[1]}", f"pyoxigraph {ox.__version__}"]
    for name in LIBRARIES:
        spec = find_spec(name)
        origin = spec.origin if spec is not None else None
        if origin is None:
            out.append(f"{name} -")
            continue
        stat = os.stat(origin)
        out.append(f"{name} {origin} {stat.st_size} {stat.st_mtime_ns}")
    return out


def fingerprint(files: Sequence[Path], shapes: Path | None = None) -> str:
    """The cache key: a hash of the inputs' contents, the reasoning code and library versions."""
    digest = hashlib.sha256(MAGIC + b"\n")
    for line in _versions():
        digest.update(line.encode() + b"\n")
    here = Path(__file__).resolve().parent
    for code in ("reasoning.py", "graph.py", "cache.py", "engines.py"):
        digest.update(_file_hash(here / code))
    shapes = shapes if shapes is not None else resources.shapes_file()
    for path in [*files, shapes]:
        digest.update(str(path.name).encode() + b"\0" + _file_hash(path))
    return digest.hexdigest()[:32]


def _file_hash(path: Path) -> bytes:
    try:
        return hashlib.sha256(path.read_bytes()).digest()
    except OSError:
        return b"missing"


def entry_path(key: str) -> Path:
    return cache_dir() / f"graph-{key}.nq"


# --- Reading and writing entries -----------------------------------------------------------


@dataclass
class Entry:
    """One verified cache entry: its metadata and its N-Quads body."""

    key: str
    meta: dict[str, Any]
    body: bytes

    @property
    def inconsistencies(self) -> tuple[str, ...]:
        return tuple(self.meta.get("inconsistencies", ()))


def read(key: str) -> Entry | None:
    """The entry for ``key`` if present and sound; a corrupt one is deleted (None returned)."""
    path = entry_path(key)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        return _verify(key, data)
    except CorruptCacheError as exc:
        log.warning("discarding corrupt cache entry %s: %s", path, exc)
        _remove(path)
        return None


def _verify(key: str, data: bytes) -> Entry:
    first, _, rest = data.partition(b"\n")
    second, _, body = rest.partition(b"\n")
    if first != MAGIC or not second.startswith(b"# "):
        raise CorruptCacheError("bad header")
    try:
        meta = json.loads(second[2:])
    except ValueError as exc:
        raise CorruptCacheError(f"bad metadata: {exc}") from None
    if not isinstance(meta, dict) or meta.get("key") != key:
        raise CorruptCacheError("metadata for another key")
    if hashlib.sha256(body).hexdigest() != meta.get("sha256"):
        raise CorruptCacheError("checksum mismatch")
    return Entry(key, meta, body)


def write(key: str, body: bytes, meta: dict[str, Any]) -> Path:
    """Store an entry atomically (temporary file, then ``os.replace``); prune old entries."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    full = {**meta, "key": key, "sha256": hashlib.sha256(body).hexdigest()}
    header = MAGIC + b"\n# " + json.dumps(full, ensure_ascii=True).encode() + b"\n"
    target = entry_path(key)
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(header)
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        _remove(Path(tmp))
        raise
    _prune(folder, keep=target)
    return target


def _prune(folder: Path, keep: Path) -> None:
    entries = sorted(folder.glob("graph-*.nq"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in entries if p != keep][KEEP - 1 :]:
        _remove(old)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def clear() -> int:
    """Delete every cache entry; returns how many were removed."""
    folder = cache_dir()
    removed = 0
    for path in folder.glob("graph-*.nq*"):
        _remove(path)
        removed += 1
    return removed


# --- The graph, from the cache or built ---------------------------------------------------


def knowledge_graph(files: Sequence[Path], *, reason: bool = True) -> KnowledgeGraph:
    """The KnowledgeGraph of ``files``: from a warm cache entry, else built (and cached)."""
    from aifactories.graph import build

    if not enabled():
        return build(files, reason=reason)
    key = fingerprint(files)
    entry = read(key)
    if entry is not None:
        try:
            return _from_entry(entry, files, reason=reason)
        except CorruptCacheError as exc:
            log.warning("discarding corrupt cache entry %s: %s", entry_path(key), exc)
            _remove(entry_path(key))
    if not reason:
        return build(files, reason=False)
    kg = build(files, reason=True)
    store_knowledge_graph(key, kg)
    return kg


def store_knowledge_graph(key: str, kg: KnowledgeGraph) -> bytes:
    """Write ``kg`` (asserted + inferred) as the entry ``key``; returns the N-Quads body."""
    from aifactories.engines import knowledge_graph_quads

    quads = list(knowledge_graph_quads(kg))
    body = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    inferred = sum(1 for q in quads if q.graph_name.value == prefixes.INFERRED_GRAPH)
    meta = {
        "asserted": len(quads) - inferred,
        "inferred": inferred,
        "files": [str(p) for p in kg.files],
        "inconsistencies": list(kg.inconsistencies),
    }
    try:
        write(key, body, meta)
    except OSError as exc:  # a read-only or full cache folder costs speed, not correctness
        log.warning("cannot write the graph cache in %s: %s", cache_dir(), exc)
    return body


def _parse(entry: Entry) -> list[ox.Quad]:
    try:
        quads = list(ox.parse(entry.body, format=ox.RdfFormat.N_QUADS))
    except (SyntaxError, ValueError) as exc:
        raise CorruptCacheError(f"unparsable body: {exc}") from None
    inferred = sum(1 for q in quads if _graph(q) == prefixes.INFERRED_GRAPH)
    if (len(quads) - inferred, inferred) != (
        entry.meta.get("asserted"),
        entry.meta.get("inferred"),
    ):
        raise CorruptCacheError("triple counts differ from the metadata")
    return quads


def _graph(quad: ox.Quad) -> str | None:
    return getattr(quad.graph_name, "value", None)


def _from_entry(entry: Entry, files: Sequence[Path], *, reason: bool) -> KnowledgeGraph:
    """rdflib graphs rebuilt from a verified entry (no Turtle parsing, no reasoning)."""
    return knowledge_graph_from_quads(
        _parse(entry), files, entry.inconsistencies if reason else (), reason=reason
    )


def knowledge_graph_from_quads(
    quads: Iterable[ox.Quad],
    files: Sequence[Path],
    inconsistencies: Sequence[str] = (),
    *,
    reason: bool = True,
) -> KnowledgeGraph:
    """A KnowledgeGraph from quads in the asserted and inferred named graphs."""
    from aifactories.engines import to_rdflib
    from aifactories.graph import KnowledgeGraph
    from aifactories.namespaces import ASSERTED_GRAPH, new_graph

    asserted = new_graph(str(ASSERTED_GRAPH))
    inferred = new_graph()
    union = new_graph()
    memo: dict[Any, Any] = {}

    def convert(term: Any) -> Any:
        found = memo.get(term)
        if found is None:
            found = memo[term] = to_rdflib(term)
        return found

    for quad in quads:
        triple = (convert(quad.subject), convert(quad.predicate), convert(quad.object))
        if _graph(quad) == prefixes.INFERRED_GRAPH:
            if not reason:
                continue
            inferred.add(triple)
        else:
            asserted.add(triple)
        union.add(triple)
    return KnowledgeGraph(
        asserted=asserted,
        inferred=inferred,
        union=union,
        files=tuple(files),
        inconsistencies=tuple(inconsistencies),
    )


def load_store(
    extra: Iterable[Path | str] = (), *, files: Sequence[Path] | None = None
) -> ox.Store:
    """An in-memory Oxigraph store of the project graph (+ ``extra``), asserted and inferred.

    ``files`` replaces the project's file list (tests, benchmarks). Warm: loaded straight from
    the cache entry, with neither rdflib nor pyshacl imported. Cold: the graph is built
    (rdflib + owlrl) and cached first.
    """
    files = list(files) if files is not None else _files(extra)
    if enabled():
        key = fingerprint(files)
        entry = read(key)
        if entry is not None:
            store = _store_from(entry)
            if store is not None:
                return store
            _remove(entry_path(key))
    from aifactories.engines import knowledge_graph_quads

    kg = knowledge_graph(files)

    store = ox.Store()
    store.bulk_extend(knowledge_graph_quads(kg))
    return store


def _store_from(entry: Entry) -> ox.Store | None:
    store = ox.Store()
    try:
        store.load(entry.body, format=ox.RdfFormat.N_QUADS)
    except (SyntaxError, ValueError, OSError) as exc:
        log.warning("discarding corrupt cache entry %s: %s", entry_path(entry.key), exc)
        return None
    expected = int(entry.meta.get("asserted", -1)) + int(entry.meta.get("inferred", -1))
    if len(store) != expected:
        log.warning("discarding corrupt cache entry %s: counts differ", entry_path(entry.key))
        return None
    return store


def _files(extra: Iterable[Path | str]) -> list[Path]:
    """The loader's file list (``graph.load``'s), computed without importing rdflib."""
    out: list[Path] = [resources.ontology_file(), *resources.data_files()]
    for raw in extra:
        path = Path(raw)
        if path.is_dir():
            suffixes = (".ttl", ".nt", ".n3", ".jsonld", ".rdf", ".owl", ".xml")
            out.extend(sorted(p for p in path.rglob("*") if p.suffix in suffixes))
        elif path.is_file():
            out.append(path)
        else:
            from aifactories.errors import InputError

            raise InputError(f"{path}: no such file or folder")
    seen: set[Path] = set()
    unique: list[Path] = []
    for path in out:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            unique.append(path)
    return unique
