"""One model of what an entity's description shows, shared by ``describe`` and the entity pages.

- Which nodes are qualified statements about an entity (memberships, system usages, amounts,
  quantities, time estimates, life-cycle events): their sources count as the entity's.
- How a qualified value reads: "about EUR 198 million", "1 EFlop/s (FP64)", "not before 2027",
  "5 September 2025", with its qualifiers and the sources that state it.
- Which inferred alignment properties mirror one of ours (``dcterms:subject`` mirrors
  ``aif:focusArea``): the mirror's values fold into the property they mirror instead of doubling
  the list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, RDF, RDFS, XSD
from rdflib.term import Node

from aifactories.namespaces import AIF, SCHEMA

_OWN = str(AIF)

#: Qualified statements: their sources count as sources of the entity they are about.
QUALIFIED_CLASSES: frozenset[URIRef] = frozenset(
    {
        ORG.Membership,
        AIF.SystemUsage,
        AIF.QualifiedValue,
        AIF.MonetaryAmount,
        AIF.TimeEstimate,
        AIF.Quantity,
        AIF.LifeCycleEvent,
    }
)

#: Inferred alignment properties and the property of ours each mirrors.
ALIGNMENTS: dict[URIRef, URIRef] = {
    DCTERMS.subject: AIF.focusArea,
    ORG.hasMember: AIF.hasMember,
    SCHEMA.containedInPlace: AIF.locatedIn,
}

#: What a performance property says about precision (its value node states only a number).
PRECISION: dict[URIRef, str] = {
    AIF.peakPerformance: "FP64 peak",
    URIRef(_OWN + "hplPerformance"): "HPL, measured",
    URIRef(_OWN + "aiPerformance"): "AI precision",
}

_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def is_qualified(graph: Graph, node: Node) -> bool:
    """Whether ``node`` is a qualified statement (by its asserted or inferred type)."""
    return any((node, RDF.type, c) in graph for c in QUALIFIED_CLASSES)


def qualified_about(graph: Graph, entity: Node) -> list[Node]:
    """The qualified statements next to ``entity`` (either direction), in IRI order."""
    around = dict.fromkeys([*graph.objects(entity, None), *graph.subjects(None, entity)])
    return sorted((n for n in around if n != entity and is_qualified(graph, n)), key=str)


# --- values as people read them ------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """A qualified value in words: ``text`` ("about EUR 198 million"), qualifiers, sources."""

    text: str
    qualifiers: tuple[str, ...] = ()
    comment: str | None = None
    sources: tuple[Node, ...] = ()

    def line(self) -> str:
        """One line: the text, then its qualifiers in brackets."""
        return self.text + (f" ({'; '.join(self.qualifiers)})" if self.qualifiers else "")


def read_value(graph: Graph, node: Node, prop: Node | None = None) -> Reading | None:
    """``node`` as people read it, if it is a qualified value (amount, quantity, estimate,
    event); None otherwise. ``prop`` is the property pointing at it (it says the precision)."""
    types = set(graph.objects(node, RDF.type))
    sources = tuple(sorted(graph.objects(node, DCTERMS.source), key=str))
    comment = _text(graph.value(node, RDFS.comment))
    approximate = graph.value(node, AIF.approximate)
    about = "about " if isinstance(approximate, Literal) and approximate.toPython() is True else ""
    qualifiers: list[str] = []
    stated = graph.value(node, AIF.statedOn)
    if AIF.MonetaryAmount in types:
        parts = list(graph.objects(node, URIRef(_OWN + "sumOf")))
        if graph.value(node, SCHEMA.value) is None and parts:
            text = " + ".join(
                r.text for p in sorted(parts, key=str) if (r := read_value(graph, p)) is not None
            )
            text = f"{about}{text} (a sum of amounts)"
        else:
            text = about + money(
                graph.value(node, SCHEMA.value), graph.value(node, SCHEMA.currency)
            )
    elif AIF.Quantity in types:
        text = about + quantity(graph.value(node, SCHEMA.value), graph.value(node, SCHEMA.unitText))
        precision = PRECISION.get(prop) if isinstance(prop, URIRef) else None
        if precision and "flop" in str(graph.value(node, SCHEMA.unitText)).casefold():
            qualifiers.append(precision)
    elif AIF.TimeEstimate in types:
        first = graph.value(node, AIF.estimatedDate) or graph.value(node, AIF.estimatedYear)
        until = graph.value(node, URIRef(_OWN + "estimatedUntil"))
        text = human_date(first) if first is not None else "date not stated"
        if until is not None:
            text += f"–{human_date(until)}"
        not_before = graph.value(node, AIF.notBefore)
        if isinstance(not_before, Literal) and not_before.toPython() is True:
            text = "not before " + text
        text = about + text
        qualifiers.append("planned")
    elif AIF.LifeCycleEvent in types:
        start = graph.value(node, SCHEMA.startDate)
        name = _text(graph.value(node, RDFS.label))
        text = (name + ": " if name else "") + (human_date(start) if start is not None else "")
    else:
        return None
    if stated is not None:
        qualifiers.append(f"stated {human_date(stated)}")
    return Reading(text.strip(), tuple(qualifiers), comment, sources)


def money(value: Node | None, currency: Node | None) -> str:
    """``EUR 198 million``, ``EUR 950,000``, ``PLN 1.2 billion``."""
    code = str(currency) if currency is not None else ""
    if not isinstance(value, Literal):
        return f"{code} (amount not stated)".strip()
    amount = float(value.toPython())
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if abs(amount) >= size:
            return f"{code} {_number(amount / size)} {word}".strip()
    return f"{code} {amount:,.0f}".strip()


def quantity(value: Node | None, unit: Node | None) -> str:
    """``1 EFlop/s``, ``16 PFlop/s``, ``rank 4``."""
    number = _number(float(value.toPython())) if isinstance(value, Literal) else "?"
    unit_text = str(unit) if unit is not None else ""
    if unit_text == "rank":
        return f"rank {number}"
    return f"{number} {unit_text}".strip()


def human_date(term: Node) -> str:
    """A date literal as people read it: ``5 September 2025``, ``April 2025``, ``2026``."""
    text = str(term)
    datatype = term.datatype if isinstance(term, Literal) else None
    try:
        if datatype == XSD.date or (datatype is None and len(text) == 10):
            d = dt.date.fromisoformat(text[:10])
            return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"
        if datatype == XSD.gYearMonth:
            year, month = text[:7].split("-")
            return f"{_MONTHS[int(month) - 1]} {year}"
    except (ValueError, IndexError):
        pass
    return text


def _number(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".") if x != int(x) else f"{int(x):,}"


def _text(term: Node | None) -> str | None:
    return str(term) if isinstance(term, Literal) else None


# --- folding alignments ----------------------------------------------------------------------


@dataclass
class Folded:
    """A property's values after folding: ``also`` names the mirrors folded into it."""

    prop: URIRef
    values: list[Node] = field(default_factory=list)
    also: list[URIRef] = field(default_factory=list)


def fold_alignments(pairs: Iterable[tuple[URIRef, Node]]) -> list[Folded]:
    """Group ``(property, value)`` pairs by property; a mirror's values that its main property
    already lists are dropped, and the main property notes the mirror in ``also``."""
    by_prop: dict[URIRef, Folded] = {}
    for prop, value in pairs:
        entry = by_prop.setdefault(prop, Folded(prop))
        if value not in entry.values:
            entry.values.append(value)
    for mirror, main in ALIGNMENTS.items():
        if mirror in by_prop and main in by_prop:
            kept = [v for v in by_prop[mirror].values if v not in set(by_prop[main].values)]
            by_prop[main].also.append(mirror)
            if kept:
                by_prop[mirror].values = kept
            else:
                del by_prop[mirror]
    return list(by_prop.values())
