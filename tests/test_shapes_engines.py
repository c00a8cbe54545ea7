"""The shapes run on any SHACL engine: planted mistakes found by pySHACL without its advanced mode
(SHACL Core + SHACL-SPARQL constraints, no SHACL-AF SPARQL targets) and by Jena SHACL.

The data is the released union graph (asserted + inferred, as ``aifactories release`` writes it
in ``aifactories.nt``) with one planted mistake per rule below; each is written by hand with the
focus node and the constraint component it must raise. The one shape with a SPARQL target,
``aifsh:DefinedTermShape`` (misspelt aif: terms), needs SHACL-AF and is not part of this list
(``ontology/shapes.ttl`` says so). The locatedIn rules use the path ``aif:locatedIn+``, so the
asserted graph alone raises no false "not in a country" results either.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pyshacl import validate as pyshacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from aifactories import resources
from aifactories.graph import KnowledgeGraph
from aifactories.namespaces import (
    AIF,
    ANTENNA,
    COUNTRY,
    FACTORY,
    MEMBERSHIP,
    PLACE,
    SECTOR,
    SH,
    USAGE,
    new_graph,
)
from aifactories.validation import load_shapes
from jena import find

ORG_MEMBER = URIRef("http://www.w3.org/ns/org#member")
SECTORS = URIRef("https://w3id.org/aifactories/id/sectors")
INTERIM = USAGE["lumi-aif-lumi"]
COORDINATOR = MEMBERSHIP["hunaifa-hun-ren-sztaki-coordinator"]

#: (focus node, constraint component) each planted mistake must raise, written by hand.
PLANTED = {
    # JAIF loses its label
    (FACTORY.jaif, SH.MinCountConstraintComponent),
    # JAIF is also placed in France: two countries
    (FACTORY.jaif, SH.QualifiedMaxCountConstraintComponent),
    # Jülich loses its country
    (PLACE.juelich, SH.QualifiedMinCountConstraintComponent),
    # an interim usage that says for which system it stands in no more (was a SPARQL target)
    (INTERIM, SH.OrConstraintComponent),
    # the Health sector is no longer a top concept, and has no broader one (was a SPARQL target)
    (SECTOR.health, SH.OrConstraintComponent),
    # an antenna made the coordinator of another antenna (was a SPARQL target)
    (COORDINATOR, SH.OrConstraintComponent),
    # an antenna linked to another antenna as its factory (was a SPARQL constraint)
    (ANTENNA["be-aifa"], SH.NotConstraintComponent),
}


def _planted(kg: KnowledgeGraph) -> Graph:
    graph = new_graph()
    removed = {
        (FACTORY.jaif, RDFS.label),
        (PLACE.juelich, AIF.locatedIn),
        (INTERIM, AIF.standsInFor),
        (SECTOR.health, SKOS.topConceptOf),
        (COORDINATOR, ORG_MEMBER),
    }
    for s, p, o in kg.union:
        if (s, p) not in removed:
            graph.add((s, p, o))
    graph.add((FACTORY.jaif, AIF.locatedIn, COUNTRY.FRA))
    graph.add((COORDINATOR, ORG_MEMBER, ANTENNA["pharos-cy"]))
    graph.add((ANTENNA["be-aifa"], AIF.linkedFactory, ANTENNA["pharos-cy"]))
    return graph


def _violations(report: Graph) -> set[tuple[Node, Node]]:
    return {
        (report.value(r, SH.focusNode), report.value(r, SH.sourceConstraintComponent))
        for r in report.subjects(SH.resultSeverity, SH.Violation)
        if (None, SH.result, r) in report  # top-level results, not nested details
    }


def test_the_shapes_use_no_sparql_target_but_the_documented_one() -> None:
    shapes = load_shapes()
    targeted = {
        s for s, t in shapes.subject_objects(SH.target) if (t, RDF.type, SH.SPARQLTarget) in shapes
    }
    assert targeted == {URIRef("https://w3id.org/aifactories/shapes#DefinedTermShape")}


@pytest.fixture(scope="module")
def planted(kg: KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("planted") / "union.nt"
    _planted(kg).serialize(path, format="nt", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def clean_violations(kg: KnowledgeGraph) -> set[tuple[Node, Node]]:
    _, report, _ = pyshacl_validate(
        kg.union, shacl_graph=load_shapes(), inference="none", advanced=False
    )
    return _violations(report)


def test_pyshacl_core_finds_every_planted_mistake(
    planted: Path, clean_violations: set[tuple[Node, Node]]
) -> None:
    assert not PLANTED & clean_violations, "the shipped data raises none of them"
    data = Graph().parse(planted, format="nt")
    _, report, text = pyshacl_validate(
        data, shacl_graph=load_shapes(), inference="none", advanced=False
    )
    missed = PLANTED - _violations(report)
    assert not missed, f"pySHACL (no advanced mode) missed {missed}\n{text[:3000]}"


def test_jena_shacl_finds_every_planted_mistake(planted: Path, tmp_path: Path) -> None:
    shacl, why = find("shacl", tmp_path)
    if shacl is None:
        pytest.skip(why)
    done = subprocess.run(
        [
            *shacl.command,
            "validate",
            "--shapes",
            str(resources.shapes_file()),
            "--data",
            str(planted),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = Graph().parse(data=done.stdout, format="turtle")
    assert (None, RDF.type, SH.ValidationReport) in report, done.stderr[-2000:]
    missed = PLANTED - _violations(report)
    assert not missed, f"Jena SHACL missed {missed}"


def test_asserted_graph_alone_needs_no_closure_for_countries(kg: KnowledgeGraph) -> None:
    """With aif:locatedIn+ as the path, no network node, site or city of the asserted data is
    reported outside a country (issue #14 counted 45 such false results when the shapes relied
    on the closure)."""
    _, report, _ = pyshacl_validate(
        kg.asserted, shacl_graph=load_shapes(), inference="none", advanced=False
    )
    country_misses = [
        r
        for r in report.subjects(
            SH.sourceShape, URIRef("https://w3id.org/aifactories/shapes#InExactlyOneCountry")
        )
    ]
    assert country_misses == []
