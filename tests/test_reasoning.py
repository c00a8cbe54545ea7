"""OWL RL reasoning: each axiom kind of the ontology shows the triple it infers, and the noise
filter drops owlrl's noise while keeping the facts.

Facts on the shipped data are checked against the session graph ``kg``; expectations come from the
seed press release and the reference tables (shared/seed, shared/reference). Axioms that add nothing
new on well-typed data (domain, range) or that only fire on bad data (functional, disjoint) are
shown on a few triples reasoned together with the real ontology.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from aifactories import resources
from aifactories.graph import KnowledgeGraph, parse_file
from aifactories.namespaces import (
    AIF,
    ANTENNA,
    COUNTRY,
    FACTORY,
    MEMBERSHIP,
    ORGANISATION,
    PLACE,
    SCHEMA,
    SECTOR,
    SYSTEM,
    USAGE,
    WAVE,
    new_graph,
)
from aifactories.reasoning import closure_with_problems, owl_rl_closure, raw_closure
from aifactories.terms import curie


def assert_inferred(kg: KnowledgeGraph, triple: tuple[URIRef, URIRef, URIRef]) -> None:
    """The triple is in the closure and not written in the data: the axiom is what put it there."""
    shown = " ".join(curie(t) for t in triple)
    assert triple not in kg.asserted, f"asserted, so this shows no inference: {shown}"
    assert triple in kg.inferred, f"not inferred: {shown}"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return parse_file(resources.ontology_file())


def with_ontology(ontology: Graph, turtle: str) -> Graph:
    """The real ontology plus a few data triples (project prefixes predeclared)."""
    graph = new_graph()
    for triple in ontology:
        graph.add(triple)
    prefixes = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in graph.namespaces() if p)
    graph.parse(data=prefixes + turtle, format="turtle")
    return graph


# --- one test per axiom kind --------------------------------------------------------------------


def test_inverse_of_org_organization_gives_has_membership(kg: KnowledgeGraph) -> None:
    # data: membership:jaif-fzj-host org:organization factory:jaif (seed: JAIF located at FZJ)
    assert_inferred(kg, (FACTORY.jaif, AIF.hasMembership, MEMBERSHIP["jaif-fzj-host"]))


def test_inverse_of_has_member_gives_member_of(kg: KnowledgeGraph) -> None:
    # seed: the PIAST AI Factory, led by PSNC; partner Adam Mickiewicz University
    assert_inferred(kg, (ORGANISATION.psnc, AIF.memberOf, FACTORY.piast))
    assert_inferred(kg, (ORGANISATION.amu, AIF.memberOf, FACTORY.piast))


def test_inverse_of_uses_system_gives_used_by(kg: KnowledgeGraph) -> None:
    # seed: JAIF will leverage JUPITER; AI2F will primarily rely on Alice Recoque
    assert_inferred(kg, (SYSTEM.jupiter, AIF.usedBy, FACTORY.jaif))
    assert_inferred(kg, (SYSTEM["alice-recoque"], AIF.usedBy, FACTORY.ai2f))


def test_inverse_of_selected_in_gives_selected(kg: KnowledgeGraph) -> None:
    # seed: the six factories of March 2025 (wave 2)
    for slug in ("ai-at", "brain-pp", "ai2f", "jaif", "piast", "slaif"):
        assert_inferred(kg, (WAVE["2"], AIF.selected, FACTORY[slug]))


def test_inverse_of_successor_gives_predecessor(kg: KnowledgeGraph) -> None:
    # seed: Discoverer++, a next-generation supercomputer (successor of Discoverer, BNT)
    assert_inferred(kg, (SYSTEM.discoverer, AIF.predecessorOf, SYSTEM["discoverer-pp"]))


def test_inverse_of_linked_factory_gives_has_antenna(kg: KnowledgeGraph) -> None:
    # reference factories.csv: FAIMA (Moldova) is linked to the PIAST AI Factory
    assert_inferred(kg, (FACTORY.piast, AIF.hasAntenna, ANTENNA.faima))


def test_symmetric_collaborates_with(kg: KnowledgeGraph) -> None:
    # seed: JAIF will collaborate with the AI Factory France (AI2F); stated once, on JAIF
    assert (FACTORY.jaif, AIF.collaboratesWith, FACTORY.ai2f) in kg.asserted
    assert_inferred(kg, (FACTORY.ai2f, AIF.collaboratesWith, FACTORY.jaif))


def test_transitive_located_in_reaches_the_country(kg: KnowledgeGraph) -> None:
    # seed: JAIF located at Forschungszentrum Jülich -> Jülich -> Germany
    assert_inferred(kg, (FACTORY.jaif, AIF.locatedIn, COUNTRY.DEU))
    # seed: PIAST led by PSNC in Poznań, Poland; AI:AT installed at TU Wien in Vienna
    assert (FACTORY.piast, AIF.locatedIn, COUNTRY.POL) in kg.union
    assert (FACTORY["ai-at"], AIF.locatedIn, COUNTRY.AUT) in kg.union


def test_property_chain_has_member(kg: KnowledgeGraph) -> None:
    # seed: the JAIF consortium includes JSC, RWTH Aachen University, Fraunhofer, hessian.AI
    for slug in ("jsc", "rwth-aachen", "fraunhofer", "hessian-ai", "fzj"):
        assert_inferred(kg, (FACTORY.jaif, AIF.hasMember, ORGANISATION[slug]))


def test_property_chain_uses_system(kg: KnowledgeGraph) -> None:
    # seed: AI2F interim systems Jean Zay, Adastra, Joliot-Curie; primary Alice Recoque
    for slug in ("alice-recoque", "jean-zay", "adastra", "joliot-curie"):
        assert_inferred(kg, (FACTORY.ai2f, AIF.usesSystem, SYSTEM[slug]))


def test_subclass_typing(kg: KnowledgeGraph) -> None:
    # JUPITER: exascale (seed) -> supercomputer -> computing system -> facility
    for cls in (AIF.Supercomputer, AIF.ComputingSystem, AIF.Facility):
        assert_inferred(kg, (SYSTEM.jupiter, RDF.type, cls))
    # JARVIS: an inference platform (seed) -> experimental platform
    assert_inferred(kg, (SYSTEM.jarvis, RDF.type, AIF.ExperimentalPlatform))
    # a factory is a network node and a W3C ORG organisation; a university an organisation
    assert_inferred(kg, (FACTORY.jaif, RDF.type, AIF.NetworkNode))
    assert_inferred(kg, (FACTORY.jaif, RDF.type, ORG.Organization))
    assert_inferred(kg, (ORGANISATION["rwth-aachen"], RDF.type, AIF.Organisation))


def test_subproperty_of(kg: KnowledgeGraph) -> None:
    assert_inferred(kg, (FACTORY.jaif, ORG.hasMember, ORGANISATION.jsc))
    assert_inferred(kg, (ORGANISATION.jsc, ORG.memberOf, FACTORY.jaif))
    assert_inferred(kg, (FACTORY.jaif, DCTERMS.subject, SECTOR.healthcare))
    assert_inferred(kg, (FACTORY.jaif, SCHEMA.containedInPlace, PLACE["forschungszentrum-juelich"]))


def test_domain_and_range_type_the_nodes(ontology: Graph) -> None:
    inferred = owl_rl_closure(
        with_ontology(
            ontology,
            "factory:x aif:hasSystemUsage sysusage:x-y .\n"
            "sysusage:x-y aif:usedSystem system:y .\n"
            "system:y rdfs:label 'y' .",
        )
    )
    assert (FACTORY.x, RDF.type, AIF.NetworkNode) in inferred  # domain of hasSystemUsage
    assert (USAGE["x-y"], RDF.type, AIF.SystemUsage) in inferred  # its range
    assert (SYSTEM.y, RDF.type, AIF.Facility) in inferred  # range of usedSystem


def test_domains_and_ranges_add_no_type_the_data_lacks(kg: KnowledgeGraph) -> None:
    """On the shipped data every node is typed explicitly, so domain and range only confirm.

    A type that only a domain or range gives means a property used on the wrong kind of node
    (say, aif:usedSystem on a factory would make it a system usage).
    """
    asserted, union = kg.asserted, kg.union

    def typed(node: Node, cls: Node) -> bool:
        return any(
            cls in set(union.transitive_objects(t, RDFS.subClassOf))
            for t in asserted.objects(node, RDF.type)
        )

    checked = 0
    for axiom in (RDFS.domain, RDFS.range):
        for prop, cls in asserted.subject_objects(axiom):
            if not str(prop).startswith(str(AIF)) or str(cls).startswith(str(XSD)):
                continue
            for s, o in asserted.subject_objects(prop):
                node = s if axiom == RDFS.domain else o
                assert typed(node, cls), f"{node} is a {cls} only by the {axiom} of {prop}"
                checked += 1
    assert checked > 100


def test_two_waves_are_not_merged(ontology: Graph) -> None:
    """aif:selectedIn is not functional: a node in two waves is a SHACL violation (sh:maxCount 1,
    tests/shapes), never a silent owl:sameAs of the two waves by the reasoner."""
    asserted = with_ontology(
        ontology,
        "factory:x a aif:AIFactory ; aif:selectedIn wave:8 , wave:9 .\n"
        "wave:8 a aif:SelectionWave . wave:9 a aif:SelectionWave .",
    )
    assert (WAVE["8"], OWL.sameAs, WAVE["9"]) not in raw_closure(asserted)
    _, problems = closure_with_problems(asserted)
    assert problems == []


def test_the_data_is_consistent(kg: KnowledgeGraph) -> None:
    assert not kg.inconsistencies, kg.inconsistencies
    assert not set(kg.union.subjects(RDF.type, OWL.FunctionalProperty)), "use sh:maxCount instead"


def test_disjoint_factory_and_antenna(ontology: Graph) -> None:
    asserted = with_ontology(ontology, "factory:x a aif:AIFactory , aif:AIFactoryAntenna .")
    _, problems = closure_with_problems(asserted)
    assert len(problems) == 1
    assert "Disjoint" in problems[0] and str(FACTORY.x) in problems[0]


def test_no_node_is_both_factory_and_antenna(kg: KnowledgeGraph) -> None:
    antennas = set(kg.union.subjects(RDF.type, AIF.AIFactoryAntenna))
    factories = set(kg.union.subjects(RDF.type, AIF.AIFactory))
    assert antennas and factories
    assert antennas.isdisjoint(factories)


#: Every axiom kind the ontology may use, and the test above that shows what it infers.
TESTED_AXIOMS: dict[URIRef, str] = {
    RDFS.subClassOf: "test_subclass_typing",
    RDFS.subPropertyOf: "test_subproperty_of",
    RDFS.domain: "test_domain_and_range_type_the_nodes",
    RDFS.range: "test_domain_and_range_type_the_nodes",
    OWL.inverseOf: "test_inverse_of_*",
    OWL.SymmetricProperty: "test_symmetric_collaborates_with",
    OWL.TransitiveProperty: "test_transitive_located_in_reaches_the_country",
    OWL.propertyChainAxiom: "test_property_chain_*",
    OWL.disjointWith: "test_disjoint_factory_and_antenna",
}

#: Predicates and types that declare or annotate terms but infer nothing.
NOT_AXIOMS = frozenset(
    {
        RDF.type,
        RDF.first,
        RDF.rest,
        RDFS.label,
        RDFS.comment,
        RDFS.seeAlso,
        RDFS.isDefinedBy,
        OWL.versionInfo,
        OWL.versionIRI,
        OWL.imports,
        OWL.Class,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        OWL.Ontology,
        OWL.NamedIndividual,
        SKOS.definition,
        SKOS.note,
        SKOS.example,
        SKOS.scopeNote,
    }
)


def test_every_axiom_kind_in_the_ontology_is_tested(ontology: Graph) -> None:
    builtins = (str(RDF), str(RDFS), str(OWL))
    used = {p for p in ontology.predicates(unique=True) if str(p).startswith(builtins)} | {
        o for o in ontology.objects(None, RDF.type) if str(o).startswith(str(OWL))
    }
    axioms = used - NOT_AXIOMS
    assert axioms - set(TESTED_AXIOMS) == set(), "axiom kinds without a test"
    # and the list above is not padded with kinds the ontology no longer uses
    assert set(TESTED_AXIOMS) - axioms == set()


# --- the noise filter ---------------------------------------------------------------------------

SMALL = """
@prefix aif: <https://w3id.org/aifactories/ontology#> .
@prefix factory: <https://w3id.org/aifactories/id/factory/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

aif:NetworkNode a owl:Class .
aif:AIFactory a owl:Class ; rdfs:subClassOf aif:NetworkNode .
aif:collaboratesWith a owl:ObjectProperty , owl:SymmetricProperty .
aif:selectionDate a owl:DatatypeProperty ; rdfs:range xsd:date .

factory:a a aif:AIFactory ; rdfs:label "A"@en ;
    aif:collaboratesWith factory:b ; aif:selectionDate "2025-03-12"^^xsd:date .
factory:b a aif:AIFactory ; rdfs:label "B"@en .
"""


def test_noise_filter_keeps_facts_and_drops_noise() -> None:
    asserted = Graph().parse(data=SMALL, format="turtle")
    raw = raw_closure(asserted)
    date = Literal("2025-03-12", datatype=XSD.date)
    noise = [
        (FACTORY.a, OWL.sameAs, FACTORY.a),  # reflexive sameAs on our entities
        (Literal("A", lang="en"), OWL.sameAs, Literal("A", lang="en")),  # ... and on literals
        (date, RDF.type, XSD.date),  # typing of literals
        (XSD.string, RDF.type, RDFS.Datatype),  # axioms about built-in vocabularies
        (RDFS.label, RDF.type, OWL.AnnotationProperty),
        (OWL.Thing, RDF.type, OWL.Class),
        (FACTORY.a, RDF.type, OWL.Thing),  # trivial typing
        (AIF.AIFactory, RDFS.subClassOf, AIF.AIFactory),  # reflexive schema triples
        (AIF.AIFactory, OWL.equivalentClass, AIF.AIFactory),
    ]
    facts = {
        (FACTORY.b, AIF.collaboratesWith, FACTORY.a),
        (FACTORY.a, RDF.type, AIF.NetworkNode),
        (FACTORY.b, RDF.type, AIF.NetworkNode),
    }
    for triple in noise:
        assert triple in raw, triple
    assert facts <= set(raw)

    inferred = owl_rl_closure(asserted)
    assert set(inferred) == facts  # all of the facts, none of the noise, nothing asserted


def test_shipped_closure_has_no_noise(kg: KnowledgeGraph) -> None:
    builtins = (str(RDF), str(RDFS), str(OWL), str(XSD))
    for s, p, o in kg.inferred:
        assert isinstance(s, URIRef) and not str(s).startswith(builtins), (s, p, o)
        assert not str(s).startswith(str(AIF)), (s, p, o)  # no axioms about ontology terms
        assert p != OWL.sameAs, (s, p, o)
        assert not (p == RDF.type and str(o).startswith(builtins)), (s, p, o)
    assert not set(kg.inferred) & set(kg.asserted)


# --- setting inert triples aside is only an optimisation ----------------------------------------

MIXED = """
factory:x a aif:AIFactory ; rdfs:label "X"@en ; skos:altLabel "X" ;
    aif:collaboratesWith factory:y ; aif:selectedIn wave:8 ;
    aif:selectionDate "2025-03-12"^^xsd:date ; dcterms:source src:s .
factory:y a aif:AIFactory ; rdfs:label "Y"@en ; dcterms:source src:s .
membership:x-o a org:Membership ; org:organization factory:x ; org:member organisation:o ;
    org:role role:host ; dcterms:source src:s .
organisation:o a aif:University ; rdfs:label "O"@en ; skos:altLabel "O" .
src:s a aif:Source ; schema:url "https://example.org/"^^xsd:anyURI .
"""


def test_inert_triples_are_set_aside_without_changing_the_closure(ontology: Graph) -> None:
    from aifactories.reasoning import _own_subjects, keep_inferred, split_inert

    asserted = with_ontology(ontology, MIXED)
    _, aside = split_inert(asserted)
    aside_predicates = {p for _, p, _ in aside}
    assert {DCTERMS.source, RDFS.label, SKOS.altLabel, SCHEMA.url, ORG.role} <= aside_predicates
    # properties with axioms, and the built-in vocabulary, always go to the reasoner
    assert not aside_predicates & {RDF.type, AIF.collaboratesWith, ORG.organization, ORG.member}
    assert not aside_predicates & {AIF.selectionDate, AIF.selectedIn, RDFS.subClassOf}

    own = _own_subjects(asserted)
    full = raw_closure(asserted)
    expected = {t for t in full if t not in asserted and keep_inferred(t, own)}
    assert set(owl_rl_closure(asserted)) == expected
    assert (FACTORY.x, AIF.hasMember, ORGANISATION.o) in expected  # a chain through org:member


def test_ill_typed_literals_are_reported(ontology: Graph) -> None:
    asserted = with_ontology(
        ontology,
        'factory:x a aif:AIFactory ; aif:selectionDate "2025-13-45"^^xsd:date ;\n'
        '    dcterms:date "2025-02-30"^^xsd:date .',
    )
    _, problems = closure_with_problems(asserted)
    assert [p for p in problems if "2025-13-45" in p and "does not match its datatype" in p]
    assert [p for p in problems if "2025-02-30" in p]  # on an inert property: still checked


# --- the fast reasoner gives owlrl's closure ----------------------------------------------------


def _same_closure(asserted: Graph) -> int:
    """Both reasoners on ``asserted``: the same filtered triples and the same messages."""
    fast, fast_problems = closure_with_problems(asserted, "rules")
    reference, reference_problems = closure_with_problems(asserted, "owlrl")
    missing = set(reference) - set(fast)
    extra = set(fast) - set(reference)
    assert not missing and not extra, (sorted(missing)[:5], sorted(extra)[:5])
    assert fast_problems == reference_problems
    return len(reference)


def test_rules_give_owlrl_closure_on_the_shipped_data(kg: KnowledgeGraph) -> None:
    assert _same_closure(kg.asserted) > 1000


@pytest.mark.parametrize("size", [2_500, 5_000, 10_000])
def test_rules_give_owlrl_closure_on_generated_graphs(tmp_path: Path, size: int) -> None:
    """Three sizes of the benchmark network, with its planted mistakes (one per 50 nodes)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import generate

    generate.generate(tmp_path, size)
    asserted = new_graph()
    for path in generate.files(tmp_path):
        parse_file(path, into=asserted)
    assert _same_closure(asserted) > (size - generate.BASE_TRIPLES) / 10


@pytest.mark.parametrize(
    "turtle",
    [
        "factory:x a aif:AIFactory , aif:AIFactoryAntenna .",  # disjoint classes
        "factory:x a aif:AIFactory ; aif:selectedIn wave:8 , wave:9 .",  # functional: owlrl decides
        'factory:x aif:selectionDate "2025-13-45"^^xsd:date .',  # ill-typed literal
        "factory:x aif:locatedIn place:a . place:a aif:locatedIn place:b . "
        "place:b aif:locatedIn place:c . place:c aif:locatedIn place:a .",  # a transitive cycle
    ],
)
def test_rules_give_owlrl_closure_on_mistakes(ontology: Graph, turtle: str) -> None:
    _same_closure(with_ontology(ontology, turtle))


def test_rules_hand_unsupported_axioms_to_owlrl(ontology: Graph) -> None:
    """A restriction is outside the compiled rules: the closure is owlrl's all the same."""
    asserted = with_ontology(
        ontology,
        "aif:Hosted owl:equivalentClass [ a owl:Restriction ; owl:onProperty aif:hasMembership ;"
        " owl:someValuesFrom org:Membership ] .\n"
        "factory:x aif:hasMembership membership:m . membership:m a org:Membership .",
    )
    from aifactories import rules

    assert rules.closure(asserted, rules.rdflib_kind()) is None
    _same_closure(asserted)


def test_the_reasoner_is_chosen_once_for_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``aifactories --reasoner owlrl ...`` sets $AIFACTORIES_REASONER, which the loader reads."""
    from click.testing import CliRunner

    from aifactories import graph, reasoning
    from aifactories.cli import main

    data = tmp_path / "g.ttl"
    data.write_text(
        "@prefix aif: <https://w3id.org/aifactories/ontology#> .\n"
        "<https://w3id.org/aifactories/id/factory/x> a aif:AIFactory .\n",
        encoding="utf-8",
    )
    chosen: list[str] = []
    real = reasoning.closure_of

    def spy(triples, reasoner="rules"):  # type: ignore[no-untyped-def]
        chosen.append(reasoner)
        return real(triples, reasoner)

    monkeypatch.setattr(reasoning, "closure_of", spy)
    monkeypatch.setenv("AIFACTORIES_NO_CACHE", "1")
    monkeypatch.delenv(graph.REASONER_ENV, raising=False)
    graph.build([resources.ontology_file(), data])
    monkeypatch.setenv(graph.REASONER_ENV, "owlrl")
    graph.build([resources.ontology_file(), data])
    assert chosen == ["rules", "owlrl"]
    monkeypatch.setenv(graph.REASONER_ENV, "hermit")
    with pytest.raises(Exception, match="unknown reasoner 'hermit'"):
        graph.build([data])
    result = CliRunner().invoke(main, ["--reasoner", "pellet", "validate"])
    assert result.exit_code == 2 and "pellet" in result.output
