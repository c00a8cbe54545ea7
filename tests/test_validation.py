"""SHACL validation with readable reports: results, locations, one-line messages.

The tests use a few shapes written here, so they check this module and not the project's shapes
(tests/test_shapes.py and tests/shapes/ do that, and run them on the shipped data).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from aifactories import resources
from aifactories.errors import DataSyntaxError, InputError
from aifactories.graph import KnowledgeGraph
from aifactories.namespaces import AIF, FACTORY, SH
from aifactories.validation import (
    ValidationResult,
    format_result,
    load_shapes,
    locate_subjects,
    validate,
)

PREFIXES = """
@prefix aif: <https://w3id.org/aifactories/ontology#> .
@prefix factory: <https://w3id.org/aifactories/id/factory/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/shapes#> .
"""

SHAPES = (
    PREFIXES
    + """
ex:Factory a sh:NodeShape ;
    sh:targetClass aif:AIFactory ;
    sh:property [
        sh:path rdfs:label ; sh:minCount 1 ;
        sh:message "A factory has an English label"@en ] ,
    [
        sh:path aif:selectionDate ; sh:datatype xsd:date ;
        sh:message "The selection date is an xsd:date"@en ] ,
    [
        sh:path aif:selectionDate ; sh:maxCount 0 ; sh:severity sh:Warning ;
        sh:message "(a warning for the test)"@en ] .

ex:NetworkNode a sh:NodeShape ;
    sh:targetClass aif:NetworkNode ;
    sh:sparql [
        sh:message "A network node is not a factory of its own"@en ;
        sh:select \"\"\"
            SELECT $this ?path ?value WHERE {
                $this <https://w3id.org/aifactories/ontology#collaboratesWith> $this .
                BIND (<https://w3id.org/aifactories/ontology#collaboratesWith> AS ?path)
                BIND ($this AS ?value)
            }\"\"\" ] .
"""
)

DATA = (
    PREFIXES
    + """
factory:good a aif:AIFactory ; rdfs:label "Good"@en .

factory:bad
    a aif:AIFactory ;
    aif:selectionDate "12 March 2025" .

factory:selfish a aif:NetworkNode ; aif:collaboratesWith factory:selfish .

factory:dated a aif:AIFactory ; rdfs:label "Dated"@en ;
    aif:selectionDate "2025-03-12"^^xsd:date .
"""
)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(data=SHAPES, format="turtle")


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.ttl"
    path.write_text(DATA, encoding="utf-8")
    return path


def test_results(shapes: Graph, data_file: Path) -> None:
    data = Graph().parse(data_file)
    before = len(data)
    report = validate(data, shapes=shapes, locations=locate_subjects([data_file]))
    assert not report.conforms
    assert len(data) == before  # the data graph is not touched
    found = {(r.focus_node, r.result_path, r.constraint_component) for r in report.violations}
    assert found == {
        (FACTORY.bad, RDFS.label, SH.MinCountConstraintComponent),
        (FACTORY.bad, AIF.selectionDate, SH.DatatypeConstraintComponent),
        (FACTORY.selfish, AIF.collaboratesWith, SH.SPARQLConstraintComponent),
    }
    assert [(r.focus_node, r.severity) for r in report.warnings] == [
        (FACTORY.bad, SH.Warning),
        (FACTORY.dated, SH.Warning),
    ]
    datatype = next(
        r for r in report.results if r.constraint_component == SH.DatatypeConstraintComponent
    )
    assert datatype.value == Literal("12 March 2025")
    assert datatype.message == "The selection date is an xsd:date"
    assert datatype.location == (data_file, 11)  # the line 'factory:bad' starts on


def test_warnings_alone_conform(shapes: Graph) -> None:
    data = Graph().parse(
        data=PREFIXES
        + """
        factory:dated a aif:AIFactory ; rdfs:label "Dated"@en ;
            aif:selectionDate "2025-03-12"^^xsd:date .""",
        format="turtle",
    )
    report = validate(data, shapes=shapes)
    assert report.conforms
    assert [r.severity for r in report.results] == [SH.Warning]


def test_results_are_sorted_by_file_and_line(shapes: Graph, data_file: Path) -> None:
    report = validate(
        Graph().parse(data_file), shapes=shapes, locations=locate_subjects([data_file])
    )
    lines = [r.location[1] for r in report.results if r.location]
    assert lines == sorted(lines) and len(lines) == len(report.results)


def test_format_result_is_one_plain_line(shapes: Graph, data_file: Path) -> None:
    data = Graph().parse(data_file)
    report = validate(data, shapes=shapes, locations=locate_subjects([data_file]))
    datatype = next(
        r for r in report.results if r.constraint_component == SH.DatatypeConstraintComponent
    )
    line = format_result(datatype, data)
    assert line.endswith(
        ':11: factory:bad: aif:selectionDate = "12 March 2025": The selection date is an xsd:date'
    )
    assert "\n" not in line
    warning = format_result(report.warnings[-1], data)
    assert warning.endswith(
        "factory:dated (Dated): aif:selectionDate: Warning: (a warning for the test)"
    )


def test_format_result_without_location_or_path() -> None:
    result = ValidationResult(
        focus_node=FACTORY.x,
        result_path=None,
        value=None,
        constraint_component=SH.ClassConstraintComponent,
        source_shape=URIRef("http://example.org/s"),
        severity=SH.Violation,
        message="Something is wrong",
    )
    assert format_result(result) == "factory:x: Something is wrong"


def test_locate_subjects(tmp_path: Path) -> None:
    path = tmp_path / "x.ttl"
    path.write_text(
        "@prefix ex: <http://example.org/> .\n"
        "PREFIX other: <http://other.org/>\n"
        "\n"
        'ex:a ex:p """a long string\n'
        "ex:notasubject in a string\n"
        '""" .\n'
        "<http://example.org/b> ex:p other:c .\n"
        "other:d\n"
        '    ex:p ex:a , "not:me" ;  # comment ex:notme\n'
        "    ex:q other:typo .\n"
        "ex:a ex:q 1 .\n"
        "other:c ex:p 2 .\n",
        encoding="utf-8",
    )
    found = locate_subjects([path])
    ex, other = "http://example.org/", "http://other.org/"
    assert found == {
        URIRef(ex + "a"): (path, 4),  # the first block wins
        URIRef(ex + "p"): (path, 4),  # mentioned only: where it first appears
        URIRef(ex + "b"): (path, 7),
        URIRef(other + "c"): (path, 12),  # a subject block wins over an earlier mention
        URIRef(other + "d"): (path, 8),
        URIRef(other + "typo"): (path, 10),
        URIRef(ex + "q"): (path, 10),
    }


def test_locate_subjects_in_the_shipped_files(kg: KnowledgeGraph) -> None:
    found = locate_subjects(kg.files)
    path, line = found[FACTORY.jaif]
    assert path.name == "factories.ttl"
    assert path.read_text(encoding="utf-8").splitlines()[line - 1].startswith("factory:jaif")
    assert found[AIF.AIFactory][0] == resources.ontology_file()


def test_missing_shapes_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="shapes file not found"):
        load_shapes(tmp_path / "shapes.ttl")


BROKEN_SHAPES = [
    "ex:S a sh:NodeShape ; sh:targetClass aif:AIFactory ;\n"
    "    sh:property [ sh:path rdfs:label ; sh:minCount -1 ] .",
    'ex:S a sh:NodeShape ; sh:targetClass aif:AIFactory ; sh:sparql [ sh:select "SELEC x" ] .',
]


def test_broken_shapes(tmp_path: Path) -> None:
    bad = tmp_path / "shapes.ttl"
    bad.write_text(PREFIXES + "ex:S a sh:NodeShape ;\n  sh:targetClass\n", encoding="utf-8")
    with pytest.raises(DataSyntaxError, match=r"shapes\.ttl"):
        load_shapes(bad)
    data = Graph().parse(data=PREFIXES + "factory:a a aif:AIFactory .", format="turtle")
    for text in BROKEN_SHAPES:
        wrong = Graph().parse(data=PREFIXES + text, format="turtle")
        with pytest.raises(InputError, match="SHACL shapes"):
            validate(data, shapes=wrong)


# --- Oxigraph answers pySHACL's SPARQL queries: the same reports, word for word ---------------

FIXTURES = sorted((Path(__file__).resolve().parent / "shapes").glob("*/*.ttl"))


def test_oxigraph_and_rdflib_answer_the_shapes_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every shape fixture at once, with the ontology and closed lists, reasoned over: the same
    lines in the same order (one run per engine; the fixtures' blank nodes stay apart), and the
    same as pySHACL as shipped (SPARQL on rdflib, no fast paths)."""
    from aifactories import validation
    from aifactories.graph import build

    files = [
        resources.ontology_file(),
        resources.project_root() / "data" / "vocabularies.ttl",
        resources.project_root() / "data" / "sources.ttl",
        *FIXTURES,
    ]
    kg = build(files)
    shapes = load_shapes()
    where = locate_subjects(files, kg.texts)
    fast = validate(kg.union, shapes=shapes, locations=where, sparql="oxigraph")
    monkeypatch.setattr(validation, "_FAST_PATHS_ON", False)
    reference = validate(kg.union, shapes=shapes, locations=where, sparql="rdflib")
    assert len(reference.results) > len(FIXTURES)  # the invalid fixtures do fail
    assert fast.text == reference.text
    assert fast.conforms == reference.conforms
    assert fast.results == reference.results


def test_oxigraph_and_rdflib_answer_alike_on_the_shipped_data(
    kg: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aifactories import validation

    shapes = load_shapes()
    fast = validate(kg.union, shapes=shapes, sparql="oxigraph")
    monkeypatch.setattr(validation, "_FAST_PATHS_ON", False)
    reference = validate(kg.union, shapes=shapes, sparql="rdflib")
    assert fast.text == reference.text and fast.results == reference.results
