"""The loader: asserted and inferred triples kept apart, memoised, clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import DCTERMS, RDF, RDFS

from aifactories import resources
from aifactories.errors import DataSyntaxError, InputError
from aifactories.graph import KnowledgeGraph, build, expand_paths, load, parse_file
from aifactories.namespaces import AIF, ASSERTED_GRAPH, FACTORY, INFERRED_GRAPH, SYSTEM
from aifactories.query import engines
from aifactories.query import run as run_query

GOOD = "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\n"


def test_union_is_asserted_plus_inferred(kg: KnowledgeGraph) -> None:
    assert len(kg.asserted) > 0 and len(kg.inferred) > 0
    assert not set(kg.asserted) & set(kg.inferred)
    assert len(kg.union) == len(kg.asserted) + len(kg.inferred)


def test_files_are_the_ontology_then_the_data(kg: KnowledgeGraph) -> None:
    assert kg.files[0] == resources.ontology_file()
    assert set(kg.files[1:]) == set(resources.data_files())
    names = {p.name for p in kg.files}
    # STYLE.md: one data file per kind of entity
    assert {"factories.ttl", "organisations.ttl", "supercomputers.ttl", "sources.ttl"} <= names


def test_load_is_memoised(kg: KnowledgeGraph) -> None:
    assert load() is kg


def test_a_file_named_twice_is_loaded_once(kg: KnowledgeGraph) -> None:
    data = resources.project_root() / "data"
    assert load([data]) is kg  # the data folder adds nothing new: same files, same graph


def test_dataset_keeps_named_graphs(kg: KnowledgeGraph) -> None:
    ds = kg.dataset()
    assert len(ds.graph(ASSERTED_GRAPH)) == len(kg.asserted)
    assert len(ds.graph(INFERRED_GRAPH)) == len(kg.inferred)


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(GOOD + 'ex:d ex:e "unterminated .\nex:f ex:g ex:h .\n', encoding="utf-8")
    with pytest.raises(DataSyntaxError) as err:
        parse_file(bad)
    assert err.value.line == 3
    assert f"{bad}:3: syntax error" in str(err.value)


def test_unbound_prefix_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "prefix.ttl"
    bad.write_text(GOOD + "foo:d ex:e ex:f .\n", encoding="utf-8")
    with pytest.raises(DataSyntaxError, match=r"prefix\.ttl:3: .*foo"):
        parse_file(bad)


def test_missing_and_unsupported_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        expand_paths([tmp_path / "nope.ttl"])
    odd = tmp_path / "notes.txt"
    odd.write_text("hello", encoding="utf-8")
    with pytest.raises(InputError, match="unsupported file type"):
        parse_file(odd)


def test_expand_paths_reads_folders(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.ttl").write_text(GOOD, encoding="utf-8")
    (tmp_path / "sub" / "a.ttl").write_text(GOOD, encoding="utf-8")
    (tmp_path / "readme.md").write_text("# not RDF", encoding="utf-8")
    assert expand_paths([tmp_path]) == [tmp_path / "b.ttl", tmp_path / "sub" / "a.ttl"]


def test_build_without_reasoning(tmp_path: Path) -> None:
    f = tmp_path / "g.ttl"
    f.write_text(GOOD, encoding="utf-8")
    small = build([f], reason=False)
    assert len(small.asserted) == 1 and len(small.inferred) == 0 and len(small.union) == 1


# --- what the graph holds (hand-written from the seed and the reference tables) ----------------

SOURCELESS = """
SELECT DISTINCT ?entity ?class WHERE {
    VALUES ?class { aif:AIFactory aif:AIFactoryAntenna aif:Organisation aif:Facility
                    org:Membership aif:SystemUsage aif:QualifiedValue }
    ?entity a ?class .
    FILTER NOT EXISTS { ?entity dcterms:source ?source . ?source a aif:Source }
}
"""


def test_every_factory_organisation_and_system_has_a_source(kg: KnowledgeGraph) -> None:
    rows = run_query(SOURCELESS, engines.open_engine("oxigraph", kg)).rows
    assert rows == [], "entities without an aif:Source: " + ", ".join(str(r[0]) for r in rows)
    # the query is not vacuous: it sees what it is meant to check
    for entity in (FACTORY.jaif, SYSTEM.jupiter, SYSTEM.jarvis):
        assert (entity, DCTERMS.source, None) in kg.union


def test_every_entity_has_an_english_label(kg: KnowledgeGraph) -> None:
    missing = []
    for cls in (AIF.AIFactory, AIF.AIFactoryAntenna, AIF.Organisation, AIF.Facility):
        for entity in kg.union.subjects(RDF.type, cls, unique=True):
            labels = [o for o in kg.union.objects(entity, RDFS.label) if isinstance(o, Literal)]
            if not any(label.language == "en" for label in labels):
                missing.append(entity)
    assert missing == []


def test_counts_from_the_sources(kg: KnowledgeGraph) -> None:
    def count(cls: object) -> int:
        return len(set(kg.union.subjects(RDF.type, cls)))

    # reference waves.csv: 7 + 6 + 6 AI Factories, 13 antennas
    assert count(AIF.AIFactory) == 19
    assert count(AIF.AIFactoryAntenna) == 13
    # seed: JUPITER and Alice Recoque are Europe's first two exascale supercomputers
    assert set(kg.union.subjects(RDF.type, AIF.ExascaleSupercomputer)) == {
        SYSTEM.jupiter,
        SYSTEM["alice-recoque"],
    }
