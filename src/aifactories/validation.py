"""SHACL validation with readable reports: one line per result, with the file and line to fix.

The data graph is the union of asserted and inferred triples: the closure is computed once by
``aifactories.reasoning``, so pySHACL runs with ``inference="none"``; shapes may rely on inferred
facts (``aif:hasMember``, transitive ``aif:locatedIn``, superclass typing).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.paths import InvPath, MulPath, OneOrMore
from rdflib.term import Node

from aifactories import limits, resources
from aifactories.errors import InputError
from aifactories.namespaces import SH
from aifactories.terms import curie, label, show

#: Where a node is defined: file and 1-based line.
Location = tuple[Path, int]


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, reduced to what a person needs to find and fix the mistake."""

    focus_node: Node
    result_path: Node | InvPath | MulPath | None
    value: Node | None
    constraint_component: URIRef
    source_shape: Node
    severity: URIRef
    message: str
    location: Location | None = None

    @property
    def is_violation(self) -> bool:
        return self.severity == SH.Violation


@dataclass
class ValidationReport:
    """Whether the data conforms (no sh:Violation) and every result, sorted by file and line."""

    conforms: bool
    results: list[ValidationResult] = field(default_factory=list)
    #: Inconsistencies found by the reasoner (see ``KnowledgeGraph.inconsistencies``).
    inconsistencies: list[str] = field(default_factory=list)
    #: Graph used to label focus nodes in ``text``; optional.
    graph: Graph | None = field(default=None, repr=False, compare=False)

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.is_violation]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if not r.is_violation]

    @property
    def text(self) -> str:
        """Every problem as one line (``format_result``): a test's failure message."""
        lines = [f"reasoner: {p}" for p in self.inconsistencies]
        lines += [format_result(r, self.graph) for r in self.results]
        return "\n".join(lines)


def load_shapes(path: Path | None = None) -> Graph:
    """Parse the SHACL shapes (default ``ontology/shapes.ttl``); a missing file is an InputError."""
    from aifactories.graph import parse_file

    path = path or resources.shapes_file()
    if not path.is_file() and not os.path.lexists(path):
        raise InputError(f"{path}: SHACL shapes file not found")
    shapes = parse_file(path)
    for shape, pattern in shapes.subject_objects(SH.pattern):  # checked before pySHACL runs them
        flags = shapes.value(shape, SH.flags)
        where = f"{path}: {show(shape)} sh:pattern"
        limits.check_pattern(str(pattern), str(flags or ""), where)
    return shapes


#: Engines that may answer the SHACL-SPARQL queries pySHACL sends; the first is the default.
SPARQL_ENGINES = ("oxigraph", "rdflib")


def validate(
    data: Graph,
    *,
    shapes: Graph | None = None,
    ontology: Graph | None = None,
    locations: dict[Node, Location] | None = None,
    sparql: str = SPARQL_ENGINES[0],
) -> ValidationReport:
    """Validate ``data`` (for the project: ``kg.union``) against the shapes.

    pySHACL runs without its own inference (the closure is already in ``data``), with advanced
    features on (SHACL-SPARQL constraints, SHACL-AF), and sh:Warning / sh:Info results do not
    break conformance. ``data`` is left untouched: it is only validated in place when the shapes
    have no rules and no ``ontology`` is mixed in. ``locations`` maps nodes to where they are
    written (see ``locate_subjects``); blank focus nodes take the location of the subject that
    refers to them. ``sparql`` names the engine that answers the SPARQL queries pySHACL sends
    (SHACL-SPARQL constraints and targets): Oxigraph by default, rdflib's evaluator as the
    reference; pySHACL builds the report either way, so its wording is the same.
    """
    import pyshacl
    from pyshacl.errors import ConstraintLoadError, ReportableRuntimeError, ShapeLoadError

    shapes = shapes if shapes is not None else load_shapes()
    # pySHACL writes into the data graph only when it mixes in an ontology or runs SHACL rules;
    # then it gets a copy, else a view on the same store (no copy of the whole graph).
    writes = ontology is not None or (None, SH.rule, None) in shapes
    target = _QueryCachingGraph.copy_of(data) if writes else _QueryCachingGraph.view_of(data)
    if sparql == "oxigraph" and not writes:
        target.answers = _OxigraphAnswers(data)
    try:
        with _pyshacl_fast_paths():
            conforms, results_graph, _ = pyshacl.validate(
                target,
                shacl_graph=shapes,
                ont_graph=ontology,
                inference="none",
                advanced=True,
                allow_warnings=True,
                inplace=True,
            )
    except (ShapeLoadError, ConstraintLoadError) as exc:
        raise InputError(f"SHACL shapes: {_first_line(exc)}") from exc
    except ReportableRuntimeError as exc:
        raise InputError(f"SHACL validation failed: {_first_line(exc)}") from exc
    assert isinstance(results_graph, Graph)
    results = [
        _result(results_graph, node, data, locations or {})
        # top-level results only: sh:detail results nested under them repeat the same mistake
        for report in results_graph.subjects(RDF.type, SH.ValidationReport)
        for node in results_graph.objects(report, SH.result)
    ]
    results.sort(key=_sort_key)
    return ValidationReport(conforms=bool(conforms), results=results, graph=data)


class _FastMembership(list):  # type: ignore[type-arg]
    """pySHACL's list of constraint parameters, with set-speed ``in`` (same items, same order).

    pySHACL tests every predicate of every shape against this list, once per focus-node batch:
    at 10k triples that was 1.8 million term comparisons, the largest single cost.
    """

    def __init__(self, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self._members = set(self)

    def copy(self) -> _FastMembership:  # type: ignore[override]
        return _FastMembership(self)

    def append(self, item: Any) -> None:
        super().append(item)
        self._members.add(item)

    def __contains__(self, item: object) -> bool:
        return item in self._members


_fast_lock = threading.Lock()


@contextlib.contextmanager
def _pyshacl_fast_paths() -> Iterator[None]:
    """Three shortcuts in pySHACL's hot paths that change no result, for one validation.

    - constraint parameters looked up in a set (``_FastMembership``), not a list;
    - ``sh:class``: a value typed with the class directly is an instance without walking
      ``rdfs:subClassOf`` (the closure has typed it); otherwise the super-classes of each type
      are walked once per validation, not once per value;
    - the plain-text description of each result, which pySHACL writes for its text report and
      this module never reads (it builds its own lines from the results graph), is skipped;
      pySHACL stringified terms for every nested result of sh:or, sh:not and sh:node.

    The equality tests in tests/test_validation.py run pySHACL with and without them.
    """
    from pyshacl import shape as shape_module
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
    from pyshacl.constraints.constraint_component import ConstraintComponent
    from pyshacl.constraints.core.value_constraints import ClassConstraintComponent

    if not _FAST_PATHS_ON:
        yield
        return
    with _fast_lock:
        shape_module.CONSTRAINT_PARAMS = (  # type: ignore[attr-defined]
            _FastMembership(ALL_CONSTRAINT_PARAMETERS),
            CONSTRAINT_PARAMETERS_MAP,
        )
        class_rules = ClassConstraintComponent._evaluate_class_rules_rdflib
        describe = ConstraintComponent.make_v_result_description
        supers: dict[Node, set[Node]] = {}

        def class_rules_fast(self: Any, graph: Any, values: Any, cls: Node) -> Any:
            from rdflib.namespace import RDFS

            reports = []
            failed = False
            for focus, nodes in values.items():
                for value in nodes:
                    if isinstance(value, Literal):
                        found = False
                    elif (value, RDF.type, cls) in graph:
                        continue
                    else:
                        found = False
                        for kind in graph.objects(value, RDF.type):
                            above = supers.get(kind)
                            if above is None:
                                above = supers[kind] = set(
                                    graph.transitive_objects(kind, RDFS.subClassOf)
                                )
                            if cls in above:
                                found = True
                                break
                    if not found:
                        failed = True
                        reports.append(self.make_v_result(graph, focus, value_node=value))
            return failed, reports

        ClassConstraintComponent._evaluate_class_rules_rdflib = class_rules_fast  # type: ignore[method-assign]
        ConstraintComponent.make_v_result_description = lambda self, *a, **k: ""  # type: ignore[method-assign]
        try:
            yield
        finally:
            ClassConstraintComponent._evaluate_class_rules_rdflib = class_rules  # type: ignore[method-assign]
            ConstraintComponent.make_v_result_description = describe  # type: ignore[method-assign]


#: Tests turn this off to compare with pySHACL as shipped.
_FAST_PATHS_ON = True


class _QueryCachingGraph(Graph):
    """A graph that parses each SPARQL text once.

    pySHACL sends the same SHACL-SPARQL query text once per focus node, and rdflib re-parses it
    every time: parsing, not evaluation, was about 80% of validation time on the shipped data.
    """

    #: Shared by every validation in the process: the shapes' query texts are few and fixed.
    _prepared: ClassVar[dict[tuple[str, tuple[tuple[str, str], ...]], Any]] = {}
    #: When set, answers queries on Oxigraph (rdflib's evaluator where Oxigraph cannot).
    answers: _OxigraphAnswers | None = None

    @classmethod
    def view_of(cls, data: Graph) -> _QueryCachingGraph:
        view = cls(store=data.store, identifier=data.identifier)
        view.namespace_manager = data.namespace_manager
        return view

    @classmethod
    def copy_of(cls, data: Graph) -> _QueryCachingGraph:
        copy = cls(bind_namespaces="core")
        for prefix, namespace in data.namespaces():
            copy.bind(prefix, namespace, override=True)
        for triple in data:
            copy.add(triple)
        return copy

    def query(  # type: ignore[override]
        self,
        query_object: Any,
        processor: Any = "sparql",
        result: Any = "sparql",
        initNs: Any = None,
        initBindings: Any = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Any:
        if isinstance(query_object, str) and self.answers is not None:
            answer = self.answers.query(query_object, initBindings)
            if answer is not None:
                return answer
        if isinstance(query_object, str):
            from rdflib.plugins.sparql import prepareQuery

            namespaces = dict(initNs or self.namespaces())
            key = (query_object, tuple(sorted((p, str(n)) for p, n in namespaces.items())))
            prepared = self._prepared.get(key)
            if prepared is None:
                try:
                    prepared = prepareQuery(query_object, initNs=namespaces)
                except Exception as exc:  # pyparsing's ParseException, rdflib's bare Exception
                    detail = " ".join(str(exc).split())
                    raise InputError(f"SHACL shapes: SPARQL error in a shape: {detail}") from exc
                self._prepared[key] = prepared
            query_object = prepared
        return super().query(
            query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
        )


class _OxigraphAnswers:
    """The data graph copied once into an Oxigraph store, answering pySHACL's SPARQL queries.

    pySHACL sends each SHACL-SPARQL query once per focus node, with ``$this`` pre-bound
    (``initBindings``); rdflib's evaluator took about half of validation time. Here the binding
    becomes a pyoxigraph substitution (SEP-0007, the pre-binding SHACL defines), and the rows go
    back as an rdflib Result with the data's own terms, so pySHACL builds the same report. A query
    Oxigraph cannot run (say, a prefix only rdflib's namespace manager knows) returns None and
    rdflib answers it.
    """

    def __init__(self, data: Graph) -> None:
        import pyoxigraph as ox

        from aifactories.query.convert import from_rdflib

        self._ox = ox
        self.store = ox.Store()
        self._to_ox: dict[Node, Any] = {}
        self._to_rdflib: dict[Any, Node] = {}
        bnodes: dict[str, Any] = {}

        def convert(term: Node) -> Any:
            found = self._to_ox.get(term)
            if found is None:
                found = from_rdflib(term, bnodes)
                self._to_ox[term] = found
                self._to_rdflib.setdefault(found, term)
            return found

        self.store.bulk_extend(ox.Quad(convert(s), convert(p), convert(o)) for s, p, o in data)
        self._from_rdflib = from_rdflib
        self._bnodes = bnodes
        self._values: dict[tuple[Node, Any], Node] | None = None

    def _ox_term(self, term: Node) -> Any:
        found = self._to_ox.get(term)
        return found if found is not None else self._from_rdflib(term, self._bnodes)

    def _rdflib_term(self, term: Any) -> Node:
        found = self._to_rdflib.get(term)
        if found is None:
            from aifactories.query.convert import to_rdflib

            found = to_rdflib(term)
            if isinstance(found, Literal) and found.datatype is not None and _hashable(found):
                # the store keeps some literals in canonical form ("82000000.0"^^xsd:decimal
                # comes back "82000000"): give back the data's own literal of that value
                found = self._by_value().get((found.datatype, found.value), found)
        return found

    def _by_value(self) -> dict[tuple[Node, Any], Node]:
        if self._values is None:
            self._values = {}
            for term in self._to_ox:
                if isinstance(term, Literal) and term.datatype is not None and _hashable(term):
                    self._values.setdefault((term.datatype, term.value), term)
        return self._values

    def query(self, text: str, bindings: Any) -> Any:
        from rdflib import Variable
        from rdflib.query import Result

        ox = self._ox
        substitutions = {
            ox.Variable(str(name)): self._ox_term(value)
            for name, value in (bindings or {}).items()
            if value is not None
        }
        try:
            answer = self.store.query(text, substitutions=substitutions)
        except (SyntaxError, ValueError, OSError):
            return None
        if isinstance(answer, ox.QueryBoolean):
            result = Result("ASK")
            result.askAnswer = bool(answer)
            return result
        if not isinstance(answer, ox.QuerySolutions):
            return None
        names = [Variable(v.value) for v in answer.variables]
        rows = []
        for solution in answer:
            row = {}
            for name in names:
                value = solution[str(name)]
                if value is not None:
                    row[name] = self._rdflib_term(value)
            rows.append(row)
        result = Result("SELECT")
        result.vars = names
        result.bindings = rows  # type: ignore[assignment]
        return result


def _hashable(literal: Literal) -> bool:
    """Whether a literal has a value (well-typed) that can key a dict."""
    if literal.value is None:
        return False
    try:
        hash(literal.value)
    except TypeError:
        return False
    return True


def validate_project(
    extra: Sequence[Path | str] = (), *, shapes_path: Path | None = None
) -> ValidationReport:
    """Load the project data plus ``extra`` files or folders, reason, and validate the union."""
    from aifactories.graph import load

    kg = load(extra)  # first, so that a data file's syntax error is reported even without shapes
    from aifactories.progress import progress

    shapes = load_shapes(shapes_path)
    locations = locate_subjects(kg.files, kg.texts)
    with (
        progress("validating against the SHACL shapes"),
        limits.time_limit("VALIDATION_SECONDS", "SHACL validation"),
    ):
        report = validate(kg.union, shapes=shapes, locations=locations)
    if kg.inconsistencies:
        report.inconsistencies = list(kg.inconsistencies)
        report.conforms = False
    _add_ill_typed(report, kg, locations)
    return report


def _add_ill_typed(report: ValidationReport, kg: Any, locations: dict[Node, Location]) -> None:
    """Ill-typed literals as violations (file:line, entity, property, value), not exceptions;
    the reasoner's line for the same literal is dropped."""
    from aifactories.inputs import ill_typed_in_files

    data = kg.asserted
    for s, p, o, why in ill_typed_in_files(kg.files, getattr(kg, "texts", None)):
        report.results.append(
            ValidationResult(
                s,
                p,
                o,
                SH.DatatypeConstraintComponent,
                BNode(),
                SH.Violation,
                f"ill-typed literal {str(o)!r}: {why}",
                _locate(s, data, locations),
            )
        )
        report.inconsistencies = [
            line for line in report.inconsistencies if f"literal '{o}' does not match" not in line
        ]
        report.conforms = False
    report.results.sort(key=_sort_key)


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "message", "") or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _result(
    report: Graph, node: Node, data: Graph, locations: dict[Node, Location]
) -> ValidationResult:
    focus = report.value(node, SH.focusNode)
    messages = sorted(
        (o for o in report.objects(node, SH.resultMessage) if isinstance(o, Literal)),
        key=lambda m: (m.language not in (None, "en"), str(m)),
    )
    component = report.value(node, SH.sourceConstraintComponent)
    severity = report.value(node, SH.resultSeverity)
    path = report.value(node, SH.resultPath)
    assert focus is not None
    return ValidationResult(
        focus_node=focus,
        result_path=_path_node(report, path),
        value=report.value(node, SH.value),
        constraint_component=component if isinstance(component, URIRef) else SH.Violation,
        source_shape=report.value(node, SH.sourceShape) or BNode(),
        severity=severity if isinstance(severity, URIRef) else SH.Violation,
        message=str(messages[0]) if messages else _component_name(component),
        location=_locate(focus, data, locations),
    )


def _path_node(report: Graph, path: Node | None) -> Node | InvPath | MulPath | None:
    """A property path: an IRI stays, ``[sh:inversePath p]`` becomes an rdflib ``InvPath``,
    ``[sh:oneOrMorePath p]`` a ``MulPath`` (``p+``)."""
    if isinstance(path, BNode):
        inverse = report.value(path, SH.inversePath)
        if isinstance(inverse, URIRef):
            return InvPath(inverse)
        repeated = report.value(path, SH.oneOrMorePath)
        if isinstance(repeated, URIRef):
            return MulPath(repeated, OneOrMore)
    return path


def _component_name(component: Node | None) -> str:
    text = str(component or "constraint")
    return text.rsplit("#", 1)[-1].removesuffix("ConstraintComponent") + " constraint not met"


def _locate(focus: Node, data: Graph, locations: dict[Node, Location]) -> Location | None:
    """Where ``focus`` is written; for a blank node, where its nearest named referrer is."""
    seen: set[Node] = set()
    node: Node | None = focus
    while node is not None and node not in seen:
        if node in locations:
            return locations[node]
        seen.add(node)
        node = next(iter(data.subjects(None, node)), None) if isinstance(node, BNode) else None
    return None


def _sort_key(result: ValidationResult) -> tuple:
    where = result.location or (Path("~"), 0)
    return (
        str(where[0]),
        where[1],
        str(result.focus_node),
        str(result.result_path),
        result.message,
        # ties (two results on one node and property) in a fixed order, whichever engine ran
        str(result.value),
        str(result.constraint_component),
        str(result.severity),
    )


# --- where subjects are written ---------------------------------------------------------------

_PREFIX = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([\w.-]*):\s*<([^>]*)>", re.IGNORECASE)
_BASE = re.compile(r"^\s*(?:@base|BASE)\s+<([^>]*)>", re.IGNORECASE)
_SUBJECT = re.compile(r"^(<[^>\s]*>|[A-Za-z_][\w.-]*:[^\s;,()\[\]]*|:[^\s;,()\[\]]*)(?=\s|$)")


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_TERM = re.compile(r"(?<![\w:/#.<-])(<[^>\s]*>|[A-Za-z][\w.-]*:[\w-](?:[\w.-]*[\w-])?)")


def locate_subjects(
    files: Iterable[Path], texts: Mapping[Path, bytes] | None = None
) -> dict[Node, Location]:
    """Map each subject written at column 0 of a Turtle file to its file and line (first wins).

    A cheap line scan, not a second parse: a subject block starts at column 0 as ``<iri>`` or
    ``prefix:local``, expanded with the file's own ``@prefix`` lines. A node that is never a
    subject (say a misspelt ``system:jupitr`` in object position, the typical cause of an
    "undescribed" result) maps to the line that first mentions it. Non-Turtle files are skipped.
    ``texts`` holds files already read (by the loader), which are not read again.
    """
    found: dict[Node, Location] = {}
    mentioned: dict[Node, Location] = {}
    for path in files:
        if path.suffix.lower() not in (".ttl", ".n3"):
            continue
        try:
            known = texts.get(path) if texts is not None else None
            raw = known if known is not None else path.read_bytes()
            lines = raw.decode("utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        prefixes: dict[str, str] = {}
        base = ""
        in_long_string = False
        for number, line in enumerate(lines, start=1):
            starts_in_string = in_long_string
            if (line.count('"""') + line.count("'''")) % 2:
                in_long_string = not in_long_string
            if starts_in_string or line.lstrip().startswith("#"):
                continue
            if m := _PREFIX.match(line):
                prefixes[m.group(1)] = m.group(2)
                continue
            if m := _BASE.match(line):
                base = m.group(1)
                continue
            if m := _SUBJECT.match(line):
                iri = _expand(m.group(1), prefixes, base)
                if iri is not None:
                    found.setdefault(iri, (path, number))
            code = _STRING.sub('""', line.split('"""')[0]).split(" #")[0]
            for token in _TERM.findall(code):
                iri = _expand(token, prefixes, base)
                if iri is not None:
                    mentioned.setdefault(iri, (path, number))
    for iri, where in mentioned.items():
        found.setdefault(iri, where)
    return found


def _expand(token: str, prefixes: dict[str, str], base: str) -> URIRef | None:
    if token.startswith("<"):
        iri = token[1:-1]
        return URIRef(base + iri if base and "://" not in iri else iri)
    prefix, _, local = token.partition(":")
    if prefix not in prefixes or prefix.upper() in ("PREFIX", "BASE"):
        return None
    return URIRef(prefixes[prefix] + local.replace("\\", ""))


# --- one line per result ----------------------------------------------------------------------


def format_result(result: ValidationResult, graph: Graph | None = None) -> str:
    """``file.ttl:42: factory:x (Label): aif:prop = value: message`` — one plain-words line.

    The file is shown relative to the working folder when it lies under it. Without a path the
    property part is left out; without a value, only the property is named.
    """
    parts: list[str] = []
    if result.location is not None:
        parts.append(f"{_relative(result.location[0])}:{result.location[1]}")
    focus = result.focus_node
    name = label(graph, focus) if graph is not None else None
    parts.append(f"{curie(focus)} ({name})" if name and isinstance(focus, URIRef) else show(focus))
    if result.result_path is not None:
        prop = _show_path(result.result_path)
        parts.append(f"{prop} = {show(result.value)}" if result.value is not None else prop)
    elif result.value is not None and result.value != focus:
        parts.append(f"value {show(result.value)}")
    severity = "" if result.is_violation else f"{curie(result.severity).removeprefix('sh:')}: "
    parts.append(severity + result.message)
    return ": ".join(parts)


def _show_path(path: Node | InvPath | MulPath) -> str:
    if isinstance(path, InvPath) and isinstance(path.arg, URIRef):
        return "^" + curie(path.arg)
    if isinstance(path, MulPath) and isinstance(path.path, URIRef):
        return curie(path.path) + path.mod
    return curie(path) if isinstance(path, URIRef) else "[path]"


def _relative(path: Path) -> str:
    """``path`` relative to the working folder when it lies under it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
