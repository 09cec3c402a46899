"""Triple stores: the embedded on-disk Oxigraph store, and remote SPARQL 1.1 stores.

**Embedded.** ``stancegraph load`` (and :func:`ensure_embedded`, which ``query`` calls) keeps the
dataset in an on-disk Oxigraph store, by default ``.stancegraph/store`` under the project root
(``$STANCEGRAPH_STORE`` or ``--store DIR`` elsewhere). The folder holds generations::

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

**Remote.** :func:`load_remote` replaces each of our named graphs (and only those) on a SPARQL 1.1
server: through the Graph Store HTTP Protocol (one ``PUT ?graph=<iri>`` per graph, all or nothing
per graph) or through SPARQL 1.1 Update (``DROP SILENT GRAPH``/``INSERT DATA``; a graph too big for
one request is filled in a staging graph of ours and moved into place with ``MOVE``). After each
graph it counts the graph's triples through the query endpoint; a failure stops the load with
:class:`RemoteLoadError`, which says which graphs are loaded and which are not. Running the same
command again replaces every graph again, so it completes the job.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import netrc
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from rdflib import BNode, Dataset, Graph, URIRef

from stancegraph import graph, safety
from stancegraph.errors import InputError, ProjectError, StoreError
from stancegraph.sources import Project

if TYPE_CHECKING:
    import httpx
    import pyoxigraph

#: Environment variable naming the embedded store's folder.
STORE_ENV = "STANCEGRAPH_STORE"
#: The embedded store's folder, relative to the project root, unless told otherwise.
DEFAULT_STORE = Path(".stancegraph") / "store"
#: Credentials for remote stores (never taken from the command line).
USER_ENV = "STANCEGRAPH_USER"
PASSWORD_ENV = "STANCEGRAPH_PASSWORD"
#: Test hook: seconds to pause after each graph of an embedded load (to interrupt it on purpose).
PAUSE_ENV = "STANCEGRAPH_LOAD_PAUSE"

#: Bumped when the layout of a generation changes, so that older stores count as stale.
LAYOUT_VERSION = 2  # 2: compacted after loading (Store.optimize)
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
OXIGRAPH_DIR = "oxigraph"
LOCK = ".lock"
_GEN_PREFIX = "gen-"
_LOADING_PREFIX = "loading-"

#: Where ``--update`` fills a graph that takes several requests before moving it into place.
STAGING_BASE = graph.GRAPH_BASE + "staging/"

DEFAULT_CHUNK = 5000
#: At most this many triples in a request that inserts blank nodes (see :func:`update_requests`).
BLANK_CHUNK = 500
DEFAULT_TIMEOUT = 60.0

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


_OX_FORMATS = {
    "turtle": "TURTLE",
    "trig": "TRIG",
    "nt": "N_TRIPLES",
    "nquads": "N_QUADS",
    "json-ld": "JSON_LD",
    "xml": "RDF_XML",
}


def parse_layers(project: Project) -> list[ParsedGraph]:
    """Every named graph of the project, each file read through the guards of
    :mod:`stancegraph.safety` (size limit, strict UTF-8, nesting, no DTD, no remote JSON-LD
    context) and parsed by pyoxigraph straight into pyoxigraph terms, in the architecture's order.

    What ``load`` stores is what :func:`stancegraph.graph.assemble` holds, without the detour
    through rdflib terms and N-Triples text that made loading 1M triples take 90 s (issue #7).
    """
    if not project.ontology_file.is_file():
        raise ProjectError(f"{project.ontology_file}: the ontology file is missing")
    out = []
    for iri, files in graph.layer_files(project):
        name = _ox().NamedNode(str(iri))
        quads: set[Any] = set()
        for path in files:
            quads.update(_parse_into(path, name))
        out.append(ParsedGraph(iri, frozenset(quads)))
    return out


def _ox() -> Any:
    import pyoxigraph

    return pyoxigraph


def _parse_into(path: Path, graph_name: Any) -> list[Any]:
    """The triples of ``path`` as quads in ``graph_name`` (named graphs in the file: refused)."""
    ox = _ox()
    fmt = safety.detect_format(path)
    text = safety.decode(safety.read_limited(path), path)
    if fmt == "json-ld":
        text = safety.guard_jsonld(text, path)
    elif fmt == "xml":
        safety.guard_xml(text, path)
    elif fmt in ("turtle", "trig"):
        safety.guard_depth(text, path)
    triple_term = getattr(ox, "Triple", ())
    out = []
    try:
        for quad in ox.parse(
            input=text,
            format=getattr(ox.RdfFormat, _OX_FORMATS[fmt]),
            base_iri=safety.DEFAULT_BASE,
            rename_blank_nodes=True,
        ):
            if not isinstance(quad.graph_name, ox.DefaultGraph):
                raise InputError(
                    path, None, None, "holds named graphs where only triples are expected"
                )
            if isinstance(quad.subject, triple_term) or isinstance(quad.object, triple_term):
                raise InputError(path, None, None, "triple terms (RDF 1.2) are not supported")
            out.append(ox.Quad(quad.subject, quad.predicate, quad.object, graph_name))
    except SyntaxError as exc:
        reason = " ".join(str(exc.msg or exc).split())[:160]
        raise InputError(path, exc.lineno, exc.offset, f"syntax error: {reason}") from None
    return out


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

    def started(self, item: GraphPlan) -> None:
        """``item`` is about to be sent."""

    def finished(self, item: GraphPlan) -> None:
        """``item`` is loaded (and, for a remote store, its count checked)."""


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
    """What a generation holds: the fingerprint of its sources and its triples per graph."""

    fingerprint: str
    graphs: dict[str, int]
    layout: int = LAYOUT_VERSION

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())

    def to_json(self) -> str:
        data = {"layout": self.layout, "fingerprint": self.fingerprint, "graphs": self.graphs}
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, path: Path) -> Manifest | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                fingerprint=str(data["fingerprint"]),
                graphs={str(k): int(v) for k, v in data["graphs"].items()},
                layout=int(data.get("layout", 0)),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None


@dataclass(frozen=True)
class EmbeddedStatus:
    """The state of the embedded store: ``missing``, ``fresh`` or ``stale``."""

    location: Path
    state: Literal["missing", "fresh", "stale"]
    manifest: Manifest | None = None

    @property
    def oxigraph_dir(self) -> Path | None:
        current = _current_generation(self.location)
        return current / OXIGRAPH_DIR if current is not None else None

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
    import pyoxigraph

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
    reason = _reason(exc)
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
    import pyoxigraph

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
        items: list[GraphPlan] | list[ParsedGraph]
        if parsed is not None:
            items = parsed
        elif dataset is not None:
            items = plan(dataset)
        else:
            items = parse_layers(project)
        try:
            work = Path(tempfile.mkdtemp(prefix=_LOADING_PREFIX, dir=loc))
        except OSError as exc:
            raise _cannot_write(loc, exc) from None
        try:
            store = pyoxigraph.Store(str(work / OXIGRAPH_DIR))
            for batch in _batches(items):
                for item in batch:
                    listener.started(item)  # type: ignore[arg-type]
                if isinstance(batch[0], ParsedGraph):
                    # one bulk load per batch of graphs: each call is a RocksDB ingestion
                    store.bulk_extend(q for item in batch for q in item.quads)  # type: ignore[union-attr]
                else:
                    (item,) = batch
                    data = item.graph.serialize(format="nt", encoding="utf-8")  # type: ignore[union-attr]
                    store.bulk_load(
                        input=data,
                        format=pyoxigraph.RdfFormat.N_TRIPLES,
                        to_graph=pyoxigraph.NamedNode(str(item.iri)),
                    )
                for item in batch:
                    _pause_for_tests(item)  # type: ignore[arg-type]
                    listener.finished(item)  # type: ignore[arg-type]
            store.flush()
            # Bulk loads leave many small RocksDB files side by side; compacting them once here
            # (2.6 s at 1M triples) makes every later read about a third faster (issue #7).
            store.optimize()
            counts = {item.name: _embedded_count(store, item.iri) for item in items}
            del store  # closes the database before its folder is renamed
            expected = {item.name: item.triples for item in items}
            if counts != expected:
                wrong = [n for n in expected if counts.get(n) != expected[n]]
                raise StoreError(f"{loc}: wrong triple counts after loading: {', '.join(wrong)}")
            manifest = Manifest(fingerprint=print_, graphs=counts)
            _write_file(work / MANIFEST, manifest.to_json())
            generation = loc / (_GEN_PREFIX + print_[:12] + "-" + work.name[len(_LOADING_PREFIX) :])
            os.rename(work, generation)
            _fsync_dir(loc)
            _write_file(loc / CURRENT, generation.name + "\n")  # the switch
        except BaseException as exc:
            shutil.rmtree(work, ignore_errors=True)
            if isinstance(exc, StoreError):
                raise
            if isinstance(exc, OSError):
                raise StoreWriteError(
                    f"{loc}: loading the embedded store failed ({_reason(exc)}); "
                    "the previous store is unchanged",
                    _reason(exc),
                ) from None
            if isinstance(exc, SyntaxError | ValueError):
                raise StoreError(
                    f"{loc}: loading the embedded store failed ({_reason(exc)}); "
                    "the previous store is unchanged"
                ) from None
            raise
        _remove_leftovers(loc)
        return EmbeddedResult(loc, generation, manifest)


#: Quads per bulk load when loading parsed graphs.
BATCH_QUADS = 250_000


def _batches(items: list[GraphPlan] | list[ParsedGraph]) -> list[list[Any]]:
    """Parsed graphs in batches of about :data:`BATCH_QUADS` quads; rdflib graphs one by one."""
    out: list[list[Any]] = []
    size = 0
    for item in items:
        if isinstance(item, ParsedGraph) and out and size + item.triples <= BATCH_QUADS:
            out[-1].append(item)
            size += item.triples
        else:
            out.append([item])
            size = item.triples
    return out


def _embedded_count(store: pyoxigraph.Store, iri: URIRef) -> int:
    solutions = store.query(COUNT_QUERY.format(graph=iri.n3()))
    for solution in solutions:  # type: ignore[union-attr]
        return int(solution["n"].value)  # type: ignore[index,union-attr]
    return 0


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
        reason = _reason(exc)
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
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _pause_for_tests(item: GraphPlan) -> None:
    raw = os.environ.get(PAUSE_ENV)
    if not raw:
        return
    try:
        seconds = float(raw)
    except ValueError:
        return
    print(f"stancegraph: paused after loading {item.name}", file=sys.stderr, flush=True)
    time.sleep(seconds)


# --- remote stores -------------------------------------------------------------------------------

Protocol = Literal["gsp", "update"]


@dataclass(frozen=True)
class RemoteTarget:
    """A remote store and how to talk to it."""

    protocol: Protocol
    url: str
    query_url: str
    auth_scheme: Literal["basic", "digest"] = "basic"
    timeout: float = DEFAULT_TIMEOUT
    chunk_size: int = DEFAULT_CHUNK

    def describe(self) -> str:
        how = "Graph Store Protocol (PUT per graph)" if self.protocol == "gsp" else "SPARQL Update"
        return f"{self.url} via {how}; counts checked at {self.query_url}"


@dataclass
class RemoteResult:
    target: RemoteTarget
    loaded: list[tuple[GraphPlan, int]] = field(default_factory=list)
    requests: int = 0
    pruned: list[str] = field(default_factory=list)


class RemoteLoadError(StoreError):
    """A remote load stopped part-way: which graphs are loaded, which are not, and why."""

    def __init__(self, target: RemoteTarget, loaded: list[str], pending: list[str], why: str):
        self.loaded = loaded
        self.pending = pending
        self.why = why
        done = ", ".join(loaded) if loaded else "none"
        todo = ", ".join(pending) if pending else "none"
        super().__init__(
            f"loading into {target.url} stopped: {why}; "
            f"loaded and checked: {done}; not loaded: {todo}; "
            "run the same command again to finish"
        )


def derive_query_endpoint(protocol: Protocol, url: str) -> str | None:
    """The query endpoint that goes with a Graph Store or Update URL, for the stores we know.

    Oxigraph ``/store`` and ``/update`` -> ``/query``; Fuseki ``/<ds>/data`` and ``/<ds>/update``
    -> ``/<ds>/query``; GraphDB/RDF4J ``/repositories/<r>/rdf-graphs/service`` and
    ``/repositories/<r>/statements`` -> ``/repositories/<r>``; Virtuoso
    ``/sparql-graph-crud[-auth]`` -> ``/sparql``; Neptune ``/sparql/gsp/`` -> ``/sparql``; an
    endpoint ending in ``/sparql`` (Neptune, Virtuoso) answers queries too. ``None`` if the URL
    matches none of these.
    """
    parts = urlsplit(url)
    path = parts.path.rstrip("/")

    def at(new_path: str) -> str:
        return urlunsplit((parts.scheme, parts.netloc, new_path, "", ""))

    if "/repositories/" in path:
        head, _, tail = path.partition("/repositories/")
        repo = tail.split("/")[0]
        if repo:
            return at(f"{head}/repositories/{repo}")
    last = path.rsplit("/", 1)[-1]
    base = path[: len(path) - len(last)]
    if last in ("sparql-graph-crud", "sparql-graph-crud-auth"):
        return at(base + "sparql")
    if last in ("store", "data", "update", "statements"):
        return at(base + "query")
    if last == "sparql":
        return at(path)
    if last == "gsp" and base.rstrip("/").endswith("/sparql"):  # Neptune: /sparql/gsp/
        return at(base.rstrip("/"))
    return None


def make_target(
    *,
    graph_store: str | None = None,
    update: str | None = None,
    query_endpoint: str | None = None,
    auth_scheme: str = "basic",
    timeout: float = DEFAULT_TIMEOUT,
    chunk_size: int = DEFAULT_CHUNK,
) -> RemoteTarget:
    """Check the URLs the user gave and derive the query endpoint if it was not given."""
    if bool(graph_store) == bool(update):
        raise StoreError("give one of --graph-store URL or --update URL")
    protocol: Protocol = "gsp" if graph_store else "update"
    url = str(graph_store or update)
    for name, value in (("store", url), ("query endpoint", query_endpoint)):
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise StoreError(f"{name} URL {value!r} is not an http(s) URL")
            if parts.username or parts.password:
                raise StoreError(
                    f"{name} URL must not carry credentials; set {USER_ENV} and "
                    f"{PASSWORD_ENV} or use a netrc file"
                )
    query_url = query_endpoint or derive_query_endpoint(protocol, url)
    if query_url is None:
        raise StoreError(
            f"cannot tell the query endpoint of {url}; give it with --query-endpoint URL "
            "(it is used to check the triple count of every graph)"
        )
    if chunk_size < 1:
        raise StoreError("--chunk-size must be at least 1")
    if auth_scheme not in ("basic", "digest"):
        raise StoreError(f"unknown --auth {auth_scheme!r}; use basic or digest")
    return RemoteTarget(
        protocol=protocol,
        url=url,
        query_url=query_url,
        auth_scheme=auth_scheme,  # type: ignore[arg-type]
        timeout=timeout,
        chunk_size=chunk_size,
    )


def credentials(url: str) -> tuple[str, str, str] | None:
    """``(user, password, where from)`` for ``url``: the environment, else a netrc entry.

    ``$STANCEGRAPH_USER`` and ``$STANCEGRAPH_PASSWORD`` win; else the entry for the URL's host
    in ``$NETRC`` or ``~/.netrc``. Never from the command line, so they stay out of shell
    history and process listings.
    """
    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    if user or password:
        if not (user and password is not None):
            raise StoreError(f"set both {USER_ENV} and {PASSWORD_ENV}, or neither")
        return user, password, f"${USER_ENV}"
    host = urlsplit(url).hostname or ""
    path = Path(os.environ.get("NETRC") or Path.home() / ".netrc")
    if not path.is_file():
        return None
    try:
        entry = netrc.netrc(str(path)).authenticators(host)
    except (netrc.NetrcParseError, OSError) as exc:
        raise StoreError(f"{path}: cannot read the netrc file: {_reason(exc)}") from None
    if entry is None:
        return None
    login, _account, secret = entry
    return login, secret or "", f"netrc entry for {host}"


def _auth(target: RemoteTarget) -> tuple[httpx.Auth | None, str]:
    import httpx

    found = credentials(target.url)
    if found is None:
        if target.auth_scheme == "digest":
            raise StoreError(
                f"--auth digest needs credentials: set {USER_ENV} and {PASSWORD_ENV} "
                "or add a netrc entry for the host"
            )
        return None, "no credentials"
    user, password, where = found
    if target.auth_scheme == "digest":
        return httpx.DigestAuth(user, password), f"digest auth as {user} ({where})"
    return httpx.BasicAuth(user, password), f"basic auth as {user} ({where})"


def describe_auth(target: RemoteTarget) -> str:
    """How ``load`` will authenticate, without the secret (for ``--dry-run``)."""
    return _auth(target)[1]


def update_requests(iri: URIRef, g: Graph, chunk_size: int = DEFAULT_CHUNK) -> list[str]:
    """The SPARQL Update requests that replace graph ``iri`` with the triples of ``g``.

    Every term is written by rdflib's ``.n3()`` (which escapes literals and refuses malformed
    IRIs), never pasted from text. Triples that share a blank node stay in one request, since a
    blank node label means a new node in each request. One request: ``DROP SILENT GRAPH`` and
    ``INSERT DATA`` together. Several: fill a staging graph, then ``MOVE`` it into place, so that
    the graph is replaced in one step.

    A chunk with blank nodes is sent as ``INSERT { ... } WHERE { }``, which inserts the same
    triples (one solution, so one new node per label), and holds at most :data:`BLANK_CHUNK`
    triples: Virtuoso 7.2 refuses blank nodes in ``INSERT DATA`` ("Blank node ... is not
    allowed in a constant clause"), and compiles a template of about 1,500 triples into more
    SQL than it allows ("exceeded 10000 lines of code"; 1,000 pass).
    """
    chunks = _chunks(g, chunk_size)
    target = iri.n3()
    if len(chunks) <= 1:
        if not chunks:
            return [f"DROP SILENT GRAPH {target}"]
        return [f"DROP SILENT GRAPH {target} ;\n{_insert(target, *chunks[0])}"]
    staging = staging_iri(iri).n3()
    requests = [f"DROP SILENT GRAPH {staging}"]
    requests += [_insert(staging, body, blank) for body, blank in chunks]
    requests.append(f"MOVE SILENT GRAPH {staging} TO GRAPH {target}")
    return requests


def _insert(graph_iri: str, body: str, blank_nodes: bool) -> str:
    if blank_nodes:
        return f"INSERT {{ GRAPH {graph_iri} {{\n{body}}} }} WHERE {{ }}"
    return f"INSERT DATA {{ GRAPH {graph_iri} {{\n{body}}} }}"


def staging_iri(iri: URIRef) -> URIRef:
    """The graph where ``--update`` assembles ``iri`` before moving it into place."""
    return URIRef(STAGING_BASE + short_name(iri))


def _chunks(g: Graph, size: int) -> list[tuple[str, bool]]:
    """The triples of ``g`` as N-Triples-like lines in chunks of about ``size`` triples (a chunk
    with blank nodes: :data:`BLANK_CHUNK` at most, unless one node's triples are more), each
    with whether it holds a blank node."""
    parent: dict[BNode, BNode] = {}

    def find(node: BNode) -> BNode:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    triples = sorted(g, key=lambda t: tuple(n.n3() for n in t))
    for s, _p, o in triples:
        if isinstance(s, BNode) and isinstance(o, BNode):
            parent[find(s)] = find(o)
    groups: dict[tuple[str, object], list[str]] = {}
    order: list[tuple[str, object]] = []
    for n, (s, p, o) in enumerate(triples):
        bnode = s if isinstance(s, BNode) else o if isinstance(o, BNode) else None
        key: tuple[str, object] = (
            ("bnode", find(bnode)) if bnode is not None else ("plain", n // size)
        )
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(f"{s.n3()} {p.n3()} {o.n3()} .\n")
    chunks: list[tuple[str, bool]] = []
    current: list[str] = []
    blank = False
    for key in order:
        lines = groups[key]
        with_blank = blank or key[0] == "bnode"
        limit = min(size, BLANK_CHUNK) if with_blank else size
        if current and len(current) + len(lines) > limit:
            chunks.append(("".join(current), blank))
            current, blank = [], False
        current.extend(lines)
        blank = blank or key[0] == "bnode"
    if current:
        chunks.append(("".join(current), blank))
    return chunks


def ntriples(g: Graph) -> bytes:
    """``g`` as N-Triples (sent as ``text/turtle``: every N-Triples document is Turtle)."""
    return g.serialize(format="nt", encoding="utf-8")


def load_remote(
    dataset: Dataset,
    target: RemoteTarget,
    *,
    listener: Listener | None = None,
    client: httpx.Client | None = None,
    prune: bool = False,
) -> RemoteResult:
    """Replace each named graph of ``dataset`` on ``target``, checking each graph's count.

    With ``prune``, afterwards drop the graphs under our graph base that ``dataset`` does not
    have (a source that was removed, a staging graph left by an interrupted ``--update``).
    Raises :class:`RemoteLoadError` naming the graphs loaded and not loaded if anything fails.
    """
    import httpx

    listener = listener or Listener()
    items = plan(dataset)
    auth, _ = _auth(target)
    result = RemoteResult(target)
    own = client is None
    http = client or httpx.Client(
        auth=auth, timeout=target.timeout, follow_redirects=False, headers=_HEADERS
    )
    try:
        for index, item in enumerate(items):
            listener.started(item)
            try:
                result.requests += _send_graph(http, target, item)
                found = count_triples(http, target.query_url, item.iri)
            except StoreError as exc:
                raise RemoteLoadError(
                    target,
                    [i.name for i, _ in result.loaded],
                    [i.name for i in items[index:]],
                    f"graph {item.name}: {exc}",
                ) from None
            if found != item.triples:
                raise RemoteLoadError(
                    target,
                    [i.name for i, _ in result.loaded],
                    [i.name for i in items[index:]],
                    f"graph {item.name}: sent {item.triples} triples but the store has {found}",
                )
            result.loaded.append((item, found))
            listener.finished(item)
        if prune:
            keep = {str(item.iri) for item in items}
            try:
                for iri in graphs_of_ours(http, target.query_url):
                    if iri not in keep:
                        result.requests += _drop_graph(http, target, URIRef(iri))
                        result.pruned.append(short_name(iri))
            except StoreError as exc:
                done = ", ".join(result.pruned) or "none"
                raise StoreError(
                    f"every graph is loaded and checked, but pruning stopped: {exc}; "
                    f"dropped so far: {done}; run the same command again to finish"
                ) from None
    finally:
        if own:
            http.close()
    return result


LIST_OURS = (
    "SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
    'FILTER (STRSTARTS(STR(?g), "{base}")) }} ORDER BY ?g'
)


def graphs_of_ours(http: httpx.Client, query_url: str) -> list[str]:
    """The non-empty graphs on the store whose IRI starts with our graph base."""
    response = _request(
        http,
        "POST",
        query_url,
        data={"query": LIST_OURS.format(base=graph.GRAPH_BASE)},
        headers={"Accept": "application/sparql-results+json"},
    )
    try:
        rows = response.json()["results"]["bindings"]
        return [row["g"]["value"] for row in rows if row["g"]["type"] == "uri"]
    except (ValueError, KeyError, TypeError):
        raise StoreError(f"{query_url} did not answer with SPARQL JSON results") from None


def _drop_graph(http: httpx.Client, target: RemoteTarget, iri: URIRef) -> int:
    """Drop one graph; ``iri.n3()`` refuses an IRI that could break out of the update."""
    if target.protocol == "gsp":
        # 404: the graph is already gone, which is what we want.
        _request(http, "DELETE", target.url, params={"graph": str(iri)}, allow=(404,))
        return 1
    _request(
        http,
        "POST",
        target.url,
        content=f"DROP SILENT GRAPH {iri.n3()}".encode(),
        headers={"Content-Type": "application/sparql-update; charset=utf-8"},
    )
    return 1


_HEADERS = {"User-Agent": "stancegraph"}


def _send_graph(http: httpx.Client, target: RemoteTarget, item: GraphPlan) -> int:
    """Send one graph; the number of requests it took."""
    if target.protocol == "gsp":
        _request(
            http,
            "PUT",
            target.url,
            params={"graph": str(item.iri)},
            content=ntriples(item.graph),
            headers={"Content-Type": "text/turtle; charset=utf-8"},
        )
        return 1
    requests = update_requests(item.iri, item.graph, target.chunk_size)
    for text in requests:
        _request(
            http,
            "POST",
            target.url,
            content=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update; charset=utf-8"},
        )
    return len(requests)


def count_triples(http: httpx.Client, query_url: str, iri: URIRef) -> int:
    """The number of triples in graph ``iri``, asked of the query endpoint."""
    response = _request(
        http,
        "POST",
        query_url,
        data={"query": COUNT_QUERY.format(graph=iri.n3())},
        headers={"Accept": "application/sparql-results+json"},
    )
    try:
        bindings = response.json()["results"]["bindings"]
        return int(bindings[0]["n"]["value"]) if bindings else 0
    except (ValueError, KeyError, IndexError, TypeError):
        raise StoreError(
            f"{query_url} did not answer the count query with SPARQL JSON results"
        ) from None


def _request(
    http: httpx.Client, method: str, url: str, *, allow: tuple[int, ...] = (), **kwargs: Any
) -> httpx.Response:
    """One request; any failure, and any status but 2xx (or one in ``allow``), is a StoreError."""
    import httpx

    try:
        response = http.request(method, url, **kwargs)
    except httpx.TimeoutException:
        raise StoreError(f"{url} did not answer in time") from None
    except httpx.ConnectError as exc:
        raise StoreError(f"cannot reach {url}: {_reason(exc)}") from None
    except httpx.HTTPError as exc:
        raise StoreError(f"{method} {url} failed: {_reason(exc)}") from None
    if response.status_code in allow:
        return response
    if response.is_redirect:
        where = response.headers.get("location", "?")
        raise StoreError(f"{url} redirects to {where}; give that URL instead")
    if response.status_code in (401, 403):
        raise StoreError(
            f"{url} answered {response.status_code} {response.reason_phrase}: set {USER_ENV} "
            f"and {PASSWORD_ENV} (or a netrc entry), and --auth digest for Virtuoso"
        )
    if response.status_code >= 400:
        detail = " ".join(response.text.split())[:160]
        more = f": {detail}" if detail else ""
        raise StoreError(f"{url} answered {response.status_code} {response.reason_phrase}{more}")
    return response


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())
