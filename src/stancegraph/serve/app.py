"""The web application (:func:`create_app`) and the server that runs it (:func:`serve`).

One Starlette application holds every endpoint: ``/sparql`` (:mod:`.sparql`), the saved queries
as an API (:mod:`.api`), the Linked Data pages (:mod:`.linked`), and the reader, network and
timeline pages (:mod:`.pages`). It only reads: the store is opened read-only, and
every query is checked by :mod:`stancegraph.safety` and run in a worker process with a time
limit and a row cap.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pyoxigraph
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from stancegraph import __version__, isolation
from stancegraph import store as stores
from stancegraph.errors import StancegraphError
from stancegraph.serve import api, linked, negotiate, pages, sparql
from stancegraph.serve.worker import ForkRunner, Pool
from stancegraph.sources import Project

#: Seconds a query may run before it is stopped, unless told otherwise (``--time-limit``).
DEFAULT_TIME_LIMIT = 10.0
#: Rows (or triples) an answer may hold before it is cut, unless told otherwise (``--row-cap``).
DEFAULT_ROW_CAP = 10_000


#: The headers a script on another site may read (the limits, and whether they were hit).
EXPOSED_HEADERS = [
    "X-Stancegraph-Time-Limit",
    "X-Stancegraph-Row-Cap",
    "X-Stancegraph-Rows",
    "X-Stancegraph-Truncated",
    "X-Stancegraph-Stopped",
]


def default_workers() -> int:
    """Query worker processes: one per core, at least 2 and at most 4."""
    return max(2, min(4, os.cpu_count() or 2))


def create_app(
    project: Project,
    store: pyoxigraph.Store | None = None,
    *,
    location: str | Path | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    row_cap: int = DEFAULT_ROW_CAP,
    workers: int | None = None,
    memory: int | None = None,
) -> Starlette:
    """The application over ``project``'s embedded store.

    Without ``store``, the embedded store (at ``location``, default
    :func:`stancegraph.store.store_location`) is loaded first if it is missing or older than the
    files, as ``stancegraph load`` does, and queries run in a pool of ``workers`` processes that
    open it read-only. With an (in-memory) ``store``, each query runs in a forked child sharing
    it. ``time_limit`` (seconds) and ``row_cap`` (rows or triples) bound every query;
    ``memory`` (MiB, default ``STANCEGRAPH_QUERY_MEMORY``) bounds each worker.
    """
    if not time_limit > 0:
        raise StancegraphError(f"time limit {time_limit!r}: must be a positive number of seconds")
    if row_cap < 1:
        raise StancegraphError(f"row cap {row_cap!r}: must be a positive whole number")
    memory = memory if memory is not None else isolation.query_memory_default()
    runner: Pool | ForkRunner
    if store is None:
        where = stores.store_location(project, location)
        store = stores.ensure_embedded(project, where)
        runner = Pool(where, workers or default_workers(), memory)
    else:
        runner = ForkRunner(store, memory)
    service = sparql.QueryService(runner, time_limit, row_cap)

    # the reader, network and timeline pages; ``/`` is one route: the pages' list of sources for
    # a browser, the endpoints as JSON for a program
    routes: list[BaseRoute] = []
    home: Any = None
    for route in pages.routes(project, store):
        if getattr(route, "path", None) == "/":
            home = route.endpoint  # type: ignore[attr-defined]
        else:
            routes.append(route)
    routes += [Route("/", _index(home), methods=["GET"])]
    routes += sparql.routes(service)
    routes += api.routes(project, service)
    routes += linked.routes(project, store)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        import anyio.to_thread

        await anyio.to_thread.run_sync(runner.start)
        try:
            yield
        finally:
            runner.close()

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
        # the data is public and read-only: a page on another site may query it
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=["*"],
                allow_methods=["GET", "POST"],
                allow_headers=["Accept", "Content-Type"],
                expose_headers=EXPOSED_HEADERS,
            )
        ],
    )
    app.state.project = project
    app.state.runner = runner
    app.state.store = store
    app.state.service = service
    return app


def _index(home: Any) -> Any:
    """``/``: the pages' ``home`` (the sources and the pages) for a browser, JSON otherwise."""

    async def index(request: Request) -> Response:
        if home is not None and negotiate.wants_html(request):
            from starlette.concurrency import run_in_threadpool

            return await run_in_threadpool(home, request)
        return await endpoints_index(request)

    return index


async def endpoints_index(request: Request) -> Response:
    """What the server has, for a person (HTML) or a program (JSON)."""
    endpoints = {
        "/sparql": "SPARQL 1.1 Protocol (GET, POST); read-only",
        "/api/queries": "the saved queries, with their parameters",
        "/api/queries/{name}": "run one saved query (JSON, CSV)",
        "/api/openapi.json": "the OpenAPI description of the saved queries",
        "/id/{kind}/...": "every thing of the graph: HTML, Turtle, JSON-LD",
        "/ontology": "the ontology's terms",
        "/vocab/{scheme}/{concept}": "the controlled vocabularies' concepts",
    }
    if not negotiate.wants_html(request):
        return JSONResponse({"stancegraph": __version__, "endpoints": endpoints})
    items = "".join(f"<li><a href='{k}'>{k}</a>: {v}</li>" for k, v in endpoints.items())
    return HTMLResponse(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>stancegraph</title>"
        f"</head><body><h1>stancegraph {__version__}</h1><ul>{items}</ul></body></html>"
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"nothing at {request.url.path}; / lists what this server has"
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    headers = dict(exc.headers or {})
    return negotiate.problem(request, exc.status_code, message, headers=headers)


async def _internal_error(request: Request, exc: Exception) -> Response:
    """A bug: one line, no traceback; the server goes on serving."""
    return negotiate.problem(
        request, 500, f"internal error: {type(exc).__name__}: {exc}".splitlines()[0]
    )


# --- the server --------------------------------------------------------------------------------


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (the server binds it itself: the network guard refuses
    the name lookups uvicorn would make). :class:`StancegraphError` if it cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise StancegraphError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def serve(app: Starlette, sock: socket.socket, *, access_log: bool = False) -> None:
    """Run ``app`` on ``sock`` with uvicorn until interrupted."""
    import uvicorn

    config = uvicorn.Config(
        app, log_level="warning", access_log=access_log, lifespan="on", timeout_graceful_shutdown=5
    )
    uvicorn.Server(config).run(sockets=[sock])


def address(sock: socket.socket) -> str:
    """``http://host:port/`` of a bound socket."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


__all__: list[Any] = ["create_app", "listen", "serve"]
