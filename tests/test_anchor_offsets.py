"""scripts/anchor_offsets.py: offsets computed from the seed, rewritten in place, checked.

Fixtures in tests/fixtures/anchors: ``seeds/sample.txt`` (two lines, two occurrences of
"welcomed the decision", curly quotes, a no-break space and an emoji), ``placeholders.ttl``
(anchors with made-up offsets, comments and odd spacing) and ``placeholders.expected.ttl`` (the
same file as --write must leave it), ``missing.ttl`` and ``ambiguous.ttl``.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest

from stancegraph import anchors

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "anchors"
SEEDS = FIXTURES / "seeds"


def _load_script():
    spec = importlib.util.spec_from_file_location(
        "anchor_offsets", ROOT / "scripts" / "anchor_offsets.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["anchor_offsets"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


script = _load_script()


def run(*args: str | Path) -> int:
    return script.main([*map(str, args), "--seeds", str(SEEDS)])


def copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copyfile(FIXTURES / name, target)
    return target


def read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def test_write_rewrites_only_the_numbers(tmp_path: Path) -> None:
    path = copy(tmp_path, "placeholders.ttl")
    assert run("--write", path) == 0
    assert path.read_bytes() == (FIXTURES / "placeholders.expected.ttl").read_bytes()


def test_write_changes_nothing_but_digits(tmp_path: Path) -> None:
    """Comments (even one mentioning "oa:start 5"), spacing and quotes survive --write."""
    path = copy(tmp_path, "placeholders.ttl")
    before = read(path)
    run("--write", path)
    after = read(path)
    assert re.sub(r"\d+", "N", before) == re.sub(r"\d+", "N", after)
    assert '"oa:start 5" in a comment' in after


def test_written_offsets_hold_the_quotes(tmp_path: Path) -> None:
    """After --write every anchor's quote is the seed text at its offsets (code points)."""
    from rdflib import Graph

    path = copy(tmp_path, "placeholders.ttl")
    run("--write", path)
    text = read(SEEDS / "sample.txt")
    found = anchors.read_anchors(Graph().parse(path, format="turtle"))
    assert len(found) == 4
    for anchor in found:
        assert anchor.start is not None and anchor.end is not None
        assert text[anchor.start : anchor.end] == anchor.exact
        assert anchors.check_anchor(anchor, text) == []


def test_write_preserves_crlf_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "crlf.ttl"
    path.write_bytes((FIXTURES / "placeholders.ttl").read_bytes().replace(b"\n", b"\r\n"))
    assert run("--write", path) == 0
    expected = (FIXTURES / "placeholders.expected.ttl").read_bytes().replace(b"\n", b"\r\n")
    assert path.read_bytes() == expected


def test_check_lists_every_wrong_offset_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy(tmp_path, "placeholders.ttl")
    before = path.read_bytes()
    assert run("--check", path) == 1
    out = capsys.readouterr().out
    for n in (1, 2, 10, 11):
        assert f"https://w3id.org/stancegraph/id/anchor/sample/{n}:" in out
    assert "offsets 999..12, should be 64..112" in out
    assert path.read_bytes() == before, "--check must not touch the file"


def test_check_is_the_default_and_passes_on_right_offsets(tmp_path: Path) -> None:
    path = copy(tmp_path, "placeholders.expected.ttl")
    assert run(path) == 0


def test_missing_quote_fails_loudly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A quote not in the seed: exit 2, naming file, line, anchor IRI and the quote."""
    path = copy(tmp_path, "missing.ttl")
    assert run("--check", path) == 2
    err = capsys.readouterr().err
    assert f"{path}:11: https://w3id.org/stancegraph/id/anchor/sample/7:" in err
    assert "not in the text" in err
    assert "“Moscow's welcome”" in err  # validate's words (issue #17): curly quotes


def test_missing_quote_does_not_stop_the_others_being_written(tmp_path: Path) -> None:
    path = copy(tmp_path, "missing.ttl")
    assert run("--write", path) == 2
    assert "oa:start 0 ; oa:end 15 ]" in read(path)


def test_ambiguous_quote_fails_loudly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = copy(tmp_path, "ambiguous.ttl")
    before = path.read_bytes()
    assert run("--write", path) == 2
    err = capsys.readouterr().err
    assert f"{path}:6: https://w3id.org/stancegraph/id/anchor/sample/3:" in err
    assert "occurs 2 times (at 7, 37)" in err
    assert "oa:prefix" in err
    assert "“welcomed the decision”" in err  # validate's words (issue #17)
    assert path.read_bytes() == before


def test_prefix_disambiguates() -> None:
    text = read(SEEDS / "sample.txt")
    assert anchors.locate(text, "welcomed the decision", prefix="Tehran ") == (37, 58)
    assert anchors.locate(text, "welcomed the decision", prefix="Moscow ") == (7, 28)
    assert anchors.locate(text, "welcomed the decision", suffix=" too") == (37, 58)


def test_prefix_that_matches_no_occurrence_is_a_missing_quote() -> None:
    text = read(SEEDS / "sample.txt")
    with pytest.raises(anchors.QuoteNotFoundError, match="never with oa:prefix"):
        anchors.locate(text, "welcomed the decision", prefix="Damascus ")


def test_ambiguous_error_carries_the_positions() -> None:
    text = read(SEEDS / "sample.txt")
    with pytest.raises(anchors.AmbiguousQuoteError) as info:
        anchors.locate(text, "welcomed the decision")
    assert info.value.starts == [7, 37]
    assert info.value.exit_code == 2


def test_anchor_written_with_a_full_iri_is_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "full.ttl"
    path.write_text(
        "@prefix oa: <http://www.w3.org/ns/oa#> .\n"
        "<https://w3id.org/stancegraph/id/anchor/sample/5> a oa:SpecificResource ;\n"
        "    oa:hasSource <https://w3id.org/stancegraph/id/document/sample> ;\n"
        '    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "Tehran" ] ,\n'
        "        [ a oa:TextPositionSelector ; oa:start 1 ; oa:end 2 ] .\n",
        encoding="utf-8",
    )
    assert run("--write", path) == 0
    assert "oa:start 30 ; oa:end 36 ]" in read(path)


def test_anchor_without_position_selector_cannot_be_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nopos.ttl"
    path.write_text(
        "@prefix oa: <http://www.w3.org/ns/oa#> .\n"
        "@prefix anchor: <https://w3id.org/stancegraph/id/anchor/sample/> .\n"
        "anchor:5 a oa:SpecificResource ;\n"
        "    oa:hasSource <https://w3id.org/stancegraph/id/document/sample> ;\n"
        '    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "Tehran" ] .\n',
        encoding="utf-8",
    )
    assert run("--check", path) == 1
    assert run("--write", path) == 2
    assert "no oa:start number(s)" in capsys.readouterr().err


AGREEMENT = """\
@prefix oa:     <http://www.w3.org/ns/oa#> .
@prefix doc:    <https://w3id.org/stancegraph/id/document/> .
@prefix anchor: <https://w3id.org/stancegraph/id/anchor/rd-syria-iran/> .

anchor:9001 a oa:SpecificResource ; oa:hasSource doc:rd-syria-iran ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "Assad's fate" ] ,
        [ a oa:TextPositionSelector ; oa:start 4275 ; oa:end 4287 ] .
anchor:9002 a oa:SpecificResource ; oa:hasSource doc:rd-syria-iran ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "Assad’s fate" ] ,
        [ a oa:TextPositionSelector ; oa:start 10 ; oa:end 22 ] .
anchor:9003 a oa:SpecificResource ; oa:hasSource doc:rd-syria-iran ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "Iran" ] ,
        [ a oa:TextPositionSelector ; oa:start 175 ; oa:end 179 ] .
anchor:9004 a oa:SpecificResource ; oa:hasSource doc:rd-syria-iran ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "Assad’s fate" ; oa:prefix "Bashar " ] ,
        [ a oa:TextPositionSelector ; oa:start 4275 ; oa:end 4287 ] .
anchor:9005 a oa:SpecificResource ; oa:hasSource doc:rd-syria-iran ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "Iran" ] ,
        [ a oa:TextPositionSelector ; oa:start 0 ; oa:end 4 ] .
"""


def test_the_script_and_validate_say_the_same_of_every_anchor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue #17: one implementation (anchors.diagnose), the same words. A near miss (straight
    apostrophe), wrong offsets, an ambiguous quote at offsets that hold it (a warning in both), a
    wrong oa:prefix and an ambiguous quote at wrong offsets: for each anchor, the script's line
    is validate's message and fix."""
    from stancegraph import validate
    from stancegraph.sources import find_project
    from validate_support import make_project

    home = make_project(tmp_path / "project")
    path = tmp_path / "anchors.ttl"
    path.write_text(AGREEMENT, encoding="utf-8")
    report = validate.validate_contribution(find_project(home), [path])
    said = {
        str(f.focus).rsplit("/", 1)[1]: (f.check, f.severity, f"{f.message} Fix: {f.fix}")
        for f in report.findings
        if f.check.startswith("anchor-")
    }
    assert {n: (c, s) for n, (c, s, _) in said.items()} == {
        "9001": ("anchor-quote", "Violation"),
        "9002": ("anchor-offsets", "Violation"),
        "9003": ("anchor-ambiguous", "Warning"),
        "9004": ("anchor-prefix", "Violation"),
        "9005": ("anchor-offsets", "Violation"),
    }
    assert "The same words with other quote marks, dashes or spaces are at 4275" in said["9001"][2]
    assert said["9002"][2].startswith("offsets 10..22, should be 4275..4287: seeds/rd-syria-iran")
    warnings: list = []
    errors, wrong, _ = script.process(path, script.SeedTexts(home / "seeds"), False, warnings)
    lines = {f.anchor.rsplit("/", 1)[1]: f.message for f in [*errors, *wrong, *warnings]}
    assert lines == {n: line for n, (_c, _s, line) in said.items()}
    assert [f.anchor.rsplit("/", 1)[1] for f in warnings] == ["9003"]
    assert [f.anchor.rsplit("/", 1)[1] for f in wrong] == ["9002"]
    assert sorted(f.anchor.rsplit("/", 1)[1] for f in errors) == ["9001", "9004", "9005"]
    assert script.main([str(path), "--seeds", str(home / "seeds")]) == 2
