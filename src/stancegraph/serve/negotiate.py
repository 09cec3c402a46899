"""Content negotiation and error answers, shared by every endpoint of the server.

A client names the format it wants by ``Accept`` (with q-values, as RFC 9110 says) or, where a
browser cannot set headers, by ``?format=NAME``; the server answers in the format it prefers
among those, else ``406 Not Acceptable`` listing what it has. An error is a short answer in the
client's terms (JSON for an API client, a small page for a browser, a line of text otherwise),
never a traceback.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

#: format name -> its media type (the first is what the server writes; the others it accepts)
MEDIA_TYPES: dict[str, tuple[str, ...]] = {
    "json": ("application/sparql-results+json", "application/json"),
    "xml": ("application/sparql-results+xml", "application/xml"),
    "csv": ("text/csv",),
    "tsv": ("text/tab-separated-values",),
    "turtle": ("text/turtle", "application/x-turtle"),
    "ntriples": ("application/n-triples", "text/plain"),
    "jsonld": ("application/ld+json", "application/json"),
    "html": ("text/html", "application/xhtml+xml"),
}

#: What ``?format=`` may also be called (Fuseki's and Oxigraph's spellings).
FORMAT_ALIASES = {"ttl": "turtle", "nt": "ntriples", "json-ld": "jsonld", "srj": "json"}

#: The formats of each kind of answer, the default first.
TABLE_FORMATS = ("json", "xml", "csv", "tsv")
GRAPH_FORMATS = ("turtle", "ntriples", "jsonld")


class NotAcceptable(Exception):
    """No format the client accepts is one the answer has."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class _Range:
    kind: str
    sub: str
    q: float
    order: int


def _ranges(accept: str) -> list[_Range]:
    out = []
    for order, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        if "/" not in media:
            continue
        kind, _, sub = media.lower().partition("/")
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        out.append(_Range(kind, sub, q, order))
    return out


def _quality(ranges: list[_Range], media: str) -> tuple[float, int, int]:
    """How much the client wants ``media``: (q, specificity, -order) of the best range."""
    kind, _, sub = media.partition("/")
    best = (-1.0, -1, 0)
    for r in ranges:
        if r.kind == kind and r.sub == sub:
            spec = 2
        elif r.kind == kind and r.sub == "*":
            spec = 1
        elif r.kind == "*" and r.sub == "*":
            spec = 0
        else:
            continue
        # a more specific range decides, whatever its q
        if spec > best[1]:
            best = (r.q, spec, -r.order)
    return best


def choose(request: Request, formats: Sequence[str], what: str = "this answer") -> str:
    """The format of ``formats`` to answer ``request`` in: ``?format=`` if given, else the one
    ``Accept`` rates highest (ties: the order of ``formats``); no ``Accept`` means the first."""
    asked = request.query_params.get("format")
    if asked is not None:
        name = FORMAT_ALIASES.get(asked.strip().lower(), asked.strip().lower())
        if name not in formats:
            raise NotAcceptable(
                f"format={asked!r} is not a format of {what}; one of {', '.join(formats)}"
            )
        return name
    accept = request.headers.get("accept", "").strip()
    if not accept:
        return formats[0]
    ranges = _ranges(accept)
    scored = []
    for rank, name in enumerate(formats):
        q = max(_quality(ranges, media)[0] for media in MEDIA_TYPES[name])
        if q > 0:
            scored.append((-q, rank, name))
    if not scored:
        offered = ", ".join(MEDIA_TYPES[f][0] for f in formats)
        raise NotAcceptable(f"Accept: {accept!r} names no format of {what}; it has {offered}")
    return min(scored)[2]  # the highest q; among equal ones, the server's order


def media_type(fmt: str) -> str:
    """The Content-Type the server writes ``fmt`` with."""
    media = MEDIA_TYPES[fmt][0]
    if media.startswith("text/") or fmt in ("json", "jsonld"):
        return f"{media}; charset=utf-8"
    return media


def wants_html(request: Request) -> bool:
    """Whether the client is a browser: it names text/html and rates it above JSON."""
    ranges = _ranges(request.headers.get("accept", ""))
    html_q = _quality(ranges, "text/html")
    json_q = _quality(ranges, "application/json")
    return html_q[1] == 2 and html_q[0] > 0 and html_q[0] >= json_q[0]


def problem(
    request: Request,
    status: int,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    json_body: bool | None = None,
    **extra: object,
) -> Response:
    """An error answer: JSON ``{"error", "status", ...}`` for API clients (``json_body``, or an
    ``Accept`` naming JSON), a small HTML page for browsers, else one line of text."""
    if json_body is None:
        accept = request.headers.get("accept", "")
        json_body = "json" in accept and not wants_html(request)
    if json_body:
        body = {"error": message, "status": status, **extra}
        return JSONResponse(body, status_code=status, headers=headers)
    if wants_html(request):
        page = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{status} · stancegraph</title></head><body>"
            f"<h1>{status}</h1><p>{html.escape(message)}</p>"
            + "".join(
                f"<p>{html.escape(str(k))}: {html.escape(json.dumps(v))}</p>"
                for k, v in extra.items()
            )
            + "<p><a href='/'>stancegraph</a></p></body></html>"
        )
        return HTMLResponse(page, status_code=status, headers=headers)
    lines = [message, *(f"{k}: {json.dumps(v)}" for k, v in extra.items())]
    return PlainTextResponse("\n".join(lines) + "\n", status_code=status, headers=headers)
