"""Sources whose text may not be redistributed (issue #16): a source ships without
``seeds/<key>.txt``, its description says ``dcterms:accessRights text-access:withheld``;
``validate --texts DIR`` checks its anchors against the user's copy, without a copy it warns and
lists the anchors it could not verify, and every other command copes with the absence.

The source is tests/fixtures/withheld (an invented bulletin, README there); its copy, passed with
``--texts``, is tests/fixtures/withheld/texts/fixture-withheld-bulletin.txt.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from stancegraph import names
from stancegraph.cli import cli
from stancegraph.sources import HOME_ENV, Project
from validate_support import TESTS, make_project

FIXTURE = TESTS / "fixtures" / "withheld"
CONTRIBUTION = FIXTURE / "contribution"
TEXTS = FIXTURE / "texts"
KEY = "fixture-withheld-bulletin"
SHA = "0e806b68460891115e1d0368d37a870229c87186a40af79d9fdcc1d27d989aee"
DATA = f"data/{KEY}/bulletin.ttl"


def run(home: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--home", str(home), *args], env={HOME_ENV: ""})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture project with the withheld source installed: its description and statements,
    no text."""
    root = make_project(tmp_path_factory.mktemp("withheld"))
    shutil.copy(CONTRIBUTION / "seeds" / f"{KEY}.ttl", root / "seeds")
    shutil.copytree(CONTRIBUTION / "data" / KEY, root / "data" / KEY)
    return root


def report(code: int, out: str) -> list[dict]:
    assert code in (0, 1), out
    return json.loads(out)["findings"]


def expected_warning(prefix: str) -> str:
    where = [41, 46, 54, 62, 71]
    shown = ", ".join(
        f"anchor/{KEY}/{n} ({prefix}{DATA}:{line})"
        for n, line in zip(range(1, 6), where, strict=True)
    )
    return (
        f"The text of document/{KEY} is withheld and no copy was given, so its 7 anchors could "
        f"not be verified: {shown} and 2 more."
    )


def test_the_fixture_text_is_the_described_one() -> None:
    data = (TEXTS / f"{KEY}.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() == SHA
    assert not (CONTRIBUTION / "seeds" / f"{KEY}.txt").exists()


def test_a_source_without_its_text_is_a_source_when_withheld(home: Path) -> None:
    src = Project(home).source(KEY)
    assert (src.withheld, src.has_text) == (True, False)
    assert Project(home).source("rd-syria-iran").withheld is False


def test_a_missing_text_of_a_source_not_withheld_stays_an_error(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    description = (CONTRIBUTION / "seeds" / f"{KEY}.ttl").read_text()
    (root / "seeds" / f"{KEY}.ttl").write_text(
        description.replace("    dcterms:accessRights text-access:withheld ;\n", "")
    )
    code, _out, err = run(root, "info")
    assert code == 2
    assert err.strip() == (
        f"stancegraph: error: {root / 'seeds' / f'{KEY}.ttl'} has no companion "
        f"{root / 'seeds' / f'{KEY}.txt'}; every source needs its text and its description"
    )


def test_a_contribution_without_the_copy_warns_and_lists_the_unverified_anchors() -> None:
    home = TESTS.parent  # the project itself: the contribution brings everything it needs
    code, out, _err = run(home, "validate", "--format", "json", str(CONTRIBUTION))
    assert code == 0
    found = report(code, out)
    assert [(f["severity"], f["check"], f["focus_label"]) for f in found] == [
        ("Warning", "text-withheld", f"document/{KEY}")
    ]
    assert found[0]["message"] == expected_warning(f"{CONTRIBUTION}/")
    assert found[0]["fix"] == (
        f"to verify them, run validate --texts DIR with your copy of the text as "
        f"DIR/{KEY}.txt (SHA-256 {SHA})."
    )


def test_a_contribution_with_the_copy_is_verified_clean() -> None:
    home = TESTS.parent
    code, out, _err = run(
        home, "validate", "--format", "json", "--texts", str(TEXTS), str(CONTRIBUTION)
    )
    assert code == 0
    assert report(code, out) == []


def test_with_the_copy_a_wrong_anchor_is_found(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    shutil.copytree(CONTRIBUTION, folder)
    data = folder / DATA
    data.write_text(data.read_text().replace('oa:exact "Russia keeps"', 'oa:exact "Russia kept"'))
    code, out, _err = run(
        TESTS.parent, "validate", "--format", "json", "--texts", str(TEXTS), str(folder)
    )
    assert code == 1
    assert {(f["check"], f["focus_label"]) for f in report(code, out)} == {
        ("anchor-quote", f"anchor/{KEY}/6")
    }
    # and without the copy it is only listed as not verified
    code, out, _err = run(TESTS.parent, "validate", "--format", "json", str(folder))
    assert code == 0
    assert [f["check"] for f in report(code, out)] == ["text-withheld"]


def test_a_wrong_copy_is_a_clear_error(tmp_path: Path) -> None:
    texts = tmp_path / "texts"
    texts.mkdir()
    wrong = texts / f"{KEY}.txt"
    wrong.write_bytes((TEXTS / f"{KEY}.txt").read_bytes().replace(b"quiet", b"loud!"))
    code, out, err = run(TESTS.parent, "validate", "--texts", str(texts), str(CONTRIBUTION))
    assert (code, out) == (2, "")
    digest = hashlib.sha256(wrong.read_bytes()).hexdigest()
    assert err.strip() == (
        f"stancegraph: error: {wrong}: is not the text of document/{KEY}: its SHA-256 is "
        f"{digest}, seeds/{KEY}.ttl gives {SHA}; give --texts the copy the anchors were made "
        "on, byte for byte"
    )


def test_texts_must_be_a_folder(tmp_path: Path) -> None:
    code, _out, err = run(
        TESTS.parent, "validate", "--texts", str(tmp_path / "none"), str(CONTRIBUTION)
    )
    assert code == 2
    assert err.strip() == (
        f"stancegraph: error: {tmp_path / 'none'}: --texts must name a folder holding "
        "<key>.txt files"
    )


def test_the_dataset_warns_without_the_copy_and_is_clean_with_it(home: Path) -> None:
    code, out, _err = run(home, "validate", "--format", "json")
    found = report(code, out)
    assert code == 0
    assert [(f["check"], f["message"]) for f in found] == [
        ("text-withheld", expected_warning(f"{home}/"))
    ]
    code, out, _err = run(home, "validate", "--format", "json", "--texts", str(TEXTS))
    assert (code, report(code, out)) == (0, [])


def test_info_gives_the_stated_length_and_says_withheld(home: Path) -> None:
    code, out, _err = run(home, "info")
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("fixture-withheld"))
    assert row.rstrip().endswith("240 (text withheld)")


def test_coverage_leaves_the_source_out_and_says_so(home: Path) -> None:
    code, out, err = run(home, "coverage", "--format", "json")
    assert code == 0
    assert [s["source"] for s in json.loads(out)["sources"]] == ["rd-syria-iran"]
    assert err == f"stancegraph: warning: {KEY} left out: its text is withheld\n"


@pytest.mark.parametrize(
    "args",
    [("coverage", "--source", KEY), ("anchor", KEY, "Russia")],
    ids=["coverage", "anchor"],
)
def test_a_command_that_needs_the_text_says_it_is_withheld(home: Path, args: tuple) -> None:
    code, out, err = run(home, *args)
    assert (code, out) == (2, "")
    assert err.strip() == (
        f"stancegraph: error: the text of source '{KEY}' is withheld (its description "
        f"{KEY}.ttl says dcterms:accessRights text-access:withheld) and {KEY}.txt is not in the "
        "project, so nothing that reads the text can run on it here (validate --texts DIR "
        f"checks its anchors against your copy DIR/{KEY}.txt)"
    )


def test_next_needs_no_text(home: Path) -> None:
    assert run(home, "next", KEY, "anchor")[:2] == (0, "901\n")


def test_query_runs_over_the_withheld_source(home: Path, tmp_path: Path) -> None:
    rq = tmp_path / "where.rq"
    rq.write_text(
        "SELECT ?e WHERE { ?e <http://www.w3.org/ns/prov#atLocation> "
        "<https://w3id.org/stancegraph/id/place/hmeymim-base> }\n"
    )
    code, out, err = run(home, "query", "--file", str(rq), "--format", "csv")
    assert code == 0, err
    assert out.split() == ["e", f"https://w3id.org/stancegraph/id/event/{KEY}/1"]


def test_build_says_in_void_which_texts_are_withheld(home: Path, tmp_path: Path) -> None:
    code, _out, err = run(home, "build", "--out", str(tmp_path / "dist"))
    assert code == 0, err
    void = Graph().parse(tmp_path / "dist" / "void.ttl")
    source = URIRef(names.GRAPH_BASE + f"source/{KEY}")
    assert set(void.subjects(DCTERMS.accessRights, None)) == {source}
    assert void.value(source, DCTERMS.accessRights) == names.TEXT_WITHHELD
    assert void.value(source, DCTERMS.description) == Literal(
        f"The text of {KEY} is withheld (it may not be redistributed): it is not distributed "
        "with this dataset, and the anchors into it (quotes and offsets) were not verified "
        "against the text by this build. `stancegraph validate --texts DIR` verifies them "
        f"against a copy (DIR/{KEY}.txt).",
        lang="en",
    )


def test_new_source_withheld_writes_the_description_but_not_the_text(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    title = "Harbour bulletin: the Russian pullout seen from the coast"
    code, out, err = run(
        root,
        "new-source",
        KEY,
        "--text",
        str(TEXTS / f"{KEY}.txt"),
        "--title",
        title,
        "--stated",
        "title",
        "--withheld",
    )
    assert code == 0, err
    assert out == f"wrote seeds/{KEY}.ttl\nwrote data/{KEY}/statements.ttl\n"
    assert not (root / "seeds" / f"{KEY}.txt").exists()
    description = Graph().parse(root / "seeds" / f"{KEY}.ttl")
    doc = URIRef(names.DOCUMENT_BASE + KEY)
    assert description.value(doc, DCTERMS.accessRights) == names.TEXT_WITHHELD
    assert str(description.value(doc, URIRef(names.SG_NS + "sha256"))) == SHA
    assert Project(root).source(KEY).withheld
    files = [str(root / "seeds" / f"{KEY}.ttl"), str(root / "data" / KEY)]
    code, out, _err = run(root, "validate", "--format", "json", *files)
    assert [(f["check"], f["message"]) for f in report(code, out)] == [
        (
            "text-withheld",
            f"The text of document/{KEY} is withheld and no copy was given, so its 1 anchor "
            f"could not be verified: anchor/{KEY}/1 ({root}/seeds/{KEY}.ttl:23).",
        )
    ]
    code, out, _err = run(root, "validate", "--format", "json", "--texts", str(TEXTS), *files)
    assert (code, report(code, out)) == (0, [])


def test_the_main_job_runs_with_a_withheld_source(home: Path, tmp_path: Path) -> None:
    """`run` (info, build, validate, the headline queries) and `docs` over a project with a
    withheld source: each says so where it concerns the text, none fails."""
    root = tmp_path / "p"
    shutil.copytree(home, root)
    shutil.copytree(TESTS.parent / "queries", root / "queries")
    code, out, err = run(root, "run")
    assert code == 0, err
    assert "240 (text withheld)" in out
    assert "0 violations, 1 warning on 1 node" in out
    assert f"The text of document/{KEY} is withheld and no copy was given" in out
    code, _out, err = run(root, "docs", "--out", str(tmp_path / "site"))
    assert code == 0, err
    assert (tmp_path / "site" / "index.html").is_file()


def test_the_warning_counts_the_verbatim_words_left_unchecked(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    shutil.copytree(CONTRIBUTION, folder)
    with open(folder / DATA, "a", encoding="utf-8") as fh:
        fh.write(
            f"\n@prefix claim: <https://w3id.org/stancegraph/id/claim/{KEY}/> .\n"
            'claim:1 a sg:Claim ; sg:verbatim "the departure was quiet" ; sg:anchor anchor:5 .\n'
        )
    code, out, _err = run(TESTS.parent, "validate", "--format", "json", str(folder))
    warning = [f["message"] for f in report(code, out) if f["check"] == "text-withheld"]
    assert len(warning) == 1
    assert warning[0].startswith(
        f"The text of document/{KEY} is withheld and no copy was given, so its 7 anchors (and "
        "the sg:verbatim words of 1 claim) could not be verified: "
    )
