"""The two query engines give the same answers, and the Oxigraph path stays lean.

The differential test runs every stored query, with each parameter set of its expected results
(``tests/queries/expected/``), on rdflib (the reference) and on Oxigraph, and requires the same
rows: as multisets of N-Triples terms (numbers compared by value, blank nodes as one token), and
in the same order on the ORDER BY variables where the query sorts.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox
import pytest

from aifactories import cli, prefixes
from aifactories.errors import ParameterError
from aifactories.graph import KnowledgeGraph
from aifactories.query import binding, catalogue, engines, run_stored, syntax
from aifactories.query.results import QueryResult, Term
from queries.goldens import golden_files, read_golden

CATALOGUE = catalogue.load_catalogue()
XSD = prefixes.XSD
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "long", "int")}

CASES: list[tuple[str, dict[str, str]]] = [(q.name, {}) for q in CATALOGUE if not q.params]
CASES += [
    (g.query, g.params)
    for g in (read_golden(p) for p in golden_files())
    if g.query in CATALOGUE and CATALOGUE.get(g.query).params
]


@pytest.fixture(scope="module")
def reference(kg: KnowledgeGraph) -> engines.RdflibEngine:
    return engines.RdflibEngine(kg)


@pytest.fixture(scope="module")
def oxigraph(kg: KnowledgeGraph) -> engines.OxigraphEngine:
    return engines.OxigraphEngine.from_knowledge_graph(kg)


def normal(term: Term | None) -> str | None:
    """A term for comparison: N-Triples, numbers by value, every blank node alike."""
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return "_:b"
    if isinstance(term, ox.Literal) and term.datatype.value in NUMERIC:
        try:
            return f"{format(Decimal(term.value).normalize(), 'f')}^^numeric"
        except InvalidOperation:
            pass
    return str(term)


def order_variables(query: catalogue.StoredQuery) -> list[str]:
    """The variables named in the top-level ORDER BY clause (ties on them may come in any order)."""
    clause = re.split(r"(?i)\bORDER\s+BY\b", query.text)[-1]
    return list(dict.fromkeys(re.findall(r"[?$](\w+)", clause)))


@pytest.mark.parametrize(
    ("name", "values"), CASES, ids=[f"{n}-{'-'.join(v.values()) or 'noparams'}" for n, v in CASES]
)
def test_engines_agree(
    name: str,
    values: dict[str, str],
    reference: engines.RdflibEngine,
    oxigraph: engines.OxigraphEngine,
) -> None:
    query = CATALOGUE.get(name)
    ours = run_stored(query, values, reference)
    theirs = run_stored(query, values, oxigraph)
    assert ours.form == theirs.form == query.form
    if query.form == "ASK":
        assert ours.boolean is theirs.boolean
        return
    if query.form in ("CONSTRUCT", "DESCRIBE"):
        got = Counter(tuple(normal(t) for t in triple) for triple in ours.triples)
        other = Counter(tuple(normal(t) for t in triple) for triple in theirs.triples)
        assert got == other, f"only rdflib {got - other}; only Oxigraph {other - got}"
        return
    assert ours.variables == theirs.variables
    rows = [tuple(normal(t) for t in row) for row in ours.rows]
    other_rows = [tuple(normal(t) for t in row) for row in theirs.rows]
    assert Counter(rows) == Counter(other_rows), (
        f"only rdflib {list((Counter(rows) - Counter(other_rows)).elements())}; "
        f"only Oxigraph {list((Counter(other_rows) - Counter(rows)).elements())}"
    )
    if catalogue.is_ordered(query):
        keys = [ours.variables.index(v) for v in order_variables(query) if v in ours.variables]
        assert keys, f"{name}: ORDER BY names no projected variable"
        assert [[r[i] for i in keys] for r in rows] == [[r[i] for i in keys] for r in other_rows]


def test_every_stored_query_is_compared() -> None:
    assert {q.name for q in CATALOGUE} <= {name for name, _ in CASES}


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("factory-supercomputers", {"factory": "Jupyter"}),  # unknown name
        ("factory-supercomputers", {"factory": "JUPITER"}),  # a system, not a factory
        ("factory-supercomputers", {"factory": "factory:nowhere"}),  # unknown IRI
        ("factory-supercomputers", {"factory": "system:jupiter"}),  # IRI of the wrong class
        ("factory-supercomputers", {"factory": "  "}),  # empty
        ("claims", {"entity": "JUPITER AI factory"}),  # case differs: still found
        ("factories-as-of", {"date": "2025-02-30"}),  # not a date
        ("factories-as-of", {"day": "2025-02-01"}),  # undeclared parameter
        ("member-of", {"factory": "JAIF"}),  # required parameter missing
    ],
)
def test_same_parameter_errors(
    name: str,
    values: dict[str, str],
    reference: engines.RdflibEngine,
    oxigraph: engines.OxigraphEngine,
) -> None:
    """Entity lookups on the store give terms.resolve's answers and messages, word for word."""
    query = CATALOGUE.get(name)
    outcomes = []
    for engine in (reference, oxigraph):
        try:
            outcomes.append(binding.bind(query, values, engine))
        except ParameterError as exc:
            outcomes.append(str(exc))
    assert outcomes[0] == outcomes[1]


def test_lookup_messages_name_the_problem(oxigraph: engines.OxigraphEngine) -> None:
    query = CATALOGUE.get("factory-supercomputers")
    with pytest.raises(ParameterError, match=r"names no aif:NetworkNode: 'JUPITER'"):
        binding.bind(query, {"factory": "JUPITER"}, oxigraph)
    bound = binding.bind(query, {"factory": "jupiter ai factory"}, oxigraph)
    assert bound == {"factory": ox.NamedNode(prefixes.BASE + "id/factory/jaif")}


# --- Binding on Oxigraph ----------------------------------------------------------------

EX = "http://example.org/"


def tiny_engine() -> engines.OxigraphEngine:
    store = ox.Store()
    graph = ox.NamedNode(prefixes.ASSERTED_GRAPH)
    for s, o in (("a", "1"), ("b", "2")):
        store.add(ox.Quad(ox.NamedNode(EX + s), ox.NamedNode(EX + "p"), ox.Literal(o), graph))
    return engines.OxigraphEngine(store)


def test_bound_variable_copied_by_bind() -> None:
    """BIND(?_e AS ?x) gives ?x the value (Oxigraph 0.5's ``substitutions`` leave it unbound)."""
    engine = tiny_engine()
    result = engine.query(
        "SELECT ?x ?o WHERE { { BIND (?_e AS ?x) } UNION { ?_e <http://example.org/p> ?o } }",
        {"_e": ox.NamedNode(EX + "a")},
    )
    assert result.variables == ("x", "o")
    assert Counter(result.rows) == Counter(
        [(ox.NamedNode(EX + "a"), None), (None, ox.Literal("1"))]
    )


def test_bound_variable_used_only_in_a_filter() -> None:
    engine = tiny_engine()
    date = ox.Literal("2")
    result = engine.query(
        "SELECT ?s WHERE { ?s <http://example.org/p> ?o FILTER (?o = ?_v) }", {"_v": date}
    )
    assert result.rows == [(ox.NamedNode(EX + "b"),)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "PREFIX a: <x:?_e>\nSELECT DISTINCT ?s WHERE { ?_e a:p ?s }",
            "PREFIX a: <x:?_e>\nSELECT DISTINCT ?s WHERE { <x:a> a:p ?s }",
        ),
        (
            "SELECT ?_e (STR(?_e) AS ?t) { $_e <x:p> ?s FILTER (?s != '?_e') }",
            "SELECT (<x:a> AS ?_e) (STR(<x:a>) AS ?t) { <x:a> <x:p> ?s FILTER (?s != '?_e') }",
        ),
        (
            "#+ description: ?_e\nASK { ?_e ?p ?_each }",
            "#+ description: ?_e\nASK { <x:a> ?p ?_each }",
        ),
    ],
)
def test_bind_terms(text: str, expected: str) -> None:
    assert syntax.bind_terms(text, {"_e": ox.NamedNode("x:a")}) == expected


def test_a_string_value_stays_one_literal() -> None:
    """Whatever a string holds, it is written as one escaped literal, never as query text."""
    engine = tiny_engine()
    sneaky = ox.Literal('1" } UNION { ?s ?p ?o } #\n')
    text = "SELECT ?s WHERE { ?s <http://example.org/p> ?_v }"
    assert engine.query(text, {"_v": sneaky}).rows == []
    assert engine.query(text, {"_v": ox.Literal("1")}).rows == [(ox.NamedNode(EX + "a"),)]


# --- Serialisation ------------------------------------------------------------------------------


def sample() -> QueryResult:
    return QueryResult(
        "SELECT",
        ("item", "name", "when"),
        [
            (
                ox.NamedNode(prefixes.BASE + "id/factory/jaif"),
                ox.Literal("JUPITER AI Factory", language="en"),
                ox.Literal("2025-03-12", datatype=ox.NamedNode(XSD + "date")),
            ),
            (ox.BlankNode("b0"), ox.Literal('say "hi"\tnow'), None),
        ],
    )


def test_csv_tsv_and_table() -> None:
    result = sample()
    assert result.serialize("csv") == (
        "item,name,when\r\n"
        "https://w3id.org/aifactories/id/factory/jaif,JUPITER AI Factory,2025-03-12\r\n"
        '_:b0,"say ""hi""\tnow",\r\n'
    )
    assert result.serialize("tsv") == (
        "?item\t?name\t?when\n"
        '<https://w3id.org/aifactories/id/factory/jaif>\t"JUPITER AI Factory"@en\t'
        '"2025-03-12"^^<http://www.w3.org/2001/XMLSchema#date>\n'
        '_:b0\t"say \\"hi\\"\\tnow"\t\n'
    )
    assert result.serialize("table").splitlines() == [
        "item          name                when",
        "------------  ------------------  ----------",
        "factory:jaif  JUPITER AI Factory  2025-03-12",
        'b0            say "hi" now',
        "(2 rows)",
    ]


def test_json_results() -> None:
    data = json.loads(sample().serialize("json"))
    assert data["head"] == {"vars": ["item", "name", "when"]}
    first, second = data["results"]["bindings"]
    assert first == {
        "item": {"type": "uri", "value": prefixes.BASE + "id/factory/jaif"},
        "name": {"type": "literal", "value": "JUPITER AI Factory", "xml:lang": "en"},
        "when": {"type": "literal", "value": "2025-03-12", "datatype": XSD + "date"},
    }
    assert second == {
        "item": {"type": "bnode", "value": "b0"},
        "name": {"type": "literal", "value": 'say "hi"\tnow'},
    }
    ask = json.loads(QueryResult("ASK", boolean=True).serialize("json"))
    assert ask == {"head": {}, "boolean": True}


def test_xml_results() -> None:
    ns = "{http://www.w3.org/2005/sparql-results#}"
    root = ET.fromstring(sample().serialize("xml"))
    assert [v.get("name") for v in root.iter(ns + "variable")] == ["item", "name", "when"]
    results = list(root.iter(ns + "result"))
    assert len(results) == 2
    name = results[0].find(f"{ns}binding[@name='name']/{ns}literal")
    assert name is not None and name.text == "JUPITER AI Factory"
    assert name.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert [b.get("name") for b in results[1]] == ["item", "name"]  # unbound ?when left out
    ask = ET.fromstring(QueryResult("ASK", boolean=False).serialize("xml"))
    assert ask.find(ns + "boolean").text == "false"  # type: ignore[union-attr]


def test_formats_fit_the_form() -> None:
    with pytest.raises(Exception, match="is for CONSTRUCT/DESCRIBE"):
        sample().serialize("turtle")
    graph = QueryResult("CONSTRUCT", triples=[])
    with pytest.raises(Exception, match="is for SELECT/ASK"):
        graph.serialize("csv")


def test_turtle_of_a_graph_result(oxigraph: engines.OxigraphEngine) -> None:
    text = run_stored(CATALOGUE.get("describe-factory"), {}, oxigraph).serialize("turtle")
    parsed = list(ox.parse(text, format=ox.RdfFormat.TURTLE))
    assert parsed and "@prefix factory:" in text


def test_to_rdflib_round_trip(reference: engines.RdflibEngine) -> None:
    native = reference.kg.union.query(CATALOGUE.get("exascale-factories").text)
    converted = QueryResult.to_rdflib(
        run_stored(CATALOGUE.get("exascale-factories"), {}, reference)
    )
    assert list(native.vars or ()) == list(converted.vars or ())
    assert native.bindings == converted.bindings


# --- Shared tables stay in step --------------------------------------------------------------


def test_prefix_table_matches_namespaces() -> None:
    from aifactories.namespaces import PREFIXES

    assert {p: str(ns) for p, ns in PREFIXES.items()} == prefixes.PREFIX_IRIS


def test_curies_match_terms(kg: KnowledgeGraph) -> None:
    from rdflib import URIRef

    from aifactories.terms import curie, curie_iri

    iris = {t for triple in kg.union for t in triple if isinstance(t, URIRef)}
    assert all(curie_iri(str(i)) == curie(i) for i in iris)


def test_cli_engine_choices() -> None:
    assert set(cli.ENGINES) == set(engines.ENGINES)
    assert cli.DEFAULT_ENGINE == engines.DEFAULT_ENGINE


# --- Lean start-up ---------------------------------------------------------------------------

HEAVY = ("rdflib", "pyshacl", "owlrl")
CHECK = (
    "import sys\n"
    "from aifactories.cli import main\n"
    "try:\n"
    "    main({args!r})\n"
    "except SystemExit as exc:\n"
    "    code = exc.code\n"
    "heavy = sorted({{m.split('.')[0] for m in sys.modules}} & {heavy!r})\n"
    "print('HEAVY', code, ' '.join(heavy))\n"
)


def imports_after(*args: str, heavy: tuple[str, ...] = HEAVY) -> tuple[int, list[str], str]:
    code = CHECK.format(args=list(args), heavy=set(heavy))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    line = [x for x in out.stdout.splitlines() if x.startswith("HEAVY ")][-1].split()
    return int(line[1]), line[2:], out.stdout


def test_help_imports_neither_rdflib_nor_pyshacl() -> None:
    code, heavy, _ = imports_after("--help")
    assert code == 0 and heavy == []


def test_warm_query_on_oxigraph_imports_no_rdflib(kg: KnowledgeGraph) -> None:
    """``kg`` has filled the session's cache, so the subprocess starts warm."""
    code, heavy, out = imports_after(
        "query", "factory-supercomputers", "--param", "factory=JAIF", "--format", "csv"
    )
    assert code == 0 and heavy == [], out
    assert "https://w3id.org/aifactories/id/system/jupiter,JUPITER" in out
    code, heavy, out = imports_after("query", "factory-supercomputers", "-p", "factory=Jupyter")
    assert code == 2 and heavy == [], out


def test_warm_query_reads_its_header_from_the_memo(kg: KnowledgeGraph) -> None:
    """The second run of a stored query takes its parsed header from the cache's memo: no
    PyYAML (18 ms of a 100 ms start), same answer."""
    args = ("query", "exascale-factories", "--format", "csv")
    code, _, first = imports_after(*args, heavy=("yaml",))
    assert code == 0, first
    code, heavy, second = imports_after(*args, heavy=("yaml",))
    assert code == 0 and heavy == [], second
    assert "https://w3id.org/aifactories/id/system/jupiter" in second
    assert second.split("HEAVY")[0] == first.split("HEAVY")[0]


def test_one_format_table() -> None:
    """Names, aliases, media types and the formats each query form has, from one table."""
    from aifactories.errors import UnsupportedFormatError
    from aifactories.query import formats

    assert formats.media_type("SELECT", "json") == "application/sparql-results+json"
    assert formats.media_type("CONSTRUCT", "ttl") == "text/turtle"
    assert formats.media_type("CONSTRUCT", "xml") == "application/rdf+xml"
    assert formats.formats_for("ASK") == ("table", "json", "xml")
    assert formats.check_format("DESCRIBE", None) == "turtle"
    with pytest.raises(UnsupportedFormatError) as err:
        formats.media_type("ASK", "tsv")
    assert err.value.available == ("table", "json", "xml")
