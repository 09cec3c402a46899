"""Running the gate: SHACL on pySHACL or Apache Jena (:mod:`stancegraph.shacl`) and the checks
beyond SHACL (:data:`~stancegraph.validate.checks.CHECKS`) on one context, their findings merged
into one :class:`~stancegraph.validate.report.Report` in a stable order."""

from __future__ import annotations

import contextlib
import gc
import io
import os
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from rdflib import RDF, BNode, Graph, URIRef
from rdflib.term import Node

from stancegraph import graph, shacl
from stancegraph.errors import ProjectError
from stancegraph.sources import Project
from stancegraph.validate.checks import CHECKS, iri_defined_twice
from stancegraph.validate.context import (
    Collector,
    Context,
    batch_context,
    contribution_context,
    dataset_context,
    load_model,
    supplied_keys,
)
from stancegraph.validate.reading import load_seeds, read_dataset_files, read_file
from stancegraph.validate.report import (
    SEVERITY,
    SH,
    VIOLATION,
    Finding,
    Report,
    describe,
    short_component,
    shorten,
    split_message,
)


def shacl_findings(
    results: Graph, shapes: Graph
) -> list[tuple[Node, Node | None, Node | None, URIRef, str, str, Node | None]]:
    """The top-level results of a SHACL report as tuples
    (focus, path, value, component, severity, message, shape)."""
    # One pass over the report for the single-valued properties of every result (a lookup per
    # property per result costs seconds when there are 100,000 results).
    single = (
        SH.sourceConstraintComponent,
        SH.focusNode,
        SH.value,
        SH.resultPath,
        SH.resultSeverity,
        SH.sourceShape,
    )
    wanted = frozenset(single)
    props: dict[Node, dict[Node, Node]] = defaultdict(dict)
    nested: set[Node] = set()
    for s, p, o in results:
        if p in wanted:
            props[s].setdefault(p, o)
        elif p == SH.detail:
            nested.add(o)
    out = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        if result in nested:
            continue  # nested detail of another result
        component, focus, value, path, severity_iri, shape = (props[result].get(p) for p in single)
        if value == focus and component == SH.SPARQLConstraintComponent:
            value = None  # a SPARQL constraint that binds no ?value reports the focus node
        severity = SEVERITY.get(severity_iri, VIOLATION)
        messages = [str(m) for m in results.objects(result, SH.resultMessage)]
        if not messages and shape is not None:
            messages = [str(m) for m in shapes.objects(shape, SH.message)]
        message = messages[0] if messages else f"{short_component(component)} not satisfied"
        out.append((focus, path, value, component, severity, message, shape))
    return out


def finish(ctx: Context, engine: str, checked: str, running: shacl.JenaRun | None = None) -> Report:
    """Run SHACL on ``engine`` and the checks beyond SHACL; Jena runs in its own process while
    the checks run here (``running``: a Jena run already started on this context's data)."""
    if running is None and shacl.choose(engine, sum(len(p) for p in ctx.parts)) == "jena":
        running = shacl.JenaRun.of(ctx.parts, ctx.model.shapes)
    if running is not None:
        extra = _run_checks(ctx)
        results, used = running.wait(), shacl.jena_engine()
    else:
        results, used = shacl.run_pyshacl(ctx.merged(), ctx.model.shapes), shacl.pyshacl_engine()
        extra = _run_checks(ctx)
    return assemble(ctx, results, extra, used.label, checked)


def assemble(
    ctx: Context, results: Graph, extra: list[Finding], engine: str, checked: str
) -> Report:
    """The report of one context: the SHACL ``results`` about its nodes and the findings of the
    checks beyond SHACL (``extra``), in the report's order."""
    findings: list[Finding] = []
    for focus, path, value, component, severity, message, shape in shacl_findings(
        results, ctx.model.shapes
    ):
        if focus not in ctx.focus:
            continue
        problem, fix = split_message(message)
        if component == SH.MaxCountConstraintComponent:
            fix = _max_count_fix(ctx.model.shapes, shape, path, fix)
        if isinstance(shape, BNode):  # a property shape: name the node shape that holds it
            shape = ctx.model.shapes.value(predicate=SH.property, object=shape) or shape
        file, line = ctx.locate(focus)
        findings.append(
            Finding(
                focus=focus,
                focus_label=describe(ctx.data, focus),
                path=path,
                value=value,
                component=component,
                severity=severity,
                message=problem,
                fix=fix,
                shape=shape,
                file=file,
                line=line,
            )
        )
    # a node defined twice: the one finding that says so comes first, without those it explains
    doubled = {f.focus for f in extra if f.check == iri_defined_twice.CHECK}
    if doubled:
        findings = [
            f
            for f in findings
            if f.focus not in doubled or f.component not in iri_defined_twice.EXPLAINED
        ]
    findings.extend(extra)
    findings = _dedupe(findings)
    findings.sort(key=_finding_order)
    return Report(
        findings=findings,
        checked=checked,
        files=[str(s.path) for s in ctx.files],
        nodes=len(ctx.focus),
        engine=engine,
    )


def _finding_order(f: Finding) -> tuple[Any, ...]:
    """The order of a report: by file and line, then node, then path and check."""
    return (
        f.file or "~",
        f.line or 0,
        f.focus_label,
        f.check != iri_defined_twice.CHECK,
        shorten(f.path),
        f.check,
    )


def _max_count_fix(shapes: Graph, shape: Node | None, path: Node | None, fix: str) -> str:
    """The fix for too many values: a property shape's message is written for its sh:minCount
    too ("add one ..."), which is the wrong advice when there are too many."""
    limit = shapes.value(shape, SH.maxCount) if shape is not None else None
    if limit is None or path is None:
        return fix
    n = int(limit)
    if n == 0:  # such a shape's own message says why the property has no place
        return fix
    keep = "one" if n == 1 else f"at most {n}"
    return f"keep {keep} {shorten(path)} and remove the other values."


def _run_checks(ctx: Context) -> list[Finding]:
    collector = Collector(ctx)
    for check in CHECKS:
        check(ctx, collector)
    return collector.items


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple] = set()
    out = []
    for f in findings:
        key = (f.focus, f.path, f.value, f.component, f.message)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


#: Bytes of data files above which the dataset is validated in batches of sources (about
#: 300,000 triples of N-Triples; the one-article dataset is 0.6 MB), and the size of a batch.
BATCH_BYTES = 40_000_000


def validate_dataset(
    project: Project,
    engine: str = "auto",
    texts: str | Path | None = None,
    *,
    batch_bytes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """The whole project: ontology, vocabularies and every data file, against the shapes.

    ``engine``: ``auto``, ``pyshacl`` or ``jena`` (see :mod:`stancegraph.shacl`). Where Jena may
    run, its input is written while the files are parsed, and it validates while the rest is
    done here. ``texts``: a folder of the user's copies of withheld texts (``<key>.txt``).

    A dataset whose data files hold more than ``batch_bytes`` (default :data:`BATCH_BYTES`) is
    validated in batches of whole sources of about that size (:func:`validate_in_batches`),
    each with the context it references, the way a contribution is checked, so that no JVM or
    rdflib graph ever holds the corpus (issue #19); the report is the whole-graph report (the
    tests compare them). ``progress(done, total)`` is told after each batch."""
    folder = None if texts is None else Path(texts)
    with _without_cycle_collection():
        batches = dataset_batches(project, batch_bytes)
        if batches is not None:
            return validate_in_batches(project, batches, engine, progress, folder)
        return _validate_dataset(project, engine, folder)


def dataset_batches(project: Project, batch_bytes: int | None = None) -> list[list[Path]] | None:
    """The batches of data files that :func:`validate_dataset` validates one after another
    (:func:`source_batches` of ``batch_bytes``, default :func:`batch_limit`), or ``None`` when
    it validates the whole graph at once: when they all fit in one batch.

    The one test of whether the dataset is too large to hold in rdflib at once: ``stancegraph
    run`` asks it too, and assembles the dataset for info and build only when this says
    ``None`` (validate then holds the whole graph as well)."""
    limit = batch_limit() if batch_bytes is None else batch_bytes
    batches = source_batches(project, limit)
    return batches if len(batches) > 1 else None


#: Environment variable: the batch size in bytes instead of :data:`BATCH_BYTES` (the benchmark
#: sets it to compare batches with the whole graph).
BATCH_ENV = "STANCEGRAPH_BATCH_BYTES"


def batch_limit() -> int:
    """:data:`BATCH_BYTES`, or ``$STANCEGRAPH_BATCH_BYTES`` (a positive whole number)."""
    text = os.environ.get(BATCH_ENV, "").strip()
    if not text:
        return BATCH_BYTES
    if not text.isdigit() or int(text) < 1:
        raise ProjectError(f"${BATCH_ENV}: {text!r} is not a positive number of bytes")
    return int(text)


def source_batches(project: Project, limit: int) -> list[list[Path]]:
    """The data files in batches of whole sources, each batch about ``limit`` bytes (a source
    larger than that is a batch of its own); the shared actors file comes first, in the first
    batch. One batch when all of them fit."""
    batches: list[list[Path]] = [[]]
    size, sources = 0, 0  # in the last batch
    for graph_iri, paths in graph.layer_files(project):
        if graph_iri in (graph.ONTOLOGY_GRAPH, graph.VOCAB_GRAPH, graph.SHAPES_GRAPH):
            continue
        weight = sum(_size(p) for p in paths)
        if sources and size + weight > limit:
            batches.append([])
            size, sources = 0, 0
        batches[-1].extend(paths)
        size += weight
        sources += graph_iri != graph.ACTORS_GRAPH
    return batches


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def validate_in_batches(
    project: Project,
    batches: list[list[Path]],
    engine: str = "auto",
    progress: Callable[[int, int], None] | None = None,
    texts: Path | None = None,
) -> Report:
    """Each batch of data files validated as a contribution is (:func:`batch_context`: its
    triples, the existing triples about the IRIs it references, the ontology and vocabularies),
    reporting on its own nodes; the first batch also reports on the model's nodes, as the
    whole-graph validation does. The findings are merged into one report in the order
    :func:`finish` gives them.

    On Jena, one JVM validates batch after batch (:class:`~stancegraph.shacl.JenaServer`), and
    while it validates one, this process runs the checks beyond SHACL on it and reads the next:
    the two work side by side, on two cores where there are two."""
    model = load_model(project)
    seeds = load_seeds(project, texts=texts)
    supplied = supplied_keys(seeds, texts)
    actors = project.actors_file
    shared, shared_nt = None, b""
    if actors.is_file():
        sink = io.BytesIO()
        shared = read_file(actors, sink)
        shared_nt = sink.getvalue()
    merged = _Merged()
    server: shacl.JenaServer | None = None
    pending: tuple[Context, list[Finding]] | None = None  # submitted to Jena, not collected
    try:
        for n, batch in enumerate(batches):
            size = sum(_size(p) for p in batch)
            use_jena = shacl.choose(engine, _TRIPLES_PER_BYTE * size) == "jena"
            if use_jena and server is None:
                server = shacl.JenaServer(model.shapes)
            if use_jena:
                assert server is not None
                data_file = server.new_data_file()
                with data_file.open("wb") as sink:
                    ctx = batch_context(
                        project, model, batch, seeds, shared, with_model=n == 0,
                        supplied=supplied, ntriples=sink, shared_ntriples=shared_nt,
                    )  # fmt: skip
                server.submit(data_file)
                extra = _run_checks(ctx)
                if pending is not None:
                    merged.add(*pending, server.result(), shacl.jena_engine().label)
                pending = (ctx, extra)
            else:
                if pending is not None:  # the reports in the order of the batches
                    assert server is not None
                    merged.add(*pending, server.result(), shacl.jena_engine().label)
                    pending = None
                ctx = batch_context(
                    project, model, batch, seeds, shared, with_model=n == 0, supplied=supplied
                )
                results = shacl.run_pyshacl(ctx.merged(), model.shapes)
                merged.add(ctx, _run_checks(ctx), results, shacl.pyshacl_engine().label)
            del ctx
            if progress is not None:
                progress(n + 1 - (pending is not None), len(batches))
        if pending is not None:
            assert server is not None
            merged.add(*pending, server.result(), shacl.jena_engine().label)
            pending = None
            if progress is not None:
                progress(len(batches), len(batches))
    finally:
        if server is not None:
            server.close()
    return merged.report()


#: About how many triples a byte of data files holds (Turtle), to choose the engine of a batch
#: before it is read.
_TRIPLES_PER_BYTE = 1 / 130


class _Merged:
    """The reports of the batches, merged into one."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.files: list[str] = []
        self.named: set[Node] = set()
        self.blank = 0
        self.engines: list[str] = []

    def add(self, ctx: Context, extra: list[Finding], results: Graph, engine: str) -> None:
        report = assemble(ctx, results, extra, engine, "dataset")
        self.findings.extend(report.findings)
        self.files.extend(report.files)
        self.named.update(f for f in ctx.focus if not isinstance(f, BNode))
        self.blank += sum(1 for f in ctx.focus if isinstance(f, BNode))
        if report.engine not in self.engines:
            self.engines.append(report.engine)

    def report(self) -> Report:
        findings = _dedupe(self.findings)
        findings.sort(key=_finding_order)
        return Report(
            findings=findings,
            checked="dataset",
            files=self.files,
            nodes=len(self.named) + self.blank,
            engine=", ".join(self.engines),
        )


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """No cyclic garbage collection while millions of long-lived objects are made: each pass
    would walk them all again (a fifth of the time at 1M triples). Reference counting still
    frees whatever is dropped."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _validate_dataset(project: Project, engine: str, texts: Path | None) -> Report:
    model = load_model(project)
    running = None
    if engine == "jena" or (engine == "auto" and shacl.jena_problem() is None):
        shacl.choose(engine, 0)  # Jena asked for by name and missing: say so before any work
        running = shacl.JenaRun(model.shapes)
    try:
        if running is None:
            files = read_dataset_files(project)
        else:
            with running.data_file.open("wb") as sink:
                files = read_dataset_files(project, sink)
                shacl.write_ntriples((t for g in (model.ontology, model.vocab) for t in g), sink)
        size = sum(len(f.triples) for f in files) + len(model.ontology) + len(model.vocab)
        if running is not None and shacl.choose(engine, size) == "jena":
            running.start()
        elif running is not None:
            running.discard()
            running = None
        ctx = dataset_context(project, model, files, texts)
        return finish(ctx, "pyshacl" if running is None else "jena", "dataset", running)
    except BaseException:
        if running is not None:
            running.discard()
        raise


def validate_contribution(
    project: Project,
    paths: Sequence[str | Path],
    engine: str = "auto",
    texts: str | Path | None = None,
) -> Report:
    """Files or folders a contributor brings, with the ontology and the existing data they
    reference; findings only about the contribution's own nodes. ``texts``: a folder of the
    user's copies of withheld texts (``<key>.txt``)."""
    ctx = contribution_context(project, paths, None if texts is None else Path(texts))
    # The data graph is small (the contribution, what it references, the model), so SHACL
    # validates all of it and the results are filtered to the contribution's nodes. pySHACL's own
    # focus_nodes option is not used: in 0.40.1 its filter also applies to nested shapes
    # (sh:node, sh:or, sh:qualifiedValueShape), which then pass for any value outside the list.
    return finish(ctx, engine, "contribution")
