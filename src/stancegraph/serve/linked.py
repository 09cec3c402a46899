"""Linked Data: every IRI of the graph under ``https://w3id.org/stancegraph/`` has a page here,
as LodView and Pubby give one.

- ``/id/<kind>/...`` (actors, claims, stances, anchors, documents...), ``/vocab/<scheme>`` and
  ``/vocab/<scheme>/<concept>``, ``/shapes/<Name>`` (the shape ``shapes#Name``),
  ``/ontology/<Term>`` (the term ``ontology#Term``) and
  ``/ontology`` (the ontology, with every term it defines; ``/ontology#Term`` lands on its
  entry) answer with the thing's description: the local part of the path is the IRI's.
- By ``Accept`` or ``?format=``: HTML for browsers (its label; every statement about it, each
  value linked; the words of the source it is anchored to and the source; what points at it,
  with their words), Turtle, N-Triples or JSON-LD (the triples about it, with the blank nodes
  it holds, such as an anchor's selectors).
- An IRI the graph does not hold is a 404.

How the public IRIs reach a deployment (w3id.org's redirect rules) is in docs/serve.md.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
import jinja2
import pyoxigraph as ox
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from stancegraph import names
from stancegraph.serve import negotiate
from stancegraph.sources import Project

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
SG = names.SG_NS
OA = "http://www.w3.org/ns/oa#"
ONTOLOGY_IRI = names.HOME + "ontology"
ONTOLOGY_GRAPH = names.GRAPH_BASE + "ontology"
#: The IRIs whose terms follow a ``#`` (``ontology#Claim``, ``shapes#ClaimShape``): each term
#: has the path ``/ontology/Claim``.
HASH_NAMESPACES = {ONTOLOGY_IRI: SG, names.HOME + "shapes": names.SHAPES_NS}

#: The most statements about one thing, and the most things pointing at it, a page shows.
MAX_OUT = 2000
MAX_IN = 500

RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}
PAGE_FORMATS = ("html", "turtle", "jsonld", "ntriples")

#: What a path may hold: the characters of our IRIs (slugs, numbers, an ontology term's name).
_PATH = re.compile(r"^[A-Za-z0-9._~/-]+$")


def iri_of(path: str) -> str | None:
    """The IRI a local path names: ``/id/person/x`` -> ``.../id/person/x``, ``/ontology/Claim``
    -> ``.../ontology#Claim``; None for a path that no IRI of ours has."""
    rest = path.lstrip("/")
    if not _PATH.match(rest) or "//" in rest or ".." in rest.split("/"):
        return None
    for whole, namespace in HASH_NAMESPACES.items():
        name = whole.removeprefix(names.HOME)
        if rest == name:
            return whole
        if rest.startswith(name + "/"):
            term = rest.removeprefix(name + "/")
            return namespace + term if term and "/" not in term else None
    return names.HOME + rest


def local_path(iri: str) -> str | None:
    """Where this server shows ``iri``, if it is one of ours."""
    for whole, namespace in HASH_NAMESPACES.items():
        if iri == whole:
            return "/" + whole.removeprefix(names.HOME)
        if iri.startswith(namespace):
            return "/" + whole.removeprefix(names.HOME) + "/" + iri[len(namespace) :]
    for base in (names.ID_BASE, names.VOCAB_BASE):
        if iri.startswith(base):
            return "/" + iri[len(names.HOME) :]
    if iri.startswith(names.VOCAB_BASE.rstrip("/")):
        return "/" + iri[len(names.HOME) :]
    return None


# --- reading the store -----------------------------------------------------------------------


@dataclass
class Value:
    """An object of a statement, as the page shows it."""

    text: str
    href: str | None = None
    label: str | None = None
    note: str | None = None
    nested: list[tuple[Value, Value]] = field(default_factory=list)


@dataclass
class Description:
    iri: str
    label: str | None
    out: list[tuple[Value, Value]]
    incoming: list[tuple[Value, Value, list[tuple[str, str | None]]]]
    quotes: list[tuple[str, str | None]]
    more_out: bool = False
    more_in: bool = False
    terms: list[tuple[str, str, str | None]] = field(default_factory=list)


def _rows(store: ox.Store, text: str) -> list[list[Any]]:
    return [list(s) for s in store.query(text, use_default_graph_as_union=True)]


def _ref(iri: str) -> str:
    return str(ox.NamedNode(iri))  # <iri>, written by pyoxigraph from a checked IRI


def exists(store: ox.Store, iri: str) -> bool:
    ref = _ref(iri)
    query = f"ASK {{ {{ {ref} ?p ?o }} UNION {{ ?s ?p {ref} }} }}"
    return bool(store.query(query, use_default_graph_as_union=True))


def labels(store: ox.Store, iris: set[str]) -> dict[str, str]:
    """A label for each IRI that has one (rdfs:label or skos:prefLabel; English first)."""
    out: dict[str, tuple[int, str]] = {}
    todo = sorted(iris)
    for start in range(0, len(todo), 200):
        chunk = " ".join(_ref(i) for i in todo[start : start + 200])
        query = (
            f"SELECT ?x ?l WHERE {{ VALUES ?x {{ {chunk} }} ?x <{RDFS_LABEL}>|<{SKOS_PREF}> ?l }}"
        )
        for x, label in _rows(store, query):
            rank = 0 if label.language == "en" else 1 if not label.language else 2
            if x.value not in out or rank < out[x.value][0]:
                out[x.value] = (rank, label.value)
    return {k: v for k, (_, v) in out.items()}


def quotes(store: ox.Store, iris: set[str]) -> dict[str, list[tuple[str, str | None]]]:
    """The words each thing is anchored to (``sg:anchor`` / its own selectors), and the source."""
    out: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    todo = sorted(iris)
    for start in range(0, len(todo), 200):
        chunk = " ".join(_ref(i) for i in todo[start : start + 200])
        query = (
            f"SELECT DISTINCT ?x ?quote ?doc WHERE {{ VALUES ?x {{ {chunk} }} "
            f"?x <{SG}anchor>? ?a . ?a <{OA}hasSelector> ?sel . ?sel <{OA}exact> ?quote . "
            f"OPTIONAL {{ ?a <{OA}hasSource> ?doc }} }}"
        )
        for x, quote, doc in _rows(store, query):
            out[x.value].append((quote.value, doc.value if doc is not None else None))
    return out


def href(iri: str) -> str | None:
    """Where a page links ``iri``: here if it is ours, else the web (``http:``, ``https:`` only;
    an IRI such as ``javascript:...`` in the data is shown, not linked, as on the site)."""
    local = local_path(iri)
    if local is not None:
        return local
    return iri if iri.lower().startswith(("http://", "https://")) else None


def _value(term: Any, names_of: dict[str, str]) -> Value:
    if isinstance(term, ox.NamedNode):
        iri = term.value
        return Value(names.compact(iri), href(iri), names_of.get(iri))
    if isinstance(term, ox.BlankNode):
        return Value("[ ]")
    if isinstance(term, ox.Literal):
        note = None
        if term.language:
            note = f"@{term.language}"
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            note = names.compact(term.datatype.value)
        return Value(term.value, note=note)
    return Value(str(term))


def describe(store: ox.Store, iri: str) -> Description | None:
    """Everything the page of ``iri`` shows; None if the graph does not hold it."""
    if not exists(store, iri):
        return None
    ref = _ref(iri)
    out_rows = _rows(
        store,
        f"SELECT ?p ?o ?bp ?bo WHERE {{ {ref} ?p ?o "
        f"OPTIONAL {{ FILTER(isBlank(?o)) ?o ?bp ?bo }} }} LIMIT {MAX_OUT + 1}",
    )
    in_rows = _rows(
        store,
        f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {ref} FILTER(!isBlank(?s)) }} "
        f"ORDER BY ?p ?s LIMIT {MAX_IN + 1}",
    )
    more_out, more_in = len(out_rows) > MAX_OUT, len(in_rows) > MAX_IN
    out_rows, in_rows = out_rows[:MAX_OUT], in_rows[:MAX_IN]
    iris = {iri}
    for row in out_rows + in_rows:
        iris.update(t.value for t in row if isinstance(t, ox.NamedNode))
    names_of = labels(store, iris)
    words = quotes(store, {iri} | {s.value for s, _p in in_rows})
    out: list[tuple[Value, Value]] = []
    nested: dict[str, Value] = {}
    for p, o, bp, bo in out_rows:
        if isinstance(o, ox.BlankNode):
            holder = nested.get(o.value)
            if holder is None:
                holder = nested[o.value] = Value("[ ]")
                out.append((_value(p, names_of), holder))
            if bp is not None:
                holder.nested.append((_value(bp, names_of), _value(bo, names_of)))
        else:
            out.append((_value(p, names_of), _value(o, names_of)))
    out.sort(key=lambda pair: (pair[0].text != "rdf:type", pair[0].text, pair[1].text))
    incoming = [
        (_value(s, names_of), _value(p, names_of), words.get(s.value, [])) for s, p in in_rows
    ]
    return Description(
        iri=iri,
        label=names_of.get(iri),
        out=out,
        incoming=incoming,
        quotes=words.get(iri, []),
        more_out=more_out,
        more_in=more_in,
    )


def ontology_terms(store: ox.Store) -> list[tuple[str, str, str | None]]:
    """(local name, label, definition) of every term the ontology defines, by name."""
    query = (
        f"SELECT ?t (SAMPLE(?l) AS ?label) (SAMPLE(?d) AS ?def) WHERE {{ "
        f"GRAPH <{ONTOLOGY_GRAPH}> {{ ?t a ?type . FILTER(STRSTARTS(STR(?t), {_string(SG)})) "
        f"OPTIONAL {{ ?t <{RDFS_LABEL}> ?l }} "
        f"OPTIONAL {{ ?t <http://www.w3.org/2004/02/skos/core#definition> ?d }} }} }} "
        "GROUP BY ?t ORDER BY ?t"
    )
    rows = store.query(query)
    return [
        (t.value[len(SG) :], label.value if label else "", d.value if d else None)
        for t, label, d in rows
    ]


def _string(text: str) -> str:
    return str(ox.Literal(text))


def triples(store: ox.Store, iri: str) -> list[Any]:
    """The triples about ``iri`` and those of the blank nodes it holds (its bounded
    description); for the ontology, the whole ontology graph."""
    if iri == ONTOLOGY_IRI:
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}"
    else:
        ref = _ref(iri)
        query = (
            f"CONSTRUCT {{ {ref} ?p ?o . ?o ?bp ?bo }} WHERE {{ {ref} ?p ?o "
            "OPTIONAL { FILTER(isBlank(?o)) ?o ?bp ?bo } }"
        )
    return list(store.query(query, use_default_graph_as_union=True))


# --- answering -------------------------------------------------------------------------------

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
_PAGE = _ENV.from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ title }} · stancegraph</title>
<link rel="alternate" type="text/turtle" href="?format=turtle">
<link rel="alternate" type="application/ld+json" href="?format=jsonld">
<style>body{font:16px/1.45 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #ddd;padding:.3rem;
vertical-align:top;text-align:left}.iri{color:#555;font-size:.9em}blockquote{margin:.4rem 0;
padding-left:.8rem;border-left:3px solid #c90}small{color:#666}</style></head>
<body>
<p><a href="/">stancegraph</a> · <a href="/sparql">SPARQL</a></p>
<h1>{{ title }}</h1>
<p class="iri">{{ d.iri }}</p>
<p>As <a href="?format=turtle">Turtle</a> · <a href="?format=jsonld">JSON-LD</a> ·
<a href="?format=ntriples">N-Triples</a>{% if reader %} · <a href="{{ reader }}">read the
article with its statements</a>{% endif %}</p>
{% if d.quotes %}<h2>In the words of the source</h2>
{% for quote, doc in d.quotes %}<blockquote>“{{ quote }}”{% if doc %}
<small>— {{ link(doc) }}</small>{% endif %}</blockquote>
{% endfor %}{% endif %}
<h2>Statements</h2>
{% if d.out %}<table><tbody>
{% for p, o in d.out %}<tr><th>{{ show(p) }}</th><td>{{ show(o) }}
{% if o.nested %}<table><tbody>{% for np, no in o.nested %}
<tr><th>{{ show(np) }}</th><td>{{ show(no) }}</td></tr>{% endfor %}</tbody></table>{% endif %}
</td></tr>
{% endfor %}</tbody></table>{% if d.more_out %}<p>… cut at {{ max_out }} statements;
ask <a href="/sparql">/sparql</a> for the rest.</p>{% endif %}
{% else %}<p>The graph says nothing about it; it is only pointed at.</p>{% endif %}
{% if d.terms %}<h2>Terms</h2><dl>
{% for name, label, definition in d.terms %}
<dt id="{{ name }}"><a href="/ontology/{{ name }}">{{ name }}</a>{% if label %}
({{ label }}){% endif %}</dt>{% if definition %}<dd>{{ definition }}</dd>{% endif %}
{% endfor %}</dl>{% endif %}
<h2>What points at it</h2>
{% if d.incoming %}<table><tbody>
{% for s, p, words in d.incoming %}<tr><td>{{ show(s) }}{% for w, doc in words %}
<blockquote>“{{ w }}”{% if doc %} <small>— {{ link(doc) }}</small>{% endif %}</blockquote>
{% endfor %}</td><th>{{ show(p) }}</th></tr>
{% endfor %}</tbody></table>{% if d.more_in %}<p>… cut at {{ max_in }}.</p>{% endif %}
{% else %}<p>Nothing.</p>{% endif %}
</body></html>
"""
)


def _show(value: Value) -> Markup:
    """A value as HTML: a link (with its label) for an IRI, else its text and its datatype or
    language."""
    text = escape(value.text)
    if value.href:
        inner = Markup("{} <span class='iri'>{}</span>").format(value.label, text)
        return Markup("<a href='{}'>{}</a>").format(value.href, inner if value.label else text)
    if value.note:
        return Markup("{} <small>{}</small>").format(text, value.note)
    return Markup(text)


def _link(iri: str) -> Markup:
    return _show(Value(names.compact(iri), href(iri)))


def render(d: Description) -> str:
    title = d.label or names.compact(d.iri)
    reader = None
    match = names.DOCUMENT_IRI.match(d.iri)
    if match:
        reader = f"/source/{match.group('key')}"
    return _PAGE.render(
        d=d,
        title=title,
        reader=reader,
        show=_show,
        link=_link,
        max_out=MAX_OUT,
        max_in=MAX_IN,
    )


def routes(project: Project, store: ox.Store) -> list[Route]:
    async def page(request: Request) -> Response:
        iri = iri_of(request.url.path)
        if iri is None:
            return negotiate.problem(request, 404, f"{request.url.path} names no IRI of the graph")
        try:
            fmt = negotiate.choose(request, PAGE_FORMATS, "a page")
        except negotiate.NotAcceptable as exc:
            return negotiate.problem(request, 406, exc.message)
        headers = {"Vary": "Accept"}
        if fmt == "html":
            d = await anyio.to_thread.run_sync(describe, store, iri)
            if d is None:
                return _unknown(request, iri)
            if iri == ONTOLOGY_IRI:
                d.terms = await anyio.to_thread.run_sync(ontology_terms, store)
            return HTMLResponse(render(d), headers=headers)
        found = await anyio.to_thread.run_sync(triples, store, iri)
        if not found and not await anyio.to_thread.run_sync(exists, store, iri):
            return _unknown(request, iri)
        prefixes = {**names.STANDARD, **names.OTHER} if fmt == "turtle" else None
        body = ox.serialize(found, format=RDF_FORMATS[fmt], prefixes=prefixes)
        return Response(body, media_type=negotiate.media_type(fmt), headers=headers)

    return [
        Route("/id/{rest:path}", page, methods=["GET"]),
        Route("/vocab/{rest:path}", page, methods=["GET"]),
        Route("/ontology", page, methods=["GET"]),
        Route("/ontology/{rest:path}", page, methods=["GET"]),
        Route("/shapes", page, methods=["GET"]),
        Route("/shapes/{rest:path}", page, methods=["GET"]),
    ]


def _unknown(request: Request, iri: str) -> Response:
    return negotiate.problem(request, 404, f"the graph holds nothing about <{iri}>")
