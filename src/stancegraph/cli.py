"""The ``stancegraph`` command line: argument parsing and output only.

Each subcommand is a few lines: find the project, call the one module that does the work, print
what it returns. Errors are the modules' typed errors (:mod:`stancegraph.errors`); the group below
turns every one of them into a single line on stderr, ``stancegraph: error: ...``, and its exit
code (1 findings, 2 unusable input), with a traceback only under ``--debug``.

To add a subcommand::

    @cli.command()
    @click.argument("name")
    @click.pass_obj
    def query(state: State, name: str) -> None:
        \"\"\"Run the saved query NAME.\"\"\"
        from stancegraph import queries

        print_table(queries.run(state.project(), name))
"""

from __future__ import annotations

import contextlib
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click
from rich import box
from rich.console import Console
from rich.table import Table

from stancegraph import __version__, names
from stancegraph.errors import EXIT_UNUSABLE, FindingsError, StancegraphError
from stancegraph.sources import HOME_ENV, Project, find_project

if TYPE_CHECKING:
    from stancegraph.isolation import Child
    from stancegraph.store import LoadReport

PROG = "stancegraph"

console = Console(highlight=False, soft_wrap=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class State:
    """Options of the group, handed to every subcommand with ``@click.pass_obj``."""

    debug: bool = False
    home: str | None = None
    max_bytes: int | None = None
    max_depth: int | None = None

    def project(self) -> Project:
        return find_project(self.home)


#: Rows a query's table shows unless --limit says otherwise (csv, tsv and json give them all).
TABLE_LIMIT = 50


def page_options(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--limit (default :data:`TABLE_LIMIT`) and --offset for a command that lists a page of
    ``what`` (issue #19: every listing pages)."""

    def wrap(command: Callable[..., Any]) -> Callable[..., Any]:
        command = click.option(
            "--offset",
            type=click.IntRange(min=0),
            default=0,
            metavar="N",
            help=f"Skip the first N {what.split()[0]}.",
        )(command)
        return click.option(
            "--limit",
            type=click.IntRange(min=0),
            default=TABLE_LIMIT,
            show_default=True,
            metavar="N",
            help=f"At most N {what}.",
        )(command)

    return wrap


@dataclass(frozen=True)
class TableView:
    """How ``query`` shows an answer as a table: --wide, --no-trunc, --limit, --offset."""

    wide: bool = False
    no_trunc: bool = False
    limit: int | None = TABLE_LIMIT
    offset: int = 0


def report(message: str) -> None:
    """Print the one-line error message on stderr."""
    click.echo(f"{PROG}: error: {message}", err=True)


def report_exception(exc: Exception, debug: bool = False) -> int:
    """Report ``exc`` in one line on stderr (after its traceback under --debug); its exit code.

    A :class:`StancegraphError` is reported as its message with its own exit code; anything else
    is a bug, still one line, with exit code 2. A :class:`FindingsError` is how findings leave
    every command (exit 1): its line, if it has one, and no traceback, since nothing went wrong
    in stancegraph.
    """
    if isinstance(exc, FindingsError):
        if exc.message:
            report(exc.message)
        return exc.exit_code
    if debug:
        traceback.print_exception(exc)
    if isinstance(exc, StancegraphError):
        report(str(exc))
        return exc.exit_code
    if isinstance(exc, click.ClickException):
        report(exc.format_message())
        return exc.exit_code
    report(f"internal error: {type(exc).__name__}: {exc} (--debug shows the traceback)")
    return EXIT_UNUSABLE


@contextlib.contextmanager
def warnings_as_lines() -> Iterator[None]:
    """Show the warnings stancegraph's modules give (``store.StaleStoreWarning``...) as one line
    on stderr, ``stancegraph: warning: ...``; other warnings as Python shows them."""
    with warnings.catch_warnings():
        python_shows = warnings.showwarning

        def show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: Any = None,
            line: str | None = None,
        ) -> None:
            if category.__module__.startswith(f"{PROG}."):
                click.echo(f"{PROG}: warning: {message}", err=True)
            else:
                python_shows(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield


#: Options that, when given, are the user asking for the network: a SERVICE clause, or a remote
#: endpoint or store URL. Every other command runs with the network guard on (issue #8).
NETWORK_OPTIONS = ("allow_service", "endpoint", "graph_store", "update_url", "query_endpoint")


def _guarded(command: click.Command) -> click.Command:
    """Run ``command`` inside :func:`stancegraph.isolation.network_guard`.

    The network stays shut unless one of :data:`NETWORK_OPTIONS` was given; ``--max-bytes`` and
    ``--max-depth`` of the group apply for the whole command.
    """
    from stancegraph import isolation, safety

    inner = command.invoke

    def invoke(ctx: click.Context) -> Any:
        allow = any(ctx.params.get(option) for option in NETWORK_OPTIONS)
        state = ctx.find_object(State) or State()
        with (
            safety.limits(max_bytes=state.max_bytes, max_depth=state.max_depth),
            isolation.network_guard(allow=allow),
        ):
            return inner(ctx)

    command.invoke = invoke  # type: ignore[method-assign]
    return command


class StancegraphGroup(click.Group):
    """A click group whose errors are one line on stderr, never a traceback (unless --debug).

    Every subcommand runs with the network guard on (see :func:`_guarded`).
    """

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        super().add_command(_guarded(cmd), name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with warnings_as_lines():
                return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            ctx.exit(report_exception(exc, bool(ctx.params.get("debug"))))

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            rv = super().main(args, prog_name or PROG, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:  # usage errors: one line, not the usage block
            where = exc.ctx.command_path if getattr(exc, "ctx", None) is not None else PROG
            hint = f" (see '{where} --help')" if isinstance(exc, click.UsageError) else ""
            report(f"{exc.format_message()}{hint}")
            rv = exc.exit_code
        except click.Abort:  # also Ctrl-C
            report("aborted")
            rv = 130
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(
    name=PROG, cls=StancegraphGroup, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option("--debug", is_flag=True, help="Show a traceback when something goes wrong.")
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    envvar=HOME_ENV,
    show_envvar=True,
    help="The project folder (default: found from the current directory).",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    metavar="BYTES",
    help="Refuse any input file larger than this (default: $STANCEGRAPH_MAX_BYTES, else 50 MiB).",
)
@click.option(
    "--max-depth",
    type=click.IntRange(min=1),
    metavar="N",
    help="Refuse RDF (Turtle, TriG, N-Triples, N-Quads, JSON-LD, RDF/XML) or SPARQL nested "
    "deeper than N levels (default: $STANCEGRAPH_MAX_DEPTH, else 64).",
)
@click.version_option(__version__, "--version", prog_name=PROG)
@click.pass_context
def cli(
    ctx: click.Context,
    debug: bool,
    home: str | None,
    max_bytes: int | None = None,
    max_depth: int | None = None,
) -> None:
    """stancegraph: a knowledge graph of actors, claims and stances.

    Exit codes: 0 ok, 1 findings, 2 unusable input.
    """
    ctx.obj = State(debug=debug, home=home, max_bytes=max_bytes, max_depth=max_depth)


@cli.command()
@click.pass_obj
def info(state: State) -> None:
    """Print the ontology version, the sources, and counts of triples and entities.

    Read from what 'load' recorded while the embedded store holds the current files (fast at
    any size), else from the files.
    """
    show_info(state.project())


def show_info(project: Project, dataset: Any = None) -> None:
    """What ``info`` prints; ``dataset``: the project already assembled, if it is."""
    from stancegraph import graph
    from stancegraph import store as store_module

    # From what 'load' recorded when the store is up to date (seconds at 10M triples, where
    # assembling the corpus in rdflib took minutes: issue #19), else from the files.
    with work_progress("reading what 'load' recorded") as steps:
        summary = store_module.recorded_summary(project) if dataset is None else None
        if summary is None:
            steps.step("reading the files (run 'stancegraph load' to make this fast)")
            summary = graph.summarize(project, dataset)
    version = summary.ontology_version or "(no owl:versionInfo)"
    console.print(f"[bold]stancegraph[/bold] {__version__}, project {summary.root}")
    console.print(f"ontology {summary.ontology_iri or '(no owl:Ontology)'}, version {version}")
    console.print(store_module.embedded_status(project).describe())

    sources = new_table("key", "title", "publisher", "characters")
    for src in summary.sources:
        count = f"{src.characters} (text withheld)" if src.withheld else str(src.characters)
        sources.add_row(src.key, src.title or "-", src.publisher or "-", count)
    print_table("Sources", sources)

    triples = new_table("graph", "triples")
    for iri, count in summary.triples.items():
        triples.add_row(str(iri).removeprefix(graph.GRAPH_BASE), str(count))
    triples.rows[-1].end_section = True
    triples.add_row("all graphs", str(sum(summary.triples.values())))
    print_table(f"Triples per named graph ({graph.GRAPH_BASE}<graph>)", triples)

    entities = new_table("kind", "count")
    for kind, count in summary.entities.items():
        entities.add_row(kind, str(count))
    print_table("Entities in the data", entities)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "turtle"]),
    default="text",
    show_default=True,
    help="text (grouped by node), json, or turtle (the W3C SHACL validation report).",
)
@click.option(
    "--engine",
    type=click.Choice(["auto", "pyshacl", "jena"]),
    default="auto",
    show_default=True,
    help="The SHACL engine: pySHACL (the reference), Apache Jena (fast on large data; needs "
    "Java and Jena), or auto: Jena from 50,000 triples on when it can run here, else pySHACL.",
)
@click.option(
    "--texts",
    type=click.Path(),
    metavar="DIR",
    help="Your copies of withheld texts, as DIR/<key>.txt: the anchors into each are checked "
    "against it once its SHA-256 matches the description (a wrong copy is exit 2). Without "
    "a copy, validate warns and lists the anchors it could not verify.",
)
@click.pass_obj
def validate(
    state: State, paths: tuple[str, ...], fmt: str, engine: str, texts: str | None
) -> None:
    """Check the whole dataset, or the contribution in PATHS (files or folders).

    A contribution is checked with the ontology and the existing data it refers to; only findings
    about its own nodes are reported. Both engines give the same findings (the tests hold Jena to
    pySHACL); the summary names the one that ran. Exit 0 conforms (warnings allowed),
    1 violations, 2 input that cannot be read or an engine that cannot run.

    A dataset of more than 40 MB of data files ($STANCEGRAPH_BATCH_BYTES) is validated in
    batches of whole sources, each with the existing data it references, so that memory stays
    bounded; the report is the same as the whole graph's.
    """
    project = state.project()
    if paths:
        with work_progress("validating the contribution"):
            from stancegraph import validate as validation  # (said first: it takes a moment)

            result = validation.validate_contribution(project, paths, engine=engine, texts=texts)
    else:
        with work_progress("validating the dataset") as steps:
            from stancegraph import validate as validation

            result = validation.validate_dataset(
                project,
                engine=engine,
                texts=texts,
                progress=steps.batches("validating the dataset"),
            )
    if fmt == "json":
        click.echo(validation.to_json(result))
    elif fmt == "turtle":
        click.echo(validation.to_turtle(result))
    else:
        click.echo(validation.render_text(result))
    if not result.conforms:
        raise FindingsError()


@cli.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Where to write the files (default: dist/ in the project).",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="Where the files will be published; adds a dcat:downloadURL to each distribution.",
)
@click.pass_obj
def build(state: State, out: str | None, base_url: str | None) -> None:
    """Write the dataset to dist/: TriG, N-Quads, Turtle, JSON-LD, VoID/DCAT and SHA256SUMS.

    The same sources always give byte-identical files. All or nothing: the files are written
    into a new folder beside dist/, swapped in whole when complete, so dist/ always holds one
    complete set, the old or the new (other files in dist/ are kept).
    """
    show_build(state.project(), out, base_url)


def show_build(
    project: Project, out: str | None = None, base_url: str | None = None, dataset: Any = None
) -> None:
    """Build, and print what ``build`` prints; ``dataset``: the project already assembled."""
    from stancegraph import build as build_module

    with work_progress("building") as steps:
        result = build_module.build(project, out, base_url=base_url, source=dataset, progress=steps)
    table = new_table("file", "bytes", "sha256")
    for built in result.files:
        table.add_row(built.name, str(built.size), built.sha256[:16] + "…")
    total = sum(result.triples.values())
    print_table(f"Wrote {result.out_dir} ({len(result.triples)} graphs, {total} triples)", table)


@cli.command()
@click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="The embedded store's folder (default: $STANCEGRAPH_STORE or .stancegraph/store).",
)
@click.option(
    "--graph-store",
    metavar="URL",
    help="Load into a remote store through the SPARQL 1.1 Graph Store Protocol "
    "(Oxigraph: http://host:7878/store).",
)
@click.option(
    "--update",
    "update_url",
    metavar="URL",
    help="Load into a remote store through SPARQL 1.1 Update (for stores without the Graph "
    "Store Protocol, e.g. Neptune: https://cluster:8182/sparql).",
)
@click.option(
    "--query-endpoint",
    metavar="URL",
    help="The remote SPARQL query endpoint used to check triple counts (derived for Oxigraph, "
    "Fuseki, GraphDB, Virtuoso and /sparql endpoints).",
)
@click.option(
    "--auth",
    "auth_scheme",
    type=click.Choice(["basic", "digest"]),
    default="basic",
    show_default=True,
    help="HTTP authentication, with credentials from $STANCEGRAPH_USER/$STANCEGRAPH_PASSWORD "
    "or a netrc file (digest for Virtuoso's /sparql-graph-crud-auth).",
)
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    default=5000,
    show_default=True,
    help="Triples per request with --update.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Seconds to wait for each remote request.",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Also drop the remote graphs under https://w3id.org/stancegraph/graph/ that the data "
    "no longer has (a removed source).",
)
@click.option("--dry-run", is_flag=True, help="Show what would be loaded, and where; do nothing.")
@page_options("graphs in the table of what was loaded (the totals are of every graph)")
@click.pass_obj
def load(
    state: State,
    store_dir: str | None,
    graph_store: str | None,
    update_url: str | None,
    query_endpoint: str | None,
    auth_scheme: str,
    chunk_size: int,
    timeout: float,
    prune: bool,
    dry_run: bool,
    limit: int,
    offset: int,
) -> None:
    """Load every named graph into the embedded store, or into a remote SPARQL store.

    Without a URL: the embedded on-disk Oxigraph store that 'query' uses. With --graph-store or
    --update: each of our named graphs is replaced as a whole (other graphs are left alone) and
    its triple count checked. An interrupted load leaves the previous contents readable; run
    it again to finish. Credentials come from the environment or netrc, never the command line.
    """
    from stancegraph import store as store_module

    remote_url = graph_store or update_url
    if remote_url and store_dir:
        raise click.UsageError("--store is for the embedded store; not with --graph-store/--update")
    if graph_store and update_url:
        raise click.UsageError("give --graph-store or --update, not both")
    if not remote_url and (query_endpoint or auth_scheme != "basic" or prune):
        raise click.UsageError("--query-endpoint, --auth, --prune need --graph-store or --update")
    project = state.project()
    with load_progress() if not dry_run else contextlib.nullcontext() as listener:
        if remote_url:
            from stancegraph import remote

            target = remote.make_target(
                graph_store=graph_store,
                update=update_url,
                query_endpoint=query_endpoint,
                auth_scheme=auth_scheme,
                timeout=timeout,
                chunk_size=chunk_size,
            )
            report = remote.load_project(
                project, target, prune=prune, dry_run=dry_run, listener=listener
            )
        else:
            report = store_module.load_project(
                project, store_dir, dry_run=dry_run, listener=listener
            )
    print_load(report, limit, offset)


def print_load(report: LoadReport, limit: int | None = None, offset: int = 0) -> None:
    """Print what ``load`` did (or, in a dry run, would do): a table of the graphs, ``limit``
    of them from ``offset`` (a corpus has a graph per source: issue #19), and which those are."""
    from stancegraph.graph import GRAPH_BASE

    end = None if limit is None else offset + limit
    shown = report.graphs[offset:end]
    if report.dry_run:
        table = new_table("graph", "triples", "requests")
        for g in shown:
            table.add_row(g.name, str(g.triples), "-" if g.requests is None else str(g.requests))
        console.print(f"would load into {report.destination}")
        if report.authentication is not None:
            console.print(f"authentication: {report.authentication}")
        if report.prune:
            console.print(f"then drop every graph under {GRAPH_BASE} not listed below")
        print_table(f"Named graphs ({GRAPH_BASE}<graph>), {report.triples} triples", table)
        _graphs_page_line(len(report.graphs), offset, len(shown), limit)
        console.print("\ndry run: nothing was loaded")
        return
    table = new_table("graph", "triples", "in store")
    for g in shown:
        table.add_row(g.name, str(g.triples), "-" if g.in_store is None else str(g.in_store))
    done = f"Loaded {len(report.graphs)} graphs, {report.triples} triples"
    print_table(f"{done}, into {report.destination}", table)
    _graphs_page_line(len(report.graphs), offset, len(shown), limit)
    if report.prune:
        dropped = ", ".join(report.pruned) if report.pruned else "none"
        console.print(f"dropped graphs no longer in the data: {dropped}")


def _graphs_page_line(total: int, offset: int, shown: int, limit: int | None) -> None:
    if shown < total:
        print_page_line(console, total, offset, shown, total if limit is None else limit)


def load_progress() -> Any:
    """A progress bar on stderr (only on a terminal) that a store loader reports to."""
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from stancegraph.store import GraphPlan, Listener

    class Bar(Listener):
        def __init__(self, progress: Progress, task: Any) -> None:
            self.progress, self.task = progress, task

        def planned(self, items: Sequence[Any]) -> None:
            self.progress.update(self.task, total=sum(item.weight for item in items))

        def started(self, item: GraphPlan) -> None:
            self.progress.update(self.task, description=f"loading {item.name}")

        def finished(self, item: GraphPlan) -> None:
            self.progress.advance(self.task, item.weight)

        def step(self, description: str) -> None:
            self.progress.update(self.task, description=description)

    @contextlib.contextmanager
    def bar() -> Any:
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=not err_console.is_terminal,
        )
        with progress:
            yield Bar(progress, progress.add_task("reading the files", total=None))

    return bar()


class Steps:
    """What a long command reports, drawn on stderr by :func:`work_progress`: a step (what it
    does, with a bar when its size is known) and how far it is (``stancegraph.build.Progress``
    and the batches of ``validate``)."""

    def __init__(self, progress: Any, task: Any) -> None:
        self.progress, self.task = progress, task

    def step(self, description: str, total: int | None = None) -> None:
        # a task of its own: rich keeps a task's total when told None, so that a step of
        # unknown size showed the count of the step before it
        self.progress.remove_task(self.task)
        self.task = self.progress.add_task(description, total=total)

    def advance(self, units: int = 1) -> None:
        self.progress.advance(self.task, units)

    def batches(self, description: str) -> Any:
        """A ``progress(done, total)`` callback that shows batches done of the total."""

        def told(done: int, total: int) -> None:
            self.progress.update(
                self.task,
                description=f"{description}, batch {min(done + 1, total)} of {total}",
                total=total,
                completed=done,
            )

        return told


@contextlib.contextmanager
def work_progress(description: str) -> Iterator[Steps]:
    """A progress display on stderr, on a terminal only (nothing in a pipe or a log): says at
    once what the command does, with a spinner and the time taken, and a bar for the steps whose
    size is known (issue #19)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )
    with progress:
        yield Steps(progress, progress.add_task(description, total=None))


@cli.command()
@click.option("--source", "key", metavar="KEY", help="The source to report (default: every one).")
@click.option(
    "--min",
    "minimum",
    type=click.FloatRange(0, 100),
    metavar="PERCENT",
    help="Exit 1 if a source has less than PERCENT of its sentences covered.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_obj
def coverage(state: State, key: str | None, minimum: float | None, fmt: str) -> None:
    """Show which anchors cover each sentence of a seed, and the share of sentences covered.

    A sentence is covered when anchors cover at least half of its non-space characters.
    """
    import json

    from stancegraph import anchors

    results = anchors.project_coverage(state.project(), key)
    if key is None:
        for skipped in anchors.withheld_without_text(state.project()):
            click.echo(f"{PROG}: warning: {skipped} left out: its text is withheld", err=True)
    if fmt == "json":
        click.echo(json.dumps({"sources": [r.as_dict() for r in results]}, indent=2))
    for result in results if fmt == "table" else []:
        table = new_table("#", "sentence", "covered", "anchors")
        table.columns[0].justify = table.columns[2].justify = "right"
        for row in result.sentences:
            mark = "" if row.covered(result.threshold) else " [red]✗[/red]"
            names = ", ".join(anchor_name(a) for a in row.anchors) or "-"
            table.add_row(
                str(row.sentence.number),
                rich_escape(row.sentence.first_words()),
                f"{row.share:.0%}{mark}",
                names,
            )
        print_table(f"Sentences of {result.key} and the anchors covering them", table)
        console.print(f"\n[bold]Not covered ({len(result.uncovered)})[/bold]")
        for row in result.uncovered:
            console.print(f"  {row.sentence.number}. {rich_escape(row.sentence.text)}")
        if result.unplaced:
            placed = ", ".join(anchor_name(a) for a in result.unplaced)
            console.print(f"\n[bold]Anchors whose quote cannot be placed[/bold]: {placed}")
        console.print(f"\n{result.key}: {result.summary()}")
    low = [r for r in results if minimum is not None and r.percent < minimum]
    if low:
        shares = ", ".join(f"{r.key} {r.percent:.1f}%" for r in low)
        raise FindingsError(f"coverage below --min {minimum:g}%: {shares}")


class QueryCommand(click.Command):
    """``query``, whose ``query NAME --help`` describes the saved query NAME: its description,
    columns, parameters with their defaults and an example, before the options."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        help_names = set(ctx.help_option_names)
        if help_names & set(args):
            words = [a for a in args if not a.startswith("-")]
            first = args.index(words[0]) if words else -1
            if first >= 0 and (first == 0 or not args[first - 1].startswith("-")):
                ctx.meta["query-help"] = words[0]
        return super().parse_args(ctx, args)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        name = ctx.meta.get("query-help")
        if name is None:
            return super().format_help(ctx, formatter)
        import textwrap

        from stancegraph import queries

        state = ctx.find_object(State) or State()
        saved = queries.find(state.project(), name)
        width = max((formatter.width or 80) - 2, 40)
        formatter.write(f"Usage: stancegraph query {name} [OPTIONS]\n\n")
        for line in queries.usage(saved).splitlines():
            indent = " " * (len(line) - len(line.lstrip()) + 2 if line.startswith(" ") else 0)
            wrapped = textwrap.wrap(
                line,
                width,
                subsequent_indent=indent,
                break_on_hyphens=False,
                break_long_words=False,
            ) or [""]
            formatter.write("\n".join(wrapped) + "\n")
        formatter.write(
            "\nEvery option of 'stancegraph query' applies: see 'stancegraph query --help'.\n"
        )


@cli.command(cls=QueryCommand)
@click.argument("name", required=False)
@click.option(
    "--list",
    "list_",
    is_flag=True,
    help="List the saved queries: names, titles and parameters with their defaults.",
)
@click.option(
    "--file",
    "file_",
    type=click.Path(dir_okay=False),
    metavar="FILE.rq",
    help="Run your own query file over the graph.",
)
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Bind a parameter (repeatable): <iri>, a prefixed name (person:vladimir-putin) or text.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "tsv", "json", "xml", "turtle", "ntriples", "jsonld"]),
    default="table",
    show_default=True,
    help="table, or a W3C format: csv/tsv/json/xml (SELECT, ASK), turtle/ntriples/jsonld "
    "(CONSTRUCT).",
)
@click.option(
    "--engine",
    type=click.Choice(["oxigraph", "rdflib"]),
    default="oxigraph",
    show_default=True,
    help="The embedded engine that runs the query.",
)
@click.option("--endpoint", metavar="URL", help="Run on a remote SPARQL 1.1 endpoint instead.")
@click.option("--allow-service", is_flag=True, help="Permit SERVICE (queries another endpoint).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Stop a query that runs longer (default: $STANCEGRAPH_QUERY_TIMEOUT, else 60).",
)
@click.option(
    "--memory",
    type=click.IntRange(min=1),
    metavar="MIB",
    help="Stop a query that takes more memory, in MiB (default: $STANCEGRAPH_QUERY_MEMORY, "
    "else 2048, or half the machine's memory if less).",
)
@click.option("--headline", is_flag=True, help="Run the headline queries and print their answers.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    metavar="N",
    help=f"At most N rows (triples) (default: {TABLE_LIMIT} in a table, all in csv, tsv, json...).",
)
@click.option(
    "--offset",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="Skip the first N rows (in the query's order, else sorted).",
)
@click.option(
    "--wide", is_flag=True, help="Table: every column at its full width, whatever the terminal."
)
@click.option("--no-trunc", is_flag=True, help="Table: never cut a label short.")
@click.option(
    "--columns",
    "chosen_columns",
    metavar="A,B,...",
    help="Only these columns, in this order (a table, csv, tsv, json, xml).",
)
@click.option(
    "--labels",
    "with_labels",
    is_flag=True,
    help="csv, tsv, json, xml: add a column NAMELabel after each column that holds IRIs.",
)
@click.option(
    "--update-expected",
    is_flag=True,
    help="Regenerate the golden answers (queries/expected/) from the current data, after "
    "checking that Oxigraph and rdflib agree; review the diff before committing.",
)
@click.pass_obj
def query(
    state: State,
    name: str | None,
    list_: bool,
    file_: str | None,
    params: tuple[str, ...],
    fmt: str,
    engine: str,
    endpoint: str | None,
    allow_service: bool,
    timeout: float | None,
    memory: int | None,
    headline: bool,
    limit: int | None,
    offset: int,
    wide: bool,
    no_trunc: bool,
    chosen_columns: str | None,
    with_labels: bool,
    update_expected: bool,
) -> None:
    """Run the saved query NAME (see --list), or your own --file, over the whole graph.

    Every query sees the union of the named graphs (ontology, vocabularies, actors, sources).
    Updates are refused, and so are SERVICE and FROM unless --allow-service.

    A table is laid out for the terminal's width (or $COLUMNS, also in a pipe; 200 in a log):
    columns that do not fit are left out, last first, and named under the table (--wide shows
    them all); it shows 50 rows, and says how many more (--limit, --offset). csv, tsv and json
    give every row unless --limit is given.

    \b
    Example:
      stancegraph query --list
      stancegraph query timeline --help          # what it answers, its parameters
      stancegraph query stances-on-target --param target=issue:assad-future
      stancegraph query claim-source-chain --format csv --labels > chain.csv
    """
    from pathlib import Path

    from stancegraph import queries

    modes = [bool(name), list_, bool(file_), headline, update_expected]
    if sum(modes) != 1 and not (update_expected and name and sum(modes) == 2):
        raise click.UsageError("give one of NAME, --list, --file, --headline, --update-expected")
    project = state.project()
    if list_:
        show_query_list(project, wide)
        return
    if update_expected:
        updates = queries.update_expected(project, [name] if name else [])
        table = new_table("query", "status", "rows", "file")
        for u in updates:
            table.add_row(u.name, u.status, str(u.rows), str(u.path.relative_to(project.root)))
        wide_console().print("\n[bold]Golden answers (review the diff before committing)[/bold]")
        wide_console().print(table)
        return
    given = queries.parse_param_options(params)
    if with_labels and fmt not in ("csv", "tsv", "json", "xml"):
        raise click.UsageError(
            "--labels is for --format csv, tsv, json or xml (a table shows labels)"
        )
    view = TableView(wide, no_trunc, TABLE_LIMIT if limit is None else limit, offset)
    if headline:
        if fmt != "table":
            raise click.UsageError("--headline prints tables; run one query for --format")
        if chosen_columns:
            raise click.UsageError("--columns is for one query, not --headline")
        show_headline(
            project, engine, endpoint, timeout, memory, allow_service=allow_service, view=view
        )
        return
    runner = queries.engine_for(project, engine, endpoint, timeout, memory)
    if file_:
        saved = queries.read_query(file_, name=Path(file_).stem)
    else:
        assert name is not None
        saved = queries.find(project, name)
    for note in queries.binding_notes(saved, queries.bindings_for(saved, given)):
        click.echo(f"{PROG}: note: {note}", err=True)
    picked = [c.strip().lstrip("?") for c in (chosen_columns or "").split(",") if c.strip()]
    if fmt == "table":
        title = saved.summary or saved.name
        page = queries.run_page(
            saved, runner, given, offset=offset, limit=view.limit, allow_service=allow_service
        )
        try:
            for note in page.answer.notes:
                click.echo(f"{PROG}: warning: {note}", err=True)
            if chosen_columns:
                page.answer = page.answer.select(picked, saved.name)
            print_answer(
                title,
                page,
                runner,
                saved.description,
                saved.ordered,
                view=view,
                priority=saved.priority,
            )
        finally:
            page.close()
        return
    if offset or limit is not None:
        # one page: taken from the engine's answers, the rest not converted
        paged = queries.run_page(
            saved,
            runner,
            given,
            offset=offset,
            limit=limit,
            allow_service=allow_service,
            iri_columns=with_labels,
        )
        try:
            answer = paged.answer
            labelled = (paged.iri_columns or []) if with_labels else []
            if with_labels and paged.iri_columns is None and answer.form == "SELECT":
                paged.total()  # the IRI columns of the whole answer come with its count
                labelled = paged.iri_columns or answer.iri_columns()
        finally:
            paged.close()
    else:
        answer = queries.run(saved, runner, given, allow_service=allow_service)
        labelled = answer.iri_columns() if with_labels and answer.form == "SELECT" else []
    for note in answer.notes:
        click.echo(f"{PROG}: warning: {note}", err=True)
    if chosen_columns:
        answer = answer.select(picked, saved.name)
        labelled = [c for c in labelled if c in picked]
    if with_labels:
        from rdflib import URIRef

        iris = {t for r in answer.rows for t in r if isinstance(t, URIRef)}
        answer = answer.with_labels(queries.labels(runner, iris), labelled)
    data = answer.serialize(fmt)
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def show_query_list(project: Project, wide: bool = False) -> None:
    """What ``query --list`` prints: each saved query, its summary, its parameters with their
    defaults (``-`` for none) and its tags."""
    from stancegraph import queries

    rows = []
    for q in queries.catalogue(project):
        params = "; ".join(
            f"{p.name}={queries.short_default(p)}"
            if p.default is not None
            else f"{p.name} (no default)"
            for p in q.params
        )
        rows.append([q.name, q.form, q.summary, params or "-", ", ".join(q.tags)])
    headers = ["name", "form", "summary", "parameters (default)", "tags"]
    out = wide_console()
    heading = f"Saved queries in {project.queries_dir}"
    keep = ("name", "summary", "parameters (default)")
    print_fitted(
        out, heading, headers, rows, wide=wide, priority=keep, hint="--wide shows every column"
    )
    out.print("[dim]'stancegraph query NAME --help' describes one, with an example[/dim]")


def print_fitted(
    out: Console,
    heading: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    wide: bool = False,
    priority: Sequence[str] = (),
    right: Sequence[str] = (),
    hint: str = "a wider terminal, or COLUMNS=200, shows more",
) -> None:
    """``heading`` and a table of plain-text ``rows`` laid out for ``out``'s width by
    :mod:`stancegraph.tables` (nothing in them is cut; the columns left out are named, and
    ``hint`` says how to see them)."""
    from stancegraph import tables

    cells = [[tables.Cell(c) for c in r] for r in rows]
    table, plan = tables.render(
        headers, cells, out.width, wide=wide, priority=priority, right=right
    )
    out.print(f"\n[bold]{rich_escape(heading)}[/bold]")
    print_wide(out, table, plan.width)
    if plan.hidden:
        out.print(f"[dim]not shown in {out.width} columns: {', '.join(plan.hidden)} ({hint})[/dim]")


@cli.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Where to write the site (default: dist/docs in the project).",
)
@click.option(
    "--copy-images",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Also copy the three pictures there (make docs: docs/img, which the README shows).",
)
@click.pass_obj
def docs(state: State, out: str | None, copy_images: str | None) -> None:
    """Write the documentation site: ontology, hierarchy, vocabularies, shapes, queries, actors,
    statistics, pictures.

    Static HTML with one local stylesheet and one local script (the search over labels); no page
    loads anything from the network. A query's page shows the first page of its answer, the
    whole answer is written beside it (queries/NAME.csv, .json). Open dist/docs/index.html.
    """
    from stancegraph import docs as docs_module
    from stancegraph import plots

    plots.require_extra()  # before any work: which extra is missing (the site draws all three)
    with work_progress("writing the site") as steps:
        result = docs_module.build_site(
            state.project(), out, copy_images=copy_images, progress=steps
        )
    table = new_table("file", "kind")
    for path in result.pages:
        table.add_row(str(path.relative_to(result.out_dir)), "page")
    for path in result.pictures:
        table.add_row(str(path.relative_to(result.out_dir)), "picture")
    for path in result.copied:
        table.add_row(str(path), "copy")
    print_table(f"Wrote the site to {result.out_dir}", table)
    for name, why in result.refused.items():
        err_console.print(f"[yellow]not drawn[/yellow]: {name}: {why}")
    console.print(f"\nopen {result.out_dir / 'index.html'}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    metavar="S",
    help="Stop each query after S seconds (503, X-Stancegraph-Stopped: time-limit=S).",
)
@click.option(
    "--row-cap",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    metavar="N",
    help="Cut each answer at N rows or triples (X-Stancegraph-Truncated: row-cap=N).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    metavar="N",
    help="Query worker processes (default: one per core, 2 to 4).",
)
@click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="The embedded store's folder (default: $STANCEGRAPH_STORE or .stancegraph/store).",
)
@click.pass_obj
def serve(
    state: State,
    host: str,
    port: int,
    time_limit: float,
    row_cap: int,
    workers: int | None,
    store_dir: str | None,
) -> None:
    """Serve the graph read-only over HTTP: SPARQL at /sparql, the saved queries at
    /api/queries, a page for every IRI at /id/..., the reader at /source/KEY.

    The embedded store is loaded first if it is missing or older than the files. Updates and
    SERVICE are refused; nothing is fetched from the network. Stop it with Ctrl-C. docs/serve.md
    lists the endpoints.
    """
    from stancegraph.serve import app as serve_app

    application = serve_app.create_app(
        state.project(),
        location=store_dir,
        time_limit=time_limit,
        row_cap=row_cap,
        workers=workers,
    )
    sock = serve_app.listen(host, port)
    try:
        application.state.runner.start()  # the workers open the store before anyone is told
        click.echo(f"serving {serve_app.address(sock)} (SPARQL at /sparql); Ctrl-C stops", err=True)
        serve_app.serve(application, sock)
    finally:
        application.state.runner.close()
        sock.close()


@cli.command()
@click.argument("names", nargs=-1, type=click.Choice(["network", "timeline", "divergence"]))
@click.option(
    "--out",
    type=click.Path(),
    metavar="PATH",
    help="A file for one picture, its suffix naming the format (net.svg, tl.png, tl.pdf), or a "
    "folder for several (default: dist/img).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["svg", "png", "pdf"]),
    help="svg, png or pdf (default: the --out file's suffix, else svg).",
)
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="KEY",
    help="Draw this source only (repeatable: these sources); default: every source.",
)
@click.option(
    "--side",
    "sides",
    multiple=True,
    metavar="STATE",
    help="The states set against each other (repeatable, in order: left, right, and along the "
    "top of the network), as russia, state/russia or an IRI; default: russia, iran, syria.",
)
@click.pass_obj
def plot(
    state: State,
    names: tuple[str, ...],
    out: str | None,
    fmt: str | None,
    sources: tuple[str, ...],
    sides: tuple[str, ...],
) -> None:
    """Draw pictures from the data: network, timeline, divergence (default: all three).

    network: actors and the relations and stances between them; timeline: events at the
    precision of their dates; divergence: two sides' stances (Russia's and Iran's by default),
    issue by issue. Needs the docs extra (pip install -e '.[docs]').
    """
    from pathlib import Path

    from stancegraph import plots as plots_module

    project = state.project()
    chosen = list(names) or list(plots_module.NAMES)
    plots_module.require_extra(chosen)  # before any work: which extra is missing
    target = Path(out) if out else project.dist_dir / "img"
    as_file = bool(target.suffix) and not target.is_dir()
    if as_file and len(chosen) != 1:
        raise click.UsageError("--out FILE is for one picture; give a folder for several")
    with work_progress("drawing the pictures"):
        if as_file and fmt is not None:
            target = target.with_suffix(f".{fmt}")
        if as_file:
            plots_module.format_of(target)  # an unknown suffix, before any work
        written = plots_module.plot(
            project,
            chosen,
            target.parent if as_file else target,
            fmt or "svg",
            sources=list(sources) or None,
            sides=plots_module.sides_from(sides),
            files={chosen[0]: target} if as_file else None,
        )
    for path in written:
        click.echo(str(path))


@cli.command(name="export")
@click.argument("what", type=click.Choice(["network"]))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["gexf", "graphml"]),
    help="gexf (Gephi) or graphml (Cytoscape, yEd, igraph); default: the --out file's suffix.",
)
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="KEY",
    help="Only what this source states (repeatable; default: every source).",
)
@click.option(
    "--out", type=click.Path(dir_okay=False), metavar="FILE", help="Write here (default: stdout)."
)
@click.pass_obj
def export_network(
    state: State, what: str, fmt: str | None, sources: tuple[str, ...], out: str | None
) -> None:
    """Export the actor network for network tools: GEXF (Gephi) or GraphML (Cytoscape).

    \b
    Examples:
      stancegraph export network --out network.gexf
      stancegraph export network --format graphml --source rd-syria-iran > network.graphml

    Nodes: actors and what stances are on (label, kind). Edges: every stated relation and every
    stance (kind, label, source; a relation's relation, ownVoice, symmetric; a stance's
    polarity, direction, expression public/private/unstated; inferred). Written by networkx.
    """
    from stancegraph import export

    project = state.project()
    chosen = export.choose_format(fmt, out)
    network = export.network(project, export.engine_for(project, sources), sources)
    if network.number_of_nodes() == 0:
        note = "the network is empty: no relation between actors and no stance"
        click.echo(
            f"{PROG}: note: {note}{' in ' + ', '.join(sources) if sources else ''}", err=True
        )
    path = export.write(export.serialize(network, chosen), out, sys.stdout.buffer)
    if path is not None:
        nodes, edges = network.number_of_nodes(), network.number_of_edges()
        click.echo(f"{path}: {nodes} nodes, {edges} edges ({chosen})")


@cli.command(name="run")
@click.pass_obj
def run_main_job(state: State) -> None:
    """The main job (make run): info, build, validate and query --headline, in one process.

    Prints what those four commands print, in that order (the headline answers in their
    '#+ order:', the article's own question, how each actor reacts to the withdrawal, first).
    The files are read once for info and build, and the validation runs beside them in a
    forked process. Every step runs even if one
    before it fails; the exit code is the worst of the four (0 ok, 1 the dataset violates the
    shapes, 2 unusable input).
    """
    from stancegraph import graph, isolation, store
    from stancegraph.validate.run import dataset_batches

    project = state.project()
    # The validation is the longest step: start it first, before anything else is read.
    validation = isolation.Child(validation_text, project)
    # A corpus that validate checks in batches is not assembled in rdflib either: info and
    # build then read what 'load' recorded, or stream the files (issue #19). One test decides
    # both (dataset_batches). Nor is a dataset that the embedded store holds as it is now:
    # info reads what 'load' recorded and build dumps the store, the same output for less work.
    dataset = None
    try:
        if dataset_batches(project) is None and store.embedded_status(project).state != "fresh":
            dataset = graph.assemble(project)  # a file that does not parse: no step could run
    except BaseException:
        validation.cancel()
        raise
    codes = [attempt(state, show_info, project, dataset)]
    codes.append(attempt(state, show_build, project, None, None, dataset))
    del dataset
    # The headline queries run while the validation may still be going; their answers are held
    # back until its report has been printed, to keep the order of the four commands.
    out = wide_console()
    failed: Exception | None = None
    with out.capture() as answers:
        try:
            show_headline(project, out=out)
        except Exception as exc:
            failed = exc
    codes.append(attempt(state, show_validation, validation))
    sys.stdout.write(answers.get())
    sys.stdout.flush()
    codes.append(report_exception(failed, state.debug) if failed else 0)
    if max(codes):
        sys.exit(max(codes))


def attempt(state: State, step: Any, *args: Any) -> int:
    """Run one step of the main job: its exit code, its error reported in one line."""
    try:
        return int(step(*args) or 0)
    except Exception as exc:
        return report_exception(exc, state.debug)


def validation_text(project: Project) -> tuple[str, bool]:
    """What ``validate`` prints for the whole dataset, and whether it conforms."""
    from stancegraph import validate as validation

    result = validation.validate_dataset(project)
    return validation.render_text(result), result.conforms


def show_validation(pending: Child) -> None:
    """Print the validation report that ``pending`` computes; FindingsError if the dataset
    violates a shape."""
    text, conforms = pending.result(what="validation")
    click.echo(text)
    if not conforms:
        raise FindingsError()


def show_headline(
    project: Project,
    engine: str = "oxigraph",
    endpoint: str | None = None,
    timeout: float | None = None,
    memory: int | None = None,
    *,
    allow_service: bool = False,
    out: Console | None = None,
    view: TableView | None = None,
) -> None:
    """Run the saved queries tagged ``headline`` and print their answers (on ``out``), the
    article's own question first (:func:`stancegraph.queries.headline`)."""
    from stancegraph import queries

    chosen = queries.headline(project)
    if not chosen:
        raise click.UsageError("no saved query is tagged 'headline'")
    runner = queries.engine_for(project, engine, endpoint, timeout, memory)
    view = view or TableView()
    for q in chosen:
        page = queries.run_page(
            q, runner, offset=view.offset, limit=view.limit, allow_service=allow_service
        )
        try:
            for note in page.answer.notes:
                click.echo(f"{PROG}: warning: {note}", err=True)
            title = q.summary or q.name
            print_answer(
                title,
                page,
                runner,
                q.description,
                q.ordered,
                out=out,
                view=view,
                priority=q.priority,
            )
        finally:
            page.close()


def wide_console() -> Console:
    """The console for query output, as wide as :func:`stancegraph.tables.output_width` says:
    ``COLUMNS``, else the terminal (also behind a pipe), else 200 columns (a log)."""
    from stancegraph import tables

    return Console(highlight=False, soft_wrap=False, width=tables.output_width())


def print_answer(
    title: str,
    page: Any,
    runner: Any,
    description: str = "",
    ordered: bool = True,
    *,
    out: Console | None = None,
    view: TableView | None = None,
    priority: Sequence[str] = (),
) -> None:
    """One page of a query's answer (:func:`stancegraph.queries.run_page`, or a whole
    :class:`~stancegraph.queries.Answer`) as a table laid out for the console's width
    (:mod:`stancegraph.tables`), with labels for its IRIs, printed as soon as the page is known;
    then a line saying how many rows there are in all, counted after. Rows the query leaves
    unordered are shown sorted by what the table shows, within the page."""
    from rdflib import URIRef

    from stancegraph import queries, tables

    out = out or wide_console()
    view = view or TableView()
    if isinstance(page, queries.Answer):
        page = queries.page_of(page, view.offset, view.limit, ordered)
    answer = page.answer
    out.print(f"\n[bold]{rich_escape(title)}[/bold]")
    if description:
        out.print(f"[dim]{rich_escape(description)}[/dim]")
    if answer.form == "ASK":
        out.print("yes" if answer.boolean else "no")
        return
    if answer.graph is not None:
        columns = ["subject", "predicate", "object"]
        rows = sorted(answer.graph, key=queries.row_sort_key)
    else:
        columns, rows = answer.variables, answer.rows
    names = queries.labels(runner, {t for r in rows for t in r if isinstance(t, URIRef)})
    cells = [
        [
            tables.Cell(queries.display(t, names, None), isinstance(t, URIRef) and t in names)
            for t in r
        ]
        for r in rows
    ]
    if not (ordered or answer.graph is not None):
        cells.sort(key=lambda r: [c.text for c in r])
    table, plan = tables.render(
        columns,
        cells,
        out.width,
        wide=view.wide,
        no_trunc=view.no_trunc,
        right=("count",),
        priority=priority,
    )
    print_wide(out, table, plan.width)
    with contextlib.suppress(Exception):
        out.file.flush()  # the page now; the count of the rest follows
    noun = "triple" if answer.graph is not None else "row"
    every = "turtle" if answer.graph is not None else "csv"
    shown = len(cells)
    total = page.total()
    if total is None:  # a remote endpoint: the rows after the page are not counted
        first, last = view.offset + 1, view.offset + shown
        span = f"{noun}s {first}-{last}" if shown else f"no {noun}s from --offset {view.offset}"
        after = f"; more {noun}s" if page.more else ""
        out.print(f"[dim]{span}{after} (--limit/--offset, or --format {every} for all)[/dim]")
    else:
        plural = "" if total == 1 else "s"
        if shown == total:
            out.print(f"[dim]{total} {noun}{plural}[/dim]")
        elif not shown:
            why = f"--offset {view.offset}" if view.offset >= total else f"--limit {view.limit}"
            out.print(f"[dim]{total} {noun}{plural}; none shown ({why})[/dim]")
        else:
            first, last = view.offset + 1, view.offset + shown
            more = total - last
            after = f"; {more} more {noun}{'' if more == 1 else 's'}" if more else ""
            out.print(
                f"[dim]{noun}s {first}-{last} of {total}{after} "
                f"(--limit/--offset, or --format {every} for all)[/dim]"
            )
    if plan.hidden:
        out.print(
            f"[dim]not shown in {out.width} columns: {', '.join(plan.hidden)} "
            "(--wide shows every column, --columns picks them)[/dim]"
        )


def print_wide(out: Console, table: Any, width: int) -> None:
    """Print ``table`` on ``out``, wider than the console if it is (--wide: lines as long as
    they need, for ``less -S``); rich would squeeze it into the console's width otherwise."""
    narrow = out.width
    out.width = max(narrow, width)
    try:
        out.print(table, crop=False)
    finally:
        out.width = narrow


def anchor_name(iri: object) -> str:
    """``anchor:12`` for ``.../id/anchor/<key>/12``."""
    return "anchor:" + str(iri).rstrip("/").rsplit("/", 1)[-1]


def rich_escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def new_table(*columns: str) -> Table:
    """A plain table; columns named like counts are right-aligned."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for column in columns:
        numeric = column in {"characters", "triples", "count"}
        table.add_column(column, justify="right" if numeric else "left")
    return table


def print_table(heading: str, table: Table) -> None:
    console.print(f"\n[bold]{heading}[/bold]")
    console.print(table)


# --------------------------------------------------------------------------------------------
# Authoring a source (issue #17): the boilerplate is written, the contributor writes the meaning


@cli.command(name="new-source")
@click.argument("key")
@click.option(
    "--text",
    "text_file",
    required=True,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="The article's text (UTF-8); copied byte for byte to seeds/KEY.txt.",
)
@click.option("--title", metavar="TEXT", help="The article's title.")
@click.option("--byline", metavar="ACTOR", help="Its author: an actor's IRI or name.")
@click.option("--date", metavar="YYYY-MM-DD", help="The date it was issued.")
@click.option("--publisher", metavar="ACTOR", help="Its publisher: an actor's IRI or name.")
@click.option("--url", metavar="URL", help="Its address (external metadata).")
@click.option(
    "--stated",
    multiple=True,
    type=click.Choice(["title", "byline", "date", "publisher"]),
    help="A field the text itself states (repeatable): written on the document, and anchored "
    "where its words are in the text. The others are external metadata.",
)
@click.option(
    "--read-at",
    metavar="URL",
    help="Where the external metadata was read (default: --url).",
)
@click.option(
    "--withheld",
    is_flag=True,
    help="The text may not be redistributed: seeds/KEY.txt is not written, and the description "
    "says so (dcterms:accessRights text-access:withheld), with the SHA-256 and length of FILE.",
)
@click.pass_obj
def new_source(
    state: State,
    key: str,
    text_file: str,
    title: str | None,
    byline: str | None,
    date: str | None,
    publisher: str | None,
    url: str | None,
    stated: tuple[str, ...],
    read_at: str | None,
    withheld: bool,
) -> None:
    """Start source KEY: seeds/KEY.txt, seeds/KEY.ttl and data/KEY/statements.ttl.

    The text is copied byte for byte; its description gets the real SHA-256 and length, and the
    metadata given: on the document, anchored, what the text itself states (--stated); in an
    sg:ExternalMetadata record that says where it was read, the rest. The statements file
    starts with every prefix the source's statements use. Nothing is ever overwritten (exit 2).

    \b
    Example:
      stancegraph new-source example-summit --text summit.txt \\
          --title "Summit ends without a deal" --publisher media:example-gazette \\
          --date 2016-05-02 --url https://example.org/summit --stated title
    """
    from stancegraph import authoring

    meta = authoring.Metadata(
        title=title,
        byline=byline,
        date=date,
        publisher=publisher,
        url=url,
        stated=frozenset(stated),
        read_at=read_at,
        withheld=withheld,
    )
    project = state.project()
    for path in authoring.new_source(project, key, text_file, meta):
        click.echo(f"wrote {path.relative_to(project.root)}")


@cli.command(name="anchor")
@click.argument("key")
@click.argument("quote")
@click.option("--nth", type=click.IntRange(min=1), metavar="N", help="The Nth occurrence (from 1).")
@click.option("--near", metavar="WORDS", help="The occurrence nearest these words.")
@click.option("--all", "every", is_flag=True, help="An anchor for every occurrence.")
@click.option(
    "--mention",
    metavar="IRI",
    help="Also write the mention (sg:Mention) of this thing at the anchor: state:iran, an IRI, "
    "or an actor's name.",
)
@click.pass_obj
def anchor_command(
    state: State,
    key: str,
    quote: str,
    nth: int | None,
    near: str | None,
    every: bool,
    mention: str | None,
) -> None:
    """Print the anchor of QUOTE in source KEY, ready to paste into data/KEY/.

    The anchor takes the next free number, the quote's offsets and, if the words occur more than
    once, the shortest oa:prefix or oa:suffix that says which. A quote that is not in the text is
    exit 2, with validate's words and its near miss (other quote marks, other case).

    \b
    Example:
      stancegraph anchor example-talks "Szohôd" --mention government:borduria
      stancegraph anchor rd-syria-iran "Iran" --near "Russia and" --mention state:iran
    """
    from stancegraph import authoring

    if sum([nth is not None, near is not None, every]) > 1:
        raise click.UsageError("give at most one of --nth, --near, --all")
    blocks = authoring.anchor_blocks(
        state.project(), key, quote, nth=nth, near=near, every=every, mention=mention
    )
    for note in blocks.notes:
        click.echo(f"{PROG}: warning: {note}", err=True)
    click.echo(blocks.turtle, nl=False)


@cli.command(name="next")
@click.argument("key")
@click.argument("kind")
@click.pass_obj
def next_command(state: State, key: str, kind: str) -> None:
    """Print the next free number of KIND in source KEY.

    KIND is a kind of a source's things (claim, stance, event, relation, quantity, proposition,
    mention, time, membership, unnamed-source, anchor, related, metadata) or its prefix (tm,
    unnamed). The number is one more than the highest in seeds/KEY.ttl and data/KEY/.

    \b
    Example:
      stancegraph next example-talks claim       # 4: claim:4 is free
    """
    from stancegraph import authoring

    click.echo(str(authoring.next_number(state.project(), key, kind)))


@cli.command(name="vocab")
@click.argument("scheme", required=False)
@click.pass_obj
def vocab_command(state: State, scheme: str | None) -> None:
    """List the controlled vocabularies, or the concepts of SCHEME with their definitions.

    "uses" counts the triples of the data (actors, every source and its description) with the
    concept as value.

    \b
    Example:
      stancegraph vocab               # the schemes
      stancegraph vocab polarity      # support, opposition, ... with definitions
    """
    from stancegraph import authoring

    project = state.project()
    found = authoring.concepts(project, scheme)
    table_of = authoring.prefixes(project, "_")
    if scheme is None:
        table = new_table("scheme", "concepts", "uses")
        table.columns[1].justify = table.columns[2].justify = "right"
        for name in authoring.vocab_schemes(project):
            mine = [c for c in found if c.scheme == name]
            table.add_row(f"{name}:", str(len(mine)), str(sum(c.uses for c in mine)))
        wide_console().print("\n[bold]Controlled vocabularies (ontology/vocab/)[/bold]")
        wide_console().print(table)
        return
    table = new_table("concept", "broader", "uses", "definition")
    table.columns[2].justify = "right"
    for c in found:
        table.add_row(
            names.prefixed(c.iri, table_of),
            ", ".join(names.prefixed(b, table_of) for b in c.broader) or "-",
            str(c.uses),
            rich_escape(c.definition),
        )
    wide_console().print(f"\n[bold]{scheme}: {len(found)} concepts[/bold]")
    wide_console().print(table)


@cli.command(name="actors")
@click.argument("text", required=False, default="")
@page_options("rows")
@click.pass_obj
def actors_command(state: State, text: str, limit: int, offset: int) -> None:
    """Find the actors (and posts, places, issues) data/actors.ttl has, to reuse their IRIs.

    TEXT matches part of a label, an alternative label or a slug (any case), or a Wikidata id.
    Exit 1 if nothing matches.

    \b
    Example:
      stancegraph actors iran         # state:iran, government:iran, ...
      stancegraph actors Q7747        # person:vladimir-putin
    """
    from stancegraph import authoring

    project = state.project()
    found = authoring.find_actors(project, text)
    if not found:
        raise FindingsError(f"nothing in data/actors.ttl matches {text!r}")
    table_of = authoring.prefixes(project, "_")
    rows = [
        [
            names.prefixed(a.iri, table_of),
            ", ".join(names.prefixed(c, table_of) for c in a.classes),
            a.label,
            ", ".join(a.other_names) or "-",
            a.wikidata or "-",
        ]
        for a in found[offset : offset + limit]
    ]
    headers = ["iri", "class", "label", "also", "wikidata"]
    keep = ("iri", "label", "class", "wikidata")  # IRIs whole, to copy
    out = wide_console()
    print_fitted(out, f"{len(found)} in data/actors.ttl", headers, rows, priority=keep)
    if len(rows) < len(found):
        print_page_line(out, len(found), offset, len(rows), limit)


def print_page_line(out: Console, total: int, offset: int, shown: int, limit: int) -> None:
    """Under a listing that shows one page of its ``total`` rows: which, and how many more."""
    if not shown:
        why = f"--offset {offset}" if offset >= total else f"--limit {limit}"
        out.print(f"[dim]{total} rows; none shown ({why})[/dim]")
        return
    more = total - offset - shown
    after = f"; {more} more row{'' if more == 1 else 's'}" if more else ""
    out.print(f"[dim]rows {offset + 1}-{offset + shown} of {total}{after} (--limit/--offset)[/dim]")


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv, prog_name=PROG)


if __name__ == "__main__":  # pragma: no cover
    main()
