"""The contribution gate: SHACL shapes plus the checks a shape cannot make.

Two entry points:

* :func:`validate_dataset` - the whole project (ontology, vocabularies, actors, every source)
  against ``ontology/shapes/*.ttl``; CI runs this.
* :func:`validate_contribution` - files or folders a contributor brings (Turtle, TriG,
  N-Triples, JSON-LD), checked together with the ontology and the existing data they refer to,
  reporting only findings about the contribution's own nodes.

A contribution is validated with the contribution plus only the context it references, never the
whole corpus: the IRIs it uses say by the minting rule (docs/architecture.md) where they are
defined - shared things in ``data/actors.ttl``, things of source ``<key>`` in ``seeds/<key>.ttl``
and ``data/<key>/`` - so only those files are read, and only the triples about the referenced
IRIs are kept. SHACL validates that small graph and only the findings about the
contribution's own nodes are reported: the cost follows the size of the contribution and of the
few files it points into, not the size of the corpus.

SHACL runs on pySHACL or Apache Jena (:mod:`stancegraph.shacl`; the same findings, Jena for
large data), with no inference, no ``owl:imports`` and SHACL-AF enabled (for SPARQL-based
constraints); the ontology and vocabularies are part of the data graph so that ``sh:class`` sees
subclasses and ``sh:node`` sees ``skos:inScheme``. The data graph is a read-only view of its parts
(the triples under check, the context they reference, the model), never copied but for pySHACL.
Beyond SHACL (each with a check id that reports and tests use):

==================== =====================================================================
``anchor-quote``     an anchor's ``oa:exact`` does not occur in its seed text at all
``anchor-offsets``   ``oa:start``..``oa:end`` do not hold ``oa:exact`` (the quote is elsewhere)
``anchor-prefix``    ``oa:prefix`` / ``oa:suffix`` are not the words around the span
``anchor-ambiguous`` (warning) the quote occurs several times and no ``oa:prefix`` says which
``claim-verbatim``   a claim's ``sg:verbatim`` is not in the text of its source
``document-seed``    a document's ``sg:seedFile`` / ``sg:sha256`` / ``sg:characterCount`` do not
                     match its seed file
``ontology-term``    a contribution adds triples about an ontology, vocabulary or shapes term
``unknown-term``     a class, property or concept in our namespaces that the ontology and
                     vocabularies do not define (a typo such as ``sg:claimnt``)
``iri-minting``      a new IRI that does not follow the minting rule
``iri-kind``         an IRI minted for a kind (``id/claim/...``) whose node is not of that
                     kind's class (:data:`KIND_CLASSES`: ``sg:Claim``)
``iri-source``       a thing of source A (id/<kind>/A/<n>) anchored in the document of source B
``iri-reused``       an IRI that already names a different thing in the existing data
``dangling-reference`` a link to an ``id/`` IRI that is defined nowhere
``literal-form``     a typed literal whose text is not a value of its datatype
                     (``"2016-02-30"^^xsd:date``, ``"abc"^^xsd:integer``, a number too long to
                     read)
==================== =====================================================================
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.namespace import OWL, SKOS, XSD
from rdflib.term import Node

from stancegraph import anchors, graph, safety, shacl
from stancegraph.errors import InputError, ProjectError
from stancegraph.sources import Project, SeedText, read_seed, refuse_outside, seed_texts_in

SH = Namespace("http://www.w3.org/ns/shacl#")
SG = graph.SG
OA = anchors.OA
SCHEMA = graph.SCHEMA

#: Namespaces whose terms only the ontology, vocabularies and shapes may define.
ONTOLOGY_NS = str(SG)
VOCAB_NS = graph.VOCAB_BASE
SHAPES_NS = "https://w3id.org/stancegraph/shapes"
ID_NS = graph.ID_BASE
#: Check ids are IRIs in this namespace in the Turtle report (``sh:sourceConstraintComponent``).
CHECK_NS = Namespace("https://w3id.org/stancegraph/check#")

#: Kinds of shared things (``id/<kind>/<slug>``) and of things of one source
#: (``id/<kind>/<key>/<n>``), from docs/architecture.md, plus the kinds the data uses for classes
#: the table there does not name: ``equipment`` (shared), ``membership`` (org:Membership),
#: ``related`` (sg:RelatedArticle), ``metadata`` (sg:ExternalMetadata), ``proposition``
#: (sg:Proposition) and ``unnamed-source`` (sg:UnnamedSource) of one source.
SHARED_KINDS = [
    "person",
    "state",
    "government",
    "armed-force",
    "armed-group",
    "media",
    "forum",
    "group",
    "organization",
    "post",
    "place",
    "issue",
    "equipment",
]
SOURCE_KINDS = [
    "claim",
    "membership",
    "related",
    "metadata",
    "stance",
    "event",
    "relation",
    "quantity",
    "anchor",
    "mention",
    "time",
    "proposition",
    "unnamed-source",
]
_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
SHARED_IRI = re.compile(
    rf"^{re.escape(ID_NS)}(?P<kind>{'|'.join(SHARED_KINDS)})/(?P<slug>{_SLUG})$"
)
SOURCE_IRI = re.compile(
    rf"^{re.escape(ID_NS)}(?P<kind>{'|'.join(SOURCE_KINDS)})/(?P<key>{_SLUG})/(?P<n>[1-9][0-9]*)$"
)
DOCUMENT_IRI = re.compile(rf"^{re.escape(graph.DOCUMENT_BASE)}(?P<key>{_SLUG})$")

ORG = Namespace(graph.NAMESPACES["org"])
TIME = Namespace(graph.NAMESPACES["time"])

#: The class a node must have (itself or a subclass) when its IRI is minted for a kind: the class
#: whose shape requires that IRI pattern (ontology/shapes/). The minting rule says what an IRI
#: names; a ``claim/`` IRI that is not an ``sg:Claim`` escapes every claim shape. (A class the
#: project's ontology does not define is not asked for; the project's ontology defines every class
#: of the kinds in SHARED_KINDS and SOURCE_KINDS.)
KIND_CLASSES: dict[str, tuple[URIRef, ...]] = {
    "person": (SG.Person,),
    "state": (SG.State,),
    "government": (SG.Government,),
    "armed-force": (SG.StateArmedForce,),
    "armed-group": (SG.ArmedGroup,),
    "media": (SG.MediaOrganization,),
    "forum": (SG.IntergovernmentalForum,),
    "group": (SG.CollectiveActor,),
    "organization": (SG.Organization,),
    "post": (ORG.Post,),
    "place": (SG.Place,),
    "issue": (SG.Issue,),
    "equipment": (SG.Equipment,),
    "claim": (SG.Claim,),
    "membership": (ORG.Membership,),
    "related": (SG.RelatedArticle,),
    "metadata": (SG.ExternalMetadata,),
    "stance": (SG.Stance,),
    "event": (SG.Event,),
    "relation": (SG.Relation,),
    "quantity": (SG.Quantity, SG.QuantityChange),
    "anchor": (OA.SpecificResource,),
    "mention": (SG.Mention,),
    "time": (TIME.TemporalEntity, TIME.Duration),
    "document": (SG.SourceDocument,),
    # the kinds of issue #18 (sg:Proposition, sg:UnnamedSource), for when the ontology has them
    "proposition": (SG.Proposition,),
    "unnamed-source": (SG.UnnamedSource,),
}

#: File extensions read from a contribution folder.
CONTRIBUTION_EXTENSIONS = frozenset({".ttl", ".trig", ".nt", ".nq", ".jsonld", ".json"})

VIOLATION, WARNING, INFO = "Violation", "Warning", "Info"
_SEVERITY = {SH.Violation: VIOLATION, SH.Warning: WARNING, SH.Info: INFO}
_SEVERITY_IRI = {v: k for k, v in _SEVERITY.items()}

PREFIXES = {
    **graph.NAMESPACES,
    "sh": str(SH),
    "vocab": VOCAB_NS,
    "id": ID_NS,
}


# --------------------------------------------------------------------------------------------
# Findings and reports


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
    """A readable name: ``id/...`` IRIs without the base, others with a known prefix."""
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
    if text.startswith(ID_NS):
        return text[len(ID_NS) :]
    best = ""
    best_prefix = ""
    for prefix, ns in PREFIXES.items():
        if prefix == "id":
            continue
        if text.startswith(ns) and len(ns) > len(best):
            best, best_prefix = ns, prefix
    if best:
        return f"{best_prefix}:{text[len(best) :]}"
    return f"<{text}>"


def split_message(text: str) -> tuple[str, str]:
    """``"Problem. Fix: action."`` -> ``("Problem.", "action.")``."""
    head, sep, tail = text.partition(" Fix: ")
    return (head.strip(), tail.strip()) if sep else (text.strip(), "")


# --------------------------------------------------------------------------------------------
# Reading files


@dataclass
class SourceFile:
    """One parsed file: its path, text and format, its triples (named graphs flattened) and the
    prefixes it declared."""

    path: Path
    text: str
    fmt: str
    triples: list[tuple[Node, Node, Node]]
    prefixes: dict[str, str]

    @functools.cached_property
    def graph(self) -> Graph:
        """The file's triples as a graph (built on first use: small files only need it)."""
        g = Graph(store="SimpleMemory")
        g.addN((s, p, o, g) for s, p, o in self.triples)
        return g

    @functools.cached_property
    def subject_set(self) -> frozenset[Node]:
        return frozenset(t[0] for t in self.triples)

    def subjects(self) -> set[Node]:
        return set(self.subject_set)

    @functools.cached_property
    def subject_lines(self) -> dict[str, int]:
        """Each term spelling that begins a line (after white space and ``[``; in JSON-LD: each
        ``"@id"`` value) -> the first such line. One pass over the text."""
        if self.fmt == "json-ld":
            return _first_lines(self.text, _JSON_IDS.finditer(self.text))
        return _first_lines(
            self.text, _LINE_HEADS.finditer(self.text), strip_dot=True, after=_HEAD_AFTER
        )

    @functools.cached_property
    def token_lines(self) -> dict[str, int]:
        """Each term spelling anywhere in the text (in JSON-LD: each string) -> its first line."""
        if self.fmt == "json-ld":
            return _first_lines(self.text, _JSON_STRINGS.finditer(self.text), after=_JSON_AFTER)
        return _first_lines(
            self.text, _TOKENS.finditer(self.text), strip_dot=True, after=_TOKEN_AFTER
        )

    @functools.cached_property
    def subject_iris(self) -> dict[str, int]:
        """Each IRI written at the start of a line (see :attr:`subject_lines`), under any of its
        spellings (in full or with any prefix that names its namespace) -> the first such line."""
        return self._iris(self.subject_lines)

    @functools.cached_property
    def token_iris(self) -> dict[str, int]:
        """Each IRI written anywhere (see :attr:`token_lines`) -> the first line it is on."""
        return self._iris(self.token_lines)

    def _iris(self, lines: dict[str, int]) -> dict[str, int]:
        iris: dict[str, int] = {}
        json = self.fmt == "json-ld"
        for token, line in lines.items():
            for iri in _iris_of(token, self.prefixes, json):
                if line < iris.get(iri, line + 1):
                    iris[iri] = line
        return iris


def read_file(path: Path, ntriples: BinaryIO | None = None) -> SourceFile:
    """Parse ``path`` through :mod:`stancegraph.safety`; named graphs are flattened. Its triples
    are also written to ``ntriples``, if given, as N-Triples with the same blank node labels."""
    fmt = safety.detect_format(path)
    data = safety.read_limited(path)
    ox_triples: list[Any] | None = [] if ntriples is not None else None
    groups, prefixes = safety.read_terms(data, name=path, format=fmt, ox_triples=ox_triples)
    if ntriples is not None:
        ox.serialize(ox_triples, ntriples, ox.RdfFormat.N_TRIPLES)
    return SourceFile(
        path=path,
        text=safety.decode(data, path),
        fmt=fmt,
        triples=[t for part in groups.values() for t in part],
        prefixes=prefixes,
    )


def collect_files(paths: Sequence[str | Path]) -> list[Path]:
    """The RDF files named by ``paths``: files as given, folders searched for RDF extensions.

    A URL is refused (never fetched). A file found in a folder must be a regular file inside that
    folder once symbolic links are followed: a link out of the folder, a pipe or a device is
    refused with its name, never opened (a link to another file of the folder is read once)."""
    found: list[Path] = []
    for raw in paths:
        if safety.is_url(str(raw)):
            safety.read_limited(str(raw))  # raises: a URL is never fetched
        path = Path(raw)
        if path.is_dir():
            inside = []
            for p in sorted(path.rglob("*")):
                if p.suffix.lower() not in CONTRIBUTION_EXTENSIONS or p.is_dir():
                    continue
                refuse_outside(p, path, "a contribution's file")
                inside.append(p)
            if not inside:
                raise InputError(
                    path, None, None, "folder holds no RDF file (.ttl, .trig, .nt, .jsonld)"
                )
            found.extend(inside)
        elif path.exists():
            found.append(path)
        else:
            raise InputError(path, None, None, "no such file or folder")
    unique: dict[Path, Path] = {}
    for p in found:
        unique.setdefault(p.resolve(), p)
    return list(unique.values())


# Where terms are written, for find_line: each file's text is scanned once and every spelling of a
# term mapped to the first line where it stands first on a line (a subject) and to the first line
# where it occurs at all. A token is an IRI in angle brackets or a run of characters up to white
# space or punctuation that cannot be part of a prefixed name (a final "." ends a statement).
_TOKEN = r"<[^<>\s]*>|[^\s;,\[\]()<>\"'{}^]+"
_TOKENS = re.compile("(" + _TOKEN + ")")
_LINE_HEADS = re.compile(r"(?m)^[ \t\[]*(" + _TOKEN + ")")
_JSON_STRINGS = re.compile(r'"((?:[^"\\]++|\\.)*+)"')
_JSON_IDS = re.compile(r'"@id"\s*+:\s*+"((?:[^"\\]++|\\.)*+)"')
_SPACE = " \t\r\n\f\v"
_HEAD_AFTER = frozenset(_SPACE + ";,.]")  # what may follow a subject at the start of a line
_JSON_AFTER = _TOKEN_AFTER = frozenset(_SPACE + ';,.]"')  # ... a term anywhere


def _first_lines(
    text: str,
    matches: Iterable[re.Match[str]],
    *,
    strip_dot: bool = False,
    after: frozenset[str] | None = None,
) -> dict[str, int]:
    """Each distinct group 1 of ``matches`` (found in text order) -> the line it is first on.

    ``strip_dot`` (Turtle-like tokens): a final ``.`` is dropped from a prefixed name, since it
    ends the statement (a prefixed name cannot end in one). ``after``: only the tokens followed by
    one of its characters, or by the end, count (so ``org:Role`` is not found in
    ``(org:Role)``)."""
    lines: dict[str, int] = {}
    line, pos = 1, 0
    end = len(text)
    for m in matches:
        token = m.group(1)
        tail = m.end()
        if strip_dot and not token.startswith("<"):
            stripped = token.rstrip(".")
            tail -= len(token) - len(stripped)
            token = stripped
        if not token or token in lines:
            continue
        if after is not None and tail < end and text[tail] not in after:
            continue
        start = m.start(1)
        line += text.count("\n", pos, start)
        pos = start
        lines[token] = line
    return lines


def find_line(source: SourceFile, node: Node) -> int | None:
    """The line of ``node``'s first occurrence as a subject in ``source`` (else anywhere).

    Linear in the file, whatever the number of prefixes and of lookups: each file is indexed once
    (:attr:`SourceFile.subject_iris`, :attr:`SourceFile.token_iris`), and a lookup is one read."""
    if not isinstance(node, URIRef):
        return None
    text = str(node)
    line = source.subject_iris.get(text)
    return line if line is not None else source.token_iris.get(text)


def _iris_of(token: str, prefixes: dict[str, str], json: bool) -> Iterator[str]:
    """The IRI a term spelling stands for: ``<IRI>``, or a prefixed name whose local part is
    plain (letters, digits, ``_.-``, not ending in ``.``); in JSON-LD, a string itself, too."""
    if json:
        yield token
    elif token.startswith("<"):
        if token.endswith(">"):
            yield token[1:-1]
        return
    prefix, colon, local = token.partition(":")
    if colon and _LOCAL.fullmatch(local) and not local.endswith("."):
        namespace = prefixes.get(prefix)
        if namespace:
            yield namespace + local


_LOCAL = re.compile(r"[A-Za-z0-9_.\-]*")


# --------------------------------------------------------------------------------------------
# The model: ontology, vocabularies, shapes


@dataclass
class Model:
    """What the project defines: ontology and vocabularies (for the data graph) and shapes."""

    ontology: Graph
    vocab: Graph
    shapes: Graph

    @functools.cached_property
    def terms(self) -> set[URIRef]:
        """Every IRI the ontology, vocabularies or shapes describe (a subject there)."""
        found = {s for s in self.ontology.subjects() if isinstance(s, URIRef)}
        found |= {s for s in self.vocab.subjects() if isinstance(s, URIRef)}
        found |= {s for s in self.shapes.subjects() if isinstance(s, URIRef)}
        return found

    def disjoint_pairs(self) -> set[tuple[URIRef, URIRef]]:
        return {
            (a, b)
            for a, b in self.ontology.subject_objects(OWL.disjointWith)
            if isinstance(a, URIRef) and isinstance(b, URIRef)
        }


def load_model(project: Project) -> Model:
    """Parse the ontology, vocabularies and shapes of ``project``."""
    if not project.ontology_file.is_file():
        raise ProjectError(f"{project.ontology_file}: the ontology file is missing")
    shapes = Graph()
    for path in project.shapes_files:
        safety.parse_file(path, graph=shapes)
    if len(shapes) == 0:
        raise ProjectError(f"no SHACL shapes in {project.root / 'ontology' / 'shapes'}")
    vocab = Graph()
    for path in project.vocab_files:
        safety.parse_file(path, graph=vocab)
    return Model(
        ontology=safety.parse_file(project.ontology_file),
        vocab=vocab,
        shapes=shapes,
    )


# --------------------------------------------------------------------------------------------
# SHACL


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
        severity = _SEVERITY.get(severity_iri, VIOLATION)
        messages = [str(m) for m in results.objects(result, SH.resultMessage)]
        if not messages and shape is not None:
            messages = [str(m) for m in shapes.objects(shape, SH.message)]
        message = messages[0] if messages else f"{short_component(component)} not satisfied"
        out.append((focus, path, value, component, severity, message, shape))
    return out


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
# Checks beyond SHACL


def data_graph(parts: Sequence[Graph]) -> Graph:
    """One read-only view of ``parts`` (each triple in one part only), without copying them."""
    return ReadOnlyGraphAggregate(list(parts))


def without(g: Graph, triples: Iterable[tuple[Node, Node, Node]]) -> Graph:
    """A copy of (small) ``g`` without ``triples``: so that the parts of a view are disjoint."""
    drop = set(triples)
    out = Graph(store="SimpleMemory")
    out.addN((s, p, o, out) for s, p, o in g if (s, p, o) not in drop)
    return out


@dataclass
class Context:
    """Everything the checks need: the graph checked, the nodes reported on, where they are."""

    parts: list[Graph]  # the data graph, in disjoint parts: checked, existing context, model
    checked: Graph  # the triples under check (the contribution, or all data)
    focus: set[Node]
    model: Model
    files: list[SourceFile]
    seeds: dict[str, SeedText]  # key -> the seed text read (see load_seeds)
    existing: Graph  # triples of the existing data about referenced IRIs (contribution mode)
    existing_where: dict[Node, tuple[str, int | None]] = field(default_factory=dict)
    contribution: bool = False
    next_free: dict[tuple[str, str], int] = field(default_factory=dict)
    #: the triples under check as a list, which the checks scan (far faster than the graph);
    #: a triple stated in two files may occur twice
    checked_triples: list[tuple[Node, Node, Node]] = field(default_factory=list)

    @functools.cached_property
    def data(self) -> Graph:
        """Contribution (or dataset) + referenced context + ontology + vocabularies, read-only."""
        return data_graph(self.parts)

    @functools.cached_property
    def verified(self) -> dict[str, str]:
        """The seed texts that the checks may quote, by key: those whose document
        (``doc:<key>``, described in the contribution or the project) gives an ``sg:sha256`` and
        an ``sg:characterCount`` and where every one of them matches the text. A text that its
        description does not vouch for is never compared with a quote, so nothing of it can
        appear in a finding (SECURITY.md)."""
        out: dict[str, str] = {}
        for key, seed in self.seeds.items():
            doc = URIRef(graph.DOCUMENT_BASE + key)
            sums = list(self.data.objects(doc, SG.sha256))
            counts = list(self.data.objects(doc, SG.characterCount))
            if (
                sums
                and counts
                and all(str(v) == seed.sha256 for v in sums)
                and all(str(v) == str(len(seed.text)) for v in counts)
            ):
                out[key] = seed.text
        return out

    def merged(self) -> Graph:
        """The data graph as one graph of its own (what pySHACL validates)."""
        out = Graph()
        for part in self.parts:
            out.addN((s, p, o, out) for s, p, o in part)
        return out

    @functools.cached_property
    def checked_subjects(self) -> list[URIRef]:
        """The IRIs that are subjects of the triples under check, sorted (from the list of
        triples: a scan of it is far faster than the graph's)."""
        subjects = {t[0] for t in self.checked_triples}
        return sorted((s for s in subjects if isinstance(s, URIRef)), key=str)

    @functools.cached_property
    def _where(self) -> tuple[dict[Node, SourceFile], dict[Node, SourceFile]]:
        """The first file where each node is a subject, and where each is an object."""
        as_subject: dict[Node, SourceFile] = {}
        as_object: dict[Node, SourceFile] = {}
        for source in self.files:
            for s, _p, o in source.triples:
                as_subject.setdefault(s, source)
                as_object.setdefault(o, source)
        return as_subject, as_object

    def locate(self, node: Node) -> tuple[str | None, int | None]:
        target = node
        if isinstance(node, BNode):
            target, _ = named_ancestor(self.data, node)
        as_subject, as_object = self._where
        source = as_subject.get(target)
        if source is None and not isinstance(node, BNode):
            source = as_object.get(target)
        if source is None:
            return None, None
        return str(source.path), find_line(source, target)


class _Collector:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.items: list[Finding] = []

    def add(
        self,
        check: str,
        focus: Node,
        path: Node | None,
        value: Node | None,
        message: str,
        fix: str,
        severity: str = VIOLATION,
    ) -> None:
        file, line = self.ctx.locate(focus)
        self.items.append(
            Finding(
                focus=focus,
                focus_label=describe(self.ctx.data, focus),
                path=path,
                value=value,
                component=CHECK_NS[check],
                severity=severity,
                message=message,
                fix=fix,
                shape=CHECK_NS[check],
                file=file,
                line=line,
            )
        )


def _seed(ctx: Context, key: str | None) -> str | None:
    """The verified seed text of ``key`` (see :attr:`Context.verified`), else None."""
    if key is None:
        return None
    return ctx.verified.get(key)


def check_anchors(ctx: Context, out: _Collector) -> None:
    """Quotes against the seed text at their offsets; prefix and suffix; ambiguity."""
    for anchor in anchors.read_anchors(ctx.data):
        if anchor.iri not in ctx.focus:
            continue
        text = _seed(ctx, anchor.key)
        if text is None:
            if (
                anchor.source is None
                or (anchor.source, RDF.type, SG.SourceDocument) not in ctx.data
            ):
                continue  # unknown document: the shapes report oa:hasSource
            if anchor.key in ctx.seeds:
                if anchor.source in ctx.focus:
                    continue  # its description is under check: document-seed reports it
                problem = (
                    "does not match the document's sg:sha256 and sg:characterCount, so no "
                    "quote is checked against it; restore the text (byte for byte) or correct "
                    f"seeds/{anchor.key}.ttl"
                )
            else:
                problem = (
                    "is missing; restore it (byte for byte) or add it to the contribution "
                    "folder's seeds/"
                )
            # a known document whose text is gone or unverified: nothing can be checked (exit 2)
            file, line = ctx.locate(anchor.iri)
            raise InputError(
                file or shorten(anchor.iri),
                line,
                None,
                f"anchor {shorten(anchor.iri)}: the text of its source document, "
                f"seeds/{anchor.key}.txt, {problem}",
            )
        where = f"seeds/{anchor.key}.txt"
        if anchor.exact is None or anchor.start is None or anchor.end is None:
            continue  # missing selectors or wrong datatypes: the shapes report them
        # the same problems, in the same words, as scripts/anchor_offsets.py (anchors.diagnose)
        for problem in anchors.diagnose(
            text,
            anchor.exact,
            anchor.start,
            anchor.end,
            anchor.prefix,
            anchor.suffix,
            where=where,
        ):
            out.add(
                problem.check,
                anchor.iri,
                OA[problem.selector],
                None if problem.value is None else Literal(problem.value),
                problem.message,
                problem.fix,
                severity=WARNING if problem.warning else VIOLATION,
            )


def check_verbatim(ctx: Context, out: _Collector) -> None:
    """A claim's verbatim words occur in the text of the document its anchors point into."""
    for claim, verbatim in ctx.data.subject_objects(SG.verbatim):
        if claim not in ctx.focus or not isinstance(verbatim, Literal):
            continue
        keys = {
            anchors.Anchor(iri=a, source=ctx.data.value(a, OA.hasSource), exact=None).key
            for a in ctx.data.objects(claim, SG.anchor)
        }
        texts = [(k, _seed(ctx, k)) for k in sorted(k for k in keys if k)]
        texts = [(k, t) for k, t in texts if t is not None]
        if not texts:
            continue
        if not any(str(verbatim) in t for _k, t in texts):
            hint = _near_miss(texts[0][1], str(verbatim))
            out.add(
                "claim-verbatim",
                claim,
                SG.verbatim,
                verbatim,
                f"sg:verbatim {_quote(str(verbatim))} is not in seeds/{texts[0][0]}.txt: "
                f"verbatim words must be the source's, character for character.{hint}",
                "copy the words inside the quotation marks from the seed text, or move a "
                "rewording to sg:paraphrase.",
            )


def check_documents(ctx: Context, out: _Collector) -> None:
    """A document's seed file, SHA-256 and character count match the seed text."""
    for doc in set(ctx.data.subjects(RDF.type, SG.SourceDocument)):
        if doc not in ctx.focus:
            continue
        match = DOCUMENT_IRI.match(str(doc))
        if not match:
            continue  # the shapes report the IRI
        key = match.group("key")
        seed = ctx.seeds.get(key)
        if seed is None:
            out.add(
                "document-seed",
                doc,
                SG.seedFile,
                ctx.data.value(doc, SG.seedFile),
                f"No seed text seeds/{key}.txt was found for this document.",
                f"add the article's text, byte for byte, as seeds/{key}.txt (in the project, or "
                "in the seeds/ folder of the contribution folder you name).",
            )
            continue
        text = seed.text
        seed_file = ctx.data.value(doc, SG.seedFile)
        if isinstance(seed_file, Literal) and str(seed_file) != f"seeds/{key}.txt":
            out.add(
                "document-seed",
                doc,
                SG.seedFile,
                seed_file,
                f"sg:seedFile is {_quote(str(seed_file))} but the document's key is '{key}'.",
                f'write sg:seedFile "seeds/{key}.txt".',
            )
        digest = seed.sha256
        unchecked = " Until it does, no quote is checked against the text."
        for value in ctx.data.objects(doc, SG.sha256):
            if str(value) != digest:
                out.add(
                    "document-seed",
                    doc,
                    SG.sha256,
                    value,
                    f"sg:sha256 does not match seeds/{key}.txt (its SHA-256 is {digest})."
                    + unchecked,
                    f'write sg:sha256 "{digest}", or restore the seed text if it was changed '
                    "by mistake.",
                )
        for value in ctx.data.objects(doc, SG.characterCount):
            if str(value) != str(len(text)):
                out.add(
                    "document-seed",
                    doc,
                    SG.characterCount,
                    value,
                    f"sg:characterCount is {_clip(str(value))} but seeds/{key}.txt has {len(text)} "
                    "code points." + unchecked.replace("it does", "they match"),
                    f"write sg:characterCount {len(text)}.",
                )


def check_ontology_terms(ctx: Context, out: _Collector) -> None:
    """A contribution must not add triples about the model's terms (or mint terms in its
    namespaces)."""
    terms = ctx.model.terms
    seen: set[tuple[Node, Node]] = set()
    for s, p, o in ctx.checked_triples:
        if not isinstance(s, URIRef):
            continue
        text = str(s)
        ours = (
            text.startswith(ONTOLOGY_NS) or text.startswith(VOCAB_NS) or text.startswith(SHAPES_NS)
        )
        if s in terms or ours:
            if (s, p) in seen:
                continue
            seen.add((s, p))
            what = "defined in the ontology" if s in terms else "in the ontology's namespace"
            out.add(
                "ontology-term",
                s,
                p,
                o,
                f"{shorten(s)} is {what}; a contribution may use it but not describe it "
                f"(here: {shorten(p)} {shorten(o)}).",
                "remove these triples; to change the ontology or a vocabulary, open an issue "
                "or a pull request on ontology/.",
            )


def check_unknown_terms(ctx: Context, out: _Collector) -> None:
    """Classes, properties and concepts in our namespaces that nothing defines (typos)."""
    terms = ctx.model.terms
    rdf_type = RDF.type
    for s, p, o in ctx.checked_triples:
        if s not in ctx.focus:
            continue
        for term, role in ((p, "property"), (o if p == rdf_type else None, "class")):
            if term is None or term in terms:
                continue
            if str(term).startswith(ONTOLOGY_NS):
                out.add(
                    "unknown-term",
                    s,
                    p,
                    o,
                    f"{shorten(term)} is not a {role} of the ontology (a typo?).",
                    f"use a term defined in ontology/stancegraph.ttl; {_suggest(term, terms)}",
                )
        if isinstance(o, URIRef) and o not in terms and str(o).startswith(VOCAB_NS):
            scheme = str(o)[len(VOCAB_NS) :].split("/")[0]
            out.add(
                "unknown-term",
                s,
                p,
                o,
                f"{shorten(o)} is not a concept of any vocabulary.",
                f"pick a concept from ontology/vocab/{scheme}.ttl; {_suggest(o, terms)}",
            )


def check_minting(ctx: Context, out: _Collector) -> None:
    """New IRIs follow https://w3id.org/stancegraph/id/<kind>/<slug> or <kind>/<key>/<n>."""
    for s in ctx.checked_subjects:
        if s not in ctx.focus or s in ctx.model.terms:
            continue
        text = str(s)
        if text.startswith((ONTOLOGY_NS, VOCAB_NS, SHAPES_NS)):
            continue  # ontology-term reports these
        if ctx.contribution and (s, None, None) in ctx.existing:
            continue  # not new
        if SHARED_IRI.match(text) or DOCUMENT_IRI.match(text):
            continue
        match = SOURCE_IRI.match(text)
        if match:
            key = match.group("key")
            if key not in ctx.seeds:
                out.add(
                    "iri-minting",
                    s,
                    None,
                    None,
                    f"The IRI names source '{key}', but there is no such source (no "
                    f"seeds/{key}.txt in the project or the contribution).",
                    "use the key of the source the statement comes from "
                    "(id/<kind>/<source key>/<n>).",
                )
            continue
        if text.startswith(ID_NS):
            why = (
                "does not follow the minting rule: id/<kind>/<slug> for shared things (kind one "
                f"of {', '.join(SHARED_KINDS)}), id/<kind>/<source key>/<n> for things of one "
                f"source (kind one of {', '.join(SOURCE_KINDS)}), slugs lower-case ASCII words "
                "joined by '-', n a positive integer"
            )
        else:
            why = "is not in the project's namespace https://w3id.org/stancegraph/id/"
        out.add(
            "iri-minting",
            s,
            None,
            None,
            f"The new IRI <{text}> {why}.",
            "rename it by the rule in docs/architecture.md (see CONTRIBUTING.md, 'IRIs').",
        )


def check_kinds(ctx: Context, out: _Collector) -> None:
    """An IRI minted for a kind (``id/claim/<key>/<n>``, ``id/person/<slug>``) names a node of
    that kind's class (:data:`KIND_CLASSES`), here or in the existing data."""
    ontology = ctx.model.ontology
    closures: dict[frozenset[Node], set[Node]] = {}
    for s in ctx.checked_subjects:
        if s not in ctx.focus or s in ctx.model.terms:
            continue
        text = str(s)
        match = SHARED_IRI.match(text) or SOURCE_IRI.match(text)
        kind = match.group("kind") if match else "document" if DOCUMENT_IRI.match(text) else None
        if kind is None:
            continue
        expected = tuple(c for c in KIND_CLASSES.get(kind, ()) if c in ctx.model.terms)
        if not expected:
            continue  # a project whose ontology lacks the class (a test fixture) cannot ask it
        types = frozenset(ctx.data.objects(s, RDF.type))
        if types not in closures:
            closures[types] = _superclasses(ontology, types)
        if closures[types].intersection(expected):
            continue
        wanted = " or ".join(shorten(c) for c in expected)
        has = f"is a {', '.join(sorted(shorten(t) for t in types))}" if types else "has no rdf:type"
        out.add(
            "iri-kind",
            s,
            RDF.type,
            None,
            f"{shorten(s)} is minted as a {kind} (id/{kind}/...) but {has}: a {kind} IRI "
            f"names a {wanted}.",
            f"add `a {shorten(expected[0])}`; if it names another kind of thing, mint its IRI "
            "for that kind (CONTRIBUTING.md, 'IRIs').",
        )


_INTEGER_TYPES = frozenset(
    XSD[name]
    for name in [
        "integer",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    ]
)


def check_literals(ctx: Context, out: _Collector) -> None:
    """A typed literal's text is a value of its datatype (rdflib could read it)."""
    for s, p, o in ctx.checked_triples:
        if not isinstance(o, Literal) or o.ill_typed is not True or s not in ctx.focus:
            continue
        text = str(o)
        datatype = shorten(o.datatype)
        digits = len(text.strip().lstrip("+-"))
        most = sys.get_int_max_str_digits()
        if o.datatype in _INTEGER_TYPES and digits > most and text.strip().lstrip("+-").isdigit():
            problem = f"is a number of {digits} digits; stancegraph reads at most {most}"
        else:
            problem = f"is not a valid {datatype}"
        out.add(
            "literal-form",
            s,
            p,
            o,
            f"{_quote(text)}^^{datatype} {problem}.",
            'write the value in the form its datatype requires (an xsd:date is "2016-03-14", '
            "an xsd:integer 42 without quotes), or correct the datatype.",
        )


def check_source_key(ctx: Context, out: _Collector) -> None:
    """A thing of one source (id/<kind>/<key>/<n>) is anchored in that source's document."""
    for s, anchor in ctx.data.subject_objects(SG.anchor):
        if s not in ctx.focus or not isinstance(s, URIRef):
            continue
        match = SOURCE_IRI.match(str(s))
        doc = ctx.data.value(anchor, OA.hasSource)
        doc_match = DOCUMENT_IRI.match(str(doc)) if doc is not None else None
        if not match or not doc_match or match.group("key") == doc_match.group("key"):
            continue
        out.add(
            "iri-source",
            s,
            SG.anchor,
            anchor,
            f"The IRI names source '{match.group('key')}', but its anchor {shorten(anchor)} "
            f"points into document '{doc_match.group('key')}'.",
            "mint the IRI under the source its words come from (id/<kind>/<source key>/<n>), "
            "or anchor it in that source.",
        )


def check_reuse(ctx: Context, out: _Collector) -> None:
    """An IRI of the existing data given to a different thing by the contribution."""
    if not ctx.contribution:
        return
    ontology = ctx.model.ontology
    labels = (RDFS.label, SKOS.prefLabel, SG.paraphrase)
    for s in ctx.checked_subjects:
        if s not in ctx.focus or (s, None, None) not in ctx.existing:
            continue
        where_file, where_line = ctx.existing_where.get(s, ("the existing data", None))
        where = f"{where_file}:{where_line}" if where_line else where_file
        match = SOURCE_IRI.match(str(s))
        if match:
            kind, key = match.group("kind"), match.group("key")
            nxt = ctx.next_free.get((kind, key))
            hint = f" (the next free number is {nxt})" if nxt else ""
            out.add(
                "iri-reused",
                s,
                None,
                None,
                f"{shorten(s)} is already defined in {where}; a contribution cannot define it "
                "again.",
                f"give this {kind} a new number{hint}; to correct the existing one, edit "
                f"{where_file} itself.",
            )
            continue
        old_types = set(ctx.existing.objects(s, RDF.type))
        new_types = set(ctx.checked.objects(s, RDF.type))
        if old_types and new_types:
            old_closure = _superclasses(ontology, old_types)
            new_closure = _superclasses(ontology, new_types)
            foreign = {
                t
                for t in new_types
                if t not in old_closure and not (old_types & _subclasses_closure(ontology, t))
            }
            if foreign and not (old_types <= new_closure):
                out.add(
                    "iri-reused",
                    s,
                    RDF.type,
                    sorted(foreign, key=str)[0],
                    f"{shorten(s)} is already a {', '.join(sorted(shorten(t) for t in old_types))} "
                    f"in {where}; this contribution makes it a "
                    f"{', '.join(sorted(shorten(t) for t in foreign))}.",
                    "mint a new IRI for the new thing, or use the existing one as it is.",
                )
        for prop in labels:
            old = {
                (v.language, str(v))
                for v in ctx.existing.objects(s, prop)
                if isinstance(v, Literal)
            }
            for value in ctx.checked.objects(s, prop):
                if not isinstance(value, Literal):
                    continue
                same_lang = {text for lang, text in old if lang == value.language}
                if same_lang and str(value) not in same_lang:
                    out.add(
                        "iri-reused",
                        s,
                        prop,
                        value,
                        f"{shorten(s)} is already called {_quote(sorted(same_lang)[0])} "
                        f"in {where}; "
                        f"this contribution calls it {_quote(str(value))}.",
                        "if it is the same thing, drop the new label (add skos:altLabel for "
                        "another name); if not, mint a new IRI.",
                    )


def check_dangling(ctx: Context, out: _Collector) -> None:
    """Links to id/ IRIs that nothing defines."""
    defined: set[Node] = {t[0] for t in ctx.checked_triples}
    for part in ctx.parts:
        if part is not ctx.checked:
            defined.update(part.subjects(unique=True))
    rdf_type = RDF.type
    for s, p, o in ctx.checked_triples:
        if p == rdf_type or not isinstance(o, URIRef) or s not in ctx.focus:
            continue
        if not o.startswith(ID_NS) or o in defined:
            continue
        out.add(
            "dangling-reference",
            s,
            p,
            o,
            f"{shorten(o)} is not defined anywhere: not in this contribution, not where the "
            "minting rule puts it in the existing data.",
            "check the IRI for typos, or add the thing it names (shared things in "
            "data/actors.ttl, things of a source in data/<key>/).",
        )


CHECKS = (
    check_anchors,
    check_verbatim,
    check_documents,
    check_ontology_terms,
    check_unknown_terms,
    check_minting,
    check_kinds,
    check_literals,
    check_source_key,
    check_reuse,
    check_dangling,
)


def _superclasses(ontology: Graph, classes: Iterable[Node]) -> set[Node]:
    found: set[Node] = set()
    for c in classes:
        found.add(c)
        found.update(ontology.transitive_objects(c, RDFS.subClassOf))
    return found


def _subclasses_closure(ontology: Graph, cls: Node) -> set[Node]:
    return set(ontology.transitive_subjects(RDFS.subClassOf, cls))


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_quote = anchors.quote
_near_miss = anchors.near_miss


def _suggest(term: Node, terms: set[URIRef]) -> str:
    import difflib

    text = str(term)
    base = text.rsplit("#", 1)[0] + "#" if "#" in text else text.rsplit("/", 1)[0] + "/"
    local = text[len(base) :]
    candidates = {str(t)[len(base) :]: t for t in terms if str(t).startswith(base)}
    close = difflib.get_close_matches(local, list(candidates), n=1, cutoff=0.6)
    return f"did you mean {shorten(candidates[close[0]])}?" if close else "see the ontology README."


# --------------------------------------------------------------------------------------------
# Seeds


def load_seeds(project: Project, folders: Sequence[Path] = ()) -> dict[str, SeedText]:
    """Seed texts by key: the project's ``seeds/*.txt`` first, then those of the contribution
    ``folders`` (each folder's ``seeds/*.txt``, :func:`stancegraph.sources.seed_texts_in`).

    Nothing else is read: not the folder of a file named alone, not other ``*.txt`` files. Each
    is a regular file inside the project or its folder, read within ``--max-bytes``; a key the
    project already has is not read again from a folder."""
    seeds: dict[str, SeedText] = {}
    for path in project.seed_texts():
        seeds[path.stem] = read_seed(path, within=project.root)
    for folder in folders:
        for path in seed_texts_in(folder):
            if path.stem not in seeds:
                seeds[path.stem] = read_seed(path, within=folder)
    return seeds


# --------------------------------------------------------------------------------------------
# Validation


def _finish(
    ctx: Context, engine: str, checked: str, running: shacl.JenaRun | None = None
) -> Report:
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
    findings.extend(extra)
    findings = _dedupe(findings)
    findings.sort(
        key=lambda f: (f.file or "~", f.line or 0, f.focus_label, shorten(f.path), f.check)
    )
    return Report(
        findings=findings,
        checked=checked,
        files=[str(s.path) for s in ctx.files],
        nodes=len(ctx.focus),
        engine=used.label,
    )


def _run_checks(ctx: Context) -> list[Finding]:
    collector = _Collector(ctx)
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


def validate_dataset(project: Project, engine: str = "auto") -> Report:
    """The whole project: ontology, vocabularies and every data file, against the shapes.

    ``engine``: ``auto``, ``pyshacl`` or ``jena`` (see :mod:`stancegraph.shacl`). Where Jena may
    run, its input is written while the files are parsed, and it validates while the rest is
    done here."""
    with _without_cycle_collection():
        return _validate_dataset(project, engine)


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


def _validate_dataset(project: Project, engine: str) -> Report:
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
        ctx = dataset_context(project, model, files)
        return _finish(ctx, "pyshacl" if running is None else "jena", "dataset", running)
    except BaseException:
        if running is not None:
            running.discard()
        raise


def read_dataset_files(project: Project, ntriples: BinaryIO | None = None) -> list[SourceFile]:
    """Every data file of the project (sources and shared actors; not the model), parsed; their
    triples also written to ``ntriples`` if given."""
    files: list[SourceFile] = []
    for graph_iri, paths in graph.layer_files(project):
        if graph_iri in (graph.ONTOLOGY_GRAPH, graph.VOCAB_GRAPH, graph.SHAPES_GRAPH):
            continue
        files.extend(read_file(path, ntriples) for path in paths)
    return files


def dataset_context(
    project: Project, model: Model | None = None, files: list[SourceFile] | None = None
) -> Context:
    """The data graph of the whole project (data, ontology, vocabularies) and what to check.

    Each file is parsed once into its list of triples; those go into one graph (the triples
    under check) and the data graph is a view of it and of the model, so that a million-triple
    corpus is held once."""
    model = model or load_model(project)
    files = read_dataset_files(project) if files is None else files
    checked = Graph(store="SimpleMemory")
    for source in files:
        checked.addN((s, p, o, checked) for s, p, o in source.triples)
    model_part = Graph(store="SimpleMemory")
    for g in (model.ontology, model.vocab):
        model_part.addN((s, p, o, model_part) for s, p, o in g if (s, p, o) not in checked)
    seeds = load_seeds(project)
    parts = [checked, model_part]
    focus: set[Node] = set()
    for part in parts:
        focus.update(part.subjects(unique=True))
        focus.update(o for o in part.objects(unique=True) if isinstance(o, BNode))
    return Context(
        parts=parts,
        checked=checked,
        focus=focus,
        model=model,
        files=files,
        seeds=seeds,
        existing=Graph(),
        checked_triples=[t for source in files for t in source.triples],
    )


def _relative(path: Path, project: Project) -> str:
    try:
        return path.resolve().relative_to(project.root.resolve()).as_posix()
    except ValueError:
        return str(path)


def context_files(project: Project, iris: Iterable[URIRef]) -> set[Path]:
    """The existing files where, by the minting rule, the given IRIs are defined."""
    wanted: set[Path] = set()
    keys: set[str] = set()
    for iri in iris:
        text = str(iri)
        if SHARED_IRI.match(text):
            wanted.add(project.actors_file)
            continue
        match = SOURCE_IRI.match(text) or DOCUMENT_IRI.match(text)
        if match:
            keys.add(match.group("key"))
    for key in keys:
        wanted.update(project.source_files(key))
    return {p for p in wanted if p.is_file()}


#: Longest number read as a Python int (Python refuses to convert more than 4300 digits).
_MAX_DIGITS = 4000


def _note_number(next_free: dict[tuple[str, str], int], match: re.Match[str]) -> None:
    """Record that number n of (kind, key) is taken, so that the next free one can be named;
    a number too long to convert is skipped (it cannot be the one anybody types next)."""
    n = match.group("n")
    if len(n) <= _MAX_DIGITS:
        k = (match.group("kind"), match.group("key"))
        next_free[k] = max(next_free.get(k, 1), int(n) + 1)


def validate_contribution(
    project: Project, paths: Sequence[str | Path], engine: str = "auto"
) -> Report:
    """Files or folders a contributor brings, with the ontology and the existing data they
    reference; findings only about the contribution's own nodes."""
    ctx = contribution_context(project, paths)
    # The data graph is small (the contribution, what it references, the model), so SHACL
    # validates all of it and the results are filtered to the contribution's nodes. pySHACL's own
    # focus_nodes option is not used: in 0.40.1 its filter also applies to nested shapes
    # (sh:node, sh:or, sh:qualifiedValueShape), which then pass for any value outside the list.
    return _finish(ctx, engine, "contribution")


def contribution_context(project: Project, paths: Sequence[str | Path]) -> Context:
    """The data graph for a contribution: its triples, the existing triples about the IRIs it
    references (from the files the minting rule points to), the ontology and vocabularies."""
    model = load_model(project)
    paths = list(paths)
    files = [read_file(p) for p in collect_files(paths)]
    contribution = Graph(store="SimpleMemory")
    for source in files:
        contribution.addN((s, p, o, contribution) for s, p, o in source.triples)
    own = {p.path.resolve() for p in files}

    referenced = {
        n
        for triple in contribution
        for n in triple
        if isinstance(n, URIRef) and str(n).startswith(ID_NS)
    }
    existing = Graph()
    existing_where: dict[Node, tuple[str, int | None]] = {}
    next_free: dict[tuple[str, str], int] = {}
    # Two hops: the IRIs the contribution uses, then the IRIs those existing nodes link to (so
    # that an existing node's own links have their types, as sh:class needs).
    parsed: dict[Path, SourceFile] = {}
    wanted = set(referenced)
    for _hop in range(2):
        found: set[URIRef] = set()
        for path in sorted(context_files(project, wanted)):
            if path.resolve() in own:
                continue
            if path not in parsed:
                parsed[path] = read_file(path)
                for subject in parsed[path].graph.subjects():
                    match = SOURCE_IRI.match(str(subject)) if isinstance(subject, URIRef) else None
                    if match:
                        _note_number(next_free, match)
            source = parsed[path]
            for iri in wanted:
                if (iri, None, None) not in source.graph:
                    continue
                existing_where.setdefault(iri, (_relative(path, project), find_line(source, iri)))
                for triple in source.graph.triples((iri, None, None)):
                    existing.add(triple)
                    obj = triple[2]
                    if isinstance(obj, URIRef) and str(obj).startswith(ID_NS):
                        found.add(obj)
        wanted = found - referenced - wanted
        referenced |= wanted
    for s in contribution.subjects():
        match = SOURCE_IRI.match(str(s)) if isinstance(s, URIRef) else None
        if match:
            _note_number(next_free, match)

    context_part = without(existing, contribution)
    model_part = without(model.ontology + model.vocab, [*contribution, *context_part])

    # Seed texts: the project's, and those of the folders named (never a named file's folder).
    seeds = load_seeds(project, sorted({Path(p) for p in paths if Path(p).is_dir()}))
    focus: set[Node] = set(contribution.subjects()) | {
        o for o in contribution.objects() if isinstance(o, BNode)
    }
    ctx = Context(
        parts=[contribution, context_part, model_part],
        checked=contribution,
        focus=focus,
        model=model,
        files=files,
        seeds=seeds,
        existing=existing,
        existing_where=existing_where,
        contribution=True,
        next_free=next_free,
        checked_triples=list(contribution),
    )
    return ctx


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
