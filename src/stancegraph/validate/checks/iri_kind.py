"""``iri-kind``: an IRI minted for a kind names a node of that kind's class."""

from __future__ import annotations

from rdflib import RDF
from rdflib.term import Node

from stancegraph import names
from stancegraph.validate.checks.common import superclasses
from stancegraph.validate.context import Collector, Context
from stancegraph.validate.minting import KIND_CLASSES
from stancegraph.validate.report import shorten


def check_kinds(ctx: Context, out: Collector) -> None:
    """An IRI minted for a kind (``id/claim/<key>/<n>``, ``id/person/<slug>``) names a node of
    that kind's class (:data:`KIND_CLASSES`), here or in the existing data."""
    ontology = ctx.model.ontology
    closures: dict[frozenset[Node], set[Node]] = {}
    for s in ctx.checked_subjects:
        if s not in ctx.focus or s in ctx.model.terms:
            continue
        minted = names.kind_of(str(s))
        if minted is None:
            continue
        kind = minted.segment
        expected = tuple(c for c in KIND_CLASSES.get(kind, ()) if c in ctx.model.terms)
        if not expected:
            continue  # a project whose ontology lacks the class (a test fixture) cannot ask it
        types = frozenset(ctx.data.objects(s, RDF.type))
        if types not in closures:
            closures[types] = superclasses(ontology, types)
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
