"""``actor-duplicate``: a new actor of a contribution is not an existing one under another IRI.

Each actor (any subclass of ``sg:Actor``) the contribution defines and data/actors.ttl does not
is compared with every actor there and with those the contribution defines before it (so when
data/actors.ttl is itself under check, as CONTRIBUTING has it, its actors are compared with each
other). The same label or alternative label once normalised (:func:`normalise`: case, accents, a
leading ``al-``/``el-`` on a word, punctuation, white space) or the same Wikidata item
(``skos:exactMatch``/``owl:sameAs`` to ``wd:``) is a violation; a near label of the same kind of
actor (one label's words a part of the other's, labels nearly the same, or, for two persons, the
same surname) is a warning, and so is the same post held at the same time: a membership of the
new actor (``org:Membership`` with ``sg:post`` and ``org:memberDuring``) whose time overlaps that
of another actor's membership of the same post (by their bounds, ``sg:earliest``/``sg:latest``;
a missing bound is open), in the contribution or anywhere in the project's data (the files that
name the post are read for it; a post two people may hold at once makes this a warning only).
Either names the other IRI and the file and line where it is defined. ``owl:differentFrom
<other>`` on the new actor says they are different and silences both.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import FOAF, SKOS
from rdflib.term import Node

from stancegraph import names
from stancegraph.validate.checks.common import quote, subclasses, superclasses
from stancegraph.validate.context import Collector, Context
from stancegraph.validate.minting import ORG, SG
from stancegraph.validate.reading import SourceFile, find_line, read_file
from stancegraph.validate.report import VIOLATION, WARNING, shorten

#: The properties that name an actor, compared with each other.
LABELS = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, FOAF.name)
#: The properties that link an actor to its Wikidata item (data/actors.ttl uses skos:exactMatch).
LINKS = (SKOS.exactMatch, OWL.sameAs)
WIKIDATA = names.OTHER["wd"]
#: difflib's ratio from which two normalised labels are near.
NEAR_RATIO = 0.85

_ARTICLE = re.compile(r"^(?:al|el)-")
_NOT_WORD = re.compile(r"[^\w]+")


def normalise(label: str) -> str:
    """``"Bashar al-Assad"`` -> ``"bashar assad"``: accents dropped (NFKD), case folded, a
    leading ``al-``/``el-`` dropped from each word, punctuation and white space made one space."""
    text = unicodedata.normalize("NFKD", label)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("\u2010", "-").replace("\u2011", "-")
    words = [_ARTICLE.sub("", w) for w in text.split()]
    return " ".join(_NOT_WORD.sub(" ", " ".join(words)).split())


@dataclass
class _Actor:
    iri: URIRef
    person: bool
    kinds: frozenset[Node]  # its classes and their superclasses
    labels: dict[str, tuple[Node, Literal]]  # normalised -> (property, label as written)
    items: dict[URIRef, Node]  # Wikidata item -> the property linking it


def _actor(g_objects, iri: URIRef, person: bool, kinds: frozenset[Node]) -> _Actor:
    labels: dict[str, tuple[Node, Literal]] = {}
    for prop in LABELS:
        for value in g_objects(iri, prop):
            if isinstance(value, Literal) and normalise(str(value)):
                labels.setdefault(normalise(str(value)), (prop, value))
    items = {
        o: prop
        for prop in LINKS
        for o in g_objects(iri, prop)
        if isinstance(o, URIRef) and str(o).startswith(WIKIDATA)
    }
    return _Actor(iri, person, kinds, labels, items)


#: Words left out when one label's words are compared with another's.
STOPWORDS = frozenset({"a", "an", "and", "for", "in", "of", "on", "the"})
#: How many more words the longer label may have for a shorter one to be a part of it.
MAX_EXTRA_WORDS = 2


def _near(a: str, b: str, persons: bool) -> str | None:
    """Why normalised labels ``a`` and ``b`` (not equal) are near, or None.

    One label's words (less :data:`STOPWORDS`) are a part of the other's, with at most
    :data:`MAX_EXTRA_WORDS` more, when both are persons or the part has two words or more
    ("Iran" is a part of many names); or the words that differ are spelled nearly alike
    (difflib ratio >= :data:`NEAR_RATIO`: "government of Arcadia" is not near "government of
    Syria"); or, for two persons, the surname is the same."""
    la, lb = a.split(), b.split()
    wa, wb = set(la) - STOPWORDS, set(lb) - STOPWORDS
    small, large = sorted((wa, wb), key=len)
    if (
        small
        and small < large
        and len(large) - len(small) <= MAX_EXTRA_WORDS
        and (persons or len(small) >= 2)
    ):
        return "one label's words are part of the other's"
    rest_a = " ".join(w for w in la if w not in wb)
    rest_b = " ".join(w for w in lb if w not in wa)
    if rest_a and rest_b:
        matcher = difflib.SequenceMatcher(None, rest_a, rest_b)
        # the cheap upper bounds first: most pairs of names are far apart
        if (
            matcher.real_quick_ratio() >= NEAR_RATIO
            and matcher.quick_ratio() >= NEAR_RATIO
            and matcher.ratio() >= NEAR_RATIO
        ):
            return "nearly the same label"
    if persons and la[-1] == lb[-1]:
        return "the same surname"
    return None


def check_actor_duplicates(ctx: Context, out: Collector) -> None:
    """A new actor that is probably an existing one (of data/actors.ttl, or defined before it in
    the contribution: when data/actors.ttl is itself under check, its actors are compared with
    each other, each with those written before it)."""
    if not ctx.contribution:
        return
    ontology = ctx.model.ontology
    actor_classes = subclasses(ontology, SG.Actor) | {SG.Actor}
    person_classes = subclasses(ontology, SG.Person) | {SG.Person}

    closures: dict[frozenset[Node], frozenset[Node]] = {}  # few actors' types differ

    def actors_of(g: Graph, where) -> list[tuple[_Actor, str]]:
        found = []
        rdf_type = RDF.type
        for iri in set(g.subjects(rdf_type, None)):
            types = frozenset(g.objects(iri, rdf_type))
            if isinstance(iri, URIRef) and types & actor_classes:
                kinds = closures.get(types)
                if kinds is None:
                    kinds = closures[types] = frozenset(superclasses(ontology, types))
                person = bool(types & person_classes)
                found.append((_actor(g.objects, iri, person, kinds), where(iri)))
        return found

    earlier: list[tuple[_Actor, str]] = []
    if ctx.actors is not None:
        known = ctx.actors

        def in_actors_file(iri: URIRef) -> str:
            line = find_line(known, iri)
            return f"{ctx.actors_path}:{line}" if line else ctx.actors_path

        earlier = sorted(actors_of(known.index, in_actors_file), key=lambda a: str(a[0].iri))
        defined = known.index
    else:
        defined = Graph()

    def located(iri: URIRef) -> tuple[str, int]:
        file, line = ctx.locate(iri)
        return (file or "", line or 0)

    def in_contribution(iri: URIRef) -> str:
        file, line = located(iri)
        return f"{file}:{line}" if line else file

    new = [
        item
        for item in actors_of(ctx.checked, in_contribution)
        if (item[0].iri, None, None) not in defined
    ]
    new.sort(key=lambda a: (*located(a[0].iri), str(a[0].iri)))
    posts = _Posts(ctx, {a.iri for a, _w in new})
    for actor, _where in new:
        iri = actor.iri
        different = set(ctx.data.objects(iri, OWL.differentFrom)) | set(
            ctx.data.subjects(OWL.differentFrom, iri)
        )
        for old, where in earlier:
            if old.iri in different:
                continue
            found = _compare(actor, old) or posts.same_post(actor.iri, old.iri)
            if found is None:
                continue
            severity, prop, value, why = found
            verdict = "is probably" if severity == VIOLATION else "may be"
            if where.startswith(ctx.actors_path + ":"):
                verdict += " the existing"
            out.add(
                "actor-duplicate",
                iri,
                prop,
                value,
                f"{shorten(iri)} {verdict} {shorten(old.iri)}, defined at {where} ({why}).",
                f"use {shorten(old.iri)} instead of a new IRI (add another name to it as "
                f"skos:altLabel in {ctx.actors_path}); if they are different actors, say so "
                f"with owl:differentFrom {shorten(old.iri)} on {shorten(iri)}.",
                severity,
            )
        earlier.append((actor, _where))


def _compare(new: _Actor, old: _Actor) -> tuple[str, Node, Node, str] | None:
    """The strongest reason to think ``new`` is ``old``: (severity, property, value, why)."""
    for norm, (prop, value) in new.labels.items():
        if norm in old.labels:
            return VIOLATION, prop, value, f"the same name as its {quote(str(old.labels[norm][1]))}"
    for item, prop in new.items.items():
        if item in old.items:
            return VIOLATION, prop, item, f"the same Wikidata item {shorten(item)}"
    # a near label of another kind of actor (a group of officials, a government) is not
    # suspect: one kind's classes must include the other's
    if not (new.kinds <= old.kinds or old.kinds <= new.kinds):
        return None
    persons = new.person and old.person
    for norm, (prop, value) in new.labels.items():
        for old_norm, (_p, old_value) in old.labels.items():
            why = _near(norm, old_norm, persons)
            if why:
                return WARNING, prop, value, f"{why}: {quote(str(old_value))}"
    return None


# --------------------------------------------------------------------------------------------
# The same post held at the same time


@dataclass(frozen=True)
class _Holding:
    """One membership of a post, with its bounds (ISO dates; None: open)."""

    membership: Node
    member: Node
    post: Node
    start: str | None
    end: str | None
    where: str  # file:line of the membership

    def overlaps(self, other: _Holding) -> bool:
        return (self.start or "") <= (other.end or "~") and (other.start or "") <= (self.end or "~")

    @property
    def span(self) -> str:
        if self.start and self.end:
            return self.start if self.start == self.end else f"{self.start} to {self.end}"
        return f"from {self.start}" if self.start else f"until {self.end}"


def _holdings(g: Graph, where, members: set[Node] | None = None) -> list[_Holding]:
    """The memberships of posts in ``g`` (of ``members`` only, if given) that have a time with
    at least one bound."""
    out = []
    for m in set(g.subjects(RDF.type, ORG.Membership)):
        member, post = g.value(m, ORG.member), g.value(m, SG.post)
        if member is None or post is None or (members is not None and member not in members):
            continue
        for t in sorted(g.objects(m, ORG.memberDuring), key=str):
            start, end = g.value(t, SG.earliest), g.value(t, SG.latest)
            if start is None and end is None:
                continue
            out.append(
                _Holding(
                    m,
                    member,
                    post,
                    None if start is None else str(start),
                    None if end is None else str(end),
                    where(m),
                )
            )
    return out


class _Posts:
    """The posts the new actors hold and, read only when one does, every holding of those posts
    in the data under check, its context and the project's data files that name them."""

    def __init__(self, ctx: Context, new: set[URIRef]) -> None:
        self.ctx = ctx

        def here(node: Node) -> str:
            file, line = ctx.locate(node)
            return f"{file}:{line}" if file and line else (file or "?")

        self.new = defaultdict(list)
        for h in _holdings(ctx.data, here, set(new)):
            self.new[h.member].append(h)
        self.by_member: dict[Node, list[_Holding]] | None = None
        self._here = here

    def _load(self) -> dict[Node, list[_Holding]]:
        found: dict[Node, _Holding] = {
            h.membership: h for h in _holdings(self.ctx.data, self._here)
        }
        posts = {h.post for hs in self.new.values() for h in hs}
        project = self.ctx.project
        if project is not None and posts:
            own = {s.path.resolve() for s in self.ctx.files}
            slugs = [str(p).rsplit("/", 1)[-1] for p in posts]
            for path in project.data_files:
                if path.resolve() in own:
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
                if not any(slug in text for slug in slugs):
                    continue  # names none of the posts: nothing to read
                source = read_file(path)
                for h in _holdings(source.graph, _where_in(source, project.root)):
                    found.setdefault(h.membership, h)
        by_member: dict[Node, list[_Holding]] = defaultdict(list)
        for h in found.values():
            if h.post in posts:
                by_member[h.member].append(h)
        return by_member

    def same_post(self, new: URIRef, old: URIRef) -> tuple[str, Node, Node, str] | None:
        """(WARNING, sg:post, the post, why) if ``new`` held a post at a time ``old`` did."""
        mine = self.new.get(new)
        if not mine:
            return None
        if self.by_member is None:
            self.by_member = self._load()
        for h in sorted(mine, key=lambda h: str(h.membership)):
            for other in sorted(self.by_member.get(old, []), key=lambda o: str(o.membership)):
                if other.post == h.post and other.membership != h.membership and h.overlaps(other):
                    why = (
                        f"the same post, {shorten(h.post)}, held at the same time: "
                        f"{shorten(other.membership)} at {other.where}, {other.span}"
                    )
                    return WARNING, SG.post, h.post, why
        return None


def _where_in(source: SourceFile, root: Path):
    try:
        name = source.path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        name = str(source.path)

    def where(node: Node) -> str:
        line = find_line(source, node)
        return f"{name}:{line}" if line else name

    return where
