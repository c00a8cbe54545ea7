"""Serialisations of the graph, written atomically.

Triple formats carry the asserted graph (ontology + data) or, with ``inferred``, the union that
queries run on. Quad formats keep asserted and inferred triples in their own named graphs.
JSON-LD gets an inline context of the project's prefixes: no remote context is ever referenced.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph

from aifactories.errors import InputError
from aifactories.graph import KnowledgeGraph
from aifactories.namespaces import ASSERTED_GRAPH, PREFIXES, bind_prefixes


@dataclass(frozen=True)
class ExportFormat:
    """A format the ``export`` command offers: rdflib's plugin name and whether it holds quads."""

    name: str
    rdflib_name: str
    suffix: str
    media_type: str
    quads: bool = False


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("turtle", "turtle", ".ttl", "text/turtle"),
        ExportFormat("nt", "nt", ".nt", "application/n-triples"),
        ExportFormat("nquads", "nquads", ".nq", "application/n-quads", quads=True),
        ExportFormat("trig", "trig", ".trig", "application/trig", quads=True),
        ExportFormat("jsonld", "json-ld", ".jsonld", "application/ld+json"),
        ExportFormat("xml", "xml", ".rdf", "application/rdf+xml"),
    )
}


def jsonld_context() -> dict[str, str]:
    """The inline JSON-LD context: the project's prefixes, so IRIs compact to CURIEs."""
    return {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}


def export_format(name: str) -> ExportFormat:
    """The format called ``name``; an unknown name is an InputError listing the choices."""
    try:
        return FORMATS[name]
    except KeyError:
        raise InputError(
            f"unknown export format {name!r}; choose one of {', '.join(FORMATS)}"
        ) from None


def serialize(kg: KnowledgeGraph, fmt: str, *, inferred: bool = False) -> bytes:
    """The asserted graph (or, with ``inferred``, asserted + inferred) in format ``fmt``."""
    spec = export_format(fmt)
    if spec.quads:
        data: Graph = kg.dataset() if inferred else _asserted_dataset(kg)
    else:
        data = kg.union if inferred else kg.asserted
    if spec.rdflib_name == "json-ld":
        return data.serialize(
            format="json-ld", context=jsonld_context(), auto_compact=True, encoding="utf-8"
        )
    return data.serialize(format=spec.rdflib_name, encoding="utf-8")


def _asserted_dataset(kg: KnowledgeGraph) -> Dataset:
    """A Dataset with only the asserted named graph (the quad form without inferences)."""
    ds = Dataset()
    bind_prefixes(ds)
    graph = ds.graph(ASSERTED_GRAPH)
    for triple in kg.asserted:
        graph.add(triple)
    return ds


def write_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file in the same folder and a rename.

    Readers see the old file or the new one, never a half-written file; a failed write leaves
    the old file alone and no temporary file behind.
    """
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{target}: folder {folder} does not exist")
    if target.is_dir():
        raise InputError(f"{target}: is a folder")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"{target}: cannot write: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"{target}: cannot write: {exc.strerror or exc}") from exc
        raise


def export(
    kg: KnowledgeGraph, fmt: str, *, inferred: bool = False, output: Path | None = None
) -> bytes:
    """Serialise and, when ``output`` is given, write atomically; returns the bytes either way."""
    data = serialize(kg, fmt, inferred=inferred)
    if output is not None:
        write_atomic(output, data)
    return data
