"""On-disk entries holding the parsed graph and its filtered closure, so each edit is paid once.

An entry is one N-Quads file (asserted and inferred named graphs) in the user cache directory
(``platformdirs``; ``AIFACTORIES_CACHE_DIR`` overrides it, ``AIFACTORIES_NO_CACHE=1`` turns the
cache off). Its key is made of exactly what shapes the closure: the contents of the ontology,
shapes and data files, the reasoner (its name and the code of ``reasoning.py`` and ``rules.py``)
and the versions of the libraries that parse and reason; so changing how a table prints keeps
the closure, and any edit to the data makes a new key. Entries are written atomically (temporary
file + ``os.replace``) and carry a SHA-256 of their body: an entry that is truncated, altered or
unparsable is deleted and rebuilt, never trusted.

This module only stores and checks bytes; ``aifactories.graph`` decides what goes in and reads
it back (it imports this module, never the other way round).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from aifactories import resources

log = logging.getLogger(__name__)

CACHE_DIR_ENV = "AIFACTORIES_CACHE_DIR"
NO_CACHE_ENV = "AIFACTORIES_NO_CACHE"
#: Bumped whenever the entry layout or the meaning of its content changes.
FORMAT = 2
MAGIC = f"# aifactories-cache {FORMAT}".encode()
#: Entries kept; older ones (by modification time) are removed when a new one is written.
KEEP = 8
#: Packages whose installed copy is part of the key (parsing, term conversion, reasoning);
#: pyoxigraph's version is read directly. The project's own part is the reasoner's code.
LIBRARIES = ("rdflib", "owlrl")
REASONER_CODE = ("reasoning.py", "rules.py")


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


def fingerprint(
    files: Sequence[Path],
    shapes: Path | None = None,
    *,
    reasoner: str = "rules",
    contents: Mapping[Path, bytes] | None = None,
) -> str:
    """The cache key: the inputs' contents, the reasoner and its code, library versions.

    ``contents`` gives files already read (each file is read once per process).
    """
    digest = hashlib.sha256(MAGIC + b"\n")
    for line in _versions():
        digest.update(line.encode() + b"\n")
    digest.update(f"reasoner {reasoner}\n".encode())
    here = Path(__file__).resolve().parent
    for code in REASONER_CODE:
        digest.update(_file_hash(here / code))
    shapes = shapes if shapes is not None else resources.shapes_file()
    for path in [*files, shapes]:
        known = contents.get(path) if contents is not None else None
        content = hashlib.sha256(known).digest() if known is not None else _file_hash(path)
        digest.update(str(path.name).encode() + b"\0" + content)
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
    from aifactories.errors import AIFactoriesError
    from aifactories.inputs import read_file

    path = entry_path(key)
    if not os.path.lexists(path):
        return None
    try:
        # only a regular file of sane size: a link to /dev/zero or a FIFO is not read
        data = read_file(path, "CACHE_MB")
        return _verify(key, data)
    except (CorruptCacheError, AIFactoriesError, OSError) as exc:
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
    for name in ("asserted", "inferred"):
        if not isinstance(meta.get(name), int):
            raise CorruptCacheError(f"metadata without a {name} count")
    if not isinstance(meta.get("inconsistencies", []), list):
        raise CorruptCacheError("malformed metadata")
    if hashlib.sha256(body).hexdigest() != meta.get("sha256"):
        raise CorruptCacheError("checksum mismatch")
    return Entry(key, meta, body)


def discard(key: str, why: Exception) -> None:
    """Delete an entry found unsound after reading (logged)."""
    log.warning("discarding corrupt cache entry %s: %s", entry_path(key), why)
    _remove(entry_path(key))


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


#: Largest small memo read back (a parsed query header is about 1 kB).
MEMO_MAX_BYTES = 1 << 20


def memo_path(kind: str, key: str) -> Path:
    return cache_dir() / "memo" / f"{kind}-{key}.json"


def read_memo(kind: str, key: str) -> Any | None:
    """A small JSON value stored under ``key`` (a content hash), or None when absent or unsound.

    For derived values that are cheap to keep and slow to recompute in a one-shot process
    (a stored query's parsed header costs PyYAML's 18 ms import; reading its memo, 0.1 ms).
    """
    if not enabled():
        return None
    path = memo_path(kind, key)
    try:
        if not path.is_file() or path.stat().st_size > MEMO_MAX_BYTES:
            return None
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def write_memo(kind: str, key: str, value: Any) -> None:
    """Store ``value`` as JSON under ``key``, atomically; a failure to write is only logged."""
    if not enabled():
        return
    path = memo_path(kind, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(value, out, ensure_ascii=True)
            os.replace(tmp, path)
        except BaseException:
            _remove(Path(tmp))
            raise
    except OSError as exc:
        log.debug("cannot write memo %s: %s", path, exc)


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
