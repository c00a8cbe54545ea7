"""Stored queries as a REST API, and its OpenAPI 3.1 document.

``GET /api/queries`` lists the catalogue; ``GET /api/queries/{name}?param=value`` runs one with
the same typed checks as the CLI (400 with the message on bad input) and content-negotiated
results (``format=`` for tools that cannot set headers). Every error is the JSON shape of
``responses.error_body``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from aifactories import __version__
from aifactories.server import negotiation as neg
from aifactories.server.pages import SEARCH_LIMIT, SEARCH_TEXT_LIMIT
from aifactories.server.responses import error_response, from_reply, site_of
from aifactories.server.site import TITLE, json_bytes
from aifactories.server.worker import TRUNCATED_HEADER, StoredTask

XSD = "http://www.w3.org/2001/XMLSchema#"
#: Query parameters that steer the response instead of binding a query parameter.
RESERVED = ("format",)


def _json(data: Any, status: int = 200) -> Response:
    return Response(json_bytes(data), status_code=status, media_type="application/json")


def describe_query(query: Any, root: str) -> dict[str, Any]:
    """One catalogue entry as JSON."""
    return {
        "name": query.name,
        "number": query.number,
        "summary": query.summary,
        "description": query.description,
        "tags": list(query.tags),
        "form": query.form,
        "parameters": [{**p.as_dict(), "schema": param_schema(p)} for p in query.params],
        "url": f"{root}/api/queries/{query.name}",
        "sparql": query.text,
    }


def param_schema(param: Any) -> dict[str, Any]:
    """The JSON Schema of a parameter's values, from its declared type."""
    kind = str(param.type)
    schema: dict[str, Any]
    if kind == XSD + "integer":
        schema = {"type": "integer"}
    elif kind == XSD + "date":
        schema = {"type": "string", "format": "date"}
    elif kind == XSD + "string":
        schema = {"type": "string"}
    else:
        schema = {
            "type": "string",
            "description": f"An IRI, CURIE, or exact label or acronym of a {param.type_curie}",
            "x-rdf-class": kind,
        }
    if param.default is not None:
        schema["default"] = int(param.default) if schema["type"] == "integer" else param.default
    return schema


def _not_json(request: Request) -> Response | None:
    """A 406 when the client does not accept JSON, the only form of these documents."""
    try:
        neg.choose(request.headers.get("accept"), (neg.JSON,), "this document")
    except neg.NotAcceptable as exc:
        return error_response(request, 406, str(exc))
    return None


async def list_queries(request: Request) -> Response:
    if (refused := _not_json(request)) is not None:
        return refused
    site = site_of(request)
    root = site.settings.root_path
    queries = [describe_query(q, root) for q in site.catalogue or []]
    return _json({"queries": queries, "count": len(queries)})


async def run_query(request: Request) -> Response:
    site = site_of(request)
    name = request.path_params["name"]
    values: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key in RESERVED:
            continue
        if key in values:
            return error_response(request, 400, f"parameter {key!r} is given more than once")
        values[key] = value
    task = StoredTask(
        name=name,
        values=tuple(values.items()),
        accept=request.headers.get("accept"),
        formats=tuple(request.query_params.getlist("format")),
        row_cap=site.settings.row_cap,
    )
    reply = await site.pool.submit(task)
    return from_reply(request, reply)


async def openapi(request: Request) -> Response:
    if (refused := _not_json(request)) is not None:
        return refused
    site = site_of(request)
    return _json(openapi_document(site.catalogue or [], site.settings.root_path))


def openapi_document(catalogue: Any, root: str = "") -> dict[str, Any]:
    """OpenAPI 3.1: one path per stored query, parameters typed from the query headers."""
    error = {"$ref": "#/components/responses/Error"}
    sparql_formats = (*neg.RESULT_FORMATS, *neg.GRAPH_FORMATS)
    #: The protocol's dataset and format= parameters, on GET and POST alike.
    sparql_dataset = [
        *(
            {
                "name": name,
                "in": "query",
                "required": False,
                "schema": {"type": "array", "items": {"type": "string", "format": "iri"}},
            }
            for name in ("default-graph-uri", "named-graph-uri")
        ),
        _format_param(sparql_formats),
    ]
    sparql_results = {"description": "Query results", "content": _content(sparql_formats)}
    paths: dict[str, Any] = {
        "/api/queries": {
            "get": {
                "operationId": "listQueries",
                "summary": "List the stored queries",
                "responses": {
                    "200": {
                        "description": "The catalogue",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/QueryList"}
                            }
                        },
                    }
                },
            }
        },
        "/api/search": {
            "get": {
                "operationId": "search",
                "summary": "Find entities by label, acronym, alternative or native name",
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "maxLength": SEARCH_TEXT_LIMIT},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": SEARCH_LIMIT,
                            "default": 20,
                        },
                    },
                ],
                "responses": {
                    "200": {
                        "description": "Matches, best first (iri, curie, label, kind, page)",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "400": error,
                },
            }
        },
        "/sparql": {
            "get": {
                "operationId": "sparqlQuery",
                "summary": "SPARQL 1.1 Protocol query",
                "parameters": [
                    {
                        "name": "query",
                        "in": "query",
                        "required": False,
                        "description": "The SPARQL query; without it, the service description",
                        "schema": {"type": "string", "minLength": 1},
                    },
                    *sparql_dataset,
                ],
                "responses": {
                    "200": sparql_results,
                    "400": error,
                    "403": error,
                    "406": error,
                    "503": error,
                },
            },
            "post": {
                "operationId": "sparqlQueryPost",
                "summary": "SPARQL 1.1 Protocol query by POST (a form, or the query as the body)",
                "parameters": [
                    *sparql_dataset,
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "required": ["query"],
                                "properties": {
                                    "query": {"type": "string", "minLength": 1},
                                    "default-graph-uri": {"type": "string", "format": "iri"},
                                    "named-graph-uri": {"type": "string", "format": "iri"},
                                },
                            }
                        },
                        "application/sparql-query": {"schema": {"type": "string", "minLength": 1}},
                    },
                },
                "responses": {
                    "200": sparql_results,
                    "400": error,
                    "403": error,
                    "406": error,
                    "413": error,
                    "415": error,
                    "503": error,
                },
            },
        },
    }
    for query in catalogue:
        offered = neg.FORMS_OFFER[query.form]
        params = [
            {
                "name": p.name,
                "in": "query",
                "required": bool(p.required),
                "description": p.description,
                "schema": param_schema(p),
            }
            for p in query.params
        ]
        params.append(_format_param(offered))
        paths[f"/api/queries/{query.name}"] = {
            "get": {
                "operationId": "query_" + query.name.replace("-", "_"),
                "summary": query.summary,
                "description": query.description,
                "tags": list(query.tags),
                "parameters": params,
                "responses": {
                    "200": {
                        "description": f"{query.form} results",
                        "headers": {
                            TRUNCATED_HEADER: {
                                "description": "Present when results were cut at the row cap; "
                                "its value is the cap",
                                "schema": {"type": "integer"},
                            }
                        },
                        "content": _content(offered),
                    },
                    "400": error,
                    "404": error,
                    "406": error,
                    "503": error,
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{TITLE} API",
            "version": __version__,
            "description": "The stored SPARQL queries of the AI Factories knowledge graph as a "
            "REST API, and its SPARQL 1.1 endpoint.",
            "license": {"name": "MIT (code); CC-BY-4.0 (data)"},
        },
        "servers": [{"url": root or "/"}],
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["status", "reason", "message"],
                            "properties": {
                                "status": {"type": "integer"},
                                "reason": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        }
                    },
                },
                "SparqlResults": {
                    "description": "SPARQL 1.1 Query Results JSON: a table, or a boolean (ASK)",
                    "type": "object",
                    "required": ["head"],
                    "properties": {
                        "head": {
                            "type": "object",
                            "properties": {
                                "vars": {"type": "array", "items": {"type": "string"}},
                                "link": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                        "results": {
                            "type": "object",
                            "required": ["bindings"],
                            "properties": {
                                "bindings": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "additionalProperties": {
                                            "type": "object",
                                            "required": ["type", "value"],
                                            "properties": {
                                                "type": {
                                                    "enum": ["uri", "literal", "bnode", "triple"]
                                                },
                                                "value": {},
                                                "datatype": {"type": "string"},
                                                "xml:lang": {"type": "string"},
                                            },
                                        },
                                    },
                                }
                            },
                        },
                        "boolean": {"type": "boolean"},
                    },
                },
                "QueryList": {
                    "type": "object",
                    "properties": {
                        "count": {"type": "integer"},
                        "queries": {"type": "array", "items": {"type": "object"}},
                    },
                },
            },
            "responses": {
                "Error": {
                    "description": "An error, with a one-line message",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
            },
        },
    }


def _format_param(offered: tuple[neg.Format, ...]) -> dict[str, Any]:
    names = list(dict.fromkeys(n for f in offered for n in (f.names[0], f.media_type)))
    return {
        "name": "format",
        "in": "query",
        "required": False,
        "description": "The result format, for clients that cannot set Accept "
        "(empty: chosen by Accept, as when absent)",
        "schema": {"type": "string", "enum": [*names, ""]},
    }


#: Body schemas of the media types whose body is JSON; the others are text.
_JSON_BODIES = {
    neg.SPARQL_JSON.media_type: {"$ref": "#/components/schemas/SparqlResults"},
    neg.JSONLD.media_type: {"type": ["object", "array"]},
}


def _content(offered: tuple[neg.Format, ...]) -> dict[str, Any]:
    return {
        f.media_type: {"schema": _JSON_BODIES.get(f.media_type, {"type": "string"})}
        for f in offered
    }
