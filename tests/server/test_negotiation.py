"""Content negotiation rules (no server needed)."""

from __future__ import annotations

import pytest

from aifactories.server import negotiation as neg


def test_highest_q_wins_and_ties_go_to_server_order() -> None:
    offered = neg.RESULT_FORMATS
    assert neg.choose("text/csv;q=0.9, application/sparql-results+xml", offered) is neg.SPARQL_XML
    assert neg.choose("*/*", offered) is neg.SPARQL_JSON
    assert neg.choose(None, offered) is neg.SPARQL_JSON
    assert neg.choose("text/*", offered) is neg.CSV


def test_more_specific_range_decides_q() -> None:
    accept = "text/*;q=0.9, text/csv;q=0, */*;q=0.1"
    assert neg.choose(accept, neg.RESULT_FORMATS) is neg.TSV


def test_aliases_count_as_their_format() -> None:
    assert neg.choose("application/json", neg.RESULT_FORMATS) is neg.SPARQL_JSON
    assert neg.choose("application/json", neg.GRAPH_FORMATS) is neg.JSONLD


def test_nothing_acceptable_lists_offers() -> None:
    with pytest.raises(neg.NotAcceptable) as info:
        neg.choose("image/png, text/html;q=0.5", neg.GRAPH_FORMATS, "a CONSTRUCT result")
    message = str(info.value)
    assert "a CONSTRUCT result" in message
    for fmt in neg.GRAPH_FORMATS:
        assert fmt.media_type in message


def test_format_parameter() -> None:
    assert neg.negotiate("text/csv", ["json"], neg.RESULT_FORMATS, "x") is neg.SPARQL_JSON
    # SPARQLWrapper repeats the format as a short name and as a media type
    repeated = ["tsv", "text/tab-separated-values"]
    assert neg.negotiate(None, repeated, neg.RESULT_FORMATS, "x") is neg.TSV
    assert neg.negotiate(None, ["rdf+xml"], neg.GRAPH_FORMATS, "x") is neg.RDFXML
    with pytest.raises(neg.NotAcceptable):
        neg.negotiate("*/*", ["csv"], neg.GRAPH_FORMATS, "x")
    assert neg.by_extension(".jsonld", neg.PAGE_FORMATS) is neg.JSONLD
