"""stancegraph.sources: where the project's files are, and the seed texts read exactly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import MINI, ROOT
from stancegraph.errors import ProjectError
from stancegraph.sources import HOME_ENV, Project, find_project, read_seed_text


def copy_mini(tmp_path: Path) -> Path:
    home = tmp_path / "project"
    shutil.copytree(MINI, home)
    return home


def test_the_mini_project_lists_its_files(mini: Project) -> None:
    assert mini.ontology_file == MINI / "ontology" / "stancegraph.ttl"
    assert [p.name for p in mini.vocab_files] == ["polarity.ttl"]
    assert [p.name for p in mini.shapes_files] == ["claims.ttl"]
    assert mini.actors_file == MINI / "data" / "actors.ttl"
    (source,) = mini.sources
    assert source.key == "mini"
    assert source.rdf_files == [
        MINI / "seeds" / "mini.ttl",
        MINI / "data" / "mini" / "statements.ttl",
    ]
    assert [p.name for p in mini.query_files] == ["claims-by-actor.rq"]


def test_home_argument_wins_over_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(HOME_ENV, str(tmp_path))
    assert find_project(home=MINI).root == MINI


def test_environment_wins_over_the_current_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(HOME_ENV, str(MINI))
    monkeypatch.chdir(ROOT)
    assert find_project().root == MINI


def test_the_project_is_found_above_the_current_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(HOME_ENV, raising=False)
    monkeypatch.chdir(MINI / "data" / "mini")
    assert find_project().root == MINI


def test_outside_any_project_the_editable_checkout_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(HOME_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert find_project().root == ROOT


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_a_named_folder_that_is_no_project_is_an_error(tmp_path: Path, make: str) -> None:
    home = tmp_path / "home"
    if make == "empty":
        home.mkdir()
    with pytest.raises(ProjectError, match=str(home)):
        find_project(home=home)


def test_a_seed_text_without_its_description_is_an_error(tmp_path: Path) -> None:
    home = copy_mini(tmp_path)
    (home / "seeds" / "other.txt").write_text("text", encoding="utf-8")
    with pytest.raises(ProjectError, match=r"other\.txt has no companion .*other\.ttl"):
        _ = find_project(home=home).sources


def test_a_source_key_must_be_a_slug(tmp_path: Path) -> None:
    home = copy_mini(tmp_path)
    for ext in ("txt", "ttl"):
        (home / "seeds" / f"Bad_Key.{ext}").write_text("x", encoding="utf-8")
    with pytest.raises(ProjectError, match="lower-case ASCII"):
        _ = find_project(home=home).sources


def test_seed_text_is_read_byte_for_byte(tmp_path: Path) -> None:
    """Offsets count code points of the stored text: CRLF, curly quotes, NBSP must survive."""
    raw = "first\r\nsecond\u00a0line \u201cquoted\u201d\rlast\n"
    path = tmp_path / "seed.txt"
    path.write_bytes(raw.encode("utf-8"))
    assert read_seed_text(path) == raw


def test_seed_text_must_be_utf8(tmp_path: Path) -> None:
    path = tmp_path / "seed.txt"
    path.write_bytes(b"caf\xe9")
    with pytest.raises(ProjectError, match="not valid UTF-8"):
        read_seed_text(path)


def test_the_checkout_seed_text_is_read_exactly(project: Project) -> None:
    for source in project.sources:
        text = project.seed_text(source.key)
        assert text.encode("utf-8") == source.text_path.read_bytes()
