"""The network at a glance: one row per AI Factory (and Antenna), filters, and a graphviz picture.

Rows are read from the union graph once at start-up; a request only filters them. Filter values
are short and readable in a URL (``?country=DEU&sector=health&system_kind=ExascaleSupercomputer
&as_of=2025-03-12``) so the page works with plain HTML forms and JavaScript off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import ORG, RDF, RDFS, SKOS
from rdflib.term import Node

from aifactories.namespaces import AIF, ROLE
from aifactories.terms import label as term_label


@dataclass(frozen=True)
class Ref:
    """An entity as a page shows it: its IRI and its label."""

    iri: URIRef
    label: str


@dataclass(frozen=True)
class SystemUse:
    """A system a node uses, with the kind of use (primary, interim, planned ...)."""

    system: Ref
    usage: Ref | None


@dataclass(frozen=True)
class Membership:
    """An organisation and its role in a node."""

    organisation: Ref
    role: Ref | None


@dataclass(frozen=True)
class NodeRow:
    """One AI Factory or Antenna with what the home page shows and filters on."""

    ref: Ref
    kind: str  # "factory" or "antenna"
    countries: tuple[Ref, ...]
    hosts: tuple[Ref, ...]
    members: tuple[Membership, ...]
    systems: tuple[SystemUse, ...]
    wave: Ref | None
    selected_on: dt.date | None
    sectors: frozenset[URIRef] = field(default_factory=frozenset)
    system_kinds: frozenset[URIRef] = field(default_factory=frozenset)
    linked: tuple[Ref, ...] = ()


@dataclass(frozen=True)
class Option:
    """One choice of a filter: its URL value, its label, and its group (for <optgroup>)."""

    value: str
    label: str
    iri: URIRef | None = None
    group: str = ""


@dataclass(frozen=True)
class Filters:
    """The filters a request asked for (URL values), all optional."""

    country: str = ""
    sector: str = ""
    system_kind: str = ""
    as_of: str = ""

    def query(self, **changes: str) -> dict[str, str]:
        """The non-empty filters as URL parameters, with ``changes`` applied."""
        values = {
            "country": self.country,
            "sector": self.sector,
            "system_kind": self.system_kind,
            "as_of": self.as_of,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v}


class FilterError(ValueError):
    """A filter value that names no option; the message lists the valid ones."""


class Network:
    """Rows and filter options, read once from the union graph."""

    def __init__(self, union: Graph) -> None:
        self.graph = union
        self._labels: dict[Node, str] = {}
        nodes = sorted(
            {
                *union.subjects(RDF.type, AIF.AIFactory),
                *union.subjects(RDF.type, AIF.AIFactoryAntenna),
            },
            key=str,
        )
        self.rows: list[NodeRow] = sorted(
            (self._row(n) for n in nodes if isinstance(n, URIRef)),
            key=lambda r: (r.selected_on or dt.date.max, r.ref.label.casefold()),
        )
        self.country_options = self._country_options()
        self.sector_options = self._sector_options()
        self.system_kind_options = self._system_kind_options()
        self.as_of_options = self._as_of_options()

    # -- reading the graph --------------------------------------------------------------------

    def ref(self, iri: Node) -> Ref:
        if iri not in self._labels:
            self._labels[iri] = term_label(self.graph, iri) or _local_name(iri)
        return Ref(URIRef(str(iri)), self._labels[iri])

    def _refs(self, iris: Iterable[Node]) -> tuple[Ref, ...]:
        refs = {self.ref(i) for i in iris if isinstance(i, URIRef)}
        return tuple(sorted(refs, key=lambda r: r.label.casefold()))

    def _row(self, node: URIRef) -> NodeRow:
        g = self.graph
        kind = "antenna" if (node, RDF.type, AIF.AIFactoryAntenna) in g else "factory"
        places = set(g.objects(node, AIF.locatedIn))
        countries = {p for p in places if (p, RDF.type, AIF.Country) in g}
        members: list[Membership] = []
        for m in g.subjects(ORG.organization, node):
            for org in g.objects(m, ORG.member):
                role = next(iter(g.objects(m, ORG.role)), None)
                members.append(Membership(self.ref(org), self.ref(role) if role else None))
        members.sort(
            key=lambda m: (
                m.role is None or m.role.iri != ROLE.host,
                m.organisation.label.casefold(),
            )
        )
        hosts = self._refs(
            m.organisation.iri for m in members if m.role is not None and m.role.iri == ROLE.host
        )
        systems: list[SystemUse] = []
        kinds: set[URIRef] = set()
        for usage in g.objects(node, AIF.hasSystemUsage):
            kind_iri = next(iter(g.objects(usage, AIF.usageKind)), None)
            for system in g.objects(usage, AIF.usedSystem):
                systems.append(
                    SystemUse(self.ref(system), self.ref(kind_iri) if kind_iri else None)
                )
                kinds.update(t for t in g.objects(system, RDF.type) if isinstance(t, URIRef))
        systems.sort(key=lambda s: (_usage_order(s.usage), s.system.label.casefold()))
        wave = next(iter(g.objects(node, AIF.selectedIn)), None)
        date = _date(next(iter(g.objects(node, AIF.selectionDate)), None))
        if date is None and wave is not None:
            date = _date(next(iter(g.objects(wave, AIF.selectionDate)), None))
        sectors: set[URIRef] = set()
        for focus in g.objects(node, AIF.focusArea):
            if isinstance(focus, URIRef):
                sectors.update(
                    s for s in g.transitive_objects(focus, SKOS.broader) if isinstance(s, URIRef)
                )
        return NodeRow(
            ref=self.ref(node),
            kind=kind,
            countries=self._refs(countries),
            hosts=hosts,
            members=tuple(members),
            systems=tuple(systems),
            wave=self.ref(wave) if wave is not None else None,
            selected_on=date,
            sectors=frozenset(sectors),
            system_kinds=frozenset(kinds),
            linked=self._refs(g.objects(node, AIF.linkedFactory)),
        )

    def _country_options(self) -> list[Option]:
        refs = {c for r in self.rows for c in r.countries}
        return [
            Option(_local_name(c.iri), c.label, c.iri)
            for c in sorted(refs, key=lambda c: c.label.casefold())
        ]

    def _sector_options(self) -> list[Option]:
        """Broad sectors, each followed by the narrower ones some node names."""
        g = self.graph
        used = {s for r in self.rows for s in r.sectors}
        out: list[Option] = []
        broad = sorted(
            (s for s in used if not any(True for _ in g.objects(s, SKOS.broader))),
            key=lambda s: self.ref(s).label.casefold(),
        )
        for top in broad:
            top_ref = self.ref(top)
            out.append(Option(_local_name(top), f"{top_ref.label} (all)", top, top_ref.label))
            narrower = sorted(
                (s for s in used if (s, SKOS.broader, top) in g),
                key=lambda s: self.ref(s).label.casefold(),
            )
            out.extend(
                Option(_local_name(s), self.ref(s).label, s, top_ref.label) for s in narrower
            )
        return out

    def _system_kind_options(self) -> list[Option]:
        """Classes of used systems that are kinds of computing system, most general first."""
        g = self.graph
        used = {k for r in self.rows for k in r.system_kinds}
        kinds = [
            k for k in used if AIF.ComputingSystem in set(g.transitive_objects(k, RDFS.subClassOf))
        ]
        depth = {k: len(set(g.transitive_objects(k, RDFS.subClassOf))) for k in kinds}
        kinds.sort(key=lambda k: (depth[k], self.ref(k).label.casefold()))
        return [Option(_local_name(k), self.ref(k).label, k) for k in kinds]

    def _as_of_options(self) -> list[Option]:
        waves: dict[dt.date, set[str]] = {}
        for r in self.rows:
            if r.selected_on is not None:
                waves.setdefault(r.selected_on, set()).add(r.wave.label if r.wave else "")
        return [
            Option(d.isoformat(), f"{d.isoformat()}: {'; '.join(sorted(w for w in names if w))}")
            for d, names in sorted(waves.items())
        ]

    # -- filtering ----------------------------------------------------------------------------

    def select(self, filters: Filters) -> list[NodeRow]:
        """Rows passing every filter; FilterError for a value that names no option."""
        country = _pick(filters.country, self.country_options, "country")
        sector = _pick(filters.sector, self.sector_options, "sector")
        system_kind = _pick(filters.system_kind, self.system_kind_options, "system kind")
        as_of = parse_as_of(filters.as_of)
        out = []
        for row in self.rows:
            if country is not None and country not in {c.iri for c in row.countries}:
                continue
            if sector is not None and sector not in row.sectors:
                continue
            if system_kind is not None and system_kind not in row.system_kinds:
                continue
            if as_of is not None and (row.selected_on is None or row.selected_on > as_of):
                continue
            out.append(row)
        return out

    # -- the picture --------------------------------------------------------------------------

    def dot(self, rows: Sequence[NodeRow], href: Mapping[URIRef, str] | None = None) -> str:
        """Graphviz source: organisations -> nodes -> systems, left to right.

        Connected groups are laid out apart and packed into a block, so the picture stays
        roughly square instead of one tall column. Hosts are bold edges, other roles thin;
        primary systems bold, interim and planned ones dashed. ``href`` maps IRIs to the links
        the picture's nodes open.
        """
        links = dict(href or {})
        lines = [
            "digraph network {",
            # pack: each factory's cluster is laid out on its own, then packed into a block
            '  graph [rankdir=LR, ranksep=0.9, nodesep=0.12, fontname="DejaVu Sans", '
            'bgcolor="transparent", pad=0.2, pack=true, packmode="graph"];',
            '  node [fontname="DejaVu Sans", fontsize=10, style="filled", penwidth=0.8];',
            '  edge [color="#7a869a", arrowsize=0.6];',
        ]
        seen: set[URIRef] = set()

        def node(ref: Ref, shape: str, fill: str) -> None:
            if ref.iri in seen:
                return
            seen.add(ref.iri)
            url = links.get(ref.iri, "")
            lines.append(
                f'  "{_esc(ref.iri)}" [label="{_wrap(ref.label)}", shape={shape}, '
                f'fillcolor="{fill}", URL="{_esc(url)}", tooltip="{_esc(ref.label)}", '
                f'target="_top"];'
            )

        for row in rows:
            fill = "#cfe2f3" if row.kind == "factory" else "#e6e0f3"
            node(row.ref, "box", fill)
        for row in rows:
            roles: dict[URIRef, list[Membership]] = {}
            for m in row.members:
                roles.setdefault(m.organisation.iri, []).append(m)
            for memberships in roles.values():  # one arrow per organisation, all its roles
                organisation = memberships[0].organisation
                node(organisation, "box", "#fde9d9")
                names = sorted({m.role.label if m.role else "member" for m in memberships})
                host = any(m.role is not None and m.role.iri == ROLE.host for m in memberships)
                lines.append(
                    f'  "{_esc(organisation.iri)}" -> "{_esc(row.ref.iri)}" '
                    f'[style={"bold" if host else "solid"}, tooltip="{_esc(", ".join(names))}"];'
                )
            for s in row.systems:
                node(s.system, "ellipse", "#d9ead3")
                usage = _local_name(s.usage.iri) if s.usage else ""
                style = {"primary": "bold", "interim": "dashed", "planned": "dashed"}.get(
                    usage, "solid"
                )
                lines.append(
                    f'  "{_esc(row.ref.iri)}" -> "{_esc(s.system.iri)}" '
                    f'[style={style}, tooltip="{_esc(s.usage.label if s.usage else "uses")}"];'
                )
        lines.append("}")
        return "\n".join(lines)


def _usage_order(usage: Ref | None) -> int:
    order = ["primary", "interim", "planned", "experimental-platform", "component", "resource"]
    name = _local_name(usage.iri) if usage else ""
    return order.index(name) if name in order else len(order)


def _pick(value: str, options: Sequence[Option], what: str) -> URIRef | None:
    if not value:
        return None
    for option in options:
        if option.value == value:
            return option.iri
    valid = ", ".join(o.value for o in options)
    raise FilterError(f"unknown {what} {value!r}; choose one of: {valid}")


def parse_as_of(value: str) -> dt.date | None:
    """The ``as_of`` filter as a date (None when empty); FilterError when malformed."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise FilterError(f"as_of must be a date as YYYY-MM-DD, got {value!r}") from None


def _date(term: Node | None) -> dt.date | None:
    if isinstance(term, Literal):
        value = term.toPython()
        if isinstance(value, dt.date):
            return value
    return None


def _local_name(iri: Node) -> str:
    text = str(iri)
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[-1]
            break
    return text


def _esc(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace('"', '\\"')


def _wrap(text: str, width: int = 24) -> str:
    """The label escaped for DOT, broken on spaces so the picture's boxes stay narrow."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\\n".join(_esc(part) for part in lines)
