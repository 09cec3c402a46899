#!/usr/bin/env python3
"""Compute, check and rewrite the offsets of the anchors in Turtle files.

    python scripts/anchor_offsets.py [--check | --write] [--seeds DIR] FILE...

Each FILE is parsed (rdflib, through stancegraph.safety); for each anchor (an
``oa:SpecificResource``) the quote (``oa:exact``, with ``oa:prefix``/``oa:suffix`` if given) is
found in the seed text of its source (``oa:hasSource doc:<key>`` -> ``seeds/<key>.txt``) and its
offsets (Unicode code points, end exclusive) are computed.

--check (the default)  list every anchor whose ``oa:start``/``oa:end`` are wrong or missing;
                       exit 1 if there is any.
--write                rewrite the numbers after ``oa:start`` and ``oa:end`` in place, in the
                       anchor's own block (``anchor:N a oa:SpecificResource ... .``), leaving every
                       other byte of the file as it was.

The problems are found by :func:`stancegraph.anchors.diagnose`, the code behind
``stancegraph validate``'s anchor checks, and reported in its words (with the file, the line of
the anchor's block and the anchor's IRI). A quote that is not in the text (with validate's near
miss: other quote marks, other case), an ``oa:prefix``/``oa:suffix`` that are not the words
around the quote, or wrong offsets of a quote that occurs more than once with nothing saying
which, cannot be fixed here: exit 2. A quote that occurs more than once, with no ``oa:prefix``,
at offsets that hold it, is a warning (the offsets say which occurrence is meant), as in
validate. With --write the anchors that can be placed are still rewritten, so each run gets
closer; the exit code says whether anything is left.

Exit codes: 0 all offsets right (or rewritten), 1 wrong offsets (--check), 2 unusable input.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

try:
    from stancegraph import anchors as anc
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from stancegraph import anchors as anc

from stancegraph import safety
from stancegraph.errors import StancegraphError
from stancegraph.sources import find_project, read_seed_text

OA_NS = str(anc.OA)

_PREFIX_DECL = re.compile(r"(?im)^[ \t]*(?:@prefix|PREFIX)[ \t]+([A-Za-z0-9_.-]*):[ \t]*<([^>]*)>")


@dataclass
class Finding:
    path: Path
    line: int | None
    anchor: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.anchor}: {self.message}"


class TurtleText:
    """The text of a Turtle file with a masked copy (string contents and comments blanked, same
    length) for finding blocks and numbers without looking inside literals or comments."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.masked = mask(text)
        self.prefixes: dict[str, list[str]] = {}
        for match in _PREFIX_DECL.finditer(self.masked):
            self.prefixes.setdefault(match.group(2), []).append(match.group(1))

    def line_of(self, index: int) -> int:
        return self.text.count("\n", 0, index) + 1

    def names_of(self, iri: str) -> list[str]:
        """Every way this file can write ``iri``: ``<iri>`` and ``pfx:local``."""
        names = [f"<{iri}>"]
        for ns, pfxs in self.prefixes.items():
            if ns and iri.startswith(ns):
                local = iri[len(ns) :]
                if re.fullmatch(
                    r"[A-Za-z0-9_][A-Za-z0-9_.-]*", local or "_"
                ) and not local.endswith("."):
                    names.extend(f"{p}:{local}" for p in pfxs)
        return names

    def blocks_of(self, iri: str) -> list[tuple[int, int]]:
        """The spans of the statements whose subject is ``iri`` (subject .. final ``.``)."""
        alternatives = "|".join(re.escape(n) for n in self.names_of(iri))
        pattern = re.compile(rf"(?m)^[ \t]*({alternatives})(?=[\s;])")
        blocks = []
        for match in pattern.finditer(self.masked):
            before = self.masked[: match.start(1)].rstrip()
            if before and before[-1] not in ".>":
                continue  # an object on its own line, not a subject
            end = statement_end(self.masked, match.end(1))
            blocks.append((match.start(1), end))
        return blocks

    def number_spans(self, block: tuple[int, int], local: str) -> list[tuple[int, int]]:
        """Spans of the integer values of ``oa:<local>`` within ``block``."""
        names = [f"<{OA_NS}{local}>"] + [f"{p}:{local}" for p in self.prefixes.get(OA_NS, [])]
        alternatives = "|".join(re.escape(n) for n in names)
        pattern = re.compile(
            rf"(?<![\w:.-])(?:{alternatives})(?![\w.-])\s+(?:(-?\d+)(?![\w.])|\"(-?\d*)\"\^\^)"
        )
        spans = []
        segment = self.masked[block[0] : block[1]]
        for match in pattern.finditer(segment):
            if match.group(1) is not None:
                s, e = match.span(1)
            else:
                s, e = match.span(2)  # typed literal: its digits are masked, take the span
            spans.append((block[0] + s, block[0] + e))
        return spans


def mask(text: str) -> str:
    """``text`` with the insides of string literals and comments replaced by spaces (newlines
    kept), so that positions are unchanged."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            while i < n and text[i] not in "\r\n":
                out[i] = " "
                i += 1
        elif ch == "<":
            j = text.find(">", i + 1)
            if j == -1 or any(c in text[i:j] for c in ' \n\t"{}|^`'):
                i += 1  # not an IRI (e.g. "<" in a SPARQL-ish comment): move on
                continue
            i = j + 1
        elif ch in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else ch
            i += len(quote)
            while i < n and not text.startswith(quote, i):
                if text[i] == "\\":
                    out[i] = " "
                    i += 1
                if i < n:
                    if text[i] not in "\r\n":
                        out[i] = " "
                    i += 1
            i += len(quote)
        else:
            i += 1
    return "".join(out)


def statement_end(masked: str, i: int) -> int:
    """Index just past the ``.`` ending the statement that starts before ``i``."""
    depth = 0
    n = len(masked)
    while i < n:
        ch = masked[i]
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == "." and depth <= 0 and (i + 1 >= n or masked[i + 1].isspace()):
            return i + 1
        i += 1
    return n


class SeedTexts:
    def __init__(self, seeds_dir: Path | None) -> None:
        self.seeds_dir = seeds_dir
        self.cache: dict[Path, str] = {}

    def text_for(self, ttl_path: Path, key: str) -> str:
        folder = self.seeds_dir or find_project(start=ttl_path.resolve().parent).seeds_dir
        path = folder / f"{key}.txt"
        if path not in self.cache:
            self.cache[path] = read_seed_text(path)
        return self.cache[path]


def process(
    path: Path, seeds: SeedTexts, write: bool, warnings: list[Finding] | None = None
) -> tuple[list[Finding], list[Finding], int]:
    """(errors, wrong offsets, anchors rewritten) for one file; advice (an ambiguous quote whose
    offsets say which occurrence is meant) is added to ``warnings``."""
    if warnings is None:
        warnings = []
    with open(path, encoding="utf-8", newline="") as fh:
        text = fh.read()
    graph = safety.parse_file(path)
    doc = TurtleText(text)
    errors: list[Finding] = []
    wrong: list[Finding] = []
    replacements: list[tuple[int, int, str]] = []
    rewritten = 0
    for anchor in anc.read_anchors(graph):
        iri = str(anchor.iri)
        blocks = doc.blocks_of(iri)
        line = doc.line_of(blocks[0][0]) if blocks else None
        quote = anc.quote(anchor.exact) if anchor.exact else "(no oa:exact)"

        def error(message: str, line: int | None = line, iri: str = iri) -> None:
            errors.append(Finding(path, line, iri, message))

        if anchor.exact is None:
            error("no oa:TextQuoteSelector with an oa:exact")
            continue
        if anchor.key is None:
            error(f"oa:hasSource {anchor.source} is not a document {anc.DOCUMENT_BASE}<key>")
            continue
        try:
            seed = seeds.text_for(path, anchor.key)
        except StancegraphError as exc:
            error(f"cannot read the seed of {anchor.key}: {exc}")
            continue
        where = f"seeds/{anchor.key}.txt"
        if anchor.start is None or anchor.end is None:
            try:  # no position yet: place the quote by its words
                start, end = anchor.locate(seed)
            except anc.AnchorError:
                starts = anc.occurrences(seed, anchor.exact)
                if not starts:
                    error(anc.not_found(seed, anchor.exact, where).line())
                else:
                    error(f"offsets missing. Fix: {anc.unplaced_fix(starts)}")
                continue
            have = "missing"
        else:
            # the problems validate reports, in its words (anchors.diagnose)
            problems = anc.diagnose(
                seed,
                anchor.exact,
                anchor.start,
                anchor.end,
                anchor.prefix,
                anchor.suffix,
                where=where,
            )
            for problem in problems:
                if problem.warning:
                    warnings.append(Finding(path, line, iri, problem.line()))
            problems = [p for p in problems if not p.warning]
            if not problems:
                continue
            unfixable = [p for p in problems if p.placed is None]
            if unfixable:
                for problem in unfixable:
                    error(problem.line())
                continue
            start, end = problems[0].placed  # type: ignore[misc]
            have = f"{anchor.start}..{anchor.end}"
        if not write:
            if have == "missing":
                message = f"offsets missing, should be {start}..{end}: {anc.quote(anchor.exact)}"
            else:
                message = problems[0].line()
            wrong.append(Finding(path, line, iri, message))
            continue
        spans = {}
        for local in ("start", "end"):
            found = [s for block in blocks for s in doc.number_spans(block, local)]
            if len(found) != 1:
                how = "no" if not found else f"{len(found)}"
                error(
                    f"found {how} oa:{local} number(s) in the anchor's block to rewrite "
                    f"(write `oa:start 0 ; oa:end 0` in the oa:TextPositionSelector): {quote}"
                )
                break
            spans[local] = found[0]
        else:
            replacements.append((*spans["start"], str(start)))
            replacements.append((*spans["end"], str(end)))
            rewritten += 1
    if write and replacements:
        new = text
        for s, e, value in sorted(replacements, reverse=True):
            new = new[:s] + value + new[e:]
        if new != text:
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(new)
    return errors, wrong, rewritten


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="anchor_offsets.py",
        description="Compute, check (default) or rewrite (--write) the oa:start/oa:end of anchors.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="list wrong offsets, exit 1 (default)")
    mode.add_argument("--write", action="store_true", help="rewrite the offsets in place")
    parser.add_argument(
        "--seeds",
        type=Path,
        help="folder of the seed texts (default: seeds/ of the project holding each FILE)",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    args = parser.parse_args(argv)

    seeds = SeedTexts(args.seeds)
    all_errors: list[Finding] = []
    all_wrong: list[Finding] = []
    all_warnings: list[Finding] = []
    for path in args.files:
        try:
            errors, wrong, rewritten = process(path, seeds, args.write, all_warnings)
        except StancegraphError as exc:
            print(f"error: {exc}", file=sys.stderr)
            all_errors.append(Finding(path, None, "-", str(exc)))
            continue
        all_errors.extend(errors)
        all_wrong.extend(wrong)
        if args.write:
            print(f"{path}: rewrote the offsets of {rewritten} anchor(s)")
    for finding in all_wrong:
        print(f"wrong: {finding}")
    for finding in all_warnings:
        print(f"warning: {finding}", file=sys.stderr)
    for finding in all_errors:
        if finding.anchor != "-":
            print(f"error: {finding}", file=sys.stderr)
    if all_errors:
        print(
            f"{len(all_errors)} error(s) above: nothing else was wrong, fix these first",
            file=sys.stderr,
        )
        return 2
    if all_wrong:
        print(f"{len(all_wrong)} anchor(s) with wrong offsets; run with --write to fix them")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
