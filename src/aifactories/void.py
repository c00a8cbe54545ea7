"""The VoID description of the dataset, shared by the server and ``aifactories release``.

Statistics come from the loaded graphs; only where the data is reached differs: the server names
its SPARQL endpoint and dump URLs, a release names its files by relative IRI. Both describe the
one dataset IRI, ``DATASET_IRI``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID, XSD
from rdflib.term import Node

from aifactories.namespaces import ASSERTED_GRAPH, BASE, INFERRED_GRAPH, new_graph

#: The dataset as a whole (both named graphs); VoID's and DCAT's subject.
DATASET_IRI = URIRef(BASE + "dataset")
#: The URI space of the entities the project mints.
URI_SPACE = BASE + "id/"
#: The licence of the data.
DATA_LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")


@dataclass(frozen=True)
class Stats:
    """Counts of one graph, as VoID states them."""

    triples: int
    entities: int
    classes: int
    properties: int
    subjects: int
    objects: int
    class_partitions: tuple[tuple[URIRef, int], ...]
    property_partitions: tuple[tuple[URIRef, int], ...]
    links: tuple[tuple[str, URIRef, int], ...]
    #: Namespaces of the classes and properties in use (``void:vocabulary``), sorted.
    vocabularies: tuple[str, ...] = ()


def stats(graph: Graph) -> Stats:
    """VoID statistics; ``links`` are (target URI space, predicate, count) of outgoing links."""
    subjects: set[Node] = set()
    objects: set[Node] = set()
    predicates: Counter[URIRef] = Counter()
    classes: dict[URIRef, set[Node]] = {}
    links: Counter[tuple[str, URIRef]] = Counter()
    for s, p, o in graph:
        subjects.add(s)
        objects.add(o)
        predicates[p] += 1  # type: ignore[index]
        if p == RDF.type and isinstance(o, URIRef):
            classes.setdefault(o, set()).add(s)
        elif (
            isinstance(o, URIRef)
            and str(s).startswith(URI_SPACE)
            and not str(o).startswith(BASE)
            and p != RDF.type
        ):
            links[(_space(str(o)), p)] += 1  # type: ignore[index]
    vocab = set(predicates) | set(classes)
    entities = {s for s in subjects if isinstance(s, URIRef) and str(s).startswith(URI_SPACE)}
    return Stats(
        triples=len(graph),
        entities=len(entities),
        classes=len(classes),
        properties=len(predicates),
        subjects=len(subjects),
        objects=len(objects),
        class_partitions=tuple(sorted((c, len(m)) for c, m in classes.items())),
        property_partitions=tuple(sorted(predicates.items())),
        links=tuple(
            sorted((space, p, n) for (space, p), n in links.items() if URIRef(space) not in vocab)
        ),
        vocabularies=tuple(sorted({_space(str(term)) for term in vocab})),
    )


def _space(iri: str) -> str:
    """The namespace part of an IRI: up to its last ``#`` or ``/``."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1] if cut > len("https://") else iri


def void_description(
    st: Stats,
    asserted_triples: int,
    inferred_triples: int,
    title: str,
    *,
    sparql_endpoint: str | None = None,
    lookup_endpoint: str | None = None,
    dumps: Iterable[str] = (),
) -> Graph:
    """VoID for the dataset: counts of ``st`` (the union), the two named graphs as subsets,
    class and property partitions, linksets, and where to query or download it."""
    g = new_graph()
    d = DATASET_IRI
    g.add((d, RDF.type, VOID.Dataset))
    g.add((d, DCTERMS.title, Literal(title, lang="en")))
    g.add((d, DCTERMS.license, DATA_LICENSE))
    if sparql_endpoint is not None:
        g.add((d, VOID.sparqlEndpoint, URIRef(sparql_endpoint)))
    g.add((d, VOID.uriSpace, Literal(URI_SPACE)))
    if lookup_endpoint is not None:
        g.add((d, VOID.uriLookupEndpoint, URIRef(lookup_endpoint)))
    g.add((d, VOID.rootResource, URIRef(BASE + "ontology")))
    g.add((d, VOID.exampleResource, URIRef(BASE + "id/factory/jaif")))
    for dump in dumps:
        g.add((d, VOID.dataDump, URIRef(dump)))
    for namespace in st.vocabularies:
        g.add((d, VOID.vocabulary, URIRef(namespace)))
    g.add((d, VOID.triples, xsd_integer(st.triples)))
    g.add((d, VOID.entities, xsd_integer(st.entities)))
    g.add((d, VOID.classes, xsd_integer(st.classes)))
    g.add((d, VOID.properties, xsd_integer(st.properties)))
    g.add((d, VOID.distinctSubjects, xsd_integer(st.subjects)))
    g.add((d, VOID.distinctObjects, xsd_integer(st.objects)))
    for graph_iri, triples in (
        (ASSERTED_GRAPH, asserted_triples),
        (INFERRED_GRAPH, inferred_triples),
    ):
        g.add((d, VOID.subset, graph_iri))
        g.add((graph_iri, RDF.type, VOID.Dataset))
        g.add((graph_iri, VOID.triples, xsd_integer(triples)))
    for cls, n in st.class_partitions:
        part = BNode()
        g.add((d, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, xsd_integer(n)))
    for prop, n in st.property_partitions:
        part = BNode()
        g.add((d, VOID.propertyPartition, part))
        g.add((part, VOID.property, prop))
        g.add((part, VOID.triples, xsd_integer(n)))
    for space, prop, n in st.links:
        linkset, target = BNode(), BNode()
        g.add((linkset, RDF.type, VOID.Linkset))
        g.add((linkset, VOID.subjectsTarget, d))
        g.add((linkset, VOID.objectsTarget, target))
        g.add((target, RDF.type, VOID.Dataset))
        g.add((target, VOID.uriSpace, Literal(space)))
        g.add((linkset, VOID.linkPredicate, prop))
        g.add((linkset, VOID.triples, xsd_integer(n)))
        g.add((d, VOID.subset, linkset))
    return g


def xsd_integer(n: int) -> Literal:
    return Literal(n, datatype=XSD.integer)
