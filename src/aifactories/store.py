"""A persistent on-disk Oxigraph store of the graph, for graphs too big to parse per process.

``aifactories load --store DIR`` writes the asserted and inferred triples into an Oxigraph
(RocksDB) store under ``DIR/oxigraph`` with a small ``DIR/aifactories-store.json`` beside it
(triple counts, source files and their fingerprint, reasoner inconsistencies). ``query --store``
and ``serve --store`` open it read-only: no Turtle is parsed and no closure computed again.
The store is built in a sibling folder and swapped in when complete, so a failed or interrupted
build never leaves a half-written store where a good one was.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from aifactories import prefixes
from aifactories.errors import InputError
from aifactories.progress import progress

if TYPE_CHECKING:
    from aifactories.graph import KnowledgeGraph

META_FILE = "aifactories-store.json"
DB_FOLDER = "oxigraph"
STORE_FORMAT = 1


@dataclass
class OpenStore:
    """A store opened read-only, with what ``load --store`` recorded about it."""

    path: Path
    store: ox.Store
    meta: dict[str, Any]

    @property
    def inconsistencies(self) -> tuple[str, ...]:
        return tuple(self.meta.get("inconsistencies", ()))

    def is_stale(self) -> bool:
        """Whether the files it was built from have changed since (by content)."""
        from aifactories.cache import fingerprint

        files = [Path(p) for p in self.meta.get("files", ())]
        if not all(p.is_file() for p in files):
            return True
        reasoner = self.meta.get("reasoner", "rules")
        return fingerprint(files, reasoner=reasoner) != self.meta.get("fingerprint")


def _counted(items: Iterable[Any], advance: Callable[[int], None], every: int = 10_000) -> Iterator:
    n = 0
    for item in items:
        yield item
        n += 1
        if n == every:
            advance(n)
            n = 0
    advance(n)


# --- Building ------------------------------------------------------------------------------


def build_store(
    directory: Path | str, extra: Sequence[Path | str] = (), kg: KnowledgeGraph | None = None
) -> OpenStore:
    """Write the project graph (+ ``extra``), asserted and inferred, as a store in ``directory``.

    ``directory`` must be absent, empty, or a store written before (which is replaced).
    """
    from aifactories import cache
    from aifactories.graph import default_reasoner

    target = Path(directory)
    _check_replaceable(target)
    if kg is None:
        from aifactories.graph import load

        with progress("parsing and reasoning"):
            kg = load(extra)
    reasoner = default_reasoner()
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        partial.mkdir(parents=True)
    except OSError as exc:
        raise InputError(f"{target}: cannot write the store: {exc.strerror or exc}") from None
    try:
        db = ox.Store(str(partial / DB_FOLDER))
        asserted, inferred = kg.triples
        with progress("writing the store", len(asserted) + len(inferred)) as advance:
            db.bulk_extend(_counted(kg.quads(), advance))
        db.flush()
        db.optimize()
        counts = _counts(db)
        del db  # closes the database before the folder moves
        meta = {
            "format": STORE_FORMAT,
            "asserted": counts[prefixes.ASSERTED_GRAPH],
            "inferred": counts[prefixes.INFERRED_GRAPH],
            "files": [str(Path(p).resolve()) for p in kg.files],
            "fingerprint": cache.fingerprint(list(kg.files), reasoner=reasoner),
            "reasoner": reasoner,
            "inconsistencies": list(kg.inconsistencies),
        }
        (partial / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        _swap(partial, target)
    except BaseException as exc:
        shutil.rmtree(partial, ignore_errors=True)
        if isinstance(exc, OSError):
            raise InputError(f"{target}: cannot write the store: {exc.strerror or exc}") from None
        raise
    return open_store(target)


def _counts(db: ox.Store) -> dict[str, int]:
    out: dict[str, int] = {}
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    for row in db.query(query):
        out[row["g"].value] = int(row["n"].value)
    out.setdefault(prefixes.ASSERTED_GRAPH, 0)
    out.setdefault(prefixes.INFERRED_GRAPH, 0)
    return out


def recover(target: Path) -> None:
    """Undo what a killed ``build_store`` left: a store renamed aside but not replaced is put
    back; folders of builds whose process is gone are deleted."""
    if not target.exists():
        olds = sorted(target.parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime)
        if olds and (olds[-1] / META_FILE).is_file():
            os.replace(olds[-1], target)
    for left in target.parent.glob(f".{target.name}.*-*"):
        pid = left.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(left, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _check_replaceable(target: Path) -> None:
    recover(target)
    if not target.exists():
        return
    if not target.is_dir():
        raise InputError(f"{target}: exists and is not a folder")
    if any(target.iterdir()) and not (target / META_FILE).is_file():
        raise InputError(
            f"{target}: folder is not empty and holds no store written by 'aifactories load "
            "--store'; choose another folder"
        )


def _swap(partial: Path, target: Path) -> None:
    """Put the finished store in place: rename the old one aside, rename, delete the old one."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(partial, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# --- Opening -------------------------------------------------------------------------------


def open_store(directory: Path | str) -> OpenStore:
    """Open a store written by ``build_store`` read-only; InputError if it is not one."""
    path = Path(directory)
    with contextlib.suppress(OSError):
        recover(path)
    meta_path = path / META_FILE
    if not meta_path.is_file() or not (path / DB_FOLDER).is_dir():
        raise InputError(
            f"{path}: not a store written by 'aifactories load --store' (build it first)"
        )
    from aifactories.inputs import read_file

    try:
        meta = json.loads(read_file(meta_path, "CACHE_MB"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{meta_path}: unreadable store description: {exc}") from None
    if not isinstance(meta, dict) or meta.get("format") != STORE_FORMAT:
        raise InputError(f"{path}: store written by another version; rebuild it with load --store")
    try:
        db = ox.Store.read_only(str(path / DB_FOLDER))
    except OSError as exc:
        raise InputError(f"{path}: cannot open the store: {exc}") from None
    return OpenStore(path, db, meta)


def knowledge_graph_from_store(opened: OpenStore) -> KnowledgeGraph:
    """rdflib graphs read from the store (for the rdflib engine and the web pages)."""
    from aifactories.graph import knowledge_graph_from_quads

    quads = opened.store.quads_for_pattern(None, None, None, None)
    files = tuple(Path(p) for p in opened.meta.get("files", ()))
    return knowledge_graph_from_quads(quads, files, opened.inconsistencies)
