"""A versioned, self-describing linked-data release: ``aifactories release OUT_DIR``.

``OUT_DIR/<version>/`` (the version is the ontology's ``owl:versionInfo``) holds the dataset in
every export format (triple formats: asserted + inferred merged; quad formats: each in its named
graph), gzip'd N-Quads, the JSON-LD context on its own (the JSON-LD file carries it inline, so it
parses from a string with no base and no network), the ontology alone (Turtle) and its pyLODE
documentation (HTML), a DCAT-AP 3 description of the dataset with a distribution per file
(relative download URL, media type, format, size, SHA-256), the VoID description and a
``SHA256SUMS`` file. Everything refers to the other files by relative IRI, so the folder can be
served or moved anywhere and nothing is ever fetched from the network.

Releases are reproducible: the same data gives byte-identical files (``aifactories.exports`` is
deterministic, gzip carries no timestamp or name, pyLODE gets the ontology in canonical order),
and the dates in the metadata come from ``SOURCE_DATE_EPOCH`` or else the ontology's
``dcterms:modified``, never the clock.

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
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from aifactories import exports, resources
from aifactories.errors import InputError
from aifactories.graph import KnowledgeGraph, parse_file
from aifactories.namespaces import BASE, ONTOLOGY_IRI, bind_prefixes, new_graph
from aifactories.void import DATA_LICENSE, DATASET_IRI, stats, void_description

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
#: dcat:version is DCAT 3; rdflib's DCAT namespace is DCAT 2.
DCAT_VERSION = URIRef(str(DCAT) + "version")
#: Media types as DCAT-AP names them (IANA's registry, http scheme).
IANA = "http://www.iana.org/assignments/media-types/"
#: The EU Publications Office's authority lists that DCAT-AP asks for.
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
FILE_TYPE = EU_AUTHORITY + "file-type/"
DATA_THEME = URIRef(EU_AUTHORITY + "data-theme")
DCATAP = Namespace("http://data.europa.eu/r5r/")
#: dcatap:availability of every file: a release folder is versioned and kept as it is.
STABLE = URIRef(EU_AUTHORITY + "planned-availability/STABLE")
#: dcat:theme: "Science and technology" of the EU data-theme list.
THEMES = {URIRef(EU_AUTHORITY + "data-theme/TECH"): "Science and technology"}
KEYWORDS = (
    "AI Factories",
    "AI Factory Antennas",
    "EuroHPC",
    "supercomputing",
    "artificial intelligence",
    "linked data",
)
#: The project's contributors as an agent (creator and publisher of the dataset).
CONTRIBUTORS = URIRef(BASE + "id/agent/contributors")
CONTACT = URIRef(BASE + "id/agent/contributors#contact")
#: What each released file is, for its DCAT distribution: EU file type, IANA media type.
FILE_FORMATS = {
    ".ttl": ("RDF_TURTLE", "text/turtle"),
    ".nt": ("RDF_N_TRIPLES", "application/n-triples"),
    ".nq": ("RDF_N_QUADS", "application/n-quads"),
    ".trig": ("RDF_TRIG", "application/trig"),
    ".jsonld": ("JSON_LD", "application/ld+json"),
    ".rdf": ("RDF_XML", "application/rdf+xml"),
    ".html": ("HTML", "text/html"),
    "": ("TXT", "text/plain"),
}
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
    "jsonld": f"JSON-LD: {_MERGED} (context inline)",
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
    env: dict[str, str] | None = None,
) -> Release:
    """Write the release of ``kg`` into ``out_dir/<version>/`` (see the module docstring).

    ``prior_version`` (an ontology version IRI) overrides the one found in ``out_dir``. An
    existing folder for this version is an InputError unless ``force`` replaces it. ``issued``
    defaults to ``release_date`` (``SOURCE_DATE_EPOCH`` in ``env``, else the data's date).
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
        _write_all(kg, tmp, result, issued or release_date(kg, env))
        _swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result


def release_date(kg: KnowledgeGraph, env: dict[str, str] | None = None) -> dt.date:
    """The release's date: ``SOURCE_DATE_EPOCH`` (reproducible builds' convention) when set,
    else the ontology's ``dcterms:modified`` (the data version's date); never the clock."""
    env = dict(os.environ) if env is None else env
    epoch = env.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
        except (ValueError, OverflowError, OSError):
            raise InputError(
                f"SOURCE_DATE_EPOCH must be a count of seconds since 1970, got {epoch!r}"
            ) from None
    modified = kg.asserted.value(URIRef(ONTOLOGY_IRI), DCTERMS.modified)
    try:
        return dt.date.fromisoformat(str(modified)[:10])
    except ValueError:
        raise InputError(
            f"the ontology <{ONTOLOGY_IRI}> states no dcterms:modified date (or it is not "
            "YYYY-MM-DD); set SOURCE_DATE_EPOCH to date the release"
        ) from None


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
    dist: dict[str, str] = {}  # file -> title, in the order written
    for name, spec in exports.FORMATS.items():
        data = exports.serialize(kg, name, inferred=True)
        file_name = STEM + spec.suffix
        _write(folder / file_name, data, result)
        dist[file_name] = _TITLES[name]
        if name == "nquads":
            _write(folder / NQUADS_GZ, _gzip(data), result)
            dist[NQUADS_GZ] = f"N-Quads, gzip'd: {_QUADS}"
    context = {"@context": exports.jsonld_context()}
    _write(folder / CONTEXT_FILE, _json(context), result)
    dist[CONTEXT_FILE] = "JSON-LD context: the project's prefixes"
    ontology = exports.canonical_graph(_ontology(result.prior_version))
    _write(folder / ONTOLOGY_FILE, ontology.serialize(format="turtle", encoding="utf-8"), result)
    dist[ONTOLOGY_FILE] = "The ontology alone (Turtle)"
    _write(folder / ONTOLOGY_HTML, ontology_html(ontology).encode("utf-8"), result)
    dist[ONTOLOGY_HTML] = "The ontology's documentation (HTML, made by pyLODE)"
    void = void_description(
        stats(kg.union),
        len(kg.asserted),
        len(kg.inferred),
        TITLE,
        dumps=[_HERE + name for name in dist if name.startswith(STEM)],
    )
    _write(folder / VOID_FILE, relative_turtle(void), result)
    dist[VOID_FILE] = "VoID description: counts, partitions, linksets (Turtle)"
    dist[DCAT_FILE] = "DCAT-AP description of the release (this file: no checksum of itself)"
    dist[SUMS_FILE] = "SHA-256 checksums of every other file (sha256sum -c reads it)"
    dcat = dcat_description(folder, dist, kg, result, issued)
    _write(folder / DCAT_FILE, relative_turtle(dcat), result)
    sums = "".join(f"{_sha256(folder / name)}  {name}\n" for name in sorted(result.files))
    _write(folder / SUMS_FILE, sums.encode("ascii"), result)


def _gzip(data: bytes) -> bytes:
    """gzip without a file name or a timestamp (mtime 0), so the bytes depend on ``data`` only."""
    return gzip.compress(data, compresslevel=9, mtime=0)


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
            return OntPub(ontology=copy, sort_subjects=True).make_html()
        except Exception as exc:  # pyLODE raises its own and plain errors for a bad ontology
            raise InputError(f"pyLODE could not document the ontology: {exc}") from exc


def dcat_description(
    folder: Path,
    dist: dict[str, str],
    kg: KnowledgeGraph,
    result: Release,
    issued: dt.date,
) -> Graph:
    """DCAT-AP 3 for the release: the dataset with its agents, contact point, keywords, theme,
    licence and version, and per file a distribution with download URL, media type, format and,
    for every file already written, its size and SHA-256."""
    g = new_graph()
    g.bind("spdx", SPDX)
    g.bind("vcard", VCARD)
    g.bind("dcatap", DCATAP)
    d = DATASET_IRI
    ontology = URIRef(ONTOLOGY_IRI)
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, DCTERMS.title, Literal(TITLE, lang="en")))
    g.add((d, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    g.add((d, DCTERMS.license, DATA_LICENSE))
    g.add((DATA_LICENSE, RDF.type, DCTERMS.LicenseDocument))
    g.add((DATA_LICENSE, RDFS.label, Literal("Creative Commons Attribution 4.0", lang="en")))
    for role in (DCTERMS.creator, DCTERMS.publisher):
        g.add((d, role, CONTRIBUTORS))
    g.add((CONTRIBUTORS, RDF.type, FOAF.Agent))
    g.add((CONTRIBUTORS, RDF.type, FOAF.Organization))
    for name in kg.asserted.objects(ontology, DCTERMS.creator):
        g.add((CONTRIBUTORS, FOAF.name, Literal(str(name), lang="en")))
    g.add((d, DCAT.contactPoint, CONTACT))
    g.add((CONTACT, RDF.type, VCARD.Kind))  # DCAT-AP's range; validators do not infer it
    g.add((CONTACT, RDF.type, VCARD.Organization))
    g.add((CONTACT, VCARD.fn, Literal(TITLE + " contributors", lang="en")))
    g.add((CONTACT, VCARD.hasURL, URIRef(BASE)))
    for keyword in KEYWORDS:
        g.add((d, DCAT.keyword, Literal(keyword, lang="en")))
    g.add((STABLE, RDF.type, SKOS.Concept))
    g.add((STABLE, SKOS.prefLabel, Literal("Stable", lang="en")))
    g.add((DATA_THEME, RDF.type, SKOS.ConceptScheme))
    g.add((DATA_THEME, DCTERMS.title, Literal("Data theme", lang="en")))
    for theme, label in THEMES.items():
        g.add((d, DCAT.theme, theme))
        g.add((theme, RDF.type, SKOS.Concept))
        g.add((theme, SKOS.prefLabel, Literal(label, lang="en")))
        g.add((theme, SKOS.inScheme, DATA_THEME))
    g.add((d, DCAT_VERSION, Literal(result.version)))
    g.add((d, OWL.versionInfo, Literal(result.version)))
    g.add((d, DCTERMS.issued, Literal(issued.isoformat(), datatype=XSD.date)))
    g.add((d, DCTERMS.modified, Literal(issued.isoformat(), datatype=XSD.date)))
    g.add((d, DCTERMS.conformsTo, ontology))
    g.add((ontology, RDF.type, DCTERMS.Standard))
    g.add((d, FOAF.page, URIRef(_HERE + ONTOLOGY_HTML)))
    g.add((URIRef(_HERE + ONTOLOGY_HTML), RDF.type, FOAF.Document))
    g.add((d, RDFS.seeAlso, URIRef(_HERE + VOID_FILE)))
    for name, title in dist.items():
        node = BNode()
        file_type, media_type = _file_format(name)
        g.add((d, DCAT.distribution, node))
        g.add((node, RDF.type, DCAT.Distribution))
        g.add((node, DCTERMS.title, Literal(name)))
        g.add((node, DCTERMS.description, Literal(title, lang="en")))
        g.add((node, DCATAP.availability, STABLE))
        g.add((node, DCAT.downloadURL, URIRef(_HERE + name)))
        g.add((node, DCAT.accessURL, URIRef(_HERE + name)))
        g.add((node, DCAT.mediaType, URIRef(IANA + media_type)))
        g.add((URIRef(IANA + media_type), RDF.type, DCTERMS.MediaType))
        g.add((node, DCTERMS["format"], URIRef(FILE_TYPE + file_type)))
        g.add((URIRef(FILE_TYPE + file_type), RDF.type, DCTERMS.MediaTypeOrExtent))
        if name.endswith(".gz"):
            g.add((node, DCAT.compressFormat, URIRef(IANA + "application/gzip")))
            g.add((URIRef(IANA + "application/gzip"), RDF.type, DCTERMS.MediaType))
        g.add((node, DCTERMS.license, DATA_LICENSE))
        path = folder / name
        if not path.is_file():  # dataset.ttl and SHA256SUMS: written after this description
            continue
        g.add((node, DCAT.byteSize, Literal(path.stat().st_size, datatype=XSD.nonNegativeInteger)))
        checksum = BNode()
        g.add((node, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(_sha256(path), datatype=XSD.hexBinary)))
    return g


def _file_format(name: str) -> tuple[str, str]:
    """(EU file type, IANA media type) of a released file, by its suffix."""
    suffix = Path(name.removesuffix(".gz")).suffix
    return FILE_FORMATS[suffix if suffix in FILE_FORMATS else ""]


def relative_turtle(graph: Graph) -> bytes:
    """Turtle in which the release's own files are relative IRIs (resolved against the file)."""
    graph = bind_prefixes(exports.canonical_graph(graph))
    for prefix, namespace in (("spdx", SPDX), ("vcard", VCARD), ("dcatap", DCATAP)):
        graph.bind(prefix, namespace)
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
