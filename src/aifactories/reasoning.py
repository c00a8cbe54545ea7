"""OWL RL closure, kept in its own graph and filtered of reasoner noise.

owlrl is the reference reasoner; this module is the only place that imports it, so it can be
swapped (owlrl is being folded into rdflib upstream) without touching callers.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from aifactories.namespaces import BASE

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


def owl_rl_closure(asserted: Graph) -> Graph:
    """Return the filtered OWL RL entailments of ``asserted`` as a new graph (asserted excluded)."""
    return closure_with_problems(asserted)[0]


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


def closure_with_problems(asserted: Graph) -> tuple[Graph, list[str]]:
    """The filtered entailments, and the inconsistencies the reasoner found, one line each.

    Inconsistencies are owlrl's error messages (disjoint classes sharing an individual, ...) and
    ``owl:sameAs`` inferred between two distinct project entities (a functional property given
    two values). The filter drops both from the inferred graph, so they are reported here
    instead of vanishing.
    """
    work = raw_closure(asserted)
    own = _own_subjects(asserted)
    inferred = Graph(bind_namespaces="core")
    for triple in _new_triples(work, asserted):
        if keep_inferred(triple, own):
            inferred.add(triple)
    return inferred, sorted(_problems(work, own))


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
