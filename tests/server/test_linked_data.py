"""Dereferenceable IRIs: every minted IRI answers at its path, as HTML or RDF.

Expected facts are the seed's: JAIF is the JUPITER AI Factory, selected in the second wave,
located at Forschungszentrum Jülich, citing the seed press release.
"""

from __future__ import annotations

import httpx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from aifactories.server.linked_data import LinkedData

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated")

AIF = Namespace("https://w3id.org/aifactories/ontology#")
JAIF = URIRef("https://w3id.org/aifactories/id/factory/jaif")
LABEL = (JAIF, RDFS.label, Literal("JUPITER AI Factory", lang="en"))
WAVE = (JAIF, AIF.selectedIn, URIRef("https://w3id.org/aifactories/id/wave/2"))


def test_turtle_by_accept(client: httpx.Client) -> None:
    response = client.get("/id/factory/jaif", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert "accept" in response.headers["vary"].lower()
    graph = Graph().parse(data=response.text, format="turtle")
    assert LABEL in graph and WAVE in graph
    # incoming links are part of the description: the seed names JAIF's host, Jülich
    hosts = [m for m in graph.subjects(URIRef("http://www.w3.org/ns/org#organization"), JAIF)]
    assert hosts, "the memberships pointing at JAIF are missing"


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_other_formats_by_accept(client: httpx.Client, accept: str, fmt: str) -> None:
    response = client.get("/id/factory/jaif", headers={"Accept": accept})
    assert response.headers["content-type"].startswith(accept)
    graph = Graph().parse(data=response.text, format=fmt)
    assert LABEL in graph and WAVE in graph


@pytest.mark.parametrize(
    ("ext", "media", "fmt"),
    [
        (".ttl", "text/turtle", "turtle"),
        (".nt", "application/n-triples", "nt"),
        (".jsonld", "application/ld+json", "json-ld"),
        (".rdf", "application/rdf+xml", "xml"),
    ],
)
def test_formats_by_extension(client: httpx.Client, ext: str, media: str, fmt: str) -> None:
    response = client.get("/id/factory/jaif" + ext, headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith(media)
    assert LABEL in Graph().parse(data=response.text, format=fmt)


def test_html_for_browsers(client: httpx.Client) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/id/factory/jaif", headers={"Accept": accept})
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "<h1>JUPITER AI Factory</h1>" in html
    assert 'href="/id/source/seed"' in html  # the seed press release is a source
    assert 'href="/id/wave/2"' in html
    assert "https://" not in html.split("<body>")[0].replace("https://w3id.org", "")


def test_every_kind_of_minted_iri_answers(client: httpx.Client) -> None:
    for path in (
        "/id/organisation/fzj",
        "/id/system/jupiter",
        "/id/sector/healthcare",
        "/id/source/seed",
        "/id/wave/2",
        "/id/place/juelich",
        "/id/role/host",
    ):
        response = client.get(path, headers={"Accept": "text/turtle"})
        assert response.status_code == 200, path
        iri = URIRef("https://w3id.org/aifactories" + path)
        assert (iri, None, None) in Graph().parse(data=response.text, format="turtle"), path


def test_ontology_iri_serves_the_ontology(client: httpx.Client) -> None:
    response = client.get("/ontology", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.text, format="turtle")
    assert (URIRef("https://w3id.org/aifactories/ontology"), RDF.type, OWL.Ontology) in graph
    assert (AIF.AIFactory, RDFS.subClassOf, AIF.NetworkNode) in graph
    page = client.get("/ontology", headers={"Accept": "text/html"})
    assert 'id="AIFactory"' in page.text and 'id="hostedBy"' in page.text


def test_unknown_iri_is_404_and_bad_accept_406(client: httpx.Client) -> None:
    missing = client.get("/id/factory/no-such-factory", headers={"Accept": "text/turtle"})
    assert missing.status_code == 404
    refused = client.get("/id/factory/jaif", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert "text/turtle" in refused.json()["error"]["message"]


def test_describe_serves_iris_minted_elsewhere(client: httpx.Client) -> None:
    germany = "http://publications.europa.eu/resource/authority/country/DEU"
    response = client.get("/describe", params={"iri": germany}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "<h1>Germany</h1>" in response.text
    redirect = client.get("/describe", params={"iri": str(JAIF)}, follow_redirects=False)
    assert redirect.status_code == 303 and redirect.headers["location"] == "/id/factory/jaif"


def test_base_iri_is_configurable(kg: object) -> None:
    """Behind a proxy the same IRIs resolve: the path maps onto the configured base."""
    ld = LinkedData(kg.union, kg.asserted, base_iri="https://w3id.org/aifactories/")  # type: ignore[attr-defined]
    assert ld.iri_for_path("/id/factory/jaif") == JAIF
    assert ld.local_path(str(JAIF)) == "/id/factory/jaif"
    mirror = LinkedData(
        kg.union,
        kg.asserted,
        base_iri="http://kg.example.org/",
        root_path="/aif",  # type: ignore[attr-defined]
    )
    assert mirror.iri_for_path("/id/factory/jaif") == URIRef(
        "http://kg.example.org/id/factory/jaif"
    )
    assert mirror.local_path(str(JAIF)) is None
    encoded = "https%3A%2F%2Fw3id.org%2Faifactories%2Fid%2Ffactory%2Fjaif"
    assert mirror.href(JAIF) == "/aif/describe?iri=" + encoded
