"""Findings and reports: what a validation found, how a node is named in it, and the report's
three renderings (text grouped by node, JSON, the W3C SHACL validation report in Turtle)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from stancegraph import names

SH = Namespace("http://www.w3.org/ns/shacl#")
#: Check ids are IRIs in this namespace in the Turtle report (``sh:sourceConstraintComponent``).
CHECK_NS = Namespace("https://w3id.org/stancegraph/check#")

VIOLATION, WARNING, INFO = "Violation", "Warning", "Info"
SEVERITY = {SH.Violation: VIOLATION, SH.Warning: WARNING, SH.Info: INFO}
_SEVERITY_IRI = {v: k for k, v in SEVERITY.items()}

#: The prefixes the Turtle report binds: the standard and other ones of :mod:`stancegraph.names`.
PREFIXES = {**names.STANDARD, **names.OTHER, "vocab": names.VOCAB_BASE, "id": names.ID_BASE}


@dataclass(frozen=True)
class Finding:
    """One problem: where (focus node, file, line), what (path, value), why and how to fix it.

    ``component`` is the SHACL constraint component (``sh:MinCountConstraintComponent``) or, for
    the checks beyond SHACL, ``check:<id>``; ``check`` is its short name (``MinCount``,
    ``anchor-quote``) used by tests and the JSON report.
    """

    focus: Node
    focus_label: str
    path: Node | None
    value: Node | None
    component: URIRef
    severity: str
    message: str
    fix: str
    shape: Node | None = None
    file: str | None = None
    line: int | None = None

    @property
    def check(self) -> str:
        return short_component(self.component)

    @property
    def is_violation(self) -> bool:
        return self.severity == VIOLATION

    def key(self) -> tuple[str, str, str]:
        """(focus, path, check): what tests compare."""
        return (self.focus_label, shorten(self.path) if self.path is not None else "", self.check)


@dataclass
class Report:
    """The outcome of a validation: findings plus what was checked."""

    findings: list[Finding]
    checked: str
    files: list[str] = field(default_factory=list)
    nodes: int = 0
    engine: str = ""  # the SHACL engine that ran, e.g. "pySHACL 0.40.1"

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == VIOLATION]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != VIOLATION]

    @property
    def conforms(self) -> bool:
        """No violation (warnings and infos allowed); the exit code follows this."""
        return not self.violations

    def keys(self) -> set[tuple[str, str, str]]:
        return {f.key() for f in self.findings}


def short_component(component: Node) -> str:
    text = str(component)
    if text.startswith(str(CHECK_NS)):
        return text[len(str(CHECK_NS)) :]
    if text.startswith(str(SH)):
        return text[len(str(SH)) :].removesuffix("ConstraintComponent")
    return text


def shorten(node: Node | None) -> str:
    """A readable name: a literal as Turtle writes it (long ones cut), a blank node as ``_:b``,
    an IRI by :func:`stancegraph.names.compact`, or ``<iri>``."""
    if node is None:
        return ""
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal):
        text = str(node)
        shown = text if len(text) <= 80 else text[:79] + "…"
        if node.language:
            return f'"{shown}"@{node.language}'
        if node.datatype is not None and node.datatype != XSD.string:
            return f'"{shown}"^^{shorten(node.datatype)}'
        return f'"{shown}"'
    text = str(node)
    short = names.compact(text)  # the one rule: person/vladimir-putin, polarity/welcome, sg:Claim
    return short if short != text else f"<{text}>"


def split_message(text: str) -> tuple[str, str]:
    """``"Problem. Fix: action."`` -> ``("Problem.", "action.")``."""
    head, sep, tail = text.partition(" Fix: ")
    return (head.strip(), tail.strip()) if sep else (text.strip(), "")


# --------------------------------------------------------------------------------------------
# Describing nodes


def named_ancestor(g: Graph, node: Node, limit: int = 8) -> tuple[Node, list[Node]]:
    """For a blank node: the nearest IRI that links to it, and the properties on the way."""
    path: list[Node] = []
    current = node
    seen = {node}
    while isinstance(current, BNode) and limit > 0:
        parent = next(iter(g.subject_predicates(current)), None)
        if parent is None:
            break
        s, p = parent
        path.insert(0, p)
        if s in seen:
            break
        seen.add(s)
        current = s
        limit -= 1
    return current, path


def describe(g: Graph, node: Node) -> str:
    """``claim/rd-syria-iran/3``; for a blank node, the way to it from the nearest IRI:
    ``anchor/rd-syria-iran/4 oa:hasSelector [oa:TextPositionSelector]``."""
    if not isinstance(node, BNode):
        return shorten(node)
    root, path = named_ancestor(g, node)
    types = sorted(shorten(t) for t in g.objects(node, RDF.type))
    inner = f"[{' '.join(types)}]" if types else "[]"
    if root is node:
        return inner
    return " ".join([shorten(root), *(shorten(p) for p in path), inner])


# --------------------------------------------------------------------------------------------
# Output


def render_text(report: Report) -> str:
    """The readable report: findings grouped by focus node, then a summary line."""
    lines: list[str] = []
    groups: dict[tuple[str | None, int | None, str], list[Finding]] = defaultdict(list)
    for f in report.findings:
        groups[(f.file, f.line, f.focus_label)].append(f)
    for (file, line, label), items in groups.items():
        where = f"{file}:{line}" if file and line else (file or "(no file)")
        lines.append(f"{where}  {label}")
        for f in items:
            mark = "error" if f.is_violation else f.severity.lower()
            what = shorten(f.path) if f.path is not None else "(node)"
            value = f" = {shorten(f.value)}" if f.value not in (None, f.focus) else ""
            lines.append(f"  {mark}: {what}{value}  [{f.check}]")
            lines.append(f"    {f.message}")
            if f.fix:
                lines.append(f"    fix: {f.fix}")
        lines.append("")
    lines.append(summary_line(report))
    return "\n".join(lines)


def summary_line(report: Report) -> str:
    v, w = len(report.violations), len(report.warnings)
    nodes = len({f.focus for f in report.findings})
    verdict = "conforms" if report.conforms else "does not conform"
    what = "the dataset" if report.checked == "dataset" else "the contribution"
    return (
        f"{v} violation{'s' * (v != 1)}, {w} warning{'s' * (w != 1)} on {nodes} "
        f"node{'s' * (nodes != 1)}; {report.nodes} node{'s' * (report.nodes != 1)} in "
        f"{len(report.files)} "
        f"file{'s' * (len(report.files) != 1)} checked: {what} {verdict}"
        + (f" (SHACL: {report.engine})" if report.engine else "")
    )


def to_json(report: Report) -> str:
    """The report as JSON (findings in the order of the text report)."""
    return json.dumps(
        {
            "conforms": report.conforms,
            "checked": report.checked,
            "violations": len(report.violations),
            "warnings": len(report.warnings),
            "nodes": report.nodes,
            "files": report.files,
            "engine": report.engine,
            "findings": [
                {
                    "focus": _term(f.focus),
                    "focus_label": f.focus_label,
                    "file": f.file,
                    "line": f.line,
                    "path": _term(f.path),
                    "value": _term(f.value),
                    "severity": f.severity,
                    "check": f.check,
                    "component": str(f.component),
                    "shape": _term(f.shape),
                    "message": f.message,
                    "fix": f.fix,
                }
                for f in report.findings
            ],
            "summary": summary_line(report),
        },
        ensure_ascii=False,
        indent=2,
    )


def _term(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


def to_graph(report: Report) -> Graph:
    """The report as a W3C SHACL validation report (``sh:ValidationReport``).

    ``sh:conforms`` is true when there is no violation (warnings allowed), as pySHACL's
    ``allow_warnings``; checks beyond SHACL name ``check:<id>`` as their constraint component.
    """
    g = Graph()
    g.bind("sh", SH)
    g.bind("check", CHECK_NS)
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=False)
    node = BNode()
    g.add((node, RDF.type, SH.ValidationReport))
    g.add((node, SH.conforms, Literal(report.conforms)))
    for f in report.findings:
        r = BNode()
        g.add((node, SH.result, r))
        g.add((r, RDF.type, SH.ValidationResult))
        g.add((r, SH.focusNode, f.focus))
        if f.path is not None:
            g.add((r, SH.resultPath, f.path))
        if f.value is not None:
            g.add((r, SH.value, f.value))
        g.add((r, SH.resultSeverity, _SEVERITY_IRI[f.severity]))
        g.add((r, SH.sourceConstraintComponent, f.component))
        if f.shape is not None:
            g.add((r, SH.sourceShape, f.shape))
        text = f"{f.message} Fix: {f.fix}" if f.fix else f.message
        g.add((r, SH.resultMessage, Literal(text, lang="en")))
    return g


def to_turtle(report: Report) -> str:
    return to_graph(report).serialize(format="turtle")
