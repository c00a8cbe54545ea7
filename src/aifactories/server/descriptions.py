"""The SPARQL 1.1 Service Description and the VoID description of the dataset.

Statistics are computed once at start-up from the loaded graphs; only the endpoint and dump URLs
depend on where the server is reached, so a description is a cached graph per public base URL.
That URL comes from the request's Host header, which any client sets: the caches keep the last
``CACHED_BASES`` only, so that a stream of made-up hosts cannot grow the server's memory.
"""

from __future__ import annotations

import functools

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID

from aifactories.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH, new_graph
from aifactories.server import negotiation as neg

# The statistics and the VoID graph live in the library (``aifactories release`` writes them too).
from aifactories.void import DATASET_IRI, URI_SPACE, Stats, stats, void_description
from aifactories.void import xsd_integer as _int

__all__ = ["DATASET_IRI", "SD", "URI_SPACE", "Descriptions", "Stats", "stats"]

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
#: Public base URLs whose descriptions are kept (a proxy, loopback, a LAN name, ...).
CACHED_BASES = 8

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


class Descriptions:
    """VoID and Service Description graphs, built from statistics computed once."""

    def __init__(self, union: Graph, asserted: Graph, inferred: Graph, title: str) -> None:
        self.title = title
        self.union_stats = stats(union)
        self.asserted_triples = len(asserted)
        self.inferred_triples = len(inferred)
        #: VoID for the dataset reached at a public base (``http://host:port/``).
        self.void = functools.lru_cache(CACHED_BASES)(self._build_void)
        #: The Service Description of the endpoint at a public base + ``sparql``.
        self.service = functools.lru_cache(CACHED_BASES)(self._build_service)

    def _build_void(self, public: str) -> Graph:
        return void_description(
            self.union_stats,
            self.asserted_triples,
            self.inferred_triples,
            self.title,
            sparql_endpoint=public + "sparql",
            lookup_endpoint=public + "describe?iri=",
            dumps=[
                f"{public}graph/{name}{ext}"
                for name in ("asserted", "inferred")
                for ext in (".ttl", ".nt")
            ],
        )

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
