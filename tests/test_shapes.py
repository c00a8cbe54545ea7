"""SHACL shapes (ontology/shapes.ttl): meta-valid, exact on fixtures, never vacuous, met by the data.

Fixtures follow pySHACL's test suite: one small Turtle file per case under ``tests/shapes/valid``
(must raise nothing, not even a warning) and ``tests/shapes/invalid`` (must raise exactly the results
its header lists). A header line reads::

    # expect: <focus> | <path or -> | <constraint component, or the shape of a SPARQL rule> | <value or ->
    # expect-warning: ...   (the same, for an sh:Warning)

Terms are CURIEs with the project's prefixes (``^`` before a path marks an inverse path), or
``<iri>``. A fixture is validated the way the project validates: fixture + ontology + the closed
lists of ``data/vocabularies.ttl`` (and the two sources those cite), OWL RL closure, union,
``aifactories.validation.validate``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from aifactories import resources
from aifactories.graph import KnowledgeGraph, parse_file
from aifactories.namespaces import AIFSH, FACTORY, PREFIXES, SH, SOURCE, new_graph
from aifactories.reasoning import owl_rl_closure
from aifactories.terms import curie
from aifactories.validation import ValidationReport, load_shapes, locate_subjects, validate

SHAPES_DIR = Path(__file__).resolve().parent / "shapes"
VALID = sorted((SHAPES_DIR / "valid").glob("*.ttl"))
INVALID = sorted((SHAPES_DIR / "invalid").glob("*.ttl"))

#: Sources that data/vocabularies.ttl (and fixtures) may cite without describing them.
CONTEXT_SOURCES = (SOURCE.seed, SOURCE["project-modelling"])

#: (focus, path, component or SPARQL rule shape, value, severity), all as CURIE text.
Key = tuple[str, str, str, str, str]


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


@pytest.fixture(scope="module")
def context() -> Graph:
    """What every fixture is validated with: ontology, closed lists, and the sources they cite."""
    graph = new_graph()
    parse_file(resources.ontology_file(), into=graph)
    parse_file(resources.project_root() / "data" / "vocabularies.ttl", into=graph)
    sources = parse_file(resources.project_root() / "data" / "sources.ttl")
    for source in CONTEXT_SOURCES:
        for triple in sources.triples((source, None, None)):
            graph.add(triple)
    return graph


@pytest.fixture(scope="module")
def run(shapes: Graph, context: Graph):
    """Validate a fixture file (memoised: the coverage test reuses the per-file runs)."""

    @functools.cache
    def _run(path: Path) -> tuple[ValidationReport, Graph]:
        asserted = new_graph()
        for triple in context:
            asserted.add(triple)
        parse_file(path, into=asserted)
        union = asserted + owl_rl_closure(asserted)
        return validate(union, shapes=shapes), union

    return _run


def _term(text: str) -> str:
    """Normalise a hand-written term to the CURIE text ``curie`` produces."""
    text = text.strip()
    inverse = text.startswith("^")
    text = text.removeprefix("^")
    if text.startswith("<") and text.endswith(">"):
        iri = URIRef(text[1:-1])
    else:
        prefix, _, local = text.partition(":")
        assert prefix in PREFIXES, f"unknown prefix in expectation: {text!r}"
        iri = URIRef(str(PREFIXES[prefix]) + local)
    return ("^" if inverse else "") + curie(iri)


def expected(path: Path) -> set[Key]:
    keys: set[Key] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        for tag, severity in (("# expect:", "sh:Violation"), ("# expect-warning:", "sh:Warning")):
            if line.startswith(tag):
                fields = [f.strip() for f in line.removeprefix(tag).split("|")]
                assert len(fields) == 4, f"{path.name}: malformed expectation {line!r}"
                focus, prop, check, value = fields
                keys.add(
                    (
                        _term(focus),
                        "-" if prop == "-" else _term(prop),
                        _term(check),
                        "-" if value == "-" else _show_value(value),
                        severity,
                    )
                )
    return keys


def _show_value(text: str) -> str:
    return text if text.startswith('"') else _term(text)


def _node(node: Node | None) -> str:
    if node is None:
        return "-"
    if isinstance(node, URIRef):
        text = str(node)
        return "^" + curie(URIRef(text[1:])) if text.startswith("^") else curie(node)
    if isinstance(node, Literal):
        return f'"{node}"' + (f"^^{curie(node.datatype)}" if node.datatype else "") + (
            f"@{node.language}" if node.language else ""
        )
    return "[blank node]"


def actual(report: ValidationReport) -> set[Key]:
    keys: set[Key] = set()
    for r in report.results:
        sparql = r.constraint_component == SH.SPARQLConstraintComponent
        check = r.source_shape if sparql else r.constraint_component
        keys.add(
            (
                _node(r.focus_node),
                _node(r.result_path),
                _node(check),
                _node(r.value),
                curie(r.severity),
            )
        )
    return keys


def _show(keys: set[Key]) -> str:
    return "\n".join(" | ".join(k) for k in sorted(keys)) or "(none)"


# --- the shapes themselves ----------------------------------------------------------------------


def test_shapes_pass_meta_shacl(shapes: Graph) -> None:
    import pyshacl

    conforms, _, text = pyshacl.validate(Graph(), shacl_graph=shapes, meta_shacl=True)
    assert conforms, text


#: Target declarations; a node shape without one is a helper reached only through sh:node.
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)

#: Parameters that make a shape report results of its own (so it needs an sh:message).
CONSTRAINT_PARAMETERS = tuple(
    SH[name]
    for name in (
        "class datatype nodeKind minCount maxCount minExclusive minInclusive maxExclusive"
        " maxInclusive minLength maxLength pattern languageIn uniqueLang equals disjoint lessThan"
        " lessThanOrEquals not and or xone node qualifiedValueShape closed hasValue in select"
    ).split()
)


def _reporting_shapes(shapes: Graph) -> Iterator[Node]:
    """Shapes whose results reach a report: targeted node shapes, their property shapes, rules."""
    for shape in set(shapes.subjects(RDF.type, SH.NodeShape)):
        if _targeted(shapes, shape):
            yield shape
            yield from shapes.objects(shape, SH.property)
            yield from shapes.objects(shape, SH.sparql)


def _targeted(shapes: Graph, shape: Node) -> bool:
    return isinstance(shape, URIRef) and any((shape, t, None) in shapes for t in TARGETS)


def test_every_constraint_has_a_plain_words_message(shapes: Graph) -> None:
    missing = []
    for shape in set(_reporting_shapes(shapes)):
        if not any((shape, p, None) in shapes for p in CONSTRAINT_PARAMETERS):
            continue
        messages = [m for m in shapes.objects(shape, SH.message) if isinstance(m, Literal)]
        if not any(m.language == "en" for m in messages):
            missing.append(curie(shape) if isinstance(shape, URIRef) else _describe(shapes, shape))
        for m in messages:
            assert "ConstraintComponent" not in m and "failed" not in m.lower(), m
    assert not missing, f"shapes without an English sh:message: {missing}"


def _describe(shapes: Graph, node: Node) -> str:
    owner = next(shapes.subjects(SH.property, node), None) or next(shapes.subjects(SH.sparql, node))
    path = shapes.value(node, SH.path)
    return f"{curie(owner)} {'sparql' if path is None else curie(path)}"


def test_every_targeted_shape_targets_some_node_of_the_data(
    shapes: Graph, kg: KnowledgeGraph
) -> None:
    from pyshacl.shapes_graph import ShapesGraph

    empty = []
    for shape in ShapesGraph(shapes).shapes:
        if not _targeted(shapes, shape.node):
            continue
        shape.set_advanced(True)
        if not shape.focus_nodes(kg.union):
            empty.append(curie(shape.node))
    assert not empty, f"shapes that target nothing in the shipped data: {empty}"


# --- fixtures -----------------------------------------------------------------------------------


def test_there_are_fixtures() -> None:
    assert VALID and INVALID
    for path in INVALID:
        assert expected(path), f"{path.name} lists no expected result"


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_raises_nothing(path: Path, run) -> None:
    report, _ = run(path)
    assert not report.results, report.text


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_raises_exactly_its_expected_results(path: Path, run) -> None:
    report, _ = run(path)
    want, got = expected(path), actual(report)
    assert got == want, (
        f"\nmissing:\n{_show(want - got)}\nunexpected:\n{_show(got - want)}\n\n{report.text}"
    )


def test_every_targeted_shape_fails_in_some_invalid_fixture(shapes: Graph, run) -> None:
    """No shape is vacuous: each targeted node shape (and so each SPARQL rule, one per shape) is
    the source, or owns the property shape that is the source, of a result in an invalid fixture
    for one of its own focus nodes."""
    from pyshacl.shapes_graph import ShapesGraph

    sg = ShapesGraph(shapes)
    targeted = {s.node: s for s in sg.shapes if _targeted(shapes, s.node)}
    for s in targeted.values():
        s.set_advanced(True)
    covered: set[Node] = set()
    for path in INVALID:
        report, union = run(path)
        for r in report.results:
            owners = {r.source_shape} | set(shapes.subjects(SH.property, r.source_shape))
            for owner in owners & set(targeted) - covered:
                if r.focus_node in targeted[owner].focus_nodes(union):
                    covered.add(owner)
    assert not set(targeted) - covered, sorted(curie(s) for s in set(targeted) - covered)


# --- the shipped data ---------------------------------------------------------------------------


def test_shipped_data_conforms(shapes: Graph, kg: KnowledgeGraph) -> None:
    report = validate(kg.union, shapes=shapes, locations=locate_subjects(kg.files))
    assert report.conforms, report.text
    # The reference names a hosting entity for every AI Factory but AI:AT (its cell is empty).
    warnings = {(r.focus_node, r.source_shape) for r in report.warnings}
    assert warnings == {(FACTORY["ai-at"], AIFSH.HostStatedShape)}, report.text
