"""The map, timeline, search, questions and API pages over real HTTP (no browser).

Expected figures come from the sources, not from the program: 19 AI Factories (7 + 6 + 6 in three
waves) and 13 antennas had been selected by the end of October 2025; 13 factories by 12 March 2025
(the seed press release); Alice Recoque's deployment is "2026" in the seed and "not before 2027" in
IT for Business.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest


def _markers(html: str, kind: str) -> set[str]:
    return set(re.findall(rf'class="node {kind}[^"]*" data-iri="([^"]+)"', html))


@pytest.mark.parametrize(
    ("date", "factories", "antennas"),
    [("2025-10-31", 19, 13), ("2025-03-12", 13, 0), ("2024-12-10", 7, 0)],
)
def test_map_draws_the_network_as_of_a_date(
    client: httpx.Client, date: str, factories: int, antennas: int
) -> None:
    response = client.get("/map", params={"as_of": date})
    assert response.status_code == 200
    assert len(_markers(response.text, "factory")) == factories
    assert len(_markers(response.text, "antenna")) == antennas
    assert f'<span id="map-factories">{factories}</span>' in response.text


def test_map_puts_jaif_at_juelich_and_links_antennas(client: httpx.Client) -> None:
    html = client.get("/map").text
    assert re.search(r'aria-label="JUPITER AI Factory, Jülich"', html)
    assert 'aria-label="AIF IRL-Antenna, Galway"' in html
    # every antenna with a linked factory draws a line to it
    assert html.count('<line class="link"') >= 13
    # the country-only nodes are marked as such, not placed at an invented city
    france = r'class="node factory w1 approx" [^>]*aria-label="AI Factory France, France"'
    assert re.search(france, html)


def test_map_refuses_a_malformed_date(client: httpx.Client) -> None:
    response = client.get("/map", params={"as_of": "31/10/2025"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.text


def test_home_as_of_the_seed_lists_13_factories(client: httpx.Client) -> None:
    html = client.get("/", params={"as_of": "2025-03-12"}).text
    assert '<span id="factory-count">13</span>' in html


@pytest.mark.parametrize(
    ("query", "label", "kind"),
    [
        ("JAIF", "JUPITER AI Factory", "AI Factory"),  # an acronym (skos:altLabel)
        ("julich", "Jülich", "city"),  # without the accent
        ("poznan", "Poznań", "city"),
        ("LUMI", "LUMI", "pre-exascale supercomputer"),
    ],
)
def test_search_finds_by_label_acronym_and_folded_name(
    client: httpx.Client, query: str, label: str, kind: str
) -> None:
    body = client.get("/api/search", params={"q": query}).json()
    first = body["results"][0]
    assert (first["label"], first["kind"]) == (label, kind)
    assert first["page"].startswith("/id/")


def test_search_page_and_limits(client: httpx.Client) -> None:
    assert "Jülich Supercomputing Centre" in client.get("/search", params={"q": "jülich"}).text
    assert len(client.get("/api/search", params={"q": "a", "limit": 3}).json()["results"]) == 3
    assert client.get("/api/search", params={"q": "x", "limit": "many"}).status_code == 400
    assert client.get("/api/search", params={"q": "zzzzqqq"}).json()["results"] == []


def test_timeline_shows_a_disputed_estimate_as_a_range_with_both_sources(
    client: httpx.Client,
) -> None:
    html = client.get("/timeline").text
    item = html[html.index(">Alice Recoque</a>: Alice Recoque deployment") :]
    item = item[: item.index("</li>\n  <li")] if "</li>\n  <li" in item else item
    assert "Sources disagree" in item
    assert "not before 2027" in item
    assert "itforbusiness.fr" in item
    assert "Seed press release" in item
    # the selections are on it, in order
    waves = [html.index(d) for d in ("2024-12-10", "2025-03-12", "2025-10-10", "2025-10-13")]
    assert waves == sorted(waves)


def test_questions_page_links_every_stored_query(client: httpx.Client) -> None:
    html = client.get("/questions").text
    catalogue = client.get("/api/queries").json()
    names = [q["name"] for q in catalogue.get("queries", catalogue)]
    for name in names:
        assert f"/queries/{name}.rq" in html
    assert "Which AI Factories run on (or will run on) an exascale supercomputer" in html
    rq = client.get("/queries/exascale-factories.rq")
    assert rq.status_code == 200 and "SELECT" in rq.text


def test_api_page_bundles_swagger_ui(client: httpx.Client) -> None:
    html = client.get("/api").text
    assert 'data-spec="/api/openapi.json"' in html
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert "/api/search" in client.get("/api/openapi.json").json()["paths"]


def test_entity_page_shows_values_with_their_sources(client: httpx.Client) -> None:
    html = client.get("/id/system/jupiter").text
    row = html[html.index(">investment<") :]
    row = row[: row.index("</tr>")]
    assert ">EUR 500 million</a>" in row
    assert 'href="https://eurohpc-ju.europa.eu/' in row  # the source beside the value
    assert '<time datetime="2025-09-05">5 September 2025</time>' in html
    # schema:containedInPlace folds into "located in" instead of doubling the table
    assert 'class="ext" title="schema:containedInPlace">' not in html  # no row of its own
    assert "schema:containedInPlace</code>" in html and "(inferred alignment)" in html


def test_competency_questions_are_read_in_the_data_file_format(tmp_path: Path) -> None:
    from aifactories.query.catalogue import load_catalogue
    from aifactories.server.pages import competency_questions

    path = tmp_path / "questions.yaml"
    path.write_text(
        "- id: institution-genci\n"
        "  topic: institutions\n"
        "  question: Which AI Factory is GENCI involved in?\n"
        "  query: institution-factories\n"
        "  params: {institution: GENCI}\n"
        "  expect: {column: node, equals: [factory:ai2f]}\n"
        "- id: unknown\n"
        "  topic: other\n"
        "  question: A question no stored query answers?\n"
        "  query: no-such-query\n",
        encoding="utf-8",
    )
    groups = competency_questions(load_catalogue(), path)
    assert list(groups) == ["institutions"]
    (question,) = groups["institutions"]
    assert question.text == "Which AI Factory is GENCI involved in?"
    assert question.query.name == "institution-factories"
    assert question.example == {"institution": "GENCI"}
    assert competency_questions(load_catalogue(), tmp_path / "missing.yaml") == {}


def test_questions_page_lists_the_competency_questions_when_present(client: httpx.Client) -> None:
    from aifactories.server.pages import COMPETENCY

    if not COMPETENCY.is_file():
        pytest.skip("tests/competency/questions.yaml is not in this checkout yet")
    html = client.get("/questions").text
    assert 'id="h-competency"' in html
    assert "/query?name=institution-factories&amp;institution=" in html
