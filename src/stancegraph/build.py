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
serialisers in the order of their sorted N-Quads lines, N-Quads lines are sorted, and the only
dates are the ones the ontology states.

It streams (issue #19): the graphs come one at a time (from the embedded store when it holds the
current files, else from the files), each is canonicalised (on its N-Triples text: no Python object
per triple) and spooled to disk as sorted N-Quads, and the four dataset files are written from the
spool by pyoxigraph's serialisers, the sorted N-Quads and Turtle by a merge of sorted runs; only
:data:`DatasetFacts` (counts, the ontology graph) stay in memory. From a store of
:data:`POOL_TRIPLES` triples on, worker processes (:func:`build_workers`, one per core) dump and
canonicalise the graphs, and write each graph's TriG and JSON-LD and each run of subjects' Turtle,
which are put together in order (pyoxigraph's writers stream, so the pieces are what one writer
writes of the whole), while this process merges the sorted N-Quads. So 10M triples build in bounded
memory, and nothing is written recursively: pyoxigraph writes every blank node by its label (no
``[ ]`` nesting), and JSON-LD is flat, each node with its full IRIs under an inline ``@context``.
The N-Quads file is the one the rdflib writers gave before, byte for byte; the TriG, Turtle and
JSON-LD files hold the same triples in pyoxigraph's layout. Only ``void.ttl``, a small graph, is
written by rdflib (nesting at most :data:`MAX_NESTING` deep)."""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import heapq
import io
import json
import os
import re
import secrets
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, VOID, split_uri
from rdflib.plugins.serializers.turtle import TurtleSerializer
from rdflib.term import Node

from stancegraph import graph, names, queries, store
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
                graph.from_oxigraph(quad.subject, prefix),
                graph.from_oxigraph(quad.predicate, prefix),
                graph.from_oxigraph(quad.object, prefix),
            )
        )
    return plain


_BLANK_TYPES = frozenset([BNode, ox.BlankNode])
_OX_TYPES = frozenset([ox.NamedNode, ox.BlankNode, ox.Literal])


def _is_blank(node: object) -> bool:
    """A blank node, of rdflib or of pyoxigraph (the labelling works on either)."""
    return type(node) in _BLANK_TYPES or isinstance(node, BNode)


def _n3(node: object) -> str:
    """The N-Triples form of an rdflib or a pyoxigraph term."""
    return str(node) if type(node) in _OX_TYPES else node.n3()  # type: ignore[attr-defined]


def _first_degree(triples: list[Triple]) -> dict[BNode, str]:
    """Each blank node's RDFC-1.0 first-degree signature: the triples it is in, itself written
    ``_:a`` and every other blank node ``_:z``, sorted and hashed."""
    mentions: dict[BNode, list[str]] = {}
    for triple in triples:
        blank = [_is_blank(n) for n in triple]
        text = [None if b else _n3(n) for n, b in zip(triple, blank, strict=True)]
        for node in {n for n, b in zip(triple, blank, strict=True) if b}:
            line = " ".join(
                t if t is not None else "_:a" if n == node else "_:z"
                for n, t in zip(triple, text, strict=True)
            )
            mentions.setdefault(node, []).append(line)
    return {node: _hash("\n".join(sorted(lines))) for node, lines in mentions.items()}


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _neighbours(triples: list[Triple]) -> dict[BNode, list[tuple[str, Node, BNode]]]:
    """Each blank node's blank neighbours: (``out`` or ``in``, predicate, the neighbour)."""
    near: dict[BNode, list[tuple[str, Node, BNode]]] = {}
    for s, p, o in triples:
        if _is_blank(s):
            near.setdefault(s, [])
        if _is_blank(o):
            near.setdefault(o, [])
        if _is_blank(s) and _is_blank(o):
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
    return _cost(_first_degree(triples), _neighbours(triples))


def _cost(first: dict[Any, str], near: dict[Any, list[tuple[str, Any, Any]]]) -> int:
    """:func:`rdfc_cost` from the first-degree signatures and the blank neighbours (of term
    objects, or of N-Triples text: :func:`_first_degree_lines`, :func:`_neighbours_lines`)."""
    shared = Counter(first.values())
    unnamed = {node for node, sig in first.items() if shared[sig] > 1}
    cost = 0
    seen: set[Any] = set()
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
                + "".join(sorted(f"|{way} {_n3(p)} {colour[o]}" for way, p, o in near[node]))
            )
            for node in colour
        }
    by_n3 = {_n3(node): node for node in colour}
    name: dict[BNode, str] = {}
    context = dict.fromkeys(colour, 0)  # a multiset hash of the named neighbours' links
    named: list[tuple[str, str]] = []  # heap of (name, node) to spread from
    # Nodes to pick, those next to a named node first: (not next to one, signature, context).
    waiting = [(1, colour[node], 0, _n3(node)) for node in colour]
    heapq.heapify(waiting)

    def give(node: BNode, key: str) -> None:
        name[node] = key
        heapq.heappush(named, (key, _n3(node)))
        for way, p, other in near[node]:
            if other not in name:
                back = "in" if way == "out" else "out"
                link = int(_hash(f"{back} {_n3(p)} {key}"), 16)
                context[other] = (context[other] + link) % (1 << 256)
                heapq.heappush(waiting, (0, colour[other], context[other], _n3(other)))

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
                    give(others[0], _hash(f"{key}|{way} {_n3(p)} {sig}"))
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
    return (way, _n3(p), sig)


def _triple_key(triple: tuple[Node, Node, Node]) -> str:
    return " ".join(node.n3() for node in triple)


def canonical_quads(quads: Iterable[ox.Quad], graph_name: ox.NamedNode, salt: str) -> list[ox.Quad]:
    """``quads`` (one graph's) in ``graph_name``, blank nodes relabelled as
    :func:`canonical_triples` relabels them (the same labels), in pyoxigraph terms throughout:
    no rdflib term is made, so a graph of the corpus costs what pyoxigraph costs (issue #19)."""
    plain: list[ox.Quad] = []
    with_blank: list[tuple[Any, Any, Any]] = []
    blank = ox.BlankNode
    for q in quads:
        s, o = q.subject, q.object
        if type(s) is blank or type(o) is blank:
            with_blank.append((s, q.predicate, o))
        else:
            plain.append(ox.Quad(s, q.predicate, o, graph_name))
    if not with_blank:
        return plain
    prefix = f"b{salt}"
    if rdfc_cost(with_blank) > RDFC_BUDGET:
        labels = refined_labels(with_blank)

        def named(n: Any) -> Any:
            return blank(prefix + labels[n]) if type(n) is blank else n

        plain.extend(ox.Quad(named(s), p, named(o), graph_name) for s, p, o in with_blank)
        return plain
    data = ox.Dataset(ox.Quad(s, p, o) for s, p, o in with_blank)
    data.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)

    def relabel(n: Any) -> Any:
        return blank(prefix + n.value) if type(n) is blank else n

    plain.extend(
        ox.Quad(relabel(q.subject), q.predicate, relabel(q.object), graph_name) for q in data
    )
    return plain


def graph_salt(iri: str) -> str:
    """What a graph's blank-node labels start with (after ``b``): a hash of its IRI, so that two
    graphs never share a blank node."""
    return hashlib.sha256(str(iri).encode("utf-8")).hexdigest()[:8]


# --- prefixes -------------------------------------------------------------------------------------

#: A prefix declaration of Turtle or TriG (``@prefix p: <ns> .`` or ``PREFIX p: <ns>``).
_PREFIX_LINE = re.compile(
    r"\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.\-]*)?:\s*<([^>\s]*)>\s*\.?\s*(?:#.*)?",
    re.IGNORECASE,
)
_HEAD_LINE = re.compile(r"\s*(?:#.*|(?:@base|BASE)\s+<[^>]*>\s*\.?\s*)?", re.IGNORECASE)
#: How much of the start of a file is read for its prefix declarations.
HEAD_BYTES = 256 * 1024


def declared_prefixes(project: Project) -> dict[str, str]:
    """The prefixes the dataset's files declare, bound in file order as rdflib binds them on
    top of its own defaults (what an assembled :class:`rdflib.Dataset` has), by prefix.

    Read from the head of each Turtle or TriG file (the declarations before its first
    statement), so that no file is parsed for it: a prefix declared after the first statement,
    or by a JSON-LD ``@context``, is not seen (the files are then written with full IRIs where
    they would have used it)."""
    bound = Dataset()
    for _iri, files in graph.layer_files(project):
        for path in files:
            for prefix, ns in _head_prefixes(path):
                bound.bind(prefix, ns)
    return prefixes_of(bound)


def _head_prefixes(path: Path) -> Iterator[tuple[str, str]]:
    if path.suffix.lower() not in (".ttl", ".trig", ".n3"):
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return  # the parse of the file says what is wrong with it
    for line in head.splitlines():
        found = _PREFIX_LINE.fullmatch(line)
        if found:
            if found.group(1):
                yield found.group(1), found.group(2)
        elif not _HEAD_LINE.fullmatch(line):
            return


def used_prefixes(
    declared: dict[str, str], namespaces: Iterable[str], predicates: Iterable[str]
) -> dict[str, str]:
    """The prefixes of ``declared`` whose namespace is in ``namespaces`` (those of the IRIs of
    the triples), and ``ns1``, ``ns2``... for the namespaces of ``predicates`` that none names,
    sorted by prefix.

    A namespace counts as used when an IRI is that namespace followed by a plain local name
    (nothing after a further ``/`` or ``#``), which is what Turtle can abbreviate: the IRI's
    namespace is then what comes before its last ``/`` or ``#``, included.
    """
    by_namespace = {ns: prefix for prefix, ns in declared.items()}
    used: dict[str, str] = {}
    for ns in namespaces:
        if ns in by_namespace:
            used[by_namespace[ns]] = ns
    # rdflib's Turtle writer invented a prefix (ns1, ns2...) for a predicate whose namespace had
    # none; they are named here, in sorted order, as before.
    bound = set(used.values())
    fresh = sorted({ns for ns in map(_namespace_of, predicates) if ns and ns not in bound})
    for n, ns in enumerate(fresh, start=1):
        used[f"ns{n}"] = ns
    return dict(sorted(used.items()))


def _namespace_of(iri: str) -> str | None:
    try:
        return split_uri(URIRef(iri))[0]
    except ValueError:
        return None


def prefixes_of(g: Graph) -> dict[str, str]:
    return {prefix: str(ns) for prefix, ns in g.namespaces() if prefix}


# --- the dataset, graph by graph ------------------------------------------------------------------


@dataclass
class DatasetFacts:
    """What the VoID and DCAT description (:func:`metadata`) says of the dataset, gathered
    while its graphs are written (:func:`write_dataset`), one graph at a time."""

    #: the prefixes the files are written with (:func:`used_prefixes`)
    prefixes: dict[str, str] = field(default_factory=dict)
    #: triples per named graph, in the architecture's order
    triples: dict[URIRef, int] = field(default_factory=dict)
    #: the ontology graph (small): its IRI, version and the dates it states
    ontology: Graph = field(default_factory=Graph)
    #: triples per predicate, over every graph
    properties: Counter[str] = field(default_factory=Counter)
    #: distinct things typed with each class (an IRI), over every graph
    classes: dict[str, int] = field(default_factory=dict)
    #: each source graph's description of its document (the triples about ``document/<key>``,
    #: and the labels of its publisher there), for the rights and the withheld texts
    documents: dict[URIRef, Graph] = field(default_factory=dict)
    #: the labels of the shared actors graph (a source's publisher is named there)
    labels: Graph = field(default_factory=Graph)

    @property
    def ontology_iri(self) -> URIRef | None:
        for subject in self.ontology.subjects(RDF.type, OWL.Ontology):
            if isinstance(subject, URIRef):
                return subject
        return None

    @property
    def version(self) -> str | None:
        iri = self.ontology_iri
        value = self.ontology.value(iri, OWL.versionInfo) if iri is not None else None
        return str(value) if value is not None else None


#: N-Triples, the form the graphs come in and the canonical lines are made from.
_NT = ox.RdfFormat.N_TRIPLES
_NQ = ox.RdfFormat.N_QUADS


@dataclass(frozen=True)
class GraphJob:
    """One named graph of the dataset to canonicalise: its IRI and either its triples as
    N-Triples (``data``, in any order, blank nodes labelled as they come) or the embedded store
    to dump it from (``store``, the folder :func:`stancegraph.store.open_embedded` opens)."""

    iri: URIRef
    data: bytes | None = None
    store: str | None = None


def project_graphs(
    project: Project, source: Dataset | None = None, status: store.EmbeddedStatus | None = None
) -> Iterator[GraphJob]:
    """Every named graph of the project in the architecture's order, one at a time: from
    ``source`` (the project already assembled) if given; else from the embedded store while it
    holds the current files (each graph dumped by Oxigraph when it is canonicalised, in a worker
    process, no Python object per triple); else from the files, each parsed by pyoxigraph when
    its turn comes (:func:`stancegraph.store.parse_layer`). Never the whole corpus in memory.
    ``status``: the store's, if the caller has it already."""
    if source is not None:
        named = graph.named_graphs(source)
        to_ox = graph.to_oxigraph
        for iri in graph.in_layer_order(named):
            triples = [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in named[iri]]  # type: ignore[arg-type]
            yield GraphJob(iri, data=ox.serialize(triples, format=_NT))
        return
    status = status or store.embedded_status(project)
    if status.state == "fresh" and status.manifest is not None:
        names = [URIRef(graph.GRAPH_BASE + n) for n in status.manifest.graphs]
        for iri in graph.in_layer_order(names):
            yield GraphJob(iri, store=str(status.location))
        return
    for layer in store.layer_plan(project):
        quads = store.parse_layer(layer).quads
        yield GraphJob(layer.iri, data=ox.serialize((q.triple for q in quads), format=_NT))


def _split_nt(line: bytes) -> tuple[bytes, bytes, bytes]:
    """Subject, predicate and object of an N-Triples line as pyoxigraph writes it (``s p o .``,
    one space apart; no space in an IRI or a blank node label, the object the rest)."""
    s, p, rest = line.split(b" ", 2)
    return s, p, rest[:-3]


def _first_degree_lines(triples: list[tuple[bytes, bytes, bytes]]) -> dict[bytes, str]:
    """:func:`_first_degree` on N-Triples text (``_split_nt``): the same signatures, made of
    the terms as written instead of term objects (a blank node is a term written ``_:``...:
    a literal starts with a quote, an IRI with ``<``)."""
    mentions: dict[bytes, list[bytes]] = {}
    for s, p, o in triples:
        sb, ob = s[:2] == b"_:", o[:2] == b"_:"
        if sb and ob:
            if s == o:
                mentions.setdefault(s, []).append(b"_:a " + p + b" _:a")
            else:
                mentions.setdefault(s, []).append(b"_:a " + p + b" _:z")
                mentions.setdefault(o, []).append(b"_:z " + p + b" _:a")
        elif sb:
            mentions.setdefault(s, []).append(b"_:a " + p + b" " + o)
        elif ob:
            mentions.setdefault(o, []).append(s + b" " + p + b" _:a")
    return {
        node: hashlib.sha256(b"\n".join(sorted(lines))).hexdigest()
        for node, lines in mentions.items()
    }


def _neighbours_lines(
    triples: list[tuple[bytes, bytes, bytes]],
) -> dict[bytes, list[tuple[str, bytes, bytes]]]:
    """:func:`_neighbours` on N-Triples text."""
    near: dict[bytes, list[tuple[str, bytes, bytes]]] = {}
    for s, p, o in triples:
        sb, ob = s[:2] == b"_:", o[:2] == b"_:"
        if sb:
            near.setdefault(s, [])
        if ob:
            near.setdefault(o, [])
        if sb and ob:
            near[s].append(("out", p, o))
            near[o].append(("in", p, s))
    return near


def _cheap(blank_lines: list[bytes]) -> bool:
    """Whether the blank nodes of ``blank_lines`` surely ask no more than :data:`RDFC_BUDGET`
    of RDFC-1.0, without counting (:func:`rdfc_cost`): where no line links two blank nodes,
    each is a group of its own, with no neighbours to order, so the cost is at most the number
    of blank nodes, at most one a line. (A line that may link two starts with a blank node and
    has ``> _:`` after it.) The graphs of the corpus are so: an article's 700 selectors hang
    from IRIs."""
    if len(blank_lines) > RDFC_BUDGET:
        return False
    return not any(line[:2] == b"_:" and b"> _:" in line for line in blank_lines)


_C14N_SUBJECT = re.compile(rb"^_:c14n", re.MULTILINE)
_C14N_OBJECT = re.compile(rb" _:c14n(?=[0-9]+ \.\n)")


def canonical_lines(data: bytes, iri: URIRef) -> list[bytes]:
    """The N-Quads lines, in ``iri``, of one graph given as N-Triples (``data``), blank nodes
    relabelled as :func:`canonical_triples` relabels them (the same labels), sorted.

    Only the lines that may hold a blank node (``_:``) are looked at: the cost of RDFC-1.0
    (:func:`rdfc_cost`) is counted on their text, pyoxigraph canonicalises them, and its labels
    are prefixed on its N-Triples lines; no Python object is made per triple (issue #19). The
    other lines are already what pyoxigraph writes; each gets the graph's name."""
    tag = f" <{iri}> .\n".encode()
    # " .\n" ends each line and nothing else (N-Triples escapes line breaks): each line gets
    # the graph's name at once
    lines = data.replace(b" .\n", tag).splitlines(keepends=True)
    blank_lines = [line for line in lines if b"_:" in line]
    if not blank_lines:
        out = lines
    else:
        out = [line for line in lines if b"_:" not in line]
        blank = b"".join(blank_lines).replace(tag, b" .\n")
        prefix = f"b{graph_salt(iri)}".encode()
        if _cheap(blank_lines):
            cost = 0
        else:
            triples = [_split_nt(line) for line in blank.splitlines(keepends=True)]
            cost = _cost(_first_degree_lines(triples), _neighbours_lines(triples))
        if cost > RDFC_BUDGET:
            name = ox.NamedNode(str(iri))
            quads = canonical_quads(ox.parse(blank, format=_NT), name, graph_salt(iri))
            out.extend(ox.serialize(quads, format=_NQ).splitlines(keepends=True))
        else:
            data_set = ox.Dataset(ox.parse(blank, format=_NT))
            data_set.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
            text = ox.serialize(data_set, format=_NQ)
            # RDFC-1.0's labels are c14n<n>: each gets the graph's prefix, as a subject (at the
            # start of a line) and as an object (last, before " ."; a literal ends with a quote,
            # a language tag or a datatype, so never so), and each line the graph's name (" .\n"
            # ends each line and nothing else: N-Triples escapes line breaks)
            text = _C14N_SUBJECT.sub(b"_:" + prefix + b"c14n", text)
            text = _C14N_OBJECT.sub(b" _:" + prefix + b"c14n", text)
            out.extend(text.replace(b" .\n", tag).splitlines(keepends=True))
    out.sort()
    return out


class Progress:
    """Told what :func:`build` is doing; the CLI draws it on stderr (a no-op here)."""

    def step(self, description: str, total: int | None = None) -> None:
        """A new step begins: ``description``, with ``total`` units to do (None: unknown)."""

    def advance(self, units: int = 1) -> None:
        """``units`` more of the current step are done."""


_RDF_TYPE = str(RDF.type)
#: N-Quads lines sorted in memory at once, before they go to a sorted run on disk.
RUN_LINES = 1_000_000
#: Triples of the merged graph per piece of Turtle written by a worker (cut between subjects).
TURTLE_LINES = 200_000
#: Worker processes (the canonical labels, the dumps, the TriG, JSON-LD and Turtle pieces) for
#: a store of at least :data:`POOL_TRIPLES` triples: ``STANCEGRAPH_BUILD_WORKERS``, else the
#: number of cores (at most 4). Below that, or with 1, the build runs in one process; the files
#: are the same either way.
WORKERS_ENV = "STANCEGRAPH_BUILD_WORKERS"
POOL_TRIPLES = 200_000


#: An IRI in an N-Quads line (also matches ``<...>`` inside a literal's text, where it can only
#: add a prefix declaration that is not needed).
_IRI = re.compile(rb"<[^<>\"{}|^`\\\x00-\x20]*>")
_TYPE = b"<" + str(RDF.type).encode() + b">"
_LABEL = b"<" + str(RDFS.label).encode() + b">"
_PUBLISHER = b"<" + str(DCTERMS.publisher).encode() + b">"


@dataclass
class CanonicalGraph:
    """One graph canonicalised (:func:`canonical_graph`), with what :func:`metadata` needs of
    it, counted where it was canonicalised (in a worker process, when there are workers)."""

    iri: URIRef
    #: its canonical N-Quads lines, sorted
    lines: bytes
    triples: int
    #: triples per predicate (``<iri>``)
    properties: Counter[bytes]
    #: the IRIs typed with each class (``<iri>``: the ``<iri>`` subjects)
    typed: dict[bytes, set[bytes]]
    #: the number of blank nodes typed with each class (they are the graph's own: labelled
    #: with its salt, no other graph has them)
    typed_blank: Counter[bytes]
    #: the namespaces of the IRIs of its triples, where a plain local name follows them
    namespaces: set[str]
    #: the lines :class:`DatasetFacts` keeps (the ontology; the actors' labels; a source's
    #: description of its document)
    kept: bytes


_STORES: dict[str, Any] = {}


def _dump(location: str, iri: URIRef) -> bytes:
    """Graph ``iri`` of the embedded store at ``location`` as N-Triples (the store opened
    read-only once per process)."""
    held = _STORES.get(location)
    if held is None:
        held = _STORES[location] = store.open_embedded(location)
    return held.dump(format=_NT, from_graph=ox.NamedNode(str(iri)))


def canonical_graph(job: GraphJob) -> CanonicalGraph:
    """One graph read (:class:`GraphJob`), canonicalised (:func:`canonical_lines`) and counted."""
    iri = job.iri
    data = job.data if job.data is not None else _dump(job.store or "", iri)
    lines = canonical_lines(data, iri)
    del data
    properties: Counter[bytes] = Counter()
    typed: dict[bytes, set[bytes]] = {}
    typed_blank: Counter[bytes] = Counter()
    for line in lines:
        s, p, rest = line.split(b" ", 2)
        properties[p] += 1
        if p == _TYPE and rest[:1] == b"<":
            cls = rest[: rest.index(b">") + 1]
            members = typed.setdefault(cls, set())  # every class, in the order met
            if s[:1] == b"<":
                members.add(s)
            else:
                typed_blank[cls] += 1
    text = b"".join(lines)
    own = f" <{iri}> .\n".encode()  # the graph's name, which is no IRI of a triple
    namespaces = set()
    for found in set(_IRI.findall(text.replace(own, b" .\n"))):
        cut = max(found.rfind(b"/"), found.rfind(b"#"))
        if 0 < cut < len(found) - 2:
            namespaces.add(found[1 : cut + 1].decode("utf-8"))
    if iri == graph.ONTOLOGY_GRAPH:
        kept = text
    elif iri == graph.ACTORS_GRAPH:
        kept = b"".join(x for x in lines if x.split(b" ", 2)[1] == _LABEL)
    elif str(iri).startswith(graph.GRAPH_BASE + "source/"):
        kept = _document_lines(iri, lines)
    else:
        kept = b""
    return CanonicalGraph(iri, text, len(lines), properties, typed, typed_blank, namespaces, kept)


class _Spool:
    """The dataset's canonical quads as written by the first pass: one N-Quads file in graph
    order (each graph's lines sorted, where each graph's lines are is kept), and runs of sorted
    lines for the N-Quads and Turtle files, merged on disk (:meth:`sorted_lines`), so that the
    lines of the whole corpus are never sorted in memory."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.by_graph = folder / "by-graph.nq"
        self._out = self.by_graph.open("wb")  # closed in close()
        self.runs: list[Path] = []
        #: (offset, size) of each graph's lines in :attr:`by_graph`, in graph order
        self.graphs: list[tuple[int, int]] = []
        self._size = 0
        self._pending: list[bytes] = []

    def add(self, text: bytes) -> None:
        self._out.write(text)
        self.graphs.append((self._size, len(text)))
        self._size += len(text)
        self._pending.extend(text.splitlines(keepends=True))
        if len(self._pending) >= RUN_LINES:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        run = self.folder / f"run-{len(self.runs)}.nq"
        self._pending.sort()
        run.write_bytes(b"".join(self._pending))
        self.runs.append(run)
        self._pending = []

    def close(self) -> None:
        self._flush()
        self._out.close()

    def sorted_lines(self) -> Iterator[bytes]:
        """Every line of every graph, sorted by code point (UTF-8 bytes sort as code points)."""
        with contextlib.ExitStack() as files:
            runs = [files.enter_context(run.open("rb")) for run in self.runs]
            last = None
            for line in heapq.merge(*runs):
                if line != last:
                    yield line
                last = line


class _Inline:
    """What :func:`build` asks of a process pool, done in this process (no workers)."""

    def imap(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        return map(fn, items)

    def apply_async(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        result = fn(*args)
        return type("Done", (), {"get": lambda self: result})()


def _quiet_worker() -> None:
    """A worker leaves Ctrl-C to the build, which stops the workers itself."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def build_workers(triples: int) -> int:
    """How many worker processes a build of ``triples`` triples uses (:data:`WORKERS_ENV`)."""
    told = os.environ.get(WORKERS_ENV, "").strip()
    if told:
        try:
            return max(1, int(told))
        except ValueError:
            raise ProjectError(f"{WORKERS_ENV}={told!r}: not a number of workers") from None
    if triples < POOL_TRIPLES:
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


@contextlib.contextmanager
def _workers(n: int) -> Iterator[Any]:
    if n <= 1:
        yield _Inline()
        return
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = ctx.Pool(n, initializer=_quiet_worker)
    try:
        yield pool
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def spool_dataset(
    graphs: Iterable[GraphJob],
    declared: dict[str, str],
    folder: Path,
    progress: Progress,
    pool: Any = None,
) -> tuple[_Spool, DatasetFacts]:
    """The first pass: each graph canonicalised and counted (:func:`canonical_graph`, in the
    workers of ``pool`` if given), spooled (:class:`_Spool`) in order, and what
    :func:`metadata` needs gathered from the counts."""
    facts = DatasetFacts()
    spool = _Spool(folder)
    namespaces: set[str] = set()
    properties: Counter[bytes] = Counter()
    typed: dict[bytes, set[bytes]] = {}
    typed_blank: Counter[bytes] = Counter()
    try:
        for done in (pool or _Inline()).imap(canonical_graph, graphs):
            iri = done.iri
            facts.triples[iri] = done.triples
            properties.update(done.properties)
            for cls, members in done.typed.items():
                typed.setdefault(cls, set()).update(members)
            typed_blank.update(done.typed_blank)
            namespaces.update(done.namespaces)
            if iri == graph.ONTOLOGY_GRAPH:
                _add_lines(facts.ontology, done.kept)
            elif iri == graph.ACTORS_GRAPH:
                _add_lines(facts.labels, done.kept)
            elif str(iri).startswith(graph.GRAPH_BASE + "source/"):
                facts.documents[iri] = Graph()
                _add_lines(facts.documents[iri], done.kept)
            spool.add(done.lines)
            del done
            progress.advance(1)
    finally:
        spool.close()
    facts.properties = Counter({_unbracket(p): n for p, n in properties.items()})
    facts.prefixes = used_prefixes(declared, namespaces, facts.properties)
    facts.classes = {_unbracket(c): len(members) + typed_blank[c] for c, members in typed.items()}
    return spool, facts


def _add_lines(g: Graph, text: bytes) -> None:
    """Add the N-Quads lines ``text`` to ``g`` as triples (their graph name dropped)."""
    for q in ox.parse(text, format=_NQ):
        g.add(
            (
                graph.from_oxigraph(q.subject),
                graph.from_oxigraph(q.predicate),
                graph.from_oxigraph(q.object),
            )
        )


def _document_lines(iri: URIRef, lines: list[bytes]) -> bytes:
    """A source graph's lines about its document, and the labels of its publisher there."""
    key = str(iri).removeprefix(graph.GRAPH_BASE + "source/")
    doc = f"<{graph.document_iri(key)}>".encode()
    about = [x for x in lines if x.split(b" ", 1)[0] == doc]
    publishers = {x.split(b" ", 3)[2] for x in about if x.split(b" ", 2)[1] == _PUBLISHER}
    named = [
        x for x in lines if x.split(b" ", 1)[0] in publishers and x.split(b" ", 2)[1] == _LABEL
    ]
    return b"".join(about + named)


def _unbracket(iri: bytes) -> str:
    """The IRI of an N-Quads ``<...>`` token (escapes as N-Quads writes them: none but UCHARs,
    which pyoxigraph does not write)."""
    return iri[1:-1].decode("utf-8")


class _Hashing(io.RawIOBase):
    """A binary file that hashes and counts what is written to it (behind a buffer, so that
    the serialisers' many small writes are a few large ones here)."""

    def __init__(self, fh: Any) -> None:
        super().__init__()
        self.fh, self.sha, self.size = fh, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.fh.write(data)
        self.sha.update(data)
        self.size += len(data)
        return len(data)


# --- the dataset files, written in pieces -------------------------------------------------------
#
# pyoxigraph's TriG, Turtle and JSON-LD writers stream: what they write for a run of quads does
# not depend on what came before it, once a graph (TriG, JSON-LD) or a subject (Turtle) is done.
# So each graph's TriG and JSON-LD, and each run of subjects' Turtle, are written apart (by the
# workers, at once), and the pieces put together are what one writer would have written of the
# whole: the prefix lines once, at the top; JSON-LD's graph objects joined by commas in one list.


def _split_header(text: bytes, prefixes: int) -> tuple[bytes, bytes]:
    """The prefix lines (one per prefix given) that pyoxigraph's Turtle and TriG writers put
    first, and the rest."""
    if not text:
        return b"", b""
    cut = 0
    for _ in range(prefixes):
        if not text.startswith(b"@prefix ", cut):
            raise AssertionError("pyoxigraph wrote no prefix line where one was expected")
        cut = text.index(b"\n", cut) + 1
    return text[:cut], text[cut:]


def _graph_pieces(path: str, offset: int, size: int, prefixes: dict[str, str], stem: str) -> bytes:
    """One graph's TriG (without the prefix lines, returned) and JSON-LD (its graph object,
    without the list's brackets), from its lines in the spool, into ``stem.trig`` and
    ``stem.jsonld``."""
    with Path(path).open("rb") as fh:
        fh.seek(offset)
        data = fh.read(size)
    quads = list(ox.parse(data, format=_NQ))
    del data
    text = ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes)
    header, trig = _split_header(text, len(prefixes))
    Path(stem + ".trig").write_bytes(trig)
    jsonld = ox.serialize(quads, format=ox.RdfFormat.JSON_LD)
    if not (jsonld.startswith(b"[") and jsonld.endswith(b"]")):
        raise AssertionError("pyoxigraph's JSON-LD is not a list of graphs")
    Path(stem + ".jsonld").write_bytes(jsonld[1:-1])
    return header


def _turtle_piece(path: str, prefixes: dict[str, str]) -> bytes:
    """The Turtle of the triples in ``path`` (N-Triples) into ``path.ttl``, without the prefix
    lines (returned)."""
    data = Path(path).read_bytes()
    os.unlink(path)
    text = ox.serialize(ox.parse(data, format=_NT), format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    header, body = _split_header(text, len(prefixes))
    Path(path + ".ttl").write_bytes(body)
    return header


class _Pieces:
    """The pieces of one file being written by the workers, in order."""

    def __init__(self, headed: bool) -> None:
        self.headed = headed
        self.parts: list[tuple[Path, Any]] = []

    def add(self, path: Path, result: Any) -> None:
        self.parts.append((path, result))

    def write(self, out: Any, head: bytes = b"", sep: bytes = b"", tail: bytes = b"") -> None:
        """The header of the first piece that has one, then every piece (``sep`` between the
        pieces that are not empty), between ``head`` and ``tail``."""
        header = b""
        for _, result in self.parts if self.headed else ():
            header = result.get()
            if header:
                break
        out.write(head + header)
        first = True
        for path, result in self.parts:
            result.get()
            data = path.read_bytes()
            path.unlink()
            if data:
                if not first:
                    out.write(sep)
                out.write(data)
                first = False
        out.write(tail)


def write_pieces(
    spool: _Spool, facts: DatasetFacts, folder: Path, pool: Any, progress: Progress
) -> dict[str, Callable[[Any], None]]:
    """The four dataset files, as functions that write each (:func:`_write`): the TriG and
    JSON-LD pieces of every graph and the Turtle pieces are handed to ``pool`` at once; the
    sorted N-Quads are merged here meanwhile, into ``folder``, and cut into the Turtle pieces."""
    prefixes = facts.prefixes
    trig, jsonld, turtle = _Pieces(headed=True), _Pieces(headed=False), _Pieces(headed=True)
    for n, (offset, size) in enumerate(spool.graphs):
        stem = str(folder / f"graph-{n}")
        result = pool.apply_async(
            _graph_pieces, (str(spool.by_graph), offset, size, prefixes, stem)
        )
        trig.add(Path(stem + ".trig"), result)
        jsonld.add(Path(stem + ".jsonld"), result)
    nquads = folder / "sorted.nq"
    total = sum(facts.triples.values())
    progress.step("merging the sorted lines", total)
    with nquads.open("wb") as out:
        piece: list[bytes] = []
        last = last_subject = None
        done = 0

        def cut() -> None:
            path = str(folder / f"merged-{len(turtle.parts)}.nt")
            Path(path).write_bytes(b"".join(piece))
            turtle.add(Path(path + ".ttl"), pool.apply_async(_turtle_piece, (path, prefixes)))
            piece.clear()

        for line in spool.sorted_lines():
            out.write(line)
            done += 1
            if done % 100_000 == 0:
                progress.advance(100_000)
            triple = line.rsplit(b" ", 2)[0] + b" .\n"
            if triple == last:
                continue
            last = triple
            subject = triple[: triple.index(b" ")]
            if len(piece) >= TURTLE_LINES and subject != last_subject:
                cut()
            last_subject = subject
            piece.append(triple)
        if piece:
            cut()

    def copy(out: Any) -> None:
        with nquads.open("rb") as fh:
            shutil.copyfileobj(fh, out, 1 << 20)
        nquads.unlink()

    context = json.dumps(dict(sorted(prefixes.items())), ensure_ascii=False, sort_keys=True)
    return {
        TRIG: trig.write,
        NQUADS: copy,
        TURTLE: turtle.write,
        JSONLD: functools.partial(
            jsonld.write,
            head=f'{{"@context": {context},\n"@graph": ['.encode(),
            sep=b",",
            tail=b"]}\n",
        ),
    }


# --- Turtle of small graphs (the metadata) ---------------------------------------------------


def _turtle(triples: Iterable[tuple[Node, Node, Node]], prefixes: dict[str, str]) -> str:
    """Turtle of ``triples`` with exactly ``prefixes`` bound, triples added in sorted order.

    The graph is in rdflib's store without contexts: the serializer never asks for them, and
    the default store works out the contexts of every triple it yields (the same bytes)."""
    g = Graph(store="SimpleMemory", bind_namespaces="none")
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


@functools.lru_cache(maxsize=256)
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
    dataset: DatasetFacts,
    files: list[BuiltFile],
    saved: list[queries.SavedQuery],
    *,
    base_url: str | None = None,
) -> Graph:
    """VoID and DCAT description of the dataset, its graphs, its files and its saved queries.

    ``dataset`` is what the build counted while writing the graphs (:class:`DatasetFacts`),
    never the corpus itself."""
    g = Graph(bind_namespaces="none")
    for prefix, ns in {**dataset.prefixes, **METADATA_PREFIXES}.items():
        g.bind(prefix, ns, replace=True)
    g.bind("sgq", QUERY_BASE)
    d = DATASET
    g.add((d, RDF.type, VOID.Dataset))
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, DCTERMS.title, Literal(TITLE, lang="en")))
    g.add((d, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    g.add((d, DCTERMS.license, LICENSE))
    g.add((d, VOID.uriSpace, Literal(BASE + "id/")))
    version = dataset.version
    ontology = dataset.ontology_iri
    if version:
        g.add((d, OWL.versionInfo, Literal(version)))
        g.add((d, DCAT.version, Literal(version)))
    if ontology is not None:
        g.add((d, VOID.vocabulary, ontology))
        onto = dataset.ontology
        for prop in (DCTERMS.created, DCTERMS.modified):
            stated = onto.value(ontology, prop)
            if stated is not None:  # the only dates: the ones the sources state
                g.add((d, DCTERMS.issued if prop == DCTERMS.created else prop, stated))

    counts = dataset.triples
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


def rights(g: Graph, d: URIRef, dataset: DatasetFacts) -> None:
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
    layers = [*dataset.documents.values(), dataset.labels]
    prefix = graph.GRAPH_BASE + "source/"
    for iri, layer in sorted(dataset.documents.items()):
        key = str(iri).removeprefix(prefix)
        doc = graph.document_iri(key)
        seed = str(layer.value(doc, graph.SG.seedFile) or f"seeds/{key}.txt")
        publisher = layer.value(doc, DCTERMS.publisher)
        name = (
            next((n for other in layers for n in other.objects(publisher, RDFS.label)), None)
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


def withheld_texts(g: Graph, dataset: DatasetFacts) -> None:
    """Say which sources' texts are withheld: on each such source's graph (a ``void:Dataset``
    subset), the document's ``dcterms:accessRights`` and a description saying that the text is
    not distributed and that the build verified none of its anchors."""
    for iri, described in sorted(dataset.documents.items()):
        key = str(iri).removeprefix(graph.GRAPH_BASE + "source/")
        doc = graph.document_iri(key)
        if (doc, DCTERMS.accessRights, names.TEXT_WITHHELD) not in described:
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


def _partitions(g: Graph, d: URIRef, dataset: DatasetFacts) -> None:
    """``void:classPartition`` and ``void:propertyPartition`` over every named graph.

    With these, a checker can tell whether each class and predicate a query uses is in the data.
    """
    properties, typed = dataset.properties, dataset.classes
    g.add((d, VOID.classes, Literal(len(typed), datatype=XSD.integer)))
    g.add((d, VOID.properties, Literal(len(properties), datatype=XSD.integer)))
    for cls, members in typed.items():
        part = BNode()
        g.add((d, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(members, datatype=XSD.integer)))
    for prop, n in properties.items():
        part = BNode()
        g.add((d, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
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
    progress: Progress | None = None,
) -> BuildResult:
    """Write ``dist/`` (or ``out_dir``) from the project's graphs; see the module docstring.

    The graphs come one at a time (:func:`project_graphs`): from ``source``, the project already
    assembled, for a caller that has read the files once for several jobs (it is not changed);
    else from the embedded store when it holds the current files; else from the files, parsed
    by pyoxigraph. Each is canonicalised and spooled to disk, and the files are written from the
    spool by pyoxigraph (:func:`spool_dataset`), so that memory is bounded by the largest graph,
    not by the corpus (issue #19). ``progress`` is told each step.

    All or nothing (:func:`replace_folder`): the files are written into a new folder beside the
    output folder, which is swapped in whole only once every file is written, so the output
    folder always holds either the previous complete set or the new one, whatever stops the
    build (a kill, Ctrl-C, a full disk). What else the folder holds (``docs/``, ``img/``, a
    README of yours) is kept.
    """
    out = output_folder(project, out_dir)
    progress = progress or Progress()
    progress.step("reading the saved queries")
    catalogue = saved_queries(project)
    declared = declared_prefixes(project)
    layers = len(graph.layer_files(project))
    if source is None:
        progress.step("checking that the store holds the current files")
    status = store.embedded_status(project) if source is None else None
    from_store = status is not None and status.state == "fresh" and status.manifest is not None
    triples = status.manifest.triples if from_store and status and status.manifest else 0
    with (
        replace_folder(out) as work,
        tempfile.TemporaryDirectory(prefix="stancegraph-build-") as tmp,
        _workers(build_workers(triples)) as pool,
    ):
        progress.step("reading and canonicalising the graphs", layers)
        jobs = project_graphs(project, source, status)
        # the graphs that come as data are read here, one at a time: handed to the pool, they
        # would all be read at once (it takes its tasks as fast as they come)
        first = pool if from_store else None
        spool, facts = spool_dataset(jobs, declared, Path(tmp), progress, first)
        writers = write_pieces(spool, facts, Path(tmp), pool, progress)
        files = []
        for name in DATA_FILES:
            progress.step(f"writing {name}")
            files.append(_write(work, out, name, DATA_FILES[name], writers[name]))
        progress.step(f"writing {METADATA_FILE} and {SUMS_FILE}")
        meta = metadata(facts, files, catalogue, base_url=base_url)
        meta_file = _write(work, out, METADATA_FILE, "text/turtle", to_metadata_turtle(meta))
        every = [*files, meta_file]
        sums = "".join(f"{f.sha256}  {f.name}\n" for f in sorted(every, key=lambda f: f.name))
        sums_file = _write(work, out, SUMS_FILE, "text/plain", sums.encode("ascii"))
    return BuildResult(
        out_dir=out,
        files=[*every, sums_file],
        triples=facts.triples,
        version=facts.version,
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


def _write(
    folder: Path, final: Path, name: str, media_type: str, data: bytes | Callable[[Any], None]
) -> BuiltFile:
    """Write ``data`` (bytes, or a function that writes to the file it is given) as
    ``folder/name``, flushed to the disk; described as ``final/name``, where it will be once
    ``folder`` is swapped in, with its size and SHA-256 counted as it is written."""
    # Only the output files are opened by the name ``open`` here (the tests fill the disk
    # through it); the spool and the heads of the sources are opened as ``Path.open``.
    with open(folder / name, "xb") as fh:
        counted = _Hashing(fh)
        sink = io.BufferedWriter(counted, buffer_size=1 << 20)
        if callable(data):
            data(sink)
        else:
            sink.write(data)
        sink.flush()
        fh.flush()
        os.fsync(fh.fileno())
    return BuiltFile(
        name=name,
        path=final / name,
        media_type=media_type,
        size=counted.size,
        sha256=counted.sha.hexdigest(),
    )


def read_checksums(folder: str | Path) -> dict[str, str]:
    """``SHA256SUMS`` of a build folder as ``{file name: hex digest}``."""
    path = Path(folder) / SUMS_FILE
    sums: dict[str, str] = {}
    for line in path.read_text(encoding="ascii").splitlines():
        digest, _, name = line.partition("  ")
        sums[name] = digest
    return sums
