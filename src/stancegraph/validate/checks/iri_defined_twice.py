"""``iri-defined-twice``: a contribution does not give one number of a source to two things.

A thing of one source (``id/<kind>/<key>/<n>``: a claim, a stance, an event...) is defined by
one subject block that types it (``claim:5 a sg:Claim ;``). Two such blocks, in one file or in
two, are one number given to two things (often a copied block whose number was not changed):
their triples merge into one node, and SHACL then finds what the merge breaks (two claim kinds,
two paraphrases) without saying why. This check says it once, with both places and the next
free number; the run (:mod:`stancegraph.validate.run`) drops the findings on that node the
doubling explains (:data:`EXPLAINED`).
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import URIRef

from stancegraph.validate.context import Collector, Context
from stancegraph.validate.minting import SOURCE_IRI
from stancegraph.validate.reading import typed_subjects
from stancegraph.validate.report import SH, shorten

CHECK = "iri-defined-twice"

#: The SHACL findings on a node defined twice that the doubling explains, dropped from the report.
EXPLAINED = frozenset({SH.MaxCountConstraintComponent, SH.UniqueLangConstraintComponent})

_WORDS = {2: "twice", 3: "three times"}


def check_defined_twice(ctx: Context, out: Collector) -> None:
    """A source's IRI typed by two subject blocks of the contribution."""
    if not ctx.contribution:
        return
    places: dict[str, list[str]] = defaultdict(list)
    for source in ctx.files:
        for iri, line in typed_subjects(source):
            if SOURCE_IRI.match(iri):
                places[iri].append(f"{source.path}:{line}")
    for iri, where in sorted(places.items()):
        if len(where) < 2:
            continue
        match = SOURCE_IRI.match(iri)
        assert match is not None
        kind = match.group("kind")
        nxt = ctx.next_free.get((kind, match.group("key")))
        free = f"; next free number is {nxt}" if nxt else ""
        times = _WORDS.get(len(where), f"{len(where)} times")
        listed = ", ".join(where[:-1]) + " and " + where[-1]
        node = URIRef(iri)
        out.add(
            CHECK,
            node,
            None,
            None,
            f"{shorten(node)} is defined {times} at {listed}{free}.",
            f"give all but one of them another number{f' ({nxt} and on)' if nxt else ''}, with "
            f"its anchors and the links to it; if they are one {kind}, merge the blocks into one.",
        )
