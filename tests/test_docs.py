"""The documentation site and the pictures (issue #9), checked as a reader meets them.

The site is built once into a temporary folder and opened in a real headless browser (Debian's
``chromium``, which ``.ci/run`` installs): every page renders with its local stylesheet, every
picture decodes, every local link and fragment resolves, no page or picture references anything
remote, and the pictures show the actors and events of the article. A screenshot of the overview
page and of the network is kept under ``dist/docs-screenshots/`` as a build artifact.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from stancegraph import docs, graph, plots, queries
from stancegraph.cli import main
from stancegraph.sources import Project

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "dist" / "docs-screenshots"

#: Flags for a browser that stays off the network: no background fetches, no updates, no sync,
#: and every host name resolves to nothing, so a remote reference could not load even if one
#: slipped past the static checks below.
BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]


def needs_chromium() -> str:
    """The browser; in CI a missing browser fails (``.ci/run`` installs it), elsewhere skips."""
    if CHROMIUM:
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed; .ci/run should have installed it")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def chromium(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    browser = needs_chromium()
    with tempfile.TemporaryDirectory(prefix="sg-chromium-") as profile:
        result = subprocess.run(
            [browser, *BROWSER_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    assert result.returncode == 0, f"chromium exited {result.returncode}: {result.stderr[-2000:]}"
    return result


@pytest.fixture(scope="module")
def site(project: Project, tmp_path_factory: pytest.TempPathFactory) -> docs.SiteResult:
    if not shutil.which("dot"):
        if os.environ.get("CI"):
            pytest.fail("Graphviz's dot is not installed; .ci/run should have installed it")
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
    # as `make docs` builds it: the site, and the README's pictures copied to a folder of their own
    out = tmp_path_factory.mktemp("site")
    return docs.build_site(project, out / "docs", copy_images=out / "img")


def pages(site: docs.SiteResult) -> list[Path]:
    return sorted(site.out_dir.rglob("*.html"))


# ---------------------------------------------------------------------------------------------
# What the site holds
# ---------------------------------------------------------------------------------------------


def test_the_site_has_every_page_and_a_page_per_query(
    site: docs.SiteResult, project: Project
) -> None:
    for file, _ in docs.PAGES:
        assert (site.out_dir / file).is_file(), file
    names = {p.stem for p in project.query_files}
    assert {p.stem for p in (site.out_dir / "queries").glob("*.html")} == names
    assert {p.name for p in site.pictures} == {"network.svg", "timeline.svg", "divergence.svg"}


def test_the_ontology_page_documents_every_term_with_its_definition(site: docs.SiteResult) -> None:
    html = (site.out_dir / "ontology.html").read_text(encoding="utf-8")
    # a class: label, definition, example, super-classes, sub-classes, shapes, use in the data
    actor = section(html, "Person")
    assert "A human being named or referred to as an individual." in actor
    assert "Vladimir Putin; Bouthaina Shaaban." in actor
    assert 'href="ontology.html#Actor"' in actor
    assert 'href="shapes.html#shape-PersonShape"' in actor
    # a property: domain, range, super-property, characteristics
    sponsors = section(html, "sponsors")
    assert 'href="ontology.html#backs"' in sponsors
    polarity = section(html, "polarity")
    assert "functional" in polarity and "http://www.w3.org/2004/02/skos/core#Concept" in polarity
    assert 'href="ontology.html#Stance"' in polarity
    for term in ("Claim", "Stance", "Event", "holder", "earliest", "independentSources"):
        assert f'id="{term}"' in html, term


def test_the_vocabularies_page_lists_each_scheme_with_its_concepts(site: docs.SiteResult) -> None:
    html = (site.out_dir / "vocabularies.html").read_text(encoding="utf-8")
    assert 'id="scheme-polarity"' in html and 'id="polarity-welcome"' in html
    assert "Greets an event or decision as good." in html
    assert 'id="expression-private"' in html


def test_the_shapes_page_shows_targets_paths_cardinality_messages_and_severity(
    site: docs.SiteResult,
) -> None:
    html = (site.out_dir / "shapes.html").read_text(encoding="utf-8")
    shape = section(html, "shape-PrivateStanceRule")
    assert "sg:expression &lt;https://w3id.org/stancegraph/vocab/expression/private&gt;" in shape
    assert "<code>sg:attributedBy</code>" in shape and "<code>1..*</code>" in shape
    assert "A private stance must name who attributes it" in shape
    assert "Warning" in shape and "Violation" in shape


def test_each_query_page_shows_its_question_text_and_current_answer(
    site: docs.SiteResult,
) -> None:
    html = (site.out_dir / "queries" / "timeline.html").read_text(encoding="utf-8")
    assert "The timeline of events, in order whatever the precision of their dates" in html
    assert "ORDER BY (COALESCE(?earliest, ?latest)) ?latest" in html
    assert "2016-03-14" in html and "Putin announces" in html
    index = (site.out_dir / "queries.html").read_text(encoding="utf-8")
    assert 'href="queries/russia-iran-issues.html"' in index
    assert "error" not in re.sub(r"<[^>]+>", " ", index).split(), "a saved query failed to run"


def test_statistics_count_graphs_kinds_classes_and_vocabulary_values(
    site: docs.SiteResult, project: Project
) -> None:
    html = (site.out_dir / "statistics.html").read_text(encoding="utf-8")
    dataset = graph.assemble(project)
    for iri, n in graph.triple_counts(dataset).items():
        name = str(iri).removeprefix(graph.GRAPH_BASE)
        assert re.search(rf"<code>{re.escape(name)}</code></td><td class=\"num\">{n}</td>", html)
    for kind, n in graph.entity_counts(dataset).items():
        assert f'<td>{kind}</td><td class="num">{n}</td>' in html
    assert "stance polarities" in html and 'href="vocabularies.html#polarity-welcome"' in html


# ---------------------------------------------------------------------------------------------
# Links and the network
# ---------------------------------------------------------------------------------------------


class Refs(HTMLParser):
    """Every href/src of a page, by tag, its ids, and any style it carries."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.ids: set[str] = set()
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src", "data", "poster", "srcset", "action", "xlink:href"):
                self.refs.append((tag, name, value))
            if name == "id":
                self.ids.add(value)
            if name == "style":
                self.styles.append(value)
        self._in_style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def parse(path: Path) -> Refs:
    refs = Refs()
    refs.feed(path.read_text(encoding="utf-8"))
    return refs


def test_every_local_link_and_fragment_resolves(site: docs.SiteResult) -> None:
    ids = {p: parse(p).ids for p in pages(site)}
    broken = []
    for page in pages(site):
        for tag, attr, value in parse(page).refs:
            parts = urlsplit(value)
            if parts.scheme or parts.netloc:
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.is_file():
                broken.append(f"{page.name}: <{tag} {attr}={value!r}>: no such file")
                continue
            if parts.fragment and target.suffix == ".html" and parts.fragment not in ids[target]:
                broken.append(f"{page.name}: <{tag} {attr}={value!r}>: no id {parts.fragment!r}")
    assert not broken, "\n".join(broken)


#: Attributes that make a browser fetch something, by tag (an <a href> only navigates).
LOADING = {
    ("script", "src"),
    ("link", "href"),
    ("img", "src"),
    ("img", "srcset"),
    ("source", "src"),
    ("source", "srcset"),
    ("iframe", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("video", "src"),
    ("video", "poster"),
    ("audio", "src"),
    ("track", "src"),
    ("image", "href"),
    ("image", "xlink:href"),
    ("use", "href"),
    ("use", "xlink:href"),
    ("form", "action"),
}
REMOTE = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:)?//[^'")\s]+)""", re.I)


def test_no_page_stylesheet_or_picture_references_a_remote_resource(
    site: docs.SiteResult,
) -> None:
    found = []
    for page in pages(site):
        refs = parse(page)
        for tag, attr, value in refs.refs:
            if (tag, attr) in LOADING and REMOTE.match(value):
                found.append(f"{page.name}: <{tag} {attr}={value!r}>")
        for style in refs.styles:
            found += [f"{page.name}: style loads {u}" for u in CSS_URL.findall(style)]
    for css in site.out_dir.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        found += [f"{css.name}: loads {u}" for u in CSS_URL.findall(text)]
        assert "@font-face" not in text, "the stylesheet must use system fonts only"
    for svg in site.pictures:
        root = ET.parse(svg).getroot()
        for element in root.iter():
            for name, value in element.attrib.items():
                local = name.rsplit("}", 1)[-1]
                if local in ("href", "src") and REMOTE.match(value):
                    found.append(f"{svg.name}: <{element.tag} {name}={value!r}>")
            if element.tag.endswith("style") and element.text:
                found += [f"{svg.name}: style loads {u}" for u in CSS_URL.findall(element.text)]
    assert not found, "\n".join(found)


# ---------------------------------------------------------------------------------------------
# In a real browser
# ---------------------------------------------------------------------------------------------

#: A page that opens each page of the site in a frame and reports what a reader would see: the
#: heading, whether the local stylesheet applied (the header's colour), and each picture's size
#: once decoded (0 for one that did not load).
HARNESS = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<pre id="report"></pre>
<script>
const pages = %s;
const report = [];
function next(i) {
  if (i >= pages.length) {
    document.getElementById("report").textContent = JSON.stringify(report);
    return;
  }
  const frame = document.createElement("iframe");
  frame.style.width = "1200px"; frame.style.height = "800px";
  frame.onload = () => {
    const doc = frame.contentDocument;
    const wait = Array.from(doc.images).map(img => img.complete ? Promise.resolve()
        : new Promise(ok => { img.onload = ok; img.onerror = ok; }));
    Promise.all(wait).then(() => {
      const header = doc.querySelector("header");
      report.push({
        page: pages[i],
        title: doc.title,
        h1: (doc.querySelector("h1") || {}).textContent || "",
        headerColour: header ? getComputedStyle(header).backgroundColor : "",
        images: Array.from(doc.images).map(img => [img.getAttribute("src"), img.naturalWidth]),
      });
      frame.remove();
      next(i + 1);
    });
  };
  frame.src = pages[i];
  document.body.appendChild(frame);
}
next(0);
</script></body></html>
"""


def test_every_page_renders_in_chromium_with_its_stylesheet_and_pictures(
    site: docs.SiteResult, tmp_path: Path
) -> None:
    needs_chromium()
    listed = [p.relative_to(site.out_dir).as_posix() for p in pages(site)]
    harness = site.out_dir / "_harness.html"  # beside the pages: same folder, same origin
    harness.write_text(HARNESS % json.dumps(listed), encoding="utf-8")
    try:
        result = chromium(
            "--allow-file-access-from-files",
            "--virtual-time-budget=60000",
            "--dump-dom",
            harness.as_uri(),
            timeout=240,
        )
    finally:
        harness.unlink()
    match = re.search(r'<pre id="report">(.*?)</pre>', result.stdout, re.S)
    assert match and match.group(1), f"the harness reported nothing: {result.stdout[-500:]}"
    report = json.loads(
        match.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    )
    assert [r["page"] for r in report] == listed
    for r in report:
        assert r["h1"].strip(), f"{r['page']}: no heading rendered"
        assert r["title"].endswith("stancegraph " + site_version(site)), r
        assert r["headerColour"] == "rgb(28, 69, 135)", f"{r['page']}: style.css did not apply"
        for src, width in r["images"]:
            assert width > 0, f"{r['page']}: picture {src} did not load"
    overview = next(r for r in report if r["page"] == "index.html")
    assert {src for src, _ in overview["images"]} == {p.file for p in docs.PICTURES}


def test_dump_dom_of_the_overview_shows_the_ontology_and_pictures(site: docs.SiteResult) -> None:
    dom = chromium("--dump-dom", (site.out_dir / "index.html").as_uri()).stdout
    assert "<h1>stancegraph ontology</h1>" in dom
    for picture in docs.PICTURES:
        assert f'src="{picture.file}"' in dom


def test_screenshots_are_kept_as_build_artifacts(site: docs.SiteResult) -> None:
    from PIL import Image, ImageStat

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shots = {
        "index.png": (site.out_dir / "index.html", "1400,2200"),
        "network.png": (site.out_dir / "img" / "network.svg", "2900,2500"),
        "timeline.png": (site.out_dir / "img" / "timeline.svg", "1600,1300"),
        "divergence.png": (site.out_dir / "img" / "divergence.svg", "2100,800"),
    }
    for name, (page, size) in shots.items():
        out = SCREENSHOTS / name
        out.unlink(missing_ok=True)
        chromium(f"--window-size={size}", f"--screenshot={out}", page.as_uri())
        assert out.is_file() and out.stat().st_size > 10_000, name
        with Image.open(out) as image:
            width, height = image.size
            assert f"{width},{height}" == size, name
            spread = ImageStat.Stat(image.convert("L")).stddev[0]
            assert spread > 20, f"{name}: the screenshot is (nearly) blank"


def site_version(site: docs.SiteResult) -> str:
    match = re.search(
        r'<span class="version">ontology ([^<]*)</span>',
        (site.out_dir / "index.html").read_text(encoding="utf-8"),
    )
    assert match
    return match.group(1)


# ---------------------------------------------------------------------------------------------
# The pictures show the article
# ---------------------------------------------------------------------------------------------


def svg_text(path: Path) -> str:
    """All the text an SVG shows, one string (Graphviz and matplotlib both write <text>)."""
    root = ET.parse(path).getroot()
    return " ".join(
        " ".join("".join(e.itertext()).split()) for e in root.iter() if e.tag.endswith("text")
    )


def test_the_network_shows_the_actors(site: docs.SiteResult) -> None:
    text = svg_text(site.out_dir / "img" / "network.svg")
    for name in (
        "Vladimir Putin",
        "IRGC",
        "Hezbollah",
        "Ali Khamenei",
        "Hassan Rouhani",
        "government of Iran",
        "government of Russia",
        "Bashar al-Assad",
        "RUSSIA",
        "IRAN",
        "controls",
        "at odds with",
        "welcome",
        "disapproval",
    ):
        assert name in text, name


def test_the_timeline_shows_the_announcement_on_14_march_2016(site: docs.SiteResult) -> None:
    svg = site.out_dir / "img" / "timeline.svg"
    text = svg_text(svg)
    assert "Putin announces Russia's decision to pull back" in text
    assert "14 March 2016 (2016-03-14, inferred)" in text
    # parts of a month and seasons by the bounds convention (issue #18)
    assert "late February 2016 (2016-02-21 – 2016-02-29, inferred)" in text
    assert "summer 2015 (2015-06-01 – 2015-09-30)" in text
    # the announcement is drawn as a mark of its own (a point), not a span
    ids = {e.get("id") for e in ET.parse(svg).getroot().iter()}
    assert "event-event-rd-syria-iran-1" in ids


def test_the_divergence_shows_each_side_in_public_and_private(site: docs.SiteResult) -> None:
    text = svg_text(site.out_dir / "img" / "divergence.svg")
    for words in (
        "Russia, in public",
        "Russia, in private",
        "Iran, in public",
        "Iran, in private",
        "the fate of Assad",
        "the role of Hezbollah in Syria",
        "Islamic Revolutionary Guard Corps",
        "disapproval",
        "advocacy",
    ):
        assert words in text, words
    assert re.search(r"\d+ (agree|differ|diverge)", text), "no verdicts of russia-iran-issues"


def test_timeline_facts_keep_each_dates_precision(project: Project) -> None:
    facts = plots.timeline_facts(queries.memory_store(graph.assemble(project)), project)
    announcement = next(e for e in facts.events if e.label.startswith("Putin announces"))
    assert (announcement.earliest, announcement.latest) == (dt.date(2016, 3, 14),) * 2
    assert announcement.precision == "day" and announcement.inferred and announcement.is_point
    late = next(e for e in facts.events if e.date_label == "late February 2016")
    assert late.precision == "part-of-month" and not late.is_point
    reactions = [e for e in facts.events if e.latest is None]
    assert reactions and all(e.earliest == dt.date(2016, 3, 14) for e in reactions)
    assert [e.earliest for e in facts.events] == sorted(e.earliest for e in facts.events)


def test_network_facts_draw_own_voice_solid_and_claims_or_private_stances_dashed(
    project: Project,
) -> None:
    facts = plots.network_facts(queries.memory_store(graph.assemble(project)), project)
    names = {iri: n.label for iri, n in facts.nodes.items()}

    def edges(source: str, target: str, kind: str) -> list[plots.Edge]:
        return [
            e
            for e in facts.edges
            if names[e.source].startswith(source)
            and names[e.target].startswith(target)
            and e.kind == kind
        ]

    (controls,) = edges("Ali Khamenei", "Islamic Revolutionary Guard Corps", "relation")
    assert controls.solid and controls.label == "controls"
    claimed = edges("Hezbollah", "Russia", "relation")  # only Velayati's claim: dashed
    assert claimed and not any(e.solid for e in claimed)
    private = edges("Islamic Revolutionary Guard Corps", "Russia's partial military", "stance")
    assert private and private[0].tone == "negative" and not private[0].solid
    public = [e for e in edges("government of Iran", "Putin announces", "stance") if e.solid]
    assert public and public[0].tone == "positive"
    (announcer,) = edges("Vladimir Putin", "Putin announces", "link")
    assert facts.nodes[announcer.source].side == plots.RUSSIA


def test_divergence_facts_separate_public_from_private(project: Project) -> None:
    facts = plots.divergence_facts(queries.memory_store(graph.assemble(project)), project)
    assert facts.query == "russia-iran-issues"
    fate = next(i for i in facts.issues if i.label == "the fate of Assad")
    assert {(s.holder, s.polarity, s.public) for s in fate.right} >= {("Iran", "support", False)}
    assert {(s.holder, s.polarity, s.public) for s in fate.left} >= {("Russia", "advocacy", False)}
    # how the pairs are judged is the saved query's business; that it judged some is ours
    assert sum(fate.verdicts.values()) >= 1


# ---------------------------------------------------------------------------------------------
# The command line and the README
# ---------------------------------------------------------------------------------------------


def test_plot_writes_one_picture_to_a_file_and_all_to_a_folder(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not shutil.which("dot"):
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
    with pytest.raises(SystemExit) as done:
        main(["--home", str(project.root), "plot", "network", "--out", str(tmp_path / "n.svg")])
    assert done.value.code == 0
    assert "Vladimir Putin" in svg_text(tmp_path / "n.svg")
    with pytest.raises(SystemExit) as done:
        main(["--home", str(project.root), "plot", "--format", "png", "--out", str(tmp_path)])
    assert done.value.code == 0
    for name in plots.NAMES:
        assert (tmp_path / f"{name}.png").read_bytes().startswith(b"\x89PNG"), name
    with pytest.raises(SystemExit) as done:
        main(["--home", str(project.root), "plot", "--out", str(tmp_path / "both.svg")])
    assert done.value.code == 2
    assert "one picture" in capsys.readouterr().err


def test_the_readme_shows_the_committed_pictures(project: Project) -> None:
    readme = (project.root / "README.md").read_text(encoding="utf-8")
    for name in plots.NAMES:
        path = f"docs/img/{name}.svg"
        assert f"({path})" in readme or f'src="{path}"' in readme, f"README does not show {path}"
        assert (project.root / path).is_file(), f"{path} is missing: run make docs"
    assert "Vladimir Putin" in svg_text(project.root / "docs/img/network.svg")
    assert "2016-03-14" in svg_text(project.root / "docs/img/timeline.svg")


#: What a drawing tool stamps into its SVG: its own version (Graphviz in a comment, matplotlib in
#: the metadata). Nothing else in a picture depends on the clock or the machine (matplotlib is
#: told no date and a fixed hash salt), so the same data draws the same bytes.
TOOL_STAMPS = re.compile(r"<!-- Generated by graphviz version [^\n]*|<dc:title>Matplotlib v[^,<]*")


def what_it_shows(svg: str) -> list[str]:
    """What a reader of a picture sees and a drawing tool's version does not change: every
    element's id (the nodes, edges and events drawn) and every text, in order."""
    root = ET.fromstring(svg.encode("utf-8"))
    return [
        f"id={e.get('id')}" if e.get("id") else " ".join("".join(e.itertext()).split())
        for e in root.iter()
        if e.get("id") or e.tag.endswith("text")
    ]


def test_the_committed_pictures_are_what_make_docs_draws(
    site: docs.SiteResult, project: Project
) -> None:
    """Issue #15: docs/img/*.svg (what the README shows) are drawn again from the current data,
    as `make docs` draws them, and must be the committed files byte for byte. Where this machine
    draws with another version of Graphviz or matplotlib than the committed files were drawn
    with, coordinates may move: then what the pictures show (every id and text) must be equal."""
    assert sorted(p.name for p in site.copied) == sorted(f"{n}.svg" for n in plots.NAMES)
    problems = []
    for drawn in site.copied:
        committed = project.root / "docs" / "img" / drawn.name
        if not committed.is_file():
            problems.append(f"docs/img/{drawn.name} is missing")
            continue
        new, old = drawn.read_text(encoding="utf-8"), committed.read_text(encoding="utf-8")
        tools_here, tools_then = TOOL_STAMPS.findall(new), TOOL_STAMPS.findall(old)
        if tools_here == tools_then and new != old:
            diff = difflib.unified_diff(
                old.splitlines(), new.splitlines(), "committed", "drawn", n=0, lineterm=""
            )
            shown = "\n".join(line[:160] for line in list(diff)[:10])
            problems.append(f"docs/img/{drawn.name} is not what make docs draws:\n{shown}")
        elif tools_here != tools_then and what_it_shows(new) != what_it_shows(old):
            problems.append(
                f"docs/img/{drawn.name} does not show what the data draws (drawn here with "
                f"{tools_here}, committed with {tools_then})"
            )
    assert not problems, "\n".join(problems) + "\nrun make docs and review the pictures"


def section(html: str, anchor: str) -> str:
    """The <section id=anchor> of a page."""
    start = html.index(f'id="{anchor}"')
    end = html.find("</section>", start)
    return html[start:end]


# ---------------------------------------------------------------------------------------------
# The catalogue behind the site and the pictures (issue #15)
# ---------------------------------------------------------------------------------------------


def test_each_query_page_lists_its_rows_in_the_golden_files_order(project: Project) -> None:
    """A query without ORDER BY came out in whatever order the engine gave, which changes with
    the store: the page sorts such rows as the golden file does, so the site is the same bytes
    from one build to the next."""
    from stancegraph import corpus, queries

    dataset = corpus.assemble(project)  # the golden corpus, on which the golden files are made
    pages = docs.read_queries(project, queries.memory_store(dataset), docs.Names(dataset))
    checked = 0
    for page in pages:
        query = queries.find(project, page.name)
        if page.form != "SELECT" or page.error:
            continue
        expected = queries.read_expected(project, query)
        shown = [[iri or text for text, iri in row] for row in page.rows]
        wanted = [["" if t is None else str(t) for t in row] for row in expected.rows]
        assert shown == wanted[: docs.MAX_ROWS], page.name
        checked += 1
    assert checked >= 30


def test_a_verdict_query_that_is_not_a_select_is_a_clear_error(tmp_path: Path) -> None:
    """The divergence picture iterated the answer of queries/russia-iran-issues.rq as rows: an
    ASK there gave a TypeError. Now one line names the file and what the picture needs."""
    from conftest import MINI, with_picture_queries

    home = tmp_path / "project"
    shutil.copytree(MINI, home, ignore=shutil.ignore_patterns(".stancegraph", "dist"))
    with_picture_queries(home)
    verdicts = home / "queries" / "russia-iran-issues.rq"
    verdicts.write_text("#+ summary: Any triple?\nASK { ?s ?p ?o }\n", encoding="utf-8")
    script = Path(sys.executable).parent / "stancegraph"
    result = subprocess.run(
        [str(script), "--home", str(home), "plot", "divergence", "--out", str(tmp_path / "d.svg")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"stancegraph: error: {verdicts}: a picture reads the rows of this query, which must be "
        "a SELECT; it is ASK"
    ]


def test_a_stance_whose_expression_is_unstated_is_not_drawn_as_private(project: Project) -> None:
    """vocab/expression has three concepts: public, private and unstated (the text does not
    say). The divergence picture put every stance that was not public under "in private"; an
    unstated one now has a column of its own."""
    facts = plots.divergence_facts(queries.memory_store(graph.assemble(project)), project)
    fate = next(i for i in facts.issues if i.label == "the fate of Assad")
    unstated = {(s.holder, s.polarity) for s in fate.right if s.expression == "unstated"}
    assert ("Iran", "support") in unstated
    assert not any(s.private for s in fate.right if s.expression == "unstated")
    assert all(s.unstated == (s.expression == "unstated") for s in fate.left + fate.right)
    dot = plots.divergence_dot(facts)
    assert "<B>Russia, public or private</B>" in dot and "<B>Iran, public or private</B>" in dot
    first_issue = dot.split("<TR>")[2]  # after the header row
    assert first_issue.count("<TD") == 8  # issue, 3 Russian, verdicts, 3 Iranian


def test_the_site_puts_the_dataset_into_oxigraph_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The query pages and each of the three pictures made a store of their own, serialising
    the whole dataset four times per site: one store now, made by queries.memory_store and
    passed on."""
    from rdflib import Dataset

    from conftest import MINI, with_picture_queries

    if not shutil.which("dot"):
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
    home = tmp_path / "project"
    shutil.copytree(MINI, home, ignore=shutil.ignore_patterns(".stancegraph", "dist"))
    with_picture_queries(home)
    formats: list[object] = []
    stores: list[object] = []
    serialize, memory_store = Dataset.serialize, queries.memory_store

    def counting_serialize(self: Dataset, *args: object, **kwargs: object) -> object:
        formats.append(kwargs.get("format"))
        return serialize(self, *args, **kwargs)  # type: ignore[arg-type]

    def counting_store(dataset: Dataset) -> object:
        stores.append(dataset)
        return memory_store(dataset)

    monkeypatch.setattr(Dataset, "serialize", counting_serialize)
    monkeypatch.setattr(queries, "memory_store", counting_store)
    site = docs.build_site(Project(home), tmp_path / "site")
    assert {p.name for p in site.pictures} == {"network.svg", "timeline.svg", "divergence.svg"}
    assert formats == ["nquads"]
    assert len(stores) == 1


def test_each_picture_draws_the_saved_queries_tagged_picture(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What each picture shows is the answer of saved queries (issue #15): the facts of each
    picture come from queries.run on exactly the queries plots.PICTURE_QUERIES names for it (and
    the divergence from russia-iran-issues too), and those are the queries tagged picture."""
    ran: list[str] = []
    real_run = queries.run

    def recording(query: queries.SavedQuery, *args: object, **kwargs: object) -> object:
        ran.append(query.name)
        return real_run(query, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(queries, "run", recording)
    store = queries.memory_store(graph.assemble(project))
    facts = {
        "network": plots.network_facts,
        "timeline": plots.timeline_facts,
        "divergence": plots.divergence_facts,
    }
    for name, read in facts.items():
        ran.clear()
        read(store, project)
        extra = {plots.VERDICT_QUERY} if name == "divergence" else set()
        assert set(ran) == set(plots.PICTURE_QUERIES[name]) | extra, name
    tagged = {q.name for q in queries.catalogue(project) if "picture" in q.tags}
    assert tagged == {n for names in plots.PICTURE_QUERIES.values() for n in names}
