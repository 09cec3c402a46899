"""The two SHACL engines of `stancegraph validate` give the same report.

pySHACL is the reference; Apache Jena (:mod:`stancegraph.shacl`) is what ``--engine auto`` uses on
large data. On the fixture dataset, the real dataset, a synthetic corpus with planted faults and
every example contribution, ``--engine jena`` must give exactly the findings of
``--engine pyshacl``: the same nodes, paths, values, constraint components, severities, shapes,
messages, fixes, files and lines, in the same order. Blank nodes get new labels at every parse,
so they are compared by what the report says of them (``anchor/x/1 oa:hasSelector [...]``).
Nothing is assumed: each engine runs, and each test also checks what the report must contain.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, SH

from stancegraph import shacl, validate
from stancegraph.cli import cli
from stancegraph.errors import InputError, ProjectError
from stancegraph.sources import find_project
from validate_support import ROOT, cases, make_project

JENA = shacl.jena_problem() is None
needs_jena = pytest.mark.skipif(
    not JENA,
    reason="Apache Jena cannot run here "
    "(apt-get install default-jdk-headless libapache-jena-java; .ci/run does)",
)


def _name(node: object) -> str | None:
    if node is None:
        return None
    return "[]" if isinstance(node, BNode) else str(node)


def findings(report: validate.Report) -> list[tuple]:
    return [
        (
            f.focus_label,
            _name(f.path),
            _name(f.value),
            str(f.component),
            f.severity,
            _name(f.shape),
            f.message,
            f.fix,
            f.file,
            f.line,
        )
        for f in report.findings
    ]


def assert_same(ref: validate.Report, other: validate.Report) -> None:
    assert ref.engine.startswith("pySHACL ")
    assert other.engine.startswith("Apache Jena ")
    a, b = findings(ref), findings(other)
    only_py = "\n".join(f"  pySHACL only: {k}" for k in a if k not in b)
    only_jena = "\n".join(f"  Jena only:    {k}" for k in b if k not in a)
    assert a == b, f"the engines disagree:\n{only_py}\n{only_jena}"
    assert (ref.conforms, ref.nodes, ref.files) == (other.conforms, other.nodes, other.files)


def both_on_dataset(project_home: Path) -> tuple[validate.Report, validate.Report]:
    project = find_project(home=project_home)
    return (
        validate.validate_dataset(project, engine="pyshacl"),
        validate.validate_dataset(project, engine="jena"),
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("project"))


def _synth():  # the script as a module
    if "synth_corpus" in sys.modules:
        return sys.modules["synth_corpus"]
    spec = importlib.util.spec_from_file_location("synth_corpus", ROOT / "scripts/synth_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["synth_corpus"] = module
    spec.loader.exec_module(module)
    return module


@needs_jena
@pytest.mark.slow
def test_engines_agree_on_the_fixture_dataset(home: Path) -> None:
    ref, other = both_on_dataset(home)
    assert ref.conforms and not ref.findings
    assert_same(ref, other)


@needs_jena
@pytest.mark.slow
def test_engines_agree_on_the_real_dataset() -> None:
    ref, other = both_on_dataset(ROOT)
    assert ref.conforms and ref.nodes > 1500
    assert_same(ref, other)


@needs_jena
@pytest.mark.slow
def test_engines_agree_on_a_corpus_with_planted_faults(tmp_path: Path) -> None:
    synth = _synth()
    template = synth.read_template(ROOT)
    scale = len(template.actors) + sum(len(s.triples) for s in template.sources) + 3000
    manifest = synth.generate(ROOT, tmp_path / "corpus", scale, seed=3, quiet=True, faults=3)
    ref, other = both_on_dataset(tmp_path / "corpus")
    assert_same(ref, other)
    # the planted faults are found, and nothing outside the synthetic article they are in
    faults = manifest["faults"]
    assert {f["kind"] for f in faults} == {"start-not-integer", "missing-claimant"}
    focus_nodes = {f.focus for f in ref.violations}
    assert all("/syn-00001/" in f.focus_label for f in ref.violations)
    assert any(isinstance(n, BNode) for n in focus_nodes)  # the selector with oa:start "..."
    named = {URIRef(f["node"]) for f in manifest["faults"] if not f["node"].startswith("_:")}
    assert named and named <= focus_nodes


@needs_jena
@pytest.mark.slow
def test_engines_agree_on_every_example_contribution(home: Path) -> None:
    project = find_project(home=home)
    compared = 0
    for case in cases():
        try:
            ref = validate.validate_contribution(project, [case.path], engine="pyshacl")
        except InputError as exc:
            assert case.exit == 2, case.name  # unreadable: neither engine gets to see it
            with pytest.raises(InputError) as again:
                validate.validate_contribution(project, [case.path], engine="jena")
            assert str(again.value) == str(exc)
            continue
        other = validate.validate_contribution(project, [case.path], engine="jena")
        assert_same(ref, other)
        assert {f.key() for f in ref.findings} == case.expected, case.name
        compared += 1
    assert compared >= 25


@needs_jena
def test_auto_uses_jena_from_the_threshold_and_pyshacl_below(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = find_project(home=home)
    assert validate.validate_dataset(project).engine.startswith("pySHACL ")
    monkeypatch.setattr(shacl, "AUTO_JENA_TRIPLES", 1000)
    assert validate.validate_dataset(project).engine.startswith("Apache Jena ")


@pytest.mark.skipif(
    shutil.which("java") is None or shutil.which("javac") is None,
    reason="the message about the jars comes once Java is found "
    "(apt-get install default-jdk-headless)",
)
def test_jena_that_cannot_run_is_a_clear_error_and_auto_falls_back(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JENA_HOME", str(tmp_path / "no-jena"))
    result = CliRunner().invoke(cli, ["--home", str(home), "validate", "--engine", "jena"])
    assert result.exit_code == 2
    assert (
        f"the Jena SHACL engine cannot run here: no jena-shacl jar in {tmp_path / 'no-jena'}/lib "
        "(JENA_HOME)" in result.output
    )
    assert "Traceback" not in result.output
    monkeypatch.setattr(shacl, "AUTO_JENA_TRIPLES", 1000)
    result = CliRunner().invoke(cli, ["--home", str(home), "validate"])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith(f"(SHACL: {shacl.pyshacl_engine().label})")


def test_jena_gets_the_shapes_without_owl_imports(tmp_path: Path) -> None:
    shapes = Graph()
    shape = URIRef("https://example.org/shapes")
    shapes.add((shape, RDF.type, OWL.Ontology))
    shapes.add((shape, OWL.imports, URIRef("https://example.org/elsewhere")))
    out = tmp_path / "shapes.nt"
    with out.open("wb") as sink:
        written = shacl.write_ntriples(shacl._shapes_for_jena(shapes), sink)
    assert written == 1
    assert out.read_text(encoding="utf-8") == (
        "<https://example.org/shapes> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<http://www.w3.org/2002/07/owl#Ontology> .\n"
    )


@needs_jena
def test_jena_refuses_a_service_call_in_a_shape() -> None:
    """The JVM is outside the Python network guard; its SPARQL engine refuses SERVICE itself."""
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:select
            "SELECT $this WHERE { SERVICE <http://127.0.0.1:9/sparql> { $this ?p ?o } }" ] .
        """,
        format="turtle",
    )
    data = Graph().parse(data="<https://example.org/a> a <https://example.org/C> .", format="ttl")
    with pytest.raises(ProjectError, match="SERVICE not allowed"):
        shacl.run_jena(data, shapes)


@needs_jena
def test_the_jena_driver_is_compiled_once_into_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    shapes = Graph().parse(
        data="@prefix sh: <http://www.w3.org/ns/shacl#> . <https://example.org/S> a sh:NodeShape .",
        format="turtle",
    )
    for _ in range(2):
        report = shacl.run_jena(Graph(), shapes)
        assert (None, SH.conforms, None) in report
    cache = tmp_path / "cache" / "stancegraph"
    drivers = sorted(p.name for p in cache.iterdir() if p.name.startswith("jena-driver-"))
    assert len(drivers) == 1, drivers  # no half-built folder left beside it
    assert (cache / drivers[0] / f"{shacl.DRIVER}.class").is_file()


@needs_jena
@pytest.mark.skipif(
    not (shacl.DEBIAN_JAVA / "jena-shacl.jar").is_file(),
    reason="the layout is made of Debian's jars (apt-get install libapache-jena-java)",
)
def test_jena_home_is_used_as_an_apache_distribution_is_laid_out(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``$JENA_HOME/lib/*.jar``, versioned names, as an Apache Jena distribution has them (made
    here of Debian's jars: nothing else can be installed offline), and nothing of Debian's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    lib = tmp_path / "apache-jena" / "lib"
    lib.mkdir(parents=True)
    version = shacl.jena_engine().version  # Debian's, read before JENA_HOME is set
    messages = shacl._messages_jar(shacl._cache_dir())  # what an Apache jena-core holds itself
    assert version[0].isdigit() and messages is not None
    for jar in [*shacl.jena_jars(), messages]:
        (lib / f"{jar.stem}-{version}.jar").symlink_to(jar.resolve())
    monkeypatch.setenv("JENA_HOME", str(tmp_path / "apache-jena"))

    assert shacl.jena_problem() is None
    assert shacl.jena_engine() == shacl.Engine("jena", version)
    assert all(Path(p).parent == lib for p in shacl.classpath().split(os.pathsep))
    project = find_project(home=home)
    case = next(c for c in cases() if c.exit == 1)  # a contribution with violations
    ref = validate.validate_contribution(project, [case.path], engine="pyshacl")
    other = validate.validate_contribution(project, [case.path], engine="jena")
    assert other.engine == f"Apache Jena {version}"
    assert {f.key() for f in other.findings} == case.expected
    assert_same(ref, other)


@needs_jena
def test_one_jvm_validates_data_graph_after_data_graph() -> None:
    """The JVM that the batches of a large dataset share (issue #19) gives, for each data graph
    in the order given, the report a JVM of its own gives; a failure names Jena's reason."""
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .
        """,
        format="turtle",
    )
    good = Graph().parse(
        data="<https://example.org/a> a <https://example.org/C> ; <https://example.org/p> 1 .",
        format="ttl",
    )
    bad = Graph().parse(data="<https://example.org/b> a <https://example.org/C> .", format="ttl")
    with shacl.JenaServer(shapes) as server:
        for data in (bad, good, bad):
            path = server.new_data_file()
            with path.open("wb") as sink:
                shacl.write_ntriples(data, sink)
            server.submit(path)
        reports = [server.result() for _ in range(3)]
        broken = server.new_data_file()
        broken.write_text("this is not N-Triples", encoding="utf-8")
        server.submit(broken)
        with pytest.raises(ProjectError, match="Jena SHACL failed"):
            server.result()
    focus = [set(r.objects(None, SH.focusNode)) for r in reports]
    assert focus == [{URIRef("https://example.org/b")}, set(), {URIRef("https://example.org/b")}]
    alone = shacl.run_jena(bad, shapes)
    assert set(alone.objects(None, SH.focusNode)) == focus[0]
