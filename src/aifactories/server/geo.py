"""The map of Europe: every AI Factory and Antenna at its city, drawn server-side as SVG.

Country shapes are Natural Earth's (public domain) as the npm package ``world-atlas`` ships them
(TopoJSON, bundled under ``static/vendor/world-atlas``); they are decoded and projected once, at
start-up. Cities carry their coordinates in the graph (``data/coordinates.ttl``: GeoNames or a
cited page). A node whose city the data does not name (only its country) is drawn at its
country's centre with a hollow marker, and the legend says so. The page works without
JavaScript; markers are links to the entities' pages.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from aifactories.namespaces import AIF, SCHEMA
from aifactories.server.network import NodeRow, Ref

HERE = Path(__file__).resolve().parent
WORLD = HERE / "static" / "vendor" / "world-atlas" / "countries-50m.json"

#: Lambert azimuthal equal-area centred on Europe (as ETRS89-LAEA: 10°E, 52°N).
LON0, LAT0 = math.radians(10.0), math.radians(52.0)
#: The window drawn, in degrees: Iceland to Cyprus, Malta to northern Finland.
WINDOW = (-24.5, 34.0, 35.5, 70.5)  # west, south, east, north
WIDTH = 1000.0

#: world-atlas names for the graph's country labels where they differ.
ALIASES = {"North Macedonia": "Macedonia", "Türkiye": "Turkey"}


@dataclass(frozen=True)
class Marker:
    """One node on the map."""

    ref: Ref
    kind: str  # factory or antenna
    x: float
    y: float
    place: str  # the city (or country) label
    country: str  # the country label
    exact: bool  # at its city (True) or at its country's centre (False)
    wave: int  # index of the wave colour, 0-based
    wave_label: str
    selected_on: str


@dataclass(frozen=True)
class Link:
    x1: float
    y1: float
    x2: float
    y2: float
    antenna: str
    factory: str


@dataclass(frozen=True)
class Drawing:
    """What the template draws: the base map, markers, links and the wave legend."""

    view_box: str
    countries: list[tuple[str, str, bool]]  # (name, path data, has a node)
    markers: list[Marker]
    links: list[Link]
    waves: list[tuple[int, str]]


def _project(lon: float, lat: float) -> tuple[float, float]:
    lam, phi = math.radians(lon), math.radians(lat)
    k = math.sqrt(
        2
        / (
            1
            + math.sin(LAT0) * math.sin(phi)
            + math.cos(LAT0) * math.cos(phi) * math.cos(lam - LON0)
        )
    )
    x = k * math.cos(phi) * math.sin(lam - LON0)
    y = k * (math.cos(LAT0) * math.sin(phi) - math.sin(LAT0) * math.cos(phi) * math.cos(lam - LON0))
    return x, -y


def _decode(
    topology: dict[str, Any],
) -> Callable[[list[list[int]]], list[list[tuple[float, float]]]]:
    """A function from a TopoJSON polygon (a list of ring arc lists) to rings of lon/lat."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs: list[list[tuple[float, float]]] = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(indices: list[int]) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for i in indices:
            points = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(points if not out else points[1:])
        return out

    return lambda polygon: [ring(r) for r in polygon]


class EuropeMap:
    """The projected base map, read once; ``draw`` places a set of nodes on it."""

    def __init__(self, union: Graph, world: Path = WORLD) -> None:
        self.graph = union
        west, south, east, north = WINDOW
        corners = [
            _project(lon, lat)
            for lon in (west, (west + east) / 2, east)
            for lat in (south, north, (south + north) / 2)
        ]
        x0 = min(p[0] for p in corners)
        x1 = max(p[0] for p in corners)
        y0 = min(p[1] for p in corners)
        y1 = max(p[1] for p in corners)
        self.scale = WIDTH / (x1 - x0)
        self.origin = (x0, y0)
        self.height = (y1 - y0) * self.scale
        self.view_box = f"0 0 {WIDTH:.0f} {self.height:.0f}"
        topology = json.loads(world.read_text(encoding="utf-8"))
        decode = _decode(topology)
        paths: list[tuple[str, str]] = []
        self.centres: dict[str, tuple[float, float]] = {}
        for geometry in topology["objects"]["countries"]["geometries"]:
            polygons = {
                "Polygon": [geometry.get("arcs", [])],
                "MultiPolygon": geometry.get("arcs", []),
            }.get(geometry.get("type", ""), [])
            d, largest = [], (0.0, (0.0, 0.0))
            for polygon in polygons:
                for i, ring in enumerate(decode(polygon)):
                    if not _near(ring):
                        continue
                    points = [self.xy(lon, lat) for lon, lat in ring]
                    d.append(_path(points, WIDTH, self.height))
                    if i == 0:
                        area, centre = _area_centre(points)
                        if area > largest[0]:
                            largest = (area, centre)
            if d:
                paths.append((geometry["properties"]["name"], "".join(d)))
                self.centres[geometry["properties"]["name"]] = largest[1]
        self.countries = paths

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = _project(lon, lat)
        return (x - self.origin[0]) * self.scale, (y - self.origin[1]) * self.scale

    # -- placing nodes ------------------------------------------------------------------------

    def place_of(self, node: URIRef) -> tuple[str, tuple[float, float], bool] | None:
        """The node's city and its position, or its country's centre; None when neither."""
        g = self.graph
        places = list(g.objects(node, AIF.locatedIn))
        cities = [p for p in places if isinstance(p, URIRef) and (p, RDF.type, AIF.City) in g]
        for city in sorted(cities, key=str):
            lat, lon = g.value(city, SCHEMA.latitude), g.value(city, SCHEMA.longitude)
            if isinstance(lat, Literal) and isinstance(lon, Literal):
                return _label(g, city), self.xy(float(lon), float(lat)), True
        countries = [p for p in places if isinstance(p, URIRef) and (p, RDF.type, AIF.Country) in g]
        for country in sorted(countries, key=str):
            name = _label(g, country)
            centre = self.centres.get(ALIASES.get(name, name))
            if centre is not None:
                return name, centre, False
        return None

    def draw(self, rows: Sequence[NodeRow], waves: Sequence[tuple[str, str]]) -> Drawing:
        """Markers for ``rows``; ``waves`` orders the wave colours ((wave IRI, label), ...)."""
        index = {iri: i for i, (iri, _) in enumerate(waves)}
        spots: dict[tuple[float, float], list[tuple[NodeRow, str, bool]]] = {}
        for row in rows:
            place = self.place_of(row.ref.iri)
            if place is None:
                continue
            name, point, exact = place
            spots.setdefault(point, []).append((row, name, exact))
        markers: list[Marker] = []
        for (x, y), here in spots.items():
            here.sort(key=lambda item: (item[0].kind, item[0].ref.label))
            for i, (row, name, exact) in enumerate(here):
                dx, dy = _spread(i, len(here))
                wave = row.wave
                markers.append(
                    Marker(
                        ref=row.ref,
                        kind=row.kind,
                        x=round(x + dx, 1),
                        y=round(y + dy, 1),
                        place=name,
                        country=row.countries[0].label if row.countries else "",
                        exact=exact,
                        wave=index.get(str(wave.iri), len(waves)) if wave else len(waves),
                        wave_label=wave.label if wave else "wave not recorded",
                        selected_on=row.selected_on.isoformat() if row.selected_on else "",
                    )
                )
        at = {m.ref.iri: m for m in markers}
        links = [
            Link(a.x, a.y, f.x, f.y, a.ref.label, f.ref.label)
            for row in rows
            if row.kind == "antenna" and (a := at.get(row.ref.iri)) is not None
            for target in row.linked
            if (f := at.get(target.iri)) is not None
        ]
        # factories above antennas, so a shared city shows both
        markers.sort(key=lambda m: (m.kind != "antenna", m.ref.label))
        used = sorted({m.wave for m in markers})
        legend = [(i, waves[i][1] if i < len(waves) else "wave not recorded") for i in used]
        names = {ALIASES.get(m.country, m.country) for m in markers}
        countries = [(name, d, name in names) for name, d in self.countries]
        return Drawing(self.view_box, countries, markers, links, legend)


def wave_order(rows: Iterable[NodeRow]) -> list[tuple[str, str]]:
    """The waves of ``rows`` by date, then label: the order of the legend's colours."""
    seen: dict[str, tuple[str, str]] = {}
    for row in rows:
        if row.wave is not None:
            key = (row.selected_on.isoformat() if row.selected_on else "9999", row.wave.label)
            seen.setdefault(str(row.wave.iri), key)
    return [(iri, seen[iri][1]) for iri in sorted(seen, key=lambda i: seen[i])]


def _label(g: Graph, node: URIRef) -> str:
    from aifactories.terms import label

    return label(g, node) or str(node).rsplit("/", 1)[-1]


def _near(ring: list[tuple[float, float]]) -> bool:
    """Whether a ring reaches into the window (with a margin)."""
    west, south, east, north = WINDOW
    return any(west - 15 <= lon <= east + 25 and south - 8 <= lat <= north + 8 for lon, lat in ring)


def _path(points: list[tuple[float, float]], width: float, height: float) -> str:
    """SVG path data, clamped to a margin around the view and rounded to 0.1 units."""
    margin = 40.0
    out: list[str] = []
    last = None
    for x, y in points:
        cx = min(max(x, -margin), width + margin)
        cy = min(max(y, -margin), height + margin)
        p = (round(cx, 1), round(cy, 1))
        if last is not None and abs(p[0] - last[0]) + abs(p[1] - last[1]) < 2.2:
            continue  # finer than the map shows: drop it
        out.append(f"{p[0]:g},{p[1]:g}")
        last = p
    if len(out) < 3:
        return ""
    return "M" + "L".join(out) + "Z"


def _area_centre(points: list[tuple[float, float]]) -> tuple[float, tuple[float, float]]:
    """Area and centroid of a polygon (shoelace)."""
    a = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        cross = x1 * y2 - x2 * y1
        a += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if abs(a) < 1e-9:
        return 0.0, points[0]
    return abs(a) / 2, (round(cx / (3 * a), 1), round(cy / (3 * a), 1))


def _spread(i: int, n: int) -> tuple[float, float]:
    """Offsets for ``n`` markers at one spot: a small ring, so each stays clickable."""
    if n == 1:
        return 0.0, 0.0
    radius = 7.0 + n
    angle = 2 * math.pi * i / n - math.pi / 2
    return radius * math.cos(angle), radius * math.sin(angle)
