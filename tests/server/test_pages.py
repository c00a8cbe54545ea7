"""The pages without a browser: they are server-rendered, so plain HTTP sees all their data.

Expected values are the seed's: 13 AI Factories after the selection of 12 March 2025; Germany
hosts JAIF and HammerHAI; France and Germany operate alongside the exascale supercomputers
Alice Recoque and JUPITER; JAIF and AI2F both name healthcare.
"""

from __future__ import annotations

import re

import httpx

SEED_DATE = "2025-03-12"


def factory_names(html: str) -> list[str]:
    """The row headers of the factories table."""
    table = html.split('id="factories"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', table)


def test_home_lists_13_factories_as_of_the_seed(client: httpx.Client) -> None:
    html = client.get("/", params={"as_of": SEED_DATE}).text
    names = factory_names(html)
    assert len(names) == 13
    assert "JUPITER AI Factory" in names and "AI Factory France" in names
    assert '<span id="factory-count">13</span>' in html


def test_home_lists_more_than_the_seed_without_filter(client: httpx.Client) -> None:
    assert len(factory_names(client.get("/").text)) > 13  # the third wave is in the data too


def test_country_filter(client: httpx.Client) -> None:
    names = factory_names(client.get("/", params={"country": "DEU"}).text)
    assert set(names) == {"JUPITER AI Factory", "HammerHAI"}


def test_system_kind_filter(client: httpx.Client) -> None:
    html = client.get("/", params={"system_kind": "ExascaleSupercomputer", "as_of": SEED_DATE})
    assert set(factory_names(html.text)) == {"JUPITER AI Factory", "AI Factory France"}


def test_sector_filter_includes_narrower_sectors(client: httpx.Client) -> None:
    names = set(factory_names(client.get("/", params={"sector": "healthcare"}).text))
    assert {"JUPITER AI Factory", "AI Factory France"} <= names
    broad = set(factory_names(client.get("/", params={"sector": "health"}).text))
    assert names <= broad  # health is broader than healthcare


def test_home_shows_host_and_systems(client: httpx.Client) -> None:
    html = client.get("/", params={"country": "DEU"}).text
    row = html.split(">JUPITER AI Factory</a></th>", 1)[1].split("</tr>", 1)[0]
    assert "Forschungszentrum Jülich" in row
    assert ">JUPITER</a>" in row and ">JARVIS</a>" in row
    assert "Second selection of AI Factories" in row


def test_network_picture(client: httpx.Client) -> None:
    html = client.get("/", params={"as_of": SEED_DATE}).text
    picture = html.split('aria-labelledby="picture-heading"', 1)[1]
    assert "<svg" in picture, "graphviz should be installed (CI installs it)"
    assert 'href="/id/factory/jaif"' in picture  # nodes link to entity pages
    svg = client.get("/network.svg", params={"as_of": SEED_DATE})
    assert svg.headers["content-type"].startswith("image/svg+xml")


def test_query_page_runs_a_stored_query_without_javascript(client: httpx.Client) -> None:
    html = client.get("/query", params={"name": "factories-as-of", "date": SEED_DATE}).text
    assert '<p id="result-count">13 rows.' in html
    assert "/api/queries/factories-as-of?date=2025-03-12&amp;format=csv" in html
    params = {"name": "factories-as-of", "date": SEED_DATE, "sort": "factoryLabel", "dir": "desc"}
    desc = client.get("/query", params=params).text
    assert 'aria-sort="descending"' in desc


def test_query_page_free_query_and_error(client: httpx.Client) -> None:
    ok = client.get("/query", params={"query": "ASK { ?s ?p ?o }"})
    assert '<p class="boolean" id="result-boolean">true</p>' in ok.text
    bad = client.get("/query", params={"query": "SELECT WHERE"})
    assert bad.status_code == 400 and "SPARQL syntax error" in bad.text


def test_pages_load_nothing_from_elsewhere(client: httpx.Client) -> None:
    for path in ("/", "/query", "/id/factory/jaif", "/ontology"):
        html = client.get(path, headers={"Accept": "text/html"}).text
        for attr in re.findall(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]+)"', html):
            assert attr.startswith("/"), (path, attr)


def test_static_files_are_bundled_and_cached(client: httpx.Client) -> None:
    bundle = "/static/vendor/yasgui/yasgui.min.js"
    response = client.get(bundle, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    etag = response.headers["etag"]
    again = client.get(bundle, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert client.get("/static/vendor/yasgui/LICENSE").status_code == 200
