#!/usr/bin/env python3
"""Benchmark stancegraph on synthetic corpora: how each operation's cost grows with the corpus.

    python scripts/benchmark.py --scales 10k,100k --runs 3 --out results.json
    python scripts/benchmark.py --scales 10k,100k,1M --runs 3 --out new.json --compare results.json

For each scale the corpus is written by ``scripts/synth_corpus.py`` (same ``--seed``, same
bytes) into ``--workdir`` (kept, and reused while its manifest matches), then each measurement
runs in its own process, so that its peak memory is its own: the largest sum of the resident
memory of the command and the processes it started (such as the JVM), sampled every 50 ms, or the
``ru_maxrss`` GNU time reports if that is larger:

==================== ===============================================================================
``generate``         writing the corpus (once; not repeated)
``parse-rdflib``     assembling the dataset as rdflib does for ``info``, ``validate`` and
                     ``query --engine rdflib`` (every file through stancegraph.safety)
``parse-oxigraph``   parsing ``corpus.nq`` with pyoxigraph
``load``             ``stancegraph load --store DIR`` into a new embedded store
``info``             ``stancegraph info``
``build``            ``stancegraph build --out DIR``
``query-cli``        ``stancegraph query public-private-gap`` (embedded store, loaded)
``validate``         ``stancegraph validate --engine pyshacl``: the whole dataset, SHACL on pySHACL
                     (the reference) and the checks beyond SHACL
``validate-jena``    ``stancegraph validate --engine jena``: the same with SHACL on Apache Jena
                     (what ``--engine auto`` runs from 50,000 triples on); its report is compared,
                     finding for finding, with that of ``validate`` where that finished
``contribution``     ``stancegraph validate contribution/`` against the corpus
``contribution-1``   the same contribution against the one-article dataset (the template)
``main-job``         ``make run`` in the template checkout (the quick start's first command)
==================== ===============================================================================

and every saved query on each engine: Oxigraph over the embedded on-disk store, and rdflib's
in-memory evaluator, each query evaluated and its answer serialised (SPARQL JSON, or N-Triples
for CONSTRUCT) as ``stancegraph query`` does, ``--runs`` times in one process after the store or
dataset is ready (the time to get it ready is reported as the engine's ``setup``). rdflib runs
each query in a forked worker stopped at ``--rdflib-timeout`` seconds (reported as ``> N s``), and
is not run above ``--rdflib-max-scale``; above it, its time is estimated linearly from the largest
scale it ran at and shown as such (``~``). The same holds for pySHACL (``validate``) with
``--pyshacl-timeout`` and ``--pyshacl-max-scale``. ``--oxigraph-memory`` also runs every query on
a copy of the store in Oxigraph's in-memory store: the same engine without the disk, which no
command uses, to tell what the disk costs. Above ``--pages-only-above`` (1M), where the target
is the first page, each query is timed once to its first page and its count, in a forked worker
that opens the store read-only as ``stancegraph query`` does, stopped at ``--query-timeout``
seconds (60); its whole answer is not serialised.

Every time is the median of ``--runs`` runs (``--slow-runs`` for ``validate``, ``build`` and
``info``, which take minutes at 100k triples); peak memory is the largest of the runs. The
results are printed as tables and written as JSON (``--out``); ``--compare OLD.json`` prints how
each median moved since an earlier run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import synth_corpus  # noqa: E402

try:
    import stancegraph  # noqa: F401
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(ROOT / "src"))

RESULTS_VERSION = 2  # 2: first pages of the queries, one-article commands, batched validation
#: Answers on a first page, as the paged table view shows them (issue #19).
PAGE_ROWS = 50
ENGINES = ("oxigraph", "rdflib", "oxigraph-memory")


# ------------------------------------------------------------------------------------------------
# Running one measurement in its own process


@dataclass
class Run:
    seconds: float | None  # the operation's own time (None: it did not finish)
    wall: float  # the process, start to end
    peak_mb: float
    status: str  # ok, timeout, error
    detail: dict[str, Any] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    cpu: float = 0.0  # user + system CPU seconds of the process (and of what it waited for)


def run_process(
    cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float
) -> Run:
    """Run ``cmd`` in a new process group; its wall time, peak memory and output.

    At ``timeout`` the whole group (the process and what it started) is killed. The command is
    started by GNU time where there is one, whose own report of its child's ``ru_maxrss`` is the
    command's peak: a child forked straight from this process would inherit this process's
    memory high-water mark (Linux keeps it across exec) and report it as its own.
    """
    gnu_time = shutil.which("time") if Path("/usr/bin/time").is_file() else None
    report = None
    if gnu_time:
        fd, name = tempfile.mkstemp(prefix="bench-time-")
        os.close(fd)
        report = Path(name)
        cmd = ["/usr/bin/time", "-o", str(report), "-f", "%M %U %S", *cmd]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=err, env=env, cwd=cwd, start_new_session=True
        )
        timed_out = False
        tree_peak = 0.0
        sampled = 0.0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            if time.perf_counter() - sampled >= 0.05:
                sampled = time.perf_counter()
                tree_peak = max(tree_peak, session_rss_mb(proc.pid))
            time.sleep(0.01)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    peak = usage.ru_maxrss / 1024  # kB on Linux
    cpu = usage.ru_utime + usage.ru_stime
    if report is not None:
        try:
            fields = report.read_text().split()[-3:]
            peak, cpu = int(fields[0]) / 1024, float(fields[1]) + float(fields[2])
        except (OSError, ValueError, IndexError):
            pass  # killed before it wrote: keep what wait4 says
        report.unlink(missing_ok=True)
    peak = max(peak, tree_peak)
    if timed_out:
        return Run(None, wall, peak, "timeout", stdout=stdout, stderr=stderr, cpu=cpu)
    status_word = "ok" if proc.returncode in (0, 1) else "error"  # 1: findings (validate)
    return Run(wall, wall, peak, status_word, {"exit": proc.returncode}, stdout, stderr, cpu)


def session_rss_mb(session: int) -> float:
    """The resident memory of every process of ``session`` (a command and what it started)."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            if int(fields[3]) != session:  # fields after "(comm)": state ppid pgrp session ...
                continue
            with open(f"/proc/{entry.name}/statm", "rb") as f:
                total += int(f.read().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
    return total / 2**20


def stancegraph_cmd() -> list[str]:
    script = Path(sys.executable).with_name("stancegraph")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from stancegraph.cli import main; main()"]


def worker(task: str, home: Path, limit: float, **options: Any) -> Run:
    """Run ``task`` (a ``work_*`` function below) in a fresh Python process."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        task,
        "--home",
        str(home),
        "--options",
        json.dumps(options),
    ]
    run = run_process(cmd, env=clean_env(home), timeout=limit)
    if run.status != "ok":
        return run
    try:
        detail = json.loads(run.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        run.status = "error"
        return run
    run.detail = detail
    run.seconds = detail.get("seconds", run.wall)
    if detail.get("status") == "timeout":
        run.status, run.seconds = "timeout", None
    return run


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STANCEGRAPH_")}
    env["STANCEGRAPH_HOME"] = str(home)
    env["PYTHONHASHSEED"] = "0"
    env["COLUMNS"] = "200"
    env.update(extra)
    return env


# ------------------------------------------------------------------------------------------------
# Workers: each runs in its own process and prints one JSON line


def _project(home: Path) -> Any:
    from stancegraph.sources import find_project

    return find_project(home=home)


def work_parse_rdflib(home: Path, **_: Any) -> dict[str, Any]:
    from stancegraph import graph

    project = _project(home)
    started = time.perf_counter()
    dataset = graph.assemble(project)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "triples": sum(graph.triple_counts(dataset).values())}


def work_parse_oxigraph(home: Path, **_: Any) -> dict[str, Any]:
    import pyoxigraph as ox

    started = time.perf_counter()
    count = sum(1 for _ in ox.parse(path=str(home / "corpus.nq"), format=ox.RdfFormat.N_QUADS))
    return {"seconds": time.perf_counter() - started, "triples": count}


def _rows(form: str, data: bytes) -> int:
    if form in ("CONSTRUCT", "DESCRIBE"):
        return sum(1 for line in data.splitlines() if line.strip())
    doc = json.loads(data)
    if "boolean" in doc:
        return int(bool(doc["boolean"]))
    return len(doc["results"]["bindings"])


def _measured(entry: dict[str, Any], measure: Any) -> Any:
    """What ``measure()`` returns; None for a query stopped at its deadline or failed, its
    ``entry`` then saying which (``status`` timeout or error, and the error)."""
    from stancegraph.errors import QueryError, QueryTimeout

    try:
        return measure()
    except QueryTimeout:
        entry["status"] = "timeout"
    except QueryError as exc:
        entry["status"] = "error"
        entry["error"] = str(exc)[:300]
    return None


def work_queries_oxigraph(
    home: Path,
    runs: int = 3,
    memory: bool = False,
    timeout: float = 60.0,
    pages_only: bool = False,
    **_: Any,
) -> dict[str, Any]:
    """Every saved query on Oxigraph: over the embedded on-disk store, or (``memory``) over a
    copy of it in Oxigraph's in-memory store, the same engine without the disk.

    Up to 1M, every query runs ``runs`` times here, in this process (the store's caches warm,
    as rdflib's dataset is in memory: the engines compared alike). With ``pages_only`` (the
    scales above 1M, where the target is the first page), each query's first page and count
    are taken once, in a forked child that opens the store read-only, as `stancegraph query`
    does (isolation.run_with_deadline), stopped at ``timeout`` seconds (reported as a timeout,
    ``> timeout s``) so that one slow query cannot hold up the rest; its whole answer is not
    serialized."""
    import pyoxigraph as ox

    from stancegraph import graph, isolation, queries, store

    project = _project(home)
    started = time.perf_counter()
    db = store.ensure_embedded(project)
    location = store.store_location(project)
    if memory:
        copy = ox.Store()
        copy.bulk_extend(db.quads_for_pattern(None, None, None, None))
        db = copy
    elif pages_only:
        del db  # each child opens the store itself: RocksDB's threads do not survive a fork
    setup = time.perf_counter() - started

    def call(func: Any) -> Any:
        if not pages_only:
            return func(db)
        opened = (lambda: db) if memory else (lambda: store.open_embedded(location))
        return isolation.run_with_deadline(func, timeout=timeout, setup=opened)

    results: dict[str, Any] = {}
    for query in queries.catalogue(project):
        checked = queries.check_query(query.text, where=query.name)
        bindings = queries.bindings_for(query, {})
        subs = {ox.Variable(k): graph.to_oxigraph(v) for k, v in bindings.items()} or None

        def whole(
            db: Any, text: str = query.text, subs: Any = subs, form: str = checked.form
        ) -> Any:
            t0 = time.perf_counter()
            answer = db.query(text, use_default_graph_as_union=True, substitutions=subs)
            data = answer.serialize(
                format=ox.RdfFormat.N_TRIPLES
                if form in ("CONSTRUCT", "DESCRIBE")
                else ox.QueryResultsFormat.JSON
            )
            return time.perf_counter() - t0, _rows(form, data)

        def paged(
            db: Any, checked: Any = checked, bindings: Any = bindings, ordered: bool = query.ordered
        ) -> Any:
            # The first page (issue #19) as `stancegraph query NAME` takes it (its worker's
            # work, queries._ox_pages, here in the child): PAGE_ROWS answers in the query's own
            # order, else in the golden files' order (every answer read and keyed, the page
            # converted); the rest counted after, without being converted.
            t0 = time.perf_counter()
            parts = queries._ox_pages(
                db, checked.text, checked.form, bindings, True, 0, PAGE_ROWS, ordered
            )
            head = next(parts)
            first = time.perf_counter() - t0
            total = None
            for part in parts:  # the count
                if part[0] == "total":
                    total = part[1]
            if head[0] == "ask":
                total = int(bool(head[1]))
            return first, time.perf_counter() - t0, total

        entry: dict[str, Any] = {"times": [], "first_page": [], "counted": [], "status": "ok"}
        for _run in range(1 if pages_only else runs):
            if not pages_only:
                measured = _measured(entry, lambda: call(whole))
                if measured is None:
                    break
                entry["times"].append(measured[0])
                entry["rows"] = measured[1]
            paged_run = _measured(entry, lambda: call(paged))
            if paged_run is None:
                break
            first, counted, total = paged_run
            entry["first_page"].append(first)
            entry["counted"].append(counted)
            if pages_only:
                entry["rows"] = total
        results[query.name] = entry
    return {"seconds": setup, "setup": setup, "queries": results}


def work_queries_rdflib(home: Path, runs: int = 3, timeout: float = 60.0, **_: Any) -> dict:
    from rdflib import Variable

    from stancegraph import graph, isolation, queries

    project = _project(home)
    started = time.perf_counter()
    dataset = graph.assemble(project)
    dataset.default_union = True
    setup = time.perf_counter() - started
    results: dict[str, Any] = {}
    for query in queries.catalogue(project):
        checked = queries.check_query(query.text, where=query.name)
        bindings = {Variable(k): v for k, v in queries.bindings_for(query, {}).items()}
        graph_form = checked.form in ("CONSTRUCT", "DESCRIBE")

        def evaluate(prepared: Any = checked.parsed, bound: Any = bindings, g: bool = graph_form):
            t0 = time.perf_counter()
            result = dataset.query(prepared, initBindings=bound)
            out = result.graph.serialize(format="nt") if g else result.serialize(format="json")
            seconds = time.perf_counter() - t0
            data = out.encode("utf-8") if isinstance(out, str) else out
            return seconds, data

        times: list[float] = []
        entry: dict[str, Any] = {"status": "ok"}
        for _run in range(runs):
            measured = _measured(
                entry, lambda e=evaluate: isolation.run_with_deadline(e, timeout=timeout)
            )
            if measured is None:
                break
            seconds, data = measured
            times.append(seconds)
            entry["rows"] = _rows(checked.form, data)
        entry["times"] = times
        results[query.name] = entry
    return {"seconds": setup, "setup": setup, "queries": results}


def work_generate(
    home: Path, template: str = "", scale: int = 0, seed: int = 1, faults: int = 0, **_: Any
) -> dict:
    started = time.perf_counter()
    synth_corpus.generate(Path(template), home, scale, seed, quiet=True, faults=faults)
    return {"seconds": time.perf_counter() - started}


WORKERS = {
    "generate": work_generate,
    "parse-rdflib": work_parse_rdflib,
    "parse-oxigraph": work_parse_oxigraph,
    "queries-oxigraph": work_queries_oxigraph,
    "queries-rdflib": work_queries_rdflib,
}


def findings_of_cli(report_json: str) -> list[list[Any]]:
    """The findings of ``stancegraph validate --format json``, blank nodes by their description
    (their labels change at every parse), so that two runs' reports can be compared."""
    report = json.loads(report_json)
    keys = ("focus_label", "path", "value", "component", "severity", "message", "file", "line")
    return [
        [None if str(f[k]).startswith("_:") and k != "focus_label" else f[k] for k in keys]
        for f in report["findings"]
    ]


# ------------------------------------------------------------------------------------------------
# One scale


@dataclass
class Settings:
    runs: int
    slow_runs: int
    rdflib_timeout: float
    rdflib_max: int
    pyshacl_timeout: float
    pyshacl_max: int
    timeout: float
    template: Path
    workdir: Path
    seed: int
    skip: set[str]
    faults: int = 6
    memory: bool = False  # also every saved query on Oxigraph's in-memory store
    query_timeout: float = 60.0  # each saved query's evaluation on Oxigraph
    #: above this scale, each saved query's first page and count once, not its whole answer
    pages_only_above: int = 1_000_000
    #: told (label, what is measured so far) after each long measurement of a scale
    checkpoint: Any = lambda label, partial: None


def summarize(runs: list[Run], limit: float | None = None) -> dict[str, Any]:
    done = [r.seconds for r in runs if r.status == "ok" and r.seconds is not None]
    out: dict[str, Any] = {
        "runs": [None if r.seconds is None else round(r.seconds, 4) for r in runs],
        "peak_mb": round(max((r.peak_mb for r in runs), default=0.0), 1),
        "status": "ok"
        if done and len(done) == len(runs)
        else runs[-1].status
        if runs
        else "skipped",
    }
    if done:
        out["median"] = round(statistics.median(done), 4)
        out["cpu_median"] = round(statistics.median(r.cpu for r in runs if r.status == "ok"), 3)
    if out["status"] == "timeout" and limit is not None:
        out["over"] = limit
    if out["status"] == "error":
        out["error"] = (runs[-1].stderr or runs[-1].detail.get("error", ""))[-600:]
    return out


def repeat(n: int, make: Any) -> list[Run]:
    runs = []
    for _ in range(n):
        run = make()
        runs.append(run)
        if run.status != "ok":
            break  # a timeout or an error will not get better
    return runs


def corpus_for(label: str, scale: int, s: Settings) -> tuple[Path, dict]:
    out = s.workdir / f"corpus-{label}"
    manifest_path = out / "manifest.json"
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        if (
            manifest.get("scale") == scale
            and manifest.get("seed") == s.seed
            and manifest.get("faults_requested") == s.faults
            and manifest.get("generator")
            == f"scripts/synth_corpus.py v{synth_corpus.GENERATOR_VERSION}"
            and manifest.get("template") == str(s.template)
            and manifest.get("template_sha256") == synth_corpus.template_fingerprint(s.template)
        ):
            return out, manifest | {"reused": True}
    run = worker(
        "generate",
        out,
        s.timeout,
        template=str(s.template),
        scale=scale,
        seed=s.seed,
        faults=s.faults,
    )
    if run.status != "ok":
        raise SystemExit(f"benchmark: writing the {label} corpus failed: {run.stderr[-2000:]}")
    manifest = json.loads(manifest_path.read_text()) | {
        "seconds": run.detail["seconds"],
        "peak_mb": run.peak_mb,
        "cpu": run.cpu,
    }
    return out, manifest


def bench_scale(label: str, scale: int, s: Settings, say: Any) -> dict[str, Any]:
    say(f"[bold]{label}[/bold]: writing the corpus")
    load_before = os.getloadavg()
    home, manifest = corpus_for(label, scale, s)
    ops: dict[str, Any] = {}
    ops["generate"] = {
        "median": manifest.get("seconds"),
        "runs": [manifest.get("seconds")],
        "status": "ok",
        "reused": manifest.get("reused", False),
    }
    if not manifest.get("reused"):
        ops["generate"] |= {"peak_mb": round(manifest["peak_mb"], 1), "cpu_median": manifest["cpu"]}
    sg = stancegraph_cmd()
    scratch = Path(tempfile.mkdtemp(prefix=f"bench-{label}-", dir=s.workdir))
    corpus = {
        k: manifest.get(k)
        for k in ("articles", "actor_clusters", "data_triples", "model_triples", "seed")
    } | {
        "contribution_triples": manifest.get("contribution", {}).get("triples"),
        "faults": len(manifest.get("faults", [])),
    }
    engines: dict[str, Any] = {}

    def checkpoint() -> None:
        s.checkpoint(
            label,
            {
                "scale": scale,
                "corpus": corpus,
                "operations": ops,
                "engines": engines,
                "validation": {},
                "load_average": {"start": load_before, "end": os.getloadavg()},
            },
        )

    def want(name: str) -> bool:
        return name not in s.skip

    def cli(*args: str, timeout: float | None = None, home_: Path = home) -> Run:
        return run_process([*sg, *args], env=clean_env(home_), timeout=timeout or s.timeout)

    say(f"{label}: parsing")
    if want("parse-oxigraph"):
        ops["parse-oxigraph"] = summarize(
            repeat(s.runs, lambda: worker("parse-oxigraph", home, s.timeout))
        )
    if want("parse-rdflib"):
        ops["parse-rdflib"] = summarize(
            repeat(s.slow_runs, lambda: worker("parse-rdflib", home, s.timeout))
        )
    if want("load"):
        say(f"{label}: load into a new embedded store")
        # Into the project's own store, new each time: the last one stays, for info and build
        # to read what it recorded (issue #19), as after 'stancegraph load' by hand.
        default_store = home / ".stancegraph" / "store"

        def load() -> Run:
            shutil.rmtree(default_store, ignore_errors=True)
            return cli("load")

        ops["load"] = summarize(repeat(s.slow_runs if scale >= 5_000_000 else s.runs, load))
        checkpoint()
    if want("info"):
        say(f"{label}: info")
        ops["info"] = summarize(repeat(s.slow_runs, lambda: cli("info")))
    if want("build"):
        say(f"{label}: build")
        ops["build"] = summarize(
            repeat(s.slow_runs, lambda: cli("build", "--out", str(scratch / "dist")))
        )
        checkpoint()
    if want("contribution"):
        say(f"{label}: validate the small contribution")
        contribution = str(home / "contribution")
        ops["contribution"] = summarize(
            repeat(s.runs, lambda: cli("validate", "--format", "json", contribution))
        )
        ops["contribution-1"] = summarize(
            repeat(
                s.runs,
                lambda: cli("validate", "--format", "json", contribution, home_=s.template),
            )
        )

    validation: dict[str, Any] = {}
    reports: dict[str, list[list[Any]]] = {}

    def validate(engine: str, timeout: float) -> list[Run]:
        runs = repeat(
            s.slow_runs,
            lambda: cli("validate", "--engine", engine, "--format", "json", timeout=timeout),
        )
        if runs and runs[0].status == "ok":
            report = json.loads(runs[0].stdout)
            reports[engine] = findings_of_cli(runs[0].stdout)
            validation[engine] = {
                "engine": report.get("engine"),
                "conforms": report["conforms"],
                "violations": report["violations"],
                "warnings": report["warnings"],
            }
        return runs

    if want("validate"):
        if scale <= s.pyshacl_max:
            say(f"{label}: validate the dataset on pySHACL (stopped at {s.pyshacl_timeout:g} s)")
            ops["validate"] = summarize(validate("pyshacl", s.pyshacl_timeout), s.pyshacl_timeout)
        else:
            ops["validate"] = {"status": "not run", "why": "above --pyshacl-max-scale"}
    if want("validate-jena"):
        say(f"{label}: validate the dataset on Apache Jena")
        ops["validate-jena"] = summarize(validate("jena", s.timeout))
        checkpoint()
    if want("validate-batched") and scale <= s.pyshacl_max:
        # the proof that batches of sources give the whole-graph report (issue #19): batches
        # of ~2 MB of files, against validate-jena's whole graph at this scale
        say(f"{label}: validate the dataset in batches of sources, on Jena")
        runs = repeat(
            s.slow_runs,
            lambda: run_process(
                [*sg, "validate", "--engine", "jena", "--format", "json"],
                env=clean_env(home, STANCEGRAPH_BATCH_BYTES="2000000"),
                timeout=s.timeout,
            ),
        )
        ops["validate-batched"] = summarize(runs)
        if runs and runs[0].status == "ok":
            reports["batched"] = findings_of_cli(runs[0].stdout)
        if "batched" in reports and "jena" in reports:
            validation["batched_identical"] = reports["batched"] == reports["jena"]
    if "pyshacl" in reports and "jena" in reports:
        validation["identical"] = reports["pyshacl"] == reports["jena"]
        py, jena = reports["pyshacl"], reports["jena"]
        validation["only_pyshacl"] = [f for f in py if f not in jena][:20]
        validation["only_jena"] = [f for f in jena if f not in py][:20]
    if want("queries"):
        pages_only = scale > s.pages_only_above
        say(
            f"{label}: every saved query on Oxigraph"
            + (", its first page and count once" if pages_only else "")
            + f" (each stopped at {s.query_timeout:g} s)"
        )
        run = worker(
            "queries-oxigraph",
            home,
            s.timeout * 4,
            runs=s.runs,
            timeout=s.query_timeout,
            pages_only=pages_only,
        )
        engines["oxigraph"] = engine_summary(run, s.query_timeout)
        if scale <= s.rdflib_max:
            say(f"{label}: every saved query on rdflib (each stopped at {s.rdflib_timeout:g} s)")
            run = worker(
                "queries-rdflib", home, s.timeout * 4, runs=s.runs, timeout=s.rdflib_timeout
            )
            engines["rdflib"] = engine_summary(run, s.rdflib_timeout)
        else:
            engines["rdflib"] = {"status": "not run", "why": "above --rdflib-max-scale"}
        if s.memory:
            say(f"{label}: every saved query on Oxigraph's in-memory store")
            run = worker(
                "queries-oxigraph",
                home,
                s.timeout * 4,
                runs=s.runs,
                memory=True,
                timeout=s.query_timeout,
                pages_only=pages_only,
            )
            engines["oxigraph-memory"] = engine_summary(run, s.query_timeout)
    if want("query-cli"):
        ops["query-cli"] = summarize(
            repeat(s.runs, lambda: cli("query", "public-private-gap", "--format", "csv"))
        )

    shutil.rmtree(scratch, ignore_errors=True)
    return {
        "scale": scale,
        "corpus": corpus,
        "operations": ops,
        "engines": engines,
        "validation": validation,
        "load_average": {"start": load_before, "end": os.getloadavg()},
    }


def engine_summary(run: Run, limit: float | None = None) -> dict[str, Any]:
    if run.status != "ok":
        return {"status": run.status, "error": run.stderr[-600:]}
    out: dict[str, Any] = {
        "status": "ok",
        "setup": round(run.detail["setup"], 3),
        "peak_mb": round(run.peak_mb, 1),
        "queries": {},
    }
    for name, q in run.detail["queries"].items():
        entry: dict[str, Any] = {"status": q["status"], "rows": q.get("rows")}
        if q["times"]:
            entry["median"] = round(statistics.median(q["times"]), 5)
            entry["runs"] = [round(t, 5) for t in q["times"]]
        if q.get("first_page"):
            entry["first_page"] = round(statistics.median(q["first_page"]), 5)
        if q.get("counted"):
            entry["counted"] = round(statistics.median(q["counted"]), 5)
        if q["status"] == "timeout":
            entry["over"] = limit
            entry.pop("median", None)
        if "error" in q:
            entry["error"] = q["error"]
        out["queries"][name] = entry
    return out


# ------------------------------------------------------------------------------------------------
# Targets (issue #19)


def _stopped(query: dict[str, Any]) -> str:
    """Why a query has no time: stopped at its limit, or failed."""
    if query.get("status") == "timeout":
        return f"stopped at {query.get('over') or '?'} s"
    return f"{query.get('status')}: {query.get('error', '')[:80]}"


def _at(scale: dict[str, Any]) -> str:
    return f"{scale['corpus']['data_triples']:,} triples"


def _scale(results: dict[str, Any], n: int) -> dict[str, Any] | None:
    for r in results["scales"].values():
        if r["scale"] == n:
            return r
    return None


def _op(scale: dict[str, Any] | None, name: str) -> dict[str, Any]:
    return (scale or {}).get("operations", {}).get(name) or {}


def _wall_cpu_mem(op: dict[str, Any]) -> str:
    return (
        f"{op['median']:.2f} s wall, {op.get('cpu_median', 0):.1f} s CPU, "
        f"{op.get('peak_mb', 0):.0f} MB"
    )


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target of issue #19, met or not, with the figure measured (``met`` is False, and
    the value says so, for a target whose scale or command was not measured)."""
    out: list[dict[str, Any]] = []

    def add(target: str, at: str, met: bool, value: str) -> None:
        out.append({"target": target, "at": at, "met": met, "value": value})

    def timed(
        target: str,
        scale: dict | None,
        label: str,
        op: str,
        seconds: float,
        mb: float | None = None,
    ) -> None:
        entry = _op(scale, op)
        if scale is None or entry.get("median") is None:
            add(target, label, False, f"not measured ({entry.get('status', 'scale not run')})")
            return
        met = entry["median"] < seconds and (mb is None or entry.get("peak_mb", 0) < mb)
        add(target, _at(scale), met, _wall_cpu_mem(entry))

    job = results.get("main_job") or {}
    if job.get("median") is not None:
        add(
            "one article: make run after set-up < 2 s wall",
            "the real dataset",
            job["median"] < 2,
            _wall_cpu_mem(job),
        )
    else:
        add(
            "one article: make run after set-up < 2 s wall",
            "the real dataset",
            False,
            "not measured",
        )
    one = results.get("one_article") or {}
    if one:
        parts = [
            f"{n} {o['median']:.2f} s wall / {o.get('cpu_median', 0):.2f} s CPU"
            for n, o in one.items()
            if o.get("median") is not None
        ]
        add(
            "one article: each command's CPU time reported",
            "the real dataset",
            len(parts) == len(one),
            "; ".join(parts),
        )

    m1 = _scale(results, 1_000_000)
    timed("1M: build < 30 s and 1.5 GB", m1, "1M", "build", 30, 1536)
    timed("1M: info < 2 s", m1, "1M", "info", 2)
    ox1 = (m1 or {}).get("engines", {}).get("oxigraph", {}).get("queries", {})
    ratios = speedups(results, m1, "oxigraph") if m1 else {}
    if ratios:
        add(
            "1M: every saved query >= 3x faster on Oxigraph than rdflib",
            _at(m1),
            all(r >= 3 for r, _b in ratios.values()),
            _speedup_summary(ratios),
        )
    else:
        add(
            "1M: every saved query >= 3x faster on Oxigraph than rdflib",
            "1M",
            False,
            "not measured",
        )
    if ox1:
        stopped = sorted(n for n, q in ox1.items() if q.get("median") is None)
        if stopped:
            add(
                "1M: slowest saved query < 0.5 s",
                _at(m1),
                False,
                f"{', '.join(stopped)} not finished ({_stopped(ox1[stopped[0]])})",
            )
        else:
            slowest = max(ox1, key=lambda n: ox1[n]["median"])
            add(
                "1M: slowest saved query < 0.5 s",
                _at(m1),
                ox1[slowest]["median"] < 0.5,
                f"slowest {slowest} {ox1[slowest]['median']:.3f} s; "
                f"{sum(1 for q in ox1.values() if q['median'] >= 0.5)} of {len(ox1)} "
                "at 0.5 s or more",
            )
    else:
        add("1M: slowest saved query < 0.5 s", "1M", False, "not measured")

    m10 = _scale(results, 10_000_000)
    timed("10M: load < 3 min", m10, "10M", "load", 180)
    timed("10M: build < 5 min", m10, "10M", "build", 300)
    full = _op(m10, "validate")
    timed(
        "10M: full validate < 10 min",
        m10,
        "10M",
        "validate" if full.get("median") is not None else "validate-jena",
        600,
    )
    if m10:
        peaks = {n: o["peak_mb"] for n, o in m10["operations"].items() if o.get("peak_mb")}
        for engine in ("oxigraph", "rdflib"):
            if m10["engines"].get(engine, {}).get("peak_mb"):
                peaks[f"queries-{engine}"] = m10["engines"][engine]["peak_mb"]
        if peaks:
            worst = max(peaks, key=peaks.get)
            add(
                "10M: every command's peak memory < 4 GB",
                _at(m10),
                peaks[worst] < 4096,
                f"largest {peaks[worst]:.0f} MB ({worst}) of {', '.join(sorted(peaks))}",
            )
        else:
            add("10M: every command's peak memory < 4 GB", _at(m10), False, "not measured")
    else:
        add("10M: every command's peak memory < 4 GB", "10M", False, "not measured")
    timed("10M: a contribution validated < 2 s", m10, "10M", "contribution", 2)
    ox10 = (m10 or {}).get("engines", {}).get("oxigraph", {}).get("queries", {})
    pages = {n: q["first_page"] for n, q in ox10.items() if q.get("first_page") is not None}
    if pages:
        slowest = max(pages, key=pages.get)
        stopped = sorted(n for n in ox10 if n not in pages)
        add(
            f"10M: every saved query's first page ({PAGE_ROWS} answers) < 1 s",
            _at(m10),
            not stopped and pages[slowest] < 1,
            f"slowest finished {slowest} {pages[slowest]:.3f} s; "
            f"{sum(1 for v in pages.values() if v >= 1) + len(stopped)} of {len(ox10)} "
            "at 1 s or more"
            + (
                f"; not finished: {', '.join(stopped)} ({_stopped(ox10[stopped[0]])})"
                if stopped
                else ""
            ),
        )
    else:
        add(
            f"10M: every saved query's first page ({PAGE_ROWS} answers) < 1 s",
            "10M",
            False,
            "not measured",
        )
    same = [
        (lbl, r["validation"]["batched_identical"])
        for lbl, r in results["scales"].items()
        if "batched_identical" in r.get("validation", {})
    ]
    add(
        "validation in batches of sources gives the whole-graph report",
        ", ".join(lbl for lbl, _ in same) or "not measured",
        bool(same) and all(v for _, v in same),
        ", ".join(f"{lbl}: {'same' if v else 'DIFFERENT'}" for lbl, v in same) or "not measured",
    )
    return out


def speedups(
    results: dict[str, Any], scale: dict[str, Any], engine: str
) -> dict[str, tuple[float, str]]:
    """Each query's rdflib time over its time on ``engine``, and what the rdflib time is."""
    rd = scale["engines"].get("rdflib", {}).get("queries", {})
    estimated = results.get("rdflib_estimates", {}).get(str(scale["scale"]), {})
    bounds = results.get("rdflib_estimates", {}).get(f"{scale['scale']}-lower-bounds", {})
    ratios = {}
    for name, q in scale["engines"].get(engine, {}).get("queries", {}).items():
        other, mark = rdflib_basis(rd.get(name), estimated.get(name), bounds.get(name))
        if other is not None and q.get("median"):
            ratios[name] = (other / q["median"], _BASES[mark])
    return ratios


def _speedup_summary(ratios: dict[str, tuple[float, str]]) -> str:
    worst = min(ratios, key=lambda n: ratios[n][0])
    return (
        f"lowest {ratios[worst][0]:.1f}x ({worst}, rdflib {ratios[worst][1]}); "
        f"{sum(r < 3 for r, _b in ratios.values())} of {len(ratios)} below 3x"
    )


def rdflib_estimates(results: dict[str, Any]) -> dict[str, dict[str, float]]:
    """rdflib's time at scales it did not run at, linear in triples from the largest it ran at."""
    scales = sorted(results["scales"].values(), key=lambda r: r["scale"])
    ran = [r for r in scales if r["engines"].get("rdflib", {}).get("status") == "ok"]
    if not ran:
        return {}
    base = ran[-1]
    out: dict[str, dict[str, float]] = {}
    for r in scales:
        if r["scale"] <= base["scale"] or r["engines"].get("rdflib", {}).get("status") == "ok":
            continue
        factor = r["corpus"]["data_triples"] / base["corpus"]["data_triples"]
        out[str(r["scale"])] = {
            name: round(q["median"] * factor, 3)
            for name, q in base["engines"]["rdflib"]["queries"].items()
            if q.get("median") is not None
        }
        out[f"{r['scale']}-lower-bounds"] = {
            name: round(q["over"] * factor, 1)
            for name, q in base["engines"]["rdflib"]["queries"].items()
            if q.get("status") == "timeout" and q.get("over")
        }
    return out


# ------------------------------------------------------------------------------------------------
# Output


#: What each mark of :func:`rdflib_basis` says of rdflib's time, in words.
_BASES = {"": "measured", ">": "lower bound", "~": "extrapolated", ">~": "extrapolated lower bound"}


def rdflib_basis(
    rd: dict[str, Any] | None, estimate: float | None, bound: float | None = None
) -> tuple[float | None, str]:
    """What a query's Oxigraph time is compared with, and how it is marked: rdflib's median,
    its time limit (``>``, it timed out), its linear estimate (``~``) or an estimated lower
    bound (``>~``); ``(None, "")`` when there is none."""
    if rd and rd.get("median") is not None:
        return rd["median"], ""
    if rd and rd.get("status") == "timeout":
        return rd.get("over"), ">"
    if estimate is not None:
        return estimate, "~"
    if bound is not None:
        return bound, ">~"
    return None, ""


def fmt_time(entry: dict[str, Any] | None, estimate: float | None = None) -> str:
    if not entry:
        return "" if estimate is None else f"~{estimate:.3g} s"
    if entry.get("status") == "timeout":
        return f"> {entry.get('over', '?'):g} s"
    if entry.get("median") is not None:
        m = entry["median"]
        return f"{m * 1000:.1f} ms" if m < 1 else f"{m:.2f} s"
    if estimate is not None:
        return f"~{estimate:.3g} s"
    if entry.get("reused"):
        return "(reused)"
    return entry.get("status", "")


def print_results(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=200)
    for label, r in results["scales"].items():
        c = r["corpus"]
        console.print(
            f"\n[bold]{label}[/bold]: {c['data_triples']:,} data triples "
            f"(+{c['model_triples']:,} model) in {c['articles']} articles, "
            f"{c['actor_clusters']} actor clusters; "
            f"contribution {c['contribution_triples']} triples"
        )
        table = Table("operation", "median", "CPU s", "runs", "peak MB", "status")
        for name, op in r["operations"].items():
            runs = ", ".join("-" if x is None else f"{x:.3g}" for x in op.get("runs") or [])
            peak = f"{op['peak_mb']:.0f}" if op.get("peak_mb") else ""
            cpu = f"{op['cpu_median']:.2f}" if op.get("cpu_median") is not None else ""
            table.add_row(name, fmt_time(op), cpu, runs, peak, op.get("status", ""))
        la = r.get("load_average", {})
        if la:
            table.caption = (
                f"load average of the machine: {la['start'][0]:.1f} at the start, "
                f"{la['end'][0]:.1f} at the end (2 cores: above 2, other work shares the CPU)"
            )
        console.print(table)
        ox = r["engines"].get("oxigraph", {})
        rd = r["engines"].get("rdflib", {})
        mem = r["engines"].get("oxigraph-memory", {})
        if ox.get("queries"):
            est = results.get("rdflib_estimates", {}).get(str(r["scale"]), {})
            setup = f"oxigraph {ox.get('setup', 0):.2f} s, "
            if mem.get("queries"):
                setup += f"in memory {mem.get('setup', 0):.2f} s, "
            table = Table(
                "query",
                "oxigraph",
                "rdflib",
                "rdflib / oxigraph",
                *(("in memory", "rdflib / in memory") if mem.get("queries") else ()),
                "rows ox",
                "rows rdflib",
                title=f"saved queries, median of {results['settings']['runs']} (setup: {setup}"
                f"rdflib {rd.get('setup', 0) if rd.get('setup') is not None else '-'} s)",
            )
            for name, q in ox["queries"].items():
                other = rd.get("queries", {}).get(name)
                estimate = est.get(name)
                base, prefix = rdflib_basis(other, estimate)

                def ratio(entry: dict[str, Any] | None, base=base, prefix=prefix) -> str:
                    if base is None or not entry or not entry.get("median"):
                        return ""
                    return f"{prefix}{base / entry['median']:.1f}x"

                in_memory = mem.get("queries", {}).get(name)
                rows_rd = "" if not other else str(other.get("rows", ""))
                mark = "" if not other or other.get("rows") in (None, q.get("rows")) else " (!)"
                if in_memory and in_memory.get("rows") != q.get("rows"):
                    mark += " (! in memory)"
                table.add_row(
                    name,
                    fmt_time(q),
                    fmt_time(other, estimate),
                    ratio(q),
                    *((fmt_time(in_memory), ratio(in_memory)) if mem.get("queries") else ()),
                    str(q.get("rows", "")),
                    rows_rd + mark,
                )
            console.print(table)
        v = r.get("validation", {})
        if v:
            parts = []
            for engine, name in (("pyshacl", "pySHACL"), ("jena", "Jena")):
                if engine in v and "violations" in v[engine]:
                    parts.append(
                        f"on {name}: {v[engine]['violations']} violations, "
                        f"{v[engine]['warnings']} warnings"
                    )
            if "identical" in v:
                parts.append("the same report" if v["identical"] else "DIFFERENT reports")
            console.print("validation: " + "; ".join(parts))
    if results.get("main_job"):
        console.print(f"\none-article main job (make run): {fmt_time(results['main_job'])}")
    table = Table("target (issue #19)", "at", "met", "value", title="targets")
    for t in results.get("targets", []):
        table.add_row(t["target"], t["at"], "yes" if t["met"] else "[red]no[/red]", t["value"])
    console.print(table)


def markdown(results: dict[str, Any]) -> str:
    """The results as Markdown tables (what docs/benchmarks.md shows)."""
    out: list[str] = []
    labels = list(results["scales"])
    scales = [results["scales"][label] for label in labels]
    out.append("| operation | " + " | ".join(labels) + " |")
    out.append("|---|" + "---|" * len(labels))
    names: list[str] = []
    for r in scales:
        names += [n for n in r["operations"] if n not in names]

    def cell(op: dict[str, Any] | None) -> str:
        if not op:
            return ""
        text = fmt_time(op)
        if op.get("cpu_median") is not None:
            text += f" ({op['cpu_median']:.1f} s CPU"
            text += f", {op['peak_mb']:.0f} MB)" if op.get("peak_mb") else ")"
        return text

    for name in names:
        out.append(
            f"| {name} | " + " | ".join(cell(r["operations"].get(name)) for r in scales) + " |"
        )
    out.append("")
    out += _query_table(results, "oxigraph", "oxigraph", with_rdflib=True)
    out.append("")
    memory = _query_table(results, "oxigraph-memory", "in memory", with_rdflib=False)
    if memory:
        out += [*memory, ""]
    out.append("| target | at | met | measured |")
    out.append("|---|---|---|---|")
    for t in results.get("targets", []):
        out.append(
            f"| {t['target']} | {t['at']} | {'yes' if t['met'] else '**no**'} | {t['value']} |"
        )
    return "\n".join(out) + "\n"


def _query_table(results: dict[str, Any], engine: str, title: str, with_rdflib: bool) -> list[str]:
    """Markdown rows: each saved query's median on ``engine`` at each scale it ran at, its
    ratio to rdflib's and (``with_rdflib``) rdflib's own."""
    labels = [
        lbl for lbl, r in results["scales"].items() if r["engines"].get(engine, {}).get("queries")
    ]
    if not labels:
        return []
    scales = [results["scales"][label] for label in labels]
    rd_column = (lambda label: f" {label} rdflib |") if with_rdflib else (lambda label: "")
    out = [
        "| query | "
        + " | ".join(f"{lbl} {title} |{rd_column(lbl)} {lbl} ratio" for lbl in labels)
        + " |",
        "|---|" + ("---|---|---|" if with_rdflib else "---|---|") * len(labels),
    ]
    estimates = results.get("rdflib_estimates", {})
    for name in scales[0]["engines"][engine]["queries"]:
        cells = []
        for r in scales:
            q = r["engines"][engine]["queries"].get(name)
            rd = r["engines"].get("rdflib", {}).get("queries", {}).get(name)
            estimate = estimates.get(str(r["scale"]), {}).get(name)
            bound = estimates.get(f"{r['scale']}-lower-bounds", {}).get(name)
            base, prefix = rdflib_basis(rd, estimate, bound)
            if prefix == ">~":
                rd = {"status": "timeout", "over": bound}
            ratio = ""
            if base is not None and q and q.get("median"):
                ratio = f"{prefix}{base / q['median']:.0f}x"
            cells += [fmt_time(q), *([fmt_time(rd, estimate)] if with_rdflib else []), ratio]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return out


def compare(old: dict[str, Any], new: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("scale", "what", "old", "new", "change", title="compared with the earlier run")
    for label, r in new["scales"].items():
        o = old.get("scales", {}).get(label)
        if not o:
            continue
        pairs = [(n, o["operations"].get(n), op) for n, op in r["operations"].items()]
        for engine in ENGINES:
            for name, q in r["engines"].get(engine, {}).get("queries", {}).items():
                before = o.get("engines", {}).get(engine, {}).get("queries", {}).get(name)
                pairs.append((f"{engine}: {name}", before, q))
        for name, before, after in pairs:
            if not before or before.get("median") is None or after.get("median") is None:
                continue
            change = (after["median"] - before["median"]) / before["median"] * 100
            table.add_row(label, name, fmt_time(before), fmt_time(after), f"{change:+.0f}%")
    Console(width=200).print(table)


# ------------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    import pyoxigraph
    import pyshacl
    import rdflib

    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "rdflib": rdflib.__version__,
        "pyoxigraph": pyoxigraph.__version__,
        "pyshacl": pyshacl.__version__,
        "load_average_at_start": os.getloadavg(),
    }
    try:
        with open("/proc/meminfo") as fh:
            info["memory_gb"] = round(int(fh.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return info


def one_article(template: Path, runs: int, timeout: float) -> dict[str, Any]:
    """Each command of the main job on its own, in the template checkout: wall and CPU."""
    sg = stancegraph_cmd()
    out = Path(tempfile.mkdtemp(prefix="bench-one-"))
    commands = {
        "info": ["info"],
        "build": ["build", "--out", str(out / "dist")],
        "validate": ["validate"],
        "query-headline": ["query", "--headline"],
    }
    found = {}
    for name, args in commands.items():
        found[name] = summarize(
            repeat(
                runs,
                lambda a=args: run_process([*sg, *a], env=clean_env(template), timeout=timeout),
            )
        )
    shutil.rmtree(out, ignore_errors=True)
    return found


def main_job(template: Path, runs: int, timeout: float) -> dict[str, Any] | None:
    """``make run`` in the template checkout, after a first run that sets it up."""
    if not (template / "Makefile").is_file() or shutil.which("make") is None:
        return None
    env = clean_env(template)
    env.pop("STANCEGRAPH_HOME")
    cmd = ["make", "-s", "run"]
    first = run_process(cmd, env=env, cwd=template, timeout=timeout)  # set-up
    if first.status != "ok":
        return {"status": "error", "error": first.stderr[-600:]}
    return summarize(repeat(runs, lambda: run_process(cmd, env=env, cwd=template, timeout=timeout)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="10k,100k", help="comma-separated: 2k,10k,100k,1M")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument(
        "--slow-runs", type=int, default=1, help="runs of validate, build, info, parse-rdflib"
    )
    parser.add_argument("--out", type=Path, help="write the results as JSON")
    parser.add_argument("--compare", type=Path, help="an earlier --out file to compare with")
    parser.add_argument("--markdown", type=Path, help="also write the tables as Markdown")
    parser.add_argument(
        "--report",
        type=Path,
        help="print (and --markdown) an earlier --out file instead of measuring",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--faults",
        type=int,
        default=6,
        help="faults to plant in each corpus, so the SHACL engines have results to agree on",
    )
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "sg-bench")
    parser.add_argument("--template", type=Path, default=ROOT, help="the project to copy")
    parser.add_argument(
        "--main-job-dir",
        type=Path,
        default=ROOT,
        help="the checkout whose 'make run' is timed (default: this one)",
    )
    parser.add_argument("--rdflib-timeout", type=float, default=60.0)
    parser.add_argument("--rdflib-max-scale", type=synth_corpus.parse_scale, default=200_000)
    parser.add_argument("--pyshacl-timeout", type=float, default=900.0)
    parser.add_argument("--pyshacl-max-scale", type=synth_corpus.parse_scale, default=200_000)
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="limit for any other measurement (s)"
    )
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated measurements to leave out (e.g. build,info,main-job,validate)",
    )
    parser.add_argument(
        "--oxigraph-memory",
        action="store_true",
        help="also run every saved query on a copy of the store in Oxigraph's in-memory store",
    )
    parser.add_argument(
        "--query-timeout",
        type=float,
        default=60.0,
        help="limit for each saved query's evaluation on Oxigraph (s)",
    )
    parser.add_argument(
        "--pages-only-above",
        type=synth_corpus.parse_scale,
        default=1_000_000,
        help="above this scale, time each saved query's first page and count, once",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--options", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        try:
            detail = WORKERS[args.worker](args.home, **json.loads(args.options))
        except Exception as exc:  # reported to the parent as this measurement's error
            detail = {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
            print(json.dumps(detail))
            return 2
        print(json.dumps(detail))
        return 0

    if args.report:
        earlier = json.loads(args.report.read_text())
        # derived from the measurements: recomputed, so an older file gets today's reading
        earlier["rdflib_estimates"] = rdflib_estimates(earlier)
        earlier["targets"] = targets(earlier)
        print_results(earlier)
        if args.compare:
            compare(json.loads(args.compare.read_text()), earlier)
        if args.markdown:
            args.markdown.write_text(markdown(earlier), encoding="utf-8")
        return 0

    from rich.console import Console

    console = Console(stderr=True)

    def say(text: str) -> None:
        if not args.quiet:
            console.print(f"[dim]{datetime.now():%H:%M:%S}[/dim] {text}")

    settings = Settings(
        runs=args.runs,
        slow_runs=args.slow_runs,
        rdflib_timeout=args.rdflib_timeout,
        rdflib_max=args.rdflib_max_scale,
        pyshacl_timeout=args.pyshacl_timeout,
        pyshacl_max=args.pyshacl_max_scale,
        timeout=args.timeout,
        template=args.template.resolve(),
        workdir=args.workdir.resolve(),
        seed=args.seed,
        skip={s.strip() for s in args.skip.split(",") if s.strip()},
        faults=args.faults,
        memory=args.oxigraph_memory,
        query_timeout=args.query_timeout,
        pages_only_above=args.pages_only_above,
    )
    settings.workdir.mkdir(parents=True, exist_ok=True)

    def checkpoint(label: str, partial: dict[str, Any]) -> None:
        if args.out:  # a scale cut short still leaves what it measured
            saved = results | {"scales": results["scales"] | {label: partial | {"partial": True}}}
            args.out.write_text(json.dumps(saved, indent=2, default=str) + "\n", encoding="utf-8")

    settings.checkpoint = checkpoint
    labels = [s.strip() for s in args.scales.split(",") if s.strip()]
    results: dict[str, Any] = {
        "version": RESULTS_VERSION,
        "command": "python scripts/benchmark.py "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "runs": args.runs,
            "slow_runs": args.slow_runs,
            "seed": args.seed,
            "faults": args.faults,
            "rdflib_timeout": args.rdflib_timeout,
            "rdflib_max_scale": args.rdflib_max_scale,
            "pyshacl_timeout": args.pyshacl_timeout,
            "pyshacl_max_scale": args.pyshacl_max_scale,
            "oxigraph_memory": args.oxigraph_memory,
            "query_timeout": args.query_timeout,
            "pages_only_above": args.pages_only_above,
        },
        "scales": {},
    }
    for label in labels:
        scale = synth_corpus.parse_scale(label)
        results["scales"][label] = bench_scale(label, scale, settings, say)
        if args.out:  # what is measured so far, should a later scale not finish
            args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if "main-job" not in settings.skip:
        say("the one-article main job (make run)")
        results["main_job"] = main_job(args.main_job_dir.resolve(), args.runs, settings.timeout)
        say("the one-article commands one by one")
        results["one_article"] = one_article(settings.template, args.runs, settings.timeout)
    results["rdflib_estimates"] = rdflib_estimates(results)
    results["targets"] = targets(results)
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    print_results(results)
    if args.compare:
        compare(json.loads(args.compare.read_text()), results)
    if args.markdown:
        args.markdown.write_text(markdown(results), encoding="utf-8")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        say(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
