"""``document-seed``: a document's ``sg:seedFile``, ``sg:sha256`` and ``sg:characterCount`` match
its seed file."""

from __future__ import annotations

from rdflib import RDF, Literal

from stancegraph.validate.checks.common import clip, quote
from stancegraph.validate.checks.text_withheld import withheld_keys
from stancegraph.validate.context import Collector, Context
from stancegraph.validate.minting import DOCUMENT_IRI, SG


def check_documents(ctx: Context, out: Collector) -> None:
    """A document's seed file, SHA-256 and character count match the seed text (a withheld
    text without a copy has nothing to match: text-withheld reports it)."""
    withheld = withheld_keys(ctx)
    for doc in set(ctx.data.subjects(RDF.type, SG.SourceDocument)):
        if doc not in ctx.focus:
            continue
        match = DOCUMENT_IRI.match(str(doc))
        if not match:
            continue  # the shapes report the IRI
        key = match.group("key")
        seed = ctx.seeds.get(key)
        if seed is None and key in withheld:
            continue
        if seed is None:
            out.add(
                "document-seed",
                doc,
                SG.seedFile,
                ctx.data.value(doc, SG.seedFile),
                f"No seed text seeds/{key}.txt was found for this document.",
                f"add the article's text, byte for byte, as seeds/{key}.txt (in the project, or "
                "in the seeds/ folder of the contribution folder you name).",
            )
            continue
        text = seed.text
        seed_file = ctx.data.value(doc, SG.seedFile)
        if isinstance(seed_file, Literal) and str(seed_file) != f"seeds/{key}.txt":
            out.add(
                "document-seed",
                doc,
                SG.seedFile,
                seed_file,
                f"sg:seedFile is {quote(str(seed_file))} but the document's key is '{key}'.",
                f'write sg:seedFile "seeds/{key}.txt".',
            )
        digest = seed.sha256
        unchecked = " Until it does, no quote is checked against the text."
        for value in ctx.data.objects(doc, SG.sha256):
            if str(value) != digest:
                out.add(
                    "document-seed",
                    doc,
                    SG.sha256,
                    value,
                    f"sg:sha256 does not match seeds/{key}.txt (its SHA-256 is {digest})."
                    + unchecked,
                    f'write sg:sha256 "{digest}", or restore the seed text if it was changed '
                    "by mistake.",
                )
        for value in ctx.data.objects(doc, SG.characterCount):
            if str(value) != str(len(text)):
                out.add(
                    "document-seed",
                    doc,
                    SG.characterCount,
                    value,
                    f"sg:characterCount is {clip(str(value))} but seeds/{key}.txt has {len(text)} "
                    "code points." + unchecked.replace("it does", "they match"),
                    f"write sg:characterCount {len(text)}.",
                )
