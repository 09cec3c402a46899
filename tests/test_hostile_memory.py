"""A query's memory is limited, and going past the limit is one clear line, exit 2 (issue #22).

Observed before: a cross join with ORDER BY reached 1.6 GB in 5 s, and under a 3 GB
address-space cap the process died of a Rust allocation failure (exit 134, "memory allocation of
... bytes failed" on stderr). Now every query runs in a forked worker whose ``RLIMIT_DATA`` is what
it holds when the query starts plus ``--memory`` / ``STANCEGRAPH_QUERY_MEMORY`` MiB (default 2048,
or half the machine's memory); the worker's death by allocation failure, SIGABRT or MemoryError
becomes ``query used more than N MiB of memory and was stopped``.

The command-line tests run the installed command in its own process under a 4 GiB address-space
cap, so that a regression cannot take the test machine's memory with it.
"""

from __future__ import annotations

import faulthandler
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from hostile_support import copy_mini, output_of, run_cli
from stancegraph import isolation, queries
from stancegraph.errors import QueryError, QueryOutOfMemory

pytestmark = pytest.mark.skipif(
    not isolation.memory_limits_supported(), reason="memory limits need Linux (RLIMIT_DATA, /proc)"
)

#: Every row of a three-way cross product, sorted: tens of millions of rows over the mini project.
CROSS_JOIN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g\n"

#: A string doubled 26 times: a 1 GiB string, in a second or two on either engine.
DOUBLING = (
    "SELECT (STRLEN(?s26) AS ?n) WHERE {\n"
    '  BIND("0123456789abcdef" AS ?s0)\n'
    + "".join(f"  BIND(CONCAT(?s{i - 1}, ?s{i - 1}) AS ?s{i})\n" for i in range(1, 27))
    + "}\n"
)

STOPPED = (
    "stancegraph: error: {file}: query used more than {mib} MiB of memory and was stopped "
    "(raise the limit with STANCEGRAPH_QUERY_MEMORY or --memory)"
)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_mini(tmp_path_factory.mktemp("hostile-memory"))


def _cap_address_space() -> None:
    cap = 4 * 2**30
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def stancegraph(home: Path, *args: str, env: dict[str, str] | None = None):
    script = Path(sys.executable).parent / "stancegraph"
    return subprocess.run(
        [str(script), "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "STANCEGRAPH_HOME": "", **(env or {})},
        preexec_fn=_cap_address_space,
    )


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "q.rq"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("engine", "text"),
    [("oxigraph", CROSS_JOIN), ("oxigraph", DOUBLING), ("rdflib", DOUBLING)],
    ids=["oxigraph-cross-join", "oxigraph-doubling", "rdflib-doubling"],
)
def test_a_query_past_its_memory_limit_is_stopped_in_one_line(
    home: Path, tmp_path: Path, engine: str, text: str
) -> None:
    done = stancegraph(
        home, "query", "--file", str(write(tmp_path, text)), "--engine", engine, "--memory", "200"
    )
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    assert done.stderr.splitlines() == [STOPPED.format(file=tmp_path / "q.rq", mib=200)]
    assert done.stdout == ""


def test_the_limit_comes_from_the_environment(home: Path, tmp_path: Path) -> None:
    done = stancegraph(
        home, "query", "--file", str(write(tmp_path, DOUBLING)),
        env={"STANCEGRAPH_QUERY_MEMORY": "150"},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-500:]
    assert done.stderr.splitlines() == [STOPPED.format(file=tmp_path / "q.rq", mib=150)]


def test_the_option_wins_over_the_environment(home: Path, tmp_path: Path) -> None:
    done = stancegraph(
        home, "query", "--file", str(write(tmp_path, DOUBLING)), "--memory", "120",
        env={"STANCEGRAPH_QUERY_MEMORY": "150"},
    )  # fmt: skip
    assert done.stderr.splitlines() == [STOPPED.format(file=tmp_path / "q.rq", mib=120)]


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_ordinary_queries_run_under_a_small_limit(home: Path, engine: str) -> None:
    """The saved query runs under 32 MiB (the default is 2048): the limit leaves headroom."""
    result, _ = run_cli(home, "query", "claims-by-actor", "--engine", engine, "--memory", "32")
    assert result.exit_code == 0, output_of(result)
    assert "1 row" in result.stdout


def test_every_saved_query_of_the_project_runs_under_64_mib() -> None:
    """On this checkout's data, both engines, the embedded on-disk store for Oxigraph. (Measured
    at 100,000 synthetic triples: all ran under 128 MiB.)"""
    from stancegraph.sources import find_project

    project = find_project(Path(__file__).resolve().parent.parent)
    for name in ("oxigraph", "rdflib"):
        engine = queries.engine_for(project, name, memory=64)
        for query in queries.catalogue(project):
            queries.run(query, engine)


@pytest.mark.parametrize("value", ["0", "-5", "lots"])
def test_a_bad_limit_is_one_clear_line(home: Path, value: str) -> None:
    result, _ = run_cli(home, "query", "claims-by-actor", "--memory", value)
    assert result.exit_code == 2
    assert "--memory" in output_of(result)
    done = stancegraph(home, "query", "claims-by-actor", env={"STANCEGRAPH_QUERY_MEMORY": value})
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"stancegraph: error: STANCEGRAPH_QUERY_MEMORY={value!r}: must be a positive whole number"
    ]


# --- the worker ----------------------------------------------------------------------------------


def _allocate(mib: int) -> int:
    block = bytearray(mib * 2**20)
    return len(block)


def test_python_memory_error_in_the_worker_is_reported_as_the_limit() -> None:
    with pytest.raises(QueryOutOfMemory, match=r"^query used more than 50 MiB of memory"):
        isolation.run_with_deadline(_allocate, 500, timeout=60, memory=50)


def test_under_the_limit_the_answer_comes_back() -> None:
    assert isolation.run_with_deadline(_allocate, 20, timeout=60, memory=50) == 20 * 2**20


def _oxigraph_cross_join() -> int:
    faulthandler.disable()  # pytest's would print the abort's traceback on the test's stderr
    store = ox.Store()
    store.extend(
        ox.Quad(ox.NamedNode(f"http://e/{i}"), ox.NamedNode("http://e/p"), ox.Literal(str(i)))
        for i in range(300)
    )
    return len(list(store.query(CROSS_JOIN)))


def test_a_rust_allocation_failure_in_the_worker_is_reported_as_the_limit(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """pyoxigraph aborts the worker (SIGABRT) and writes its own line on stderr: neither shows."""
    with pytest.raises(QueryOutOfMemory, match=r"^query used more than 100 MiB of memory"):
        isolation.run_with_deadline(_oxigraph_cross_join, timeout=60, memory=100)
    assert "memory allocation" not in capfd.readouterr().err


def _crash() -> None:
    faulthandler.disable()
    os.kill(os.getpid(), signal.SIGSEGV)


def test_a_worker_that_crashes_otherwise_says_how() -> None:
    with pytest.raises(
        QueryError, match=r"worker process ended without an answer \(killed by SIGSEGV"
    ):
        isolation.run_with_deadline(_crash, timeout=60, memory=100)


def _warn_and_answer() -> str:
    print("a warning from the engine", file=sys.stderr, flush=True)
    return "answer"


def test_what_a_worker_that_ends_well_wrote_on_stderr_is_shown(
    capfd: pytest.CaptureFixture[str],
) -> None:
    assert isolation.run_with_deadline(_warn_and_answer, timeout=60, memory=100) == "answer"
    assert "a warning from the engine" in capfd.readouterr().err


def test_the_default_is_2_gib_or_half_the_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STANCEGRAPH_QUERY_MEMORY", raising=False)
    physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2**20
    assert isolation.query_memory_default() == min(2048, physical // 2)
    monkeypatch.setenv("STANCEGRAPH_QUERY_MEMORY", "300")
    assert isolation.query_memory_default() == 300
