"""Long commands say on stderr what they do, with a rich progress display, only on a terminal
(issue #19): nothing in a pipe or a log, the steps when stderr is a terminal."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from conftest import MINI, with_picture_queries
from stancegraph import cli as cli_module
from stancegraph.cli import cli


def mini(tmp_path: Path) -> Path:
    home = tmp_path / "project"
    shutil.copytree(MINI, home, ignore=shutil.ignore_patterns(".stancegraph", "dist"))
    return home


#: Each command, and what it says at once (the display is redrawn ten times a second, so the
#: later steps of a command as quick as these on the mini project may not be drawn at all).
COMMANDS = {
    "build": (["build"], ["building"]),
    "info": (["info"], ["reading"]),
    "validate": (["validate"], ["validating the dataset"]),
    "load": (["load"], ["reading the files"]),
    "plot": (["plot", "timeline"], ["drawing the pictures"]),
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_not_a_terminal_no_progress(tmp_path: Path, name: str) -> None:
    home = with_picture_queries(mini(tmp_path))
    args, _ = COMMANDS[name]
    result = CliRunner().invoke(cli, ["--home", str(home), *args])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_on_a_terminal_the_steps_are_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    home = with_picture_queries(mini(tmp_path))
    args, said = COMMANDS[name]
    screen = io.StringIO()
    monkeypatch.setattr(
        cli_module, "err_console", Console(file=screen, force_terminal=True, width=120)
    )
    result = CliRunner().invoke(cli, ["--home", str(home), *args])
    assert result.exit_code == 0, result.output
    shown = screen.getvalue()
    for text in said:
        assert text in shown, (text, shown[-2000:])


def test_the_steps_of_a_long_job_are_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each step and its bar, as a build of many graphs or a validation in batches tells them."""
    screen = io.StringIO()
    monkeypatch.setattr(
        cli_module, "err_console", Console(file=screen, force_terminal=True, width=120)
    )
    with cli_module.work_progress("building") as steps:
        steps.step("canonicalising the graphs", 1500)
        steps.advance(750)
        steps.progress.refresh()
        steps.batches("validating the dataset")(3, 25)
        steps.progress.refresh()
    shown = screen.getvalue()
    assert "canonicalising the graphs" in shown and "750/1500" in shown
    assert "validating the dataset, batch 4 of 25" in shown and "3/25" in shown


def test_a_step_of_unknown_size_does_not_show_the_count_of_the_one_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """rich keeps a task's total when told None: ``writing stancegraph.nq`` showed
    ``0/1003908``, the count of the merge before it."""
    screen = io.StringIO()
    monkeypatch.setattr(
        cli_module, "err_console", Console(file=screen, force_terminal=True, width=120)
    )
    with cli_module.work_progress("building") as steps:
        steps.step("merging the sorted lines", 1003908)
        steps.advance(1003908)
        steps.progress.refresh()
        steps.step("writing stancegraph.nq")
        steps.progress.refresh()
        last = steps.progress.tasks[-1]
        assert last.description == "writing stancegraph.nq" and last.total is None
    assert "0/1003908" not in screen.getvalue().split("writing stancegraph.nq")[-1]
