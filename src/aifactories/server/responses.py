"""Response helpers shared by every route: the one error shape, RDF documents, worker replies."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from http import HTTPStatus

from rdflib import Graph
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from aifactories.server import negotiation as neg
from aifactories.server.site import Site
from aifactories.server.worker import Reply, rdf_bytes

log = logging.getLogger("aifactories.server")

#: Paths whose errors are always JSON (machine clients).
JSON_PATHS = ("/api", "/sparql", "/.well-known")


def site_of(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


def error_body(status: int, message: str) -> dict[str, dict[str, object]]:
    """The one JSON error shape: ``{"error": {"status", "reason", "message"}}``."""
    return {
        "error": {
            "status": status,
            "reason": HTTPStatus(status).phrase,
            "message": message,
        }
    }


def wants_html(request: Request) -> bool:
    """Whether an error should be a page: never on API paths, else when HTML is preferred."""
    path = request.url.path.removeprefix(site_of(request).settings.root_path)
    if path.startswith(JSON_PATHS):
        return False
    try:
        fmt = neg.choose(request.headers.get("accept"), (neg.HTML, neg.SPARQL_JSON))
    except neg.NotAcceptable:
        return False
    return fmt is neg.HTML


def error_response(
    request: Request, status: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """An error as JSON (API clients) or as a page (browsers), never with internals."""
    if wants_html(request):
        site = site_of(request)
        html = site.templates.get_template("error.html").render(
            status=status, reason=HTTPStatus(status).phrase, message=message
        )
        return HTMLResponse(html, status_code=status, headers=dict(headers or {}))
    if _error_format(request.headers.get("accept")) is neg.TEXT:
        return Response(
            f"{status} {HTTPStatus(status).phrase}: {message}\n".encode(),
            status_code=status,
            media_type=neg.TEXT.content_type,
            headers=dict(headers or {}),
        )
    return Response(
        json.dumps(error_body(status, message), ensure_ascii=False).encode("utf-8"),
        status_code=status,
        media_type="application/json",
        headers=dict(headers or {}),
    )


def _error_format(accept: str | None) -> neg.Format:
    """JSON, or plain text when only that is acceptable; JSON again when neither is (a 406
    must still say what is offered: RFC 9110 lets an error disregard Accept)."""
    try:
        return neg.choose(accept, (neg.JSON, neg.TEXT))
    except neg.NotAcceptable:
        return neg.JSON


def from_reply(request: Request, reply: Reply, vary: bool = True) -> Response:
    """A worker's reply as an HTTP response."""
    headers = dict(reply.headers)
    if vary:
        headers["Vary"] = "Accept"
    if reply.error is not None:
        return error_response(request, reply.status, reply.error, headers)
    return Response(
        reply.body, status_code=reply.status, headers=headers, media_type=reply.content_type
    )


def rdf_response(
    request: Request,
    graph: Graph,
    fmt: neg.Format,
    *,
    title: str = "",
    headers: Mapping[str, str] | None = None,
) -> Response:
    """``graph`` in ``fmt``; for HTML, the Turtle shown in a page."""
    extra = {"Vary": "Accept", **(headers or {})}
    if fmt is neg.HTML:
        site = site_of(request)
        turtle = rdf_bytes(graph, neg.TURTLE).decode("utf-8")
        html = site.templates.get_template("document.html").render(
            heading=title, turtle=turtle, path=request.url.path, triples=len(graph)
        )
        return HTMLResponse(html, headers=extra)
    return Response(rdf_bytes(graph, fmt), media_type=fmt.content_type, headers=extra)


def public_base(request: Request) -> str:
    """``http://host:port/`` (plus the root path) as the client reached the server."""
    root = site_of(request).settings.root_path.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}{root}/"
