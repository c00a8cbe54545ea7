"""Ad-hoc SPARQL: the issue's acceptance questions answered on the union graph, and the guards
that keep queries read-only and offline.

Expected answers are written by hand from the seed press release and shared/reference.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, Literal

from aifactories import query as pipeline
from aifactories.errors import InputError, QuerySyntaxError, UnsupportedFormatError
from aifactories.graph import KnowledgeGraph
from aifactories.namespaces import FACTORY, ORGANISATION, SYSTEM
from aifactories.query import engines, results
from aifactories.query.convert import to_rdflib
from aifactories.query.results import QueryResult
from aifactories.query.syntax import read_query
from aifactories.terms import labels


def run(kg: KnowledgeGraph, query: str) -> QueryResult:
    """An ad-hoc query through the pipeline, on the default engine (Oxigraph)."""
    return pipeline.run(query, engines.open_engine(engines.DEFAULT_ENGINE, kg))


def select(kg: KnowledgeGraph, query: str) -> set[tuple[object, ...]]:
    return {
        tuple(to_rdflib(t) if t is not None else None for t in row) for row in run(kg, query).rows
    }


def render(result: QueryResult, fmt: str, kg: KnowledgeGraph | None = None) -> str:
    """The result written in ``fmt`` (labels beside IRIs in a table when ``kg`` is given)."""
    found = labels(engines.open_engine("oxigraph", kg), results.iris(result)) if kg else {}
    return results.write(result, fmt, labels=found.get).decode("utf-8").removesuffix("\n")


# --- acceptance ---------------------------------------------------------------------------------


def test_factories_using_an_exascale_system(kg: KnowledgeGraph) -> None:
    rows = select(
        kg,
        """SELECT ?factory ?system WHERE {
               ?factory a aif:AIFactory ; aif:usesSystem ?system .
               ?system a aif:ExascaleSupercomputer }""",
    )
    assert rows == {(FACTORY.jaif, SYSTEM.jupiter), (FACTORY.ai2f, SYSTEM["alice-recoque"])}


def test_ai2f_interim_systems(kg: KnowledgeGraph) -> None:
    rows = select(
        kg,
        """SELECT ?system WHERE {
               factory:ai2f aif:hasSystemUsage ?u .
               ?u aif:usageKind usage:interim ; aif:usedSystem ?system }""",
    )
    assert rows == {(SYSTEM["jean-zay"],), (SYSTEM.adastra,), (SYSTEM["joliot-curie"],)}


def test_interim_systems_stand_in_for_alice_recoque(kg: KnowledgeGraph) -> None:
    rows = select(
        kg,
        """SELECT DISTINCT ?primary WHERE {
               factory:ai2f aif:hasSystemUsage ?u .
               ?u aif:usageKind usage:interim ; aif:standsInFor ?primary }""",
    )
    assert rows == {(SYSTEM["alice-recoque"],)}


ROLE_QUERY = """SELECT ?org ?role WHERE {
    ?m org:organization %s ; org:member ?org ; org:role ?role }"""


def members(kg: KnowledgeGraph, factory: str, role: str) -> set[object]:
    return {org for org, r in select(kg, ROLE_QUERY % factory) if str(r).endswith("/role/" + role)}


def test_jaif_consortium(kg: KnowledgeGraph) -> None:
    # seed: the consortium includes JSC, RWTH Aachen University, Fraunhofer Institute, hessian.AI
    assert members(kg, "factory:jaif", "partner") == {
        ORGANISATION.jsc,
        ORGANISATION["rwth-aachen"],
        ORGANISATION.fraunhofer,
        ORGANISATION["hessian-ai"],
    }
    # seed: located at Forschungszentrum Jülich (reference: hosting entity FZJ)
    assert ORGANISATION.fzj in members(kg, "factory:jaif", "host")
    # the shortcut from the property chain gives the same five
    assert {o for (o,) in select(kg, "SELECT ?o WHERE { factory:jaif aif:hasMember ?o }")} == {
        ORGANISATION.fzj,
        ORGANISATION.jsc,
        ORGANISATION["rwth-aachen"],
        ORGANISATION.fraunhofer,
        ORGANISATION["hessian-ai"],
    }


def test_piast_partners_and_supporter(kg: KnowledgeGraph) -> None:
    # seed: key partners PUT, AMU, NCU, with support from the Wielkopolska IT & Telecom cluster
    assert members(kg, "factory:piast", "partner") == {
        ORGANISATION.put,
        ORGANISATION.amu,
        ORGANISATION["nicolaus-copernicus-university"],
    }
    assert members(kg, "factory:piast", "supporter") == {ORGANISATION["wielkopolska-ict-cluster"]}
    # seed: led by PSNC
    assert ORGANISATION.psnc in members(kg, "factory:piast", "coordinator")


SELECTED_BY = """SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE {
    ?f a aif:AIFactory ; aif:selectionDate ?d . FILTER (?d <= "%s"^^xsd:date) }"""


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2025-03-12", 13),  # seed: six new factories join the seven selected before
        ("2024-12-31", 7),  # reference waves.csv: wave 1 (2024-12-10) selected 7
        ("2024-12-09", 0),  # nothing before the first wave
    ],
)
def test_factories_selected_by_date(kg: KnowledgeGraph, date: str, expected: int) -> None:
    ((n,),) = select(kg, SELECTED_BY % date)
    assert n == Literal(expected)


def test_broad_health_sector_finds_narrower_focus_areas(kg: KnowledgeGraph) -> None:
    rows = select(
        kg,
        """SELECT DISTINCT ?f WHERE {
               ?f a aif:AIFactory ; aif:focusArea/skos:broader* sector:health }""",
    )
    # seed: JAIF and AI2F name healthcare, PIAST health & life sciences; other cited sources:
    # Pharos, MIMER, Gaia, 1HealthAI, RO AI Factory, L-AIF, BSC AIF (tests/competency)
    slugs = ("jaif", "ai2f", "piast", "pharos", "mimer", "gaia", "1healthai", "ro-ai-factory")
    assert rows == {(FACTORY[s],) for s in (*slugs, "laif", "bsc-aif")}


def test_network_size_after_wave_2(kg: KnowledgeGraph) -> None:
    ((n,),) = select(kg, "SELECT ?n WHERE { wave:2 aif:networkSizeAfter ?n }")
    assert n.toPython() == 13  # seed: the six join the seven previously selected


# --- guards -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT * WHERE { ?s ?p }", "syntax error"),
        ("SELECT ?s WHERE { ?s nope:p ?o }", "nope"),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "Update is not allowed"),
        ("DELETE WHERE { ?s ?p ?o }", "Update is not allowed"),
        ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
        (
            "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT <http://x.org/> { ?s ?q ?r } } }",
            "SERVICE",
        ),
    ],
)
def test_refused_queries(query: str, message: str, kg: KnowledgeGraph) -> None:
    with pytest.raises(QuerySyntaxError, match=message):
        run(kg, query)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://example.org/g> WHERE { ?s ?p ?o }",
    ],
)
def test_unknown_dataset_graphs_are_empty_never_fetched(query: str, kg: KnowledgeGraph) -> None:
    """FROM / FROM NAMED name graphs of the store; one it does not hold is empty (offline)."""
    assert run(kg, query).rows == []


def test_from_selects_a_graph_of_the_store(kg: KnowledgeGraph) -> None:
    asserted = "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/aifactories/graph/asserted> "
    asserted += "WHERE { ?s ?p ?o }"
    ((n,),) = select(kg, asserted)
    assert n.toPython() == len(kg.asserted)


def test_project_prefixes_are_predeclared(kg: KnowledgeGraph) -> None:
    assert run(kg, "ASK { factory:jaif a aif:AIFactory }").boolean is True


def test_read_query_from_file(tmp_path: Path) -> None:
    f = tmp_path / "q.rq"
    f.write_text("ASK {}", encoding="utf-8")
    assert read_query(f"@{f}") == "ASK {}"
    assert read_query("ASK {}") == "ASK {}"
    with pytest.raises(InputError, match="no such query file"):
        read_query(f"@{tmp_path / 'missing.rq'}")


def test_render_formats(kg: KnowledgeGraph) -> None:
    query = "SELECT ?s ?l WHERE { BIND(factory:jaif AS ?s) ?s rdfs:label ?l }"
    table = render(run(kg, query), "table", kg)
    lines = table.splitlines()
    assert lines[0].split() == ["s", "l"]
    assert "factory:jaif (JUPITER AI Factory)" in lines[2]  # CURIE and label
    assert lines[-1] == "(1 row)"
    data = json.loads(render(run(kg, query), "json"))
    assert data["results"]["bindings"][0]["s"]["value"] == str(FACTORY.jaif)
    assert render(run(kg, query), "csv").splitlines()[0].strip() == "s,l"
    assert render(run(kg, query), "tsv").splitlines()[0].strip() == "?s\t?l"
    assert "<sparql" in render(run(kg, query), "xml")
    with pytest.raises(InputError, match="CONSTRUCT"):
        render(run(kg, query), "turtle")


def test_render_graph_results(kg: KnowledgeGraph) -> None:
    query = "CONSTRUCT { factory:jaif aif:usesSystem ?s } WHERE { factory:jaif aif:usesSystem ?s }"
    turtle = render(run(kg, query), "turtle")
    parsed = Graph().parse(data=turtle, format="turtle")
    assert (FACTORY.jaif, None, SYSTEM.jupiter) in parsed
    jsonld = render(run(kg, query), "jsonld")
    assert "http" not in json.loads(jsonld)["@context"].get("@import", "")
    assert len(Graph().parse(data=jsonld, format="json-ld")) == len(parsed)
    assert render(run(kg, query), "table", kg).splitlines()[0].split() == [
        "subject",
        "predicate",
        "object",
    ]
    with pytest.raises(InputError, match="SELECT"):
        render(run(kg, query), "csv")


def test_ask_renders_true_or_false(kg: KnowledgeGraph) -> None:
    assert render(run(kg, "ASK { factory:jaif a aif:AIFactory }"), "table") == "true"
    assert render(run(kg, "ASK { factory:jaif a aif:AIFactoryAntenna }"), "table") == "false"


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_ask_has_no_csv_or_tsv(fmt: str, kg: KnowledgeGraph) -> None:
    """SPARQL 1.1 defines CSV and TSV for SELECT only: refused, naming the formats that exist."""
    with pytest.raises(UnsupportedFormatError, match="use one of table, json, xml") as err:
        render(run(kg, "ASK { factory:jaif a aif:AIFactory }"), fmt)
    assert err.value.available == ("table", "json", "xml")
