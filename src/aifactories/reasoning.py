"""OWL RL closure, kept in its own graph and filtered of reasoner noise.

Two reasoners give the same filtered closure: ``rules`` (the default, ``aifactories.rules``: the
rules the ontology's axioms call for, run on Python sets, about 20x faster) and ``owlrl``, the
reference, which ``rules`` hands over to for any axiom kind it does not cover. This module is the
only place that imports owlrl, so it can be swapped without touching callers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from aifactories.namespaces import BASE
from aifactories.rules import DEFAULT_REASONER, REASONERS, check_reasoner

__all__ = ["DEFAULT_REASONER", "REASONERS", "check_reasoner", "closure_of", "closure_with_problems"]

#: Objects of rdf:type that say nothing about our entities.
_TRIVIAL_TYPES = frozenset({OWL.Thing, RDFS.Resource, OWL.NamedIndividual, RDFS.Class, OWL.Class})


def _own_subjects(asserted: Graph) -> set[Node]:
    """IRIs the data describes: subjects of asserted triples, minus ontology terms and built-ins."""
    ontology = BASE + "ontology"
    return {
        s
        for s in asserted.subjects(unique=True)
        if isinstance(s, URIRef) and not _is_builtin(s) and not str(s).startswith(ontology)
    }


def _is_builtin(term: Node) -> bool:
    text = str(term)
    return any(
        text.startswith(str(ns)) for ns in (RDF, RDFS, OWL, "http://www.w3.org/2001/XMLSchema#")
    )


def keep_inferred(triple: tuple[Node, Node, Node], own: set[Node]) -> bool:
    """Whether an inferred triple is worth keeping: a fact about one of the project's entities.

    Dropped as noise: reflexive ``owl:sameAs``; anything about a literal, a blank node or a
    built-in (RDF/RDFS/OWL/XSD) term; typing with trivial classes; triples whose object is a blank
    node (restrictions and lists of the ontology's axioms); schema terms' reflexive
    ``rdfs:subClassOf``/``subPropertyOf``/``equivalentClass``/``equivalentProperty``.
    """
    s, p, o = triple
    if not isinstance(s, URIRef) or s not in own:
        return False
    if isinstance(o, BNode):
        return False
    if p == OWL.sameAs or (s == o and p in _REFLEXIVE):
        return False
    if p == RDF.type and (o in _TRIVIAL_TYPES or (isinstance(o, URIRef) and _is_builtin(o))):
        return False
    return not (isinstance(o, Literal) and p == RDF.type)


_REFLEXIVE = frozenset(
    {RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty}
)


def owl_rl_closure(asserted: Graph, reasoner: str = DEFAULT_REASONER) -> Graph:
    """Return the filtered OWL RL entailments of ``asserted`` as a new graph (asserted excluded)."""
    return closure_with_problems(asserted, reasoner)[0]


def raw_closure(asserted: Graph) -> Graph:
    """owlrl's unfiltered output: ``asserted`` plus every entailment, noise included."""
    import owlrl  # deferred: only paid for when reasoning actually runs

    work = Graph()
    for triple in asserted:
        work.add(triple)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(work)
    return work


#: owlrl records an inconsistency (e.g. an individual of two disjoint classes) as a blank node
#: typed with this class, carrying the message under ``_ERROR``.
_ERROR_CLASS = URIRef("http://www.daml.org/2002/03/agents/agent-ont#ErrorMessage")
_ERROR = URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")


def closure_with_problems(
    asserted: Graph, reasoner: str = DEFAULT_REASONER
) -> tuple[Graph, list[str]]:
    """The filtered entailments, and the inconsistencies the reasoner found, one line each.

    ``reasoner`` is ``rules`` (fast; falls back to owlrl where its rules do not reach) or
    ``owlrl`` (the reference). Both give the same graph and the same messages.

    Inconsistencies are owlrl's error messages (disjoint classes sharing an individual, a literal
    not valid for its datatype, ...) and ``owl:sameAs`` inferred between two distinct project
    entities (a functional property given two values). The filter drops both from the inferred
    graph, so they are reported here instead of vanishing.

    For speed, triples of *inert* properties (no axiom mentions them: labels, sources, URLs ...)
    are set aside before owlrl runs: in OWL RL they entail only noise that the filter drops, so
    the result is the same. The one exception, equality between distinct nodes (which copies
    every triple across), makes this fall back to reasoning over everything.
    """
    if check_reasoner(reasoner) == "rules":
        fast = _rules_closure(asserted)
        if fast is not None:
            return fast
    reduced, set_aside = split_inert(asserted)
    work = raw_closure(reduced)
    if _merges_nodes(work):
        work, set_aside = raw_closure(asserted), []
    own = _own_subjects(asserted)
    inferred = Graph(bind_namespaces="core")
    for triple in _new_triples(work, asserted):
        if keep_inferred(triple, own):
            inferred.add(triple)
    problems = {*_problems(work, own), *_ill_typed(o for _, _, o in set_aside)}
    return inferred, sorted(problems)


def closure_of(triples: list[Any], reasoner: str = DEFAULT_REASONER) -> tuple[list[Any], list[str]]:
    """``closure_with_problems`` on pyoxigraph triples: inferred triples (filtered) and problems.

    The rules run on the pyoxigraph terms directly; owlrl (asked for, or where the rules hand
    over) gets an rdflib graph of them, and its answer comes back as pyoxigraph terms.
    """
    from aifactories import rules

    if check_reasoner(reasoner) == "rules":
        kind = rules.oxigraph_kind()
        result = rules.closure(triples, kind)
        if result is not None:
            own = _own_subjects_of(triples, kind)
            inferred = [t for t in result.derived if _keep(t, own, kind)]
            problems = {f"inconsistent data: {m}" for m in result.problems}
            problems.update(_ill_typed_values(triples, kind))
            return inferred, sorted(problems)
    from aifactories.query.convert import from_rdflib, to_rdflib

    graph = Graph()
    memo: dict[Any, Any] = {}
    for triple in triples:
        graph.add(tuple(memo.get(t) or memo.setdefault(t, to_rdflib(t)) for t in triple))  # type: ignore[arg-type]
    closure, problems = closure_with_problems(graph, "owlrl")
    bnodes: dict[str, Any] = {}
    back: dict[Any, Any] = {v: k for k, v in memo.items()}

    def convert(term: Any) -> Any:
        found = back.get(term)
        return found if found is not None else from_rdflib(term, bnodes)

    return [(convert(s), convert(p), convert(o)) for s, p, o in closure], problems


_BUILTINS = (str(RDF), str(RDFS), str(OWL), "http://www.w3.org/2001/XMLSchema#")
_ONTOLOGY = BASE + "ontology"
_TRIVIAL_TEXT = frozenset(str(t) for t in _TRIVIAL_TYPES)
_REFLEXIVE_TEXT = frozenset(
    str(t)
    for t in (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty)
)


def _own_subjects_of(triples: Iterable[Any], kind: Any) -> set[Any]:
    """``_own_subjects`` for any term type."""
    own: set[Any] = set()
    seen: set[Any] = set()
    for s, _, _ in triples:
        if s in seen:
            continue
        seen.add(s)
        if kind.is_literal(s) or kind.is_blank(s):
            continue
        text = kind.text(s)
        if not text.startswith(_BUILTINS) and not text.startswith(_ONTOLOGY):
            own.add(s)
    return own


def _keep(triple: tuple[Any, Any, Any], own: set[Any], kind: Any) -> bool:
    """``keep_inferred`` for any term type."""
    s, p, o = triple
    if s not in own or kind.is_blank(o):
        return False
    predicate = kind.text(p)
    if predicate == str(OWL.sameAs) or (s == o and predicate in _REFLEXIVE_TEXT):
        return False
    if predicate == str(RDF.type):
        if kind.is_literal(o):
            return False
        text = kind.text(o)
        return text not in _TRIVIAL_TEXT and not text.startswith(_BUILTINS)
    return True


def _ill_typed_values(triples: Iterable[Any], kind: Any) -> Iterable[str]:
    """``_ill_typed`` for pyoxigraph literals (same converters, same message)."""
    from owlrl.DatatypeHandling import AltXSDToPYTHON
    from owlrl.XsdDatatypes import OWL_RL_Datatypes

    checked: set[Any] = set()
    for _, _, value in triples:
        if not kind.is_literal(value) or value in checked:
            continue
        checked.add(value)
        datatype = URIRef(value.datatype.value) if value.datatype is not None else None
        if value.language or datatype not in OWL_RL_Datatypes:
            continue
        convert = AltXSDToPYTHON.get(datatype)
        if convert is None:
            continue
        try:
            convert(value.value)
        except (ValueError, ArithmeticError):  # decimal.InvalidOperation is the latter
            yield (
                f"inconsistent data: Lexical value of the literal '{value.value}' does not match"
                f" its datatype ({datatype})"
            )


def _rules_closure(asserted: Graph) -> tuple[Graph, list[str]] | None:
    from aifactories import rules

    result = rules.closure(asserted, rules.rdflib_kind())
    if result is None:
        return None
    own = _own_subjects(asserted)
    inferred = Graph(bind_namespaces="core")
    for triple in result.derived:
        if keep_inferred(triple, own):
            inferred.add(triple)
    problems = {f"inconsistent data: {m}" for m in result.problems}
    problems.update(_ill_typed(o for _, _, o in asserted))
    return inferred, sorted(problems)


#: Properties whose own triples carry no OWL RL semantics, when no axiom is stated about them.
_ANNOTATIONS = frozenset(
    {RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, OWL.versionInfo, OWL.versionIRI}
)
_DECLARATIONS = frozenset(
    {RDF.Property, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}
)
_ALLOWED_ON_INERT = frozenset({RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy})


def split_inert(asserted: Graph) -> tuple[Graph, list[tuple[Node, Node, Node]]]:
    """Split ``asserted`` into what owlrl needs and the triples of inert properties.

    A property is inert when it is an annotation property or lies outside the RDF/RDFS/OWL
    vocabularies, and no triple uses it as an object (restrictions, property chains, keys,
    inverses, sub- and equivalent properties all do) or says more about it than a declaration,
    a label or a comment. Such a property has no domain, range, characteristic or super-property,
    so its triples feed no OWL RL rule except reflexive equality and literal typing.
    """
    inert: dict[Node, bool] = {}

    def is_inert(p: Node) -> bool:
        if p not in inert:
            inert[p] = (p in _ANNOTATIONS or not _is_builtin(p)) and _only_declared(asserted, p)
        return inert[p]

    reduced = Graph()
    set_aside: list[tuple[Node, Node, Node]] = []
    for triple in asserted:
        if is_inert(triple[1]):
            set_aside.append(triple)
        else:
            reduced.add(triple)
    return reduced, set_aside


def _only_declared(graph: Graph, p: Node) -> bool:
    if (None, None, p) in graph:
        return False
    for q, o in graph.predicate_objects(p):
        if q == RDF.type:
            if o not in _DECLARATIONS:
                return False
        elif _is_builtin(q) and q not in _ALLOWED_ON_INERT:
            return False
    return True


def _merges_nodes(work: Graph) -> bool:
    """Whether owlrl equated two distinct IRIs or blank nodes (equal literals don't count)."""
    return any(
        s != o and not isinstance(s, Literal) and not isinstance(o, Literal)
        for s, o in work.subject_objects(OWL.sameAs)
    )


def _ill_typed(values: Iterable[Node]) -> Iterable[str]:
    """owlrl's dt-not-type check, for literals set aside: same test, same message."""
    from owlrl.DatatypeHandling import AltXSDToPYTHON
    from owlrl.XsdDatatypes import OWL_RL_Datatypes

    for value in values:
        if isinstance(value, Literal) and value.datatype in OWL_RL_Datatypes:
            convert = AltXSDToPYTHON.get(value.datatype)
            if convert is None:
                continue
            try:
                convert(str(value))
            except (ValueError, ArithmeticError):  # decimal.InvalidOperation is the latter
                yield (
                    f"inconsistent data: Lexical value of the literal '{value}' does not match"
                    f" its datatype ({value.datatype})"
                )


def _problems(work: Graph, own: set[Node]) -> Iterable[str]:
    for node in work.subjects(RDF.type, _ERROR_CLASS):
        for message in work.objects(node, _ERROR):
            yield f"inconsistent data: {message}"
    for s, o in work.subject_objects(OWL.sameAs):
        if s != o and s in own and o in own and str(s) < str(o):
            yield (
                f"inconsistent data: {s} and {o} are inferred to be the same entity "
                "(owl:sameAs), e.g. from two values of a functional property"
            )


def _new_triples(work: Graph, asserted: Graph) -> Iterable[tuple[Node, Node, Node]]:
    for triple in work:
        if triple not in asserted:
            yield triple
