"""The minting rule (docs/architecture.md): which IRIs the project mints, of which kinds, and the
class each kind names. The checks ``iri-minting``, ``iri-kind``, ``iri-source`` and
``iri-reused`` ask it, and a contribution's context is found by it (:mod:`.context`)."""

from __future__ import annotations

from rdflib import Namespace, URIRef

from stancegraph import anchors, graph, names

SG = graph.SG
OA = anchors.OA

#: Namespaces whose terms only the ontology, vocabularies and shapes may define.
ONTOLOGY_NS = str(SG)
VOCAB_NS = graph.VOCAB_BASE
SHAPES_NS = names.SHAPES_NS.removesuffix("#")
ID_NS = graph.ID_BASE

#: The kinds of shared things (``id/<kind>/<slug>``) and of things of one source
#: (``id/<kind>/<key>/<n>``): the one table of :mod:`stancegraph.names`.
SHARED_KINDS = [k.segment for k in names.KINDS if k.shared]
SOURCE_KINDS = [k.segment for k in names.KINDS if not k.shared]
SHARED_IRI = names.SHARED_IRI
SOURCE_IRI = names.SOURCE_IRI
DOCUMENT_IRI = names.DOCUMENT_IRI

ORG = Namespace(graph.NAMESPACES["org"])
TIME = Namespace(graph.NAMESPACES["time"])

#: The class a node must have (itself or a subclass) when its IRI is minted for a kind: the class
#: whose shape requires that IRI pattern (ontology/shapes/), from :data:`stancegraph.names.KINDS`.
#: The minting rule says what an IRI names; a ``claim/`` IRI that is not an ``sg:Claim`` escapes
#: every claim shape.
KIND_CLASSES: dict[str, tuple[URIRef, ...]] = {
    segment: tuple(names.curie_iri(c) for c in kind.classes)
    for segment, kind in names.KIND_BY_SEGMENT.items()
}
