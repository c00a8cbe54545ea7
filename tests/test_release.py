"""``aifactories release``: the dump describes itself, its checksums match, nothing is remote.

One release is written per module, through the CLI, into a folder that already holds a (made-up)
older release 0.0.1, so the new ontology must name it as its ``owl:priorVersion``. Two more are
built in fresh processes (different hash seeds, each with an empty cache) to show that the same
data gives byte-identical files. The DCAT description is checked with the official DCAT-AP 3.0.1
SHACL shapes (``tests/dcat_ap/``); the JSON-LD is read from a string, with no base and no
network, by rdflib and by PyLD.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, SH, VOID, XSD

from aifactories import release as rel
from aifactories.cli import main
from aifactories.errors import InputError
from aifactories.graph import KnowledgeGraph
from aifactories.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH, ONTOLOGY_IRI
from aifactories.void import DATASET_IRI

SPDX = rel.SPDX
ONTOLOGY = URIRef(ONTOLOGY_IRI)
PRIOR_IRI = "https://w3id.org/aifactories/ontology/0.0.1"
#: What a release holds, written out by hand.
EXPECTED_FILES = {
    "aifactories.ttl",
    "aifactories.nt",
    "aifactories.nq",
    "aifactories.nq.gz",
    "aifactories.trig",
    "aifactories.jsonld",
    "aifactories.rdf",
    "context.jsonld",
    "ontology.ttl",
    "ontology.html",
    "dataset.ttl",
    "void.ttl",
    "SHA256SUMS",
}
DATA_FILES = {n for n in EXPECTED_FILES if n.startswith("aifactories.")}
#: Files that cannot carry their own checksum: dataset.ttl describes the others, SHA256SUMS
#: lists dataset.ttl's.
UNSUMMED = {"dataset.ttl", "SHA256SUMS"}
DCAT_AP = Path(__file__).resolve().parent / "dcat_ap"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory, kg: KnowledgeGraph) -> Path:
    """OUT_DIR with the older release 0.0.1 (its ontology file only) and the new release."""
    out = tmp_path_factory.mktemp("releases")
    (out / "0.0.1").mkdir()
    (out / "0.0.1" / "ontology.ttl").write_text(
        f"""@prefix owl: <http://www.w3.org/2002/07/owl#> .
<{ONTOLOGY_IRI}> a owl:Ontology ; owl:versionInfo "0.0.1" ; owl:versionIRI <{PRIOR_IRI}> .
""",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["release", str(out)])
    assert result.exit_code == 0, result.output
    version = str(kg.asserted.value(ONTOLOGY, OWL.versionInfo))
    assert f"wrote {out / version} (13 files" in result.output
    return out / version


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _local(iri: URIRef) -> Path:
    assert iri.startswith("file://"), f"{iri} is not relative to the release folder"
    return Path(iri[len("file://") :])


def test_folder_holds_every_file_and_nothing_else(out: Path) -> None:
    assert {p.name for p in out.iterdir()} == EXPECTED_FILES
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")], "temporary left"


def test_folder_is_named_by_the_ontology_version(out: Path, kg: KnowledgeGraph) -> None:
    assert out.name == str(kg.asserted.value(ONTOLOGY, OWL.versionInfo))


def test_dcat_distributions_match_the_files(out: Path) -> None:
    dcat = Graph().parse(out / "dataset.ttl")
    assert (DATASET_IRI, RDF.type, DCAT.Dataset) in dcat
    seen = set()
    for dist in dcat.objects(DATASET_IRI, DCAT.distribution):
        path = _local(dcat.value(dist, DCAT.downloadURL))
        assert path.parent == out
        seen.add(path.name)
        assert dcat.value(dist, DCAT.mediaType) is not None
        assert dcat.value(dist, DCTERMS["format"]) is not None, path.name
        if path.name in UNSUMMED:
            continue
        assert int(dcat.value(dist, DCAT.byteSize)) == path.stat().st_size
        checksum = dcat.value(dist, SPDX.checksum)
        assert dcat.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(dcat.value(checksum, SPDX.checksumValue)) == _sha256(path)
    assert seen == EXPECTED_FILES, "every released file has a distribution"
    text = (out / "dataset.ttl").read_text(encoding="utf-8")
    assert "<aifactories.nq.gz>" in text and "@base" not in text, "download URLs are relative"


def test_dcat_names_agents_contact_keywords_theme_and_version(out: Path) -> None:
    dcat = Graph().parse(out / "dataset.ttl")
    for role in (DCTERMS.creator, DCTERMS.publisher):
        agent = dcat.value(DATASET_IRI, role)
        assert isinstance(agent, URIRef), f"{role} is an agent, not a literal"
        assert (agent, RDF.type, FOAF.Agent) in dcat and dcat.value(agent, FOAF.name) is not None
    contact = dcat.value(DATASET_IRI, DCAT.contactPoint)
    assert (contact, RDF.type, rel.VCARD.Kind) in dcat
    assert len(set(dcat.objects(DATASET_IRI, DCAT.keyword))) >= 3
    assert set(dcat.objects(DATASET_IRI, DCAT.theme)) == {
        URIRef("http://publications.europa.eu/resource/authority/data-theme/TECH")
    }
    assert dcat.value(DATASET_IRI, rel.DCAT_VERSION) == Literal(out.name)
    assert dcat.value(DATASET_IRI, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )


def test_dcat_ap_shapes_find_no_violation(out: Path) -> None:
    """The official DCAT-AP 3.0.1 shapes (core, ranges, recommended): warnings allowed, as the
    recommended shapes ask for things the project has no source for (spatial and temporal
    coverage, a dataset type); violations not."""
    from pyshacl import validate as shacl

    shapes = Graph()
    for name in ("shapes.ttl", "range.ttl", "shapes_recommended.ttl"):
        shapes.parse(DCAT_AP / name)
    _, report, text = shacl(Graph().parse(out / "dataset.ttl"), shacl_graph=shapes)
    violations = list(report.subjects(SH.resultSeverity, SH.Violation))
    assert violations == [], text


def test_sha256sums_match(out: Path) -> None:
    lines = (out / "SHA256SUMS").read_text(encoding="ascii").splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in lines)
    assert set(listed) == EXPECTED_FILES - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert _sha256(out / name) == digest, name


def test_void_counts_and_dumps(out: Path, kg: KnowledgeGraph) -> None:
    void = Graph().parse(out / "void.ttl")
    assert (DATASET_IRI, RDF.type, VOID.Dataset) in void
    # + 1: the release's ontology states its owl:priorVersion
    assert int(void.value(DATASET_IRI, VOID.triples)) == len(kg.union) + 1
    assert int(void.value(ASSERTED_GRAPH, VOID.triples)) == len(kg.asserted) + 1
    assert int(void.value(INFERRED_GRAPH, VOID.triples)) == len(kg.inferred)
    dumps = {_local(d).name for d in void.objects(DATASET_IRI, VOID.dataDump)}
    assert dumps == DATA_FILES
    assert void.value(DATASET_IRI, VOID.sparqlEndpoint) is None, "a dump has no endpoint"


def test_void_vocabularies_are_those_in_use(out: Path) -> None:
    void = Graph().parse(out / "void.ttl")
    used = {str(v) for v in void.objects(DATASET_IRI, VOID.vocabulary)}
    assert used == {
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "http://www.w3.org/2000/01/rdf-schema#",
        "http://www.w3.org/2002/07/owl#",
        "http://purl.org/vocab/vann/",
        "http://purl.org/dc/terms/",
        "http://www.w3.org/2004/02/skos/core#",
        "http://www.w3.org/ns/org#",
        "http://www.w3.org/ns/prov#",
        "http://xmlns.com/foaf/0.1/",
        "https://schema.org/",
        "https://w3id.org/aifactories/ontology#",
    }
    assert str(DCAT) not in used, "the data uses no DCAT term"


def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("something was fetched over the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def _ntriples(out: Path) -> Graph:
    return Graph().parse(out / "aifactories.nt", format="nt")


def test_jsonld_from_a_string_equals_the_ntriples_in_rdflib(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (out / "aifactories.jsonld").read_text(encoding="utf-8")
    assert isinstance(json.loads(text)["@context"], dict), "the context is inline"
    _no_network(monkeypatch)
    parsed = Graph().parse(data=text, format="json-ld")  # no base, no file beside it
    expected = _ntriples(out)
    assert len(parsed) == len(expected)
    assert isomorphic(parsed, expected)


def test_jsonld_from_a_string_equals_the_ntriples_in_pyld(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jsonld = pytest.importorskip("pyld.jsonld", reason="PyLD is in the test extra")
    doc = json.loads((out / "aifactories.jsonld").read_text(encoding="utf-8"))
    _no_network(monkeypatch)

    def no_loader(url: str, options: object = None) -> None:
        raise AssertionError(f"PyLD tried to load {url}")

    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": no_loader})
    parsed = Graph().parse(data=nquads, format="nt")
    expected = _ntriples(out)
    assert len(parsed) == len(expected)
    assert isomorphic(parsed, expected)


def _release_in_a_new_process(out: Path, hash_seed: str, cache: Path) -> None:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "AIFACTORIES_CACHE_DIR": str(cache)}
    env.pop("SOURCE_DATE_EPOCH", None)
    done = subprocess.run(
        [sys.executable, "-c", "from aifactories.cli import main; main()", "release", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_two_releases_of_the_same_data_are_byte_identical(
    tmp_path: Path, kg: KnowledgeGraph
) -> None:
    version = str(kg.asserted.value(ONTOLOGY, OWL.versionInfo))
    first, second = tmp_path / "first", tmp_path / "second"
    _release_in_a_new_process(first, "1", tmp_path / "cache-1")
    _release_in_a_new_process(second, "2", tmp_path / "cache-2")
    sums = [(folder / version / "SHA256SUMS").read_bytes() for folder in (first, second)]
    assert sums[0] == sums[1]
    for path in sorted((first / version).iterdir()):
        assert path.read_bytes() == (second / version / path.name).read_bytes(), path.name
    header = (first / version / "aifactories.nq.gz").read_bytes()[:10]
    assert header[4:8] == b"\0\0\0\0", "the gzip header holds no time"
    assert not header[3] & 0x08, "the gzip header holds no file name"


def test_release_date_comes_from_the_data_or_source_date_epoch(kg: KnowledgeGraph) -> None:
    modified = kg.asserted.value(ONTOLOGY, DCTERMS.modified)
    assert rel.release_date(kg, {}).isoformat() == str(modified)
    # 1000000000 s after 1970-01-01T00:00Z is 2001-09-09T01:46:40Z
    assert rel.release_date(kg, {"SOURCE_DATE_EPOCH": "1000000000"}).isoformat() == "2001-09-09"
    with pytest.raises(InputError, match="SOURCE_DATE_EPOCH"):
        rel.release_date(kg, {"SOURCE_DATE_EPOCH": "yesterday"})


def test_dcat_dates_are_the_release_date(out: Path, kg: KnowledgeGraph) -> None:
    dcat = Graph().parse(out / "dataset.ttl")
    issued = dcat.value(DATASET_IRI, DCTERMS.issued)
    assert issued == Literal(rel.release_date(kg).isoformat(), datatype=XSD.date)


def test_nquads_keep_the_named_graphs_and_gzip_is_the_same(out: Path, kg: KnowledgeGraph) -> None:
    assert (
        gzip.decompress((out / "aifactories.nq.gz").read_bytes())
        == (out / "aifactories.nq").read_bytes()
    )
    quads = Dataset()
    quads.parse(out / "aifactories.nq", format="nquads")
    sizes = {g.identifier: len(g) for g in quads.graphs() if len(g)}
    # the release adds one triple to the asserted graph: owl:priorVersion
    assert sizes == {ASSERTED_GRAPH: len(kg.asserted) + 1, INFERRED_GRAPH: len(kg.inferred)}


def test_ontology_names_the_prior_version(out: Path, kg: KnowledgeGraph) -> None:
    ontology = Graph().parse(out / "ontology.ttl")
    assert ontology.value(ONTOLOGY, OWL.priorVersion) == URIRef(PRIOR_IRI)
    assert ontology.value(ONTOLOGY, OWL.versionIRI) == kg.asserted.value(ONTOLOGY, OWL.versionIRI)
    assert (ONTOLOGY, OWL.priorVersion, None) not in kg.asserted, "the shared graph is untouched"


def test_pylode_html_documents_the_ontology(out: Path) -> None:
    html = (out / "ontology.html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html") or "<html" in html[:500]
    assert "AI Factories ontology" in html
    assert "AI Factory Antenna" in html  # a class label from ontology/aifactories.ttl
    assert "<script src=" not in html, "the page must not load scripts from elsewhere"


def test_releasing_the_same_version_again_needs_force(out: Path, kg: KnowledgeGraph) -> None:
    with pytest.raises(InputError, match="--force"):
        rel.release(kg, out.parent)
    result = CliRunner().invoke(main, ["release", str(out.parent)])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_prior_version_is_the_newest_older_release(tmp_path: Path) -> None:
    for version in ("0.0.9", "0.0.10", "9.0.0"):
        folder = tmp_path / version
        folder.mkdir()
        (folder / "ontology.ttl").write_text(
            f"<{ONTOLOGY_IRI}> a <http://www.w3.org/2002/07/owl#Ontology> ; "
            f'<http://www.w3.org/2002/07/owl#versionInfo> "{version}" ; '
            f"<http://www.w3.org/2002/07/owl#versionIRI> <{ONTOLOGY_IRI}/{version}> .\n"
        )
    assert rel.find_prior(tmp_path, "0.1.0") == f"{ONTOLOGY_IRI}/0.0.10"
    assert rel.find_prior(tmp_path, "0.0.1") is None
