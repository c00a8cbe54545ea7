"""What the graph holds: counts per class (``stats``), every fact about one entity (``describe``).

Both read the union graph, so inferred typing (an HPC centre is an organisation) and inferred
shortcuts (``aif:hasMember``) count and show; inferred facts are marked as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from aifactories.entity import fold_alignments, human_date, qualified_about, read_value
from aifactories.graph import KnowledgeGraph
from aifactories.namespaces import AIF, SCHEMA
from aifactories.terms import curie, label, resolve, show

#: Classes outside our namespace worth counting: qualified memberships and the concept schemes.
EXTRA_CLASSES: tuple[URIRef, ...] = (ORG.Membership, SKOS.ConceptScheme)


# --- stats ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassCount:
    """Instances of one class (asserted or inferred typing); ``depth`` indents subclasses."""

    cls: URIRef
    label: str
    instances: int
    depth: int = 0


@dataclass
class Stats:
    """Triples asserted and inferred, files, sources and instance counts per class."""

    asserted: int
    inferred: int
    files: int
    sources: int
    classes: list[ClassCount] = field(default_factory=list)
    schemes: list[ClassCount] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.asserted + self.inferred

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form: CURIEs for classes."""
        return {
            "triples": {"asserted": self.asserted, "inferred": self.inferred, "total": self.total},
            "files": self.files,
            "sources": self.sources,
            "classes": [
                {"class": curie(c.cls), "label": c.label, "instances": c.instances}
                for c in self.classes
            ],
            "concept_schemes": [
                {"scheme": curie(c.cls), "label": c.label, "concepts": c.instances}
                for c in self.schemes
            ],
        }


def stats(kg: KnowledgeGraph) -> Stats:
    """Count what ``kg`` holds; classes are the ontology's own, as a subclass tree."""
    union = kg.union
    own = sorted(
        c for c in union.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef) and c in AIF
    )
    parents = {
        c: [p for p in union.objects(c, RDFS.subClassOf) if p in own and p != c] for c in own
    }
    children: dict[URIRef | None, list[URIRef]] = {}
    for c in own:
        # A class under several of our classes is listed under the first (sorted) of them.
        parent = sorted(parents[c], key=_depth_key(parents))[-1] if parents[c] else None
        children.setdefault(parent, []).append(c)

    def count(cls: URIRef) -> int:
        return len(set(union.subjects(RDF.type, cls)))

    def name(term: URIRef) -> str:
        return label(union, term) or curie(term)

    rows: list[ClassCount] = []

    def walk(cls: URIRef, depth: int) -> None:
        rows.append(ClassCount(cls, name(cls), count(cls), depth))
        for child in sorted(children.get(cls, []), key=name):
            walk(child, depth + 1)

    for root in sorted(children.get(None, []), key=name):
        walk(root, 0)
    rows += [ClassCount(c, name(c), count(c)) for c in EXTRA_CLASSES]
    schemes = [
        ClassCount(s, name(s), len(set(union.subjects(SKOS.inScheme, s))))
        for s in sorted(union.subjects(RDF.type, SKOS.ConceptScheme, unique=True))
        if isinstance(s, URIRef)
    ]
    return Stats(
        asserted=len(kg.asserted),
        inferred=len(kg.inferred),
        files=len(kg.files),
        sources=count(AIF.Source),
        classes=rows,
        schemes=schemes,
    )


def _depth_key(parents: dict[URIRef, list[URIRef]]) -> Any:
    """Sort key putting the deepest (most specific) superclass last."""

    def depth(c: URIRef, seen: frozenset[URIRef] = frozenset()) -> int:
        ups = [p for p in parents.get(c, []) if p not in seen]
        return 1 + max((depth(p, seen | {c}) for p in ups), default=0)

    return lambda c: (depth(c), str(c))


def format_stats(result: Stats) -> str:
    """A plain-text report: triple counts, then one line per class, subclasses indented."""
    lines = [
        f"triples   {result.total} ({result.asserted} asserted, {result.inferred} inferred)",
        f"files     {result.files}",
        f"sources   {result.sources}",
        "",
    ]
    width = max(len("  " * c.depth + c.label) for c in [*result.classes, *result.schemes])
    lines.append(f"{'class'.ljust(width)}  instances  IRI")
    for c in result.classes:
        lines.append(f"{('  ' * c.depth + c.label).ljust(width)}  {c.instances:>9}  {curie(c.cls)}")
    if result.schemes:
        lines += ["", f"{'concept scheme'.ljust(width)}   concepts  IRI"]
        lines += [
            f"{c.label.ljust(width)}  {c.instances:>9}  {curie(c.cls)}" for c in result.schemes
        ]
    return "\n".join(lines)


# --- describe ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One triple around the entity: ``other`` is the object (outgoing) or subject (incoming)."""

    predicate: URIRef
    other: Node
    inferred: bool


@dataclass
class Qualified:
    """A qualified node (membership, usage, value) next to the entity, with its own sources."""

    node: Node
    types: list[URIRef]
    facts: list[Fact]
    sources: list[Node]

    def facts_by(self, predicate: URIRef) -> set[Node]:
        """The values of one property of this node."""
        return {f.other for f in self.facts if f.predicate == predicate}


@dataclass
class Description:
    """Everything the graph says about one entity, and the sources that say it."""

    entity: URIRef
    label: str | None
    types: list[Fact]
    outgoing: list[Fact]
    incoming: list[Fact]
    qualified: list[Qualified]
    sources: list[Node]

    def all_sources(self) -> list[Node]:
        """The entity's sources, then those of its qualified nodes, without repeats."""
        out = list(self.sources)
        for q in self.qualified:
            out += [s for s in q.sources if s not in out]
        return out


def describe(kg: KnowledgeGraph, term: str) -> Description:
    """Resolve ``term`` (IRI, CURIE, label, acronym) and gather its facts and sources."""
    union = kg.union
    entity = resolve(union, term)

    def inferred(s: Node, p: Node, o: Node) -> bool:
        return (s, p, o) in kg.inferred

    qualified_nodes = qualified_about(union, entity)
    types = [
        Fact(RDF.type, o, inferred(entity, RDF.type, o))
        for o in sorted(union.objects(entity, RDF.type))
    ]
    # inferred alignments (schema:containedInPlace ...) fold into the property they mirror
    kept = {
        (f.prop, v)
        for f in fold_alignments(
            (p, o)
            for p, o in union.predicate_objects(entity)
            if p not in (RDF.type, DCTERMS.source) and isinstance(p, URIRef)
        )
        for v in f.values
    }
    outgoing = _sorted(Fact(p, o, inferred(entity, p, o)) for p, o in kept)
    incoming = _sorted(
        Fact(p, s, inferred(s, p, entity))
        for s, p in union.subject_predicates(entity)
        if s not in qualified_nodes and isinstance(p, URIRef)
    )
    qualified = [
        Qualified(
            node=n,
            types=sorted(t for t in kg.asserted.objects(n, RDF.type) if isinstance(t, URIRef)),
            facts=_sorted(
                Fact(p, o, inferred(n, p, o))
                for p, o in union.predicate_objects(n)
                if p not in (RDF.type, DCTERMS.source)
                and o != entity
                and isinstance(p, URIRef)
                and not (p == RDFS.label and isinstance(o, Literal))
            ),
            sources=sorted(union.objects(n, DCTERMS.source)),
        )
        for n in qualified_nodes
    ]
    return Description(
        entity=entity,
        label=label(union, entity),
        types=types,
        outgoing=outgoing,
        incoming=incoming,
        qualified=qualified,
        sources=sorted(union.objects(entity, DCTERMS.source)),
    )


def _sorted(facts: Any) -> list[Fact]:
    return sorted(facts, key=lambda f: (curie(f.predicate), str(f.other)))


def format_description(d: Description, graph: Graph) -> str:
    """A plain-text page: types, facts, referrers, qualified statements, then the sources."""
    inferred = " [inferred]"
    title = f"{curie(d.entity)} — {d.label}" if d.label else curie(d.entity)
    lines = [title, f"  <{d.entity}>", ""]
    lines.append("types:")
    lines += [f"  {show(t.other, graph)}{inferred if t.inferred else ''}" for t in d.types]
    lines += ["", "facts:"]
    lines += _fact_lines(d.outgoing, graph, "  ") or ["  (none)"]
    lines += ["", "referred to by:"]
    lines += [
        f"  {show(f.other, graph)}  {curie(f.predicate)}{inferred if f.inferred else ''}"
        for f in d.incoming
    ] or ["  (none)"]
    if d.qualified:
        lines += ["", "qualified statements:"]
        for q in d.qualified:
            kinds = ", ".join(curie(t) for t in q.types)
            lines.append(f"  {show(q.node, graph)}" + (f"  ({kinds})" if kinds else ""))
            reading = read_value(graph, q.node, _pointing(d, q.node))
            if reading is not None:
                lines.append(f"    = {reading.line()}")
            lines += _fact_lines(q.facts, graph, "    ")
            lines.append("    sources: " + (", ".join(curie(s) for s in q.sources) or "NONE"))
    lines += ["", "sources of the entity: " + (", ".join(curie(s) for s in d.sources) or "NONE")]
    lines += ["", "source documents:"]
    for src in d.all_sources():
        url = graph.value(src, SCHEMA.url)
        name = label(graph, src)
        lines.append(
            "  " + "  ".join(x for x in (curie(src), name, str(url) if url else None) if x)
        )
    return "\n".join(lines)


def _fact_lines(facts: list[Fact], graph: Graph, indent: str) -> list[str]:
    if not facts:
        return []
    width = max(len(curie(f.predicate)) for f in facts)
    lines = []
    for f in facts:
        text = " ".join(show(f.other, graph).split())
        reading = read_value(graph, f.other, f.predicate)
        if reading is not None:
            text = f"{reading.line()}  [{curie(f.other)}]"
        elif isinstance(f.other, Literal) and f.other.datatype in _DATES:
            text = f"{human_date(f.other)}  ({text})"
        lines.append(
            f"{indent}{curie(f.predicate).ljust(width)}  {text}"
            + (" [inferred]" if f.inferred else "")
        )
    return lines


_DATES = (XSD.date, XSD.gYearMonth)


def _pointing(d: Description, node: Node) -> Node | None:
    """The property by which the entity points at a qualified node (it says the precision)."""
    return next((f.predicate for f in d.outgoing if f.other == node), None)


def description_as_dict(d: Description, graph: Graph) -> dict[str, Any]:
    """A JSON-ready form of a description (IRIs in full, CURIEs alongside)."""

    def term(node: Node) -> dict[str, Any]:
        if isinstance(node, Literal):
            out: dict[str, Any] = {"value": str(node)}
            if node.language:
                out["language"] = node.language
            elif node.datatype:
                out["datatype"] = str(node.datatype)
            return out
        out = {"iri": str(node), "curie": curie(node)}
        name = label(graph, node)
        if name:
            out["label"] = name
        return out

    def facts(items: list[Fact], key: str) -> list[dict[str, Any]]:
        return [
            {"predicate": curie(f.predicate), key: term(f.other), "inferred": f.inferred}
            for f in items
        ]

    return {
        "entity": term(d.entity),
        "types": [{**term(t.other), "inferred": t.inferred} for t in d.types],
        "facts": facts(d.outgoing, "object"),
        "referred_to_by": facts(d.incoming, "subject"),
        "qualified": [
            {
                "node": term(q.node),
                **(
                    {"reads": r.line()}
                    if (r := read_value(graph, q.node, _pointing(d, q.node))) is not None
                    else {}
                ),
                "types": [curie(t) for t in q.types],
                "facts": facts(q.facts, "object"),
                "sources": [curie(s) for s in q.sources],
            }
            for q in d.qualified
        ],
        "sources": [curie(s) for s in d.sources],
        "source_documents": [
            {**term(s), **({"url": str(u)} if (u := graph.value(s, SCHEMA.url)) else {})}
            for s in d.all_sources()
        ],
    }
