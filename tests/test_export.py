"""`stancegraph export network` (issue #20): the actor network as GEXF and GraphML, opened back
by networkx, with node kinds, labels, polarity, public/private and source as attributes."""

from __future__ import annotations

import io
import shutil
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from rdflib.term import Node

from stancegraph import corpus, export, queries
from stancegraph.cli import cli
from stancegraph.sources import HOME_ENV, Project, find_project

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "mini"
ID = "https://w3id.org/stancegraph/id/"
FIRST = "rd-syria-iran"


def run(home: Path, *args: str):
    return CliRunner().invoke(cli, ["--home", str(home), "export", *args], env={HOME_ENV: ""})


def golden(project: Project, name: str, key: str) -> list[dict[str, Node]]:
    """The reviewed golden answer of a picture query (queries/expected/), rows of source ``key``."""
    answer = queries.read_expected(project, queries.find(project, name))
    rows = [
        {v: t for v, t in zip(answer.variables, row, strict=True) if t is not None}
        for row in answer.rows
    ]
    first = answer.variables[0]  # relationNode, stance: id/<kind>/<key>/<n>
    return [r for r in rows if export.source_key(r[first]) == key]


def edges(g: nx.MultiDiGraph) -> dict[str, tuple[str, str, dict]]:
    """Each edge by its key, with its attributes as written (GEXF's own ``id`` left out)."""
    return {
        k: (u, v, {a: x for a, x in d.items() if a != "id"})
        for u, v, k, d in g.edges(keys=True, data=True)
    }


def by_node(g: nx.MultiDiGraph) -> dict[tuple[str, str, str], dict]:
    """Each edge by (the relation or stance it stands for, its ends)."""
    return {(d["iri"], u, v): d for u, v, d in edges(g).values()}


@pytest.fixture(scope="module")
def project() -> Project:
    return find_project(home=ROOT)


@pytest.fixture(scope="module")
def files(project: Project, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("export")
    written = {}
    for fmt in export.FORMATS:
        path = out / f"network.{fmt}"
        result = run(ROOT, "network", "--source", FIRST, "--out", str(path))
        assert result.exit_code == 0, result.output
        assert result.stdout == f"{path}: 36 nodes, 70 edges ({fmt})\n"
        written[fmt] = path
    return written


def read(path: Path) -> nx.MultiDiGraph:
    if path.suffix == ".gexf":
        return nx.read_gexf(path)
    return nx.read_graphml(path, force_multigraph=True)


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_the_first_article_opens_back_with_every_relation_and_stance(
    project: Project, files: dict[str, Path], fmt: str
) -> None:
    """Every relation and stance of the golden answers of picture-relations and
    picture-stances (the rows of the first article) is one edge, keyed by its IRI, between the
    nodes the answer names; nothing else is."""
    g = read(files[fmt])
    assert isinstance(g, nx.MultiDiGraph)
    relations = golden(project, "picture-relations", FIRST)
    stances = golden(project, "picture-stances", FIRST)
    assert (len(relations), len(stances)) == (36, 34)
    expected = {(str(r["relationNode"]), str(r["subject"]), str(r["object"])) for r in relations}
    expected |= {(str(r["stance"]), str(r["holder"]), str(r["target"])) for r in stances}
    found = by_node(g)
    assert set(found) == expected
    assert g.number_of_edges() == len(relations) + len(stances) == 70
    assert set(g.nodes) == {n for _, u, v in expected for n in (u, v)}

    for row in relations:
        data = found[(str(row["relationNode"]), str(row["subject"]), str(row["object"]))]
        assert data["kind"] == "relation"
        assert data["relation"] == str(row["property"]).rsplit("#", 1)[1]
        assert data["ownVoice"] is (str(row.get("ownVoice")) == "true")
        assert data["symmetric"] is (str(row["symmetric"]) == "true")
        assert data["source"] == FIRST
    for row in stances:
        data = found[(str(row["stance"]), str(row["holder"]), str(row["target"]))]
        assert data["kind"] == "stance"
        assert data["polarity"] == str(row["polarity"]).rsplit("/", 1)[1]
        assert data["expression"] == str(row["expression"]).rsplit("/", 1)[1]
        assert data["direction"] == str(row["direction"]).rsplit("#", 1)[1].lower()
        assert data.get("inferred", False) is (str(row.get("inferred")) == "true")
        assert data["source"] == FIRST


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_every_edge_has_an_id_of_its_own(files: dict[str, Path], fmt: str) -> None:
    """stance 501 is on two propositions (sg:target proposition:501, proposition:502): two
    edges, ``<iri>|1`` and ``<iri>|2`` in the targets' order, each with the stance's ``iri``."""
    found = edges(read(files[fmt]))
    assert len(found) == 70
    stance = ID + "stance/rd-syria-iran/501"
    assert stance not in found
    assert [(k, v, d["iri"]) for k, (_, v, d) in sorted(found.items()) if d["iri"] == stance] == [
        (stance + "|1", ID + "proposition/rd-syria-iran/501", stance),
        (stance + "|2", ID + "proposition/rd-syria-iran/502", stance),
    ]


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_nodes_edges_and_attributes_as_written(files: dict[str, Path], fmt: str) -> None:
    g = read(files[fmt])
    assert Counter(kind for _, kind in g.nodes(data="kind")) == {
        "armed-force": 3,
        "armed-group": 3,
        "claim": 3,
        "event": 5,
        "government": 3,
        "group": 5,
        "person": 3,
        "proposition": 5,
        "relation": 2,
        "state": 4,
    }
    assert g.nodes[ID + "state/iran"] == {"label": "Iran", "kind": "state"}
    assert g.nodes[ID + "government/syria"] == {
        "label": "government of Syria",
        "kind": "government",
    }
    assert g.nodes[ID + "event/rd-syria-iran/1"] == {
        "label": "Putin announces Russia's decision to pull back the main part of its military "
        "forces stationed in Syria",
        "kind": "event",
    }
    found = edges(g)
    assert found[ID + "relation/rd-syria-iran/1"] == (
        ID + "state/iran",
        ID + "government/syria",
        {
            "iri": ID + "relation/rd-syria-iran/1",
            "kind": "relation",
            "relation": "sponsors",
            "label": "sponsors",
            "ownVoice": True,
            "symmetric": False,
            "source": FIRST,
        },
    )
    assert found[ID + "stance/rd-syria-iran/1"] == (
        ID + "government/russia",
        ID + "event/rd-syria-iran/1",
        {
            "iri": ID + "stance/rd-syria-iran/1",
            "kind": "stance",
            "polarity": "welcome",
            "label": "welcome",
            "direction": "positive",
            "expression": "public",
            "source": FIRST,
        },
    )
    stance_edges = [d for _, _, d in found.values() if d["kind"] == "stance"]
    assert Counter(d["expression"] for d in stance_edges) == {
        "public": 10,
        "private": 10,
        "unstated": 14,
    }
    assert Counter(d["direction"] for d in stance_edges) == {
        "positive": 16,
        "negative": 14,
        "neutral": 4,
    }


def test_gexf_edges_are_gephis_with_their_iris_as_ids(files: dict[str, Path]) -> None:
    text = files["gexf"].read_text(encoding="utf-8")
    assert 'defaultedgetype="directed"' in text
    assert f'id="{ID}relation/rd-syria-iran/1" label="sponsors"' in text
    assert 'type="relation"' not in text and 'type="stance"' not in text  # GEXF's own attribute


def test_stdout_holds_the_same_file(files: dict[str, Path]) -> None:
    result = run(ROOT, "network", "--format", "graphml")  # every source: here, the first only
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == files["graphml"].read_bytes()


@pytest.fixture(scope="module")
def golden_corpus(project: Project, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first article and the two invented fixture sources, as one project."""
    home = tmp_path_factory.mktemp("corpus") / "project"
    corpus.materialise(project, home)
    return home


def test_source_keeps_only_what_that_source_states(
    project: Project, golden_corpus: Path, tmp_path: Path
) -> None:
    every = tmp_path / "every.graphml"
    assert run(golden_corpus, "network", "--out", str(every)).exit_code == 0
    sources = Counter(d["source"] for *_, d in read(every).edges(keys=True, data=True))
    assert sources == {FIRST: 70, "fixture-courier-report": 3, "fixture-review-interview": 4}

    key = "fixture-review-interview"
    one = tmp_path / "one.graphml"
    result = run(golden_corpus, "network", "--source", key, "--out", str(one))
    assert result.exit_code == 0, result.output
    g = read(one)
    expected = {str(r["relationNode"]) for r in golden(project, "picture-relations", key)}
    expected |= {str(r["stance"]) for r in golden(project, "picture-stances", key)}
    assert set(edges(g)) == expected and len(expected) == 4  # one edge each
    assert {d["source"] for *_, d in g.edges(keys=True, data=True)} == {key}

    two = tmp_path / "two.gexf"
    args = ["network", "--source", key, "--source", "fixture-courier-report", "--out", str(two)]
    assert run(golden_corpus, *args).exit_code == 0
    assert Counter(d["source"] for *_, d in read(two).edges(keys=True, data=True)) == {
        key: 4,
        "fixture-courier-report": 3,
    }


def test_a_project_with_no_relation_or_stance_gives_an_empty_network(tmp_path: Path) -> None:
    home = tmp_path / "mini"
    shutil.copytree(MINI, home)
    for path in (ROOT / "queries").glob("picture-*.rq"):
        shutil.copyfile(path, home / "queries" / path.name)
    out = tmp_path / "empty.gexf"
    result = run(home, "network", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{out}: 0 nodes, 0 edges (gexf)\n"
    assert result.stderr == (
        "stancegraph: note: the network is empty: no relation between actors and no stance\n"
    )
    g = nx.read_gexf(out)
    assert (g.number_of_nodes(), g.number_of_edges()) == (0, 0)
    result = run(home, "network", "--source", "mini", "--format", "graphml")
    assert result.exit_code == 0
    assert result.stderr.endswith("no relation between actors and no stance in mini\n")
    assert nx.parse_graphml(result.stdout).number_of_nodes() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--out", "x.txt"],
            "--out {tmp}/x.txt: cannot tell the format from the suffix; give "
            "--format (gexf or graphml) or a file ending .gexf or .graphml",
        ),
        ([], "give --format (gexf or graphml)"),
        (
            ["--format", "gexf", "--out", "x.graphml"],
            "--out {tmp}/x.graphml ends .graphml but --format is gexf",
        ),
        (
            ["--format", "gexf", "--source", "nope"],
            "no source 'nope' in {root}/seeds (known: rd-syria-iran)",
        ),
        (
            ["--out", "missing/x.gexf"],
            "--out {tmp}/missing/x.gexf: the folder {tmp}/missing does not exist",
        ),
    ],
)
def test_bad_requests_are_one_line_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    fixed = [
        a if not a.endswith((".txt", ".gexf", ".graphml")) else str(tmp_path / a) for a in args
    ]
    result = run(ROOT, "network", *fixed)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"stancegraph: error: {message.format(tmp=tmp_path, root=ROOT)}\n"
    assert list(tmp_path.iterdir()) == []  # nothing written, not even half a file


def test_a_project_without_the_picture_queries_says_what_it_reads() -> None:
    result = run(MINI, "network", "--format", "gexf")
    assert result.exit_code == 2
    assert result.stderr == (
        f"stancegraph: error: {MINI}/queries: no saved query 'picture-relations': the network "
        "export reads the answers of picture-relations and picture-stances "
        "(queries/picture-*.rq)\n"
    )


def test_actor_network_points_at_the_export(project: Project) -> None:
    description = queries.find(project, "actor-network").description
    assert "ready for Gephi" not in description
    assert "`stancegraph export network --format gexf|graphml`" in description


def test_the_same_data_gives_the_same_bytes_whatever_the_day(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """networkx stamps GEXF's <meta> with the day it writes; the export leaves the stamp out."""
    import time

    network = export.network(project, queries.engine_for(project), [FIRST])
    today = {fmt: export.serialize(network, fmt) for fmt in export.FORMATS}
    monkeypatch.setattr(time, "strftime", lambda *_: "1999-12-31")
    assert {fmt: export.serialize(network, fmt) for fmt in export.FORMATS} == today
    assert b"lastmodifieddate" not in today["gexf"]
    assert b"<meta>\n    <creator>NetworkX " in today["gexf"]


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_a_label_with_characters_xml_cannot_hold_still_gives_a_file_that_parses(
    fmt: str,
) -> None:
    """A label is what a contribution wrote (issue #22): a control character in it is written
    U+FFFD, as the pictures draw it, and the file opens; the graph itself keeps the label."""
    g = nx.MultiDiGraph()
    g.add_node(ID + "person/x", label='Mr\x01 X <&> "q"', kind="person")
    g.add_edge(ID + "person/x", ID + "person/x", key=ID + "stance/k/1", label="\x0bwelcome")
    data = io.BytesIO(export.serialize(g, fmt))
    read_back = nx.read_gexf(data) if fmt == "gexf" else nx.read_graphml(data)
    assert read_back.nodes[ID + "person/x"]["label"] == 'Mr\ufffd X <&> "q"'
    (label,) = (d["label"] for *_, d in read_back.edges(data=True))
    assert label == "\ufffdwelcome"
    assert g.nodes[ID + "person/x"]["label"] == 'Mr\x01 X <&> "q"'  # not changed in place


def test_a_file_that_cannot_be_written_is_one_line_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(self: Path, data: bytes) -> int:
        self.touch()  # the file is opened, then the write fails
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "write_bytes", refused)
    result = run(ROOT, "network", "--out", str(tmp_path / "x.gexf"))
    assert result.exit_code == 2
    assert result.stderr == (
        f"stancegraph: error: --out {tmp_path}/x.gexf: cannot write it: Permission denied\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_out_under_a_file_says_it_is_not_a_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    result = run(ROOT, "network", "--out", str(tmp_path / "notes.txt" / "x.gexf"))
    assert result.exit_code == 2
    assert result.stderr == (
        f"stancegraph: error: --out {tmp_path}/notes.txt/x.gexf: {tmp_path}/notes.txt is a "
        "file, not a folder\n"
    )


def test_an_interrupted_write_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(self: Path, target: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export.write(b"<gexf/>", tmp_path / "x.gexf", io.BytesIO())
    assert list(tmp_path.iterdir()) == []
