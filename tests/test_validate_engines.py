"""A second, independent SHACL engine (Apache Jena) agrees with pySHACL.

On the fixture dataset, the real dataset and every example contribution, both engines validate
the same data graph (the one `stancegraph validate` builds, blank nodes skolemised so that both
name the same focus nodes) against the project's shapes; they must agree on conformance and on
the set of (focus node, path, constraint component, severity) of the results about the nodes
under check. Nothing is assumed: each side's report is read.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, URIRef

import shacl_engines as engines
from stancegraph import validate
from stancegraph.errors import InputError
from stancegraph.sources import find_project
from validate_support import ROOT, cases, make_project

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not engines.available(),
        reason="Apache Jena is not installed (apt-get install libapache-jena-java; .ci/run does)",
    ),
]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("project"))


def compare(ctx: validate.Context, workdir: Path) -> tuple[set, set]:
    data = engines.skolemize(ctx.data)
    focus = {URIRef(engines.SKOLEM + str(n)) if isinstance(n, BNode) else n for n in ctx.focus}
    ours = validate.run_shacl(data, ctx.model.shapes)
    theirs = engines.jena_validate(data, ctx.model.shapes, workdir)
    a, b = engines.result_keys(ours, focus), engines.result_keys(theirs, focus)
    assert engines.conforms(ours) == engines.conforms(theirs)
    return a, b


def assert_agree(a: set, b: set) -> None:
    only_py = "\n".join(f"  pySHACL only: {k}" for k in sorted(a - b))
    only_jena = "\n".join(f"  Jena only:    {k}" for k in sorted(b - a))
    assert a == b, f"the engines disagree:\n{only_py}\n{only_jena}"


def test_engines_agree_on_the_fixture_dataset(home: Path, tmp_path: Path) -> None:
    assert_agree(*compare(validate.dataset_context(find_project(home=home)), tmp_path))


def test_engines_agree_on_the_real_dataset(tmp_path: Path) -> None:
    project = find_project(home=ROOT)
    if not any(project.seeds_dir.glob("*.ttl")):
        pytest.skip("the real source description (seeds/<key>.ttl) has not landed yet")
    assert_agree(*compare(validate.dataset_context(project), tmp_path))


def test_engines_agree_on_every_example_contribution(home: Path, tmp_path: Path) -> None:
    project = find_project(home=home)
    contexts = []
    for case in cases():
        try:
            contexts.append((case, validate.contribution_context(project, [case.path])))
        except InputError:
            assert case.exit == 2, case.name  # unreadable: neither engine gets to see it
    assert len(contexts) >= 25
    datas = [engines.skolemize(ctx.data) for _case, ctx in contexts]
    shapes = contexts[0][1].model.shapes
    reports = engines.jena_validate_many(datas, shapes, tmp_path)
    for (case, ctx), data, theirs in zip(contexts, datas, reports, strict=True):
        focus = {URIRef(engines.SKOLEM + str(n)) if isinstance(n, BNode) else n for n in ctx.focus}
        ours = validate.run_shacl(data, shapes)
        assert engines.conforms(ours) == engines.conforms(theirs), case.name
        a, b = engines.result_keys(ours, focus), engines.result_keys(theirs, focus)
        assert a == b, (case.name, sorted(a - b), sorted(b - a))
