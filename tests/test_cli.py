"""The CLI in-process (click's CliRunner): exit codes, one-line errors, and command outputs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Dataset, Graph

from aifactories import cli, exports
from aifactories.graph import KnowledgeGraph
from aifactories.namespaces import ASSERTED_GRAPH, INFERRED_GRAPH
from aifactories.query import results

PREFIXES = """@prefix aif: <https://w3id.org/aifactories/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix factory: <https://w3id.org/aifactories/id/factory/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix src: <https://w3id.org/aifactories/id/source/> .
@prefix wave: <https://w3id.org/aifactories/id/wave/> .
"""


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(cli.main, list(args))
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_help_does_not_import_rdflib() -> None:
    code = "import sys, aifactories.cli; print('rdflib' in sys.modules, 'pyshacl' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_help_lists_the_commands() -> None:
    result = invoke("--help")
    for command in ("validate", "export", "stats", "describe", "sparql"):
        assert re.search(rf"^\s+{command}\s", result.output, re.MULTILINE), command


def test_format_choices_match_the_library() -> None:
    assert set(cli.EXPORT_FORMATS) == set(exports.FORMATS)
    assert set(cli.FORMAT_NAMES) == set(results.FORMATS) | set(results.ALIASES)


# --- validate -----------------------------------------------------------------------------------


def test_validate_shipped_data(kg: KnowledgeGraph) -> None:
    result = invoke("validate")
    assert result.exit_code == 0, result.output
    # results and verdict on one stream (standard output), the verdict last
    assert result.stdout.strip().splitlines()[-1].startswith("conforms")


def test_validate_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text(
        "@prefix factory: <https://w3id.org/aifactories/id/factory/> .\n"
        'factory:x <http://www.w3.org/2000/01/rdf-schema#label> "ok"@en .\n'
        'factory:y <http://www.w3.org/2000/01/rdf-schema#label> "no end .\n',  # line 3
        encoding="utf-8",
    )
    result = invoke("validate", str(bad))
    assert result.exit_code == 2
    assert "broken.ttl:3:" in result.stderr
    assert "syntax error" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_validate_missing_path(tmp_path: Path) -> None:
    result = invoke("validate", str(tmp_path / "nope.ttl"))
    assert result.exit_code == 2
    assert "nope.ttl: no such file or folder" in result.stderr


def test_validate_reports_violations(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        PREFIXES
        + "\n"
        + "factory:test-bad\n"  # line 8
        + '    a aif:AIFactory ; rdfs:label "Test factory"@en ;\n'
        + '    aif:selectedIn wave:2 ; aif:selectionDate "12 March 2025" ;\n'
        + "    dcterms:source src:seed .\n"
        + "factory:test-both a aif:AIFactory , aif:AIFactoryAntenna .\n",  # disjoint classes
        encoding="utf-8",
    )
    result = invoke("validate", str(bad))
    assert result.exit_code == 1, result.output
    assert (
        "reasoner: inconsistent data: Disjoint classes "
        "https://w3id.org/aifactories/ontology#AIFactory and "
        "https://w3id.org/aifactories/ontology#AIFactoryAntenna have a common individual "
        "https://w3id.org/aifactories/id/factory/test-both"
    ) in result.stdout.splitlines()
    line = re.compile(
        r'bad\.ttl:8: factory:test-bad \(Test factory\): aif:selectionDate = "12 March 2025": \S'
    )
    assert any(line.search(out) for out in result.stdout.splitlines()), result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("does not conform")


def test_validate_json_for_ci(kg: KnowledgeGraph) -> None:
    result = invoke("validate", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["conforms"] is True and document["violations"] == 0
    assert len(document["results"]) == document["warnings"]


def test_help_summaries_are_whole_sentences() -> None:
    result = invoke("--help")
    commands = result.stdout[result.stdout.index("Commands:") :]
    assert "..." not in commands
    # every summary ends a sentence (wrapped lines are joined first)
    entries = re.split(r"\n  (?=\S)", " ".join(commands.split("\n", 1)[1].split("\n    ")))
    for entry in entries:
        assert " ".join(entry.split()).endswith("."), entry


def test_validate_help_names_the_bundled_shapes() -> None:
    text = " ".join(invoke("validate", "--help").stdout.split())
    assert "the shapes shipped with the package" in text


def test_serve_on_a_busy_port_says_so_in_one_line() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = invoke("serve", "--port", str(port))
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: port {port} on 127.0.0.1 is already in use; choose another with --port"
    )


# --- export -------------------------------------------------------------------------------------


def test_export_to_stdout(kg: KnowledgeGraph) -> None:
    result = invoke("export", "--format", "nt")
    assert result.exit_code == 0
    assert len(Graph().parse(data=result.stdout, format="nt")) == len(kg.asserted)


def test_export_quads_to_file(kg: KnowledgeGraph, tmp_path: Path) -> None:
    target = tmp_path / "kg.trig"
    result = invoke("export", "--format", "trig", "--inferred", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    ds = Dataset()
    ds.parse(target, format="trig")
    assert len(ds.graph(ASSERTED_GRAPH)) == len(kg.asserted)
    assert len(ds.graph(INFERRED_GRAPH)) == len(kg.inferred)


def test_export_errors(tmp_path: Path) -> None:
    result = invoke("export", "-o", str(tmp_path / "missing" / "kg.ttl"))
    assert result.exit_code == 2 and "does not exist" in result.stderr
    result = invoke("export", "--format", "n3x")
    assert result.exit_code == 2 and "n3x" in result.stderr


def test_export_accepts_ttl_for_turtle(kg: KnowledgeGraph) -> None:
    result = invoke("export", "--format", "ttl")
    assert result.exit_code == 0, result.stderr
    assert len(Graph().parse(data=result.stdout, format="turtle")) == len(kg.asserted)


# --- stats, describe ----------------------------------------------------------------------------


def test_stats(kg: KnowledgeGraph) -> None:
    result = invoke("stats")
    assert result.exit_code == 0
    assert re.search(r"AI Factory\s+19\s+aif:AIFactory", result.stdout)
    data = json.loads(invoke("stats", "--format", "json").stdout)
    assert data["triples"] == {
        "asserted": len(kg.asserted),
        "inferred": len(kg.inferred),
        "total": len(kg.union),
    }


def test_describe(kg: KnowledgeGraph) -> None:
    result = invoke("describe", "PIAST AI Factory")
    assert result.exit_code == 0
    assert result.stdout.startswith("factory:piast — PIAST AI Factory")
    assert "organisation:put (Poznan University of Technology)" in result.stdout
    data = json.loads(invoke("describe", "--format", "json", "factory:piast").stdout)
    assert data["entity"]["iri"] == "https://w3id.org/aifactories/id/factory/piast"


def test_describe_ambiguous_term(kg: KnowledgeGraph) -> None:
    # seed: PIAST is the factory's acronym and Piast the EuroHPC quantum computer's name; the
    # network node wins an untyped look-up, and a note names the other match (docs/names.md)
    result = invoke("describe", "piast")
    assert result.exit_code == 0
    assert result.stdout.startswith("factory:piast — PIAST AI Factory")
    assert "note:" in result.stderr and "system:piast-q" in result.stderr


def test_describe_unknown_term(kg: KnowledgeGraph) -> None:
    result = invoke("describe", "Jupiterr")
    assert result.exit_code == 2
    assert "closest matches" in result.stderr and "system:jupiter" in result.stderr


# --- sparql -------------------------------------------------------------------------------------

EXASCALE = """SELECT ?factory ?system WHERE {
    ?factory a aif:AIFactory ; aif:usesSystem ?system . ?system a aif:ExascaleSupercomputer }
    ORDER BY ?factory"""


def test_sparql_csv(kg: KnowledgeGraph) -> None:
    result = invoke("sparql", "--format", "csv", EXASCALE)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "factory,system",
        "https://w3id.org/aifactories/id/factory/ai2f,https://w3id.org/aifactories/id/system/alice-recoque",
        "https://w3id.org/aifactories/id/factory/jaif,https://w3id.org/aifactories/id/system/jupiter",
    ]


def test_sparql_table_from_file(kg: KnowledgeGraph, tmp_path: Path) -> None:
    query = tmp_path / "exascale.rq"
    query.write_text(EXASCALE, encoding="utf-8")
    result = invoke("sparql", f"@{query}")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["factory", "system"]
    assert (
        "factory:jaif (JUPITER AI Factory)" in lines[3] and "system:jupiter (JUPITER)" in lines[3]
    )
    assert lines[-1] == "(2 rows)"


def test_sparql_construct_as_turtle(kg: KnowledgeGraph) -> None:
    result = invoke(
        "sparql",
        "--format",
        "turtle",
        "CONSTRUCT { ?f aif:usesSystem ?s } WHERE { ?f aif:usesSystem ?s }",
    )
    assert result.exit_code == 0
    assert len(Graph().parse(data=result.stdout, format="turtle")) > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["SELECT * WHERE { ?s ?p }"], "SPARQL syntax error: error at 1:25"),
        (["INSERT DATA { <urn:a> <urn:b> <urn:c> }"], "Update is not allowed"),
        (["SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }"], "SERVICE"),
        (["--format", "csv", "CONSTRUCT WHERE { ?s a aif:AIFactory }"], "for SELECT/ASK"),
        (["@/nonexistent/q.rq"], "no such query file"),
    ],
)
def test_sparql_errors(args: list[str], message: str) -> None:
    result = invoke("sparql", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# --- sparql and query share their options -----------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        [
            "sparql",
            "CONSTRUCT { factory:jaif aif:usesSystem ?s } WHERE { factory:jaif aif:usesSystem ?s }",
        ],
        ["query", "describe-factory", "--param", "factory=JAIF"],
    ],
)
@pytest.mark.parametrize("fmt", ["ttl", "turtle", None])
def test_graph_results_are_turtle_by_default_and_ttl_is_turtle(
    args: list[str], fmt: str | None, kg: KnowledgeGraph
) -> None:
    result = invoke(*args, *(["--format", fmt] if fmt else []))
    assert result.exit_code == 0, result.output
    assert "@prefix factory:" in result.stdout
    assert len(Graph().parse(data=result.stdout, format="turtle")) > 0


@pytest.mark.parametrize(
    "args",
    [
        ["sparql", "ASK { factory:jaif a aif:AIFactory }"],
        ["query", "member-of", "--param", "organisation=PSNC", "--param", "factory=PIAST"],
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_ask_as_csv_or_tsv_is_refused_naming_the_formats(
    args: list[str], fmt: str, kg: KnowledgeGraph
) -> None:
    result = invoke(*args, "--format", fmt)
    assert result.exit_code == 2
    assert "SELECT" in result.stderr and "use one of table, json, xml" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_sparql_runs_on_the_chosen_engine(engine: str, kg: KnowledgeGraph) -> None:
    """The issue's example: SPARQL 1.1 says 0 (a date is not comparable with a string); rdflib
    compares them anyway (docs/engines.md)."""
    query = 'SELECT (COUNT(*) AS ?n) WHERE { ?f aif:selectionDate ?d FILTER (?d <= "2025-03-12") }'
    result = invoke("sparql", "--engine", engine, "--format", "csv", query)
    assert result.exit_code == 0
    n = int(result.stdout.splitlines()[1])
    assert (n == 0) if engine == "oxigraph" else (n > 0)


def test_sparql_graph_variable_needs_no_dataset_hint(kg: KnowledgeGraph) -> None:
    result = invoke(
        "sparql", "--format", "csv", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    )
    assert result.exit_code == 0
    assert set(result.stdout.splitlines()[1:]) == {str(ASSERTED_GRAPH), str(INFERRED_GRAPH)}
