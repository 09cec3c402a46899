"""The embedded on-disk Oxigraph store, and what every load is made of (graphs, listeners).

``stancegraph load`` (:func:`load_project`), and :func:`ensure_embedded`, which ``query``
calls, keep the dataset in an on-disk Oxigraph store, by default ``.stancegraph/store`` under
the project root (``$STANCEGRAPH_STORE`` or ``--store DIR`` elsewhere). The folder holds
generations::

    .stancegraph/store/
        CURRENT                 the name of the generation in use, e.g. "gen-3f9c...-k2j1"
        gen-3f9c...-k2j1/
            oxigraph/           the Oxigraph (RocksDB) store
            manifest.json       fingerprint of the sources, triples per graph
        .lock                   held while a load runs

A load writes a new generation next to the current one, checks its triple counts, and only then
replaces ``CURRENT`` by an atomic rename. A load that is killed, runs out of disk or fails in any
other way leaves ``CURRENT`` pointing at the previous generation, which stays readable; the next
load removes what the interrupted one left and completes. The fingerprint is a hash of the bytes
of every file that fills a named graph, so :func:`ensure_embedded` reuses the store while the data
is unchanged and reloads it when it is stale; a stale store whose folder cannot be written
(read-only, full) is used as it was last loaded, with a :class:`StaleStoreWarning`.

Remote SPARQL 1.1 stores are loaded by :mod:`stancegraph.remote`, from the same graphs
(:class:`GraphPlan`), telling the same :class:`Listener` and reporting the same
:class:`LoadReport`.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyoxigraph
from rdflib import Dataset, Graph, URIRef

from stancegraph import graph, safety
from stancegraph.errors import ProjectError, StoreError
from stancegraph.sources import Project, fsync_dir, read_seed_text

#: Environment variable naming the embedded store's folder.
STORE_ENV = "STANCEGRAPH_STORE"
#: The embedded store's folder, relative to the project root, unless told otherwise.
DEFAULT_STORE = Path(".stancegraph") / "store"

#: Bumped when the layout of a generation changes, so that older stores count as stale.
LAYOUT_VERSION = 2  # 2: compacted after loading (Store.optimize)
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
OXIGRAPH_DIR = "oxigraph"
LOCK = ".lock"
_GEN_PREFIX = "gen-"
_LOADING_PREFIX = "loading-"

COUNT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"


# --- what is loaded ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphPlan:
    """One named graph to load: its IRI and its triples."""

    iri: URIRef
    graph: Graph

    @property
    def name(self) -> str:
        """The graph's short name: ``ontology``, ``source/<key>``..."""
        return short_name(self.iri)

    @property
    def triples(self) -> int:
        return len(self.graph)

    @property
    def weight(self) -> int:
        """What a progress bar counts for it: its triples."""
        return self.triples


def short_name(iri: str) -> str:
    return str(iri).removeprefix(graph.GRAPH_BASE)


def plan(dataset: Dataset) -> list[GraphPlan]:
    """Every named graph of ``dataset``, in the architecture's order."""
    named = graph.named_graphs(dataset)
    return [GraphPlan(iri, named[iri]) for iri in graph.triple_counts(dataset)]


@dataclass(frozen=True)
class ParsedGraph:
    """One named graph to load into the embedded store, parsed by pyoxigraph (no rdflib terms):
    its IRI and its distinct quads."""

    iri: URIRef
    quads: frozenset[Any]

    @property
    def name(self) -> str:
        return short_name(self.iri)

    @property
    def triples(self) -> int:
        return len(self.quads)

    @property
    def weight(self) -> int:
        return self.triples


@dataclass(frozen=True)
class LayerFiles:
    """One named graph of a streaming load, not parsed yet: its IRI and its files. A load of
    the project parses one graph at a time (:func:`parse_layer`), so that only a batch of
    graphs is in memory at once, whatever the size of the corpus (issue #19)."""

    iri: URIRef
    files: list[Path]

    @property
    def name(self) -> str:
        return short_name(self.iri)

    @property
    def triples(self) -> int:
        return 0  # not known before it is parsed

    @property
    def weight(self) -> int:
        """What a progress bar counts for it: the bytes of its files."""
        return sum(_size(path) for path in self.files)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def layer_plan(project: Project) -> list[LayerFiles]:
    """Every named graph of the project with its files, in the architecture's order."""
    if not project.ontology_file.is_file():
        raise ProjectError(f"{project.ontology_file}: the ontology file is missing")
    return [LayerFiles(iri, files) for iri, files in graph.layer_files(project)]


def parse_layer(layer: LayerFiles) -> ParsedGraph:
    """One named graph parsed (see :func:`parse_layers`)."""
    name = pyoxigraph.NamedNode(str(layer.iri))
    quads: set[Any] = set()
    for path in layer.files:
        quads.update(safety.parse_file_quads(path, name))
    return ParsedGraph(layer.iri, frozenset(quads))


@dataclass(frozen=True)
class LoadedGraph:
    """One named graph read for the embedded store by :func:`read_layer`: its IRI and its
    triples, in an in-memory pyoxigraph store (blank nodes apart from every other graph's)."""

    iri: URIRef
    store: pyoxigraph.Store

    @property
    def name(self) -> str:
        return short_name(self.iri)

    @functools.cached_property
    def triples(self) -> int:
        """Its distinct triples."""
        return len(self.store)

    @property
    def weight(self) -> int:
        return self.triples


def read_layer(layer: LayerFiles) -> LoadedGraph:
    """One named graph read for ``load``: its files through :func:`stancegraph.safety.read_graph`
    (the guards, limits and errors of :func:`stancegraph.safety.parse_file_quads`), Turtle and
    N-Triples parsed by pyoxigraph with no Python object per triple (issue #19)."""
    return LoadedGraph(
        layer.iri, safety.read_graph(layer.files, pyoxigraph.NamedNode(str(layer.iri)))
    )


def parse_layers(project: Project) -> list[ParsedGraph]:
    """Every named graph of the project, in the architecture's order, each file read by
    :func:`stancegraph.safety.parse_file_quads`: the guards, limits and errors of every other
    file the package reads (size limit, strict UTF-8, nesting, no DTD, no remote JSON-LD context;
    errors at their line and column), parsed by pyoxigraph straight into pyoxigraph terms.

    What ``load`` stores is what :func:`stancegraph.graph.assemble` holds, without the detour
    through rdflib terms and N-Triples text that made loading 1M triples take 90 s (issue #7).
    """
    return [parse_layer(layer) for layer in layer_plan(project)]


def fingerprint(project: Project) -> str:
    """SHA-256 over the bytes (and paths) of every file that fills a named graph.

    Equal fingerprints mean equal sources, so a store loaded from them is up to date.
    """
    h = hashlib.sha256(f"stancegraph-store/{LAYOUT_VERSION}\n".encode())
    for iri, files in graph.layer_files(project):
        h.update(f"graph {iri}\n".encode())
        for path in files:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise StoreError(f"{path}: cannot read: {exc.strerror or exc}") from None
            rel = path.relative_to(project.root).as_posix()
            h.update(f"file {rel} {len(data)}\n".encode())
            h.update(data)
    return h.hexdigest()


class Listener:
    """Told about the progress of a load; the CLI draws a progress bar from it."""

    def planned(self, items: Sequence[GraphPlan] | Sequence[ParsedGraph]) -> None:
        """The load is about to send ``items``, in this order (told once, before the first)."""

    def started(self, item: GraphPlan) -> None:
        """``item`` is about to be sent."""

    def finished(self, item: GraphPlan) -> None:
        """``item`` is loaded (and, for a remote store, its count checked)."""

    def step(self, description: str) -> None:
        """Every graph is loaded; the load now does what ``description`` says (one line)."""


# --- embedded store ------------------------------------------------------------------------------


def store_location(project: Project, override: str | Path | None = None) -> Path:
    """The embedded store's folder: ``override``, else ``$STANCEGRAPH_STORE``, else the default.

    A relative ``$STANCEGRAPH_STORE`` or default is taken relative to the project root; a
    relative ``override`` (``--store``) relative to the current directory, like any path typed
    on a command line.
    """
    if override is not None:
        return Path(override).expanduser().absolute()
    env = os.environ.get(STORE_ENV)
    if env:
        path = Path(env).expanduser()
        return path if path.is_absolute() else project.root / path
    return project.root / DEFAULT_STORE


@dataclass(frozen=True)
class Manifest:
    """What a generation holds: the fingerprint of its sources, its triples per graph and what
    ``stancegraph info`` reports of it (:func:`describe_store`, counted once at load time)."""

    fingerprint: str
    graphs: dict[str, int]
    layout: int = LAYOUT_VERSION
    summary: dict[str, Any] | None = None

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "layout": self.layout,
            "fingerprint": self.fingerprint,
            "graphs": self.graphs,
        }
        if self.summary is not None:
            data["summary"] = self.summary
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, path: Path) -> Manifest | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                fingerprint=str(data["fingerprint"]),
                graphs={str(k): int(v) for k, v in data["graphs"].items()},
                layout=int(data.get("layout", 0)),
                summary=data["summary"] if isinstance(data.get("summary"), dict) else None,
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None


@dataclass(frozen=True)
class EmbeddedStatus:
    """The state of the embedded store: ``missing``, ``fresh`` or ``stale``."""

    location: Path
    state: Literal["missing", "fresh", "stale"]
    manifest: Manifest | None = None

    def describe(self) -> str:
        """One line for ``stancegraph info``."""
        where = str(self.location)
        if self.state == "missing" or self.manifest is None:
            return f"embedded store {where}: not loaded yet (run 'stancegraph load')"
        count = f"{self.manifest.triples} triples in {len(self.manifest.graphs)} graphs"
        if self.state == "fresh":
            return f"embedded store {where}: {count}, up to date"
        return f"embedded store {where}: {count}, stale (sources changed; 'stancegraph load')"


@dataclass(frozen=True)
class EmbeddedResult:
    location: Path
    generation: Path
    manifest: Manifest
    reused: bool = False


def embedded_status(project: Project, location: str | Path | None = None) -> EmbeddedStatus:
    """Whether the embedded store exists and holds the current sources."""
    loc = store_location(project, location)
    current = _current_generation(loc)
    manifest = Manifest.read(current / MANIFEST) if current is not None else None
    if manifest is None:
        return EmbeddedStatus(loc, "missing")
    fresh = manifest.layout == LAYOUT_VERSION and manifest.fingerprint == fingerprint(project)
    return EmbeddedStatus(loc, "fresh" if fresh else "stale", manifest)


def open_embedded(location: str | Path) -> pyoxigraph.Store:
    """The current generation of the store at ``location``, opened read-only."""
    loc = Path(location)
    current = _current_generation(loc)
    if current is None:
        raise StoreError(f"{loc}: no embedded store here yet; run 'stancegraph load'")
    try:
        return pyoxigraph.Store.read_only(str(current / OXIGRAPH_DIR))
    except OSError as exc:
        raise StoreError(f"{current}: cannot open the embedded store: {exc}") from None


def ensure_embedded(
    project: Project,
    location: str | Path | None = None,
    *,
    listener: Listener | None = None,
) -> pyoxigraph.Store:
    """The embedded store, loaded from the current sources: reused if fresh, else (re)loaded.

    Returns a read-only :class:`pyoxigraph.Store` holding one named graph per layer. Safe to
    call from several processes at once: loads are serialised by a lock, and a process that
    waited for another's load uses its result.

    A store that is fresh is only read, so it answers from a read-only folder too. A stale one
    that cannot be reloaded because its folder cannot be written (read-only, a full disk, no
    permission: :class:`StoreWriteError`) is used as it is, with a :class:`StaleStoreWarning`
    saying so and why (the previous load is intact: loads are all or nothing). A file that does
    not parse still fails: the store must not hide a broken contribution.
    """
    loc = store_location(project, location)
    status = embedded_status(project, loc)
    if status.state != "fresh":
        try:
            load_embedded(project, loc, listener=listener, reuse_if_fresh=True)
        except StoreWriteError as exc:
            if status.state == "missing":
                raise
            warnings.warn(
                f"{loc}: the store is older than the files, and reloading it failed "
                f"({exc.reason}); answering from the store as it was last loaded",
                StaleStoreWarning,
                stacklevel=2,
            )
    return open_embedded(loc)


class StoreWriteError(StoreError):
    """The embedded store's folder cannot be written: read-only, full, or not permitted."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class StaleStoreWarning(UserWarning):
    """The embedded store is older than the files and could not be reloaded; it is used as
    it was last loaded."""


def _cannot_write(loc: Path, exc: OSError) -> StoreWriteError:
    reason = describe_error(exc)
    return StoreWriteError(f"{loc}: cannot write the embedded store: {reason}", reason)


def load_embedded(
    project: Project,
    location: str | Path | None = None,
    *,
    listener: Listener | None = None,
    reuse_if_fresh: bool = False,
    dataset: Dataset | None = None,
    parsed: list[ParsedGraph] | None = None,
) -> EmbeddedResult:
    """Load every named graph into a new generation of the embedded store and switch to it.

    The graphs are ``parsed`` (from :func:`parse_layers`) if given, else those of ``dataset``,
    else the project's files parsed by :func:`parse_layers`.

    All or nothing: until the final atomic rename of ``CURRENT`` the previous generation is the
    one in use. Raises :class:`StoreError` if the folder is not ours or the load fails (the
    unfinished generation is removed; the previous one is untouched).
    """
    listener = listener or Listener()
    loc = store_location(project, location)
    _claim_folder(loc)
    with _locked(loc):
        _remove_leftovers(loc)
        print_ = fingerprint(project)
        current = _current_generation(loc)
        if reuse_if_fresh and current is not None:
            manifest = Manifest.read(current / MANIFEST)
            if manifest and manifest.fingerprint == print_ and manifest.layout == LAYOUT_VERSION:
                return EmbeddedResult(loc, current, manifest, reused=True)
        items: list[GraphPlan] | list[ParsedGraph] | list[LayerFiles]
        if parsed is not None:
            items = parsed
        elif dataset is not None:
            items = plan(dataset)
        else:
            items = layer_plan(project)  # parsed one graph at a time below
        listener.planned(items)
        try:
            work = Path(tempfile.mkdtemp(prefix=_LOADING_PREFIX, dir=loc))
        except OSError as exc:
            raise _cannot_write(loc, exc) from None
        try:
            store = pyoxigraph.Store(str(work / OXIGRAPH_DIR))
            expected = _fill(store, items, listener)
            store.flush()
            # Bulk loads leave many small RocksDB files side by side; compacting them once here
            # (2.6 s at 1M triples) makes every later read about a third faster (issue #7).
            listener.step("compacting the store")
            store.optimize()
            # The check: the store holds, graph by graph, as many distinct triples as were read
            # (for the project's files, as the in-memory store pyoxigraph parsed each graph into
            # counted them: safety.read_graph; for parsed or rdflib graphs, the distinct
            # triples held in Python), in no graph but those, and nothing in the default graph.
            listener.step("counting the triples")
            held = _graph_counts(store)
            counts = {item.name: held.pop(item.name, 0) for item in items}
            if held or _holds_default_graph(store):
                stray = ", ".join(sorted(held)) or "the default graph"
                raise StoreError(f"{loc}: triples in graphs not loaded: {stray}")
            if counts != expected:
                wrong = [n for n in expected if counts.get(n) != expected[n]]
                raise StoreError(f"{loc}: wrong triple counts after loading: {', '.join(wrong)}")
            listener.step("counting what info reports")
            summary = describe_store(store, project)
            del store  # closes the database before its folder is renamed
            manifest = Manifest(fingerprint=print_, graphs=counts, summary=summary)
            _write_file(work / MANIFEST, manifest.to_json())
            generation = loc / (_GEN_PREFIX + print_[:12] + "-" + work.name[len(_LOADING_PREFIX) :])
            os.rename(work, generation)
            fsync_dir(loc)
            _write_file(loc / CURRENT, generation.name + "\n")  # the switch
        except BaseException as exc:
            shutil.rmtree(work, ignore_errors=True)
            if isinstance(exc, StoreError):
                raise
            if isinstance(exc, OSError):
                raise StoreWriteError(
                    f"{loc}: loading the embedded store failed ({describe_error(exc)}); "
                    "the previous store is unchanged",
                    describe_error(exc),
                ) from None
            if isinstance(exc, SyntaxError | ValueError):
                raise StoreError(
                    f"{loc}: loading the embedded store failed ({describe_error(exc)}); "
                    "the previous store is unchanged"
                ) from None
            raise
        _remove_leftovers(loc)
        return EmbeddedResult(loc, generation, manifest)


@dataclass(frozen=True)
class GraphLoad:
    """One named graph in what ``stancegraph load`` reports: its short name, its triples, the
    requests it takes (a dry run into a remote store; else None) and the triples the store
    holds in it afterwards (None: a dry run)."""

    name: str
    triples: int
    requests: int | None = None
    in_store: int | None = None


@dataclass(frozen=True)
class LoadReport:
    """What ``stancegraph load`` did, or (``dry_run``) would do.

    ``destination`` names the store: after a load, where the graphs went (``embedded store DIR
    (GENERATION)``, a remote store's URL); in a dry run, the store and its state. A remote load
    also says how it authenticates (dry run), whether it prunes, and which graphs it dropped.
    """

    destination: str
    graphs: list[GraphLoad]
    dry_run: bool = False
    authentication: str | None = None
    prune: bool = False
    pruned: list[str] = field(default_factory=list)

    @property
    def triples(self) -> int:
        return sum(g.triples for g in self.graphs)


def load_project(
    project: Project,
    location: str | Path | None = None,
    *,
    dry_run: bool = False,
    listener: Listener | None = None,
) -> LoadReport:
    """``stancegraph load`` without a URL: every named graph of the project's files
    (:func:`parse_layers`) into a new generation of the embedded store at ``location``
    (:func:`load_embedded`), each graph's count checked; with ``dry_run``, only counted."""
    layers = layer_plan(project)
    if dry_run:  # counted one graph at a time, as a load parses them
        status = embedded_status(project, location)
        graphs = [GraphLoad(layer.name, read_layer(layer).triples) for layer in layers]
        return LoadReport(status.describe(), graphs, dry_run=True)
    # Parsed one graph at a time by the load itself (never the corpus at once: issue #19); each
    # graph's count is checked against the store's before the manifest is written.
    done = load_embedded(project, location, listener=listener)
    graphs = [
        GraphLoad(
            layer.name, done.manifest.graphs[layer.name], in_store=done.manifest.graphs[layer.name]
        )
        for layer in layers
    ]
    return LoadReport(f"embedded store {done.location} ({done.generation.name})", graphs)


def _fill(
    store: pyoxigraph.Store,
    items: list[GraphPlan] | list[ParsedGraph] | list[LayerFiles],
    listener: Listener,
) -> dict[str, int]:
    """Put every graph of ``items`` into ``store``, batch by batch (:func:`_batches`); the
    distinct triples of each, by name. The listener is told of the items it was planned with
    (for graphs still to parse, :class:`LayerFiles`, whose weight is their files' bytes)."""
    expected: dict[str, int] = {}
    planned = {item.name: item for item in items}
    for group in _batches(items):
        for item in group:
            listener.started(planned[item.name])  # type: ignore[arg-type]
        if isinstance(group[0], LoadedGraph):
            # one bulk load per batch of graphs, store to store: each call is a RocksDB ingestion
            store.bulk_extend(itertools.chain.from_iterable(item.store for item in group))
        elif isinstance(group[0], ParsedGraph):
            # one bulk load per batch of graphs: each call is a RocksDB ingestion
            store.bulk_extend(q for item in group for q in item.quads)
        else:
            (item,) = group
            data = item.graph.serialize(format="nt", encoding="utf-8")
            store.bulk_load(
                input=data,
                format=pyoxigraph.RdfFormat.N_TRIPLES,
                to_graph=pyoxigraph.NamedNode(str(item.iri)),
            )
        for item in group:
            expected[item.name] = item.triples
            listener.finished(planned[item.name])  # type: ignore[arg-type]
    return expected


#: Quads per bulk load when loading parsed graphs.
BATCH_QUADS = 250_000


def _batches(items: list[GraphPlan] | list[ParsedGraph] | list[LayerFiles]) -> Iterator[list[Any]]:
    """Parsed graphs in batches of about :data:`BATCH_QUADS` quads; rdflib graphs one by one.

    Graphs still to parse (:class:`LayerFiles`) are parsed here, one at a time, as the batch
    they go into fills, and each batch is sent before the next is parsed: a load holds a batch
    in memory, never the corpus (issue #19)."""
    if items and isinstance(items[0], LayerFiles):
        batch: list[LoadedGraph] = []
        size = 0
        for layer in items:
            done = read_layer(layer)  # type: ignore[arg-type]
            batch.append(done)
            size += done.triples
            if size >= BATCH_QUADS:
                yield batch
                batch, size = [], 0
        if batch:
            yield batch
        return
    out: list[list[Any]] = []
    size = 0
    for item in items:
        if isinstance(item, ParsedGraph) and out and size + item.triples <= BATCH_QUADS:
            out[-1].append(item)
            size += item.triples
        else:
            out.append([item])
            size = item.triples
    yield from out


#: Triples per named graph, in one pass over the store (one count per graph took 1,500 queries
#: at 10M triples).
COUNTS_QUERY = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def _graph_counts(store: pyoxigraph.Store) -> dict[str, int]:
    """The triples of every named graph in ``store``, by short name (the full IRI of a graph
    not under :data:`stancegraph.graph.GRAPH_BASE`)."""
    return {
        short_name(s["g"].value): int(s["n"].value)  # type: ignore[index,union-attr]
        for s in store.query(COUNTS_QUERY)  # type: ignore[union-attr]
    }


def _holds_default_graph(store: pyoxigraph.Store) -> bool:
    return any(True for _ in store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph()))


# --- what info reports, counted at load time ------------------------------------------------------


def describe_store(store: pyoxigraph.Store, project: Project) -> dict[str, Any]:
    """What ``stancegraph info`` reports of the graphs in ``store`` (but the triple counts, which
    the manifest holds, and the length of each seed text, read from the file): the ontology's IRI
    and version, each source's title and publisher, the actors, claims, stances and events.

    Counted by the same functions as :func:`stancegraph.graph.summarize`, each given only the
    few triples it reads (the ontology graph; a document's description and its publisher's),
    and the entities by one SPARQL count each, so that it costs seconds at 10M triples where
    assembling the corpus in rdflib took minutes (issue #19)."""
    small = Dataset()
    onto = small.graph(graph.ONTOLOGY_GRAPH)
    onto_node = pyoxigraph.NamedNode(str(graph.ONTOLOGY_GRAPH))
    for q in store.quads_for_pattern(None, None, None, onto_node):
        onto.add(_rdflib_triple(q))
    iri, version = graph.ontology_iri(small), graph.ontology_version(small)
    sources: dict[str, dict[str, str | None]] = {}
    actors_node = pyoxigraph.NamedNode(str(graph.ACTORS_GRAPH))
    for src in project.sources:
        tiny = Dataset()
        g = tiny.graph(graph.source_graph_iri(src.key))
        actors = tiny.graph(graph.ACTORS_GRAPH)
        g_node = pyoxigraph.NamedNode(str(graph.source_graph_iri(src.key)))
        doc = pyoxigraph.NamedNode(str(graph.document_iri(src.key)))
        for q in store.quads_for_pattern(doc, None, None, g_node):
            g.add(_rdflib_triple(q))
            if q.predicate.value in _PUBLISHERS and isinstance(q.object, pyoxigraph.NamedNode):
                for pq in store.quads_for_pattern(q.object, None, None, g_node):
                    g.add(_rdflib_triple(pq))
                for pq in store.quads_for_pattern(q.object, None, None, actors_node):
                    actors.add(_rdflib_triple(pq))
        told = graph.describe_source(tiny, project, src, characters=not src.has_text)
        sources[src.key] = {"title": told.title, "publisher": told.publisher}
        if not src.has_text:  # a withheld text: the length its description states
            sources[src.key]["characters"] = str(told.characters)
    entities = {}
    for kind, root in graph.ENTITY_ROOTS.items():
        classes = " ".join(f"<{c}>" for c in sorted(graph.subclasses(onto, root)))
        text = ENTITY_QUERY.format(
            classes=classes, actors=f"<{graph.ACTORS_GRAPH}>", sources=graph.GRAPH_BASE + "source/"
        )
        entities[kind] = next(_solutions(store.query(text)))
    return {
        "ontology_iri": str(iri) if iri is not None else None,
        "ontology_version": version,
        "sources": sources,
        "entities": entities,
    }


#: Distinct things typed with one of ``classes`` in the data graphs (actors and sources).
ENTITY_QUERY = (
    "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?c {{ {classes} }} GRAPH ?g {{ ?s a ?c }} "
    'FILTER(?g = {actors} || STRSTARTS(STR(?g), "{sources}")) }}'
)
_PUBLISHERS = frozenset(["http://purl.org/dc/terms/publisher", "https://schema.org/publisher"])


def _solutions(result: Any) -> Iterator[int]:
    for solution in result:
        yield int(solution["n"].value)


def _rdflib_triple(q: Any) -> tuple[Any, Any, Any]:
    return (
        graph.from_oxigraph(q.subject),
        graph.from_oxigraph(q.predicate),
        graph.from_oxigraph(q.object),
    )


def recorded_summary(project: Project, location: str | Path | None = None) -> graph.Summary | None:
    """What ``stancegraph info`` prints, from the embedded store when it is up to date: what
    ``load`` recorded in its manifest, else counted from the store (:func:`describe_store`);
    None when the store is missing or stale (``info`` then reads the files)."""
    status = embedded_status(project, location)
    if status.state != "fresh" or status.manifest is None:
        return None
    told = status.manifest.summary
    try:
        return _summary_from(project, status.manifest, told)
    except (TypeError, ValueError, AttributeError, KeyError):
        # no record (a store loaded before issue #19), or one not as written: count again
        told = describe_store(open_embedded(status.location), project)
        return _summary_from(project, status.manifest, told)


def _summary_from(project: Project, manifest: Manifest, told: Any) -> graph.Summary:
    if not isinstance(told, dict):
        raise TypeError("no summary recorded")
    known = told.get("sources", {})
    counted = told.get("entities", {})
    sources = []
    for src in project.sources:
        about = known.get(src.key) or {}
        sources.append(
            graph.SourceSummary(
                key=src.key,
                document=graph.document_iri(src.key),
                title=about.get("title"),
                publisher=about.get("publisher"),
                characters=(
                    len(read_seed_text(src.text_path, within=project.root))
                    if src.has_text
                    else int(about.get("characters") or 0)
                ),
                withheld=src.withheld and not src.has_text,
            )
        )
    triples = {URIRef(graph.GRAPH_BASE + n): c for n, c in manifest.graphs.items()}
    iri = told.get("ontology_iri")
    return graph.Summary(
        root=project.root,
        ontology_iri=URIRef(iri) if iri else None,
        ontology_version=told.get("ontology_version"),
        sources=sources,
        triples={g: triples[g] for g in graph.in_layer_order(triples)},
        # in the order info prints them (the manifest's keys are sorted)
        entities={k: int(counted[k]) for k in graph.ENTITY_ROOTS if k in counted},
    )


def _current_generation(loc: Path) -> Path | None:
    try:
        name = (loc / CURRENT).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not name.startswith(_GEN_PREFIX) or "/" in name or "\\" in name:
        return None
    path = loc / name
    return path if (path / OXIGRAPH_DIR).is_dir() else None


def _claim_folder(loc: Path) -> None:
    """Create the store folder, or check that an existing one is ours (never clobber others)."""
    try:
        loc.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = describe_error(exc)
        raise StoreWriteError(f"{loc}: cannot create the store folder: {reason}", reason) from None
    if not loc.is_dir():
        raise StoreError(f"{loc}: not a folder")
    foreign = sorted(p.name for p in loc.iterdir() if not _is_ours(p.name))
    if foreign:
        shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
        raise StoreError(
            f"{loc} is not a stancegraph store (it holds {shown}); "
            "give an empty or new folder with --store"
        )


def _is_ours(name: str) -> bool:
    return (
        name in (CURRENT, LOCK)
        or name.startswith((_GEN_PREFIX, _LOADING_PREFIX))
        or (name.startswith(f".{CURRENT}.") and name.endswith(".tmp"))
    )


def _remove_leftovers(loc: Path) -> None:
    """Remove every generation but the current one (unfinished loads, replaced generations)."""
    current = _current_generation(loc)
    for path in loc.iterdir():
        if path.name in (CURRENT, LOCK) or (current is not None and path == current):
            continue
        if _is_ours(path.name):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):  # a read-only folder: the load says so
                    path.unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(loc: Path) -> Iterator[None]:
    """An exclusive lock on the store folder for the duration of a load (POSIX ``flock``)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no cross-process lock
        yield
        return
    try:
        fh = open(loc / LOCK, "a+b")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise _cannot_write(loc, exc) from None
    with fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _write_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically: a temporary file, fsync, rename, fsync the folder."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def describe_error(exc: BaseException) -> str:
    """What went wrong in ``exc``, on one line (an OSError's reason, else its message)."""
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())
