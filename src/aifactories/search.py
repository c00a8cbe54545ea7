"""Find entities by what people call them: labels, acronyms, alternative and native names.

One index per graph, built once: every named entity (anything with an ``rdfs:label``,
``skos:prefLabel``, ``skos:altLabel`` or ``skos:notation``) under each of its names, folded
for case and accents ("julich" finds "Jülich", "poznan" finds "Poznań"). Hits are ranked:
a whole name, then a name's start, then a word's start, then anywhere in a name.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import ORG, OWL, RDF, RDFS, SKOS

from aifactories.namespaces import AIF, SCHEMA
from aifactories.terms import curie, label

#: Properties whose literal values are names of the subject.
NAME_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.notation, SCHEMA.alternateName)
#: Classes whose instances are not worth finding by name (statements, not things).
SKIP_CLASSES = (AIF.QualifiedValue, AIF.SystemUsage, AIF.Source, ORG.Membership, OWL.Ontology)


@dataclass(frozen=True)
class Hit:
    """One entity found: the name that matched and how well (lower rank is better)."""

    iri: URIRef
    label: str
    kind: str
    matched: str
    rank: int

    def as_dict(self, page: str | None = None) -> dict[str, str]:
        out = {"iri": str(self.iri), "curie": curie(self.iri), "label": self.label}
        out.update(kind=self.kind, matched=self.matched)
        if page is not None:
            out["page"] = page
        return out


def fold(text: str) -> str:
    """Lower case without accents: what a search compares."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class SearchIndex:
    """Every entity's names, folded, with its label and kind; read once from ``graph``."""

    def __init__(self, graph: Graph) -> None:
        self.entries: list[tuple[str, str, URIRef]] = []  # (folded name, name, entity)
        self.labels: dict[URIRef, str] = {}
        self.kinds: dict[URIRef, str] = {}
        skip = {s for c in SKIP_CLASSES for s in graph.subjects(RDF.type, c)}
        for prop in NAME_PROPERTIES:
            for s, o in graph.subject_objects(prop):
                if not isinstance(s, URIRef) or not isinstance(o, Literal) or s in skip:
                    continue
                if (s, RDF.type, OWL.Class) in graph or (
                    isinstance(s, URIRef) and _is_property(graph, s)
                ):
                    continue
                name = str(o).strip()
                if name:
                    self.entries.append((fold(name), name, s))
                    if s not in self.labels:
                        self.labels[s] = label(graph, s) or name
                        self.kinds[s] = _kind(graph, s)
        self.entries.sort(key=lambda e: (e[0], str(e[2])))

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        """The best ``limit`` entities for ``query``, one hit per entity."""
        q = fold(query.strip())
        if not q:
            return []
        best: dict[URIRef, Hit] = {}
        for folded, name, entity in self.entries:
            rank = _rank(folded, q)
            if rank is None:
                continue
            current = best.get(entity)
            if current is None or rank < current.rank:
                best[entity] = Hit(entity, self.labels[entity], self.kinds[entity], name, rank)
        hits = sorted(best.values(), key=lambda h: (h.rank, len(h.label), fold(h.label)))
        return hits[: max(1, limit)]


def _rank(folded: str, q: str) -> int | None:
    if folded == q:
        return 0
    if folded.startswith(q):
        return 1
    if any(word.startswith(q) for word in folded.replace("-", " ").split()):
        return 2
    if q in folded:
        return 3
    return None


def _is_property(graph: Graph, s: URIRef) -> bool:
    return any(
        (s, RDF.type, t) in graph
        for t in (RDF.Property, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    )


def _kind(graph: Graph, entity: URIRef) -> str:
    """The label of the entity's most specific class in our ontology (or any class)."""
    types = [t for t in graph.objects(entity, RDF.type) if isinstance(t, URIRef)]
    ours = [t for t in types if str(t).startswith(str(AIF))] or types
    if SKOS.Concept in ours:
        scheme = next(iter(graph.objects(entity, SKOS.inScheme)), None)
        name = (label(graph, scheme) if scheme is not None else None) or "concept"
        return "sector" if "sector" in name.casefold() else name
    if not ours:
        return "entity"

    def depth(t: URIRef) -> int:
        return len(set(graph.transitive_objects(t, RDFS.subClassOf)))

    best = max(sorted(ours, key=str), key=depth)
    return label(graph, best) or curie(best)
