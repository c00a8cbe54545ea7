"""The one format table: names, aliases and media types of query results, per query form.

Plain data (no pyoxigraph, no rdflib), so that the CLI's ``--format`` choices, the server's
media types and the writer (``results``) share it without slowing down start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

from aifactories.errors import InputError, UnsupportedFormatError

#: Query forms, as the first keyword after the prologue.
FORMS: tuple[str, ...] = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
#: Forms whose result is a graph (the others give solutions or a boolean).
GRAPH_FORMS: tuple[str, ...] = ("CONSTRUCT", "DESCRIBE")


@dataclass(frozen=True)
class Format:
    """One output format: its name, aliases, and its media type per kind of result."""

    name: str
    #: Media type for SELECT/ASK results (None: not offered for them).
    solutions: str | None
    #: Media type for CONSTRUCT/DESCRIBE results (None: not offered for them).
    graph: str | None
    #: Offered for SELECT but not ASK (SPARQL 1.1 CSV and TSV).
    select_only: bool = False
    aliases: tuple[str, ...] = ()
    description: str = ""


#: The one format table: the CLI's ``--format`` choices, the server's media types, the docs.
FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("table", "text/plain", "text/plain", description="aligned text for a terminal"),
        Format("csv", "text/csv", None, select_only=True, description="SPARQL 1.1 CSV"),
        Format(
            "tsv", "text/tab-separated-values", None, select_only=True, description="SPARQL 1.1 TSV"
        ),
        Format("json", "application/sparql-results+json", None, description="SPARQL 1.1 JSON"),
        Format(
            "xml",
            "application/sparql-results+xml",
            "application/rdf+xml",
            description="SPARQL XML results; RDF/XML for graphs",
        ),
        Format("turtle", None, "text/turtle", aliases=("ttl",), description="Turtle"),
        Format("nt", None, "application/n-triples", description="N-Triples"),
        Format("jsonld", None, "application/ld+json", description="JSON-LD, compacted"),
    )
}
#: Alias -> format name (``ttl`` is Turtle).
ALIASES: dict[str, str] = {a: f.name for f in FORMATS.values() for a in f.aliases}
#: Every name ``--format`` accepts, aliases included.
FORMAT_NAMES: tuple[str, ...] = (*FORMATS, *ALIASES)
#: The format used when none is asked for.
DEFAULT_SOLUTIONS_FORMAT = "table"
DEFAULT_GRAPH_FORMAT = "turtle"


def formats_for(form: str) -> tuple[str, ...]:
    """The format names that exist for a query of ``form`` (SELECT, ASK, CONSTRUCT, DESCRIBE)."""
    if form in GRAPH_FORMS:
        return tuple(f.name for f in FORMATS.values() if f.graph)
    return tuple(
        f.name for f in FORMATS.values() if f.solutions and not (f.select_only and form == "ASK")
    )


def default_format(form: str) -> str:
    """``table`` for SELECT/ASK, ``turtle`` for CONSTRUCT/DESCRIBE."""
    return DEFAULT_GRAPH_FORMAT if form in GRAPH_FORMS else DEFAULT_SOLUTIONS_FORMAT


def check_format(form: str, name: str | None) -> str:
    """The canonical format name for ``name`` (default: the form's), if it exists for ``form``.

    Raises UnsupportedFormatError naming the formats that do exist, InputError for a name that
    is no format at all.
    """
    if name is None:
        return default_format(form)
    canonical = ALIASES.get(name, name)
    found = FORMATS.get(canonical)
    if found is None:
        raise InputError(f"unknown format {name!r}; choose one of {', '.join(FORMAT_NAMES)}")
    available = formats_for(form)
    if canonical not in available:
        if found.select_only and form == "ASK":
            why = "is for SELECT results only (SPARQL 1.1 defines CSV and TSV for SELECT)"
        elif form in GRAPH_FORMS:
            why = "is for SELECT/ASK results"
        else:
            why = "is for CONSTRUCT/DESCRIBE results"
        raise UnsupportedFormatError(form, name, available, why)
    return canonical


def media_type(form: str, name: str) -> str:
    """The media type of format ``name`` for a result of ``form`` (checked by check_format)."""
    found = FORMATS[check_format(form, name)]
    media = found.graph if form in GRAPH_FORMS else found.solutions
    assert media is not None
    return media
