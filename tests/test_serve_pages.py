"""The pages an analyst reads in ``stancegraph serve`` (issue #21): the reader of a source with
every anchor marked on its text, the interactive network and timeline, the query page; their
assets served by the server itself. HTML through Starlette's TestClient; clicks and filters in
headless Chromium (tests/browser_support.py) on a uvicorn server in a thread."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from rdflib import Graph, URIRef
from starlette.applications import Starlette
from starlette.testclient import TestClient

from stancegraph import anchors, graph, plots, queries, safety
from stancegraph import store as stores
from stancegraph.serve import pages
from stancegraph.sources import Project

KEY = "rd-syria-iran"
ANCHOR = f"https://w3id.org/stancegraph/id/anchor/{KEY}/"


@pytest.fixture(scope="module")
def store(project: Project, tmp_path_factory: pytest.TempPathFactory) -> object:
    """The embedded store as ``stancegraph load`` fills it, in a folder of this test's own."""
    return stores.ensure_embedded(project, tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="module")
def mem(project: Project) -> object:
    """The dataset in an in-memory store, assembled apart from the pages."""
    return queries.memory_store(graph.assemble(project))


@pytest.fixture(scope="module")
def client(project: Project, store: object) -> TestClient:
    return TestClient(Starlette(routes=pages.routes(project, store)))


@pytest.fixture(scope="module")
def source_graph(project: Project) -> Graph:
    """The source's files, read apart from the store."""
    g = Graph()
    for path in project.source_files(KEY):
        safety.parse_file(path, graph=g)
    return g


@pytest.fixture(scope="module")
def source_anchors(source_graph: Graph) -> dict[str, anchors.Anchor]:
    return {str(a.iri): a for a in anchors.read_anchors(source_graph) if a.key == KEY}


class Marks(HTMLParser):
    """The text of ``#text`` and, for each anchor, its ``mark.anchor``'s offsets and the text
    inside all of its marks (continuations included)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside #text: how many elements deep
        self.open: list[str | None] = []
        self.text: list[str] = []
        self.firsts: dict[str, tuple[int, int]] = {}
        self.primary = 0
        self.inside: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if self.depth == 0:
            if a.get("id") == "text":
                self.depth = 1
            return
        self.depth += 1
        anchor = a.get("data-anchor") if tag == "mark" else None
        if anchor and "anchor" in (a.get("class") or "").split():
            self.primary += 1
            self.firsts[anchor] = (int(a["data-start"] or -1), int(a["data-end"] or -1))
        self.open.append(anchor)
        if anchor:
            self.inside.setdefault(anchor, [])

    def handle_endtag(self, tag: str) -> None:
        if self.depth == 0:
            return
        self.depth -= 1
        if self.depth and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.depth == 0:
            return
        self.text.append(data)
        for anchor in {a for a in self.open if a}:
            self.inside[anchor].append(data)


def parse_marks(html: str) -> Marks:
    m = Marks()
    m.feed(html)
    return m


def page_data(html: str, element: str) -> dict:
    found = re.search(rf'<script type="application/json" id="{element}">(.*?)</script>', html, re.S)
    assert found, element
    return json.loads(found.group(1))


# ---------------------------------------------------------------------------------------------
# Placing anchors: nesting and crossing
# ---------------------------------------------------------------------------------------------


def no_attrs(mark: pages.Mark) -> dict[str, str]:
    return {}


def test_nested_spans_nest() -> None:
    marks = [pages.Mark("a", 0, 8), pages.Mark("b", 2, 5)]
    assert pages.marked_html("abcdefgh!", marks, no_attrs) == (
        '<mark class="anchor" data-anchor="a" data-start="0" data-end="8" tabindex="0">ab'
        '<mark class="anchor" data-anchor="b" data-start="2" data-end="5" tabindex="0">cde</mark>'
        "fgh</mark>!"
    )


def test_crossing_spans_are_closed_and_reopened() -> None:
    """A(0,5) and B(3,8) cross: B is closed at A's end and goes on as a continuation."""
    marks = [pages.Mark("A", 0, 5), pages.Mark("B", 3, 8)]
    assert pages.marked_html("abcdefgh", marks, no_attrs) == (
        '<mark class="anchor" data-anchor="A" data-start="0" data-end="5" tabindex="0">abc'
        '<mark class="anchor" data-anchor="B" data-start="3" data-end="8" tabindex="0">de'
        '</mark></mark><mark class="anchor-cont" data-anchor="B">fgh</mark>'
    )


def test_same_span_twice_empty_span_and_markup_in_the_text() -> None:
    marks = [pages.Mark("x", 1, 3), pages.Mark("y", 1, 3), pages.Mark("z", 4, 4)]
    html = pages.marked_html("<a&b>\n", marks, no_attrs)
    assert html == (
        '&lt;<mark class="anchor" data-anchor="x" data-start="1" data-end="3" tabindex="0">'
        '<mark class="anchor" data-anchor="y" data-start="1" data-end="3" tabindex="0">a&amp;'
        '</mark></mark>b<mark class="anchor" data-anchor="z" data-start="4" data-end="4" '
        'tabindex="0"></mark>&gt;\n'
    )


def test_any_spans_give_well_formed_html_that_keeps_each_quote() -> None:
    """1,000 random sets of spans (nested, crossing, equal, empty) over a short text: the text
    is kept, each span has one ``mark.anchor`` with its offsets, and the text inside its marks
    is its slice of the text."""
    import random

    rng = random.Random(21)
    text = "ab<c&d>e fg\nhij “k” lmnop"
    for _ in range(1000):
        marks = []
        for i in range(rng.randint(1, 7)):
            start = rng.randint(0, len(text))
            marks.append(pages.Mark(f"m{i}", start, rng.randint(start, len(text))))
        html = pages.marked_html(text, marks, no_attrs)
        assert html.count("<mark") == html.count("</mark>")
        parsed = parse_marks(f'<div id="text">{html}</div>')
        assert "".join(parsed.text) == text
        assert parsed.primary == len(marks)
        for m in marks:
            assert parsed.firsts[m.iri] == (m.start, m.end)
            assert "".join(parsed.inside[m.iri]) == text[m.start : m.end], (marks, m)


# ---------------------------------------------------------------------------------------------
# The reader's HTML
# ---------------------------------------------------------------------------------------------


def test_the_reader_marks_every_anchor_of_the_source_with_its_offsets(
    client: TestClient, project: Project, source_anchors: dict[str, anchors.Anchor]
) -> None:
    response = client.get(f"/source/{KEY}")
    assert response.status_code == 200
    marks = parse_marks(response.text)
    assert "".join(marks.text) == project.seed_text(KEY)  # the text itself, unchanged
    assert marks.primary == len(source_anchors) == 350
    assert set(marks.firsts) == set(source_anchors)
    for iri, a in source_anchors.items():
        assert marks.firsts[iri] == (a.start, a.end), iri
        assert "".join(marks.inside[iri]) == a.exact, iri
    assert f'<span id="span-count">{len(source_anchors)}</span> anchored spans' in response.text


def test_a_known_anchor_is_wrapped_in_its_span(client: TestClient) -> None:
    """anchor:22 ("Mar. 14", 567-574) ends where anchor:21 ("announced by President Vladimir
    Putin on Mar. 14", 526-574) ends: it is nested inside it and both close there."""
    html = client.get(f"/source/{KEY}").text
    inner = re.search(
        rf'<mark class="anchor [^"]*" data-anchor="{ANCHOR}22" data-start="567" data-end="574"'
        r' tabindex="0"[^>]*>Mar\. 14</mark></mark>',
        html,
    )
    assert inner
    outer = re.search(
        rf'<mark class="anchor [^"]*" data-anchor="{ANCHOR}21" data-start="526" data-end="574"',
        html,
    )
    assert outer and outer.start() < inner.start()


def test_the_panel_data_for_a_claim_has_its_claimant_hedge_and_chain(
    client: TestClient, mem: object, source_graph: Graph
) -> None:
    data = page_data(client.get(f"/source/{KEY}").text, "reader-data")
    claim = "https://w3id.org/stancegraph/id/claim/rd-syria-iran/"
    sg = "https://w3id.org/stancegraph/ontology#"
    anchored = sorted(
        str(s) for s in source_graph.subjects(URIRef(sg + "anchor"), URIRef(ANCHOR + "157"))
    )
    assert claim + "1" in anchored
    assert sorted(n for n, how in data["anchors"][ANCHOR + "157"]["nodes"]) == anchored
    assert data["anchors"][ANCHOR + "158"]["nodes"] == [[claim + "1", "hedge"]]
    card = data["nodes"][claim + "1"]
    assert card["kind"] == "claim"
    assert card["label"] == "Moscow and Tehran do not agree on Assad's fate"
    assert card["href"] == "/id/claim/rd-syria-iran/1"
    fields = dict((name, [v["t"] for v in values]) for name, values in card["fields"])
    assert fields["paraphrase"] == [
        "Assad's fate is exactly what Moscow and Tehran do not agree on."
    ]
    assert fields["claimant"] == ["Yury Barmin"]
    assert card["chain"][-1][0] == "claimed by"
    assert card["chain"][-1][1]["h"] == "/id/person/yury-barmin"
    # "According to the Israeli media, this led the IRGC ...": reporter, intermediary, claimant
    chain = data["nodes"][claim + "32"]["chain"]
    assert [(role, who["h"]) for role, who, _ in chain] == [
        ("reported by", "/id/person/yury-barmin"),
        ("according to", "/id/group/israeli-media"),
        ("claimed by", "/id/group/israeli-media"),
    ]
    uncommitted = URIRef("https://w3id.org/stancegraph/vocab/certainty/uncommitted")
    assert (
        chain[0][2] == queries.labels(queries.OxigraphEngine(store=mem), [uncommitted])[uncommitted]
    )


def test_the_reader_filters_list_the_actors_and_kinds_present(client: TestClient) -> None:
    html = client.get(f"/source/{KEY}").text
    data = page_data(html, "reader-data")
    actors = dict(data["actors"])
    assert actors["https://w3id.org/stancegraph/id/person/yury-barmin"] == "Yury Barmin"
    kinds = dict(data["kinds"])
    marks = re.findall(r'<mark class="anchor [^"]*"[^>]* data-kinds="([^"]*)"', html)
    assert len(marks) == 350
    for kind, n in kinds.items():
        assert n == sum(kind in m.split() for m in marks), kind
    assert kinds["claim"] == sum("claim" in m.split() for m in marks) > 0


def test_an_unknown_source_is_a_404_page(client: TestClient) -> None:
    for key in ("no-such-source", "RD-SYRIA-IRAN", "rd_syria"):
        response = client.get(f"/source/{key}")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert f"There is no source &#39;{key}&#39; in this project." in response.text
        assert f'<a href="/source/{KEY}">{KEY}</a>' in response.text


def test_the_index_links_every_source_and_the_other_pages(client: TestClient) -> None:
    html = client.get("/").text
    assert re.search(rf'<a class="reader-link" href="/source/{KEY}">[^<]+</a>', html)
    for page in ("/network", "/timeline", "/query"):
        assert f'href="{page}"' in html


# ---------------------------------------------------------------------------------------------
# Network, timeline, query: the data the scripts draw
# ---------------------------------------------------------------------------------------------


def test_the_network_page_carries_the_pictures_network_facts(
    client: TestClient, project: Project, mem: object
) -> None:
    data = page_data(client.get("/network").text, "network-data")
    facts = plots.network_facts(mem, project)
    assert sorted(n["id"] for n in data["nodes"]) == sorted(facts.nodes)
    assert len(data["edges"]) == len(facts.edges)
    assert {tuple(e["sources"]) for e in data["edges"]} == {(KEY,)}
    placed = plots.network_layout(facts)
    assert all((n["x"], n["y"]) == placed[n["id"]] for n in data["nodes"])


def test_the_timeline_page_carries_the_timeline_query(
    client: TestClient, project: Project, mem: object
) -> None:
    data = page_data(client.get("/timeline").text, "timeline-data")
    answer = queries.run(queries.find(project, "timeline"), queries.OxigraphEngine(store=mem))
    events = list(dict.fromkeys(str(r[answer.variables.index("event")]) for r in answer.rows))
    assert [e["id"] for e in data["events"]] == events  # in the query's order
    putin = next(e for e in data["events"] if e["id"].endswith("/event/rd-syria-iran/1"))
    assert (putin["earliest"], putin["latest"]) == ("2016-03-14", "2016-03-14")
    assert putin["inferred"] is True
    assert "announced by President Vladimir Putin on Mar. 14" in putin["quotes"]
    assert "https://w3id.org/stancegraph/id/person/vladimir-putin" in putin["actors"]


def test_the_query_page_offers_the_saved_queries_without_parameters(
    client: TestClient, project: Project
) -> None:
    html = client.get("/query").text
    examples = page_data(html, "examples")
    expected = [q.name for q in queries.catalogue(project) if not q.params]
    assert [e["name"] for e in examples] == expected
    assert '<form id="query-form" action="/sparql" method="post">' in html


# ---------------------------------------------------------------------------------------------
# Nothing from outside the server
# ---------------------------------------------------------------------------------------------

PAGES = ["/", f"/source/{KEY}", "/network", "/timeline", "/query", "/source/none"]


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "action")]


def test_every_src_and_href_is_on_this_server(client: TestClient) -> None:
    assets = set()
    for path in PAGES:
        response = client.get(path)
        assert "default-src 'self'" in response.headers["content-security-policy"]
        links = Links()
        links.feed(response.text)
        assert links.urls, path
        for url in links.urls:
            parts = urlsplit(url)
            assert not parts.scheme and not parts.netloc, (path, url)
            if url.startswith(pages.STATIC_PATH + "/"):
                assets.add(url)
    assert {f"{pages.STATIC_PATH}/{n}" for n in ("pages.css", "reader.js", "network.js")} <= assets
    for url in sorted(assets):
        response = client.get(url)
        assert response.status_code == 200, url
        # no asset asks for anything elsewhere either (the w3id base is data, not fetched)
        text = response.text.replace("https://w3id.org/stancegraph/id/", "")
        text = text.replace("http://www.w3.org/2000/svg", "")
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text), url
        assert "@import" not in text and not re.search(r"url\(\s*['\"]?(?!#)", text), url


# ---------------------------------------------------------------------------------------------
# In a browser
# ---------------------------------------------------------------------------------------------


@contextmanager
def serving(app: Starlette) -> Iterator[str]:
    """``app`` on a uvicorn server on a free port of 127.0.0.1, in a thread, stopped on exit."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def server(project: Project, store: object) -> Iterator[str]:
    """The pages of this checkout, served."""
    with serving(Starlette(routes=pages.routes(project, store))) as url:
        yield url


def resources(driver: object) -> list[str]:
    return driver.execute_script(  # type: ignore[attr-defined]
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )


@pytest.mark.loopback
def test_clicking_a_span_shows_its_claim_and_claimant(server: str) -> None:
    from selenium.webdriver.common.by import By

    from browser_support import browser, screenshot

    with browser() as d:
        d.get(f"{server}/source/{KEY}")
        # "Assad’s fate is exactly what Moscow and Tehran don’t agree on" (claim:1), clicked on
        # words of its own (not on the nested "Assad", a mention, nor "exactly", the hedge's)
        mark = d.find_element(By.CSS_SELECTOR, f'mark.anchor[data-anchor="{ANCHOR}157"]')
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", mark)
        clicked = d.execute_script(
            "const t = [...arguments[0].childNodes].find(n => n.nodeType === 3 && n.length > 4);"
            "const r = document.createRange(); r.setStart(t, 1); r.setEnd(t, 3);"
            "const b = r.getBoundingClientRect();"
            "const e = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);"
            "e.click(); return t.data;",
            mark,
        )
        assert clicked.strip()
        detail = d.find_element(By.ID, "detail")
        sections = detail.find_elements(By.CSS_SELECTOR, "section.anchored")
        assert [s.get_attribute("data-anchor") for s in sections] == [ANCHOR + "157"]
        text = detail.text
        assert "“Assad’s fate is exactly what Moscow and Tehran don’t agree on”" in text
        assert "Moscow and Tehran do not agree on Assad's fate" in text
        assert "claimed by Yury Barmin" in text
        link = detail.find_element(By.LINK_TEXT, "Moscow and Tehran do not agree on Assad's fate")
        assert link.get_attribute("href") == f"{server}/id/claim/rd-syria-iran/1"
        assert "selected" in mark.get_attribute("class").split()
        screenshot(d, "serve-reader")
        # the nested hedge word: both anchors, the innermost first
        d.find_element(By.CSS_SELECTOR, f'mark.anchor[data-anchor="{ANCHOR}158"]').click()
        sections = d.find_elements(By.CSS_SELECTOR, "#detail section.anchored")
        assert [s.get_attribute("data-anchor") for s in sections] == [
            ANCHOR + "158",
            ANCHOR + "157",
        ]
        assert "HEDGE WORDS OF THIS CLAIM" in d.find_element(By.ID, "detail").text.upper()
        assert all(urlsplit(u).netloc == urlsplit(server).netloc for u in resources(d))


@pytest.mark.loopback
def test_the_reader_filters_by_actor_and_kind(server: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from browser_support import browser

    with browser() as d:
        d.get(f"{server}/source/{KEY}")
        count = d.find_element(By.ID, "filter-count")
        assert count.text == "350 of 350 spans shown"
        Select(d.find_element(By.ID, "actor-filter")).select_by_visible_text("Hezbollah")
        shown = d.find_elements(By.CSS_SELECTOR, "mark.anchor:not(.dim)")
        assert count.text == f"{len(shown)} of 350 spans shown"
        assert 0 < len(shown) < 350
        hezbollah = "https://w3id.org/stancegraph/id/armed-group/hezbollah"
        assert all(hezbollah in m.get_attribute("data-actors").split() for m in shown)
        for box in d.find_elements(By.CSS_SELECTOR, "#kind-filter input"):
            if box.get_attribute("value") != "claim":
                box.click()
        claims = d.find_elements(By.CSS_SELECTOR, "mark.anchor:not(.dim)")
        assert 0 < len(claims) < len(shown)
        assert all("claim" in m.get_attribute("data-kinds").split() for m in claims)


@pytest.mark.loopback
def test_the_network_filters_by_actor_and_hover_shows_the_statement(server: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from browser_support import browser, screenshot

    with browser() as d:
        d.get(f"{server}/network")
        data = json.loads(d.find_element(By.ID, "network-data").get_attribute("textContent"))
        nodes = d.find_elements(By.CSS_SELECTOR, "#network g.node")
        assert len(nodes) == len(data["nodes"])
        count = d.find_element(By.ID, "count")
        assert count.text == f"{len(data['nodes'])} nodes, {len(data['edges'])} edges shown"
        screenshot(d, "serve-network")
        hezbollah = "https://w3id.org/stancegraph/id/armed-group/hezbollah"
        Select(d.find_element(By.ID, "actor-filter")).select_by_value(hezbollah)
        edges = [e for e in data["edges"] if hezbollah in (e["s"], e["t"])]
        ends = {hezbollah} | {e["s"] for e in edges} | {e["t"] for e in edges}
        shown = d.find_elements(By.CSS_SELECTOR, "#network g.node")
        assert sorted(n.get_attribute("data-id") for n in shown) == sorted(ends)
        assert len(shown) < len(nodes)
        assert count.text == f"{len(ends)} nodes, {len(edges)} edges shown"
        Select(d.find_element(By.ID, "kind-filter")).select_by_value("stance")
        stances = [e for e in edges if e["kind"] == "stance"]
        assert len(d.find_elements(By.CSS_SELECTOR, "#network line.edge")) == len(stances)
        Select(d.find_element(By.ID, "kind-filter")).select_by_value("relation")
        line = d.find_elements(By.CSS_SELECTOR, "#network line.hit")[0]
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", line)
        ActionChains(d).move_to_element(line).perform()
        hover = d.find_element(By.ID, "hover")
        assert hover.is_displayed()
        assert " → " in hover.text and "relation: " in hover.text
        screenshot(d, "serve-network-hezbollah")


@pytest.mark.loopback
def test_the_timeline_draws_every_event_filters_and_hovers(server: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from browser_support import browser, screenshot

    with browser() as d:
        d.get(f"{server}/timeline")
        data = json.loads(d.find_element(By.ID, "timeline-data").get_attribute("textContent"))
        bars = d.find_elements(By.CSS_SELECTOR, "#timeline g.event")
        assert [b.get_attribute("data-id") for b in bars] == [e["id"] for e in data["events"]]
        screenshot(d, "serve-timeline")
        kind = data["types"][0]
        Select(d.find_element(By.ID, "kind-filter")).select_by_value(kind)
        bars = d.find_elements(By.CSS_SELECTOR, "#timeline g.event")
        assert len(bars) == sum(e["type"] == kind for e in data["events"]) > 0
        assert d.find_element(By.ID, "count").text == (
            f"{len(bars)} of {len(data['events'])} events shown"
        )
        Select(d.find_element(By.ID, "kind-filter")).select_by_value("")
        putin = "https://w3id.org/stancegraph/id/person/vladimir-putin"
        Select(d.find_element(By.ID, "actor-filter")).select_by_value(putin)
        bars = d.find_elements(By.CSS_SELECTOR, "#timeline g.event")
        assert [b.get_attribute("data-id") for b in bars] == [
            e["id"] for e in data["events"] if putin in e["actors"]
        ]
        announcement = next(
            b for b in bars if b.get_attribute("data-id").endswith("/event/rd-syria-iran/1")
        )
        ActionChains(d).move_to_element(
            announcement.find_element(By.CSS_SELECTOR, "rect")
        ).perform()
        hover = d.find_element(By.ID, "hover")
        assert hover.is_displayed()
        lines = hover.text.splitlines()
        label = next(e["label"] for e in data["events"] if e["id"].endswith("/rd-syria-iran/1"))
        assert lines[0] == label
        assert lines[1].startswith("2016-03-14 (")
        assert lines[1].endswith(", date inferred")
        assert "“announced by President Vladimir Putin on Mar. 14”" in lines


@pytest.mark.loopback
def test_the_reader_screenshot_for_the_readme(server: str) -> None:
    """The README's picture of the reader (docs/img/reader.png is a copy of the screenshot this
    keeps, ``serve-reader-readme.png``): the first sentence's span clicked, its claim and the two
    stances anchored there in the panel."""
    from selenium.webdriver.common.by import By

    from browser_support import browser, screenshot

    with browser(1400, 1000) as d:
        d.get(f"{server}/source/{KEY}")
        mark = d.find_element(By.CSS_SELECTOR, f'mark.anchor[data-anchor="{ANCHOR}1"]')
        d.execute_script("arguments[0].click()", mark)
        detail = d.find_element(By.ID, "detail").text
        assert "claimed by Yury Barmin" in detail
        assert "held by government of Russia" in detail
        assert "held by government of Iran" in detail
        out = screenshot(d, "serve-reader-readme")
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------------------------------
# A demanding user: crossing spans, anchors that do not fit, hostile labels, missing queries
# ---------------------------------------------------------------------------------------------

MINI_TEXT = (
    "Moscow welcomed the decision, said Ivan Petrov of the Daily Example. "
    "“It will last,” he added.\n"
)
HOSTILE = "</script><script>alert(1)</script> & <b>bold</b>"


def anchor_ttl(n: int, exact: str, start: int, end: int) -> str:
    return f"""
<https://w3id.org/stancegraph/id/anchor/mini/{n}> a oa:SpecificResource ;
    oa:hasSource <https://w3id.org/stancegraph/id/document/mini> ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "{exact}" ] ,
        [ a oa:TextPositionSelector ; oa:start {start} ; oa:end {end} ] .
"""


@pytest.fixture(scope="module")
def mini_client(mini: Project, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """The mini project with anchors: 1 and 2 cross, 3 is nowhere in the text, 4's offsets are
    stale and 5's negative, but their quotes are there once; claim 1 has a label made to break
    out of the page."""
    import shutil

    home = tmp_path_factory.mktemp("mini") / "mini"
    shutil.copytree(mini.root, home)
    assert (home / "seeds" / "mini.txt").read_text(encoding="utf-8") == MINI_TEXT
    decision = MINI_TEXT.index("the decision, said Ivan Petrov")
    (home / "data" / "mini" / "anchors.ttl").write_text(
        "@prefix oa: <http://www.w3.org/ns/oa#> .\n"
        "@prefix sg: <https://w3id.org/stancegraph/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        + anchor_ttl(1, "Moscow welcomed the decision", 0, 28)
        + anchor_ttl(2, "the decision, said Ivan Petrov", decision, decision + 30)
        + anchor_ttl(3, "Kyiv rejected", 0, 13)
        + anchor_ttl(4, "It will last", 0, 12)
        + anchor_ttl(5, "he added", -10, -2)
        + f"""
<https://w3id.org/stancegraph/id/claim/mini/1> sg:anchor
    <https://w3id.org/stancegraph/id/anchor/mini/1> ; rdfs:label "{HOSTILE}" ;
    rdfs:comment "https://w3id.org/stancegraph/id/person/nobody" .
<https://w3id.org/stancegraph/id/claim/mini/2> sg:anchor
    <https://w3id.org/stancegraph/id/anchor/mini/4> .
""",
        encoding="utf-8",
    )
    project = Project(home)
    store = stores.ensure_embedded(project, tmp_path_factory.mktemp("mini-store"))
    return TestClient(Starlette(routes=pages.routes(project, store)))


def test_crossing_stale_and_missing_anchors_in_the_reader(mini_client: TestClient) -> None:
    html = mini_client.get("/source/mini").text
    marks = parse_marks(html)
    assert "".join(marks.text) == MINI_TEXT
    base = "https://w3id.org/stancegraph/id/anchor/mini/"
    decision = MINI_TEXT.index("the decision")
    last = MINI_TEXT.index("It will last")
    added = MINI_TEXT.index("he added")
    assert marks.firsts == {
        base + "1": (0, 28),
        base + "2": (decision, decision + 30),
        base + "4": (last, last + 12),  # where its quote is: the offsets 0-12 do not hold it
        base + "5": (added, added + 8),  # not -10..-2, counted from the end
    }
    assert "".join(marks.inside[base + "2"]) == "the decision, said Ivan Petrov"
    assert html.count('<mark class="anchor-cont') == 1
    assert '<span id="span-count">4</span> anchored spans' in html
    assert "1 anchor cannot be placed in the text" in html
    assert f'<a href="/id/anchor/mini/3">{base}3</a>: “Kyiv rejected”' in html


def test_a_hostile_label_and_an_iri_like_literal_stay_text(mini_client: TestClient) -> None:
    html = mini_client.get("/source/mini").text
    assert "<script>alert(1)" not in html
    assert "<b>bold</b>" not in html
    data = page_data(html, "reader-data")
    card = data["nodes"]["https://w3id.org/stancegraph/id/claim/mini/1"]
    assert card["label"] == HOSTILE
    # a literal that looks like an IRI is shown as the text it is, not as a link
    fields = dict(card["fields"])
    assert fields["rdfs:comment"] == [{"t": "https://w3id.org/stancegraph/id/person/nobody"}]


def test_pages_whose_saved_queries_the_project_lacks_say_so(mini_client: TestClient) -> None:
    response = mini_client.get("/timeline")
    assert response.status_code == 500
    assert "<h1>Cannot show the timeline</h1>" in response.text
    assert "no saved query &#39;timeline&#39;; known: claims-by-actor" in response.text
    response = mini_client.get("/network")
    assert response.status_code == 500
    assert "<h1>Cannot show the network</h1>" in response.text
    assert "picture-relations" in response.text
    assert "Traceback" not in response.text
    # the server goes on serving
    assert mini_client.get("/source/mini").status_code == 200


def stand_in_sparql(store: object) -> object:
    """A stand-in for the endpoint ``/sparql`` of serve/sparql.py (not part of these pages): it
    answers a form-posted SELECT as SPARQL JSON results, by pyoxigraph, and a query it cannot
    parse as a 400 ``{"error": ...}``, the shape the endpoint's errors have."""
    import pyoxigraph as ox
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    async def sparql(request: object) -> Response:
        from urllib.parse import parse_qs

        body = await request.body()  # type: ignore[attr-defined]
        text = parse_qs(body.decode("utf-8"))["query"][0]
        try:
            result = store.query(text, use_default_graph_as_union=True)  # type: ignore[attr-defined]
            body = result.serialize(format=ox.QueryResultsFormat.JSON)
        except SyntaxError as exc:
            return JSONResponse({"error": f"malformed query: {exc}", "status": 400}, 400)
        return Response(body, media_type="application/sparql-results+json")

    return Route("/sparql", sparql, methods=["POST"])


@pytest.mark.loopback
def test_the_query_page_shows_the_endpoints_table_and_its_errors(
    project: Project, store: object
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from browser_support import browser, screenshot

    app = Starlette(routes=[*pages.routes(project, store), stand_in_sparql(store)])
    with serving(app) as url, browser() as d:
        d.get(f"{url}/query")
        d.find_element(By.ID, "run").click()
        status = d.find_element(By.ID, "status")
        WebDriverWait(d, 20).until(lambda _: "row" in status.text)
        assert status.text == "20 rows"
        heads = [th.text for th in d.find_elements(By.CSS_SELECTOR, "#result th")]
        assert heads == ["?claim", "?label"]
        first = d.find_element(By.CSS_SELECTOR, "#result tbody tr td a")
        assert first.get_attribute("href").startswith(f"{url}/id/claim/rd-syria-iran/")
        screenshot(d, "serve-query")
        Select(d.find_element(By.ID, "example")).select_by_value("reporting-mode-counts")
        text = d.find_element(By.ID, "query").get_attribute("value")
        assert text == queries.find(project, "reporting-mode-counts").text
        area = d.find_element(By.ID, "query")
        area.clear()
        area.send_keys("SELECT * WHERE { ?s ?p }")
        d.find_element(By.ID, "run").click()
        WebDriverWait(d, 20).until(lambda _: status.text.startswith("Error"))
        assert status.text.startswith("Error 400: malformed query: ")
        assert d.find_elements(By.CSS_SELECTOR, "#result table") == []


@pytest.fixture(scope="module")
def corpus_site(project: Project, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """The golden corpus (queries/golden-corpus.toml: three sources) as a project, served."""
    from stancegraph import corpus

    home = corpus.materialise(project, tmp_path_factory.mktemp("corpus") / "project")
    store = stores.ensure_embedded(home, tmp_path_factory.mktemp("corpus-store"))
    return home, store, TestClient(Starlette(routes=pages.routes(home, store)))


def test_the_network_knows_which_source_states_each_relation(corpus_site: tuple) -> None:
    home, store, client = corpus_site
    keys = [s.key for s in home.sources]
    assert len(keys) == 3
    data = page_data(client.get("/network").text, "network-data")
    assert data["sources"] == keys
    relations = [e for e in data["edges"] if e["kind"] == "relation"]
    drawn = {(e["s"], e["t"]) for e in relations}
    for key in keys:
        stated = {
            (r["s"].value, r["o"].value)
            for r in store.query(
                "SELECT ?s ?o WHERE { GRAPH <https://w3id.org/stancegraph/graph/source/"
                + key
                + "> { ?r a <https://w3id.org/stancegraph/ontology#Relation> ; "
                "<https://w3id.org/stancegraph/ontology#relationSubject> ?s ; "
                "<https://w3id.org/stancegraph/ontology#relationObject> ?o } }"
            )
        }
        tagged = {(e["s"], e["t"]) for e in relations if key in e["sources"]}
        assert tagged == stated & drawn, key
    assert all(e["sources"] for e in data["edges"])
    assert len({k for e in relations for k in e["sources"]}) > 1  # the filter has work to do
    html = client.get("/").text
    assert all(f'href="/source/{k}"' in html for k in keys)


@pytest.mark.loopback
def test_the_network_filters_by_source(corpus_site: tuple) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from browser_support import browser

    home, store, _ = corpus_site
    with serving(Starlette(routes=pages.routes(home, store))) as url, browser() as d:
        d.get(f"{url}/network")
        data = json.loads(d.find_element(By.ID, "network-data").get_attribute("textContent"))
        for key in data["sources"]:
            Select(d.find_element(By.ID, "source-filter")).select_by_value(key)
            edges = [e for e in data["edges"] if key in e["sources"]]
            ends = {e["s"] for e in edges} | {e["t"] for e in edges}
            shown = d.find_elements(By.CSS_SELECTOR, "#network g.node")
            assert sorted(n.get_attribute("data-id") for n in shown) == sorted(ends), key
            assert len(d.find_elements(By.CSS_SELECTOR, "#network line.edge")) == len(edges)
            assert 0 < len(edges) < len(data["edges"]), key


@pytest.mark.loopback
def test_a_project_with_nothing_to_draw_says_so(
    mini: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The mini project, given the pictures' and the timeline's queries: no relation, no stance
    between actors, no dated event; the pages say that, not "nothing matches the filters"."""
    import shutil

    from selenium.webdriver.common.by import By

    from browser_support import browser
    from conftest import ROOT, with_picture_queries

    home = tmp_path_factory.mktemp("empty") / "mini"
    shutil.copytree(mini.root, home)
    with_picture_queries(home)
    shutil.copyfile(ROOT / "queries" / "timeline.rq", home / "queries" / "timeline.rq")
    project = Project(home)
    store = stores.ensure_embedded(project, tmp_path_factory.mktemp("empty-store"))
    app = Starlette(routes=pages.routes(project, store))
    with serving(app) as url, browser() as d:
        d.get(f"{url}/network")
        assert d.find_element(By.ID, "count").text == (
            "The sources state no relation between actors and no stance."
        )
        d.get(f"{url}/timeline")
        assert d.find_element(By.ID, "count").text == "The sources date no event."
        d.get(f"{url}/source/mini")
        assert d.find_element(By.ID, "filter-count").text == "0 of 0 spans shown"
        assert d.find_element(By.ID, "text").text == project.seed_text("mini").rstrip("\n")


@pytest.mark.loopback
def test_a_link_to_an_anchor_opens_it(server: str) -> None:
    """``/source/KEY#anchor-N`` opens anchor N as a click would; a click puts its link in the
    address bar."""
    from selenium.webdriver.common.by import By

    from browser_support import browser

    with browser() as d:
        d.get(f"{server}/source/{KEY}#anchor-118")
        sections = d.find_elements(By.CSS_SELECTOR, "#detail section.anchored")
        assert [s.get_attribute("data-anchor") for s in sections] == [ANCHOR + "118"]
        assert "according to the Israeli media" in d.find_element(By.ID, "detail").text
        d.execute_script(
            "arguments[0].click()",
            d.find_element(By.CSS_SELECTOR, f'mark.anchor[data-anchor="{ANCHOR}1"]'),
        )
        assert d.current_url == f"{server}/source/{KEY}#anchor-1"
        d.get(f"{server}/")
        d.get(f"{server}/source/{KEY}#anchor-99999")  # no such anchor: nothing opens
        assert d.find_elements(By.CSS_SELECTOR, "#detail section.anchored") == []


def test_a_blank_node_anchored_there_is_shown_by_its_type(client: TestClient) -> None:
    """The photo of seeds/rd-syria-iran.ttl is a blank node (a schema:ImageObject) anchored to
    its caption and its credit: shown by its type, with no link, and what the data says of it."""
    data = page_data(client.get(f"/source/{KEY}").text, "reader-data")
    caption, credit = data["anchors"][ANCHOR + "902"], data["anchors"][ANCHOR + "903"]
    assert credit["quote"] == "Photo: AP"
    [(photo, how)] = caption["nodes"]
    assert credit["nodes"] == [[photo, "anchor"]] and how == "anchor"
    card = data["nodes"][photo]
    assert (card["label"], card["href"]) == ("schema:ImageObject", None)
    fields = dict(card["fields"])
    assert fields["schema:caption"] == [{"t": caption["quote"]}]
    assert fields["prov:wasAttributedTo"] == [
        {"t": "Associated Press", "h": "/id/media/associated-press"}
    ]


def test_the_assets_folder_gives_out_only_its_files(client: TestClient) -> None:
    for path in ("/static/%2e%2e/pages.py", "/static/..%2fpages.py", "/static/", "/static/nope.js"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "def routes" not in response.text, path
