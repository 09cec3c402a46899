"""``anchor-quote``, ``anchor-offsets``, ``anchor-prefix``, ``anchor-ambiguous``: an anchor's quote,
offsets, prefix and suffix against the verified seed text of its document."""

from __future__ import annotations

from rdflib import RDF, Literal, URIRef

from stancegraph import anchors
from stancegraph.errors import InputError
from stancegraph.validate.checks.common import seed_text
from stancegraph.validate.checks.text_withheld import withheld_keys
from stancegraph.validate.context import Collector, Context
from stancegraph.validate.minting import OA, SG
from stancegraph.validate.report import VIOLATION, WARNING, shorten


def check_anchors(ctx: Context, out: Collector) -> None:
    """Quotes against the seed text at their offsets; prefix and suffix; ambiguity."""
    withheld: dict[str, URIRef] | None = None  # read once, if a text is missing
    for anchor in anchors.read_anchors(ctx.data):
        if anchor.iri not in ctx.focus:
            continue
        text = seed_text(ctx, anchor.key)
        if text is None:
            if (
                anchor.source is None
                or (anchor.source, RDF.type, SG.SourceDocument) not in ctx.data
            ):
                continue  # unknown document: the shapes report oa:hasSource
            if withheld is None:
                withheld = withheld_keys(ctx)
            if anchor.key not in ctx.seeds and anchor.key in withheld:
                continue  # a withheld text and no copy: text-withheld lists the anchor
            if anchor.key in ctx.seeds:
                if anchor.source in ctx.focus:
                    continue  # its description is under check: document-seed reports it
                problem = (
                    "does not match the document's sg:sha256 and sg:characterCount, so no "
                    "quote is checked against it; restore the text (byte for byte) or correct "
                    f"seeds/{anchor.key}.ttl"
                )
            else:
                problem = (
                    "is missing; restore it (byte for byte) or add it to the contribution "
                    "folder's seeds/"
                )
            # a known document whose text is gone or unverified: nothing can be checked (exit 2)
            file, line = ctx.locate(anchor.iri)
            raise InputError(
                file or shorten(anchor.iri),
                line,
                None,
                f"anchor {shorten(anchor.iri)}: the text of its source document, "
                f"seeds/{anchor.key}.txt, {problem}",
            )
        where = f"seeds/{anchor.key}.txt"
        if anchor.exact is None or anchor.start is None or anchor.end is None:
            continue  # missing selectors or wrong datatypes: the shapes report them
        # the same problems, in the same words, as scripts/anchor_offsets.py (anchors.diagnose)
        for problem in anchors.diagnose(
            text,
            anchor.exact,
            anchor.start,
            anchor.end,
            anchor.prefix,
            anchor.suffix,
            where=where,
        ):
            out.add(
                problem.check,
                anchor.iri,
                OA[problem.selector],
                None if problem.value is None else Literal(problem.value),
                problem.message,
                problem.fix,
                severity=WARNING if problem.warning else VIOLATION,
            )
