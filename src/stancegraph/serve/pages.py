"""The pages an analyst reads in ``stancegraph serve`` (issue #21): the reader, the network, the
timeline and the query page, with their scripts and styles served from ``serve/static/``.

- ``/`` lists the sources, with links to their reader and to the other pages;
- ``/source/KEY`` is the source's text (``seeds/KEY.txt``, byte for byte) with every anchor of the
  source marked where its offsets put it (``oa:TextPositionSelector``; its quote where the
  offsets do not hold it, as :func:`stancegraph.anchors.resolve_span` reads it). Overlapping
  anchors nest; where two cross, the inner one is closed and reopened around the other's end as
  a continuation (``mark.anchor-cont``), so each anchor has exactly one ``mark.anchor`` carrying
  ``data-start``/``data-end`` and the text of its fragments is its quote. What is anchored there
  (claims, stances, events, relations, mentions..., and the claims whose hedge words it is) is
  sent with the page as JSON and shown by ``static/reader.js`` when a span is clicked;
- ``/network`` and ``/timeline`` draw, as SVG in the browser (``static/network.js``,
  ``static/timeline.js``, no library), the facts of the pictures
  (:func:`stancegraph.plots.network_facts`, placed by :func:`stancegraph.plots.network_layout`)
  and the answer of the saved query ``timeline``;
- ``/query`` is a form whose script posts to the SPARQL endpoint ``/sparql`` and shows the table.

Every page asks only its own server for anything (a ``Content-Security-Policy`` of ``'self'``
says so to the browser too). The store is read-only, so what a page shows is worked out once,
on first request, from an in-memory copy of it, and kept.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import jinja2
import pyoxigraph as ox
from rdflib import URIRef
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from stancegraph import anchors, names, plots, queries
from stancegraph.errors import StancegraphError
from stancegraph.sources import KEY_PATTERN, Project

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

#: Where the assets are served.
STATIC_PATH = "/static"

#: What the browser may load: only from this server; no inline script runs.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

SG = names.SG_NS
OA = names.STANDARD["oa"]
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PROV = names.STANDARD["prov"]
TIME = names.STANDARD["time"]

#: Properties a statement's card shows first, in this order; the others follow by label.
FIRST = [
    SG + "paraphrase",
    SG + "claimant",
    SG + "holder",
    SG + "polarity",
    SG + "target",
    SG + "expression",
    SG + "relationSubject",
    SG + "relationProperty",
    SG + "relationObject",
    SG + "statedInOwnVoice",
    SG + "eventType",
    SG + "eventStatus",
    TIME + "hasTime",
    SG + "refersTo",
    SG + "claimKind",
    SG + "certainty",
    SG + "hedge",
    SG + "reportingMode",
]
#: Not shown on a card: the type (the card's kind), the label (its title), the anchors (the
#: span clicked), the chain's parts (shown as the chain), and blank-node structure.
HIDDEN = {
    RDF_TYPE,
    RDFS_LABEL,
    SG + "anchor",
    SG + "hedgeAnchor",
    SG + "reporter",
    SG + "reporterCertainty",
    SG + "intermediary",
    SG + "attributedBy",
    PROV + "qualifiedAssociation",
}


#: The order of the kinds of what is anchored: a span is coloured by the first it holds.
KIND_ORDER = ["claim", "stance", "relation", "event", "quantity", "proposition", "time"]


def kind_rank(kind: str) -> tuple[int, str]:
    return (KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), kind)


def id_href(iri: str) -> str | None:
    """The server's page for a dataset IRI (``/id/...``), or None for an IRI outside it."""
    if iri.startswith(names.ID_BASE):
        return "/id/" + iri[len(names.ID_BASE) :]
    return None


def kind_name(iri: str, types: Iterable[str]) -> str:
    """What a node is, for a reader: its IRI kind (``claim``, ``stance``...), else its type."""
    kind = names.kind_of(iri)
    if kind is not None:
        return kind.segment
    for t in sorted(types):
        return names.compact(t).split(":")[-1].lower()
    return "other"


def fragment(iri: str, key: str) -> str | None:
    """``anchor-N`` for the anchor ``id/anchor/KEY/N``: the reader's ``#anchor-N`` opens it."""
    match = names.SOURCE_IRI.match(iri)
    if match and match.group("kind") == "anchor" and match.group("key") == key:
        return f"anchor-{match.group('n')}"
    return None


# ---------------------------------------------------------------------------------------------
# Placing the anchors in the text
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """An anchor placed in a text: ``text[start:end]``."""

    iri: str
    start: int
    end: int


def place(text: str, found: Iterable[anchors.Anchor]) -> tuple[list[Mark], list[anchors.Anchor]]:
    """The anchors that can be placed in ``text`` (by their offsets, else their quote), sorted
    by position (outer first), and those that cannot."""
    placed, unplaced = [], []
    for anchor in found:
        if not (
            anchor.start is not None
            and anchor.end is not None
            and 0 <= anchor.start <= anchor.end <= len(text)
        ):  # offsets outside the text (negative ones would count from its end): by the quote
            anchor = dataclasses.replace(anchor, start=None, end=None)
        span = anchors.resolve_span(anchor, text)
        if span is None:
            unplaced.append(anchor)
        else:
            placed.append(Mark(str(anchor.iri), span[0], span[1]))
    placed.sort(key=lambda m: (m.start, -m.end, anchors.natural_key(m.iri)))
    return placed, unplaced


def marked_html(text: str, marks: list[Mark], attrs: Callable[[Mark], dict[str, str]]) -> str:
    """``text`` as HTML with each mark a ``<mark class="anchor">`` around its span.

    Marks nest; a mark that crosses the end of an enclosing one is closed there and reopened
    after it as ``<mark class="anchor-cont">`` with the same ``data-anchor``, so the page stays
    well-formed and every character of a span is inside an element of its anchor. ``attrs``
    gives each mark's other attributes (its ``class`` words and ``data-*``)."""
    starts: dict[int, list[Mark]] = defaultdict(list)
    ends: set[int] = set()
    for m in marks:
        starts[m.start].append(m)
        ends.add(m.end)
    bounds = sorted(set(starts) | ends | {0, len(text)})
    out: list[str] = []
    stack: list[Mark] = []

    def open_tag(m: Mark, first: bool) -> str:
        extra = attrs(m)
        words = " ".join(["anchor" if first else "anchor-cont", extra.pop("class", "")]).strip()
        data = {"data-anchor": m.iri}
        if first:
            data.update({"data-start": str(m.start), "data-end": str(m.end), "tabindex": "0"})
        data.update(extra)
        shown = "".join(f' {k}="{escape(v, quote=True)}"' for k, v in data.items())
        return f'<mark class="{escape(words, quote=True)}"{shown}>'

    for i, b in enumerate(bounds):
        # close what ends here; what was open inside a closing mark is reopened after it
        closing = [j for j, m in enumerate(stack) if m.end == b]
        if closing:
            reopen = [m for m in stack[closing[0] :] if m.end != b]
            out.append("</mark>" * (len(stack) - closing[0]))
            del stack[closing[0] :]
            for m in reopen:
                out.append(open_tag(m, first=False))
                stack.append(m)
        for m in starts.get(b, []):
            if m.end == m.start:
                out.append(open_tag(m, first=True) + "</mark>")
            else:
                out.append(open_tag(m, first=True))
                stack.append(m)
        if i + 1 < len(bounds):
            out.append(escape(text[b : bounds[i + 1]], quote=False))
    out.append("</mark>" * len(stack))
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# What is anchored in a source
# ---------------------------------------------------------------------------------------------

ANCHORS_QUERY = f"""
SELECT ?doc ?anchor ?exact ?prefix ?suffix ?start ?end WHERE {{
  ?anchor a <{OA}SpecificResource> ; <{OA}hasSource> ?doc .
  OPTIONAL {{ ?anchor <{OA}hasSelector> ?q . ?q a <{OA}TextQuoteSelector> ; <{OA}exact> ?exact .
             OPTIONAL {{ ?q <{OA}prefix> ?prefix }} OPTIONAL {{ ?q <{OA}suffix> ?suffix }} }}
  OPTIONAL {{ ?anchor <{OA}hasSelector> ?p . ?p a <{OA}TextPositionSelector> ;
             <{OA}start> ?start ; <{OA}end> ?end }}
}}"""

ANCHORED_QUERY = f"""
SELECT DISTINCT ?doc ?anchor ?node ?property WHERE {{
  ?anchor a <{OA}SpecificResource> ; <{OA}hasSource> ?doc .
  ?node ?property ?anchor .
}}"""

NODE_QUERY = f"""
SELECT DISTINCT ?doc ?node ?p ?o ?iri WHERE {{
  ?anchor a <{OA}SpecificResource> ; <{OA}hasSource> ?doc .
  ?node ?x ?anchor .
  ?node ?p ?o .
  BIND(isIRI(?o) AS ?iri)
}}"""

ACTORS_QUERY = f"""
SELECT DISTINCT ?actor WHERE {{
  ?actor a ?class . ?class <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{SG}Actor> .
}}"""

EVENT_QUERY = f"""
SELECT DISTINCT ?event ?actor ?exact WHERE {{
  ?event a <{SG}Event> .
  OPTIONAL {{ ?event <{PROV}wasAssociatedWith> ?actor }}
  OPTIONAL {{ ?event <{SG}anchor>/<{OA}hasSelector>/<{OA}exact> ?exact }}
}}"""


def select(
    store: ox.Store, text: str, bind: dict[str, ox.NamedNode] | None = None
) -> list[dict[str, str]]:
    """The rows of a fixed SELECT of this module, each term as its string value (a blank node
    as ``_:`` and its label)."""
    result = store.query(
        text,
        use_default_graph_as_union=True,
        substitutions={ox.Variable(k): v for k, v in (bind or {}).items()} or None,
    )
    names_ = [v.value for v in result.variables]
    rows = []
    for solution in result:
        row = {}
        for name in names_:
            term = solution[name]
            if isinstance(term, ox.BlankNode):
                row[name] = "_:" + term.value
            elif term is not None:
                row[name] = term.value
        rows.append(row)
    return rows


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


@dataclass
class Reader:
    """What the reader page of one source shows."""

    key: str
    title: str
    html: str
    marks: list[Mark]
    unplaced: list[dict[str, str]]
    data: dict[str, Any]


class Site:
    """The pages' data, worked out once per source (the store does not change while served)."""

    def __init__(self, project: Project, store: ox.Store) -> None:
        self.project = project
        self._source_store = store
        self._store: ox.Store | None = None
        self._lock = threading.Lock()
        self._readers: dict[str, Reader] = {}
        self._network: dict[str, Any] | None = None
        self._timeline: dict[str, Any] | None = None
        self._labels: dict[str, str] = {}

    # -- the store and labels ------------------------------------------------------------------

    @property
    def store(self) -> ox.Store:
        """An in-memory copy of the store: queried in this process, and forked cheaply by
        :mod:`stancegraph.isolation` for the saved queries (an on-disk store cannot be)."""
        if self._store is None:
            copy = ox.Store()
            copy.extend(self._source_store.quads_for_pattern(None, None, None, None))
            self._store = copy
        return self._store

    def engine(self, store: ox.Store | None = None) -> queries.OxigraphEngine:
        return queries.OxigraphEngine(store=store or self.store)

    def labels(self, iris: Iterable[str]) -> dict[str, str]:
        """A label for each IRI (by :func:`stancegraph.queries.labels`), else its short name."""
        iris = list(iris)
        wanted = {i for i in iris if i not in self._labels and _is_iri(i)}
        if wanted:
            found = queries.labels(self.engine(), [URIRef(i) for i in wanted])
            for i in wanted:
                label = found.get(URIRef(i))
                self._labels[i] = " ".join(label.split()) if label else names.compact(i)
        return {i: self._labels.get(i, i) for i in iris}

    def source_keys(self) -> list[str]:
        return [s.key for s in self.project.sources]

    def title(self, key: str) -> str:
        doc = names.DOCUMENT_BASE + key
        return self.labels([doc])[doc]

    # -- the reader ----------------------------------------------------------------------------

    def reader(self, key: str) -> Reader | None:
        """The reader of source ``key``; None if the project has no such source."""
        if not KEY_PATTERN.match(key) or key not in self.source_keys():
            return None
        with self._lock:
            if key not in self._readers:
                self._readers[key] = self._make_reader(key)
            return self._readers[key]

    def _make_reader(self, key: str) -> Reader:
        text = self.project.seed_text(key)
        doc = {"doc": ox.NamedNode(names.DOCUMENT_BASE + key)}
        found: dict[str, anchors.Anchor] = {}
        for row in select(self.store, ANCHORS_QUERY, doc):
            if row["anchor"] in found:
                continue
            found[row["anchor"]] = anchors.Anchor(
                iri=URIRef(row["anchor"]),
                source=URIRef(names.DOCUMENT_BASE + key),
                exact=row.get("exact"),
                prefix=row.get("prefix"),
                suffix=row.get("suffix"),
                start=_int(row.get("start")),
                end=_int(row.get("end")),
            )
        marks, unplaced = place(text, found.values())

        props: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        iri_values: set[str] = set()  # the values that are IRIs (not literals that look like one)
        for row in select(self.store, NODE_QUERY, doc):
            props[row["node"]][row["p"]].append(row["o"])
            if row["iri"] == "true":
                iri_values.add(row["o"])
        by_anchor: dict[str, list[list[str]]] = defaultdict(list)
        for row in select(self.store, ANCHORED_QUERY, doc):
            how = "hedge" if row["property"] == SG + "hedgeAnchor" else "anchor"
            by_anchor[row["anchor"]].append([row["node"], how])
        actors = {r["actor"] for r in select(self.store, ACTORS_QUERY)}

        iris = set(props) | {doc["doc"].value} | iri_values
        for p in props.values():
            iris.update(p)
        labels = self.labels(iris)

        nodes = {iri: self._card(iri, p, labels, actors, iri_values) for iri, p in props.items()}
        for entries in by_anchor.values():
            entries.sort(key=lambda e: (e[1] != "anchor", anchors.natural_key(e[0])))
        kinds_of: dict[str, list[str]] = {}
        actors_of: dict[str, list[str]] = {}
        for m in marks:
            entries = by_anchor.get(m.iri, [])
            kinds_of[m.iri] = sorted(
                {
                    "hedge" if how == "hedge" else nodes[n]["kind"]
                    for n, how in entries
                    if n in nodes
                },
                key=kind_rank,
            ) or ["none"]
            actors_of[m.iri] = sorted(
                {a for n, _ in entries for a in nodes.get(n, {}).get("actors", [])}
            )

        def attrs(m: Mark) -> dict[str, str]:
            kinds = kinds_of[m.iri]
            out = {
                "class": f"k-{kinds[0]}",
                "data-kinds": " ".join(kinds),
                "data-actors": " ".join(actors_of[m.iri]),
            }
            name = fragment(m.iri, key)
            if name:
                out["id"] = name
            return out

        used_actors = sorted({a for a_list in actors_of.values() for a in a_list})
        kind_counts: dict[str, int] = defaultdict(int)
        for kinds in kinds_of.values():
            for k in kinds:
                kind_counts[k] += 1
        data = {
            "key": key,
            "anchors": {
                m.iri: {
                    "start": m.start,
                    "end": m.end,
                    "quote": text[m.start : m.end],
                    "href": id_href(m.iri),
                    "nodes": by_anchor.get(m.iri, []),
                }
                for m in marks
            },
            "nodes": nodes,
            "actors": [[a, self.labels([a])[a]] for a in used_actors],
            "kinds": sorted(kind_counts.items(), key=lambda item: kind_rank(item[0])),
        }
        data["actors"].sort(key=lambda pair: pair[1].lower())
        return Reader(
            key=key,
            title=labels[doc["doc"].value],
            html=marked_html(text, marks, attrs),
            marks=marks,
            unplaced=[
                {"iri": str(a.iri), "exact": a.exact or "", "href": id_href(str(a.iri)) or ""}
                for a in unplaced
            ],
            data=data,
        )

    def _card(
        self,
        iri: str,
        props: dict[str, list[str]],
        labels: dict[str, str],
        actors: set[str],
        iri_values: set[str],
    ) -> dict[str, Any]:
        """One statement as the reader's panel shows it."""

        def value(v: str) -> dict[str, str]:
            if v in iri_values:
                # a link to its page where the server has one (the IRI follows from it)
                href = id_href(v)
                shown = labels.get(v, names.compact(v))
                return {"t": shown, "h": href} if href else {"t": shown, "iri": v}
            return {"t": v}

        def one(prop: str) -> dict[str, str] | None:
            vs = sorted(props.get(prop, []))
            return value(vs[0]) if vs else None

        shown = [p for p in FIRST if p in props] + sorted(
            (p for p in props if p not in HIDDEN and p not in FIRST),
            key=lambda p: labels.get(p, p).lower(),
        )
        fields = [
            [labels.get(p, names.compact(p)), [value(v) for v in sorted(props[p]) if v[:2] != "_:"]]
            for p in shown
        ]
        fields = [f for f in fields if f[1]]
        chain = []
        # from the outside in: who passes it on, whom they cite, whose it is
        if SG + "reporter" in props:
            step = one(SG + "reporter")
            certainty = one(SG + "reporterCertainty")
            chain.append(["reported by", step, certainty["t"] if certainty else ""])
        if SG + "attributedBy" in props:
            chain.append(["attributed by", one(SG + "attributedBy"), ""])
        for v in sorted(props.get(SG + "intermediary", [])):
            chain.append(["according to", value(v), ""])
        if SG + "claimant" in props:
            certainty = one(SG + "certainty")
            hedge = one(SG + "hedge")
            note = ", ".join(x["t"] for x in (certainty, hedge) if x)
            chain.append(["claimed by", one(SG + "claimant"), note])
        if SG + "holder" in props:
            chain.append(["held by", one(SG + "holder"), ""])
        involved = sorted({v for vs in props.values() for v in vs if v in actors})
        # the catalogue's label (English first), else the IRI short; a blank node by its type
        if iri.startswith("_:"):
            types = sorted(props.get(RDF_TYPE, []))
            label = ", ".join(labels.get(t, names.compact(t)) for t in types) or "(no IRI)"
        else:
            label = labels.get(iri, names.compact(iri))
        return {
            "iri": iri,
            "href": id_href(iri),
            "kind": kind_name(iri, props.get(RDF_TYPE, [])),
            "label": label,
            "fields": fields,
            "chain": chain,
            "actors": involved,
        }

    # -- the network ---------------------------------------------------------------------------

    def network(self) -> dict[str, Any]:
        with self._lock:
            if self._network is None:
                self._network = self._make_network()
            return self._network

    def _sub_store(self, key: str) -> ox.Store:
        """The model, the actors and one source's graph: what that source alone says."""
        keep = {
            names.GRAPH_BASE + g for g in ("ontology", "vocab", "shapes", "actors", f"source/{key}")
        }
        sub = ox.Store()
        for graph in self.store.named_graphs():
            if graph.value in keep:
                sub.extend(self.store.quads_for_pattern(None, None, None, graph))
        return sub

    def _make_network(self) -> dict[str, Any]:
        facts = plots.network_facts(self.store, self.project)
        layout = plots.network_layout(facts)

        def edge_key(e: plots.Edge) -> tuple[str, str, str, str]:
            return (e.source, e.target, e.label, e.kind)

        sources_of: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
        keys = self.source_keys()
        if len(keys) == 1:
            for e in facts.edges:
                sources_of[edge_key(e)].append(keys[0])
        else:
            for key in keys:
                for e in plots.network_facts(self._sub_store(key), self.project).edges:
                    if key not in sources_of[edge_key(e)]:
                        sources_of[edge_key(e)].append(key)
        edges = [
            {
                "s": e.source,
                "t": e.target,
                "label": e.label,
                "kind": e.kind,
                "tone": e.tone,
                "solid": e.solid,
                "count": e.count,
                "sources": sources_of.get(edge_key(e), []),
            }
            for e in facts.edges
        ]
        nodes = []
        for iri, node in sorted(facts.nodes.items()):
            x, y = layout.get(iri, (0.0, 0.0))
            nodes.append(
                {
                    "id": iri,
                    "label": node.label,
                    "kind": node.kind,
                    "side": facts.sides.get(node.side, "") if node.side else "",
                    "href": id_href(iri),
                    "x": x,
                    "y": y,
                }
            )
        return {"nodes": nodes, "edges": edges, "sources": keys}

    # -- the timeline --------------------------------------------------------------------------

    def timeline(self) -> dict[str, Any]:
        with self._lock:
            if self._timeline is None:
                self._timeline = self._make_timeline()
            return self._timeline

    def _make_timeline(self) -> dict[str, Any]:
        answer = queries.run(queries.find(self.project, "timeline"), self.engine())
        events: dict[str, dict[str, Any]] = {}
        for row in answer.rows:
            r = {v: str(t) for v, t in zip(answer.variables, row, strict=True) if t is not None}
            e = events.setdefault(
                r["event"],
                {
                    "id": r["event"],
                    "href": id_href(r["event"]),
                    "earliest": r.get("earliest"),
                    "latest": r.get("latest"),
                    "precision": r.get("precision", ""),
                    "type": r.get("eventType", ""),
                    "status": r.get("status", ""),
                    "inferred": r.get("dateInferred") == "true",
                    "sources": [],
                    "actors": [],
                    "quotes": [],
                },
            )
            doc = r.get("source", "")
            if doc.startswith(names.DOCUMENT_BASE):
                key = doc[len(names.DOCUMENT_BASE) :]
                if key not in e["sources"]:
                    e["sources"].append(key)
        for row in select(self.store, EVENT_QUERY):
            e = events.get(row["event"])
            if e is None:
                continue
            if "actor" in row and row["actor"] not in e["actors"]:
                e["actors"].append(row["actor"])
            if "exact" in row and row["exact"] not in e["quotes"]:
                e["quotes"].append(row["exact"])
        iris = set(events)
        for e in events.values():
            iris.update(e["actors"])
            iris.update(x for x in (e["precision"], e["type"], e["status"]) if x)
        labels = self.labels(iris)
        for e in events.values():
            e["label"] = labels[e["id"]]
            for field in ("precision", "type", "status"):
                e[field] = labels[e[field]] if e[field] else ""
            e["actors"].sort()
            e["quotes"].sort(key=len)
        actors = sorted({a for e in events.values() for a in e["actors"]})
        return {
            "events": list(events.values()),
            "actors": sorted(([a, labels[a]] for a in actors), key=lambda p: p[1].lower()),
            "types": sorted({e["type"] for e in events.values() if e["type"]}),
            "sources": self.source_keys(),
        }

    # -- the query page ------------------------------------------------------------------------

    def examples(self) -> list[dict[str, str]]:
        """The saved queries without parameters, for the query page to start from."""
        out = []
        for q in queries.catalogue(self.project):
            if not q.params:
                out.append({"name": q.name, "summary": q.summary, "text": q.text})
        return out


def _is_iri(value: str) -> bool:
    return queries.looks_like_iri(value)


# ---------------------------------------------------------------------------------------------
# The routes
# ---------------------------------------------------------------------------------------------


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    env.globals["static"] = STATIC_PATH
    return env


def routes(project: Project, store: ox.Store) -> list[BaseRoute]:
    """The pages' routes, for ``create_app`` to mount: ``/``, ``/source/{key}``, ``/network``,
    ``/timeline``, ``/query`` and the assets under ``/static``."""
    site = Site(project, store)
    env = environment()

    def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": CSP})

    def failed(exc: StancegraphError, what: str = "this page") -> HTMLResponse:
        return page("error.html", 500, title=f"Cannot show {what}", message=str(exc))

    def index(request: Request) -> Response:
        try:
            sources = [{"key": k, "title": site.title(k)} for k in site.source_keys()]
        except StancegraphError as exc:
            return failed(exc)
        return page("index.html", title="Sources", sources=sources)

    def reader(request: Request) -> Response:
        key = request.path_params["key"]
        try:
            found = site.reader(key)
            known = site.source_keys()
        except StancegraphError as exc:
            return failed(exc)
        if found is None:
            return page(
                "error.html",
                404,
                title="No such source",
                message=f"There is no source {key!r} in this project.",
                known=known,
            )
        return page("reader.html", title=found.title, reader=found)

    def network(request: Request) -> Response:
        try:
            data = site.network()
        except StancegraphError as exc:
            return failed(exc, "the network")
        return page("network.html", title="Actor network", data=data)

    def timeline(request: Request) -> Response:
        try:
            data = site.timeline()
        except StancegraphError as exc:
            return failed(exc, "the timeline")
        return page("timeline.html", title="Timeline", data=data)

    def query(request: Request) -> Response:
        try:
            examples = site.examples()
        except StancegraphError as exc:
            return failed(exc)
        return page("query.html", title="Query", examples=examples)

    return [
        Route("/", index, name="pages-index"),
        Route("/source/{key}", reader, name="pages-reader"),
        Route("/network", network, name="pages-network"),
        Route("/timeline", timeline, name="pages-timeline"),
        Route("/query", query, name="pages-query"),
        Mount(STATIC_PATH, app=StaticFiles(directory=str(STATIC)), name="pages-static"),
    ]
