"""``stancegraph build``: the dataset as files in ``dist/``, with its metadata and checksums.

What is written (file names are :data:`DATA_FILES`, :data:`METADATA_FILE`, :data:`SUMS_FILE`):

| file                  | what                                                               |
|-----------------------|--------------------------------------------------------------------|
| ``stancegraph.trig``  | the dataset, one named graph per layer (docs/architecture.md)      |
| ``stancegraph.nq``    | the same quads as N-Quads, one per line, lines sorted              |
| ``stancegraph.ttl``   | every graph merged into one Turtle graph                           |
| ``stancegraph.jsonld``| the dataset as JSON-LD with an inline ``@context`` (no remote one) |
| ``void.ttl``          | VoID and DCAT: title, license, version, triples per graph, class    |
|                       | and property partitions, the saved queries, one distribution per    |
|                       | file with its media type, size and SHA-256                          |
| ``SHA256SUMS``        | ``sha256sum -c`` input for every file above                         |

The build is all or nothing: the files are written into a new folder beside the output folder,
which is then swapped in whole (:func:`replace_folder`), so the output folder holds either the
previous complete set or the new one, whatever stops the build. Entries of the output folder that
the build does not write (the site in ``docs/``, the pictures in ``img/``, a README) are kept.

The build is deterministic: the same sources give byte-identical files. Blank nodes get canonical
labels (W3C RDFC-1.0 by pyoxigraph, or where that would take too long, labels from colour
refinement; salted with the graph's IRI so that two graphs never share one), triples enter the
serialisers in sorted order, N-Quads lines are sorted, JSON keys and node arrays are sorted, and
the only dates are the ones the ontology states. Nothing is written recursively: Turtle and TriG
nest blank nodes at most :data:`MAX_NESTING` deep, JSON-LD is flat.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import hashlib
import heapq
import io
import json
import os
import re
import secrets
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, VOID, NamespaceManager, split_uri
from rdflib.plugins.serializers.jsonld import Converter
from rdflib.plugins.serializers.turtle import TurtleSerializer
from rdflib.plugins.shared.jsonld.context import Context
from rdflib.term import Node

from stancegraph import graph, names, queries
from stancegraph.errors import ProjectError
from stancegraph.sources import Project, fsync_dir

SCHEMA = Namespace("https://schema.org/")
#: DCAT, open: rdflib's closed DCAT 2 namespace lacks DCAT 3's ``dcat:version``.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
#: SHACL, open: ``sh:describe`` is the sib-swiss extension for DESCRIBE queries.
SH = Namespace("http://www.w3.org/ns/shacl#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
IANA = "https://www.iana.org/assignments/media-types/"

BASE = "https://w3id.org/stancegraph/"
DATASET = URIRef(BASE + "dataset")
DISTRIBUTION_BASE = BASE + "dataset/distribution/"
QUERY_BASE = BASE + "query/"

TITLE = "stancegraph"
DESCRIPTION = (
    "An open knowledge graph of who says what about whom: the actors, claims and stances in "
    "geopolitical analysis articles, with the OWL ontology, SKOS vocabularies and SHACL shapes "
    "that describe them. One named graph per layer: ontology, vocab, shapes, actors, and one per "
    "source document."
)
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")

TRIG = "stancegraph.trig"
NQUADS = "stancegraph.nq"
TURTLE = "stancegraph.ttl"
JSONLD = "stancegraph.jsonld"
METADATA_FILE = "void.ttl"
SUMS_FILE = "SHA256SUMS"

#: The dataset files, each with its media type.
DATA_FILES: dict[str, str] = {
    TRIG: "application/trig",
    NQUADS: "application/n-quads",
    TURTLE: "text/turtle",
    JSONLD: "application/ld+json",
}

#: Prefixes the metadata file uses, whatever the sources declare.
METADATA_PREFIXES: dict[str, str] = {
    "dcat": str(DCAT),
    "dcterms": str(DCTERMS),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "schema": str(SCHEMA),
    "sh": str(SH),
    "spdx": str(SPDX),
    "void": str(VOID),
    "xsd": str(XSD),
}

_QUERY_FORMS = {
    "SelectQuery": SH.select,
    "ConstructQuery": SH.construct,
    "AskQuery": SH.ask,
    "DescribeQuery": SH.describe,
}
_QUERY_CLASSES = {
    "SelectQuery": SH.SPARQLSelectExecutable,
    "ConstructQuery": SH.SPARQLConstructExecutable,
    "AskQuery": SH.SPARQLAskExecutable,
    "DescribeQuery": SH.SPARQLDescribeExecutable,
}


@dataclass(frozen=True)
class BuiltFile:
    """One file written by the build."""

    name: str
    path: Path
    media_type: str
    size: int
    sha256: str


def query_iri(query: queries.SavedQuery) -> URIRef:
    """The IRI ``void.ttl`` gives a saved query: ``.../query/<name>``."""
    return URIRef(QUERY_BASE + query.name)


@dataclass
class BuildResult:
    """What ``stancegraph build`` wrote."""

    out_dir: Path
    files: list[BuiltFile] = field(default_factory=list)
    triples: dict[URIRef, int] = field(default_factory=dict)
    version: str | None = None
    queries: list[queries.SavedQuery] = field(default_factory=list)


# --- the dataset with canonical blank nodes ---------------------------------------------------


def canonical_dataset(dataset: Dataset) -> Dataset:
    """A copy of ``dataset`` whose blank nodes have canonical, graph-specific labels.

    Each named graph is labelled on its own (:func:`canonical_triples`: W3C RDFC-1.0 by
    pyoxigraph where that is cheap, else refinement); its labels are then salted with a hash of
    the graph's IRI, so two graphs never share a blank node by accident of equal structure.
    Quads are inserted in sorted order, so every serialiser that keeps insertion order for ties
    sees the same order in every run.
    """
    out = Dataset()
    _rebind(out, _used_prefixes(dataset))
    for iri, g in sorted(graph.named_graphs(dataset).items()):
        salt = hashlib.sha256(str(iri).encode("utf-8")).hexdigest()[:8]
        target = out.graph(iri)
        for triple in sorted(canonical_triples(g, salt), key=_triple_key):
            target.add(triple)
    return out


Triple = tuple[Node, Node, Node]

#: The most work (:func:`rdfc_cost`) a graph's blank nodes may ask of RDFC-1.0. The algorithm
#: is exponential in the worst case (issue #22): in pyoxigraph a chain of 200 blank nodes took
#: 1 s, one of 600 took 43 s, one of 2,000 over 10 minutes (its UNSTABLE algorithm crashed the
#: process there), and two blank nodes with 9 alike blank leaves each took 22 s. A chain of 100,
#: just under this bound, takes 0.24 s; the real dataset asks for 70.
RDFC_BUDGET = 10_000


def canonical_triples(triples: Iterable[Triple], salt: str = "") -> list[Triple]:
    """``triples`` with blank nodes relabelled canonically, labels prefixed ``b<salt>``.

    Triples without blank nodes pass through untouched. Blank nodes get the labels of W3C
    RDFC-1.0 (``c14n0``...), computed by pyoxigraph, when their structure asks little work of
    it (:data:`RDFC_BUDGET`); otherwise, on structures only a hostile or generated file has
    (long chains of blank nodes, many alike), :func:`refined_labels` (``h0``...), which take
    linear time. Either way the same graph gets the same labels in every run.
    """
    plain: list[Triple] = []
    with_blank: list[Triple] = []
    for triple in triples:
        if any(isinstance(node, BNode) for node in triple):
            with_blank.append(triple)
        else:
            plain.append(triple)
    if not with_blank:
        return plain
    prefix = f"b{salt}"
    if rdfc_cost(with_blank) > RDFC_BUDGET:
        labels = refined_labels(with_blank)
        for triple in with_blank:
            s, p, o = (BNode(prefix + labels[n]) if isinstance(n, BNode) else n for n in triple)
            plain.append((s, p, o))
        return plain
    quads = []
    for triple in with_blank:
        s, p, o = (graph.to_oxigraph(node) for node in triple)
        quads.append(ox.Quad(s, p, o))  # type: ignore[arg-type]
    data = ox.Dataset(quads)
    data.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    for quad in data:
        plain.append(
            (
                _from_ox(quad.subject, prefix),
                _from_ox(quad.predicate, prefix),
                _from_ox(quad.object, prefix),
            )
        )
    return plain


def _first_degree(triples: list[Triple]) -> dict[BNode, str]:
    """Each blank node's RDFC-1.0 first-degree signature: the triples it is in, itself written
    ``_:a`` and every other blank node ``_:z``, sorted and hashed."""
    mentions: dict[BNode, list[str]] = {}
    for triple in triples:
        for node in {n for n in triple if isinstance(n, BNode)}:
            line = " ".join(
                "_:a" if n == node else "_:z" if isinstance(n, BNode) else n.n3() for n in triple
            )
            mentions.setdefault(node, []).append(line)
    return {node: _hash("\n".join(sorted(lines))) for node, lines in mentions.items()}


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _neighbours(triples: list[Triple]) -> dict[BNode, list[tuple[str, Node, BNode]]]:
    """Each blank node's blank neighbours: (``out`` or ``in``, predicate, the neighbour)."""
    near: dict[BNode, list[tuple[str, Node, BNode]]] = {}
    for s, p, o in triples:
        if isinstance(s, BNode):
            near.setdefault(s, [])
        if isinstance(o, BNode):
            near.setdefault(o, [])
        if isinstance(s, BNode) and isinstance(o, BNode):
            near[s].append(("out", p, o))
            near[o].append(("in", p, s))
    return near


def rdfc_cost(triples: list[Triple]) -> int:
    """A bound, in steps, on the work RDFC-1.0 does for the blank nodes of ``triples``.

    RDFC-1.0 names at once each blank node whose first-degree signature no other shares; the
    rest it tells apart by walking their blank neighbours that are not yet named, trying every
    order of neighbours that look alike. So the work is counted per group of unnamed blank
    nodes linked to each other: its size, squared (each walks all), times the number of orders
    of each node's alike neighbours. Counted without recursion, stopping past the budget.
    """
    first = _first_degree(triples)
    shared = Counter(first.values())
    unnamed = {node for node, sig in first.items() if shared[sig] > 1}
    near = _neighbours(triples)
    cost = 0
    seen: set[BNode] = set()
    for start in unnamed:
        if start in seen:
            continue
        group, stack = [], [start]
        seen.add(start)
        while stack:
            node = stack.pop()
            group.append(node)
            for _, _, other in near[node]:
                if other in unnamed and other not in seen:
                    seen.add(other)
                    stack.append(other)
        orders = 1
        for node in group:
            alike = Counter((way, p, first[other]) for way, p, other in near[node])
            for n in alike.values():
                for k in range(2, n + 1):
                    orders *= k
                    if orders > RDFC_BUDGET:
                        return RDFC_BUDGET + 1
        cost += len(group) ** 2 * orders
        if cost > RDFC_BUDGET:
            return cost
    return cost


#: Rounds of refinement before :func:`refined_labels` propagates names along the links.
REFINE_ROUNDS = 3


def refined_labels(triples: list[Triple]) -> dict[BNode, str]:
    """Labels ``h0``, ``h1``... for the blank nodes of ``triples``, in about linear time, without
    recursion, from the graph's structure alone (not from the labels the parser gave).

    Each blank node starts with its first-degree signature, refined a few rounds by the
    signatures of its blank neighbours (colour refinement). Nodes whose signature is unique are
    named by it; names then spread, in the order of the names: a neighbour that is the only one
    reached by its link (direction, predicate) and signature is named after the node, the link
    and its signature. Where that reaches no further, the least of the nodes left next to a
    named node (else of all left), by signature and by the names of its named neighbours, is
    named next, and spreading goes on. Nodes that tie there look alike (the leaves of one
    node, the nodes of a ring), and whichever is taken, the same triples come out; only a
    graph regular enough to fool refinement could give other labels in another run. Labels
    are given in the order of the names.
    """
    colour = _first_degree(triples)
    near = _neighbours(triples)
    for _ in range(REFINE_ROUNDS):
        colour = {
            node: _hash(
                colour[node]
                + "".join(sorted(f"|{way} {p.n3()} {colour[o]}" for way, p, o in near[node]))
            )
            for node in colour
        }
    by_n3 = {node.n3(): node for node in colour}
    name: dict[BNode, str] = {}
    context = dict.fromkeys(colour, 0)  # a multiset hash of the named neighbours' links
    named: list[tuple[str, str]] = []  # heap of (name, node) to spread from
    # Nodes to pick, those next to a named node first: (not next to one, signature, context).
    waiting = [(1, colour[node], 0, node.n3()) for node in colour]
    heapq.heapify(waiting)

    def give(node: BNode, key: str) -> None:
        name[node] = key
        heapq.heappush(named, (key, node.n3()))
        for way, p, other in near[node]:
            if other not in name:
                back = "in" if way == "out" else "out"
                link = int(_hash(f"{back} {p.n3()} {key}"), 16)
                context[other] = (context[other] + link) % (1 << 256)
                heapq.heappush(waiting, (0, colour[other], context[other], other.n3()))

    counts = Counter(colour.values())
    for node in sorted((n for n in colour if counts[colour[n]] == 1), key=colour.__getitem__):
        give(node, colour[node])
    while len(name) < len(colour):
        while named:
            key, n3 = heapq.heappop(named)
            reached: dict[tuple[str, Node, str], list[BNode]] = {}
            for way, p, other in near[by_n3[n3]]:
                if other not in name:
                    reached.setdefault((way, p, colour[other]), []).append(other)
            for (way, p, sig), others in sorted(reached.items(), key=lambda kv: _link_key(kv[0])):
                if len(set(others)) == 1 and others[0] not in name:
                    give(others[0], _hash(f"{key}|{way} {p.n3()} {sig}"))
        while waiting:
            _, sig, ctx, n3 = heapq.heappop(waiting)
            node = by_n3[n3]
            if node not in name and context[node] == ctx:  # else an entry out of date
                give(node, _hash(f"{sig}|{ctx}|{len(name)}"))
                break
    order = sorted(name, key=name.__getitem__)
    return {node: f"h{i}" for i, node in enumerate(order)}


def _link_key(link: tuple[str, Node, str]) -> tuple[str, str, str]:
    way, p, sig = link
    return (way, p.n3(), sig)


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _from_ox(term: object, prefix: str) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(prefix + term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"not an RDF term: {term!r}")


def _triple_key(triple: tuple[Node, Node, Node]) -> str:
    return " ".join(node.n3() for node in triple)


def _used_prefixes(dataset: Dataset) -> dict[str, str]:
    """The prefixes bound in ``dataset`` that some IRI in it uses, sorted by prefix.

    A namespace counts as used when an IRI is that namespace followed by a plain local name
    (nothing after a further ``/`` or ``#``), which is what Turtle can abbreviate.
    """
    namespaces = {str(ns): prefix for prefix, ns in dataset.namespaces() if prefix}
    used: dict[str, str] = {}
    for iri in _all_iris(dataset):
        cut = max(iri.rfind("/"), iri.rfind("#")) + 1
        ns = iri[:cut]
        if ns in namespaces and cut < len(iri):
            used[namespaces[ns]] = ns
    # The Turtle writer invents a prefix (ns1, ns2...) for a predicate whose namespace has none,
    # numbered in the order it meets them; name them here, in sorted order, instead.
    bound = set(used.values())
    fresh = sorted(
        {ns for ns in map(_namespace_of, _predicates(dataset)) if ns and ns not in bound}
    )
    for n, ns in enumerate(fresh, start=1):
        used[f"ns{n}"] = ns
    return dict(sorted(used.items()))


def _namespace_of(iri: URIRef) -> str | None:
    try:
        return split_uri(iri)[0]
    except ValueError:
        return None


def _predicates(dataset: Dataset) -> set[URIRef]:
    return {p for g in graph.named_graphs(dataset).values() for p in g.predicates(unique=True)}  # type: ignore[misc]


def _all_iris(dataset: Dataset) -> set[str]:
    iris: set[str] = set()
    for g in graph.named_graphs(dataset).values():
        for triple in g:
            for node in triple:
                if isinstance(node, URIRef):
                    iris.add(str(node))
                elif isinstance(node, Literal) and node.datatype is not None:
                    iris.add(str(node.datatype))
    return iris


def _rebind(g: Graph, prefixes: dict[str, str]) -> None:
    """Make ``prefixes`` the only prefixes of ``g`` (rdflib would bind its default set)."""
    g.namespace_manager = NamespaceManager(g, bind_namespaces="none")
    for prefix, ns in prefixes.items():
        g.bind(prefix, ns)


def prefixes_of(g: Graph) -> dict[str, str]:
    return {prefix: str(ns) for prefix, ns in g.namespaces() if prefix}


# --- serialisations ------------------------------------------------------------------------------


def to_nquads(dataset: Dataset) -> bytes:
    """N-Quads, one quad per line, lines sorted by code point (so diffs and hashes are stable)."""
    text = graph.nquads(dataset).decode("utf-8")
    lines = sorted({line for line in text.splitlines() if line.strip()})
    return ("\n".join(lines) + "\n").encode("utf-8")


def to_trig(dataset: Dataset) -> bytes:
    """TriG: one prefix block, then one ``<graph> { ... }`` block per layer, in layer order.

    Each block is that graph serialised as Turtle on its own (rdflib's TriG writer orders graphs
    by hash, which changes from run to run), so blank nodes used once are written inline.
    """
    prefixes = prefixes_of(dataset)
    header = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(prefixes.items()))
    blocks = []
    named = graph.named_graphs(dataset)
    for iri in graph.triple_counts(dataset):
        body = _turtle_body(_turtle(named[iri], prefixes))
        indented = "".join(
            f"    {line}" if line.strip() else line for line in body.splitlines(True)
        )
        blocks.append(f"{iri.n3()} {{\n{indented}}}\n")
    return (header + "\n" + "\n".join(blocks)).encode("utf-8")


def to_turtle(dataset: Dataset) -> bytes:
    """Every named graph merged into one Turtle graph."""
    triples = {t for g in graph.named_graphs(dataset).values() for t in g}
    return _turtle(triples, prefixes_of(dataset)).encode("utf-8")


def _turtle(triples: Iterable[tuple[Node, Node, Node]], prefixes: dict[str, str]) -> str:
    """Turtle of ``triples`` with exactly ``prefixes`` bound, triples added in sorted order."""
    g = Graph(bind_namespaces="none")
    for prefix, ns in prefixes.items():
        g.bind(prefix, ns)
    for triple in sorted(triples, key=_triple_key):
        g.add(triple)
    stream = io.BytesIO()
    _TurtleWriter(g).serialize(stream, base=g.base, encoding="utf-8")
    return _clean(stream.getvalue().decode("utf-8"))


#: How deep the Turtle writers nest blank nodes (``[ ]`` and ``( )``); a blank node deeper than
#: this is written by its label, and its own triples as a block of their own. rdflib nests
#: without bound, recursively: a chain of 600 blank nodes raised RecursionError (issue #22).
#: The real dataset nests 3 deep.
MAX_NESTING = 16


class _TurtleWriter(TurtleSerializer):
    """rdflib's Turtle serializer (the same bytes), remembering each IRI's prefixed name, and
    nesting blank nodes at most :data:`MAX_NESTING` deep.

    It looks the name up four times or so for every IRI of every triple, and that lookup was a
    third of the time of writing the TriG and Turtle files (issue #7). The memory is forgotten
    whenever a prefix is added, since a new prefix can change the answer.
    """

    def reset(self) -> None:
        super().reset()
        self._pnames: dict[tuple[Node, bool, int], str | None] = {}
        self._nesting = 0

    def p_squared(self, node: Node, position: int, newline: bool = False) -> bool:
        if self._nesting >= MAX_NESTING:
            return False  # written by its label; its triples stand on their own
        self._nesting += 1
        try:
            return super().p_squared(node, position, newline)
        finally:
            self._nesting -= 1

    def get_pname(self, uri: Node, gen_prefix: bool = True) -> str | None:
        key = (uri, gen_prefix, len(self.namespaces))
        try:
            return self._pnames[key]
        except KeyError:
            name = self._pnames[key] = super().get_pname(uri, gen_prefix)
            return name


def _turtle_body(text: str) -> str:
    """Turtle without its ``@prefix`` lines and the blank line after them."""
    lines = text.splitlines(True)
    while lines and (lines[0].startswith("@prefix ") or not lines[0].strip()):
        lines.pop(0)
    return "".join(lines)


def to_jsonld(dataset: Dataset) -> bytes:
    """JSON-LD, named graphs as ``@graph`` objects, with an inline ``@context`` of prefixes."""
    context = prefixes_of(dataset)
    doc = json.loads(json.dumps(_jsonld_objects(dataset, context), sort_keys=True))
    graphs = doc.get("@graph", doc) if isinstance(doc, dict) else doc
    if isinstance(graphs, dict):
        graphs = [graphs]
    # The default graph is empty: keep only the named graphs, in IRI order.
    named = [g for g in graphs if isinstance(g, dict) and "@graph" in g]
    out = {"@context": dict(sorted(context.items())), "@graph": _sort_json(named)}
    return (json.dumps(out, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _jsonld_objects(dataset: Dataset, context: dict[str, str]) -> object:
    """What rdflib's JSON-LD serializer builds (``format="json-ld"``, ``auto_compact=False``),
    built by :class:`_FlatConverter`, which does not recurse."""
    # rdflib's serializer passes use_native_types as the tuple (False,), which is true.
    converter = _FlatConverter(Context(context), (False,), False)  # type: ignore[arg-type]
    result = converter.convert(dataset)
    if isinstance(result, list):
        result = {converter.context.get_key("@graph"): result}
    result["@context"] = context
    return result


class _FlatConverter(Converter):
    """rdflib's JSON-LD converter, the same node objects, without its recursion.

    rdflib builds the node of a blank node when it first meets it as an object, from inside
    the node that refers to it, so a chain of blank nodes recursed once per link
    (RecursionError at 600, issue #22). Here the blank node is put on a list instead, and its
    node built once the node that refers to it is done. The nodes are the same; only their
    order differs, and :func:`to_jsonld` sorts them.
    """

    def from_graph(self, graph: Graph) -> list[Any]:
        nodemap: dict[Any, Any] = {}
        self._pending: list[BNode] = []
        for s in set(graph.subjects()):
            if isinstance(s, URIRef) or (isinstance(s, BNode) and not any(graph.subjects(None, s))):
                self.process_subject(graph, s, nodemap)
                while self._pending:
                    self.process_subject(graph, self._pending.pop(), nodemap)
        return list(nodemap.values())

    def to_raw_value(self, graph: Graph, s: Any, o: Any, nodemap: dict[str, Any]) -> Any:
        if isinstance(o, BNode) and self.to_collection(graph, o) is None:
            self._pending.append(o)
            return {self.context.id_key: o.n3()}
        return super().to_raw_value(graph, s, o, nodemap)


def _sort_json(node: object, key: str | None = None) -> object:
    """Sort arrays of nodes and values, except ``@list`` (ordered by definition)."""
    if isinstance(node, dict):
        return {k: _sort_json(v, k) for k, v in node.items()}
    if isinstance(node, list):
        items = [_sort_json(item) for item in node]
        if key == "@list":
            return items
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, ensure_ascii=False))
    return node


def _clean(text: str) -> str:
    """One trailing newline, no trailing blank lines (rdflib adds some)."""
    return text.strip("\n") + "\n"


# --- saved queries -------------------------------------------------------------------------------

#: The query forms of :mod:`stancegraph.queries` as SHACL's executables and rdflib's algebra name
#: them (``sh:SPARQLSelectExecutable``...).
_ALGEBRA_NAMES = {
    "SELECT": "SelectQuery",
    "CONSTRUCT": "ConstructQuery",
    "ASK": "AskQuery",
    "DESCRIBE": "DescribeQuery",
}


def saved_queries(project: Project) -> list[queries.SavedQuery]:
    """The saved-query catalogue (:func:`stancegraph.queries.catalogue`: ``queries/*.rq``,
    headers read by :func:`stancegraph.queries.parse_header`), each checked to
    be a query whose form ``void.ttl`` can name.

    Raises :class:`QueryError` naming the file if one is not valid SPARQL.
    """
    found = queries.catalogue(project)
    for query in found:
        query_form(query.text, query.path or Path(query.name))
    return found


def query_form(text: str, path: Path) -> str:
    """``SelectQuery``, ``ConstructQuery``, ``AskQuery`` or ``DescribeQuery``: the form of the
    query ``text`` (read from ``path``); :class:`QueryError` if it is not a SPARQL query.

    The catalogue tells it (:func:`stancegraph.queries.query_form`), from the text as
    :func:`stancegraph.safety.check_query` parses it: the text is parsed, never run, so a query
    that mentions SERVICE calls nothing, and a syntax error is told as ``stancegraph query``
    tells it (file, line and column).
    """
    return _ALGEBRA_NAMES[queries.query_form(text, str(path))]


# --- metadata (VoID and DCAT) --------------------------------------------------------------------


def metadata(
    dataset: Dataset,
    files: list[BuiltFile],
    saved: list[queries.SavedQuery],
    *,
    base_url: str | None = None,
) -> Graph:
    """VoID and DCAT description of the dataset, its graphs, its files and its saved queries."""
    g = Graph(bind_namespaces="none")
    for prefix, ns in {**prefixes_of(dataset), **METADATA_PREFIXES}.items():
        g.bind(prefix, ns, replace=True)
    g.bind("sgq", QUERY_BASE)
    d = DATASET
    g.add((d, RDF.type, VOID.Dataset))
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, DCTERMS.title, Literal(TITLE, lang="en")))
    g.add((d, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    g.add((d, DCTERMS.license, LICENSE))
    g.add((d, VOID.uriSpace, Literal(BASE + "id/")))
    version = graph.ontology_version(dataset)
    ontology = graph.ontology_iri(dataset)
    if version:
        g.add((d, OWL.versionInfo, Literal(version)))
        g.add((d, DCAT.version, Literal(version)))
    if ontology is not None:
        g.add((d, VOID.vocabulary, ontology))
        onto = dataset.graph(graph.ONTOLOGY_GRAPH)
        for prop in (DCTERMS.created, DCTERMS.modified):
            stated = onto.value(ontology, prop)
            if stated is not None:  # the only dates: the ones the sources state
                g.add((d, DCTERMS.issued if prop == DCTERMS.created else prop, stated))

    counts = graph.triple_counts(dataset)
    g.add((d, VOID.triples, Literal(sum(counts.values()), datatype=XSD.integer)))
    for iri, n in counts.items():
        g.add((d, VOID.subset, iri))
        g.add((iri, RDF.type, VOID.Dataset))
        g.add((iri, DCTERMS.title, Literal(str(iri).removeprefix(graph.GRAPH_BASE))))
        g.add((iri, VOID.triples, Literal(n, datatype=XSD.integer)))
        key = str(iri).removeprefix(graph.GRAPH_BASE + "source/")
        if key != str(iri):
            g.add((iri, DCTERMS.source, graph.document_iri(key)))

    _partitions(g, d, dataset)
    withheld_texts(g, dataset)

    for query in saved:
        q = query_iri(query)
        form = query_form(query.text, query.path or Path(query.name))
        g.add((d, VOID.exampleResource, q))
        g.add((q, RDF.type, SH.SPARQLExecutable))
        g.add((q, RDF.type, _QUERY_CLASSES[form]))
        g.add((q, _QUERY_FORMS[form], Literal(query.text)))
        g.add((q, SCHEMA.target, d))
        g.add((q, RDFS.label, Literal(query.name)))
        if query.summary:
            g.add((q, RDFS.comment, Literal(query.summary, lang="en")))
        if query.description:
            g.add((q, DCTERMS.description, Literal(query.description, lang="en")))
        for tag in query.tags:
            g.add((q, SCHEMA.keywords, Literal(tag)))

    for built in files:
        dist = URIRef(DISTRIBUTION_BASE + built.name)
        g.add((d, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(built.name)))
        g.add((dist, DCTERMS.identifier, Literal(built.name)))
        g.add((dist, DCAT.mediaType, URIRef(IANA + built.media_type)))
        g.add((dist, DCTERMS.format, Literal(built.media_type)))
        g.add((dist, DCAT.byteSize, Literal(built.size, datatype=XSD.nonNegativeInteger)))
        g.add((dist, DCTERMS.license, LICENSE))
        if base_url:
            g.add((dist, DCAT.downloadURL, URIRef(base_url.rstrip("/") + "/" + built.name)))
        checksum = BNode()
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(built.sha256, datatype=XSD.hexBinary)))
    rights(g, d, dataset)
    return g


#: What CC-BY-4.0 covers, and what it does not: the words of the source texts.
STATEMENTS_RIGHTS = URIRef(BASE + "dataset/rights/statements")
STATEMENTS_RIGHTS_TEXT = (
    "CC-BY-4.0 covers what the stancegraph contributors wrote: the ontology, vocabularies, "
    "shapes, actors, saved queries, and the statements about each source (claims, stances, "
    "events, relations, and the descriptions of the sources). It does not cover the words of "
    "the source texts: the quotes of the anchors (oa:exact) are short excerpts, quoted so that "
    "each statement can be checked against the words it rests on, and the texts themselves are "
    "their publishers', not ours to license (see each text's own rights statement)."
)
TEXT_RIGHTS_BASE = BASE + "dataset/rights/text/"


def rights(g: Graph, d: URIRef, dataset: Dataset) -> None:
    """The rights of the dataset's parts, said apart: CC-BY-4.0 (:data:`LICENSE`) for our
    statements, with :data:`STATEMENTS_RIGHTS` saying what it leaves out; and the text of each
    source (``sg:seedFile``, else ``seeds/<key>.txt``) a dataset of its own, its publisher's
    (``dcterms:rightsHolder``), with its own rights statement and no licence of ours: only the
    one its description states (``dcterms:license`` on the document), if any."""
    g.add((d, DCTERMS.rights, STATEMENTS_RIGHTS))
    for dist in list(g.objects(d, DCAT.distribution)):
        g.add((dist, DCTERMS.rights, STATEMENTS_RIGHTS))
    g.add((STATEMENTS_RIGHTS, RDF.type, DCTERMS.RightsStatement))
    g.add((STATEMENTS_RIGHTS, RDFS.label, Literal(STATEMENTS_RIGHTS_TEXT, lang="en")))
    layers = graph.named_graphs(dataset)
    prefix = graph.GRAPH_BASE + "source/"
    for iri, layer in sorted(layers.items()):
        if not str(iri).startswith(prefix):
            continue
        key = str(iri).removeprefix(prefix)
        doc = graph.document_iri(key)
        seed = str(layer.value(doc, graph.SG.seedFile) or f"seeds/{key}.txt")
        publisher = layer.value(doc, DCTERMS.publisher)
        name = (
            next(
                (n for other in layers.values() for n in other.objects(publisher, RDFS.label)), None
            )
            if publisher is not None
            else None
        )
        licence = layer.value(doc, DCTERMS.license)  # a licence the source description states
        statement = URIRef(TEXT_RIGHTS_BASE + key)
        holder = f"its publisher, {name}," if name is not None else "its publisher"
        terms = (
            f"published under {licence}, which is not ours to change"
            if licence is not None
            else "is not ours to license"
        )
        text = (
            f"The text of source {key} ({seed}) is the work of its author and {holder} and "
            f"{terms}: neither CC-BY-4.0 (our statements) nor the code's licence applies to it. "
            "It is not in the dataset's files; where the project keeps it, it is kept byte for "
            "byte so that every anchor can be checked against it; for any other use, ask the "
            "rights holder."
        )
        g.add((statement, RDF.type, DCTERMS.RightsStatement))
        g.add((statement, RDFS.label, Literal(text, lang="en")))
        text_dist = URIRef(DISTRIBUTION_BASE + "text/" + key)
        g.add((d, DCTERMS.source, doc))
        g.add((doc, RDF.type, DCAT.Dataset))
        g.add((doc, DCTERMS.rights, statement))
        g.add((doc, DCAT.distribution, text_dist))
        g.add((text_dist, RDF.type, DCAT.Distribution))
        g.add((text_dist, DCTERMS.identifier, Literal(seed)))
        g.add((text_dist, DCAT.mediaType, URIRef(IANA + "text/plain")))
        g.add((text_dist, DCTERMS.rights, statement))
        g.add((text_dist, DCTERMS.title, Literal(f"the text of {key}, not in these files")))
        sha256 = layer.value(doc, graph.SG.sha256)
        if sha256 is not None:  # what `stancegraph validate` checks the file against
            checksum = BNode()
            g.add((text_dist, SPDX.checksum, checksum))
            g.add((checksum, RDF.type, SPDX.Checksum))
            g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
            g.add((checksum, SPDX.checksumValue, Literal(str(sha256), datatype=XSD.hexBinary)))
        if publisher is not None:
            g.add((doc, DCTERMS.rightsHolder, publisher))
            g.add((text_dist, DCTERMS.rightsHolder, publisher))
        if licence is not None:
            g.add((doc, DCTERMS.license, licence))
            g.add((text_dist, DCTERMS.license, licence))


def withheld_texts(g: Graph, dataset: Dataset) -> None:
    """Say which sources' texts are withheld: on each such source's graph (a ``void:Dataset``
    subset), the document's ``dcterms:accessRights`` and a description saying that the text is
    not distributed and that the build verified none of its anchors."""
    for iri in graph.data_graph_iris(dataset):
        key = str(iri).removeprefix(graph.GRAPH_BASE + "source/")
        if key == str(iri):
            continue
        doc = graph.document_iri(key)
        if (doc, DCTERMS.accessRights, names.TEXT_WITHHELD) not in dataset.graph(iri):
            continue
        g.bind("text-access", names.PREFIXES["text-access"], replace=True)
        g.add((iri, DCTERMS.accessRights, names.TEXT_WITHHELD))
        g.add(
            (
                iri,
                DCTERMS.description,
                Literal(
                    f"The text of {key} is withheld (it may not be redistributed): it is not "
                    "distributed with this dataset, and the anchors into it (quotes and offsets) "
                    "were not verified against the text by this build. `stancegraph validate "
                    f"--texts DIR` verifies them against a copy (DIR/{key}.txt).",
                    lang="en",
                ),
            )
        )


def _partitions(g: Graph, d: URIRef, dataset: Dataset) -> None:
    """``void:classPartition`` and ``void:propertyPartition`` over every named graph.

    With these, a checker can tell whether each class and predicate a query uses is in the data.
    """
    properties: Counter[Node] = Counter()
    typed: dict[Node, set[Node]] = {}
    for named in graph.named_graphs(dataset).values():
        for s, p, o in named:
            properties[p] += 1
            if p == RDF.type and isinstance(o, URIRef):
                typed.setdefault(o, set()).add(s)
    g.add((d, VOID.classes, Literal(len(typed), datatype=XSD.integer)))
    g.add((d, VOID.properties, Literal(len(properties), datatype=XSD.integer)))
    for cls, members in typed.items():
        part = BNode()
        g.add((d, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(len(members), datatype=XSD.integer)))
    for prop, n in properties.items():
        part = BNode()
        g.add((d, VOID.propertyPartition, part))
        g.add((part, VOID.property, prop))
        g.add((part, VOID.triples, Literal(n, datatype=XSD.integer)))


def to_metadata_turtle(g: Graph) -> bytes:
    """The metadata graph as Turtle, blank nodes (partitions, checksums) labelled canonically."""
    return _turtle(canonical_triples(g), prefixes_of(g)).encode("utf-8")  # type: ignore[arg-type]


# --- writing ------------------------------------------------------------------------------------


def default_out_dir(project: Project) -> Path:
    return project.dist_dir


def build(
    project: Project,
    out_dir: str | Path | None = None,
    *,
    base_url: str | None = None,
    source: Dataset | None = None,
) -> BuildResult:
    """Assemble the project and write ``dist/`` (or ``out_dir``); see the module docstring.

    ``source`` is the project already assembled (:func:`stancegraph.graph.assemble`), for a
    caller that has read the files once for several jobs; it is not changed.

    All or nothing (:func:`replace_folder`): the files are written into a new folder beside the
    output folder, which is swapped in whole only once every file is written, so the output
    folder always holds either the previous complete set or the new one, whatever stops the
    build (a kill, Ctrl-C, a full disk). What else the folder holds (``docs/``, ``img/``, a
    README of yours) is kept.
    """
    out = output_folder(project, out_dir)
    assembled_here = source is None
    if source is None:
        source = graph.assemble(project)
    dataset = canonical_dataset(source)
    triples, version = graph.triple_counts(source), graph.ontology_version(source)
    del source  # the writers need only the canonical copy: one dataset in memory, not two
    if assembled_here:
        gc.collect()  # rdflib's graphs and stores refer to each other: free them now
    catalogue = saved_queries(project)

    writers = {TRIG: to_trig, NQUADS: to_nquads, TURTLE: to_turtle, JSONLD: to_jsonld}
    with replace_folder(out) as work:
        files = [
            _write(work, out, name, DATA_FILES[name], writers[name](dataset)) for name in DATA_FILES
        ]
        meta = metadata(dataset, files, catalogue, base_url=base_url)
        meta_file = _write(work, out, METADATA_FILE, "text/turtle", to_metadata_turtle(meta))
        every = [*files, meta_file]
        sums = "".join(f"{f.sha256}  {f.name}\n" for f in sorted(every, key=lambda f: f.name))
        sums_file = _write(work, out, SUMS_FILE, "text/plain", sums.encode("ascii"))
    return BuildResult(
        out_dir=out,
        files=[*every, sums_file],
        triples=triples,
        version=version,
        queries=catalogue,
    )


def output_folder(project: Project, out_dir: str | Path | None = None) -> Path:
    """The folder ``build`` replaces: ``out_dir`` or ``dist/``, a symbolic link followed (the
    folder it names is replaced, the link kept); :class:`ProjectError` if it is the project
    folder or holds it, or if the folder it would stand in cannot be made."""
    out = Path(out_dir) if out_dir is not None else default_out_dir(project)
    out = out.resolve() if out.is_symlink() else out.absolute()
    root = project.root.resolve()
    if out.resolve() == root or out.resolve() in root.parents:
        raise ProjectError(f"{out}: the output folder would hold the project; give another one")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ProjectError(
            f"{out}: cannot create the output folder: {exc.strerror or exc}"
        ) from None
    if out.exists() and not out.is_dir():
        raise ProjectError(f"{out}: cannot create the output folder: not a folder")
    return out


# --- replacing the output folder as a whole -----------------------------------------------------

#: The files ``build`` writes; anything else in the output folder is someone else's, and kept.
OWN_FILES = frozenset([*DATA_FILES, METADATA_FILE, SUMS_FILE])
_NEW = "build"  # .<folder>.build-<hex>: a new set being written (or, after the swap, the old one)
_ASIDE = "old"  # .<folder>.old-<hex>: the old set, moved aside where the swap is not supported
#: Temporary files that builds before issue #22 wrote inside the folder (``.<file>.<hex>.tmp``).
_OWN_NAMES = "|".join(re.escape(name) for name in sorted(OWN_FILES))
_OLD_TEMPORARY = re.compile(rf"\.(?:{_OWN_NAMES})\.[0-9a-f]{{12}}\.tmp")


@contextlib.contextmanager
def replace_folder(out: Path) -> Iterator[Path]:
    """A new, empty folder beside ``out`` to write into; swapped in for ``out`` on success.

    The rule, which ``stancegraph build`` documents: ``out`` holds either its previous files or
    the new ones, never a mix. On success, the entries of ``out`` that are not :data:`OWN_FILES`
    are moved into the new folder, which then trades places with ``out`` in one atomic step
    (Linux ``renameat2(RENAME_EXCHANGE)``; where that is missing, ``out`` is renamed aside and
    the new folder renamed in, and a build stopped between the two renames is repaired by the
    next one). The old files are then removed. On any failure or interruption the new folder is
    removed and ``out`` is untouched. A build killed outright (SIGKILL, a power cut) may leave
    a ``.<out>.build-<hex>`` folder beside ``out``; the next build removes it (first moving back
    anything of yours it holds). Builds into the same folder take turns (a lock on the parent).
    """
    parent = out.parent
    with _locked_folder(parent):
        _repair(out)
        work = _new_folder(parent, f".{out.name}.{_NEW}-")
        try:
            if out.is_dir():  # the folder keeps its permissions
                os.chmod(work, out.stat().st_mode & 0o7777)
            yield work
            fsync_dir(work)
            if out.is_dir():
                for entry in sorted(out.iterdir()):
                    if entry.name not in OWN_FILES and not _OLD_TEMPORARY.fullmatch(entry.name):
                        os.rename(entry, work / entry.name)
            _swap(work, out)
        except BaseException as exc:
            if work.is_dir():
                _restore_entries(work, out)
                shutil.rmtree(work, ignore_errors=True)
            if isinstance(exc, OSError):
                raise ProjectError(
                    f"{out}: cannot write the build: {exc.strerror or exc}; the folder is as it was"
                ) from None
            raise
        shutil.rmtree(work, ignore_errors=True)  # now the old files
        fsync_dir(parent)


def _new_folder(parent: Path, prefix: str) -> Path:
    """A new folder ``prefix<hex>`` in ``parent``, with the permissions the umask gives."""
    while True:
        path = parent / f"{prefix}{secrets.token_hex(6)}"
        try:
            path.mkdir(mode=0o777)
            return path
        except FileExistsError:
            continue
        except OSError as exc:
            raise ProjectError(
                f"{parent}: cannot create the output folder there: {exc.strerror or exc}"
            ) from None


def _swap(new: Path, out: Path) -> None:
    """Put ``new`` in place of ``out``; afterwards the old contents of ``out`` are at ``new``."""
    if not out.exists():
        os.rename(new, out)
        return
    try:
        _exchange(new, out)
        return
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EPERM):
            raise
    # No atomic exchange here: rename the old folder aside, the new one in (the next build
    # repairs a stop between the two, see _repair), and the old one to where ``new`` was.
    aside = new.with_name(new.name.replace(f".{_NEW}-", f".{_ASIDE}-", 1))
    try:
        os.rename(out, aside)
        os.rename(new, out)
    except BaseException:  # Ctrl-C, or the second rename failed: the old folder goes back
        if aside.exists() and not out.exists():
            os.rename(aside, out)
        raise
    with contextlib.suppress(OSError):  # else the next build removes it
        os.rename(aside, new)


def _exchange(a: Path, b: Path) -> None:
    """Swap ``a`` and ``b`` atomically (Linux ``renameat2`` with ``RENAME_EXCHANGE``);
    ``OSError(ENOSYS)`` where the C library has no ``renameat2``."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available")
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def _repair(out: Path) -> None:
    """Undo what a build that was killed part way left beside ``out``: an old set renamed
    aside with no new one in its place is put back; entries of the user's stranded in a new
    set are moved back into ``out``; then every leftover folder is removed."""
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(?:{_NEW}|{_ASIDE})-[0-9a-f]{{12}}")
    leftovers = sorted(p for p in out.parent.iterdir() if pattern.fullmatch(p.name) and p.is_dir())
    for path in leftovers:
        if path.name.startswith(f".{out.name}.{_ASIDE}-") and not out.exists():
            os.rename(path, out)
    for path in leftovers:
        if path.is_dir():
            _restore_entries(path, out)
            shutil.rmtree(path, ignore_errors=True)
    if out.is_dir():
        for entry in out.iterdir():
            if _OLD_TEMPORARY.fullmatch(entry.name):
                entry.unlink(missing_ok=True)


def _restore_entries(folder: Path, out: Path) -> None:
    """Move the entries of ``folder`` that are not :data:`OWN_FILES` back into ``out``."""
    for entry in sorted(folder.iterdir()):
        if entry.name in OWN_FILES or _OLD_TEMPORARY.fullmatch(entry.name):
            continue
        if out.is_dir() and not (out / entry.name).exists():
            with contextlib.suppress(OSError):
                os.rename(entry, out / entry.name)


@contextlib.contextmanager
def _locked_folder(folder: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``folder`` (the output folder's parent) while a build swaps."""
    try:
        import fcntl

        fd = os.open(folder, os.O_RDONLY)
    except (ImportError, OSError):  # not POSIX, or a folder we cannot open: no lock
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _write(folder: Path, final: Path, name: str, media_type: str, data: bytes) -> BuiltFile:
    """Write ``data`` as ``folder/name`` (flushed to the disk); described as ``final/name``,
    where it will be once ``folder`` is swapped in."""
    with open(folder / name, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return BuiltFile(
        name=name,
        path=final / name,
        media_type=media_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def read_checksums(folder: str | Path) -> dict[str, str]:
    """``SHA256SUMS`` of a build folder as ``{file name: hex digest}``."""
    path = Path(folder) / SUMS_FILE
    sums: dict[str, str] = {}
    for line in path.read_text(encoding="ascii").splitlines():
        digest, _, name = line.partition("  ")
        sums[name] = digest
    return sums
