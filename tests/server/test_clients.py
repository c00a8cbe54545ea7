"""Real SPARQL clients against the real server: rdflib's SPARQLStore and Apache Jena's rsparql.

(SPARQLWrapper drives most of tests/server/test_protocol.py.) Expected values from the seed:
13 AI Factories had been selected on or before 12 March 2025; JAIF is one of them.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from jena import find

Server = Any  # the ``server`` fixture of conftest.py
COUNT_AS_OF = """PREFIX aif: <https://w3id.org/aifactories/ontology#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE {
  ?f a aif:AIFactory ; aif:selectionDate ?d FILTER (?d <= "2025-03-12"^^xsd:date)
}"""
JAIF = URIRef("https://w3id.org/aifactories/id/factory/jaif")
AIFACTORY = URIRef("https://w3id.org/aifactories/ontology#AIFactory")


def test_rdflib_sparqlstore(server: Server) -> None:
    graph = Graph(store=SPARQLStore(server.url + "/sparql", returnFormat="json"))
    (row,) = list(graph.query(COUNT_AS_OF))
    assert row[0] == Literal(13)
    assert graph.query(f"ASK {{ <{JAIF}> a <{AIFACTORY}> }}").askAnswer is True
    assert (JAIF, None, AIFACTORY) in graph


def test_jena_rsparql(server: Server, tmp_path: Path) -> None:
    rsparql, why = find("rsparql", tmp_path)
    if rsparql is None:
        pytest.skip(why)
    query = tmp_path / "count.rq"
    query.write_text(COUNT_AS_OF, encoding="utf-8")
    done = subprocess.run(
        [
            *rsparql.command,
            "--service",
            server.url + "/sparql",
            "--query",
            str(query),
            "--results=CSV",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["n", "13"]
