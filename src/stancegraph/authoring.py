"""Authoring a source: the files of a new source, and the anchor blocks of its statements.

What a contributor would otherwise copy from other files or count by hand is written here, so
that they write only what the text means (issue #17):

* :func:`new_source` stores a text as ``seeds/<key>.txt`` (byte for byte), describes it in
  ``seeds/<key>.ttl`` (its real SHA-256 and length; the metadata given, each either stated by the
  text, on the document and anchored, or external, in an ``sg:ExternalMetadata`` record that says
  where it was read) and starts ``data/<key>/statements.ttl`` with the full prefix block;
* :func:`anchor_blocks` writes the anchor of a quote (its next free number, ``oa:exact``, the
  shortest ``oa:prefix``/``oa:suffix`` that makes it unique, its offsets) and, if asked, the
  mention of a thing it names;
* :func:`next_number` is the next free number of a kind in a source: numbers need no convention;
* :func:`concepts` and :func:`find_actors` list what exists, so that a contributor reuses it.

Every prefix a source's files use comes from one table, :data:`PREFIXES`; the words for a quote
that is not in the text are validate's (:func:`stancegraph.anchors.not_found`).
"""

from __future__ import annotations

import datetime
import re
import textwrap
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, URIRef
from rdflib.namespace import FOAF, OWL, SKOS

from stancegraph import anchors, names, safety
from stancegraph.errors import StancegraphError
from stancegraph.sources import KEY_PATTERN, Project, read_seed

ID = names.ID_BASE
VOCAB = names.VOCAB_BASE
WIKIDATA = names.OTHER["wd"]


class AuthoringError(StancegraphError):
    """The command cannot write what was asked (exit code 2): the message says why."""


# --------------------------------------------------------------------------------------------
# The prefix table: names' (one table for the package)

#: Prefixes of the things of one source, ``id/<kind>/<key>/<n>``: prefix -> kind (``tm`` ->
#: ``time``: ``time:`` is OWL-Time's).
SOURCE_PREFIXES: dict[str, str] = {k.prefix: k.segment for k in names.KINDS if not k.shared}


def vocab_schemes(project: Project) -> list[str]:
    """The names of the project's controlled vocabularies (``ontology/vocab/<scheme>.ttl``)."""
    return [p.stem for p in project.vocab_files]


def prefixes(project: Project, key: str) -> dict[str, str]:
    """prefix -> namespace for source ``key`` (:func:`stancegraph.names.prefix_table`)."""
    return names.source_prefixes(key)


def prefix_block(project: Project, key: str, only: Iterable[str] | None = None) -> str:
    """The ``@prefix`` lines of source ``key`` (:func:`stancegraph.names.prefix_block`)."""
    return names.prefix_block(key, only)


def turtle_string(text: str) -> str:
    """``text`` as a Turtle string literal (``"..."``, escapes for quotes, backslashes, breaks)."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


# --------------------------------------------------------------------------------------------
# Numbers


def _numbers(project: Project, key: str) -> dict[str, set[int]]:
    """kind -> the numbers of ``id/<kind>/<key>/<n>`` used in the files of source ``key``."""
    pattern = re.compile(rf"^{re.escape(ID)}([a-z-]+)/{re.escape(key)}/([1-9][0-9]{{0,17}})$")
    used: dict[str, set[int]] = {}
    for path in project.source_files(key):
        g = safety.parse_file(path)
        for triple in g:
            for node in triple:
                match = pattern.match(node) if isinstance(node, URIRef) else None
                if match:
                    used.setdefault(match.group(1), set()).add(int(match.group(2)))
    return used


def kind_of(kind: str) -> str:
    """The kind named by a kind (``claim``, ``unnamed-source``) or by its prefix (``tm``)."""
    if kind in SOURCE_PREFIXES.values():
        return kind
    if kind in SOURCE_PREFIXES:
        return SOURCE_PREFIXES[kind]
    known = ", ".join(sorted(SOURCE_PREFIXES.values()))
    raise AuthoringError(f"unknown kind {kind!r}: the kinds of a source's things are {known}")


def next_number(project: Project, key: str, kind: str) -> int:
    """The next free number of ``kind`` in source ``key``: one more than the highest used in
    ``seeds/<key>.ttl`` and ``data/<key>/``, 1 if none is."""
    _require_source(project, key)
    return max(_numbers(project, key).get(kind_of(kind), {0})) + 1


def _require_source(project: Project, key: str) -> None:
    if not KEY_PATTERN.match(key):
        raise AuthoringError(
            f"source key {key!r} must be lower-case ASCII words joined by '-' (e.g. example-talks)"
        )
    if not (project.seeds_dir / f"{key}.txt").is_file():
        sources = project.sources
        if any(s.key == key and s.withheld for s in sources):
            return  # a withheld text: what reads it says so (Project.seed_text)
        known = ", ".join(s.key for s in sources) or "none"
        raise AuthoringError(
            f"no source {key!r}: seeds/{key}.txt does not exist (known: {known}; "
            f"`stancegraph new-source {key} --text FILE` starts one)"
        )


# --------------------------------------------------------------------------------------------
# Anchors


def shortest_context(text: str, exact: str, start: int) -> tuple[str | None, str | None]:
    """The shortest ``oa:prefix`` or ``oa:suffix`` (whole words: it begins or ends at a word's
    edge) that tells the occurrence of ``exact`` at ``start`` from the others; (None, None) if
    the quote occurs once. Of a prefix and a suffix of the same length, the prefix."""
    starts = anchors.occurrences(text, exact)
    if len(starts) <= 1:
        return None, None
    end = start + len(exact)
    others = [o for o in starts if o != start]

    # Grow the context one character at a time, keeping the other occurrences whose context is
    # still the same: linear in the context's length times the occurrences it has to rule out.
    prefix = None
    same = others
    for k in range(1, start + 1):
        same = [o for o in same if o - k >= 0 and text[o - k] == text[start - k]]
        if (
            not same
            and (k == start or text[start - k - 1].isspace())
            and text[start - k : start].strip()
        ):
            prefix = text[start - k : start]
            break
    suffix = None
    same = others
    for k in range(1, len(text) - end + 1):
        same = [
            o
            for o in same
            if o + len(exact) + k <= len(text) and text[o + len(exact) + k - 1] == text[end + k - 1]
        ]
        if (
            not same
            and (end + k == len(text) or text[end + k].isspace())
            and text[end : end + k].strip()
        ):
            suffix = text[end : end + k]
            break
    if prefix is not None and (suffix is None or len(prefix) <= len(suffix)):
        return prefix, None
    if suffix is not None:
        return None, suffix
    return text[:start] or None, text[end:] or None  # only the whole text around it says which


@dataclass(frozen=True)
class Placed:
    """One occurrence of a quote, with the context that makes it unique."""

    start: int
    end: int
    exact: str
    prefix: str | None
    suffix: str | None


def place(
    text: str,
    exact: str,
    where: str,
    *,
    nth: int | None = None,
    near: str | None = None,
    every: bool = False,
) -> list[Placed]:
    """The occurrence(s) of ``exact`` in ``text`` (the seed ``where``) an anchor is for.

    One occurrence: that one. Several: the ``nth`` (from 1), the one nearest the words ``near``,
    or ``every`` one; else :class:`AuthoringError` with validate's words for an ambiguous quote.
    A quote not in the text: validate's words, with its near miss.
    """
    if not exact:
        raise AuthoringError("the quote is empty: give the words of the text to anchor")
    starts = anchors.occurrences(text, exact)
    if not starts:
        raise AuthoringError(anchors.not_found(text, exact, where).message)
    if nth is not None:
        if not 1 <= nth <= len(starts):
            raise AuthoringError(
                f"--nth {nth}: {anchors.ambiguous(exact, starts, where)}"
                if len(starts) > 1
                else f"--nth {nth}: the quote {anchors.quote(exact)} occurs once in {where}"
            )
        chosen = [starts[nth - 1]]
    elif near is not None:
        marks = anchors.occurrences(text, near)
        if not marks:
            raise AuthoringError(f"--near: {anchors.not_found(text, near, where).message}")

        def distance(s: int) -> int:
            e = s + len(exact)
            return min(max(0, m - e, s - (m + len(near))) for m in marks)

        best = min(distance(s) for s in starts)
        chosen = [s for s in starts if distance(s) == best]
        if len(chosen) > 1:
            raise AuthoringError(
                f"--near {anchors.quote(near)} is as near to {len(chosen)} of the occurrences: "
                f"{anchors.ambiguous(exact, starts, where)}; give longer --near words or --nth"
            )
    elif every or len(starts) == 1:
        chosen = starts
    else:
        raise AuthoringError(
            f"{anchors.ambiguous(exact, starts, where)}: say which with --nth N (1 to "
            f"{len(starts)}) or --near WORDS, or give --all for every one"
        )
    placed = []
    for s in chosen:
        prefix, suffix = shortest_context(text, exact, s)
        placed.append(Placed(s, s + len(exact), exact, prefix, suffix))
    return placed


def paragraph_of(text: str, start: int) -> tuple[int, str]:
    """The paragraph (non-blank line, counted from 1) holding ``start``, and its first words."""
    number = 0
    pos = 0
    for line in text.splitlines(keepends=True):
        if line.strip():
            number += 1
        if pos <= start < pos + len(line):
            words = line.split()
            return number, " ".join(words[:6]) + (" …" if len(words) > 6 else "")
        pos += len(line)
    return number, ""


def anchor_block(key: str, number: int, at: Placed) -> str:
    """The Turtle of anchor ``number`` of source ``key`` for ``at``."""
    quote_selector = f"a oa:TextQuoteSelector ; oa:exact {turtle_string(at.exact)}"
    if at.prefix is not None:
        quote_selector += f" ; oa:prefix {turtle_string(at.prefix)}"
    if at.suffix is not None:
        quote_selector += f" ; oa:suffix {turtle_string(at.suffix)}"
    return (
        f"anchor:{number} a oa:SpecificResource ;\n"
        f"    oa:hasSource doc:{key} ;\n"
        f"    oa:hasSelector [ {quote_selector} ] ,\n"
        f"        [ a oa:TextPositionSelector ; oa:start {at.start} ; oa:end {at.end} ] .\n"
    )


def mention_block(number: int, refers_to: str, anchor_number: int) -> str:
    """The Turtle of mention ``number``: the thing ``refers_to`` (as written), named at anchor
    ``anchor_number``."""
    return (
        f"mention:{number} a sg:Mention ;\n"
        f"    sg:refersTo {refers_to} ;\n"
        f"    sg:anchor anchor:{anchor_number} .\n"
    )


@dataclass
class Blocks:
    """What :func:`anchor_blocks` writes: the Turtle, and the numbers it used."""

    turtle: str
    anchors: list[int] = field(default_factory=list)
    mentions: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def anchor_blocks(
    project: Project,
    key: str,
    exact: str,
    *,
    nth: int | None = None,
    near: str | None = None,
    every: bool = False,
    mention: str | None = None,
) -> Blocks:
    """Anchor blocks (and mention blocks, for ``mention``) for the quote ``exact`` in source
    ``key``, numbered from the next free numbers, each under a comment naming its paragraph."""
    _require_source(project, key)
    text = project.seed_text(key)
    placed = place(text, exact, f"seeds/{key}.txt", nth=nth, near=near, every=every)
    used = _numbers(project, key)
    table = prefixes(project, key)
    notes = []
    refers = None
    if mention is not None:
        iri = resolve(project, mention, any_thing=True, key=key)
        refers = names.prefixed(iri, table)
        if not _defined(project, key, iri):
            notes.append(
                f"{refers} is defined nowhere yet (not in data/actors.ttl nor in the files of "
                f"{key}); add it, or find the one the project has with `stancegraph actors`"
            )
    next_anchor = max(used.get("anchor", {0})) + 1
    next_mention = max(used.get("mention", {0})) + 1
    parts = []
    out = Blocks("")
    for i, at in enumerate(placed):
        n = next_anchor + i
        paragraph, first = paragraph_of(text, at.start)
        lines = [f"# Paragraph {paragraph}: {anchors.quote(first)}\n"]
        if refers is not None:
            lines.append(mention_block(next_mention + i, refers, n))
            out.mentions.append(next_mention + i)
        lines.append(anchor_block(key, n, at))
        out.anchors.append(n)
        parts.append(lines[0] + "\n".join(lines[1:]))
    out.turtle = "\n".join(parts)
    out.notes = notes
    return out


def _defined(project: Project, key: str, iri: str) -> bool:
    node = URIRef(iri)
    files = [project.actors_file, *project.source_files(key)]
    return any((node, None, None) in safety.parse_file(p) for p in files if p.is_file())


# --------------------------------------------------------------------------------------------
# Actors


@dataclass(frozen=True)
class ActorEntry:
    """A shared thing of ``data/actors.ttl``: its IRI, its classes, its names, its Wikidata id."""

    iri: str
    classes: tuple[str, ...]
    label: str
    other_names: tuple[str, ...]
    wikidata: str | None

    def matches(self, text: str) -> bool:
        wanted = text.strip().casefold()
        if not wanted:
            return True
        wd = wanted.removeprefix("wd:").removeprefix(WIKIDATA.casefold())
        if self.wikidata and wd == self.wikidata.casefold():
            return True
        names = (self.label, *self.other_names, self.iri.rsplit("/", 1)[-1])
        return any(wanted in name.casefold() for name in names)


def actor_entries(project: Project) -> list[ActorEntry]:
    """Every shared thing that ``data/actors.ttl`` types, sorted by IRI."""
    g = safety.parse_file(project.actors_file)
    found = []
    for subject in sorted({s for s in g.subjects(RDF.type, None) if isinstance(s, URIRef)}):
        labels = sorted(str(o) for o in g.objects(subject, RDFS.label))
        others = sorted(
            {str(o) for p in (SKOS.altLabel, FOAF.name) for o in g.objects(subject, p)}
            - set(labels[:1])
        )
        wikidata = next(
            (
                str(o)[len(WIKIDATA) :]
                for p in (SKOS.exactMatch, SKOS.closeMatch, OWL.sameAs)
                for o in g.objects(subject, p)
                if str(o).startswith(WIKIDATA)
            ),
            None,
        )
        classes = tuple(sorted(str(o) for o in g.objects(subject, RDF.type)))
        found.append(
            ActorEntry(str(subject), classes, labels[0] if labels else "", tuple(others), wikidata)
        )
    return found


def find_actors(project: Project, text: str = "") -> list[ActorEntry]:
    """The shared things whose label, other name, slug or Wikidata id (``Q7747``) matches
    ``text`` (a part of a name, any case); all of them for ``""``."""
    return [a for a in actor_entries(project) if a.matches(text)]


def resolve(project: Project, name: str, *, any_thing: bool = False, key: str | None = None) -> str:
    """The IRI that ``name`` means: ``prefix:local``, ``<iri>`` or ``https://...`` as written;
    else the one actor of ``data/actors.ttl`` with that label or other name (any case).

    Unless ``any_thing``, the IRI must be a thing of ``data/actors.ttl``.
    """
    table = {**names.STANDARD, "wd": names.OTHER["wd"]}
    table.update({k.prefix: k.namespace for k in names.KINDS if k.shared})
    if key is not None:
        table = prefixes(project, key)
    iri = names.read_name(name, table)
    entries = actor_entries(project)
    if iri is None and any_thing and re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*:\S*", name):
        raise AuthoringError(
            f"{name}: unknown prefix {name.split(':')[0]!r} (those of a source: "
            f"{', '.join(sorted(table))})"
        )
    if iri is not None:
        if not any_thing and iri not in {e.iri for e in entries}:
            raise AuthoringError(
                f"{name} is not in data/actors.ttl: add it there first, or find the one the "
                f"project has with `stancegraph actors`"
            )
        return iri
    wanted = name.strip().casefold()
    named = [e for e in entries if wanted in {n.casefold() for n in (e.label, *e.other_names)}]
    if len(named) == 1:
        return named[0].iri
    if not named:
        raise AuthoringError(
            f"no actor named {name!r} in data/actors.ttl: add it there first, or give its IRI "
            f"(`stancegraph actors {name.split()[0] if name.split() else name}` searches)"
        )
    table_all = prefixes(project, "_")
    raise AuthoringError(
        f"{len(named)} actors are named {name!r}: "
        f"{', '.join(names.prefixed(e.iri, table_all) for e in named)}; "
        "give the IRI of the one you mean"
    )


# --------------------------------------------------------------------------------------------
# Vocabularies


@dataclass(frozen=True)
class Concept:
    iri: str
    scheme: str
    label: str
    definition: str
    broader: tuple[str, ...]
    uses: int


def concepts(project: Project, scheme: str | None = None) -> list[Concept]:
    """The concepts of the vocabulary ``scheme`` (default: every one) with their definitions and
    how many triples of the data (actors, every source's statements and description) have them
    as value."""
    files = project.vocab_files
    if scheme is not None:
        files = [p for p in files if p.stem == scheme]
        if not files:
            raise AuthoringError(
                f"no vocabulary {scheme!r} (ontology/vocab/<scheme>.ttl): the schemes are "
                f"{', '.join(vocab_schemes(project))}"
            )
    uses: Counter[str] = Counter()
    for path in [*project.data_files, *(src.description_path for src in project.sources)]:
        for _s, _p, o in safety.parse_file(path):
            if isinstance(o, URIRef) and str(o).startswith(VOCAB):
                uses[str(o)] += 1
    found = []
    for path in files:
        g = safety.parse_file(path)
        for c in sorted(set(g.subjects(RDF.type, SKOS.Concept))):
            found.append(
                Concept(
                    iri=str(c),
                    scheme=path.stem,
                    label=str(g.value(c, SKOS.prefLabel) or ""),
                    definition=str(g.value(c, SKOS.definition) or ""),
                    broader=tuple(sorted(str(b) for b in g.objects(c, SKOS.broader))),
                    uses=uses[str(c)],
                )
            )
    return found


# --------------------------------------------------------------------------------------------
# A new source

METADATA_FIELDS = ("title", "byline", "date", "publisher")


@dataclass(frozen=True)
class Metadata:
    """What a contributor knows about a source, and which of it the text itself states."""

    title: str | None = None
    byline: str | None = None
    date: str | None = None
    publisher: str | None = None
    url: str | None = None
    stated: frozenset[str] = frozenset()
    read_at: str | None = None
    #: the text may not be redistributed: seeds/<key>.txt is not written, and the description
    #: says dcterms:accessRights text-access:withheld (its SHA-256 and length are the copy's)
    withheld: bool = False


def new_source(project: Project, key: str, text_file: str | Path, meta: Metadata) -> list[Path]:
    """Create ``seeds/<key>.txt`` (the bytes of ``text_file``; not for a withheld text),
    ``seeds/<key>.ttl`` and ``data/<key>/statements.ttl``; the paths written. Nothing is
    overwritten: if any of them exists, :class:`AuthoringError` and nothing is written."""
    if not KEY_PATTERN.match(key):
        raise AuthoringError(
            f"source key {key!r} must be lower-case ASCII words joined by '-' (e.g. example-talks)"
        )
    seed = project.seeds_dir / f"{key}.txt"
    description = project.seeds_dir / f"{key}.ttl"
    statements = project.data_dir / key / "statements.ttl"
    for path in (seed, description, project.data_dir / key):
        if path.exists() or path.is_symlink():
            raise AuthoringError(
                f"{path.relative_to(project.root)} already exists; new-source never overwrites "
                "(pick another key, or edit the files that are there)"
            )
    read = read_seed(text_file)  # strict UTF-8, a regular file, within the size limit
    data = read.text.encode("utf-8")
    if not read.text.strip():
        raise AuthoringError(f"{text_file}: the text is empty")
    description_text = describe_source(project, key, read.text, read.sha256, meta)
    statements_text = statements_header(project, key, meta)
    project.seeds_dir.mkdir(parents=True, exist_ok=True)
    statements.parent.mkdir(parents=True)
    if meta.withheld:
        written = [description, statements]
    else:
        written = [seed, description, statements]
        with open(seed, "xb") as fh:
            fh.write(data)
    for path, content in ((description, description_text), (statements, statements_text)):
        with open(path, "x", encoding="utf-8", newline="\n") as fh:
            fh.write(content)
    return written


def describe_source(project: Project, key: str, text: str, sha256: str, meta: Metadata) -> str:
    """The Turtle of ``seeds/<key>.ttl`` for ``text`` (see :func:`new_source`)."""
    unknown = set(meta.stated) - set(METADATA_FIELDS)
    if unknown:
        raise AuthoringError(f"--stated {sorted(unknown)[0]}: one of {', '.join(METADATA_FIELDS)}")
    for name in meta.stated:
        if getattr(meta, name) is None:
            raise AuthoringError(f"--stated {name} needs --{name}")
    if meta.date is not None:
        try:
            datetime.date.fromisoformat(meta.date)
        except ValueError:
            raise AuthoringError(f"--date {meta.date!r}: write the date as YYYY-MM-DD") from None
    where = f"seeds/{key}.txt"
    table = prefixes(project, key)
    creator = names.prefixed(resolve(project, meta.byline), table) if meta.byline else None
    publisher = names.prefixed(resolve(project, meta.publisher), table) if meta.publisher else None

    on_doc: list[str] = []
    external: list[str] = []
    anchored: list[tuple[str, str]] = []  # (what, words)

    def put(name: str, lines: list[str], words: str | None = None) -> None:
        if name in meta.stated:
            on_doc.extend(lines)
            if words is not None:
                anchored.append((name, words))
        else:
            external.extend(lines)

    if meta.title is not None:
        put("title", [f"dcterms:title {turtle_string(meta.title)}@en"], meta.title)
    if creator is not None:
        label = _label(project, resolve(project, meta.byline or ""))
        put("byline", [f"dcterms:creator {creator}"], label)
    if meta.date is not None:
        put("date", [f'dcterms:issued "{meta.date}"^^xsd:date'])
    if publisher is not None:
        label = _label(project, resolve(project, meta.publisher or ""))
        put("publisher", [f"schema:publisher {publisher}", f"dcterms:publisher {publisher}"], label)
    read_at = meta.read_at or meta.url
    if meta.url is not None:
        external.append(f"schema:url <{meta.url}>")
    if external and read_at is None:
        raise AuthoringError(
            "the metadata the text does not state is recorded with where it was read: give "
            "--read-at URL (or --url), or --stated for what the text itself states"
        )

    anchor_text = []
    anchor_numbers = []
    for i, (name, words) in enumerate(anchored, start=1):
        placed = place(text, words, where, nth=1)[0] if words in text else None
        if placed is None:
            problem = anchors.not_found(text, words, where)
            raise AuthoringError(f"--stated {name}: {problem.message}")
        anchor_numbers.append(i)
        anchor_text.append(
            f"# {name}, as the text states it (paragraph {paragraph_of(text, placed.start)[0]})\n"
            + anchor_block(key, i, placed)
        )

    doc_lines = [
        f'sg:seedFile "{where}"',
        f'sg:sha256 "{sha256}"',
        f"sg:characterCount {len(text)}",
        'dcterms:language "en"',
        *on_doc,
    ]
    if meta.withheld:
        doc_lines.append(f"dcterms:accessRights <{names.TEXT_WITHHELD}>")
    if anchor_numbers:
        doc_lines.append("sg:anchor " + " , ".join(f"anchor:{n}" for n in anchor_numbers))
    used = {"sg", "schema", "dcterms", "doc"}
    body = [
        f"doc:{key} a sg:SourceDocument , schema:NewsArticle ;\n    "
        + " ;\n    ".join(doc_lines)
        + " .\n"
    ]
    if anchor_text:
        used |= {"oa", "anchor"}
        body.append("\n".join(anchor_text))
    if external:
        used |= {"metadata", "prov", "rdfs"}
        lines = [
            "rdfs:label " + turtle_string(f"what the text of {key} does not state") + "@en",
            f"sg:describes doc:{key}",
            f"prov:wasDerivedFrom <{read_at}>",
            *external,
        ]
        body.append(
            "# What the text does not state, and where it was read\n"
            "metadata:1 a sg:ExternalMetadata ;\n    " + " ;\n    ".join(lines) + " .\n"
        )
    text_all = "\n".join(body)
    for p in table:
        if re.search(rf"(?<![\w-]){re.escape(p)}:", text_all):
            used.add(p)
    header = _comment(
        f"The source document {key}: its seed file ({where}, byte for byte) with its SHA-256 "
        "and length in code points; what its text states about itself, on the document and "
        "anchored; and, kept apart as external metadata with where it was read, what the text "
        "does not state. Written by `stancegraph new-source`."
    )
    return header + prefix_block(project, key, used) + "\n" + text_all


def _label(project: Project, iri: str) -> str:
    for entry in actor_entries(project):
        if entry.iri == iri:
            return entry.label
    return iri


def statements_header(project: Project, key: str, meta: Metadata) -> str:
    """The start of ``data/<key>/statements.ttl``: what it is, and every prefix of the source."""
    about = f" ({meta.title})" if meta.title else ""
    return _comment(
        f"The statements of seeds/{key}.txt{about}: its claims, stances, events, relations, "
        "quantities, mentions and times, each with the anchors of its words. Anchors and "
        f'mentions are written by `stancegraph anchor {key} "words"`, numbers by '
        f"`stancegraph next {key} KIND`; see CONTRIBUTING.md."
    ) + prefix_block(project, key)


def _comment(text: str) -> str:
    """``text`` as comment lines of at most 100 characters, and a blank line."""
    return textwrap.fill(text, 100, initial_indent="# ", subsequent_indent="# ") + "\n\n"
