"""The dataset validated in batches of sources (issue #19) gives the whole-graph report: the
same findings (node, path, value, component, severity, message, file, line), files and node
count, on a synthetic corpus with planted faults and on the real data."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from stancegraph import shacl, validate
from stancegraph.sources import find_project
from stancegraph.validate import run

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _script(name: str) -> ModuleType:
    if str(ROOT / "scripts") not in sys.path:
        sys.path.insert(0, str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def same(report: validate.Report) -> str:
    """The report as JSON, blank nodes unnamed: the parser names them anew on every read (two
    whole-graph runs differ there too)."""
    return re.sub(r'"_:[A-Za-z0-9]+"', '"_:"', validate.to_json(report))


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real article and two synthetic ones (three sources), four faults planted."""
    synth = _script("synth_corpus")
    template = synth.read_template(ROOT)
    scale = len(template.actors) + 3 * sum(len(s.triples) for s in template.sources) // 2 * 2
    out = tmp_path_factory.mktemp("batches") / "corpus"
    synth.generate(ROOT, out, scale, seed=3, quiet=True, count=False, faults=4)
    return out


def test_a_batch_per_source_gives_the_whole_graph_report(faulty: Path) -> None:
    project = find_project(home=faulty)
    batches = run.source_batches(project, 1)
    assert len(batches) == len(project.sources) >= 3, "one batch per source"
    assert batches[0][0] == project.actors_file, "the shared actors come first"
    told: list[tuple[int, int]] = []
    whole = validate.validate_dataset(project, engine="pyshacl")
    batched = validate.validate_dataset(
        project, engine="pyshacl", batch_bytes=1, progress=lambda n, of: told.append((n, of))
    )
    assert told == [(n, len(batches)) for n in range(1, len(batches) + 1)]
    assert whole.violations, "the planted faults are found"
    assert same(batched) == same(whole)


def test_small_data_is_one_batch(faulty: Path) -> None:
    project = find_project(home=faulty)
    assert len(run.source_batches(project, run.BATCH_BYTES)) == 1


def test_the_real_data_in_batches_gives_the_whole_graph_report() -> None:
    project = find_project(home=ROOT)
    whole = validate.validate_dataset(project, engine="pyshacl")
    batched = run.validate_in_batches(project, run.source_batches(project, 1), "pyshacl")
    assert same(batched) == same(whole)


@pytest.mark.parametrize("value", ["0", "-5", "lots", "1e6"])
def test_a_batch_size_that_is_no_number_is_one_line_and_exit_2(value: str) -> None:
    from click.testing import CliRunner

    from stancegraph.cli import cli

    result = CliRunner().invoke(
        cli, ["--home", str(ROOT), "validate"], env={"STANCEGRAPH_BATCH_BYTES": value}
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"stancegraph: error: $STANCEGRAPH_BATCH_BYTES: {value!r} is not a positive number "
        "of bytes\n"
    )


@pytest.mark.skipif(
    shacl.jena_problem() is not None, reason="Apache Jena cannot run here (.ci/run installs it)"
)
def test_batches_on_one_jvm_give_the_whole_graph_report_on_jena(faulty: Path) -> None:
    """On Jena, one JVM validates batch after batch while the checks run on the one before."""
    project = find_project(home=faulty)
    whole = validate.validate_dataset(project, engine="jena")
    batched = validate.validate_dataset(project, engine="jena", batch_bytes=1)
    assert whole.violations, "the planted faults are found"
    assert batched.engine == whole.engine
    assert same(batched) == same(whole)
