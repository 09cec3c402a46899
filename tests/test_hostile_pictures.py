"""Hostile labels in the pictures and the site (issue #22): every text of the data is drawn as text.

A label is whatever a contribution says it is. Graphviz reads a label that starts with ``<`` and
ends with ``>`` as an HTML-like label (``<<TABLE HREF="javascript:...">`` became a link in
``network.svg``, which the site links to), expands ``\\N``, ``\\G`` and ``\\l`` in a plain one,
and decodes ``&amp;``; matplotlib reads ``$...$`` as mathtext (and fails on ``$\\foo$``); and a
control character makes an SVG that is not XML. Each such label must come out of ``plot`` and
``docs`` as the very text it is, in a picture that links nowhere.
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib import Literal

from hostile_support import copy_mini, needs_dot, output_of, run_cli
from stancegraph import plots

ROOT = Path(__file__).resolve().parents[1]

#: The labels a contribution might give, each one a trap for some part of the drawing.
HOSTILE = [
    '<<TABLE HREF="javascript:alert(3)"><TR><TD>click me</TD></TR></TABLE>>',
    "<script>alert(1)</script>",
    "<b>",
    "x < y and y > z",
    'say "hi" to \\"them\\"',
    "\\N and \\G and \\l and \\E and \\T and \\H and \\L and \\n and \\",
    "&amp; &lt;b&gt; &#60;i&#62; A & B",
    "]]> [square] {curly} | pipe",
    "$\\foo$ and $x^2$ and \\$5",
    "a bell \u0007 and a null-ish \u0001 char",
    "first line\nsecond line",
]

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


def shown(text: str) -> str:
    """What a picture must show of ``text``: its characters, control characters as U+FFFD,
    and no whitespace (pictures wrap lines where they like)."""
    text = "".join("\ufffd" if _control(c) else c for c in text)
    return "".join(text.split())


def _control(char: str) -> bool:
    return (ord(char) < 0x20 and char not in "\t\n\r") or char in "\ufffe\uffff"


def hostile_project(tmp_path: Path, labels: list[str] = HOSTILE) -> Path:
    """A project with the real ontology and queries, and one source whose actors, issues,
    events, times, relations and stances all carry the hostile ``labels``; the first of them
    also labels the polarity "support" (edge labels, the divergence table). The ontology gets
    a class labelled, defined and commented with the first three, and the data an actor whose IRI
    is a ``javascript:`` URL, for the site's pages."""
    home = copy_mini(tmp_path)
    shutil.rmtree(home / "ontology")
    shutil.copytree(ROOT / "ontology", home / "ontology")
    label, definition, comment = (Literal(text, lang="en").n3() for text in HOSTILE[:3])
    with (home / "ontology" / "stancegraph.ttl").open("a", encoding="utf-8") as ontology:
        ontology.write(
            "\n<https://w3id.org/stancegraph/ontology#Hostile>"
            " a <http://www.w3.org/2002/07/owl#Class> ;\n"
            f"    <http://www.w3.org/2000/01/rdf-schema#label> {label} ;\n"
            f"    <http://www.w3.org/2004/02/skos/core#definition> {definition} ;\n"
            f"    <http://www.w3.org/2000/01/rdf-schema#comment> {comment} .\n"
        )
    shutil.rmtree(home / "queries")
    shutil.copytree(ROOT / "queries", home / "queries", ignore=shutil.ignore_patterns("expected"))
    lines = [
        "@prefix sg: <https://w3id.org/stancegraph/ontology#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix time: <http://www.w3.org/2006/time#> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "@prefix id: <https://w3id.org/stancegraph/id/> .",
        "@prefix vocab: <https://w3id.org/stancegraph/vocab/> .",
        "",
        '<https://w3id.org/stancegraph/id/state/russia> a sg:State ; rdfs:label "Russia"@en .',
        '<https://w3id.org/stancegraph/id/state/iran> a sg:State ; rdfs:label "Iran"@en .',
        # A label for a vocabulary term: the edge labels and the divergence table show it.
        f"<https://w3id.org/stancegraph/vocab/polarity/support> skos:prefLabel "
        f"{Literal(labels[0], lang='en').n3()} .",
        # An actor whose IRI is a javascript: URL, in query answers (stances, relations).
        '<javascript:alert(4)> a sg:State ; rdfs:label "a state"@en .',
        "<https://w3id.org/stancegraph/id/stance/hostile/js> a sg:Stance ;",
        "    sg:holder <javascript:alert(4)> ;",
        "    sg:target <https://w3id.org/stancegraph/id/issue/hostile-1> ;",
        "    sg:polarity <https://w3id.org/stancegraph/vocab/polarity/support> ;",
        "    sg:expression <https://w3id.org/stancegraph/vocab/expression/public> .",
        "<https://w3id.org/stancegraph/id/relation/hostile/js> a sg:Relation ;",
        "    sg:relationSubject <javascript:alert(4)> ; sg:relationProperty sg:backs ;",
        "    sg:relationObject <https://w3id.org/stancegraph/id/state/iran> ;",
        "    sg:statedInOwnVoice true .",
    ]
    for n, label in enumerate(labels, start=1):
        text = Literal(label, lang="en").n3()
        side = "russia" if n % 2 else "iran"
        lines += [
            f"<https://w3id.org/stancegraph/id/person/hostile-{n}> a sg:Person ;",
            f"    rdfs:label {text} ;",
            f"    sg:nationality <https://w3id.org/stancegraph/id/state/{side}> .",
            f"<https://w3id.org/stancegraph/id/relation/hostile/{n}> a sg:Relation ;",
            f"    sg:relationSubject <https://w3id.org/stancegraph/id/person/hostile-{n}> ;",
            "    sg:relationProperty sg:backs ; sg:statedInOwnVoice true ;",
            "    sg:relationObject <https://w3id.org/stancegraph/id/state/"
            f"{'iran' if n % 2 else 'russia'}> .",
            f"<https://w3id.org/stancegraph/id/issue/hostile-{n}> a sg:Issue ; rdfs:label {text} .",
            f"<https://w3id.org/stancegraph/id/event/hostile/{n}> a sg:Event ; rdfs:label {text} ;",
            f"    time:hasTime <https://w3id.org/stancegraph/id/time/hostile/{n}> .",
            f"<https://w3id.org/stancegraph/id/time/hostile/{n}> rdfs:label {text} ;",
            f'    sg:earliest "2016-03-{n:02d}"^^xsd:date ;',
            f'    sg:latest "2016-03-{n:02d}"^^xsd:date ;',
            "    sg:precision <https://w3id.org/stancegraph/vocab/precision/day> .",
        ]
        for m, (holder, target, polarity) in enumerate(
            (
                ("state/russia", f"issue/hostile-{n}", "support"),
                ("state/iran", f"issue/hostile-{n}", "opposition"),
                (f"person/hostile-{n}", f"event/hostile/{n}", "support"),
            )
        ):
            lines += [
                f"<https://w3id.org/stancegraph/id/stance/hostile/{n}-{m}> a sg:Stance ;",
                f"    sg:holder <https://w3id.org/stancegraph/id/{holder}> ;",
                f"    sg:target <https://w3id.org/stancegraph/id/{target}> ;",
                f"    sg:polarity <https://w3id.org/stancegraph/vocab/polarity/{polarity}> ;",
                "    sg:expression <https://w3id.org/stancegraph/vocab/expression/public> .",
            ]
    (home / "data" / "mini" / "hostile.ttl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return home


def svg_texts(path: Path) -> tuple[ET.Element, str]:
    """The SVG at ``path`` parsed as XML (a control character would fail here), and all of its
    ``<text>`` joined with no whitespace."""
    root = ET.fromstring(path.read_bytes())
    texts = "".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    return root, "".join(texts.split())


def assert_links_nowhere(root: ET.Element, name: str) -> None:
    """No link out, script or foreign object in the picture: an ``href`` may only point inside
    it (matplotlib's ``<use xlink:href="#marker">``), and ``javascript:`` stands in no attribute
    but a tooltip (Graphviz's ``<a xlink:title>``, which shows an IRI)."""
    for element in root.iter():
        assert element.tag not in (f"{SVG}script", f"{SVG}foreignObject"), f"{name}: {element.tag}"
        for attribute, value in element.attrib.items():
            if attribute in ("href", f"{XLINK}href"):
                assert value.startswith("#"), f"{name}: {element.tag} {attribute}={value!r}"
            elif attribute != f"{XLINK}title":
                assert "javascript:" not in value.lower(), f"{name}: {attribute}={value!r}"


@pytest.fixture(scope="module")
def hostile_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    needs_dot()
    return hostile_project(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("label", HOSTILE, ids=lambda label: f"{label[:24]!r}")
def test_a_hostile_label_is_drawn_as_text_by_plot(tmp_path: Path, label: str) -> None:
    """Issue #22: an ``rdfs:label`` like ``<<TABLE HREF="javascript:alert(3)">...>>`` became an
    HTML-like label and a ``javascript:`` link in network.svg; ``<b>``, ``\\N``, ``$\\foo$`` or a
    control character made ``plot`` fail with exit 2. Each label alone, all three pictures."""
    needs_dot()
    home = hostile_project(tmp_path, [label])
    result, _ = run_cli(home, "plot", "--out", str(tmp_path / "img"))
    assert result.exit_code == 0, output_of(result)
    for name in plots.NAMES:
        root, text = svg_texts(tmp_path / "img" / f"{name}.svg")
        assert_links_nowhere(root, name)
        assert shown(label) in text, f"{name}.svg does not show {label!r}"


def test_every_hostile_label_at_once_in_plot_and_docs(hostile_home: Path, tmp_path: Path) -> None:
    """The same labels together, drawn by ``plot`` and by ``docs`` (whose pages link to the
    pictures): exit 0, each picture XML, linking nowhere, and showing every label as text."""
    result, _ = run_cli(hostile_home, "plot", "--out", str(tmp_path / "img"))
    assert result.exit_code == 0, output_of(result)
    result, _ = run_cli(hostile_home, "docs", "--out", str(tmp_path / "site"))
    assert result.exit_code == 0, output_of(result)
    for folder in (tmp_path / "img", tmp_path / "site" / "img"):
        for name in plots.NAMES:
            root, text = svg_texts(folder / f"{name}.svg")
            assert_links_nowhere(root, name)
            for label in HOSTILE:
                assert shown(label) in text, f"{folder.name}/{name}.svg does not show {label!r}"


class _Page(HTMLParser):
    """The start tags, attributes and text of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []  # each <script>'s src ("" for an inline one)
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(name, value or "") for name, value in attrs]
        if tag == "script":
            self.scripts.append(dict(attrs).get("src") or "")
            self._in_script = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.script_text if self._in_script else self.text).append(data)


#: The scripts the site's pages load: its search (its index, and the script that reads it).
SITE_SCRIPTS = {"search-index.js", "search.js"}


def test_the_site_pages_escape_hostile_labels_and_link_only_to_the_web(
    hostile_home: Path, tmp_path: Path
) -> None:
    """The pages show a hostile label (of an ontology term, of actors in query answers) as
    text: no ``<script>``, ``<table href>`` or ``<b>`` of the data becomes an element. And an
    IRI that is a ``javascript:`` URL, which a query page linked to (``<a href="javascript:...">``,
    issue #22), is shown, never a link: the site links out only to http(s) IRIs."""
    result, _ = run_cli(hostile_home, "docs", "--out", str(tmp_path / "site"))
    assert result.exit_code == 0, output_of(result)
    ontology = _Page()
    for page in sorted((tmp_path / "site").rglob("*.html")):
        parsed = _Page()
        parsed.feed(page.read_text(encoding="utf-8"))
        # the site's own two scripts (the search), by file name; no script of the data's
        assert {src.rsplit("/", 1)[-1] for src in parsed.scripts} <= SITE_SCRIPTS, page.name
        assert "".join(parsed.script_text).strip() == "", page.name
        for name, value in parsed.attributes:
            assert not name.startswith("on"), (page.name, name, value)  # no event handler
            if name in ("href", "src", "action", "formaction"):
                assert not value.lower().startswith(("javascript:", "data:")), (page.name, value)
        if page.name == "ontology.html":
            ontology = parsed
    text = "".join("".join(ontology.text).split())
    for label in HOSTILE[:3]:
        assert shown(label) in text, f"ontology.html does not show {label!r}"
    answers = (tmp_path / "site" / "queries" / "actor-relations.html").read_text(encoding="utf-8")
    # the javascript: IRI is an actor there: shown, and linked to its page on the site only
    assert (
        '<td title="javascript:alert(4)"><a href="../actors/javascript-alert-4.html" '
        'title="a state"><code>a state</code></a></td>'
    ) in answers


@pytest.mark.parametrize("title", [HOSTILE[0], HOSTILE[5], HOSTILE[8], HOSTILE[9]], ids=repr)
def test_a_hostile_source_title_is_drawn_as_text_in_every_title(tmp_path: Path, title: str) -> None:
    """Issue #20: the pictures' titles name the sources by their own titles (dct:title), which
    are data like any label: each is drawn as the text it is, in all three pictures."""
    needs_dot()
    home = hostile_project(tmp_path, ["a plain label"])
    description = home / "seeds" / "mini.ttl"
    turtle = description.read_text(encoding="utf-8")
    assert '"A mini article"@en' in turtle
    turtle = turtle.replace('"A mini article"@en', Literal(title, lang="en").n3())
    description.write_text(turtle, encoding="utf-8")
    result, _ = run_cli(home, "plot", "--out", str(tmp_path / "img"))
    assert result.exit_code == 0, output_of(result)
    for name in plots.NAMES:
        root, text = svg_texts(tmp_path / "img" / f"{name}.svg")
        assert_links_nowhere(root, name)
        assert shown(f"“{title}” (mini)") in text, f"{name}.svg does not show {title!r}"
