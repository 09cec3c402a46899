"""The pictures: the actor network, the timeline and the divergence of two sides (Russia and
Iran by default), from the data.

Each picture is two steps, so that what it shows can be tested apart from how it is drawn:

1. *facts*: the answers of the project's saved queries tagged ``picture`` (``queries/picture-*.rq``,
   each with its golden answer under ``queries/expected/``), and of ``russia-iran-issues``, run
   through the catalogue (:func:`stancegraph.queries.run`: checked, bound, time- and
   memory-limited) on one store (the embedded store for every source, an in-memory one of
   the sources chosen, :func:`stancegraph.queries.memory_store`), read into
   small dataclasses (:func:`network_facts`, :func:`timeline_facts`, :func:`divergence_facts`);
2. *drawing*: Graphviz (Debian's ``dot``, through the ``graphviz`` package) for the network and
   the divergence table, matplotlib for the timeline. Text stays text in the SVG (Graphviz writes
   ``<text>``; matplotlib is told ``svg.fonttype: none``), so a reader can search it and a test
   can read the labels.

Nothing is drawn by hand and nothing is fetched: the SVGs name no remote resource.

The pictures are of any source or set of sources (:func:`assemble`: the model, the chosen
sources' graphs, and the actors they reach), and of any sides (:class:`Sides`: which states stand
at the left, at the right and along the top; Russia, Iran and Syria by default); their titles
name the sources by their own titles (:class:`Scope`).

The drawing libraries (matplotlib, which brings numpy and pillow; Graphviz's Python package) are
the ``docs`` extra, imported only when a picture is drawn (:func:`optional`): the main job runs
without them, and a picture asked for without them is :class:`ExtraMissing`, which names the
extra to install.

Every text that comes from the data (labels, issue names, polarity names) is drawn as the text
it is, whatever a contribution puts in it (issue #22): Graphviz gets it through :func:`dot_text`
in a plain label (``\\N``, ``\\G``, ``\\l``... and ``&amp;`` stay literal; a label that looks like
``<...>`` is not taken for an HTML-like label) or :func:`html_text` inside the HTML-like tables
we build ourselves; matplotlib draws it with mathtext and TeX off (``$x$`` is two dollars and an
x). Characters XML cannot hold (control characters) become U+FFFD, so every SVG is XML.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import textwrap
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph

from stancegraph import corpus, graph, queries, safety
from stancegraph.errors import ProjectError, QueryError, StancegraphError
from stancegraph.sources import Project

SG = str(graph.SG)
ID = graph.ID_BASE
VOCAB = graph.VOCAB_BASE
MARL = "http://www.gsi.upm.es/ontologies/marl/ns#"
DCT = "http://purl.org/dc/terms/"
RUSSIA = ID + "state/russia"
IRAN = ID + "state/iran"
SYRIA = ID + "state/syria"

#: The pictures ``stancegraph plot`` draws, in the order the site shows them.
NAMES = ("network", "timeline", "divergence")

#: Output formats, by file suffix: what Graphviz and matplotlib both write.
FORMATS = ("svg", "png", "pdf")


class ToolMissing(StancegraphError):
    """A program a picture needs (Graphviz's ``dot``) is not installed."""


class ExtraMissing(StancegraphError):
    """A Python package of the ``docs`` extra (matplotlib, graphviz) is not installed."""


#: The extra that holds the drawing libraries (pyproject.toml), and what each picture imports.
EXTRA = "docs"
DRAWING_MODULES = {
    "network": ("graphviz",),
    "timeline": ("matplotlib",),
    "divergence": ("graphviz",),
}


def optional(module: str) -> object:
    """The module ``module`` of the ``docs`` extra, imported now; :class:`ExtraMissing`, naming
    the extra, if it is not installed."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ExtraMissing(
            f"the pictures and the site need the Python package {module!r}, which is not "
            f"installed: install the {EXTRA} extra (pip install -e '.[{EXTRA}]', or make docs)"
        ) from None


def require_extra(names: Iterable[str] = NAMES) -> None:
    """Check, before any work, that the packages the pictures ``names`` (default: all, as the
    site draws them) need are installed: :class:`ExtraMissing` for the first that is not."""
    for module in dict.fromkeys(m for name in names for m in DRAWING_MODULES.get(name, ())):
        optional(module)


# ---------------------------------------------------------------------------------------------
# What a picture is of: sources and sides
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sides:
    """The states a picture sets against each other: ``left`` and ``right`` face each other
    (the network's two side columns; the divergence's two sides), ``top`` stands along the top
    of the network. IRIs; the default is the first article's: Russia, Iran and Syria."""

    left: str = RUSSIA
    right: str = IRAN
    top: str | None = SYRIA

    def all(self) -> list[str]:
        return [s for s in (self.left, self.right, self.top) if s is not None]


#: The outline colour of the actors of each place (and of its heading).
PLACE_COLOURS = {"left": "#1c4587", "right": "#38761d", "top": "#7f6000"}


def state_iri(text: str) -> str:
    """A state named on the command line as ``russia``, ``state/russia`` or its full IRI."""
    text = text.strip()
    if text.startswith(("http://", "https://")):
        return text
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    return ID + (text if "/" in text else f"state/{text}")


def sides_from(names: Iterable[str]) -> Sides | None:
    """The :class:`Sides` named on the command line (``--side``, in order: left, right, top);
    ``None`` (the default: Russia, Iran and Syria) where none is named. :class:`ProjectError`
    for one or more than three."""
    found = [state_iri(n) for n in names]
    if not found:
        return None
    if not 2 <= len(found) <= 3:
        raise ProjectError(
            f"--side names the states a picture sets against each other: two (left, right) or "
            f"three (left, right, top), not {len(found)}"
        )
    twice = [n for n in dict.fromkeys(found) if found.count(n) > 1]
    if twice:
        raise ProjectError(
            f"--side {short_iri(twice[0]).removeprefix('state/')!r} is named twice; each side "
            "is another state"
        )
    return Sides(found[0], found[1], found[2] if len(found) == 3 else None)


def check_sides(store: ox.Store, sides: Sides) -> None:
    """:class:`ProjectError`, naming the states there are, unless every side is an
    ``sg:State`` of the data drawn."""
    found = store.query(
        f"SELECT DISTINCT ?state WHERE {{ ?state a <{SG}State> }}",
        use_default_graph_as_union=True,
    )
    states = {str(row["state"].value) for row in found}  # type: ignore[union-attr]
    for side in sides.all():
        if side not in states:
            known = ", ".join(sorted(short_iri(s).removeprefix("state/") for s in states))
            raise ProjectError(
                f"--side {short_iri(side).removeprefix('state/')!r}: no such state in the "
                f"sources drawn (states: {known or 'none'})"
            )


@dataclass(frozen=True)
class Scope:
    """What the pictures are of: the sources (``None``: every source of the project), their
    titles, and the sides."""

    sources: tuple[str, ...] | None = None
    titles: tuple[str, ...] = ()
    sides: Sides = field(default_factory=Sides)

    @property
    def title(self) -> str:
        """How a picture's title names what it is of: one source by its own title (and key), a
        few by their keys, many by their number."""
        keys = self.sources or ()
        if len(keys) == 1:
            title = self.titles[0] if self.titles else ""
            return f"“{shorten(title, 80)}” ({keys[0]})" if title else keys[0]
        if not keys:
            return "every source"
        if len(keys) <= 3:
            return f"{len(keys)} sources: {', '.join(keys)}"
        return f"{len(keys)} sources: {', '.join(keys[:3])} and {len(keys) - 3} more"


def assemble(project: Project, keys: Iterable[str] | None = None) -> Dataset:
    """The dataset the pictures of ``keys`` are drawn from: the whole project for ``None``;
    else the model (ontology, vocabularies), the named graph of each source in ``keys``, and of
    ``data/actors.ttl`` only what those sources reach (:func:`stancegraph.corpus.reached_actors`),
    so that drawing one source of a large corpus reads that source, not the corpus.
    :class:`ProjectError` for a key that is not a source of the project."""
    if keys is None:
        return graph.assemble(project)
    chosen = [project.source(key) for key in dict.fromkeys(keys)]
    if not project.ontology_file.is_file():
        raise ProjectError(f"{project.ontology_file}: the ontology file is missing")
    dataset = Dataset()
    for iri, files in graph.layer_files(project)[:2]:  # the ontology, the vocabularies
        named = dataset.graph(iri)
        for path in files:
            safety.parse_file(path, graph=named)
    reached: set[object] = set()
    for source in chosen:
        named = dataset.graph(graph.source_graph_iri(source.key))
        for path in source.rdf_files:
            safety.parse_file(path, graph=named)
        for s, _, o in named:
            reached.update((s, o))
    if project.actors_file.is_file():
        actors = dataset.graph(graph.ACTORS_GRAPH)
        everyone = safety.parse_file(project.actors_file, graph=Graph())
        for triple in corpus.reached_actors(everyone, reached):  # type: ignore[arg-type]
            actors.add(triple)
    return dataset


def scope_of(store: ox.Store, sides: Sides | None = None) -> Scope:
    """The :class:`Scope` of the pictures drawn from ``store``: the sources whose named graphs
    it holds, each titled by its document's own title (``dct:title``, English first), else by
    the title its description reads elsewhere (a node that ``sg:describes`` the document)."""
    prefix = graph.GRAPH_BASE + "source/"
    keys = sorted(
        g.value.removeprefix(prefix)
        for g in store.named_graphs()
        if isinstance(g, ox.NamedNode) and g.value.startswith(prefix)
    )
    titles = []
    for key in keys:
        doc = f"<{graph.document_iri(key)}>"
        found = store.query(
            f"SELECT ?rank ?title WHERE {{ GRAPH <{prefix + key}> {{"
            f" {{ {doc} <{DCT}title> ?title BIND(0 AS ?rank) }} UNION"
            f" {{ ?about <{SG}describes> {doc} ; <{DCT}title> ?title BIND(1 AS ?rank) }} }} }}"
        )
        values = sorted(
            (
                int(row["rank"].value),  # type: ignore[union-attr]
                not (row["title"].language or "").lower().startswith("en"),  # type: ignore[union-attr]
                row["title"].value,  # type: ignore[union-attr]
            )
            for row in found  # type: ignore[union-attr]
        )
        titles.append(" ".join(values[0][2].split()) if values else "")
    return Scope(tuple(keys), tuple(titles), sides or Sides())


# ---------------------------------------------------------------------------------------------
# Reading the dataset
# ---------------------------------------------------------------------------------------------


#: The saved queries each picture draws (``queries/<name>.rq``, tagged ``picture``).
PICTURE_QUERIES = {
    "network": (
        "picture-relations",
        "picture-stances",
        "picture-actor-kinds",
        "picture-acronyms",
        "picture-sides",
        "picture-stance-target-links",
    ),
    "timeline": ("picture-timeline",),
    "divergence": ("picture-side-stances",),
}


@dataclass
class Catalogue:
    """What a picture reads its facts from: the project's saved queries, run on one store."""

    project: Project
    store: ox.Store
    engine: queries.OxigraphEngine = field(init=False)

    def __post_init__(self) -> None:
        on_disk = _EMBEDDED.get(id(self.store))
        if on_disk is not None and on_disk[0] is self.store:
            # the embedded store: each query's worker opens it itself (a fork would not carry
            # RocksDB's threads), as `stancegraph query` does
            self.engine = queries.OxigraphEngine(self.project)
        else:
            self.engine = queries.OxigraphEngine(store=self.store)

    def rows(
        self, name: str, params: dict[str, str] | None = None, *, columns: Iterable[str] = ()
    ) -> list[dict[str, str]]:
        """The rows of the saved query ``name``, each term as its string value (an IRI, a
        lexical form); :class:`QueryError` if the project lacks it, or if it is not a SELECT
        with ``columns`` among its columns."""
        if not (self.project.queries_dir / f"{name}.rq").is_file():
            raise QueryError(
                f"{self.project.queries_dir}: no saved query {name!r}: the pictures draw the "
                "answers of the saved queries tagged picture (queries/picture-*.rq)"
            )
        query = queries.find(self.project, name)
        answer = queries.run(query, self.engine, params or {})
        where = query.path or name
        if answer.form != "SELECT":
            raise QueryError(
                f"{where}: a picture reads the rows of this query, which must be a SELECT; "
                f"it is {answer.form}"
            )
        missing = [c for c in columns if c not in answer.variables]
        if missing:
            raise QueryError(
                f"{where}: a picture reads its column{'s' if len(missing) > 1 else ''} "
                f"{', '.join('?' + c for c in missing)}, which it does not project"
            )
        return [
            {v: str(t) for v, t in zip(answer.variables, row, strict=True) if t is not None}
            for row in answer.rows
        ]

    def labels(self, iris: Iterable[str]) -> dict[str, str]:
        """A label for each IRI that has one, by the catalogue's rule (:func:`queries.labels`:
        skos:prefLabel, rdfs:label, foaf:name; English first), on one line."""
        from rdflib import URIRef

        wanted = {URIRef(i) for i in iris if _IRI.match(i)}  # the values that are IRIs
        found = queries.labels(self.engine, wanted)
        return {str(k): " ".join(v.split()) for k, v in found.items()}


_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$")


#: The embedded stores :func:`embedded_store` opened, by ``id`` (the store is held, so that its
#: ``id`` is not another's): a :class:`Catalogue` over one runs each query in a worker that
#: opens the store itself.
_EMBEDDED: dict[int, tuple[ox.Store, Path]] = {}


def embedded_store(project: Project) -> ox.Store:
    """The project's embedded store, read-only, loaded first if it is missing or stale
    (:func:`stancegraph.store.ensure_embedded`, as ``query`` does): what the pictures of every
    source are drawn from, so that the corpus is never assembled in rdflib."""
    store = queries.open_store(project)
    _EMBEDDED[id(store)] = (store, project.root)
    return store


def catalogue_for(source: Dataset | ox.Store, project: Project | None) -> Catalogue:
    """The :class:`Catalogue` over ``source``: a store from :func:`queries.memory_store`
    (made once by the caller, for every picture), or a dataset to make one from."""
    if project is None:
        raise ProjectError("the pictures need the project: they draw its saved queries")
    store = source if isinstance(source, ox.Store) else queries.memory_store(source)
    return Catalogue(project, store)


def short_iri(iri: str) -> str:
    """``person/vladimir-putin`` for an id, ``polarity/welcome`` for a concept, ``sg:x``."""
    for base, prefix in ((ID, ""), (VOCAB, ""), (SG, "sg:")):
        if iri.startswith(base):
            return prefix + iri[len(base) :]
    return iri


def shorten(text: str, width: int) -> str:
    """``text`` cut at a word boundary to at most ``width`` characters, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    return textwrap.shorten(text, width=width, placeholder="…")


def wrap(text: str, width: int, *, hyphens: bool = True) -> list[str]:
    """``text`` in lines of at most ``width`` characters (longer words kept whole), broken at
    spaces, and after hyphens unless ``hyphens`` is false (a title's ``rd-syria-iran``)."""
    return textwrap.wrap(
        " ".join(text.split()),
        width=width,
        break_on_hyphens=hyphens,
        break_long_words=hyphens,
    ) or [""]


#: Characters XML 1.0 cannot hold (C0 controls but tab, newline and carriage return; U+FFFE,
#: U+FFFF): Graphviz's HTML-like labels refuse them and an SVG holding one is not XML.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` with every character XML cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def dot_text(text: str) -> str:
    """``text`` as a plain Graphviz label (or tooltip) that Graphviz draws exactly as it is.

    Graphviz expands ``\\N``, ``\\G``, ``\\l`` and the other escString escapes, and decodes
    entities such as ``&amp;``, in plain labels; the ``graphviz`` package passes a value that
    looks like ``<...>`` through as an HTML-like label. So backslashes are doubled, ``&`` is
    written ``&amp;``, and the value is marked as not HTML (the package then quotes it, escaping
    ``"``).
    """
    graphviz = optional("graphviz")
    return graphviz.escape(xml_safe(text).replace("&", "&amp;"))  # type: ignore[attr-defined]


def html_text(text: str) -> str:
    """``text`` for the inside of a Graphviz HTML-like label, drawn exactly as it is:
    ``& < > " '`` as entities, and backslashes doubled (Graphviz expands ``\\N``, ``\\G``,
    ``\\E``, ``\\T``, ``\\H``, ``\\L`` there too, even written ``&#92;N``)."""
    return escape(xml_safe(text)).replace("\\", "\\\\")


# ---------------------------------------------------------------------------------------------
# The actor network
# ---------------------------------------------------------------------------------------------

#: Actor classes, most specific first: (class local name, kind shown in the legend, node style).
ACTOR_KINDS: list[tuple[str, str, dict[str, str]]] = [
    ("Person", "person", {"shape": "ellipse", "fillcolor": "#fff2cc"}),
    ("State", "state", {"shape": "box", "fillcolor": "#cfe2f3", "penwidth": "2"}),
    (
        "Government",
        "government",
        {"shape": "box", "style": "filled,rounded", "fillcolor": "#dde8f5"},
    ),
    (
        "GovernmentBody",
        "government body",
        {"shape": "box", "style": "filled,rounded", "fillcolor": "#eef3fa"},
    ),
    ("StateArmedForce", "state armed force", {"shape": "hexagon", "fillcolor": "#d9ead3"}),
    ("ArmedGroup", "armed group", {"shape": "octagon", "fillcolor": "#f4cccc"}),
    ("MediaOrganization", "media", {"shape": "note", "fillcolor": "#eeeeee"}),
    ("IntergovernmentalForum", "forum", {"shape": "component", "fillcolor": "#eeeeee"}),
    (
        "CollectiveActor",
        "collective actor",
        {"shape": "ellipse", "style": "filled,dashed", "fillcolor": "#f3f3f3"},
    ),
    ("Organization", "organisation", {"shape": "box", "fillcolor": "#eeeeee"}),
    ("Actor", "actor", {"shape": "ellipse", "fillcolor": "#ffffff"}),
]

#: Colours of polarity (MARL direction of a stance; tone of a relation type).
POLARITY_COLOURS = {"positive": "#1a7f37", "negative": "#c62828", "neutral": "#6e6e6e"}

#: The tone of each relation type, for its edge colour: cooperation, conflict, or structure.
RELATION_TONE = {
    "backs": "positive",
    "sponsors": "positive",
    "alliedWith": "positive",
    "actsInConcertWith": "positive",
    "fightsAlongside": "positive",
    "contributesForcesTo": "positive",
    "suppliesWeaponsTo": "positive",
    "proxyOf": "positive",
    "atOddsWith": "negative",
    "fightsAgainst": "negative",
    "designatesAsTerrorist": "negative",
}


@dataclass(frozen=True)
class Node:
    iri: str
    label: str
    kind: str  # an ACTOR_KINDS local name, or "event", "claim", "issue", "other"
    side: str | None = None  # the IRI of the state the actor belongs to


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str
    kind: str  # "relation", "stance" or "link" (an event's participant, a claim's claimant)
    tone: str  # positive, negative, neutral
    solid: bool  # public / own voice and not inferred
    symmetric: bool = False
    count: int = 1


@dataclass
class NetworkFacts:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    sides: dict[str, str] = field(default_factory=dict)  # state IRI -> label


def network_facts(source: Dataset | ox.Store, project: Project | None = None) -> NetworkFacts:
    """Actors, the relations the data states between them, and the stances they hold: the
    answers of the saved queries :data:`PICTURE_QUERIES` ``["network"]``.

    Relations come from the ``sg:Relation`` nodes whose subject and object are both actors (any
    sub-property of ``sg:actorRelation``); an edge is solid when the source states it in its own
    voice and does not mark it inferred, dashed otherwise (hedged, someone's claim, inferred).
    Stances are edges from holder to target, coloured by their polarity's MARL direction; solid for
    a public stance that is not inferred, dashed for a private, unstated (the text does not say
    public or private) or inferred one. A stance on an
    event, claim or issue points at a small node for it, linked (dotted) to the event's
    participants or the claim's claimant, so that the network keeps who the reaction is about.
    ``source``: the store the caller made once (:func:`stancegraph.queries.memory_store`).
    """
    cat = catalogue_for(source, project)
    relation_rows = cat.rows(
        "picture-relations", columns=("subject", "property", "object", "symmetric")
    )
    stance_rows = cat.rows(
        "picture-stances", columns=("holder", "target", "polarity", "expression")
    )
    kinds = _actor_kinds(cat.rows("picture-actor-kinds", columns=("actor", "class")))
    sides = _sides(cat.rows("picture-sides", columns=("actor", "state")))
    acronyms = _acronyms(cat.rows("picture-acronyms", columns=("actor", "altLabel")))
    link_rows = cat.rows("picture-stance-target-links", columns=("target", "agent"))
    labels = cat.labels(
        {v for rows in (relation_rows, stance_rows, link_rows) for r in rows for v in r.values()}
        | set(sides.values())
    )
    facts = NetworkFacts()
    facts.sides = {state: labels.get(state, short_iri(state)) for state in set(sides.values())}

    def actor(iri: str) -> Node:
        if iri not in facts.nodes:
            facts.nodes[iri] = Node(
                iri, _display_name(iri, labels, acronyms), kinds.get(iri, "Actor"), sides.get(iri)
            )
        return facts.nodes[iri]

    relations: dict[tuple[str, str, str], list[bool]] = defaultdict(list)
    symmetric_props: set[str] = set()
    for row in relation_rows:
        solid = row.get("ownVoice") == "true" and row.get("inferred") != "true"
        relations[(row["subject"], row["property"], row["object"])].append(solid)
        actor(row["subject"])
        actor(row["object"])
        if row["symmetric"] == "true":
            symmetric_props.add(row["property"])
    for (s, p, o), solids in sorted(relations.items()):
        local = p.removeprefix(SG)
        symmetric = p in symmetric_props
        facts.edges.append(
            Edge(
                s,
                o,
                labels.get(p, local),
                "relation",
                RELATION_TONE.get(local, "neutral"),
                any(solids),
                symmetric=symmetric,
                count=len(solids),
            )
        )

    stances: Counter[tuple[str, str, str, str, bool]] = Counter()
    polarity_names: dict[str, str] = {}
    targets: dict[str, str] = {}
    for row in stance_rows:
        direction = row.get("direction", MARL + "Neutral").removeprefix(MARL).lower()
        public = row["expression"].endswith("/public") and row.get("inferred") != "true"
        polarity_names[row["polarity"]] = labels.get(row["polarity"], short_iri(row["polarity"]))
        key = (row["holder"], row["target"], row["polarity"], direction, public)
        stances[key] += 1
        actor(row["holder"])
        if "targetKind" in row:
            targets[row["target"]] = row["targetKind"].removeprefix(SG).lower()
        else:
            actor(row["target"])
    for target, kind in sorted(targets.items()):
        facts.nodes[target] = Node(target, _target_name(target, labels), kind)
    for (holder, target, polarity, direction, public), n in sorted(stances.items()):
        facts.edges.append(
            Edge(holder, target, polarity_names[polarity], "stance", direction, public, count=n)
        )
    _link_targets(link_rows, facts, targets, actor, labels)
    return facts


def _actor_kinds(rows: list[dict[str, str]]) -> dict[str, str]:
    """Each actor's most specific kind of :data:`ACTOR_KINDS`."""
    order = [name for name, _, _ in ACTOR_KINDS]
    found: dict[str, str] = {}
    for row in rows:
        name = row["class"].removeprefix(SG)
        if name not in order:
            continue
        if row["actor"] not in found or order.index(name) < order.index(found[row["actor"]]):
            found[row["actor"]] = name
    return found


def _sides(rows: list[dict[str, str]]) -> dict[str, str]:
    """Each actor that speaks for one state, with that state (the state itself included)."""
    found: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        found[row["actor"]].add(row["state"])
    # an actor of two states (none today) would belong to neither cluster
    return {a: next(iter(s)) for a, s in found.items() if len(s) == 1}


def _acronyms(rows: list[dict[str, str]]) -> dict[str, str]:
    """Each actor's first alternative label that is an acronym (``IRGC``)."""
    found: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if re.fullmatch(r"[A-Z]{2,6}", row["altLabel"]):
            found[row["actor"]].append(row["altLabel"])
    return {actor: sorted(names)[0] for actor, names in found.items()}


def _display_name(iri: str, labels: dict[str, str], acronyms: dict[str, str]) -> str:
    name = labels.get(iri, short_iri(iri))
    acronym = acronyms.get(iri)
    return f"{name} ({acronym})" if acronym and acronym not in name else name


def _target_name(iri: str, labels: dict[str, str]) -> str:
    return shorten(labels.get(iri, short_iri(iri)), 60)


def _link_targets(
    rows: list[dict[str, str]],
    facts: NetworkFacts,
    targets: dict[str, str],
    actor: Callable[[str], Node],
    labels: dict[str, str],
) -> None:
    """Dotted links from each event a stance targets to its participants, and from each claim
    to its claimant, labelled with the participant's role."""
    seen = set()
    for row in sorted(rows, key=lambda r: (r["target"], r["agent"], r.get("role", ""))):
        if row["target"] not in targets or (row["target"], row["agent"]) in seen:
            continue
        seen.add((row["target"], row["agent"]))
        actor(row["agent"])
        role = labels.get(row.get("role", ""), "participant")
        if row.get("role") == SG + "claimant":
            role = "claimant"
        facts.edges.append(Edge(row["agent"], row["target"], role, "link", "neutral", True))


#: Where each side's actors stand in the picture (inches; x to the right, y up): the left
#: side's (Russia's by default) at the left, the right side's (Iran's) at the right, facing each
#: other, the top side's (Syria's) in a row along the top; everyone and everything else in two
#: columns between them.
SIDE_COLUMNS = {"left": (5.5, 1.6), "right": (21.5, 25.4)}  # (inner column x, outer column x)
TOP_ROW_Y = 12.0
MIDDLE_COLUMNS = (10.5, 16.5)
ROW_GAP = 2.2

#: Inner column first: the state and its government carry most edges across the middle.
SIDE_ORDER = [
    "State",
    "Government",
    "GovernmentBody",
    "StateArmedForce",
    "Person",
    "CollectiveActor",
]


def network_layout(
    facts: NetworkFacts, sides: Sides | None = None
) -> dict[str, tuple[float, float]]:
    """A place for every node, so that the picture reads the same way each time.

    The actors of the left and right sides (:class:`Sides`; Russia and Iran by default) stand
    in two columns each at the left and the right (the state and its government on the inside,
    facing each other), the top side's actors (Syria's) in a row along the top.
    Every other node (other actors, and the events, claims and issues stances are about) goes
    into two middle columns, in the order of the mean height of the side actors it is linked to,
    the nearer column to the side it is linked to most, so that edges run short and level.
    """
    sides = sides or Sides()
    places: dict[str, tuple[float, float]] = {}
    for place, (inner_x, outer_x) in SIDE_COLUMNS.items():
        side = getattr(sides, place)
        members = sorted(
            (n for n in facts.nodes.values() if n.side == side),
            key=lambda n: (SIDE_ORDER.index(n.kind) if n.kind in SIDE_ORDER else 9, n.label),
        )
        inner = [n for n in members if n.kind in ("State", "Government")]
        outer = [n for n in members if n not in inner]
        for i, node in enumerate(inner):
            places[node.iri] = (inner_x, 3.5 - i * 7.0)
        for i, node in enumerate(outer):
            places[node.iri] = (outer_x, (len(outer) - 1) / 2 * 2.2 - i * 2.2)
    top = sorted(
        (n for n in facts.nodes.values() if sides.top is not None and n.side == sides.top),
        key=lambda n: (n.side or "", SIDE_ORDER.index(n.kind) if n.kind in SIDE_ORDER else 9),
    )
    middle_x = (MIDDLE_COLUMNS[0] + MIDDLE_COLUMNS[1]) / 2
    for i, node in enumerate(top):
        places[node.iri] = (middle_x + (i - (len(top) - 1) / 2) * 3.3, TOP_ROW_Y + (i % 2) * 0.9)

    neighbours: dict[str, list[str]] = defaultdict(list)
    for edge in facts.edges:
        neighbours[edge.source].append(edge.target)
        neighbours[edge.target].append(edge.source)
    free = [n for n in facts.nodes.values() if n.iri not in places]

    def mean_place(iri: str) -> tuple[float, float]:
        near = [places[m] for m in neighbours[iri] if m in places]
        if not near:
            return (middle_x, -99.0)
        return (sum(p[0] for p in near) / len(near), sum(p[1] for p in near) / len(near))

    if not places:  # none of the sides is in these sources: every node in a grid of its own
        return _grid(free, neighbours)
    free.sort(key=lambda n: (-mean_place(n.iri)[1], n.label))
    rows = (len(free) + 1) // 2
    for row in range(rows):
        pair = sorted(free[2 * row : 2 * row + 2], key=lambda n: (mean_place(n.iri)[0], n.label))
        y = TOP_ROW_Y - 2.6 - row * ROW_GAP
        for column, node in zip(
            MIDDLE_COLUMNS if len(pair) == 2 else (middle_x,), pair, strict=False
        ):
            places[node.iri] = (column, y + (0.45 if column == MIDDLE_COLUMNS[1] else 0.0))
    return places


#: The widest row of the grid the network falls back to where no side is in the sources.
GRID_COLUMNS = 6


def _grid(nodes: list[Node], neighbours: dict[str, list[str]]) -> dict[str, tuple[float, float]]:
    """A place for each node where no side is there to stand the others around: rows across
    the picture's width (as wide as the sides' columns), the most linked nodes first, so that
    the picture is about as wide as it is tall rather than two columns a page long each."""
    left, right = SIDE_COLUMNS["left"][1], SIDE_COLUMNS["right"][1]
    columns = max(2, min(GRID_COLUMNS, math.ceil(math.sqrt(len(nodes) / 2))))
    step = (right - left) / (columns - 1)
    ordered = sorted(nodes, key=lambda n: (-len(neighbours[n.iri]), n.label, n.iri))
    places = {}
    for i, node in enumerate(ordered):
        row, column = divmod(i, columns)
        x = left + column * step
        places[node.iri] = (x, TOP_ROW_Y - 2.6 - row * ROW_GAP - (column % 2) * 0.6)
    return places


def network_dot(facts: NetworkFacts, scope: Scope | None = None, splines: str = "true") -> str:
    """The network as Graphviz DOT source for ``neato``: sides pinned (:func:`network_layout`),
    a heading over each side, a drawn legend, edges by kind, polarity and voice; the title names
    the sources (:class:`Scope`)."""
    graphviz = optional("graphviz")
    scope = scope or Scope()
    sides = scope.sides
    colours = side_colours(sides)
    g = graphviz.Digraph(  # type: ignore[attr-defined]
        "actor_network",
        engine="neato",
        graph_attr={
            "label": dot_text(
                "\n".join(
                    [
                        *wrap(f"Actors of {scope.title}", 80, hyphens=False),
                        "relations (bold arrows) and stances (thin, italic labels); solid: "
                        "public or stated in the article's own voice,",
                        "dashed: private, public or private unstated, inferred, or only "
                        "someone's claim",
                    ]
                )
            ),
            "labelloc": "t",
            "fontsize": "22",
            "fontname": "Helvetica",
            "splines": splines,  # curved around the nodes; "polyline" where neato crashes
            "overlap": "true",
            "sep": "+3",
            "esep": "+1",
            "bgcolor": "white",
            "pad": "0.3",
        },
        node_attr={
            "fontname": "Helvetica",
            "fontsize": str(NODE_FONT),
            "style": "filled",
            "margin": "0.08,0.04",
        },
        edge_attr={"fontname": "Helvetica", "fontsize": str(EDGE_FONT), "len": "2.2"},
    )
    places = {iri: (x * X_SCALE, y) for iri, (x, y) in network_layout(facts, sides).items()}

    for node in sorted(facts.nodes.values(), key=lambda n: n.iri):
        attrs = node_style(node.kind)
        if node.side is not None:
            attrs["color"] = colours.get(node.side, "#333333")
        width = 18 if node.kind in ACTOR_STYLES else 26
        attrs["label"] = dot_text("\n".join(wrap(node.label, width)))
        attrs["tooltip"] = dot_text(f"{short_iri(node.iri)} ({node.kind})")
        if node.iri in places:
            x, y = places[node.iri]
            attrs["pos"] = f"{x:.2f},{y:.2f}!"
        g.node(_node_id(node.iri), **attrs)

    for place, (inner_x, outer_x) in SIDE_COLUMNS.items():
        side = getattr(sides, place)
        if side in facts.sides:
            g.node(
                f"heading_{_node_id(side)}",
                label=dot_text(facts.sides[side].upper()),
                shape="plaintext",
                style="",
                fontsize="30",
                fontcolor=colours[side],
                fontname="Helvetica-Bold",
                pos=f"{(inner_x + outer_x) / 2 * X_SCALE:.2f},{TOP_ROW_Y:.2f}!",
            )

    for edge, label in stacked_labels(merge_edges(facts.edges), facts.nodes):
        attrs = edge_style(edge.kind, edge.tone, edge.solid, edge.symmetric)
        g.edge(_node_id(edge.source), _node_id(edge.target), label=label, **attrs)

    lowest = min((y for _, y in places.values()), default=0.0)
    _legend(g, lowest - 1.6)
    return g.source


#: How much narrower than :func:`network_layout`'s places the network is drawn: the picture is
#: shown at the width of a page (about 1,000 px in the README), and its labels must stay
#: readable there (issue #20: 10 pt labels in a picture 2,142 pt wide were about 5 px).
X_SCALE = 0.66

#: The sizes of the network's texts, in points.
NODE_FONT = 15
EDGE_FONT = 13

ACTOR_STYLES = {name: style for name, _, style in ACTOR_KINDS}


def node_style(kind: str) -> dict[str, str]:
    """The Graphviz attributes of a node of ``kind``: an actor's kind (:data:`ACTOR_KINDS`),
    ``issue``, or an event or claim (a dotted box)."""
    if kind in ACTOR_STYLES:
        return dict(ACTOR_STYLES[kind])
    if kind == "issue":
        return {"shape": "cds", "fillcolor": "#fde9d9", "fontsize": str(EDGE_FONT)}
    return {"shape": "box", "style": "filled,dotted", "fillcolor": "#ffffff", "fontsize": "12"}


def edge_style(kind: str, tone: str, solid: bool, symmetric: bool = False) -> dict[str, str]:
    """The Graphviz attributes of an edge: a relation (bold, a closed arrowhead; two heads when
    symmetric), a stance (thin, an open arrowhead, an italic label) or a link (dotted, grey);
    coloured by tone; solid or dashed."""
    colour = POLARITY_COLOURS[tone]
    attrs = {"color": colour, "fontcolor": colour, "style": "solid" if solid else "dashed"}
    if kind == "relation":
        attrs.update(penwidth="2.4", arrowhead="normal")
        if symmetric:
            attrs["dir"] = "both"
    elif kind == "stance":
        attrs.update(penwidth="1.3", arrowhead="vee", fontname="Helvetica-Oblique")
    else:
        attrs.update(
            style="dotted", color="#999999", fontcolor="#777777", arrowhead="none", penwidth="1"
        )
    return attrs


def stacked_labels(edges: list[Edge], nodes: dict[str, Node]) -> list[tuple[Edge, str]]:
    """Each edge with its Graphviz label. Where several edges join the same two nodes (Russia
    and Iran: allied, at odds, backs, and stances both ways), their labels, drawn each at its
    own edge's middle, fell on one another: they are stacked in one label on the first of
    them, a line each in its edge's colour (italic for a stance), with an arrow and the name of
    the node it points to where the edges go both ways."""
    groups: dict[frozenset[str], list[Edge]] = defaultdict(list)
    for edge in edges:
        groups[frozenset((edge.source, edge.target))].append(edge)
    labelled = []
    for group in groups.values():
        if len(group) == 1:
            labelled.append((group[0], dot_text(group[0].label)))
            continue
        both_ways = len({e.target for e in group}) > 1
        lines = []
        for edge in group:
            colour = "#777777" if edge.kind == "link" else POLARITY_COLOURS[edge.tone]
            towards = ""
            if both_ways and not edge.symmetric:
                name = nodes[edge.target].label if edge.target in nodes else edge.target
                towards = f" → {shorten(name, 24)}"
            for i, text in enumerate(edge.label.split("\n")):
                shown = html_text(text + (towards if i == 0 else ""))
                if edge.kind == "stance":
                    shown = f"<I>{shown}</I>"
                lines.append(f'<FONT COLOR="{colour}">{shown}</FONT>')
        labelled.append((group[0], "<" + "<BR/>".join(lines) + ">"))
        labelled += [(edge, "") for edge in group[1:]]
    return labelled


def side_colours(sides: Sides) -> dict[str, str]:
    """The outline colour of each side's actors (and of its heading), by its place."""
    found = {}
    for place in ("top", "right", "left"):  # a state named twice takes its first place
        if getattr(sides, place) is not None:
            found[getattr(sides, place)] = PLACE_COLOURS[place]
    return found


def merge_edges(edges: list[Edge]) -> list[Edge]:
    """Parallel edges of one kind, tone and line style between the same two nodes, as one edge
    whose label lists each (``at odds with ×3`` over ``disagreement``): fewer lines to follow."""
    groups: dict[tuple[str, str, str, str, bool, bool], list[Edge]] = defaultdict(list)
    for edge in edges:
        ends = (edge.source, edge.target)
        if edge.symmetric:
            ends = tuple(sorted(ends))  # type: ignore[assignment]
        groups[(*ends, edge.kind, edge.tone, edge.solid, edge.symmetric)].append(edge)
    merged = []
    for (source, target, kind, tone, solid, symmetric), group in groups.items():
        counts: Counter[str] = Counter()
        for edge in group:
            counts[edge.label] += edge.count
        label = "\n".join(f"{name} ×{n}" if n > 1 else name for name, n in sorted(counts.items()))
        merged.append(Edge(source, target, label, kind, tone, solid, symmetric, 1))
    return merged


#: The samples of the network's legend: each kind of node drawn in its own shape (the actor
#: kinds but the two most general, then an event or claim, and an issue), each kind of line
#: drawn as a line: (id, kind, tone, solid, what it means).
LEGEND_NODES = [(name, kind) for name, kind, _ in ACTOR_KINDS[:-2]] + [
    ("event", "event or claim"),
    ("issue", "issue"),
]
LEGEND_LINES = [
    ("relation-positive", "relation", "positive", True, "relation: cooperation (backs, allied)"),
    ("relation-negative", "relation", "negative", True, "relation: conflict (at odds, fights)"),
    ("relation-neutral", "relation", "neutral", True, "relation: structure (controls, depends)"),
    ("stance-positive", "stance", "positive", True, "stance for (support, welcome)"),
    ("stance-negative", "stance", "negative", True, "stance against (opposition, concern)"),
    ("stance-neutral", "stance", "neutral", True, "neutral stance (acceptance, surprise)"),
    ("solid", "stance", "neutral", True, "solid: in public, or the article's own voice"),
    ("dashed", "stance", "neutral", False, "dashed: private, unstated, inferred, or claimed"),
    ("link", "link", "neutral", True, "took part in the event, or made the claim"),
]


def _legend(g: object, top: float) -> None:
    """The legend under the picture, drawn: a sample of each kind of node in its shape with
    its name, then a sample of each kind of line with what it means (ids ``legend-kind-*``,
    ``legend-line-*``), so a reader matches what he sees with what it means."""
    per_row, dx = 4, 3.4
    g.node(  # type: ignore[attr-defined]
        "legend_title",
        label="Legend",
        shape="plaintext",
        style="",
        fontsize="18",
        fontname="Helvetica-Bold",
        pos=f"{LEGEND_X:.2f},{top:.2f}!",
    )
    y = top - 0.9
    for i, (name, kind) in enumerate(LEGEND_NODES):
        x, row = LEGEND_X + (i % per_row) * dx, i // per_row
        attrs = node_style(name)
        attrs.update(label=dot_text(kind), id=f"legend-kind-{name}", fontsize=str(NODE_FONT))
        g.node(f"legend_kind_{name}", pos=f"{x:.2f},{y - row * 0.9:.2f}!", **attrs)  # type: ignore[attr-defined]
    y -= ((len(LEGEND_NODES) - 1) // per_row + 1) * 0.9 + 0.2
    for i, (name, kind, tone, solid, meaning) in enumerate(LEGEND_LINES):
        column, row = i % 2, i // 2
        x0, line_y = LEGEND_X - 0.6 + column * 2 * dx, y - row * 0.6
        for end, x in (("a", x0), ("b", x0 + 1.6)):
            g.node(  # type: ignore[attr-defined]
                f"legend_line_{name}_{end}",
                label="",
                shape="point",
                width="0.04",
                style="invis",
                pos=f"{x:.2f},{line_y:.2f}!",
            )
        g.edge(  # type: ignore[attr-defined]
            f"legend_line_{name}_a",
            f"legend_line_{name}_b",
            id=f"legend-line-{name}",
            **edge_style(kind, tone, solid),
        )
        g.node(  # type: ignore[attr-defined]
            f"legend_meaning_{name}",
            label=dot_text(meaning),
            shape="plaintext",
            style="",
            fontsize=str(EDGE_FONT),
            # centred on its place: half its width (about 0.5 em a character) right of the line
            pos=f"{x0 + 2.0 + len(meaning) * 0.5 * EDGE_FONT / 72 / 2:.2f},{line_y:.2f}!",
        )


#: The legend's left edge, at the left of the picture, under the lowest node.
LEGEND_X = 1.0


def _node_id(iri: str) -> str:
    return short_iri(iri).replace("/", "_").replace("-", "_").replace(":", "_")


# ---------------------------------------------------------------------------------------------
# The timeline
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEvent:
    iri: str
    label: str
    earliest: dt.date
    latest: dt.date | None  # None: open-ended (only "after" something is known)
    precision: str  # the precision concept's local name: day, month, part-of-month, season...
    precision_label: str
    date_label: str  # the time node's label: "late February 2016"
    inferred: bool
    event_type: str = ""

    @property
    def is_point(self) -> bool:
        return self.latest == self.earliest

    def date_text(self) -> str:
        """The date as the text gives it, with its bounds in ISO form."""
        if self.latest is None:
            bounds = f"from {self.earliest.isoformat()}, open-ended"
        elif self.is_point:
            bounds = self.earliest.isoformat()
        else:
            bounds = f"{self.earliest.isoformat()} – {self.latest.isoformat()}"
        mark = ", inferred" if self.inferred else ""
        return f"{self.date_label} ({bounds}{mark})"


@dataclass
class TimelineFacts:
    events: list[TimelineEvent]
    undated: int  # events with no time or no sg:earliest


def timeline_facts(source: Dataset | ox.Store, project: Project | None = None) -> TimelineFacts:
    """Every event whose time has an ``sg:earliest``, with its bounds, precision and label, and
    how many events have none: the saved query ``picture-timeline``. ``source``: the store the
    caller made once (:func:`stancegraph.queries.memory_store`)."""
    cat = catalogue_for(source, project)
    rows = cat.rows("picture-timeline", columns=("event", "time", "earliest", "latest"))
    labels = cat.labels({v for row in rows for v in row.values()})
    events = []
    undated = set()
    for row in rows:
        if "earliest" not in row:
            undated.add(row["event"])
            continue
        precision = row.get("precision", "")
        events.append(
            TimelineEvent(
                iri=row["event"],
                label=labels.get(row["event"], short_iri(row["event"])),
                earliest=dt.date.fromisoformat(row["earliest"]),
                latest=dt.date.fromisoformat(row["latest"]) if "latest" in row else None,
                precision=precision.rsplit("/", 1)[-1] or "unknown",
                precision_label=labels.get(precision, precision.rsplit("/", 1)[-1] or "unknown"),
                date_label=labels.get(row.get("time", ""), ""),
                inferred=row.get("inferred") == "true",
                event_type=labels.get(row.get("type", ""), ""),
            )
        )
    events.sort(key=lambda e: (e.earliest, e.latest or dt.date.max, e.label))
    return TimelineFacts(events, len(undated))


#: Colours of precisions on the timeline.
PRECISION_COLOURS = {
    "day": "#1f4e79",
    "month": "#2e86c1",
    "part-of-month": "#8e44ad",
    "season": "#d68910",
    "year": "#7f8c8d",
    "relative": "#16a085",
}


def timeline_figure(facts: TimelineFacts, scope: Scope | None = None) -> object:
    """The timeline as a matplotlib figure: one row per event, a diamond for a day, a bar from
    ``sg:earliest`` to ``sg:latest`` for a vaguer time (an arrow where only the start is known),
    pale and hatched where the date is inferred (:data:`INFERRED_HATCH` in the precision's
    colour over a pale fill of it). At the left of each row, the event's label and, under it,
    the date as the text gives it with its bounds; the title names the sources."""
    matplotlib = optional("matplotlib")
    with matplotlib.rc_context(LITERAL_TEXT):  # type: ignore[attr-defined]
        return _timeline_figure(facts, scope or Scope())


#: The hatching of an inferred span: its lines in the precision's colour, over a fill of that
#: colour mixed with white (a hatch in the fill's own colour, as before, cannot be seen).
INFERRED_HATCH = "///"


def pale(colour: str, amount: float = 0.8) -> str:
    """``colour`` (``#rrggbb``) mixed with ``amount`` of white."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * amount):02x}" for c in rgb)


#: matplotlib settings under which a text from the data is drawn as it is: no mathtext
#: (``$x^2$``, or ``$\foo$``, which would fail), no TeX.
LITERAL_TEXT = {"text.parse_math": False, "text.usetex": False}


def _timeline_figure(facts: TimelineFacts, scope: Scope) -> object:
    matplotlib = optional("matplotlib")
    matplotlib.use("Agg")  # type: ignore[attr-defined]
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.transforms import blended_transform_factory

    events = facts.events
    n = max(len(events), 1)
    fig = Figure(figsize=(16, 2.2 + 0.78 * n), layout="constrained")
    ax = fig.add_subplot()
    if events:
        start = min(e.earliest for e in events)
        end = max((e.latest or e.earliest) for e in events)
    else:
        start = end = dt.date.today()
    left = dt.date(start.year, start.month, 1) - dt.timedelta(days=10)
    right = _month_after(end) + dt.timedelta(days=20)
    open_end = mdates.date2num(right) - 4
    labels_at = blended_transform_factory(ax.transAxes, ax.transData)
    for i, event in enumerate(events):
        y = n - 1 - i
        colour = PRECISION_COLOURS.get(event.precision, "#555555")
        gid = "event-" + short_iri(event.iri).replace("/", "-")
        if event.is_point:
            ax.plot(
                [mdates.date2num(event.earliest)],
                [y],
                marker="D",
                markersize=12,
                markerfacecolor="white" if event.inferred else colour,
                markeredgecolor=colour,
                markeredgewidth=2.2,
                linestyle="none",
                gid=gid,
            )
        else:
            x0 = mdates.date2num(event.earliest)
            x1 = mdates.date2num(event.latest + dt.timedelta(days=1)) if event.latest else open_end
            ax.barh(
                y,
                x1 - x0,
                left=x0,
                height=0.46,
                facecolor=pale(colour) if event.inferred else colour,
                alpha=1.0 if event.inferred else 0.85,
                edgecolor=colour,
                hatchcolor=colour,
                linewidth=1.5,
                hatch=INFERRED_HATCH if event.inferred else None,
                gid=gid,
            )
            if event.latest is None:
                ax.annotate(
                    "",
                    xy=(x1 + 3, y),
                    xytext=(x1 - 12, y),
                    arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 2},
                )
        ax.text(
            -0.01,
            y + 0.1,
            xml_safe("\n".join(wrap(event.label, 72))),
            transform=labels_at,
            ha="right",
            va="bottom",
            fontsize=10.5,
            color="#111111",
        )
        ax.text(
            -0.01,
            y - 0.08,
            xml_safe(event.date_text()),
            transform=labels_at,
            ha="right",
            va="top",
            fontsize=9,
            color=colour if not event.inferred else "#555555",
            style="italic",
        )
    ax.set_yticks([])
    ax.set_ylim(-0.8, n - 0.2)
    ax.set_xlim(mdates.date2num(left), mdates.date2num(right))
    ax.xaxis.set_major_locator(mdates.MonthLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax.grid(axis="x", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    used = [p for p in PRECISION_COLOURS if p != "day" and any(e.precision == p for e in events)]
    handles: list[object] = [
        Line2D(
            [],
            [],
            marker="D",
            linestyle="none",
            markersize=10,
            markerfacecolor="#1f4e79",
            markeredgecolor="#1f4e79",
            label="a day, stated",
        ),
        Line2D(
            [],
            [],
            marker="D",
            linestyle="none",
            markersize=10,
            markerfacecolor="white",
            markeredgecolor="#1f4e79",
            markeredgewidth=2,
            label="a day, inferred",
        ),
    ]
    handles += [
        Patch(
            facecolor=PRECISION_COLOURS[p],
            edgecolor=PRECISION_COLOURS[p],
            alpha=0.85,
            label=xml_safe(_precision_legend(p, events)),
        )
        for p in used
    ]
    handles.append(
        Patch(
            facecolor=pale("#555555"),
            edgecolor="#555555",
            hatchcolor="#555555",
            hatch=INFERRED_HATCH,
            label="date inferred: pale, hatched",
        )
    )
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=4,
        fontsize=10,
        title="a point for a day; a span from sg:earliest to sg:latest for a vaguer date; "
        "an arrow where only the start is known",
        title_fontsize=10,
        frameon=False,
    )
    title = f"Events of {scope.title} on a time axis, each at the precision the text gives"
    if facts.undated:
        title += f" ({facts.undated} events without a date are not shown)"
    fig.suptitle(xml_safe("\n".join(wrap(title, 110, hyphens=False))), fontsize=15)
    return fig


def _precision_legend(precision: str, events: list[TimelineEvent]) -> str:
    return next(e.precision_label for e in events if e.precision == precision)


def _month_after(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


# ---------------------------------------------------------------------------------------------
# The Russia–Iran divergence
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SideStance:
    holder: str
    polarity: str
    direction: str  # positive, negative, neutral
    target: str
    public: bool
    inferred: bool
    #: ``public``, ``private`` or ``unstated`` (vocab/expression): where the text does not say
    #: whether the stance is held in public or in private, it is neither.
    expression: str = "private"

    @property
    def private(self) -> bool:
        return self.expression == "private"

    @property
    def unstated(self) -> bool:
        return not self.public and not self.private


@dataclass
class IssueRow:
    iri: str
    label: str
    left: list[SideStance] = field(default_factory=list)  # the left side's (Russia's) stances
    right: list[SideStance] = field(default_factory=list)  # the right side's (Iran's)
    verdicts: Counter[str] = field(default_factory=Counter)


@dataclass
class DivergenceFacts:
    issues: list[IssueRow]
    query: str | None  # the saved query the verdicts come from, if the project has it
    #: the names of the two sides (their states' labels), left then right
    names: tuple[str, str] = ("Russia", "Iran")
    #: whether the sides are those the verdict query compares (Russia and Iran)
    compared: bool = True


#: The saved query whose verdicts (agree, differ, diverge) the picture counts per issue, and the
#: two sides it compares: it is written for Russia and Iran, so other sides are drawn without
#: verdicts.
VERDICT_QUERY = "russia-iran-issues"
VERDICT_SIDES = (RUSSIA, IRAN)


def divergence_facts(
    source: Dataset | ox.Store, project: Project | None = None, sides: Sides | None = None
) -> DivergenceFacts:
    """Per issue, the stances of each side (``sides.left`` and ``sides.right``: Russia and Iran
    by default) on it, public, private and unstated (the saved query ``picture-side-stances``,
    once per side), and, for Russia and Iran, how many pairs of them agree, differ or diverge
    (the saved query ``russia-iran-issues``, left out if the project lacks it or the sides are
    others; :class:`QueryError` if it is not a SELECT of ``?issue`` and ``?verdict``).

    A stance bears on an issue when it targets the issue, says it concerns the issue, or targets
    something (an event, a claim) that concerns it, as in the saved query; who speaks for a side
    is the rule of that query too. ``source``: the store the caller made once
    (:func:`stancegraph.queries.memory_store`).
    """
    cat = catalogue_for(source, project)
    sides = sides or Sides()
    found = {
        place: cat.rows(
            "picture-side-stances",
            {"side": f"<{state}>"},
            columns=("issue", "holder", "polarity", "expression", "target"),
        )
        for place, state in (("left", sides.left), ("right", sides.right))
    }
    labels = cat.labels(
        {v for rows in found.values() for row in rows for v in row.values()}
        | {sides.left, sides.right}
    )
    names = (
        labels.get(sides.left, short_iri(sides.left)),
        labels.get(sides.right, short_iri(sides.right)),
    )
    issues: dict[str, IssueRow] = {}
    for side, rows in found.items():
        for row in rows:
            issue = issues.setdefault(
                row["issue"], IssueRow(row["issue"], labels.get(row["issue"], row["issue"]))
            )
            expression = row["expression"].rsplit("/", 1)[-1]
            stance = SideStance(
                holder=labels.get(row["holder"], short_iri(row["holder"])),
                polarity=labels.get(row["polarity"], short_iri(row["polarity"])),
                direction=row.get("direction", MARL + "Neutral").removeprefix(MARL).lower(),
                target=shorten(labels.get(row["target"], short_iri(row["target"])), 48),
                public=expression == "public",
                inferred=row.get("inferred") == "true",
                expression=expression if expression in ("public", "unstated") else "private",
            )
            getattr(issue, side).append(stance)
    query = None
    # its verdicts judge pairs of stances, one of each side: the same whichever side is left
    verdicts_apply = {sides.left, sides.right} == set(VERDICT_SIDES)
    if verdicts_apply and (cat.project.queries_dir / f"{VERDICT_QUERY}.rq").is_file():
        query = VERDICT_QUERY
        for row in cat.rows(VERDICT_QUERY, columns=("issue", "verdict")):
            if row.get("issue") in issues and "verdict" in row:
                issues[row["issue"]].verdicts[row["verdict"]] += 1
    for issue in issues.values():
        for side_stances in (issue.left, issue.right):
            side_stances.sort(key=lambda s: (not s.public, s.holder, s.polarity, s.target))
    ordered = sorted(
        issues.values(),
        key=lambda i: (not (i.left and i.right), -sum(i.verdicts.values()), i.label),
    )
    return DivergenceFacts(ordered, query, names, verdicts_apply)


def divergence_dot(facts: DivergenceFacts, scope: Scope | None = None) -> str:
    """The divergence as one Graphviz HTML-like table: issues as rows; the left side's
    (Russia's) public and private stances (and those the text does not say are either, where
    there are any), the verdicts (where the sides are those of :data:`VERDICT_QUERY`), the right
    side's (Iran's) likewise, as columns; the title names the sources (:class:`Scope`)."""
    graphviz = optional("graphviz")
    scope = scope or Scope()
    left_name, right_name = facts.names

    # A stance whose expression the text leaves unstated is neither public nor private: it gets
    # a column of its own, where there is one.
    unstated = any(s.unstated for i in facts.issues for s in (*i.left, *i.right))
    note = '<BR/><FONT POINT-SIZE="10">(as the author reads it)</FONT>'
    unsaid = '<BR/><FONT POINT-SIZE="10">(the text does not say which)</FONT>'

    def side_heads(name: str, colour: str) -> str:
        name = html_text(name)
        cells = f'<TD BGCOLOR="{colour}"><B>{name}, in public</B></TD>'
        cells += f'<TD BGCOLOR="{colour}"><B>{name}, in private</B>{note}</TD>'
        if unstated:
            cells += f'<TD BGCOLOR="{colour}"><B>{name}, public or private</B>{unsaid}</TD>'
        return cells

    def side_cells(stances: list[SideStance]) -> list[str]:
        cells = [
            _stance_cell([s for s in stances if s.public]),
            _stance_cell([s for s in stances if s.private]),
        ]
        if unstated:
            cells.append(_stance_cell([s for s in stances if s.unstated]))
        return cells

    head = (
        '<TR><TD BGCOLOR="#eeeeee"><B>issue</B></TD>'
        + side_heads(left_name, "#dde8f5")
        + (
            '<TD BGCOLOR="#eeeeee"><B>pairs of stances</B><BR/>'
            '<FONT POINT-SIZE="10">agree · differ · diverge</FONT></TD>'
            if facts.query
            else ""
        )
        + side_heads(right_name, "#d9ead3")
        + "</TR>"
    )
    rows = [head]
    for issue in facts.issues:
        label = _html_lines(issue.label, 22)
        cells = [f'<TD ALIGN="LEFT" VALIGN="TOP" BALIGN="LEFT"><B>{label}</B></TD>']
        cells += side_cells(issue.left)
        if facts.query:
            cells.append(_verdict_cell(issue, facts.names))
        cells += side_cells(issue.right)
        rows.append("<TR>" + "".join(cells) + "</TR>")
    if not facts.issues:  # an empty answer says so, rather than drawing a bare header
        columns = head.count("<TD")
        rows.append(
            f'<TR><TD COLSPAN="{columns}"><FONT COLOR="#555555">{html_text(NO_ISSUES)}'
            "</FONT></TD></TR>"
        )
    table = (
        '<<TABLE BORDER="1" CELLBORDER="1" CELLSPACING="0" CELLPADDING="6" COLOR="#999999">'
        + "".join(rows)
        + "</TABLE>>"
    )
    source = (
        f"the verdicts are the saved query {facts.query}"
        if facts.query
        else ""
        if facts.compared
        else f"no verdicts: the saved query {VERDICT_QUERY} compares Russia and Iran only"
    )
    g = graphviz.Digraph(  # type: ignore[attr-defined]
        "divergence",
        graph_attr={
            "label": dot_text(
                "\n".join(
                    [
                        *wrap(
                            f"{left_name} and {right_name}, issue by issue, in {scope.title}: "
                            "each side's stances in public and in private",
                            110,
                            hyphens=False,
                        ),
                        "green: for (positive) · red: against (negative) · grey: neutral · "
                        "(inferred): the encoder's reading",
                        *([source] if source else []),
                    ]
                )
            ),
            "labelloc": "t",
            "fontsize": "18",
            "fontname": "Helvetica",
            "bgcolor": "white",
        },
        node_attr={"fontname": "Helvetica", "fontsize": "11", "shape": "plaintext"},
    )
    g.node("table", label=table)
    return g.source


#: What the divergence shows where neither side holds a stance that bears on an issue.
NO_ISSUES = "no stance of either side bears on an issue in these sources"


def _html_lines(text: str, width: int) -> str:
    return '<BR ALIGN="LEFT"/>'.join(html_text(line) for line in wrap(text, width))


def _stance_cell(stances: list[SideStance]) -> str:
    if not stances:
        return '<TD ALIGN="LEFT" VALIGN="TOP"><FONT COLOR="#999999">—</FONT></TD>'
    lines = []
    for s in stances:
        colour = POLARITY_COLOURS.get(s.direction, POLARITY_COLOURS["neutral"])
        mark = " (inferred)" if s.inferred else ""
        lines.append(
            f'<FONT COLOR="{colour}"><B>{html_text(s.polarity)}</B>{html_text(mark)}</FONT>'
            f'&#160;{html_text(s.holder)}<BR ALIGN="LEFT"/>'
            f'<FONT POINT-SIZE="10" COLOR="#555555">&#160;&#160;on {html_text(s.target)}</FONT>'
            '<BR ALIGN="LEFT"/>'
        )
    return '<TD ALIGN="LEFT" VALIGN="TOP" BALIGN="LEFT">' + "".join(lines) + "</TD>"


def _verdict_cell(issue: IssueRow, names: tuple[str, str]) -> str:
    if not issue.verdicts:
        one = html_text(names[0] if issue.left else names[1])
        return f'<TD VALIGN="TOP"><FONT COLOR="#999999">only {one}<BR/>holds a stance</FONT></TD>'
    parts = []
    for verdict, colour in (("agree", "#1a7f37"), ("differ", "#b7950b"), ("diverge", "#c62828")):
        if issue.verdicts[verdict]:
            parts.append(
                f'<FONT COLOR="{colour}"><B>{issue.verdicts[verdict]}</B> {verdict}</FONT>'
            )
    return '<TD VALIGN="TOP">' + "<BR/>".join(parts) + "</TD>"


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def require_dot() -> str:
    """The path of Graphviz's ``dot``; :class:`ToolMissing` if it is not installed."""
    found = shutil.which("dot")
    if not found:
        raise ToolMissing(
            "Graphviz's 'dot' is not installed; the pictures need it "
            "(Debian: apt-get install graphviz)"
        )
    return found


def render_dot(source: str, fmt: str, engine: str = "dot") -> bytes:
    graphviz = optional("graphviz")
    require_dot()
    try:
        return graphviz.Source(source, engine=engine).pipe(format=fmt)  # type: ignore[attr-defined]
    except graphviz.backend.execute.CalledProcessError as exc:  # type: ignore[attr-defined]
        if exc.returncode < 0:  # killed by a signal: Graphviz crashed
            raise GraphvizCrashed(
                f"Graphviz's {engine} crashed (signal {-exc.returncode}) drawing a picture"
            ) from None
        raise StancegraphError(f"Graphviz failed: {exc.stderr!r}") from None


class GraphvizCrashed(StancegraphError):
    """Graphviz died of a signal: ``neato`` 2.43 (Debian 11's) segfaults routing curved edges
    around some placements of pinned nodes."""


#: What each format's metadata leaves out, so that the same data draws the same bytes: no date,
#: no tool version.
_NO_STAMPS = {"svg": {"Date": None}, "png": {"Software": None}, "pdf": {"CreationDate": None}}


def render_figure(fig: object, fmt: str) -> bytes:
    import io

    matplotlib = optional("matplotlib")
    matplotlib.use("Agg")  # type: ignore[attr-defined]
    from matplotlib.figure import Figure

    assert isinstance(fig, Figure)
    buffer = io.BytesIO()
    settings = {"svg.fonttype": "none", "svg.hashsalt": "stancegraph", **LITERAL_TEXT}
    with matplotlib.rc_context(settings):  # type: ignore[attr-defined]
        fig.savefig(buffer, format=fmt, metadata=_NO_STAMPS[fmt], dpi=110)
    return buffer.getvalue()


#: The most a picture draws: nodes of the network, events of the timeline (a row each), issues
#: of the divergence (a row each). Beyond it a picture cannot be read, and drawing it takes
#: minutes (Graphviz routing the 7,980 edges of the 2,621 nodes of the 1M-triple synthetic
#: corpus) or fails (a timeline of 2,000 rows is taller than a PNG can be).
MAX_NETWORK_NODES = 400
MAX_TIMELINE_EVENTS = 300
MAX_DIVERGENCE_ISSUES = 200


class PictureTooLarge(ProjectError):
    """A picture has more nodes, events or issues than it can show (:data:`MAX_NETWORK_NODES`
    and the others): the site says so in its place, ``plot`` exits with 2."""


def _refuse_if_too_many(scope: Scope, picture: str, count: int, what: str, most: int) -> None:
    if count > most:
        raise PictureTooLarge(
            f"the {picture} of {scope.title} has {count} {what}, more than the {most} a picture "
            "can show; choose sources with --source KEY"
        )


def draw(
    name: str,
    source: Dataset | ox.Store,
    project: Project | None = None,
    fmt: str = "svg",
    scope: Scope | None = None,
) -> bytes:
    """The picture ``name`` (one of :data:`NAMES`) in ``fmt`` (:data:`FORMATS`), from
    ``source``: the store the caller made once for every picture
    (:func:`stancegraph.queries.memory_store`), or a dataset to make one from; ``scope`` names
    what it is of (its sources, for the title) and the sides (default: Russia, Iran, Syria)."""
    if fmt not in FORMATS:
        raise ProjectError(f"cannot draw {fmt!r}; formats: {', '.join(FORMATS)}")
    if name not in NAMES:
        raise ProjectError(f"no picture called {name!r}; one of {', '.join(NAMES)}")
    require_extra([name])
    if scope is None:
        store = source if isinstance(source, ox.Store) else queries.memory_store(source)
        source, scope = store, scope_of(store)
    if name == "network":
        facts = network_facts(source, project)
        _refuse_if_too_many(scope, name, len(facts.nodes), "nodes", MAX_NETWORK_NODES)
        try:
            return render_dot(network_dot(facts, scope), fmt, engine="neato")
        except GraphvizCrashed:  # the same picture with edges of straight segments
            return render_dot(network_dot(facts, scope, splines="polyline"), fmt, engine="neato")
    if name == "timeline":
        events = timeline_facts(source, project)
        _refuse_if_too_many(scope, name, len(events.events), "events", MAX_TIMELINE_EVENTS)
        return render_figure(timeline_figure(events, scope), fmt)
    issues = divergence_facts(source, project, scope.sides)
    _refuse_if_too_many(scope, name, len(issues.issues), "issues", MAX_DIVERGENCE_ISSUES)
    return render_dot(divergence_dot(issues, scope), fmt)


def format_of(out: Path) -> str:
    """The format a picture file's suffix names (:data:`FORMATS`); :class:`ProjectError` for a
    file without a suffix or with another one."""
    fmt = out.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        what = f"suffix {out.suffix!r}" if out.suffix else "no suffix"
        raise ProjectError(
            f"{out}: cannot write a picture with {what}; the suffix names its format: "
            + ", ".join(f".{f}" for f in FORMATS)
        )
    return fmt


def draw_to(
    name: str,
    out: Path,
    source: Dataset | ox.Store,
    project: Project | None = None,
    scope: Scope | None = None,
) -> Path:
    """Write picture ``name`` to the file ``out``, in the format its suffix names
    (:func:`format_of`: .svg, .png or .pdf)."""
    fmt = format_of(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)  # before drawing: a folder we cannot make
    except OSError as exc:
        raise ProjectError(f"{out}: cannot make its folder: {exc.strerror}") from None
    data = draw(name, source, project, fmt, scope)
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise ProjectError(f"{out}: cannot write the picture: {exc.strerror}") from None
    return out


def plot(
    project: Project,
    names: Iterable[str],
    out_dir: Path,
    fmt: str = "svg",
    sources: Iterable[str] | None = None,
    sides: Sides | None = None,
    files: dict[str, Path] | None = None,
) -> list[Path]:
    """Assemble the sources (:func:`assemble`) once and put them in one store, or for every
    source (``None``) open the embedded store (:func:`embedded_store`), and write each picture
    to ``out_dir/<name>.<fmt>``, or to the file ``files`` names for it."""
    names = list(names)
    require_extra(names)
    if sources is None:  # every source: the embedded store, not the corpus in rdflib
        store = embedded_store(project)
    else:
        store = queries.memory_store(assemble(project, sources))
    scope = scope_of(store, sides)
    if sides is not None and set(names) & {"network", "divergence"}:
        check_sides(store, sides)  # named by the user: each must be there (the default need not)
    files = files or {}
    return [
        draw_to(name, files.get(name, out_dir / f"{name}.{fmt}"), store, project, scope)
        for name in names
    ]
