"""Hostile contributions, second round (issue #22): what ``validate`` reads, quotes and survives.

Each test replays one attack of the issue and failed before its fix:

1. a seed text that is a symbolic link out of the contribution (``seeds/KEY.txt`` ->
   ``/etc/passwd``), a pipe, or larger than ``--max-bytes``; a seed text its description does not
   vouch for (wrong ``sg:sha256``) quoted in findings;
2. ``validate FILE`` reading every ``*.txt`` below the file's folder (and hanging on a pipe,
   growing without bound on ``/dev/zero``);
3. symbolic links to RDF files out of a contribution folder;
4. ``find_line`` quadratic in prefixes x findings x text (a 40 kB file: 7 minutes);
5. internal errors instead of findings (``oa:end [ ]``, 100,000-digit numbers, ill-typed
   literals);
6. a URL answered "no such file or folder";
7. an IRI minted for a kind without that kind's class;
8. a 3,000-link chain of blank nodes.

Tests that could hang or eat memory on the old code run ``stancegraph`` in a child process with a
generous time limit (and a memory limit), so that a regression fails instead of stopping the suite.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from stancegraph import validate
from stancegraph.cli import cli
from stancegraph.sources import HOME_ENV
from validate_support import ROOT, make_project

PREFIXES = """\
@prefix sg:     <https://w3id.org/stancegraph/ontology#> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf:    <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix oa:     <http://www.w3.org/ns/oa#> .
@prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix doc:    <https://w3id.org/stancegraph/id/document/> .
@prefix media:  <https://w3id.org/stancegraph/id/media/> .
"""

#: Text standing for a file the contributor has no business showing (a copy of /etc/passwd...).
SECRET = "".join(f"root:x:{i}:{i}:secret-{i:03d}:/home/s{i:03d}:/bin/sh\n" for i in range(40))


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("project"))


def run(home: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--home", str(home), *args], env={HOME_ENV: ""})


def out_of(result: Result) -> str:
    return (result.stdout or "") + (result.stderr or "")


def script() -> str:
    path = shutil.which("stancegraph", path=str(Path(sys.executable).parent))
    assert path, "the console script 'stancegraph' is not installed in this environment"
    return path


def _limit_memory() -> None:  # in the child: 3 GiB of address space, then MemoryError
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def run_guarded(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``stancegraph --home HOME ARGS`` in a child process, killed after ``timeout`` seconds (a
    hang guard: the commands here take a few seconds) and limited to 3 GiB."""
    env = {k: v for k, v in os.environ.items() if k != HOME_ENV}
    try:
        return subprocess.run(
            [script(), "--home", str(home), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            preexec_fn=_limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"stancegraph {' '.join(args)} did not finish in {timeout} s")


def one_line_error(out: str) -> str:
    """The single ``stancegraph: error:`` line of a failed command (no traceback)."""
    assert "Traceback" not in out, out
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    assert lines[0].startswith("stancegraph: error: "), lines[0]
    return lines[0]


def findings(result: Result | subprocess.CompletedProcess) -> list[dict[str, Any]]:
    return json.loads(result.stdout)["findings"]


def keys(report: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(f["focus_label"], _short(f["path"]), f["check"]) for f in report}


def _short(path: str | None) -> str:
    from rdflib import URIRef

    return validate.shorten(URIRef(path)) if path else ""


# --------------------------------------------------------------------------------------------
# 4. Where findings are: linear, whatever the prefixes and findings


def many_prefixes(path: Path, prefixes: int = 500, claims: int = 200) -> dict[str, int]:
    """``prefixes`` names for the claim namespace and ``claims`` claims, each written with one of
    them (each gives 5 violations and a warning); returns focus label -> its line."""
    lines = [
        f"@prefix p{i}: <https://w3id.org/stancegraph/id/claim/rd-syria-iran/> ."
        for i in range(prefixes)
    ]
    lines.append("@prefix sg: <https://w3id.org/stancegraph/ontology#> .")
    where = {}
    for n in range(9001, 9001 + claims):
        lines.append(f"p{n % prefixes}:{n} a sg:Claim .")
        where[f"claim/rd-syria-iran/{n}"] = len(lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return where


def test_many_prefixes_and_findings_are_located_in_linear_time(home: Path, tmp_path: Path) -> None:
    """Before: one regex per prefix spelling per finding over the whole text; this 40 kB file
    took 7 min 43 s (now about 2 s). The hang guard is generous; every line must be exact."""
    path = tmp_path / "prefixes.ttl"
    where = many_prefixes(path)
    done = run_guarded(home, "validate", "--format", "json", str(path), timeout=120)
    assert done.returncode == 1, done.stderr
    report = findings(done)
    assert len(report) == 6 * len(where)
    assert {(f["focus_label"], f["line"]) for f in report} == set(where.items())


@pytest.mark.parametrize(
    ("fmt", "text", "node", "line"),
    [
        ("turtle", "@prefix ex: <http://e/> .\n\nex:a ex:p ex:b .\nex:b ex:p 1 .\n", "b", 4),
        ("turtle", "@prefix ex: <http://e/> .\nex:x ex:p ex:b .\n  <http://e/b> ex:p 1 .", "b", 3),
        ("turtle", "@prefix ex: <http://e/> .\nex:x ex:p [\n  ex:q ex:b ] .\n", "b", 3),
        ("turtle", "@prefix ex: <http://e/> .\n# (ex:b)\nex:a.b ex:p ex:b.\n", "b", 3),
        ("turtle", "@prefix ex: <http://e/> .\nex:x ex:p \"ex:b\"^^ex:b .\n", "b", 2),
        ("turtle", "@prefix e: <http://e/> .\n@prefix f: <http://e/> .\ne:x e:p 1 .\n"
         "f:b e:p 1.", "b", 4),
        ("json-ld", '[{"@id": "http://e/x", "http://e/p": {"@id": "http://e/b"}},\n'
         ' {"@id": "http://e/b", "http://e/p": 1}]', "b", 1),
        ("json-ld", '{"@context": {"ex": "http://e/"},\n "@graph": [{"@id": "ex:x"},\n'
         ' {"@id":\n  "ex:b"}]}', "b", 4),
        ("turtle", "@prefix ex: <http://e/> .\nex:x ex:p ex:y .\n", "b", None),
    ],
)  # fmt: skip
def test_find_line(fmt: str, text: str, node: str, line: int | None) -> None:
    """The first line where the node begins a line (its subject block), else where it occurs."""
    from rdflib import URIRef

    source = validate.SourceFile(
        path=Path("x"), text=text, fmt=fmt, triples=[], prefixes=_prefixes(text)
    )
    assert validate.find_line(source, URIRef("http://e/" + node)) == line


def _prefixes(text: str) -> dict[str, str]:
    import re

    found = dict(re.findall(r"@prefix (\w*): <([^>]*)>", text))
    found.update(re.findall(r'"(\w+)": "(http://e/)"', text))
    return found


def test_the_limits_benchmark_runs(tmp_path: Path) -> None:
    """scripts/bench_validate_limits.py at a small size (the full size is run by hand; SECURITY.md
    quotes it): it builds the contribution it says and validate reports every finding."""
    spec = importlib.util.spec_from_file_location(
        "bench_validate_limits", ROOT / "scripts" / "bench_validate_limits.py"
    )
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.main(
        [
            "--size", "300000", "--prefixes", "60", "--claims", "40", "--engine", "pyshacl",
            "--workdir", str(tmp_path), "--json",
        ]
    )  # fmt: skip
    assert result["exit_code"] == 1
    assert result["bytes"] >= 300_000
    assert result["findings"] == 40 * bench.FINDINGS_PER_CLAIM
    assert result["located"] == result["findings"]
