"""Content negotiation: Accept with q-values, the ``format=`` parameter, and what each form offers.

Pure functions with no web-framework import, so the query workers (separate processes) and the
request handlers agree on the same tables.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    """One serialisation: its media type, its rdflib name, extensions and short names."""

    media_type: str
    rdflib_name: str
    extensions: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        """The Content-Type header: text formats say they are UTF-8."""
        return f"{self.media_type}; charset=utf-8"


SPARQL_JSON = Format(
    "application/sparql-results+json", "json", (".srj",), ("json", "srj"), ("application/json",)
)
SPARQL_XML = Format(
    "application/sparql-results+xml", "xml", (".srx",), ("xml", "srx"), ("application/xml",)
)
CSV = Format("text/csv", "csv", (".csv",), ("csv",))
TSV = Format("text/tab-separated-values", "tsv", (".tsv",), ("tsv",))

TURTLE = Format(
    "text/turtle",
    "turtle",
    (".ttl",),
    ("turtle", "ttl", "n3"),
    ("application/x-turtle", "application/turtle", "text/n3", "text/rdf+n3", "application/n3"),
)
NTRIPLES = Format(
    "application/n-triples", "nt", (".nt",), ("nt", "ntriples", "n-triples"), ("text/plain",)
)
JSONLD = Format(
    "application/ld+json",
    "json-ld",
    (".jsonld",),
    ("json-ld", "jsonld", "json"),
    ("application/json", "application/x-json+ld"),
)
RDFXML = Format(
    "application/rdf+xml",
    "xml",
    (".rdf", ".owl"),
    ("rdf+xml", "rdfxml", "xml", "rdf"),
    ("application/xml", "text/xml"),
)
HTML = Format("text/html", "html", (".html",), ("html",), ("application/xhtml+xml",))

#: Plain JSON documents (the API's listings, error bodies) and plain text (error bodies).
JSON = Format("application/json", "json", (".json",), ("json",))
TEXT = Format("text/plain", "text", (".txt",), ("text",))

#: What SELECT and ASK results are offered in, the server's preference first.
RESULT_FORMATS: tuple[Format, ...] = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
#: What CONSTRUCT and DESCRIBE graphs (and linked-data documents) are offered in.
GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, NTRIPLES, JSONLD, RDFXML)
#: A linked-data resource: a page for people first, then the graph formats.
PAGE_FORMATS: tuple[Format, ...] = (HTML, *GRAPH_FORMATS)

#: What an ASK answer is offered in: SPARQL 1.1 defines CSV and TSV for SELECT results only.
BOOLEAN_FORMATS: tuple[Format, ...] = (SPARQL_JSON, SPARQL_XML)

FORMS_OFFER: dict[str, tuple[Format, ...]] = {
    "SELECT": RESULT_FORMATS,
    "ASK": BOOLEAN_FORMATS,
    "CONSTRUCT": GRAPH_FORMATS,
    "DESCRIBE": GRAPH_FORMATS,
}


class NotAcceptable(Exception):
    """No offered format satisfies the request; the message lists what is offered."""

    def __init__(self, wanted: str, offered: Sequence[Format], what: str = "this resource") -> None:
        self.offered = tuple(offered)
        listing = ", ".join(f.media_type for f in offered)
        super().__init__(f"no offered format satisfies {wanted!r}; {what} is offered as: {listing}")


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)


def parse_accept(header: str | None) -> list[MediaRange]:
    """Media ranges of an Accept header with their q-values; a missing header means ``*/*``."""
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    ranges: list[MediaRange] = []
    for item in header.split(","):
        parts = [p.strip() for p in item.split(";")]
        main, _, sub = parts[0].lower().partition("/")
        if not main or not sub:
            continue
        q = 1.0
        for param in parts[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(main, sub, q))
    return ranges


def _quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The q of the most specific range matching ``media_type`` (RFC 9110 §12.5.1), or 0."""
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity > best.specificity):
            best = r
    return best.q if best else 0.0


@functools.lru_cache(maxsize=512)
def choose(accept: str | None, offered: Sequence[Format], what: str = "this resource") -> Format:
    """The offered format the client prefers most; ties go to the server's order.

    An alias (``application/json`` for SPARQL JSON results) counts as its format. Raises
    NotAcceptable when every offered type has q=0 for the client.
    """
    ranges = parse_accept(accept)
    best: tuple[float, int, Format] | None = None
    for index, fmt in enumerate(offered):
        q = max(_quality(ranges, t) for t in (fmt.media_type, *fmt.aliases))
        if q > 0 and (best is None or q > best[0]):
            best = (q, index, fmt)
    if best is None:
        raise NotAcceptable(accept or "", offered, what)
    return best[2]


def by_name(values: Iterable[str], offered: Sequence[Format], what: str) -> Format | None:
    """The format named by a ``format=`` value (short name or media type), if any was given.

    Several values are allowed (SPARQLWrapper sends ``format=tsv&format=text/tab-separated-
    values``): the first one that names an offered format wins. Values given but none usable
    raise NotAcceptable.
    """
    given = [v.strip().lower() for v in values if v and v.strip()]
    if not given:
        return None
    for value in given:
        media = value.split(";")[0].strip()
        for fmt in offered:
            if value in fmt.names or media == fmt.media_type or media in fmt.aliases:
                return fmt
    raise NotAcceptable("format=" + ",".join(given), offered, what)


def by_extension(extension: str, offered: Sequence[Format]) -> Format | None:
    """The format for a file extension such as ``.ttl``, or None."""
    for fmt in offered:
        if extension.lower() in fmt.extensions:
            return fmt
    return None


def negotiate(
    accept: str | None, format_values: Iterable[str], offered: Sequence[Format], what: str
) -> Format:
    """``format=`` when given (it exists for tools that cannot set headers), else Accept."""
    named = by_name(format_values, offered, what)
    return named if named is not None else choose(accept, offered, what)
