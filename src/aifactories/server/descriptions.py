"""The SPARQL 1.1 Service Description and the VoID description of the dataset.

Statistics are computed once at start-up from the loaded graphs; only the endpoint and dump URLs
depend on where the server is reached, so a description is a cached graph per public base URL.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID, XSD
from rdflib.term import Node

from aifactories.namespaces import ASSERTED_GRAPH, BASE, INFERRED_GRAPH, PREFIXES, new_graph
from aifactories.server import negotiation as neg

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
#: The dataset as a whole (both named graphs); VoID's subject.
DATASET_IRI = URIRef(BASE + "dataset")
#: The URI space of the entities the project mints.
URI_SPACE = BASE + "id/"

_FORMAT_IRIS = {
    neg.SPARQL_JSON: FORMATS.SPARQL_Results_JSON,
    neg.SPARQL_XML: FORMATS.SPARQL_Results_XML,
    neg.CSV: FORMATS.SPARQL_Results_CSV,
    neg.TSV: FORMATS.SPARQL_Results_TSV,
    neg.TURTLE: FORMATS.Turtle,
    neg.NTRIPLES: FORMATS["N-Triples"],
    neg.JSONLD: FORMATS["JSON-LD"],
    neg.RDFXML: FORMATS.RDF_XML,
}


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
    )


def _space(iri: str) -> str:
    """The namespace part of an IRI: up to its last ``#`` or ``/``."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1] if cut > len("https://") else iri


class Descriptions:
    """VoID and Service Description graphs, built from statistics computed once."""

    def __init__(self, union: Graph, asserted: Graph, inferred: Graph, title: str) -> None:
        self.title = title
        self.union_stats = stats(union)
        self.asserted_triples = len(asserted)
        self.inferred_triples = len(inferred)
        self._void: dict[str, Graph] = {}
        self._sd: dict[str, Graph] = {}

    def void(self, public_base: str) -> Graph:
        """VoID for the dataset reached at ``public_base`` (``http://host:port/``)."""
        if public_base not in self._void:
            self._void[public_base] = self._build_void(public_base)
        return self._void[public_base]

    def _build_void(self, public: str) -> Graph:
        g = new_graph()
        st = self.union_stats
        d = DATASET_IRI
        g.add((d, RDF.type, VOID.Dataset))
        g.add((d, DCTERMS.title, Literal(self.title, lang="en")))
        g.add((d, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
        g.add((d, VOID.sparqlEndpoint, URIRef(public + "sparql")))
        g.add((d, VOID.uriSpace, Literal(URI_SPACE)))
        g.add((d, VOID.uriLookupEndpoint, URIRef(public + "describe?iri=")))
        g.add((d, VOID.rootResource, URIRef(BASE + "ontology")))
        g.add((d, VOID.exampleResource, URIRef(BASE + "id/factory/jaif")))
        for name in ("asserted", "inferred"):
            for ext in (".ttl", ".nt"):
                g.add((d, VOID.dataDump, URIRef(f"{public}graph/{name}{ext}")))
        for prefix in ("aif", "org", "skos", "schema", "dcterms", "prov", "foaf", "dcat"):
            g.add((d, VOID.vocabulary, URIRef(str(PREFIXES[prefix]))))
        self._counts(g, d, st)
        for graph_iri, triples in (
            (ASSERTED_GRAPH, self.asserted_triples),
            (INFERRED_GRAPH, self.inferred_triples),
        ):
            g.add((d, VOID.subset, graph_iri))
            g.add((graph_iri, RDF.type, VOID.Dataset))
            g.add((graph_iri, VOID.triples, _int(triples)))
        for cls, n in st.class_partitions:
            part = BNode()
            g.add((d, VOID.classPartition, part))
            g.add((part, VOID["class"], cls))
            g.add((part, VOID.entities, _int(n)))
        for prop, n in st.property_partitions:
            part = BNode()
            g.add((d, VOID.propertyPartition, part))
            g.add((part, VOID.property, prop))
            g.add((part, VOID.triples, _int(n)))
        for space, prop, n in st.links:
            linkset, target = BNode(), BNode()
            g.add((linkset, RDF.type, VOID.Linkset))
            g.add((linkset, VOID.subjectsTarget, d))
            g.add((linkset, VOID.objectsTarget, target))
            g.add((target, RDF.type, VOID.Dataset))
            g.add((target, VOID.uriSpace, Literal(space)))
            g.add((linkset, VOID.linkPredicate, prop))
            g.add((linkset, VOID.triples, _int(n)))
            g.add((d, VOID.subset, linkset))
        return g

    @staticmethod
    def _counts(g: Graph, d: Node, st: Stats) -> None:
        g.add((d, VOID.triples, _int(st.triples)))
        g.add((d, VOID.entities, _int(st.entities)))
        g.add((d, VOID.classes, _int(st.classes)))
        g.add((d, VOID.properties, _int(st.properties)))
        g.add((d, VOID.distinctSubjects, _int(st.subjects)))
        g.add((d, VOID.distinctObjects, _int(st.objects)))

    def service(self, public_base: str) -> Graph:
        """The SPARQL 1.1 Service Description of the endpoint at ``public_base + 'sparql'``."""
        if public_base not in self._sd:
            self._sd[public_base] = self._build_service(public_base)
        return self._sd[public_base]

    def _build_service(self, public: str) -> Graph:
        g = new_graph()
        g.bind("sd", SD)
        service = URIRef(public + "sparql")
        g.add((service, RDF.type, SD.Service))
        g.add((service, SD.endpoint, service))
        g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
        g.add((service, SD.feature, SD.UnionDefaultGraph))
        for fmt in (*neg.RESULT_FORMATS, *neg.GRAPH_FORMATS):
            g.add((service, SD.resultFormat, _FORMAT_IRIS[fmt]))
        dataset = BNode()
        g.add((service, SD.defaultDataset, dataset))
        g.add((dataset, RDF.type, SD.Dataset))
        g.add((dataset, DCTERMS.title, Literal(self.title, lang="en")))
        g.add((dataset, VOID.sparqlEndpoint, service))
        default = BNode()
        g.add((dataset, SD.defaultGraph, default))
        g.add((default, RDF.type, SD.Graph))
        g.add((default, VOID.triples, _int(self.union_stats.triples)))
        g.add(
            (
                default,
                DCTERMS.description,
                Literal("The union of the asserted and the inferred graph.", lang="en"),
            )
        )
        for graph_iri, triples in (
            (ASSERTED_GRAPH, self.asserted_triples),
            (INFERRED_GRAPH, self.inferred_triples),
        ):
            named, graph = BNode(), BNode()
            g.add((dataset, SD.namedGraph, named))
            g.add((named, RDF.type, SD.NamedGraph))
            g.add((named, SD.name, graph_iri))
            g.add((named, SD.graph, graph))
            g.add((graph, RDF.type, SD.Graph))
            g.add((graph, VOID.triples, _int(triples)))
        return g


def _int(n: int) -> Literal:
    return Literal(n, datatype=XSD.integer)
