"""The timeline page's items, from the rows of the stored query ``network-timeline`` (020).

Rows become items with a kind (selection, inauguration, event, plan) and the sources of each
statement. Where sources disagree about the same thing (two dates for one launch, a deployment
"in 2026" and "not before 2027"), the claims are kept together as one item showing the range,
each claim with its own source, instead of two unrelated lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from aifactories.namespaces import AIF, SCHEMA
from aifactories.terms import label


@dataclass(frozen=True)
class Cited:
    """A source as a page links it: label and URL."""

    label: str
    url: str | None
    href: str | None

    @property
    def short(self) -> str:
        """The source's web host (``bsc.es``), or its label when it has no URL."""
        if not self.url:
            return self.label
        return self.url.split("//", 1)[-1].split("/", 1)[0].removeprefix("www.")


@dataclass(frozen=True)
class Claim:
    """One dated statement: the date as the source gives it, whether a lower bound, sources."""

    date: str
    not_before: bool
    sources: tuple[Cited, ...]


@dataclass
class Item:
    """One line of the timeline: what happened (or is planned) to which entity, with its claims."""

    kind: str  # selection, inauguration, event, plan
    entity: URIRef
    entity_label: str
    what: str
    claims: list[Claim] = field(default_factory=list)

    @property
    def date(self) -> str:
        return min(c.date for c in self.claims)

    @property
    def disputed(self) -> bool:
        return len({(c.date, c.not_before) for c in self.claims}) > 1

    @property
    def year(self) -> str:
        return self.date[:4]

    @property
    def shown(self) -> str:
        """The date as people read it: one date, or the range the claims span."""
        texts = [("not before " if c.not_before else "") + c.date for c in self.claims]
        texts = list(dict.fromkeys(sorted(texts, key=lambda t: t.removeprefix("not before "))))
        return texts[0] if len(texts) == 1 else f"{texts[0]} – {texts[-1]}"


def build(
    rows: list[dict[str, dict[str, str]]], graph: Graph, href: Callable[[Node], str | None]
) -> list[Item]:
    """Items in date order from SPARQL JSON bindings of query 020."""
    items: dict[tuple[str, ...], Item] = {}

    def cited(node: URIRef) -> tuple[Cited, ...]:
        out = []
        for src in sorted(graph.objects(node, DCTERMS.source), key=str):
            url = graph.value(src, SCHEMA.url)
            out.append(Cited(label(graph, src) or str(src), str(url) if url else None, href(src)))
        return tuple(out)

    for row in rows:
        value = {k: v["value"] for k, v in row.items()}
        entity = URIRef(value["entity"])
        event = URIRef(value["event"])
        plan = value.get("plan") == "true"
        entity_label = value.get("entityLabel") or label(graph, entity) or str(entity)
        if event == AIF.selectionDate:
            kind, what, about = "selection", "selection", entity
        elif event == AIF.inaugurationDate:
            kind, what, about = "inauguration", "inaugurated", entity
        elif str(event).startswith(str(AIF)):
            kind, what, about = "event", value.get("eventLabel") or str(event), entity
        else:
            kind = "plan" if plan else "event"
            what = value.get("eventLabel") or ("deployment (planned)" if plan else "event")
            about = event
        key = (kind, str(entity), _normalise(what))
        item = items.setdefault(key, Item(kind, entity, entity_label, what))
        item.claims.append(Claim(value["date"], value.get("notBefore") == "true", cited(about)))
    return sorted(items.values(), key=lambda i: (i.date, i.entity_label.casefold()))


def _normalise(text: str) -> str:
    return " ".join(text.casefold().split())
