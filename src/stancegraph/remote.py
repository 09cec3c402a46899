"""Remote SPARQL 1.1 stores: loading our named graphs into them, and checking what they hold.

:func:`load_remote` replaces each of our named graphs (and only those) on a SPARQL 1.1
server: through the Graph Store HTTP Protocol (one ``PUT ?graph=<iri>`` per graph, all or nothing
per graph) or through SPARQL 1.1 Update (``DROP SILENT GRAPH``/``INSERT DATA``; a graph too big for
one request is filled in a staging graph of ours and moved into place with ``MOVE``). After each
graph it counts the graph's triples through the query endpoint; a failure stops the load with
:class:`RemoteLoadError`, which says which graphs are loaded and which are not. Running the same
command again replaces every graph again, so it completes the job.
"""

from __future__ import annotations

import netrc
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyoxigraph
from rdflib import Dataset, Graph, URIRef

from stancegraph import graph
from stancegraph.errors import StancegraphError, StoreError
from stancegraph.sources import Project
from stancegraph.store import (
    COUNT_QUERY,
    GraphLoad,
    GraphPlan,
    LayerFiles,
    Listener,
    LoadedGraph,
    LoadReport,
    describe_error,
    layer_plan,
    plan,
    read_layer,
    short_name,
)

#: Credentials for remote stores (never taken from the command line).
USER_ENV = "STANCEGRAPH_USER"
PASSWORD_ENV = "STANCEGRAPH_PASSWORD"
#: Where ``--update`` fills a graph that takes several requests before moving it into place.
STAGING_BASE = graph.GRAPH_BASE + "staging/"

DEFAULT_CHUNK = 5000
#: At most this many triples in a request that inserts blank nodes (see :func:`update_requests`).
BLANK_CHUNK = 500
DEFAULT_TIMEOUT = 60.0

Protocol = Literal["gsp", "update"]

#: One graph's triples as a load holds them: an rdflib graph (:func:`load_remote` given a
#: dataset), or the in-memory pyoxigraph store :func:`stancegraph.safety.read_graph` read a
#: layer's files into, the triples in the graph of the layer's IRI (a load of the project).
Triples = Graph | pyoxigraph.Store


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
    #: each graph loaded (its name and the triples sent), with the triples the store holds
    loaded: list[tuple[GraphLoad, int]] = field(default_factory=list)
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
        raise StoreError(f"{path}: cannot read the netrc file: {describe_error(exc)}") from None
    if entry is None:
        return None
    login, _account, secret = entry
    return login, secret or "", f"netrc entry for {host}"


def _auth(target: RemoteTarget) -> tuple[httpx.Auth | None, str]:
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


def update_requests(iri: URIRef, g: Triples, chunk_size: int = DEFAULT_CHUNK) -> list[str]:
    """The SPARQL Update requests that replace graph ``iri`` with the triples of ``g`` (an rdflib
    graph, or a pyoxigraph store holding them in graph ``iri``).

    Every term is written by rdflib's ``.n3()`` (which escapes literals and refuses malformed
    IRIs) or, for a pyoxigraph store, by pyoxigraph's N-Triples writer (the terms it holds were
    checked when parsed), never pasted from text. Triples that share a blank node stay in one
    request, since a blank node label means a new node in each request. One request:
    ``DROP SILENT GRAPH`` and ``INSERT DATA`` together. Several: fill a staging graph, then
    ``MOVE`` it into place, so that the graph is replaced in one step.

    A chunk with blank nodes is sent as ``INSERT { ... } WHERE { }``, which inserts the same
    triples (one solution, so one new node per label), and holds at most :data:`BLANK_CHUNK`
    triples: Virtuoso 7.2 refuses blank nodes in ``INSERT DATA`` ("Blank node ... is not
    allowed in a constant clause"), and compiles a template of about 1,500 triples into more
    SQL than it allows ("exceeded 10000 lines of code"; 1,000 pass).
    """
    chunks = _chunks(_term_texts(iri, g), chunk_size)
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


def _term_texts(iri: URIRef, g: Triples) -> list[tuple[str, str, str]]:
    """The triples of ``g`` as the text of their terms in N-Triples (a blank node's text starts
    with ``_:``)."""
    if isinstance(g, Graph):
        return [(s.n3(), p.n3(), o.n3()) for s, p, o in g]
    # pyoxigraph's N-Triples: one triple a line, "S P O .", no space inside S or P (an IRI or a
    # blank node), a line feed in a literal written \n; so only "\n" ends a line (not
    # str.splitlines, which also breaks at U+2028 and the like, which a literal holds as is).
    text = _dump(iri, g).decode("utf-8")
    triples = []
    for line in text.split("\n"):
        if line:
            s, p, rest = line.split(" ", 2)
            triples.append((s, p, rest.removesuffix(" .")))
    return triples


def _chunks(triples: list[tuple[str, str, str]], size: int) -> list[tuple[str, bool]]:
    """The ``triples`` (term texts) as N-Triples-like lines in chunks of about ``size`` triples
    (a chunk with blank nodes: :data:`BLANK_CHUNK` at most, unless one node's triples are more),
    each with whether it holds a blank node.

    The triples are taken in their order with blank node labels left out (labels are new in each
    parse), each blank node's triples as a group where its first triple falls, groups that tie
    there by their triples without labels: so the chunks, and how many requests a graph takes,
    are the same whichever parser read the graph and whatever labels it drew."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def unlabelled(t: tuple[str, str, str]) -> tuple[str, str, str]:
        s, p, o = t
        return ("_:" if s.startswith("_:") else s, p, "_:" if o.startswith("_:") else o)

    triples = sorted(sorted(triples), key=unlabelled)
    for s, _p, o in triples:
        if s.startswith("_:") and o.startswith("_:"):
            parent[find(s)] = find(o)
    groups: dict[tuple[str, object], list[tuple[str, str, str]]] = {}
    for n, (s, p, o) in enumerate(triples):
        bnode = s if s.startswith("_:") else o if o.startswith("_:") else None
        key: tuple[str, object] = (
            ("bnode", find(bnode)) if bnode is not None else ("plain", n // size)
        )
        groups.setdefault(key, []).append((s, p, o))

    def rank(key: tuple[str, object]) -> tuple[object, ...]:
        members = groups[key]
        if key[0] == "plain":
            return (unlabelled(members[0]),)
        return (unlabelled(members[0]), sorted(map(unlabelled, members)))

    chunks: list[tuple[str, bool]] = []
    current: list[str] = []
    blank = False
    for key in sorted(groups, key=rank):
        lines = [f"{s} {p} {o} .\n" for s, p, o in groups[key]]
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


def _dump(iri: URIRef, g: pyoxigraph.Store) -> bytes:
    """The triples of graph ``iri`` in the pyoxigraph store ``g``, as N-Triples."""
    out = g.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.NamedNode(str(iri)))
    assert out is not None  # no output given: the bytes are returned
    return out


def ntriples(g: Graph) -> bytes:
    """``g`` as N-Triples (sent as ``text/turtle``: every N-Triples document is Turtle)."""
    return g.serialize(format="nt", encoding="utf-8")


@dataclass(frozen=True)
class CheckedGraph:
    """One named graph of a load of the project, read once and let go before the load sends
    anything (:func:`check_layers`): its IRI and its distinct triples, which the progress bar
    counts. The load reads its files again when it sends it."""

    iri: URIRef
    triples: int

    @property
    def name(self) -> str:
        return short_name(self.iri)

    @property
    def weight(self) -> int:
        return self.triples


def check_layers(layers: Sequence[LayerFiles]) -> list[CheckedGraph]:
    """Every layer read (:func:`stancegraph.store.read_layer`: the guards and errors of every
    file the package reads) and counted, one at a time, none kept: a file that does not parse
    stops the load before its first request, as when the corpus was assembled first, without
    holding the corpus in memory (issue #19)."""
    return [CheckedGraph(layer.iri, read_layer(layer).triples) for layer in layers]


def _triples_of(item: GraphPlan | LoadedGraph) -> Triples:
    return item.graph if isinstance(item, GraphPlan) else item.store


def load_remote(
    graphs: Dataset | Sequence[LayerFiles],
    target: RemoteTarget,
    *,
    listener: Listener | None = None,
    client: httpx.Client | None = None,
    prune: bool = False,
) -> RemoteResult:
    """Replace each named graph of ``graphs`` on ``target``, checking each graph's count.

    ``graphs`` is a dataset, or the layers of a project (:func:`stancegraph.store.layer_plan`):
    those are read and checked first (:func:`check_layers`), then read again one at a time as
    each is sent, so that a load holds one graph in memory, never the corpus (issue #19).
    With ``prune``, afterwards drop the graphs under our graph base that ``graphs`` does not
    have (a source that was removed, a staging graph left by an interrupted ``--update``).
    Raises :class:`RemoteLoadError` naming the graphs loaded and not loaded if anything fails.
    """
    listener = listener or Listener()
    items: Sequence[GraphPlan] | Sequence[CheckedGraph]
    if isinstance(graphs, Dataset):
        items = plan(graphs)
    else:
        layers = list(graphs)
        items = check_layers(layers)
    listener.planned(items)  # type: ignore[arg-type]
    auth, _ = _auth(target)
    result = RemoteResult(target)
    own = client is None
    http = client or httpx.Client(
        auth=auth, timeout=target.timeout, follow_redirects=False, headers=_HEADERS
    )

    def stopped(index: int, why: str) -> RemoteLoadError:
        return RemoteLoadError(
            target,
            [i.name for i, _ in result.loaded],
            [i.name for i in items[index:]],
            f"graph {items[index].name}: {why}",
        )

    try:
        for index, planned in enumerate(items):
            listener.started(planned)  # type: ignore[arg-type]
            item: GraphPlan | LoadedGraph
            if isinstance(planned, GraphPlan):
                item = planned
            else:
                try:  # (it was read a moment ago; a file changed since then)
                    item = read_layer(layers[index])
                except StancegraphError as exc:
                    raise stopped(index, str(exc)) from None
            try:
                result.requests += _send_graph(http, target, item)
                found = count_triples(http, target.query_url, item.iri)
            except StoreError as exc:
                raise stopped(index, str(exc)) from None
            if found != item.triples:
                raise stopped(index, f"sent {item.triples} triples but the store has {found}")
            result.loaded.append((GraphLoad(item.name, item.triples, in_store=found), found))
            listener.finished(planned)  # type: ignore[arg-type]
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


def load_project(
    project: Project,
    target: RemoteTarget,
    *,
    prune: bool = False,
    dry_run: bool = False,
    listener: Listener | None = None,
) -> LoadReport:
    """``stancegraph load`` into a remote store: the project's named graphs
    (:func:`stancegraph.store.layer_plan`) loaded into ``target`` by :func:`load_remote`, graph
    by graph, each count checked; with ``dry_run``, only counted, with the requests each graph
    would take and how the load would authenticate.

    Each graph is read from its files into an in-memory pyoxigraph store
    (:func:`stancegraph.store.read_layer`) when it is counted or sent, and let go after: the
    corpus is never assembled in rdflib, nor held in memory at once (issue #19)."""
    layers = layer_plan(project)
    if dry_run:
        graphs = []
        for layer in layers:
            item = read_layer(layer)
            graphs.append(GraphLoad(item.name, item.triples, requests=_requests_for(target, item)))
        return LoadReport(
            target.describe(),
            graphs,
            dry_run=True,
            authentication=describe_auth(target),
            prune=prune,
        )
    result = load_remote(layers, target, listener=listener, prune=prune)
    graphs = [GraphLoad(item.name, item.triples, in_store=n) for item, n in result.loaded]
    return LoadReport(target.url, graphs, prune=prune, pruned=result.pruned)


def _requests_for(target: RemoteTarget, item: GraphPlan | LoadedGraph) -> int:
    """How many requests loading ``item`` into ``target`` takes."""
    if target.protocol == "gsp":
        return 1
    return len(update_requests(item.iri, _triples_of(item), target.chunk_size))


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


def _send_graph(http: httpx.Client, target: RemoteTarget, item: GraphPlan | LoadedGraph) -> int:
    """Send one graph; the number of requests it took."""
    triples = _triples_of(item)
    if target.protocol == "gsp":
        body = ntriples(triples) if isinstance(triples, Graph) else _dump(item.iri, triples)
        _request(
            http,
            "PUT",
            target.url,
            params={"graph": str(item.iri)},
            content=body,
            headers={"Content-Type": "text/turtle; charset=utf-8"},
        )
        return 1
    requests = update_requests(item.iri, triples, target.chunk_size)
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
    try:
        response = http.request(method, url, **kwargs)
    except httpx.TimeoutException:
        raise StoreError(f"{url} did not answer in time") from None
    except httpx.ConnectError as exc:
        raise StoreError(f"cannot reach {url}: {describe_error(exc)}") from None
    except httpx.HTTPError as exc:
        raise StoreError(f"{method} {url} failed: {describe_error(exc)}") from None
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
