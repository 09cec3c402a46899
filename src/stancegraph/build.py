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

The build is deterministic: the same sources give byte-identical files. Blank nodes get canonical
labels (W3C RDFC-1.0 by pyoxigraph, salted with the graph's IRI so that two graphs
never share one), triples enter the serialisers in sorted order, N-Quads lines are sorted, JSON
keys and node arrays are sorted, and the only dates are the ones the ontology states.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import os
import re
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, VOID, NamespaceManager, split_uri
from rdflib.plugins.serializers.turtle import TurtleSerializer
from rdflib.term import Node

from stancegraph import graph, safety
from stancegraph.errors import ProjectError, QueryError
from stancegraph.sources import Project

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


@dataclass(frozen=True)
class SavedQuery:
    """A ``queries/<name>.rq`` file and what its ``#+`` header says."""

    name: str
    path: Path
    text: str
    form: str  # SelectQuery, ConstructQuery, AskQuery or DescribeQuery
    summary: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def iri(self) -> URIRef:
        return URIRef(QUERY_BASE + self.name)


@dataclass
class BuildResult:
    """What ``stancegraph build`` wrote."""

    out_dir: Path
    files: list[BuiltFile] = field(default_factory=list)
    triples: dict[URIRef, int] = field(default_factory=dict)
    version: str | None = None
    queries: list[SavedQuery] = field(default_factory=list)


# --- the dataset with canonical blank nodes ---------------------------------------------------


def canonical_dataset(dataset: Dataset) -> Dataset:
    """A copy of ``dataset`` whose blank nodes have canonical, graph-specific labels.

    Each named graph is canonicalised on its own (W3C RDFC-1.0, by pyoxigraph); its labels are
    then salted with a hash of the graph's IRI, so two graphs never share a blank node by
    accident of equal structure. Quads are inserted in sorted order, so every serialiser that
    keeps insertion order for ties sees the same order in every run.
    """
    out = Dataset()
    _rebind(out, _used_prefixes(dataset))
    for iri, g in sorted(graph.named_graphs(dataset).items()):
        salt = hashlib.sha256(str(iri).encode("utf-8")).hexdigest()[:8]
        target = out.graph(iri)
        for triple in sorted(canonical_triples(g, salt), key=_triple_key):
            target.add(triple)
    return out


def canonical_triples(
    triples: Iterable[tuple[Node, Node, Node]], salt: str = ""
) -> list[tuple[Node, Node, Node]]:
    """``triples`` with blank nodes relabelled by RDFC-1.0 (``c14n0``...), prefixed ``b<salt>``.

    Triples without blank nodes pass through untouched; only those with one go to pyoxigraph.
    """
    plain: list[tuple[Node, Node, Node]] = []
    quads = []
    for triple in triples:
        if any(isinstance(node, BNode) for node in triple):
            s, p, o = (graph.to_oxigraph(node) for node in triple)
            quads.append(ox.Quad(s, p, o))  # type: ignore[arg-type]
        else:
            plain.append(triple)
    if not quads:
        return plain
    data = ox.Dataset(quads)
    data.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    prefix = f"b{salt}"
    for quad in data:
        plain.append(
            (
                _from_ox(quad.subject, prefix),
                _from_ox(quad.predicate, prefix),
                _from_ox(quad.object, prefix),
            )
        )
    return plain


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
    text = dataset.serialize(format="nquads")
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


class _TurtleWriter(TurtleSerializer):
    """rdflib's Turtle serializer (the same bytes), remembering each IRI's prefixed name.

    It looks the name up four times or so for every IRI of every triple, and that lookup was a
    third of the time of writing the TriG and Turtle files (issue #7). The memory is forgotten
    whenever a prefix is added, since a new prefix can change the answer.
    """

    def reset(self) -> None:
        super().reset()
        self._pnames: dict[tuple[Node, bool, int], str | None] = {}

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
    text = dataset.serialize(format="json-ld", context=context, auto_compact=False)
    doc = json.loads(text)
    graphs = doc.get("@graph", doc) if isinstance(doc, dict) else doc
    if isinstance(graphs, dict):
        graphs = [graphs]
    # The default graph is empty: keep only the named graphs, in IRI order.
    named = [g for g in graphs if isinstance(g, dict) and "@graph" in g]
    out = {"@context": dict(sorted(context.items())), "@graph": _sort_json(named)}
    return (json.dumps(out, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


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

_HEADER = re.compile(r"^#\+\s*(?P<key>[A-Za-z_-]+)\s*:\s*(?P<value>.*?)\s*$")
_ITEM = re.compile(r"^#\+\s+-\s*(?P<value>.*?)\s*$")


def parse_header(text: str) -> dict[str, list[str]]:
    """The grlc ``#+ key: value`` lines of a query; list items (``#+   - x``) add to the key."""
    header: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        if not line.startswith("#+"):
            if line.strip() and not line.lstrip().startswith("#"):
                break  # the query itself has begun
            continue
        item = _ITEM.match(line)
        if item and current is not None:
            header[current].append(item.group("value"))
            continue
        match = _HEADER.match(line)
        if match:
            current = match.group("key").lower()
            value = match.group("value")
            header.setdefault(current, [])
            if value:
                header[current].append(value)
    return header


def saved_queries(project: Project) -> list[SavedQuery]:
    """``queries/*.rq`` (not ``queries/qa/``), each parsed to learn its form.

    Raises :class:`QueryError` naming the file if one is not valid SPARQL.
    """
    folder = project.queries_dir
    if not folder.is_dir():
        return []
    found = []
    empty = ox.Store()
    for path in sorted(p for p in folder.glob("*.rq") if p.is_file()):
        text = safety.decode(safety.read_limited(path), path)
        form = query_form(text, path, empty)
        header = parse_header(text)
        tags: list[str] = []
        for raw in header.get("tags", []):
            tags.extend(t.strip() for t in raw.split(",") if t.strip())
        found.append(
            SavedQuery(
                name=path.stem,
                path=path,
                text=text,
                form=form,
                summary=" ".join(header.get("summary", [])) or None,
                description=" ".join(header.get("description", [])) or None,
                tags=tuple(tags),
            )
        )
    return found


def query_form(text: str, path: Path, empty: ox.Store | None = None) -> str:
    """``SelectQuery``, ``ConstructQuery``, ``AskQuery`` or ``DescribeQuery``: the form of the
    query ``text`` (read from ``path``); :class:`QueryError` if it is not a SPARQL query.

    Oxigraph tells a SELECT or an ASK in well under a millisecond, by running it over an empty
    store (``empty``), where rdflib's parser takes some 15 ms a query (issue #7). rdflib decides
    the rest, as before: CONSTRUCT or DESCRIBE (Oxigraph answers both with triples), and what
    Oxigraph refuses, with rdflib's message for a text that is no query. A query that mentions
    SERVICE is left to rdflib alone, which only parses it: Oxigraph would call the service.
    Every saved query must parse on both anyway (tests/test_queries.py).
    """
    text = safety.guard_query_text(text, path).text  # pyoxigraph crashes on deep nesting
    if "service" not in text.lower():
        try:
            answer = (empty or ox.Store()).query(text)
        except (SyntaxError, ValueError, OSError, RuntimeError):
            answer = None
        if isinstance(answer, ox.QuerySolutions):
            return "SelectQuery"
        if isinstance(answer, ox.QueryBoolean):
            return "AskQuery"
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        form = str(translateQuery(parseQuery(text)).algebra.name)
    except Exception as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise QueryError(f"{path}: not a valid SPARQL query: {first}") from None
    if form not in _QUERY_FORMS:
        raise QueryError(f"{path}: an update, not a query; saved queries only read")
    return form


# --- metadata (VoID and DCAT) --------------------------------------------------------------------


def metadata(
    dataset: Dataset,
    files: list[BuiltFile],
    queries: list[SavedQuery],
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

    for query in queries:
        q = query.iri
        g.add((d, VOID.exampleResource, q))
        g.add((q, RDF.type, SH.SPARQLExecutable))
        g.add((q, RDF.type, _QUERY_CLASSES[query.form]))
        g.add((q, _QUERY_FORMS[query.form], Literal(query.text)))
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
    return g


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
    return project.root / "dist"


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

    Each file is written to a temporary name and renamed into place, so an interrupted build
    never leaves a truncated file under a final name. ``SHA256SUMS`` is written last.
    """
    out = Path(out_dir) if out_dir is not None else default_out_dir(project)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ProjectError(
            f"{out}: cannot create the output folder: {exc.strerror or exc}"
        ) from None
    assembled_here = source is None
    if source is None:
        source = graph.assemble(project)
    dataset = canonical_dataset(source)
    triples, version = graph.triple_counts(source), graph.ontology_version(source)
    del source  # the writers need only the canonical copy: one dataset in memory, not two
    if assembled_here:
        gc.collect()  # rdflib's graphs and stores refer to each other: free them now
    queries = saved_queries(project)

    writers = {TRIG: to_trig, NQUADS: to_nquads, TURTLE: to_turtle, JSONLD: to_jsonld}
    files = [_write(out, name, DATA_FILES[name], writers[name](dataset)) for name in DATA_FILES]
    meta = metadata(dataset, files, queries, base_url=base_url)
    meta_file = _write(out, METADATA_FILE, "text/turtle", to_metadata_turtle(meta))
    every = [*files, meta_file]
    sums = "".join(f"{f.sha256}  {f.name}\n" for f in sorted(every, key=lambda f: f.name))
    sums_file = _write(out, SUMS_FILE, "text/plain", sums.encode("ascii"))
    return BuildResult(
        out_dir=out,
        files=[*every, sums_file],
        triples=triples,
        version=version,
        queries=queries,
    )


def _write(folder: Path, name: str, media_type: str, data: bytes) -> BuiltFile:
    target = folder / name
    try:
        # Like mkstemp, but with the permissions the umask gives (mkstemp's are 0600).
        tmp = folder / f".{name}.{secrets.token_hex(6)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ProjectError(f"{target}: cannot write: {exc.strerror or exc}") from None
    return BuiltFile(
        name=name,
        path=target,
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
