"""``stancegraph build``: the files in dist/, their metadata, and that they are reproducible."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest
from click.testing import CliRunner
from rdflib import RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, VOID

from conftest import MINI, with_picture_queries
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
        pytest.skip("sha256sum is not installed (apt-get install coreutils)")
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


def test_one_reading_of_a_header_in_void_the_cli_listing_and_the_site(tmp_path: Path) -> None:
    """Issue #15: build read the ``#+`` header its own way, dropping a continuation line and
    reading a key in any case, while the catalogue (the CLI, the site) joined the line and took
    ``#+ Summary:`` for text. One reader now: a continuation line is joined to its field, a key
    is read in lower case, and void.ttl, ``query --list`` and the site say the same."""
    if not shutil.which("dot"):
        pytest.skip("Graphviz's dot is not installed (the site draws the pictures)")
    home = with_picture_queries(copy_mini(tmp_path))
    (home / "queries" / "claimants.rq").write_text(
        "#+ Summary: Claims and\n"
        "#+   their claimants\n"
        "#+ description: Every claim in the graph\n"
        "#+   with the actor who asserts it.\n"
        "#+ Tags: claims,\n"
        "#+   smoke\n"
        "PREFIX sg: <https://w3id.org/stancegraph/ontology#>\n"
        "SELECT ?claim ?actor WHERE { ?claim sg:assertedBy ?actor }\n",
        encoding="utf-8",
    )
    summary = "Claims and their claimants"
    description = "Every claim in the graph with the actor who asserts it."
    build.build(find_project(home=home), tmp_path / "dist")
    void = safety.parse_file(tmp_path / "dist" / "void.ttl")
    query = URIRef(build.QUERY_BASE + "claimants")
    assert [str(o) for o in void.objects(query, RDFS.comment)] == [summary]
    assert [str(o) for o in void.objects(query, DCTERMS.description)] == [description]
    assert {str(k) for k in void.objects(query, SCHEMA.keywords)} == {"claims", "smoke"}

    listing = CliRunner().invoke(cli, ["--home", str(home), "query", "--list", "--wide"])
    assert listing.exit_code == 0, listing.output
    (row,) = [line for line in listing.output.splitlines() if "claimants" in line]
    assert summary in row and "claims, smoke" in row

    from stancegraph import docs

    site = docs.build_site(find_project(home=home), tmp_path / "site")
    page = (site.out_dir / "queries" / "claimants.html").read_text(encoding="utf-8")
    assert f"<h1>{summary}</h1>" in page
    assert f'<p class="lead">{description}</p>' in page
    assert "<tr><th>tags</th><td>claims, smoke</td></tr>" in page


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
        ("SELECT ?x WHERE { ?x \n", "q.rq:1:19: SPARQL syntax error: "),
        ("INSERT DATA { <a:s> <a:p> <a:o> }", "q.rq: SPARQL Update is refused: "),
    ],
)
def test_a_text_that_is_no_query_is_refused_naming_the_file(text: str, message: str) -> None:
    """Told as the catalogue tells it (issue #15: one reader), with the line and column."""
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


# --- all or nothing (issue #22) -------------------------------------------------------------------

#: Runs ``stancegraph build`` in a process of its own that stops itself with signal ``argv[2]`` at
#: point ``argv[1]``: ``file-N`` when the build is about to write its file number N (0 to 5),
#: ``swap`` just before the new folder is swapped in (what is not the build's already moved
#: into it), ``swapped`` just after; ``aside``: as where there is no atomic exchange, between
#: renaming the old folder aside and the new one in. The rest of argv is the command line.
STOPPER = """
import errno, os, signal, sys
from stancegraph import build
from stancegraph.cli import main

point, sig = sys.argv[1], getattr(signal, sys.argv[2])
written = []
# a shell that starts a job in the background (`.ci/run &`) starts it with SIGINT ignored, and
# Python then installs no KeyboardInterrupt handler: the stop would never come
signal.signal(signal.SIGINT, signal.default_int_handler)

def stop():
    os.kill(os.getpid(), sig)
    signal.pause()  # SIGINT is delivered here, as KeyboardInterrupt

write, swap = build._write, getattr(build, "_swap", None)

def stopping_write(*args, **kwargs):
    if point == f"file-{len(written)}":
        stop()
    written.append(args)
    return write(*args, **kwargs)

def stopping_swap(new, out):
    if point == "swap":
        stop()
    swap(new, out)
    if point == "swapped":
        stop()

def no_exchange(a, b):
    raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))

rename = os.rename

def stopping_rename(src, dst):
    rename(src, dst)
    if ".old-" in str(dst):
        stop()

build._write = stopping_write
if swap is not None:
    build._swap = stopping_swap
if point == "aside":
    build._exchange, os.rename = no_exchange, stopping_rename
main(sys.argv[3:])
"""

STOP_POINTS = [f"file-{n}" for n in range(6)] + ["swap", "swapped"]


def sha256sum_check(folder: Path) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("sha256sum")
    if tool is None:
        pytest.skip("sha256sum is not installed (apt-get install coreutils)")
    return subprocess.run([tool, "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)


def leftovers(out: Path) -> list[str]:
    """What builds left beside ``out`` (their new or old folders)."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def built_then_changed(tmp_path: Path) -> tuple[Project, Path, dict[str, bytes]]:
    """A project built into ``dist/`` (which also holds a README and a ``docs/`` folder of the
    user's), then changed, so that the next build writes other bytes. Returns the project, the
    folder and what the first build wrote."""
    project = find_project(home=copy_mini(tmp_path))
    out = project.root / "dist"
    build.build(project, out)
    (out / "README").write_text("not the build's\n", encoding="utf-8")
    (out / "docs").mkdir()
    (out / "docs" / "index.html").write_text("<p>the site</p>\n", encoding="utf-8")
    old = files_of(out)
    statements = project.root / "data" / "mini" / "statements.ttl"
    statements.write_text(
        statements.read_text(encoding="utf-8").replace("It will last.", "It will not last."),
        encoding="utf-8",
    )
    return project, out, old


def stopped_build(project: Project, point: str, sig: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, HOME_ENV: str(project.root)}
    return subprocess.run(
        [sys.executable, "-c", STOPPER, point, sig, "build"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("point", STOP_POINTS)
@pytest.mark.parametrize("sig", ["SIGKILL", "SIGINT"])
def test_a_stopped_build_leaves_the_old_set_or_the_new_one(
    tmp_path: Path, point: str, sig: str
) -> None:
    """Issue #22: a build killed part way left new TriG and N-Quads beside the old Turtle,
    JSON-LD, VoID and SHA256SUMS, so that ``sha256sum -c`` failed. Now, stopped anywhere, the
    folder holds one complete set (the old one until the swap, the new one after), and the next
    build leaves nothing behind and gives back anything of the user's that it had moved."""
    project, out, old = built_then_changed(tmp_path)
    done = stopped_build(project, point, sig)
    if sig == "SIGKILL":
        assert done.returncode == -9, done.stderr
    else:
        assert done.returncode == 130, done.stderr
        assert done.stderr.strip().splitlines()[-1] == "stancegraph: error: aborted"
        assert leftovers(out) == []  # Ctrl-C cleans up at once
    check = sha256sum_check(out)
    assert check.returncode == 0, check.stdout + check.stderr
    ours = {name: data for name, data in files_of(out).items() if name in EXPECTED_FILES}
    old_ours = {name: data for name, data in old.items() if name in EXPECTED_FILES}
    if point == "swapped":
        assert ours != old_ours and (out / "README").is_file()
    else:
        assert ours == old_ours
    if not (point == "swap" and sig == "SIGKILL"):  # else they wait in the new folder
        assert (out / "README").read_text(encoding="utf-8") == "not the build's\n"
        assert (out / "docs" / "index.html").is_file()

    build.build(project, out)
    assert leftovers(out) == []
    assert sha256sum_check(out).returncode == 0
    assert sorted(files_of(out)) == sorted([*EXPECTED_FILES, "README"])
    assert (out / "README").read_text(encoding="utf-8") == "not the build's\n"
    assert (out / "docs" / "index.html").read_text(encoding="utf-8") == "<p>the site</p>\n"


def test_a_full_disk_leaves_the_old_set_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #22: the disk fills while the third file is written (half of it lands): exit 2,
    one line naming the folder and the reason, and the folder as it was, with nothing beside."""
    project, out, old = built_then_changed(tmp_path)
    real_open = open
    opened: list[str] = []

    class FillingFile:
        def __init__(self, fh: Any) -> None:
            self.fh = fh

        def __enter__(self) -> FillingFile:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def write(self, data: bytes) -> int:
            self.fh.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def filling_open(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        fh = real_open(path, mode, *args, **kwargs)
        opened.append(Path(path).name)
        return FillingFile(fh) if len(opened) == 3 else fh

    monkeypatch.setattr(build, "open", filling_open, raising=False)
    result = CliRunner().invoke(cli, ["--home", str(project.root), "build"])
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"stancegraph: error: {out}: cannot write the build: No space left on device; "
        "the folder is as it was\n"
    )
    assert opened == ["stancegraph.trig", "stancegraph.nq", "stancegraph.ttl"]
    assert files_of(out) == old
    assert (out / "docs" / "index.html").is_file()
    assert leftovers(out) == []
    assert sha256sum_check(out).returncode == 0


def test_where_the_atomic_swap_is_missing_two_renames_do_and_a_stop_between_is_repaired(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without ``renameat2(RENAME_EXCHANGE)`` (not Linux, or a file system without it) the old
    folder is renamed aside and the new one in. A build stopped between the two renames leaves
    no ``dist/`` at all; the next build puts the old set back before anything else, then
    builds, keeping the user's files."""
    project, out, old = built_then_changed(tmp_path)

    def no_exchange(a: Path, b: Path) -> None:
        raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))

    monkeypatch.setattr(build, "_exchange", no_exchange)
    build.build(project, out)
    assert leftovers(out) == [] and sha256sum_check(out).returncode == 0
    assert (out / "README").is_file() and (out / "docs" / "index.html").is_file()
    new = files_of(out)
    assert new != old

    done = stopped_build(project, "aside", "SIGKILL")
    assert done.returncode == -9, done.stderr
    assert not out.exists()
    assert len(leftovers(out)) == 2  # the old set aside, the new one beside

    build.build(project, out)  # with the atomic swap again
    assert leftovers(out) == [] and sha256sum_check(out).returncode == 0
    assert files_of(out) == new


def test_ctrl_c_between_the_two_renames_puts_the_old_set_back(tmp_path: Path) -> None:
    project, out, old = built_then_changed(tmp_path)
    done = stopped_build(project, "aside", "SIGINT")
    assert done.returncode == 130, done.stderr
    assert files_of(out) == old
    assert leftovers(out) == []


def test_a_symbolic_link_to_the_output_folder_stays_a_link(tmp_path: Path) -> None:
    """The folder a link names is replaced, not the link (which a swap would turn into a
    folder); the folder keeps its permissions."""
    project = find_project(home=copy_mini(tmp_path))
    real = tmp_path / "published"
    real.mkdir(mode=0o750)
    real.chmod(0o750)
    (project.root / "dist").symlink_to(real)
    result = CliRunner().invoke(cli, ["--home", str(project.root), "build"])
    assert result.exit_code == 0, result.output
    assert (project.root / "dist").is_symlink()
    assert sorted(files_of(real)) == sorted(EXPECTED_FILES)
    assert real.stat().st_mode & 0o777 == 0o750
    assert leftovers(real) == []


@pytest.mark.parametrize("where", [".", ".."])
def test_the_project_folder_is_no_output_folder(tmp_path: Path, where: str) -> None:
    """Replacing the output folder whole must never take the project with it."""
    home = copy_mini(tmp_path)
    out = home / where
    result = CliRunner().invoke(cli, ["--home", str(home), "build", "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"stancegraph: error: {out.absolute()}: the output folder would hold the project; "
        "give another one\n"
    )
