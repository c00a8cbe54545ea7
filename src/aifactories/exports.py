"""Serialisations of the graph, written atomically.

Triple formats carry the asserted graph (ontology + data) or, with ``inferred``, the union that
queries run on. Quad formats keep asserted and inferred triples in their own named graphs.
JSON-LD gets an inline context of the project's prefixes: no remote context is ever referenced.

Output is deterministic: the same triples give the same bytes, whatever order they were loaded in
and whatever labels their blank nodes had (blank nodes are relabelled by content, RDF graph
canonicalisation; triples go to the serialiser in sorted order; line formats are sorted lines).
So a release can be cited and mirrored by checksum.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import BNode, Dataset, Graph
from rdflib.term import Node

from aifactories.errors import InputError
from aifactories.graph import KnowledgeGraph
from aifactories.namespaces import (
    ASSERTED_GRAPH,
    INFERRED_GRAPH,
    PREFIXES,
    bind_prefixes,
    new_graph,
)


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
    """The asserted graph (or, with ``inferred``, asserted + inferred) in format ``fmt``,
    byte-for-byte the same for the same triples (see the module docstring)."""
    spec = export_format(fmt)
    if spec.quads:
        named: list[tuple[Node, Graph]] = [(ASSERTED_GRAPH, kg.asserted)]
        if inferred:
            named.append((INFERRED_GRAPH, kg.inferred))
        return serialize_graph(canonical_dataset(named), spec)
    return serialize_graph(canonical_graph(kg.union if inferred else kg.asserted), spec)


#: Formats written by pyoxigraph, whose serialisers keep the order of the triples they are given
#: (rdflib's RDF/XML and TriG serialisers follow the hash order of its store).
_OXIGRAPH_FORMATS = {"xml": "RDF_XML", "trig": "TRIG"}


def serialize_graph(data: Graph, spec: ExportFormat) -> bytes:
    """``data`` (a canonical graph or dataset, see ``canonical_graph``) in ``spec``'s syntax,
    deterministically: line formats as sorted lines, RDF/XML and TriG written by pyoxigraph from
    those sorted lines, JSON-LD with its arrays of nodes and values sorted, Turtle by rdflib
    (which sorts subjects and predicates itself)."""
    if spec.rdflib_name == "json-ld":
        raw = data.serialize(
            format="json-ld", context=jsonld_context(), auto_compact=True, encoding="utf-8"
        )
        doc = _sorted_json(json.loads(raw))
        return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if spec.rdflib_name not in ("nt", "nquads") and spec.name not in _OXIGRAPH_FORMATS:
        return data.serialize(format=spec.rdflib_name, encoding="utf-8")
    raw = data.serialize(format="nquads" if spec.quads else "nt", encoding="utf-8")
    lines = sorted({line for line in raw.split(b"\n") if line.strip()})
    out = b"".join(line + b"\n" for line in lines)
    if spec.name in _OXIGRAPH_FORMATS:
        import pyoxigraph as ox

        source = ox.RdfFormat.N_QUADS if spec.quads else ox.RdfFormat.N_TRIPLES
        out = ox.serialize(
            ox.parse(out, format=source),
            format=getattr(ox.RdfFormat, _OXIGRAPH_FORMATS[spec.name]),
            prefixes={prefix: str(namespace) for prefix, namespace in PREFIXES.items()},
        )
    return out


def _sorted_json(value: Any, keep_order: bool = False) -> Any:
    """A JSON-LD document with every array sorted except ``@list`` values (ordered in RDF)."""
    if isinstance(value, dict):
        return {key: _sorted_json(item, key == "@list") for key, item in sorted(value.items())}
    if isinstance(value, list):
        items = [_sorted_json(item) for item in value]
        if keep_order:
            return items
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value


def _key(triple: tuple[Node, Node, Node]) -> tuple[str, str, str]:
    return (triple[0].n3(), triple[1].n3(), triple[2].n3())


def canonical_graph(graph: Graph, identifier: Node | None = None) -> Graph:
    """A copy of ``graph`` with content-derived blank node labels and its triples added in
    sorted order (rdflib's memory store keeps insertion order, which its serialisers follow)."""
    triples: Graph = graph
    if any(isinstance(t, BNode) for s, _, o in graph for t in (s, o)):
        from rdflib.compare import to_canonical_graph

        triples = to_canonical_graph(graph)
    out = new_graph(str(identifier) if identifier is not None else None)
    for triple in sorted(triples, key=_key):  # type: ignore[arg-type]
        out.add(triple)
    return out


def canonical_dataset(named: list[tuple[Node, Graph]]) -> Dataset:
    """A Dataset of the named graphs, each canonical (``canonical_graph``), in the order given.

    Blank nodes are relabelled per graph: a blank node shared by two graphs would become two
    (the project's inferred graph holds none, see ``aifactories.reasoning``).
    """
    ds = Dataset()
    bind_prefixes(ds)
    for name, graph in named:
        target = ds.graph(name)
        for triple in canonical_graph(graph):
            target.add(triple)
    return ds


def write_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` so that readers see the old file or the new one, never half.

    Only a regular file (or a new one) gets the temporary file + fsync + rename treatment; the
    rest is written *into*, as a shell redirection would: ``-`` is standard output, a device
    (/dev/null, /dev/full) or a FIFO is opened and written, never replaced by a file; a symbolic
    link is written through (its target is replaced, the link stays). A failed write leaves the
    old file alone and no temporary file behind.
    """
    if str(target) == "-":
        out = sys.stdout.buffer
        out.write(data)
        out.flush()
        return
    if target.is_symlink():
        target = target.resolve()  # write through the link: the link itself is kept
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise InputError(f"{target}: cannot write: {exc.strerror or exc}") from exc
    if mode is not None and stat.S_ISDIR(mode):
        raise InputError(f"{target}: is a folder")
    if mode is not None and not stat.S_ISREG(mode):
        _write_into(target, data)
        return
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{target}: folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"{target}: cannot write: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode & 0o777 if mode is not None else 0o644)
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"{target}: cannot write: {exc.strerror or exc}") from exc
        raise


def _write_into(target: Path, data: bytes) -> None:
    """Write into a device or FIFO (opened, never created, truncated or renamed over)."""
    try:
        fd = os.open(target, os.O_WRONLY)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
    except OSError as exc:
        raise InputError(f"{target}: cannot write: {exc.strerror or exc}") from exc


def export(
    kg: KnowledgeGraph, fmt: str, *, inferred: bool = False, output: Path | None = None
) -> bytes:
    """Serialise and, when ``output`` is given, write atomically; returns the bytes either way."""
    data = serialize(kg, fmt, inferred=inferred)
    if output is not None:
        write_atomic(output, data)
    return data
