"""`stancegraph validate`: the dataset, contributions in every syntax, reports, exit codes, and
that a contribution is checked against only the context it references."""

from __future__ import annotations

import json
import shutil
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import RDF, Dataset, Graph, Literal, Namespace, URIRef

from stancegraph import validate
from stancegraph.cli import cli
from stancegraph.sources import HOME_ENV, find_project
from validate_support import CONTRIBUTIONS, ROOT, make_project

SH = Namespace("http://www.w3.org/ns/shacl#")
GOOD = CONTRIBUTIONS / "good" / "more-statements.ttl"
MISSING_CLAIMANT = CONTRIBUTIONS / "bad" / "missing-claimant.ttl"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("project"))


def run(home: Path, *args: str):
    return CliRunner().invoke(cli, ["--home", str(home), "validate", *args], env={HOME_ENV: ""})


# --------------------------------------------------------------------------------------------
# The dataset


def test_fixture_dataset_conforms(home: Path) -> None:
    result = run(home)
    assert result.exit_code == 0, result.output
    assert "the dataset conforms" in result.output.splitlines()[-1]


def test_real_dataset_conforms() -> None:
    """The project's own data conforms to its shapes (what CI runs as `stancegraph validate`)."""
    project = find_project(home=ROOT)
    described = sorted(p.name for p in project.seeds_dir.glob("*.ttl"))
    # deleting the data must not silence the gate (issue #15: this test skipped without it)
    assert described, f"no source description (seeds/<key>.ttl) in {project.seeds_dir}"
    report = validate.validate_dataset(project)
    assert report.conforms, validate.render_text(report)
    # and without a warning: each is answered in the data (issue #16: an event the text gives no
    # time says so, sg:timeNotStated), so that a contribution's own warnings stand out
    assert not report.findings, validate.render_text(report)


def test_a_violation_in_the_data_fails_the_dataset(home: Path, tmp_path: Path) -> None:
    broken = tmp_path / "project"
    shutil.copytree(home, broken)
    data = broken / "data" / "rd-syria-iran" / "statements.ttl"
    text = data.read_text(encoding="utf-8")
    data.write_text(text.replace("    sg:claimant person:javad-zarif ;\n", ""), encoding="utf-8")
    result = run(broken)
    assert result.exit_code == 1
    assert "claim/rd-syria-iran/2" in result.output
    line = text[: text.index("claim:2 a sg:Claim")].count("\n") + 1
    assert f"statements.ttl:{line}  claim/rd-syria-iran/2" in result.output


# --------------------------------------------------------------------------------------------
# Contributions: syntaxes, folders, what is reported


def _as(fmt: str, suffix: str, tmp_path: Path) -> Path:
    g = Graph()
    g.parse(GOOD, format="turtle")
    out = tmp_path / f"contribution{suffix}"
    if fmt == "trig":
        ds = Dataset()
        named = ds.graph(URIRef("https://w3id.org/stancegraph/graph/contribution"))
        for t in g:
            named.add(t)
        ds.serialize(out, format="trig")
    elif fmt == "json-ld":
        g.serialize(out, format="json-ld", auto_compact=False)
    else:
        g.serialize(out, format=fmt, encoding="utf-8")
    return out


@pytest.mark.parametrize(
    ("fmt", "suffix"),
    [("turtle", ".ttl"), ("trig", ".trig"), ("nt", ".nt"), ("json-ld", ".jsonld")],
)
def test_every_syntax_gives_the_same_verdict(
    home: Path, tmp_path: Path, fmt: str, suffix: str
) -> None:
    good = _as(fmt, suffix, tmp_path)
    assert run(home, str(good)).exit_code == 0
    bad_graph = Graph().parse(GOOD, format="turtle")
    bad_graph.remove((None, URIRef("https://w3id.org/stancegraph/ontology#claimant"), None))
    bad = tmp_path / f"bad{suffix}"
    if fmt == "trig":
        ds = Dataset()
        for t in bad_graph:
            ds.add(t)
        ds.serialize(bad, format="trig")
    else:
        bad_graph.serialize(bad, format=fmt, encoding="utf-8")
    report = json.loads(run(home, "--format", "json", str(bad)).output)
    assert {(f["focus_label"], f["check"]) for f in report["findings"]} == {
        ("claim/rd-syria-iran/9001", "MinCount")
    }


def test_a_folder_is_read_whole(home: Path) -> None:
    folder = CONTRIBUTIONS / "good" / "new-article"
    report = json.loads(run(home, "--format", "json", str(folder)).output)
    assert report["conforms"] and not report["findings"]
    assert len(report["files"]) == 3


def test_only_the_contributions_own_nodes_are_reported(home: Path, tmp_path: Path) -> None:
    """A problem in the existing data is not blamed on a contribution that merely uses it."""
    broken = tmp_path / "project"
    shutil.copytree(home, broken)
    actors = broken / "data" / "actors.ttl"
    actors.write_text(
        actors.read_text(encoding="utf-8").replace(
            'rdfs:label "Russian officials"@en', 'rdfs:label "Russian officials"'
        ),
        encoding="utf-8",
    )
    assert run(broken).exit_code == 1  # the dataset has the problem
    assert run(broken, str(GOOD)).exit_code == 0  # the contribution does not


def test_context_follows_the_contribution_not_the_corpus(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A contribution to one source reads data/actors.ttl and that source's files, nothing else:
    another source, however big, is not read."""
    project = tmp_path / "project"
    shutil.copytree(home, project)
    other = project / "data" / "other-source"
    other.mkdir()
    (other / "huge.ttl").write_text("this is not even Turtle", encoding="utf-8")
    read: list[Path] = []
    original = validate.read_file

    def spy(path: Path) -> validate.SourceFile:
        read.append(Path(path).resolve())
        return original(path)

    monkeypatch.setattr(validate.context, "read_file", spy)  # where contribution_context finds it
    report = validate.validate_contribution(find_project(home=project), [GOOD])
    assert report.conforms
    names = {
        p.relative_to(project.resolve()).as_posix() for p in read if project.resolve() in p.parents
    }
    assert names == {
        "data/actors.ttl",
        "seeds/rd-syria-iran.ttl",
        "data/rd-syria-iran/statements.ttl",
    }


# --------------------------------------------------------------------------------------------
# Reports and exit codes


def test_text_report_groups_by_node_with_file_line_fix_and_summary(home: Path) -> None:
    result = run(home, str(MISSING_CLAIMANT))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    head = next(i for i, line in enumerate(lines) if "claim/rd-syria-iran/9001" in line)
    assert lines[head].startswith(f"{MISSING_CLAIMANT}:")
    block = "\n".join(lines[head : head + 4])
    assert "error: sg:claimant  [MinCount]" in block
    assert "fix: add sg:claimant" in block
    assert lines[-1].startswith("1 violation, 0 warnings on 1 node")
    assert lines[-1].endswith(
        f"the contribution does not conform (SHACL: pySHACL {version('pyshacl')})"
    )


@pytest.mark.parametrize("debug", [[], ["--debug"]])
def test_findings_exit_1_with_the_report_alone(home: Path, debug: list[str]) -> None:
    """Findings leave `validate` as they leave every command (a FindingsError): exit 1, the
    report on stdout and nothing on stderr, no traceback even under --debug."""
    args = [*debug, "--home", str(home), "validate", str(MISSING_CLAIMANT)]
    result = CliRunner().invoke(cli, args, env={HOME_ENV: ""})
    assert result.exit_code == 1
    assert result.stderr == ""
    assert result.stdout.splitlines()[-1].startswith("1 violation, 0 warnings on 1 node")


def test_json_report(home: Path) -> None:
    report = json.loads(run(home, "--format", "json", str(MISSING_CLAIMANT)).output)
    assert report["conforms"] is False and report["violations"] == 1
    (finding,) = report["findings"]
    assert finding["focus"] == "https://w3id.org/stancegraph/id/claim/rd-syria-iran/9001"
    assert finding["path"] == "https://w3id.org/stancegraph/ontology#claimant"
    assert finding["component"] == str(SH.MinCountConstraintComponent)
    assert finding["shape"] == "https://w3id.org/stancegraph/shapes#ClaimShape"
    assert finding["severity"] == "Violation"
    assert finding["line"] > 1


def test_turtle_report_is_a_shacl_validation_report(home: Path) -> None:
    result = run(home, "--format", "turtle", str(MISSING_CLAIMANT))
    assert result.exit_code == 1
    g = Graph().parse(data=result.output, format="turtle")
    (report,) = g.subjects(RDF.type, SH.ValidationReport)
    assert g.value(report, SH.conforms) == Literal(False)
    (r,) = g.objects(report, SH.result)
    assert g.value(r, SH.focusNode) == URIRef(
        "https://w3id.org/stancegraph/id/claim/rd-syria-iran/9001"
    )
    assert g.value(r, SH.sourceConstraintComponent) == SH.MinCountConstraintComponent
    assert g.value(r, SH.resultSeverity) == SH.Violation
    assert "Fix:" in str(g.value(r, SH.resultMessage))


def test_checks_beyond_shacl_appear_in_the_turtle_report(home: Path) -> None:
    result = run(home, "--format", "turtle", str(CONTRIBUTIONS / "bad" / "wrong-offsets.ttl"))
    g = Graph().parse(data=result.output, format="turtle")
    components = set(g.objects(None, SH.sourceConstraintComponent))
    assert components == {URIRef("https://w3id.org/stancegraph/check#anchor-offsets")}


def test_warnings_alone_conform(home: Path, tmp_path: Path) -> None:
    text = GOOD.read_text(encoding="utf-8")
    no_issue = tmp_path / "no-issue.ttl"
    no_issue.write_text(
        text.replace("    sg:concernsIssue issue:hezbollah-role-in-syria ;\n", "", 1),
        encoding="utf-8",
    )
    result = run(home, str(no_issue))
    assert result.exit_code == 0, result.output
    assert "warning: sg:concernsIssue  [MinCount]" in result.output
    assert "0 violations, 1 warning" in result.output


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        ("", "empty.ttl", "file is empty"),
        ("@prefix : <x#> .\n:a :b :c", "truncated.ttl", "syntax error"),
        ("\x00\x01", "binary.ttl", "binary file"),
        ("<a> <b> <c> .", "notes.txt", "unknown RDF file extension"),
    ],
)
def test_unreadable_input_exits_2_in_one_line(
    home: Path, tmp_path: Path, content: str, name: str, reason: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = run(home, str(path))
    assert result.exit_code == 2
    assert reason in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_missing_path_and_empty_folder_exit_2(home: Path, tmp_path: Path) -> None:
    assert run(home, str(tmp_path / "nope.ttl")).exit_code == 2
    (tmp_path / "empty").mkdir()
    result = run(home, str(tmp_path / "empty"))
    assert result.exit_code == 2 and "no RDF file" in result.output


def test_an_anchor_whose_seed_text_is_missing_is_exit_2(home: Path, tmp_path: Path) -> None:
    """The document is described but its text is gone: no quote can be checked (issue #8)."""
    project = tmp_path / "project"
    shutil.copytree(home, project)
    (project / "seeds" / "rd-syria-iran.txt").unlink()
    result = run(project, str(GOOD))
    assert result.exit_code == 2
    assert "seeds/rd-syria-iran.txt, is missing" in result.output
    assert len(result.output.strip().splitlines()) == 1
