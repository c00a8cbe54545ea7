"""The fast reasoner: the OWL RL rules the ontology's axioms call for, run to a fixpoint on sets.

owlrl applies every OWL RL rule to every triple, in pure Python over an rdflib graph, until
nothing changes: seconds on the shipped graph, minutes at 100k triples. Most of that work makes
noise the project's filter drops. This module reads which axioms the graph states (sub-class and
sub-property, equivalence, domain, range, inverse, symmetric, transitive, property chains,
disjoint classes, functional properties) and runs only the rules those axioms feed, semi-naively
(each new triple is joined once with what is known), over Python sets of terms.

It works on any hashable term type: rdflib terms (``RDFLIB``) or pyoxigraph terms (``OXIGRAPH``),
so a big graph can be reasoned over without building rdflib graphs. What it cannot do exactly as
owlrl would (restrictions, class expressions, equality between distinct nodes, and the other
constructs in ``UNSUPPORTED``) it reports by returning None: the caller then runs owlrl, the
reference. ``tests/test_reasoning.py`` checks that the filtered closure equals owlrl's on the
shipped data and on generated graphs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"

#: The reasoners ``--reasoner`` accepts; the first is the default.
REASONERS = ("rules", "owlrl")
DEFAULT_REASONER = REASONERS[0]

Term = Hashable
Triple = tuple[Any, Any, Any]

#: Axiom vocabulary whose rules this module does not run: a graph that states any of it is
#: reasoned by owlrl instead (predicates, then classes used as rdf:type objects).
UNSUPPORTED_PREDICATES = frozenset(
    OWL + name
    for name in (
        "onProperty",
        "someValuesFrom",
        "allValuesFrom",
        "hasValue",
        "intersectionOf",
        "unionOf",
        "complementOf",
        "oneOf",
        "hasKey",
        "propertyDisjointWith",
        "members",
        "distinctMembers",
        "differentFrom",
        "sameAs",
        "maxCardinality",
        "maxQualifiedCardinality",
        "cardinality",
        "qualifiedCardinality",
        "sourceIndividual",
        "onClass",
        "onDataRange",
        "withRestrictions",
        "datatypeComplementOf",
    )
)
UNSUPPORTED_TYPES = frozenset(
    OWL + name
    for name in (
        "IrreflexiveProperty",
        "AsymmetricProperty",
        "AllDisjointClasses",
        "AllDisjointProperties",
        "AllDifferent",
        "NegativePropertyAssertion",
        "Restriction",
        "Nothing",
    )
)


def check_reasoner(name: str) -> str:
    """``name`` if it names a reasoner, else an InputError listing them."""
    if name not in REASONERS:
        from aifactories.errors import InputError

        raise InputError(f"unknown reasoner {name!r} (expected one of {', '.join(REASONERS)})")
    return name


@dataclass(frozen=True)
class TermKind:
    """How to make an IRI and tell the kinds of terms apart, for one RDF library."""

    iri: Callable[[str], Any]
    text: Callable[[Any], str]
    is_literal: Callable[[Any], bool]
    is_blank: Callable[[Any], bool]


def _rdflib() -> TermKind:
    from rdflib import BNode, Literal, URIRef

    return TermKind(
        iri=URIRef,
        text=str,
        is_literal=lambda t: isinstance(t, Literal),
        is_blank=lambda t: isinstance(t, BNode),
    )


def _oxigraph() -> TermKind:
    import pyoxigraph as ox

    return TermKind(
        iri=ox.NamedNode,
        text=lambda t: t.value,
        is_literal=lambda t: isinstance(t, ox.Literal),
        is_blank=lambda t: isinstance(t, ox.BlankNode),
    )


class _Vocab:
    """The RDF/RDFS/OWL terms the rules match, in one term type."""

    def __init__(self, kind: TermKind) -> None:
        iri = kind.iri
        self.type = iri(RDF + "type")
        self.first = iri(RDF + "first")
        self.rest = iri(RDF + "rest")
        self.nil = iri(RDF + "nil")
        self.sub_class = iri(RDFS + "subClassOf")
        self.sub_property = iri(RDFS + "subPropertyOf")
        self.domain = iri(RDFS + "domain")
        self.range = iri(RDFS + "range")
        self.equivalent_class = iri(OWL + "equivalentClass")
        self.equivalent_property = iri(OWL + "equivalentProperty")
        self.inverse = iri(OWL + "inverseOf")
        self.chain = iri(OWL + "propertyChainAxiom")
        self.disjoint = iri(OWL + "disjointWith")
        self.owl_class = iri(OWL + "Class")
        self.thing = iri(OWL + "Thing")
        self.symmetric = iri(OWL + "SymmetricProperty")
        self.transitive = iri(OWL + "TransitiveProperty")
        self.functional = iri(OWL + "FunctionalProperty")
        self.inverse_functional = iri(OWL + "InverseFunctionalProperty")


@dataclass
class Closure:
    """Every triple the rules derive that was not asserted, and owlrl-worded inconsistencies."""

    derived: set[Triple]
    problems: list[str]


class _Facts:
    """Triples indexed by predicate, both ways: p -> s -> {o} and p -> o -> {s}."""

    def __init__(self) -> None:
        self.out: defaultdict[Any, defaultdict[Any, set[Any]]] = defaultdict(
            lambda: defaultdict(set)
        )
        self.into: defaultdict[Any, defaultdict[Any, set[Any]]] = defaultdict(
            lambda: defaultdict(set)
        )

    def add(self, s: Any, p: Any, o: Any) -> bool:
        objects = self.out[p][s]
        if o in objects:
            return False
        objects.add(o)
        self.into[p][o].add(s)
        return True

    def objects(self, s: Any, p: Any) -> set[Any]:
        by_s = self.out.get(p)
        return by_s.get(s, set()) if by_s is not None else set()

    def subjects(self, p: Any, o: Any) -> set[Any]:
        by_o = self.into.get(p)
        return by_o.get(o, set()) if by_o is not None else set()

    def pairs(self, p: Any) -> Iterable[tuple[Any, Any]]:
        for s, objects in self.out.get(p, {}).items():
            for o in objects:
                yield s, o

    def triples(self) -> Iterable[Triple]:
        for p, by_s in self.out.items():
            for s, objects in by_s.items():
                for o in objects:
                    yield s, p, o


def supported(triples: Iterable[Triple], kind: TermKind) -> bool:
    """Whether the graph states only axioms whose rules this module runs."""
    v = _Vocab(kind)
    nothing = kind.iri(OWL + "Nothing")
    for s, p, o in triples:
        if kind.text(p) in UNSUPPORTED_PREDICATES or nothing in (s, o):
            return False
        if p == v.type and not kind.is_literal(o) and kind.text(o) in UNSUPPORTED_TYPES:
            return False
    return True


def closure(triples: Iterable[Triple], kind: TermKind) -> Closure | None:
    """The triples the OWL RL rules derive from ``triples``, or None where owlrl must decide.

    None when the graph states an axiom kind outside this module's rules, or when a functional
    (or inverse-functional) property gives a node two values: owlrl then equates them
    (``owl:sameAs``) and copies every triple across, which the caller leaves to owlrl.
    """
    asserted = list(triples)
    if not supported(asserted, kind):
        return None
    v = _Vocab(kind)
    facts = _Facts()
    for s, p, o in asserted:
        facts.add(s, p, o)
    schema: _Schema | None = None
    delta: list[Triple] = asserted
    while True:
        new_schema = _Schema.read(facts, v, kind)
        if schema is not None and new_schema == schema:
            break
        schema = new_schema
        for triple in schema.derived:
            if facts.add(*triple):
                delta.append(triple)
        _saturate(facts, schema, v, kind, delta)
        delta = list(facts.triples())  # a schema change re-runs every rule on every triple
    if _merges(facts, v):
        return None
    given = set(asserted)
    derived = {t for t in facts.triples() if t not in given}
    return Closure(derived, _disjoint_problems(facts, v, kind))


@dataclass
class _Schema:
    """What the rules need, read from the (schema part of the) facts."""

    super_classes: dict[Any, frozenset[Any]]
    super_properties: dict[Any, frozenset[Any]]
    inverses: dict[Any, frozenset[Any]]
    domains: dict[Any, frozenset[Any]]
    ranges: dict[Any, frozenset[Any]]
    symmetric: frozenset[Any]
    transitive: frozenset[Any]
    #: property -> [(position, chain, super property)] for each chain it appears in.
    chains: dict[Any, tuple[tuple[int, tuple[Any, ...], Any], ...]]
    #: Schema triples the scm-* rules derive (sub-class/property closure, equivalences, ...).
    derived: frozenset[Triple]

    @classmethod
    def read(cls, facts: _Facts, v: _Vocab, kind: TermKind) -> _Schema:
        derived: set[Triple] = set()
        # scm-cls: every class is a sub-class of owl:Thing
        for c in facts.subjects(v.type, v.owl_class):
            derived.add((c, v.sub_class, v.thing))
        classes = _reach(facts, v.sub_class, v.equivalent_class, extra=derived)
        properties = _reach(facts, v.sub_property, v.equivalent_property)
        for relation, equivalence, reach in (
            (v.sub_class, v.equivalent_class, classes),
            (v.sub_property, v.equivalent_property, properties),
        ):
            for a, supers in reach.items():
                for b in supers:
                    if a != b:
                        derived.add((a, relation, b))  # scm-sco / scm-spo / scm-eqc1 / scm-eqp1
                        if a in reach.get(b, ()):
                            derived.add((a, equivalence, b))  # scm-eqc2 / scm-eqp2
        domains = _typed_by(facts, v.domain, classes, properties, derived)
        ranges = _typed_by(facts, v.range, classes, properties, derived)
        inverses: defaultdict[Any, set[Any]] = defaultdict(set)
        for a, b in facts.pairs(v.inverse):
            inverses[a].add(b)
            inverses[b].add(a)
        chains: defaultdict[Any, list[tuple[int, tuple[Any, ...], Any]]] = defaultdict(list)
        for prop, head in facts.pairs(v.chain):
            links = _list(facts, head, v)
            if links:
                for i, link in enumerate(links):
                    chains[link].append((i, links, prop))
        return cls(
            super_classes={c: frozenset(s - {c}) for c, s in classes.items() if s - {c}},
            super_properties={p: frozenset(s - {p}) for p, s in properties.items() if s - {p}},
            inverses={p: frozenset(s) for p, s in inverses.items()},
            domains=domains,
            ranges=ranges,
            symmetric=frozenset(facts.subjects(v.type, v.symmetric)),
            transitive=frozenset(facts.subjects(v.type, v.transitive)),
            chains={p: tuple(c) for p, c in chains.items()},
            derived=frozenset(derived),
        )


def _reach(
    facts: _Facts, relation: Any, equivalence: Any, extra: Iterable[Triple] = ()
) -> dict[Any, set[Any]]:
    """Transitive closure of ``relation``, with ``equivalence`` read as both directions."""
    edges: defaultdict[Any, set[Any]] = defaultdict(set)
    for a, b in facts.pairs(relation):
        edges[a].add(b)
    for a, b in facts.pairs(equivalence):
        edges[a].add(b)
        edges[b].add(a)
    for a, p, b in extra:
        if p == relation:
            edges[a].add(b)
    out: dict[Any, set[Any]] = {}
    for start in list(edges):
        seen: set[Any] = set()
        stack = list(edges[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, ()))
        out[start] = seen
    return out


def _typed_by(
    facts: _Facts,
    axiom: Any,
    classes: dict[Any, set[Any]],
    properties: dict[Any, set[Any]],
    derived: set[Triple],
) -> dict[Any, frozenset[Any]]:
    """Domain (or range) classes of each property: stated, of its super-properties (scm-dom2),
    and their super-classes (scm-dom1); the schema triples this adds go to ``derived``."""
    stated: defaultdict[Any, set[Any]] = defaultdict(set)
    for p, c in facts.pairs(axiom):
        stated[p].add(c)
    out: dict[Any, frozenset[Any]] = {}
    every = set(stated) | {p for p, supers in properties.items() if supers & set(stated)}
    for p in every:
        found: set[Any] = set()
        for q in {p} | properties.get(p, set()):
            for c in stated.get(q, ()):
                found.add(c)
                found |= classes.get(c, set())
        for c in found:
            derived.add((p, axiom, c))
        out[p] = frozenset(found)
    return out


def _list(facts: _Facts, head: Any, v: _Vocab) -> tuple[Any, ...]:
    items: list[Any] = []
    seen: set[Any] = set()
    while head != v.nil and head not in seen:
        seen.add(head)
        first = facts.objects(head, v.first)
        rest = facts.objects(head, v.rest)
        if len(first) != 1 or len(rest) != 1:
            return ()
        items.append(next(iter(first)))
        head = next(iter(rest))
    return tuple(items) if head == v.nil else ()


def _saturate(
    facts: _Facts, schema: _Schema, v: _Vocab, kind: TermKind, delta: list[Triple]
) -> None:
    """Apply the data rules until no new triple appears; each new triple is handled once."""
    found: list[Triple] = []

    def add(s: Any, p: Any, o: Any) -> None:
        if facts.add(s, p, o):
            found.append((s, p, o))

    todo = delta
    while todo:
        found.clear()
        for s, p, o in todo:
            if p == v.type:
                for c in schema.super_classes.get(o, ()):  # cax-sco, cax-eqc
                    add(s, v.type, c)
            for q in schema.super_properties.get(p, ()):  # prp-spo1, prp-eqp
                add(s, q, o)
            for c in schema.domains.get(p, ()):  # prp-dom
                add(s, v.type, c)
            for c in schema.ranges.get(p, ()):  # prp-rng
                add(o, v.type, c)
            for q in schema.inverses.get(p, ()):  # prp-inv1, prp-inv2
                add(o, q, s)
            if p in schema.symmetric:  # prp-symp
                add(o, p, s)
            if p in schema.transitive:  # prp-trp, both ways
                for after in list(facts.objects(o, p)):
                    add(s, p, after)
                for before in list(facts.subjects(p, s)):
                    add(before, p, o)
            for position, links, prop in schema.chains.get(p, ()):  # prp-spo2
                for start in _walk(facts, s, links[:position][::-1], backward=True):
                    for end in _walk(facts, o, links[position + 1 :], backward=False):
                        add(start, prop, end)
        todo = list(found)


def _walk(facts: _Facts, node: Any, links: Iterable[Any], *, backward: bool) -> set[Any]:
    nodes = {node}
    for link in links:
        step: set[Any] = set()
        for n in nodes:
            step |= facts.subjects(link, n) if backward else facts.objects(n, link)
        nodes = step
        if not nodes:
            break
    return nodes


def _merges(facts: _Facts, v: _Vocab) -> bool:
    """Whether a functional or inverse-functional property gives one node two values."""
    for prop in facts.subjects(v.type, v.functional):
        if any(len(objects) > 1 for objects in facts.out.get(prop, {}).values()):
            return True
    for prop in facts.subjects(v.type, v.inverse_functional):
        if any(len(subjects) > 1 for subjects in facts.into.get(prop, {}).values()):
            return True
    return False


def _disjoint_problems(facts: _Facts, v: _Vocab, kind: TermKind) -> list[str]:
    """cax-dw, in owlrl's words: a node of two classes stated disjoint."""
    problems: list[str] = []
    for c1, c2 in facts.pairs(v.disjoint):
        members = facts.subjects(v.type, c2)
        for x in facts.subjects(v.type, c1):
            if x in members:
                problems.append(  # owlrl's words
                    f"Disjoint classes {kind.text(c1)} and {kind.text(c2)} have a common"
                    f" individual {kind.text(x)}"
                )
    return problems


RDFLIB_KIND: TermKind | None = None


def rdflib_kind() -> TermKind:
    global RDFLIB_KIND
    if RDFLIB_KIND is None:
        RDFLIB_KIND = _rdflib()
    return RDFLIB_KIND


def oxigraph_kind() -> TermKind:
    return _oxigraph()
