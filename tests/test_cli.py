"""The ``stancegraph`` command line, in process (click's CliRunner) and as the installed script."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import MINI, ROOT
from stancegraph import __version__, graph, names
from stancegraph.cli import cli
from stancegraph.sources import HOME_ENV, Project

GRAPH = "https://w3id.org/stancegraph/graph/"
SUBCOMMANDS = ["info", "run"]
MINI_SECOND = MINI.parent / "mini-second"  # a second source, to copy into a copy of MINI


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


def test_run_does_not_assemble_a_corpus_that_validate_checks_in_batches(
    headline_mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #19: above the batch size (here made 1 byte, so that each of two sources is a
    batch), `run` never assembles the dataset in rdflib: info and build read the store or
    stream the files; the output is the same."""
    from stancegraph import graph as graph_module
    from stancegraph.sources import find_project
    from stancegraph.validate.run import dataset_batches

    shutil.copytree(MINI_SECOND, headline_mini, dirs_exist_ok=True)
    assert dataset_batches(find_project(headline_mini), 1) is not None
    run("--home", str(headline_mini), "run")  # loads the embedded store, writes dist/
    whole = run("--home", str(headline_mini), "run")
    assert whole.exit_code == 0, whole.output

    def refuse(project: object) -> None:
        raise AssertionError("the corpus was assembled in rdflib")

    monkeypatch.setattr(graph_module, "assemble", refuse)
    monkeypatch.setenv("STANCEGRAPH_BATCH_BYTES", "1")
    streamed = run("--home", str(headline_mini), "run")
    assert streamed.exit_code == 0, streamed.output
    assert streamed.stdout == whole.stdout


def test_run_assembles_the_dataset_when_validate_checks_it_whole(
    headline_mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One source is one batch however large it is: validate then holds the whole graph, and
    `run` assembles it for info and build too (one test decides both: dataset_batches)."""
    from stancegraph import graph as graph_module
    from stancegraph.sources import find_project
    from stancegraph.validate.run import dataset_batches

    monkeypatch.setenv("STANCEGRAPH_BATCH_BYTES", "1")
    assert dataset_batches(find_project(headline_mini)) is None
    assembled: list[object] = []
    assemble = graph_module.assemble

    def counted(project: object) -> object:
        assembled.append(project)
        return assemble(project)  # type: ignore[arg-type]

    monkeypatch.setattr(graph_module, "assemble", counted)
    result = run("--home", str(headline_mini), "run")
    assert result.exit_code == 0, result.output
    assert len(assembled) == 1
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


# --- tables for any terminal (issue #20) ---------------------------------------------------------

CONTRADICTIONS = "Who contradicts or denies whom"


def table_of(output: str, title: str) -> list[str]:
    """The lines of the table under ``title``: from its header line to the line before the
    row count (the description above it is left out)."""
    lines = output.splitlines()
    start = lines.index(title)
    rule = next(i for i in range(start, len(lines)) if lines[i].startswith("─"))
    end = next(i for i in range(rule, len(lines)) if re.match(r"^(\d+ rows?|rows \d+)", lines[i]))
    return lines[rule - 1 : end]


def flat(text: str) -> str:
    """``text`` with its lines joined and its spaces collapsed, as a reader reads a wrapped
    note."""
    return " ".join(text.split())


def words_of(text: str) -> set[str]:
    return set(text.split())


def assert_no_word_broken(table: list[str], texts: set[str]) -> None:
    """Every word in the table's cells is a whole word of one of ``texts`` (or a label's words,
    cut with '…' after a whole word): no word broken across lines."""
    known = set().union(*(words_of(t) for t in texts))
    known |= {w.rstrip(",;:") for w in known}
    for line in table[2:]:
        for word in line.split():
            assert word in known or word.removesuffix("…") in known, f"{word!r} in {line!r}"


def cli_env(columns: int) -> dict[str, str]:
    return {HOME_ENV: "", "COLUMNS": str(columns)}


def test_the_contradictions_table_fits_80_columns_in_few_lines(project: Project) -> None:
    result = run("query", "contradictions", env=cli_env(80))
    assert result.exit_code == 0, result.output
    table = table_of(result.stdout, CONTRADICTIONS)
    assert table[0].split() == [
        "link",
        "claimant",
        "paraphrase",
        "otherClaimant",
        "otherParaphrase",
    ]
    assert all(len(line.rstrip()) <= 80 for line in result.stdout.splitlines())
    assert len(table) <= 24  # was about 45, one word a line
    out = result.stdout
    assert "\n3 rows\n" in out
    assert flat(out).endswith(
        "not shown in 80 columns: claim, otherClaim, source, otherSource (--wide shows every "
        "column, --columns picks them)"
    )
    csv_out = run("query", "contradictions", "--format", "csv", "--labels", env=cli_env(80))
    texts = {cell for row in csv.reader(io.StringIO(csv_out.stdout)) for cell in row}
    assert_no_word_broken(table, texts)


def test_at_200_columns_every_column_of_contradictions_is_shown() -> None:
    result = run("query", "contradictions", env=cli_env(200))
    assert result.exit_code == 0, result.output
    header = table_of(result.stdout, CONTRADICTIONS)[0].split()
    assert header == [
        "link", "claimant", "paraphrase", "otherClaimant", "otherParaphrase", "claim",
        "otherClaim", "source", "otherSource",
    ]  # fmt: skip
    assert "not shown" not in result.stdout
    assert all(len(line.rstrip()) <= 200 for line in result.stdout.splitlines())


@pytest.mark.parametrize("columns", [80, 200])
def test_headline_tables_keep_every_header_whole_and_fit(columns: int) -> None:
    result = run("query", "--headline", env=cli_env(columns))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(len(line.rstrip()) <= columns for line in lines)
    from stancegraph import queries as queries_module
    from stancegraph.sources import find_project

    for q in queries_module.headline(find_project(None)):
        table = table_of(result.stdout, q.summary)
        header = table[0].split()
        assert header and set(header) <= {c for c, _ in q.columns}, header
        assert header == [c for c, _ in q.columns if c in header]  # in the query's order
        answer = run("query", q.name, "--format", "csv", "--labels").stdout
        texts = {c for row in csv.reader(io.StringIO(answer)) for c in row}
        texts |= {names.compact(c) for c in texts if c.startswith("http")}  # IRIs without labels
        assert_no_word_broken(table, texts)
        note = [line for line in lines if line.startswith(f"not shown in {columns} columns")]
        assert len(note) <= 5


def test_the_headline_question_comes_first() -> None:
    """`run` and `query --headline` answer the article's own question before the others."""
    from stancegraph import queries as queries_module
    from stancegraph.sources import find_project

    chosen = [q.name for q in queries_module.headline(find_project(None))]
    assert chosen == [  # as the README tells them
        "withdrawal-reactions", "russia-iran-issues", "public-private-gap", "contradictions",
        "timeline",
    ]  # fmt: skip
    out = run("query", "--headline", env=cli_env(120)).stdout
    titles = [out.index(q.summary) for q in queries_module.headline(find_project(None))]
    assert titles == sorted(titles)


SOURCE_LABEL = (
    "rd-syria-iran: opinion article on Russia's withdrawal from Syria and Russian-Iranian "
    "relations, published by Russia Direct"
)


def test_labels_are_whole_when_the_terminal_is_wide_enough() -> None:
    """Cut at 48 characters whatever the width, before; now cut only to fit the column."""
    result = run("query", "withdrawal-reactions", env=cli_env(300))
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    assert "not shown" not in result.stdout
    assert len(SOURCE_LABEL) > 48 and SOURCE_LABEL.split(",")[1] in result.stdout
    narrow = run("query", "withdrawal-reactions", "--no-trunc", env=cli_env(80)).stdout
    assert "…" not in narrow
    assert flat(narrow).endswith(
        "not shown in 80 columns: target, stance, source (--wide shows every column, --columns "
        "picks them)"
    )


def test_wide_shows_every_column_whole_on_one_line() -> None:
    result = run("query", "withdrawal-reactions", "--wide", env=cli_env(80))
    assert result.exit_code == 0, result.output
    table = table_of(result.stdout, "How each actor reacts to Russia's withdrawal from Syria")
    assert table[0].split() == [
        "holder", "polarity", "expression", "attributedBy", "inferred", "target", "stance",
        "source",
    ]  # fmt: skip
    assert len(table) == 2 + 8  # the header, the rule, one line per row
    assert all(line.rstrip().endswith(SOURCE_LABEL) for line in table[2:])
    assert "not shown" not in result.stdout


def test_a_pipe_takes_its_width_from_columns() -> None:
    """The installed script, its stdout a pipe: COLUMNS=80 is 80 columns (it was 200)."""
    env = {k: v for k, v in os.environ.items() if k != HOME_ENV} | {"COLUMNS": "80"}
    done = subprocess.run(
        [script(), "query", "timeline"], capture_output=True, text=True, env=env, cwd=ROOT,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert max(len(line.rstrip()) for line in done.stdout.splitlines()) == 80
    assert flat(done.stdout).endswith(
        "not shown in 80 columns: status, dateInferred, source (--wide shows every column, "
        "--columns picks them)"
    )


def test_output_width_reads_columns_then_a_terminal_then_falls_back() -> None:
    from stancegraph import tables

    class Tty:
        def isatty(self) -> bool:
            return True

        def fileno(self) -> int:
            raise OSError("not a real terminal")

    class Pipe:
        def isatty(self) -> bool:
            return False

    assert tables.output_width({"COLUMNS": "93"}, [Pipe()]) == 93
    assert tables.output_width({"COLUMNS": "0"}, [Pipe()]) == tables.FALLBACK_WIDTH
    assert tables.output_width({"COLUMNS": "wide"}, [Pipe()]) == tables.FALLBACK_WIDTH
    assert tables.output_width({}, [Pipe(), Tty(), None]) == tables.FALLBACK_WIDTH
    assert tables.output_width({}, []) == 200


def test_layout_keeps_headers_whole_and_words_unbroken() -> None:
    from stancegraph import tables

    headers = ["who", "said", "theirVeryLongHeaderName", "extra"]
    rows = [
        ["Ali Akbar Velayati", "An alliance between Hezbollah, Iran, Russia and Syria", "x", "y"],
        ["Yury Barmin", "Russia has no such ties with Hezbollah.", "z", "w"],
    ]
    plan = tables.layout(headers, rows, 60)
    assert plan.shown == [0, 1, 2]
    assert plan.hidden == ["extra"]
    assert plan.widths[2] == len("theirVeryLongHeaderName")
    assert plan.width <= 60
    assert min(plan.widths[:2]) >= len("Hezbollah,")
    wide = tables.layout(headers, rows, 60, wide=True)
    assert wide.shown == [0, 1, 2, 3] and wide.hidden == []
    assert wide.widths == [18, 53, 23, 5]  # the longest text of each
    first = tables.layout(headers, rows, 60, priority=["extra", "who"])
    assert first.shown == [0, 1, 3] and first.hidden == ["theirVeryLongHeaderName"]
    assert tables.layout(["only"], [["a" * 100]], 20).widths == [20]


def test_cut_keeps_whole_words_and_says_so() -> None:
    from stancegraph import tables

    label = "Putin announces Russia's decision to pull back the main part of its forces"
    assert tables.cut(label, 21, 2) == "Putin announces Russia's decision to…"
    assert tables.cut(label, 20, 2) == "Putin announces Russia's decision…"
    assert tables.cut("Hezbollah", 20, 2) == "Hezbollah"
    for width in range(10, 40):  # at least its longest word and the …
        for lines in (1, 2, 3):
            shown = tables.cut(label, width, lines)
            assert len(textwrap.wrap(shown, width)) <= lines, (width, lines, shown)
            assert shown == label or shown.removesuffix("…").split()[-1] in label.split()


@pytest.mark.parametrize("columns", [1, 10, 30])
def test_a_very_narrow_terminal_still_gets_a_table(columns: int) -> None:
    result = run("query", "contradictions", env=cli_env(columns))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    flat = "".join(result.stdout.split())
    assert "3rows" in flat and "link" in flat


def test_cells_are_plain_text_not_markup() -> None:
    from rich.console import Console

    from stancegraph import tables

    rows = [[tables.Cell("[bold]x[/bold]"), tables.Cell("a\nb")]]
    table, plan = tables.render(["one", "two"], rows, 40)
    console = Console(width=40, highlight=False)
    with console.capture() as captured:
        console.print(table)
    lines = [line.rstrip() for line in captured.get().splitlines()]
    assert lines == ["one" + " " * 14 + "two", "─" * 20, "[bold]x[/bold]   a", " " * 17 + "b"]
    assert plan.widths == [14, 3]


def test_columns_picks_the_columns_of_a_table_or_a_csv() -> None:
    picked = "issue,verdict,russianPolarity,iranianPolarity"
    result = run("query", "russia-iran-issues", "--columns", picked, env=cli_env(80))
    assert result.exit_code == 0, result.output
    table = table_of(
        result.stdout, "Where Russia and Iran agree and where they diverge, issue by issue"
    )
    assert table[0].split() == picked.split(",")
    assert "not shown" not in result.stdout
    out = run("query", "timeline", "--columns", "event,earliest", "--format", "csv", "--limit", "2")
    every = list(csv.DictReader(io.StringIO(run("query", "timeline", "--format", "csv").stdout)))
    assert list(csv.reader(io.StringIO(out.stdout))) == [
        ["event", "earliest"],
        *([r["event"], r["earliest"]] for r in every[:2]),
    ]
    bad = run("query", "timeline", "--columns", "earliest,foo")
    assert bad.exit_code == 2
    assert_one_line_error(bad.stderr)
    assert bad.stderr == (
        "stancegraph: error: --columns: timeline has no column 'foo'; it has earliest, latest, "
        "precision, event, eventType, status, dateInferred, source\n"
    )
    graph_answer = run("query", "actor-network", "--columns", "a")
    assert graph_answer.stderr == (
        "stancegraph: error: --columns: actor-network answers with a CONSTRUCT, not columns\n"
    )
