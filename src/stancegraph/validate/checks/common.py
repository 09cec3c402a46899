"""What several checks use: the verified seed text of a source, the class hierarchy, and the
wording of messages (quoted and clipped text, near misses, suggestions)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from rdflib import RDFS, Graph, URIRef
from rdflib.term import Node

from stancegraph import anchors
from stancegraph.validate.context import Context
from stancegraph.validate.report import shorten


def seed_text(ctx: Context, key: str | None) -> str | None:
    """The verified seed text of ``key`` (see :attr:`Context.verified`), else None."""
    if key is None:
        return None
    return ctx.verified.get(key)


def superclasses(ontology: Graph, classes: Iterable[Node]) -> set[Node]:
    found: set[Node] = set()
    for c in classes:
        found.add(c)
        found.update(ontology.transitive_objects(c, RDFS.subClassOf))
    return found


def subclasses(ontology: Graph, cls: Node) -> set[Node]:
    return set(ontology.transitive_subjects(RDFS.subClassOf, cls))


def clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: How messages quote text, and the hint for words that occur once typography is ignored: the
#: anchors module's, so that validate and scripts/anchor_offsets.py say the same.
quote = anchors.quote
near_miss = anchors.near_miss


def suggest(term: Node, terms: set[URIRef]) -> str:
    text = str(term)
    base = text.rsplit("#", 1)[0] + "#" if "#" in text else text.rsplit("/", 1)[0] + "/"
    local = text[len(base) :]
    candidates = {str(t)[len(base) :]: t for t in terms if str(t).startswith(base)}
    close = difflib.get_close_matches(local, list(candidates), n=1, cutoff=0.6)
    return f"did you mean {shorten(candidates[close[0]])}?" if close else "see the ontology README."
