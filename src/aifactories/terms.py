"""Terms for people: resolve an IRI, CURIE, label or acronym to one entity, and show terms back.

``resolve`` is shared by ``describe`` and by stored-query entity parameters, so a name means the
same entity everywhere. ``curie``, ``label`` and ``show`` render terms the way every readable
output of the project does (CURIEs with the project's prefixes, labels in English).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from aifactories.errors import TermLookupError
from aifactories.namespaces import PREFIXES

#: Properties whose values name an entity, in order of preference for display.
NAME_PROPERTIES: tuple[URIRef, ...] = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)

#: Longest namespace first, so ``membership:`` wins over a shorter prefix of the same IRI.
_BY_LENGTH: tuple[tuple[str, str], ...] = tuple(
    sorted(((p, str(ns)) for p, ns in PREFIXES.items()), key=lambda pn: -len(pn[1]))
)
#: A local name we can write after ``prefix:`` without escaping (Turtle PN_LOCAL, simplified).
_LOCAL = re.compile(r"^[\w-]([\w.-]*[\w-])?$|^$")
_IRI = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.IGNORECASE)
_CURIE = re.compile(r"^([A-Za-z][\w.-]*)?:(\S*)$")


def curie(term: Node) -> str:
    """``prefix:local`` for IRIs in a project namespace, else ``<iri>``; other terms: ``show``."""
    if not isinstance(term, URIRef):
        return show(term)
    text = str(term)
    for prefix, namespace in _BY_LENGTH:
        if text.startswith(namespace) and _LOCAL.match(text[len(namespace) :]):
            return f"{prefix}:{text[len(namespace) :]}"
    return f"<{text}>"


def expand_curie(text: str) -> URIRef | None:
    """The IRI for ``prefix:local`` with a project prefix, or None when ``text`` is not one."""
    match = _CURIE.match(text)
    if not match or match.group(1) not in PREFIXES:
        return None
    return URIRef(str(PREFIXES[match.group(1)]) + match.group(2))


def label(graph: Graph, term: Node) -> str | None:
    """The entity's English (else untagged, else any) rdfs:label / skos:prefLabel, or None."""
    for prop in NAME_PROPERTIES[:2]:
        values = [o for o in graph.objects(term, prop) if isinstance(o, Literal)]
        for wanted in ("en", None):
            for value in sorted(values):
                if value.language == wanted:
                    return str(value)
        if values:
            return str(sorted(values)[0])
    return None


def show(term: Node, graph: Graph | None = None) -> str:
    """One readable token for any term: CURIE (plus label when ``graph`` has one), or a literal.

    Literals print as their text; language tags and non-string datatypes are kept so that
    ``"2026"^^xsd:gYear`` stays distinguishable from a plain number.
    """
    if isinstance(term, URIRef):
        text = curie(term)
        name = label(graph, term) if graph is not None else None
        return f"{text} ({name})" if name else text
    if isinstance(term, BNode):
        name = label(graph, term) if graph is not None else None
        return f"[{name}]" if name else "[blank node]"
    if isinstance(term, Literal):
        if term.language:
            return f'"{term}"@{term.language}'
        if term.datatype is None or term.datatype == XSD.string:
            return f'"{term}"'
        if term.datatype in (XSD.integer, XSD.decimal, XSD.double, XSD.boolean):
            return str(term)
        return f'"{term}"^^{curie(term.datatype)}'
    return str(term)


def names(graph: Graph, entity: Node) -> list[str]:
    """Every label and acronym of ``entity`` (rdfs:label, skos:prefLabel, skos:altLabel)."""
    return [str(o) for p in NAME_PROPERTIES for o in graph.objects(entity, p)]


def resolve(graph: Graph, term: str, *, classes: Sequence[URIRef] | None = None) -> URIRef:
    """The one entity ``term`` names in ``graph``: an IRI, a CURIE, or an exact label or acronym.

    Labels match case-insensitively on rdfs:label, skos:prefLabel and skos:altLabel. With
    ``classes``, the entity must be an instance (rdf:type, so pass the union graph to include
    inferred superclasses) of at least one of them. Raises TermLookupError for an unknown term, a
    term naming several entities, or an entity of the wrong class; the message lists close matches.
    """
    text = term.strip()
    if not text:
        raise TermLookupError(term, "empty term")
    wanted = set(classes or ())

    def fits(entity: Node) -> bool:
        return not wanted or any((entity, RDF.type, c) in graph for c in wanted)

    iri = _as_iri(text)
    if iri is not None:
        if (iri, None, None) not in graph and (None, None, iri) not in graph:
            raise TermLookupError(term, "no entity with this IRI", _close(graph, text, fits))
        if not fits(iri):
            raise TermLookupError(
                term, f"not a {' or '.join(curie(c) for c in wanted)}", _close(graph, text, fits)
            )
        return iri

    folded = text.casefold()
    matches = {
        s
        for p in NAME_PROPERTIES
        for s, o in graph.subject_objects(p)
        if isinstance(s, URIRef) and isinstance(o, Literal) and str(o).casefold() == folded
    }
    fitting = sorted(m for m in matches if fits(m))
    if len(fitting) == 1:
        return fitting[0]
    if len(fitting) > 1:
        raise TermLookupError(
            term,
            f"ambiguous: names {len(fitting)} entities",
            [_candidate(graph, m) for m in fitting],
        )
    if matches:
        kinds = " or ".join(curie(c) for c in sorted(wanted))
        raise TermLookupError(term, f"names no {kinds}", _close(graph, text, fits))
    raise TermLookupError(
        term, "no entity with this IRI, CURIE, label or acronym", _close(graph, text, fits)
    )


def _as_iri(text: str) -> URIRef | None:
    if text.startswith("<") and text.endswith(">"):
        return URIRef(text[1:-1])
    if _IRI.match(text):
        return URIRef(text)
    return expand_curie(text)


def _candidate(graph: Graph, entity: URIRef) -> str:
    name = label(graph, entity)
    return f"{curie(entity)} ({name})" if name else curie(entity)


def _close(graph: Graph, text: str, fits: Callable[[Node], bool], limit: int = 5) -> list[str]:
    """Entities whose name or CURIE is close to ``text`` (difflib), best first."""
    by_key: dict[str, set[URIRef]] = {}
    for entity, key in _name_keys(graph):
        by_key.setdefault(key.casefold(), set()).add(entity)
    keys = difflib.get_close_matches(text.casefold(), list(by_key), n=limit * 3, cutoff=0.6)
    out: list[str] = []
    for key in keys:
        for entity in sorted(by_key[key]):
            shown = _candidate(graph, entity)
            if fits(entity) and shown not in out:
                out.append(shown)
    return out[:limit]


def _name_keys(graph: Graph) -> Iterable[tuple[URIRef, str]]:
    for p in NAME_PROPERTIES:
        for s, o in graph.subject_objects(p):
            if isinstance(s, URIRef) and isinstance(o, Literal):
                yield s, str(o)
    for s in graph.subjects(RDF.type, unique=True):
        if isinstance(s, URIRef):
            yield s, curie(s)
