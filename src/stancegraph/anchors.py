"""Anchors: quotes, offsets, sentences and coverage.

An anchor is a Web Annotation ``oa:SpecificResource`` whose ``oa:hasSource`` is a source document
(``https://w3id.org/stancegraph/id/document/<key>``) and whose two selectors give the same span
twice: the words (``oa:TextQuoteSelector`` with ``oa:exact`` and, to disambiguate, ``oa:prefix``
and ``oa:suffix``) and their offsets (``oa:TextPositionSelector`` with ``oa:start`` and
``oa:end``, Unicode code points of the seed file as stored, end exclusive).

This module

* finds a quote in a seed text (:func:`locate`), honouring ``oa:prefix``/``oa:suffix``, and raises
  :class:`QuoteNotFoundError` or :class:`AmbiguousQuoteError`;
* reads every anchor of a graph (:func:`read_anchors`) and checks it against the seed
  (:func:`check_anchor`);
* splits a seed text into sentences (:func:`split_sentences`);
* computes which sentences the anchors cover (:func:`coverage`).

Sentences
---------
A seed's paragraphs are its lines. Within a line a sentence ends at ``.``, ``?`` or ``!``
(with any closing quotes or brackets right after it) followed by white space (no-break space
included) or the end of the line, except

* after an abbreviation (``Mar.``, ``Nov.``, ``Mr.``, ``e.g.`` ...), after an initialism
  (``U.S.``, ``U.N.``) and after a single capital initial (``S.``): these end a sentence only at
  the end of a line;
* when the next word starts with a lower-case letter (``“... them?” he asked``);
* inside an open quotation (``"Who will ...? Who ... them?” he asked`` is one sentence): a
  quotation opens at ``“`` (or a straight ``"`` at the start of a word) and closes at ``”`` (or a
  straight ``"`` at the end of a word); a terminator right before the closing quote may end the
  sentence.

Every non-blank line holds at least one sentence, so a title line ("Also read: ..."), a photo
caption or the disclaimer is a sentence too. A sentence's span excludes the white space around it.

Coverage
--------
A sentence is *covered* when the union of the anchor spans that overlap it covers at least half
(:data:`COVERAGE_THRESHOLD`) of the sentence's non-space characters. Why half: an anchor on a
name or a single clause of a long sentence shows that someone looked at the sentence, not that its
content is in the graph; requiring all of it would punish anchors that rightly leave out
connectives ("However,", "In fact,"). Half means the greater part of what the sentence says is
traceable to a statement. Overlapping anchors are merged first, so two anchors on the same words
count once. Anchors whose stored offsets do not match their quote are placed by their quote
instead (so coverage can be computed before ``scripts/anchor_offsets.py --write`` has run); an
anchor that can be placed neither way is left out and listed in :attr:`Coverage.unplaced`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import RDF, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from stancegraph import graph, safety
from stancegraph.errors import StancegraphError
from stancegraph.sources import Project

OA = Namespace("http://www.w3.org/ns/oa#")
DOCUMENT_BASE = graph.DOCUMENT_BASE

#: Share of a sentence's non-space characters that anchors must cover for it to count as covered.
COVERAGE_THRESHOLD = 0.5


# --------------------------------------------------------------------------------------------
# Errors


class AnchorError(StancegraphError):
    """A quote cannot be placed in its seed text (exit code 2: the anchor is unusable)."""

    def __init__(self, message: str, *, exact: str, anchor: str | None = None) -> None:
        self.exact = exact
        self.anchor = anchor
        super().__init__(message)


class QuoteNotFoundError(AnchorError):
    """The quote (with its prefix/suffix, if given) does not occur in the text."""


class AmbiguousQuoteError(AnchorError):
    """The quote occurs more than once and no prefix/suffix tells the occurrences apart."""

    def __init__(
        self, message: str, *, exact: str, starts: list[int], anchor: str | None = None
    ) -> None:
        self.starts = starts
        super().__init__(message, exact=exact, anchor=anchor)


# --------------------------------------------------------------------------------------------
# Locating quotes


def occurrences(text: str, exact: str) -> list[int]:
    """Every start offset of ``exact`` in ``text``, overlapping occurrences included."""
    if not exact:
        return []
    found = []
    i = text.find(exact)
    while i != -1:
        found.append(i)
        i = text.find(exact, i + 1)
    return found


def locate(
    text: str,
    exact: str,
    prefix: str | None = None,
    suffix: str | None = None,
    *,
    anchor: str | None = None,
) -> tuple[int, int]:
    """The ``(start, end)`` of the one occurrence of ``exact`` in ``text``.

    ``prefix`` must end right before it and ``suffix`` start right after it, where given.
    Raises :class:`QuoteNotFoundError` if there is no such occurrence and
    :class:`AmbiguousQuoteError` if there are several.
    """
    who = f"{anchor}: " if anchor else ""
    if not exact:
        raise QuoteNotFoundError(f"{who}empty oa:exact", exact=exact, anchor=anchor)
    starts = occurrences(text, exact)
    if not starts:
        raise QuoteNotFoundError(
            f"{who}quote not in the text: {_show(exact)}", exact=exact, anchor=anchor
        )
    matching = [
        s
        for s in starts
        if (not prefix or text.endswith(prefix, 0, s))
        and (not suffix or text.startswith(suffix, s + len(exact)))
    ]
    if not matching:
        context = []
        if prefix:
            context.append(f"oa:prefix {_show(prefix)}")
        if suffix:
            context.append(f"oa:suffix {_show(suffix)}")
        raise QuoteNotFoundError(
            f"{who}quote occurs {len(starts)} time(s) but never with {' and '.join(context)}: "
            f"{_show(exact)}",
            exact=exact,
            anchor=anchor,
        )
    if len(matching) > 1:
        hint = "add or lengthen oa:prefix" if not prefix else "lengthen oa:prefix"
        raise AmbiguousQuoteError(
            f"{who}quote occurs {len(matching)} times (at {', '.join(map(str, matching))}); "
            f"{hint} to say which: {_show(exact)}",
            exact=exact,
            starts=matching,
            anchor=anchor,
        )
    return matching[0], matching[0] + len(exact)


def _show(words: str, limit: int = 120) -> str:
    shown = words if len(words) <= limit else words[: limit - 1] + "…"
    return '"' + shown.replace("\n", "\\n") + '"'


# --------------------------------------------------------------------------------------------
# What is wrong with an anchor, in the words validate and scripts/anchor_offsets.py both use

#: Typographic look-alikes a contributor retypes: curly quotes, no-break spaces, dashes.
LOOKALIKES = str.maketrans(
    {"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " ", "–": "-", "—": "-"}
)


def quote(text: str, limit: int = 90) -> str:
    """``text`` between curly quotes, cut at ``limit`` characters, newlines shown as ``\\n``."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return "“" + shown.replace("\n", "\\n") + "”"


def near_miss(text: str, words: str) -> str:
    """A hint (one sentence, with a leading space) when ``words`` occur in ``text`` once
    typography (quote marks, dashes, spaces) or letter case is ignored; else ``""``."""
    plain_text = text.translate(LOOKALIKES)
    plain_words = words.translate(LOOKALIKES)
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


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an anchor against its seed text.

    ``check`` is validate's check id (``anchor-quote``, ``anchor-offsets``, ``anchor-prefix``,
    ``anchor-ambiguous``), ``selector`` the ``oa:`` property at fault (``exact``, ``start``,
    ``prefix``, ``suffix``) and ``value`` its value; ``placed`` is where the quote is, when its
    words (and prefix/suffix) say so unambiguously, so a tool can write the offsets.
    """

    check: str
    selector: str
    value: str | int | None
    message: str
    fix: str
    warning: bool = False
    placed: tuple[int, int] | None = None

    def line(self) -> str:
        """The problem in one line: its message and its fix."""
        return f"{self.message} Fix: {self.fix}"


def not_found(text: str, exact: str, where: str) -> Problem:
    """The problem of a quote that does not occur in ``text`` at all, with its near miss."""
    return Problem(
        "anchor-quote",
        "exact",
        exact,
        f"The quote {quote(exact)} is not in the text of {where}.{near_miss(text, exact)}",
        "copy the words from the seed text exactly (curly quotes, dashes and no-break "
        "spaces included), or let `stancegraph anchor` write the anchor.",
    )


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def unplaced_fix(starts: list[int]) -> str:
    """The fix for a quote its words cannot place: where it occurs, and what says which."""
    return (
        f"the quote occurs {_times(len(starts))} (at {', '.join(map(str, starts[:6]))}): "
        "add or correct oa:prefix to say which, then run scripts/anchor_offsets.py --write."
    )


def ambiguous(exact: str, starts: list[int], where: str) -> str:
    """``The quote “...” occurs 2 times (at 7, 37) in seeds/k.txt``."""
    return (
        f"The quote {quote(exact)} occurs {len(starts)} times "
        f"(at {', '.join(map(str, starts[:6]))}) in {where}"
    )


def diagnose(
    text: str,
    exact: str,
    start: int,
    end: int,
    prefix: str | None = None,
    suffix: str | None = None,
    *,
    where: str,
) -> list[Problem]:
    """What is wrong with the anchor ``exact`` at ``start..end`` (with its ``prefix`` and
    ``suffix``) in ``text``, the seed text ``where``; empty when nothing is.

    The one implementation behind validate's anchor checks and ``scripts/anchor_offsets.py``:
    both report these problems in these words.
    """
    starts = occurrences(text, exact)
    at = text[start:end] if 0 <= start <= end <= len(text) else None
    problems: list[Problem] = []
    if at == exact:
        if prefix and not text.endswith(prefix, 0, start):
            problems.append(
                Problem(
                    "anchor-prefix",
                    "prefix",
                    prefix,
                    f"oa:prefix {quote(prefix)} is not the text just before the quote at {start} "
                    f"in {where} (there it reads "
                    f"{quote(text[max(0, start - len(prefix)) : start])}).",
                    "copy the words that really precede the quote, character for character, "
                    "or drop oa:prefix.",
                )
            )
        if suffix and not text.startswith(suffix, end):
            problems.append(
                Problem(
                    "anchor-prefix",
                    "suffix",
                    suffix,
                    f"oa:suffix {quote(suffix)} is not the text just after the quote at {end} "
                    f"in {where} (there it reads {quote(text[end : end + len(suffix)])}).",
                    "copy the words that really follow the quote, character for character, "
                    "or drop oa:suffix.",
                )
            )
        if len(starts) > 1 and not prefix and not suffix:
            problems.append(
                Problem(
                    "anchor-ambiguous",
                    "prefix",
                    None,
                    f"{ambiguous(exact, starts, where)}; only the offsets say which is meant.",
                    "add oa:prefix with the few words before this occurrence, so the anchor "
                    "survives if offsets are recomputed.",
                    warning=True,
                    placed=(start, end),
                )
            )
        return problems
    if not starts:
        return [not_found(text, exact, where)]
    if at is not None:
        there = f"{where} has {quote(at)} there"
    else:
        there = f"that span is reversed or outside {where} (0..{len(text)})"
    try:
        good: tuple[int, int] | None = locate(text, exact, prefix, suffix)
    except AnchorError:
        good = None
    if good is not None:
        message = f"offsets {start}..{end}, should be {good[0]}..{good[1]}: {there}, not the quote"
        fix = f"set oa:start {good[0]} and oa:end {good[1]} (scripts/anchor_offsets.py --write)."
    else:
        message = f"offsets {start}..{end} do not hold the quote: {there}"
        fix = unplaced_fix(starts)
    problems.append(
        Problem("anchor-offsets", "start", start, f"{message} {quote(exact)}.", fix, placed=good)
    )
    return problems


# --------------------------------------------------------------------------------------------
# Reading anchors from RDF


@dataclass(frozen=True)
class Anchor:
    """One anchor as written: its quote selector and its position selector."""

    iri: Node
    source: Node | None
    exact: str | None
    prefix: str | None = None
    suffix: str | None = None
    start: int | None = None
    end: int | None = None

    @property
    def key(self) -> str | None:
        """The source key, if the source is a stancegraph document IRI."""
        if isinstance(self.source, URIRef) and str(self.source).startswith(DOCUMENT_BASE):
            return str(self.source)[len(DOCUMENT_BASE) :]
        return None

    def locate(self, text: str) -> tuple[int, int]:
        """Where the quote is in ``text`` (see :func:`locate`)."""
        return locate(text, self.exact or "", self.prefix, self.suffix, anchor=str(self.iri))


def read_anchors(g: Graph) -> list[Anchor]:
    """Every ``oa:SpecificResource`` of ``g`` with its selectors, sorted by IRI (numerically
    where the IRIs end in numbers, so ``anchor/2`` comes before ``anchor/10``)."""
    # the terms looked up once: a Namespace makes a new term at each attribute read, and at 1M
    # triples there are 100,000 anchors
    rdf_type, has_selector, has_source = RDF.type, OA.hasSelector, OA.hasSource
    quote_selector, position_selector = OA.TextQuoteSelector, OA.TextPositionSelector
    oa_exact, oa_prefix, oa_suffix, oa_start, oa_end = (
        OA.exact, OA.prefix, OA.suffix, OA.start, OA.end
    )  # fmt: skip
    value = g.value
    anchors = []
    for subject in set(g.subjects(rdf_type, OA.SpecificResource)):
        exact = prefix = suffix = None
        start = end = None
        for selector in g.objects(subject, has_selector):
            types = set(g.objects(selector, rdf_type))
            if quote_selector in types:
                exact = _text(value(selector, oa_exact))
                prefix = _text(value(selector, oa_prefix))
                suffix = _text(value(selector, oa_suffix))
            if position_selector in types:
                start = _int(value(selector, oa_start))
                end = _int(value(selector, oa_end))
        anchors.append(
            Anchor(
                iri=subject,
                source=value(subject, has_source),
                exact=exact,
                prefix=prefix,
                suffix=suffix,
                start=start,
                end=end,
            )
        )
    return sorted(anchors, key=lambda a: natural_key(str(a.iri)))


def natural_key(s: str) -> list[object]:
    """Sort key that orders the numbers inside ``s`` by value (compared as digit strings, by
    length first, so that a number of any length sorts without being converted)."""
    parts: list[object] = []
    for i, part in enumerate(re.split(r"(\d+)", s)):
        if i % 2:
            digits = part.lstrip("0")
            parts.append((len(digits), digits))
        else:
            parts.append(part)
    return parts


def _text(node: Node | None) -> str | None:
    return str(node) if isinstance(node, Literal) else None


def _int(node: Node | None) -> int | None:
    if not isinstance(node, Literal):
        return None
    try:
        return int(str(node))
    except ValueError:
        return None


def check_anchor(anchor: Anchor, text: str) -> list[str]:
    """What is wrong with ``anchor`` against the seed ``text``; empty when it is right.

    Checks: it has a quote and offsets; ``text[start:end] == exact``; ``oa:prefix`` ends right
    before ``start`` and ``oa:suffix`` starts at ``end`` where given; and the quote is not
    ambiguous (occurs once, given its prefix/suffix).
    """
    problems = []
    if anchor.exact is None:
        problems.append("no oa:TextQuoteSelector with an oa:exact")
    if anchor.start is None or anchor.end is None:
        problems.append("no oa:TextPositionSelector with integer oa:start and oa:end")
    if problems:
        return problems
    assert anchor.exact is not None and anchor.start is not None and anchor.end is not None
    start, end = anchor.start, anchor.end
    if not 0 <= start <= end <= len(text):
        problems.append(f"offsets {start}..{end} outside the text (0..{len(text)})")
    elif text[start:end] != anchor.exact:
        problems.append(
            f"text at {start}..{end} is {_show(text[start:end])}, not oa:exact "
            f"{_show(anchor.exact)}"
        )
    else:
        if anchor.prefix and not text.endswith(anchor.prefix, 0, start):
            problems.append(f"oa:prefix {_show(anchor.prefix)} does not precede {start}")
        if anchor.suffix and not text.startswith(anchor.suffix, end):
            problems.append(f"oa:suffix {_show(anchor.suffix)} does not follow {end}")
    try:
        located = anchor.locate(text)
    except AnchorError as exc:
        problems.append(exc.message.removeprefix(f"{anchor.iri}: "))
    else:
        if not problems and located != (start, end):
            problems.append(f"offsets {start}..{end} should be {located[0]}..{located[1]}")
    return problems


def resolve_span(anchor: Anchor, text: str) -> tuple[int, int] | None:
    """The anchor's span in ``text``: its stored offsets if they hold its quote, else where its
    quote is, else ``None``."""
    if (
        anchor.exact
        and anchor.start is not None
        and anchor.end is not None
        and text[anchor.start : anchor.end] == anchor.exact
    ):
        return anchor.start, anchor.end
    try:
        return anchor.locate(text)
    except AnchorError:
        return None


# --------------------------------------------------------------------------------------------
# Sentences

#: Abbreviations (compared without case) after which a full stop does not end a sentence,
#: except at the end of a line.
ABBREVIATIONS = frozenset(
    {
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "sgt", "adm",
        "gov", "sen", "rep", "pres", "st", "jr", "sr", "no", "vol", "vs", "etc", "approx",
        "inc", "ltd", "co", "corp", "dept", "est", "fig",
    }
)  # fmt: skip

_TERMINATORS = ".?!"
_CLOSERS = "”’\"')]»"
_SPACE = re.compile(r"\s")
_INITIALISM = re.compile(r"(?:[A-Za-z]\.){2,}$")  # U.S.  e.g.  i.e.
_INITIAL = re.compile(r"^[A-Z]\.$")  # S.


@dataclass(frozen=True)
class Sentence:
    """A sentence of a seed: its 1-based number and its span (end exclusive)."""

    number: int
    start: int
    end: int
    text: str

    def first_words(self, n: int = 6) -> str:
        words = self.text.split()
        return " ".join(words[:n]) + (" …" if len(words) > n else "")


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of ``text``, in order (see the module docstring for the rules)."""
    spans: list[tuple[int, int]] = []
    for line_start, line_end in _lines(text):
        spans.extend(_split_line(text, line_start, line_end))
    return [Sentence(i, s, e, text[s:e]) for i, (s, e) in enumerate(spans, start=1)]


def _lines(text: str) -> Iterable[tuple[int, int]]:
    pos = 0
    for match in re.finditer(r"\r\n|\r|\n", text):
        yield pos, match.start()
        pos = match.end()
    yield pos, len(text)


def _split_line(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    sentence_start = None
    in_quote = False
    i = start
    while i < end:
        ch = text[i]
        if sentence_start is None:
            if _SPACE.match(ch):
                i += 1
                continue
            sentence_start = i
        if ch == "“" or (ch == '"' and not in_quote and _opens(text, i, start)):
            in_quote = True
        elif ch == "”" or (ch == '"' and in_quote):
            in_quote = False
        if ch in _TERMINATORS:
            j = i + 1
            while j < end and text[j] in _TERMINATORS:
                j += 1
            closes_quote = False
            while j < end and text[j] in _CLOSERS:
                closes_quote = closes_quote or text[j] in '”"'
                j += 1
            at_line_end = not text[j:end].strip()
            followed_by_space = j >= end or _SPACE.match(text[j]) is not None
            if at_line_end or (
                followed_by_space
                and (not in_quote or closes_quote)
                and not _no_break_after(text, sentence_start, i, ch)
                and not _next_word_is_lower(text, j, end)
            ):
                spans.append((sentence_start, j))
                sentence_start = None
                in_quote = False
                i = j
                continue
            if closes_quote:
                in_quote = False
            i = j
            continue
        i += 1
    if sentence_start is not None:
        last = end
        while last > sentence_start and _SPACE.match(text[last - 1]):
            last -= 1
        spans.append((sentence_start, last))
    return spans


def _opens(text: str, i: int, line_start: int) -> bool:
    """A straight double quote opens a quotation at the start of a word."""
    return i == line_start or _SPACE.match(text[i - 1]) is not None or text[i - 1] in "([—–-"


def _no_break_after(text: str, sentence_start: int, i: int, ch: str) -> bool:
    """True if the ``.`` at ``i`` ends an abbreviation, initialism or initial."""
    if ch != ".":
        return False
    word_start = i
    while word_start > sentence_start and not _SPACE.match(text[word_start - 1]):
        word_start -= 1
    word = text[word_start : i + 1].lstrip("“\"'(‘[")
    if _INITIALISM.search(word) or _INITIAL.match(word):
        return True
    return word[:-1].lower() in ABBREVIATIONS


def _next_word_is_lower(text: str, j: int, end: int) -> bool:
    while j < end and _SPACE.match(text[j]):
        j += 1
    return j < end and text[j].islower()


# --------------------------------------------------------------------------------------------
# Coverage


@dataclass(frozen=True)
class SentenceCoverage:
    sentence: Sentence
    anchors: list[Node]
    covered_chars: int
    total_chars: int

    @property
    def share(self) -> float:
        return self.covered_chars / self.total_chars if self.total_chars else 1.0

    def covered(self, threshold: float = COVERAGE_THRESHOLD) -> bool:
        return self.total_chars > 0 and self.share >= threshold


@dataclass(frozen=True)
class Coverage:
    """Coverage of one source's sentences by its anchors."""

    key: str
    sentences: list[SentenceCoverage]
    threshold: float = COVERAGE_THRESHOLD
    unplaced: list[Node] = field(default_factory=list)

    @property
    def covered(self) -> list[SentenceCoverage]:
        return [s for s in self.sentences if s.covered(self.threshold)]

    @property
    def uncovered(self) -> list[SentenceCoverage]:
        return [s for s in self.sentences if not s.covered(self.threshold)]

    @property
    def share(self) -> float:
        return len(self.covered) / len(self.sentences) if self.sentences else 1.0

    @property
    def percent(self) -> float:
        return 100.0 * self.share

    def summary(self) -> str:
        """E.g. ``coverage: 47/49 sentences (95.9%)``."""
        return (
            f"coverage: {len(self.covered)}/{len(self.sentences)} sentences ({self.percent:.1f}%)"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.key,
            "threshold": self.threshold,
            "sentences": [
                {
                    "number": s.sentence.number,
                    "start": s.sentence.start,
                    "end": s.sentence.end,
                    "text": s.sentence.text,
                    "anchors": [str(a) for a in s.anchors],
                    "share": round(s.share, 4),
                    "covered": s.covered(self.threshold),
                }
                for s in self.sentences
            ],
            "uncovered": [s.sentence.number for s in self.uncovered],
            "unplaced_anchors": [str(a) for a in self.unplaced],
            "covered_count": len(self.covered),
            "sentence_count": len(self.sentences),
            "percent": round(self.percent, 1),
        }


def coverage(
    key: str,
    text: str,
    anchors: Iterable[Anchor],
    threshold: float = COVERAGE_THRESHOLD,
) -> Coverage:
    """Which sentences of ``text`` (source ``key``) the anchors of that source cover."""
    spans: list[tuple[int, int, Node]] = []
    unplaced: list[Node] = []
    for anchor in anchors:
        if anchor.key != key:
            continue
        span = resolve_span(anchor, text)
        if span is None:
            unplaced.append(anchor.iri)
        elif span[1] > span[0]:
            spans.append((span[0], span[1], anchor.iri))
    spans.sort(key=lambda s: (s[0], s[1]))
    result = []
    for sentence in split_sentences(text):
        overlapping = [
            (s, e, iri) for s, e, iri in spans if s < sentence.end and e > sentence.start
        ]
        marked = [False] * (sentence.end - sentence.start)
        for s, e, _ in overlapping:
            for k in range(max(s, sentence.start), min(e, sentence.end)):
                marked[k - sentence.start] = True
        total = covered = 0
        for k, ch in enumerate(sentence.text):
            if not ch.isspace():
                total += 1
                covered += marked[k]
        result.append(
            SentenceCoverage(
                sentence=sentence,
                anchors=sorted(
                    {iri for _, _, iri in overlapping}, key=lambda n: natural_key(str(n))
                ),
                covered_chars=covered,
                total_chars=total,
            )
        )
    return Coverage(key=key, sentences=result, threshold=threshold, unplaced=unplaced)


# --------------------------------------------------------------------------------------------
# Whole project


def project_anchors(dataset: Dataset) -> list[Anchor]:
    """Every anchor in the data graphs (actors and every source) of an assembled dataset."""
    return read_anchors(graph.union_graph(dataset, graph.data_graph_iris(dataset)))


def project_coverage(
    project: Project,
    key: str | None = None,
    threshold: float = COVERAGE_THRESHOLD,
) -> list[Coverage]:
    """Coverage of source ``key`` (default: every source) by the project's anchors.

    Raises :class:`stancegraph.errors.ProjectError` for an unknown key, or for ``key`` whose text
    is withheld and not here; without ``key``, such a source is left out (see
    :func:`withheld_without_text`).
    """
    if key is not None:
        sources = [project.source(key)]
    else:
        skipped = set(withheld_without_text(project))
        sources = [s for s in project.sources if s.key not in skipped]
    found = data_anchors(project)
    return [coverage(src.key, project.seed_text(src.key), found, threshold) for src in sources]


def data_anchors(project: Project) -> list[Anchor]:
    """Every anchor in the project's data files (actors and every source), as
    :func:`project_anchors` finds them in the assembled dataset, read one named graph at a
    time: never the corpus in rdflib at once (issue #19). An anchor is written whole in one
    file (its selectors are blank nodes of that file); one written the same in two graphs is
    one anchor, as in their union."""
    found: set[Anchor] = set()
    for iri, paths in graph.layer_files(project):
        if not graph.is_data_graph(iri):
            continue
        g = Graph()
        for path in paths:
            safety.parse_file(path, graph=g)
        found.update(read_anchors(g))
    return sorted(found, key=lambda a: (natural_key(str(a.iri)), repr(a)))


def withheld_without_text(project: Project) -> list[str]:
    """The keys of the sources whose text is withheld and not in the project (nothing that
    reads the text can run on them)."""
    return [s.key for s in project.sources if s.withheld and not s.has_text]
