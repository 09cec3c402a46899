"""``unknown-term``: the classes, properties and concepts used in our namespaces are defined."""

from __future__ import annotations

from rdflib import RDF, URIRef

from stancegraph.validate.checks.common import suggest
from stancegraph.validate.context import Collector, Context
from stancegraph.validate.minting import ONTOLOGY_NS, VOCAB_NS
from stancegraph.validate.report import shorten


def check_unknown_terms(ctx: Context, out: Collector) -> None:
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
                    f"use a term defined in ontology/stancegraph.ttl; {suggest(term, terms)}",
                )
        if isinstance(o, URIRef) and o not in terms and str(o).startswith(VOCAB_NS):
            scheme = str(o)[len(VOCAB_NS) :].split("/")[0]
            out.add(
                "unknown-term",
                s,
                p,
                o,
                f"{shorten(o)} is not a concept of any vocabulary.",
                f"pick a concept from ontology/vocab/{scheme}.ttl; {suggest(o, terms)}",
            )
