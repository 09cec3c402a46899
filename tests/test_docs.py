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
    assert "Vladimir Putin; Bouthaina Shaaban." in text_of(actor)  # the names link (issue #20)
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
    store = queries.memory_store(dataset)
    pages = docs.read_queries(project, queries.OxigraphEngine(store=store), docs.Names(store))
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


def test_the_site_reads_the_corpus_from_the_embedded_store_not_rdflib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The site assembled the whole dataset in rdflib and put it into an in-memory Oxigraph
    store, which does not fit at 10M triples (issue #19): it now reads the embedded store, as
    query and plot do, and rdflib parses only the model's files (ontology, vocabularies,
    shapes), never a data file."""
    from conftest import MINI, record_parses, with_picture_queries

    if not shutil.which("dot"):
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
    home = tmp_path / "project"
    shutil.copytree(MINI, home, ignore=shutil.ignore_patterns(".stancegraph", "dist"))
    with_picture_queries(home)
    project = Project(home)
    queries.open_store(project)  # the store is loaded (by load's own reader) before the site

    def refused(*args: object, **kwargs: object) -> object:
        raise AssertionError("the site assembled the corpus in rdflib")

    monkeypatch.setattr(graph, "assemble", refused)
    monkeypatch.setattr(plots, "assemble", refused)
    monkeypatch.setattr(queries, "memory_store", refused)
    parsed = record_parses(monkeypatch)
    site = docs.build_site(project, tmp_path / "site")
    assert {p.name for p in site.pictures} == {"network.svg", "timeline.svg", "divergence.svg"}
    model = {project.ontology_file, *project.vocab_files, *project.shapes_files}
    assert parsed and set(parsed) <= model
    assert (site.out_dir / "actors.html").is_file()


def test_a_large_answer_and_a_long_actor_section_are_cut_and_say_so(
    tmp_path: Path, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 10M triples an answer's downloads and an actor's page would hold hundreds of
    thousands of rows: past DOWNLOAD_ROWS the downloads hold the first rows, and the page
    says of how many and which command gives them all; past MAX_ITEMS a section of an actor's
    page lists the first items and says how many it has."""
    import csv

    if not shutil.which("dot"):
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
    monkeypatch.setattr(docs, "DOWNLOAD_ROWS", 60)
    monkeypatch.setattr(docs, "MAX_ITEMS", 3)
    site = docs.build_site(project, tmp_path / "site")
    folder = site.out_dir / "queries"
    page = queries.run_page(
        queries.find(project, "claim-source-chain"), queries.OxigraphEngine(project), limit=1
    )
    total = page.total()
    assert total is not None and total > 60
    html = text_of((folder / "claim-source-chain.html").read_text(encoding="utf-8"))
    assert f"Download the answer's first 60 rows (of {total:,}" in html
    assert "stancegraph query claim-source-chain --format csv" in html
    with (folder / "claim-source-chain.csv").open(encoding="utf-8", newline="") as f:
        assert len(list(csv.reader(f))) == 1 + 60
    results = json.loads((folder / "claim-source-chain.json").read_text(encoding="utf-8"))
    assert len(results["results"]["bindings"]) == 60
    small = text_of((folder / "timeline.html").read_text(encoding="utf-8"))
    assert "Download the whole answer" in small or "No rows" in small

    cut = []
    for actor in (site.out_dir / "actors").glob("*.html"):
        text = text_of(actor.read_text(encoding="utf-8"))
        found = re.findall(r"The first 3 of (\d+), by source", text)
        cut += [int(n) for n in found]
    assert cut and all(n > 3 for n in cut)


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


# ---------------------------------------------------------------------------------------------
# Issue #20: answers a reader can take away, the hierarchy, vocabularies by use, actor pages,
# the search, and no path outside the repository
# ---------------------------------------------------------------------------------------------


def text_of(html: str) -> str:
    """A page's text as a reader sees it (tags dropped, entities decoded, spaces joined)."""
    import html as html_module

    body = re.sub(r"<script\b.*?</script>", " ", html, flags=re.S)
    body = re.sub(r"</?(?:a|code|span|strong|em|b)\b[^>]*>", "", body)  # inline: no space
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_a_query_page_shows_its_first_page_with_the_total_and_the_whole_answer_beside_it(
    site: docs.SiteResult, project: Project
) -> None:
    """claim-source-chain has more rows than a page shows (76 here, 11,552 at 1M): the page
    shows the first 50 and says of how many, and the CSV and JSON beside it hold them all, in
    the page's order."""
    import csv

    query = queries.find(project, "claim-source-chain")
    answer = queries.run(
        query, queries.OxigraphEngine(store=queries.memory_store(graph.assemble(project)))
    )
    total = len(answer.rows)
    assert total > docs.MAX_ROWS == 50
    folder = site.out_dir / "queries"
    html = (folder / "claim-source-chain.html").read_text(encoding="utf-8")
    assert f"The first 50 of {total:,} rows; download all:" in text_of(html)
    body = html.split('<table class="answer">', 1)[1].split("</table>", 1)[0]
    assert body.count("<tr>") == 1 + 50  # the header and the first page
    assert 'href="claim-source-chain.csv" download' in html
    assert 'href="claim-source-chain.json" download' in html

    with (folder / "claim-source-chain.csv").open(encoding="utf-8", newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == answer.variables
    assert len(table) == 1 + total
    results = json.loads((folder / "claim-source-chain.json").read_text(encoding="utf-8"))
    assert results["head"]["vars"] == answer.variables
    assert len(results["results"]["bindings"]) == total
    # the same rows in the same order as the page: the claim of each of the first 50
    shown = re.findall(r"<tr><td title=\"([^\"]+)\"", body)
    assert shown == [row[0] for row in table[1:51]]
    assert [b["claim"]["value"] for b in results["results"]["bindings"][:50]] == shown
    index = (site.out_dir / "queries.html").read_text(encoding="utf-8")
    assert 'href="queries/claim-source-chain.csv" download' in index


def test_a_graph_answer_downloads_as_csv_json_ld_and_turtle(site: docs.SiteResult) -> None:
    """actor-network is a CONSTRUCT: its triples as CSV (subject, predicate, object), JSON-LD
    and Turtle, each the whole graph."""
    import csv

    from rdflib import Graph

    folder = site.out_dir / "queries"
    turtle = Graph().parse(folder / "actor-network.ttl", format="turtle")
    jsonld = Graph().parse(folder / "actor-network.jsonld", format="json-ld")
    with (folder / "actor-network.csv").open(encoding="utf-8", newline="") as f:
        table = list(csv.reader(f))
    assert len(turtle) == len(jsonld) == len(table) - 1 > 0
    assert table[0] == ["subject", "predicate", "object"]
    html = (folder / "actor-network.html").read_text(encoding="utf-8")
    assert f"{len(turtle):,} rows" in text_of(html)


@pytest.mark.loopback  # selenium talks to chromedriver on 127.0.0.1
def test_every_page_and_answer_box_fits_and_scrolls_in_chromium_at_1280_and_420px(
    site: docs.SiteResult,
) -> None:
    """Issue #20: answer tables ran off the right of the page. At 1280 px (and 420 px, a phone)
    nothing on any page is wider than the window (the document does not scroll sideways); a
    long answer scrolls in its own box. Every link the browser resolves to a local file names
    a file of the site. Screenshots of what a reader sees are kept (browser_support.SCREENSHOTS)."""
    from browser_support import browser, screenshot

    wide, broken = [], []
    with browser(1280, 900) as driver:
        for page in pages(site):
            driver.get(page.as_uri())
            width, window = driver.execute_script(
                "return [document.scrollingElement.scrollWidth, window.innerWidth]"
            )
            if width > window:
                wide.append(f"{page.relative_to(site.out_dir)}: {width} px > {window} px")
            for href in driver.execute_script(
                "return Array.from(document.querySelectorAll('a[href]'), a => a.href)"
            ):
                parts = urlsplit(href)
                if parts.scheme == "file" and not Path(unquote(parts.path)).is_file():
                    broken.append(f"{page.relative_to(site.out_dir)}: {href}")
        driver.get((site.out_dir / "queries" / "claim-source-chain.html").as_uri())
        box = driver.execute_script(
            "const b = document.querySelector('.answer-box');"
            "return [b.scrollHeight, b.clientHeight, getComputedStyle(b).overflowY,"
            " getComputedStyle(b).overflowX]"
        )
        assert box[0] > box[1] and box[2:] == ["auto", "auto"], box
        driver.execute_script("document.querySelector('.shown').scrollIntoView()")
        shots = [screenshot(driver, "docs-answer-claim-source-chain")]
        for name, file in [
            ("docs-index", "index.html"),
            ("docs-hierarchy", "hierarchy.html"),
            ("docs-vocabularies", "vocabularies.html"),
            ("docs-actor-javad-zarif", "actors/person-javad-zarif.html"),
            ("docs-network", "network.html"),
        ]:
            driver.get((site.out_dir / file).as_uri())
            shots.append(screenshot(driver, name))
    with browser(420, 900) as driver:  # a phone: tables scroll in their own boxes
        for page in pages(site):
            driver.get(page.as_uri())
            width, window = driver.execute_script(
                "return [document.scrollingElement.scrollWidth, window.innerWidth]"
            )
            if width > window:
                wide.append(f"{page.relative_to(site.out_dir)}: {width} px > {window} px")
        driver.get((site.out_dir / "queries" / "claim-source-chain.html").as_uri())
        shots.append(screenshot(driver, "docs-answer-claim-source-chain-420px"))
    assert not wide, "pages wider than the window:\n" + "\n".join(wide)
    assert not broken, "links to no file:\n" + "\n".join(broken)
    for shot in shots:
        assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000, shot


@pytest.mark.loopback  # selenium talks to chromedriver on 127.0.0.1
def test_the_search_finds_zarif_without_the_network_and_opens_his_page(
    site: docs.SiteResult,
) -> None:
    """The search runs in the page over search-index.js (written with the site; search.json is
    the same index): "Zarif" finds Javad Zarif, from the overview and from a page one folder
    down, and the result opens his actor page; a word nothing has says so."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from browser_support import browser, screenshot

    index = json.loads((site.out_dir / docs.SEARCH_JSON).read_text(encoding="utf-8"))
    (zarif,) = [e for e in index if e["l"] == "Javad Zarif"]
    assert zarif == {
        "l": "Javad Zarif",
        "a": [],
        "k": "actor (Person)",
        "h": "actors/person-javad-zarif.html",
    }
    script = (site.out_dir / docs.SEARCH_INDEX_JS).read_text(encoding="utf-8")
    assert json.loads(script.split(" = ", 1)[1].rstrip().rstrip(";").replace("<\\/", "</")) == index
    with browser(1280, 900) as driver:
        # offline, as a reader on a train: the search needs nothing but the site's own files
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
        )
        for start in ("index.html", "queries/timeline.html"):
            driver.get((site.out_dir / start).as_uri())
            box = driver.find_element(By.ID, "site-search")
            box.send_keys("Zarif")
            results = driver.find_element(By.ID, "search-results")
            WebDriverWait(driver, 10).until(
                lambda d: d.find_element(By.ID, "search-results").is_displayed()
            )
            links = results.find_elements(By.TAG_NAME, "a")
            assert links and links[0].text.splitlines() == ["Javad Zarif", "actor (Person)"]
            if start == "index.html":
                screenshot(driver, "docs-search-zarif")
            links[0].click()
            WebDriverWait(driver, 10).until(lambda d: "person-javad-zarif" in d.current_url)
            assert driver.current_url == (site.out_dir / zarif["h"]).as_uri()
            assert driver.find_element(By.TAG_NAME, "h1").text == "Javad Zarif"
        box = driver.find_element(By.ID, "site-search")
        box.send_keys("zarïf")  # accents and case do not matter
        results = driver.find_element(By.ID, "search-results")
        WebDriverWait(driver, 10).until(
            lambda d: d.find_element(By.ID, "search-results").is_displayed()
        )
        assert results.find_elements(By.TAG_NAME, "a")[0].text.startswith("Javad Zarif")
        # the keyboard: down to the first result, Enter opens it
        from selenium.webdriver.common.keys import Keys

        box.send_keys(Keys.ARROW_DOWN)
        active = driver.switch_to.active_element
        assert active.tag_name == "a" and active.text.startswith("Javad Zarif")
        active.send_keys(Keys.ESCAPE)
        assert not results.is_displayed()
        box = driver.find_element(By.ID, "site-search")
        box.clear()
        box.send_keys("qqxqq")
        WebDriverWait(driver, 10).until(lambda d: "Nothing" in results.text)
        assert results.text == "Nothing is labelled so."


def test_the_hierarchy_page_draws_classes_and_properties_as_trees(
    site: docs.SiteResult, project: Project
) -> None:
    """Every class of the ontology under its super-class (rdfs:subClassOf) and every property
    under its super-property, with its label and definition; a term with two parents drawn
    once and named under the other."""
    from rdflib import Graph
    from rdflib.namespace import OWL, RDF, RDFS, SKOS

    html = (site.out_dir / "hierarchy.html").read_text(encoding="utf-8")
    shown = text_of(html)
    person = section_li(html, "tree-Actor--Person")
    assert 'href="ontology.html#Person"' in person
    assert "A human being named or referred to as an individual." in person
    assert 'id="tree-Actor--Person"' in section_li(html, "tree-Actor")  # nested, not beside it
    assert 'id="tree-actorRelation--backs--sponsors"' in section_li(
        html, "tree-actorRelation--backs"
    )
    onto = Graph().parse(project.ontology_file)
    sg = docs.SG_NS
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        for term in onto.subjects(RDF.type, kind):
            if not str(term).startswith(sg):
                continue
            local = str(term)[len(sg) :]
            drawn = re.findall(rf'<li id="(tree-(?:[\w-]+--)?{re.escape(local)})">', html)
            assert drawn, f"{local} is not in the hierarchy"
            supers = {
                str(s)[len(sg) :]
                for p in (RDFS.subClassOf, RDFS.subPropertyOf)
                for s in onto.objects(term, p)
                if str(s).startswith(sg)
            }
            parents = {d.rsplit("--", 2)[-2].removeprefix("tree-") for d in drawn if "--" in d}
            assert parents == supers, local
            definition = onto.value(term, SKOS.definition)
            if definition is not None:
                assert " ".join(str(definition).split()) in shown, local


def section_li(html: str, anchor: str) -> str:
    """The <li id=anchor> of the hierarchy, to its matching </li>."""
    start = html.index(f'<li id="{anchor}">')
    depth, i = 0, start
    for m in re.finditer(r"<li\b|</li>", html[start:]):
        depth += 1 if m.group(0) == "<li" else -1
        if depth == 0:
            i = start + m.end()
            break
    return html[start:i]


def test_hierarchy_draws_a_term_with_two_parents_once_and_survives_a_cycle() -> None:
    from rdflib import URIRef

    def term(name: str, supers: list[str], subs: list[str]) -> docs.Term:
        return docs.Term(
            iri=URIRef(docs.SG_NS + name),
            kind="class",
            label=name.lower(),
            anchor=name,
            supers=[URIRef(docs.SG_NS + s) for s in supers],
            subs=[URIRef(docs.SG_NS + s) for s in subs],
        )

    terms = [
        term("A", [], ["C"]),
        term("B", [], ["C"]),
        term("C", ["A", "B"], []),
        term("X", ["Y"], ["Y"]),  # a cycle: no root
        term("Y", ["X"], ["X"]),
    ]
    trees = docs.hierarchy(terms)
    shown = [(n.anchor, [(c.anchor, c.repeat) for c in n.children]) for n in trees]
    assert shown == [
        ("tree-A", [("tree-A--C", "")]),
        ("tree-B", [("tree-B--C", "tree-A--C")]),
        ("tree-X", [("tree-X--Y", "")]),
    ]


def test_vocabularies_come_most_used_first_and_the_unused_last_said_so(
    site: docs.SiteResult, project: Project
) -> None:
    """The vocabulary page opened with CAMEO, 20 concepts used 0 times: now the schemes come in
    the order of how often the data uses their concepts, each saying so, and those no data uses
    after a heading that says they are not used."""
    from collections import Counter

    from rdflib.namespace import RDF, SKOS

    dataset = graph.assemble(project)
    vocab = dataset.graph(graph.VOCAB_GRAPH)
    data = graph.union_graph(dataset, graph.data_graph_iris(dataset))
    uses: Counter[str] = Counter()
    for _, _, o in data:
        scheme = vocab.value(o, SKOS.inScheme)
        if scheme is not None:
            uses[str(scheme).rstrip("/").rsplit("/", 1)[-1]] += 1
    html = (site.out_dir / "vocabularies.html").read_text(encoding="utf-8")
    order = re.findall(r'<section class="scheme[^"]*" id="scheme-([\w-]+)">', html)
    counts = [uses.get(key, 0) for key in order]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0
    # the schemes no statement uses (CAMEO; text-access, which only a withheld source's
    # description would use) come last
    never = [key for key in order if uses.get(key, 0) == 0]
    assert order[-len(never) :] == never and {"cameo", "text-access"} <= set(never)
    unused = html.index('id="unused"')
    assert html.index('id="scheme-cameo"') > unused > html.index(f'id="scheme-{order[0]}"')
    cameo = text_of(section(html, "scheme-cameo"))
    scheme = next(
        s
        for s in vocab.subjects(RDF.type, SKOS.ConceptScheme)
        if str(s).rstrip("/").endswith("/cameo")
    )
    n = len(set(vocab.subjects(SKOS.inScheme, scheme)))
    assert n == 20  # as the issue counted them
    assert f"{n} concepts, used 0 times: no statement of the data uses this scheme." in cameo
    first = text_of(section(html, f"scheme-{order[0]}"))
    assert f"{uses[order[0]]:,} times in all." in first
    # within a scheme, among siblings, the concept most used (with its narrower ones) first
    for key in order:
        rows = re.findall(
            r'<tr id="[\w-]+">\s*<td class="depth-(\d)">.*?<td class="num">(\d+)</td>\s*</tr>',
            section(html, f"scheme-{key}"),
            re.S,
        )
        assert sum(int(n) for _, n in rows) == uses.get(key, 0), key
        assert siblings_by_use([(int(d), int(n)) for d, n in rows]), key
    polarity = section(html, "scheme-polarity")
    assert polarity.index('id="polarity-support"') < polarity.index('id="polarity-opposition"')


def siblings_by_use(rows: list[tuple[int, int]]) -> bool:
    """Whether, in a tree given depth first as (depth, uses) rows, every node's children come
    most used first, counting what is used below each."""
    totals = []
    for i, (depth, n) in enumerate(rows):
        below = 0
        for d, m in rows[i + 1 :]:
            if d <= depth:
                break
            below += m
        totals.append(n + below)
    for i, (depth, _) in enumerate(rows):
        group = []
        for j in range(i + 1, len(rows)):
            if rows[j][0] <= depth:
                break
            if rows[j][0] == depth + 1:
                group.append(totals[j])
        if group != sorted(group, reverse=True):
            return False
    roots = [totals[i] for i, (d, _) in enumerate(rows) if d == 0]
    return roots == sorted(roots, reverse=True)


def test_each_actor_has_a_page_of_its_claims_stances_and_relations_with_quotes_and_sources(
    site: docs.SiteResult, project: Project
) -> None:
    from rdflib import URIRef

    dataset = graph.assemble(project)
    data = graph.union_graph(dataset, graph.data_graph_iris(dataset))
    folder = site.out_dir / "actors"
    assert len(list(folder.glob("*.html"))) == graph.entity_counts(dataset)["actors"]

    def quote_of(item: str) -> str:
        anchor = next(data.objects(URIRef(item), docs.SG.anchor))
        selector = next(
            s for s in data.objects(anchor, docs.OA.hasSelector) if data.value(s, docs.OA.exact)
        )
        return str(data.value(selector, docs.OA.exact))

    claim = "https://w3id.org/stancegraph/id/claim/rd-syria-iran/10"
    zarif = (folder / "person-javad-zarif.html").read_text(encoding="utf-8")
    assert "<h1>Javad Zarif</h1>" in zarif
    made = text_of(section(zarif, "claims-claim-rd-syria-iran-10"))
    assert quote_of(claim) in made
    assert re.search(r"— rd-syria-iran, characters \d+–\d+", made), made
    assert 'href="../index.html#source-rd-syria-iran"' in section(
        zarif, "claims-claim-rd-syria-iran-10"
    )
    (site.out_dir / "index.html").read_text(encoding="utf-8").index('id="source-rd-syria-iran"')

    moscow = (folder / "government-russia.html").read_text(encoding="utf-8")
    held = section(moscow, "holds-stance-rd-syria-iran-1")
    assert quote_of("https://w3id.org/stancegraph/id/stance/rd-syria-iran/1") in text_of(held)
    assert 'href="../vocabularies.html#polarity-welcome"' in held
    iran = (folder / "state-iran.html").read_text(encoding="utf-8")
    sponsors = section(iran, "relations-relation-rd-syria-iran-1")
    assert "Iran sponsors the Syrian government" in sponsors
    assert 'href="../actors/government-syria.html"' in sponsors
    syria = (folder / "government-syria.html").read_text(encoding="utf-8")
    assert 'id="related-relation-rd-syria-iran-1"' in syria  # the same relation, from its object
    index = (site.out_dir / "actors.html").read_text(encoding="utf-8")
    assert 'href="actors/person-javad-zarif.html"' in index


class Unlinked(HTMLParser):
    """The text of each <code> that is not inside an <a> (how the site shows an IRI it does
    not link)."""

    def __init__(self) -> None:
        super().__init__()
        self.links = 0
        self.code = 0
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += tag == "a"
        self.code += tag == "code"
        if tag == "code" and not self.links:
            self.found.append("")

    def handle_endtag(self, tag: str) -> None:
        self.links -= tag == "a" and self.links > 0
        self.code -= tag == "code" and self.code > 0

    def handle_data(self, data: str) -> None:
        if self.code and not self.links and self.found:
            self.found[-1] += data


def test_an_actor_is_linked_to_its_page_wherever_the_site_names_it(
    site: docs.SiteResult, project: Project
) -> None:
    """Query answers, other actors' pages, the network picture's page: every IRI of an actor
    the site shows is a link to the actor's page (its own page names its IRI, unlinked)."""
    from stancegraph.names import compact

    index = json.loads((site.out_dir / docs.SEARCH_JSON).read_text(encoding="utf-8"))
    actors = {e["h"] for e in index if e["k"].startswith("actor")}
    store = queries.open_store(project)
    names = docs.Names(store)
    corpus = docs.Corpus(store, docs.read_model(project))
    pages_of = {str(a.iri): a.file for a in docs.read_actors(corpus, project, names)}
    assert set(pages_of.values()) == actors
    shown = {compact(i) for i in pages_of} | set(pages_of)
    unlinked = []
    for page in pages(site):
        parser = Unlinked()
        parser.feed(page.read_text(encoding="utf-8"))
        own = page.relative_to(site.out_dir).as_posix()
        own_iri = next((i for i, f in pages_of.items() if f == own), None)
        unlinked += [
            f"{own}: {text}"
            for text in parser.found
            if text in shown and text not in (own_iri, compact(own_iri or ""))
        ]
    assert not unlinked, "\n".join(unlinked)
    chain = (site.out_dir / "queries" / "claim-source-chain.html").read_text(encoding="utf-8")
    assert 'href="../actors/person-javad-zarif.html"' in chain
    # a claim links to its entry on its claimant's page, a stance to its holder's
    assert 'href="../actors/person-javad-zarif.html#claims-claim-rd-syria-iran-10"' in chain
    reactions = (site.out_dir / "queries" / "withdrawal-reactions.html").read_text(encoding="utf-8")
    assert 'href="../actors/government-russia.html#holds-stance-rd-syria-iran-1"' in reactions
    network = (site.out_dir / docs.NETWORK_PAGE).read_text(encoding="utf-8")
    facts = plots.network_facts(store, project)
    drawn = {iri for iri, node in facts.nodes.items() if iri in pages_of}
    assert drawn and all(f'href="{pages_of[i]}"' in network for i in drawn)
    putin = (site.out_dir / "actors" / "person-vladimir-putin.html").read_text(encoding="utf-8")
    assert 'href="../network.html"' in putin


def test_actor_file_names_are_safe_and_distinct() -> None:
    taken: set[str] = set()
    assert docs.actor_file(docs.ID + "person/javad-zarif", taken) == (
        "actors/person-javad-zarif.html"
    )
    assert docs.actor_file(docs.ID + "person/Javad_Zarif", taken) == (
        "actors/person-javad-zarif-2.html"
    )
    odd = docs.actor_file("urn:x:../../etc/passwd?<script>", taken)
    assert re.fullmatch(r"actors/[a-z0-9-]+\.html", odd) and ".." not in odd
    assert docs.actor_file("https://e.org/" + "x" * 300, taken) == f"actors/e-org-{'x' * 74}.html"


#: A path a message could name: folder/file.ext (not an IRI, not a command).
PATH = re.compile(r"(?<![\w/:.<-])((?:[\w.-]+/)+[\w.-]+\.(?:ttl|tsv|csv|txt|md|rq|py|json|toml))\b")


def test_no_shape_message_or_page_names_a_path_outside_the_repository(
    site: docs.SiteResult, project: Project
) -> None:
    """A shape message pointed to shared/reference/wikidata.tsv, which is not in the
    repository: every path a shape message or a page of the site names is a file of the
    checkout (or of the site), and none names shared/."""
    from rdflib.namespace import SH

    from stancegraph import safety

    messages = []
    for path in project.shapes_files:
        g = safety.parse_file(path)
        messages += [(path.name, str(m)) for m in g.objects(None, SH.message)]
    assert len(messages) > 100
    texts = messages + [
        (p.relative_to(site.out_dir).as_posix(), text_of(p.read_text(encoding="utf-8")))
        for p in pages(site)
    ]
    outside = []
    for where, text in texts:
        if "shared/" in text:
            outside.append(f"{where}: names shared/")
        for path in PATH.findall(re.sub(r"\w+://\S+", " ", text)):
            if not (project.root / path).exists() and not (site.out_dir / path).exists():
                outside.append(f"{where}: {path}")
    assert not outside, "\n".join(sorted(set(outside)))
    named = [m for _, m in messages if "sg:independentSources axiom, as data/actors.ttl" in m]
    assert len(named) == 2, "the Wikidata messages point at data/actors.ttl's axioms"


def test_the_model_pages_link_the_actors_their_text_names(site: docs.SiteResult) -> None:
    """An example of sg:Person names Vladimir Putin and Bouthaina Shaaban, a shape's message
    gives .../id/person/javad-zarif as its example IRI: each links to the actor's page."""
    ontology = (site.out_dir / "ontology.html").read_text(encoding="utf-8")
    example = section(ontology, "Person").split('<td class="example">', 1)[1].split("</td>")[0]
    assert example == (
        '<a href="actors/person-vladimir-putin.html">Vladimir Putin</a>; '
        '<a href="actors/person-bouthaina-shaaban.html">Bouthaina Shaaban</a>.'
    )
    shapes = (site.out_dir / "shapes.html").read_text(encoding="utf-8")
    assert 'e.g. <a href="actors/person-javad-zarif.html">.../id/person/javad-zarif</a>.' in (
        section(shapes, "shape-PersonShape")
    )


def test_mentions_are_whole_names_and_proper_names_only() -> None:
    from rdflib import URIRef

    def actor(slug: str, label: str) -> docs.ActorPage:
        return docs.ActorPage(
            URIRef(docs.ID + slug), label, f"actors/{slug.replace('/', '-')}.html", [], [], [], []
        )

    found = docs.Mentions(
        [
            actor("state/iran", "Iran"),
            actor("government/iran", "Iran government"),
            actor("group/the-allies", "the allies"),
        ]
    )
    text = (
        "Iran, Iranian, the allies, .../id/state/iran, .../id/state/iran-x, Iran's, "
        "Iran government, x/Iran, .../id/state/iran/more, https://w3id.org/stancegraph/id/state/iran."
    )
    assert [(text[s:e], page) for s, e, page in found.find(text)] == [
        ("Iran", "actors/state-iran.html"),
        (".../id/state/iran", "actors/state-iran.html"),
        ("Iran", "actors/state-iran.html"),
        ("Iran government", "actors/government-iran.html"),  # the longest name
        ("https://w3id.org/stancegraph/id/state/iran", "actors/state-iran.html"),
    ]
    assert "the allies" not in found.pages
    assert docs.Mentions([]).find(text) == []


def test_a_small_site_says_when_an_answer_is_empty_failed_or_a_yes_and_escapes_labels(
    tmp_path: Path,
) -> None:
    """The demanding cases on the mini project: a query with no rows says so and still offers
    its (empty) CSV and JSON; an ASK answers yes with both files; a query that cannot run shows
    its error and offers nothing; an actor whose label carries markup is shown as text on its
    page and cannot end the search index's script; an actor nothing names says so."""
    import csv

    from conftest import MINI, with_picture_queries

    if not shutil.which("dot"):
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
    home = tmp_path / "project"
    shutil.copytree(MINI, home, ignore=shutil.ignore_patterns(".stancegraph", "dist"))
    with_picture_queries(home)
    (home / "queries" / "nothing.rq").write_text(
        "#+ summary: Nothing at all\nSELECT ?x ?y WHERE { ?x a <urn:x:none> ; ?p ?y }\n",
        encoding="utf-8",
    )
    (home / "queries" / "any-claim.rq").write_text(
        "#+ summary: Is there a claim?\n"
        "ASK { ?c a <https://w3id.org/stancegraph/ontology#Claim> }\n",
        encoding="utf-8",
    )
    (home / "queries" / "broken.rq").write_text(
        "#+ summary: Cannot run\nSELECT ?x WHERE { ?x <urn:x:p> }\n", encoding="utf-8"
    )
    (home / "queries" / "odd name#1.rq").write_text(  # a file name no URL may carry raw
        "#+ summary: Oddly named\nASK { ?s ?p ?o }\n", encoding="utf-8"
    )
    with (home / "data" / "actors.ttl").open("a", encoding="utf-8") as f:
        f.write(
            "\n<https://w3id.org/stancegraph/id/person/odd> a sg:Person ;\n"
            '    rdfs:label "Odd </script><b>name</b>"@en .\n'
        )
    site = docs.build_site(Project(home), tmp_path / "site")
    folder = site.out_dir / "queries"

    nothing = text_of((folder / "nothing.html").read_text(encoding="utf-8"))
    assert "No rows: nothing in the data answers this question today." in nothing
    with (folder / "nothing.csv").open(encoding="utf-8", newline="") as f:
        assert list(csv.reader(f)) == [["x", "y"]]
    assert json.loads((folder / "nothing.json").read_text(encoding="utf-8"))["results"] == {
        "bindings": []
    }
    ask = (folder / "any-claim.html").read_text(encoding="utf-8")
    assert '<p class="answer">yes</p>' in ask and 'href="any-claim.csv" download' in ask
    assert json.loads((folder / "any-claim.json").read_text(encoding="utf-8"))["boolean"] is True
    assert (folder / "any-claim.csv").read_text(encoding="utf-8").strip() == "true"
    broken = (folder / "broken.html").read_text(encoding="utf-8")
    assert '<p class="error">' in broken and "download" not in text_of(broken).lower()
    assert [p.name for p in folder.glob("broken.*")] == ["broken.html"]

    odd = (site.out_dir / "actors" / "person-odd.html").read_text(encoding="utf-8")
    assert "<h1>Odd &lt;/script&gt;&lt;b&gt;name&lt;/b&gt;</h1>" in odd
    assert "No claim, stance, relation or event of the data names Odd" in text_of(odd)
    script = (site.out_dir / docs.SEARCH_INDEX_JS).read_text(encoding="utf-8")
    assert "</script>" not in script and "<\\/script>" in script
    index = json.loads((site.out_dir / docs.SEARCH_JSON).read_text(encoding="utf-8"))
    assert {
        "l": "Odd </script><b>name</b>",
        "a": [],
        "k": "actor (Person)",
        "h": "actors/person-odd.html",
    } in index
    entry = {"l": "Oddly named", "a": ["odd name#1"], "k": "query"}
    assert {**entry, "h": "queries/odd%20name%231.html"} in index
    catalogue = (site.out_dir / "queries.html").read_text(encoding="utf-8")
    assert 'href="queries/odd%20name%231.html"' in catalogue
    assert 'href="queries/odd%20name%231.json" download' in catalogue
    assert (folder / "odd name#1.html").is_file() and (folder / "odd name#1.json").is_file()


#: Prints a digest of every download of the catalogue's pages (run under two hash seeds).
DIGEST_DOWNLOADS = """
import hashlib, sys
from stancegraph import docs, graph, queries
from stancegraph.sources import find_project
project = find_project(home=sys.argv[1])
store = queries.open_store(project)
pages = docs.read_queries(project, queries.OxigraphEngine(project), docs.Names(store))
for page in pages:
    for suffix, data in sorted(page.downloads.items()):
        print(page.name, suffix, hashlib.sha256(data).hexdigest())
"""


def test_the_downloads_are_the_same_bytes_from_one_build_to_the_next(project: Project) -> None:
    """rdflib wrote a CONSTRUCT answer's JSON-LD in another order each run (its sets follow
    Python's per-process hash seed), so the site changed when the data had not: every download
    is now the same bytes under any seed."""
    digests = []
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", DIGEST_DOWNLOADS, str(project.root)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert done.returncode == 0, done.stderr[-2000:]
        digests.append(done.stdout.splitlines())
    assert any(line.startswith("actor-network jsonld ") for line in digests[0])
    assert digests[0] == digests[1]


def test_a_rebuild_removes_the_pages_of_what_is_gone_and_nothing_else(tmp_path: Path) -> None:
    """A query or an actor removed from the project left its page and downloads behind in the
    site folder, linked from nowhere. The next build removes what the last one wrote (listed
    in docs.MANIFEST) and did not write again; a file of the reader's own, or a manifest line
    naming one outside the site, is left alone."""
    from conftest import MINI, with_picture_queries

    if not shutil.which("dot"):
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
    home = tmp_path / "project"
    shutil.copytree(MINI, home, ignore=shutil.ignore_patterns(".stancegraph", "dist"))
    with_picture_queries(home)
    extra = home / "queries" / "gone-soon.rq"
    extra.write_text("#+ summary: Soon gone\nSELECT * WHERE { ?s ?p ?o } LIMIT 1\n", "utf-8")
    out = tmp_path / "site"
    docs.build_site(Project(home), out)
    written = {f"queries/gone-soon.{s}" for s in ("html", "csv", "json")}
    assert written <= set((out / docs.MANIFEST).read_text(encoding="utf-8").splitlines())
    mine = out / "queries" / "my-notes.csv"
    mine.write_text("mine\n", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n", encoding="utf-8")
    with (out / docs.MANIFEST).open("a", encoding="utf-8") as f:
        f.write("../outside.txt\n")
    extra.unlink()
    docs.build_site(Project(home), out)
    assert not [name for name in written if (out / name).exists()]
    assert mine.read_text(encoding="utf-8") == "mine\n"
    assert outside.read_text(encoding="utf-8") == "keep\n"
    assert (out / "queries" / "claims-by-actor.html").is_file()
    assert "queries/gone-soon.html" not in (out / docs.MANIFEST).read_text(encoding="utf-8")
