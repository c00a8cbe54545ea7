"""A versioned, self-describing linked-data release: ``aifactories release OUT_DIR``.

``OUT_DIR/<version>/`` (the version is the ontology's ``owl:versionInfo``) holds the dataset in
every export format (triple formats: asserted + inferred merged; quad formats: each in its named
graph), gzip'd N-Quads, the JSON-LD context the JSON-LD file points to by relative IRI, the
ontology alone (Turtle) and its pyLODE documentation (HTML), a DCAT description of the dataset
with a distribution per file (relative download URL, size, SHA-256), the VoID description and a
``SHA256SUMS`` file. Everything refers to the other files by relative IRI, so the folder can be
served or moved anywhere and nothing is ever fetched from the network.

The folder is built next to its final place and renamed into it: readers see the whole release or
none of it. Releasing a new version into a folder that holds an older one adds
``owl:priorVersion`` to the ontology of the new release.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, XSD

from aifactories import exports, resources
from aifactories.errors import InputError
from aifactories.graph import KnowledgeGraph, parse_file
from aifactories.namespaces import ONTOLOGY_IRI, bind_prefixes, new_graph
from aifactories.void import DATA_LICENSE, DATASET_IRI, stats, void_description

SPDX = Namespace("http://spdx.org/rdf/terms#")
#: dcat:version is DCAT 3; rdflib's DCAT namespace is DCAT 2.
DCAT_VERSION = URIRef(str(DCAT) + "version")
IANA = "https://www.iana.org/assignments/media-types/"
TITLE = "AI Factories Knowledge Graph"
DESCRIPTION = (
    "The EuroHPC AI Factories network as linked data: the ontology and the sourced facts (the "
    "asserted graph) and their OWL RL closure (the inferred graph)."
)
STEM = "aifactories"
CONTEXT_FILE = "context.jsonld"
ONTOLOGY_FILE = "ontology.ttl"
ONTOLOGY_HTML = "ontology.html"
DCAT_FILE = "dataset.ttl"
VOID_FILE = "void.ttl"
SUMS_FILE = "SHA256SUMS"
NQUADS_GZ = f"{STEM}.nq.gz"
#: IRIs written relative to the release folder are minted under this placeholder first.
_HERE = "http://release.invalid/"
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._+-]*$")

_MERGED = "asserted and inferred triples merged"
_QUADS = "asserted and inferred triples, each in its named graph"
_TITLES = {
    "turtle": f"Turtle: {_MERGED}",
    "nt": f"N-Triples: {_MERGED}",
    "nquads": f"N-Quads: {_QUADS}",
    "trig": f"TriG: {_QUADS}",
    "jsonld": f"JSON-LD: {_MERGED} (its context is context.jsonld)",
    "xml": f"RDF/XML: {_MERGED}",
}


@dataclass
class Release:
    """What ``release`` wrote."""

    folder: Path
    version: str
    version_iri: str
    prior_version: str | None
    files: dict[str, int] = field(default_factory=dict)


def ontology_version(graph: Graph) -> tuple[str, str]:
    """(``owl:versionInfo``, ``owl:versionIRI``) of the project's ontology in ``graph``."""
    ontology = URIRef(ONTOLOGY_IRI)
    info = graph.value(ontology, OWL.versionInfo)
    iri = graph.value(ontology, OWL.versionIRI)
    if info is None or iri is None:
        raise InputError(f"the ontology <{ONTOLOGY_IRI}> states no owl:versionInfo/versionIRI")
    version = str(info)
    if not _VERSION.match(version):
        raise InputError(f"owl:versionInfo {version!r} cannot name a folder")
    return version, str(iri)


def _version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key: numeric parts as numbers (0.10.0 after 0.9.0), other parts as text."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.+-]", version))


def find_prior(out_dir: Path, version: str) -> str | None:
    """The ``owl:versionIRI`` of the newest release in ``out_dir`` older than ``version``."""
    if not out_dir.is_dir():
        return None
    older: list[tuple[tuple, str]] = []
    for folder in out_dir.iterdir():
        path = folder / ONTOLOGY_FILE
        if folder.name.startswith(".") or not path.is_file():
            continue
        try:
            their_version, their_iri = ontology_version(parse_file(path))
        except InputError:
            continue
        if _version_key(their_version) < _version_key(version):
            older.append((_version_key(their_version), their_iri))
    return max(older)[1] if older else None


def release(
    kg: KnowledgeGraph,
    out_dir: Path,
    *,
    force: bool = False,
    prior_version: str | None = None,
    issued: dt.date | None = None,
) -> Release:
    """Write the release of ``kg`` into ``out_dir/<version>/`` (see the module docstring).

    ``prior_version`` (an ontology version IRI) overrides the one found in ``out_dir``. An
    existing folder for this version is an InputError unless ``force`` replaces it.
    """
    version, version_iri = ontology_version(kg.asserted)
    target = out_dir / version
    if target.exists() and not force:
        raise InputError(f"{target} exists: this version is released (--force replaces it)")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot create: {exc.strerror or exc}") from exc
    prior = prior_version or find_prior(out_dir, version)
    if prior == version_iri:
        prior = None
    kg = _with_prior_version(kg, prior)
    result = Release(target, version, version_iri, prior)
    try:
        tmp = Path(tempfile.mkdtemp(dir=out_dir, prefix=f".{version}."))
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot write: {exc.strerror or exc}") from exc
    try:
        _write_all(kg, tmp, result, issued or dt.datetime.now(dt.UTC).date())
        _swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result


def _with_prior_version(kg: KnowledgeGraph, prior: str | None) -> KnowledgeGraph:
    """``kg`` with ``<ontology> owl:priorVersion <prior>`` added (a copy: ``kg`` is shared)."""
    if prior is None:
        return kg
    triple = (URIRef(ONTOLOGY_IRI), OWL.priorVersion, URIRef(prior))
    asserted = new_graph(str(kg.asserted.identifier))
    asserted += kg.asserted
    asserted.add(triple)
    union = new_graph()
    union += kg.union
    union.add(triple)
    return KnowledgeGraph(asserted, kg.inferred, union, kg.files, kg.inconsistencies)


def _write_all(kg: KnowledgeGraph, folder: Path, result: Release, issued: dt.date) -> None:
    dist: dict[str, tuple[str, str]] = {}  # file -> (title, media type)
    for name, spec in exports.FORMATS.items():
        data = exports.serialize(kg, name, inferred=True)
        file_name = STEM + spec.suffix
        if name == "jsonld":
            data = _linked_context(data)
        _write(folder / file_name, data, result)
        dist[file_name] = (_TITLES[name], spec.media_type)
        if name == "nquads":
            _write(folder / NQUADS_GZ, gzip.compress(data, mtime=0), result)
            dist[NQUADS_GZ] = (f"N-Quads, gzip'd: {_QUADS}", spec.media_type)
    context = {"@context": exports.jsonld_context()}
    _write(folder / CONTEXT_FILE, _json(context), result)
    ontology = _ontology(result.prior_version)
    _write(folder / ONTOLOGY_FILE, ontology.serialize(format="turtle", encoding="utf-8"), result)
    _write(folder / ONTOLOGY_HTML, ontology_html(ontology).encode("utf-8"), result)
    void = void_description(
        stats(kg.union),
        len(kg.asserted),
        len(kg.inferred),
        TITLE,
        dumps=[_HERE + name for name in dist],
    )
    _write(folder / VOID_FILE, relative_turtle(void), result)
    dcat = dcat_description(folder, dist, ontology, result, issued)
    _write(folder / DCAT_FILE, relative_turtle(dcat), result)
    sums = "".join(f"{_sha256(folder / name)}  {name}\n" for name in sorted(result.files))
    _write(folder / SUMS_FILE, sums.encode("ascii"), result)


def _write(path: Path, data: bytes, result: Release) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, 0o644)
    result.files[path.name] = len(data)


def _swap_in(tmp: Path, target: Path) -> None:
    """Rename the finished folder into place; an older folder of that name goes afterwards."""
    os.chmod(tmp, 0o755)
    old: Path | None = None
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _json(data: object) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _linked_context(data: bytes) -> bytes:
    """The JSON-LD export with its inline context replaced by a link to ``context.jsonld``."""
    doc = json.loads(data)
    if not isinstance(doc, dict) or "@context" not in doc:
        raise InputError("the JSON-LD export has no top-level @context")  # pragma: no cover
    doc["@context"] = CONTEXT_FILE
    return _json(doc)


def _ontology(prior: str | None) -> Graph:
    """The ontology file alone, with ``owl:priorVersion`` when there is an older release."""
    graph = parse_file(resources.ontology_file(), into=new_graph())
    if prior is not None:
        graph.add((URIRef(ONTOLOGY_IRI), OWL.priorVersion, URIRef(prior)))
    return graph


@contextlib.contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """pyLODE configures and logs to the root logger on import and while it works: keep it
    from printing into our output, and leave the logger as it was."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers = [logging.NullHandler()]
    try:
        yield
    finally:
        root.handlers = handlers
        root.setLevel(level)


def ontology_html(ontology: Graph) -> str:
    """The ontology's documentation page, made by pyLODE (offline: it only reads ``ontology``)."""
    with _quiet_root_logger():
        try:
            from pylode import OntPub
        except Exception as exc:  # pyLODE fails in several ways when badly installed
            raise InputError(f"pyLODE is not usable: {exc}") from exc
        copy = Graph()
        copy += ontology
        try:
            return OntPub(ontology=copy).make_html()
        except Exception as exc:  # pyLODE raises its own and plain errors for a bad ontology
            raise InputError(f"pyLODE could not document the ontology: {exc}") from exc


def dcat_description(
    folder: Path,
    dist: dict[str, tuple[str, str]],
    ontology: Graph,
    result: Release,
    issued: dt.date,
) -> Graph:
    """DCAT for the release: the dataset, and per file a distribution with size and SHA-256."""
    g = new_graph()
    g.bind("spdx", SPDX)
    d = DATASET_IRI
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, DCTERMS.title, Literal(TITLE, lang="en")))
    g.add((d, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    g.add((d, DCTERMS.license, DATA_LICENSE))
    for creator in ontology.objects(URIRef(ONTOLOGY_IRI), DCTERMS.creator):
        g.add((d, DCTERMS.creator, creator))
    g.add((d, DCAT_VERSION, Literal(result.version)))
    g.add((d, OWL.versionInfo, Literal(result.version)))
    g.add((d, DCTERMS.issued, Literal(issued.isoformat(), datatype=XSD.date)))
    g.add((d, DCTERMS.conformsTo, URIRef(ONTOLOGY_IRI)))
    g.add((d, FOAF.page, URIRef(_HERE + ONTOLOGY_HTML)))
    g.add((d, RDFS.seeAlso, URIRef(_HERE + VOID_FILE)))
    for name, (title, media_type) in dist.items():
        node = BNode()
        path = folder / name
        g.add((d, DCAT.distribution, node))
        g.add((node, RDF.type, DCAT.Distribution))
        g.add((node, DCTERMS.title, Literal(title, lang="en")))
        g.add((node, DCAT.downloadURL, URIRef(_HERE + name)))
        g.add((node, DCAT.accessURL, URIRef(_HERE + name)))
        g.add((node, DCAT.mediaType, URIRef(IANA + media_type)))
        if name.endswith(".gz"):
            g.add((node, DCAT.compressFormat, URIRef(IANA + "application/gzip")))
        g.add((node, DCTERMS.license, DATA_LICENSE))
        g.add((node, DCAT.byteSize, Literal(path.stat().st_size, datatype=XSD.nonNegativeInteger)))
        checksum = BNode()
        g.add((node, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(_sha256(path), datatype=XSD.hexBinary)))
    return g


def relative_turtle(graph: Graph) -> bytes:
    """Turtle in which the release's own files are relative IRIs (resolved against the file)."""
    bind_prefixes(graph)
    text = graph.serialize(format="turtle", base=_HERE)
    text = re.sub(rf"^@base <{re.escape(_HERE)}> \.\n", "", text, flags=re.MULTILINE)
    if _HERE in text:  # pragma: no cover - rdflib relativises every IRI under the base
        raise AssertionError("an IRI under the placeholder base was not made relative")
    return text.encode("utf-8")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
