"""Hostile and broken RDF files (issue #8): each is refused or parsed fast, with one clear line.

Every hazard here was observed on this machine with rdflib 7.6.0 and pyoxigraph 0.5.13 at their
defaults: billion laughs took over 5 minutes in rdflib (41 s and 9 GB in pyoxigraph), a 2 MB
multi-line long literal 17 s in rdflib's Turtle parser, deep ``[ ]``/``( )`` raised RecursionError,
and ``Graph.parse("/etc/passwd")`` quoted the file in its error. Each test bounds the time taken.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hostile_support import FAST, assert_clean_failure, copy_mini, run_cli
from stancegraph import safety
from stancegraph.errors import EXIT_UNUSABLE, InputError

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def timed(func: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    try:
        outcome: Any = func()
    except InputError as err:
        outcome = err
    return outcome, time.perf_counter() - start


def refused_fast(path: Path, bound: float = FAST, **kwargs: Any) -> InputError:
    outcome, took = timed(lambda: safety.parse_file(path, **kwargs))
    assert isinstance(outcome, InputError), f"{path.name} was not refused"
    assert took < bound, f"{path.name}: refusal took {took:.2f} s"
    assert outcome.exit_code == EXIT_UNUSABLE
    assert "\n" not in str(outcome)
    assert str(outcome).startswith(str(path))
    return outcome


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def billion_laughs(levels: int = 10) -> str:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n' + "\n".join(entities) + "\n]>\n"
        f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:ex="http://example.org/">\n'
        f'<rdf:Description rdf:about="http://example.org/a"><ex:b>&lol{levels - 1};</ex:b>'
        "</rdf:Description>\n</rdf:RDF>\n"
    )


# --- RDF/XML: no DTD, so no entities ------------------------------------------------------------


def test_billion_laughs_is_refused_at_its_dtd_fast(tmp_path: Path) -> None:
    """10^9 'lol's if expanded: refused before any entity is expanded, in milliseconds."""
    err = refused_fast(write(tmp_path, "lol.rdf", billion_laughs()), bound=1.0)
    assert "DOCTYPE" in str(err)
    assert err.line == 2, "the message points at the DOCTYPE"


def test_billion_laughs_through_validate_is_exit_2_fast(tmp_path: Path) -> None:
    bomb = write(tmp_path, "lol.rdf", billion_laughs())
    result, took = run_cli(copy_mini(tmp_path), "validate", str(bomb))
    assert "DOCTYPE" in assert_clean_failure(result)
    assert took < FAST


def test_quadratic_blowup_entity_is_refused(tmp_path: Path) -> None:
    """One 100 kB entity used 10 000 times: no nesting, still gigabytes if expanded."""
    doc = (
        f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "{"a" * 100_000}">]>\n'
        f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:ex="http://example.org/">'
        f'<rdf:Description rdf:about="http://example.org/a"><ex:b>{"&a;" * 10_000}</ex:b>'
        "</rdf:Description></rdf:RDF>"
    )
    refused_fast(write(tmp_path, "blowup.rdf", doc), bound=1.0)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
        '<!DOCTYPE rdf:RDF SYSTEM "file:///etc/passwd">',
        '<!DOCTYPE r [<!ENTITY owl "http://www.w3.org/2002/07/owl#">]>',
    ],
)
def test_any_doctype_is_refused_and_nothing_is_read(tmp_path: Path, doctype: str) -> None:
    from hostile_support import OpenedFiles

    doc = (
        f'<?xml version="1.0"?>\n{doctype}\n<rdf:RDF xmlns:rdf="{RDF_NS}">'
        '<rdf:Description rdf:about="http://example.org/a"/></rdf:RDF>\n'
    )
    path = write(tmp_path, "dtd.rdf", doc)
    with OpenedFiles.recording() as opened:
        refused_fast(path)
    assert "/etc/passwd" not in opened
    assert opened == [str(path)], "only the user's own file is opened"


def test_rdfxml_without_a_doctype_parses(tmp_path: Path) -> None:
    doc = (
        f'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:ex="http://example.org/">'
        '<rdf:Description rdf:about="http://example.org/a"><ex:b>c</ex:b></rdf:Description>'
        "</rdf:RDF>"
    )
    assert len(safety.parse_file(write(tmp_path, "ok.rdf", doc))) == 1


# --- Turtle: long literals and deep nesting -----------------------------------------------------


@pytest.mark.parametrize("line_length", [1, 80])
def test_a_2_mb_multi_line_long_literal_parses_fast(tmp_path: Path, line_length: int) -> None:
    """rdflib took 17 s on this (quadratic); pyoxigraph reads it in milliseconds."""
    body = ("x" * (line_length - 1) + "\n") * (2_000_000 // line_length)
    path = write(
        tmp_path, "long.ttl", f'<http://example.org/a> <http://example.org/b> """{body}""" .'
    )
    outcome, took = timed(lambda: safety.parse_file(path))
    assert not isinstance(outcome, InputError), outcome
    assert len(outcome) == 1
    assert len(str(next(iter(outcome.objects())))) == len(body)
    assert took < FAST, f"2 MB long literal took {took:.2f} s"


def test_an_unterminated_long_literal_is_a_syntax_error_fast(tmp_path: Path) -> None:
    body = "x\n" * 1_000_000
    path = write(tmp_path, "open.ttl", f'<http://example.org/a> <http://example.org/b> """{body}')
    err = refused_fast(path)
    assert "Turtle syntax error" in str(err)
    assert "xxx" not in str(err), "the message does not quote the literal"


@pytest.mark.parametrize(
    ("opening", "closing"),
    [("[ <http://example.org/c> ", " ]"), ("( ", " )"), ("( [ <http://example.org/c> ", " ] )")],
)
def test_deep_nesting_gives_a_clear_message_not_recursion_error(
    tmp_path: Path, opening: str, closing: str
) -> None:
    """rdflib raised RecursionError at about 150 levels of [ ] and 300 of ( )."""
    depth = 5000
    text = "<http://example.org/a> <http://example.org/b> " + opening * depth + "1"
    path = write(tmp_path, "deep.ttl", text + closing * depth + " .\n")
    err = refused_fast(path, bound=1.0)
    assert "nested deeper than 64" in str(err)
    assert err.line == 1
    assert err.column is not None


def test_nesting_up_to_the_limit_parses(tmp_path: Path) -> None:
    text = "<http://example.org/a> <http://example.org/b> " + "[ <http://example.org/c> " * 64
    g = safety.parse_file(write(tmp_path, "ok.ttl", text + "1" + " ]" * 64 + " ."))
    assert len(g) == 65


def test_brackets_in_strings_iris_and_comments_do_not_count(tmp_path: Path) -> None:
    text = (
        "# " + "[" * 500 + "\n"
        '<http://example.org/a> <http://example.org/b> "'
        + "(" * 500
        + '" , """'
        + "[\n" * 500
        + '""" , <http://example.org/a#b> .\n'
    )
    assert len(safety.parse_file(write(tmp_path, "brackets.ttl", text))) == 3


def test_the_depth_limit_can_be_set_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tmp_path, "d.ttl", "<http://e/a> <http://e/b> [ <http://e/c> [ <http://e/d> 1 ] ] ."
    )
    assert len(safety.parse_file(path)) == 3
    monkeypatch.setenv("STANCEGRAPH_MAX_DEPTH", "1")
    assert "nested deeper than 1" in str(refused_fast(path))


def test_deep_json_is_refused(tmp_path: Path) -> None:
    doc = '{"@id": "http://example.org/a", "http://example.org/b": ' + "[" * 5000 + "1"
    err = refused_fast(write(tmp_path, "deep.jsonld", doc + "]" * 5000 + "}"))
    assert "nested" in str(err)


# --- size -----------------------------------------------------------------------------------------


def test_oversized_file_is_refused_before_it_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STANCEGRAPH_MAX_BYTES", "1000")
    path = write(tmp_path, "big.ttl", "<http://e/a> <http://e/b> <http://e/c> .\n" * 100_000)
    assert "larger than the limit of 1000 bytes" in str(refused_fast(path, bound=1.0))


def test_a_bad_limit_in_the_environment_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STANCEGRAPH_MAX_BYTES", "fifty megabytes")
    result, _ = run_cli(copy_mini(tmp_path), "validate", str(write(tmp_path, "a.ttl", "")))
    assert "STANCEGRAPH_MAX_BYTES" in assert_clean_failure(result)


def test_a_device_is_refused_not_read_forever(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    err = refused_fast(Path("/dev/zero"), format="turtle")
    assert "not a regular file" in str(err)


# --- what the user named, and nothing of it beyond the offending line ----------------------------


def test_etc_passwd_is_a_syntax_error_naming_the_file_without_dumping_it(tmp_path: Path) -> None:
    """rdflib's message for Graph.parse("/etc/passwd") quoted the file's contents."""
    lines = [
        "root:x:0:0:root:/root:/bin/bash",
        "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
        "secretuser:x:1000:1000:Secret User:/home/secretuser:/bin/bash",
    ]
    path = write(tmp_path, "passwd.ttl", "\n".join(lines) + "\n")
    for fmt in ("turtle", "nt", "trig", "nquads", "json-ld", "xml"):
        err = refused_fast(path, format=fmt)
        assert err.line in (1, None), (fmt, str(err))
        assert "daemon" not in str(err) and "secretuser" not in str(err), (fmt, str(err))
        assert len(str(err)) < 300


@pytest.mark.parametrize("fmt", ["turtle", "nt"])
def test_the_real_etc_passwd_gives_one_line_naming_it(fmt: str) -> None:
    if not Path("/etc/passwd").is_file():
        pytest.skip("no /etc/passwd here")
    err = refused_fast(Path("/etc/passwd"), format=fmt)
    assert str(err).startswith("/etc/passwd:1:")
    second = Path("/etc/passwd").read_text(errors="replace").splitlines()[1:2]
    assert not second or second[0] not in str(err)


def test_validate_on_etc_passwd_is_exit_2_one_line(tmp_path: Path) -> None:
    copy = write(tmp_path, "passwd.ttl", "root:x:0:0:root:/root:/bin/bash\nother:x:1:1::/:/x\n")
    result, took = run_cli(copy_mini(tmp_path), "validate", str(copy))
    line = assert_clean_failure(result)
    assert f"{copy}:1:" in line and "other:x" not in line
    assert took < FAST


@pytest.mark.parametrize(
    ("name", "content", "expect"),
    [
        ("empty.ttl", b"", "file is empty"),
        ("blank.ttl", b"  \n\n", "file is empty"),
        ("image.ttl", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("latin1.ttl", b'<http://e/a> <http://e/b> "caf\xe9" .\n', "not valid UTF-8"),
        ("utf16.ttl", "<http://e/a> <http://e/b> <http://e/c> .".encode("utf-16"), "UTF-16"),
        ("notes.csv", b"a,b,c\n", "unknown RDF file extension"),
    ],
)
def test_unusable_files_through_validate_are_one_line_exit_2(
    tmp_path: Path, name: str, content: bytes, expect: str
) -> None:
    path = write(tmp_path, name, content)
    result, took = run_cli(copy_mini(tmp_path), "validate", str(path))
    line = assert_clean_failure(result)
    assert expect in line
    assert str(path) in line
    assert took < FAST


def test_a_folder_without_rdf_files_is_one_line_exit_2(tmp_path: Path) -> None:
    folder = tmp_path / "contribution"
    folder.mkdir()
    (folder / "notes.txt").write_text("no RDF here\n")
    result, _ = run_cli(copy_mini(tmp_path), "validate", str(folder))
    assert str(folder) in assert_clean_failure(result)


def test_a_syntax_error_through_validate_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "bad.ttl",
        '@prefix ex: <http://example.org/> .\nex:a ex:b "fine" .\nex:a ex:b ex:c ex:d .\n',
    )
    result, _ = run_cli(copy_mini(tmp_path), "validate", str(path))
    line = assert_clean_failure(result)
    assert f"{path}:3:16: Turtle syntax error" in line


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.ttl", "this is not turtle\n")
    result, _ = run_cli(copy_mini(tmp_path), "--debug", "validate", str(path))
    assert result.exit_code == EXIT_UNUSABLE
    assert "Traceback" in (result.stderr or "")


def test_a_failed_file_adds_nothing_to_the_graph(tmp_path: Path) -> None:
    good = "<http://e/a> <http://e/b> <http://e/c> .\n"
    target = safety.parse_file(write(tmp_path, "good.ttl", good))
    with pytest.raises(InputError):
        safety.parse_file(
            write(tmp_path, "half.ttl", good.replace("/a", "/x") + "garbage"), graph=target
        )
    assert len(target) == 1


def test_owl_imports_are_not_followed_by_parse_or_validate(tmp_path: Path) -> None:
    """The only way to follow owl:imports is to ask for it; nothing in stancegraph does."""
    from hostile_support import OpenedFiles

    imported = write(tmp_path, "imported.ttl", "<http://e/x> <http://e/y> <http://e/z> .\n")
    ttl = (
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        f"<https://w3id.org/stancegraph/id/document/x> a owl:Ontology ; "
        f"owl:imports <{imported.as_uri()}> .\n"
    )
    path = write(tmp_path, "imports.ttl", ttl)
    home = copy_mini(tmp_path)
    with OpenedFiles.recording() as opened:
        assert len(safety.parse_file(path)) == 2
        run_cli(home, "validate", str(path))
    assert str(imported) not in opened


def test_max_bytes_on_the_command_line(tmp_path: Path) -> None:
    path = write(tmp_path, "a.ttl", "<http://e/a> <http://e/b> <http://e/c> .\n" * 10)
    home = copy_mini(tmp_path)
    result, _ = run_cli(home, "--max-bytes", "100", "validate", str(path))
    assert "larger than the limit of 100 bytes" in assert_clean_failure(result)
    result, _ = run_cli(home, "validate", str(path))
    assert result.exit_code in (0, 1), "the limit lasts for that command only"


def test_max_depth_on_the_command_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "d.ttl", "<http://e/a> <http://e/b> [ <http://e/c> [ <http://e/d> 1 ] ] ."
    )
    result, _ = run_cli(copy_mini(tmp_path), "--max-depth", "1", "validate", str(path))
    assert "nested deeper than 1" in assert_clean_failure(result)


def test_a_missing_source_text_is_named_in_one_line(tmp_path: Path) -> None:
    """An anchor's source document (seeds/<key>.txt) is gone: say which file, do not crash."""
    from validate_support import CONTRIBUTIONS, KEY, make_project

    home = tmp_path / "project"
    make_project(home)
    (home / "seeds" / f"{KEY}.txt").unlink()
    for args in (["validate"], ["coverage"]):
        result, _ = run_cli(home, *args)
        assert f"{KEY}.txt" in assert_clean_failure(result), args
    contribution = next(  # the first good contribution with anchors into the source's text
        p for p in sorted((CONTRIBUTIONS / "good").glob("*.ttl")) if "oa:hasSource" in p.read_text()
    )
    result, _ = run_cli(home, "validate", str(contribution))
    assert f"seeds/{KEY}.txt" in assert_clean_failure(result)
