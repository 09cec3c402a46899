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
