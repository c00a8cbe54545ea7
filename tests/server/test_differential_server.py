"""``/sparql`` answers what pyoxigraph answers on the exported dataset: the differential queries.

The same ad-hoc queries as ``tests/test_differential.py`` (typed comparisons, aggregates over
unbound values, GRAPH, MINUS vs NOT EXISTS, property paths, language tags, casts, COALESCE of
errors, empty groups, ...), sent to the app in process over the protocol, compared with
pyoxigraph on a fresh store loaded from ``export --format nquads --inferred``.
"""

from __future__ import annotations

import httpx
import pyoxigraph as ox
import pytest

from test_differential import (  # the fixtures too: the same exported dataset and reference
    QUERIES,
    QUERY_IDS,
    comparable,
    exported,  # noqa: F401
    graph_form,
    parsed,
    pyoxigraph_answer,
    reference,  # noqa: F401
    variables,
)


@pytest.mark.parametrize(("name", "text"), QUERIES, ids=QUERY_IDS)
def test_sparql_endpoint_answers_what_pyoxigraph_answers(
    client: httpx.Client,
    reference: ox.Store,  # noqa: F811
    name: str,
    text: str,
) -> None:
    accept = "text/turtle" if graph_form(text) else "application/sparql-results+json"
    response = client.post("/sparql", data={"query": text}, headers={"Accept": accept})
    assert response.status_code == 200, f"{name}: {response.text}"
    assert "x-results-truncated" not in response.headers
    ours = parsed(text, response.content)
    theirs = pyoxigraph_answer(reference, text)
    if graph_form(text):
        theirs = [(t.subject, t.predicate, t.object) for t in theirs]
    assert variables(text, ours) == variables(text, theirs)
    assert comparable(text, ours) == comparable(text, theirs)
