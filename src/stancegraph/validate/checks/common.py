"""What several checks use: the verified seed text of a source, the class hierarchy, and the
wording of messages (quoted and clipped text, near misses, suggestions)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from rdflib import RDFS, Graph, URIRef
from rdflib.term import Node

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


def quote(text: str, limit: int = 90) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return "“" + shown.replace("\n", "\\n") + "”"


_LOOKALIKES = str.maketrans(
    {"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " ", "–": "-", "—": "-"}
)


def near_miss(text: str, words: str) -> str:
    """A hint when the words occur once typography is ignored."""
    plain_text = text.translate(_LOOKALIKES)
    plain_words = words.translate(_LOOKALIKES)
    index = plain_text.find(plain_words)
    if index >= 0:
        return (
            f" The same words with other quote marks, dashes or spaces are at {index}: "
            f"{quote(text[index : index + len(words)])}."
        )
    folded = plain_text.casefold().find(plain_words.casefold())
    if folded >= 0:
        return f" The same words in other letter case are at {folded}."
    return ""


def suggest(term: Node, terms: set[URIRef]) -> str:
    text = str(term)
    base = text.rsplit("#", 1)[0] + "#" if "#" in text else text.rsplit("/", 1)[0] + "/"
    local = text[len(base) :]
    candidates = {str(t)[len(base) :]: t for t in terms if str(t).startswith(base)}
    close = difflib.get_close_matches(local, list(candidates), n=1, cutoff=0.6)
    return f"did you mean {shorten(candidates[close[0]])}?" if close else "see the ontology README."
