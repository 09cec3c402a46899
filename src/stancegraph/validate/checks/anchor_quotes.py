"""``anchor-quote``, ``anchor-offsets``, ``anchor-prefix``, ``anchor-ambiguous``: an anchor's quote,
offsets, prefix and suffix against the verified seed text of its document."""

from __future__ import annotations

from rdflib import RDF, Literal

from stancegraph import anchors
from stancegraph.errors import InputError
from stancegraph.validate.checks.common import near_miss, quote, seed_text
from stancegraph.validate.context import Collector, Context
from stancegraph.validate.minting import OA, SG
from stancegraph.validate.report import WARNING, shorten


def check_anchors(ctx: Context, out: Collector) -> None:
    """Quotes against the seed text at their offsets; prefix and suffix; ambiguity."""
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
        exact, start, end = anchor.exact, anchor.start, anchor.end
        starts = anchors.occurrences(text, exact)
        at = text[start:end] if 0 <= start <= end <= len(text) else None
        if at == exact:
            if anchor.prefix and not text.endswith(anchor.prefix, 0, start):
                out.add(
                    "anchor-prefix",
                    anchor.iri,
                    OA.prefix,
                    Literal(anchor.prefix),
                    f"oa:prefix {quote(anchor.prefix)} is not the text just before the quote "
                    f"at {start} in {where} (there it reads "
                    f"{quote(text[max(0, start - len(anchor.prefix)) : start])}).",
                    "copy the words that really precede the quote, character for character, "
                    "or drop oa:prefix.",
                )
            if anchor.suffix and not text.startswith(anchor.suffix, end):
                out.add(
                    "anchor-prefix",
                    anchor.iri,
                    OA.suffix,
                    Literal(anchor.suffix),
                    f"oa:suffix {quote(anchor.suffix)} is not the text just after the quote "
                    f"at {end} in {where} (there it reads "
                    f"{quote(text[end : end + len(anchor.suffix)])}).",
                    "copy the words that really follow the quote, character for character, "
                    "or drop oa:suffix.",
                )
            if len(starts) > 1 and not anchor.prefix and not anchor.suffix:
                out.add(
                    "anchor-ambiguous",
                    anchor.iri,
                    OA.prefix,
                    None,
                    f"The quote {quote(exact)} occurs {len(starts)} times in {where} "
                    f"(at {', '.join(map(str, starts[:6]))}); only the offsets say which is meant.",
                    "add oa:prefix with the few words before this occurrence, so the anchor "
                    "survives if offsets are recomputed.",
                    severity=WARNING,
                )
            continue
        if not starts:
            hint = near_miss(text, exact)
            out.add(
                "anchor-quote",
                anchor.iri,
                OA.exact,
                Literal(exact),
                f"The quote {quote(exact)} does not occur in {where}.{hint}",
                "copy the words from the seed text exactly (curly quotes, dashes and no-break "
                "spaces included), then run scripts/anchor_offsets.py --write for the offsets.",
            )
            continue
        try:
            good = anchors.locate(text, exact, anchor.prefix, anchor.suffix)
            fix = (
                f"set oa:start {good[0]} and oa:end {good[1]} "
                "(scripts/anchor_offsets.py --write does it)."
            )
        except anchors.AnchorError:
            fix = (
                f"the quote is at {', '.join(str(s) for s in starts[:6])}: set oa:start/oa:end to "
                "the occurrence you mean, or run scripts/anchor_offsets.py --write after adding "
                "oa:prefix."
            )
        if at is not None:
            there = f"{where} has {quote(at)} there"
        else:
            there = f"that span is reversed or outside {where} (0..{len(text)})"
        out.add(
            "anchor-offsets",
            anchor.iri,
            OA.start,
            Literal(start),
            f"oa:start..oa:end ({start}..{end}) do not hold the quote {quote(exact)}: {there}.",
            fix,
        )
