"""``ontology-term``: a contribution adds no triples about a term of the ontology, vocabularies
or shapes."""

from __future__ import annotations

from rdflib import URIRef
from rdflib.term import Node

from stancegraph.validate.context import Collector, Context
from stancegraph.validate.minting import ONTOLOGY_NS, SHAPES_NS, VOCAB_NS
from stancegraph.validate.report import shorten


def check_ontology_terms(ctx: Context, out: Collector) -> None:
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
