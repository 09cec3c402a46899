#!/usr/bin/env python3
"""Fuzz the command line with mutated copies of the project's real files (issue #22).

    python scripts/fuzz_cli.py                          # 2,000 mutants, 7 syntaxes, 2 workers
    python scripts/fuzz_cli.py --count 200 --seed 7 --jobs 1 --keep /tmp/mutants

Each mutant is a real file of the project, written in one of seven syntaxes (the statements of
the first source as Turtle, TriG, N-Triples, N-Quads, JSON-LD and RDF/XML; the saved queries as
SPARQL), with one to six random edits: a cut, a duplicated run, a hazard inserted or put in place
of a run (brackets, quote marks, escapes, a BOM, a NUL, a remote JSON-LD context, a DOCTYPE, a
SERVICE, deep nesting...), a truncation, a random character. RDF mutants are given to
``stancegraph validate FILE``, SPARQL mutants to ``stancegraph query --file FILE`` (on Oxigraph
and on rdflib in turn), each against the project (``--home``, default this checkout).

Every run must end as the documentation promises:

* exit code 0, 1 or 2, within ``--timeout`` seconds (a hang is a failure);
* no traceback and no "internal error" on stdout or stderr;
* exit code 2: exactly one line on stderr, ``stancegraph: error: ...``, naming the mutant's file;
* exit code 1 from ``validate``: a report whose findings name the mutant's file.

Runs happen in worker processes (``--jobs``) that call the command line in-process (click's test
runner), so that 2,000 runs take minutes, not the hour that 2,000 interpreter start-ups take; a
worker that does not answer within ``--timeout`` is killed and the mutant counted as a hang. The
last lines say how many runs ended how, and list every failure with the file kept to replay it
(``--keep DIR`` keeps every mutant). Exit code 0 when no run failed, 1 otherwise.
``tests/test_hostile_fuzz.py`` runs this same code on a few mutants.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Syntax -> file extension of its mutants.
SYNTAXES: dict[str, str] = {
    "turtle": ".ttl",
    "trig": ".trig",
    "nt": ".nt",
    "nquads": ".nq",
    "json-ld": ".jsonld",
    "xml": ".rdf",
    "sparql": ".rq",
}

#: Pieces that have broken parsers before, or that reach for the network or the disk.
HAZARDS = [
    "[", "]", "(", ")", "{", "}", '"""', "'''", '"', "'", "<", ">", "\\", "\\u0000", "\\U0010FFFF",
    "#", "@prefix", "@base", "PREFIX", "BASE", "_:", "^^", "@", ";", ",", ".", "\n", "\r\n",
    "\x00", "\ufeff", "é", "\U0001f600", "\ud7ff", "a", "true", "1e999", "-0", "<<", ">>",
    '"@context": "http://127.0.0.1:9/c"', '"@import"', '{"@context": "file:///etc/passwd"}',
    "<!DOCTYPE r [<!ENTITY e \"x\">]>", "&e;", "<!ENTITY", "]]>", "<![CDATA[", "rdf:parseType",
    "SERVICE <http://127.0.0.1:9/>", "SERVICE SILENT", "FROM <file:///etc/passwd>", "FROM NAMED",
    "LOAD <http://127.0.0.1:9/>", "CLEAR ALL", "INSERT DATA", ";", "\\u0053ERVICE", "?x", "$x",
    "SELECT", "WHERE", "FILTER(", "OPTIONAL {", "UNION", "GRAPH", "VALUES", "BIND(", "*",
    "#(", "<a#(>", "\\u00000022", "9" * 5000, '"2016-02-30"^^xsd:date', "oa:end [ ]",
    "[ " * 80, "( " * 80, "{ " * 80, "<a> " * 50,
]  # fmt: skip

EDITS = ("cut", "dup", "insert", "replace", "truncate", "char")


def mutate(text: str, rng: random.Random) -> str:
    """``text`` with one to six random edits (the same edits as the hypothesis strategy of
    tests/test_hostile_fuzz.py, drawn from a seeded generator so a run can be replayed)."""
    for _ in range(rng.randint(1, 6)):
        if not text:
            text = rng.choice(HAZARDS)
            continue
        i = rng.randint(0, len(text))
        j = rng.randint(i, min(len(text), i + 40))
        edit = rng.choice(EDITS)
        if edit == "cut":
            text = text[:i] + text[j:]
        elif edit == "dup":
            text = text[:j] + text[i:j] * rng.randint(1, 50) + text[j:]
        elif edit == "insert":
            text = text[:i] + rng.choice(HAZARDS) + text[i:]
        elif edit == "replace":
            text = text[:i] + rng.choice(HAZARDS) + text[j:]
        elif edit == "truncate":
            text = text[:i]
        else:
            text = (
                text[:i]
                + chr(rng.choice((rng.randint(0, 0x7F), rng.randint(0, 0x10FFFF))))
                + (text[i + 1 :])
            )
    return text


def originals(home: Path) -> dict[str, list[str]]:
    """The real texts mutants start from, by syntax: the first source's statements in each RDF
    syntax (written by pyoxigraph from its Turtle files) and the saved queries."""
    import pyoxigraph as ox

    from stancegraph.sources import find_project

    project = find_project(home=home)
    texts: dict[str, list[str]] = {name: [] for name in SYNTAXES}
    formats = {
        "nt": ox.RdfFormat.N_TRIPLES,
        "nquads": ox.RdfFormat.N_QUADS,
        "trig": ox.RdfFormat.TRIG,
        "json-ld": ox.RdfFormat.JSON_LD,
        "xml": ox.RdfFormat.RDF_XML,
    }
    source = project.sources[0]
    for path in source.data_files:
        turtle = path.read_text(encoding="utf-8")
        texts["turtle"].append(turtle)
        quads = _stable_blanks(ox.parse(turtle, format=ox.RdfFormat.TURTLE, base_iri=ROOT_IRI))
        named = [
            ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(f"urn:fuzz:{source.key}"))
            for q in quads
        ]
        for name, fmt in formats.items():
            rows = named if name in ("nquads", "trig") else [q.triple for q in quads]
            if name == "json-ld":
                rows = named
            texts[name].append(ox.serialize(rows, format=fmt).decode("utf-8"))
    texts["sparql"] = [p.read_text(encoding="utf-8") for p in project.query_files]
    return texts


ROOT_IRI = "https://w3id.org/stancegraph/"


def _stable_blanks(quads: Iterator[object]) -> list[object]:
    """The quads with blank nodes renamed b0, b1, ... in order of appearance, so that the texts
    (and so the mutants of a seed) are the same in every run."""
    import pyoxigraph as ox

    names: dict[str, object] = {}

    def term(t: object) -> object:
        if isinstance(t, ox.BlankNode):
            if t.value not in names:
                names[t.value] = ox.BlankNode(f"b{len(names)}")
            return names[t.value]
        return t

    return [ox.Quad(term(q.subject), q.predicate, term(q.object)) for q in quads]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Mutant:
    number: int
    syntax: str
    path: str
    command: tuple[str, ...]


def mutants(
    count: int, seed: int, folder: Path, home: Path, rng: random.Random | None = None
) -> Iterator[Mutant]:
    """``count`` mutants written into ``folder``, spread evenly over the seven syntaxes."""
    rng = rng or random.Random(seed)
    texts = originals(home)
    names = list(SYNTAXES)
    for n in range(count):
        syntax = names[n % len(names)]
        text = mutate(rng.choice(texts[syntax]), rng)
        path = folder / f"mutant-{n:05d}{SYNTAXES[syntax]}"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        if syntax == "sparql":
            engine = ("oxigraph", "rdflib")[(n // len(names)) % 2]
            command: tuple[str, ...] = ("query", "--file", str(path), "--engine", engine)
        else:
            command = ("validate", str(path))
        yield Mutant(n, syntax, str(path), command)


@dataclass(frozen=True)
class Outcome:
    number: int
    syntax: str
    path: str
    command: tuple[str, ...]
    exit_code: int | None
    seconds: float
    problem: str | None  # None: the run ended as promised
    detail: str = ""  # the last lines of stderr, where the run failed

    @property
    def failed(self) -> bool:
        return self.problem is not None


def judge(mutant: Mutant, exit_code: int | None, stdout: str, stderr: str) -> str | None:
    """What is wrong with how the run ended, or None if it ended as the documentation promises."""
    both = stdout + stderr
    if exit_code not in (0, 1, 2):
        return f"exit code {exit_code}"
    if "Traceback" in both:
        return "a traceback"
    if "internal error" in both:
        return "an internal error"
    if exit_code == 2:
        lines = stderr.strip().splitlines()
        if len(lines) != 1 or not lines[0].startswith("stancegraph: error: "):
            return f"{len(lines)} lines on stderr, not one 'stancegraph: error:' line"
        if mutant.path not in lines[0]:
            return "the error does not name the file"
    if exit_code == 1 and mutant.command[0] == "validate" and mutant.path not in stdout:
        return "the findings do not name the file"
    return None


def run_one(mutant: Mutant, home: str) -> tuple[int | None, str, str]:
    """Run the mutant's command in this process, as ``stancegraph`` would; (exit, out, err)."""
    from click.testing import CliRunner

    from stancegraph import isolation
    from stancegraph.cli import cli

    runner = CliRunner()
    with isolation.network_guard():
        result = runner.invoke(
            cli, list(mutant.command), env={"STANCEGRAPH_HOME": home}, catch_exceptions=True
        )
    stderr = result.stderr if result.stderr_bytes is not None else ""
    stdout = result.stdout
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        stderr += "".join(traceback.format_exception(result.exception))
    return result.exit_code, stdout, stderr


def _worker(tasks: multiprocessing.Queue, answers: multiprocessing.Queue, home: str) -> None:
    while True:
        item = tasks.get()
        if item is None:
            return
        started = time.monotonic()
        try:
            code, out, err = run_one(item, home)
        except BaseException:  # the harness itself failed: a failure of this run, not a hang
            import traceback

            code, out, err = None, "", traceback.format_exc()
        answers.put((item.number, code, out, err, time.monotonic() - started))


def fuzz(
    count: int,
    seed: int,
    folder: Path,
    home: Path,
    jobs: int = 2,
    timeout: float = 60.0,
) -> list[Outcome]:
    """Generate ``count`` mutants into ``folder`` and run each; one :class:`Outcome` each."""
    todo = list(mutants(count, seed, folder, home))
    outcomes: dict[int, Outcome] = {}
    context = multiprocessing.get_context("fork")
    pending = list(reversed(todo))
    while pending:
        tasks: multiprocessing.Queue = context.Queue()
        answers: multiprocessing.Queue = context.Queue()
        workers = [
            context.Process(target=_worker, args=(tasks, answers, str(home)))
            for _ in range(max(1, jobs))
        ]
        for worker in workers:
            worker.start()
        batch = pending[:]
        pending = []
        for item in batch:
            tasks.put(item)
        for _ in workers:
            tasks.put(None)
        waiting = {m.number: m for m in batch}
        last = time.monotonic()
        died: list[int | None] = []
        while waiting:
            try:
                number, code, out, err, took = answers.get(timeout=1.0)
            except Exception:  # nothing this second: wait on, unless a worker hangs or died
                if not any(w.is_alive() for w in workers) and answers.empty():
                    died = [w.exitcode for w in workers if w.exitcode not in (0, None)]
                    break
                if time.monotonic() - last > timeout:
                    break
                continue
            last = time.monotonic()
            mutant = waiting.pop(number)
            problem = judge(mutant, code, out, err)
            outcomes[number] = Outcome(
                number, mutant.syntax, mutant.path, mutant.command, code, took, problem,
                "\n".join(err.strip().splitlines()[-6:]) if problem else "",
            )  # fmt: skip
        for worker in workers:
            worker.kill()
            worker.join()
        if waiting:
            # The mutants a worker was holding when it stopped answering: the oldest one of
            # them hung; the rest are run again in a fresh pool.
            stuck = min(waiting)
            mutant = waiting.pop(stuck)
            outcomes[stuck] = Outcome(
                stuck, mutant.syntax, mutant.path, mutant.command, None, timeout,
                f"its worker died (exit code {died[0]})" if died
                else f"no answer within {timeout:g} s (a hang)",
            )  # fmt: skip
            pending = sorted(waiting.values(), key=lambda m: m.number)
    return [outcomes[n] for n in sorted(outcomes)]


def summary(outcomes: list[Outcome]) -> list[str]:
    by_exit = Counter(o.exit_code for o in outcomes)
    by_syntax = Counter(o.syntax for o in outcomes)
    lines = [
        f"{len(outcomes)} runs: "
        + ", ".join(f"exit {code}: {n}" for code, n in sorted(by_exit.items(), key=str)),
        "by syntax: " + ", ".join(f"{s} {n}" for s, n in sorted(by_syntax.items())),
        f"slowest run: {max((o.seconds for o in outcomes), default=0):.1f} s",
    ]
    failures = [o for o in outcomes if o.failed]
    lines.append(f"{len(failures)} failed")
    for o in failures:
        lines.append(f"  {o.path}: {' '.join(o.command[:1])}: {o.problem}")
        lines += [f"      {line}" for line in o.detail.splitlines()]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="mutants to run (default 2000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per run (60)")
    parser.add_argument("--home", type=Path, default=ROOT, help="project (default: checkout)")
    parser.add_argument("--keep", type=Path, help="keep every mutant in this folder")
    parser.add_argument("--json", type=Path, help="write every outcome to this JSON file")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sg-fuzz-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        outcomes = fuzz(args.count, args.seed, folder, args.home, args.jobs, args.timeout)
        failures = [o for o in outcomes if o.failed]
        if failures and not args.keep:  # keep what failed, to replay it
            kept = Path(tempfile.mkdtemp(prefix="sg-fuzz-failures-"))
            for o in failures:
                target = kept / Path(o.path).name
                target.write_bytes(Path(o.path).read_bytes())
            failures = [
                Outcome(**{**asdict(o), "path": str(kept / Path(o.path).name)}) for o in failures
            ]
            outcomes = [next((f for f in failures if f.number == o.number), o) for o in outcomes]
    for line in summary(outcomes):
        print(line)
    print(f"{time.monotonic() - started:.0f} s in all, seed {args.seed}, {args.jobs} workers")
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=1) + "\n")
    return 1 if any(o.failed for o in outcomes) else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
