"""The documentation site: the ontology and its class and property hierarchy, its vocabularies
(most used first) and shapes, the query catalogue with the first page of today's answers (the
whole answer as CSV and JSON beside each page), a page per actor, the dataset's statistics and
the pictures, as static HTML under ``dist/docs/``, with a search over labels run in the page.

Everything is read from the data and the saved queries, so the site cannot drift from the
data: the data from the embedded store (:func:`stancegraph.store.ensure_embedded`, as ``query``
and ``plot`` read it) by SPARQL and triple patterns over pyoxigraph, never the corpus assembled
in rdflib (issue #19); rdflib parses only the model layers (ontology, vocabularies, shapes),
for their pages. A query's page shows the first page of its answer with the total, taken as
``stancegraph query`` pages; the downloads beside it hold the whole answer up to
:data:`DOWNLOAD_ROWS` rows (past that, its first rows, and the page says so); an actor's page
lists the first :data:`MAX_ITEMS` items of each section, with how many there are. Every page
is a Jinja2 template under ``templates/`` with one local stylesheet, and nothing on any page
loads from the network (links out are plain ``<a href>``).

Why our own generator and not pyLODE: pyLODE's current release (3.4.1) does not import (it
reads a ``pyproject.toml`` its wheel does not ship), and an older pin would document the ontology
alone, on a page of its own style, without the shapes that constrain each term or how often the
data uses it. Here each class and property shows label, definition, examples, domain, range,
super- and sub-terms, characteristics, the shapes that check it and its count in the data.

This module sits beside :mod:`stancegraph.queries` on the same floor and uses it to run the
catalogue (the one place that knows how a saved query is read, bound and run).
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import textwrap
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import RDF, RDFS, BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, SH, SKOS, Namespace

from stancegraph import graph, names, plots, queries, safety
from stancegraph.errors import ProjectError, StancegraphError
from stancegraph.names import compact
from stancegraph.sources import Project

SG = graph.SG
SG_NS = str(SG)
VOCAB = graph.VOCAB_BASE
ID = graph.ID_BASE
SHAPES_NS = names.SHAPES_NS
VANN = names.OTHER["vann"]

#: The schemes of the IRIs the site links out to; any other IRI is shown, not linked.
WEB_SCHEMES = ("http://", "https://")


#: The pages of the site, in the order of its navigation bar: (file, title).
PAGES = [
    ("index.html", "Overview"),
    ("ontology.html", "Ontology"),
    ("hierarchy.html", "Hierarchy"),
    ("vocabularies.html", "Vocabularies"),
    ("shapes.html", "Shapes"),
    ("queries.html", "Queries"),
    ("actors.html", "Actors"),
    ("statistics.html", "Statistics"),
]

#: Rows a query's page shows: the answer's first page, with the total (issue #19's paging);
#: the whole answer is in the CSV and JSON files written beside the page.
MAX_ROWS = 50

#: The most rows (or triples) of an answer the downloads beside a query's page hold: all of
#: every answer of a corpus of thousands of articles, and a bound on the site's size and on
#: the memory that writing it takes at 10M triples; past it the page says so and how to get
#: the whole answer (``stancegraph query NAME --format csv``).
DOWNLOAD_ROWS = 100_000

#: The most claims (stances, relations, events) a section of an actor's page lists: past it
#: the section lists the first ones, in the order of their source, and says how many there are.
MAX_ITEMS = 100

TEMPLATES = Path(__file__).parent / "templates" / "docs"

PROPERTY_TYPES = {
    OWL.ObjectProperty: "object property",
    OWL.DatatypeProperty: "datatype property",
    OWL.AnnotationProperty: "annotation property",
}
CHARACTERISTICS = {
    OWL.FunctionalProperty: "functional",
    OWL.InverseFunctionalProperty: "inverse functional",
    OWL.TransitiveProperty: "transitive",
    OWL.SymmetricProperty: "symmetric",
    OWL.AsymmetricProperty: "asymmetric",
    OWL.ReflexiveProperty: "reflexive",
    OWL.IrreflexiveProperty: "irreflexive",
}


class DocsError(StancegraphError):
    """The site could not be written (a template is missing, the output folder is unusable)."""


# ---------------------------------------------------------------------------------------------
# IRIs: compact names and where the site documents them
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """Where a term is documented: a page and fragment of the site, or an external IRI."""

    text: str
    href: str | None  # relative to the site root, or an absolute IRI
    local: bool
    title: str = ""


class Corpus:
    """The dataset as the site reads it: the model layers (ontology, vocabularies, shapes:
    small files) parsed by rdflib, the data from the embedded store by SPARQL and by triple
    pattern, so that no command assembles the corpus in rdflib (issue #19)."""

    def __init__(self, store: ox.Store, model: Dataset) -> None:
        self.store = store
        self.model = model
        self.onto = model.graph(graph.ONTOLOGY_GRAPH)
        self._instances: dict[frozenset[URIRef], int] = {}

    #: The data graphs (actors and every source; not the model), as a SPARQL filter on ``?g``.
    DATA = f'FILTER(?g = <{graph.ACTORS_GRAPH}> || STRSTARTS(STR(?g), "{graph.GRAPH_BASE}source/"))'

    def select(self, text: str) -> Iterator[tuple[Any, ...]]:
        """The rows of a SELECT over the named graphs (its own ``GRAPH ?g``), as rdflib terms."""
        result = self.store.query(text)
        width = len(result.variables)
        for solution in result:
            yield tuple(
                None if solution[i] is None else graph.from_oxigraph(solution[i])
                for i in range(width)
            )

    def count(self, text: str) -> int:
        """The number a ``SELECT (COUNT(...) AS ?n)`` answers."""
        for (n,) in self.select(text):
            return int(n) if n is not None else 0
        return 0

    def instances(self, classes: Iterable[URIRef]) -> int:
        """Distinct things in the data graphs typed with one of ``classes``."""
        key = frozenset(classes)
        if key not in self._instances:
            values = " ".join(f"<{c}>" for c in sorted(key))
            self._instances[key] = self.count(
                f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?c {{ {values} }} "
                f"GRAPH ?g {{ ?s a ?c }} {self.DATA} }}"
            )
        return self._instances[key]

    def triples(self, subjects: Iterable[object], into: Graph | None = None) -> Graph:
        """The triples of the data graphs about ``subjects`` (IRIs or blank nodes), in a
        small rdflib graph (each triple once, as in the union of the data graphs)."""
        g = into if into is not None else Graph()
        for s in subjects:
            node = _ox_subject(s)
            if node is None:
                continue
            for q in self.store.quads_for_pattern(node, None, None, None):
                if isinstance(q.graph_name, ox.NamedNode) and graph.is_data_graph(
                    URIRef(q.graph_name.value)
                ):
                    g.add(
                        (
                            graph.from_oxigraph(q.subject),
                            graph.from_oxigraph(q.predicate),
                            graph.from_oxigraph(q.object),
                        )
                    )
        return g


def _ox_subject(s: object) -> ox.NamedNode | ox.BlankNode | None:
    if isinstance(s, URIRef):
        try:
            return ox.NamedNode(str(s))
        except ValueError:
            return None
    if isinstance(s, BNode):
        return ox.BlankNode(str(s))
    return None


def read_model(project: Project) -> Dataset:
    """The model layers (ontology, vocabularies, shapes) as rdflib graphs, parsed from their
    files as :func:`stancegraph.graph.assemble` parses them; the data is left in the store."""
    if not project.ontology_file.is_file():
        raise ProjectError(f"{project.ontology_file}: the ontology file is missing")
    model = Dataset()
    for graph_iri, files in graph.layer_files(project)[:3]:
        named = model.graph(graph_iri)
        for path in files:
            safety.parse_file(path, graph=named)
    return model


class Labels:
    """Each IRI's label (``rdfs:label``, else ``skos:prefLabel``; English or untagged, its
    spaces folded) in any graph of the store, looked up when first asked for: the site asks
    for those it shows, not the corpus's million."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._found: dict[str, str | None] = {}

    def get(self, iri: str, default: Any = None) -> Any:
        if iri not in self._found:
            self._found[iri] = self._look_up(iri)
        found = self._found[iri]
        return default if found is None else found

    def __contains__(self, iri: object) -> bool:
        return self.get(str(iri)) is not None

    def __getitem__(self, iri: str) -> str:
        found = self.get(iri)
        if found is None:
            raise KeyError(iri)
        return found

    def _look_up(self, iri: str) -> str | None:
        try:
            node = ox.NamedNode(iri)
        except ValueError:
            return None
        for prop in (RDFS.label, SKOS.prefLabel):
            texts = sorted(
                q.object.value
                for q in self.store.quads_for_pattern(node, ox.NamedNode(str(prop)), None, None)
                if isinstance(q.object, ox.Literal) and q.object.language in (None, "en")
            )
            if texts:
                return " ".join(texts[0].split())
        return None


class Names:
    """Labels for IRIs and the site page that documents each one."""

    def __init__(self, store: ox.Store) -> None:
        self.labels = Labels(store)
        self.anchors: dict[str, str] = {}

    def link(self, iri: object) -> Link:
        """Where the site documents ``iri``; out to the IRI itself only if it is an http(s) URL
        (never to ``javascript:`` or ``data:``, which the data may use as IRIs, issue #22)."""
        text = compact(str(iri))
        anchor = self.anchors.get(str(iri))
        title = self.labels.get(str(iri), "")
        if anchor is not None:
            return Link(text, anchor, True, title)
        if str(iri).startswith(ID) or not str(iri).lower().startswith(WEB_SCHEMES):
            return Link(text, None, False, title)
        return Link(text, str(iri), False, title)


# ---------------------------------------------------------------------------------------------
# The ontology
# ---------------------------------------------------------------------------------------------


@dataclass
class Term:
    iri: URIRef
    kind: str  # "class" or a PROPERTY_TYPES value
    label: str
    anchor: str
    definitions: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    supers: list[URIRef] = field(default_factory=list)
    subs: list[URIRef] = field(default_factory=list)
    domains: list[URIRef] = field(default_factory=list)
    ranges: list[URIRef] = field(default_factory=list)
    inverses: list[URIRef] = field(default_factory=list)
    disjoint: list[URIRef] = field(default_factory=list)
    characteristics: list[str] = field(default_factory=list)
    in_domain_of: list[URIRef] = field(default_factory=list)
    in_range_of: list[URIRef] = field(default_factory=list)
    shapes: list[URIRef] = field(default_factory=list)
    used: int = 0  # direct instances (class) or triples (property) in the data graphs
    used_all: int = 0  # instances of the class or of a sub-class

    @property
    def curie(self) -> str:
        return compact(str(self.iri))


@dataclass
class Ontology:
    iri: URIRef | None
    metadata: list[tuple[str, list[object]]]
    title: str
    description: str
    version: str
    classes: list[Term]
    properties: dict[str, list[Term]]  # by kind
    reused: dict[str, list[URIRef]]  # namespace prefix -> terms declared for reuse


def _texts(g: Graph, s: object, p: URIRef) -> list[str]:
    values = [o for o in g.objects(s, p) if isinstance(o, Literal)]
    english = [v for v in values if v.language in (None, "en")]
    return sorted(" ".join(str(v).split()) for v in english)


def _named(values: Iterable[object]) -> list[URIRef]:
    return sorted({v for v in values if isinstance(v, URIRef)}, key=lambda v: compact(str(v)))


def read_ontology(corpus: Corpus, names: Names) -> Ontology:
    dataset = corpus.model
    onto = dataset.graph(graph.ONTOLOGY_GRAPH)
    shapes = dataset.graph(graph.SHAPES_GRAPH)
    iri = graph.ontology_iri(dataset)
    metadata: list[tuple[str, list[object]]] = []
    if iri is not None:
        for p in (
            DCTERMS.title,
            OWL.versionIRI,
            OWL.versionInfo,
            DCTERMS.creator,
            DCTERMS.publisher,
            DCTERMS.created,
            DCTERMS.modified,
            DCTERMS.license,
            URIRef(VANN + "preferredNamespacePrefix"),
            URIRef(VANN + "preferredNamespaceUri"),
            RDFS.seeAlso,
        ):
            values = sorted(onto.objects(iri, p), key=str)
            if values:
                metadata.append((compact(str(p)), list(values)))

    instance_counts = direct_instances(corpus)
    shapes_by_class: dict[URIRef, set[URIRef]] = defaultdict(set)
    shapes_by_path: dict[URIRef, set[URIRef]] = defaultdict(set)
    for shape in _shape_nodes(shapes):
        for cls in shapes.objects(shape, SH.targetClass):
            shapes_by_class[cls].add(shape)  # type: ignore[index]
        for prop in shapes.objects(shape, SH.targetSubjectsOf):
            shapes_by_path[prop].add(shape)  # type: ignore[index]
        for pshape in shapes.objects(shape, SH.property):
            path = shapes.value(pshape, SH.path)
            if isinstance(path, URIRef):
                shapes_by_path[path].add(shape)

    def own(kind_type: URIRef) -> list[URIRef]:
        return sorted(
            (
                s
                for s in onto.subjects(RDF.type, kind_type)
                if isinstance(s, URIRef) and str(s).startswith(SG_NS)
            ),
            key=lambda s: str(s).lower(),
        )

    def term(s: URIRef, kind: str) -> Term:
        t = Term(
            iri=s,
            kind=kind,
            label=(_texts(onto, s, RDFS.label) or [compact(str(s))])[0],
            anchor=str(s)[len(SG_NS) :],
            definitions=_texts(onto, s, SKOS.definition),
            comments=_texts(onto, s, RDFS.comment),
            examples=_texts(onto, s, SKOS.example),
        )
        names.anchors[str(s)] = f"ontology.html#{t.anchor}"
        return t

    classes = [term(c, "class") for c in own(OWL.Class)]
    for t in classes:
        t.supers = _named(onto.objects(t.iri, RDFS.subClassOf))
        t.subs = _named(onto.subjects(RDFS.subClassOf, t.iri))
        t.disjoint = _named(
            [*onto.objects(t.iri, OWL.disjointWith), *onto.subjects(OWL.disjointWith, t.iri)]
        )
        t.in_domain_of = _named(onto.subjects(RDFS.domain, t.iri))
        t.in_range_of = _named(onto.subjects(RDFS.range, t.iri))
        t.shapes = sorted(shapes_by_class.get(t.iri, set()), key=str)
        t.used = instance_counts.get(t.iri, 0)
        t.used_all = corpus.instances(graph.subclasses(onto, t.iri))

    properties: dict[str, list[Term]] = {}
    for ptype, kind in PROPERTY_TYPES.items():
        found = [term(p, kind) for p in own(ptype)]
        for t in found:
            t.supers = _named(onto.objects(t.iri, RDFS.subPropertyOf))
            t.subs = _named(onto.subjects(RDFS.subPropertyOf, t.iri))
            t.domains = _named(onto.objects(t.iri, RDFS.domain))
            t.ranges = _named(onto.objects(t.iri, RDFS.range))
            t.inverses = _named(
                [*onto.objects(t.iri, OWL.inverseOf), *onto.subjects(OWL.inverseOf, t.iri)]
            )
            t.characteristics = sorted(
                name for ctype, name in CHARACTERISTICS.items() if (t.iri, RDF.type, ctype) in onto
            )
            t.shapes = sorted(shapes_by_path.get(t.iri, set()), key=str)
            t.used = _uses(corpus, t.iri)
        properties[kind] = found

    reused: dict[str, list[URIRef]] = defaultdict(list)
    for s in sorted({s for s in onto.subjects(RDF.type, None) if isinstance(s, URIRef)}, key=str):
        if str(s).startswith(SG_NS) or s == iri:
            continue
        name = compact(str(s))
        prefix = name.split(":", 1)[0] if ":" in name and not name.startswith("http") else "other"
        reused[prefix].append(s)

    title = (_texts(onto, iri, DCTERMS.title) or ["stancegraph ontology"])[0] if iri else ""
    description = (_texts(onto, iri, DCTERMS.description) or [""])[0] if iri else ""
    return Ontology(
        iri=iri,
        metadata=metadata,
        title=title,
        description=description,
        version=graph.ontology_version(dataset) or "",
        classes=classes,
        properties=properties,
        reused=dict(sorted(reused.items())),
    )


def direct_instances(corpus: Corpus) -> Counter[URIRef]:
    """Things in the data graphs by the class they are typed with (each thing once a class)."""
    return Counter(
        {
            cls: int(n)
            for cls, n in corpus.select(
                "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } "
                f"{corpus.DATA} }} GROUP BY ?c"
            )
            if isinstance(cls, URIRef)
        }
    )


def _uses(corpus: Corpus, prop: URIRef) -> int:
    """Triples of the data graphs with predicate ``prop`` (a triple in two graphs once)."""
    return corpus.count(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?o WHERE { "
        f"GRAPH ?g {{ ?s <{prop}> ?o }} {corpus.DATA} }} }}"
    )


# ---------------------------------------------------------------------------------------------
# The class and property hierarchy
# ---------------------------------------------------------------------------------------------


@dataclass
class TreeNode:
    """One term in the hierarchy; a term with several parents is drawn in full under the first
    and named under the others (``repeat``), with a link to where it is drawn."""

    term: Term
    anchor: str  # the id of this place in the tree
    children: list[TreeNode] = field(default_factory=list)
    repeat: str = ""  # the anchor of the place the term is drawn in full, for a repeat
    outside: list[URIRef] = field(default_factory=list)  # super-terms of other vocabularies


def hierarchy(terms: list[Term]) -> list[TreeNode]:
    """The trees of ``terms`` (classes by rdfs:subClassOf, or properties by rdfs:subPropertyOf):
    the roots are the terms with no super-term among ``terms``, siblings by label."""
    by_iri = {t.iri: t for t in terms}
    drawn: dict[URIRef, str] = {}

    def key(t: Term) -> tuple[str, str]:
        return (t.label.lower(), str(t.iri))

    def node(t: Term, path: tuple[URIRef, ...]) -> TreeNode:
        place = "tree-" + "--".join(str(by_iri[i].anchor) for i in (*path, t.iri))
        outside = [s for s in t.supers if s not in by_iri]
        if t.iri in drawn:
            return TreeNode(t, place, repeat=drawn[t.iri], outside=outside)
        drawn[t.iri] = place
        subs = sorted((by_iri[s] for s in t.subs if s in by_iri and s not in path), key=key)
        children = [node(s, (*path, t.iri)) for s in subs if s.iri != t.iri]
        return TreeNode(t, place, children, outside=outside)

    roots = [t for t in terms if not any(s in by_iri and s != t.iri for s in t.supers)]
    trees = [node(t, ()) for t in sorted(roots, key=key)]
    for t in sorted(terms, key=key):  # a cycle of sub-terms has no root: drawn from its first
        if t.iri not in drawn:
            trees.append(node(t, ()))
    return trees


# ---------------------------------------------------------------------------------------------
# The vocabularies (SKOS)
# ---------------------------------------------------------------------------------------------


@dataclass
class Concept:
    iri: URIRef
    label: str
    anchor: str
    depth: int
    notation: list[str]
    definitions: list[str]
    notes: list[str]
    alt_labels: list[str]
    examples: list[str]
    mappings: list[tuple[str, URIRef]]
    used: int


@dataclass
class Scheme:
    iri: URIRef
    key: str
    label: str
    anchor: str
    definitions: list[str]
    concepts: list[Concept]
    used_by: list[tuple[URIRef, int]]  # properties whose values are its concepts, with counts

    @property
    def used(self) -> int:
        """How often the data uses one of its concepts (as a value)."""
        return sum(c.used for c in self.concepts)

    @property
    def concepts_used(self) -> int:
        return sum(1 for c in self.concepts if c.used)


MAPPINGS = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)


def concept_uses(corpus: Corpus) -> list[tuple[URIRef, URIRef, int]]:
    """(property, concept, triples) for each concept of the vocabularies the data graphs use
    as a value (a triple in two graphs once): one look-up by value per concept, not a pass
    over the corpus."""
    vocab = corpus.model.graph(graph.VOCAB_GRAPH)
    concepts = sorted(
        {c for c in vocab.subjects(SKOS.inScheme, None) if isinstance(c, URIRef)}, key=str
    )
    found = []
    for c in concepts:
        if not str(c).startswith(VOCAB):
            continue
        for p, n in corpus.select(
            "SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p WHERE { "
            f"GRAPH ?g {{ ?s ?p <{c}> }} {corpus.DATA} }} }} GROUP BY ?p"
        ):
            if isinstance(p, URIRef):
                found.append((p, c, int(n)))
    return found


def read_vocabularies(
    corpus: Corpus, names: Names, uses: list[tuple[URIRef, URIRef, int]]
) -> list[Scheme]:
    vocab = corpus.model.graph(graph.VOCAB_GRAPH)
    value_counts: Counter[URIRef] = Counter()
    used_by: dict[URIRef, Counter[URIRef]] = defaultdict(Counter)
    for p, o, n in uses:
        value_counts[o] += n
        scheme = vocab.value(o, SKOS.inScheme)
        if isinstance(scheme, URIRef):
            used_by[scheme][p] += n

    schemes = []
    for s in sorted(vocab.subjects(RDF.type, SKOS.ConceptScheme), key=str):
        if not isinstance(s, URIRef):
            continue
        key = str(s).rstrip("/").rsplit("/", 1)[-1]
        anchor = f"scheme-{key}"
        names.anchors[str(s)] = f"vocabularies.html#{anchor}"
        members = {c for c in vocab.subjects(SKOS.inScheme, s) if isinstance(c, URIRef)}
        tops = {c for c in vocab.objects(s, SKOS.hasTopConcept) if isinstance(c, URIRef)}
        tops |= {c for c in vocab.subjects(SKOS.topConceptOf, s) if isinstance(c, URIRef)}
        children: dict[URIRef, list[URIRef]] = defaultdict(list)
        has_parent = set()
        for c in members:
            for parent in vocab.objects(c, SKOS.broader):
                if parent in members:
                    children[parent].append(c)  # type: ignore[index]
                    has_parent.add(c)
        roots = sorted((tops | (members - has_parent)) - has_parent, key=lambda c: _label(vocab, c))
        ordered = _hierarchy(vocab, roots, children, members, value_counts)
        concepts = []
        for c, depth in ordered:
            local = str(c).rstrip("/").rsplit("/", 1)[-1]
            canchor = f"{key}-{local}"
            names.anchors[str(c)] = f"vocabularies.html#{canchor}"
            concepts.append(
                Concept(
                    iri=c,
                    label=_label(vocab, c),
                    anchor=canchor,
                    depth=depth,
                    notation=sorted(str(n) for n in vocab.objects(c, SKOS.notation)),
                    definitions=_texts(vocab, c, SKOS.definition),
                    notes=_texts(vocab, c, SKOS.scopeNote) + _texts(vocab, c, SKOS.note),
                    alt_labels=_texts(vocab, c, SKOS.altLabel),
                    examples=_texts(vocab, c, SKOS.example),
                    mappings=[
                        (compact(str(m)), o)
                        for m in MAPPINGS
                        for o in sorted(vocab.objects(c, m), key=str)
                        if isinstance(o, URIRef)
                    ],
                    used=value_counts.get(c, 0),
                )
            )
        schemes.append(
            Scheme(
                iri=s,
                key=key,
                label=_label(vocab, s),
                anchor=anchor,
                definitions=_texts(vocab, s, SKOS.definition),
                concepts=concepts,
                used_by=sorted(used_by.get(s, Counter()).items(), key=lambda kv: -kv[1]),
            )
        )
    # most used first; the schemes the data does not use at all last (the page says so)
    schemes.sort(key=lambda s: (-s.used, s.label.lower(), str(s.iri)))
    return schemes


def _hierarchy(
    vocab: Graph,
    roots: list[URIRef],
    children: dict[URIRef, list[URIRef]],
    members: set[URIRef],
    uses: Counter[URIRef] | None = None,
) -> list[tuple[URIRef, int]]:
    """The concepts of a scheme depth first from its top concepts, each with its depth; among
    siblings the most used (with their narrower concepts) first, then by label; concepts outside
    the hierarchy last."""
    ordered: list[tuple[URIRef, int]] = []
    seen: set[URIRef] = set()
    counts = uses or Counter()
    totals: dict[URIRef, int] = {}

    def total(c: URIRef, path: frozenset[URIRef] = frozenset()) -> int:
        if c not in totals:
            below = [x for x in children.get(c, []) if x not in path and x != c]
            totals[c] = counts.get(c, 0) + sum(total(x, path | {c}) for x in below)
        return totals[c]

    def order(nodes: Iterable[URIRef]) -> list[URIRef]:
        return sorted(nodes, key=lambda x: (-total(x), _label(vocab, x), str(x)))

    def walk(c: URIRef, depth: int) -> None:
        if c in seen:
            return
        seen.add(c)
        ordered.append((c, depth))
        for child in order(children.get(c, [])):
            walk(child, depth + 1)

    for root in order(roots):
        walk(root, 0)
    for c in order(members - seen):
        walk(c, 0)
    return ordered


def _label(g: Graph, s: object) -> str:
    for p in (SKOS.prefLabel, RDFS.label):
        texts = _texts(g, s, p)
        if texts:
            return texts[0]
    return compact(str(s))


# ---------------------------------------------------------------------------------------------
# The shapes (SHACL)
# ---------------------------------------------------------------------------------------------


@dataclass
class Constraint:
    path: str
    cardinality: str
    conditions: list[tuple[str, object]]  # (parameter, value: Link | str | list)
    messages: list[str]
    severity: str


@dataclass
class Shape:
    iri: object
    name: str
    anchor: str
    label: str
    comments: list[str]
    targets: list[tuple[str, object]]
    node_conditions: list[tuple[str, object]]
    messages: list[str]
    severity: str
    properties: list[Constraint]
    sparql: list[dict[str, Any]]
    source_file: str = ""


#: Parameters shown in their own columns, not among the conditions.
_STRUCTURAL = {
    SH.path,
    SH.message,
    SH.severity,
    SH.minCount,
    SH.maxCount,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    RDF.type,
}
_NODE_SKIP = {
    SH.property,
    SH.targetClass,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.targetNode,
    SH.target,
    SH.message,
    SH.severity,
    SH.sparql,
    RDFS.label,
    RDFS.comment,
    RDF.type,
    SH.deactivated,
}


def _shape_nodes(shapes: Graph) -> list[URIRef]:
    found = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape)
    )
    return sorted((s for s in found if isinstance(s, URIRef)), key=str)


def _severity(g: Graph, node: object) -> str:
    value = g.value(node, SH.severity)
    return str(value).rsplit("#", 1)[-1] if value is not None else "Violation"


def render_path(g: Graph, path: object) -> str:
    """A SHACL property path in SPARQL's syntax: ``sg:a/sg:b``, ``^sg:a``, ``sg:a*``."""
    if isinstance(path, URIRef):
        return compact(str(path))
    if isinstance(path, BNode):
        if (path, RDF.first, None) in g:
            return "/".join(render_path(g, p) for p in Collection(g, path))
        for pred, fmt in (
            (SH.inversePath, "^{}"),
            (SH.zeroOrMorePath, "({})*"),
            (SH.oneOrMorePath, "({})+"),
            (SH.zeroOrOnePath, "({})?"),
        ):
            inner = g.value(path, pred)
            if inner is not None:
                return fmt.format(render_path(g, inner))
        alt = g.value(path, SH.alternativePath)
        if alt is not None:
            return "(" + " | ".join(render_path(g, p) for p in Collection(g, alt)) + ")"
    return str(path)


def _value(g: Graph, value: object, names: Names) -> object:
    """A constraint's value for the page: a link for an IRI, text for a literal, a list for an
    RDF list, the inline description for a blank node (``[ sh:class sg:Actor ]``)."""
    if isinstance(value, URIRef):
        return names.link(value)
    if isinstance(value, Literal):
        return str(value)
    if isinstance(value, BNode):
        if (value, RDF.first, None) in g or value == RDF.nil:
            return [_value(g, v, names) for v in Collection(g, value)]
        parts = []
        for p, o in sorted(g.predicate_objects(value), key=lambda po: str(po[0])):
            if p == RDF.type:
                continue
            shown = _inline(g, o)
            parts.append(f"{compact(str(p))} {shown}")
        return "[ " + " ; ".join(parts) + " ]"
    return str(value)


def _inline(g: Graph, o: object) -> str:
    if isinstance(o, URIRef):
        return compact(str(o))
    if isinstance(o, Literal):
        return f'"{o}"'
    if isinstance(o, BNode):
        if (o, RDF.first, None) in g:
            return "( " + " ".join(_inline(g, v) for v in Collection(g, o)) + " )"
        inner = " ; ".join(
            f"{compact(str(p))} {_inline(g, v)}"
            for p, v in sorted(g.predicate_objects(o), key=lambda pv: str(pv[0]))
            if p != RDF.type
        )
        return f"[ {inner} ]"
    return str(o)


def read_shapes(corpus: Corpus, project: Project, names: Names) -> list[Shape]:
    shapes_graph = corpus.model.graph(graph.SHAPES_GRAPH)
    files = _shape_files(project)
    result = []
    for s in _shape_nodes(shapes_graph):
        name = compact(str(s))
        anchor = "shape-" + name.split(":", 1)[-1]
        names.anchors[str(s)] = f"shapes.html#{anchor}"
        targets: list[tuple[str, object]] = []
        for p in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode):
            for o in sorted(shapes_graph.objects(s, p), key=str):
                targets.append((compact(str(p)), _value(shapes_graph, o, names)))
        for t in shapes_graph.objects(s, SH.target):
            select = shapes_graph.value(t, SH.select)
            targets.append(("sh:target (SPARQL)", " ".join(str(select).split()) if select else ""))
        node_conditions = [
            (compact(str(p)), _value(shapes_graph, o, names))
            for p, o in sorted(shapes_graph.predicate_objects(s), key=lambda po: str(po[0]))
            if p not in _NODE_SKIP
        ]
        constraints = []
        for ps in shapes_graph.objects(s, SH.property):
            path = render_path(shapes_graph, shapes_graph.value(ps, SH.path))
            low = shapes_graph.value(ps, SH.minCount)
            high = shapes_graph.value(ps, SH.maxCount)
            cardinality = f"{low if low is not None else 0}..{high if high is not None else '*'}"
            conditions = [
                (compact(str(p)), _value(shapes_graph, o, names))
                for p, o in sorted(shapes_graph.predicate_objects(ps), key=lambda po: str(po[0]))
                if p not in _STRUCTURAL
            ]
            constraints.append(
                Constraint(
                    path=path,
                    cardinality=cardinality,
                    conditions=conditions,
                    messages=_texts(shapes_graph, ps, SH.message),
                    severity=_severity(shapes_graph, ps),
                )
            )
        constraints.sort(key=lambda c: (c.path, c.cardinality, str(c.conditions)))
        sparql = [
            {
                "messages": _texts(shapes_graph, c, SH.message),
                "severity": _severity(shapes_graph, c),
                "select": textwrap.dedent(str(shapes_graph.value(c, SH.select) or "")).strip(),
            }
            for c in shapes_graph.objects(s, SH.sparql)
        ]
        result.append(
            Shape(
                iri=s,
                name=name,
                anchor=anchor,
                label=(_texts(shapes_graph, s, RDFS.label) or [name])[0],
                comments=_texts(shapes_graph, s, RDFS.comment),
                targets=targets,
                node_conditions=node_conditions,
                messages=_texts(shapes_graph, s, SH.message),
                severity=_severity(shapes_graph, s),
                properties=constraints,
                sparql=sparql,
                source_file=files.get(str(s), ""),
            )
        )
    return result


def _shape_files(project: Project) -> dict[str, str]:
    """Which file under ontology/shapes/ declares each shape (for 'defined in')."""
    found = {}
    for path in project.shapes_files:
        g = safety.parse_file(path)
        for s in _shape_nodes(g):
            found[str(s)] = path.relative_to(project.root).as_posix()
    return found


def group_shapes(shapes: list[Shape]) -> list[tuple[str, list[Shape]]]:
    groups: dict[str, list[Shape]] = defaultdict(list)
    for shape in shapes:
        groups[shape.source_file or "other"].append(shape)
    return sorted(groups.items())


# ---------------------------------------------------------------------------------------------
# The query catalogue, with today's answers
# ---------------------------------------------------------------------------------------------


@dataclass
class QueryPage:
    name: str
    file: str
    summary: str
    description: str
    columns: list[tuple[str, str]]
    params: list[Any]
    tags: list[str]
    form: str
    text: str
    header: list[str] = field(default_factory=list)
    rows: list[list[tuple[str, str]]] = field(default_factory=list)  # (shown text, full IRI or "")
    total: int = 0
    boolean: bool | None = None
    error: str = ""
    #: The whole answer in the W3C formats, by file suffix (csv, json; ttl and jsonld for a
    #: graph), written beside the page as queries/<name>.<suffix>.
    downloads: dict[str, bytes | Written] = field(default_factory=dict)
    #: The rows (triples) the downloads hold: the total, or :data:`DOWNLOAD_ROWS` if fewer.
    downloaded: int = 0

    @property
    def cut(self) -> bool:
        """Whether the downloads hold only the answer's first :data:`DOWNLOAD_ROWS` rows."""
        return self.total > self.downloaded and self.boolean is None

    @property
    def shown(self) -> str:
        """What the page says of its rows: "12 rows", "the first 50 of 11,552 rows"."""
        unit = "row" if self.total == 1 else "rows"
        if self.total > len(self.rows):
            return f"the first {len(self.rows):,} of {self.total:,} {unit}"
        return f"{self.total:,} {unit}"


class Written:
    """A download already written to its file: only its size is kept (the page shows it)."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size


def read_queries(
    project: Project,
    engine: queries.Engine,
    names: Names,
    progress: Any = None,
    write_to: Path | None = None,
) -> list[QueryPage]:
    """A page for each saved query, with the first page of its answer and its total, taken as
    ``stancegraph query`` pages (:func:`stancegraph.queries.run_page`: only the rows kept are
    converted, the rest counted), and its downloads: the answer's first
    :data:`DOWNLOAD_ROWS` rows, which is all of it unless the corpus is large. With
    ``write_to`` (a folder), each download is written there as ``NAME.SUFFIX`` as soon as it
    is known and only its size kept (:class:`Written`), so that the answers of every query are
    never held at once."""
    pages = []
    for q in queries.catalogue(project):
        if progress is not None:
            progress.advance()
        page = QueryPage(
            name=q.name,
            file=(q.path.relative_to(project.root).as_posix() if q.path else q.name),
            summary=q.summary or q.name,
            description=q.description,
            columns=list(q.columns),
            params=list(q.params),
            tags=list(q.tags),
            form="",
            text=q.text,
        )
        names.anchors.setdefault(f"query:{q.name}", f"queries/{q.name}.html")
        try:
            page.form = q.form
            part = queries.run_page(q, engine, limit=DOWNLOAD_ROWS)
            try:
                total = part.total()
            finally:
                part.close()
        except StancegraphError as exc:
            page.error = str(exc)
            pages.append(page)
            continue
        answer = part.answer
        if answer.form == "ASK":
            page.boolean = bool(answer.boolean)
            page.downloads = {"csv": answer.serialize("csv"), "json": _ox_json(answer)}
        else:
            if answer.graph is not None:
                page.header = ["subject", "predicate", "object"]
                rows = sorted(answer.graph, key=lambda t: tuple(x.n3() for x in t))
                page.downloads = _graph_downloads(answer, rows)
            else:
                # the page is in the answer's order already (its ORDER BY, else sorted)
                page.header, rows = answer.variables, answer.rows
                page.downloads = _table_downloads(answer)
            page.total = total if total is not None else len(rows)
            page.downloaded = len(rows)
            shown = rows[:MAX_ROWS]
            iris = {t for r in shown for t in r if isinstance(t, URIRef)}
            labels = queries.labels(engine, iris)
            page.rows = [
                [
                    (
                        queries.display(t, labels) if t is not None else "",
                        str(t) if isinstance(t, URIRef) else "",
                    )
                    for t in r
                ]
                for r in shown
            ]
        if write_to is not None:
            for suffix, data in list(page.downloads.items()):
                if isinstance(data, bytes):
                    (write_to / f"{q.name}.{suffix}").write_bytes(data)
                    page.downloads[suffix] = Written(len(data))  # type: ignore[assignment]
        pages.append(page)
    return pages


def _ox_json(answer: queries.Answer) -> bytes:
    """The answer's SPARQL results JSON as Oxigraph writes it (a page's rows come back written
    by rdflib's serializer, whose keys are in another order)."""
    assert answer.results_json is not None
    parsed = ox.parse_query_results(answer.results_json, format=ox.QueryResultsFormat.JSON)
    return parsed.serialize(format=ox.QueryResultsFormat.JSON)


def _table_downloads(answer: queries.Answer) -> dict[str, bytes]:
    """A SELECT answer as SPARQL results JSON and CSV, rows in the page's order (the golden
    file's form: sorted unless the query orders them), so the site is the same bytes each build."""
    written = dataclasses.replace(answer, results_json=_ox_json(answer))
    data = queries.golden_bytes(written, True)
    parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    return {"csv": parsed.serialize(format=ox.QueryResultsFormat.CSV), "json": data}


def _graph_downloads(answer: queries.Answer, triples: list[Any]) -> dict[str, bytes]:
    """A CONSTRUCT or DESCRIBE answer as CSV (subject, predicate, object, one triple a row, in
    the page's order), JSON-LD and Turtle."""
    import csv
    import io

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")  # as SPARQL 1.1's CSV results
    writer.writerow(["subject", "predicate", "object"])
    writer.writerows([[str(x) for x in triple] for triple in triples])
    jsonld = _stable_json(json.loads(answer.serialize("jsonld")))
    return {
        "csv": text.getvalue().encode("utf-8"),
        "jsonld": (json.dumps(jsonld, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode(
            "utf-8"
        ),
        "ttl": answer.serialize("turtle"),
    }


def _stable_json(value: Any, ordered: bool = False) -> Any:
    """JSON-LD in one order whatever order rdflib gave it in: every array sorted (node objects
    and the values of a property are sets in JSON-LD) but an ``@list``, whose order is its
    meaning; keys sorted when written."""
    if isinstance(value, dict):
        return {k: _stable_json(v, ordered=k == "@list") for k, v in value.items()}
    if isinstance(value, list):
        items = [_stable_json(v) for v in value]
        return items if ordered else sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return value


# ---------------------------------------------------------------------------------------------
# A page per actor: what it claims, holds and does, with the words of the text
# ---------------------------------------------------------------------------------------------

OA = Namespace(names.STANDARD["oa"])
PROV = Namespace(names.STANDARD["prov"])
TIME = Namespace(names.STANDARD["time"])

#: The parts of an actor's page: (title, how the actor is linked to the item, the item's class).
#: ``^p`` is "the item's p is the actor"; the item is a claim, stance, relation or event.
ACTOR_SECTIONS: list[tuple[str, str, URIRef, URIRef]] = [
    ("claims", "Claims it makes", SG.claimant, SG.Claim),
    ("about", "Claims about it", SG.about, SG.Claim),
    ("holds", "Stances it holds", SG.holder, SG.Stance),
    ("targets", "Stances on it", SG.target, SG.Stance),
    ("relations", "Relations it is the subject of", SG.relationSubject, SG.Relation),
    ("related", "Relations it is the object of", SG.relationObject, SG.Relation),
    ("events", "Events it takes part in", PROV.wasAssociatedWith, SG.Event),
]

#: What an item's entry shows besides its label, paraphrase and quotes, in this order.
ITEM_DETAILS: list[URIRef] = [
    SG.claimant,
    SG.reporter,
    SG.holder,
    SG.polarity,
    SG.expression,
    SG.target,
    SG.relationSubject,
    SG.relationProperty,
    SG.relationObject,
    SG.statedInOwnVoice,
    SG.claimKind,
    SG.reportingMode,
    SG.certainty,
    SG.hedge,
    SG.attributedBy,
    SG.evidencedBy,
    SG.assertedBy,
    SG.eventType,
    SG.eventStatus,
    TIME.hasTime,
    SG.concernsIssue,
]

#: What the actor's own entry shows of it besides its label and kind (the rest of its triples too).
_ACTOR_SKIP = {RDF.type, RDFS.label, SKOS.altLabel}


@dataclass(frozen=True)
class Quote:
    """The words of a source an item is anchored to (oa:TextQuoteSelector), and where."""

    text: str
    source: str  # the source's key ("" if the anchor names no source of the project)
    start: int | None = None
    end: int | None = None


@dataclass
class Item:
    """A claim, stance, relation or event on an actor's page."""

    iri: URIRef
    label: str
    anchor: str
    source: str
    paraphrases: list[str]
    details: list[tuple[URIRef, list[object]]]  # (property, values: IRIs or literals)
    quotes: list[Quote]


@dataclass
class ActorPage:
    iri: URIRef
    label: str
    file: str  # relative to the site root: actors/<kind>-<slug>.html
    kinds: list[URIRef]
    alt_labels: list[str]
    facts: list[tuple[URIRef, list[object]]]
    sections: list[tuple[str, str, list[Item]]]  # (id, title, items)
    mentioned: dict[str, int] = field(default_factory=dict)  # counts of other roles
    #: how many items each section has (it lists at most :data:`MAX_ITEMS` of them)
    section_totals: dict[str, int] = field(default_factory=dict)
    drawn: bool = False  # in the network picture

    @property
    def total(self) -> int:
        return sum(self.section_totals.get(key, len(items)) for key, _, items in self.sections)


def actor_file(iri: str, taken: set[str]) -> str:
    """A file name for an actor's page from its IRI (``id/person/javad-zarif`` →
    ``actors/person-javad-zarif.html``): only ASCII letters, digits and '-', at most 80
    characters, a number added if two IRIs give the same name (data may use any IRI)."""
    local = iri[len(ID) :] if iri.startswith(ID) else iri.split("://", 1)[-1]
    stem = re.sub(r"[^A-Za-z0-9]+", "-", local).strip("-").lower()[:80] or "actor"
    name, n = stem, 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}"
    taken.add(name)
    return f"actors/{name}.html"


def read_actors(
    corpus: Corpus, project: Project, names: Names, progress: Any = None
) -> list[ActorPage]:
    """A page for each actor the data types (any sub-class of sg:Actor), with each claim,
    stance, relation and event it takes part in (the first :data:`MAX_ITEMS` of each kind, in
    the order of their source, and how many there are), their paraphrases, the quotes they
    are anchored to and the source each comes from; registers each page with ``names``, so
    that every page that shows the actor links to it.

    Read from the store: the actors by one query, each section by one query of the items with
    their graphs, and the triples of the items a page shows (and of their anchors and
    selectors) by triple pattern, into a small rdflib graph per item."""
    onto = corpus.onto
    kinds = graph.subclasses(onto, SG.Actor)
    values = " ".join(f"<{c}>" for c in sorted(kinds))
    actors = sorted(
        {
            s
            for (s,) in corpus.select(
                f"SELECT DISTINCT ?s WHERE {{ VALUES ?c {{ {values} }} GRAPH ?g {{ ?s a ?c }} "
                f"{corpus.DATA} FILTER(isIRI(?s)) }}"
            )
        },
        key=lambda s: (names.labels.get(str(s), compact(str(s))).lower(), str(s)),
    )
    if progress is not None:
        progress.step("reading the actors' pages", total=len(actors))
    documents = {str(graph.document_iri(s.key)): s.key for s in project.sources}
    #: where each source's graph comes in the project's order: an item's source is the first
    #: source whose graph types it
    rank = {
        str(graph.source_graph_iri(src.key)): (i, src.key) for i, src in enumerate(project.sources)
    }

    def quotes(item: object, data: Graph) -> list[Quote]:
        found = []
        for anchor in data.objects(item, SG.anchor):
            doc = data.value(anchor, OA.hasSource)
            start = end = None
            exact = []
            for selector in data.objects(anchor, OA.hasSelector):
                exact += [str(o) for o in data.objects(selector, OA.exact)]
                if (selector, OA.start, None) in data:
                    start = _int(data.value(selector, OA.start))
                    end = _int(data.value(selector, OA.end))
            for text in exact:
                found.append(Quote(text, documents.get(str(doc), ""), start, end))
        return sorted(found, key=lambda q: (q.source, q.start if q.start is not None else -1))

    def item(s: URIRef, source: str) -> Item:
        data = corpus.triples([s])
        anchors = list(data.objects(s, SG.anchor))
        corpus.triples(anchors, into=data)
        corpus.triples([o for a in anchors for o in data.objects(a, OA.hasSelector)], into=data)
        details = []
        for p in ITEM_DETAILS:
            values = sorted(data.objects(s, p), key=str)
            if values:
                details.append((p, values))
        return Item(
            iri=s,
            label=names.labels.get(str(s), compact(str(s))),
            anchor=re.sub(r"[^A-Za-z0-9]+", "-", compact(str(s))).strip("-"),
            source=source,
            paraphrases=_texts(data, s, SG.paraphrase),
            details=details,
            quotes=quotes(s, data),
        )

    taken: set[str] = set()
    pages = []
    for a in actors:
        own = corpus.triples([a])
        page = ActorPage(
            iri=a,
            label=names.labels.get(str(a), compact(str(a))),
            file=actor_file(str(a), taken),
            kinds=_named(o for o in own.objects(a, RDF.type)),
            alt_labels=_texts(own, a, SKOS.altLabel),
            facts=[
                (p, sorted(own.objects(a, p), key=str))
                for p in sorted(set(own.predicates(a, None)) - _ACTOR_SKIP, key=str)
                if isinstance(p, URIRef)
            ],
            sections=[],
        )
        names.anchors[str(a)] = page.file
        pages.append(page)
    cache: dict[URIRef, Item] = {}
    for page in pages:
        if progress is not None:
            progress.advance()
        for key, title, prop, cls in ACTOR_SECTIONS:
            wanted = " ".join(f"<{c}>" for c in sorted(graph.subclasses(onto, cls)))
            best: dict[URIRef, tuple[int, str] | None] = {}
            for s, typed_in in corpus.select(
                f"SELECT DISTINCT ?s ?t WHERE {{ GRAPH ?g {{ ?s <{prop}> <{page.iri}> }} "
                f"{corpus.DATA} FILTER(isIRI(?s)) "
                f"FILTER EXISTS {{ VALUES ?c {{ {wanted} }} GRAPH ?h {{ ?s a ?c }} "
                f"{corpus.DATA.replace('?g', '?h')} }} "
                "OPTIONAL { GRAPH ?t { ?s a ?any } } }"
            ):
                known = rank.get(str(typed_in)) if typed_in is not None else None
                before = best.get(s)
                if s not in best or (known is not None and (before is None or known < before)):
                    best[s] = known
            source_of = {s: known[1] if known else "" for s, known in best.items()}
            found = sorted(source_of, key=lambda s: (source_of[s], _number(s), str(s)))
            page.section_totals[key] = len(found)
            for s in found[:MAX_ITEMS]:
                if s not in cache:
                    cache[s] = item(s, source_of[s])
            items = [cache[s] for s in found[:MAX_ITEMS]]
            if items:
                page.sections.append((key, title, items))
        for prop, what in (
            (SG.attributedBy, "stances attributed"),
            (SG.reporter, "claims reported"),
        ):
            n = corpus.count(
                f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{prop}> "
                f"<{page.iri}> }} {corpus.DATA} }}"
            )
            if n:
                page.mentioned[what] = n
    # each claim, stance, relation and event is linked, wherever the site names it, to its
    # entry on the page of who makes, holds, is the subject of or takes part in it
    for wanted in ("claims", "holds", "relations", "events", "about", "targets", "related"):
        for page in pages:
            for key, _, items in page.sections:
                if key == wanted:
                    for it in items:
                        names.anchors.setdefault(str(it.iri), f"{page.file}#{key}-{it.anchor}")
    return pages


class Mentions:
    """How the ontology's, vocabularies' and shapes' own text names an actor: its IRI, the
    ``.../id/<kind>/<slug>`` short form the messages use, or its label where that is a proper
    name (capitalised, four characters or more; "the allies" is not linked), whole words only,
    the longest name first. Found by looking each possible name up, not by one regular
    expression of every name (which tries each of thousands of names at each character)."""

    def __init__(self, actors: list[ActorPage]) -> None:
        self.pages: dict[str, str] = {}
        for a in actors:
            iri = str(a.iri)
            self.pages.setdefault(iri, a.file)
            if iri.startswith(ID):
                self.pages.setdefault(".../id/" + iri[len(ID) :], a.file)
            if len(a.label) >= 4 and a.label[:1].isupper():
                self.pages.setdefault(a.label, a.file)
        self.lengths = sorted({len(k) for k in self.pages}, reverse=True)
        self.first = {k[0] for k in self.pages}

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Each name in ``text``: (start, end, the page it links to)."""
        found, i = [], 0
        while i < len(text):
            if text[i] in self.first and (i == 0 or not _joins(text[i - 1], "/")):
                for n in self.lengths:
                    name = text[i : i + n]
                    after = text[i + n : i + n + 2]
                    if (
                        len(name) == n
                        and name in self.pages
                        and not (after[:1] and _joins(after[0]))
                        and not (after[:1] == "/" and after[1:2] and _joins(after[1]))
                    ):
                        found.append((i, i + n, self.pages[name]))
                        i += n
                        break
                else:
                    i += 1
            else:
                i += 1
        return found


def _joins(c: str, also: str = "") -> bool:
    """Whether ``c`` would make a name part of a longer word (a letter, digit, '_', '-')."""
    return c.isalnum() or c in "_-" or c in also


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _number(iri: URIRef) -> int:
    """The number that ends a source-local IRI (claim/rd-syria-iran/12), so 2 sorts before 10."""
    tail = str(iri).rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() and len(tail) < 12 else -1


# ---------------------------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------------------------


@dataclass
class Statistics:
    triples: list[tuple[str, int]]
    total_triples: int
    entities: list[tuple[str, int]]
    per_source: list[dict[str, Any]]
    classes: list[tuple[URIRef, int, int]]  # class, direct instances, with subclasses
    vocabulary: list[tuple[URIRef, URIRef, list[tuple[URIRef, int]]]]  # scheme, property, counts
    sources: list[graph.SourceSummary]


def read_summary(project: Project, store: ox.Store) -> graph.Summary:
    """What ``stancegraph info`` reports (triples per graph, the actors, claims, stances and
    events, each source's title, publisher and length): what ``load`` recorded for the store,
    else counted from it (:func:`stancegraph.store.describe_store`)."""
    from stancegraph import store as store_module

    summary = store_module.recorded_summary(project)
    if summary is not None:
        return summary
    status = store_module.embedded_status(project)
    told = store_module.describe_store(store, project)
    counts = {
        URIRef(g.value): int(n.value)
        for g, n in store.query("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        if isinstance(g, ox.NamedNode) and g.value.startswith(graph.GRAPH_BASE)
    }
    manifest = status.manifest
    if manifest is None:  # pragma: no cover - ensure_embedded has loaded it
        raise DocsError(f"{status.location}: the embedded store has no manifest")
    manifest.graphs = {str(g).removeprefix(graph.GRAPH_BASE): n for g, n in counts.items()}
    return store_module._summary_from(project, manifest, told)


def read_statistics(
    corpus: Corpus,
    project: Project,
    summary: graph.Summary,
    direct: Counter[URIRef],
    uses: list[tuple[URIRef, URIRef, int]],
) -> Statistics:
    counts = summary.triples
    onto = corpus.onto
    vocab = corpus.model.graph(graph.VOCAB_GRAPH)

    classes = []
    for cls in sorted(set(onto.subjects(RDF.type, OWL.Class)) | set(direct), key=str):
        if not isinstance(cls, URIRef) or not str(cls).startswith(SG_NS):
            continue
        things = corpus.instances(graph.subclasses(onto, cls))
        classes.append((cls, direct.get(cls, 0), things))

    by_scheme: dict[tuple[URIRef, URIRef], Counter[URIRef]] = defaultdict(Counter)
    for p, o, n in uses:
        scheme = vocab.value(o, SKOS.inScheme)
        if isinstance(scheme, URIRef):
            by_scheme[(scheme, p)][o] += n
    vocabulary = [
        (scheme, prop, sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0]))))
        for (scheme, prop), c in sorted(
            by_scheme.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))
        )
    ]

    def per_graph(classes: Iterable[URIRef]) -> Counter[str]:
        values = " ".join(f"<{c}>" for c in sorted(classes))
        return Counter(
            {
                str(g): int(n)
                for g, n in corpus.select(
                    f"SELECT ?g (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?c {{ {values} }} "
                    "GRAPH ?g { ?s a ?c } } GROUP BY ?g"
                )
            }
        )

    kinds = {
        kind: per_graph(graph.subclasses(onto, root)) for kind, root in graph.ENTITY_ROOTS.items()
    }
    anchors = per_graph([URIRef("http://www.w3.org/ns/oa#SpecificResource")])
    relations = per_graph([SG.Relation])
    per_source = []
    for src in project.sources:
        iri = graph.source_graph_iri(src.key)
        if iri not in counts:
            continue
        row: dict[str, Any] = {"key": src.key, "triples": counts[iri]}
        for kind in graph.ENTITY_ROOTS:
            row[kind] = kinds[kind].get(str(iri), 0)
        row["anchors"] = anchors.get(str(iri), 0)
        row["relations"] = relations.get(str(iri), 0)
        per_source.append(row)

    return Statistics(
        triples=[(str(iri).removeprefix(graph.GRAPH_BASE), n) for iri, n in counts.items()],
        total_triples=sum(counts.values()),
        entities=list(summary.entities.items()),
        per_source=per_source,
        classes=classes,
        vocabulary=vocabulary,
        sources=list(summary.sources),
    )


# ---------------------------------------------------------------------------------------------
# Writing the site
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Picture:
    name: str
    file: str  # relative to the site root
    title: str
    caption: str


PICTURES = [
    Picture(
        "network",
        "img/network.svg",
        "The actor network",
        "Actors as nodes, shaped and coloured by kind, Russia's at the left and Iran's at the "
        "right, Syria's along the top. Bold arrows are relations between actors, thin arrows with "
        "italic labels are stances; green for positive, red for negative, grey for neutral; solid "
        "where the article says it in its own voice or the holder says it in public, dashed where "
        "it is private, inferred or only someone's claim. Dotted boxes are the events, claims and "
        "issues a stance is about, linked to who took part or made the claim.",
    ),
    Picture(
        "timeline",
        "img/timeline.svg",
        "The timeline",
        "Every dated event at the precision the text gives: a day as a diamond, a month, part "
        "of a month or a season as a span from sg:earliest to sg:latest, and only the start "
        "where that is all that is known. Pale, hatched spans and hollow diamonds are dates the "
        "encoder inferred (a year the text leaves out).",
    ),
    Picture(
        "divergence",
        "img/divergence.svg",
        "Russia and Iran, issue by issue",
        "For each issue, the stances of Russia's side and of Iran's, in public and in private "
        "(as the author reads them), and apart those the text does not say are either, and how "
        "many pairs of them agree, differ or diverge according to the saved query "
        "russia-iran-issues. What each picture shows is the answer of saved queries tagged "
        "picture.",
    ),
]


#: The picture that has a page of its own, listing (and linking) the actors it draws.
NETWORK_PAGE = "network.html"


@dataclass
class NetworkPage:
    picture: Picture
    sides: list[tuple[str, list[URIRef]]]  # (side's label, the actors drawn on it)
    others: list[URIRef]  # events, claims and issues drawn, as the picture names them


def read_network(store: ox.Store, project: Project, names: Names) -> NetworkPage:
    """Who the network picture draws (:func:`stancegraph.plots.network_facts`, the facts it is
    drawn from), by side, so that its page links each actor to the actor's page."""
    facts = plots.network_facts(store, project)
    by_side: dict[str, list[URIRef]] = defaultdict(list)
    others = []
    for iri, node in facts.nodes.items():
        if node.kind in ("event", "claim", "issue", "other") and iri not in names.anchors:
            others.append(URIRef(iri))
            continue
        side = names.labels.get(node.side, compact(node.side)) if node.side else "no side"
        by_side[side].append(URIRef(iri))
    order = lambda i: (names.labels.get(str(i), compact(str(i))).lower(), str(i))  # noqa: E731
    sides = sorted(
        ((side, sorted(v, key=order)) for side, v in by_side.items()),
        key=lambda kv: (kv[0] == "no side", kv[0].lower()),
    )
    return NetworkPage(PICTURES[0], sides, sorted(others, key=order))


# ---------------------------------------------------------------------------------------------
# The search: an index of labels, read by a small local script (nothing is fetched)
# ---------------------------------------------------------------------------------------------

#: The search's files at the site root: the index as JSON (for any tool), the same index as a
#: script (a page opened from disk may not fetch a file beside it; it may run one), the script.
SEARCH_JSON = "search.json"
SEARCH_INDEX_JS = "search-index.js"
SEARCH_JS = "search.js"


def search_index(
    actors: list[ActorPage],
    ontology: Ontology,
    schemes: list[Scheme],
    shapes: list[Shape],
    query_pages: list[QueryPage],
) -> list[dict[str, Any]]:
    """One entry per thing the site documents: its label (``l``), other names (``a``), what it
    is (``k``) and its page (``h``, relative to the site root); actors first."""
    entries: list[dict[str, Any]] = []
    for a in actors:
        kinds = ", ".join(compact(str(k)).split(":", 1)[-1] for k in a.kinds)
        entries.append({"l": a.label, "a": a.alt_labels, "k": f"actor ({kinds})", "h": a.file})
    for t in ontology.classes + [p for ps in ontology.properties.values() for p in ps]:
        entries.append(
            {"l": t.label, "a": [t.curie], "k": t.kind, "h": f"ontology.html#{t.anchor}"}
        )
    for s in schemes:
        entries.append(
            {
                "l": s.label,
                "a": [f"vocab/{s.key}"],
                "k": "vocabulary",
                "h": f"vocabularies.html#{s.anchor}",
            }
        )
        for c in s.concepts:
            entries.append(
                {
                    "l": c.label,
                    "a": c.alt_labels + c.notation,
                    "k": f"concept in {s.label}",
                    "h": f"vocabularies.html#{c.anchor}",
                }
            )
    for sh in shapes:
        entries.append(
            {"l": sh.label, "a": [sh.name], "k": "shape", "h": f"shapes.html#{sh.anchor}"}
        )
    for q in query_pages:
        entries.append(
            {"l": q.summary, "a": [q.name], "k": "query", "h": f"queries/{quote(q.name)}.html"}
        )
    return entries


def _write_search(out: Path, entries: list[dict[str, Any]]) -> list[Path]:
    data = json.dumps(entries, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    inline = data.replace("</", "<\\/")  # a label's "</script>" cannot end the script
    script = (
        "/* The search index of the stancegraph docs (the same as search.json). */\n"
        f"window.STANCEGRAPH_SEARCH = {inline};\n"
    )
    written = [_write(out / SEARCH_JSON, data + "\n"), _write(out / SEARCH_INDEX_JS, script)]
    written.append(Path(shutil.copyfile(TEMPLATES / SEARCH_JS, out / SEARCH_JS)))
    return written


@dataclass
class SiteResult:
    out_dir: Path
    pages: list[Path]
    pictures: list[Path]
    copied: list[Path] = field(default_factory=list)
    search: list[Path] = field(default_factory=list)  # the search's index and script
    #: The pictures too large to draw for the whole corpus, with why (the site says so).
    refused: dict[str, str] = field(default_factory=dict)


def _environment() -> Any:
    try:
        import jinja2
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise DocsError(f"Jinja2 is needed for the site: {exc}") from None
    if not TEMPLATES.is_dir():
        raise DocsError(f"{TEMPLATES}: the site's templates are missing from the package")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


class _Quiet:
    """What :func:`build_site` reports its steps to when nobody listens."""

    def step(self, description: str, total: int | None = None) -> None:
        pass

    def advance(self, units: int = 1) -> None:
        pass


def build_site(
    project: Project,
    out_dir: str | Path | None = None,
    copy_images: str | Path | None = None,
    progress: Any = None,
) -> SiteResult:
    """Write the site to ``out_dir`` (default ``dist/docs``); with ``copy_images``, also copy
    the three pictures there (``docs/img`` for the README).

    The data is read from the embedded store (loaded first if it is missing or stale, as for
    ``query`` and ``plot``), by SPARQL over pyoxigraph; rdflib parses only the model layers
    (ontology, vocabularies, shapes). ``progress`` (``step(description, total)`` and
    ``advance()``, as ``stancegraph.cli.Steps``) is told each step."""
    import jinja2

    told = progress if progress is not None else _Quiet()
    out = Path(out_dir) if out_dir is not None else project.dist_dir / "docs"
    env = _environment()
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "img").mkdir(exist_ok=True)
        (out / "queries").mkdir(exist_ok=True)
        (out / "actors").mkdir(exist_ok=True)
    except OSError as exc:
        raise DocsError(f"{out}: cannot write the site there: {exc.strerror or exc}") from None
    told.step("opening the embedded store")
    store = plots.embedded_store(project)  # loaded first if stale; the pictures read it too
    model = read_model(project)
    corpus = Corpus(store, model)
    names = Names(store)
    told.step("reading the ontology and its use")
    ontology = read_ontology(corpus, names)
    told.step("reading the vocabularies and their use")
    uses = concept_uses(corpus)
    schemes = read_vocabularies(corpus, names, uses)
    shapes = read_shapes(corpus, project, names)
    catalogue = queries.catalogue(project)
    told.step("running the saved queries", total=len(catalogue))
    engine = queries.OxigraphEngine(project)
    query_pages = read_queries(project, engine, names, told, write_to=out / "queries")
    actors = read_actors(corpus, project, names, told)
    told.step("counting the statistics")
    stats = read_statistics(
        corpus, project, read_summary(project, store), direct_instances(corpus), uses
    )

    told.step("drawing the pictures", total=len(PICTURES))
    pictures, refused = [], {}
    for p in PICTURES:
        try:
            pictures.append(plots.draw_to(p.name, out / p.file, store, project))
        except plots.PictureTooLarge as exc:  # the corpus is too large for one picture
            refused[p.name] = str(exc)
        told.advance()
    if "network" in refused:
        network = NetworkPage(PICTURES[0], [], [])
    else:
        network = read_network(store, project, names)
    told.step("writing the pages", total=len(PAGES) + 1 + len(actors) + len(query_pages))
    shutil.copyfile(TEMPLATES / "style.css", out / "style.css")
    shutil.copyfile(project.ontology_file, out / "stancegraph.ttl")

    @jinja2.pass_context
    def term(context: Any, iri: object, text: str | None = None) -> Any:
        """An IRI as a link to where the site documents it (or out, for a foreign term)."""
        from markupsafe import Markup, escape

        link = iri if isinstance(iri, Link) else names.link(iri)
        shown = escape(text if text is not None else link.text)
        title = f' title="{escape(link.title)}"' if link.title else ""
        if link.href is None:
            return Markup(f"<code{title}>{shown}</code>")
        href = (context.get("root", "") + link.href) if link.local else link.href
        cls = "" if link.local else ' class="external"'
        return Markup(f'<a href="{escape(href)}"{cls}{title}><code>{shown}</code></a>')

    def label(iri: object) -> str:
        return names.labels.get(str(iri), compact(str(iri)))

    found_in = Mentions(actors)

    @jinja2.pass_context
    def mentions(context: Any, text: object) -> Any:
        """Text of the model (a definition, an example, a message) with each actor it names
        linked to the actor's page, the first time the text names it."""
        from markupsafe import Markup, escape

        text = str(text)
        parts, last, linked = [], 0, set()
        for start, end, page in found_in.find(text):
            if page in linked:
                continue
            linked.add(page)
            href = context.get("root", "") + page
            parts += [
                escape(text[last:start]),
                Markup('<a href="%s">%s</a>') % (href, text[start:end]),
            ]
            last = end
        parts.append(escape(text[last:]))
        return Markup("").join(parts)

    env.filters["mentions"] = mentions

    env.globals.update(
        term=term,
        label=label,
        compact=compact,
        pages=PAGES,
        ontology=ontology,
        version=ontology.version,
        is_link=lambda v: isinstance(v, Link),
        is_list=lambda v: isinstance(v, list),
        is_iri=lambda v: isinstance(v, URIRef),
        linked=lambda v: names.link(v).href is not None,
    )
    context: dict[str, Any] = {
        "root": "",
        "schemes": schemes,
        "shapes": shapes,
        "shape_groups": group_shapes(shapes),
        "queries": query_pages,
        "stats": stats,
        "pictures": PICTURES,
        "refused": refused,
        "download_rows": DOWNLOAD_ROWS,
        "max_items": MAX_ITEMS,
        "actors": actors,
        "network": network,
        "class_tree": {"nodes": hierarchy(ontology.classes), "count": len(ontology.classes)},
        "property_tree": {
            "nodes": hierarchy([p for ps in ontology.properties.values() for p in ps]),
            "count": sum(len(ps) for ps in ontology.properties.values()),
        },
    }
    drawn = {str(i) for _, side in network.sides for i in side}
    for a in actors:
        a.drawn = str(a.iri) in drawn
    written = []
    for file, title in PAGES:
        html = env.get_template(file).render(page=file, title=title, **context)
        written.append(_write(out / file, html))
        told.advance()
    html = env.get_template(NETWORK_PAGE).render(
        page="index.html", title=network.picture.title, **context
    )
    written.append(_write(out / NETWORK_PAGE, html))
    told.advance()
    actor_template = env.get_template("actor.html")
    for a in actors:
        html = actor_template.render(
            page="actors.html", title=a.label, a=a, **{**context, "root": "../"}
        )
        written.append(_write(out / a.file, html))
        told.advance()
    searched = _write_search(out, search_index(actors, ontology, schemes, shapes, query_pages))
    query_template = env.get_template("query.html")
    downloads: list[Path] = []
    for q in query_pages:
        html = query_template.render(
            page="queries.html", title=q.summary, q=q, **{**context, "root": "../"}
        )
        written.append(_write(out / "queries" / f"{q.name}.html", html))
        told.advance()
        for suffix, data in q.downloads.items():
            downloads.append(out / "queries" / f"{q.name}.{suffix}")
            if isinstance(data, bytes):  # else written already, by read_queries
                downloads[-1].write_bytes(data)
    _forget_stale(
        out,
        [*written, *pictures, *searched, *downloads, out / "style.css", out / "stancegraph.ttl"],
    )

    copied = []
    if copy_images is not None:
        target = Path(copy_images)
        target.mkdir(parents=True, exist_ok=True)
        for picture in pictures:
            copied.append(Path(shutil.copyfile(picture, target / picture.name)))
    return SiteResult(out, written, pictures, copied, searched, refused)


#: The list of the files the last build wrote, at the site's root: the next build removes those
#: it does not write again (a query or an actor gone), and nothing else in the folder.
MANIFEST = ".stancegraph-docs"


def _forget_stale(out: Path, files: list[Path]) -> list[Path]:
    """Remove the files the previous build listed in :data:`MANIFEST` and this one did not
    write (only regular files inside ``out``), then list this build's files there."""
    root = out.resolve()
    now = sorted({f.resolve().relative_to(root).as_posix() for f in files})
    removed = []
    manifest = out / MANIFEST
    try:
        before = manifest.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        before = []
    for name in sorted(set(before) - set(now)):
        listed = root / name
        if listed.is_symlink():  # never followed out of the site
            continue
        path = listed.resolve()
        if path.is_relative_to(root) and path != root and path.is_file():
            path.unlink()
            removed.append(path)
    manifest.write_text("".join(f"{name}\n" for name in now), encoding="utf-8")
    return removed


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
