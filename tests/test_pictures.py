"""The pictures for any source and any sides, readable, in the format asked for, and the drawing
libraries as an extra the main job does without (issue #20).

Before: ``plots.py`` hard-coded Russia, Iran and Syria and titled every picture "Actors of
rd-syria-iran"; ``plot network`` assembled the whole corpus (it did not finish in 300 s on the
1M-triple synthetic corpus) and had no ``--source``; the network's edge labels were about 5 px
where the README shows the picture, and its legend named shapes in words; the timeline's
"hatched" inferred spans were hatched in their own fill colour, so showed no hatching;
``plot timeline --out tl.pdf`` made a folder ``tl.pdf/``; and matplotlib, numpy and pillow were
installed by the main job, which draws nothing.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

from conftest import record_parses
from hostile_support import assert_clean_failure, needs_dot, run_cli
from stancegraph import plots, queries
from stancegraph.sources import Project

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
ID = "https://w3id.org/stancegraph/id/"


def copy_project(tmp_path: Path) -> Path:
    """This checkout's ontology, seeds, data and queries, as a project of its own in tmp_path
    (so that what a command writes, dist/ and the store, stays there)."""
    home = tmp_path / "project"
    home.mkdir()
    for part in ("ontology", "seeds", "data", "queries"):
        shutil.copytree(ROOT / part, home / part)
    return home


def _synth() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "synth_corpus", ROOT / "scripts" / "synth_corpus.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["synth_corpus"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def two_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project of two sources: the real article (rd-syria-iran) and a synthetic copy of part
    of it (syn-00001: other IRIs, other words, another title), by scripts/synth_corpus.py."""
    synth = _synth()
    template = synth.read_template(ROOT)
    scale = len(template.actors) + sum(len(s.triples) for s in template.sources) + 1500
    out = tmp_path_factory.mktemp("pictures") / "corpus"
    synth.generate(ROOT, out, scale, seed=7, quiet=True)
    assert [s.key for s in Project(out).sources] == ["rd-syria-iran", "syn-00001"]
    with (out / "seeds" / "syn-00001.ttl").open("a", encoding="utf-8") as description:
        description.write(
            f'<{ID}document/syn-00001> <http://purl.org/dc/terms/title> "{SECOND_TITLE}"@en .\n'
        )
    return out


#: The title the second source's document is given (the synthetic copy, cut short, has none).
SECOND_TITLE = "A second article, & its <own> title"


def svg_root(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def texts(root: ET.Element) -> list[str]:
    return [" ".join("".join(t.itertext()).split()) for t in root.iter(SVG + "text")]


def group(root: ET.Element, gid: str) -> ET.Element:
    found = [g for g in root.iter(SVG + "g") if g.get("id") == gid]
    assert len(found) == 1, f"no single <g id={gid!r}> in the picture"
    return found[0]


# ---------------------------------------------------------------------------------------------
# Any source, any sides
# ---------------------------------------------------------------------------------------------


def test_plot_source_draws_that_source_only_titled_by_its_own_title(
    two_sources: Path, tmp_path: Path
) -> None:
    needs_dot()
    result, _ = run_cli(
        two_sources, "plot", "network", "--source", "syn-00001", "--out", str(tmp_path / "n.svg")
    )
    assert result.exit_code == 0, result.output
    shown = " ".join(texts(svg_root(tmp_path / "n.svg")))
    assert "(syn-00001)" in shown and "rd-syria-iran" not in shown
    project = Project(two_sources)
    store = queries.memory_store(plots.assemble(project, ["syn-00001"]))
    facts = plots.network_facts(store, project)
    assert facts.nodes and not [iri for iri in facts.nodes if "/rd-syria-iran/" in iri]
    subjects = {str(q.subject.value) for q in store}  # type: ignore[union-attr]
    assert [s for s in subjects if "/syn-00001/" in s]
    assert not [s for s in subjects if "/rd-syria-iran/" in s]  # the other source is not read
    assert plots.scope_of(store).sources == ("syn-00001",)
    assert plots.scope_of(store).titles == (SECOND_TITLE,)
    assert f"Actors of “{SECOND_TITLE}” (syn-00001)" in shown


def test_the_sources_title_is_the_one_its_description_gives(project: Project) -> None:
    """The first article's document has no dct:title of its own; its description reads one on
    the publisher's page (an sg:ExternalMetadata node that sg:describes the document)."""
    store = queries.memory_store(plots.assemble(project, ["rd-syria-iran"]))
    scope = plots.scope_of(store)
    assert scope.titles == ("How Syria withdrawal could impact Russia's relationship with Iran",)
    assert scope.title == (
        "“How Syria withdrawal could impact Russia's relationship with Iran” (rd-syria-iran)"
    )
    assert plots.Scope(("a", "b"), ("A", "B")).title == "2 sources: a, b"
    assert plots.Scope(tuple("abcde"), ("",) * 5).title == "5 sources: a, b, c and 2 more"


def test_plot_source_reads_no_other_source(
    two_sources: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why one source of the 1M corpus now draws in seconds: only its files, the model and the
    actors file are parsed, never another source's (the whole corpus was assembled before)."""
    parsed = record_parses(monkeypatch)
    dataset = plots.assemble(Project(two_sources), ["syn-00001"])
    assert not [p for p in parsed if "rd-syria-iran" in p.name or "rd-syria-iran" in p.parent.name]
    assert any(p.name == "syn-00001.ttl" for p in parsed)
    graphs = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert "https://w3id.org/stancegraph/graph/source/syn-00001" in graphs
    assert "https://w3id.org/stancegraph/graph/source/rd-syria-iran" not in graphs
    assert "https://w3id.org/stancegraph/graph/actors" in graphs


def test_several_sources_are_named_in_the_title(two_sources: Path, tmp_path: Path) -> None:
    result, _ = run_cli(
        two_sources,
        "plot",
        "timeline",
        "--source",
        "rd-syria-iran",
        "--source",
        "syn-00001",
        "--out",
        str(tmp_path / "t.svg"),
    )
    assert result.exit_code == 0, result.output
    shown = " ".join(texts(svg_root(tmp_path / "t.svg")))
    assert "Events of 2 sources: rd-syria-iran, syn-00001 on a time axis" in shown


def test_an_unknown_source_is_one_line_naming_the_known_ones(
    two_sources: Path, tmp_path: Path
) -> None:
    result, _ = run_cli(
        two_sources, "plot", "network", "--source", "nope", "--out", str(tmp_path / "n.svg")
    )
    line = assert_clean_failure(result)
    assert line == (
        f"stancegraph: error: no source 'nope' in {two_sources.resolve() / 'seeds'} "
        "(known: rd-syria-iran, syn-00001)"
    )
    assert not (tmp_path / "n.svg").exists()


def test_sides_are_chosen_by_side(project: Project, tmp_path: Path) -> None:
    """--side iran --side russia puts Iran's actors at the left, Russia's at the right, and the
    divergence sets Iran's stances against Russia's, with the verdicts of russia-iran-issues
    (pairs of one stance of each: the same either way round). Other sides have no verdicts:
    that query compares Russia and Iran only, and the picture says so."""
    needs_dot()
    home = copy_project(tmp_path)
    result, _ = run_cli(
        home,
        "plot",
        "network",
        "divergence",
        "--side",
        "iran",
        "--side",
        "russia",
        "--out",
        str(tmp_path / "out"),
    )
    assert result.exit_code == 0, result.output
    root = svg_root(tmp_path / "out" / "network.svg")
    x = {
        "".join(t.itertext()): float(t.get("x", "0"))
        for t in root.iter(SVG + "text")
        if "".join(t.itertext()) in ("RUSSIA", "IRAN")
    }
    assert x["IRAN"] < x["RUSSIA"]
    shown = texts(svg_root(tmp_path / "out" / "divergence.svg"))
    assert [t for t in shown if t.endswith(", in public")] == [
        "Iran, in public",
        "Russia, in public",
    ]
    assert "pairs of stances" in shown
    store = queries.memory_store(plots.assemble(Project(home)))
    swapped = plots.divergence_facts(
        store, Project(home), plots.Sides(ID + "state/iran", ID + "state/russia")
    )
    default = plots.divergence_facts(store, Project(home))
    assert default.names == ("Russia", "Iran") and default.query == "russia-iran-issues"
    assert {i.label: (i.verdicts, i.left, i.right) for i in swapped.issues} == {
        i.label: (i.verdicts, i.right, i.left) for i in default.issues
    }
    result, _ = run_cli(
        home,
        "plot",
        "divergence",
        "--side",
        "russia",
        "--side",
        "syria",
        "--out",
        str(tmp_path / "other.svg"),
    )
    assert result.exit_code == 0, result.output
    shown = texts(svg_root(tmp_path / "other.svg"))
    assert [t for t in shown if t.endswith(", in public")] == [
        "Russia, in public",
        "Syria, in public",
    ]
    assert "pairs of stances" not in shown
    assert "no verdicts: the saved query russia-iran-issues compares Russia and Iran only" in shown


@pytest.mark.parametrize(
    ("sides", "message"),
    [
        (
            ["narnia", "iran"],
            "--side 'narnia': no such state in the sources drawn "
            "(states: iran, israel, russia, syria, united-states)",
        ),
        (
            ["russia"],
            "--side names the states a picture sets against each other: two (left, right) or "
            "three (left, right, top), not 1",
        ),
        (
            ["russia", "state/iran", f"<{ID}state/russia>"],
            "--side 'russia' is named twice; each side is another state",
        ),
    ],
)
def test_a_wrong_side_is_one_line(tmp_path: Path, sides: list[str], message: str) -> None:
    home = copy_project(tmp_path)
    args = [a for side in sides for a in ("--side", side)]
    result, _ = run_cli(home, "plot", "network", *args, "--out", str(tmp_path / "n.svg"))
    assert assert_clean_failure(result) == f"stancegraph: error: {message}"


@pytest.mark.parametrize(
    ("name", "limit", "what"),
    [
        ("network", "MAX_NETWORK_NODES", "nodes"),
        ("timeline", "MAX_TIMELINE_EVENTS", "events"),
        ("divergence", "MAX_DIVERGENCE_ISSUES", "issues"),
    ],
)
def test_too_large_a_picture_asks_for_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, limit: str, what: str
) -> None:
    """A network of thousands of nodes (the 1M corpus: 2,621), a timeline or a table of
    thousands of rows, cannot be read, and takes minutes to draw or fails (a PNG that tall):
    one line saying so, and what to do."""
    needs_dot()
    monkeypatch.setattr(plots, limit, 5)
    home = copy_project(tmp_path)
    result, _ = run_cli(home, "plot", name, "--out", str(tmp_path / "p.svg"))
    line = assert_clean_failure(result)
    assert re.fullmatch(
        rf"stancegraph: error: the {name} of “How Syria withdrawal could impact Russia's "
        rf"relationship with Iran” \(rd-syria-iran\) has \d+ {what}, more than the 5 a "
        r"picture can show; choose sources with --source KEY",
        line,
    ), line
    assert not (tmp_path / "p.svg").exists()


# ---------------------------------------------------------------------------------------------
# --out: the suffix is the format
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["timeline", "network"])
def test_out_pdf_writes_a_pdf_file(tmp_path: Path, name: str) -> None:
    needs_dot()
    home = copy_project(tmp_path)
    out = tmp_path / "picture.pdf"
    result, _ = run_cli(home, "plot", name, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.is_file() and out.read_bytes().startswith(b"%PDF-")
    assert result.output.strip() == str(out)


def test_an_unknown_suffix_is_refused_before_any_work(tmp_path: Path) -> None:
    home = copy_project(tmp_path)
    out = tmp_path / "x.foo"
    result, _ = run_cli(home, "plot", "timeline", "--out", str(out))
    assert assert_clean_failure(result) == (
        f"stancegraph: error: {out}: cannot write a picture with suffix '.foo'; the suffix "
        "names its format: .svg, .png, .pdf"
    )
    assert not out.exists() and not (home / "dist").exists()


def test_an_out_file_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    home = copy_project(tmp_path)
    (tmp_path / "a-file").write_text("not a folder\n", encoding="utf-8")
    out = tmp_path / "a-file" / "t.svg"
    result, _ = run_cli(home, "plot", "timeline", "--out", str(out))
    assert assert_clean_failure(result) == (
        f"stancegraph: error: {out}: cannot make its folder: File exists"
    )
    out = tmp_path / "t.svg"
    out.mkdir()  # a folder with the file's name, inside a folder given as the file's
    result, _ = run_cli(home, "plot", "timeline", "--out", str(tmp_path / "t.svg" / "x.svg"))
    assert result.exit_code == 0, result.output  # the folder t.svg holds x.svg


def test_a_folder_with_a_dot_in_its_name_is_a_folder(tmp_path: Path) -> None:
    """An existing folder is written into, whatever its name looks like."""
    home = copy_project(tmp_path)
    out = tmp_path / "pictures.v2"
    out.mkdir()
    result, _ = run_cli(home, "plot", "timeline", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert (out / "timeline.svg").is_file()


# ---------------------------------------------------------------------------------------------
# Readable: hatching, a drawn legend, labels
# ---------------------------------------------------------------------------------------------


def test_the_timeline_hatches_its_inferred_spans_visibly(project: Project, tmp_path: Path) -> None:
    """Each inferred span is filled with an SVG <pattern> whose hatch lines are in the span's
    colour over a paler ground (they were the ground's own colour: no hatching to be seen)."""
    store = queries.memory_store(plots.assemble(project))
    facts = plots.timeline_facts(store, project)
    inferred = [e for e in facts.events if e.inferred and not e.is_point]
    assert inferred
    out = tmp_path / "t.svg"
    plots.draw_to("timeline", out, store, project)
    root = svg_root(out)
    patterns = {p.get("id"): p for p in root.iter(SVG + "pattern")}
    for event in inferred:
        gid = "event-" + plots.short_iri(event.iri).replace("/", "-")
        style = group(root, gid).find(SVG + "path").get("style", "")  # type: ignore[union-attr]
        used = re.search(r"fill: url\(#([^)]+)\)", style)
        assert used, f"{gid} is not filled with a pattern: {style}"
        pattern = patterns[used.group(1)]
        ground = pattern.find(SVG + "rect").get("fill")  # type: ignore[union-attr]
        lines = pattern.find(SVG + "path").get("style", "")  # type: ignore[union-attr]
        colour = plots.PRECISION_COLOURS.get(event.precision, "#555555")
        assert f"stroke: {colour}" in lines, lines
        assert ground == plots.pale(colour) != colour
        assert "stroke-opacity" not in lines  # fully drawn, not faded into the ground


def test_the_network_legend_draws_each_shape_and_line(project: Project, tmp_path: Path) -> None:
    """The legend is drawn: each kind of node as a node of its shape with its name in it, each
    kind of line as a line in its style (the old legend wrote "ellipse", "hexagon"...)."""
    needs_dot()
    out = tmp_path / "n.svg"
    plots.draw_to("network", out, queries.memory_store(plots.assemble(project)), project)
    root = svg_root(out)
    for name, kind in plots.LEGEND_NODES:
        node = group(root, f"legend-kind-{name}")
        shapes = [e for e in node if e.tag in (SVG + "ellipse", SVG + "polygon", SVG + "path")]
        assert shapes, f"the legend's {kind} is not drawn"
        assert texts(node) == [kind]
    for name, kind, tone, solid, _ in plots.LEGEND_LINES:
        line = group(root, f"legend-line-{name}")
        assert line.get("class") == "edge"
        path = line.find(SVG + "path")
        assert path is not None and path.get("d")
        colour = "#999999" if kind == "link" else plots.POLARITY_COLOURS[tone]
        assert path.get("stroke") == colour
        dashed = path.get("stroke-dasharray")
        assert (dashed is None) == (solid and kind != "link"), name
        width = {"relation": "2.4", "stance": "1.3", "link": "1"}[kind]
        assert (path.get("stroke-width") or "1") == width
    words = " ".join(texts(root))
    for shape in ("ellipse", "hexagon", "octagon", "component", "━━"):
        assert shape not in words


def test_the_network_labels_are_readable_at_page_width(project: Project, tmp_path: Path) -> None:
    """At the width of the README's column (about 1,000 px), the smallest edge label of the
    network is at least 8 px (10 pt in a picture 2,142 pt wide: 4.7 px before)."""
    needs_dot()
    out = tmp_path / "n.svg"
    plots.draw_to("network", out, queries.memory_store(plots.assemble(project)), project)
    root = svg_root(out)
    width = float(root.get("width", "0").removesuffix("pt"))
    sizes = [
        float(t.get("font-size", "0"))
        for g in root.iter(SVG + "g")
        if g.get("class") == "edge"
        for t in g.iter(SVG + "text")
    ]
    assert sizes and min(sizes) >= plots.EDGE_FONT
    assert min(sizes) * 1000 / width >= 8, (min(sizes), width)


# ---------------------------------------------------------------------------------------------
# The drawing libraries are an extra
# ---------------------------------------------------------------------------------------------

#: Runs stancegraph's command line with the docs extra's packages (and numpy, pillow) made
#: impossible to import, and writes the name of each one anything tried to import to the file
#: $ATTEMPTS: what a machine that ran only `make run` (pip install -e .) would do.
WITHOUT_EXTRA = """
import os, sys
BLOCKED = {"matplotlib", "graphviz", "PIL", "numpy"}
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            with open(os.environ["ATTEMPTS"], "a") as out:
                out.write(name + "\\n")
            raise ImportError(f"No module named {name!r}")
        return None
sys.meta_path.insert(0, Block())
from stancegraph.cli import main
main(sys.argv[1:])
"""


def without_extra(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    attempts = tmp_path / "attempts.txt"
    env = {**os.environ, "ATTEMPTS": str(attempts), "COLUMNS": "120"}
    env.pop("STANCEGRAPH_HOME", None)
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRA, *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )
    tried = attempts.read_text().split() if attempts.exists() else []
    return done, tried


def test_the_main_job_runs_without_the_drawing_libraries(tmp_path: Path) -> None:
    home = copy_project(tmp_path)
    done, tried = without_extra(tmp_path, "--home", str(home), "run")
    assert done.returncode == 0, done.stderr[-2000:]
    assert tried == []  # not even tried: nothing of the main job imports them
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "package"),
    [
        (["plot", "network"], "graphviz"),
        (["plot", "timeline"], "matplotlib"),
        (["plot"], "graphviz"),
        (["docs"], "graphviz"),
    ],
)
def test_plot_and_docs_without_the_extra_name_it(
    tmp_path: Path, args: list[str], package: str
) -> None:
    home = copy_project(tmp_path)
    done, _ = without_extra(tmp_path, "--home", str(home), *args, "--out", str(tmp_path / "out"))
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"stancegraph: error: the pictures and the site need the Python package {package!r}, "
        "which is not installed: install the docs extra (pip install -e '.[docs]', or make docs)"
    ]
    assert not (tmp_path / "out").exists()


def test_the_extra_holds_the_drawing_libraries_and_the_main_job_does_not() -> None:
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {re.split(r"[<>=!~ ]", d)[0] for d in meta["dependencies"]}
    extra = {re.split(r"[<>=!~ ]", d)[0] for d in meta["optional-dependencies"]["docs"]}
    assert {"matplotlib", "graphviz"} <= extra
    assert not names & {"matplotlib", "graphviz", "numpy", "pillow"}
    assert "jinja2" in names  # the templates of the site and of serve's pages: not drawing
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-e '.[docs]'" in makefile and "-e '.[test,docs]'" in makefile
    assert re.search(r"^docs: \$\(STAMPS\)/docs$", makefile, re.M)
    assert re.search(r"^run: \$\(STAMPS\)/run$", makefile, re.M)


def test_a_divergence_with_no_issue_says_so(tmp_path: Path) -> None:
    """The mini project's stances bear on no issue: the table says that in a row of its own,
    instead of a bare header."""
    needs_dot()
    from conftest import MINI, with_picture_queries

    home = tmp_path / "project"
    shutil.copytree(MINI, home, ignore=shutil.ignore_patterns(".stancegraph", "dist"))
    with_picture_queries(home)
    result, _ = run_cli(home, "plot", "divergence", "--out", str(tmp_path / "d.svg"))
    assert result.exit_code == 0, result.output
    assert texts(svg_root(tmp_path / "d.svg"))[-1] == plots.NO_ISSUES


def test_a_network_without_its_sides_is_laid_out_in_a_grid(project: Project) -> None:
    """Where none of the sides is in the sources (a synthetic source names russia-8, not
    russia), every node was put in two middle columns, a picture five pages tall: a grid of
    rows across the picture's width instead."""
    store = queries.memory_store(plots.assemble(project))
    facts = plots.network_facts(store, project)
    elsewhere = plots.Sides(ID + "state/narnia", ID + "state/oz", None)
    places = plots.network_layout(facts, elsewhere)
    assert set(places) == set(facts.nodes)
    columns = {x for x, _ in places.values()}
    rows = {round(y) for _, y in places.values()}
    wanted = min(plots.GRID_COLUMNS, math.ceil(math.sqrt(len(facts.nodes) / 2)))
    assert len(facts.nodes) > 30 and len(columns) == wanted >= 4, columns
    assert len(rows) < len(facts.nodes) / 2  # not two columns of one node a row
    assert len(set(places.values())) == len(places)  # no two nodes in one place


def test_when_neato_crashes_the_network_is_drawn_with_straight_segments(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Graphviz 2.43's neato segfaults routing curved edges around some placements (one source
    of the 1M corpus): the picture is drawn again with polyline edges, not refused."""
    needs_dot()
    real = plots.render_dot
    asked: list[str] = []

    def crashing_on_curves(source: str, fmt: str, engine: str = "dot") -> bytes:
        asked.append("splines=true" if "splines=true" in source else "other")
        if "splines=true" in source:
            raise plots.GraphvizCrashed("Graphviz's neato crashed (signal 11) drawing a picture")
        return real(source, fmt, engine)

    monkeypatch.setattr(plots, "render_dot", crashing_on_curves)
    svg = plots.draw("network", queries.memory_store(plots.assemble(project)), project)
    assert asked == ["splines=true", "other"]
    assert b"Vladimir Putin" in svg


def test_labels_of_edges_between_the_same_two_nodes_are_stacked_in_one() -> None:
    """Russia and Iran are joined by relations and stances both ways; each label was drawn at
    its own edge's middle, on top of the others. Now one label holds them, a line each in its
    edge's colour, the arrow naming whom each points to; the other edges carry none."""
    needs_dot()
    russia, iran = ID + "state/russia", ID + "state/iran"
    nodes = {
        russia: plots.Node(russia, "Russia", "State"),
        iran: plots.Node(iran, "Iran", "State"),
    }
    edges = [
        plots.Edge(russia, iran, "allied with", "relation", "positive", True),
        plots.Edge(iran, russia, "at odds with ×3", "relation", "negative", False),
        plots.Edge(iran, russia, "support <b>", "stance", "positive", True),
    ]
    labelled = plots.stacked_labels(edges, nodes)
    assert [edge for edge, _ in labelled] == edges
    assert labelled[0][1] == (
        '<<FONT COLOR="#1a7f37">allied with → Iran</FONT><BR/>'
        '<FONT COLOR="#c62828">at odds with ×3 → Russia</FONT><BR/>'
        '<FONT COLOR="#1a7f37"><I>support &lt;b&gt; → Russia</I></FONT>>'
    )
    assert [label for _, label in labelled[1:]] == ["", ""]
    alone = plots.stacked_labels(edges[:1], nodes)
    assert alone == [(edges[0], plots.dot_text("allied with"))]


def test_the_pictures_of_every_source_are_read_from_the_embedded_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #19: without --source, plot reads the embedded store (loaded first, as query
    does, since this copy has none), never the corpus assembled in rdflib; the pictures are the
    ones the README shows (docs/img, which make docs draws), byte for byte."""
    needs_dot()
    from stancegraph import graph, store
    from stancegraph.sources import find_project

    project = find_project(copy_project(tmp_path))
    assert store.embedded_status(project).state == "missing"

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("the corpus was assembled in rdflib")

    monkeypatch.setattr(graph, "assemble", refused)
    monkeypatch.setattr(plots, "assemble", refused)
    written = plots.plot(project, plots.NAMES, tmp_path / "img")
    assert store.embedded_status(project).state == "fresh"
    for path in written:
        assert path.read_bytes() == (ROOT / "docs" / "img" / path.name).read_bytes(), path.name
