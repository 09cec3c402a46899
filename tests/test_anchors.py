"""Anchors: the library (quotes, sentences, coverage) and every anchor of the real data.

The tests on the real data read every ``.ttl`` under data/ and seeds/. They fail, naming what is
wrong, until the data is complete: that is their job.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef

from conftest import MINI, ROOT
from stancegraph import anchors, safety
from stancegraph.cli import cli
from stancegraph.sources import HOME_ENV, find_project, read_seed_text

SG = Namespace("https://w3id.org/stancegraph/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
TIME = Namespace("http://www.w3.org/2006/time#")
VOCAB = "https://w3id.org/stancegraph/vocab/"
SEED = ROOT / "seeds" / "rd-syria-iran.txt"

# --------------------------------------------------------------------------------------------
# The real data, read once


def _data_files() -> list[Path]:
    return sorted(p for folder in (ROOT / "data", ROOT / "seeds") for p in folder.rglob("*.ttl"))


def _load_data() -> tuple[Graph, str | None]:
    g = Graph()
    try:
        for path in _data_files():
            safety.parse_file(path, graph=g)
    except Exception as exc:  # reported by the tests, not at collection
        return g, str(exc)
    return g, None


DATA, DATA_ERROR = _load_data()
ANCHORS = anchors.read_anchors(DATA)


def _seed(key: str | None) -> str:
    assert key, "anchor without a stancegraph document as oa:hasSource"
    return read_seed_text(ROOT / "seeds" / f"{key}.txt")


def _local(node: object) -> str:
    text = str(node)
    base = "https://w3id.org/stancegraph/id/"
    return text.removeprefix(base) if text.startswith(base) else text


def _anchor_params() -> list:
    if DATA_ERROR:
        return [pytest.param(None, id="data-does-not-parse")]
    if not ANCHORS:
        return [pytest.param(None, id="no-anchors-yet")]
    return [pytest.param(a, id=_local(a.iri)) for a in ANCHORS]


def test_data_parses() -> None:
    assert DATA_ERROR is None, DATA_ERROR


@pytest.mark.parametrize("anchor", _anchor_params())
def test_anchor_quote_is_the_seed_text_at_its_offsets(anchor: anchors.Anchor | None) -> None:
    """oa:exact == seed[oa:start:oa:end]; prefix/suffix where given; the quote is unambiguous."""
    assert DATA_ERROR is None, DATA_ERROR
    assert anchor is not None, "no oa:SpecificResource anywhere under data/ or seeds/"
    problems = anchors.check_anchor(anchor, _seed(anchor.key))
    assert not problems, (
        f"{anchor.iri}: "
        + "; ".join(problems)
        + " (python scripts/anchor_offsets.py --write FILE fixes offsets)"
    )


#: Each kind of statement that must point at the words it rests on.
ANCHORED_CLASSES = {
    "claim": SG.Claim,
    "stance": SG.Stance,
    "event": SG.Event,
    "relation": SG.Relation,
    "quantity": SG.Quantity,
    "quantity-change": SG.QuantityChange,
    "mention": SG.Mention,
    "membership": ORG.Membership,
}


def _instances(cls: URIRef) -> set:
    """Instances of ``cls`` or of a subclass of it (per the ontology), in the data."""
    onto = Graph()
    safety.parse_file(ROOT / "ontology" / "stancegraph.ttl", graph=onto)
    classes = {cls, *onto.transitive_subjects(RDFS.subClassOf, cls)}
    return {s for c in classes for s in DATA.subjects(RDF.type, c)}


@pytest.mark.parametrize("cls", ANCHORED_CLASSES.values(), ids=ANCHORED_CLASSES.keys())
def test_every_statement_has_an_anchor(cls: URIRef) -> None:
    things = _instances(cls)
    assert things, f"no {cls} in the data yet"
    missing = sorted(_local(t) for t in things if DATA.value(t, SG.anchor) is None)
    assert not missing, f"{len(missing)} {cls} without sg:anchor: {', '.join(missing)}"


def test_every_anchor_is_used() -> None:
    assert ANCHORS, "no anchors yet"
    unused = sorted(
        (_local(a.iri) for a in ANCHORS if next(DATA.subject_predicates(a.iri), None) is None),
        key=anchors.natural_key,
    )
    assert not unused, f"anchors nothing points at: {', '.join(unused)}"


def _time_nodes() -> set:
    kinds = (TIME.Instant, TIME.ProperInterval, TIME.Interval, TIME.Duration, TIME.TemporalEntity)
    nodes = {s for k in kinds for s in DATA.subjects(RDF.type, k)}
    nodes.update(DATA.objects(None, TIME.hasTime))
    return nodes


def test_inferred_time_nodes_say_from_what() -> None:
    nodes = _time_nodes()
    assert nodes, "no time nodes in the data yet"
    silent = sorted(
        _local(n)
        for n in nodes
        if (n, SG.inferred, Literal(True)) in DATA and DATA.value(n, SG.inferenceNote) is None
    )
    assert not silent, f"time nodes marked sg:inferred without sg:inferenceNote: {silent}"


def test_every_inferred_thing_says_from_what() -> None:
    silent = sorted(
        _local(n)
        for n in DATA.subjects(SG.inferred, Literal(True))
        if DATA.value(n, SG.inferenceNote) is None
    )
    assert not silent, f"sg:inferred true without sg:inferenceNote: {silent}"


def _claim_source_key(claim: object) -> str | None:
    for anchor_iri in DATA.objects(claim, SG.anchor):
        for a in ANCHORS:
            if a.iri == anchor_iri and a.key:
                return a.key
    return None


def test_direct_quotes_are_verbatim_in_the_seed() -> None:
    direct = URIRef(VOCAB + "reporting-mode/direct-quote")
    quoted = set(DATA.subjects(SG.reportingMode, direct)) | set(DATA.subjects(SG.verbatim, None))
    assert quoted, "no direct-quote claims in the data yet"
    problems = []
    for claim in sorted(quoted, key=lambda c: anchors.natural_key(str(c))):
        words = [str(v) for v in DATA.objects(claim, SG.verbatim)]
        if (claim, SG.reportingMode, direct) in DATA and not words:
            problems.append(f"{_local(claim)}: direct quote without sg:verbatim")
        key = _claim_source_key(claim) or "rd-syria-iran"
        text = _seed(key)
        for w in words:
            if w not in text:
                problems.append(f"{_local(claim)}: sg:verbatim not in seeds/{key}.txt: {w!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("key", [p.stem for p in sorted((ROOT / "seeds").glob("*.txt"))])
def test_anchors_cover_95_percent_of_the_sentences(key: str) -> None:
    result = anchors.coverage(key, _seed(key), ANCHORS)
    missing = "\n".join(
        f"  {s.sentence.number} ({s.share:.0%}): {s.sentence.text}" for s in result.uncovered
    )
    assert result.percent >= 95.0, f"{key}: {result.summary()}; not covered:\n{missing}"


# --------------------------------------------------------------------------------------------
# Sentences of the real seed

SENTENCES = anchors.split_sentences(read_seed_text(SEED))


def _sentence_starting(words: str) -> anchors.Sentence:
    found = [s for s in SENTENCES if s.text.startswith(words)]
    assert len(found) == 1, f"{len(found)} sentences start with {words!r}"
    return found[0]


def test_the_seed_has_49_sentences() -> None:
    assert len(SENTENCES) == 49
    assert [s.number for s in SENTENCES] == list(range(1, 50))


def test_nov_does_not_end_the_caption_sentence() -> None:
    s = _sentence_starting("Russian President Vladimir Putin, left,")
    assert s.text.endswith("in Tehran, Iran, Monday, Nov. 23, 2015.")
    assert SENTENCES[s.number].text == "Photo: AP"  # the credit after it is its own sentence


def test_mar_does_not_end_a_sentence() -> None:
    s = _sentence_starting("Russia’s decision to pull back “the main part”")
    assert "announced by President Vladimir Putin on Mar. 14, seems" in s.text
    assert s.text.endswith("but not those in Iran or Syria.")


def test_us_does_not_end_a_sentence() -> None:
    s = _sentence_starting("Russia and the U.S. have given a tentative timeframe")
    assert s.text.endswith(
        "at the end of which presidential elections have to take place in Syria."
    )
    t = _sentence_starting("Later he also cast doubt")
    assert (
        t.text
        == "Later he also cast doubt on the effectiveness of the U.S.-Russia ceasefire agreement."
    )


def test_a_closing_quote_after_the_full_stop_belongs_to_the_sentence() -> None:
    s = _sentence_starting("In his interview with AFP in mid-February")
    assert s.text.endswith("Assad promised to “retake all of Syria.”")


def test_questions_inside_a_quotation_do_not_split_it() -> None:
    s = _sentence_starting('"Who will speak to the terrorists')
    assert "accountable? Who, as they say, will bomb them?” he asked." in s.text
    assert s.text.endswith("he asked.")


def test_a_quote_opening_a_sentence_runs_to_the_reporting_clause() -> None:
    s = _sentence_starting("“The fact that Russia announced")
    assert s.text.endswith("Iran’s Foreign Minister Javad Zarif was quoted as saying.")


def test_no_break_space_separates_sentences() -> None:
    s = _sentence_starting("The IRGC has reportedly sustained")
    assert s.text.endswith("with 160 fatalities and over 300 injured.")
    assert SENTENCES[s.number].text.startswith("According to the Israeli media, this led the IRGC")


def test_link_lines_and_disclaimer_are_sentences() -> None:
    texts = [s.text for s in SENTENCES]
    assert 'Also read: "Why Putin\'s surprise move to withdraw from Syria makes sense"' in texts
    assert (
        "Recommended: \"Russia's Syria withdrawal: Wrapping up the Kremlin's military campaign\""
        in texts
    )
    assert texts[-1] == (
        "The opinion of the author may not necessarily reflect the position of Russia Direct "
        "or its staff."
    )


def test_sentence_spans_are_the_text_without_surrounding_space() -> None:
    text = read_seed_text(SEED)
    for s in SENTENCES:
        assert text[s.start : s.end] == s.text
        assert s.text == s.text.strip()
        assert "\n" not in s.text


# --------------------------------------------------------------------------------------------
# Sentence rules on small texts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two? Three!", ["One.", "Two?", "Three!"]),
        ("He left on Mar. 14. Then Nov. 23 came.", ["He left on Mar. 14.", "Then Nov. 23 came."]),
        ("Russia and the U.S. agree.", ["Russia and the U.S. agree."]),
        ("They met in the U.S.\nNext line.", ["They met in the U.S.", "Next line."]),
        ("“Go.” He went.", ["“Go.”", "He went."]),
        ("“Why? Why not?” he asked. Fine.", ["“Why? Why not?” he asked.", "Fine."]),
        ("Title without stop\n\nBody.", ["Title without stop", "Body."]),
        ("Wait... what? No.", ["Wait... what?", "No."]),
        ("Done.\u00a0Next.", ["Done.", "Next."]),
    ],
)
def test_split_sentences_rules(text: str, expected: list[str]) -> None:
    assert [s.text for s in anchors.split_sentences(text)] == expected


# --------------------------------------------------------------------------------------------
# Coverage rule


def _anchor(n: int, exact: str, key: str = "t") -> anchors.Anchor:
    return anchors.Anchor(
        iri=URIRef(f"https://w3id.org/stancegraph/id/anchor/{key}/{n}"),
        source=URIRef(f"https://w3id.org/stancegraph/id/document/{key}"),
        exact=exact,
    )


TEXT = "Aaaa bbbb. Cccc dddd eeee ffff."


def test_half_of_the_non_space_characters_covers_a_sentence() -> None:
    result = anchors.coverage("t", TEXT, [_anchor(1, "Aaaa"), _anchor(2, "Cccc dddd")])
    first, second = result.sentences
    assert first.covered_chars == 4 and first.total_chars == 9  # "Aaaa bbbb." without the space
    assert not first.covered()  # 4/9 < half
    assert second.covered_chars == 8 and second.total_chars == 17
    assert not second.covered()
    result = anchors.coverage("t", TEXT, [_anchor(1, "Aaaa b")])
    assert result.sentences[0].covered()  # 5/9 >= half: the space in the span does not count


def test_overlapping_anchors_count_once() -> None:
    result = anchors.coverage("t", TEXT, [_anchor(1, "Cccc dddd"), _anchor(2, "dddd eeee")])
    second = result.sentences[1]
    assert second.covered_chars == 12  # Cccc dddd eeee, not 16
    assert second.covered()
    assert [_local(a) for a in second.anchors] == ["anchor/t/1", "anchor/t/2"]


def test_anchor_spanning_two_sentences_counts_in_both() -> None:
    result = anchors.coverage("t", TEXT, [_anchor(1, "bbb. Cccc dddd eeee")])
    assert [s.covered() for s in result.sentences] == [False, True]
    assert all(s.anchors for s in result.sentences)


def test_summary_line() -> None:
    result = anchors.coverage("t", TEXT, [_anchor(1, "Cccc dddd eeee")])
    assert result.summary() == "coverage: 1/2 sentences (50.0%)"
    assert [s.sentence.number for s in result.uncovered] == [1]


def test_anchors_of_other_sources_and_unplaceable_quotes_do_not_count() -> None:
    other = _anchor(1, "Aaaa bbbb.", key="other")
    missing = _anchor(2, "Zzzz")
    result = anchors.coverage("t", TEXT, [other, missing])
    assert result.covered == []
    assert result.unplaced == [missing.iri]


def test_wrong_offsets_fall_back_to_the_quote() -> None:
    a = anchors.Anchor(
        iri=URIRef("https://w3id.org/stancegraph/id/anchor/t/1"),
        source=URIRef("https://w3id.org/stancegraph/id/document/t"),
        exact="Aaaa bbbb",
        start=0,
        end=0,
    )
    assert anchors.resolve_span(a, TEXT) == (0, 9)
    assert anchors.check_anchor(a, TEXT) == ['text at 0..0 is "", not oa:exact "Aaaa bbbb"']


# --------------------------------------------------------------------------------------------
# stancegraph coverage


@pytest.fixture
def mini_with_anchors(tmp_path: Path) -> Path:
    import shutil

    home = tmp_path / "mini"
    shutil.copytree(MINI, home)
    (home / "data" / "mini" / "anchors.ttl").write_text(
        "@prefix oa: <http://www.w3.org/ns/oa#> .\n"
        "@prefix doc: <https://w3id.org/stancegraph/id/document/> .\n"
        "@prefix anchor: <https://w3id.org/stancegraph/id/anchor/mini/> .\n"
        + "".join(
            f"anchor:{n} a oa:SpecificResource ; oa:hasSource doc:mini ;\n"
            f'    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "{q}" ] ,\n'
            f"        [ a oa:TextPositionSelector ; oa:start 0 ; oa:end 0 ] .\n"
            for n, q in (
                (1, "Moscow welcomed the decision"),
                (2, "said Ivan Petrov"),
                (3, "he added"),
            )
        ),
        encoding="utf-8",
    )
    return home


def _run(home: Path, *args: str):
    return CliRunner().invoke(cli, ["--home", str(home), "coverage", *args], env={HOME_ENV: ""})


def test_coverage_command_prints_sentences_anchors_and_share(mini_with_anchors: Path) -> None:
    result = _run(mini_with_anchors)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "anchor:1, anchor:2" in out
    assert "Not covered (1)" in out
    assert "2. “It will last,” he added." in out
    assert out.rstrip().endswith("mini: coverage: 1/2 sentences (50.0%)")


def test_coverage_min_fails_below_the_share(mini_with_anchors: Path) -> None:
    assert _run(mini_with_anchors, "--min", "50").exit_code == 0
    result = _run(mini_with_anchors, "--min", "60")
    assert result.exit_code == 1
    assert "coverage below --min 60%: mini 50.0%" in result.output


def test_coverage_below_the_share_is_one_line_even_under_debug(mini_with_anchors: Path) -> None:
    """Findings, not a failure of stancegraph: the one line on stderr, no traceback."""
    args = ["--debug", "--home", str(mini_with_anchors), "coverage", "--min", "60"]
    result = CliRunner().invoke(cli, args, env={HOME_ENV: ""})
    assert result.exit_code == 1
    assert result.stderr == "stancegraph: error: coverage below --min 60%: mini 50.0%\n"


def test_coverage_json(mini_with_anchors: Path) -> None:
    import json

    result = _run(mini_with_anchors, "--source", "mini", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    (mini,) = data["sources"]
    assert mini["source"] == "mini"
    assert (mini["covered_count"], mini["sentence_count"], mini["percent"]) == (1, 2, 50.0)
    assert mini["uncovered"] == [2]
    assert mini["sentences"][0]["anchors"] == [
        "https://w3id.org/stancegraph/id/anchor/mini/1",
        "https://w3id.org/stancegraph/id/anchor/mini/2",
    ]


def test_coverage_unknown_source_is_unusable_input(mini_with_anchors: Path) -> None:
    result = _run(mini_with_anchors, "--source", "nope")
    assert result.exit_code == 2
    assert "no source 'nope'" in result.output


def test_project_coverage_of_the_checkout_runs() -> None:
    """The command works on the real project (the share itself is tested above)."""
    results = anchors.project_coverage(find_project(home=ROOT))
    assert [r.key for r in results] == ["rd-syria-iran"]
    assert len(results[0].sentences) == 49


def test_coverage_reads_one_graph_at_a_time_and_finds_what_the_dataset_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue #19: coverage reads the anchors graph by graph (never the corpus in rdflib at
    once), and finds exactly the anchors of the assembled dataset, in the same order."""
    from stancegraph import graph

    project = find_project(home=ROOT)
    whole = anchors.project_anchors(graph.assemble(project))
    assert len(whole) > 300

    def refuse(project: object) -> None:
        raise AssertionError("the corpus was assembled in rdflib")

    monkeypatch.setattr(graph, "assemble", refuse)
    assert anchors.data_anchors(project) == whole
    results = anchors.project_coverage(project)
    skipped = set(anchors.withheld_without_text(project))
    assert [r.key for r in results] == [s.key for s in project.sources if s.key not in skipped]
