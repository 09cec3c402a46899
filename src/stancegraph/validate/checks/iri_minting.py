"""``iri-minting``: a new IRI follows the minting rule (:mod:`stancegraph.validate.minting`)."""

from __future__ import annotations

from stancegraph.validate.checks.text_withheld import withheld_keys
from stancegraph.validate.context import Collector, Context
from stancegraph.validate.minting import (
    DOCUMENT_IRI,
    ID_NS,
    ONTOLOGY_NS,
    SHAPES_NS,
    SHARED_IRI,
    SHARED_KINDS,
    SOURCE_IRI,
    SOURCE_KINDS,
    VOCAB_NS,
)


def check_minting(ctx: Context, out: Collector) -> None:
    """New IRIs follow https://w3id.org/stancegraph/id/<kind>/<slug> or <kind>/<key>/<n>; the
    key is a source's: one with a seed text, or one whose text is withheld."""
    withheld = withheld_keys(ctx)
    for s in ctx.checked_subjects:
        if s not in ctx.focus or s in ctx.model.terms:
            continue
        text = str(s)
        if text.startswith((ONTOLOGY_NS, VOCAB_NS, SHAPES_NS)):
            continue  # ontology-term reports these
        if ctx.contribution and (s, None, None) in ctx.existing:
            continue  # not new
        if SHARED_IRI.match(text) or DOCUMENT_IRI.match(text):
            continue
        match = SOURCE_IRI.match(text)
        if match:
            key = match.group("key")
            if key not in ctx.seeds and key not in withheld:
                out.add(
                    "iri-minting",
                    s,
                    None,
                    None,
                    f"The IRI names source '{key}', but there is no such source (no "
                    f"seeds/{key}.txt in the project or the contribution).",
                    "use the key of the source the statement comes from "
                    "(id/<kind>/<source key>/<n>).",
                )
            continue
        if text.startswith(ID_NS):
            why = (
                "does not follow the minting rule: id/<kind>/<slug> for shared things (kind one "
                f"of {', '.join(SHARED_KINDS)}), id/<kind>/<source key>/<n> for things of one "
                f"source (kind one of {', '.join(SOURCE_KINDS)}), slugs lower-case ASCII words "
                "joined by '-', n a positive integer"
            )
        else:
            why = "is not in the project's namespace https://w3id.org/stancegraph/id/"
        out.add(
            "iri-minting",
            s,
            None,
            None,
            f"The new IRI <{text}> {why}.",
            "rename it by the rule in docs/architecture.md (see CONTRIBUTING.md, 'IRIs').",
        )
