"""Remote loading without a server: targets, credentials and the SPARQL Update text we send."""

from __future__ import annotations

import itertools
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from conftest import MINI
from stancegraph import graph, remote, safety, store
from stancegraph.errors import StoreError
from stancegraph.sources import find_project

G = URIRef("https://w3id.org/stancegraph/graph/source/hostile")
FOREIGN = "http://example.org/not-ours"

#: Literals that would break out of a pasted INSERT DATA, and other awkward text.
HOSTILE = [
    '" } } ; DROP ALL ; INSERT DATA { GRAPH <http://example.org/x> { <a:b> <a:c> "d" } } #',
    'ends with a quote"',
    '"""triple quotes""" and \\ a backslash and \\u0022 escaped-looking text',
    "line one\nline two\r\nand a tab\t",
    "curly “quotes”, a no-break\u00a0space and 🙂",
    "}",
]


def hostile_graph() -> Graph:
    g = Graph()
    s = URIRef("https://w3id.org/stancegraph/id/claim/hostile/1")
    for n, text in enumerate(HOSTILE):
        g.add((s, URIRef(f"https://w3id.org/stancegraph/ontology#p{n}"), Literal(text)))
    g.add((s, URIRef("https://w3id.org/stancegraph/ontology#q"), Literal(HOSTILE[0], lang="en")))
    return g


def chained_blank_nodes() -> Graph:
    """A chain of blank nodes longer than one chunk: it must not be split across requests."""
    g = Graph()
    p = URIRef("https://w3id.org/stancegraph/ontology#next")
    nodes = [BNode() for _ in range(5)]
    g.add((URIRef("https://w3id.org/stancegraph/id/claim/x/1"), p, nodes[0]))
    for a, b in itertools.pairwise(nodes):
        g.add((a, p, b))
    for n in range(7):
        g.add((URIRef(f"https://w3id.org/stancegraph/id/claim/x/{n + 2}"), p, Literal(n)))
    return g


def as_read_by_load(g: Graph, tmp_path: Path) -> pyoxigraph.Store:
    """``g`` as a load of the project holds it: written to a Turtle file, read back by
    safety.read_graph into an in-memory pyoxigraph store, in graph ``G``."""
    path = tmp_path / "graph.ttl"
    path.write_text(g.serialize(format="turtle"), encoding="utf-8")
    return safety.read_graph([path], pyoxigraph.NamedNode(str(G)))


def apply(requests: list[str]) -> pyoxigraph.Store:
    """Run the update requests on an in-memory Oxigraph that already holds a graph not ours."""
    st = pyoxigraph.Store()
    st.update(f'INSERT DATA {{ GRAPH <{FOREIGN}> {{ <{FOREIGN}#s> <{FOREIGN}#p> "kept" }} }}')
    for text in requests:
        st.update(text)
    return st


def graph_in(st: pyoxigraph.Store, iri: str) -> Graph:
    data = st.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
    return Graph().parse(data=data.serialize(format=pyoxigraph.RdfFormat.N_TRIPLES), format="nt")  # type: ignore[union-attr]


def graph_names(st: pyoxigraph.Store) -> set[str]:
    return {g.value for g in st.named_graphs()}  # type: ignore[union-attr]


# --- the update text ------------------------------------------------------------------------------


@pytest.mark.parametrize("read", ["rdflib", "pyoxigraph"])
@pytest.mark.parametrize("chunk_size", [1, 3, 1000])
def test_hostile_literals_arrive_intact_and_nothing_else_changes(
    chunk_size: int, read: str, tmp_path: Path
) -> None:
    """The same, whether the graph is an rdflib graph or (a load of the project, issue #19)
    the pyoxigraph store its file was read into, written by pyoxigraph's N-Triples writer."""
    g = hostile_graph()
    triples = g if read == "rdflib" else as_read_by_load(g, tmp_path)
    st = apply(remote.update_requests(G, triples, chunk_size))
    assert isomorphic(graph_in(st, str(G)), g)
    assert graph_names(st) == {FOREIGN, str(G)}, "no other graph created, none dropped"
    assert len(graph_in(st, FOREIGN)) == 1


def test_updates_replace_the_graph_as_a_whole() -> None:
    old = Graph()
    old.add((URIRef("http://example.org/old"), URIRef("http://example.org/p"), Literal("gone")))
    for chunk_size in (1, 1000):
        st = apply(
            remote.update_requests(G, old, 1000)
            + remote.update_requests(G, hostile_graph(), chunk_size)
        )
        assert isomorphic(graph_in(st, str(G)), hostile_graph())


@pytest.mark.parametrize("read", ["rdflib", "pyoxigraph"])
def test_blank_nodes_stay_connected_across_chunks(read: str, tmp_path: Path) -> None:
    g = chained_blank_nodes()
    triples = g if read == "rdflib" else as_read_by_load(g, tmp_path)
    requests = remote.update_requests(G, triples, chunk_size=2)
    assert len(requests) > 3, "several INSERT DATA requests, a staging graph and a MOVE"
    st = apply(requests)
    assert isomorphic(graph_in(st, str(G)), g)
    assert str(remote.staging_iri(G)) not in graph_names(st), "the staging graph is moved away"


@pytest.mark.parametrize("chunk_size", [3, 500])
def test_the_requests_of_a_graph_do_not_depend_on_who_read_it(chunk_size: int) -> None:
    """Issue #19: a load of the project reads each graph with pyoxigraph, not rdflib, and blank
    node labels are new in every parse; the shapes (blank nodes in groups of every size) still
    take as many requests as rdflib's graph, every time (with the labels in the order, 500 at a
    time took 6 requests or 7, by the labels drawn)."""
    project = find_project(home=Path(__file__).parent.parent)
    (shapes,) = [layer for layer in store.layer_plan(project) if layer.iri == graph.SHAPES_GRAPH]
    rdflib_graph = graph.named_graphs(graph.assemble(project))[graph.SHAPES_GRAPH]
    want = remote.update_requests(graph.SHAPES_GRAPH, rdflib_graph, chunk_size)
    for _ in range(3):
        read = store.read_layer(shapes).store
        got = remote.update_requests(graph.SHAPES_GRAPH, read, chunk_size)
        assert len(got) == len(want)
    assert len(graph_in(apply(got), str(graph.SHAPES_GRAPH))) == len(rdflib_graph)


def test_an_empty_graph_is_dropped() -> None:
    st = apply(remote.update_requests(G, hostile_graph()) + remote.update_requests(G, Graph()))
    assert len(graph_in(st, str(G))) == 0
    assert len(graph_in(st, FOREIGN)) == 1


def test_a_malformed_iri_is_refused_not_pasted() -> None:
    g = Graph()
    bad = URIRef("http://example.org/a> } ; DROP ALL ; INSERT DATA { <x")
    g.add((bad, URIRef("http://example.org/p"), Literal("x")))
    with pytest.raises(Exception, match="valid URI"):
        remote.update_requests(G, g)


def test_staging_graphs_are_ours() -> None:
    assert str(remote.staging_iri(G)).startswith("https://w3id.org/stancegraph/graph/staging/")


# --- targets --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("protocol", "url", "query"),
    [
        ("gsp", "http://localhost:7878/store", "http://localhost:7878/query"),
        ("update", "http://localhost:7878/update", "http://localhost:7878/query"),
        ("gsp", "http://fuseki:3030/stance/data", "http://fuseki:3030/stance/query"),
        ("update", "http://fuseki:3030/stance/update", "http://fuseki:3030/stance/query"),
        (
            "gsp",
            "http://gdb:7200/repositories/stance/rdf-graphs/service",
            "http://gdb:7200/repositories/stance",
        ),
        (
            "update",
            "http://gdb:7200/repositories/stance/statements",
            "http://gdb:7200/repositories/stance",
        ),
        ("gsp", "http://virtuoso:8890/sparql-graph-crud-auth", "http://virtuoso:8890/sparql"),
        ("update", "https://cluster:8182/sparql", "https://cluster:8182/sparql"),
        ("gsp", "https://cluster:8182/sparql/gsp/", "https://cluster:8182/sparql"),
        ("gsp", "http://example.org/unknown", None),
    ],
)
def test_query_endpoint_is_derived_for_known_stores(
    protocol: remote.Protocol, url: str, query: str | None
) -> None:
    assert remote.derive_query_endpoint(protocol, url) == query


def test_an_unknown_store_needs_its_query_endpoint() -> None:
    with pytest.raises(StoreError, match="--query-endpoint"):
        remote.make_target(graph_store="http://example.org/unknown")
    target = remote.make_target(
        graph_store="http://example.org/unknown", query_endpoint="http://example.org/q"
    )
    assert target.query_url == "http://example.org/q"


@pytest.mark.parametrize(
    "url", ["ftp://example.org/store", "example.org/store", "http://user:secret@example.org/store"]
)
def test_bad_urls_and_urls_with_credentials_are_refused(url: str) -> None:
    with pytest.raises(StoreError):
        remote.make_target(graph_store=url)


# --- credentials ----------------------------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv(remote.USER_ENV, raising=False)
    monkeypatch.delenv(remote.PASSWORD_ENV, raising=False)
    netrc = tmp_path / "netrc"
    monkeypatch.setenv("NETRC", str(netrc))
    return netrc


def test_credentials_come_from_the_environment(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert remote.credentials("http://example.org/store") is None
    monkeypatch.setenv(remote.USER_ENV, "alice")
    monkeypatch.setenv(remote.PASSWORD_ENV, "s3cret")
    user, password, _where = remote.credentials("http://example.org/store")  # type: ignore[misc]
    assert (user, password) == ("alice", "s3cret")
    target = remote.make_target(graph_store="http://example.org:7878/store")
    assert "alice" in remote.describe_auth(target)
    assert "s3cret" not in remote.describe_auth(target)


def test_half_the_credentials_is_an_error(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(remote.USER_ENV, "alice")
    with pytest.raises(StoreError, match="set both"):
        remote.credentials("http://example.org/store")


def test_credentials_come_from_netrc(clean_env: Path) -> None:
    clean_env.write_text("machine example.org login bob password hunter2\n", encoding="utf-8")
    clean_env.chmod(0o600)
    assert remote.credentials("http://example.org:8890/sparql-graph-crud-auth")[:2] == (  # type: ignore[index]
        "bob",
        "hunter2",
    )
    assert remote.credentials("http://other.example/store") is None


def test_digest_without_credentials_is_an_error(clean_env: Path) -> None:
    target = remote.make_target(
        graph_store="http://virtuoso:8890/sparql-graph-crud-auth", auth_scheme="digest"
    )
    with pytest.raises(StoreError, match="digest needs credentials"):
        remote.describe_auth(target)


def test_a_dry_run_counts_the_requests_of_each_graph_and_sends_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What `stancegraph load --update URL --dry-run` prints comes from remote.load_project."""
    monkeypatch.delenv(remote.USER_ENV, raising=False)
    monkeypatch.delenv(remote.PASSWORD_ENV, raising=False)
    monkeypatch.setenv("NETRC", "/nonexistent")
    project = find_project(home=MINI)
    target = remote.make_target(update="http://127.0.0.1:1/sparql", chunk_size=3)
    report = remote.load_project(project, target, prune=True, dry_run=True)
    dataset = graph.assemble(project)  # what the load itself no longer assembles (issue #19)
    assert [(g.name, g.triples, g.requests, g.in_store) for g in report.graphs] == [
        (item.name, item.triples, len(remote.update_requests(item.iri, item.graph, 3)), None)
        for item in store.plan(dataset)
    ]
    assert [g.requests for g in report.graphs] == [32, 7, 4, 4, 6]
    assert report.destination == target.describe()
    assert report.authentication == "no credentials"
    assert report.dry_run and report.prune and report.pruned == []
