"""Term resolution shared by ``describe`` and stored-query parameters, and term display."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import ORG, RDF, RDFS, SKOS, XSD

from aifactories.errors import TermLookupError
from aifactories.graph import KnowledgeGraph
from aifactories.namespaces import AIF, FACTORY, ORGANISATION, SYSTEM
from aifactories.query import engines
from aifactories.terms import curie, expand_curie, resolve, resolve_name, show


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("factory:jaif", FACTORY.jaif),  # CURIE
        (str(FACTORY.jaif), FACTORY.jaif),  # IRI
        (f"<{FACTORY.jaif}>", FACTORY.jaif),  # IRI in angle brackets
        ("JUPITER AI Factory", FACTORY.jaif),  # rdfs:label
        ("jaif", FACTORY.jaif),  # acronym (skos:altLabel), any case
        ("  JAIF ", FACTORY.jaif),
        ("AI2F", FACTORY.ai2f),
        ("PSNC", ORGANISATION.psnc),
        ("Alice Recoque", SYSTEM["alice-recoque"]),
        ("AI:AT", FACTORY["ai-at"]),  # an acronym that looks like a CURIE
        ("brain++", FACTORY["brain-pp"]),
    ],
)
def test_resolve(kg: KnowledgeGraph, term: str, expected: object) -> None:
    assert resolve(kg.union, term) == expected


def test_resolve_checks_the_class_through_inferred_superclasses(kg: KnowledgeGraph) -> None:
    # JUPITER is asserted an exascale supercomputer; ComputingSystem is inferred
    assert resolve(kg.union, "JUPITER", classes=[AIF.ComputingSystem]) == SYSTEM.jupiter
    assert resolve(kg.union, "jaif", classes=[AIF.Organisation, AIF.AIFactory]) == FACTORY.jaif
    with pytest.raises(TermLookupError, match="names no aif:Organisation"):
        resolve(kg.union, "JUPITER", classes=[AIF.Organisation])
    with pytest.raises(TermLookupError, match="not a aif:AIFactory"):
        resolve(kg.union, "system:jupiter", classes=[AIF.AIFactory])


def test_unknown_term_lists_close_matches(kg: KnowledgeGraph) -> None:
    with pytest.raises(TermLookupError) as err:
        resolve(kg.union, "Jupitr")
    assert "no entity" in str(err.value)
    assert any(c.startswith("system:jupiter") for c in err.value.candidates)


def test_unknown_iri_and_empty_term(kg: KnowledgeGraph) -> None:
    with pytest.raises(TermLookupError, match="no entity with this IRI"):
        resolve(kg.union, "factory:nope")
    with pytest.raises(TermLookupError, match="empty"):
        resolve(kg.union, " ")


def test_ambiguous_term_lists_every_candidate(kg: KnowledgeGraph) -> None:
    graph = Graph()
    graph += kg.union  # a copy: the session graph stays untouched
    graph.add((FACTORY["other-jaif"], SKOS.altLabel, Literal("JAIF")))
    # two network nodes of one name: no rule settles it (docs/names.md)
    graph.add((FACTORY["other-jaif"], RDF.type, AIF.AIFactoryAntenna))
    with pytest.raises(TermLookupError, match="ambiguous") as err:
        resolve(graph, "jaif")
    assert any(c.startswith("factory:jaif ") for c in err.value.candidates)
    assert "factory:other-jaif" in err.value.candidates
    # a class restriction that only one of them meets settles it
    assert resolve(graph, "jaif", classes=[AIF.AIFactory]) == FACTORY.jaif


def test_curie_and_show() -> None:
    assert curie(FACTORY.jaif) == "factory:jaif"
    assert curie(AIF.AIFactory) == "aif:AIFactory"
    assert curie(FACTORY["a/b"]) == f"<{FACTORY}a/b>"  # not a valid local name
    assert expand_curie("system:jupiter") == SYSTEM.jupiter
    assert expand_curie("nope:x") is None
    assert show(Literal("2026", datatype=XSD.gYear)) == '"2026"^^xsd:gYear'
    assert show(Literal("Jülich", lang="en")) == '"Jülich"@en'
    assert show(Literal(13)) == "13"


# --- The name rule (docs/names.md) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "entity", "other"),
    [
        ("PIAST", FACTORY.piast, "system:piast-q"),  # the factory's acronym; Piast the system's
        ("Mimer", FACTORY.mimer, "system:mimer"),  # the factory's acronym; the system's label
    ],
)
def test_network_node_wins_an_untyped_look_up(
    kg: KnowledgeGraph, name: str, entity: URIRef, other: str
) -> None:
    for source in (kg.union, engines.open_engine("oxigraph", kg)):
        found = resolve_name(source, name)
        assert found.entity.value == str(entity)
        assert found.note is not None and other in found.note


def test_a_typed_look_up_only_considers_its_class(kg: KnowledgeGraph) -> None:
    assert resolve(kg.union, "PIAST", classes=[AIF.ComputingSystem]) == SYSTEM["piast-q"]
    assert resolve(kg.union, "Mimer", classes=[AIF.ComputingSystem]) == SYSTEM.mimer
    assert resolve(kg.union, "Mimer", classes=[AIF.AIFactory]) == FACTORY.mimer


EXN = "http://example.org/"


def sites_graph(link: str) -> Graph:
    """An organisation and its site, both named "Example Centre", linked as ``link`` says."""
    graph = Graph()
    org, site = URIRef(EXN + "org"), URIRef(EXN + "site")
    graph.add((org, RDF.type, AIF.Organisation))
    graph.add((org, RDFS.label, Literal("Example Centre – National Lab", lang="en")))
    graph.add((site, RDF.type, AIF.Site))
    graph.add((site, SKOS.altLabel, Literal("Example Centre")))
    if link == "siteOf":
        graph.add((site, ORG.siteOf, org))
    elif link == "hasSite":
        graph.add((org, ORG.hasSite, site))
        graph.add((org, SKOS.altLabel, Literal("Example Centre")))
    return graph


@pytest.mark.parametrize("link", ["siteOf", "hasSite"])
def test_organisations_win_over_their_sites(link: str) -> None:
    graph = sites_graph(link)
    assert resolve(graph, "example centre") == URIRef(EXN + "org")
    # a typed look-up of a site still finds the site
    assert resolve(graph, "Example Centre", classes=[AIF.Site]) == URIRef(EXN + "site")


def test_a_site_without_its_organisation_is_the_site() -> None:
    assert resolve(sites_graph("none"), "Example Centre") == URIRef(EXN + "site")
