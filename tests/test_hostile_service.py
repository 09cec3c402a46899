"""``--allow-service`` against an endpoint that fails: one line on stderr, exit 2 (issue #22).

Observed before: with ``--allow-service``, a SERVICE to a closed 127.0.0.1 port (or to a listener
that answers garbage) printed the error and then a second line, ``RuntimeError:
pyoxigraph::sparql::PyQuerySolutions is unsendable, but is being dropped on another thread``: the
error raised in the query's thread kept pyoxigraph's result alive (through its traceback) into the
main thread, which dropped it.
"""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from hostile_support import Listener, Recorder, copy_mini, run_cli
from stancegraph import isolation, queries
from stancegraph.errors import StancegraphError

GARBAGE = {
    "closed-port": None,
    "not-http": b"this is not HTTP at all\r\n",
    "not-results": (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
        b"Content-Length: 7\r\nConnection: close\r\n\r\ngarbage"
    ),
    "http-500": b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    # an error page with line breaks and a terminal escape, which Oxigraph quotes
    "http-500-body": b"HTTP/1.1 500 Oops\r\nContent-Length: 31\r\nConnection: close\r\n\r\n"
    + b"\x1b[2Jscreen cleared\nsecond line.",
}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_mini(tmp_path_factory.mktemp("hostile-service"))


@pytest.fixture(params=sorted(GARBAGE))
def endpoint(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of an endpoint that fails in one way or another."""
    reply = GARBAGE[request.param]
    if reply is None:
        with isolation.network_guard(allow=True), socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        yield f"http://127.0.0.1:{port}/sparql"  # nothing listens there now
        return
    listener = Listener(reply)
    try:
        yield listener.url()
    finally:
        listener.close()


@pytest.mark.loopback
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_a_failing_service_is_one_line_exit_2(
    home: Path, tmp_path: Path, endpoint: str, engine: str
) -> None:
    """The installed command, in its own process: what reaches its stderr is one line."""
    query = tmp_path / "q.rq"
    query.write_text(f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}", "utf-8")
    script = Path(sys.executable).parent / "stancegraph"
    done = subprocess.run(
        [str(script), "--home", str(home), "query", "--file", str(query), "--allow-service",
         "--engine", engine],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "STANCEGRAPH_HOME": ""},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("stancegraph: error: "), lines[0]
    assert "Traceback" not in done.stderr
    assert "\x1b" not in done.stderr


@pytest.mark.loopback
def test_in_a_thread_the_failed_result_is_dropped_where_it_was_made(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where no worker can be forked the query runs in a thread: its error must not carry
    pyoxigraph's result object (which only its own thread may drop) to the caller."""
    dropped: list[str] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: dropped.append(str(u.exc_value)))
    store = ox.Store()
    text = f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"
    with pytest.raises(StancegraphError) as caught:
        isolation.run_with_deadline(
            queries._ox_evaluate, store, text, "SELECT", {}, timeout=30, isolation="thread"
        )
    del caught
    gc.collect()
    assert dropped == []


@pytest.mark.loopback
def test_an_endpoint_that_answers_another_question_still_gives_a_table(home: Path) -> None:
    """The labels of a table are looked up on the same endpoint; an endpoint that answers with
    other columns gives a table without labels, not "internal error: ValueError"."""
    endpoint = Recorder().start()  # answers every query with one column, ?s
    try:
        result, _ = run_cli(home, "query", "claims-by-actor", "--endpoint", endpoint.url())
    finally:
        endpoint.stop()
    assert result.exit_code == 0, result.stderr
    assert "http://example.org/fetched" in result.stdout
    assert len(endpoint.requests) == 2  # the query, then its labels
