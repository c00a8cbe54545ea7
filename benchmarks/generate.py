"""A deterministic synthetic AI-Factories network of any size, for benchmarks.

    python benchmarks/generate.py --triples 100000 --out /tmp/net-100k

writes ``network.ttl`` (Turtle in the project's own vocabulary, same modelling conventions as
``data/``) and ``manifest.json`` (sizes, and the violations planted on purpose). Load it with the
project's ontology and ``data/vocabularies.ttl`` (``files()`` below lists them): the result is
valid under ``ontology/shapes.ttl`` except for the planted violations, each of which gives exactly
one SHACL result: one per 50 factories, rotating over three kinds (a monetary amount written as an
integer, a source without a kind, an organisation with two English labels); ``manifest.json``
lists each one's focus node and property.

Everything is invented and says so: countries use the ISO user-assigned codes (``XAA``..),
labels are "Synthetic ...", URLs are on ``example.org``. The same arguments give the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import string
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Asserted triples one factory brings with it (with its organisations, systems, sources and
#: places), and those of the ontology and closed lists; measured, so sizes are approximate.
TRIPLES_PER_FACTORY = 94
BASE_TRIPLES = 1_550
PLANT_EVERY = 50
KINDS = ("decimal-written-as-integer", "source-without-kind", "two-english-labels")

PREFIXES = """\
@prefix aif:          <https://w3id.org/aifactories/ontology#> .
@prefix country:      <http://publications.europa.eu/resource/authority/country/> .
@prefix dcterms:      <http://purl.org/dc/terms/> .
@prefix factory:      <https://w3id.org/aifactories/id/factory/> .
@prefix membership:   <https://w3id.org/aifactories/id/membership/> .
@prefix org:          <http://www.w3.org/ns/org#> .
@prefix organisation: <https://w3id.org/aifactories/id/organisation/> .
@prefix place:        <https://w3id.org/aifactories/id/place/> .
@prefix rdfs:         <http://www.w3.org/2000/01/rdf-schema#> .
@prefix role:         <https://w3id.org/aifactories/id/role/> .
@prefix schema:       <https://schema.org/> .
@prefix sector:       <https://w3id.org/aifactories/id/sector/> .
@prefix skind:        <https://w3id.org/aifactories/id/source-kind/> .
@prefix skos:         <http://www.w3.org/2004/02/skos/core#> .
@prefix src:          <https://w3id.org/aifactories/id/source/> .
@prefix sysusage:     <https://w3id.org/aifactories/id/usage/> .
@prefix system:       <https://w3id.org/aifactories/id/system/> .
@prefix usage:        <https://w3id.org/aifactories/id/usage-kind/> .
@prefix value:        <https://w3id.org/aifactories/id/value/> .
@prefix wave:         <https://w3id.org/aifactories/id/wave/> .
@prefix xsd:          <http://www.w3.org/2001/XMLSchema#> .
"""

ORG_KINDS = ("aif:HPCCentre", "aif:University", "aif:ResearchOrganisation", "aif:Company")
SYSTEM_KINDS = (
    "aif:PetascaleSupercomputer",
    "aif:PreExascaleSupercomputer",
    "aif:ExascaleSupercomputer",
    "aif:MidRangeSupercomputer",
    "aif:AIOptimisedSupercomputer",
)
SECTORS = 12
NARROWER = 3


def files(folder: Path) -> list[Path]:
    """The files that make up the synthetic graph: ontology, closed lists, network."""
    return [
        ROOT / "ontology" / "aifactories.ttl",
        ROOT / "data" / "vocabularies.ttl",
        folder / "network.ttl",
    ]


@dataclass
class Planted:
    kind: str
    focus: str
    path: str


@dataclass
class Network:
    factories: int
    seed: int = 7
    #: One planted violation per this many entities of a kind (factories, sources, orgs).
    plant_every: int = PLANT_EVERY
    planted: list[Planted] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        n = self.factories
        self.countries = [_code(i) for i in range(max(3, min(600, n // 8 + 3)))]
        self.cities = max(2, n // 4)
        self.orgs = max(4, n * 3)
        self.systems = max(2, n * 2)
        self.sources = max(4, n * 2)
        self.waves = max(1, min(40, n // 10 + 1))

    # --- writing -------------------------------------------------------------------------

    def turtle(self) -> Iterator[str]:
        yield PREFIXES
        yield "# Synthetic benchmark data: every name, figure and URL here is invented.\n"
        yield from self._modelling_source()
        yield from self._sources()
        yield from self._sectors()
        yield from self._places()
        yield from self._waves()
        yield from self._organisations()
        yield from self._systems()
        for i in range(self.factories):
            yield from self._factory(i)

    def _modelling_source(self) -> Iterator[str]:
        yield (
            "src:project-modelling a aif:Source ;\n"
            '    rdfs:label "Synthetic modelling decisions"@en ;\n'
            '    rdfs:comment "Terms the synthetic network defines."@en ;\n'
            "    aif:sourceKind skind:official .\n\n"
        )

    def _source(self, i: int) -> str:
        return f"src:{_source_slug(i)}"

    def _sources(self) -> Iterator[str]:
        for i in range(self.sources):
            planted = self._plants(i, 1)
            kind = ("official", "press", "weak")[i % 3]
            lines = [
                f"{self._source(i)} a aif:Source",
                f'rdfs:label "Synthetic source {i}"@en',
                f'schema:url "{_url(i)}"^^xsd:anyURI',
            ]
            if planted:
                self.planted.append(
                    Planted(KINDS[1], _iri("source/" + _source_slug(i)), "aif:sourceKind")
                )
            else:
                lines.append(f"aif:sourceKind skind:{kind}")
            yield _block(lines)

    def _sectors(self) -> Iterator[str]:
        scheme = "<https://w3id.org/aifactories/id/sectors>"
        tops = ", ".join(f"sector:s{k}" for k in range(SECTORS))
        yield _block(
            [
                f"{scheme} a skos:ConceptScheme",
                'rdfs:label "Synthetic sectors"@en',
                f"skos:hasTopConcept {tops}",
            ]
        )
        for k in range(SECTORS):
            yield _block(
                [
                    f"sector:s{k} a skos:Concept",
                    f'rdfs:label "Synthetic sector {k}"@en',
                    f'skos:prefLabel "Synthetic sector {k}"@en',
                    f"skos:inScheme {scheme}",
                    f"skos:topConceptOf {scheme}",
                    "dcterms:source src:project-modelling",
                ]
            )
            for j in range(NARROWER):
                yield _block(
                    [
                        f"sector:s{k}-{j} a skos:Concept",
                        f'rdfs:label "Synthetic focus area {k}.{j}"@en',
                        f'skos:prefLabel "Synthetic focus area {k}.{j}"@en',
                        f"skos:inScheme {scheme}",
                        f"skos:broader sector:s{k}",
                        "dcterms:source src:project-modelling",
                    ]
                )

    def _country_of_city(self, c: int) -> str:
        return self.countries[c % len(self.countries)]

    def _places(self) -> Iterator[str]:
        for code in self.countries:
            yield _block(
                [
                    f"country:{code} a aif:Country",
                    f'rdfs:label "Synthetic country {code}"@en',
                    f'skos:notation "{code}"',
                    f'aif:isoCode "{code[:2]}"',
                    "dcterms:source src:project-modelling",
                ]
            )
        for c in range(self.cities):
            yield _block(
                [
                    f"place:city-{c} a aif:City",
                    f'rdfs:label "Synthetic city {c}"@en',
                    f"aif:locatedIn country:{self._country_of_city(c)}",
                    f"dcterms:source {self._source(c % self.sources)}",
                ]
            )
        for f in range(self.factories):
            yield _block(
                [
                    f"place:site-{f} a aif:Site",
                    f'rdfs:label "Synthetic site {f}"@en',
                    f"aif:locatedIn place:city-{self._city(f)}",
                    f"dcterms:source {self._source(f % self.sources)}",
                ]
            )

    def _city(self, f: int) -> int:
        return f % self.cities

    def _wave_date(self, w: int) -> str:
        year, month = 2024 + w // 12, 1 + w % 12
        return f"{year}-{month:02d}-15"

    def _waves(self) -> Iterator[str]:
        for w in range(self.waves):
            yield _block(
                [
                    f"wave:{w + 1} a aif:SelectionWave",
                    f'rdfs:label "Synthetic wave {w + 1}"@en',
                    f'aif:selectionDate "{self._wave_date(w)}"^^xsd:date',
                    f"dcterms:source {self._source(w % self.sources)}",
                ]
            )

    def _organisations(self) -> Iterator[str]:
        for o in range(self.orgs):
            lines = [
                f"organisation:org-{o} a aif:Organisation, {ORG_KINDS[o % len(ORG_KINDS)]}",
                f'rdfs:label "Synthetic organisation {o}"@en',
                f'skos:altLabel "SO{o}"',
                f"aif:locatedIn place:city-{o % self.cities}",
                f"dcterms:source {self._source(o % self.sources)}",
            ]
            if self._plants(o, 2):
                lines.insert(2, f'rdfs:label "Synthetic organisation {o}, again"@en')
                self.planted.append(Planted(KINDS[2], _iri(f"organisation/org-{o}"), "rdfs:label"))
            yield _block(lines)

    def _systems(self) -> Iterator[str]:
        for s in range(self.systems):
            f = s // 2
            yield _block(
                [
                    f"system:sys-{s} a {SYSTEM_KINDS[s % len(SYSTEM_KINDS)]}",
                    f'rdfs:label "Synthetic system {s}"@en',
                    f"aif:locatedIn place:site-{f % self.factories}",
                    f"aif:hostedBy organisation:org-{(3 * f) % self.orgs}",
                    f'aif:inaugurationDate "{self._wave_date(s % 30)}"^^xsd:date',
                    f'aif:vendor "Synthetic vendor {s % 7}"',
                    f"aif:peakPerformance value:sys-{s}-peak-performance-example-org",
                    f"dcterms:source {self._source(s % self.sources)}",
                ]
            )
            yield _block(
                [
                    f"value:sys-{s}-peak-performance-example-org a aif:Quantity",
                    f'rdfs:label "Synthetic system {s} peak performance"@en',
                    f"schema:value {10 + s % 900}.5",
                    'schema:unitText "PFlop/s"',
                    f"dcterms:source {self._source(s % self.sources)}",
                ]
            )

    def _plants(self, index: int, kind: int) -> bool:
        """Whether entity ``index`` of the kind ``KINDS[kind]`` carries a planted violation."""
        every = self.plant_every
        return index % (every * len(KINDS)) == every * kind + every // 2

    def _factory(self, f: int) -> Iterator[str]:
        rng = self.rng
        wave = f % self.waves
        own = self._country_of_city(self._city(f))
        partners = sorted({c for c in rng.sample(self.countries, 2) if c != own})
        orgs = [(3 * f + k) % self.orgs for k in range(3)]
        systems = [2 * f, 2 * f + 1]
        sources = [self._source((f + k) % self.sources) for k in range(2)]
        slug = f"f{f}"
        sectors = sorted(
            {f"sector:s{rng.randrange(SECTORS)}-{rng.randrange(NARROWER)}" for _ in range(2)}
        )
        usages = [f"sysusage:{slug}-sys-{s}" for s in systems]
        lines = [
            f"factory:{slug} a aif:AIFactory",
            f'rdfs:label "Synthetic AI Factory {f}"@en',
            f'skos:altLabel "SAIF{f}"',
            f"aif:selectedIn wave:{wave + 1}",
            f'aif:selectionDate "{self._wave_date(wave)}"^^xsd:date',
            f"aif:locatedIn place:site-{f}",
            f"aif:focusArea {', '.join(sectors)}",
            f"aif:hasSystemUsage {', '.join(usages)}",
            f"aif:investment value:{slug}-investment-example-org",
            f"dcterms:source {', '.join(sources)}",
        ]
        if partners:
            lines.insert(6, f"aif:partnerCountry {', '.join(f'country:{c}' for c in partners)}")
        if f > 0:
            lines.insert(6, f"aif:collaboratesWith factory:f{rng.randrange(f)}")
        yield _block(lines)
        roles = ("host", "coordinator", "partner")
        for org, role in zip(orgs, roles, strict=True):
            yield _block(
                [
                    f"membership:{slug}-org-{org}-{role} a org:Membership",
                    f'rdfs:label "Synthetic organisation {org} is {role} of {slug}"@en',
                    f"org:organization factory:{slug}",
                    f"org:member organisation:org-{org}",
                    f"org:role role:{role}",
                    f"dcterms:source {sources[0]}",
                ]
            )
        for s, usage, kind in zip(systems, usages, ("primary", "resource"), strict=True):
            yield _block(
                [
                    f"{usage} a aif:SystemUsage",
                    f'rdfs:label "{slug} uses synthetic system {s} ({kind})"@en',
                    f"aif:usedSystem system:sys-{s}",
                    f"aif:usageKind usage:{kind}",
                    f"dcterms:source {sources[1]}",
                ]
            )
        amount = f"{1_000_000 * (1 + f % 97)}"
        planted = self._plants(f, 0)
        if planted:
            self.planted.append(
                Planted(KINDS[0], _iri(f"value/{slug}-investment-example-org"), "schema:value")
            )
        yield _block(
            [
                f"value:{slug}-investment-example-org a aif:MonetaryAmount",
                f'rdfs:label "Synthetic AI Factory {f} total investment"@en',
                f"schema:value {amount if planted else amount + '.0'}",
                'schema:currency "EUR"',
                f"dcterms:source {sources[0]}",
            ]
        )


def _block(lines: list[str]) -> str:
    return lines[0] + " ;\n    " + " ;\n    ".join(lines[1:]) + " .\n\n"


def _code(i: int) -> str:
    """User-assigned ISO 3166-1 alpha-3 codes: XAA, XAB, ... (never a real country)."""
    letters = string.ascii_uppercase
    return "X" + letters[(i // 26) % 26] + letters[i % 26]


def _url(i: int) -> str:
    return f"https://example.org/synthetic/{i}"


def _source_slug(i: int) -> str:
    return "example-org-" + hashlib.sha1(_url(i).encode()).hexdigest()[:6] + f"-{i}"


def _iri(path: str) -> str:
    return "https://w3id.org/aifactories/id/" + path


def factories_for(triples: int) -> int:
    return max(1, round((triples - BASE_TRIPLES) / TRIPLES_PER_FACTORY))


def generate(
    out: Path,
    triples: int,
    seed: int = 7,
    *,
    factories: int | None = None,
    plant_every: int = PLANT_EVERY,
) -> dict:
    """Write ``network.ttl`` and ``manifest.json`` into ``out``; returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    network = Network(factories or factories_for(triples), seed, plant_every)
    target = out / "network.ttl"
    tmp = target.with_suffix(".ttl.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for chunk in network.turtle():
            handle.write(chunk)
    tmp.replace(target)
    manifest = {
        "requested_triples": triples,
        "factories": network.factories,
        "seed": seed,
        "files": [str(p) for p in files(out)],
        "planted": [vars(p) for p in network.planted],
        "planted_count": len(network.planted),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=10_000, help="approximate size")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    manifest = generate(args.out, args.triples, args.seed)
    print(
        f"{args.out}/network.ttl: {manifest['factories']} factories, "
        f"{manifest['planted_count']} planted violations",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
