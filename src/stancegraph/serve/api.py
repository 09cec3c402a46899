"""The saved queries as an HTTP API, in grlc's way: the ``.rq`` files and their ``#+`` headers
are the API, and its OpenAPI description is written from them.

- ``GET /api/queries``: every saved query with its summary, description, columns, parameters
  (name, type, default, meaning) and tags, and the address that runs it.
- ``GET /api/queries/NAME?PARAM=VALUE``: runs it, its parameters bound by the engine (never
  pasted into the text: :func:`stancegraph.queries.bindings_for`); SELECT and ASK as SPARQL
  Results JSON (default), CSV, TSV or XML, CONSTRUCT as Turtle, N-Triples or JSON-LD, by
  ``Accept`` or ``?format=``. An unknown query is a 404 that names the nearest ones; an unknown
  parameter or a value that is not one (an IRI with an unknown prefix, an ill-typed number) a
  400.
- ``GET /api/openapi.json``: an OpenAPI 3.1 document, one operation per saved query.
"""

from __future__ import annotations

import difflib
import functools
import urllib.parse
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from stancegraph import __version__, queries
from stancegraph.errors import StancegraphError
from stancegraph.serve import negotiate
from stancegraph.serve.sparql import PARSING, HttpProblem, QueryService, formats_for
from stancegraph.sources import Project

#: ``?format=`` is the server's, not a parameter of a query.
RESERVED = ("format",)

_OPENAPI_TYPES: dict[str, dict[str, str]] = {
    "iri": {"type": "string", "format": "iri-reference"},
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "date": {"type": "string", "format": "date"},
    "boolean": {"type": "boolean"},
}


def describe(query: queries.SavedQuery) -> dict[str, Any]:
    """What ``/api/queries`` says of one saved query."""
    return {
        "name": query.name,
        "summary": query.summary,
        "description": query.description,
        "form": query.form,
        "columns": [{"name": n, "meaning": m} for n, m in query.columns],
        "params": [
            {"name": p.name, "type": p.type, "default": p.default, "description": p.description}
            for p in query.params
        ],
        "tags": list(query.tags),
        "url": f"/api/queries/{query.name}",
    }


def find(project: Project, name: str) -> queries.SavedQuery:
    """The saved query ``name``; 404 naming the nearest ones if there is none."""
    known = [p.stem for p in queries.query_files(project)]
    if name not in known:
        near = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise HttpProblem(
            404, f"no saved query {name!r}{hint} (/api/queries lists the {len(known)} there are)"
        )
    try:
        return queries.find(project, name)
    except StancegraphError as exc:
        raise HttpProblem(500, str(exc)) from None


def given_params(request: Request, query: queries.SavedQuery) -> dict[str, str]:
    """The query's parameters from the URL: each once, each one it declares."""
    pairs = urllib.parse.parse_qsl(request.url.query, keep_blank_values=True)
    options = [f"{k}={v}" for k, v in pairs if k not in RESERVED]
    try:
        given = queries.parse_param_options(options)
    except StancegraphError as exc:
        raise HttpProblem(400, _http_words(str(exc))) from None
    seen = [k for k, _ in pairs if k not in RESERVED]
    twice = sorted({k for k in seen if seen.count(k) > 1})
    if twice:
        raise HttpProblem(400, f"parameter {twice[0]!r} is given more than once; give it once")
    declared = [p.name for p in query.params]
    for key in given:
        if key.lstrip("?$") not in declared:
            takes = ", ".join(declared) if declared else "no parameters"
            raise HttpProblem(400, f"{query.name}: no parameter {key!r}; it takes {takes}")
    return given


def _http_words(message: str) -> str:
    """A message of :mod:`stancegraph.queries` in the API's words (it speaks of --param)."""
    return message.replace("--param ", "parameter ")


def routes(project: Project, service: QueryService) -> list[Route]:
    def read_catalogue() -> list[dict[str, Any]]:
        with PARSING:  # each query's form is read by rdflib's parser
            return [describe(q) for q in queries.catalogue(project)]

    def write_openapi() -> dict[str, Any]:
        with PARSING:
            return openapi_document(project, service)

    async def listing(request: Request) -> Response:
        try:  # the files are read again each time: an edited .rq shows without a restart
            catalogue = await anyio.to_thread.run_sync(read_catalogue)
        except StancegraphError as exc:
            return negotiate.problem(request, 500, str(exc), json_body=True)
        return JSONResponse({"queries": catalogue})

    def prepare(request: Request, name: str) -> tuple[Any, Any, dict[str, Any]]:
        """The saved query, checked, and its bindings (files and parsing: off the event loop)."""
        query = find(project, name)
        given = given_params(request, query)
        try:
            with PARSING:  # rdflib's parser, one at a time (see sparql.PARSING)
                checked = queries.check_query(query.text, where=query.name)
            bindings = queries.bindings_for(query, given)
        except StancegraphError as exc:
            raise HttpProblem(400, _http_words(str(exc))) from None
        # the command line warns that a literal for an IRI parameter matches nothing; an API
        # call gets a 400: its caller reads a status, not a warning
        notes = queries.binding_notes(query, bindings)
        if notes:
            raise HttpProblem(400, _http_words(notes[0]).replace("--param", "parameter"))
        return query, checked, bindings

    async def run(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            _query, checked, bindings = await anyio.to_thread.run_sync(prepare, request, name)
            try:
                fmt = negotiate.choose(
                    request, formats_for(checked.form), f"{name} ({checked.form})"
                )
            except negotiate.NotAcceptable as exc:
                raise HttpProblem(406, exc.message) from None
            outcome = await service.answer(checked.text, checked.form, fmt, bindings)
            return service.response(outcome, fmt)
        except HttpProblem as exc:
            headers = {**service.limit_headers(), **exc.headers}
            return negotiate.problem(
                request, exc.status, exc.message, headers=headers, json_body=True
            )

    async def openapi(request: Request) -> Response:
        try:
            document = await anyio.to_thread.run_sync(write_openapi)
        except StancegraphError as exc:
            return negotiate.problem(request, 500, str(exc), json_body=True)
        return JSONResponse(document)

    return [
        Route("/api/queries", listing, methods=["GET"]),
        Route("/api/openapi.json", openapi, methods=["GET"]),
        Route("/api/queries/{name}", run, methods=["GET"]),
    ]


# --- OpenAPI ---------------------------------------------------------------------------------


def openapi_document(project: Project, service: QueryService) -> dict[str, Any]:
    """OpenAPI 3.1: one GET operation per saved query, its parameters from the ``#+ params:``
    header (type, default, meaning), its answers by the query's form."""
    paths: dict[str, Any] = {
        "/api/queries": {
            "get": {
                "operationId": "listQueries",
                "summary": "Every saved query, with its parameters",
                "responses": {
                    "200": {
                        "description": "the catalogue",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        }
    }
    paths["/sparql"] = _sparql_operations()
    tags: dict[str, None] = {}
    for query in queries.catalogue(project):
        paths[f"/api/queries/{query.name}"] = {"get": _operation(query, service)}
        tags.update(dict.fromkeys(query.tags))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "stancegraph saved queries",
            "version": __version__,
            "description": (
                "The saved SPARQL queries of queries/*.rq as an API, one operation each, written "
                "from their #+ headers. Every query runs read-only on the embedded store, stopped "
                f"after {service.time_limit:g} s and cut at {service.row_cap} rows "
                "(X-Stancegraph-Truncated says so). SPARQL itself is at /sparql."
            ),
        },
        "tags": [{"name": t} for t in tags],
        "paths": paths,
        "components": {"schemas": {"Problem": _PROBLEM}},
    }


def _sparql_operations() -> dict[str, Any]:
    """``/sparql`` as the SPARQL 1.1 Protocol has it (GET, and POST of either kind)."""
    answers = {
        negotiate.MEDIA_TYPES[f][0]: {"schema": {"type": "string"}}
        for f in (*negotiate.TABLE_FORMATS, *negotiate.GRAPH_FORMATS)
    }
    problem = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    responses = {
        "200": {"description": "the answer, in the format Accept names", "content": answers},
        "400": {"description": "malformed SPARQL (query:LINE:COL)", "content": problem},
        "403": {"description": "an update, SERVICE, or a graph not ours", "content": problem},
        "406": {"description": "no format the client accepts", "content": problem},
        "503": {"description": "stopped at the time limit", "content": problem},
    }
    query = {"type": "string", "description": "a SPARQL 1.1 query (no update)"}
    return {
        "get": {
            "operationId": "sparqlQuery",
            "summary": "SPARQL 1.1 query (read-only)",
            "parameters": [{"name": "query", "in": "query", "required": True, "schema": query}],
            "responses": responses,
        },
        "post": {
            "operationId": "sparqlQueryPost",
            "summary": "SPARQL 1.1 query (read-only), POSTed",
            "requestBody": {
                "required": True,
                "content": {
                    "application/sparql-query": {"schema": query},
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "properties": {"query": query},
                            "required": ["query"],
                        }
                    },
                },
            },
            "responses": responses,
        },
    }


_PROBLEM = {
    "type": "object",
    "required": ["error", "status"],
    "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
}


def _operation(query: queries.SavedQuery, service: QueryService) -> dict[str, Any]:
    form = query.form
    formats = formats_for(form)
    content = {
        negotiate.MEDIA_TYPES[f][0]: {"schema": {"type": "string"} if f != "json" else _RESULTS}
        for f in formats
    }
    problem = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    parameters = [
        {
            "name": p.name,
            "in": "query",
            "required": False,
            "description": p.description or p.name,
            "schema": {**_OPENAPI_TYPES[p.type], **({"default": p.default} if p.default else {})},
        }
        for p in query.params
    ]
    parameters.append(
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "the answer's format, where Accept cannot be set",
            "schema": {"type": "string", "enum": list(formats)},
        }
    )
    columns = "; ".join(f"{n}: {m}" for n, m in query.columns)
    return {
        "operationId": _operation_id(query.name),
        "summary": query.summary or query.name,
        "description": query.description + (f"\n\nColumns: {columns}" if columns else ""),
        "tags": list(query.tags),
        "parameters": parameters,
        "responses": {
            "200": {
                "description": f"the {form} answer",
                "headers": {
                    "X-Stancegraph-Truncated": {
                        "description": "row-cap=N when the answer was cut at the row cap",
                        "schema": {"type": "string"},
                    }
                },
                "content": content,
            },
            "400": {"description": "a parameter that is not one", "content": problem},
            "406": {"description": "no format the client accepts", "content": problem},
            "503": {"description": "stopped at the time limit", "content": problem},
        },
    }


_RESULTS = {
    "type": "object",
    "description": "W3C SPARQL 1.1 Query Results JSON",
    "properties": {"head": {"type": "object"}, "results": {"type": "object"}},
}


@functools.cache
def _operation_id(name: str) -> str:
    """``stances-on-target`` -> ``stancesOnTarget``."""
    first, *rest = name.split("-")
    return first + "".join(w.capitalize() for w in rest)
