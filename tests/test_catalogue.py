"""The stored-query catalogue: strict headers, safe typed parameters, and the two CLI commands."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from aifactories.cli import CATALOGUE_FORMATS, FORMAT_NAMES, main
from aifactories.errors import ParameterError, QueryHeaderError, UnknownQueryError
from aifactories.graph import KnowledgeGraph
from aifactories.namespaces import AIF, ANTENNA, COUNTRY, FACTORY, ORGANISATION
from aifactories.query import binding, catalogue, engines, listing, results, run_named
from aifactories.query.catalogue import Param, StoredQuery, load_catalogue, parse_query_file
from aifactories.query.convert import to_rdflib

CATALOGUE = load_catalogue()


def bind_parameters(query: StoredQuery, values: dict[str, str], kg: KnowledgeGraph) -> dict:
    """The bound parameters as rdflib terms (binding.bind resolves on the engine)."""
    bound = binding.bind(query, values, engines.open_engine("oxigraph", kg))
    return {name: to_rdflib(term) for name, term in bound.items()}


#: Required by the catalogue issue (3) and the time-and-provenance issue (6).
REQUIRED = {
    "factories",
    "exascale-factories",
    "factory-supercomputers",
    "factory-consortium",
    "institution-factories",
    "factories-by-sector",
    "sectors",
    "factories-by-country",
    "partner-countries",
    "collaborations",
    "factories-as-of",
    "supercomputers",
    "organisations",
    "sources",
    "network-summary",
    "describe-factory",
    "antennas-as-of",
    "network-timeline",
    "claims",
    "disputed",
    "weak-facts",
}
INJECTION = 'JAIF" } ; DROP ALL #'


# --- The catalogue ---------------------------------------------------------------------------


def test_catalogue_has_the_required_queries() -> None:
    assert len(CATALOGUE) >= 20
    missing = REQUIRED - set(CATALOGUE.names())
    assert not missing, f"missing stored queries: {sorted(missing)}"


def test_queries_are_numbered_in_file_order() -> None:
    numbers = [q.number for q in CATALOGUE]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    for query in CATALOGUE:
        assert query.path.name == f"{query.number:03d}_{query.name}.rq"


@pytest.mark.parametrize("query", list(CATALOGUE), ids=lambda q: q.name)
def test_query_header_and_text(query: StoredQuery) -> None:
    assert query.summary and "\n" not in query.summary
    assert len(query.description) > len(query.summary)
    assert query.tags
    assert query.text == query.path.read_text(encoding="utf-8")
    catalogue.check_parses(query)
    parsed = type(ox.Store().query(query.text)).__name__
    assert (
        parsed
        == {
            "SELECT": "QuerySolutions",
            "ASK": "QueryBoolean",
            "CONSTRUCT": "QueryTriples",
            "DESCRIBE": "QueryTriples",
        }[query.form]
    )


@pytest.mark.parametrize("query", list(CATALOGUE), ids=lambda q: q.name)
def test_query_declares_its_prefixes(query: StoredQuery) -> None:
    """Oxigraph predeclares no prefix (rdflib does), so it parses only self-contained queries."""
    ox = pytest.importorskip("pyoxigraph")
    try:
        ox.Store().query(query.text)
    except SyntaxError as exc:  # pragma: no cover - the failure message is the point
        pytest.fail(f"{query.path.name}: {exc}")


@pytest.mark.parametrize(
    "param", [p for q in CATALOGUE for p in q.params], ids=lambda p: f"{p.name}-{p.type_curie}"
)
def test_entity_parameter_types_have_instances(param: Param, kg: KnowledgeGraph) -> None:
    if not param.is_entity or param.type == catalogue.ANY_ENTITY:
        return
    assert next(kg.union.subjects(RDF.type, URIRef(param.type)), None) is not None


@pytest.mark.parametrize(
    "query", [q for q in CATALOGUE if any(p.default for p in q.params)], ids=lambda q: q.name
)
def test_defaults_resolve(query: StoredQuery, kg: KnowledgeGraph) -> None:
    values = {p.name: p.default for p in query.params if p.default is not None}
    bound = bind_parameters(query, values, kg)
    assert set(bound) == set(values)


def test_unknown_query_names_close_matches() -> None:
    with pytest.raises(UnknownQueryError, match="closest matches: exascale-factories"):
        CATALOGUE.get("exascale")
    with pytest.raises(UnknownQueryError, match="unknown stored query 'nothing-like-it'"):
        CATALOGUE.get("nothing-like-it")


def test_param_lookup() -> None:
    query = CATALOGUE.get("factory-supercomputers")
    assert query.param("factory").type_curie == "aif:NetworkNode"
    with pytest.raises(ParameterError, match="has parameters: factory; got 'x'"):
        query.param("x")


# --- Strict headers --------------------------------------------------------------------------

GOOD = """\
#+ summary: Test query
#+ description: A query used by the tests,
#+   on two lines.
#+ tags:
#+   - test
#+ params:
#+   - name: factory
#+     type: aif:AIFactory
#+     default: factory:jaif
#+     description: A factory.
#+   - name: date
#+     type: xsd:date
#+     required: false
#+     description: A date.
PREFIX aif: <https://w3id.org/aifactories/ontology#>
SELECT ?x WHERE { ?_factory aif:selectionDate ?x FILTER (!BOUND(?_date) || ?x <= ?_date) }
"""


def write(tmp_path: Path, text: str, name: str = "001_test-query.rq") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_header_parses(tmp_path: Path) -> None:
    query = parse_query_file(write(tmp_path, GOOD))
    assert (query.name, query.number, query.form) == ("test-query", 1, "SELECT")
    assert query.summary == "Test query"
    assert query.description == "A query used by the tests, on two lines."
    assert query.tags == ("test",)
    factory, date = query.params
    assert (factory.name, factory.type, factory.default, factory.required) == (
        "factory",
        str(AIF.AIFactory),
        "factory:jaif",
        False,
    )
    assert (date.name, date.type_curie, date.default, date.required) == (
        "date",
        "xsd:date",
        None,
        False,
    )


def test_header_memo_gives_the_same_query(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A header parsed once is read back from the cache's memo; a damaged memo is re-parsed."""
    monkeypatch.setenv("AIFACTORIES_CACHE_DIR", str(tmp_path / "cache"))
    path = write(tmp_path, GOOD)
    first = parse_query_file(path)
    memos = list((tmp_path / "cache" / "memo").glob("header-*.json"))
    assert len(memos) == 1
    assert parse_query_file(path) == first
    memos[0].write_text("{not json", encoding="utf-8")
    assert parse_query_file(path) == first
    changed = write(tmp_path, GOOD.replace("Test query", "Other query", 1))
    assert parse_query_file(changed).summary == "Other query"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("#+ summary: Test query\n", ""), r"bad query header: missing '#\+ summary:'"),
        (("#+ summary: Test query\n", "#+summary: Test query\n"), r"a space after '#\+'"),
        (("#+ tags:\n", "#+ keywords:\n"), r":4: bad query header: unknown key 'keywords'"),
        (("#+ summary: Test query\n", "#+ summary: Test: query\n"), r":1: .*not valid YAML.*quote"),
        (
            ("#+   - test\n", "#+   - test\n#+   - test\n"),
            r":6: bad query header: tag 'test' given",
        ),
        (("#+   - test\n", "#+   - Test Tag\n"), r":5: bad query header: bad tag 'Test Tag'"),
        (("#+     type: aif:AIFactory\n", ""), r"parameter without 'type:'"),
        (("#+     type: aif:AIFactory\n", "#+     type: foo:Bar\n"), r"is not a known CURIE"),
        (("#+     default: factory:jaif\n", "#+     colour: red\n"), r"unknown parameter key"),
        (("#+     required: false\n", "#+     default: 2025-02-30\n"), r"expected a date"),
        (("#+     required: false\n", "#+     required: maybe\n"), r"required is true or false"),
        (
            ("#+     default: factory:jaif\n", "#+     default: x\n#+     required: true\n"),
            r"required but has a default",
        ),
        (("?_factory aif:", "?factory aif:"), r"'factory' is declared but \?_factory unused"),
        (("?x <= ?_date", "?x <= ?_day"), r"\?_day is used but no parameter 'day' declared"),
        (("#+ description: A query", "#+ summary: A query"), r"'summary' given twice"),
        (("SELECT ?x WHERE", "INSERT DATA { <a:b> <a:b> <a:b> } #"), r"no SELECT, ASK"),
    ],
)
def test_bad_header_is_a_clear_error(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(QueryHeaderError, match=message) as info:
        parse_query_file(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_bad_file_name(tmp_path: Path) -> None:
    with pytest.raises(QueryHeaderError, match=r"NNN_slug\.rq"):
        parse_query_file(write(tmp_path, GOOD, name="test_query.rq"))


def test_duplicate_names_in_a_folder(tmp_path: Path) -> None:
    write(tmp_path, GOOD, name="001_same.rq")
    write(tmp_path, GOOD, name="002_same.rq")
    with pytest.raises(QueryHeaderError, match=r"'same' is also used by 001_same\.rq"):
        load_catalogue(tmp_path)


def test_load_query_reads_one_file_and_keeps_the_catalogue_errors(tmp_path: Path) -> None:
    """The CLI's one-file lookup gives what the catalogue gives, and the catalogue's errors."""
    assert all(catalogue.load_query(q.name) == q for q in CATALOGUE)
    write(tmp_path, GOOD, name="001_one.rq")
    write(tmp_path, "not a header\n", name="002_broken.rq")
    assert catalogue.load_query("one", tmp_path).name == "one"
    with pytest.raises(QueryHeaderError, match="002_broken"):
        catalogue.load_query("nope", tmp_path)
    (tmp_path / "002_broken.rq").unlink()
    write(tmp_path, GOOD, name="002_one.rq")
    with pytest.raises(QueryHeaderError, match=r"'one' is also used by 001_one\.rq"):
        catalogue.load_query("one", tmp_path)


def test_default_reasoner_is_rules_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from aifactories import graph, rules

    monkeypatch.delenv(graph.REASONER_ENV, raising=False)
    assert graph.default_reasoner() == rules.DEFAULT_REASONER


# --- Parameters ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def supercomputers() -> StoredQuery:
    return CATALOGUE.get("factory-supercomputers")


@pytest.mark.parametrize(
    "value",
    ["JAIF", "jaif", "JUPITER AI Factory", "factory:jaif", str(FACTORY.jaif), f"<{FACTORY.jaif}>"],
)
def test_entity_values_resolve(value: str, supercomputers: StoredQuery, kg: KnowledgeGraph) -> None:
    assert bind_parameters(supercomputers, {"factory": value}, kg) == {"factory": FACTORY.jaif}


def test_default_is_used(supercomputers: StoredQuery, kg: KnowledgeGraph) -> None:
    assert bind_parameters(supercomputers, {}, kg) == {"factory": FACTORY.jaif}


@pytest.mark.parametrize(
    ("query", "values", "message"),
    [
        ("factory-supercomputers", {"factory": INJECTION}, r"no entity with this IRI, CURIE"),
        ("factory-supercomputers", {"factory": "Atlantis"}, r"parameter 'factory'.*Atlantis"),
        ("factory-supercomputers", {"factory": "Germany"}, r"names no aif:NetworkNode"),
        ("factory-supercomputers", {"factory": "country:DEU"}, r"not a aif:NetworkNode"),
        # two ontology terms share the label, and neither is a network node (docs/names.md)
        ("sources", {"entity": "usage kind"}, r"ambiguous: names 2 entities.*aif:UsageKind"),
        ("factories-as-of", {}, r"needs parameter 'date' \(xsd:date\)"),
        ("factories-as-of", {"date": "2025-02-30"}, r"expected a date as YYYY-MM-DD"),
        ("factories-as-of", {"date": "12/03/2025"}, r"expected a date as YYYY-MM-DD"),
        ("factories-as-of", {"date": "2025-03-12T00:00:00"}, r"expected a date as YYYY-MM-DD"),
        ("factories-as-of", {"date": "2025-03-12", "wave": "2"}, r"has parameters: date; got"),
        ("sectors", {"sector": "sector:health"}, r"takes no parameters; got undeclared"),
        ("member-of", {"factory": "PIAST"}, r"needs parameter 'organisation'"),
    ],
)
def test_bad_values_are_refused(
    query: str, values: dict[str, str], message: str, kg: KnowledgeGraph
) -> None:
    with pytest.raises(ParameterError, match=message) as info:
        bind_parameters(CATALOGUE.get(query), values, kg)
    assert "\n" not in str(info.value)


def test_literal_types() -> None:
    integer = Param("n", str(XSD.integer), description="A number.")
    assert binding.check_literal(integer, " 42 ") == ("42", str(XSD.integer))
    with pytest.raises(ParameterError, match="expected an integer"):
        binding.check_literal(integer, "4.2")
    date = Param("d", str(XSD.date), description="A date.")
    assert binding.check_literal(date, "2024-02-29") == ("2024-02-29", str(XSD.date))
    text = Param("s", str(XSD.string), description="A text.")
    assert binding.check_literal(text, INJECTION) == (INJECTION, None)


def test_string_values_are_bound_not_pasted(tmp_path: Path) -> None:
    """A string parameter holding SPARQL syntax is one literal value; the graph is untouched."""
    write(
        tmp_path,
        "#+ summary: Echo\n#+ description: Returns its parameter.\n#+ tags:\n#+   - test\n"
        "#+ params:\n#+   - name: text\n#+     type: xsd:string\n#+     description: Any text.\n"
        'SELECT ?echo WHERE { BIND (CONCAT("<", ?_text, ">") AS ?echo) }\n',
        name="001_echo.rq",
    )
    query = load_catalogue(tmp_path).get("echo")
    graph = Graph()
    graph.add((FACTORY.jaif, RDF.type, AIF.AIFactory))
    kg = KnowledgeGraph(asserted=graph, inferred=Graph(), union=graph, files=())
    result = run_named(query, {"text": INJECTION}, kg).to_rdflib()
    assert [row[0] for row in result] == [Literal(f"<{INJECTION}>")]
    assert len(graph) == 1


def test_run_binds_parameters(kg: KnowledgeGraph) -> None:
    by_label = run_named("factories-by-country", {"country": "Finland"}, kg).to_rdflib()
    by_iri = run_named("factories-by-country", {"country": str(COUNTRY.FIN)}, kg).to_rdflib()
    assert list(by_label) == list(by_iri)
    # reference: the LUMI AI Factory, and the antennas linked to it (BE, LV, IS, CH)
    antennas = {ANTENNA[a] for a in ("be-aifa", "lv-aifa", "is-aifa", "ch-aifa")}
    assert {row[0] for row in by_label} == {FACTORY["lumi-aif"]} | antennas


def test_member_of_is_an_ask(kg: KnowledgeGraph) -> None:
    yes = run_named("member-of", {"organisation": "PSNC", "factory": "PIAST"}, kg).to_rdflib()
    no = run_named(
        "member-of", {"organisation": str(ORGANISATION.psnc), "factory": "JAIF"}, kg
    ).to_rdflib()
    assert (yes.askAnswer, no.askAnswer) == (True, False)


# --- CLI -------------------------------------------------------------------------------------


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_cli_format_choices_match_the_library() -> None:
    assert set(FORMAT_NAMES) == set(results.FORMATS) | set(results.ALIASES)
    assert CATALOGUE_FORMATS == ("table", "json", "markdown")


def test_queries_lists_the_catalogue() -> None:
    code, out = invoke("queries")
    assert code == 0
    for query in CATALOGUE:
        assert query.name in out
    code, out = invoke("queries", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [q["name"] for q in data] == CATALOGUE.names()
    assert data[2]["params"][0] == {
        "name": "factory",
        "type": "aif:NetworkNode",
        "type_iri": str(AIF.NetworkNode),
        "default": "factory:jaif",
        "required": False,
        "description": CATALOGUE.get("factory-supercomputers").params[0].description,
    }
    code, out = invoke("queries", "--format", "markdown")
    assert code == 0 and out == listing.render_markdown(CATALOGUE)


def test_query_json_is_sparql_results_json() -> None:
    code, out = invoke("query", "exascale-factories", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["head"]["vars"] == ["factory", "factoryLabel", "system", "systemLabel"]
    rows = {(b["factory"]["value"], b["system"]["value"]) for b in data["results"]["bindings"]}
    assert rows == {
        (str(FACTORY.ai2f), "https://w3id.org/aifactories/id/system/alice-recoque"),
        (str(FACTORY.jaif), "https://w3id.org/aifactories/id/system/jupiter"),
    }
    first = data["results"]["bindings"][0]
    assert first["factory"]["type"] == "uri"
    assert first["factoryLabel"] == {
        "type": "literal",
        "value": "AI Factory France",
        "xml:lang": "en",
    }


def test_query_csv_and_tsv() -> None:
    code, out = invoke("query", "exascale-factories", "--format", "csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "factory,factoryLabel,system,systemLabel"
    assert sorted(lines[1:]) == [
        f"{FACTORY.ai2f},AI Factory France,https://w3id.org/aifactories/id/system/alice-recoque,"
        "Alice Recoque",
        f"{FACTORY.jaif},JUPITER AI Factory,https://w3id.org/aifactories/id/system/jupiter,JUPITER",
    ]
    code, out = invoke("query", "exascale-factories", "--format", "tsv")
    assert code == 0
    head, *rows = out.splitlines()
    assert head == "?factory\t?factoryLabel\t?system\t?systemLabel"
    assert f'<{FACTORY.jaif}>\t"JUPITER AI Factory"@en' in "\n".join(rows)


def test_query_xml_and_ask() -> None:
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    code, out = invoke("query", "exascale-factories", "--format", "xml")
    assert code == 0
    root = ET.fromstring(out.encode())
    assert [v.get("name") for v in root.findall("r:head/r:variable", ns)] == [
        "factory",
        "factoryLabel",
        "system",
        "systemLabel",
    ]
    assert len(root.findall("r:results/r:result", ns)) == 2
    code, out = invoke(
        "query", "member-of", "-p", "organisation=PSNC", "-p", "factory=PIAST", "--format", "json"
    )
    assert code == 0 and json.loads(out)["boolean"] is True
    code, out = invoke(
        "query",
        "member-of",
        "--param",
        "organisation=PSNC",
        "--param",
        "factory=JAIF",
        "--format",
        "xml",
    )
    assert code == 0 and ET.fromstring(out.encode()).find("r:boolean", ns).text == "false"


def test_query_construct_gives_rdf() -> None:
    code, out = invoke("query", "describe-factory", "-p", "factory=JAIF")
    assert code == 0
    graph = Graph().parse(data=out, format="turtle")
    assert (FACTORY.jaif, RDF.type, AIF.AIFactory) in graph
    code, out = invoke("query", "describe-factory", "-p", "factory=JAIF", "--format", "jsonld")
    assert code == 0
    assert len(Graph().parse(data=out, format="json-ld")) == len(graph)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["factory-supercomputers", "-p", "factory=Atlantis"], "no entity with this IRI"),
        (["factory-supercomputers", "-p", f"factory={INJECTION}"], "no entity with this IRI"),
        (["sources", "-p", "entity=usage kind"], "ambiguous"),
        (["factories-as-of", "-p", "date=2025-13-01"], "expected a date as YYYY-MM-DD"),
        (["factories-as-of"], "needs parameter 'date'"),
        (["factories-as-of", "-p", "date=2025-03-12", "-p", "when=now"], "undeclared"),
        (["factories-as-of", "-p", "2025-03-12"], "--param expects KEY=VALUE"),
        (["factories-as-of", "-p", "date=2025-03-12", "-p", "date=2025-03-13"], "given twice"),
        (["exascale-factories", "--format", "turtle"], "does not fit a SELECT query"),
        (["describe-factory", "--format", "csv"], "does not fit a CONSTRUCT query"),
        (["exascale"], "unknown stored query 'exascale'; closest matches: exascale-factories"),
    ],
)
def test_query_errors_are_one_line_exit_2(args: list[str], message: str) -> None:
    code, out = invoke("query", *args)
    assert code == 2, out
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), out
    assert message in lines[0]


def test_untyped_parameter_prefers_the_network_node(kg: KnowledgeGraph) -> None:
    """Mimer names the AI Factory and the system; rdfs:Resource is untyped: the factory wins."""
    sources = CATALOGUE.get("sources")
    assert bind_parameters(sources, {"entity": "Mimer"}, kg) == {"entity": FACTORY.mimer}
