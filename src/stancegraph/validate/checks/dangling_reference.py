"""``dangling-reference``: every ``id/`` IRI linked to is defined somewhere."""

from __future__ import annotations

from rdflib import RDF, URIRef
from rdflib.term import Node

from stancegraph.validate.context import Collector, Context
from stancegraph.validate.minting import ID_NS
from stancegraph.validate.report import shorten


def check_dangling(ctx: Context, out: Collector) -> None:
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
