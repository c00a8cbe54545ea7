"""Dereferenceable IRIs: map a request path to the IRI it names, describe it, render it.

The server answers for a base IRI (by default ``https://w3id.org/aifactories/``): the path
``/id/factory/jaif`` names ``<base>id/factory/jaif``. The same IRIs therefore resolve on a local
server and behind a public proxy. The RDF description of an entity is its symmetric concise
bounded description in the union graph (every triple it is the subject or object of, with the
blank nodes they reach); the HTML page groups the same triples for people and lists the sources
of its facts: its own ``dcterms:source`` and those of the qualified statements about it
(memberships, system usages, figures).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import quote

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from aifactories.entity import (
    fold_alignments,
    human_date,
    is_qualified,
    qualified_about,
    read_value,
)
from aifactories.namespaces import AIF, BASE, ONTOLOGY_IRI, SCHEMA, new_graph
from aifactories.terms import curie, label

#: Properties shown first on a page, in this order; the rest follow by label.
FIRST_PROPERTIES: tuple[URIRef, ...] = (
    RDFS.label,
    SKOS.prefLabel,
    SKOS.altLabel,
    DCTERMS.description,
    RDFS.comment,
    SKOS.definition,
)
#: Incoming links shown on a page before "and N more".
INCOMING_LIMIT = 200


@dataclass(frozen=True)
class Value:
    """One RDF term as a page shows it."""

    text: str
    href: str | None = None
    curie: str = ""
    kind: str = "iri"  # iri, literal, bnode
    note: str = ""  # datatype of a literal, as a CURIE
    lang: str = ""  # language tag of a literal
    external: bool = False
    inferred: bool = False
    detail: str = ""  # a qualified value's qualifiers ("planned; stated 12 March 2025")
    sources: tuple[tuple[str, str], ...] = ()  # (short name, URL) of a qualified value's sources
    iri: str = ""
    when: str = ""  # a date literal's ISO form (the text is the date as people read it)


@dataclass
class PropertyValues:
    prop: Value
    values: list[Value] = field(default_factory=list)
    also: list[Value] = field(default_factory=list)  # alignment properties folded into this one


@dataclass(frozen=True)
class SourceView:
    source: Value
    url: str | None
    kind: str | None
    cited_for: tuple[str, ...]


@dataclass
class EntityView:
    """Everything the entity page shows."""

    iri: str
    title: str
    curie: str
    summary: str | None
    types: list[Value]
    properties: list[PropertyValues]
    incoming: list[PropertyValues]
    incoming_more: int
    sources: list[SourceView]
    triples: int


class LinkedData:
    """Path <-> IRI mapping, descriptions and page views over the union graph."""

    def __init__(
        self, union: Graph, asserted: Graph, base_iri: str = BASE, root_path: str = ""
    ) -> None:
        self.union = union
        self.asserted = asserted
        self.base_iri = base_iri
        self.root_path = root_path.rstrip("/")
        self.ontology = URIRef(ONTOLOGY_IRI)
        self._ontology_graph: Graph | None = None
        self._labels: dict[Node, str | None] = {}

    # -- IRIs and paths -----------------------------------------------------------------------

    def iri_for_path(self, path: str) -> URIRef:
        """The IRI a request path names under the base IRI."""
        return URIRef(self.base_iri + path.lstrip("/"))

    def local_path(self, iri: str) -> str | None:
        """The path this server answers ``iri`` at, or None when it is not under the base."""
        if not iri.startswith(self.base_iri):
            return None
        rest = iri[len(self.base_iri) :]
        # Only a same-origin relative path: '//host', '/\\host' or control characters would
        # make a redirect to it leave this server (an open redirect).
        if rest.startswith(("/", "\\")) or any(c == "\\" or ord(c) < 0x20 for c in rest):
            return None
        return self.root_path + "/" + rest

    def href(self, term: Node) -> str | None:
        """Where a page links for ``term``: its own path, a describe page, or None (external)."""
        if not isinstance(term, URIRef):
            return None
        text = str(term)
        local = self.local_path(text)
        if local is not None:
            return local
        if self.known(term):
            return f"{self.root_path}/describe?iri={quote(text, safe='')}"
        return None

    def known(self, iri: URIRef) -> bool:
        """Whether the graph says anything about ``iri`` (as subject)."""
        return (iri, None, None) in self.union

    def resolvable(self, iri: URIRef) -> bool:
        """Whether ``iri`` can be served: the graph describes it or links to it."""
        return iri == self.ontology or self.known(iri) or (None, None, iri) in self.union

    # -- RDF descriptions ---------------------------------------------------------------------

    def description(self, iri: URIRef) -> Graph:
        """The symmetric concise bounded description of ``iri`` (the ontology for its IRI)."""
        if iri == self.ontology:
            return self.ontology_graph()
        out = new_graph()
        for triple in self.union.triples((iri, None, None)):
            out.add(triple)
            self._close_blank(triple[2], out)
        for triple in self.union.triples((None, None, iri)):
            out.add(triple)
            self._close_blank(triple[0], out)
        return out

    def _close_blank(self, node: Node, out: Graph) -> None:
        todo = [node]
        while todo:
            current = todo.pop()
            if not isinstance(current, BNode):
                continue
            for triple in self.union.triples((current, None, None)):
                if triple not in out:
                    out.add(triple)
                    todo.append(triple[2])

    def ontology_graph(self) -> Graph:
        """The ontology's own triples: its header and every term in its namespace."""
        if self._ontology_graph is None:
            out = new_graph()
            prefix = str(self.ontology)
            for s in set(self.asserted.subjects()):
                if isinstance(s, URIRef) and str(s).startswith(prefix):
                    for triple in self.asserted.triples((s, None, None)):
                        out.add(triple)
                        self._close_blank(triple[2], out)
            self._ontology_graph = out
        return self._ontology_graph

    # -- page views ---------------------------------------------------------------------------

    def label_of(self, term: Node) -> str | None:
        """The term's label, memoised (the graph never changes while serving)."""
        if term not in self._labels:
            self._labels[term] = label(self.union, term)
        return self._labels[term]

    def value(self, term: Node, subject: Node | None = None, prop: Node | None = None) -> Value:
        """``term`` for display; ``inferred`` when the triple is not asserted."""
        inferred = (
            subject is not None and prop is not None and (subject, prop, term) not in self.asserted
        )
        if isinstance(term, Literal):
            note = ""
            if term.datatype and term.datatype != XSD.string:
                note = curie(term.datatype)
            is_url = term.datatype == XSD.anyURI or prop == SCHEMA.url
            text, when = str(term), ""
            if term.datatype in (XSD.date, XSD.gYearMonth, XSD.gYear):
                text, when, note = human_date(term), str(term), ""
            return Value(
                text,
                str(term) if is_url else None,
                kind="literal",
                note=note,
                lang=term.language or "",
                external=is_url,
                inferred=inferred,
                when=when,
            )
        if isinstance(term, BNode):
            return Value(
                self.label_of(term) or "[blank node]", None, "", "bnode", inferred=inferred
            )
        href = self.href(term)
        short = curie(term)
        text = self.label_of(term) or (short if not short.startswith("<") else str(term))
        detail = ""
        cited: tuple[tuple[str, str], ...] = ()
        reading = read_value(self.union, term, prop) if is_qualified(self.union, term) else None
        if reading is not None:
            text, detail = reading.text, "; ".join(reading.qualifiers)
            cited = tuple(self._cited(s) for s in reading.sources)
        return Value(
            text,
            href if href is not None else str(term),
            short,
            "iri",
            external=href is None,
            inferred=inferred,
            detail=detail,
            sources=cited,
            iri=str(term),
        )

    def _cited(self, source: Node) -> tuple[str, str]:
        """A source as a value shows it: its web host (or label) and its URL (or page)."""
        url = self.union.value(source, SCHEMA.url)
        if url is not None:
            return str(url).split("//", 1)[-1].split("/", 1)[0].removeprefix("www."), str(url)
        return self.label_of(source) or curie(source), self.href(source) or str(source)

    def view(self, iri: URIRef) -> EntityView:
        """The entity page: label, types, properties, incoming links and sources."""
        g = self.union
        types = [
            self.value(t, iri, RDF.type)
            for t in sorted(set(g.objects(iri, RDF.type)))
            if t not in (OWL.NamedIndividual,)
        ]
        by_prop: dict[Node, PropertyValues] = {}
        pairs = sorted(g.predicate_objects(iri), key=lambda po: (str(po[0]), str(po[1])))
        for folded in fold_alignments(
            (p, o)
            for p, o in pairs
            if isinstance(p, URIRef) and p not in (RDF.type, DCTERMS.source)
        ):
            by_prop[folded.prop] = PropertyValues(
                self.value(folded.prop),
                [self.value(o, iri, folded.prop) for o in folded.values],
                [self.value(a) for a in folded.also],
            )
        properties = self._ordered(by_prop)
        incoming_by: dict[Node, PropertyValues] = {}
        count = 0
        for s, p in sorted(g.subject_predicates(iri), key=lambda sp: (str(sp[1]), str(sp[0]))):
            if s == iri:
                continue
            count += 1
            if count > INCOMING_LIMIT:
                continue
            entry = incoming_by.setdefault(p, PropertyValues(self.value(p)))
            entry.values.append(self._incoming(s, p, iri))
        summary = next(
            (
                str(o)
                for p in (DCTERMS.description, RDFS.comment, SKOS.definition)
                for o in g.objects(iri, p)
                if isinstance(o, Literal)
            ),
            None,
        )
        return EntityView(
            iri=str(iri),
            title=self.label_of(iri) or curie(iri),
            curie=curie(iri),
            summary=summary,
            types=types,
            properties=properties,
            incoming=self._ordered(incoming_by),
            incoming_more=max(0, count - INCOMING_LIMIT),
            sources=self.sources(iri),
            triples=len(self.description(iri)),
        )

    def _incoming(self, s: Node, p: Node, o: Node) -> Value:
        value = self.value(s)
        return replace(value, inferred=True) if (s, p, o) not in self.asserted else value

    def _ordered(self, by_prop: dict[Node, PropertyValues]) -> list[PropertyValues]:
        first = [by_prop[p] for p in FIRST_PROPERTIES if p in by_prop]
        rest = sorted(
            (v for p, v in by_prop.items() if p not in FIRST_PROPERTIES),
            key=lambda v: v.prop.text.casefold(),
        )
        return first + rest

    def sources(self, iri: URIRef) -> list[SourceView]:
        """The sources of the entity's facts: its own, then those of statements about it."""
        cited: dict[Node, list[str]] = {}
        for src in self.union.objects(iri, DCTERMS.source):
            cited.setdefault(src, []).append("this entity")
        for node in self._qualified_about(iri):
            name = self.label_of(node) or curie(node)
            for src in self.union.objects(node, DCTERMS.source):
                cited.setdefault(src, []).append(name)
        out = []
        for src, what in cited.items():
            url = next((str(u) for u in self.union.objects(src, SCHEMA.url)), None)
            kind_iri = next(iter(self.union.objects(src, AIF.sourceKind)), None)
            kind = self.label_of(kind_iri) if kind_iri is not None else None
            out.append(SourceView(self.value(src), url, kind, tuple(dict.fromkeys(what))))
        out.sort(key=lambda s: ("this entity" not in s.cited_for, s.source.text.casefold()))
        return out

    def _qualified_about(self, iri: URIRef) -> Iterable[Node]:
        return qualified_about(self.union, iri)
