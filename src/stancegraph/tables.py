"""Tables for a terminal of any width (issue #20): which columns fit, how wide each is.

A table is laid out for the width it has (:func:`output_width`: ``COLUMNS``, else the terminal
behind stdout, stderr or stdin, so that ``stancegraph query timeline | head`` is as wide as the
terminal it runs in; else :data:`FALLBACK_WIDTH`). Columns are kept in priority order: the
columns a saved query's ``#+ priority:`` names, in that order, then the others in the order the
query lists them (who and what first, node IRIs and sources last):

- a column is kept if it can be at least as wide as its header, its longest word (up to
  :data:`LONGEST_WORD`) and, for long text, :data:`TEXT_MIN` characters, so that no header is
  cut and no cell is broken into one word a line; the columns that do not fit so are left out,
  and so is a lower-priority one whose rows would be taller than :data:`MAX_ROW_LINES` lines
  (:func:`render` names them);
- the width is shared out so that no cell takes more than ``L`` lines for the smallest ``L``
  that fits (short columns, names and dates, whole on one line if that leaves room), and what is
  left goes where it saves the most lines; long text is folded at spaces;
- a label (the name shown for an IRI) longer than :data:`LABEL_LINES` lines of its column is cut
  after a whole word with ``…``: a literal (a paraphrase, a quote) is always shown whole.

``wide`` lays every column out at its full width whatever the terminal (for ``less -S``);
``no_trunc`` cuts no label. This module only lays out text: it knows nothing of RDF.
"""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from rich import box
from rich.table import Table

#: The width when nothing says one (no ``COLUMNS``, no terminal: a log, CI): wide, as a file
#: has no edge; ``COLUMNS=80`` lays out for 80.
FALLBACK_WIDTH = 200
#: A kept column is at least this wide when its text is longer (a paraphrase, a label).
TEXT_MIN = 14
#: Words up to this long are never broken across lines; longer ones (IRIs) are folded.
LONGEST_WORD = 40
#: A label is cut where it would take more lines than this in its column.
LABEL_LINES = 3
#: A column whose text is at most this long (a name, a date) is kept on one line if it can be.
SHORT = 24
#: Characters between two columns (one of padding each side, one rule).
GAP = 3
#: A row no taller than this reads as a row; past it, a lower-priority column is left out to
#: give the others room (never below two columns, nor one of those ``priority`` names).
MAX_ROW_LINES = 6


def output_width(
    environ: Mapping[str, str] | None = None, streams: Sequence[IO[Any] | None] | None = None
) -> int:
    """The width to lay tables out for: ``COLUMNS`` if it is a positive number, else the width
    of the first of stdout, stderr and stdin that is a terminal, else :data:`FALLBACK_WIDTH`."""
    environ = os.environ if environ is None else environ
    columns = environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    for stream in (sys.stdout, sys.stderr, sys.stdin) if streams is None else streams:
        try:
            if stream is not None and stream.isatty():
                return os.get_terminal_size(stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            continue
    return FALLBACK_WIDTH


@dataclass(frozen=True)
class Cell:
    """One cell's text; ``label``: the name of an IRI, which may be cut (a literal never is)."""

    text: str
    label: bool = False


@dataclass
class Layout:
    """Which columns a table shows (indices, in order) and how wide each is."""

    shown: list[int]
    widths: list[int]
    hidden: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return sum(self.widths) + GAP * max(len(self.widths) - 1, 0)


def _words(text: str) -> list[str]:
    return text.split()


def _lines(text: str, width: int) -> int:
    """How many lines ``text`` takes folded at ``width`` (as rich folds it, near enough)."""
    if not text:
        return 1
    return max(1, sum(len(textwrap.wrap(p, width) or [""]) for p in text.split("\n")))


def _natural(header: str, cells: Sequence[str]) -> int:
    return max([len(header), *(max((len(x) for x in c.split("\n")), default=0) for c in cells)])


def _minimum(header: str, cells: Sequence[str]) -> int:
    word = max((len(w) for c in cells for w in _words(c)), default=0)
    natural = _natural(header, cells)
    return min(natural, max(len(header), min(word, LONGEST_WORD), min(natural, TEXT_MIN)))


def _base(header: str, cells: Sequence[str]) -> int:
    """The narrowest a kept column gets: its header and its longest word (up to a cap)."""
    word = max((len(w) for c in cells for w in _words(c)), default=0)
    return min(_natural(header, cells), max(len(header), min(word, LONGEST_WORD)))


def _lines_at(text: str, width: int) -> int:
    return -(-len(text) // width) if len(text) > width else 1


def _height(cells: Sequence[Sequence[str]], widths: Sequence[int]) -> tuple[int, int]:
    """The table's height, estimated (each row as tall as its tallest cell, length / width),
    and the lines of all its cells."""
    height = every = 0
    for r in cells:
        lines = [_lines_at(c, w) for c, w in zip(r, widths, strict=True)]
        height += max(lines, default=1)
        every += sum(lines)
    return height, every


def _fit(
    bases: list[int], naturals: list[int], longest: list[int], total: int, whole: int
) -> list[int] | None:
    """The widths for which no cell takes more than ``L`` lines, for the smallest ``L`` whose
    widths add up to at most ``total``; a column whose text is at most ``whole`` characters is
    given its whole width. ``None`` if no ``L`` fits."""
    for most in range(1, max(longest, default=1) + 1):
        wanted = [
            n if n <= whole else max(b, min(n, -(-length // most) + 3))
            for b, n, length in zip(bases, naturals, longest, strict=True)
        ]
        if sum(wanted) <= total:
            return wanted
    return None


def _share(
    bases: list[int], naturals: list[int], room: int, cells: Sequence[Sequence[str]]
) -> list[int]:
    """Widths from ``bases`` up to ``naturals``, ``room`` given out a few characters at a time
    to the column where they save the most lines of the table, else of its cells.

    First every column is made wide enough for each of its cells to take at most ``L`` lines,
    for the smallest ``L`` that fits (so that the longest texts share the width); then what is
    left goes a few characters at a time where it saves the most lines."""
    total = sum(bases) + room
    longest = [max((len(r[i]) for r in cells), default=0) for i in range(len(bases))]
    for whole in (SHORT, 0):  # short columns (names) on one line if that leaves room
        fitted = _fit(bases, naturals, longest, total, whole)
        if fitted is not None:
            bases, room = fitted, total - sum(fitted)
            break
    widths = list(bases)
    step = max(1, room // 24)
    while room > 0:
        wanting = [i for i, w in enumerate(widths) if w < naturals[i]]
        if not wanting:
            break
        now = _height(cells, widths)

        def saving(i: int, now: tuple[int, int] = now) -> tuple[int, int, int]:
            trial = list(widths)
            trial[i] = min(naturals[i], widths[i] + step)
            height, every = _height(cells, trial)
            return (now[0] - height, now[1] - every, sum(len(r[i]) for r in cells))

        best = max(wanting, key=saving)
        give = min(step, naturals[best] - widths[best], room)
        widths[best] += give
        room -= give
    return widths


def layout(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: int,
    *,
    wide: bool = False,
    priority: Sequence[str] = (),
) -> Layout:
    """The columns to show of ``rows`` in ``width`` characters, and their widths (see the
    module's docstring); ``wide``: every column at its natural width. ``priority``: the headers
    to keep first, in that order; the others follow in their own order. The columns kept are
    shown in their own order."""
    columns = [[r[i] for r in rows] for i in range(len(headers))]
    naturals = [_natural(h, c) for h, c in zip(headers, columns, strict=True)]
    if wide or not headers:
        return Layout(list(range(len(headers))), naturals)
    minimums = [_minimum(h, c) for h, c in zip(headers, columns, strict=True)]
    first = [headers.index(h) for h in dict.fromkeys(priority) if h in headers]
    ranked = first + [i for i in range(len(headers)) if i not in first]
    count, used = 0, -GAP
    for i in ranked:
        if used + GAP + minimums[i] > width and count:
            break
        used += GAP + minimums[i]
        count += 1
    while True:
        shown = sorted(ranked[:count])
        bases = [_base(headers[i], columns[i]) for i in shown]
        room = width - (sum(bases) + GAP * (count - 1))
        picked = [[r[i] for i in shown] for r in rows]
        widths = _share(bases, [naturals[i] for i in shown], max(room, 0), picked)
        if count == 1:
            widths = [max(min(widths[0], width), 1)]
        tallest = max(
            (max(_lines(r[i], w) for i, w in zip(shown, widths, strict=True)) for r in rows),
            default=1,
        )
        if tallest <= MAX_ROW_LINES or count <= max(2, len(first)):
            break
        count -= 1
    return Layout(shown, widths, [headers[i] for i in range(len(headers)) if i not in shown])


def cut(text: str, width: int, lines: int = LABEL_LINES) -> str:
    """``text`` cut with ``…`` after a whole word, to what ``lines`` lines of ``width``
    characters hold (the ``…`` included); ``text`` itself if it fits."""
    wrapped = textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)
    if len(wrapped) <= lines:
        return text
    kept = wrapped[:lines]
    last = kept[-1]
    while len(last) + 1 > width and " " in last:
        last = last.rsplit(" ", 1)[0]
    kept[-1] = last[: max(width - 1, 1)].rstrip(" ,;:")
    return " ".join(kept) + "…"


def new_table() -> Table:
    """The house style: a rule under the header, no frame."""
    return Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)


def render(
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    width: int,
    *,
    wide: bool = False,
    no_trunc: bool = False,
    right: Sequence[str] = (),
    priority: Sequence[str] = (),
) -> tuple[Table, Layout]:
    """A rich table of ``rows`` laid out for ``width``, and its layout (``hidden``: the
    headers it leaves out; ``width``: the table's own width, wider than ``width`` if ``wide``).

    Labels are cut to :data:`LABEL_LINES` lines of their column unless ``wide`` or
    ``no_trunc``; the cells are plain text (rich markup in them is not read). Columns named
    in ``right`` are right-aligned.
    """
    from rich.text import Text

    texts = [[c.text for c in r] for r in rows]
    plan = layout(headers, texts, width, wide=wide, priority=priority)
    table = new_table()
    for i, w in zip(plan.shown, plan.widths, strict=True):
        justify = "right" if headers[i] in right else "left"
        table.add_column(headers[i], width=w, overflow="fold", justify=justify)
    for r in rows:
        shown = []
        for i, w in zip(plan.shown, plan.widths, strict=True):
            cell = r[i]
            text = cell.text if (wide or no_trunc or not cell.label) else cut(cell.text, w)
            shown.append(Text(text))
        table.add_row(*shown)
    return table, plan
