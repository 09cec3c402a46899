"""``iri-source``: a thing of source A is not anchored in the document of source B."""

from __future__ import annotations

from rdflib import URIRef

from stancegraph.validate.context import Collector, Context
from stancegraph.validate.minting import DOCUMENT_IRI, OA, SG, SOURCE_IRI
from stancegraph.validate.report import shorten


def check_source_key(ctx: Context, out: Collector) -> None:
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
