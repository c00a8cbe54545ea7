"""SPARQL 1.1 Protocol at ``/sparql`` (query operation only) and the VoID document.

GET ``?query=``, POST form-encoded, POST ``application/sparql-query``; ``default-graph-uri`` and
``named-graph-uri`` override the query's FROM / FROM NAMED. Any update operation is refused with
403 before anything is parsed, a body in any charset but UTF-8 with 400. A graph named by the
dataset parameters or FROM that the store does not hold is an empty graph, never fetched.
Queries run on the server's runner (timeout, row cap, no network).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from aifactories.server import negotiation as neg
from aifactories.server.responses import (
    error_response,
    from_reply,
    public_base,
    rdf_response,
    site_of,
)
from aifactories.server.worker import SparqlTask

#: Largest request body accepted (a query, not a data upload).
MAX_BODY = 1_000_000
FORM_TYPE = "application/x-www-form-urlencoded"
UPDATE_REFUSED = "SPARQL Update is not allowed: this endpoint is read-only"


async def sparql(request: Request) -> Response:
    """The protocol endpoint; without a query, GET (and HEAD) answer the service description."""
    params: list[tuple[str, str]] = list(request.query_params.multi_items())
    if request.method == "POST":
        ctype, charset = _content_type(request.headers.get("content-type", ""))
        if ctype == "application/sparql-update":
            return error_response(request, 403, UPDATE_REFUSED)
        if charset not in (None, "utf-8", "utf8"):
            return error_response(
                request, 400, f"the request body must be UTF-8, not charset={charset}"
            )
        body = await _body(request)
        if body is None:
            return error_response(request, 413, f"the request body is over {MAX_BODY} bytes")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return error_response(request, 400, "the request body is not UTF-8")
        if ctype == FORM_TYPE:
            params += parse_qsl(text, keep_blank_values=True)
        elif ctype == "application/sparql-query":
            params.append(("query", text))
        else:
            return error_response(
                request,
                415,
                f"unsupported Content-Type {ctype or '(none)'!r}: POST a query as "
                f"{FORM_TYPE} or application/sparql-query",
            )
    values: dict[str, list[str]] = {}
    for key, value in params:
        values.setdefault(key, []).append(value)
    if "update" in values:
        return error_response(request, 403, UPDATE_REFUSED)
    queries = values.get("query", [])
    if not queries:
        if "default-graph-uri" in values or "named-graph-uri" in values:
            return error_response(
                request, 400, "default-graph-uri and named-graph-uri need a query to apply to"
            )
        if request.method in ("GET", "HEAD"):
            return service_description(request, values.get("format", []))
        return error_response(request, 400, "no query: send it as the 'query' parameter")
    if len(queries) > 1:
        return error_response(request, 400, "give exactly one 'query' parameter")
    site = site_of(request)
    task = SparqlTask(
        query=queries[0],
        default_graphs=tuple(values.get("default-graph-uri", [])),
        named_graphs=tuple(values.get("named-graph-uri", [])),
        accept=request.headers.get("accept"),
        formats=tuple(values.get("format", [])),
        row_cap=site.settings.row_cap,
        base_iri=public_base(request) + "sparql",
    )
    reply = await site.pool.submit(task)
    return from_reply(request, reply)


def _content_type(header: str) -> tuple[str, str | None]:
    """The media type of a Content-Type header, and its charset parameter if any (lower case)."""
    media, *rest = header.split(";")
    charset = None
    for param in rest:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


async def _body(request: Request) -> bytes | None:
    """The request body, or None when it is larger than MAX_BODY."""
    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > MAX_BODY:
        return None
    chunks = bytearray()
    async for chunk in request.stream():
        chunks += chunk
        if len(chunks) > MAX_BODY:
            return None
    return bytes(chunks)


def service_description(request: Request, formats: list[str]) -> Response:
    """The SPARQL 1.1 Service Description, Turtle by default."""
    site = site_of(request)
    offered = (neg.TURTLE, neg.NTRIPLES, neg.JSONLD, neg.RDFXML, neg.HTML)
    try:
        fmt = neg.negotiate(
            request.headers.get("accept"), formats, offered, "the service description"
        )
    except neg.NotAcceptable as exc:
        return error_response(request, 406, str(exc))
    graph = site.descriptions.service(public_base(request))
    return rdf_response(request, graph, fmt, title="SPARQL service description")


async def void(request: Request) -> Response:
    """The VoID description of the dataset (statistics computed at start-up)."""
    site = site_of(request)
    offered = (neg.TURTLE, neg.NTRIPLES, neg.JSONLD, neg.RDFXML, neg.HTML)
    try:
        fmt = neg.negotiate(
            request.headers.get("accept"),
            request.query_params.getlist("format"),
            offered,
            "the VoID description",
        )
    except neg.NotAcceptable as exc:
        return error_response(request, 406, str(exc))
    graph = site.descriptions.void(public_base(request))
    return rdf_response(request, graph, fmt, title="VoID description of the dataset")
