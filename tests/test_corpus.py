"""The golden corpus (issue #16): golden answers that survive growth, and the fixture sources.

The saved queries' golden answers are computed on a pinned corpus (queries/golden-corpus.toml:
rd-syria-iran and the invented fixture sources of tests/fixtures/corpus), so a correct new
source in data/ changes no golden file, while adding a source to the golden corpus itself
changes the cross-source answers exactly as it should.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Literal, URIRef

from conftest import ROOT
from stancegraph import corpus, graph, queries
from stancegraph.cli import cli
from stancegraph.errors import ProjectError
from stancegraph.sources import HOME_ENV, Project

FIXTURES = ROOT / "tests" / "fixtures" / "corpus"
ID = "https://w3id.org/stancegraph/id/"
INTERVIEW = URIRef(ID + "document/fixture-review-interview")
COURIER = URIRef(ID + "document/fixture-courier-report")
SEED = URIRef(ID + "document/rd-syria-iran")
SECOND = URIRef(ID + "document/second-interview")


def copy_project(tmp_path: Path) -> Path:
    for part in ("ontology", "data", "seeds", "queries", "tests/fixtures/corpus"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def answer(engine: queries.Engine, name: str) -> queries.Answer:
    return queries.run(queries.read_query(ROOT / "queries" / f"{name}.rq"), engine)


def add_contribution(root: Path) -> None:
    """A correct new source in data/, as a contributor adds one: the interview fixture under the
    key second-interview (its link to the courier report, which is not in data/, left out), and
    the actors it names appended to data/actors.ttl."""
    key = "second-interview"
    old = "fixture-review-interview"
    shutil.copy(FIXTURES / "seeds" / f"{old}.txt", root / "seeds" / f"{key}.txt")
    description = (FIXTURES / "seeds" / f"{old}.ttl").read_text(encoding="utf-8")
    (root / "seeds" / f"{key}.ttl").write_text(description.replace(old, key), encoding="utf-8")
    statements = (FIXTURES / "data" / old / "interview.ttl").read_text(encoding="utf-8")
    statements = statements.replace(old, key).replace(
        "sg:contradicts rdsi-claim:7 , courier-claim:3 ;", "sg:contradicts rdsi-claim:7 ;"
    )
    (root / "data" / key).mkdir()
    (root / "data" / key / "interview.ttl").write_text(statements, encoding="utf-8")
    actors = (FIXTURES / "data" / "actors.ttl").read_text(encoding="utf-8")
    blocks = "\n".join(line for line in actors.splitlines() if not line.startswith("@prefix"))
    with (root / "data" / "actors.ttl").open("a", encoding="utf-8") as out:
        out.write("\n" + blocks)  # data/actors.ttl declares every prefix they use


def test_the_fixture_sources_conform() -> None:
    """Both invented sources, their actors and their links into rd-syria-iran validate."""
    result = CliRunner().invoke(
        cli, ["--home", str(ROOT), "validate", str(FIXTURES)], env={HOME_ENV: ""}
    )
    assert result.exit_code == 0, result.output
    assert "0 violations, 0 warnings" in result.output


def test_the_golden_corpus_is_the_seed_and_the_fixtures(project: Project) -> None:
    dataset = corpus.assemble(project)
    sources = {str(g) for g in graph.named_graphs(dataset) if "/graph/source/" in str(g)}
    assert sources == {
        graph.GRAPH_BASE + "source/" + key
        for key in ("rd-syria-iran", "fixture-courier-report", "fixture-review-interview")
    }
    actors = dataset.graph(graph.ACTORS_GRAPH)
    byline = URIRef(ID + "group/quill-venn-rask")
    assert (byline, graph.SG.includes, URIRef(ID + "person/ilka-rask")) in actors
    assert (URIRef(ID + "person/javad-zarif"), None, None) in actors


def test_a_new_source_in_data_changes_no_golden_file(tmp_path: Path) -> None:
    """Issue #16: 24 golden files changed with every contribution. Now a correct new source in
    data/ (it validates) leaves every golden file as it is, though the whole dataset's answers
    do change: the new source is there for `stancegraph query`, not for the goldens."""
    root = copy_project(tmp_path)
    add_contribution(root)
    env = {HOME_ENV: ""}
    checked = CliRunner().invoke(
        cli,
        [
            "--home",
            str(root),
            "validate",
            str(root / "seeds" / "second-interview.ttl"),
            str(root / "data" / "second-interview"),
        ],
        env=env,
        catch_exceptions=False,
    )
    assert checked.exit_code == 0, checked.output
    updates = queries.update_expected(Project(root))
    assert [(u.name, u.status) for u in updates if u.status != "unchanged"] == []
    # the whole dataset (rd-syria-iran and the new source; the fixtures are not in data/) sees
    # it: Zarif is quoted in two sources there
    store = ox.Store()
    dataset = graph.assemble(Project(root))
    store.load(dataset.serialize(format="nquads", encoding="utf-8"), format=ox.RdfFormat.N_QUADS)
    whole = queries.OxigraphEngine(store=store)
    rows = answer(whole, "quoted-across-sources").rows
    zarif = URIRef(ID + "person/javad-zarif")
    assert {(r[2], r[1]) for r in rows if r[0] == zarif} == {
        (SEED, Literal(2)),
        (SECOND, Literal(2)),
    }
    # what both report: each thing the new source links to, now with two sources
    both = {(r[0], r[1]) for r in answer(whole, "reported-by-several-sources").rows}
    rd = ID + "{}/rd-syria-iran/{}"
    linked = [("event", 1), ("event", 2), ("event", 4), ("claim", 10), ("stance", 4)]
    linked.append(("relation", 511))
    assert both == {(URIRef(rd.format(kind, n)), Literal(2)) for kind, n in linked}
    # where they disagree: "caught Tehran off guard" against "but not those in Iran", and
    # Tehran happy in private against Tehran unhappy in private
    second = ID + "{}/second-interview/{}"
    assert {(r[0].value, r[3], r[6]) for r in answer(whole, "source-disagreements").rows} == {
        ("contradicting claims", URIRef(rd.format("claim", 7)), URIRef(second.format("claim", 4))),
        ("opposite stances", URIRef(rd.format("stance", 6)), URIRef(second.format("stance", 3))),
    }


def test_a_fixture_source_changes_the_cross_source_answers_as_expected(tmp_path: Path) -> None:
    """Without the interview in the golden corpus, the cross-source answers lose exactly what
    the interview brings: its rows, one source in the counts, and both disagreements it has."""
    root = copy_project(tmp_path)
    pinned = queries.golden_engines(Project(ROOT))[0]
    (root / "tests/fixtures/corpus/seeds/fixture-review-interview.txt").unlink()
    (root / "tests/fixtures/corpus/seeds/fixture-review-interview.ttl").unlink()
    shutil.rmtree(root / "tests/fixtures/corpus/data/fixture-review-interview")
    smaller = queries.golden_engines(Project(root))[0]

    quoted = {(r[0], r[2]): r[1] for r in answer(pinned, "quoted-across-sources").rows}
    fewer = {(r[0], r[2]): r[1] for r in answer(smaller, "quoted-across-sources").rows}
    zarif = URIRef(ID + "person/javad-zarif")
    ferrante = URIRef(ID + "person/nadia-ferrante")
    assert quoted[(zarif, INTERVIEW)] == Literal(3) and quoted[(ferrante, INTERVIEW)] == Literal(1)
    assert fewer == {
        key: (Literal(2) if key[0] == zarif else count)
        for key, count in quoted.items()
        if key[1] != INTERVIEW
    }

    both = answer(pinned, "reported-by-several-sources").rows
    less = answer(smaller, "reported-by-several-sources").rows
    talks = URIRef(ID + "event/rd-syria-iran/4")  # only the interview reports the talks again
    assert {r[0] for r in both} - {r[0] for r in less} == {talks}
    assert {(r[2], r[3], r[5]) for r in less} == {
        (r[2], r[3], r[5]) for r in both if r[2] != INTERVIEW and r[0] != talks
    }

    disagreements = answer(pinned, "source-disagreements").rows
    assert len(disagreements) == 4
    assert all(INTERVIEW in (r[2], r[5]) for r in disagreements)
    assert answer(smaller, "source-disagreements").rows == []


def test_a_golden_corpus_naming_an_unknown_source_is_refused(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    (root / "queries" / "golden-corpus.toml").write_text('sources = ["no-such-source"]\n')
    with pytest.raises(ProjectError, match="'no-such-source' is not a source of the project"):
        corpus.assemble(Project(root))


def test_bylines_and_stated_metadata_are_held_to_the_text(tmp_path: Path) -> None:
    """The fixtures with five faults, one per rule: a title that is not the title line, a date
    that is not the dateline's, a creator the text never names, a byline of one author, and an
    external record that says nowhere where it was read. Each gives its one finding."""
    folder = tmp_path / "corpus"
    shutil.copytree(FIXTURES, folder)

    def edit(relative: str, old: str, new: str) -> None:
        path = folder / relative
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")

    report = "seeds/fixture-courier-report.ttl"
    edit(
        report,
        '"Russia starts Syria pullout; Tehran says it was told in advance"@en',
        '"Pullout"@en',
    )
    edit(report, 'dcterms:issued "2016-03-16"', 'dcterms:issued "2016-03-17"')
    edit(report, "dcterms:creator group:quill-venn-rask ;", "dcterms:creator person:yury-barmin ;")
    edit(
        report,
        "@prefix group:",
        "@prefix person:  <https://w3id.org/stancegraph/id/person/> .\n@prefix group:",
    )
    edit(
        "data/actors.ttl",
        "sg:includes person:mara-quill , person:tobias-venn , person:ilka-rask .",
        "sg:includes person:mara-quill .",
    )
    edit("seeds/fixture-review-interview.ttl", "sg:readIn", "rdfs:seeAlso")
    result = CliRunner().invoke(
        cli,
        ["--home", str(ROOT), "validate", "--format", "json", str(folder)],
        env={HOME_ENV: ""},
    )
    assert result.exit_code == 1, result.output
    found = {
        (f["focus_label"], f["shape"].rsplit("#", 1)[1], f["check"], f["value"])
        for f in json.loads(result.output)["findings"]
    }
    courier = "document/fixture-courier-report"
    assert found == {
        (courier, "StatedTitleRule", "SPARQL", "Pullout"),
        (courier, "StatedTitleRule", "SPARQL", "2016-03-17"),
        (courier, "StatedTitleRule", "SPARQL", ID + "person/yury-barmin"),
        ("group/quill-venn-rask", "BylineShape", "MinCount", None),
        (
            "metadata/fixture-review-interview/1",
            "ExternalMetadataShape",
            "Or",
            ID + "metadata/fixture-review-interview/1",
        ),
    }


def test_a_link_to_the_same_thing_in_another_source_is_checked(tmp_path: Path) -> None:
    """sg:reportsSameAs must point at a node of the same kind, in another source."""
    folder = tmp_path / "corpus"
    shutil.copytree(FIXTURES, folder)
    path = folder / "data" / "fixture-courier-report" / "report.ttl"
    text = path.read_text(encoding="utf-8")
    text = text.replace("sg:reportsSameAs rdsi-event:1 ;", "sg:reportsSameAs rdsi-claim:5 ;", 1)
    text = text.replace("sg:reportsSameAs rdsi-event:3 ;", "sg:reportsSameAs event:2 ;", 1)
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["--home", str(ROOT), "validate", "--format", "json", str(folder)],
        env={HOME_ENV: ""},
    )
    assert result.exit_code == 1, result.output
    found = {
        (f["focus_label"], f["value"], f["message"].split(": ", 1)[1])
        for f in json.loads(result.output)["findings"]
    }
    assert found == {
        (
            "event/fixture-courier-report/1",
            ID + "claim/rd-syria-iran/5",
            "the node it points at is not of the same kind (an event for an event, a claim for "
            "a claim, a stance for a stance, a relation for a relation).",
        ),
        (
            "event/fixture-courier-report/4",
            ID + "event/fixture-courier-report/2",
            "the node it points at is of the same source, not of another one.",
        ),
    }
