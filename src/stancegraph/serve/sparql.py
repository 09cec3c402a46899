"""``/sparql``: the SPARQL 1.1 Protocol over the store, read-only, with limits.

- ``GET /sparql?query=...``, ``POST`` form-encoded (``query=...``) or with the query as the body
  (``Content-Type: application/sparql-query``); ``default-graph-uri`` and ``named-graph-uri``
  (repeatable) name the dataset, graphs of ``https://w3id.org/stancegraph/graph/`` only; without
  them the default graph is the union of the named graphs, as every engine of the package reads
  it.
- Answers by ``Accept`` (or ``?format=``): SELECT and ASK as SPARQL Results JSON (the default),
  XML, CSV or TSV; CONSTRUCT and DESCRIBE as Turtle (the default), N-Triples or JSON-LD.
- Refused: any update (``update=``, ``application/sparql-update``, or an update as ``query=``),
  403; ``SERVICE``, 403; ``FROM`` naming a graph not ours, 403 (:mod:`stancegraph.safety` decides
  what a text reaches, as for ``stancegraph query``). Malformed SPARQL: 400 with the parser's
  ``query:LINE:COL``.
- Every query runs in a worker process (:mod:`stancegraph.serve.worker`): stopped at the time
  limit (503, ``X-Stancegraph-Stopped: time-limit=S``), its answer cut at the row cap
  (``X-Stancegraph-Truncated: row-cap=N``, and ``"stancegraph": {"truncated": true, ...}`` in
  JSON results). Every answer names both limits (``X-Stancegraph-Time-Limit``,
  ``X-Stancegraph-Row-Cap``).
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
import jinja2
from rdflib.term import Node
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from stancegraph import graph, names, queries, safety
from stancegraph.errors import (
    QueryError,
    QueryOutOfMemory,
    QueryRefused,
    QueryTimeout,
    StancegraphError,
)
from stancegraph.serve import negotiate
from stancegraph.serve.worker import Job, Outcome, Unavailable

#: The prefixes Turtle answers are written with.
TURTLE_PREFIXES = {**names.STANDARD, **names.OTHER}


class HttpProblem(Exception):
    """A request the server answers with a 4xx or 5xx: its status, message and headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


@dataclass
class QueryService:
    """Runs checked queries on the runner (a :class:`~stancegraph.serve.worker.Pool` or
    :class:`~stancegraph.serve.worker.ForkRunner`) with the server's limits."""

    runner: Any
    time_limit: float
    row_cap: int
    max_query_bytes: int = field(default_factory=safety.max_query_bytes_default)

    def limit_headers(self) -> dict[str, str]:
        return {
            "X-Stancegraph-Time-Limit": f"{self.time_limit:g}",
            "X-Stancegraph-Row-Cap": str(self.row_cap),
        }

    async def answer(
        self,
        text: str,
        form: str,
        fmt: str,
        bindings: Mapping[str, Node] | None = None,
        default_graphs: tuple[str, ...] = (),
        named_graphs: tuple[str, ...] = (),
        own_dataset: bool = False,
    ) -> Outcome:
        """The answer of a checked query, written in ``fmt``; :class:`HttpProblem` else."""
        job = Job(
            text=text,
            form=form,
            fmt=fmt,
            row_cap=self.row_cap,
            substitutions={k: graph.to_oxigraph(v) for k, v in (bindings or {}).items()},
            prefixes=TURTLE_PREFIXES,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            own_dataset=own_dataset,
        )
        try:
            return await anyio.to_thread.run_sync(self.runner.run, job, self.time_limit)
        except QueryTimeout as exc:
            raise HttpProblem(
                503,
                str(exc),
                {"X-Stancegraph-Stopped": f"time-limit={self.time_limit:g}", "Retry-After": "1"},
            ) from None
        except QueryOutOfMemory as exc:
            raise HttpProblem(503, str(exc), {"X-Stancegraph-Stopped": "memory"}) from None
        except Unavailable as exc:
            raise HttpProblem(503, str(exc), {"Retry-After": "5"}) from None
        except StancegraphError as exc:
            raise HttpProblem(400, str(exc)) from None

    def response(self, outcome: Outcome, fmt: str) -> Response:
        headers = self.limit_headers()
        headers["X-Stancegraph-Rows"] = str(outcome.count)
        if outcome.truncated:
            headers["X-Stancegraph-Truncated"] = f"row-cap={self.row_cap}"
        headers["Vary"] = "Accept"
        return Response(outcome.body, media_type=negotiate.media_type(fmt), headers=headers)


# --- checking what a client sends -----------------------------------------------------------


#: rdflib's SPARQL parser (pyparsing) is not thread-safe: two parses at once can fail with
#: errors the texts do not have. Parsing holds the GIL anyway, so one at a time costs nothing.
PARSING = threading.Lock()


def check_text(text: str) -> safety.CheckedQuery:
    """The checked query, or :class:`HttpProblem`: 400 for what is not SPARQL (with the
    parser's line and column), 403 for what this server refuses to do."""
    with PARSING:
        return _check_text(text)


def _check_text(text: str) -> safety.CheckedQuery:
    try:
        # read once with nothing refused, to say in the server's own words what is refused
        seen = safety.check_query(text, allow_service=True, allow_update=True, name="query")
    except QueryRefused as exc:  # a FROM or LOAD naming a local file: refused whatever the flags
        if "LOAD" in str(exc):
            raise HttpProblem(403, UPDATE_REFUSED) from None
        named = re.search(r"<([^>]*)>", str(exc))
        iri = named.group(1) if named else "..."
        raise HttpProblem(
            403, f"query: FROM <{iri}> is refused: {GRAPHS_ONLY}; local files are never read"
        ) from None
    except StancegraphError as exc:
        raise HttpProblem(400, str(exc)) from None
    if seen.is_update:
        raise HttpProblem(403, UPDATE_REFUSED)
    if seen.services:
        shown = ", ".join(s if s.startswith("?") else f"<{safety.clip(s)}>" for s in seen.services)
        raise HttpProblem(
            403,
            f"query: SERVICE {shown} is refused: this server answers from its own store only "
            "and never sends a query to another endpoint",
        )
    for iri in seen.dataset_graphs:
        if not iri.startswith(names.GRAPH_BASE):
            raise HttpProblem(403, f"query: FROM <{safety.clip(iri)}> is refused: {GRAPHS_ONLY}")
    try:  # the package's one gate, as `stancegraph query` passes it (parsed once: cached)
        return queries.check_query(text, where="query")
    except QueryRefused as exc:
        raise HttpProblem(403, str(exc)) from None
    except StancegraphError as exc:
        raise HttpProblem(400, str(exc)) from None


UPDATE_REFUSED = (
    "SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP...) is refused: this server is read-only"
)
GRAPHS_ONLY = f"only the project's graphs ({names.GRAPH_BASE}...) may be named"


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, at most ``limit`` bytes (413 past it)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HttpProblem(413, f"the request body is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HttpProblem(400, f"{what} is not UTF-8 (byte {exc.start})") from None


@dataclass(frozen=True)
class ProtocolRequest:
    """What a SPARQL Protocol request asks: the query and the graphs of its dataset."""

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


def _one(params: Mapping[str, list[str]], key: str) -> str | None:
    values = params.get(key, [])
    if len(values) > 1:
        raise HttpProblem(400, f"{key} is given {len(values)} times; give it once")
    return values[0] if values else None


def _graphs(params: Mapping[str, list[str]], key: str) -> tuple[str, ...]:
    found = tuple(params.get(key, []))
    for iri in found:
        if not iri.startswith(names.GRAPH_BASE):
            raise HttpProblem(403, f"{key}={iri!r} is refused: {GRAPHS_ONLY}")
    return found


async def protocol_request(request: Request, max_bytes: int) -> ProtocolRequest:
    """Read the query of a GET or POST as the SPARQL 1.1 Protocol sends it."""
    url_params = urllib.parse.parse_qs(request.url.query, keep_blank_values=True)
    if request.method in ("GET", "HEAD"):
        params = url_params
        body_query = None
    else:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        data = await read_body(request, max_bytes + 64 * 1024)
        if media == "application/x-www-form-urlencoded":
            text = _decode(data, "the form")
            params = urllib.parse.parse_qs(text, keep_blank_values=True)
            for key, values in url_params.items():
                params.setdefault(key, []).extend(values)
            body_query = None
        elif media == "application/sparql-query":
            params = url_params
            body_query = _decode(data, "the query")
        elif media == "application/sparql-update":
            raise HttpProblem(403, UPDATE_REFUSED)
        else:
            raise HttpProblem(
                415,
                f"POST a query as application/x-www-form-urlencoded (query=...) or "
                f"application/sparql-query, not {media or 'no Content-Type'}",
            )
    if "update" in params:
        raise HttpProblem(403, UPDATE_REFUSED)
    query = body_query if body_query is not None else _one(params, "query")
    if body_query is not None and "query" in params:
        raise HttpProblem(400, "the query is both in the body and in query=; give it once")
    if query is None:
        raise HttpProblem(
            400, "no query: send query=... (GET or a form POST) or POST application/sparql-query"
        )
    return ProtocolRequest(
        query, _graphs(params, "default-graph-uri"), _graphs(params, "named-graph-uri")
    )


def formats_for(form: str) -> tuple[str, ...]:
    if form in ("CONSTRUCT", "DESCRIBE"):
        return negotiate.GRAPH_FORMATS
    return negotiate.TABLE_FORMATS


def routes(service: QueryService) -> list[Route]:
    async def endpoint(request: Request) -> Response:
        try:
            if request.method != "POST" and not request.query_params and _browser(request):
                return query_page(service)
            asked = await protocol_request(request, service.max_query_bytes)
            checked = await anyio.to_thread.run_sync(check_text, asked.query)  # rdflib parses
            formats = (*formats_for(checked.form), "html")  # html: the form with the answer
            try:
                fmt = negotiate.choose(request, formats, f"a {checked.form}")
            except negotiate.NotAcceptable as exc:
                raise HttpProblem(406, exc.message) from None
            written = fmt if fmt != "html" else formats[0]
            outcome = await service.answer(
                checked.text,
                checked.form,
                written,
                default_graphs=asked.default_graphs,
                named_graphs=asked.named_graphs,
                own_dataset=bool(checked.dataset_graphs),
            )
            if fmt == "html":
                return query_page(service, asked.query, checked.form, outcome)
            return service.response(outcome, fmt)
        except HttpProblem as exc:
            headers = {**service.limit_headers(), **exc.headers}
            return negotiate.problem(request, exc.status, exc.message, headers=headers)

    return [Route("/sparql", endpoint, methods=["GET", "POST"])]


def _browser(request: Request) -> bool:
    return negotiate.wants_html(request)


EXAMPLE = (
    "PREFIX sg: <https://w3id.org/stancegraph/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?claim ?label WHERE {\n  ?claim a sg:Claim ; rdfs:label ?label .\n} LIMIT 20"
)

_PAGE = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SPARQL · stancegraph</title>
<style>body{font:16px/1.45 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem}
textarea{width:100%;font:14px monospace}table{border-collapse:collapse}td,th{border-top:1px
solid #ddd;padding:.25rem .5rem;vertical-align:top;text-align:left}</style></head>
<body>
<p><a href="/">stancegraph</a> · <a href="/api/queries">saved queries</a> ·
<a href="/api/openapi.json">OpenAPI</a></p>
<h1>SPARQL</h1>
<p>Read-only SPARQL 1.1 over the stancegraph store. Each query is stopped after
{{ time_limit }} s; answers are cut at {{ row_cap }} rows. SERVICE and updates are refused. The
default graph is the union of the named graphs.</p>
<form method="get" action="/sparql">
<p><textarea name="query" rows="12">{{ query }}</textarea></p>
<p><label>answer as <select name="format">
{% for value, label in formats %}<option value="{{ value }}">{{ label }}</option>
{% endfor %}</select></label> <button type="submit">Run</button></p>
</form>
{% if answer is not none %}<h2>Answer</h2>
<p>{{ answer.count }} {{ ("triple" if graph else "row") ~ ("" if answer.count == 1 else "s")
}}{% if answer.truncated %}: cut at the
row cap of {{ row_cap }}; add LIMIT and OFFSET to page through the rest{% endif %}.</p>
{% if graph %}<pre>{{ body }}</pre>
{% elif boolean is not none %}<p><strong>{{ "true" if boolean else "false" }}</strong></p>
{% else %}<table><thead><tr>{% for v in variables %}<th>?{{ v }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in rows %}<tr>{% for cell in row %}<td>{% if cell.href %}<a
href="{{ cell.href }}">{{ cell.text }}</a>{% else %}{{ cell.text }}{% endif %}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>{% endif %}{% endif %}
</body></html>
"""
)

_FORM_FORMATS = [
    ("html", "a table (this page)"),
    ("json", "SPARQL JSON"),
    ("xml", "SPARQL XML"),
    ("csv", "CSV"),
    ("tsv", "TSV"),
    ("turtle", "Turtle (CONSTRUCT, DESCRIBE)"),
    ("jsonld", "JSON-LD (CONSTRUCT, DESCRIBE)"),
    ("ntriples", "N-Triples (CONSTRUCT, DESCRIBE)"),
]


@dataclass(frozen=True)
class _Cell:
    text: str
    href: str | None = None


def _cell(term: dict[str, Any] | None) -> _Cell:
    from stancegraph.serve import linked

    if term is None:
        return _Cell("")
    if term["type"] == "uri":
        return _Cell(names.compact(term["value"]), linked.href(term["value"]))
    if term["type"] == "bnode":
        return _Cell("_:" + term["value"])
    if term["type"] == "literal":
        return _Cell(term["value"])
    return _Cell(json.dumps(term["value"]))


def query_page(
    service: QueryService,
    query: str = EXAMPLE,
    form: str | None = None,
    answer: Outcome | None = None,
) -> Response:
    """The form for a person, with the answer to the query it sent, if any, as a table (no
    script, nothing fetched; every value escaped, IRIs linked to their pages)."""
    variables: list[str] = []
    rows: list[list[_Cell]] = []
    boolean = None
    graph_answer = form in ("CONSTRUCT", "DESCRIBE")
    if answer is not None and not graph_answer:
        data = json.loads(answer.body)
        if "boolean" in data:
            boolean = bool(data["boolean"])
        else:
            variables = list(data["head"]["vars"])
            rows = [[_cell(b.get(v)) for v in variables] for b in data["results"]["bindings"]]
    page = _PAGE.render(
        query=query,
        time_limit=f"{service.time_limit:g}",
        row_cap=service.row_cap,
        formats=_FORM_FORMATS,
        answer=answer,
        graph=graph_answer,
        body=answer.body.decode("utf-8") if answer is not None and graph_answer else "",
        boolean=boolean,
        variables=variables,
        rows=rows,
    )
    headers = service.limit_headers()
    if answer is not None and answer.truncated:
        headers["X-Stancegraph-Truncated"] = f"row-cap={service.row_cap}"
    return HTMLResponse(page, headers=headers)


__all__ = ["HttpProblem", "QueryError", "QueryService", "check_text", "routes"]
