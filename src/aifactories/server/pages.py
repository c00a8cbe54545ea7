"""Server-rendered pages: the network at a glance, the query page, and every entity's page.

Pages that only show data work with JavaScript off: filters and stored-query forms are plain
GET forms, result tables sort through links, and the network picture is inline SVG.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from aifactories.errors import AIFactoriesError
from aifactories.server import negotiation as neg
from aifactories.server import timeline
from aifactories.server.geo import wave_order
from aifactories.server.linked_data import PropertyValues, Value
from aifactories.server.network import FilterError, Filters, NodeRow, parse_as_of
from aifactories.server.responses import error_response, rdf_response, site_of
from aifactories.server.site import Site, json_bytes
from aifactories.server.worker import TRUNCATED_HEADER, DotTask, Reply, SparqlTask, StoredTask
from aifactories.terms import curie

#: What the query page asks the workers for: JSON results, or Turtle for graph results.
PAGE_ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"
RESULTS_JSON = "application/sparql-results+json"


def render(site: Site, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = site.templates.get_template(name).render(**context)
    return HTMLResponse(html, status_code=status)


# --- the home page ---------------------------------------------------------------------------


async def home(request: Request) -> Response:
    """Every AI Factory with country, host, systems and wave; filters; the network picture."""
    site = site_of(request)
    filters = _filters(request)
    try:
        rows = await select_rows(site, filters)
    except PageError as exc:
        return error_response(request, exc.status, str(exc))
    svg, note = await network_svg(site, rows)
    return render(
        site,
        "home.html",
        active="home",
        filters=filters,
        factories=[r for r in rows if r.kind == "factory"],
        antennas=[r for r in rows if r.kind == "antenna"],
        network=site.network,
        svg=svg,
        svg_note=note,
        svg_link=f"{site.settings.root_path}/network.svg" + _qs(filters.query()),
        href=site.linked.href,
    )


class PageError(Exception):
    """A request a page cannot answer: the status and a one-line message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _filters(request: Request) -> Filters:
    qp = request.query_params
    return Filters(
        country=qp.get("country", "").strip(),
        sector=qp.get("sector", "").strip(),
        system_kind=qp.get("system_kind", "").strip(),
        as_of=qp.get("as_of", "").strip(),
    )


#: The stored queries that answer "as of a date", and the variable holding the node.
AS_OF_QUERIES = (("factories-as-of", "factory"), ("antennas-as-of", "antenna"))


async def selected_as_of(site: Site, date: str) -> set[str]:
    """IRIs of the factories and antennas selected on or before ``date``.

    Asked of the stored queries 011 and 018 through the worker pool, so the page shows exactly
    what ``aifactories query factories-as-of --param date=...`` answers.
    """
    out: set[str] = set()
    for name, var in AS_OF_QUERIES:
        reply = await site.pool.submit(
            StoredTask(name, (("date", date),), RESULTS_JSON, (), site.settings.row_cap)
        )
        if reply.error is not None:
            raise PageError(reply.status, reply.error)
        data = json.loads(reply.body)
        out |= {b[var]["value"] for b in data["results"]["bindings"] if var in b}
    return out


async def select_rows(site: Site, filters: Filters) -> list[NodeRow]:
    """The network rows passing ``filters``; the date through the stored queries."""
    try:
        rows = site.network.select(replace(filters, as_of=""))
        as_of = parse_as_of(filters.as_of)
    except FilterError as exc:
        raise PageError(400, str(exc)) from None
    if as_of is None:
        return rows
    selected = await selected_as_of(site, as_of.isoformat())
    return [r for r in rows if str(r.ref.iri) in selected]


async def network_picture(request: Request) -> Response:
    """The network picture alone, as an SVG document (same filters as the home page)."""
    site = site_of(request)
    try:
        rows = await select_rows(site, _filters(request))
    except PageError as exc:
        return error_response(request, exc.status, str(exc))
    svg, note = await network_svg(site, rows, inline=False)
    if svg is None:
        return error_response(request, 503, note or "the network picture is not available")
    return Response(svg, media_type="image/svg+xml; charset=utf-8")


async def map_page(request: Request) -> Response:
    """The map of Europe: every node at its city, coloured by wave, as of a date."""
    site = site_of(request)
    filters = _filters(request)
    try:
        rows = await select_rows(site, filters)
    except PageError as exc:
        return error_response(request, exc.status, str(exc))
    drawing = site.europe.draw(rows, wave_order(site.network.rows))
    return render(
        site,
        "map.html",
        active="map",
        filters=filters,
        drawing=drawing,
        factories=sum(1 for m in drawing.markers if m.kind == "factory"),
        antennas=sum(1 for m in drawing.markers if m.kind == "antenna"),
        missing=[r for r in rows if r.ref.iri not in {m.ref.iri for m in drawing.markers}],
        dates=site.network.as_of_options,
        href=site.linked.href,
    )


async def network_svg(
    site: Site, rows: list[NodeRow], inline: bool = True
) -> tuple[str | None, str | None]:
    """The graphviz picture of ``rows`` (cached), or None and a plain message why not."""
    if not rows:
        return None, "No node matches the filters, so there is nothing to draw."
    hrefs = {}
    for row in rows:
        for iri in (
            row.ref.iri,
            *(m.organisation.iri for m in row.members),
            *(s.system.iri for s in row.systems),
        ):
            hrefs[iri] = site.linked.href(iri) or ""
    source = site.network.dot(rows, hrefs)
    key = hashlib.sha256(source.encode()).hexdigest()
    cached = site.svg_cache.get(key)
    if cached is None:
        reply = await site.pool.submit(DotTask(source, timeout=site.settings.timeout))
        if reply.error is not None:
            if reply.status == 501:
                site.remember_svg(key, reply.error)
            return None, _svg_problem(reply)
        cached = reply.body
        site.remember_svg(key, cached)
    if isinstance(cached, str):
        return None, _svg_problem(Reply.fail(501, cached))
    text = cached.decode("utf-8")
    if inline:
        text = text[text.find("<svg") :]
    return text, None


def _svg_problem(reply: Reply) -> str:
    if reply.status == 501:
        return (
            "The network picture needs graphviz's dot program, which is not installed on "
            "this server; the tables above list the same network."
        )
    return f"The network picture could not be drawn ({reply.error})."


def _qs(params: dict[str, str]) -> str:
    return "?" + urlencode(params) if params else ""


async def stored_rows(site: Site, name: str, values: dict[str, str] | None = None) -> list[dict]:
    """The SPARQL JSON bindings of a stored query, run through the worker pool."""
    params = tuple((values or {}).items())
    reply = await site.pool.submit(
        StoredTask(name, params, RESULTS_JSON, (), site.settings.row_cap)
    )
    if reply.error is not None:
        raise PageError(reply.status, reply.error)
    return list(json.loads(reply.body)["results"]["bindings"])


async def timeline_page(request: Request) -> Response:
    """Selections, kick-offs, inaugurations and plans by year (stored query 020)."""
    site = site_of(request)
    try:
        rows = await stored_rows(site, "network-timeline")
    except PageError as exc:
        return error_response(request, exc.status, str(exc))
    items = timeline.build(rows, site.kg.union, site.linked.href)
    years: dict[str, list[timeline.Item]] = {}
    for item in items:
        years.setdefault(item.year, []).append(item)
    return render(
        site,
        "timeline.html",
        active="timeline",
        years=years,
        disputed=sum(1 for i in items if i.disputed),
        href=site.linked.href,
    )


@dataclass(frozen=True)
class Question:
    """A question in words and the stored query that answers it."""

    text: str
    query: Any
    example: dict[str, str]


#: Example values for parameters that have no default, by type (the date of the last selection).
_EXAMPLES = {"xsd:date": "2025-10-31"}


def questions(catalogue: Any) -> dict[str, list[Question]]:
    """The stored queries' questions, grouped by topic (each query's first tag).

    A query's description opens with the question it answers ("Which AI Factories ...?"); the
    summary stands in where it does not.
    """
    groups: dict[str, list[Question]] = {}
    for q in catalogue or []:
        text = q.description.strip()
        question = text[: text.index("?") + 1] if "?" in text else q.summary
        example = {p.name: p.default or _EXAMPLES.get(p.type_curie, "") for p in q.params}
        example = {k: v for k, v in example.items() if v}
        topic = q.tags[0] if q.tags else "other"
        groups.setdefault(topic, []).append(Question(" ".join(question.split()), q, example))
    return dict(sorted(groups.items()))


#: The competency questions of a source checkout (tests/competency/questions.yaml).
COMPETENCY = Path(__file__).resolve().parents[3] / "tests" / "competency" / "questions.yaml"


def competency_questions(catalogue: Any, path: Path = COMPETENCY) -> dict[str, list[Question]]:
    """The competency questions in words, by topic, each with its stored query and parameters.

    Read from ``path`` when it exists (a source checkout; the file is the test suite's) and
    PyYAML is installed; questions whose query the catalogue lacks are left out. Empty otherwise.
    """
    try:
        import yaml

        entries = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else []
    except (ImportError, OSError, ValueError):
        return {}
    names = set(catalogue.names()) if catalogue is not None else set()
    groups: dict[str, list[Question]] = {}
    for entry in entries or []:
        if not isinstance(entry, dict) or entry.get("query") not in names:
            continue
        params = {str(k): str(v) for k, v in (entry.get("params") or {}).items()}
        topic = str(entry.get("topic") or "other")
        question = Question(str(entry.get("question", "")), catalogue.get(entry["query"]), params)
        groups.setdefault(topic, []).append(question)
    return dict(sorted(groups.items()))


async def questions_page(request: Request) -> Response:
    """The questions the graph answers, in words, each one click from its answer and SPARQL."""
    site = site_of(request)
    return render(
        site,
        "questions.html",
        active="questions",
        competency=competency_questions(site.catalogue),
        groups=questions(site.catalogue),
        answer_link=lambda q: (
            f"{site.settings.root_path}/query?"
            + urlencode({"name": q.query.name, **q.example})
            + "#results-heading"
        ),
    )


async def query_text(request: Request) -> Response:
    """A stored query's file, as text (``/queries/<name>.rq``)."""
    site = site_of(request)
    name = request.path_params["name"]
    try:
        stored = site.catalogue.get(name) if site.catalogue is not None else None
    except AIFactoriesError as exc:
        return error_response(request, 404, str(exc))
    if stored is None:
        return error_response(request, 404, "no stored queries are loaded")
    return Response(stored.text, media_type="application/sparql-query; charset=utf-8")


# --- search ------------------------------------------------------------------------------------

SEARCH_LIMIT = 50
#: Characters of a search text.
SEARCH_TEXT_LIMIT = 200


def _search(
    request: Request, *, required: bool = False
) -> tuple[str, int, list[dict[str, str]]] | Response:
    """The search of ``q`` (``required`` on the API; the page shows an empty box without it)."""
    site = site_of(request)
    if required and "q" not in request.query_params:
        return error_response(request, 400, "parameter 'q' (the text to search for) is required")
    query = request.query_params.get("q", "").strip()
    try:
        limit = int(request.query_params.get("limit", "20"))
    except ValueError:
        return error_response(request, 400, "limit must be a whole number")
    if not 1 <= limit <= SEARCH_LIMIT:
        return error_response(request, 400, f"limit must be between 1 and {SEARCH_LIMIT}")
    if len(query) > SEARCH_TEXT_LIMIT:
        return error_response(
            request, 400, f"the search text is longer than {SEARCH_TEXT_LIMIT} characters"
        )
    hits = site.search.search(query, limit) if query else []
    return query, limit, [h.as_dict(site.linked.href(h.iri) or str(h.iri)) for h in hits]


async def search_api(request: Request) -> Response:
    """``/api/search?q=...&limit=...``: entities by label, acronym, alternative or native name."""
    found = _search(request, required=True)
    if isinstance(found, Response):
        return found
    query, limit, results = found
    body = {"query": query, "limit": limit, "results": results}
    return Response(json_bytes(body), media_type="application/json")


async def search_page(request: Request) -> Response:
    """The search results as a page (the header's search box without JavaScript)."""
    found = _search(request)
    if isinstance(found, Response):
        return found
    query, _, results = found
    return render(
        site_of(request), "search.html", active="search", search_query=query, results=results
    )


async def api_page(request: Request) -> Response:
    """The REST API, readable: Swagger UI (bundled) on the OpenAPI document."""
    return render(site_of(request), "api.html", active="api")


# --- the query page --------------------------------------------------------------------------


@dataclass
class ResultTable:
    """Query results ready for a page: a table, a boolean, or a graph as Turtle."""

    kind: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[Value | None]] = field(default_factory=list)
    boolean: bool | None = None
    turtle: str = ""
    truncated: int | None = None


async def query_page(request: Request) -> Response:
    """The editor, the stored queries with their parameter fields, and results."""
    site = site_of(request)
    qp = request.query_params
    catalogue = list(site.catalogue or [])
    name = qp.get("name", "").strip()
    free = qp.get("query", "")
    stored = None
    values: dict[str, str] = {}
    reply: Reply | None = None
    editor_text = ""
    if name:
        try:
            stored = site.catalogue.get(name) if site.catalogue is not None else None
        except AIFactoriesError as exc:
            return error_response(request, 404, str(exc))
        if stored is None:
            return error_response(request, 404, "no stored queries are loaded")
        values = {p.name: qp[p.name].strip() for p in stored.params if qp.get(p.name, "").strip()}
        reply = await site.pool.submit(
            StoredTask(stored.name, tuple(values.items()), PAGE_ACCEPT, (), site.settings.row_cap)
        )
        editor_text = bound_text(site, stored, values)
    elif free.strip():
        reply = await site.pool.submit(
            SparqlTask(query=free, accept=PAGE_ACCEPT, row_cap=site.settings.row_cap)
        )
        editor_text = free
    result, error, status = None, None, 200
    if reply is not None:
        if reply.error is not None:
            error, status = reply.error, reply.status
        else:
            result = _result_table(site, reply)
            _sort(result, qp.get("sort", ""), qp.get("dir", "asc"))
    base_params = {"name": stored.name, **values} if stored else ({"query": free} if free else {})
    downloads = (
        _downloads(site, stored, values, free) if reply is not None and error is None else []
    )
    return render(
        site,
        "query.html",
        status=status,
        catalogue=catalogue,
        stored=stored,
        values=values,
        editor_text=editor_text or _DEFAULT_QUERY,
        result=result,
        error=error,
        sort=qp.get("sort", ""),
        direction=qp.get("dir", "asc"),
        sort_link=lambda col, d: "?" + urlencode({**base_params, "sort": col, "dir": d}),
        downloads=downloads,
    )


def bound_text(site: Site, stored: Any, values: dict[str, str]) -> str:
    """The stored query's text with its parameters bound by a visible ``VALUES`` block.

    Pressing Run in the editor then gives the rows the form gave; the user can change the
    values there. Without parameters (or with values that do not bind) the text is unchanged.
    """
    if not stored.params:
        return str(stored.text)
    from aifactories.query.binding import bind
    from aifactories.query.engines import OxigraphEngine, RdflibEngine

    engine = OxigraphEngine(site.store) if site.store is not None else RdflibEngine(site.kg)
    try:
        bound = bind(stored, values, engine)
    except AIFactoriesError:
        return str(stored.text)
    if not bound:
        return str(stored.text)
    text = str(stored.text)
    match = re.search(r"\bWHERE\s*\{", text, re.IGNORECASE)
    if match is None:
        return text
    names = " ".join(f"?_{name}" for name in bound)
    terms = " ".join(str(term) for term in bound.values())  # N-Triples syntax
    block = f"\n  # the form's parameters: change them here\n  VALUES ({names}) {{ ({terms}) }}\n"
    return text[: match.end()] + block + text[match.end() :]


_DEFAULT_QUERY = """PREFIX aif: <https://w3id.org/aifactories/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?factory ?label WHERE {
  ?factory a aif:AIFactory ; rdfs:label ?label .
}
ORDER BY ?label
"""


def _downloads(site: Site, stored: Any, values: dict[str, str], free: str) -> list[tuple[str, str]]:
    root = site.settings.root_path
    if stored is not None:
        form = stored.form
        base = f"{root}/api/queries/{stored.name}"
        params = dict(values)
    else:
        form = _guess_form(free)
        base = f"{root}/sparql"
        params = {"query": free}
    kinds = (
        (("CSV", "csv"), ("JSON", "json"))
        if form in ("SELECT", "ASK", "")
        else (("Turtle", "turtle"), ("JSON-LD", "json-ld"))
    )
    return [(label, base + "?" + urlencode({**params, "format": fmt})) for label, fmt in kinds]


def _guess_form(text: str) -> str:
    from aifactories.query.syntax import query_form

    return query_form(text) or ""


def _result_table(site: Site, reply: Reply) -> ResultTable:
    truncated = reply.headers.get(TRUNCATED_HEADER)
    cap = int(truncated) if truncated else None
    if reply.content_type.startswith("text/turtle"):
        return ResultTable("graph", turtle=reply.body.decode("utf-8"), truncated=cap)
    data = json.loads(reply.body)
    if "boolean" in data:
        return ResultTable("boolean", boolean=bool(data["boolean"]))
    columns = list(data["head"].get("vars", []))
    rows = []
    for binding in data["results"]["bindings"]:
        rows.append(
            [site.linked.value(_term(binding[c])) if c in binding else None for c in columns]
        )
    return ResultTable("table", columns=columns, rows=rows, truncated=cap)


def _term(binding: dict[str, str]) -> Node:
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    return Literal(value, lang=binding.get("xml:lang"), datatype=binding.get("datatype"))


def _sort(result: ResultTable, column: str, direction: str) -> None:
    if result.kind != "table" or column not in result.columns:
        return
    index = result.columns.index(column)

    def key(row: list[Value | None]) -> tuple[int, float, str]:
        cell = row[index]
        if cell is None:
            return (2, 0.0, "")
        try:
            number = float(cell.text)
            if math.isfinite(number) and cell.kind == "literal":
                return (0, number, "")
        except ValueError:
            pass
        return (1, 0.0, cell.text.casefold())

    result.rows.sort(key=key, reverse=direction == "desc")


# --- linked data -----------------------------------------------------------------------------


async def resource(request: Request) -> Response:
    """An IRI under the base, by its path: HTML for browsers, RDF by Accept or extension."""
    site = site_of(request)
    path = request.url.path.removeprefix(site.settings.root_path)
    stem, fmt = path, None
    for ext in (".ttl", ".nt", ".jsonld", ".rdf", ".owl", ".html"):
        if path.endswith(ext):
            candidate = site.linked.iri_for_path(path[: -len(ext)])
            if site.linked.resolvable(candidate):
                stem, fmt = path[: -len(ext)], neg.by_extension(ext, neg.PAGE_FORMATS)
            break
    iri = site.linked.iri_for_path(stem)
    return await _serve(request, site, iri, fmt)


async def describe(request: Request) -> Response:
    """Any IRI the graph describes, by ``?iri=`` (countries and other IRIs minted elsewhere)."""
    site = site_of(request)
    iri = request.query_params.get("iri", "").strip()
    if not iri:
        return error_response(request, 400, "give the IRI to describe as ?iri=")
    local = site.linked.local_path(iri)
    if local is not None and "#" not in local:
        return RedirectResponse(local, status_code=303)
    return await _serve(request, site, URIRef(iri), None)


async def _serve(request: Request, site: Site, iri: URIRef, fmt: neg.Format | None) -> Response:
    """The description of ``iri`` in ``fmt`` (negotiated when None), cached: the graph is fixed."""
    if not site.linked.resolvable(iri):
        return error_response(request, 404, f"nothing is known about <{iri}>")
    if fmt is None:
        try:
            fmt = neg.negotiate(
                request.headers.get("accept"),
                request.query_params.getlist("format"),
                neg.PAGE_FORMATS,
                f"<{iri}>",
            )
        except neg.NotAcceptable as exc:
            return error_response(request, 406, str(exc))
    key = (str(iri), fmt.media_type)
    cached = site.pages.get(key)
    if cached is None:
        cached = _describe(request, site, iri, fmt)
        site.remember_page(key, cached)
    body, media_type = cached
    headers = {"Vary": "Accept", "Link": f'<{iri}>; rel="canonical"'}
    return Response(body, media_type=media_type, headers=headers)


def _describe(request: Request, site: Site, iri: URIRef, fmt: neg.Format) -> tuple[bytes, str]:
    if fmt is not neg.HTML:
        response = rdf_response(request, site.linked.description(iri), fmt)
        return bytes(response.body), fmt.content_type
    if iri == site.linked.ontology:
        html = render(site, "ontology.html", **_ontology_context(site))
        return bytes(html.body), "text/html; charset=utf-8"
    view = site.linked.view(iri)
    path = site.linked.local_path(str(iri))
    alternates = [
        (
            f.media_type,
            (path + f.extensions[0])
            if path
            else f"{site.settings.root_path}/describe?"
            + urlencode({"iri": str(iri), "format": f.names[0]}),
        )
        for f in neg.GRAPH_FORMATS
    ]
    html = render(site, "entity.html", view=view, alternates=alternates)
    return bytes(html.body), "text/html; charset=utf-8"


def _ontology_context(site: Site) -> dict[str, Any]:
    """The ontology page: its header, then its classes and properties with their axioms."""
    g = site.linked.ontology_graph()
    ld = site.linked
    prefix = str(ld.ontology) + "#"
    kinds = {
        "Classes": (OWL.Class, RDFS.Class),
        "Object properties": (OWL.ObjectProperty,),
        "Datatype properties": (OWL.DatatypeProperty,),
    }
    sections = []
    for heading, types in kinds.items():
        terms = sorted(
            {
                s
                for t in types
                for s in g.subjects(RDF.type, t)
                if isinstance(s, URIRef) and str(s).startswith(prefix)
            },
            key=str,
        )
        entries = []
        for term in terms:
            props: dict[Node, PropertyValues] = {}
            for p, o in sorted(g.predicate_objects(term), key=lambda po: (str(po[0]), str(po[1]))):
                if isinstance(o, BNode):
                    continue
                props.setdefault(p, PropertyValues(ld.value(p))).values.append(ld.value(o))
            entries.append(
                {
                    "anchor": str(term)[len(prefix) :],
                    "label": ld.label_of(term) or curie(term),
                    "curie": curie(term),
                    "iri": str(term),
                    "properties": list(props.values()),
                }
            )
        sections.append((heading, entries))
    return {"view": ld.view(ld.ontology), "sections": sections}


async def graph_dump(request: Request) -> Response:
    """The asserted or the inferred named graph, whole (VoID's data dumps)."""
    site = site_of(request)
    name = request.path_params["name"]
    fmt: neg.Format | None = None
    for ext in (".ttl", ".nt", ".jsonld", ".rdf"):
        if name.endswith(ext):
            name, fmt = name[: -len(ext)], neg.by_extension(ext, neg.GRAPH_FORMATS)
    if name not in ("asserted", "inferred"):
        return error_response(request, 404, "the named graphs are 'asserted' and 'inferred'")
    if fmt is None:
        try:
            fmt = neg.negotiate(
                request.headers.get("accept"),
                request.query_params.getlist("format"),
                neg.GRAPH_FORMATS,
                "a named graph",
            )
        except neg.NotAcceptable as exc:
            return error_response(request, 406, str(exc))
    return Response(site.dump(name, fmt), media_type=fmt.content_type, headers={"Vary": "Accept"})
