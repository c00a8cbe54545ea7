"""rdflib Namespaces for the project's prefixes (table: ``prefixes``), and ``bind_prefixes``."""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import (
    DefinedNamespace,
)

from aifactories.prefixes import BASE, PREFIX_IRIS

ONTOLOGY_IRI = BASE + "ontology"


class AIF(DefinedNamespace):
    """The project's vocabulary, closed: a misspelt term raises AttributeError.

    ``tests/test_namespaces.py`` checks this list against ``ontology/aifactories.ttl``.
    """

    _NS = Namespace(BASE + "ontology#")
    _fail = True

    AIFactory: URIRef
    AIFactoryAntenna: URIRef
    AIOptimisedSupercomputer: URIRef
    Call: URIRef
    City: URIRef
    Company: URIRef
    ComputingSystem: URIRef
    Consortium: URIRef
    Country: URIRef
    ExascaleSupercomputer: URIRef
    ExperimentalPlatform: URIRef
    Facility: URIRef
    Foundation: URIRef
    HPCCentre: URIRef
    IndustryCluster: URIRef
    InferencePlatform: URIRef
    LifeCycleEvent: URIRef
    MidRangeSupercomputer: URIRef
    MonetaryAmount: URIRef
    NationalSupercomputer: URIRef
    NetworkNode: URIRef
    Organisation: URIRef
    PetascaleSupercomputer: URIRef
    Place: URIRef
    PreExascaleSupercomputer: URIRef
    PublicAgency: URIRef
    QualifiedValue: URIRef
    Quantity: URIRef
    QuantumComputer: URIRef
    ResearchOrganisation: URIRef
    Role: URIRef
    SelectionWave: URIRef
    ServiceHub: URIRef
    Site: URIRef
    Source: URIRef
    SourceKind: URIRef
    Supercomputer: URIRef
    SystemUsage: URIRef
    TimeEstimate: URIRef
    University: URIRef
    UsageKind: URIRef

    approximate: URIRef
    collaboratesWith: URIRef
    deploymentEstimate: URIRef
    estimatedDate: URIRef
    estimatedYear: URIRef
    focusArea: URIRef
    hasAntenna: URIRef
    hasMember: URIRef
    hasMembership: URIRef
    hasSystemUsage: URIRef
    hostedBy: URIRef
    inaugurationDate: URIRef
    investment: URIRef
    lifeCycleEvent: URIRef
    isoCode: URIRef
    linkedFactory: URIRef
    locatedIn: URIRef
    memberOf: URIRef
    networkSizeAfter: URIRef
    notBefore: URIRef
    operatedBy: URIRef
    partnerCountry: URIRef
    peakPerformance: URIRef
    participatingStatesAfter: URIRef
    memberStatesAfter: URIRef
    estimatedUntil: URIRef
    conflictsWith: URIRef
    sumOf: URIRef
    top500Rank: URIRef
    hplPerformance: URIRef
    aiPerformance: URIRef
    predecessorOf: URIRef
    selected: URIRef
    selectedCount: URIRef
    selectedIn: URIRef
    selectionDate: URIRef
    sourceKind: URIRef
    standsInFor: URIRef
    statedOn: URIRef
    status: URIRef
    successorOf: URIRef
    underCall: URIRef
    usageKind: URIRef
    usedBy: URIRef
    usedSystem: URIRef
    usesSystem: URIRef
    vendor: URIRef


AIFSH = Namespace(BASE + "shapes#")
ID = Namespace(BASE + "id/")
FACTORY = Namespace(BASE + "id/factory/")
ANTENNA = Namespace(BASE + "id/antenna/")
ORGANISATION = Namespace(BASE + "id/organisation/")
SYSTEM = Namespace(BASE + "id/system/")
PLACE = Namespace(BASE + "id/place/")
SECTOR = Namespace(BASE + "id/sector/")
SOURCE = Namespace(BASE + "id/source/")
WAVE = Namespace(BASE + "id/wave/")
CALL = Namespace(BASE + "id/call/")
ROLE = Namespace(BASE + "id/role/")
USAGE_KIND = Namespace(BASE + "id/usage-kind/")
SOURCE_KIND = Namespace(BASE + "id/source-kind/")
MEMBERSHIP = Namespace(BASE + "id/membership/")
USAGE = Namespace(BASE + "id/usage/")
VALUE = Namespace(BASE + "id/value/")
GRAPH = Namespace(BASE + "graph/")

ASSERTED_GRAPH = GRAPH.asserted
INFERRED_GRAPH = GRAPH.inferred

COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
SCHEMA = Namespace("https://schema.org/")
VANN = Namespace("http://purl.org/vocab/vann/")
SH = Namespace("http://www.w3.org/ns/shacl#")

#: prefix -> Namespace, built from the one table of ``aifactories.prefixes``.
PREFIXES: dict[str, Namespace] = {p: Namespace(iri) for p, iri in PREFIX_IRIS.items()}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes on ``graph`` (replacing clashing bindings) and return it."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def new_graph(identifier: str | None = None) -> Graph:
    """A graph with only core and project prefixes bound, so exports stay tidy."""
    graph = Graph(identifier=identifier, bind_namespaces="core")
    return bind_prefixes(graph)
