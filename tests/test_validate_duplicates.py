"""The checks for what a contribution doubles, with the exact wording a contributor reads (issue
#16): an existing actor under a new IRI (``actor-duplicate``), one number given to two things
(``iri-defined-twice``); and the fix SHACL's sh:maxCount findings give; and an event the timeline
cannot place (``event-time``). ``actor-duplicate`` includes the same post held at the same time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from stancegraph.cli import cli
from stancegraph.sources import HOME_ENV, Project
from stancegraph.validate.checks.actor_duplicate import normalise
from validate_support import CONTRIBUTIONS, make_project


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("project"))


def findings(home: Path, path: Path) -> list[tuple[str, str, int, str, str]]:
    """(severity, focus, line, message, fix) of each finding, in the report's order."""
    result = CliRunner().invoke(
        cli, ["--home", str(home), "validate", "--format", "json", str(path)], env={HOME_ENV: ""}
    )
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.output)
    return [
        (f["severity"], f["focus_label"], f["line"], f["message"], f["fix"])
        for f in report["findings"]
    ]


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Bashar al-Assad", "bashar assad"),
        ("  JAVAD   Zarif ", "javad zarif"),
        ("Mohammad-Javad Ẓarīf", "mohammad javad zarif"),
        ("El-Sisi, Abdel Fattah", "sisi abdel fattah"),
        ("Hezbollah’s", "hezbollah s"),
    ],
)
def test_labels_are_normalised_for_case_accents_article_and_punctuation(
    label: str, expected: str
) -> None:
    assert normalise(label) == expected


def test_an_existing_actor_under_a_new_iri_is_refused_with_the_existing_iri_named(
    home: Path,
) -> None:
    """Issue #16: person:zarif labelled "Javad Zarif" beside person:javad-zarif conformed."""
    bad = CONTRIBUTIONS / "bad" / "duplicate-actor.ttl"
    found = findings(home, bad)
    fix = (
        "use {old} instead of a new IRI (add another name to it as skos:altLabel in "
        "data/actors.ttl); if they are different actors, say so with owl:differentFrom {old} "
        "on {new}."
    )
    assert found == [
        (
            "Violation",
            "person/zarif",
            47,
            "person/zarif is probably the existing person/javad-zarif, defined at "
            "data/actors.ttl:43 (the same name as its “Javad Zarif”).",
            fix.format(old="person/javad-zarif", new="person/zarif"),
        ),
        (
            "Warning",
            "person/mohammad-javad-zarif",
            50,
            "person/mohammad-javad-zarif may be the existing person/javad-zarif, defined at "
            "data/actors.ttl:43 (one label's words are part of the other's: “Javad Zarif”).",
            fix.format(old="person/javad-zarif", new="person/mohammad-javad-zarif"),
        ),
        (  # and the new person/zarif before it in the contribution, for the same reason
            "Warning",
            "person/mohammad-javad-zarif",
            50,
            f"person/mohammad-javad-zarif may be person/zarif, defined at {bad}:47 (one "
            "label's words are part of the other's: “Javad  ZARIF”).",
            fix.format(old="person/zarif", new="person/mohammad-javad-zarif"),
        ),
        (
            "Violation",
            "organization/revolutionary-guards",
            53,
            "organization/revolutionary-guards is probably the existing armed-force/irgc, "
            "defined at data/actors.ttl:142 (the same Wikidata item wd:Q271110).",
            fix.format(old="armed-force/irgc", new="organization/revolutionary-guards"),
        ),
    ]


def test_owl_different_from_answers_the_warning(home: Path) -> None:
    good = CONTRIBUTIONS / "good" / "different-actors.ttl"
    found = findings(home, good)
    assert [(sev, focus, line, message) for sev, focus, line, message, _f in found] == [
        (
            "Warning",
            "person/asma-al-assad",
            49,
            "person/asma-al-assad may be the existing person/bashar-al-assad, defined at "
            "data/actors.ttl:59 (the same surname: “Bashar al-Assad”).",
        ),
        (  # Hafez al-Assad, different from Bashar, is compared with her too
            "Warning",
            "person/asma-al-assad",
            49,
            f"person/asma-al-assad may be person/hafez-al-assad, defined at {good}:45 (the same "
            "surname: “Hafez al-Assad”).",
        ),
        (
            "Warning",
            "person/javad-zariff",
            52,
            "person/javad-zariff may be the existing person/javad-zarif, defined at "
            "data/actors.ttl:43 (nearly the same label: “Javad Zarif”).",
        ),
    ]


def test_owl_different_from_silences_a_certain_match_too(home: Path, tmp_path: Path) -> None:
    text = (CONTRIBUTIONS / "bad" / "duplicate-actor.ttl").read_text(encoding="utf-8")
    text = text.replace(
        'rdfs:label "Javad  ZARIF"@en .',
        'rdfs:label "Javad  ZARIF"@en ;\n    owl:differentFrom person:javad-zarif .',
    ).replace(
        "skos:exactMatch wd:Q271110 .",
        "skos:exactMatch wd:Q271110 ;\n    owl:differentFrom armedforce:irgc .",
    )
    text = text.replace(
        "@prefix wd:",
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix armedforce: <https://w3id.org/stancegraph/id/armed-force/> .\n@prefix wd:",
    )
    path = tmp_path / "answered.ttl"
    path.write_text(text, encoding="utf-8")
    assert [
        (sev, focus, message.split(", defined")[0])
        for sev, focus, _l, message, _f in findings(home, path)
    ] == [
        (
            "Warning",
            "person/mohammad-javad-zarif",
            "person/mohammad-javad-zarif may be the existing person/javad-zarif",
        ),
        (
            "Warning",
            "person/mohammad-javad-zarif",
            "person/mohammad-javad-zarif may be person/zarif",
        ),
    ]


def test_the_same_post_held_at_the_same_time_is_a_likely_duplicate(home: Path) -> None:
    """Issue #16: the same post held at the same time is a likely duplicate, answered by
    owl:differentFrom; the existing holding is read from the project's data (the fixture's
    membership of Javad Zarif is in data/rd-syria-iran/, which the contribution never names)."""
    path = CONTRIBUTIONS / "good" / "same-post.ttl"
    fix = (
        "use {old} instead of a new IRI (add another name to it as skos:altLabel in "
        "data/actors.ttl); if they are different actors, say so with owl:differentFrom {old} "
        "on {new}."
    )
    assert findings(home, path) == [
        (
            "Warning",
            "person/kaveh-testfeld",
            29,
            "person/kaveh-testfeld may be the existing person/javad-zarif, defined at "
            "data/actors.ttl:43 (the same post, post/foreign-minister-of-iran, held at the same "
            "time: membership/rd-syria-iran/1 at data/rd-syria-iran/statements.ttl:125, "
            "2016-03-14).",
            fix.format(old="person/javad-zarif", new="person/kaveh-testfeld"),
        ),
        (
            "Warning",
            "person/arash-fixtureson",
            35,
            "person/arash-fixtureson may be person/kaveh-testfeld, defined at "
            f"{path}:29 (the same post, post/foreign-minister-of-iran, held at the same time: "
            f"membership/rd-syria-iran/9001 at {path}:39, 2016-03-14).",
            fix.format(old="person/kaveh-testfeld", new="person/arash-fixtureson"),
        ),
    ]


def test_an_open_bound_overlaps_and_a_later_time_does_not(home: Path, tmp_path: Path) -> None:
    text = (CONTRIBUTIONS / "good" / "same-post.ttl").read_text(encoding="utf-8")
    # Darius from 2016-03-01, no end: overlaps Zarif's 2016-03-14
    opened = text.replace(
        'sg:earliest "2010-01-01"^^xsd:date ; sg:latest "2010-12-31"^^xsd:date ;',
        'sg:earliest "2016-03-01"^^xsd:date ;',
    ).replace(
        'time:inXSDgYear "2010"^^xsd:gYear ;\n    sg:precision prec:year ;',
        "sg:precision prec:relative ;",
    )
    path = tmp_path / "open.ttl"
    path.write_text(opened, encoding="utf-8")
    found = [(focus, message.split(" (")[1]) for _s, focus, _l, message, _f in findings(home, path)]
    assert (
        "person/darius-mockhart",
        "the same post, post/foreign-minister-of-iran, held at the same time: "
        "membership/rd-syria-iran/1 at data/rd-syria-iran/statements.ttl:125, 2016-03-14).",
    ) in found
    # Kaveh from 2016-03-15 on: after Zarif's day, so not the same time
    later = text.replace(
        'sg:earliest "2016-03-14"^^xsd:date ; sg:latest "2016-03-14"^^xsd:date ;',
        'sg:earliest "2016-03-15"^^xsd:date ; sg:latest "2016-03-15"^^xsd:date ;',
    ).replace(
        '"2016-03-14"^^xsd:date ;\n    sg:precision prec:day',
        '"2016-03-15"^^xsd:date ;\n    sg:precision prec:day',
    )
    path = tmp_path / "later.ttl"
    path.write_text(later, encoding="utf-8")
    assert [focus for _s, focus, _l, _m, _f in findings(home, path)] == ["person/arash-fixtureson"]


# --------------------------------------------------------------------------------------------
# iri-defined-twice, and the fix for too many values


def test_a_number_given_twice_is_reported_once_with_both_places_and_the_next_free(
    home: Path,
) -> None:
    """Issue #16: claim 5 defined twice gave ten findings and never said so."""
    path = CONTRIBUTIONS / "bad" / "defined-twice.ttl"
    assert findings(home, path) == [
        (
            "Violation",
            "claim/rd-syria-iran/9001",
            41,
            f"claim/rd-syria-iran/9001 is defined twice at {path}:41 and {path}:55; next free "
            "number is 9002.",
            "give all but one of them another number (9002 and on), with its anchors and the "
            "links to it; if they are one claim, merge the blocks into one.",
        )
    ]


def test_a_number_given_twice_in_two_files_names_both_files(home: Path, tmp_path: Path) -> None:
    text = (CONTRIBUTIONS / "bad" / "defined-twice.ttl").read_text(encoding="utf-8")
    head, second = text.split("\nclaim:9001 a sg:Claim ;\n    sg:claimant person:yury-barmin")
    prefixes = "".join(line + "\n" for line in head.splitlines() if line.startswith("@prefix"))
    (tmp_path / "a.ttl").write_text(head, encoding="utf-8")
    (tmp_path / "b.ttl").write_text(
        prefixes + "\nclaim:9001 a sg:Claim ;\n    sg:claimant person:yury-barmin" + second,
        encoding="utf-8",
    )
    found = findings(home, tmp_path)
    assert found[0][:4] == (
        "Violation",
        "claim/rd-syria-iran/9001",
        41,
        f"claim/rd-syria-iran/9001 is defined twice at {tmp_path / 'a.ttl'}:41 and "
        f"{tmp_path / 'b.ttl'}:{len(prefixes.splitlines()) + 2}; next free number is 9002.",
    )
    assert [f[1] for f in found] == ["claim/rd-syria-iran/9001"]


def test_too_many_values_are_to_be_removed_not_added(home: Path) -> None:
    found = findings(home, CONTRIBUTIONS / "bad" / "two-claim-kinds.ttl")
    assert found == [
        (
            "Violation",
            "claim/rd-syria-iran/9001",
            40,
            "A claim has exactly one sg:claimKind (assertion, assessment, forecast, denial...).",
            "keep one sg:claimKind and remove the other values.",
        )
    ]


# --------------------------------------------------------------------------------------------
# event-time


def test_an_event_the_timeline_cannot_place_is_warned_about(home: Path) -> None:
    """Issue #16: timeline silently dropped an event whose time it could not place."""
    assert findings(home, CONTRIBUTIONS / "good" / "event-without-bounds.ttl") == [
        (
            "Warning",
            "event/rd-syria-iran/9001",
            41,
            "event/rd-syria-iran/9001 has a time (time/rd-syria-iran/9001) with neither a date "
            "nor a bound (sg:earliest, sg:latest): the timeline cannot show it.",
            "give the time the first day it can fall on (sg:earliest), the last (sg:latest), or "
            'both, as xsd:date; a time the text relates to another ("after the announcement") '
            "takes that one's day as its bound.",
        )
    ]


def test_one_bound_is_enough_for_the_timeline(home: Path, tmp_path: Path) -> None:
    text = (CONTRIBUTIONS / "good" / "event-without-bounds.ttl").read_text(encoding="utf-8")
    path = tmp_path / "from.ttl"
    path.write_text(
        text.replace("time:after t:1 ;", 'time:after t:1 ; sg:earliest "2016-03-14"^^xsd:date ;'),
        encoding="utf-8",
    )
    assert findings(home, path) == []


UNTIMED_FIX = (
    "give it the time the text states (time:hasTime and a time node with sg:earliest, "
    "sg:latest); if the text orders it after another event, say so (sg:followed); if the text "
    "states no time for it at all, say so: sg:timeNotStated true."
)


def _untimed(tmp_path: Path, extra: str = "", name: str = "untimed.ttl") -> Path:
    """event-without-bounds.ttl with its event's time taken away (and ``extra`` added to it)."""
    text = (CONTRIBUTIONS / "good" / "event-without-bounds.ttl").read_text(encoding="utf-8")
    text = text.replace("    time:hasTime t:9001 ;\n", extra)
    text = text.replace(
        "t:9001 a time:Instant ;\n    time:after t:1 ;\n    sg:precision prec:relative ;\n"
        "    sg:anchor anchor:9001 .\n",
        "",
    )
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_event_with_no_time_and_nothing_to_say_why_is_warned_about(
    home: Path, tmp_path: Path
) -> None:
    """Issue #16: validate warns about an event with no time it can place."""
    assert findings(home, _untimed(tmp_path)) == [
        (
            "Warning",
            "event/rd-syria-iran/9001",
            41,
            "event/rd-syria-iran/9001 has no time (time:hasTime), and nothing says why: the "
            "timeline cannot show it.",
            UNTIMED_FIX,
        )
    ]


@pytest.mark.parametrize(
    "answer",
    [
        "    sg:timeNotStated true ;\n",
        "    sg:followed event:1 ;\n",
        "    sg:subEventOf event:1 ;\n",
    ],
    ids=["time-not-stated", "followed", "sub-event-of"],
)
def test_the_data_answers_the_warning(home: Path, tmp_path: Path, answer: str) -> None:
    assert findings(home, _untimed(tmp_path, answer)) == []


def test_a_time_not_stated_beside_a_time_is_a_violation(home: Path, tmp_path: Path) -> None:
    text = (CONTRIBUTIONS / "good" / "event-without-bounds.ttl").read_text(encoding="utf-8")
    path = tmp_path / "both.ttl"
    path.write_text(
        text.replace(
            "    time:hasTime t:9001 ;\n",
            "    time:hasTime t:9001 ;\n    sg:timeNotStated true ;\n",
        ),
        encoding="utf-8",
    )
    found = [(sev, focus, message) for sev, focus, _l, message, _f in findings(home, path)]
    assert (
        "Violation",
        "event/rd-syria-iran/9001",
        "An event with sg:timeNotStated true has no time:hasTime: the one says the source "
        "states no time, the other gives one.",
    ) in found


def test_the_first_articles_events_without_time_say_the_text_states_none(
    project: Project,
) -> None:
    """The seven events of rd-syria-iran whose time the text does not state (read in the text:
    the ceasefire, the peace process, a forecast, two hypotheticals, the 18-month timeframe's
    announcement, the war) say so; each of the other untimed ones is ordered after or within
    another event, or has a length or a horizon, which answers the warning too."""
    from rdflib import Graph, Literal, Namespace, URIRef

    g = Graph()
    for path in sorted((project.data_dir / "rd-syria-iran").glob("*.ttl")):
        g.parse(path)
    sg = Namespace("https://w3id.org/stancegraph/ontology#")
    has_time = URIRef("http://www.w3.org/2006/time#hasTime")
    base = "https://w3id.org/stancegraph/id/event/rd-syria-iran/"
    marked = {str(e).removeprefix(base) for e in g.subjects(sg.timeNotStated, Literal(True))}
    assert marked == {"3", "9", "15", "16", "18", "504", "509"}
    assert not [e for e in g.subjects(sg.timeNotStated, None) if (e, has_time, None) in g]


def test_a_duplicate_added_to_data_actors_is_found_as_contributing_says_to_validate(
    tmp_path: Path,
) -> None:
    """CONTRIBUTING has the contributor add new actors to data/actors.ttl and validate that
    file with the source: its actors are then compared with each other."""
    root = make_project(tmp_path / "project")
    actors = root / "data" / "actors.ttl"
    before = actors.read_text(encoding="utf-8")
    actors.write_text(
        before + '\nperson:zarif a sg:Person ;\n    rdfs:label "Javad Zarif"@en .\n',
        encoding="utf-8",
    )
    line = len(before.splitlines()) + 2
    found = findings(root, actors)
    assert [(sev, focus, at, message) for sev, focus, at, message, _fix in found] == [
        (
            "Violation",
            "person/zarif",
            line,
            f"person/zarif is probably person/javad-zarif, defined at {actors}:43 (the same "
            "name as its “Javad Zarif”).",
        )
    ]
