"""SHACL shapes (ontology/shapes.ttl): meta-valid, exact on fixtures, never vacuous, met by data.

Fixtures follow pySHACL's test suite: one small Turtle file per case, under ``tests/shapes/valid``
(must raise nothing, not even a warning) and ``tests/shapes/invalid`` (must raise exactly the
results that its header lists, no more, no fewer). A header line reads::

    # expect: <focus> | <path or -> | <component, or the shape of a SPARQL rule> | <value or ->
    # expect-warning: ...   (the same, for an sh:Warning)

Terms are CURIEs with the project's prefixes (``^`` before a path marks an inverse path) or
``<iri>``; literal values are written as Turtle (``"2026"^^xsd:gYear``). A fixture is validated the
way the project validates: fixture + ontology + the closed lists of ``data/vocabularies.ttl`` (and
the two sources they cite) -> OWL RL closure -> union -> ``aifactories.validation.validate``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.paths import InvPath, MulPath
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

#: Sources that data/vocabularies.ttl (and fixtures) cite without describing them.
CONTEXT_SOURCES = (SOURCE.seed, SOURCE["project-modelling"])

#: Target declarations; a node shape without one is only reached through another shape.
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)

#: Parameters that make a shape report results of its own, so it needs an sh:message.
CONSTRAINT_PARAMETERS = tuple(
    SH[name]
    for name in [
        *("class", "datatype", "nodeKind", "minCount", "maxCount", "pattern", "languageIn"),
        *("minExclusive", "minInclusive", "maxExclusive", "maxInclusive", "minLength"),
        *("maxLength", "uniqueLang", "equals", "disjoint", "lessThan", "lessThanOrEquals"),
        *("not", "and", "or", "xone", "node", "qualifiedValueShape", "closed", "hasValue"),
        *("in", "select"),
    ]
)

#: One result as text: focus, path, component (or SPARQL rule shape), value, severity.
Key = tuple[str, str, str, str, str]
Run = Callable[[Path], tuple[ValidationReport, Graph]]


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
def run(shapes: Graph, context: Graph) -> Run:
    """Validate one fixture file; memoised, so the coverage test reuses the per-file runs."""

    @functools.cache
    def _run(path: Path) -> tuple[ValidationReport, Graph]:
        asserted = new_graph()
        for triple in context:
            asserted.add(triple)
        parse_file(path, into=asserted)
        union = asserted + owl_rl_closure(asserted)
        return validate(union, shapes=shapes), union

    return _run


# --- expectations and results as comparable text ----------------------------------------------


def _term(text: str) -> str:
    """A hand-written term in the text ``curie`` gives for it (prefix:local, <iri>, ^inverse,
    path+ for one or more steps)."""
    if text.endswith("+"):
        return _term(text[:-1]) + "+"
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
                        value if value == "-" or value.startswith('"') else _term(value),
                        severity,
                    )
                )
    return keys


def _text(node: Node | InvPath | MulPath | None) -> str:
    if node is None:
        return "-"
    if isinstance(node, InvPath):
        return "^" + curie(node.arg)
    if isinstance(node, MulPath):
        return curie(node.path) + node.mod
    if isinstance(node, URIRef):
        return curie(node)
    if isinstance(node, Literal):
        datatype = f"^^{curie(node.datatype)}" if node.datatype else ""
        language = f"@{node.language}" if node.language else ""
        return f'"{node}"{datatype}{language}'
    return "[blank node]"


def actual(report: ValidationReport) -> set[Key]:
    keys: set[Key] = set()
    for r in report.results:
        sparql = r.constraint_component == SH.SPARQLConstraintComponent
        check = r.source_shape if sparql else r.constraint_component
        keys.add(
            (
                _text(r.focus_node),
                _text(r.result_path),
                _text(check),
                _text(r.value),
                curie(r.severity),
            )
        )
    return keys


def _listing(keys: set[Key]) -> str:
    return "\n".join(" | ".join(k) for k in sorted(keys)) or "(none)"


# --- the shapes themselves ----------------------------------------------------------------------


def _targeted(shapes: Graph, shape: Node) -> bool:
    return isinstance(shape, URIRef) and any((shape, t, None) in shapes for t in TARGETS)


def _reporting_shapes(shapes: Graph) -> Iterator[Node]:
    """Shapes whose results reach a report: targeted node shapes, their property shapes, rules."""
    for shape in set(shapes.subjects(RDF.type, SH.NodeShape)):
        if _targeted(shapes, shape):
            yield shape
            yield from shapes.objects(shape, SH.property)
            yield from shapes.objects(shape, SH.sparql)


def _name(shapes: Graph, shape: Node) -> str:
    if isinstance(shape, URIRef):
        return curie(shape)
    owner = next(iter({*shapes.subjects(SH.property, shape), *shapes.subjects(SH.sparql, shape)}))
    path = shapes.value(shape, SH.path)
    return f"{curie(owner)} {'sh:sparql' if path is None else _text(path)}"


def test_shapes_pass_meta_shacl(shapes: Graph) -> None:
    import pyshacl

    conforms, _, text = pyshacl.validate(Graph(), shacl_graph=shapes, meta_shacl=True)
    assert conforms, text


def test_every_constraint_has_a_message_in_plain_words(shapes: Graph) -> None:
    missing = []
    for shape in set(_reporting_shapes(shapes)):
        if not any((shape, p, None) in shapes for p in CONSTRAINT_PARAMETERS):
            continue
        messages = [m for m in shapes.objects(shape, SH.message) if isinstance(m, Literal)]
        if not any(m.language == "en" for m in messages):
            missing.append(_name(shapes, shape))
        for message in messages:
            assert "ConstraintComponent" not in message, message
    assert not missing, f"shapes without an English sh:message: {sorted(missing)}"


def test_every_targeted_shape_targets_some_node_of_the_data(
    shapes: Graph, kg: KnowledgeGraph
) -> None:
    from pyshacl.shapes_graph import ShapesGraph

    empty = []
    for shape in ShapesGraph(shapes).shapes:
        if _targeted(shapes, shape.node):
            shape.set_advanced(True)  # SPARQL-based targets
            if not shape.focus_nodes(kg.union):
                empty.append(curie(shape.node))
    assert not empty, f"shapes that target nothing in the shipped data: {empty}"


# --- fixtures -----------------------------------------------------------------------------------


def test_every_invalid_fixture_lists_its_results() -> None:
    assert VALID and INVALID
    assert [p.name for p in INVALID if not expected(p)] == []


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_raises_nothing(path: Path, run: Run) -> None:
    report, _ = run(path)
    assert not report.results, report.text


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_raises_exactly_its_expected_results(path: Path, run: Run) -> None:
    report, _ = run(path)
    want, got = expected(path), actual(report)
    assert got == want, (
        f"\nmissing:\n{_listing(want - got)}\nunexpected:\n{_listing(got - want)}\n\n{report.text}"
    )


def test_every_targeted_shape_fails_in_some_invalid_fixture(shapes: Graph, run: Run) -> None:
    """No shape is vacuous: each targeted node shape (so each SPARQL rule: one per shape) is the
    source of a result in an invalid fixture, or owns its source property shape, for one of its own
    focus nodes there."""
    from pyshacl.shapes_graph import ShapesGraph

    targeted = {s.node: s for s in ShapesGraph(shapes).shapes if _targeted(shapes, s.node)}
    for shape in targeted.values():
        shape.set_advanced(True)
    covered: set[Node] = set()
    for path in INVALID:
        report, union = run(path)
        for r in report.results:
            owners = {r.source_shape, *shapes.subjects(SH.property, r.source_shape)}
            for owner in (owners & targeted.keys()) - covered:
                if r.focus_node in targeted[owner].focus_nodes(union):
                    covered.add(owner)
    assert sorted(curie(s) for s in targeted.keys() - covered) == []


def test_every_constraint_fails_in_some_invalid_fixture(shapes: Graph, run: Run) -> None:
    """Finer than the above: every shape with constraints of its own (node-level IRI checks,
    each property shape, each SPARQL rule) is the source of some result."""
    sources: set[Node] = set()
    for path in INVALID:
        sources.update(r.source_shape for r in run(path)[0].results)
    silent = [
        _name(shapes, shape)
        for shape in set(_reporting_shapes(shapes))
        if any((shape, p, None) in shapes for p in CONSTRAINT_PARAMETERS)
        and shape not in sources
        and not sources.intersection(shapes.subjects(SH.sparql, shape))
    ]
    assert sorted(silent) == []


# --- the shipped data ---------------------------------------------------------------------------


def test_shipped_data_conforms(shapes: Graph, kg: KnowledgeGraph) -> None:
    report = validate(kg.union, shapes=shapes, locations=locate_subjects(kg.files))
    assert report.conforms, report.text
    # The reference names a hosting entity for every AI Factory but AI:AT (its cell is empty).
    warnings = {(r.focus_node, r.source_shape) for r in report.warnings}
    assert warnings == {(FACTORY["ai-at"], AIFSH.HostStatedShape)}, report.text
