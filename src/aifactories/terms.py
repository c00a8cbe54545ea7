"""Terms for people: CURIEs, labels, and resolving a name to one entity.

The one home of these concepts. ``resolve`` is shared by ``describe``, stored-query entity
parameters and the server, so a name means the same entity everywhere; it runs over an engine
(``aifactories.query.engines``: Oxigraph, rdflib or a remote endpoint's local graph) or over an
rdflib Graph, with the same SPARQL look-ups. The name rule (docs/names.md):

1. An IRI, ``<IRI>`` or CURIE names that entity (it must exist, and be of the class asked for).
2. Otherwise the name is an exact label or acronym (rdfs:label, skos:prefLabel, skos:altLabel),
   compared ignoring case.
3. A typed look-up (a stored-query parameter of class C) only considers instances of C.
4. An untyped look-up (``describe``): organisations win over their sites (a site named X whose
   organisation is known stands for that organisation); then, if exactly one of the entities
   left is a network node (an AI Factory or an antenna), it wins, and the others are named in a
   note. Any other tie is an error listing every candidate.

Module import stays free of rdflib (the lean ``aifactories query`` path); functions that take
rdflib terms import it when called with them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from aifactories.errors import TermLookupError
from aifactories.prefixes import PREFIX_IRIS, RDFS, SKOS, XSD

if TYPE_CHECKING:
    from rdflib import Graph, URIRef
    from rdflib.term import Node

    from aifactories.query.engines import Engine
    from aifactories.query.results import QueryResult

AIF = PREFIX_IRIS["aif"]
ORG = PREFIX_IRIS["org"]
#: Properties whose values name an entity, in order of preference for display.
NAME_PROPERTIES: tuple[str, ...] = (RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel")
#: Classes whose instances win an untyped look-up (rule 4).
NETWORK_NODE_CLASSES: tuple[str, ...] = (
    AIF + "NetworkNode",
    AIF + "AIFactory",
    AIF + "AIFactoryAntenna",
)
ORGANISATION_CLASS = AIF + "Organisation"

#: Longest namespace first, so ``membership:`` wins over a shorter prefix of the same IRI.
_BY_LENGTH = tuple(sorted(PREFIX_IRIS.items(), key=lambda pn: -len(pn[1])))
#: A local name we can write after ``prefix:`` without escaping (Turtle PN_LOCAL, simplified).
_LOCAL = re.compile(r"^[\w-]([\w.-]*[\w-])?$|^$")
_IRI = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.IGNORECASE)
_CURIE = re.compile(r"^([A-Za-z][\w.-]*)?:(\S*)$")
_PLAIN_NUMBERS = {XSD + t for t in ("integer", "decimal", "double", "boolean")}


# --- CURIEs ----------------------------------------------------------------------------------


def curie_iri(iri: str) -> str:
    """``prefix:local`` for an IRI in a project namespace, else ``<iri>``."""
    for prefix, namespace in _BY_LENGTH:
        if iri.startswith(namespace) and _LOCAL.match(iri[len(namespace) :]):
            return f"{prefix}:{iri[len(namespace) :]}"
    return f"<{iri}>"


def expand_curie_iri(text: str) -> str | None:
    """The IRI for ``prefix:local`` with a project prefix, or None when ``text`` is not one."""
    match = _CURIE.match(text)
    if not match or match.group(1) not in PREFIX_IRIS:
        return None
    return PREFIX_IRIS[match.group(1)] + match.group(2)


def as_iri(text: str) -> str | None:
    """``<iri>``, an absolute IRI or a project CURIE as an IRI; None for anything else."""
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    if _IRI.match(text):
        return text
    return expand_curie_iri(text)


def expand_curie(text: str) -> URIRef | None:
    """As ``expand_curie_iri``, as an rdflib URIRef."""
    from rdflib import URIRef

    iri = expand_curie_iri(text)
    return None if iri is None else URIRef(iri)


def curie(term: Any) -> str:
    """A CURIE (or ``<iri>``) for an IRI (rdflib or pyoxigraph); other terms as ``show``."""
    if isinstance(term, ox.NamedNode):
        return curie_iri(term.value)
    from rdflib import URIRef

    if isinstance(term, URIRef):
        return curie_iri(str(term))
    return show(term)


def show(term: Node, graph: Graph | None = None) -> str:
    """One readable token for an rdflib term: CURIE (plus label when ``graph`` has one), or a
    literal, whose language tag or non-string datatype is kept (``"2026"^^xsd:gYear``)."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        text = curie_iri(str(term))
        name = label(graph, term) if graph is not None else None
        return f"{text} ({name})" if name else text
    if isinstance(term, BNode):
        name = label(graph, term) if graph is not None else None
        return f"[{name}]" if name else "[blank node]"
    if isinstance(term, Literal):
        if term.language:
            return f'"{term}"@{term.language}'
        if term.datatype is None or str(term.datatype) == XSD + "string":
            return f'"{term}"'
        if str(term.datatype) in _PLAIN_NUMBERS:
            return str(term)
        return f'"{term}"^^{curie_iri(str(term.datatype))}'
    return str(term)


# --- Labels ----------------------------------------------------------------------------------


def pick_label(values: Iterable[tuple[str, str, str | None]]) -> str | None:
    """The label rule: (property IRI, text, language) -> the entity's label, or None.

    rdfs:label before skos:prefLabel; within one, English, else untagged, else the first.
    """
    by_property: dict[str, list[tuple[str, str]]] = {}
    for prop, text, language in values:
        by_property.setdefault(prop, []).append((text, language or ""))
    for prop in NAME_PROPERTIES[:2]:
        found = sorted(by_property.get(prop, ()))
        for wanted in ("en", ""):
            for text, language in found:
                if language == wanted:
                    return text
        if found:
            return found[0][0]
    return None


def label(graph: Graph, term: Node) -> str | None:
    """The entity's label in an rdflib ``graph`` (``pick_label``), or None."""
    from rdflib import Literal, URIRef

    return pick_label(
        (prop, str(o), o.language)
        for prop in NAME_PROPERTIES[:2]
        for o in graph.objects(term, URIRef(prop))
        if isinstance(o, Literal)
    )


def names(graph: Graph, entity: Node) -> list[str]:
    """Every label and acronym of ``entity`` (rdfs:label, skos:prefLabel, skos:altLabel)."""
    from rdflib import URIRef

    return [str(o) for p in NAME_PROPERTIES for o in graph.objects(entity, URIRef(p))]


def labels(source: Engine | Graph, iris: Sequence[str]) -> dict[str, str]:
    """IRI -> label for each of ``iris`` that has one, in one query (``pick_label``)."""
    if not iris:
        return {}
    found: dict[str, list[tuple[str, str, str | None]]] = {}
    query = _runner(source)
    for start in range(0, len(iris), 500):
        values = " ".join(f"<{i}>" for i in iris[start : start + 500])
        props = " ".join(f"<{p}>" for p in NAME_PROPERTIES[:2])
        result = query(
            f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} VALUES ?p {{ {props} }} "
            "?s ?p ?o FILTER isLiteral(?o) }"
        )
        for s, p, o in result.rows:
            assert isinstance(s, ox.NamedNode) and isinstance(p, ox.NamedNode)
            assert isinstance(o, ox.Literal)
            found.setdefault(s.value, []).append((p.value, o.value, o.language))
    out = {iri: pick_label(values) for iri, values in found.items()}
    return {iri: name for iri, name in out.items() if name}


# --- Resolving a name ----------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    """The entity a name resolved to, and the other entities it also names (rule 4)."""

    term: str
    entity: ox.NamedNode
    others: tuple[str, ...] = field(default=())

    @property
    def note(self) -> str | None:
        """A one-line note naming the other matches, or None when there were none."""
        if not self.others:
            return None
        return (
            f"note: {self.term!r} also names {', '.join(self.others)}; "
            f"taking {curie_iri(self.entity.value)} (docs/names.md)"
        )


def resolve(source: Engine | Graph, term: str, *, classes: Sequence[Any] | None = None) -> Any:
    """The one entity ``term`` names: an rdflib URIRef for a Graph, else a pyoxigraph NamedNode.

    ``source`` is an engine or an rdflib Graph (pass the union, so that inferred classes count).
    With ``classes`` the entity must be an instance of at least one of them. Raises
    TermLookupError for an unknown term, a term naming several entities, or an entity of the
    wrong class; the message lists close matches.
    """
    found = resolve_name(source, term, classes=classes).entity
    if _is_rdflib_graph(source):
        from rdflib import URIRef

        return URIRef(found.value)
    return found


def resolve_name(
    source: Engine | Graph, term: str, *, classes: Sequence[Any] | None = None
) -> Resolution:
    """As ``resolve``, with the other entities the name also matches (the module's rule)."""
    return _Resolver(_runner(source)).resolve(term, [str(_iri_of(c)) for c in classes or ()])


def _iri_of(value: Any) -> str:
    return value.value if isinstance(value, ox.NamedNode) else str(value)


def _is_rdflib_graph(source: Any) -> bool:
    return not hasattr(source, "lookup") and hasattr(source, "triples")


def _runner(source: Any) -> Callable[..., QueryResult]:
    """A function running SPARQL (with bound terms) on ``source``: an engine or an rdflib Graph."""
    if hasattr(source, "lookup"):
        engine = source.lookup()
        return lambda text, bindings=None: engine.query(text, bindings)

    def on_graph(text: str, bindings: Mapping[str, Any] | None = None) -> QueryResult:
        from aifactories.query.convert import result_from_rdflib
        from aifactories.query.syntax import bind_terms

        return result_from_rdflib(source.query(bind_terms(text, bindings or {})))

    return on_graph


class _Resolver:
    """The look-ups of the name rule, as SPARQL on one source."""

    def __init__(self, query: Callable[..., QueryResult]) -> None:
        self.query = query
        self._label_cache: dict[str, str | None] = {}

    def resolve(self, term: str, wanted: list[str]) -> Resolution:
        text = term.strip()
        if not text:
            raise TermLookupError(term, "empty term")
        wanted = list(dict.fromkeys(wanted))
        iri = as_iri(text)
        if iri is not None:
            return Resolution(term, self._by_iri(term, text, iri, wanted))
        folded = text.casefold()
        matches = {s for s, name in self._names(text) if name.casefold() == folded}
        if not matches:  # LCASE and casefold differ on a few letters (ß, ...)
            matches = {s for s, name in self._names(None) if name.casefold() == folded}
        types = self._types(matches)
        if wanted:
            fitting = sorted(m for m in matches if types.get(m, set()) & set(wanted))
            if len(fitting) == 1:
                return Resolution(term, ox.NamedNode(fitting[0]))
            if fitting:
                raise self._ambiguous(term, fitting)
            if matches:
                kinds = " or ".join(curie_iri(c) for c in sorted(wanted))
                raise TermLookupError(term, f"names no {kinds}", self._close(text, wanted))
            raise self._unknown(term, text, wanted)
        if not matches:
            raise self._unknown(term, text, wanted)
        return self._untyped(term, matches, types)

    def _untyped(self, term: str, matches: set[str], types: dict[str, set[str]]) -> Resolution:
        """Rule 4: organisations over their sites, then one network node over the rest."""
        owners = self._site_owners(sorted(matches))
        candidates = sorted({owners.get(m, m) for m in matches})
        replaced = sorted(m for m in matches if m in owners)
        if len(candidates) == 1:
            return Resolution(term, ox.NamedNode(candidates[0]), self._shown(replaced))
        types.update(self._types(set(candidates) - set(types)))
        nodes = [c for c in candidates if types.get(c, set()) & set(NETWORK_NODE_CLASSES)]
        if len(nodes) == 1:
            others = [m for m in sorted(matches) if m != nodes[0]]
            return Resolution(term, ox.NamedNode(nodes[0]), self._shown(others))
        raise self._ambiguous(term, candidates)

    def _by_iri(self, term: str, text: str, iri: str, wanted: list[str]) -> ox.NamedNode:
        try:
            node = ox.NamedNode(iri)
        except ValueError:
            node = None
        if node is None or not self._exists(node):
            raise TermLookupError(term, "no entity with this IRI", self._close(text, wanted))
        if wanted and not self._types({iri}).get(iri, set()) & set(wanted):
            kinds = " or ".join(curie_iri(c) for c in wanted)
            raise TermLookupError(term, f"not a {kinds}", self._close(text, wanted))
        return node

    def _exists(self, node: ox.NamedNode) -> bool:
        result = self.query("ASK { { ?_e ?p ?o } UNION { ?s ?p ?_e } }", {"_e": node})
        return bool(result.boolean)

    def _names(self, text: str | None) -> list[tuple[str, str]]:
        """(entity, name) pairs; with ``text``, only names equal to it ignoring case (LCASE)."""
        values = " ".join(f"<{p}>" for p in NAME_PROPERTIES)
        extra = " && LCASE(STR(?o)) = LCASE(?_text)" if text is not None else ""
        query = (
            f"SELECT ?s ?o WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o "
            f"FILTER (isIRI(?s) && isLiteral(?o){extra}) }}"
        )
        bindings = {"_text": ox.Literal(text)} if text is not None else None
        return [(s.value, o.value) for s, o in self.query(query, bindings).rows]  # type: ignore[union-attr]

    def _types(self, entities: Iterable[str]) -> dict[str, set[str]]:
        listed = sorted(entities)
        if not listed:
            return {}
        values = " ".join(f"<{e}>" for e in listed)
        result = self.query(f"SELECT ?s ?c WHERE {{ VALUES ?s {{ {values} }} ?s a ?c }}")
        out: dict[str, set[str]] = {}
        for s, c in result.rows:
            if isinstance(s, ox.NamedNode) and isinstance(c, ox.NamedNode):
                out.setdefault(s.value, set()).add(c.value)
        return out

    def _site_owners(self, entities: list[str]) -> dict[str, str]:
        """Site -> the organisation it belongs to (org:siteOf, or org:hasSite the other way)."""
        values = " ".join(f"<{e}>" for e in entities)
        result = self.query(
            f"SELECT DISTINCT ?site ?org WHERE {{ VALUES ?site {{ {values} }} "
            f"{{ ?site <{ORG}siteOf> ?org }} UNION {{ ?org <{ORG}hasSite> ?site }} "
            f"?org a <{ORGANISATION_CLASS}> }}"
        )
        owners: dict[str, set[str]] = {}
        for site, org in result.rows:
            if isinstance(site, ox.NamedNode) and isinstance(org, ox.NamedNode):
                owners.setdefault(site.value, set()).add(org.value)
        return {site: next(iter(orgs)) for site, orgs in owners.items() if len(orgs) == 1}

    def _label(self, iri: str) -> str | None:
        if iri not in self._label_cache:
            props = " ".join(f"<{p}>" for p in NAME_PROPERTIES[:2])
            result = self.query(
                f"SELECT ?p ?o WHERE {{ VALUES ?p {{ {props} }} ?_e ?p ?o FILTER isLiteral(?o) }}",
                {"_e": ox.NamedNode(iri)},
            )
            self._label_cache[iri] = pick_label(
                (p.value, o.value, o.language)  # type: ignore[union-attr]
                for p, o in result.rows
            )
        return self._label_cache[iri]

    def _candidate(self, iri: str) -> str:
        name = self._label(iri)
        shown = curie_iri(iri)
        return f"{shown} ({name})" if name else shown

    def _shown(self, iris: Iterable[str]) -> tuple[str, ...]:
        return tuple(self._candidate(i) for i in iris)

    def _ambiguous(self, term: str, iris: Sequence[str]) -> TermLookupError:
        return TermLookupError(
            term, f"ambiguous: names {len(iris)} entities", [self._candidate(i) for i in iris]
        )

    def _unknown(self, term: str, text: str, wanted: list[str]) -> TermLookupError:
        return TermLookupError(
            term, "no entity with this IRI, CURIE, label or acronym", self._close(text, wanted)
        )

    def _close(self, text: str, wanted: list[str], limit: int = 5) -> list[str]:
        """Entities whose name or CURIE is close to ``text`` (difflib), best first."""
        by_key: dict[str, set[str]] = {}
        for entity, key in self._names(None):
            by_key.setdefault(key.casefold(), set()).add(entity)
        typed = self.query("SELECT DISTINCT ?s WHERE { ?s a ?c FILTER isIRI(?s) }")
        for (subject,) in typed.rows:
            assert isinstance(subject, ox.NamedNode)
            by_key.setdefault(curie_iri(subject.value).casefold(), set()).add(subject.value)
        keys = difflib.get_close_matches(text.casefold(), list(by_key), n=limit * 3, cutoff=0.6)
        ordered = [iri for key in keys for iri in sorted(by_key[key])]
        if wanted:
            types = self._types(set(ordered))
            ordered = [i for i in ordered if types.get(i, set()) & set(wanted)]
        out: list[str] = []
        for iri in ordered:
            shown = self._candidate(iri)
            if shown not in out:
                out.append(shown)
        return out[:limit]
