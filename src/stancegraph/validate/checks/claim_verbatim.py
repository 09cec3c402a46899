"""``claim-verbatim``: a claim's ``sg:verbatim`` words occur in the text of its source."""

from __future__ import annotations

from rdflib import Literal

from stancegraph import anchors
from stancegraph.validate.checks.common import near_miss, quote, seed_text
from stancegraph.validate.context import Collector, Context
from stancegraph.validate.minting import OA, SG


def check_verbatim(ctx: Context, out: Collector) -> None:
    """A claim's verbatim words occur in the text of the document its anchors point into."""
    for claim, verbatim in ctx.data.subject_objects(SG.verbatim):
        if claim not in ctx.focus or not isinstance(verbatim, Literal):
            continue
        keys = {
            anchors.Anchor(iri=a, source=ctx.data.value(a, OA.hasSource), exact=None).key
            for a in ctx.data.objects(claim, SG.anchor)
        }
        texts = [(k, seed_text(ctx, k)) for k in sorted(k for k in keys if k)]
        texts = [(k, t) for k, t in texts if t is not None]
        if not texts:
            continue
        if not any(str(verbatim) in t for _k, t in texts):
            hint = near_miss(texts[0][1], str(verbatim))
            out.add(
                "claim-verbatim",
                claim,
                SG.verbatim,
                verbatim,
                f"sg:verbatim {quote(str(verbatim))} is not in seeds/{texts[0][0]}.txt: "
                f"verbatim words must be the source's, character for character.{hint}",
                "copy the words inside the quotation marks from the seed text, or move a "
                "rewording to sg:paraphrase.",
            )
