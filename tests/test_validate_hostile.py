"""Hostile contributions, second round (issue #22): what ``validate`` reads, quotes and survives.

Each test replays one attack of the issue and failed before its fix:

1. a seed text that is a symbolic link out of the contribution (``seeds/KEY.txt`` ->
   ``/etc/passwd``), a pipe, or larger than ``--max-bytes``; a seed text its description does not
   vouch for (wrong ``sg:sha256``) quoted in findings;
2. ``validate FILE`` reading every ``*.txt`` below the file's folder (and hanging on a pipe,
   growing without bound on ``/dev/zero``);
3. symbolic links to RDF files out of a contribution folder;
4. ``find_line`` quadratic in prefixes x findings x text (a 40 kB file: 7 minutes);
5. internal errors instead of findings (``oa:end [ ]``, 100,000-digit numbers, ill-typed
   literals);
6. a URL answered "no such file or folder";
7. an IRI minted for a kind without that kind's class;
8. a 3,000-link chain of blank nodes.

Tests that could hang or eat memory on the old code run ``stancegraph`` in a child process with a
generous time limit (and a memory limit), so that a regression fails instead of stopping the suite.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from stancegraph import validate
from stancegraph.cli import cli
from stancegraph.sources import HOME_ENV, find_project
from validate_support import CONTRIBUTIONS, KEY, ROOT, make_project

PREFIXES = """\
@prefix sg:     <https://w3id.org/stancegraph/ontology#> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf:    <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix oa:     <http://www.w3.org/ns/oa#> .
@prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix doc:    <https://w3id.org/stancegraph/id/document/> .
@prefix media:  <https://w3id.org/stancegraph/id/media/> .
"""

#: Text standing for a file the contributor has no business showing (a copy of /etc/passwd...).
SECRET = "".join(f"root:x:{i}:{i}:secret-{i:03d}:/home/s{i:03d}:/bin/sh\n" for i in range(40))


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("project"))


def run(home: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--home", str(home), *args], env={HOME_ENV: ""})


def out_of(result: Result) -> str:
    return (result.stdout or "") + (result.stderr or "")


def script() -> str:
    path = shutil.which("stancegraph", path=str(Path(sys.executable).parent))
    assert path, "the console script 'stancegraph' is not installed in this environment"
    return path


def _limit_memory() -> None:  # in the child: 3 GiB of address space, then MemoryError
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def run_guarded(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``stancegraph --home HOME ARGS`` in a child process, killed after ``timeout`` seconds (a
    hang guard: the commands here take a few seconds) and limited to 3 GiB."""
    env = {k: v for k, v in os.environ.items() if k != HOME_ENV}
    try:
        return subprocess.run(
            [script(), "--home", str(home), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            preexec_fn=_limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"stancegraph {' '.join(args)} did not finish in {timeout} s")


def one_line_error(out: str) -> str:
    """The single ``stancegraph: error:`` line of a failed command (no traceback)."""
    assert "Traceback" not in out, out
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    assert lines[0].startswith("stancegraph: error: "), lines[0]
    return lines[0]


def findings(result: Result | subprocess.CompletedProcess) -> list[dict[str, Any]]:
    return json.loads(result.stdout)["findings"]


def keys(report: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(f["focus_label"], _short(f["path"]), f["check"]) for f in report}


def _short(path: str | None) -> str:
    from rdflib import URIRef

    return validate.shorten(URIRef(path)) if path else ""


# --------------------------------------------------------------------------------------------
# 1. Seed texts: inside the contribution, regular, bounded, and quoted only once verified


def leak_contribution(folder: Path, *, sha256: str = "0" * 64, count: int = 1) -> Path:
    """A contribution for source ``leak`` (laid out as CONTRIBUTING.md says) whose anchors slice
    its seed text into 89-character pieces: quote "root" (it occurs), offsets 0-89, 89-178, ...
    Before issue #22 each anchor-offsets finding quoted one piece of the text."""
    (folder / "seeds").mkdir(parents=True)
    (folder / "data" / "leak").mkdir(parents=True)
    (folder / "seeds" / "leak.ttl").write_text(
        PREFIXES + "doc:leak a sg:SourceDocument , schema:NewsArticle ;\n"
        '    sg:seedFile "seeds/leak.txt" ;\n'
        f'    sg:sha256 "{sha256}" ;\n'
        f"    sg:characterCount {count} ;\n"
        '    dcterms:language "en" ;\n'
        "    schema:publisher media:der-kurier .\n",
        encoding="utf-8",
    )
    anchors = "".join(
        f"<https://w3id.org/stancegraph/id/anchor/leak/{i + 1}> a oa:SpecificResource ;\n"
        "    oa:hasSource doc:leak ;\n"
        '    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "root" ] ,\n'
        f"        [ a oa:TextPositionSelector ; oa:start {i * 89} ; oa:end {(i + 1) * 89} ] .\n"
        for i in range(5)
    )
    (folder / "data" / "leak" / "anchors.ttl").write_text(PREFIXES + anchors, encoding="utf-8")
    return folder


def secret_file(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    path = outside / "passwd"
    path.write_text(SECRET, encoding="utf-8")
    return path


def test_a_seed_text_linked_out_of_the_contribution_is_refused_not_quoted(
    home: Path, tmp_path: Path
) -> None:
    """seeds/leak.txt -> a file outside: before, the findings quoted it 89 characters at a time
    ("has “root:x:0:0:…” there"), e.g. into CI logs."""
    folder = leak_contribution(tmp_path / "contribution")
    (folder / "seeds" / "leak.txt").symlink_to(secret_file(tmp_path))
    result = run(home, "validate", str(folder))
    line = one_line_error(out_of(result))
    assert result.exit_code == 2
    assert line == (
        f"stancegraph: error: {folder / 'seeds' / 'leak.txt'}: leads out of {folder} through a "
        "symbolic link; a seed text must be a regular file inside it (copy the file in instead "
        "of linking it)"
    )
    assert "root:x" not in out_of(result) and "secret-" not in out_of(result)


def test_etc_passwd_as_a_seed_text_is_refused(home: Path, tmp_path: Path) -> None:
    if not Path("/etc/passwd").is_file():
        pytest.skip("no /etc/passwd here")
    folder = leak_contribution(tmp_path / "contribution")
    (folder / "seeds" / "leak.txt").symlink_to("/etc/passwd")
    result = run(home, "validate", str(folder))
    assert "symbolic link" in one_line_error(out_of(result))
    first = Path("/etc/passwd").read_text(errors="replace")[:20]
    assert first not in out_of(result)


def test_a_seed_text_its_description_does_not_vouch_for_is_never_quoted(
    home: Path, tmp_path: Path
) -> None:
    """A regular seed text whose sg:sha256 and sg:characterCount do not match: the document is
    reported, and no anchor is compared with the text, so nothing of it is quoted."""
    folder = leak_contribution(tmp_path / "contribution")
    (folder / "seeds" / "leak.txt").write_text(SECRET, encoding="utf-8")
    result = run(home, "validate", "--format", "json", str(folder))
    assert result.exit_code == 1, out_of(result)
    report = findings(result)
    assert {f["check"] for f in report if f["focus_label"].startswith("anchor/")} == set()
    seed_findings = [f for f in report if f["check"] == "document-seed"]
    assert {_short(f["path"]) for f in seed_findings} == {"sg:sha256", "sg:characterCount"}
    assert all("no quote is checked against the text" in f["message"] for f in seed_findings)
    assert "root:x" not in result.stdout and "secret-" not in result.stdout


def test_a_verified_seed_text_is_checked_and_quoted(home: Path, tmp_path: Path) -> None:
    """The same contribution with the right sg:sha256 and sg:characterCount: its anchors are
    checked against the text, and the findings show what the text has at the offsets."""
    import hashlib

    folder = leak_contribution(
        tmp_path / "contribution",
        sha256=hashlib.sha256(SECRET.encode("utf-8")).hexdigest(),
        count=len(SECRET),
    )
    (folder / "seeds" / "leak.txt").write_text(SECRET, encoding="utf-8")
    result = run(home, "validate", "--format", "json", str(folder))
    assert result.exit_code == 1, out_of(result)
    offsets = [f for f in findings(result) if f["check"] == "anchor-offsets"]
    assert len(offsets) == 5
    first = next(f for f in offsets if f["focus_label"] == "anchor/leak/1")
    assert f"seeds/leak.txt has “{SECRET[:89]}” there".replace("\n", "\\n") in first["message"]


def test_a_project_seed_text_linked_out_of_the_project_is_refused(
    home: Path, tmp_path: Path
) -> None:
    """The same attack through a pull request on the project itself: CI runs `validate`."""
    project = tmp_path / "project"
    shutil.copytree(home, project)
    seed = project / "seeds" / f"{KEY}.txt"
    seed.unlink()
    seed.symlink_to(secret_file(tmp_path))
    for args in (["validate"], ["validate", str(CONTRIBUTIONS / "good" / "more-statements.ttl")]):
        result = run(project, *args)
        line = one_line_error(out_of(result))
        assert result.exit_code == 2
        assert line.startswith(f"stancegraph: error: {seed}: leads out of {project.resolve()}")
        assert "secret-" not in out_of(result)


def test_a_seed_text_that_is_a_pipe_is_refused_without_blocking(home: Path, tmp_path: Path) -> None:
    folder = leak_contribution(tmp_path / "contribution")
    os.mkfifo(folder / "seeds" / "leak.txt")
    done = run_guarded(home, "validate", str(folder), timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert one_line_error(done.stderr) == (
        f"stancegraph: error: {folder / 'seeds' / 'leak.txt'}: is not a regular file (a device, "
        "pipe or socket); a seed text must be one"
    )


def test_a_seed_text_larger_than_max_bytes_is_refused(home: Path, tmp_path: Path) -> None:
    """Before: read whole, whatever its size."""
    limit = max(p.stat().st_size for p in home.rglob("*") if p.is_file()) + 1000
    folder = leak_contribution(tmp_path / "contribution")
    (folder / "seeds" / "leak.txt").write_text("x" * (limit + 1), encoding="utf-8")
    result = run(home, "--max-bytes", str(limit), "validate", str(folder))
    assert result.exit_code == 2
    assert one_line_error(out_of(result)) == (
        f"stancegraph: error: {folder / 'seeds' / 'leak.txt'}: file is larger than the limit of "
        f"{limit} bytes (STANCEGRAPH_MAX_BYTES)"
    )


# --------------------------------------------------------------------------------------------
# 2. validate FILE reads that file and the project's, nothing else


class Recorder:
    """Every file opened and every folder listed by this process while recording (audit hook)."""

    _active: list[tuple[str, str]] | None = None
    _installed = False

    @classmethod
    def _hook(cls, event: str, args: tuple[Any, ...]) -> None:
        if cls._active is None or event not in ("open", "os.scandir", "os.listdir"):
            return
        if args and isinstance(args[0], str | Path):
            cls._active.append((event, os.path.abspath(args[0])))

    @classmethod
    @contextmanager
    def recording(cls) -> Iterator[list[tuple[str, str]]]:
        if not cls._installed:
            sys.addaudithook(cls._hook)
            cls._installed = True
        seen: list[tuple[str, str]] = []
        cls._active = seen
        try:
            yield seen
        finally:
            cls._active = None


BANK_NOTES = "account 1234-5678, PIN 0000: my private notes\n"


def one_file_beside_private_files(tmp_path: Path) -> Path:
    """/tmp-like folder: a one-anchor contribution, with private .txt files around it (one even
    in a seeds/ folder beside it). The anchor names document bank-notes, described in the file."""
    folder = tmp_path / "scratch"
    (folder / "private" / "deeper").mkdir(parents=True)
    (folder / "seeds").mkdir()
    for path in (
        folder / "private" / "deeper" / "bank-notes.txt",
        folder / "seeds" / "bank-notes.txt",
        folder / "notes.txt",
    ):
        path.write_text(BANK_NOTES, encoding="utf-8")
    named = folder / "one.ttl"
    named.write_text(
        PREFIXES + "doc:bank-notes a sg:SourceDocument .\n"
        "<https://w3id.org/stancegraph/id/anchor/bank-notes/1> a oa:SpecificResource ;\n"
        "    oa:hasSource doc:bank-notes ;\n"
        '    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "PIN" ] ,\n'
        "        [ a oa:TextPositionSelector ; oa:start 0 ; oa:end 20 ] .\n",
        encoding="utf-8",
    )
    return named


def test_validate_file_opens_no_other_file_of_its_folder(home: Path, tmp_path: Path) -> None:
    """Before: every *.txt below the file's folder was read (90 files in /tmp) and one was quoted
    in the findings (private/deeper/bank-notes.txt)."""
    named = one_file_beside_private_files(tmp_path)
    folder = str(named.parent)
    with Recorder.recording() as seen:
        result = run(home, "validate", str(named))
    touched = sorted({(event, path) for event, path in seen if path.startswith(folder)})
    assert touched == [("open", str(named))]
    assert "PIN 0000" not in out_of(result) and "account" not in out_of(result)
    assert result.exit_code == 2  # a described document whose text is not given (issue #8)
    assert one_line_error(out_of(result)) == (
        f"stancegraph: error: {named}:11: anchor anchor/bank-notes/1: the text of its source "
        "document, seeds/bank-notes.txt, is missing; restore it (byte for byte) or add it to the "
        "contribution folder's seeds/"
    )


def test_a_named_folder_brings_its_seeds_folder_only(home: Path, tmp_path: Path) -> None:
    """Naming the folder (CONTRIBUTING's layout): its seeds/*.txt are read, nothing else."""
    named = one_file_beside_private_files(tmp_path)
    folder = named.parent
    with Recorder.recording() as seen:
        result = run(home, "validate", "--format", "json", str(folder))
    opened = sorted({path for event, path in seen if event == "open"})
    assert [p for p in opened if p.startswith(str(folder))] == [
        str(folder / "one.ttl"),
        str(folder / "seeds" / "bank-notes.txt"),
    ]
    assert result.exit_code == 1, out_of(result)
    assert "PIN 0000" not in result.stdout  # not verified: no sg:sha256 (a MinCount finding)


def stray_beside(tmp_path: Path, make: Any) -> Path:
    """A small claim file in a folder that also holds ``make(path)`` as notes.txt and deeper."""
    folder = tmp_path / "scratch"
    (folder / "deeper").mkdir(parents=True)
    named = folder / "claim.ttl"
    named.write_text(
        PREFIXES + "<https://w3id.org/stancegraph/id/claim/rd-syria-iran/9001> a sg:Claim .\n",
        encoding="utf-8",
    )
    make(folder / "notes.txt")
    make(folder / "deeper" / "more.txt")
    return named


def test_a_pipe_beside_the_named_file_does_not_hang_validate(home: Path, tmp_path: Path) -> None:
    named = stray_beside(tmp_path, os.mkfifo)
    done = run_guarded(home, "validate", "--engine", "pyshacl", str(named), timeout=60)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[-1].startswith("5 violations, 1 warning on 1 node")


def test_dev_zero_beside_the_named_file_is_not_read(home: Path, tmp_path: Path) -> None:
    """Before: a *.txt link to /dev/zero was read until memory ran out (21 GB, killed)."""
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    named = stray_beside(tmp_path, lambda p: p.symlink_to("/dev/zero"))
    done = run_guarded(home, "validate", "--engine", "pyshacl", str(named), timeout=60)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[-1].startswith("5 violations, 1 warning on 1 node")


# --------------------------------------------------------------------------------------------
# 3. RDF files found in a folder stay inside it


def test_an_rdf_file_linked_out_of_the_folder_is_refused_by_name(
    home: Path, tmp_path: Path
) -> None:
    """Before: followed, and the first token of /etc/shadow appeared in the parse error."""
    folder = tmp_path / "contribution"
    folder.mkdir()
    shutil.copy(CONTRIBUTIONS / "good" / "more-statements.ttl", folder / "statements.ttl")
    (folder / "shadow.ttl").symlink_to(secret_file(tmp_path))
    result = run(home, "validate", str(folder))
    assert result.exit_code == 2
    assert one_line_error(out_of(result)) == (
        f"stancegraph: error: {folder / 'shadow.ttl'}: leads out of {folder} through a symbolic "
        "link; a contribution's file must be a regular file inside it (copy the file in instead "
        "of linking it)"
    )
    assert "root:x" not in out_of(result) and "secret-" not in out_of(result)


@pytest.mark.parametrize("where", ["data/rd-syria-iran/evil.ttl", "seeds/rd-syria-iran.ttl"])
def test_a_project_rdf_file_linked_out_of_the_project_is_refused(
    home: Path, tmp_path: Path, where: str
) -> None:
    """The files a contribution's context is read from (by the minting rule) are the project's
    and stay inside it; before, data/<key>/*.ttl were globbed and followed wherever they led."""
    project = tmp_path / "project"
    shutil.copytree(home, project)
    link = project / where
    link.unlink(missing_ok=True)
    link.symlink_to(secret_file(tmp_path))
    for args in (["validate"], ["validate", str(CONTRIBUTIONS / "good" / "more-statements.ttl")]):
        result = run(project, *args)
        assert result.exit_code == 2
        assert one_line_error(out_of(result)) == (
            f"stancegraph: error: {link}: leads out of {project.resolve()} through a symbolic "
            "link; a project file must be a regular file inside it (copy the file in instead "
            "of linking it)"
        )
        assert "root:x" not in out_of(result) and "secret-" not in out_of(result)


def test_a_link_to_another_file_of_the_folder_is_read_once(home: Path, tmp_path: Path) -> None:
    """Chosen and documented (SECURITY.md): a link that stays inside the folder is followed; the
    file it names is read once."""
    folder = tmp_path / "contribution"
    folder.mkdir()
    shutil.copy(CONTRIBUTIONS / "good" / "more-statements.ttl", folder / "a.ttl")
    (folder / "again.ttl").symlink_to(folder / "a.ttl")
    result = run(home, "validate", "--format", "json", str(folder))
    assert result.exit_code == 0, out_of(result)
    assert json.loads(result.stdout)["files"] == [str(folder / "a.ttl")]


def test_a_pipe_with_an_rdf_name_in_the_folder_is_refused(home: Path, tmp_path: Path) -> None:
    """Before: silently left out (the contribution validated without it)."""
    folder = tmp_path / "contribution"
    folder.mkdir()
    shutil.copy(CONTRIBUTIONS / "good" / "more-statements.ttl", folder / "a.ttl")
    os.mkfifo(folder / "b.ttl")
    result = run(home, "validate", str(folder))
    assert result.exit_code == 2
    assert one_line_error(out_of(result)) == (
        f"stancegraph: error: {folder / 'b.ttl'}: is not a regular file (a device, pipe or "
        "socket); a contribution's file must be one"
    )


# --------------------------------------------------------------------------------------------
# 4. Where findings are: linear, whatever the prefixes and findings


def many_prefixes(path: Path, prefixes: int = 500, claims: int = 200) -> dict[str, int]:
    """``prefixes`` names for the claim namespace and ``claims`` claims, each written with one of
    them (each gives 5 violations and a warning); returns focus label -> its line."""
    lines = [
        f"@prefix p{i}: <https://w3id.org/stancegraph/id/claim/rd-syria-iran/> ."
        for i in range(prefixes)
    ]
    lines.append("@prefix sg: <https://w3id.org/stancegraph/ontology#> .")
    where = {}
    for n in range(9001, 9001 + claims):
        lines.append(f"p{n % prefixes}:{n} a sg:Claim .")
        where[f"claim/rd-syria-iran/{n}"] = len(lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return where


def test_many_prefixes_and_findings_are_located_in_linear_time(home: Path, tmp_path: Path) -> None:
    """Before: one regex per prefix spelling per finding over the whole text; this 40 kB file
    took 7 min 43 s (now about 2 s). The hang guard is generous; every line must be exact."""
    path = tmp_path / "prefixes.ttl"
    where = many_prefixes(path)
    done = run_guarded(home, "validate", "--format", "json", str(path), timeout=120)
    assert done.returncode == 1, done.stderr
    report = findings(done)
    assert len(report) == 6 * len(where)
    assert {(f["focus_label"], f["line"]) for f in report} == set(where.items())


@pytest.mark.parametrize(
    ("fmt", "text", "node", "line"),
    [
        ("turtle", "@prefix ex: <http://e/> .\n\nex:a ex:p ex:b .\nex:b ex:p 1 .\n", "b", 4),
        ("turtle", "@prefix ex: <http://e/> .\nex:x ex:p ex:b .\n  <http://e/b> ex:p 1 .", "b", 3),
        ("turtle", "@prefix ex: <http://e/> .\nex:x ex:p [\n  ex:q ex:b ] .\n", "b", 3),
        ("turtle", "@prefix ex: <http://e/> .\n# (ex:b)\nex:a.b ex:p ex:b.\n", "b", 3),
        ("turtle", "@prefix ex: <http://e/> .\nex:x ex:p \"ex:b\"^^ex:b .\n", "b", 2),
        ("turtle", "@prefix e: <http://e/> .\n@prefix f: <http://e/> .\ne:x e:p 1 .\n"
         "f:b e:p 1.", "b", 4),
        ("json-ld", '[{"@id": "http://e/x", "http://e/p": {"@id": "http://e/b"}},\n'
         ' {"@id": "http://e/b", "http://e/p": 1}]', "b", 1),
        ("json-ld", '{"@context": {"ex": "http://e/"},\n "@graph": [{"@id": "ex:x"},\n'
         ' {"@id":\n  "ex:b"}]}', "b", 4),
        ("turtle", "@prefix ex: <http://e/> .\nex:x ex:p ex:y .\n", "b", None),
    ],
)  # fmt: skip
def test_find_line(fmt: str, text: str, node: str, line: int | None) -> None:
    """The first line where the node begins a line (its subject block), else where it occurs."""
    from rdflib import URIRef

    source = validate.SourceFile(
        path=Path("x"), text=text, fmt=fmt, triples=[], prefixes=_prefixes(text)
    )
    assert validate.find_line(source, URIRef("http://e/" + node)) == line


def _prefixes(text: str) -> dict[str, str]:
    import re

    found = dict(re.findall(r"@prefix (\w*): <([^>]*)>", text))
    found.update(re.findall(r'"(\w+)": "(http://e/)"', text))
    return found


def test_the_limits_benchmark_runs(tmp_path: Path) -> None:
    """scripts/bench_validate_limits.py at a small size (the full size is run by hand; SECURITY.md
    quotes it): it builds the contribution it says and validate reports every finding."""
    spec = importlib.util.spec_from_file_location(
        "bench_validate_limits", ROOT / "scripts" / "bench_validate_limits.py"
    )
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.main(
        [
            "--size", "300000", "--prefixes", "60", "--claims", "40", "--engine", "pyshacl",
            "--workdir", str(tmp_path), "--json",
        ]
    )  # fmt: skip
    assert result["exit_code"] == 1
    assert 300_000 - 200 < result["bytes"] <= 300_000
    assert result["findings"] == 40 * bench.FINDINGS_PER_CLAIM
    assert result["located"] == result["findings"]


# --------------------------------------------------------------------------------------------
# 5. Findings, not internal errors


def anchor_file(tmp_path: Path, start: str, end: str, name: str = "anchor.ttl") -> Path:
    path = tmp_path / name
    path.write_text(
        PREFIXES + "\n"
        f"<https://w3id.org/stancegraph/id/anchor/{KEY}/9001> a oa:SpecificResource ;\n"
        f"    oa:hasSource doc:{KEY} ;\n"
        '    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "Iran" ] ,\n'
        f"        [ a oa:TextPositionSelector ; oa:start {start} ; oa:end {end} ] .\n",
        encoding="utf-8",
    )
    return path


def test_a_blank_node_as_an_offset_is_a_finding(home: Path, tmp_path: Path) -> None:
    """Before: "internal error: ReportableRuntimeError: Cannot use sh:lessThan to compare a
    BlankNode" (pySHACL raises where SHACL says: not comparable, a violation)."""
    path = anchor_file(tmp_path, "0", "[ ]")
    result = run(home, "validate", "--engine", "pyshacl", "--format", "json", str(path))
    assert result.exit_code == 1, out_of(result)
    report = findings(result)
    selector = f"anchor/{KEY}/9001 oa:hasSelector [oa:TextPositionSelector]"
    assert keys(report) == {
        (selector, "oa:start", "LessThan"),
        (selector, "oa:end", "Datatype"),
        (selector, "oa:end", "MinInclusive"),
    }
    assert {(f["file"], f["line"]) for f in report} == {(str(path), 11)}
    assert {f["value"] for f in report if f["path"].endswith("#end")} == {
        next(f["value"] for f in report if f["path"].endswith("#end"))
    }
    assert all(f["value"].startswith("_:") for f in report if f["path"].endswith("#end"))


@pytest.mark.parametrize(("start", "end"), [("0", "[ ]"), ("[ ]", "[ ]"), ("[ ]", "5")])
def test_blank_node_offsets_give_the_same_findings_on_both_engines(
    home: Path, tmp_path: Path, start: str, end: str
) -> None:
    """Not comparable, so a LessThan violation (SHACL, and Jena); pySHACL is brought to say so."""
    from stancegraph import shacl

    if shacl.jena_problem():
        pytest.skip(
            f"Jena cannot run here: {shacl.jena_problem()} "
            "(apt-get install default-jdk-headless libapache-jena-java)"
        )
    path = anchor_file(tmp_path, start, end)
    found = {}
    for engine in ("pyshacl", "jena"):
        result = run(home, "validate", "--engine", engine, "--format", "json", str(path))
        assert result.exit_code == 1, out_of(result)
        found[engine] = {  # blank node labels are fresh on each parse
            (f["focus_label"], _short(f["path"]), f["check"], f["value"].split(":")[0])
            for f in findings(result)
        }
    assert found["pyshacl"] == found["jena"]
    assert "LessThan" in {check for _focus, _path, check, _value in found["jena"]}


def test_a_huge_integer_in_turtle_is_a_finding_without_a_traceback(
    home: Path, tmp_path: Path
) -> None:
    """Before: rdflib logged a traceback (Python's int string-conversion limit) on stderr."""
    path = anchor_file(tmp_path, "1" * 100_000, "5")
    result = run(home, "validate", "--format", "json", str(path))
    assert result.exit_code == 1, out_of(result)
    assert result.stderr == ""
    (finding,) = [f for f in findings(result) if f["check"] == "literal-form"]
    assert finding["file"] == str(path) and finding["line"] == 11
    assert finding["message"].endswith(
        "^^xsd:integer is a number of 100000 digits; stancegraph reads at most 4300."
    )


def test_a_huge_integer_in_json_ld_is_one_line_naming_the_file(home: Path, tmp_path: Path) -> None:
    """Before: "internal error: ValueError: Exceeds the limit (4300 digits)"."""
    path = tmp_path / "big.jsonld"
    path.write_text('{"@id": "http://e/a",\n "http://e/b": ' + "1" * 100_000 + "}", "utf-8")
    result = run(home, "validate", str(path))
    assert result.exit_code == 2
    assert one_line_error(out_of(result)) == (
        f"stancegraph: error: {path}:2:16: JSON number of more than 4300 digits, too long to read"
    )


@pytest.mark.parametrize(
    ("literal", "problem"),
    [
        ('"abc"^^xsd:integer', "“abc”^^xsd:integer is not a valid xsd:integer."),
        ('"1.5"^^xsd:integer', "“1.5”^^xsd:integer is not a valid xsd:integer."),
        ('"2016-02-30"^^xsd:date', "“2016-02-30”^^xsd:date is not a valid xsd:date."),
        ('"2016-13-01"^^xsd:date', "“2016-13-01”^^xsd:date is not a valid xsd:date."),
        ('"99999999999-01-01"^^xsd:date', "“99999999999-01-01”^^xsd:date is not a valid xsd:date."),
        ('"P1Q"^^xsd:duration', "“P1Q”^^xsd:duration is not a valid xsd:duration."),
        ('"x"^^xsd:hexBinary', "“x”^^xsd:hexBinary is not a valid xsd:hexBinary."),
        ('"-1"^^xsd:nonNegativeInteger',
         "“-1”^^xsd:nonNegativeInteger is not a valid xsd:nonNegativeInteger."),
        ('"<a"^^rdf:XMLLiteral', "“<a”^^rdf:XMLLiteral is not a valid rdf:XMLLiteral."),
        ('"true1"^^xsd:boolean', "is not a valid xsd:boolean."),
    ],
)  # fmt: skip
@pytest.mark.filterwarnings("ignore:Parsing weird boolean")  # pytest shows it; the CLI does not
def test_an_ill_typed_literal_is_a_finding_without_a_traceback(
    home: Path, tmp_path: Path, literal: str, problem: str
) -> None:
    """Before: each printed a logged traceback (or a UserWarning) from rdflib on stderr."""
    path = tmp_path / "literal.ttl"
    path.write_text(
        PREFIXES + f"<https://w3id.org/stancegraph/id/claim/{KEY}/9001> a sg:Claim ;\n"
        f"    rdfs:comment {literal} .\n",
        encoding="utf-8",
    )
    result = run(home, "validate", "--format", "json", str(path))
    assert result.exit_code == 1, out_of(result)
    assert result.stderr == ""
    (finding,) = [f for f in findings(result) if f["check"] == "literal-form"]
    assert (finding["file"], finding["line"], finding["path"]) == (
        str(path),
        10,
        "http://www.w3.org/2000/01/rdf-schema#comment",
    )
    assert finding["message"].endswith(problem)


def test_ill_typed_literals_leave_stderr_empty_in_a_real_process(
    home: Path, tmp_path: Path
) -> None:
    """The command as a user runs it (pytest captures warnings itself): rdflib's logged traceback
    and its "Parsing weird boolean" UserWarning do not reach stderr."""
    path = tmp_path / "literals.ttl"
    path.write_text(
        PREFIXES + f"<https://w3id.org/stancegraph/id/claim/{KEY}/9001> a sg:Claim ;\n"
        '    rdfs:comment "2016-02-30"^^xsd:date , "true1"^^xsd:boolean , "abc"^^xsd:integer .\n',
        encoding="utf-8",
    )
    done = run_guarded(home, "validate", "--engine", "pyshacl", str(path), timeout=60)
    assert done.returncode == 1
    assert done.stderr == ""
    assert done.stdout.count("[literal-form]") == 3


@pytest.mark.parametrize(("kind", "count"), [("claim", 6), ("anchor", 4)])
def test_an_iri_with_a_huge_number_is_validated(
    home: Path, tmp_path: Path, kind: str, count: int
) -> None:
    """Before: internal error (ValueError: Python's int string-conversion limit) where the next
    free number was computed, and where anchors were sorted by number."""
    path = tmp_path / "huge.ttl"
    cls = "sg:Claim" if kind == "claim" else "oa:SpecificResource"
    path.write_text(
        PREFIXES + f"<https://w3id.org/stancegraph/id/{kind}/{KEY}/{'9' * 5000}> a {cls} .\n",
        encoding="utf-8",
    )
    result = run(home, "validate", "--format", "json", str(path))
    assert result.exit_code == 1, out_of(result)
    report = findings(result)
    assert len(report) == count and {f["line"] for f in report} == {10}


def test_large_decimals_and_doubles_are_read(home: Path, tmp_path: Path) -> None:
    """Long decimals and out-of-range doubles are values rdflib reads: no error, no finding."""
    path = tmp_path / "numbers.ttl"
    path.write_text(
        PREFIXES + f"<https://w3id.org/stancegraph/id/claim/{KEY}/9001> a sg:Claim ;\n"
        f'    rdfs:comment 1.{"9" * 100_000} , "1e999999"^^xsd:double , {"1" * 5000}.5e3 .\n',
        encoding="utf-8",
    )
    result = run(home, "validate", "--format", "json", str(path))
    assert result.exit_code == 1 and result.stderr == ""
    assert "literal-form" not in {f["check"] for f in findings(result)}


# --------------------------------------------------------------------------------------------
# 6. A URL is refused as such


@pytest.mark.parametrize(
    "url", ["http://example.org/x.ttl", "https://example.org/data/", "file:///etc/passwd"]
)
def test_a_url_given_to_validate_is_refused_as_a_url(home: Path, url: str) -> None:
    """Before: "http:/example.org/x.ttl: no such file or folder"."""
    result = run(home, "validate", url)
    assert result.exit_code == 2
    assert one_line_error(out_of(result)) == (
        f"stancegraph: error: {url}: is a URL; stancegraph reads only local files and never "
        "downloads (save the file and give its path)"
    )


# --------------------------------------------------------------------------------------------
# 7. An IRI minted for a kind is of that kind's class


def test_every_minting_kind_has_its_class() -> None:
    kinds = {*validate.SHARED_KINDS, *validate.SOURCE_KINDS, "document"}
    assert kinds <= set(validate.KIND_CLASSES), f"no class for {kinds - set(validate.KIND_CLASSES)}"


KIND_IRIS = [
    *(f"{kind}/nowhere-{kind}" for kind in validate.SHARED_KINDS),
    *(f"{kind}/{KEY}/9001" for kind in validate.SOURCE_KINDS),
    "document/nowhere",
]


@pytest.mark.parametrize("iri", KIND_IRIS)
def test_an_iri_without_its_kinds_class_is_a_violation(
    home: Path, tmp_path: Path, iri: str
) -> None:
    """Before: `claim/...` with only a label and no `a sg:Claim` conformed (no claim shape saw
    it)."""
    kind = iri.split("/")[0]
    path = tmp_path / "untyped.ttl"
    path.write_text(
        PREFIXES + f'\n<https://w3id.org/stancegraph/id/{iri}>\n    rdfs:comment "what"@en .\n',
        encoding="utf-8",
    )
    result = run(home, "validate", "--format", "json", str(path))
    assert result.exit_code == 1, out_of(result)
    (finding,) = [f for f in findings(result) if f["check"] == "iri-kind"]
    expected = " or ".join(validate.shorten(c) for c in validate.KIND_CLASSES[kind])
    assert (finding["focus_label"], finding["file"], finding["line"]) == (iri, str(path), 11)
    assert finding["message"] == (
        f"{iri} is minted as a {kind} (id/{kind}/...) but has no rdf:type: a {kind} IRI names "
        f"a {expected}."
    )


def test_an_iri_of_another_kinds_class_is_a_violation(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "stance.ttl"
    path.write_text(
        PREFIXES + f"<https://w3id.org/stancegraph/id/claim/{KEY}/9001> a sg:Stance .\n",
        encoding="utf-8",
    )
    result = run(home, "validate", "--format", "json", str(path))
    (finding,) = [f for f in findings(result) if f["check"] == "iri-kind"]
    assert finding["message"] == (
        f"claim/{KEY}/9001 is minted as a claim (id/claim/...) but is a sg:Stance: a claim IRI "
        "names a sg:Claim."
    )
    assert finding["fix"].startswith("add `a sg:Claim`")


def test_a_subclass_of_the_kinds_class_is_enough(home: Path, tmp_path: Path) -> None:
    """An organization/ IRI may be a government body (sg:GovernmentBody is an sg:Organization);
    an existing node's type counts too (a contribution adding to existing data)."""
    path = tmp_path / "body.ttl"
    path.write_text(
        PREFIXES + "<https://w3id.org/stancegraph/id/organization/nowhere-ministry> "
        'a sg:GovernmentBody ; rdfs:label "Ministry of Nowhere"@en .\n'
        "<https://w3id.org/stancegraph/id/person/vladimir-putin> "
        'rdfs:comment "more about him"@en .\n',
        encoding="utf-8",
    )
    result = run(home, "validate", "--format", "json", str(path))
    assert "iri-kind" not in {f["check"] for f in findings(result)}, result.stdout


# --------------------------------------------------------------------------------------------
# 8. Long chains of blank nodes


def test_a_3000_link_chain_of_blank_nodes_validates(home: Path, tmp_path: Path) -> None:
    """No brackets, so the depth limit cannot see it; before, `build` overflowed the stack on
    it. validate must finish (generous hang guard) and report the one thing wrong."""
    path = tmp_path / "chain.ttl"
    links = "".join(f"_:b{i} ex:p _:b{i + 1} .\n" for i in range(1, 3000))
    path.write_text(
        PREFIXES + "@prefix ex: <http://example.org/> .\n"
        f"<https://w3id.org/stancegraph/id/claim/{KEY}/9001> ex:p _:b1 .\n" + links,
        encoding="utf-8",
    )
    done = run_guarded(home, "validate", "--engine", "pyshacl", "--format", "json", str(path))
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["nodes"] == 3001
    assert keys(report["findings"]) == {(f"claim/{KEY}/9001", "rdf:type", "iri-kind")}


# --------------------------------------------------------------------------------------------
# What held before and must still hold


def test_shapes_inside_a_contribution_never_run(home: Path, tmp_path: Path) -> None:
    """A contribution cannot switch a shape off (sh:deactivated) or add a shape of its own: the
    shapes are the project's. It is told it may not describe them."""
    path = tmp_path / "shapes.ttl"
    text = (CONTRIBUTIONS / "bad" / "missing-claimant.ttl").read_text(encoding="utf-8")
    path.write_text(
        text + "\n@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix sgsh: <https://w3id.org/stancegraph/shapes#> .\n"
        "sgsh:ClaimShape sh:deactivated true .\n"
        "sgsh:Everything a sh:NodeShape ; sh:targetClass sg:Claim ;\n"
        "    sh:property [ sh:path sg:nothing ; sh:minCount 7 ] .\n",
        encoding="utf-8",
    )
    result = run(home, "validate", "--format", "json", str(path))
    assert result.exit_code == 1
    claim_shape = "sgsh:ClaimShape"  # names.compact: the shapes' prefix, as everywhere
    own_shape = "sgsh:Everything"
    assert keys(findings(result)) == {
        ("claim/rd-syria-iran/9001", "sg:claimant", "MinCount"),
        (claim_shape, "sh:deactivated", "ontology-term"),
        (own_shape, "rdf:type", "ontology-term"),
        (own_shape, "sh:targetClass", "ontology-term"),
        (own_shape, "sh:property", "ontology-term"),
    }


def test_the_real_dataset_conforms_with_the_new_checks() -> None:
    """iri-kind and literal-form hold for the project's own data (CI runs `validate`)."""
    report = validate.validate_dataset(find_project(home=ROOT))
    assert report.conforms, validate.render_text(report)


def test_a_source_key_too_long_for_a_file_name_is_a_finding_not_an_internal_error(
    home: Path, tmp_path: Path
) -> None:
    """Found by scripts/fuzz_cli.py (issue #22): a claim of a source whose key is 300 characters
    long made validate look for seeds/<key>.ttl, a name the file system refuses (ENAMETOOLONG),
    and end in an internal error. No file can have that name: the key names no known source."""
    key = "-".join(["rd-syria-iran"] * 22)
    assert len(key) > 255
    path = tmp_path / "long-key.ttl"
    path.write_text(
        "@prefix sg: <https://w3id.org/stancegraph/ontology#> .\n"
        f"<https://w3id.org/stancegraph/id/claim/{key}/1> a sg:Claim .\n",
        encoding="utf-8",
    )
    result = run(home, "validate", "--format", "json", str(path))
    assert result.exit_code == 1, result.output
    checks = {f["check"] for f in json.loads(result.stdout)["findings"]}
    assert "iri-minting" in checks  # an unknown source key
    assert "internal error" not in result.output
