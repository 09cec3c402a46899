"""Assembling the dataset: one named graph per layer, as in docs/architecture.md.

| graph                              | files                                 |
|------------------------------------|---------------------------------------|
| ``.../graph/ontology``             | ``ontology/stancegraph.ttl``          |
| ``.../graph/vocab``                | ``ontology/vocab/*.ttl``              |
| ``.../graph/shapes``               | ``ontology/shapes/*.ttl``             |
| ``.../graph/actors``               | ``data/actors.ttl``                   |
| ``.../graph/source/<key>``         | ``seeds/<key>.ttl``, ``data/<key>/*.ttl`` |

Every file is parsed through :mod:`stancegraph.safety`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, RDFS, BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, SKOS
from rdflib.term import Node

from stancegraph import names, safety
from stancegraph.errors import ProjectError
from stancegraph.sources import Project, Source

SG = Namespace(names.SG_NS)
SCHEMA = Namespace(names.STANDARD["schema"])
GRAPH_BASE = names.GRAPH_BASE
ID_BASE = names.ID_BASE
VOCAB_BASE = names.VOCAB_BASE
DOCUMENT_BASE = names.DOCUMENT_BASE

#: Prefixes of the standard vocabularies the ontology reuses (:data:`stancegraph.names.STANDARD`).
NAMESPACES: dict[str, str] = names.STANDARD

ONTOLOGY_GRAPH = URIRef(GRAPH_BASE + "ontology")
VOCAB_GRAPH = URIRef(GRAPH_BASE + "vocab")
SHAPES_GRAPH = URIRef(GRAPH_BASE + "shapes")
ACTORS_GRAPH = URIRef(GRAPH_BASE + "actors")

#: The kinds of thing ``stancegraph info`` counts, each with its root class.
ENTITY_ROOTS: dict[str, URIRef] = {
    "actors": SG.Actor,
    "claims": SG.Claim,
    "stances": SG.Stance,
    "events": SG.Event,
}

_LABELS = (SKOS.prefLabel, RDFS.label, FOAF.name, SCHEMA.name, DCTERMS.title)


def to_oxigraph(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term for an rdflib IRI, blank node or literal (:class:`TypeError` else)."""
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype is not None:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    raise TypeError(f"not an RDF term: {node!r}")


def from_oxigraph(term: object, blank_prefix: str = "") -> Node:
    """The rdflib term for a pyoxigraph IRI, blank node (its label prefixed with
    ``blank_prefix``) or literal (:class:`TypeError` else)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(blank_prefix + term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"not an RDF term: {term!r}")


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def nquads(dataset: Dataset) -> bytes:
    """Every named graph of ``dataset`` as N-Quads, in the order rdflib writes them."""
    out = dataset.serialize(format="nquads", encoding="utf-8")
    return out if isinstance(out, bytes) else out.encode("utf-8")


def source_graph_iri(key: str) -> URIRef:
    """The named graph of source ``key``."""
    return URIRef(f"{GRAPH_BASE}source/{key}")


def document_iri(key: str) -> URIRef:
    """The IRI of source ``key``'s document."""
    return URIRef(DOCUMENT_BASE + key)


def layer_files(project: Project) -> list[tuple[URIRef, list[Path]]]:
    """Each named graph with the files that fill it, in the order of the architecture."""
    layers: list[tuple[URIRef, list[Path]]] = [
        (ONTOLOGY_GRAPH, [project.ontology_file]),
        (VOCAB_GRAPH, project.vocab_files),
        (SHAPES_GRAPH, project.shapes_files),
        (ACTORS_GRAPH, [project.actors_file] if project.actors_file.is_file() else []),
    ]
    layers.extend((source_graph_iri(src.key), src.rdf_files) for src in project.sources)
    return layers


def assemble(project: Project) -> Dataset:
    """The whole project as a :class:`rdflib.Dataset`, one named graph per layer.

    Raises :class:`ProjectError` if the ontology file is missing, and
    :class:`stancegraph.errors.InputError` for any file that does not parse.
    """
    if not project.ontology_file.is_file():
        raise ProjectError(f"{project.ontology_file}: the ontology file is missing")
    dataset = Dataset()
    for graph_iri, files in layer_files(project):
        named = dataset.graph(graph_iri)
        for path in files:
            safety.parse_file(path, graph=named)
    return dataset


def named_graphs(dataset: Dataset) -> dict[URIRef, Graph]:
    """The named graphs of ``dataset`` (the default graph left out), by IRI."""
    return {
        g.identifier: g
        for g in dataset.graphs()
        if isinstance(g.identifier, URIRef) and str(g.identifier).startswith(GRAPH_BASE)
    }


def union_graph(dataset: Dataset, graphs: list[URIRef] | None = None) -> Graph:
    """A new plain graph holding every triple of ``graphs`` (default: all named graphs)."""
    union = Graph()
    for prefix, ns in dataset.namespaces():
        union.bind(prefix, ns, override=False)
    chosen = named_graphs(dataset)
    for iri, g in chosen.items():
        if graphs is None or iri in graphs:
            for triple in g:
                union.add(triple)
    return union


def is_data_graph(iri: URIRef) -> bool:
    """Whether the graph ``iri`` holds statements (actors, a source), not the model."""
    return iri == ACTORS_GRAPH or str(iri).startswith(GRAPH_BASE + "source/")


def data_graph_iris(dataset: Dataset) -> list[URIRef]:
    """The graphs holding statements (actors and every source), not the model."""
    return [iri for iri in named_graphs(dataset) if is_data_graph(iri)]


def triple_counts(dataset: Dataset) -> dict[URIRef, int]:
    """Triples per named graph, in the architecture's order (ontology first, sources last)."""
    graphs = named_graphs(dataset)
    return {iri: len(graphs[iri]) for iri in in_layer_order(graphs)}


_LAYER_ORDER = [ONTOLOGY_GRAPH, VOCAB_GRAPH, SHAPES_GRAPH, ACTORS_GRAPH]


def in_layer_order(iris: Iterable[URIRef]) -> list[URIRef]:
    """Graph IRIs in the architecture's order: ontology, vocab, shapes, actors, then the rest
    (the sources) by IRI."""

    def rank(iri: URIRef) -> tuple[int, str]:
        return (_LAYER_ORDER.index(iri) if iri in _LAYER_ORDER else len(_LAYER_ORDER), str(iri))

    return sorted(iris, key=rank)


def subclasses(ontology: Graph, root: URIRef) -> set[URIRef]:
    """``root`` and every class that is ``rdfs:subClassOf*`` it in ``ontology``."""
    found = {root}
    for cls in ontology.transitive_subjects(RDFS.subClassOf, root):
        if isinstance(cls, URIRef):
            found.add(cls)
    return found


def count_instances(dataset: Dataset, root: URIRef) -> int:
    """Distinct things in the data graphs typed with ``root`` or one of its subclasses."""
    classes = subclasses(dataset.graph(ONTOLOGY_GRAPH), root)
    graphs = named_graphs(dataset)
    things: set = set()
    for iri in data_graph_iris(dataset):
        g = graphs[iri]
        for cls in classes:
            things.update(g.subjects(RDF.type, cls))
    return len(things)


def entity_counts(dataset: Dataset) -> dict[str, int]:
    """Counts of actors, claims, stances and events in the data graphs."""
    return {kind: count_instances(dataset, root) for kind, root in ENTITY_ROOTS.items()}


def ontology_iri(dataset: Dataset) -> URIRef | None:
    """The IRI of the ``owl:Ontology`` in the ontology graph."""
    for subject in dataset.graph(ONTOLOGY_GRAPH).subjects(RDF.type, OWL.Ontology):
        if isinstance(subject, URIRef):
            return subject
    return None


def ontology_version(dataset: Dataset) -> str | None:
    """``owl:versionInfo`` of the ontology, or ``None`` if it has none."""
    iri = ontology_iri(dataset)
    if iri is None:
        return None
    value = dataset.graph(ONTOLOGY_GRAPH).value(iri, OWL.versionInfo)
    return str(value) if value is not None else None


@dataclass(frozen=True)
class SourceSummary:
    key: str
    document: URIRef
    title: str | None
    publisher: str | None
    characters: int
    withheld: bool = False  # the text is withheld and not here: ``characters`` is the stated count


@dataclass(frozen=True)
class Summary:
    """What ``stancegraph info`` reports."""

    root: Path
    ontology_iri: URIRef | None
    ontology_version: str | None
    sources: list[SourceSummary]
    triples: dict[URIRef, int]
    entities: dict[str, int] = field(default_factory=dict)


def describe_source(
    dataset: Dataset, project: Project, source: Source, *, characters: bool = True
) -> SourceSummary:
    """Title and publisher of a source's document, as its description states them, and the
    length of its seed text (0 without ``characters``: not read)."""
    g = dataset.graph(source_graph_iri(source.key))
    doc = document_iri(source.key)
    title = _first_literal(g, doc, (DCTERMS.title, SCHEMA.name, SCHEMA.headline, RDFS.label))
    publisher = None
    for prop in (DCTERMS.publisher, SCHEMA.publisher):
        value = g.value(doc, prop)
        if value is None:
            continue
        if isinstance(value, Literal):
            publisher = str(value)
        else:  # the publisher's name, from the source's graph or the actors'
            both = [g, dataset.graph(ACTORS_GRAPH)]
            publisher = _first_literal(both, value, _LABELS) or str(value)
        break
    return SourceSummary(
        key=source.key,
        document=doc,
        title=title,
        publisher=publisher,
        characters=_characters(g, project, source) if characters else 0,
        withheld=source.withheld and not source.has_text,
    )


def _characters(g: Graph, project: Project, source: Source) -> int:
    """The length of a source's text: counted, or, for a withheld text that is not here, the
    sg:characterCount its description states (0 if it states none)."""
    if source.has_text or not source.withheld:
        return len(project.seed_text(source.key))
    stated = g.value(document_iri(source.key), SG.characterCount)
    return int(stated) if isinstance(stated, Literal) and str(stated).isdigit() else 0


def summarize(project: Project, dataset: Dataset | None = None) -> Summary:
    """Count what is in the project: ``dataset`` if the caller has assembled it already (the
    main job reads the files once for every step), else the project's files read one named
    graph at a time (:func:`summarize_files`), never the corpus assembled in rdflib."""
    if dataset is None:
        return summarize_files(project)
    return Summary(
        root=project.root,
        ontology_iri=ontology_iri(dataset),
        ontology_version=ontology_version(dataset),
        sources=[describe_source(dataset, project, src) for src in project.sources],
        triples=triple_counts(dataset),
        entities=entity_counts(dataset),
    )


#: Things typed with one of ``classes`` in one named graph (pyoxigraph, one graph at a time).
_TYPED_QUERY = (
    "SELECT DISTINCT ?s WHERE {{ VALUES ?c {{ {classes} }} GRAPH {graph} {{ ?s a ?c }} }}"
)
_PUBLISHER_PROPS = frozenset([str(DCTERMS.publisher), str(SCHEMA.publisher)])


def summarize_files(project: Project) -> Summary:
    """What :func:`summarize` reports of the assembled project, read from the files one named
    graph at a time, each by :func:`stancegraph.safety.read_graph` (the same guards and errors)
    into a small pyoxigraph store that is let go after: what ``info`` prints when the embedded
    store is missing or stale, in bounded memory at any size (issue #19: assembling 10M triples
    in rdflib does not fit in 4 GB). Of each graph only what the summary reads is kept as rdflib
    terms: the ontology graph, and a source's document with its publisher."""
    if not project.ontology_file.is_file():
        raise ProjectError(f"{project.ontology_file}: the ontology file is missing")
    small = Dataset()  # the ontology, and of the other graphs only what describe_source reads
    counts: dict[URIRef, int] = {}
    classes: dict[str, str] = {}
    things: dict[str, set[object]] = {kind: set() for kind in ENTITY_ROOTS}
    actors: ox.Store | None = None
    for index, (iri, files) in enumerate(layer_files(project)):
        name = ox.NamedNode(str(iri))
        store = safety.read_graph(files, name)
        counts[iri] = len(store)
        if iri == ONTOLOGY_GRAPH:  # the first graph: the classes the entities are counted by
            onto = small.graph(ONTOLOGY_GRAPH)
            for q in store:
                onto.add(_rdflib(q))
            for kind, root in ENTITY_ROOTS.items():
                classes[kind] = " ".join(f"<{c}>" for c in sorted(subclasses(onto, root)))
        if iri == ACTORS_GRAPH:
            actors = store
        if is_data_graph(iri):
            for kind, found in things.items():
                text = _TYPED_QUERY.format(classes=classes.get(kind, ""), graph=name)
                for row in store.query(text):  # type: ignore[union-attr]
                    term = row[0]  # type: ignore[index]
                    # blank nodes are this graph's own (new labels in each file, as in rdflib)
                    found.add(term.value if isinstance(term, ox.NamedNode) else (index, str(term)))
        if str(iri).startswith(GRAPH_BASE + "source/"):
            _keep_description(small, iri, store, actors)
    return Summary(
        root=project.root,
        ontology_iri=ontology_iri(small),
        ontology_version=ontology_version(small),
        sources=[describe_source(small, project, src) for src in project.sources],
        triples={g: counts[g] for g in in_layer_order(counts)},
        entities={kind: len(found) for kind, found in things.items()},
    )


def _keep_description(
    small: Dataset, iri: URIRef, store: ox.Store, actors: ox.Store | None
) -> None:
    """Into ``small``: what :func:`describe_source` reads of source graph ``iri`` (held in
    ``store``): its document's triples, and its publisher's, from that graph and the actors'."""
    key = str(iri).removeprefix(GRAPH_BASE + "source/")
    g, name = small.graph(iri), ox.NamedNode(str(iri))
    for q in store.quads_for_pattern(ox.NamedNode(str(document_iri(key))), None, None, name):
        g.add(_rdflib(q))
        if q.predicate.value in _PUBLISHER_PROPS and isinstance(q.object, ox.NamedNode):
            for pq in store.quads_for_pattern(q.object, None, None, name):
                g.add(_rdflib(pq))
            if actors is not None:
                known = small.graph(ACTORS_GRAPH)
                for pq in actors.quads_for_pattern(q.object, None, None, None):
                    known.add(_rdflib(pq))


def _rdflib(q: ox.Quad) -> tuple[Node, Node, Node]:
    return (from_oxigraph(q.subject), from_oxigraph(q.predicate), from_oxigraph(q.object))


def _first_literal(
    graphs: Graph | list[Graph], subject: Node, props: tuple[URIRef, ...]
) -> str | None:
    """The first of ``props`` that ``subject`` has a literal for in ``graphs``: an English value
    if there is one, else the first value in sorted order."""
    every = graphs if isinstance(graphs, list) else [graphs]
    for prop in props:
        found = (o for g in every for o in g.objects(subject, prop))  # type: ignore[arg-type]
        values = {o for o in found if isinstance(o, Literal)}
        if not values:
            continue
        english = [v for v in values if (v.language or "").lower().startswith("en")]
        return str(sorted(english or values)[0])
    return None
