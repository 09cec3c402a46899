"""The server's query workers: a pool of processes, each with the store open read-only, that
answer SPARQL queries in parallel, each stopped at a time limit and cut at a row cap.

Neither pyoxigraph nor RocksDB can interrupt a running query, so a query cannot simply run in a
thread of the server: a runaway one would hold a core until the server stops. Forking a worker
per request (:func:`stancegraph.isolation.run_with_deadline`, what ``stancegraph query`` does)
is right for one command and too slow for a server. So :class:`Pool` keeps ``size`` worker
processes (fresh interpreters: the server has threads, and a fork would not copy RocksDB's),
each opens the store once, read-only, and answers one query at a time. A request takes an idle
worker, sends it the query and waits up to the time limit; past it the worker is killed and a
fresh one started in the background, and the request gets :class:`QueryTimeout`. A worker that
dies (out of its memory, a crash in an engine) is replaced the same way.

What a worker sends back is the answer already written in the format asked for (bytes), with
the number of rows (or triples) and whether the row cap cut it: the server only forwards it.
Where the server was given an in-memory store (tests, a library caller) there is no folder to
open, and each query runs in a forked child that shares it (:class:`ForkRunner`).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from stancegraph import isolation
from stancegraph.errors import QueryError, QueryOutOfMemory, QueryTimeout

#: Result formats a SELECT or ASK answer is written in, by the name the server uses.
RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
#: RDF formats a CONSTRUCT or DESCRIBE answer is written in.
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}


class Unavailable(QueryError):
    """No worker can take the query: the server is shutting down, or no worker could start."""


@dataclass(frozen=True)
class Job:
    """One query for a worker: the checked text, its form, the parameters as pyoxigraph terms,
    the format to write, the row cap, and the prefixes Turtle may use."""

    text: str
    form: str
    fmt: str
    row_cap: int
    substitutions: Mapping[str, Any] = field(default_factory=dict)
    prefixes: Mapping[str, str] = field(default_factory=dict)
    #: the dataset named by the request (graph IRIs); none: the union of the named graphs
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    #: whether the query names its own dataset (FROM, FROM NAMED): then the default graph is
    #: what it names, not the union (pyoxigraph would let the union win over FROM)
    own_dataset: bool = False


@dataclass(frozen=True)
class Outcome:
    """A worker's answer: the body in the format asked for, its rows (SELECT), triples
    (CONSTRUCT, DESCRIBE) or 1/0 (ASK), and whether the row cap cut it."""

    body: bytes
    count: int
    truncated: bool


# --- what a worker does ------------------------------------------------------------------------


def evaluate(store: ox.Store, job: Job) -> Outcome:
    """Run ``job`` on ``store`` (default graph: the union of the named graphs, as every engine of
    the package reads it) and write its answer; at most ``job.row_cap`` rows or triples."""
    union = not job.default_graphs and not job.named_graphs and not job.own_dataset
    dataset: dict[str, Any] = {"use_default_graph_as_union": union}
    if job.default_graphs:
        dataset["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    if job.named_graphs:
        dataset["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    try:
        result = store.query(
            job.text,
            substitutions={ox.Variable(k): v for k, v in job.substitutions.items()} or None,
            **dataset,
        )
        return _write(result, job)
    except SyntaxError as exc:
        problem = QueryError(f"Oxigraph cannot parse the query: {_first(exc)}")
    except (OSError, RuntimeError, ValueError, TypeError) as exc:
        problem = QueryError(f"Oxigraph could not run the query: {_first(exc)}")
    raise problem  # outside the except blocks: no reference back to pyoxigraph's result


def _first(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _write(result: Any, job: Job) -> Outcome:
    if isinstance(result, ox.QueryBoolean):
        return Outcome(result.serialize(format=RESULT_FORMATS[job.fmt]), int(bool(result)), False)
    if isinstance(result, ox.QueryTriples):
        triples = []
        for triple in result:
            if len(triples) == job.row_cap:
                return _graph(triples, job, truncated=True)
            triples.append(triple)
        return _graph(triples, job, truncated=False)
    variables = [v.value for v in result.variables]
    rows: list[dict[str, Any]] = []
    truncated = False
    for solution in result:
        if len(rows) == job.row_cap:
            truncated = True
            break
        row = {}
        for name, term in zip(variables, solution, strict=True):
            if term is not None:
                row[name] = term_json(term)
        rows.append(row)
    data: dict[str, Any] = {"head": {"vars": variables}, "results": {"bindings": rows}}
    if job.fmt == "json":
        if truncated:
            data["stancegraph"] = {"truncated": True, "row_cap": job.row_cap, "note": cap_note(job)}
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    else:
        parsed = ox.parse_query_results(json.dumps(data).encode(), format=RESULT_FORMATS["json"])
        body = parsed.serialize(format=RESULT_FORMATS[job.fmt])
    return Outcome(body, len(rows), truncated)


def cap_note(job: Job) -> str:
    return (
        f"the answer was cut at the row cap of {job.row_cap} rows; add LIMIT/OFFSET to page "
        "through it"
    )


def _graph(triples: list[Any], job: Job, truncated: bool) -> Outcome:
    prefixes = dict(job.prefixes) if job.fmt == "turtle" else None
    body = ox.serialize(triples, format=GRAPH_FORMATS[job.fmt], prefixes=prefixes)
    if truncated and job.fmt in ("turtle", "ntriples"):
        body = f"# {cap_note(job).replace('rows', 'triples')}\n".encode() + body
    return Outcome(body, len(triples), truncated)


def term_json(term: Any) -> dict[str, Any]:
    """A pyoxigraph term as the W3C SPARQL 1.1 Query Results JSON writes it."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": term_json(term.subject),
                "predicate": term_json(term.predicate),
                "object": term_json(term.object),
            },
        }
    raise QueryError(f"cannot write the term {term!r}")


def _worker_main(jobs: Any, conn: Any, location: str, memory: int | None) -> None:
    """A worker: open the store read-only (its current generation), then answer jobs until the
    pipe closes."""
    from stancegraph import store as stores

    try:
        store = stores.open_embedded(location)
    except Exception as exc:
        conn.send(("failed", str(exc)))
        return
    if memory is not None and isolation.memory_limits_supported():
        isolation.limit_memory(memory)
    conn.send(("ready", None))
    with isolation.network_guard():  # the text was checked; this refuses what slipped through
        _answer_jobs(jobs, conn, store)


def _answer_jobs(jobs: Any, conn: Any, store: ox.Store) -> None:
    while True:
        try:
            job = jobs.recv()
        except (EOFError, OSError):
            return
        try:
            message: tuple[str, Any] = ("ok", evaluate(store, job))
        except MemoryError:
            message = ("memory", None)
        except Exception as exc:
            message = ("error", QueryError(str(exc)))
        try:
            conn.send(message)
        except (OSError, ValueError):
            return


# --- the pool ----------------------------------------------------------------------------------


class _Worker:
    """One worker: ``python -m stancegraph.serve.worker`` with two pipes (jobs in, answers
    out). A fresh interpreter, not a fork: the server has threads (uvicorn's, RocksDB's), and
    multiprocessing's ``spawn`` would run the caller's main script again."""

    def __init__(self, location: str, memory: int | None) -> None:
        jobs_r, jobs_w = os.pipe()
        answers_r, answers_w = os.pipe()
        command = [sys.executable, "-m", "stancegraph.serve.worker", location, str(memory or 0)]
        # the worker imports this very package, wherever it was imported from
        here = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH", "")) if p)
        try:
            self.process = subprocess.Popen(
                [*command, str(jobs_r), str(answers_w)],
                pass_fds=(jobs_r, answers_w),
                stdin=subprocess.DEVNULL,
                close_fds=True,
                env={**os.environ, "PYTHONPATH": path},
            )
        finally:
            os.close(jobs_r)
            os.close(answers_w)
        self._jobs = Connection(jobs_w, readable=False)
        self._answers = Connection(answers_r, writable=False)

    def send(self, job: Job) -> None:
        self._jobs.send(job)

    def poll(self, timeout: float) -> bool:
        return self._answers.poll(timeout)

    def recv(self) -> Any:
        return self._answers.recv()

    def wait_ready(self, timeout: float) -> None:
        if not self.poll(timeout):
            self.kill()
            raise Unavailable(f"a query worker did not start within {timeout:g} s")
        try:
            status, why = self.recv()
        except (EOFError, OSError):
            status, why = "dead", f"exit code {self.process.poll()}"
        if status != "ready":
            self.kill()
            raise Unavailable(f"a query worker could not open the store: {why}")

    def kill(self) -> None:
        for conn in (self._jobs, self._answers):
            with contextlib.suppress(OSError):
                conn.close()
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)


class Pool:
    """``size`` worker processes over the embedded store at ``location`` (the folder
    :func:`stancegraph.store.store_location` names), ``memory`` MiB per worker (None: no
    limit). Started by :meth:`start` (or by the first query)."""

    def __init__(
        self, location: str | Path, size: int, memory: int | None = None, start_timeout: float = 60
    ) -> None:
        self.location = str(location)
        self.size = size
        self.memory = memory
        self.start_timeout = start_timeout
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._starting = threading.Lock()
        self._started = False
        self._closed = False

    def start(self) -> None:
        """Start every worker and wait until each has the store open (once)."""
        with self._starting:
            if self._started:
                return
            workers = [self._spawn() for _ in range(self.size)]
            try:
                for worker in workers:
                    worker.wait_ready(self.start_timeout)
            except QueryError:
                for worker in workers:
                    worker.kill()
                with self._lock:
                    self._all.difference_update(workers)
                raise
            for worker in workers:
                self._idle.put(worker)
            self._started = True

    def _spawn(self) -> _Worker:
        worker = _Worker(self.location, self.memory)
        with self._lock:
            self._all.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and start another in the background."""
        worker.kill()
        with self._lock:
            self._all.discard(worker)
        if self._closed:
            return

        def again() -> None:
            while not self._closed:
                fresh = self._spawn()
                try:
                    fresh.wait_ready(self.start_timeout)
                except QueryError:
                    with self._lock:
                        self._all.discard(fresh)
                    continue
                self._idle.put(fresh)
                return

        threading.Thread(target=again, name="stancegraph worker restart", daemon=True).start()

    def run(self, job: Job, time_limit: float) -> Outcome:
        """``job``'s answer from an idle worker; :class:`QueryTimeout` past ``time_limit`` s
        (counted from when a worker takes the job; waiting for one is bounded by it too)."""
        self.start()
        while True:
            worker = self._take(time_limit)
            try:
                worker.send(job)
                break
            except OSError:  # it died between two queries (killed from outside): another
                self._replace(worker)
        try:
            if not worker.poll(time_limit):
                self._replace(worker)
                raise QueryTimeout(
                    f"query ran longer than the time limit of {time_limit:g} s and was stopped"
                )
            status, payload = worker.recv()
        except (EOFError, OSError):
            self._replace(worker)
            raise QueryOutOfMemory(
                "the query's worker process ended without an answer (out of memory?); "
                "it was restarted"
            ) from None
        if status == "memory":
            self._replace(worker)
            raise QueryOutOfMemory("query used more memory than a worker may take and was stopped")
        self._idle.put(worker)
        if status == "ok":
            return payload  # type: ignore[no-any-return]
        raise payload

    @property
    def idle(self) -> int:
        """How many workers wait for a query now."""
        return self._idle.qsize()

    def _take(self, time_limit: float) -> _Worker:
        try:
            worker = self._idle.get(timeout=time_limit)
        except queue.Empty:
            raise QueryTimeout(
                f"every query worker stayed busy for {time_limit:g} s; try again later"
            ) from None
        if worker is None:  # closing
            self._idle.put(None)
            raise Unavailable("the server is shutting down")
        return worker

    def close(self) -> None:
        self._closed = True
        self._idle.put(None)
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.kill()


class ForkRunner:
    """Each query in a forked child sharing the in-memory ``store``, killed at the time limit."""

    def __init__(self, store: ox.Store, memory: int | None = None) -> None:
        self.store = store
        self.memory = memory

    def start(self) -> None:
        pass

    def run(self, job: Job, time_limit: float) -> Outcome:
        try:
            return isolation.run_with_deadline(
                evaluate, self.store, job, timeout=time_limit, memory=self.memory
            )
        except QueryTimeout:
            raise QueryTimeout(
                f"query ran longer than the time limit of {time_limit:g} s and was stopped"
            ) from None

    def close(self) -> None:
        pass


def main(argv: list[str]) -> None:
    """``python -m stancegraph.serve.worker LOCATION MEMORY JOBS_FD ANSWERS_FD``."""
    location, memory, jobs_fd, answers_fd = argv
    jobs = Connection(int(jobs_fd), writable=False)
    answers = Connection(int(answers_fd), readable=False)
    _worker_main(jobs, answers, location, int(memory) or None)


if __name__ == "__main__":
    # run as the module's own name, so that what it sends back unpickles in the server
    from stancegraph.serve import worker

    worker.main(sys.argv[1:])
