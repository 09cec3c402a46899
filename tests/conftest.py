"""Shared fixtures: the real project (this checkout) and the small fixture project.

Tests about the shipped files use ``project``, which is this checkout; if a file they need is
missing they fail and say which, rather than skip. Tests about the package's behaviour use
``mini``, a tiny complete project under tests/fixtures/mini whose counts are known.
"""

from __future__ import annotations

import subprocess
from collections import defaultdict
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph

from stancegraph import isolation, safety
from stancegraph.sources import Project, find_project

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINI = FIXTURES / "mini"

PREFIXES = """\
@prefix sg:      <https://w3id.org/stancegraph/ontology#> .
@prefix owl:     <http://www.w3.org/2002/07/owl#> .
@prefix rdf:     <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix vann:    <http://purl.org/vocab/vann/> .
"""


def with_picture_queries(home: Path) -> Path:
    """``home`` (a copy of the mini project) with the saved queries the pictures draw, copied
    from this checkout's queries/ (tagged ``picture``): ``plot`` and ``docs`` need them."""
    import shutil

    for path in sorted((ROOT / "queries").glob("picture-*.rq")):
        shutil.copyfile(path, home / "queries" / path.name)
    return home


def record_parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every file :func:`stancegraph.safety.parse_file` parses from now on, in order (it still
    parses them): what a test reads to tell which files reached rdflib."""
    parsed: list[Path] = []
    parse_file = safety.parse_file

    def recording(path: Path, *args: object, **kwargs: object) -> object:
        parsed.append(Path(path))
        return parse_file(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(safety, "parse_file", recording)
    return parsed


def turtle(text: str) -> Graph:
    """A graph from a Turtle snippet written with the PREFIXES above."""
    return Graph().parse(data=PREFIXES + text, format="turtle")


def assert_none(found: set[Any]) -> None:
    """Fail listing every flagged item, one a line (pytest -q would cut a set's diff short)."""
    listed = "\n".join(f"  {item}" for item in sorted(found, key=str))
    assert not found, f"{len(found)} flagged:\n{listed}"


def load(paths: list[Path]) -> Graph:
    """One graph holding every file in ``paths``, each parsed through stancegraph.safety."""
    g = Graph()
    for path in paths:
        safety.parse_file(path, graph=g)
    return g


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "loopback: starts a server on 127.0.0.1 and talks to it; the network guard is off for it",
    )
    # pytest-xdist's --dist loadfile hands out the files sorted by how many tests each holds
    # (--loadscope-reorder, its default), not in collection order: the longest files, which hold
    # one test each, then ran last while the other worker sat idle. SLOW_FIRST needs the order.
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


#: The test files that take longest (minutes, not seconds): run first, so that with
#: ``make test``'s workers (pytest-xdist, a file per worker, in collection order) the rest fill
#: the other worker meanwhile instead of one long file ending the run alone.
SLOW_FIRST = (  # by the time each file took in a full run (junit durations, ci19, load 4-28)
    "test_validate_engines.py",
    "test_real_stores.py",
    "test_docs.py",
    "test_validate_mutation.py",
    "test_validate_mutation_odd.py",
    "test_queries.py",
    "test_hostile_fuzz.py",
    "test_synth.py",
    "test_pictures.py",
    "test_serve_pages.py",
    "test_withheld_texts.py",
    "test_build.py",
    "test_reasoning.py",
    "test_serve.py",
    "test_validate_batches.py",
    "test_build_streaming.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FIRST)))  # stable otherwise


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: Any) -> Generator[None]:
    """After pytest's own summary (so these are the last lines before the counts): each skipped
    test under the reason it was skipped, which names the command that enables it, then what
    scripts/install-system-deps would install here (issue #15: on a fresh machine `make test`
    skipped the Jena and docs tests and still looked green)."""
    yield
    skipped: dict[str, list[str]] = defaultdict(list)
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        skipped[reason.removeprefix("Skipped: ")].append(report.nodeid)
    if not skipped:
        return
    tr = terminalreporter
    count = sum(len(ids) for ids in skipped.values())
    tr.write_sep("=", f"{count} skipped: what these tests promise is not tested here", yellow=True)
    for reason, ids in sorted(skipped.items(), key=lambda item: -len(item[1])):
        tr.write_line(reason, yellow=True, bold=True)  # the skip says what enables it
        for nodeid in sorted(ids):
            tr.write_line(f"    {nodeid}")
    missing = _missing_system_packages()
    if missing:
        tr.write_line(
            f"To enable them: sudo scripts/install-system-deps (installs {' '.join(missing)}), "
            "then make test again; as root, make test installs them itself.",
            yellow=True,
            bold=True,
        )


def _missing_system_packages() -> list[str]:
    """What scripts/install-system-deps would install here (nothing if it cannot tell)."""
    try:
        done = subprocess.run(
            [str(ROOT / "scripts" / "install-system-deps"), "--check"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    return done.stdout.split() if done.returncode == 1 else []


@pytest.fixture(autouse=True)
def _network_guard(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test runs with stancegraph's network guard on (issue #8): any socket connection,
    DNS lookup or urllib request from Python raises NetworkRefused. Tests marked ``loopback``
    (they start a local server and talk to it) run with it off."""
    allow = request.node.get_closest_marker("loopback") is not None
    with isolation.network_guard(allow=allow):
        yield


@pytest.fixture(autouse=True)
def _no_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables are laid out for $COLUMNS (stancegraph.tables.output_width), which the runner may
    set (pytest-xdist's workers have COLUMNS=80): every test sees none, so the command line
    lays out as in a log (200 columns), unless the test gives COLUMNS itself."""
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture(scope="session")
def project() -> Project:
    """This checkout as a project (fails clearly if ontology/stancegraph.ttl is missing)."""
    return find_project(home=ROOT)


@pytest.fixture(scope="session")
def mini() -> Project:
    return find_project(home=MINI)


@pytest.fixture(scope="session")
def ontology_graph(project: Project) -> Graph:
    """ontology/stancegraph.ttl and ontology/vocab/*.ttl, together."""
    assert project.vocab_files, f"no SKOS vocabularies in {project.root / 'ontology' / 'vocab'}"
    return load([project.ontology_file, *project.vocab_files])


@pytest.fixture(scope="session")
def mini_ontology_graph(mini: Project) -> Graph:
    return load([mini.ontology_file, *mini.vocab_files])


def all_model_and_data(project: Project) -> list[Path]:
    """Ontology, vocabularies and every data file (actors and sources): what reasoners load."""
    files = [project.ontology_file, *project.vocab_files]
    if project.actors_file.is_file():
        files.append(project.actors_file)
    for source in project.sources:
        files.extend(source.rdf_files)
    return files
