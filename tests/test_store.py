"""The embedded on-disk store: ``stancegraph load`` without a URL, and ``store.ensure_embedded``."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner, Result

from conftest import MINI, ROOT
from stancegraph import graph, safety, store
from stancegraph.cli import cli
from stancegraph.errors import InputError, StoreError
from stancegraph.sources import HOME_ENV, Project, find_project

COUNT_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"

NEW_CLAIM = """
<https://w3id.org/stancegraph/id/claim/mini/3> a <https://w3id.org/stancegraph/ontology#Claim> .
"""


def copy_mini(tmp_path: Path) -> Project:
    home = tmp_path / "project"
    shutil.copytree(MINI, home, ignore=shutil.ignore_patterns(".stancegraph", "dist"))
    return find_project(home=home)


def add_claim(project: Project) -> None:
    statements = project.root / "data" / "mini" / "statements.ttl"
    statements.write_text(statements.read_text(encoding="utf-8") + NEW_CLAIM, encoding="utf-8")


def expected(project: Project) -> dict[str, int]:
    return {str(k): v for k, v in graph.triple_counts(graph.assemble(project)).items()}


def counts_in(st: pyoxigraph.Store) -> dict[str, int]:
    return {s["g"].value: int(s["n"].value) for s in st.query(COUNT_PER_GRAPH)}  # type: ignore[union-attr,index]


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        cli, list(args), env={HOME_ENV: "", store.STORE_ENV: "", **(env or {})}
    )


def generations(location: Path) -> list[str]:
    return sorted(p.name for p in location.iterdir() if p.is_dir())


@pytest.fixture(autouse=True)
def no_store_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(store.STORE_ENV, raising=False)


# --- where the store lives ------------------------------------------------------------------------


def test_default_location_is_under_the_project_root(tmp_path: Path) -> None:
    project = copy_mini(tmp_path)
    assert store.store_location(project) == project.root / ".stancegraph" / "store"


def test_environment_and_option_override_the_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_mini(tmp_path)
    monkeypatch.setenv(store.STORE_ENV, str(tmp_path / "elsewhere"))
    assert store.store_location(project) == tmp_path / "elsewhere"
    monkeypatch.setenv(store.STORE_ENV, "relative/store")
    assert store.store_location(project) == project.root / "relative" / "store"
    assert store.store_location(project, tmp_path / "opt") == tmp_path / "opt"


# --- load and reuse -------------------------------------------------------------------------------


def test_load_holds_one_named_graph_per_layer(tmp_path: Path) -> None:
    project = copy_mini(tmp_path)
    result = store.load_embedded(project, tmp_path / "st")
    assert result.manifest.graphs == {store.short_name(k): v for k, v in expected(project).items()}
    assert counts_in(store.open_embedded(tmp_path / "st")) == expected(project)


def test_ensure_embedded_reuses_a_fresh_store(tmp_path: Path) -> None:
    project = copy_mini(tmp_path)
    location = tmp_path / "st"
    first = store.load_embedded(project, location)
    st = store.ensure_embedded(project, location)
    assert counts_in(st) == expected(project)
    assert generations(location) == [first.generation.name]  # not reloaded
    assert store.embedded_status(project, location).state == "fresh"


def test_ensure_embedded_reloads_when_the_sources_change(tmp_path: Path) -> None:
    project = copy_mini(tmp_path)
    location = tmp_path / "st"
    first = store.load_embedded(project, location)
    add_claim(project)
    assert store.embedded_status(project, location).state == "stale"
    st = store.ensure_embedded(project, location)
    assert counts_in(st) == expected(project)
    assert generations(location) != [first.generation.name]
    assert len(generations(location)) == 1, "the replaced generation is removed"
    assert store.embedded_status(project, location).state == "fresh"


def test_a_store_of_an_older_layout_is_reloaded(tmp_path: Path) -> None:
    """Issue #7: stores loaded before loads were compacted (layout 1) are loaded again, once."""
    project = copy_mini(tmp_path)
    location = tmp_path / "st"
    first = store.load_embedded(project, location)
    manifest = first.generation / store.MANIFEST
    old = store.Manifest.read(manifest)
    assert old is not None and old.layout == store.LAYOUT_VERSION >= 2
    manifest.write_text(old.to_json().replace(f'"layout": {old.layout}', '"layout": 1'))
    assert store.embedded_status(project, location).state == "stale"
    st = store.ensure_embedded(project, location)
    assert counts_in(st) == expected(project)
    assert generations(location) != [first.generation.name]
    assert store.embedded_status(project, location).state == "fresh"


PARAPHRASE_OF_CLAIM_2 = """\
PREFIX sg: <https://w3id.org/stancegraph/ontology#>
SELECT ?text WHERE { <https://w3id.org/stancegraph/id/claim/mini/2> sg:paraphrase ?text }
"""


def test_a_query_after_a_same_size_edit_sees_the_new_data(tmp_path: Path) -> None:
    """Issue #15: an edit that keeps a file's size (offsets rewritten by
    ``scripts/anchor_offsets.py --write``, a word for a word of the same length) must reload the
    store, or queries read the old data. The file's modification time is put back as it was, as
    a checkout or a coarse clock can leave it: only the bytes tell the edit."""
    project = copy_mini(tmp_path)
    root = str(project.root)
    query = tmp_path / "paraphrase.rq"
    query.write_text(PARAPHRASE_OF_CLAIM_2, encoding="utf-8")
    loaded = run("--home", root, "load")
    assert loaded.exit_code == 0, loaded.output
    before = run("--home", root, "query", "--file", str(query), "--format", "csv")
    assert before.exit_code == 0, before.output
    assert before.stdout.splitlines() == ["text", "It will last."]

    statements = project.root / "data" / "mini" / "statements.ttl"
    stat = statements.stat()
    text = statements.read_text(encoding="utf-8")
    assert text.count('"It will last."') == 1
    statements.write_text(text.replace('"It will last."', '"It will hold."'), encoding="utf-8")
    os.utime(statements, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert statements.stat().st_size == stat.st_size

    after = run("--home", root, "query", "--file", str(query), "--format", "csv")
    assert after.exit_code == 0, after.output
    assert after.stdout.splitlines() == ["text", "It will hold."], "the query read a stale store"
    assert "up to date" in run("--home", root, "info").output


def test_ensure_embedded_loads_a_missing_store(tmp_path: Path) -> None:
    project = copy_mini(tmp_path)
    st = store.ensure_embedded(project, tmp_path / "new" / "store")
    assert counts_in(st) == expected(project)


def test_a_store_open_for_reading_survives_a_reload(tmp_path: Path) -> None:
    project = copy_mini(tmp_path)
    location = tmp_path / "st"
    store.load_embedded(project, location)
    reader = store.open_embedded(location)
    before = counts_in(reader)
    add_claim(project)
    store.load_embedded(project, location)
    assert counts_in(reader) == before
    assert counts_in(store.open_embedded(location)) == expected(project)


def test_a_folder_that_is_not_ours_is_left_alone(tmp_path: Path) -> None:
    project = copy_mini(tmp_path)
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(StoreError, match="not a stancegraph store"):
        store.load_embedded(project, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


# --- nothing lost ---------------------------------------------------------------------------------


def test_a_failure_mid_load_keeps_the_previous_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Disk full on the third graph: the old generation stays current and readable."""
    project = copy_mini(tmp_path)
    location = tmp_path / "st"
    store.load_embedded(project, location)
    before = counts_in(store.open_embedded(location))
    add_claim(project)

    class DiskFull(store.Listener):
        seen = 0

        def started(self, item: store.GraphPlan) -> None:
            self.seen += 1
            if self.seen == 3:
                raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(StoreError, match=r"No space left on device.*previous store is unchanged"):
        store.load_embedded(project, location, listener=DiskFull())
    assert counts_in(store.open_embedded(location)) == before
    assert len(generations(location)) == 1, "the unfinished generation is removed"
    store.load_embedded(project, location)  # a rerun completes
    assert counts_in(store.open_embedded(location)) == expected(project)


#: The command line, with a load that stops for a minute after writing its first batch of graphs
#: into the new generation (so that the test can kill it there): ``store._batches`` wrapped.
PAUSING_LOADER = """
import sys, time
from stancegraph import store
from stancegraph.cli import main

batches = store._batches


def paused(items):
    for batch in batches(items):
        yield batch
        print("stancegraph: paused after loading", batch[0].name, file=sys.stderr, flush=True)
        time.sleep(60)


store._batches = paused
main()
"""


def test_a_killed_load_leaves_the_previous_store_readable(tmp_path: Path) -> None:
    project = copy_mini(tmp_path)
    location = tmp_path / "st"
    store.load_embedded(project, location)
    before = counts_in(store.open_embedded(location))
    add_claim(project)

    env = {**os.environ, HOME_ENV: str(project.root)}
    loader = subprocess.Popen(
        [sys.executable, "-c", PAUSING_LOADER, "load", "--store", str(location)],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert loader.stderr is not None
        seen = []
        for line in loader.stderr:  # the loader pauses after its first graph
            seen.append(line)
            if "paused after loading" in line:
                break
        assert "paused after loading ontology" in seen[-1], "".join(seen)
        loader.send_signal(signal.SIGKILL)
        loader.wait(timeout=30)
    finally:
        if loader.poll() is None:
            loader.kill()
            loader.wait()
    assert loader.returncode == -signal.SIGKILL
    assert any(name.startswith("loading-") for name in generations(location))
    assert counts_in(store.open_embedded(location)) == before
    assert store.embedded_status(project, location).state == "stale"

    result = run("--home", str(project.root), "load", "--store", str(location))
    assert result.exit_code == 0, result.output
    assert counts_in(store.open_embedded(location)) == expected(project)
    assert len(generations(location)) == 1, "the killed load's leftovers are removed"


def test_two_loads_at_once_both_finish(tmp_path: Path) -> None:
    project = copy_mini(tmp_path)
    location = tmp_path / "st"
    env = {**os.environ, HOME_ENV: str(project.root)}
    code = "from stancegraph.cli import main; main()"
    loaders = [
        subprocess.Popen(
            [sys.executable, "-c", code, "load", "--store", str(location)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    deadline = time.monotonic() + 120
    for loader in loaders:
        _, err = loader.communicate(timeout=max(1, deadline - time.monotonic()))
        assert loader.returncode == 0, err
    assert counts_in(store.open_embedded(location)) == expected(project)
    assert len(generations(location)) == 1


# --- command line ---------------------------------------------------------------------------------


def test_load_project_reports_each_graph_and_what_the_store_holds(tmp_path: Path) -> None:
    """What `stancegraph load` prints comes from store.load_project, not from the CLI."""
    project = copy_mini(tmp_path)
    counts = [(store.short_name(k), v) for k, v in expected(project).items()]
    dry = store.load_project(project, tmp_path / "st", dry_run=True)
    assert [(g.name, g.triples, g.requests, g.in_store) for g in dry.graphs] == [
        (name, n, None, None) for name, n in counts
    ]
    assert dry.dry_run and dry.triples == sum(n for _, n in counts)
    assert dry.destination.endswith("not loaded yet (run 'stancegraph load')")
    assert not (tmp_path / "st").exists()

    report = store.load_project(project, tmp_path / "st")
    assert [(g.name, g.triples, g.in_store) for g in report.graphs] == [
        (name, n, n) for name, n in counts
    ]
    (generation,) = generations(tmp_path / "st")
    assert report.destination == f"embedded store {tmp_path / 'st'} ({generation})"
    assert not report.dry_run and not report.prune


def test_cli_load_reports_each_graph_and_info_shows_the_store(tmp_path: Path) -> None:
    project = copy_mini(tmp_path)
    info = run("--home", str(project.root), "info")
    assert info.exit_code == 0, info.output
    location = project.root / ".stancegraph" / "store"
    assert "not loaded yet" in info.output

    result = run("--home", str(project.root), "load")
    assert result.exit_code == 0, result.output
    for name, n in expected(project).items():
        assert store.short_name(name) in result.output
        assert str(n) in result.output
    assert counts_in(store.open_embedded(location)) == expected(project)

    info = run("--home", str(project.root), "info")
    assert "up to date" in info.output
    assert str(location) in info.output.replace("\n", "")
    add_claim(project)
    assert "stale" in run("--home", str(project.root), "info").output


def test_cli_load_honours_the_store_environment(tmp_path: Path) -> None:
    project = copy_mini(tmp_path)
    location = tmp_path / "from-env"
    result = run("--home", str(project.root), "load", env={store.STORE_ENV: str(location)})
    assert result.exit_code == 0, result.output
    assert counts_in(store.open_embedded(location)) == expected(project)


def test_cli_dry_run_changes_nothing(tmp_path: Path) -> None:
    project = copy_mini(tmp_path)
    location = tmp_path / "st"
    result = run("--home", str(project.root), "load", "--store", str(location), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output
    assert "source/mini" in result.output
    assert not location.exists()


def test_cli_load_shows_a_page_of_the_graphs_and_counts_them_all(tmp_path: Path) -> None:
    """Issue #19: a corpus has a graph per source, so `load` tables a page of them (--limit,
    --offset), says which rows of how many, and still loads and totals every graph."""
    project = copy_mini(tmp_path)
    location = tmp_path / "st"
    names = [store.short_name(n) for n in expected(project)]
    total = sum(expected(project).values())
    result = run(
        "--home",
        str(project.root),
        "load",
        "--store",
        str(location),
        "--limit",
        "2",
        "--offset",
        "1",
    )
    assert result.exit_code == 0, result.output
    assert f"Loaded {len(names)} graphs, {total} triples" in result.output
    table = result.output.split("in store", 1)[1]
    shown = [n for n in names if f"\n{n} " in table]
    assert shown == names[1:3]
    more = len(names) - 3
    assert f"rows 2-3 of {len(names)}; {more} more row{'' if more == 1 else 's'}" in result.output
    assert counts_in(store.open_embedded(location)) == expected(project)

    dry = run(
        "--home", str(project.root), "load", "--store", str(location), "--dry-run", "--limit", "1"
    )
    assert dry.exit_code == 0, dry.output
    assert f"rows 1-1 of {len(names)}" in dry.output


def test_cli_load_names_a_broken_file_and_its_line_as_validate_does(tmp_path: Path) -> None:
    """Issue #15: the store parsed with a pipeline of its own, whose message had no Turtle, a
    parser's "Parser error at line 18 column 9" and a column off the token. It now parses
    through safety's one pipeline: `load` says what `validate` says, in one line, and loads
    nothing."""
    project = copy_mini(tmp_path)
    bad = project.root / "data" / "mini" / "statements.ttl"
    bad.write_text(bad.read_text(encoding="utf-8") + "\n<x> <y> .\n", encoding="utf-8")
    last = len(bad.read_text(encoding="utf-8").splitlines())
    location = tmp_path / "st"
    loaded = run("--home", str(project.root), "load", "--store", str(location))
    validated = run("--home", str(project.root), "validate")
    assert loaded.exit_code == validated.exit_code == 2
    assert loaded.stderr == validated.stderr
    assert loaded.stderr == (
        f"stancegraph: error: {bad}:{last}:9: Turtle syntax error: . is not a valid RDF object\n"
    )
    assert loaded.stdout == ""
    assert not location.exists() or generations(location) == []


def test_cli_foreign_folder_is_one_line_exit_2(tmp_path: Path) -> None:
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    result = run("--home", str(MINI), "load", "--store", str(folder))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stancegraph: error: ")
    assert "not a stancegraph store" in lines[0]


def test_cli_store_and_remote_options_do_not_mix(tmp_path: Path) -> None:
    result = run(
        "--home", str(MINI), "load", "--store", str(tmp_path), "--graph-store", "http://x/store"
    )
    assert result.exit_code == 2
    assert "stancegraph: error: " in result.stderr


# --- a store that cannot be written (issue #22) ---------------------------------------------------

CLAIM_BY_PETROV = """
<https://w3id.org/stancegraph/id/claim/mini/3> a <https://w3id.org/stancegraph/ontology#Claim> ;
    <https://w3id.org/stancegraph/ontology#assertedBy>
        <https://w3id.org/stancegraph/id/person/ivan-petrov> .
"""
ID = "https://w3id.org/stancegraph/id/"
#: The answer of claims-by-actor (CSV; the runner reads its line ends as newlines).
OLD_ANSWER = f"claim,actor\n{ID}claim/mini/1,{ID}government/russia\n"
NEW_ANSWER = OLD_ANSWER + f"{ID}claim/mini/3,{ID}person/ivan-petrov\n"


def loaded_then_changed(tmp_path: Path) -> tuple[Project, Path]:
    """The mini project loaded into its embedded store, then given a claim by Ivan Petrov."""
    project = copy_mini(tmp_path)
    assert run("--home", str(project.root), "load").exit_code == 0
    statements = project.root / "data" / "mini" / "statements.ttl"
    statements.write_text(statements.read_text(encoding="utf-8") + CLAIM_BY_PETROV, "utf-8")
    return project, store.store_location(project)


def stale_warning(location: Path, reason: str) -> str:
    return (
        f"stancegraph: warning: {location}: the store is older than the files, and reloading "
        f"it failed ({reason}); answering from the store as it was last loaded\n"
    )


def test_a_reload_on_a_full_disk_leaves_query_answering_from_the_previous_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #22: after a reload that failed part way (the disk full when the new generation's
    manifest is written), ``query`` exited 2 although the previous store was intact. Now it
    answers from it, with one line saying that the store is older than the files and why; once
    the disk has room, the next query reloads and answers from the new files."""
    project, location = loaded_then_changed(tmp_path)

    def disk_full(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(store, "_write_file", disk_full)
    loaded = run("--home", str(project.root), "load")
    assert loaded.exit_code == 2
    assert loaded.stderr == (
        f"stancegraph: error: {location}: loading the embedded store failed "
        "(No space left on device); the previous store is unchanged\n"
    )
    answered = run("--home", str(project.root), "query", "claims-by-actor", "--format", "csv")
    assert answered.exit_code == 0, answered.output
    assert answered.stderr == stale_warning(location, "No space left on device")
    assert answered.stdout == OLD_ANSWER
    assert len(generations(location)) == 1, "the failed reload left nothing behind"

    monkeypatch.undo()
    answered = run("--home", str(project.root), "query", "claims-by-actor", "--format", "csv")
    assert (answered.exit_code, answered.stderr, answered.stdout) == (0, "", NEW_ANSWER)


def test_a_broken_file_still_fails_the_query_rather_than_answer_from_the_old_store(
    tmp_path: Path,
) -> None:
    """Only a store that cannot be written is used as it is: a contribution that does not
    parse is an error to see, not something to answer around."""
    project, _ = loaded_then_changed(tmp_path)
    (project.root / "data" / "mini" / "broken.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    answered = run("--home", str(project.root), "query", "claims-by-actor")
    assert answered.exit_code == 2
    assert answered.stderr.startswith("stancegraph: error: ")
    assert "broken.ttl" in answered.stderr and "warning" not in answered.stderr


def read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every attempt to write the store fails as on a read-only file system: opening the lock
    (its first write), and creating a folder (for a store not there yet). Reading works. (Tests
    may run as root, whom chmod does not stop; the next test uses a read-only mount.)"""
    real_open, real_mkdir = open, Path.mkdir

    def refuse(path: object) -> OSError:
        return OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    def opening(path: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if any(flag in mode for flag in "wax+"):
            raise refuse(path)
        return real_open(path, mode, *args, **kwargs)  # type: ignore[call-overload]

    def making(self: Path, *args: object, **kwargs: object) -> None:
        if not self.is_dir():
            raise refuse(self)
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "open", opening, raising=False)
    monkeypatch.setattr(Path, "mkdir", making)


def test_a_read_only_store_is_one_line_for_load_and_still_answers_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #22: a read-only store gave "internal error: OSError: [Errno 30] ... .lock". Now
    ``load`` says in one line that the store folder cannot be written (exit 2); ``query`` on the
    store answers, up to date or not (then with the warning), since it only needs to read."""
    project = copy_mini(tmp_path)
    home = str(project.root)
    assert run("--home", home, "load").exit_code == 0
    location = store.store_location(project)
    read_only(monkeypatch)
    answered = run("--home", home, "query", "claims-by-actor", "--format", "csv")
    assert (answered.exit_code, answered.stderr, answered.stdout) == (0, "", OLD_ANSWER)

    statements = project.root / "data" / "mini" / "statements.ttl"
    with statements.open("a", encoding="utf-8") as fh:  # the project itself is writable
        fh.write(CLAIM_BY_PETROV)
    loaded = run("--home", home, "load")
    assert loaded.exit_code == 2
    assert loaded.stderr == (
        f"stancegraph: error: {location}: cannot write the embedded store: Read-only file system\n"
    )
    answered = run("--home", home, "query", "claims-by-actor", "--format", "csv")
    assert answered.exit_code == 0, answered.output
    assert answered.stderr == stale_warning(location, "Read-only file system")
    assert answered.stdout == OLD_ANSWER


def test_a_store_that_cannot_be_created_is_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No store yet, and none can be made: nothing to answer from, so exit 2, one line."""
    project = copy_mini(tmp_path)
    location = store.store_location(project)
    read_only(monkeypatch)
    for command in (["load"], ["query", "claims-by-actor"]):
        result = run("--home", str(project.root), *command)
        assert result.exit_code == 2, command
        assert result.stderr == (
            f"stancegraph: error: {location}: cannot create the store folder: "
            "Read-only file system\n"
        ), command


#: Mounts "$1" read-only in a mount namespace of the command's own (nothing else sees it), then
#: runs the rest of the arguments.
READ_ONLY_MOUNT = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && shift && "$@"'


def read_only_mount(folder: Path, *command: str) -> subprocess.CompletedProcess[str]:
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare is not installed (apt-get install util-linux)")
    return subprocess.run(
        [unshare, "-rm", "sh", "-c", READ_ONLY_MOUNT, "sh", str(folder), *command],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_on_a_read_only_mount_query_answers_and_load_says_why_not(tmp_path: Path) -> None:
    """The same, for real: the store folder mounted read-only (where user namespaces allow)."""
    probe = tmp_path / "probe"
    probe.mkdir()
    if read_only_mount(probe, "true").returncode != 0:
        pytest.skip("cannot mount read-only here (no user namespaces)")
    project, location = loaded_then_changed(tmp_path)
    cli_ = [sys.executable, "-c", "from stancegraph.cli import main; main()"]
    home = ["--home", str(project.root)]
    query = read_only_mount(location, *cli_, *home, "query", "claims-by-actor", "--format", "csv")
    assert query.returncode == 0, query.stderr
    assert query.stderr == stale_warning(location, "Read-only file system")
    assert query.stdout.replace("\r\n", "\n") == OLD_ANSWER
    load = read_only_mount(location, *cli_, *home, "load")
    assert load.returncode == 2
    assert load.stderr == (
        f"stancegraph: error: {location}: cannot write the embedded store: Read-only file system\n"
    )


def test_info_reads_what_load_recorded_and_says_the_same(tmp_path: Path) -> None:
    """``info`` after a load reads the counts the load recorded (issue #19); what it reports is
    what assembling the files in rdflib reports, and stays so when the manifest holds no
    summary (a store loaded before: counted from the store)."""
    project = copy_mini(tmp_path)
    from_files = graph.summarize(project)
    assert store.recorded_summary(project) is None, "no store yet: info reads the files"
    result = store.load_embedded(project)
    assert result.manifest.summary is not None
    assert result.manifest.summary["entities"] == from_files.entities
    assert store.recorded_summary(project) == from_files
    manifest = result.generation / store.MANIFEST
    bare = store.Manifest(fingerprint=result.manifest.fingerprint, graphs=result.manifest.graphs)
    manifest.write_text(bare.to_json(), encoding="utf-8")
    assert store.recorded_summary(project) == from_files
    add_claim(project)
    assert store.recorded_summary(project) is None, "a stale store is not read"


def test_info_without_a_fresh_store_reads_the_files_graph_by_graph(
    tmp_path: Path, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #19: with the store missing or stale, ``info`` read the corpus assembled in rdflib
    (10M triples do not fit in 4 GB); now each graph's files are read into a small pyoxigraph
    store, and it reports what the assembled dataset reports, on the mini project (an actor
    typed in two graphs counted once), the checkout, and the mini project made stale."""
    mini = copy_mini(tmp_path)
    stale = copy_mini(tmp_path / "stale")
    store.load_embedded(stale)
    add_claim(stale)
    for each in (mini, project, stale):
        whole = graph.summarize(each, graph.assemble(each))
        assert graph.summarize_files(each) == whole
    want = graph.summarize(stale, graph.assemble(stale))

    def refuse(*_args: object) -> None:
        raise AssertionError("info assembled the corpus in rdflib")

    monkeypatch.setattr(graph, "assemble", refuse)
    assert graph.summarize(stale) == want
    result = CliRunner().invoke(cli, ["--home", str(stale.root), "info"])
    assert result.exit_code == 0, result.output + result.stderr
    assert "stale" in result.output


def test_a_load_parses_one_graph_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The load of the project holds a batch of graphs, never the corpus: each graph is parsed
    when its batch fills, and a batch is sent before the next graph is parsed (here batches of
    one graph)."""
    project = copy_mini(tmp_path)
    order: list[str] = []
    read = store.read_layer

    def noted(layer: store.LayerFiles) -> store.LoadedGraph:
        order.append(f"parse {layer.name}")
        return read(layer)

    class Noting(store.Listener):
        def started(self, item: store.GraphPlan) -> None:
            order.append(f"send {item.name}")

    monkeypatch.setattr(store, "read_layer", noted)
    monkeypatch.setattr(store, "BATCH_QUADS", 1)
    report = store.load_project(project, listener=Noting())
    names = [
        str(k).removeprefix(graph.GRAPH_BASE) for k in graph.triple_counts(graph.assemble(project))
    ]
    assert order == [step for name in names for step in (f"parse {name}", f"send {name}")]
    assert counts_in(store.open_embedded(store.store_location(project))) == expected(project)
    assert {g.name: (g.triples, g.in_store) for g in report.graphs} == {
        n: (c, c) for n, c in expected(project).items() for n in [n.removeprefix(graph.GRAPH_BASE)]
    }


def test_a_summary_not_as_written_is_counted_again(tmp_path: Path) -> None:
    project = copy_mini(tmp_path)
    from_files = graph.summarize(project)
    result = store.load_embedded(project)
    manifest = result.generation / store.MANIFEST
    broken = store.Manifest(
        fingerprint=result.manifest.fingerprint,
        graphs=result.manifest.graphs,
        summary={"entities": {"claims": "many"}, "sources": []},
    )
    manifest.write_text(broken.to_json(), encoding="utf-8")
    assert store.recorded_summary(project) == from_files


# --- the project's files, read by pyoxigraph straight into a store (issue #19) ------------------


def canonical(quads: object) -> set[pyoxigraph.Quad]:
    """``quads`` with their blank nodes labelled canonically (RDFC-1.0), as a set."""
    dataset = pyoxigraph.Dataset(quads)  # type: ignore[arg-type]
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    return set(dataset)


def test_the_store_reader_holds_what_the_quad_parser_holds_on_the_real_data() -> None:
    """read_layer (pyoxigraph parses into an in-memory store) and parse_layer (a Python object
    per quad, the reader before issue #19) hold the same quads in every graph of the real data,
    up to the labels of blank nodes."""
    layers = store.layer_plan(find_project(home=ROOT))
    assert len(layers) >= 5
    for layer in layers:
        fast, slow = store.read_layer(layer), store.parse_layer(layer)
        assert fast.triples == slow.triples, layer.name
        assert canonical(fast.store) == canonical(slow.quads), layer.name


def test_two_files_with_the_same_blank_node_label_hold_two_nodes(tmp_path: Path) -> None:
    project = copy_mini(tmp_path)
    for name, value in (("a.ttl", "one"), ("b.ttl", "two")):
        (project.root / "data" / "mini" / name).write_text(
            f'_:same <http://e/said> "{value}" .\n', encoding="utf-8"
        )
    store.load_embedded(project)
    said = list(
        store.open_embedded(store.store_location(project)).quads_for_pattern(
            None, pyoxigraph.NamedNode("http://e/said"), None
        )
    )
    assert sorted(q.object.value for q in said) == ["one", "two"]
    assert len({q.subject for q in said}) == 2


@pytest.mark.parametrize(
    "bad",
    [
        "<http://e/s> <http://e/p> <<( <http://e/a> <http://e/b> <http://e/c> )>> .\n",
        "<http://e/a> <http://e/b> <http://e/c> ~ <http://e/r> .\n",
        '<http://e/a> <http://e/b> "x"@en--ltr .\n',
        "<x> <y> .\n",
    ],
    ids=["triple-term", "reifier", "directional", "syntax"],
)
def test_a_refused_file_gives_the_parsers_error_and_keeps_the_previous_store(
    tmp_path: Path, bad: str
) -> None:
    """What pyoxigraph would load but the project refuses, and a syntax error, far into the
    biggest file: the error parse_file_quads gives (file, line, column), and the store as it was."""
    project = copy_mini(tmp_path)
    location = tmp_path / "st"
    store.load_embedded(project, location)
    before = counts_in(store.open_embedded(location))
    statements = project.root / "data" / "mini" / "statements.ttl"
    statements.write_text(statements.read_text(encoding="utf-8") + bad, encoding="utf-8")
    with pytest.raises(InputError) as expected:
        safety.parse_file_quads(statements, pyoxigraph.NamedNode("https://e/g"))
    with pytest.raises(InputError) as caught:
        store.load_embedded(project, location)
    assert str(caught.value) == str(expected.value)
    assert counts_in(store.open_embedded(location)) == before
    assert len(generations(location)) == 1
