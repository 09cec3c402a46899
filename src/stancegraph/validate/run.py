"""Running the gate: SHACL on pySHACL or Apache Jena (:mod:`stancegraph.shacl`) and the checks
beyond SHACL (:data:`~stancegraph.validate.checks.CHECKS`) on one context, their findings merged
into one :class:`~stancegraph.validate.report.Report` in a stable order."""

from __future__ import annotations

import contextlib
import gc
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path

from rdflib import RDF, BNode, Graph, URIRef
from rdflib.term import Node

from stancegraph import shacl
from stancegraph.sources import Project
from stancegraph.validate.checks import CHECKS, iri_defined_twice
from stancegraph.validate.context import (
    Collector,
    Context,
    contribution_context,
    dataset_context,
    load_model,
)
from stancegraph.validate.reading import read_dataset_files
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
    findings.sort(
        key=lambda f: (
            f.file or "~",
            f.line or 0,
            f.focus_label,
            f.check != iri_defined_twice.CHECK,
            shorten(f.path),
            f.check,
        )
    )
    return Report(
        findings=findings,
        checked=checked,
        files=[str(s.path) for s in ctx.files],
        nodes=len(ctx.focus),
        engine=used.label,
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


def validate_dataset(
    project: Project, engine: str = "auto", texts: str | Path | None = None
) -> Report:
    """The whole project: ontology, vocabularies and every data file, against the shapes.

    ``engine``: ``auto``, ``pyshacl`` or ``jena`` (see :mod:`stancegraph.shacl`). Where Jena may
    run, its input is written while the files are parsed, and it validates while the rest is
    done here. ``texts``: a folder of the user's copies of withheld texts (``<key>.txt``)."""
    with _without_cycle_collection():
        return _validate_dataset(project, engine, None if texts is None else Path(texts))


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
