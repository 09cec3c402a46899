"""``stancegraph build``: the files in dist/, their metadata, and that they are reproducible."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner
from rdflib import RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, VOID

from conftest import MINI
from stancegraph import build, graph, safety
from stancegraph.cli import cli
from stancegraph.errors import QueryError
from stancegraph.sources import HOME_ENV, Project, find_project

DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SH = Namespace("http://www.w3.org/ns/shacl#")
SCHEMA = Namespace("https://schema.org/")
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")

EXPECTED_FILES = [
    "stancegraph.trig",
    "stancegraph.nq",
    "stancegraph.ttl",
    "stancegraph.jsonld",
    "void.ttl",
    "SHA256SUMS",
]

# Two graphs with the same blank-node structure, and a list: what canonical labels must handle.
BNODE_DATA = """
@prefix sg:   <https://w3id.org/stancegraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<https://w3id.org/stancegraph/id/claim/mini/1> sg:note [ rdfs:label "same shape" ] ;
    sg:items ( "a" "b" "c" ) .
[] rdfs:comment "a lone blank node" .
"""
BNODE_ACTORS = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sg:   <https://w3id.org/stancegraph/ontology#> .

<https://w3id.org/stancegraph/id/person/ivan-petrov> sg:note [ rdfs:label "same shape" ] .
"""


def copy_mini(tmp_path: Path, name: str = "project") -> Path:
    home = tmp_path / name
    shutil.copytree(MINI, home, ignore=shutil.ignore_patterns(".stancegraph", "dist"))
    return home


def with_blank_nodes(tmp_path: Path) -> Project:
    home = copy_mini(tmp_path)
    (home / "data" / "mini" / "blank.ttl").write_text(BNODE_DATA, encoding="utf-8")
    actors = home / "data" / "actors.ttl"
    actors.write_text(actors.read_text(encoding="utf-8") + BNODE_ACTORS, encoding="utf-8")
    return find_project(home=home)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def counts(dataset: Dataset) -> dict[str, int]:
    return {str(iri): n for iri, n in graph.triple_counts(dataset).items()}


@pytest.fixture(scope="module")
def mini_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    build.build(find_project(home=MINI), out)
    return out


# --- what is written ------------------------------------------------------------------------------


def test_build_writes_every_file(mini_dist: Path) -> None:
    assert sorted(files_of(mini_dist)) == sorted(EXPECTED_FILES)


def test_sha256sums_checks_every_other_file(mini_dist: Path) -> None:
    sums = build.read_checksums(mini_dist)
    assert sorted(sums) == sorted(set(EXPECTED_FILES) - {"SHA256SUMS"})
    for name, digest in sums.items():
        assert hashlib.sha256((mini_dist / name).read_bytes()).hexdigest() == digest, name


def test_sha256sums_is_accepted_by_sha256sum(mini_dist: Path) -> None:
    tool = shutil.which("sha256sum")
    if tool is None:
        pytest.skip("sha256sum is not installed")
    done = subprocess.run([tool, "-c", "SHA256SUMS"], cwd=mini_dist, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_nquads_lines_are_sorted_and_unique(mini_dist: Path) -> None:
    lines = (mini_dist / "stancegraph.nq").read_text(encoding="utf-8").splitlines()
    assert lines == sorted(set(lines))


def test_jsonld_context_is_inline(mini_dist: Path) -> None:
    doc = json.loads((mini_dist / "stancegraph.jsonld").read_text(encoding="utf-8"))
    assert isinstance(doc["@context"], dict), "the @context must be inline, not a URL"
    assert doc["@context"]["sg"] == "https://w3id.org/stancegraph/ontology#"
    # Parsing it goes through the same guard that refuses remote contexts.
    safety.parse_file(mini_dist / "stancegraph.jsonld")


def test_trig_has_one_named_graph_per_layer(mini_dist: Path) -> None:
    text = (mini_dist / "stancegraph.trig").read_text(encoding="utf-8")
    blocks = [line.split()[0] for line in text.splitlines() if line.endswith("{")]
    assert blocks == [
        "<https://w3id.org/stancegraph/graph/ontology>",
        "<https://w3id.org/stancegraph/graph/vocab>",
        "<https://w3id.org/stancegraph/graph/shapes>",
        "<https://w3id.org/stancegraph/graph/actors>",
        "<https://w3id.org/stancegraph/graph/source/mini>",
    ]


# --- round trip -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["stancegraph.trig", "stancegraph.nq", "stancegraph.jsonld"])
def test_every_quad_file_parses_back_to_the_same_graphs(tmp_path: Path, name: str) -> None:
    project = with_blank_nodes(tmp_path)
    out = tmp_path / "dist"
    build.build(project, out)
    source = graph.assemble(project)
    parsed = safety.parse_file(out / name)
    assert isinstance(parsed, Dataset)
    assert counts(parsed) == counts(source)
    original = graph.named_graphs(source)
    for iri, g in graph.named_graphs(parsed).items():
        assert isomorphic(g, original[iri]), f"{name}: graph {iri} differs"


@pytest.mark.parametrize("name", ["stancegraph.trig", "stancegraph.nq"])
def test_oxigraph_reads_the_quad_files_too(mini_dist: Path, name: str) -> None:
    store = pyoxigraph.Store()
    store.bulk_load(path=str(mini_dist / name))
    answer = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    found = {s["g"].value: int(s["n"].value) for s in answer}
    assert found == counts(graph.assemble(find_project(home=MINI)))


def test_merged_turtle_holds_the_union_of_the_graphs(tmp_path: Path) -> None:
    project = with_blank_nodes(tmp_path)
    out = tmp_path / "dist"
    build.build(project, out)
    merged = safety.parse_file(out / "stancegraph.ttl")
    source = graph.assemble(project)
    assert len(merged) == len(graph.union_graph(source))
    assert len(merged) == sum(counts(source).values())  # no blank node merged across graphs


# --- deterministic --------------------------------------------------------------------------------


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    project = with_blank_nodes(tmp_path)
    build.build(project, tmp_path / "a")
    build.build(project, tmp_path / "b")
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")


def test_builds_in_fresh_processes_are_byte_identical(tmp_path: Path) -> None:
    """Hash randomisation changes set and dict orders between processes; not the output."""
    project = with_blank_nodes(tmp_path)
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, HOME_ENV: str(project.root)}
        code = "from stancegraph.cli import main; main()"
        done = subprocess.run(
            [sys.executable, "-c", code, "build", "--out", str(tmp_path / seed)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
    assert files_of(tmp_path / "1") == files_of(tmp_path / "2")


def test_the_order_of_statements_in_a_source_does_not_matter(tmp_path: Path) -> None:
    first = with_blank_nodes(tmp_path / "first")
    second = with_blank_nodes(tmp_path / "second")
    # Same statements, blocks in reverse order and the blank-node file under another name.
    statements = second.root / "data" / "mini" / "statements.ttl"
    text = statements.read_text(encoding="utf-8")
    head, _, body = text.partition("\n\n")
    blocks = body.strip().split("\n\n")
    statements.write_text(head + "\n\n" + "\n\n".join(reversed(blocks)) + "\n", encoding="utf-8")
    blank = second.root / "data" / "mini" / "blank.ttl"
    blank.rename(blank.with_name("another-name.ttl"))
    build.build(first, tmp_path / "a")
    build.build(second, tmp_path / "b")
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")


def test_no_timestamp_but_the_ones_the_sources_state(mini_dist: Path) -> None:
    meta = safety.parse_file(mini_dist / "void.ttl")
    dates = {o for o in meta.objects() if isinstance(o, Literal) and o.datatype in _DATE_TYPES}
    ontology = safety.parse_file(MINI / "ontology" / "stancegraph.ttl")
    stated = {o for o in ontology.objects() if isinstance(o, Literal) and o.datatype in _DATE_TYPES}
    assert dates <= stated


_XSD = "http://www.w3.org/2001/XMLSchema#"
_DATE_TYPES = {URIRef(_XSD + t) for t in ("date", "dateTime", "dateTimeStamp")}


# --- metadata -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def void(mini_dist: Path) -> Graph:
    return safety.parse_file(mini_dist / "void.ttl")


def test_void_names_title_license_and_version(void: Graph) -> None:
    d = build.DATASET
    assert (d, RDF.type, VOID.Dataset) in void
    assert (d, RDF.type, DCAT.Dataset) in void
    assert void.value(d, DCTERMS.title) is not None
    assert void.value(d, DCTERMS.license) == CC_BY
    version = graph.ontology_version(graph.assemble(find_project(home=MINI)))
    assert str(void.value(d, OWL.versionInfo)) == version == "0.0.1"
    assert str(void.value(d, DCAT.version)) == version


def test_void_counts_triples_per_graph(void: Graph) -> None:
    expected = counts(graph.assemble(find_project(home=MINI)))
    subsets = set(void.objects(build.DATASET, VOID.subset))
    found = {str(s): int(void.value(s, VOID.triples)) for s in subsets}  # type: ignore[arg-type]
    assert found == expected
    assert int(void.value(build.DATASET, VOID.triples)) == sum(expected.values())  # type: ignore[arg-type]


def test_void_lists_every_class_and_property_used(void: Graph) -> None:
    source = graph.union_graph(graph.assemble(find_project(home=MINI)))
    partitions = void.objects(build.DATASET, VOID.classPartition)
    classes = {void.value(p, VOID["class"]) for p in partitions}
    assert classes == {o for o in source.objects(None, RDF.type)}
    partitions = void.objects(build.DATASET, VOID.propertyPartition)
    properties = {void.value(p, VOID.property): void.value(p, VOID.triples) for p in partitions}
    quads = sum(counts(graph.assemble(find_project(home=MINI))).values())
    assert sum(int(n) for n in properties.values()) == quads  # type: ignore[call-overload]
    assert set(properties) == set(source.predicates())


def test_each_file_is_a_distribution_with_size_type_and_checksum(
    mini_dist: Path, void: Graph
) -> None:
    distributions = set(void.objects(build.DATASET, DCAT.distribution))
    names = {str(void.value(d, DCTERMS.identifier)): d for d in distributions}
    assert sorted(names) == sorted(build.DATA_FILES)
    for name, dist in names.items():
        data = (mini_dist / name).read_bytes()
        assert int(void.value(dist, DCAT.byteSize)) == len(data)  # type: ignore[arg-type]
        media = str(void.value(dist, DCAT.mediaType))
        assert media.endswith("/" + build.DATA_FILES[name])
        checksum = void.value(dist, SPDX.checksum)
        assert void.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(void.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()


def test_saved_queries_are_described_as_examples(void: Graph) -> None:
    query = URIRef(build.QUERY_BASE + "claims-by-actor")  # tests/fixtures/mini/queries/
    assert (build.DATASET, VOID.exampleResource, query) in void
    assert (query, RDF.type, SH.SPARQLExecutable) in void
    assert (query, RDF.type, SH.SPARQLSelectExecutable) in void
    assert str(void.value(query, RDFS.comment)) == "Claims and who asserts them."
    assert void.value(query, SCHEMA.target) == build.DATASET
    text = (MINI / "queries" / "claims-by-actor.rq").read_text(encoding="utf-8")
    assert str(void.value(query, SH.select)) == text


def test_query_header_tags_and_description(tmp_path: Path) -> None:
    home = copy_mini(tmp_path)
    (home / "queries" / "ask-any-claim.rq").write_text(
        "#+ summary: Is there any claim?\n"
        "#+ description: True when the graph holds a claim.\n"
        "#+ tags:\n#+   - claims\n#+   - smoke\n"
        "PREFIX sg: <https://w3id.org/stancegraph/ontology#>\nASK { ?c a sg:Claim }\n",
        encoding="utf-8",
    )
    (home / "queries" / "qa").mkdir()
    (home / "queries" / "qa" / "check.rq").write_text("SELECT * { ?s ?p ?o }\n", encoding="utf-8")
    result = build.build(find_project(home=home), tmp_path / "dist")
    assert [q.name for q in result.queries] == ["ask-any-claim", "claims-by-actor"]
    void = safety.parse_file(tmp_path / "dist" / "void.ttl")
    query = URIRef(build.QUERY_BASE + "ask-any-claim")
    assert (query, RDF.type, SH.SPARQLAskExecutable) in void
    assert {str(k) for k in void.objects(query, SCHEMA.keywords)} == {"claims", "smoke"}
    assert str(void.value(query, DCTERMS.description)) == "True when the graph holds a claim."


QUERY_FORMS = {
    "SELECT ?s WHERE { ?s ?p ?o }": "SelectQuery",
    "ASK { ?s ?p ?o }": "AskQuery",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }": "ConstructQuery",
    "CONSTRUCT WHERE { ?s ?p ?o }": "ConstructQuery",
    "DESCRIBE ?s WHERE { ?s ?p ?o }": "DescribeQuery",
    "# DESCRIBE in a comment\nPREFIX describe: <http://example.org/describe#>\n"
    "CONSTRUCT { ?s describe:x ?o } WHERE { ?s ?p ?o }": "ConstructQuery",
    "ASK { SERVICE <http://192.0.2.1/sparql> { ?s ?p ?o } }": "AskQuery",
    "SELECT * WHERE { SERVICE <http://192.0.2.1/sparql> { ?s ?p ?o } }": "SelectQuery",
}


@pytest.mark.parametrize("text", list(QUERY_FORMS))
def test_each_saved_query_form_is_told_as_rdflib_tells_it(text: str) -> None:
    """The VoID class of a saved query; one with SERVICE is only parsed, never run (issue #8)."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    form = build.query_form(text, Path("q.rq"))
    assert form == QUERY_FORMS[text] == translateQuery(parseQuery(text)).algebra.name


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT ?x WHERE { ?x \n", "q.rq: not a valid SPARQL query: "),
        ("INSERT DATA { <a:s> <a:p> <a:o> }", "q.rq: not a valid SPARQL query: "),
    ],
)
def test_a_text_that_is_no_query_is_refused_naming_the_file(text: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        build.query_form(text, Path("q.rq"))
    assert str(caught.value).startswith(message)


# --- command line ---------------------------------------------------------------------------------


def test_cli_build_lists_the_files(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    result = CliRunner().invoke(cli, ["--home", str(MINI), "build", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in EXPECTED_FILES:
        assert name in result.output
        assert (out / name).is_file()


def test_cli_build_defaults_to_dist_in_the_project(tmp_path: Path) -> None:
    home = copy_mini(tmp_path)
    result = CliRunner().invoke(cli, ["--home", str(home), "build"])
    assert result.exit_code == 0, result.output
    assert sorted(files_of(home / "dist")) == sorted(EXPECTED_FILES)


def test_a_broken_saved_query_is_one_line_naming_the_file(tmp_path: Path) -> None:
    home = copy_mini(tmp_path)
    bad = home / "queries" / "broken.rq"
    bad.write_text("SELECT ?x WHERE { ?x \n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--home", str(home), "build", "--out", str(tmp_path / "d")])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stancegraph: error: ")
    assert str(bad) in lines[0]


def test_an_unwritable_output_is_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--home", str(MINI), "build", "--out", str(blocker / "d")])
    assert result.exit_code == 2
    assert "stancegraph: error: " in result.stderr
    assert "Traceback" not in result.stderr


# --- the real dataset -----------------------------------------------------------------------------


def test_the_checkout_builds_and_round_trips(project: Project, tmp_path: Path) -> None:
    build.build(project, tmp_path / "a")
    build.build(project, tmp_path / "b")
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")
    parsed = safety.parse_file(tmp_path / "a" / "stancegraph.trig")
    assert counts(parsed) == counts(graph.assemble(project))
