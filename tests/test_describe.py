"""``stats`` counts and ``describe`` pages, checked against the seed and the reference tables."""

from __future__ import annotations

import json

import pytest
from rdflib.namespace import ORG

from aifactories.describe import (
    describe,
    description_as_dict,
    format_description,
    format_stats,
    stats,
)
from aifactories.errors import TermLookupError
from aifactories.graph import KnowledgeGraph
from aifactories.namespaces import AIF, FACTORY, ORGANISATION, ROLE, SOURCE, SYSTEM


def test_stats_counts(kg: KnowledgeGraph) -> None:
    result = stats(kg)
    assert result.asserted == len(kg.asserted) and result.inferred == len(kg.inferred)
    assert result.files == len(kg.files)
    counts = {c.cls: c.instances for c in result.classes}
    assert counts[AIF.AIFactory] == 19  # reference waves.csv: 7 + 6 + 6
    assert counts[AIF.AIFactoryAntenna] == 13  # reference: 13 antennas on 2025-10-13
    assert counts[AIF.NetworkNode] == 32  # inferred superclass of both
    assert counts[AIF.ExascaleSupercomputer] == 2  # seed: JUPITER, Alice Recoque
    assert counts[AIF.SelectionWave] == 4  # three waves of factories, one of antennas
    assert result.sources == counts[AIF.Source] > 100
    # every kind of organisation is counted under aif:Organisation
    kinds = (AIF.HPCCentre, AIF.University, AIF.ResearchOrganisation, AIF.PublicAgency)
    assert all(0 < counts[k] < counts[AIF.Organisation] for k in kinds)
    assert counts[AIF.Organisation] >= sum(counts[k] for k in kinds)


def test_stats_tree_and_formats(kg: KnowledgeGraph) -> None:
    result = stats(kg)
    rows = {c.cls: c for c in result.classes}
    assert rows[AIF.Supercomputer].depth == rows[AIF.ComputingSystem].depth + 1
    assert rows[AIF.ExascaleSupercomputer].depth == rows[AIF.Supercomputer].depth + 1
    text = format_stats(result)
    assert text.splitlines()[0].startswith(f"triples   {result.total} ")
    assert "aif:AIFactory" in text
    data = json.loads(json.dumps(result.as_dict()))
    assert {"class": "aif:AIFactory", "label": "AI Factory", "instances": 19} in data["classes"]


def test_describe_jaif(kg: KnowledgeGraph) -> None:
    d = describe(kg, "JAIF")
    assert d.entity == FACTORY.jaif and d.label == "JUPITER AI Factory"
    facts = {(f.predicate, f.other): f.inferred for f in d.outgoing}
    assert facts[(AIF.collaboratesWith, FACTORY.ai2f)] is False  # seed, asserted
    assert facts[(AIF.usesSystem, SYSTEM.jupiter)] is True  # property chain
    assert facts[(AIF.hasMember, ORGANISATION.jsc)] is True
    incoming = {(f.predicate, f.other) for f in d.incoming}
    assert (AIF.collaboratesWith, FACTORY.ai2f) in incoming  # symmetric, inferred on AI2F
    # memberships are expanded with their own sources; the seed names all five
    memberships = [q for q in d.qualified if "membership" in str(q.node)]
    members = {o for q in memberships for o in q.facts_by(ORG.member)}
    assert {
        ORGANISATION.fzj,
        ORGANISATION.jsc,
        ORGANISATION["rwth-aachen"],
        ORGANISATION.fraunhofer,
        ORGANISATION["hessian-ai"],
    } <= members
    assert all(SOURCE.seed in q.sources for q in memberships)
    assert SOURCE.seed in d.sources and SOURCE.seed in d.all_sources()


def test_describe_organisation_shows_its_memberships(kg: KnowledgeGraph) -> None:
    d = describe(kg, "organisation:psnc")
    facts = {(f.predicate, f.other) for f in d.outgoing}
    assert (AIF.memberOf, FACTORY.piast) in facts  # seed: PIAST led by PSNC
    roles = {
        (frozenset(q.facts_by(ORG.organization)), frozenset(q.facts_by(ORG.role)))
        for q in d.qualified
    }
    assert (frozenset({FACTORY.piast}), frozenset({ROLE.coordinator})) in roles


def test_describe_text_and_json(kg: KnowledgeGraph) -> None:
    d = describe(kg, "factory:ai2f")
    text = format_description(d, kg.union)
    assert text.splitlines()[0] == "factory:ai2f — AI Factory France"
    assert "[inferred]" in text and "src:seed" in text
    assert "system:alice-recoque (Alice Recoque)" in text
    data = description_as_dict(d, kg.union)
    assert data["entity"]["curie"] == "factory:ai2f"
    assert "src:seed" in data["sources"]
    json.dumps(data)


def test_describe_unknown(kg: KnowledgeGraph) -> None:
    with pytest.raises(TermLookupError, match=r"closest matches: .*factory:jaif"):
        describe(kg, "JAIFF")


# --- values as people read them (aifactories.entity, shared with the entity pages) --------------


def test_describe_reads_amounts_performance_and_estimates(kg: KnowledgeGraph) -> None:
    from aifactories.describe import describe, format_description

    text = format_description(describe(kg, "JUPITER"), kg.union)
    # EuroHPC JU: the system costs EUR 500 million; 1 exaflop/s double precision (FP64)
    assert "aif:investment        EUR 500 million  [value:jupiter-investment-eurohpc]" in text
    assert "1 EFlop/s (FP64 peak)" in text
    assert "5 September 2025" in text  # the inauguration date, as people read it
    text = format_description(describe(kg, "Alice Recoque"), kg.union)
    # the seed says 2026; IT for Business says not before 2027: both kept
    assert "= 2026 (planned; stated 12 March 2025)" in text
    assert "= not before 2027 (planned)" in text


def test_describe_folds_inferred_alignments(kg: KnowledgeGraph) -> None:
    from aifactories.describe import describe, format_description

    text = format_description(describe(kg, "JUPITER"), kg.union)
    facts = text[text.index("facts:") : text.index("referred to by:")]
    assert "schema:containedInPlace" not in facts
    assert "place:juelich (Jülich) [inferred]" in facts
