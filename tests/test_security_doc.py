"""SECURITY.md's threat model names, for each defence, the tests that hold it (issue #22). Every
test it names must exist, so that the page cannot point at a test that was renamed or removed."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def threat_model() -> str:
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    start = text.index("## Threat model")
    return text[start : text.index("\n## ", start + 1)]


def named_tests(section: str) -> list[tuple[str, str | None]]:
    """(file, test) for each `test_x.py::name` and (file, None) for each bare `test_x.py`, with
    `::name` right after a file's mention standing for that file."""
    named: list[tuple[str, str | None]] = []
    current = None
    for match in re.finditer(r"`(test_\w+\.py)?(?:::(\w+))?`", section):
        file, test = match.groups()
        if file:
            current = file
        if current is None or (file is None and test is None):
            continue
        named.append((current, test))
    return named


def missing(named: list[tuple[str, str | None]]) -> list[str]:
    """The named tests that do not exist under tests/."""
    gone = []
    for file, test in named:
        path = ROOT / "tests" / file
        if not path.exists():
            gone.append(file)
        elif test and not re.search(rf"^\s*def {test}\(", path.read_text(), re.M):
            gone.append(f"{file}::{test}")
    return gone


def test_the_threat_model_names_only_tests_that_exist() -> None:
    named = named_tests(threat_model())
    assert len(named) > 60
    assert missing(named) == []


def test_a_renamed_test_or_file_would_be_caught() -> None:
    section = (
        "| x | `test_build.py::test_no_such_test_here`,"
        " `::test_a_full_disk_leaves_the_old_set_and_says_so`, `test_no_such_file.py` |"
    )
    named = named_tests(section)
    assert named == [
        ("test_build.py", "test_no_such_test_here"),
        ("test_build.py", "test_a_full_disk_leaves_the_old_set_and_says_so"),
        ("test_no_such_file.py", None),
    ]
    assert missing(named) == ["test_build.py::test_no_such_test_here", "test_no_such_file.py"]


def test_every_hostile_test_file_is_in_the_threat_model() -> None:
    files = {file for file, _ in named_tests(threat_model())}
    hostile = {p.name for p in (ROOT / "tests").glob("test_hostile_*.py")}
    assert hostile - files == set()
