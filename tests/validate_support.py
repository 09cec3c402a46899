"""Helpers for the validation tests: a fixture project and the example contributions.

The fixture project is this checkout's ontology, vocabularies, shapes, data/actors.ttl and seed
text, with the realistic source description and statements of tests/fixtures/validate in place of
the real ones: tests that need exact findings run on it, so they do not move while the real data
grows. The real data is validated by its own tests.

An example contribution under tests/contributions/{good,bad}/ says what it must give in header
comments (or, for formats without comments, in a sidecar file ``<name>.expect``)::

    # exit: 1
    # expect: claim/rd-syria-iran/9001 | sg:claimant | MinCount
    # error-at: 13          (exit 2 only: the line the syntax error is reported on)

An ``expect`` line is (focus node, property or '-', constraint component or check id), as
:meth:`stancegraph.validate.Finding.key` gives it; the set must match exactly.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
FIXTURE = TESTS / "fixtures" / "validate"
CONTRIBUTIONS = TESTS / "contributions"
KEY = "rd-syria-iran"


def make_project(dest: Path) -> Path:
    """A complete project under ``dest``: the real model and actors, the fixture source."""
    shutil.copytree(ROOT / "ontology", dest / "ontology", ignore=shutil.ignore_patterns("*.md"))
    (dest / "data").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "actors.ttl", dest / "data" / "actors.ttl")
    shutil.copytree(FIXTURE / "data" / KEY, dest / "data" / KEY)
    (dest / "seeds").mkdir()
    shutil.copy(ROOT / "seeds" / f"{KEY}.txt", dest / "seeds" / f"{KEY}.txt")
    shutil.copy(FIXTURE / "seeds" / f"{KEY}.ttl", dest / "seeds" / f"{KEY}.ttl")
    return dest


@dataclass(frozen=True)
class Case:
    """One example contribution and what validating it must give."""

    name: str
    path: Path
    exit: int
    expected: frozenset[tuple[str, str, str]]
    error_line: int | None

    def __str__(self) -> str:
        return self.name


_EXPECT = re.compile(r"^#\s*expect:\s*(.+?)\s*\|\s*(.+?)\s*\|\s*(.+?)\s*$", re.MULTILINE)
_EXIT = re.compile(r"^#\s*exit:\s*(\d+)\s*$", re.MULTILINE)
_ERROR_AT = re.compile(r"^#\s*error-at:\s*(\d+)\s*$", re.MULTILINE)


def _case(path: Path, spec_text: str) -> Case:
    exit_match = _EXIT.search(spec_text)
    assert exit_match, f"{path}: no '# exit: N' line"
    expected = frozenset(
        (focus, "" if prop == "-" else prop, check)
        for focus, prop, check in _EXPECT.findall(spec_text)
    )
    error = _ERROR_AT.search(spec_text)
    group = path.parent.name
    return Case(
        name=f"{group}/{path.name}",
        path=path,
        exit=int(exit_match.group(1)),
        expected=expected,
        error_line=int(error.group(1)) if error else None,
    )


def cases() -> list[Case]:
    """Every example contribution: files in good/ and bad/, and folders in good/."""
    found = []
    for group in ("good", "bad"):
        folder = CONTRIBUTIONS / group
        for path in sorted(folder.iterdir()):
            if path.suffix == ".expect":
                continue
            sidecar = path.with_name(path.name + ".expect")
            if path.is_dir():
                spec = (path / "EXPECT").read_text(encoding="utf-8")
            elif sidecar.is_file():
                spec = sidecar.read_text(encoding="utf-8")
            else:
                spec = path.read_text(encoding="utf-8")
            found.append(_case(path, spec))
    return found
