"""What `make test` does about the Debian packages the tests need (issue #15): one script,
scripts/install-system-deps, that `.ci/run` and `make test` both run (as root it installs what is
missing, otherwise it says what is missing), and a summary at the end of pytest's output that
lists each skipped test under the command that enables it.

The script runs here with a PATH of our own making: which tools it finds, whether it is root
(``id``) and what ``apt-get`` does are all stand-ins, so nothing is installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

SCRIPT = ROOT / "scripts" / "install-system-deps"


def tools(folder: Path, **scripts: str) -> Path:
    """A folder for PATH holding bash, dirname, this Python, and a stand-in script per keyword
    (``apt_get`` is ``apt-get``)."""
    folder.mkdir()
    for name in ("bash", "dirname"):
        (folder / name).symlink_to(_which(name))
    (folder / "python3").symlink_to(sys.executable)
    for name, body in scripts.items():
        path = folder / name.replace("_", "-")
        path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        path.chmod(0o755)
    return folder


def _which(name: str) -> str:
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if (Path(entry) / name).is_file():
            return str(Path(entry) / name)
    pytest.fail(f"no {name} on PATH")


def run(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(path), "HOME": os.environ.get("HOME", "/")}
    return subprocess.run(
        [_which("bash"), str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_check_lists_each_missing_package_and_only_those(tmp_path: Path) -> None:
    bare = tools(tmp_path / "bare")
    listed = run(bare, "--check")
    assert listed.returncode == 1, listed.stderr
    assert {"graphviz", "chromium", "default-jdk-headless", "virtuoso-opensource", "make"} <= set(
        listed.stdout.split()
    )
    assert "chromium-driver" in listed.stdout.split()
    having = tools(
        tmp_path / "having", dot="true", javac="true", chromium="true", chromedriver="true"
    )
    listed = run(having, "--check")
    assert "graphviz" not in listed.stdout.split()
    assert "chromium" not in listed.stdout.split()
    assert "chromium-driver" not in listed.stdout.split()
    assert "default-jdk-headless" not in listed.stdout.split()
    assert "virtuoso-opensource" in listed.stdout.split()


def test_not_root_it_names_what_is_missing_and_installs_nothing(tmp_path: Path) -> None:
    log = tmp_path / "apt.log"
    path = tools(tmp_path / "bin", id="echo 1000", apt_get=f'echo "$@" >> {log}')
    done = run(path)
    assert done.returncode == 0, done.stderr
    assert not log.exists(), "apt-get ran without root"
    assert "missing" in done.stderr and "graphviz" in done.stderr
    assert "sudo scripts/install-system-deps" in done.stderr


def test_as_root_it_installs_what_is_missing_with_apt_get(tmp_path: Path) -> None:
    log = tmp_path / "apt.log"
    path = tools(tmp_path / "bin", id="echo 0", apt_get=f'echo "$@" >> {log}', dot="true")
    done = run(path)
    assert done.returncode == 0, done.stderr
    update, install = log.read_text(encoding="utf-8").splitlines()
    assert update == "update"
    words = install.split()
    assert words[:3] == ["install", "-y", "--no-install-recommends"]
    assert {"chromium", "default-jdk-headless", "virtuoso-opensource"} <= set(words)
    assert "graphviz" not in words, "dot is there: Graphviz is not missing"


def test_as_root_a_failed_install_fails(tmp_path: Path) -> None:
    path = tools(tmp_path / "bin", id="echo 0", apt_get="exit 100")
    assert run(path).returncode == 100


def test_nothing_missing_is_silent(tmp_path: Path) -> None:
    having = ("dot", "javac", "chromium", "chromedriver", "virtuoso-t", "make")
    path = tools(tmp_path / "bin", **{name.replace("-", "_"): "true" for name in having})
    if run(path, "--check").stdout.split():
        pytest.skip("this machine lacks a font or Jena's jars, which the script looks for as files")
    done = run(path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_make_test_runs_the_script_before_pytest() -> None:
    planned = subprocess.run(
        ["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    ).stdout.splitlines()
    install = next(i for i, line in enumerate(planned) if "scripts/install-system-deps" in line)
    pytest_ = next(i for i, line in enumerate(planned) if "-m pytest" in line)
    assert install < pytest_, planned


def test_ci_runs_the_script_then_make_test(tmp_path: Path) -> None:
    log = tmp_path / "make.log"
    path = tools(tmp_path / "bin", id="echo 1000", make=f'echo "$@" >> {log}')
    env = {"PATH": str(path), "HOME": os.environ.get("HOME", "/")}
    done = subprocess.run(
        [_which("bash"), str(ROOT / ".ci" / "run")], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert "install-system-deps: missing" in done.stderr  # the script ran, and said so
    assert log.read_text(encoding="utf-8").split() == ["test"]


SKIPPING = """\
import pytest

def test_kept():
    pass

def test_drawn():
    pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")

@pytest.mark.parametrize("engine", ["a", "b"])
def test_engines_agree(engine):
    pytest.skip("Apache Jena cannot run here (apt-get install libapache-jena-java)")
"""


def test_the_last_lines_name_each_skipped_test_and_what_enables_it(tmp_path: Path) -> None:
    (tmp_path / "test_skipping.py").write_text(SKIPPING, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}
    env.pop("PYTEST_ADDOPTS", None)  # the run under test is plain pytest, whatever runs this one
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "3 skipped: what these tests promise" in line)
    tail = lines[start + 1 :]
    assert tail[:5] == [
        "Apache Jena cannot run here (apt-get install libapache-jena-java)",
        "    test_skipping.py::test_engines_agree[a]",
        "    test_skipping.py::test_engines_agree[b]",
        "Graphviz's dot is not installed (apt-get install graphviz)",
        "    test_skipping.py::test_drawn",
    ]
    assert "1 passed, 3 skipped" in tail[-1]
