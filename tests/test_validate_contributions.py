"""Example contributions, good and bad, each with the exact findings and exit code it must give.

One bad example per kind of mistake a contributor makes (tests/contributions/bad/), each a small
realistic file against the rd-syria-iran source; the good ones are a new article with its own
text (an invented article, example-talks) and more statements for an existing source. Every
case runs through the command line, as a contributor runs it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from stancegraph.cli import cli
from stancegraph.sources import HOME_ENV
from validate_support import Case, cases, make_project

CASES = cases()


@pytest.fixture(scope="module")
def fixture_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("project"))


def run_validate(home: Path, *args: str):
    return CliRunner().invoke(cli, ["--home", str(home), "validate", *args], env={HOME_ENV: ""})


def test_there_is_one_bad_example_per_kind_of_mistake() -> None:
    names = {c.path.stem for c in CASES if c.name.startswith("bad/")}
    for kind in (
        "missing-claimant", "wrong-datatype", "unknown-polarity", "quote-not-in-source",
        "wrong-offsets", "syntax-error", "redefined-ontology-term", "stance-without-holder",
        "dangling-reference", "bad-iri", "reused-iri", "remote-context", "claim-without-type",
        "impossible-date", "quote-in-other-case",
    ):  # fmt: skip
        assert kind in names, f"no example contribution for {kind}"
    assert all(c.exit in (1, 2) for c in CASES if c.name.startswith("bad/"))
    assert all(c.exit == 0 for c in CASES if c.name.startswith("good/"))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_example_contribution_gives_exactly_its_findings(fixture_home: Path, case: Case) -> None:
    result = run_validate(fixture_home, "--format", "json", str(case.path))
    assert result.exit_code == case.exit, result.output
    if case.exit == 2:
        assert "Traceback" not in result.output
        message = result.output.strip().splitlines()[-1]
        assert message.startswith("stancegraph: error: "), message
        assert str(case.path) in message
        if case.error_line is not None:
            assert f"{case.path}:{case.error_line}:" in message, message
        return
    report = json.loads(result.output)
    found = {(f["focus_label"], _short(f["path"]), f["check"]) for f in report["findings"]}
    missing = sorted(set(case.expected) - found)
    unexpected = sorted(found - set(case.expected))
    assert found == set(case.expected), f"missing: {missing}\nunexpected: {unexpected}"
    assert report["conforms"] is (case.exit == 0)
    for f in report["findings"]:  # each says where (file and line) and how to fix it
        assert f["file"] == str(case.path), f
        assert isinstance(f["line"], int) and f["line"] > 0, f
        assert f["fix"] and f["message"] and "Fix:" not in f["message"], f


def _short(path: str | None) -> str:
    from rdflib import URIRef

    from stancegraph.validate import shorten

    return shorten(URIRef(path)) if path else ""
