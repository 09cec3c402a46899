#!/usr/bin/env python3
"""Write a synthetic stancegraph corpus shaped like the real data, at a chosen scale.

    python scripts/synth_corpus.py --scale 100k --seed 1 --out /tmp/sg-100k
    STANCEGRAPH_HOME=/tmp/sg-100k stancegraph info

The corpus is built from the project's own data, which it takes as its template (``--template``,
default this checkout): every synthetic article is a copy of a real source's statements (claims,
stances, events, relations, quantities, mentions, memberships, time nodes and anchors, its
document description), so the proportions of every class and property and the vocabulary
(claim kinds, polarities, reporting modes, hedges...) are those of the real data by
construction; ``manifest.json`` records them, counted with SPARQL on the template and on the
corpus. Each copy differs from its original in:

* its key (``syn-00001``...), and so every IRI of the source (``id/claim/syn-00001/3``);
* its seed text: the real text with about 40 % of the distinct words of five letters or more
  that occur inside no other word swapped among words of the same length and shape (a
  bijection, so a quote that is unique in the real text stays unique), written as
  ``seeds/<key>.txt``; every anchor's ``oa:exact``, ``oa:prefix``, ``oa:start`` and ``oa:end``
  and every ``sg:verbatim`` are recomputed for the new text, and the document's ``sg:sha256``
  and ``sg:characterCount`` for the new file, so the anchors and documents pass the same checks
  as the real ones;
* its language-tagged literals (labels, paraphrases, notes), with the same word swap;
* its dates, moved by a whole number of leap-year cycles (0 to 12 years), so that every date
  stays valid and the bounds of a time node keep their order;
* the actors it names: the shared things of ``data/actors.ttl`` come in clusters, copies of the
  real actors (cluster 0 is the real file, cluster ``c`` names ``person/vladimir-putin-c``...);
  each article takes each connected group of actors from one cluster, drawn with a Zipf law, so
  a few actors recur across many articles, as real ones do. The number of clusters grows as
  ``articles ** 0.6`` (Heaps' law: new articles keep naming new actors, ever more slowly).

The first articles are the real sources themselves, unchanged (key, text, IRIs), so the saved
queries' default parameters (the IRGC, Hezbollah) find what they find in the real data.

``--scale`` counts the triples of the data graphs (actors and sources; the ontology, vocabularies
and shapes, about 3,300 triples, come on top). The last article is cut short to meet the scale:
it keeps the document and whole statements (a claim with its anchors, time nodes and the nodes it
links to), never half of one. Below one article (``--scale 2k``) the one article is cut short.

Written to ``--out`` (a stancegraph project: ``STANCEGRAPH_HOME=DIR stancegraph ...`` works)::

    ontology/                      copied from the template
    queries/                       the saved queries (*.rq, qa/), copied; not the golden answers
    seeds/<key>.txt, <key>.ttl     seed texts and document descriptions
    data/actors.ttl                the shared things, every cluster
    data/<key>/statements.ttl      each article's statements
    corpus.nq                      the whole dataset as N-Quads, one named graph per layer
    contribution/                  one new article (a few hundred triples) naming actors of the
                                   corpus, laid out as a contributor brings it:
                                   seeds/<key>.txt, seeds/<key>.ttl, data/<key>/statements.ttl
    manifest.json                  seed, scale, triples per graph, instances per class

The ``.ttl`` files are written in N-Triples syntax (every N-Triples document is Turtle), so each
parses as fast as N-Triples can. The same ``--seed`` and template give the same bytes.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import math
import random
import re
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from stancegraph import names

ID = names.ID_BASE
SG = names.SG_NS
OA = names.STANDARD["oa"]
XSD = names.STANDARD["xsd"]
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
GRAPH_BASE = names.GRAPH_BASE
GENERATOR_VERSION = 2

#: The kinds of shared things: the one table of stancegraph.names.
SHARED_KINDS = "|".join(k.segment for k in names.KINDS if k.shared)
SHARED_IRI = re.compile(rf"^<{re.escape(ID)}(?:{SHARED_KINDS})/[a-z0-9]+(?:-[a-z0-9]+)*>$")
WORD = re.compile(r"[A-Za-z]+")

#: Predicates whose objects are external pages: given a fragment per article so that each
#: article's external metadata names its own page, as real ones do.
EXTERNAL_PAGE_PREDICATES = {
    "<http://www.w3.org/ns/prov#wasDerivedFrom>",
    "<https://schema.org/url>",
    "<http://purl.org/dc/terms/relation>",
}
DATE_TYPES = {XSD + "date", XSD + "dateTime", XSD + "gYear", XSD + "gYearMonth"}
P_EXACT, P_PREFIX, P_SUFFIX = f"<{OA}exact>", f"<{OA}prefix>", f"<{OA}suffix>"
P_START, P_END, P_SELECTOR = f"<{OA}start>", f"<{OA}end>", f"<{OA}hasSelector>"
P_VERBATIM, P_SHA, P_CHARS = f"<{SG}verbatim>", f"<{SG}sha256>", f"<{SG}characterCount>"
P_SEEDFILE = f"<{SG}seedFile>"
P_LABELS = {
    "<http://www.w3.org/2000/01/rdf-schema#label>",
    "<http://www.w3.org/2004/02/skos/core#altLabel>",
    "<http://www.w3.org/2004/02/skos/core#prefLabel>",
    "<http://xmlns.com/foaf/0.1/name>",
}

#: Faults ``--faults`` can plant, so that validators have something to find: the predicate of the
#: first triple each applies to, and the object it gets instead (``None``: the triple is left
#: out). Each breaks one kind of shape: a cardinality, a value list, a datatype.
FAULTS: dict[str, tuple[str, str | None]] = {
    "missing-claimant": (f"<{SG}claimant>", None),
    "unknown-polarity": (
        f"<{SG}polarity>",
        "<https://w3id.org/stancegraph/vocab/polarity/not-a-polarity>",
    ),
    "start-not-integer": (P_START, '"12"'),
}

#: Share of the distinct words that a synthetic article swaps among themselves.
SWAP_SHARE = 0.4
#: Words shorter than this are never swapped.
MIN_SWAP_LENGTH = 5
#: Clusters of actors for ``n`` articles: ``ceil(n ** HEAPS)``.
HEAPS = 0.6
#: Triples of the contribution (about; it ends at a whole statement).
CONTRIBUTION_TRIPLES = 300
CONTRIBUTION_KEY = "synthetic-contribution"

Triple = tuple[str, str, str]


# ------------------------------------------------------------------------------------------------
# Reading the template


def _parse(path: Path, labels: dict[str, str], file_no: int) -> list[Triple]:
    """``path`` as N-Triples terms; blank nodes renamed in order of appearance (deterministic)."""
    out: list[Triple] = []

    def term(t: object) -> str:
        if isinstance(t, ox.BlankNode):
            key = f"{file_no}:{t.value}"
            if key not in labels:
                labels[key] = f"_:t{len(labels) + 1}"
            return labels[key]
        return str(t)

    for quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=ID):
        out.append((term(quad.subject), str(quad.predicate), term(quad.object)))
    return out


@functools.lru_cache(maxsize=200_000)
def _literal(term: str) -> ox.Literal:
    """The pyoxigraph literal written ``term`` (N-Triples)."""
    (quad,) = list(ox.parse(f"<x:s> <x:p> {term} .", format=ox.RdfFormat.N_TRIPLES))
    assert isinstance(quad.object, ox.Literal)
    return quad.object


def _nt_string(value: str) -> str:
    return str(ox.Literal(value))


def _integer(value: int) -> str:
    return f'"{value}"^^<{XSD}integer>'


@dataclass
class AnchorSpan:
    """One anchor's selectors in the template: which literals to recompute for a new text."""

    quote: str  # the TextQuoteSelector blank node
    position: str  # the TextPositionSelector blank node
    start: int
    end: int
    prefix: int  # length of oa:prefix (0: none)
    suffix: int


@dataclass
class SourceTemplate:
    """One real source: its key, text and triples, split by the file they come from."""

    key: str
    text: str
    description: list[Triple]  # seeds/<key>.ttl
    statements: list[Triple]  # data/<key>/*.ttl
    anchors: list[AnchorSpan] = field(default_factory=list)
    verbatims: list[tuple[str, int, int]] = field(default_factory=list)  # (claim, start, end)
    local: re.Pattern[str] = field(init=False)
    document: str = field(init=False)

    def __post_init__(self) -> None:
        self.local = re.compile(rf"^<{re.escape(ID)}([a-z-]+)/{re.escape(self.key)}/([0-9]+)>$")
        self.document = f"<{ID}document/{self.key}>"

    @property
    def triples(self) -> list[Triple]:
        return self.description + self.statements

    def is_local(self, term: str) -> bool:
        return term.startswith("_:") or term == self.document or bool(self.local.match(term))


@dataclass
class Template:
    root: Path
    actors: list[Triple]
    model: dict[str, list[Triple]]  # graph short name -> triples (ontology, vocab, shapes)
    sources: list[SourceTemplate]
    vocabulary: list[str]  # every word of the texts and language-tagged literals, sorted
    swappable: list[str] = field(default_factory=list)  # the words swap_words may move


def read_template(root: Path) -> Template:
    labels: dict[str, str] = {}
    files = 0

    def parse_all(paths: list[Path]) -> list[Triple]:
        nonlocal files
        out: list[Triple] = []
        for path in paths:
            files += 1
            out.extend(_parse(path, labels, files))
        return out

    ontology = root / "ontology"
    model = {
        "ontology": parse_all([ontology / "stancegraph.ttl"]),
        "vocab": parse_all(sorted((ontology / "vocab").glob("*.ttl"))),
        "shapes": parse_all(sorted((ontology / "shapes").glob("*.ttl"))),
    }
    actors = parse_all([root / "data" / "actors.ttl"])
    sources = []
    for text_path in sorted((root / "seeds").glob("*.txt")):
        key = text_path.stem
        with open(text_path, encoding="utf-8", newline="") as fh:
            text = fh.read()
        src = SourceTemplate(
            key=key,
            text=text,
            description=parse_all([root / "seeds" / f"{key}.ttl"]),
            statements=parse_all(sorted((root / "data" / key).glob("*.ttl"))),
        )
        _find_spans(src)
        sources.append(src)
    if not sources:
        raise SystemExit(f"synth_corpus: no seeds/*.txt in template {root}")
    words: set[str] = set()
    for src in sources:
        words.update(WORD.findall(src.text))
        for _s, _p, o in src.triples:
            if o.startswith('"') and "@" in o[o.rfind('"') :]:
                words.update(WORD.findall(_literal(o).value))
    vocabulary = sorted(words)
    return Template(root, actors, model, sources, vocabulary, swappable_words(vocabulary))


def swappable_words(vocabulary: list[str]) -> list[str]:
    """The words long enough to swap that occur inside no other word of the vocabulary and hold
    no other long word ("tentative" and "tentatively" both stay).

    A quote of one long word then occurs in a synthetic text exactly as often as in the real one:
    a word swapped in is found only where it stands as a word, and no word swapped in brings
    another copy of a word that stayed.
    """
    long_words = [w for w in vocabulary if len(w) >= MIN_SWAP_LENGTH]
    joined = "\n".join(vocabulary)
    return [
        w
        for w in long_words
        if joined.count(w) == 1 and not any(v != w and v in w for v in long_words)
    ]


def _find_spans(src: SourceTemplate) -> None:
    """The anchors' selectors and the claims' verbatim words, placed in the template's text."""
    by_subject: dict[str, dict[str, list[str]]] = {}
    for s, p, o in src.triples:
        by_subject.setdefault(s, {}).setdefault(p, []).append(o)
    for _node, props in by_subject.items():
        selectors = props.get(P_SELECTOR, [])
        quote = next((b for b in selectors if P_EXACT in by_subject.get(b, {})), None)
        position = next((b for b in selectors if P_START in by_subject.get(b, {})), None)
        if quote is None or position is None:
            continue
        q, pos = by_subject[quote], by_subject[position]
        exact = _literal(q[P_EXACT][0]).value
        prefix = _literal(q[P_PREFIX][0]).value if P_PREFIX in q else ""
        suffix = _literal(q[P_SUFFIX][0]).value if P_SUFFIX in q else ""
        start, end = int(_literal(pos[P_START][0]).value), int(_literal(pos[P_END][0]).value)
        if src.text[start:end] != exact:  # offsets not (yet) computed: place the quote
            found = src.text.find(prefix + exact) if prefix else src.text.find(exact)
            if found < 0:
                continue  # the real data's own problem; this copy keeps the literals as they are
            start = found + len(prefix)
            end = start + len(exact)
        src.anchors.append(AnchorSpan(quote, position, start, end, len(prefix), len(suffix)))
    for s, props in by_subject.items():
        for value in props.get(P_VERBATIM, []):
            words = _literal(value).value
            at = src.text.find(words)
            if at >= 0:
                src.verbatims.append((s, at, at + len(words)))


# ------------------------------------------------------------------------------------------------
# Text: a word swap and the map of offsets it induces


def swap_words(vocabulary: list[str], rng: random.Random) -> dict[str, str]:
    """A bijection moving about :data:`SWAP_SHARE` of the words among words of the same length
    and shape (lower-case, Capitalised, UPPER), so that sentences keep their look and length.
    ``vocabulary``: the words that may move (:func:`swappable_words`)."""

    def shape(word: str) -> str:
        if word.islower():
            return "lower"
        if word.isupper():
            return "upper"
        return "title" if word[0].isupper() and word[1:].islower() else "mixed"

    groups: dict[tuple[str, int], list[str]] = {}
    for word in vocabulary:
        groups.setdefault((shape(word), len(word)), []).append(word)
    mapping: dict[str, str] = {}
    for _shape, words in sorted(groups.items()):
        chosen = [w for w in words if rng.random() < SWAP_SHARE]
        shuffled = chosen[:]
        rng.shuffle(shuffled)
        mapping.update(zip(chosen, shuffled, strict=True))
    return mapping


def transform(text: str, mapping: dict[str, str]) -> tuple[str, list[int]]:
    """``text`` with its words swapped, and for every offset of ``text`` (0..len) the offset of
    the same place in the new text (inside a word whose length changed: clamped to it)."""
    parts: list[str] = []
    offsets = [0] * (len(text) + 1)
    pos = new = 0
    for match in WORD.finditer(text):
        a, b = match.span()
        for i in range(pos, a):
            offsets[i] = new + (i - pos)
        parts.append(text[pos:a])
        new += a - pos
        word = match.group()
        repl = mapping.get(word, word)
        for i in range(a, b):
            offsets[i] = new + min(i - a, len(repl))
        parts.append(repl)
        new += len(repl)
        pos = b
    for i in range(pos, len(text) + 1):
        offsets[i] = new + (i - pos)
    parts.append(text[pos:])
    return "".join(parts), offsets


def swap_literal(term: str, mapping: dict[str, str]) -> str:
    lit = _literal(term)
    value = WORD.sub(lambda m: mapping.get(m.group(), m.group()), lit.value)
    return str(ox.Literal(value, language=lit.language))


def shift_date(term: str, years: int) -> str:
    lit = _literal(term)
    match = re.match(r"^(-?)(\d{4})(.*)$", lit.value)
    if not match or years == 0:
        return term
    year = int(match.group(2)) + years
    return str(ox.Literal(f"{match.group(1)}{year:04d}{match.group(3)}", datatype=lit.datatype))


# ------------------------------------------------------------------------------------------------
# Actors: clusters of copies of data/actors.ttl


def actor_components(actors: list[Triple]) -> dict[str, int]:
    """Each shared thing defined in ``actors`` -> the connected group of shared things it is
    linked with (by any triple between two of them)."""
    defined = sorted({s for s, _p, _o in actors if SHARED_IRI.match(s)})
    parent = {s: s for s in defined}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for s, _p, o in actors:
        if s in parent and o in parent:
            parent[find(s)] = find(o)
    roots: dict[str, int] = {}
    return {s: roots.setdefault(find(s), len(roots)) for s in defined}


def cluster_iri(term: str, cluster: int) -> str:
    return term if cluster == 0 else f"{term[:-1]}-{cluster}>"


def actor_cluster(template: Template, cluster: int) -> list[Triple]:
    """Cluster ``cluster`` of the shared things: the real file (0) or a renamed copy."""
    if cluster == 0:
        return list(template.actors)
    defined = {s for s, _p, _o in template.actors if SHARED_IRI.match(s)}
    memo: dict[str, str] = {}

    def term(t: str) -> str:
        if t in memo:
            return memo[t]
        if t in defined:
            out = cluster_iri(t, cluster)
        elif t.startswith("_:"):
            out = f"_:c{cluster}{t[2:]}"
        else:
            out = t
        memo[t] = out
        return out

    out = []
    for s, p, o in template.actors:
        obj = term(o)
        if p in P_LABELS and o.startswith('"'):
            lit = _literal(o)
            obj = str(
                ox.Literal(f"{lit.value} {cluster}", language=lit.language)
                if lit.language
                else ox.Literal(f"{lit.value} {cluster}", datatype=lit.datatype)
            )
        out.append((term(s), p, obj))
    return out


def clusters_for(articles: int) -> int:
    return max(1, math.ceil(articles**HEAPS))


def zipf_choice(rng: random.Random, n: int) -> int:
    weights = [1.0 / (k + 1) for k in range(n)]
    return rng.choices(range(n), weights=weights)[0]


# ------------------------------------------------------------------------------------------------
# Articles


@dataclass
class Article:
    key: str
    text: str
    description: list[Triple]
    statements: list[Triple]
    faults: list[tuple[str, str]] = field(default_factory=list)  # (kind, focus node)

    @property
    def triples(self) -> int:
        return len(self.description) + len(self.statements)


def make_article(
    template: Template,
    src: SourceTemplate,
    key: str,
    rng: random.Random,
    components: dict[str, int],
    clusters: int,
    keep: set[int] | None = None,
    faults: tuple[str, ...] = (),
) -> Article:
    """A copy of ``src`` as source ``key`` (see the module's docstring); ``keep``: the indices
    of the template triples to copy (all if ``None``); ``faults``: kinds of :data:`FAULTS` to
    plant, each in the first triple it applies to."""
    real = key == src.key
    mapping = {} if real else swap_words(template.swappable, rng)
    if real:
        text, offsets = src.text, list(range(len(src.text) + 1))
    else:
        text, offsets = transform(src.text, mapping)
    years = 0 if real else 4 * rng.randint(0, 3)
    groups = sorted(set(components.values()))
    chosen = {g: 0 if real else zipf_choice(rng, clusters) for g in groups}

    overrides: dict[tuple[str, str], str] = {}
    for a in [] if real else src.anchors:
        start, end = offsets[a.start], offsets[a.end]
        overrides[(a.quote, P_EXACT)] = _nt_string(text[start:end])
        if a.prefix:
            overrides[(a.quote, P_PREFIX)] = _nt_string(text[offsets[a.start - a.prefix] : start])
        if a.suffix:
            overrides[(a.quote, P_SUFFIX)] = _nt_string(text[end : offsets[a.end + a.suffix]])
        overrides[(a.position, P_START)] = _integer(start)
        overrides[(a.position, P_END)] = _integer(end)
    for claim, a, b in [] if real else src.verbatims:
        overrides[(claim, P_VERBATIM)] = _nt_string(text[offsets[a] : offsets[b]])
    if not real:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        overrides[(src.document, P_SHA)] = _nt_string(digest)
        overrides[(src.document, P_CHARS)] = _integer(len(text))
        overrides[(src.document, P_SEEDFILE)] = _nt_string(f"seeds/{key}.txt")

    local_prefix = f"{ID}"
    memo: dict[str, str] = {}

    def term(t: str) -> str:
        out = memo.get(t)
        if out is not None:
            return out
        if real:
            out = t
        elif t.startswith("_:"):
            out = f"_:{key.replace('-', '')}{t[2:]}"
        elif t == src.document:
            out = f"<{ID}document/{key}>"
        elif t.startswith("<"):
            m = src.local.match(t)
            if m:
                out = f"<{local_prefix}{m.group(1)}/{key}/{m.group(2)}>"
            elif t in components:
                out = cluster_iri(t, chosen[components[t]])
            else:
                out = t
        elif t.startswith('"'):
            lit = _literal(t)
            if lit.language:
                out = swap_literal(t, mapping)
            elif lit.datatype.value in DATE_TYPES:
                out = shift_date(t, years)
            else:
                out = t
        else:
            out = t
        memo[t] = out
        return out

    pending = list(faults)
    planted: list[tuple[str, str]] = []

    def copy(triples: list[Triple], base: int) -> list[Triple]:
        out = []
        for i, (s, p, o) in enumerate(triples):
            if keep is not None and base + i not in keep:
                continue
            obj = overrides.get((s, p))
            if obj is None:
                obj = term(o)
                if not real and p in EXTERNAL_PAGE_PREDICATES and o.startswith("<"):
                    obj = f"{o[:-1].split('#')[0]}#{key}>"
            fault = next((f for f in pending if FAULTS[f][0] == p), None)
            if fault is not None:
                pending.remove(fault)
                planted.append((fault, term(s)))
                if FAULTS[fault][1] is None:
                    continue  # the fault is the missing triple
                obj = FAULTS[fault][1]
            out.append((term(s), p, obj))
        return out

    description = copy(src.description, 0)
    statements = copy(src.statements, len(src.description))
    return Article(key, text, description, statements, planted)


def statement_closure(src: SourceTemplate, budget: int) -> set[int]:
    """Indices of template triples making whole statements, about ``budget`` triples: the
    document first, then each claim, stance, event... with every node of the source it links to
    (anchors, selectors, time nodes, linked claims), until the budget is spent."""
    triples = src.triples
    by_subject: dict[str, list[int]] = {}
    for i, (s, _p, _o) in enumerate(triples):
        by_subject.setdefault(s, []).append(i)
    shared_subject = [i for i, (s, _p, _o) in enumerate(triples) if not src.is_local(s)]

    def closure(root: str, seen: set[str]) -> set[str]:
        found = {root} - seen
        stack = list(found)
        while stack:
            node = stack.pop()
            for i in by_subject.get(node, []):
                o = triples[i][2]
                if src.is_local(o) and o not in seen and o not in found:
                    found.add(o)
                    stack.append(o)
        return found

    def order(term: str) -> tuple[int, int, str]:
        m = src.local.match(term)
        kinds = ["claim", "stance", "event", "relation", "quantity", "mention", "membership"]
        if m and m.group(1) in kinds:
            return (kinds.index(m.group(1)), int(m.group(2)), term)
        return (len(kinds), 0, term)

    roots = [src.document, *sorted((s for s in by_subject if src.local.match(s)), key=order)]
    chosen: set[str] = set()
    size = len(shared_subject)
    for root in roots:
        if root in chosen:
            continue
        extra = closure(root, chosen)
        chosen |= extra
        size += sum(len(by_subject.get(n, [])) for n in extra)
        if size >= budget:
            break
    keep = {i for n in chosen for i in by_subject.get(n, [])}
    return keep | set(shared_subject)


# ------------------------------------------------------------------------------------------------
# Writing


def nt_lines(triples: list[Triple]) -> str:
    return "".join(f"{s} {p} {o} .\n" for s, p, o in triples)


def nq_lines(triples: list[Triple], graph: str) -> str:
    return "".join(f"{s} {p} {o} <{graph}> .\n" for s, p, o in triples)


HEADER = "# Synthetic stancegraph data (scripts/synth_corpus.py, seed {seed}), N-Triples syntax.\n"


def write_article(root: Path, article: Article, seed: int) -> None:
    (root / "seeds").mkdir(parents=True, exist_ok=True)
    (root / "data" / article.key).mkdir(parents=True, exist_ok=True)
    with open(root / "seeds" / f"{article.key}.txt", "w", encoding="utf-8", newline="") as fh:
        fh.write(article.text)
    header = HEADER.format(seed=seed)
    (root / "seeds" / f"{article.key}.ttl").write_text(
        header + nt_lines(article.description), encoding="utf-8"
    )
    (root / "data" / article.key / "statements.ttl").write_text(
        header + nt_lines(article.statements), encoding="utf-8"
    )


def parse_scale(text: str) -> int:
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([kKmM]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number such as 2000, 10k, 1M, 5M")
    factor = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * factor)


@dataclass
class Plan:
    articles: int  # whole articles
    clusters: int
    last_budget: int  # triples of a final, cut-short article (0: none)


def plan(template: Template, scale: int) -> Plan:
    sizes = [len(s.triples) for s in template.sources]
    actors = len(template.actors)

    def total(n: int) -> int:
        return clusters_for(n) * actors + sum(sizes[i % len(sizes)] for i in range(n))

    n = 0
    while total(n + 1) <= scale:
        n += 1
    rest = scale - total(n)
    if n == 0:
        return Plan(articles=0, clusters=1, last_budget=max(rest, 1))
    more = clusters_for(n + 1)
    rest -= (more - clusters_for(n)) * actors
    if rest > 150:
        return Plan(articles=n, clusters=more, last_budget=rest)
    return Plan(articles=n, clusters=clusters_for(n), last_budget=0)


COUNT_CLASSES = f"""
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  GRAPH ?g {{ ?s a ?class }}
  FILTER(?g NOT IN (<{GRAPH_BASE}ontology>, <{GRAPH_BASE}vocab>, <{GRAPH_BASE}shapes>))
}} GROUP BY ?class ORDER BY ?class
"""
COUNT_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


def sparql_counts(nquads: Path | bytes) -> tuple[dict[str, int], dict[str, int]]:
    """Instances per class in the data graphs and triples per graph, counted with SPARQL."""
    store = ox.Store()
    if isinstance(nquads, Path):
        store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    else:
        store.bulk_load(input=nquads, format=ox.RdfFormat.N_QUADS)
    classes = {str(row["class"].value): int(row["n"].value) for row in store.query(COUNT_CLASSES)}
    graphs = {
        str(row["g"].value).removeprefix(GRAPH_BASE): int(row["n"].value)
        for row in store.query(COUNT_GRAPHS)
    }
    return classes, graphs


def template_nquads(template: Template) -> bytes:
    parts = [nq_lines(t, GRAPH_BASE + name) for name, t in template.model.items()]
    parts.append(nq_lines(template.actors, GRAPH_BASE + "actors"))
    parts += [nq_lines(s.triples, f"{GRAPH_BASE}source/{s.key}") for s in template.sources]
    return "".join(parts).encode("utf-8")


def template_fingerprint(root: Path) -> str:
    """SHA-256 over the template's files that the corpus copies or is made from."""
    h = hashlib.sha256(f"synth/{GENERATOR_VERSION}\n".encode())
    for folder in ("ontology", "data", "seeds", "queries"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and "expected" not in path.relative_to(root).parts:
                h.update(f"{path.relative_to(root).as_posix()}\n".encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def generate(
    template_root: Path,
    out: Path,
    scale: int,
    seed: int,
    *,
    count: bool = True,
    quiet: bool = False,
    faults: int = 0,
) -> dict:
    """Write the corpus (see the module's docstring); returns the manifest.

    ``faults``: how many faults (:data:`FAULTS`, in turn) to plant in the synthetic articles,
    spread evenly over them; the manifest lists each with its node."""
    started = time.perf_counter()
    template = read_template(template_root)
    p = plan(template, scale)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copytree(template_root / "ontology", out / "ontology")
    shutil.copytree(
        template_root / "queries", out / "queries", ignore=shutil.ignore_patterns("expected")
    )
    components = actor_components(template.actors)
    rng = random.Random(f"stancegraph-synth/{GENERATOR_VERSION}/{seed}")
    header = HEADER.format(seed=seed)
    nq = open(out / "corpus.nq", "w", encoding="utf-8")  # noqa: SIM115 (closed below)
    for name, triples in template.model.items():
        nq.write(nq_lines(triples, GRAPH_BASE + name))
    actors: list[Triple] = []
    for c in range(p.clusters):
        actors.extend(actor_cluster(template, c))
    (out / "data").mkdir()
    (out / "data" / "actors.ttl").write_text(header + nt_lines(actors), encoding="utf-8")
    nq.write(nq_lines(actors, GRAPH_BASE + "actors"))
    sources = template.sources
    count_articles = p.articles + (1 if p.last_budget else 0)
    keys = []
    triples_written = len(actors)
    synthetic = list(range(len(sources), count_articles))
    kinds = sorted(FAULTS)
    plan_faults: dict[int, list[str]] = {}
    for j in range(faults if synthetic else 0):
        where = synthetic[(j * len(synthetic)) // faults]
        plan_faults.setdefault(where, []).append(kinds[j % len(kinds)])
    planted: list[dict[str, str]] = []
    for i in range(count_articles):
        src = sources[i % len(sources)]
        key = src.key if i < len(sources) else f"syn-{i:05d}"
        keep = None
        if i == p.articles:  # the last one, cut short to meet the scale
            keep = statement_closure(src, p.last_budget)
        art = make_article(
            template,
            src,
            key,
            random.Random(f"{rng.random()}"),
            components,
            p.clusters,
            keep,
            tuple(plan_faults.get(i, ())),
        )
        planted += [
            {"kind": kind, "node": node[1:-1] if node.startswith("<") else node}
            for kind, node in art.faults
        ]
        write_article(out, art, seed)
        graph = f"{GRAPH_BASE}source/{key}"
        nq.write(nq_lines(art.description + art.statements, graph))
        keys.append(key)
        triples_written += art.triples
    nq.close()

    # The contribution: a new article naming actors of the corpus (cluster 0, the real ones).
    src = sources[0]
    contribution = make_article(
        template,
        src,
        CONTRIBUTION_KEY,
        random.Random(f"{seed}/contribution"),
        components,
        1,
        statement_closure(src, CONTRIBUTION_TRIPLES),
    )
    write_article(out / "contribution", contribution, seed)
    referenced = sorted(
        {
            t
            for s, _p, o in contribution.description + contribution.statements
            for t in (s, o)
            if t in components
        }
    )

    manifest: dict = {
        "generator": f"scripts/synth_corpus.py v{GENERATOR_VERSION}",
        "seed": seed,
        "scale": scale,
        "template": str(template_root),
        "template_sha256": template_fingerprint(template_root),
        "articles": len(keys),
        "real_articles": min(len(sources), len(keys)),
        "cut_short": bool(p.last_budget),
        "actor_clusters": p.clusters,
        "data_triples": triples_written,
        "faults_requested": faults,
        "faults": planted,
        "model_triples": sum(len(t) for t in template.model.values()),
        "contribution": {
            "key": CONTRIBUTION_KEY,
            "triples": contribution.triples,
            "referenced_shared_things": [t[1:-1] for t in referenced],
        },
    }
    if count:
        t_classes, t_graphs = sparql_counts(template_nquads(template))
        c_classes, c_graphs = sparql_counts(out / "corpus.nq")
        manifest["template_counts"] = {"classes": t_classes, "graphs": t_graphs}
        manifest["corpus_counts"] = {
            "classes": c_classes,
            "graphs": dict(sorted(Counter(_layer(g) for g in c_graphs).items()))
            | {"triples": sum(c_graphs.values())},
        }
        manifest["corpus_counts"]["graph_triples"] = {
            layer: sum(n for g, n in c_graphs.items() if _layer(g) == layer)
            for layer in sorted({_layer(g) for g in c_graphs})
        }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    manifest["seconds"] = round(time.perf_counter() - started, 2)  # not in the file: same bytes
    if not quiet:
        print(
            f"synth_corpus: {manifest['data_triples']} data triples "
            f"(+{manifest['model_triples']} ontology, vocabularies, shapes) in "
            f"{manifest['articles']} articles, {p.clusters} actor clusters; "
            f"contribution {contribution.triples} triples -> {out} "
            f"({manifest['seconds']} s)",
            file=sys.stderr,
        )
    return manifest


def _layer(graph: str) -> str:
    return "source" if graph.startswith("source/") else graph


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write a synthetic stancegraph corpus shaped like the real data.",
    )
    parser.add_argument(
        "--scale", type=parse_scale, required=True, help="data triples: 2000, 10k, 100k, 1M, 5M"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write (replaced)")
    parser.add_argument(
        "--template",
        type=Path,
        default=Path(__file__).resolve().parents[1],
        help="the project whose data the corpus copies (default: this checkout)",
    )
    parser.add_argument(
        "--no-count", action="store_true", help="skip the SPARQL counts in manifest.json"
    )
    parser.add_argument(
        "--faults",
        type=int,
        default=0,
        help=f"plant this many faults ({', '.join(sorted(FAULTS))}, in turn); default none",
    )
    args = parser.parse_args(argv)
    out = args.out.resolve()
    template = args.template.resolve()
    if out == template or template.is_relative_to(out):
        parser.error("--out must not be the template project or hold it")
    if out.exists() and any(out.iterdir()) and not (out / "manifest.json").is_file():
        parser.error(f"{out} exists and is not a corpus written by this script; not replacing it")
    generate(template, out, args.scale, args.seed, count=not args.no_count, faults=args.faults)
    return 0


if __name__ == "__main__":
    sys.exit(main())
