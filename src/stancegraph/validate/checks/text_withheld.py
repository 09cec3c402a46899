"""``text-withheld`` (a warning): anchors into a withheld text that no copy was given to verify.

A source whose text may not be redistributed ships without ``seeds/<key>.txt``; its description
says ``doc:<key> dcterms:accessRights text-access:withheld`` and keeps the text's ``sg:sha256`` and
``sg:characterCount``. ``validate --texts DIR`` reads the user's copy, ``DIR/<key>.txt``: its
SHA-256 and length are compared with the description's first, and a copy that differs is an
error (exit 2: it is not the text the anchors were made on, so nothing could be checked against
it). With the copy, the anchors are checked as any others (``anchor-quote`` ...). Without it, one
warning per source names it and the anchors under check that could not be verified: how many,
and the first :data:`SHOWN` with the file and line where each is written, and how many claims'
``sg:verbatim`` words (checked against the text by ``claim-verbatim``) went unchecked with them.
"""

from __future__ import annotations

from rdflib import RDF, URIRef
from rdflib.namespace import DCTERMS

from stancegraph import anchors, names
from stancegraph.errors import InputError
from stancegraph.validate.context import Collector, Context
from stancegraph.validate.minting import DOCUMENT_IRI, OA, SG
from stancegraph.validate.report import WARNING, shorten

CHECK = "text-withheld"
#: How many of the unverified anchors a warning names.
SHOWN = 5


def withheld_keys(ctx: Context) -> dict[str, URIRef]:
    """The source keys whose document says its text is withheld -> the document."""
    out: dict[str, URIRef] = {}
    for doc in ctx.data.subjects(DCTERMS.accessRights, names.TEXT_WITHHELD):
        match = DOCUMENT_IRI.match(str(doc)) if isinstance(doc, URIRef) else None
        if match and (doc, RDF.type, SG.SourceDocument) in ctx.data:
            out[match.group("key")] = doc
    return out


def check_withheld_texts(ctx: Context, out: Collector) -> None:
    """A copy given with --texts is the described text (else exit 2); without a copy, one
    warning per withheld source listing its unverified anchors."""
    for key, doc in sorted(withheld_keys(ctx).items()):
        seed = ctx.seeds.get(key)
        if seed is not None:
            if key in ctx.supplied:
                _same_text(ctx, doc, key, seed.path, seed.sha256, len(seed.text))
            continue
        pending = sorted(
            (
                a
                for a in set(ctx.data.subjects(OA.hasSource, doc))
                if a in ctx.focus and (a, RDF.type, OA.SpecificResource) in ctx.data
            ),
            key=lambda a: anchors.natural_key(str(a)),
        )
        if not pending:
            continue
        shown = []
        for anchor in pending[:SHOWN]:
            file, line = ctx.locate(anchor)
            where = f"{file}:{line}" if file and line else (file or "?")
            shown.append(f"{shorten(anchor)} ({where})")
        more = len(pending) - len(shown)
        listed = ", ".join(shown) + (f" and {more} more" if more else "")
        count = f"{len(pending)} anchor{'s' if len(pending) != 1 else ''}"
        verbatim = {
            c
            for a in pending
            for c in ctx.data.subjects(SG.anchor, a)
            if c in ctx.focus and (c, SG.verbatim, None) in ctx.data
        }
        if verbatim:
            n = len(verbatim)
            count += f" (and the sg:verbatim words of {n} claim{'s' if n != 1 else ''})"
        sums = [str(v) for v in ctx.data.objects(doc, SG.sha256)]
        digest = f" (SHA-256 {sums[0]})" if sums else ""
        out.add(
            CHECK,
            doc,
            DCTERMS.accessRights,
            names.TEXT_WITHHELD,
            f"The text of {shorten(doc)} is withheld and no copy was given, so its {count} "
            f"could not be verified: {listed}.",
            f"to verify them, run validate --texts DIR with your copy of the text as "
            f"DIR/{key}.txt{digest}.",
            WARNING,
        )


def _same_text(ctx: Context, doc: URIRef, key: str, path: object, digest: str, length: int) -> None:
    """Raise :class:`InputError` unless the copy at ``path`` has the SHA-256 that the
    description of ``doc`` states (or, where it states none, its length). A description whose
    length disagrees with its own SHA-256 is its own mistake: ``document-seed`` reports it."""
    sums = {str(v) for v in ctx.data.objects(doc, SG.sha256)}
    counts = {str(v) for v in ctx.data.objects(doc, SG.characterCount)}
    if sums and digest not in sums:
        stated = ", ".join(sorted(sums))
        raise InputError(
            str(path),
            None,
            None,
            f"is not the text of {shorten(doc)}: its SHA-256 is {digest}, seeds/{key}.ttl "
            f"gives {stated}; give --texts the copy the anchors were made on, byte for byte",
        )
    if not sums and counts and str(length) not in counts:  # (same bytes, same length)
        stated = ", ".join(sorted(counts))
        raise InputError(
            str(path),
            None,
            None,
            f"is not the text of {shorten(doc)}: it has {length} code points, seeds/{key}.ttl "
            f"gives sg:characterCount {stated}",
        )
