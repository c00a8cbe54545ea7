"""Property-based tests (hypothesis): mutated Turtle, parameter values and SPARQL strings.

Whatever the input, the answer is a result or one of the project's errors (AIFactoriesError:
one line, exit 2 on the CLI), never another exception and never a hang. Example counts are
modest so that the suite stays quick; raise them with HYPOTHESIS_EXAMPLES for a longer hunt.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aifactories import graph, limits
from aifactories.errors import AIFactoriesError

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "60"))
CHECK = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

TURTLE = """@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:factory a ex:AIFactory ;
    ex:label "Jülich AI Factory"@en ;
    ex:selected "2024-12-10"^^xsd:date ;
    ex:budget 30.5 ;
    ex:partner [ ex:name "x" ], ex:other ;
    ex:list ( ex:a ex:b ) .
"""
#: Characters that break IRIs, strings, numbers and language tags.
NASTY = [*" {}|^`\\\"<>\x00\x01\n\t%@#:;,.()[]_-+^'", "\\u", "\\U", "\ud800", "é", "𝔸"]


@st.composite
def mutated_turtle(draw: Any) -> str:
    text = TURTLE
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(NASTY) | st.text(max_size=3))
        if kind == "insert":
            text = text[:at] + piece + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 5)) :]
        else:
            text = text[:at] + piece + text[at + len(piece) :]
    return text


@CHECK
@given(text=mutated_turtle(), suffix=st.sampled_from([".ttl", ".nt", ".jsonld", ".rdf"]))
def test_mutated_rdf_parses_or_is_refused(text: str, suffix: str, tmp_path: Path) -> None:
    """The loader's reading of a file (strict pass, rdflib, term checks) and diff's reading."""
    path = tmp_path / f"mutated{suffix}"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        graph.check_files([path])
        graph.read_triples(path)
    except AIFactoriesError:
        pass
    with contextlib.suppress(AIFactoriesError):
        graph.parse_file(path)


@pytest.fixture(scope="module")
def engine(kg: Any) -> Any:
    from aifactories.query.engines import open_engine

    return open_engine("oxigraph", kg)


@pytest.fixture(scope="module")
def catalogue() -> Any:
    from aifactories.query.catalogue import load_catalogue

    return load_catalogue()


@CHECK
@given(value=st.text(max_size=30) | st.sampled_from(["2025-03-12\n", "2025-13-01", "\ud800", ""]))
def test_parameter_values_bind_or_are_refused(value: str, engine: Any, catalogue: Any) -> None:
    """Dates and entity names from anywhere: bound as terms, or a ParameterError."""
    from aifactories.query import run_stored

    for name, param in (("factories-as-of", "date"), ("factory-supercomputers", "factory")):
        with contextlib.suppress(AIFactoriesError):
            run_stored(catalogue.get(name), {param: value}, engine)


SPARQL_PIECES = [
    "SELECT",
    "*",
    "WHERE",
    "{",
    "}",
    "?s",
    "?p",
    "?o",
    "a",
    "aif:AIFactory",
    "FILTER",
    "(",
    ")",
    "REGEX(?o,",
    '"([a-"',
    "LIMIT",
    "99999999999999999999999",
    "UNION",
    "OPTIONAL",
    "GRAPH",
    "SERVICE",
    "<http://127.0.0.1:9/>",
    "!(rdf:type|^rdfs:label)+",
    "ORDER BY",
    "COUNT(*)",
    "AS",
    "?n",
    ".",
    ";",
    "INSERT DATA",
    "LOAD",
    '"\\uZZZZ"',
    "1.2.3",
    "@en-abcdefghijk",
    "BIND(",
    "VALUES ?s { }",
]


@CHECK
@given(
    pieces=st.lists(st.sampled_from(SPARQL_PIECES), min_size=1, max_size=14)
    | st.lists(st.text(max_size=8), max_size=4)
)
def test_sparql_strings_answer_or_are_refused(pieces: list[str], engine: Any) -> None:
    """Token soup and text: a result, or one of the project's errors, within the time limit."""
    from aifactories import query as pipeline
    from aifactories.query import results

    text = " ".join(pieces)
    try:
        limits.check_query_text(text)
        with limits.time_limit("QUERY_SECONDS", "the query"):
            result = pipeline.run(text, engine)
            results.write(result, "json")
    except AIFactoriesError:
        pass
