"""``iri-reused``: a contribution does not give an IRI of the existing data to another thing."""

from __future__ import annotations

from rdflib import RDF, RDFS, Literal
from rdflib.namespace import SKOS

from stancegraph.validate.checks.common import quote, subclasses, superclasses
from stancegraph.validate.context import Collector, Context
from stancegraph.validate.minting import SG, SOURCE_IRI
from stancegraph.validate.report import shorten


def check_reuse(ctx: Context, out: Collector) -> None:
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
            old_closure = superclasses(ontology, old_types)
            new_closure = superclasses(ontology, new_types)
            foreign = {
                t
                for t in new_types
                if t not in old_closure and not (old_types & subclasses(ontology, t))
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
                        f"{shorten(s)} is already called {quote(sorted(same_lang)[0])} "
                        f"in {where}; "
                        f"this contribution calls it {quote(str(value))}.",
                        "if it is the same thing, drop the new label (add skos:altLabel for "
                        "another name); if not, mint a new IRI.",
                    )
