"""Names: the project's namespaces, the one table of prefixes, the kinds of IRI the minting rule
allows, and the one way to write an IRI short (:func:`compact`) and to read a short one back
(:func:`expand`).

Every other module takes its prefixes and kinds from here: the validator's minting and
``iri-kind`` checks, the prefixes a ``--param`` value may use, the tables and the site, the
synthetic corpus, the prefix block a new source starts with. docs/architecture.md ("Names")
shows the same table, and ``tests/test_names.py`` holds it, the shapes' ``sh:pattern`` and the
data's own prefix blocks to it.

An IRI minted by the project is ``id/<kind>/<slug>`` for a thing shared by all sources (a
person, a state, an issue) or ``id/<kind>/<source key>/<n>`` for a thing of one source (a claim,
an anchor); ``id/document/<source key>`` names a source's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import Graph, URIRef

HOME = "https://w3id.org/stancegraph/"
SG_NS = HOME + "ontology#"
SHAPES_NS = HOME + "shapes#"
ID_BASE = HOME + "id/"
VOCAB_BASE = HOME + "vocab/"
GRAPH_BASE = HOME + "graph/"
DOCUMENT_BASE = ID_BASE + "document/"

#: The standard vocabularies the ontology reuses, with their usual prefixes.
STANDARD: dict[str, str] = {
    "sg": SG_NS,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "time": "http://www.w3.org/2006/time#",
    "oa": "http://www.w3.org/ns/oa#",
    "schema": "https://schema.org/",
}

#: Other namespaces the package writes or shows: SHACL and our shapes, the vocabularies the
#: ontology maps to (SEM, Marl), VANN for the ontology header, Wikidata for the links.
OTHER: dict[str, str] = {
    "sh": "http://www.w3.org/ns/shacl#",
    "sgsh": SHAPES_NS,
    "sem": "http://semanticweb.cs.vu.nl/2009/11/sem/",
    "marl": "http://www.gsi.upm.es/ontologies/marl/ns#",
    "vann": "http://purl.org/vocab/vann/",
    "wd": "http://www.wikidata.org/entity/",
}

#: The concept schemes of ontology/vocab/ (one file each, ``vocab/<scheme>/<concept>``).
VOCAB_SCHEMES: tuple[str, ...] = (
    "bounds-convention",
    "cameo",
    "certainty",
    "claim-kind",
    "event-status",
    "event-type",
    "expression",
    "hedge",
    "participant-role",
    "period-part",
    "polarity",
    "precision",
    "quantity-qualifier",
    "reporting-mode",
    "role",
    "text-access",
)

#: A source whose text may not be redistributed: its description says
#: ``dcterms:accessRights text-access:withheld`` and ships without ``seeds/<key>.txt``.
TEXT_WITHHELD = URIRef(VOCAB_BASE + "text-access/withheld")


@dataclass(frozen=True)
class Kind:
    """A kind of IRI the project mints: ``id/<segment>/...``.

    ``prefix`` is the prefix the data files use for it (``armedgroup:``); the segment itself
    (``armed-group:``) is accepted too wherever a prefixed name is read. ``shared`` kinds name
    things of every source (``id/<segment>/<slug>``); the others things of one source
    (``id/<segment>/<source key>/<n>``), whose prefix in a data file ends with the source key.
    ``classes`` are the classes (as CURIEs) an IRI of the kind must have, one of them or a
    subclass: the class whose shape asks for that IRI pattern.
    """

    segment: str
    prefix: str
    shared: bool
    classes: tuple[str, ...]
    label: str

    @property
    def namespace(self) -> str:
        return f"{ID_BASE}{self.segment}/"

    @property
    def pattern(self) -> str:
        """The regular expression of this kind's IRIs (the shapes' ``sh:pattern`` spelling)."""
        base = self.namespace.replace(".", "[.]")
        tail = SLUG if self.shared else rf"{SLUG}/[1-9][0-9]*"
        return f"^{base}{tail}$"


#: Slugs: lower-case ASCII words joined by hyphens (``vladimir-putin``, ``rd-syria-iran``).
SLUG = "[a-z0-9]+(-[a-z0-9]+)*"

#: Every kind, in the order docs/architecture.md lists them.
KINDS: tuple[Kind, ...] = (
    Kind("person", "person", True, ("sg:Person",), "person"),
    Kind("state", "state", True, ("sg:State",), "state"),
    Kind("government", "government", True, ("sg:Government",), "government"),
    Kind("organization", "organization", True, ("sg:Organization",), "organization"),
    Kind("armed-force", "armedforce", True, ("sg:StateArmedForce",), "state armed force"),
    Kind("armed-group", "armedgroup", True, ("sg:ArmedGroup",), "armed group"),
    Kind("media", "media", True, ("sg:MediaOrganization",), "media organization"),
    Kind("forum", "forum", True, ("sg:IntergovernmentalForum",), "intergovernmental forum"),
    Kind("group", "group", True, ("sg:CollectiveActor",), "collective actor"),
    Kind("post", "post", True, ("org:Post",), "post"),
    Kind("place", "place", True, ("sg:Place",), "place"),
    Kind("issue", "issue", True, ("sg:Issue",), "issue"),
    Kind("equipment", "equipment", True, ("sg:Equipment",), "equipment"),
    Kind("claim", "claim", False, ("sg:Claim",), "claim"),
    Kind("stance", "stance", False, ("sg:Stance",), "stance"),
    Kind("event", "event", False, ("sg:Event",), "event"),
    Kind("relation", "relation", False, ("sg:Relation",), "stated relation"),
    Kind("quantity", "quantity", False, ("sg:Quantity", "sg:QuantityChange"), "quantity"),
    Kind("proposition", "proposition", False, ("sg:Proposition",), "proposition"),
    Kind("mention", "mention", False, ("sg:Mention",), "mention"),
    Kind("time", "tm", False, ("time:TemporalEntity", "time:Duration"), "time"),
    Kind("membership", "membership", False, ("org:Membership",), "membership"),
    Kind("unnamed-source", "unnamed", False, ("sg:UnnamedSource",), "unnamed source"),
    Kind("anchor", "anchor", False, ("oa:SpecificResource",), "anchor"),
    Kind("related", "related", False, ("sg:RelatedArticle",), "related article"),
    Kind("metadata", "metadata", False, ("sg:ExternalMetadata",), "external metadata"),
)

#: The text of a source: ``id/document/<source key>``, prefix ``doc:``.
DOCUMENT = Kind("document", "doc", True, ("sg:SourceDocument",), "source document")

KIND_BY_SEGMENT: dict[str, Kind] = {k.segment: k for k in (*KINDS, DOCUMENT)}

SHARED_IRI = re.compile(
    rf"^{re.escape(ID_BASE)}(?P<kind>{'|'.join(k.segment for k in KINDS if k.shared)})"
    rf"/(?P<slug>{SLUG})$"
)
SOURCE_IRI = re.compile(
    rf"^{re.escape(ID_BASE)}(?P<kind>{'|'.join(k.segment for k in KINDS if not k.shared)})"
    rf"/(?P<key>{SLUG})/(?P<n>[1-9][0-9]*)$"
)
DOCUMENT_IRI = re.compile(rf"^{re.escape(DOCUMENT_BASE)}(?P<key>{SLUG})$")


def kind_of(iri: str) -> Kind | None:
    """The kind an IRI is minted for, if it follows the minting rule; else None."""
    match = SHARED_IRI.match(iri) or SOURCE_IRI.match(iri)
    if match:
        return KIND_BY_SEGMENT[match.group("kind")]
    return DOCUMENT if DOCUMENT_IRI.match(iri) else None


def curie_iri(curie: str) -> URIRef:
    """``sg:Claim`` -> its IRI, for the standard and other prefixes only (the kinds' classes)."""
    prefix, _, local = curie.partition(":")
    return URIRef({**STANDARD, **OTHER}[prefix] + local)


# ---------------------------------------------------------------------------------------------
# The one table of prefixes
# ---------------------------------------------------------------------------------------------


def kind_prefixes() -> dict[str, str]:
    """Both spellings of each kind's prefix (``armedgroup:``, ``armed-group:``; ``tm:``,
    ``time:`` is the W3C Time ontology's and stays so), to its ``id/<segment>/`` namespace."""
    out: dict[str, str] = {}
    for kind in (*KINDS, DOCUMENT):
        out[kind.prefix] = kind.namespace
        if kind.segment not in STANDARD and kind.segment not in OTHER:
            out.setdefault(kind.segment, kind.namespace)
    return out


#: Every prefix a user may type where a prefixed name is read (``--param``, the query tables'
#: IRIs), and that the package binds where it writes RDF: the standard ones, the other ones, one
#: per concept scheme (``polarity:``), both spellings of each kind (``armedgroup:``,
#: ``armed-group:``; for a kind of one source the source key follows:
#: ``claim:rd-syria-iran/3``), and ``id:``, ``vocab:``, ``graph:`` for the rest.
PREFIXES: dict[str, str] = {
    **STANDARD,
    **OTHER,
    **{scheme: f"{VOCAB_BASE}{scheme}/" for scheme in VOCAB_SCHEMES},
    **kind_prefixes(),
    "id": ID_BASE,
    "vocab": VOCAB_BASE,
    "graph": GRAPH_BASE,
}

_PREFIXED = re.compile(r"^([A-Za-z][\w.-]*)?:(\S*)$")


def bind(g: Graph, prefixes: dict[str, str] | None = None) -> Graph:
    """``g`` with the standard and other prefixes bound (for writing Turtle people read)."""
    for prefix, namespace in (prefixes or {**STANDARD, **OTHER}).items():
        g.bind(prefix, namespace, override=True, replace=True)
    return g


def is_prefixed(text: str) -> bool:
    """Whether ``text`` is ``prefix:local`` with a prefix of :data:`PREFIXES`."""
    match = _PREFIXED.match(text.strip())
    return bool(match) and (match.group(1) or "") in PREFIXES


def looks_prefixed(text: str) -> str | None:
    """The prefix of ``text`` when it has the form ``prefix:local`` (known or not) and is not an
    absolute IRI (``https://``, ``urn:``); None otherwise. An unknown prefix here is most likely
    a typing error, which the caller reports instead of reading the text as a literal."""
    match = _PREFIXED.match(text.strip())
    if not match or match.group(1) is None:
        return None
    if match.group(2).startswith("//"):
        return None
    return match.group(1)


def expand(text: str, table: dict[str, str] | None = None) -> URIRef:
    """``armed-group:hezbollah`` (or ``armedgroup:hezbollah``) -> its IRI, by the prefixes of
    ``table`` (default :data:`PREFIXES`). Raises KeyError naming the prefix when it is unknown."""
    table = PREFIXES if table is None else table
    match = _PREFIXED.match(text.strip())
    if not match or (match.group(1) or "") not in table:
        raise KeyError(match.group(1) if match else text)
    return URIRef(table[match.group(1) or ""] + match.group(2))


def compact(iri: str) -> str:
    """How the package shows an IRI short, one rule everywhere:

    * an IRI the project minted, without ``.../id/``: ``person/vladimir-putin``,
      ``claim/rd-syria-iran/3``, ``document/rd-syria-iran``;
    * a concept, without ``.../vocab/``: ``polarity/welcome``;
    * a named graph, from ``graph/``: ``graph/source/rd-syria-iran``;
    * a term of a standard or other vocabulary as a prefixed name, longest namespace first,
      where the rest is a plain local name: ``sg:Claim``, ``oa:exact``, ``wd:Q7747``;
    * anything else as it is.
    """
    for base in (ID_BASE, VOCAB_BASE):
        if iri.startswith(base) and len(iri) > len(base):
            return iri[len(base) :]
    if iri.startswith(GRAPH_BASE):
        return iri[len(HOME) :]
    for prefix, namespace in _SHOWN:
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            return f"{prefix}:{local}" if _LOCAL.match(local) else iri
    return iri


#: The prefixes :func:`compact` writes, longest namespace first.
_SHOWN = sorted({**STANDARD, **OTHER}.items(), key=lambda item: -len(item[1]))
#: A local name we write after a prefix: what Turtle's PN_LOCAL takes without escapes.
_LOCAL = re.compile(r"^[\w-]*(?:[\w.-]*[\w-])?$")


def prefix_table(key: str) -> list[tuple[str, str, str]]:
    """Every prefix of the files of source ``key``: (group, prefix, namespace), in the order of
    the block: standard vocabularies, shared things, things of this source (``claim:`` is
    ``id/claim/<key>/``), controlled values."""
    rows = [("standard vocabularies", p, ns) for p, ns in STANDARD.items()]
    rows.append(("standard vocabularies", "wd", OTHER["wd"]))
    group = "shared things: one prefix per kind"
    rows += [(group, k.prefix, k.namespace) for k in KINDS if k.shared]
    group = "things of this source: one prefix per kind"
    rows += [(group, k.prefix, f"{k.namespace}{key}/") for k in KINDS if not k.shared]
    rows.append((group, DOCUMENT.prefix, DOCUMENT.namespace))
    group = "controlled values (ontology/vocab/)"
    rows += [(group, s, f"{VOCAB_BASE}{s}/") for s in VOCAB_SCHEMES]
    return rows


def source_prefixes(key: str) -> dict[str, str]:
    """prefix -> namespace in the files of source ``key`` (:func:`prefix_table`)."""
    return {p: ns for _group, p, ns in prefix_table(key)}


def prefix_block(key: str, only: Iterable[str] | None = None) -> str:
    """The ``@prefix`` lines a data file of source ``key`` starts with (all of them, with a
    comment line above each group, or the prefixes in ``only``), aligned. This is what
    ``stancegraph new-source`` writes, so no contributor copies a prefix block."""
    wanted = set(only) if only is not None else None
    rows = [r for r in prefix_table(key) if wanted is None or r[1] in wanted]
    width = max((len(p) for _g, p, _ns in rows), default=0) + 1
    lines: list[str] = []
    group = None
    for g, p, ns in rows:
        if g != group and wanted is None:
            lines.append(f"# {g}")
        group = g
        lines.append(f"@prefix {(p + ':').ljust(width)} <{ns}> .")
    return "\n".join(lines) + "\n"


#: A local name written after a prefix in Turtle without escapes.
_TURTLE_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")


def prefixed(iri: str, table: dict[str, str]) -> str:
    """``iri`` as Turtle writes it with the prefixes of ``table`` (a file's, e.g.
    :func:`source_prefixes`): ``prefix:local``, longest namespace first, else ``<iri>``."""
    for p, ns in sorted(table.items(), key=lambda item: -len(item[1])):
        if iri.startswith(ns) and _TURTLE_LOCAL.fullmatch(iri[len(ns) :]):
            return f"{p}:{iri[len(ns) :]}"
    return f"<{iri}>"


def read_name(name: str, table: dict[str, str] | None = None) -> str | None:
    """The IRI a user means by ``<iri>``, ``http(s)://...`` or ``prefix:local`` (prefixes of
    ``table``, default :data:`PREFIXES`); None for anything else."""
    if name.startswith("<") and name.endswith(">"):
        return name[1:-1]
    if re.match(r"^https?://", name):
        return name
    try:
        return str(expand(name, table))
    except KeyError:
        return None
