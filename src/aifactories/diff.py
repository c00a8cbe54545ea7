"""Semantic release notes: what changed between two versions of the graph.

``aifactories diff OLD NEW`` compares two RDF files or two release folders (``aifactories
release``; their gzip'd N-Quads are read). Quad files contribute their asserted graph, or with
``inferred`` every graph. The notes list the entities (IRI subjects) added and removed, and per
remaining entity the facts added, removed and changed, with labels.

A fact is (subject, property, value). A value that is a blank node is compared by the canonical
form of everything reachable from it (``rdflib.compare.to_canonical_graph``), so blank-node
labels, the order of statements and ``[ ]`` versus ``_:b`` never show as changes. A property whose
values lost some and gained others is one change (old -> new); a property that only gained or only
lost values is an addition or a removal. Blank nodes that no triple points to (an ontology's
anonymous axioms) are compared the same way, as anonymous descriptions.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

from aifactories import inputs
from aifactories.errors import AIFactoriesError, InputError
from aifactories.graph import RDF_FORMATS, expand_paths, parse_file
from aifactories.namespaces import ASSERTED_GRAPH, new_graph
from aifactories.query.convert import from_rdflib
from aifactories.terms import curie, label, show

#: Quad formats read by suffix (triple formats: ``aifactories.graph.RDF_FORMATS``).
QUAD_FORMATS = {".nq": "nquads", ".trig": "trig"}
#: The file of a release folder that is read, best first.
RELEASE_DUMPS = ("aifactories.nq.gz", "aifactories.nq", "aifactories.trig")
_ROOT = URIRef("urn:aifactories:diff:root")


def nt(term: Node) -> str:
    """A term in N-Triples syntax (pyoxigraph writes it)."""
    return str(from_rdflib(term))


# --- Reading a version ----------------------------------------------------------------------


def load_version(path: Path, *, inferred: bool = False) -> Graph:
    """The triples of one version: a file, a release folder, or a folder of RDF files."""
    if path.is_dir():
        for name in RELEASE_DUMPS:
            if (path / name).is_file():
                return load_version(path / name, inferred=inferred)
        graph = new_graph()
        files = expand_paths([path])
        if not files:
            raise InputError(f"{path}: no RDF files and no release dump ({RELEASE_DUMPS[0]})")
        for file in files:
            parse_file(file, into=graph)
        return graph
    if not path.is_file() and not os.path.lexists(path):
        raise InputError(f"{path}: no such file or folder")
    name = path.name.lower()
    if name.endswith(".gz"):  # decompressed with a bound: a gzip bomb is refused
        data = inputs.gunzip(path, inputs.read_file(path))
        return _parse_bytes(path, data, Path(name[:-3]).suffix, inferred)
    suffix = path.suffix.lower()
    if suffix in QUAD_FORMATS:
        return _parse_bytes(path, inputs.read_file(path), suffix, inferred)
    return parse_file(path)


def _parse_bytes(path: Path, data: bytes, suffix: str, inferred: bool) -> Graph:
    fmt = QUAD_FORMATS.get(suffix) or RDF_FORMATS.get(suffix)
    if fmt is None:
        choices = ", ".join([*RDF_FORMATS, *QUAD_FORMATS])
        raise InputError(f"{path}: unsupported file type (expected one of {choices}, or .gz)")
    data = inputs.check_rdf(path, data, fmt)
    try:
        if fmt not in QUAD_FORMATS.values():
            parsed = new_graph().parse(io.BytesIO(data), format=fmt)
            inputs.check_terms(path, parsed, data)
            return parsed
        dataset = Dataset()
        dataset.parse(io.BytesIO(data), format=fmt)
    except AIFactoriesError:
        raise
    except Exception as exc:  # rdflib's parsers raise many types; all mean bad input here
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: syntax error: {detail}") from exc
    graph = new_graph()
    names = {g.identifier for g in dataset.graphs()}
    wanted = None if inferred or ASSERTED_GRAPH not in names else ASSERTED_GRAPH
    for s, p, o, context in dataset.quads():
        if wanted is None or context == wanted:
            graph.add((s, p, o))
    return graph


# --- Facts with canonical blank nodes -------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """A fact's value: ``key`` compares (canonical for blank nodes), ``text`` is shown."""

    key: str
    text: str


class _Facts:
    """A graph as entity -> property -> {key: Value}, blank-node values in canonical form."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.facts: dict[Node, dict[URIRef, dict[str, Value]]] = {}
        #: Blank nodes no triple points to, keyed by canonical form -> their text.
        self.anonymous: dict[Node, str] = {}
        self._cache: dict[BNode, Value] = {}
        pointed = {o for o in graph.objects() if isinstance(o, BNode)}
        for s, p, o in graph:
            if isinstance(s, URIRef):
                self._add(s, p, o)  # type: ignore[arg-type]
        roots = {s for s in graph.subjects() if isinstance(s, BNode) and s not in pointed}
        for root in roots:  # anonymous descriptions: the entity is their canonical form
            value = self.value(root)
            key = BNode(value.key)
            self.anonymous[key] = value.text
            self.facts.setdefault(key, {})[_ROOT] = {value.key: value}

    def _add(self, s: Node, p: URIRef, o: Node) -> None:
        value = self.value(o)
        self.facts.setdefault(s, {}).setdefault(p, {})[value.key] = value

    def value(self, term: Node) -> Value:
        if not isinstance(term, BNode):
            return Value(nt(term), show(term))
        if term not in self._cache:
            closure = self._closure(term)
            marked = Graph()
            marked.add((_ROOT, _ROOT, term))
            for triple in closure:
                marked.add(triple)
            lines = sorted(f"{nt(s)} {nt(p)} {nt(o)}" for s, p, o in to_canonical_graph(marked))
            self._cache[term] = Value("\n".join(lines), self._show(term, set()))
        return self._cache[term]

    def _closure(self, start: BNode) -> list[tuple[Node, Node, Node]]:
        seen, todo, out = {start}, [start], []
        while todo:
            node = todo.pop()
            for p, o in self.graph.predicate_objects(node):
                out.append((node, p, o))
                if isinstance(o, BNode) and o not in seen:
                    seen.add(o)
                    todo.append(o)
        return out

    def _show(self, node: BNode, path: set[BNode]) -> str:
        if node in path:
            return "[...]"
        parts = []
        for p, o in sorted(self.graph.predicate_objects(node)):
            shown = self._show(o, path | {node}) if isinstance(o, BNode) else show(o)
            parts.append(f"{curie(p)} {shown}")
        return "[ " + " ; ".join(parts) + " ]" if parts else "[ ]"


# --- The difference -------------------------------------------------------------------------


@dataclass
class EntityChange:
    """An entity that appears or disappears, with its label and how many facts it had."""

    entity: Node
    label: str | None
    facts: int


@dataclass
class PropertyChange:
    """Values of one property of one entity that were removed (``old``) and added (``new``)."""

    property: URIRef
    old: list[Value]
    new: list[Value]

    @property
    def kind(self) -> str:
        return "changed" if self.old and self.new else "added" if self.new else "removed"


@dataclass
class EntityFacts:
    """The fact changes of one entity present in both versions."""

    entity: Node
    label: str | None
    changes: list[PropertyChange] = field(default_factory=list)


@dataclass
class Diff:
    """Release notes between two versions."""

    added: list[EntityChange]
    removed: list[EntityChange]
    facts: list[EntityFacts]

    def count(self, kind: str) -> int:
        """Facts ``added`` or ``removed`` (values), or properties whose values ``changed``."""
        changes = [c for e in self.facts for c in e.changes if c.kind == kind]
        if kind == "changed":
            return len(changes)
        return sum(len(c.new) + len(c.old) for c in changes)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.facts)


def diff(old: Graph, new: Graph) -> Diff:
    """The semantic difference from ``old`` to ``new`` (see the module docstring)."""
    before, after = _Facts(old), _Facts(new)
    added = [
        EntityChange(e, _label(e, after, before), _size(after.facts[e]))
        for e in _sorted(set(after.facts) - set(before.facts))
    ]
    removed = [
        EntityChange(e, _label(e, before, after), _size(before.facts[e]))
        for e in _sorted(set(before.facts) - set(after.facts))
    ]
    facts: list[EntityFacts] = []
    for entity in _sorted(set(before.facts) & set(after.facts)):
        was, now = before.facts[entity], after.facts[entity]
        changes = []
        for prop in sorted(set(was) | set(now)):
            old_values, new_values = was.get(prop, {}), now.get(prop, {})
            gone = [old_values[k] for k in sorted(set(old_values) - set(new_values))]
            came = [new_values[k] for k in sorted(set(new_values) - set(old_values))]
            if gone or came:
                changes.append(PropertyChange(prop, gone, came))
        if changes:
            facts.append(EntityFacts(entity, _label(entity, after, before), changes))
    return Diff(added, removed, facts)


def _sorted(entities: Iterable[Node]) -> list[Node]:
    return sorted(entities, key=lambda e: (isinstance(e, BNode), str(e)))


def _size(facts: dict[URIRef, dict[str, Value]]) -> int:
    return sum(len(values) for values in facts.values())


def _label(entity: Node, first: _Facts, second: _Facts) -> str | None:
    """The entity's label (newer version first); an anonymous description's text."""
    if isinstance(entity, BNode):
        return first.anonymous.get(entity) or second.anonymous.get(entity)
    return label(first.graph, entity) or label(second.graph, entity)


# --- Output ---------------------------------------------------------------------------------


def _name(entity: Node, name: str | None) -> str:
    if isinstance(entity, BNode):
        return f"anonymous {name}"
    return f"{curie(entity)} ({name})" if name else curie(entity)


def format_text(result: Diff, old: str = "OLD", new: str = "NEW") -> str:
    """Release notes as text: entities added and removed, then fact changes by entity."""
    lines = [f"Changes from {old} to {new}"]
    if result.empty:
        return lines[0] + ": none\n"
    summary = (
        f"entities: {len(result.added)} added, {len(result.removed)} removed; facts: "
        f"{result.count('added')} added, {result.count('removed')} removed, "
        f"{result.count('changed')} changed"
    )
    lines.append(summary)
    for title, items, mark in (
        ("Entities added", result.added, "+"),
        ("Entities removed", result.removed, "-"),
    ):
        if items:
            lines += ["", f"{title} ({len(items)}):"]
            for item in items:
                facts = f"{item.facts} fact{'' if item.facts == 1 else 's'}"
                lines.append(f"  {mark} {_name(item.entity, item.label)}: {facts}")
    if result.facts:
        lines += ["", f"Facts changed ({len(result.facts)} entities):"]
        for entity in result.facts:
            lines.append(f"  {_name(entity.entity, entity.label)}")
            for change in entity.changes:
                prop = curie(change.property) if change.property != _ROOT else "description"
                if change.kind == "changed":
                    old_text = ", ".join(v.text for v in change.old)
                    new_text = ", ".join(v.text for v in change.new)
                    lines.append(f"    ~ {prop}: {old_text} -> {new_text}")
                else:
                    mark = "+" if change.kind == "added" else "-"
                    lines += [f"    {mark} {prop} {v.text}" for v in change.new or change.old]
    return "\n".join(lines) + "\n"


def as_dict(result: Diff, old: str = "OLD", new: str = "NEW") -> dict[str, Any]:
    """The diff as plain data (for JSON)."""

    def entity(item: EntityChange) -> dict[str, Any]:
        return {**_ident(item.entity), "label": item.label, "facts": item.facts}

    return {
        "old": old,
        "new": new,
        "summary": {
            "entities_added": len(result.added),
            "entities_removed": len(result.removed),
            "facts_added": result.count("added"),
            "facts_removed": result.count("removed"),
            "facts_changed": result.count("changed"),
        },
        "entities": {
            "added": [entity(i) for i in result.added],
            "removed": [entity(i) for i in result.removed],
        },
        "facts": [
            {
                **_ident(e.entity),
                "label": e.label,
                "changes": [
                    {
                        "kind": c.kind,
                        "property": str(c.property) if c.property != _ROOT else None,
                        "old": [v.text for v in c.old],
                        "new": [v.text for v in c.new],
                    }
                    for c in e.changes
                ],
            }
            for e in result.facts
        ],
    }


def _ident(entity: Node) -> dict[str, Any]:
    if isinstance(entity, BNode):
        return {"entity": None, "curie": None}
    return {"entity": str(entity), "curie": curie(entity)}


def format_json(result: Diff, old: str = "OLD", new: str = "NEW") -> str:
    return json.dumps(as_dict(result, old, new), indent=2, ensure_ascii=False) + "\n"
