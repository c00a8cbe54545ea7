"""``aifactories release``: the dump describes itself, its checksums match, nothing is remote.

One release is written per module, through the CLI, into a folder that already holds a (made-up)
older release 0.0.1, so the new ontology must name it as its ``owl:priorVersion``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, OWL, RDF, VOID

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
        assert int(dcat.value(dist, DCAT.byteSize)) == path.stat().st_size
        checksum = dcat.value(dist, SPDX.checksum)
        assert dcat.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(dcat.value(checksum, SPDX.checksumValue)) == _sha256(path)
        assert dcat.value(dist, DCAT.mediaType) is not None
    assert seen == DATA_FILES
    text = (out / "dataset.ttl").read_text(encoding="utf-8")
    assert "<aifactories.nq.gz>" in text and "@base" not in text, "download URLs are relative"


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


def test_jsonld_expands_offline_to_the_nquads_triples(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = json.loads((out / "aifactories.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == "context.jsonld"

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the JSON-LD context was fetched over the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    expanded = Graph().parse(out / "aifactories.jsonld", format="json-ld")
    quads = Dataset()
    quads.parse(out / "aifactories.nq", format="nquads")
    merged = Graph()
    for s, p, o, _ in quads.quads():
        merged.add((s, p, o))
    assert len(expanded) == len(merged)
    assert isomorphic(expanded, merged)


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
