"""Every saved query on every store this machine can start, and loading into each (issue #23).

The stores: Oxigraph's server (PyPI ``oxigraph``), Virtuoso Open Source 7.2 (Debian
``virtuoso-opensource``), and Apache Jena TDB2 through Jena's command-line tools (Debian
``libapache-jena-java``; Debian has no Fuseki to serve TDB2 over HTTP). Each is started once for
this module, on free loopback ports, in a temporary folder, with the commands docs/stores.md
shows (tests/stores_support.py runs its marked code blocks as they are).

The stores hold the golden corpus (queries/golden-corpus.toml, written out as a project by
stancegraph.corpus.materialise): the data the golden answers are computed on.

Each saved query must give its golden answer (queries/expected/), compared the way the W3C
SPARQL tests compare results (numbers and booleans by value), through the same client as
``stancegraph query --endpoint`` for the servers. A query whose ``#+ deviations:`` header names
a store must still deviate there (else the note is stale) and must say so. ``claims-containing``
uses its parameter only in a FILTER, so the VALUES block that binds it goes first in the WHERE
clause (``queries.endpoint_text``), where the filter sees it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef

import stores_support as stores
from conftest import ROOT
from stancegraph import corpus, graph, queries
from stancegraph.errors import StoreError
from stancegraph.sources import Project

pytestmark = [pytest.mark.server, pytest.mark.loopback]

NAMES = sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))
SERVERS = ("oxigraph", "virtuoso")
PASSWORD = "sg-test-secret"


def saved(name: str) -> queries.SavedQuery:
    return queries.read_query(ROOT / "queries" / f"{name}.rq")


# --- the stores, once for the module --------------------------------------------------------------


@pytest.fixture(scope="module")
def golden(project: Project, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The golden corpus as a project folder: what the stores are loaded with."""
    return corpus.materialise(project, tmp_path_factory.mktemp("golden") / "project")


@pytest.fixture(scope="module")
def home(golden: Project) -> dict[str, object]:
    """The variable that points a documented `stancegraph` command at the golden corpus."""
    return {"STANCEGRAPH_HOME": golden.root}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory, home: dict[str, object]) -> Path:
    folder = tmp_path_factory.mktemp("dist")
    stores.run_block("build", DIST=folder, **home)
    assert (folder / "stancegraph.nq").is_file()
    return folder


@pytest.fixture(scope="module")
def dataset(golden: Project) -> Dataset:
    return graph.assemble(golden)


@pytest.fixture(scope="module")
def ours(dataset: Dataset) -> dict[str, int]:
    """Triples per graph of ours, as the data has them."""
    counts = graph.triple_counts(dataset)
    return {str(iri): n for iri, n in counts.items() if n}


@pytest.fixture(scope="module")
def with_foreign(ours: dict[str, int]) -> dict[str, int]:
    return {**ours, stores.FOREIGN: stores.FOREIGN_TRIPLES}


@pytest.fixture(scope="module")
def oxigraph(
    tmp_path_factory: pytest.TempPathFactory, home: dict[str, object]
) -> Iterator[stores.OxigraphServer]:
    server = stores.OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "data")
    server.start("oxigraph-serve")
    try:
        server.insert_foreign_graph()
        stores.run_block("oxigraph-load", OXIGRAPH_PORT=server.port, **home)
        yield server
    finally:
        server.stop()


def needs(problem: str | None) -> None:
    """Go on if the store can run here; else skip, naming the package (its tests are listed at
    the end of `make test`), but fail in CI, where `.ci/run` has installed it."""
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(problem)
    pytest.skip(problem)


@pytest.fixture(scope="module")
def virtuoso(
    tmp_path_factory: pytest.TempPathFactory, dist: Path
) -> Iterator[stores.VirtuosoServer]:
    needs(stores.virtuoso_problem())
    folder = tmp_path_factory.mktemp("virtuoso") / "db"
    server = stores.VirtuosoServer(folder, dist, PASSWORD)
    server.start("virtuoso-start")
    try:
        server.isql("virtuoso-password")
        server.insert_foreign_graph()
        server.isql("virtuoso-bulk")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def tdb2(tmp_path_factory: pytest.TempPathFactory, dist: Path) -> stores.Tdb2:
    needs(stores.jena_problem())
    location = stores.Tdb2(tmp_path_factory.mktemp("tdb2") / "db", dist)
    location.insert_foreign_graph()
    stores.run_block("tdb2-load", **location.variables())
    return location


@pytest.fixture(scope="module")
def tdb2_answers(tdb2: stores.Tdb2, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every saved query through docs/stores.md's tdb2-query block (one JVM each), parameters
    bound by the VALUES block query --endpoint would send. A TDB2 location takes one process at
    a time, so two copies of it answer half the queries each."""
    folder = tmp_path_factory.mktemp("tdb2-queries")
    files = {}
    for name in NAMES:
        query = saved(name)
        path = folder / f"{name}.rq"
        path.write_text(
            queries.endpoint_text(query.text, queries.bindings_for(query, {})), encoding="utf-8"
        )
        files[name] = path
    copy = stores.Tdb2(folder / "copy", tdb2.dist)
    shutil.copytree(tdb2.folder, copy.folder, ignore=shutil.ignore_patterns("tdb.lock"))
    names = list(files)
    halves = [(tdb2, names[0::2]), (copy, names[1::2])]

    def answer(half: tuple[stores.Tdb2, list[str]]) -> dict[str, str]:
        location, chosen = half
        return {name: location.query(files[name], saved(name).form) for name in chosen}

    with ThreadPoolExecutor(max_workers=2) as pool:
        return {k: v for part in pool.map(answer, halves) for k, v in part.items()}


# --- loading --------------------------------------------------------------------------------------


def test_oxigraph_load_gives_the_counts_and_keeps_a_foreign_graph(
    oxigraph: stores.OxigraphServer, with_foreign: dict[str, int]
) -> None:
    assert oxigraph.counts() == with_foreign


def test_virtuoso_bulk_load_replaces_our_graphs_and_keeps_a_foreign_graph(
    virtuoso: stores.VirtuosoServer, with_foreign: dict[str, int]
) -> None:
    assert virtuoso.counts() == with_foreign
    again = virtuoso.isql("virtuoso-bulk")  # the second run must load again, not skip the file
    assert re.search(r"/stancegraph\.nq\s+2\s+NULL", again), again
    assert virtuoso.counts() == with_foreign


@pytest.mark.parametrize("block", ["virtuoso-gsp", "virtuoso-update"])
def test_virtuoso_load_replaces_our_graphs_and_keeps_a_foreign_graph(
    virtuoso: stores.VirtuosoServer,
    dataset: Dataset,
    with_foreign: dict[str, int],
    block: str,
    home: dict[str, object],
) -> None:
    """Graph Store Protocol and SPARQL Update, as documented, into a store that already holds
    every graph of ours (loading again changes nothing); the shapes graph has blank nodes,
    which Virtuoso refuses in INSERT DATA."""
    done = stores.run_block(block, **virtuoso.variables(), **home)
    assert "shapes" in done.stdout
    assert virtuoso.counts() == with_foreign
    shapes = URIRef(stores.OUR_GRAPHS + "shapes")
    assert stores.same_triples(virtuoso.graph(str(shapes)), graph.named_graphs(dataset)[shapes])


def test_virtuoso_refuses_an_anonymous_graph_store_write(virtuoso: stores.VirtuosoServer) -> None:
    """Why the documented command uses /sparql-graph-crud-auth and --auth digest."""
    url = f"{virtuoso.base}/sparql-graph-crud"
    done = subprocess.run(
        [
            str(stores.BIN / "stancegraph"),
            "load",
            "--graph-store",
            url,
            "--query-endpoint",
            virtuoso.query_url,
        ],
        cwd=ROOT,
        env=stores.environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "answered 403 Forbidden" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_tdb2_load_replaces_our_graphs_and_keeps_a_foreign_graph(
    tdb2: stores.Tdb2, with_foreign: dict[str, int]
) -> None:
    assert tdb2.counts() == with_foreign
    stores.run_block("tdb2-load", **tdb2.variables())
    assert tdb2.counts() == with_foreign


def test_tdb2_loads_the_trig_file_to_the_same_quads(
    dist: Path, tmp_path: Path, ours: dict[str, int]
) -> None:
    location = stores.Tdb2(tmp_path / "trig", dist)
    location.tool("tdb2.tdbloader", "--loc", str(location.folder), str(dist / "stancegraph.trig"))
    assert location.counts() == ours


# --- every saved query on every store -------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("store", SERVERS)
def test_saved_query_on_a_server(
    store: str, name: str, request: pytest.FixtureRequest, project: Project
) -> None:
    server = request.getfixturevalue(store)
    query = saved(name)
    engine = queries.EndpointEngine(server.query_url, timeout=60)
    expected = queries.read_expected(project, query)
    deviation = dict(query.deviations).get(store)
    if deviation is None:
        answer = queries.run(query, engine)
        assert engine.store == store
        assert answer.notes == []
        assert stores.differences(expected, answer, query.ordered) == []
        return
    note = f"{name} is known to deviate on {store.capitalize()}: {deviation}"
    try:
        answer = queries.run(query, engine)
    except StoreError as exc:
        assert str(exc).endswith(note), "a failure names the known deviation"
        return
    assert answer.notes == [note]
    assert stores.differences(expected, answer, query.ordered), (
        f"{name} now gives its golden answer on {store}: drop its #+ deviations: line"
    )


@pytest.mark.parametrize("name", NAMES)
def test_saved_query_on_tdb2(name: str, tdb2_answers: dict[str, str], project: Project) -> None:
    query = saved(name)
    answer = stores.tdb2_answer(tdb2_answers[name], query.form)
    expected = queries.read_expected(project, query)
    assert stores.differences(expected, answer, query.ordered) == []


# --- the command line on Virtuoso -----------------------------------------------------------------


def test_query_endpoint_on_virtuoso_answers(virtuoso: stores.VirtuosoServer) -> None:
    """Issue #23: every query ended with "no answer within 60 s" (the query went as an
    application/sparql-query body, which Virtuoso reads past its end)."""
    done = stores.run_block("virtuoso-query", timeout=120, **virtuoso.variables(), QUERY="timeline")
    assert saved("timeline").summary in done.stdout
    assert done.stderr == ""
    ask = stores.run_block(
        "virtuoso-query", timeout=120, **virtuoso.variables(), QUERY="any-public-private-gap"
    )
    assert ask.stdout.strip().endswith("yes")


def test_query_endpoint_names_the_known_deviation(virtuoso: stores.VirtuosoServer) -> None:
    done = stores.run_block(
        "virtuoso-query",
        check=False,
        timeout=120,
        **virtuoso.variables(),
        QUERY="reported-by-several-sources",
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("stancegraph: error: ")
    assert "SQ156" in lines[0]
    assert "reported-by-several-sources is known to deviate on Virtuoso: " in lines[0]


ORIGINAL_STANCES_ON_TARGET = """\
PREFIX sg: <https://w3id.org/stancegraph/ontology#>
SELECT DISTINCT ?target ?stance ?inferred WHERE {
  ?stance sg:target ?target .
  OPTIONAL { ?stance sg:inferred ?inferredFlag }
  BIND(COALESCE(?inferredFlag, false) AS ?inferred)
}
"""


@pytest.mark.parametrize("store", SERVERS)
def test_a_parameter_virtuoso_would_not_join_is_refused_there(
    store: str, request: pytest.FixtureRequest, tmp_path: Path, home: dict[str, object]
) -> None:
    """stances-on-target as it was: with its BIND last, Virtuoso answered every stance, each
    with the parameter as its target (32 rows for 6). Oxigraph's server answers it as the
    embedded store does."""
    server = request.getfixturevalue(store)
    path = tmp_path / "stances.rq"
    path.write_text(ORIGINAL_STANCES_ON_TARGET, encoding="utf-8")
    args = [
        "--file",
        str(path),
        "--endpoint",
        server.query_url,
        "-p",
        "target=armedgroup:hezbollah",
    ]
    done = subprocess.run(
        [str(stores.BIN / "stancegraph"), "query", *args, "--format", "csv"],
        cwd=ROOT,
        env=stores.environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if store == "virtuoso":
        assert done.returncode == 2
        assert "Virtuoso joins the VALUES block that binds --param target wrongly" in done.stderr
        assert done.stdout == ""
    else:
        assert done.returncode == 0, done.stderr
        embedded = subprocess.run(
            [str(stores.BIN / "stancegraph"), "query", *args[:2], *args[4:], "--format", "csv"],
            cwd=ROOT,
            env=stores.environment(**home),  # the embedded store of the corpus the server has
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert embedded.returncode == 0, embedded.stderr
        assert len(embedded.stdout.strip().splitlines()) > 1
        assert sorted(done.stdout.splitlines()) == sorted(embedded.stdout.splitlines())
