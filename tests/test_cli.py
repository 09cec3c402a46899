"""The ``stancegraph`` command line, in process (click's CliRunner) and as the installed script."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import MINI, ROOT
from stancegraph import __version__, graph
from stancegraph.cli import cli
from stancegraph.sources import HOME_ENV, Project

GRAPH = "https://w3id.org/stancegraph/graph/"
SUBCOMMANDS = ["info", "run"]


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env or {HOME_ENV: ""})


def script() -> str:
    """The console script installed beside this interpreter (pip install -e .)."""
    path = shutil.which("stancegraph", path=str(Path(sys.executable).parent))
    assert path, "the console script 'stancegraph' is not installed in this environment"
    return path


def run_script(
    *args: str, home: str | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != HOME_ENV}
    if home is not None:
        env[HOME_ENV] = home
    return subprocess.run(
        [script(), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


ENTITIES = "Entities in the data"
TRIPLES = "Triples per named graph"


def section(output: str, heading: str) -> str:
    """The part of ``info``'s output under ``heading``, up to the next blank line."""
    start = output.find(heading)
    assert start >= 0, f"no section {heading!r} in:\n{output}"
    return output[start:].split("\n\n")[0]


def row(output: str, heading: str, label: str) -> int:
    """The number in the row ``label`` of the table under ``heading``."""
    text = section(output, heading)
    match = re.search(rf"^\s*{re.escape(label)}\s+(\d+)\s*$", text, re.MULTILINE)
    assert match, f"no row {label!r} under {heading!r} in:\n{output}"
    return int(match.group(1))


def assert_one_line_error(stderr: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{stderr}"
    assert lines[0].startswith("stancegraph: error: ")
    assert "Traceback" not in stderr


# --- help and version ----------------------------------------------------------------------------


def test_help_lists_every_subcommand() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "Usage: stancegraph" in result.output
    for name in SUBCOMMANDS:
        assert name in result.output


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_subcommand_has_help(name: str) -> None:
    result = run(name, "--help")
    assert result.exit_code == 0
    assert f"Usage: stancegraph {name}" in result.output


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def test_installed_script_shows_help() -> None:
    for args in (["--help"], ["info", "--help"]):
        done = run_script(*args)
        assert done.returncode == 0, done.stderr
        assert "Usage: stancegraph" in done.stdout


def test_installed_script_runs_info_from_any_folder(tmp_path: Path) -> None:
    """Outside a checkout the project is found from the editable install."""
    done = run_script("info", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert ENTITIES in done.stdout


# --- info ----------------------------------------------------------------------------------------


def test_info_on_the_mini_project_reports_known_counts() -> None:
    result = run("--home", str(MINI), "info")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "version 0.0.1" in out
    assert re.search(r"^\s*mini\s+A mini article\s+Daily Example\s+95\s*$", out, re.MULTILINE)
    counts = {kind: row(out, ENTITIES, kind) for kind in ("actors", "claims", "stances", "events")}
    assert counts == {"actors": 3, "claims": 2, "stances": 1, "events": 1}
    assert row(out, TRIPLES, "ontology") == 88
    assert row(out, TRIPLES, "actors") == 6
    assert row(out, TRIPLES, "source/mini") == 12


COUNT_INSTANCES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {
  GRAPH <https://w3id.org/stancegraph/graph/ontology> { ?class rdfs:subClassOf* ?root }
  GRAPH ?g { ?x a ?class }
  FILTER (?g = <https://w3id.org/stancegraph/graph/actors>
          || STRSTARTS(STR(?g), "https://w3id.org/stancegraph/graph/source/"))
}
"""

COUNT_TRIPLES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


@pytest.mark.parametrize("which", ["mini", "project"])
def test_info_counts_equal_sparql_counts(which: str, request: pytest.FixtureRequest) -> None:
    project: Project = request.getfixturevalue(which)
    result = run("--home", str(project.root), "info")
    assert result.exit_code == 0, result.output
    dataset = graph.assemble(project)
    for kind, root in graph.ENTITY_ROOTS.items():
        (answer,) = dataset.query(COUNT_INSTANCES, initBindings={"root": root})
        assert row(result.output, ENTITIES, kind) == int(answer.n), kind
    per_graph = {str(r.g): int(r.n) for r in dataset.query(COUNT_TRIPLES)}
    for iri, n in per_graph.items():
        if iri.startswith(GRAPH):
            assert row(result.output, TRIPLES, iri.removeprefix(GRAPH)) == n, iri
    assert row(result.output, TRIPLES, "all graphs") == sum(
        n for iri, n in per_graph.items() if iri.startswith(GRAPH)
    )


def test_info_shows_the_ontology_version_of_the_checkout(project: Project) -> None:
    result = run("--home", str(project.root), "info")
    assert result.exit_code == 0, result.output
    version = graph.ontology_version(graph.assemble(project))
    assert version, "ontology/stancegraph.ttl has no owl:versionInfo"
    assert f"version {version}" in result.output


# --- errors --------------------------------------------------------------------------------------


def test_home_without_a_project_is_exit_2_and_one_line(tmp_path: Path) -> None:
    result = run("info", env={HOME_ENV: str(tmp_path)})
    assert result.exit_code == 2
    assert_one_line_error(result.stderr)
    assert str(tmp_path) in result.stderr
    assert result.stdout == ""


def test_installed_script_reports_errors_in_one_line(tmp_path: Path) -> None:
    done = run_script("info", home=str(tmp_path))
    assert done.returncode == 2
    assert_one_line_error(done.stderr)


@pytest.mark.parametrize("command", ["info", "run"])
def test_a_broken_data_file_is_named_with_its_line(tmp_path: Path, command: str) -> None:
    """Exit 2, one line naming the file, line and column, and nothing half-printed (`run` stops
    before its first step)."""
    home = tmp_path / "project"
    shutil.copytree(MINI, home)
    bad = home / "data" / "mini" / "statements.ttl"
    bad.write_text(bad.read_text(encoding="utf-8") + "\n<x> <y> .\n", encoding="utf-8")
    result = run("--home", str(home), command)
    assert result.exit_code == 2
    assert_one_line_error(result.stderr)
    assert re.search(rf"{re.escape(str(bad))}:\d+:\d+: Turtle syntax error", result.stderr)
    assert result.stdout == ""


def test_usage_errors_are_one_line_too() -> None:
    result = run("--no-such-option")
    assert result.exit_code == 2
    assert_one_line_error(result.stderr)
    result = run("no-such-command")
    assert result.exit_code == 2
    assert_one_line_error(result.stderr)


def test_a_bug_is_reported_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(project: Project, dataset: object = None) -> None:
        raise RuntimeError("something no one expected")

    monkeypatch.setattr(graph, "summarize", broken)
    result = run("--home", str(MINI), "info")
    assert result.exit_code == 2
    assert_one_line_error(result.stderr)
    assert "internal error: RuntimeError: something no one expected" in result.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = run("--debug", "--home", str(tmp_path), "info")
    assert result.exit_code == 2
    assert "Traceback" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("stancegraph: error: ")


# --- run: the main job in one process ------------------------------------------------------------

HEADLINE_TITLE = "Claims and who asserts them."
ASSERTED_BY_RUSSIA = "    sg:assertedBy <https://w3id.org/stancegraph/id/government/russia> ;\n"


@pytest.fixture
def headline_mini(tmp_path: Path) -> Path:
    """The mini project, its one saved query tagged ``headline`` (as the real ones are)."""
    home = tmp_path / "mini"
    shutil.copytree(MINI, home)
    saved = home / "queries" / "claims-by-actor.rq"
    saved.write_text("#+ tags: headline\n" + saved.read_text(encoding="utf-8"), encoding="utf-8")
    return home


def main_job_steps(home: Path) -> list[Result]:
    """The four commands that ``make run`` ran one after another before ``run`` existed."""
    steps = (["info"], ["build"], ["validate"], ["query", "--headline"])
    return [run("--home", str(home), *step) for step in steps]


def test_run_prints_what_the_four_commands_print_in_their_order(headline_mini: Path) -> None:
    first = run("--home", str(headline_mini), "run")  # loads the embedded store, writes dist/
    assert first.exit_code == 0, first.output
    steps = main_job_steps(headline_mini)
    assert [step.exit_code for step in steps] == [0, 0, 0, 0], [s.output for s in steps]
    result = run("--home", str(headline_mini), "run")
    assert result.exit_code == 0, result.output
    assert result.stdout == "".join(step.stdout for step in steps)
    assert result.stderr == ""
    out = result.stdout
    assert out.index(ENTITIES) < out.index("Wrote ") < out.index("the dataset conforms")
    assert out.index("the dataset conforms") < out.index(HEADLINE_TITLE)
    assert (headline_mini / "dist" / "SHA256SUMS").is_file()


def test_run_exits_1_like_validate_when_the_data_violates_a_shape(headline_mini: Path) -> None:
    """The later steps still run; the exit code is validate's."""
    data = headline_mini / "data" / "mini" / "statements.ttl"
    text = data.read_text(encoding="utf-8")
    assert ASSERTED_BY_RUSSIA in text
    data.write_text(text.replace(ASSERTED_BY_RUSSIA, "", 1), encoding="utf-8")
    validate = run("--home", str(headline_mini), "validate")
    assert validate.exit_code == 1, validate.output
    result = run("--home", str(headline_mini), "run")
    assert result.exit_code == 1, result.output
    assert validate.stdout in result.stdout
    assert "1 violation" in validate.stdout
    assert result.stdout.index(validate.stdout) < result.stdout.index(HEADLINE_TITLE)
    assert (headline_mini / "dist" / "SHA256SUMS").is_file()
    assert result.stderr == ""


def test_run_exit_code_is_the_worst_step_s_and_the_others_still_run(tmp_path: Path) -> None:
    """Without a headline query, the last step fails (exit 2, one line); the rest print."""
    home = tmp_path / "mini"
    shutil.copytree(MINI, home)
    result = run("--home", str(home), "run")
    assert result.exit_code == 2
    assert_one_line_error(result.stderr)
    assert "no saved query is tagged 'headline'" in result.stderr
    assert ENTITIES in result.stdout
    assert "the dataset conforms" in result.stdout


def test_installed_script_runs_the_main_job(headline_mini: Path) -> None:
    """As ``make run`` calls it: a real process, stdout a pipe, the validation in a fork."""
    done = run_script("run", home=str(headline_mini))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.index(ENTITIES) < out.index("Wrote ") < out.index("the dataset conforms")
    assert out.index("the dataset conforms") < out.index(HEADLINE_TITLE)
    assert out.count(ENTITIES) == 1, "nothing is printed twice (the fork copies no buffer)"


def test_run_validates_in_process_when_it_cannot_fork(
    headline_mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No process left to fork (or no fork at all): the same output, the validation done here."""
    import multiprocessing.process

    def refuse(self: object) -> None:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    run("--home", str(headline_mini), "run")  # loads the embedded store, writes dist/
    forked = run("--home", str(headline_mini), "run")
    assert forked.exit_code == 0, forked.output
    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", refuse)
    result = run("--home", str(headline_mini), "run")
    assert result.exit_code == 0, result.output
    assert result.stdout == forked.stdout
