"""``build`` one graph at a time (issue #19): the files are the same whichever way the graphs
come (the embedded store, the files, an assembled dataset) and however the spool is cut, and
the N-Quads file is the one the rdflib writer gave before, byte for byte."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Dataset

from conftest import MINI
from stancegraph import build, graph, store
from stancegraph.sources import Project, find_project

BLANK = """
@prefix ex: <http://example.org/> .
<https://w3id.org/stancegraph/id/claim/mini/1> ex:detail [ ex:a "one" ; ex:b [ ex:c "two" ] ] ,
    [ ex:a "one" ] .
"""


def project_with_blank_nodes(tmp_path: Path) -> Project:
    home = tmp_path / "project"
    shutil.copytree(MINI, home, ignore=shutil.ignore_patterns(".stancegraph", "dist"))
    (home / "data" / "mini" / "blank.ttl").write_text(BLANK, encoding="utf-8")
    return find_project(home=home)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_the_files_are_the_same_from_the_files_the_store_and_an_assembled_dataset(
    tmp_path: Path,
) -> None:
    project = project_with_blank_nodes(tmp_path)
    build.build(project, tmp_path / "from-files")
    assert store.embedded_status(project).state == "missing", "build loads no store"
    store.load_embedded(project)
    build.build(project, tmp_path / "from-store")
    build.build(project, tmp_path / "from-dataset", source=graph.assemble(project))
    first = files_of(tmp_path / "from-files")
    assert first == files_of(tmp_path / "from-store")
    assert first == files_of(tmp_path / "from-dataset")


def test_spooled_in_small_runs_the_files_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The N-Quads and Turtle lines are merged from sorted runs on disk: cut into runs of 7
    lines, they come out as from one run."""
    project = project_with_blank_nodes(tmp_path)
    build.build(project, tmp_path / "one-run")
    monkeypatch.setattr(build, "RUN_LINES", 7)
    build.build(project, tmp_path / "many-runs")
    assert files_of(tmp_path / "one-run") == files_of(tmp_path / "many-runs")


def test_nquads_are_what_the_rdflib_writer_gave(tmp_path: Path) -> None:
    """Byte for byte what the build wrote before issue #19: every graph relabelled by
    canonical_triples, serialised by rdflib as N-Quads, lines sorted and unique."""
    project = project_with_blank_nodes(tmp_path)
    build.build(project, tmp_path / "dist")
    before = Dataset()
    for iri, g in graph.named_graphs(graph.assemble(project)).items():
        target = before.graph(iri)
        for triple in build.canonical_triples(g, build.graph_salt(str(iri))):
            target.add(triple)
    text = graph.nquads(before).decode("utf-8")
    expected = "\n".join(sorted({line for line in text.splitlines() if line.strip()})) + "\n"
    assert (tmp_path / "dist" / "stancegraph.nq").read_text(encoding="utf-8") == expected


def test_the_prefixes_are_those_the_files_declare_and_use(tmp_path: Path) -> None:
    project = project_with_blank_nodes(tmp_path)
    declared = build.declared_prefixes(project)
    assert declared["ex"] == "http://example.org/"
    assert declared["sg"] == "https://w3id.org/stancegraph/ontology#"
    result = build.build(project, tmp_path / "dist")
    head = (tmp_path / "dist" / "stancegraph.ttl").read_text(encoding="utf-8").splitlines()
    assert "@prefix ex: <http://example.org/> ." in head
    assert not any(line.startswith("@prefix brick:") for line in head), "declared, not used"
    assert result.triples == graph.triple_counts(graph.assemble(project))


def test_a_prefix_line_after_the_first_statement_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "late.ttl"
    path.write_text(
        "# a comment\n@prefix a: <http://a.example/> .\nPREFIX b: <http://b.example/>\n\n"
        "a:x a:p a:y .\n@prefix c: <http://c.example/> .\n",
        encoding="utf-8",
    )
    assert list(build._head_prefixes(path)) == [
        ("a", "http://a.example/"),
        ("b", "http://b.example/"),
    ]
