"""Replay tests/corpus/: every input that once broke something gives its expected exit and message.

Each file is given to the library (``safety.parse_file`` / ``safety.check_query``) and to the
command line (``stancegraph validate`` / ``stancegraph query --file`` on both engines); see
tests/corpus/README.md for how to add one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from hostile_support import CORPUS, FAST, copy_mini, output_of, run_cli
from stancegraph import safety
from stancegraph.errors import InputError, QueryError


@dataclass(frozen=True)
class Case:
    path: Path
    exit: int
    fragment: str
    history: str


def manifest() -> list[Case]:
    cases = []
    for line in (CORPUS / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, code, fragment, history = line.split("\t")
        cases.append(Case(CORPUS / name, int(code), fragment, history))
    return cases


CASES = manifest()
RDF_CASES = [c for c in CASES if c.path.suffix != ".rq"]
QUERY_CASES = [c for c in CASES if c.path.suffix == ".rq"]


def ids(cases: list[Case]) -> list[str]:
    return [c.path.name for c in cases]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_mini(tmp_path_factory.mktemp("corpus"))


def test_every_corpus_file_is_in_the_manifest() -> None:
    on_disk = {p.name for p in CORPUS.iterdir() if p.name not in ("MANIFEST.tsv", "README.md")}
    listed = {c.path.name for c in CASES}
    assert on_disk == listed, f"not in MANIFEST.tsv: {sorted(on_disk - listed)}; " + (
        f"missing files: {sorted(listed - on_disk)}"
    )


@pytest.mark.parametrize("case", RDF_CASES, ids=ids(RDF_CASES))
def test_rdf_case_through_the_library(case: Case) -> None:
    start = time.perf_counter()
    try:
        safety.parse_file(case.path)
    except InputError as err:
        assert case.exit == 2, f"{case.path.name}: refused ({err}) but expected exit {case.exit}"
        assert case.fragment in str(err)
        assert "\n" not in str(err)
    else:
        assert case.exit in (0, 1), f"{case.path.name} parsed; expected a refusal"
    assert time.perf_counter() - start < FAST


@pytest.mark.parametrize("case", RDF_CASES, ids=ids(RDF_CASES))
def test_rdf_case_through_validate(case: Case, home: Path) -> None:
    result, took = run_cli(home, "validate", str(case.path))
    out = output_of(result)
    assert result.exit_code == case.exit, out
    assert case.fragment in out
    assert "Traceback" not in out
    assert took < FAST


@pytest.mark.parametrize("case", QUERY_CASES, ids=ids(QUERY_CASES))
def test_query_case_through_check_query(case: Case) -> None:
    text = case.path.read_text(encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(QueryError) as caught:
        safety.check_query(text, name=case.path.name)
    assert case.fragment in str(caught.value)
    assert time.perf_counter() - start < FAST


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("case", QUERY_CASES, ids=ids(QUERY_CASES))
def test_query_case_through_the_cli(case: Case, engine: str, home: Path) -> None:
    result, took = run_cli(home, "query", "--file", str(case.path), "--engine", engine)
    out = output_of(result)
    assert result.exit_code == case.exit, out
    assert case.fragment in out
    assert "Traceback" not in out and "network access refused" not in out
    assert took < FAST + 2
