"""The ASGI application: routes, CORS, errors, static files and the query runner's life cycle.

``create_app`` takes the loaded graph (``aifactories.graph.load()`` by default) and the store,
and prepares everything once. Handlers are async; queries run on the runner's threads
(Oxigraph) or in its forked pool (rdflib, whose workers fork before any thread exists).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from aifactories.graph import KnowledgeGraph
from aifactories.server import api, pages, protocol
from aifactories.server.responses import error_response, site_of
from aifactories.server.site import Settings, Site, json_bytes
from aifactories.server.worker import TRUNCATED_HEADER

log = logging.getLogger("aifactories.server")


async def static(request: Request) -> Response:
    """Bundled assets from memory, gzipped when the client accepts it, with an ETag."""
    site = site_of(request)
    item = site.static.get(request.path_params["path"])
    if item is None:
        return error_response(request, 404, "no such static file")
    headers = {
        "ETag": item.etag,
        "Cache-Control": "public, max-age=3600",
        "Vary": "Accept-Encoding",
    }
    if request.headers.get("if-none-match") == item.etag:
        return Response(status_code=304, headers=headers)
    if item.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(item.gzipped, media_type=item.content_type, headers=headers)
    return Response(item.body, media_type=item.content_type, headers=headers)


async def health(request: Request) -> Response:
    site = site_of(request)
    pool = site.pool
    body = {
        "status": "ok",
        "engine": site.settings.engine,
        "process": os.getpid(),
        "workers": pool.size,
        "idle": pool.idle,
        "restarts": pool.restarts,
        "triples": len(site.kg.union),
    }
    return Response(json_bytes(body), media_type="application/json")


async def favicon(request: Request) -> Response:
    return RedirectResponse(f"{site_of(request).settings.root_path}/static/favicon.svg", 301)


async def dataset(request: Request) -> Response:
    return RedirectResponse(f"{site_of(request).settings.root_path}/.well-known/void", 303)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: "no such page", 405: "method not allowed here"}.get(
        exc.status_code, str(exc.detail)
    )
    return error_response(request, exc.status_code, message, exc.headers)


async def server_error(request: Request, exc: Exception) -> Response:
    """A bug: logged with its traceback on the server, a plain message for the client."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request, 500, "internal server error (it has been logged)")


#: Pages load only the server's own scripts, styles and pictures (no CDN, no inline script),
#: may not be framed, and send forms only here.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeaders:
    """ASGI middleware: a Content-Security-Policy on every HTML answer, nosniff on all."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                kind = dict(headers).get(b"content-type", b"")
                if kind.startswith(b"text/html") and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
                if b"x-content-type-options" not in names:
                    headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(
    kg: KnowledgeGraph | None = None,
    settings: Settings | None = None,
    catalogue: Any | None = None,
    store: Any | None = None,
) -> Starlette:
    """The server for ``kg`` (default: the project graph) and the stored-query catalogue.

    ``store`` is the pyoxigraph Store the Oxigraph engine queries (an on-disk store opened
    read-only, or the closure cache loaded); without it one is filled from ``kg``, once.
    """
    settings = settings or Settings()
    if kg is None:
        from aifactories.graph import load

        kg = load()
    if catalogue is None:
        from aifactories.query.catalogue import load_catalogue

        catalogue = load_catalogue()
    site = Site(kg, settings, catalogue, store)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        gc.collect()
        gc.freeze()  # keep the graph's pages shared with the forked workers
        site.pool.start()
        log.info("queries: %s engine, %g s timeout", settings.engine, settings.timeout)
        try:
            yield
        finally:
            site.pool.close()

    routes = [
        Route("/", pages.home),
        Route("/network.svg", pages.network_picture),
        Route("/map", pages.map_page),
        Route("/timeline", pages.timeline_page),
        Route("/questions", pages.questions_page),
        Route("/queries/{name}.rq", pages.query_text),
        Route("/search", pages.search_page),
        Route("/api/search", pages.search_api),
        Route("/api", pages.api_page),
        Route("/query", pages.query_page),
        Route("/sparql", protocol.sparql, methods=["GET", "POST"]),
        Route("/.well-known/void", protocol.void),
        Route("/dataset", dataset),
        Route("/api/queries", api.list_queries),
        Route("/api/queries/{name}", api.run_query),
        Route("/api/openapi.json", api.openapi),
        Route("/describe", pages.describe),
        Route("/graph/{name}", pages.graph_dump),
        Route("/ontology", pages.resource),
        Route("/ontology.{ext}", pages.resource),
        Route("/id/{rest:path}", pages.resource),
        Route("/static/{path:path}", static),
        Route("/health", health),
        Route("/favicon.ico", favicon),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Accept", "Content-Type"],
            expose_headers=[TRUNCATED_HEADER, "Link", "Retry-After"],
            max_age=3600,
        ),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )
    app.state.site = site
    return app
