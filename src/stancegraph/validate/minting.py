"""The minting rule (docs/architecture.md): which IRIs the project mints, of which kinds, and the
class each kind names. The checks ``iri-minting``, ``iri-kind``, ``iri-source`` and
``iri-reused`` ask it, and a contribution's context is found by it (:mod:`.context`)."""

from __future__ import annotations

import re

from rdflib import Namespace, URIRef

from stancegraph import anchors, graph

SG = graph.SG
OA = anchors.OA

#: Namespaces whose terms only the ontology, vocabularies and shapes may define.
ONTOLOGY_NS = str(SG)
VOCAB_NS = graph.VOCAB_BASE
SHAPES_NS = "https://w3id.org/stancegraph/shapes"
ID_NS = graph.ID_BASE

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
