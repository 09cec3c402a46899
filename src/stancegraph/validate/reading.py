"""Reading what is validated: a contribution's files, the project's data files and seed texts,
each parsed through :mod:`stancegraph.safety`; and finding the line where a finding's node is
written (:func:`find_line`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from stancegraph import graph, safety
from stancegraph.errors import InputError
from stancegraph.sources import (
    KEY_PATTERN,
    Project,
    SeedText,
    read_seed,
    refuse_outside,
    seed_texts_in,
)
from stancegraph.validate.index import TripleIndex

#: File extensions read from a contribution folder.
CONTRIBUTION_EXTENSIONS = frozenset({".ttl", ".trig", ".nt", ".nq", ".jsonld", ".json"})


@dataclass
class SourceFile:
    """One parsed file: its path, text and format, its triples (named graphs flattened) and the
    prefixes it declared."""

    path: Path
    text: str
    fmt: str
    triples: list[tuple[Node, Node, Node]]
    prefixes: dict[str, str]

    @functools.cached_property
    def graph(self) -> Graph:
        """The file's triples as a graph (built on first use: small files only need it)."""
        g = Graph(store="SimpleMemory")
        g.addN((s, p, o, g) for s, p, o in self.triples)
        return g

    @functools.cached_property
    def index(self) -> TripleIndex:
        """The file's triples, indexed for lookups (far cheaper than :attr:`graph`)."""
        return TripleIndex(self.triples)

    @functools.cached_property
    def subject_lines(self) -> dict[str, int]:
        """Each term spelling that begins a line (after white space and ``[``; in JSON-LD: each
        ``"@id"`` value) -> the first such line. One pass over the text."""
        if self.fmt == "json-ld":
            return _first_lines(self.text, _JSON_IDS.finditer(self.text))
        return _first_lines(
            self.text, _LINE_HEADS.finditer(self.text), strip_dot=True, after=_HEAD_AFTER
        )

    @functools.cached_property
    def token_lines(self) -> dict[str, int]:
        """Each term spelling anywhere in the text (in JSON-LD: each string) -> its first line."""
        if self.fmt == "json-ld":
            return _first_lines(self.text, _JSON_STRINGS.finditer(self.text), after=_JSON_AFTER)
        return _first_lines(
            self.text, _TOKENS.finditer(self.text), strip_dot=True, after=_TOKEN_AFTER
        )

    @functools.cached_property
    def subject_iris(self) -> dict[str, int]:
        """Each IRI written at the start of a line (see :attr:`subject_lines`), under any of its
        spellings (in full or with any prefix that names its namespace) -> the first such line."""
        return self._iris(self.subject_lines)

    @functools.cached_property
    def token_iris(self) -> dict[str, int]:
        """Each IRI written anywhere (see :attr:`token_lines`) -> the first line it is on."""
        return self._iris(self.token_lines)

    def _iris(self, lines: dict[str, int]) -> dict[str, int]:
        iris: dict[str, int] = {}
        json = self.fmt == "json-ld"
        for token, line in lines.items():
            for iri in _iris_of(token, self.prefixes, json):
                if line < iris.get(iri, line + 1):
                    iris[iri] = line
        return iris


def read_file(path: Path, ntriples: BinaryIO | None = None) -> SourceFile:
    """Parse ``path`` through :mod:`stancegraph.safety`; named graphs are flattened. Its triples
    are also written to ``ntriples``, if given, as N-Triples with the same blank node labels."""
    fmt = safety.detect_format(path)
    data = safety.read_limited(path)
    ox_triples: list[Any] | None = [] if ntriples is not None else None
    groups, prefixes = safety.read_terms(data, name=path, format=fmt, ox_triples=ox_triples)
    if ntriples is not None:
        ox.serialize(ox_triples, ntriples, ox.RdfFormat.N_TRIPLES)
    return SourceFile(
        path=path,
        text=safety.decode(data, path),
        fmt=fmt,
        triples=[t for part in groups.values() for t in part],
        prefixes=prefixes,
    )


def collect_files(paths: Sequence[str | Path]) -> list[Path]:
    """The RDF files named by ``paths``: files as given, folders searched for RDF extensions.

    A URL is refused (never fetched). A file found in a folder must be a regular file inside that
    folder once symbolic links are followed: a link out of the folder, a pipe or a device is
    refused with its name, never opened (a link to another file of the folder is read once)."""
    found: list[Path] = []
    for raw in paths:
        if safety.is_url(str(raw)):
            safety.read_limited(str(raw))  # raises: a URL is never fetched
        path = Path(raw)
        if path.is_dir():
            inside = []
            for p in sorted(path.rglob("*")):
                if p.suffix.lower() not in CONTRIBUTION_EXTENSIONS or p.is_dir():
                    continue
                refuse_outside(p, path, "a contribution's file")
                inside.append(p)
            if not inside:
                raise InputError(
                    path, None, None, "folder holds no RDF file (.ttl, .trig, .nt, .jsonld)"
                )
            found.extend(inside)
        elif path.exists():
            found.append(path)
        else:
            raise InputError(path, None, None, "no such file or folder")
    unique: dict[Path, Path] = {}
    for p in found:
        unique.setdefault(p.resolve(), p)
    return list(unique.values())


# Where terms are written, for find_line: each file's text is scanned once and every spelling of a
# term mapped to the first line where it stands first on a line (a subject) and to the first line
# where it occurs at all. A token is an IRI in angle brackets or a run of characters up to white
# space or punctuation that cannot be part of a prefixed name (a final "." ends a statement).
_TOKEN = r"<[^<>\s]*>|[^\s;,\[\]()<>\"'{}^]+"
_TOKENS = re.compile("(" + _TOKEN + ")")
_LINE_HEADS = re.compile(r"(?m)^[ \t\[]*(" + _TOKEN + ")")
_JSON_STRINGS = re.compile(r'"((?:[^"\\]++|\\.)*+)"')
_JSON_IDS = re.compile(r'"@id"\s*+:\s*+"((?:[^"\\]++|\\.)*+)"')
_SPACE = " \t\r\n\f\v"
_HEAD_AFTER = frozenset(_SPACE + ";,.]")  # what may follow a subject at the start of a line
_JSON_AFTER = _TOKEN_AFTER = frozenset(_SPACE + ';,.]"')  # ... a term anywhere


def _first_lines(
    text: str,
    matches: Iterable[re.Match[str]],
    *,
    strip_dot: bool = False,
    after: frozenset[str] | None = None,
) -> dict[str, int]:
    """Each distinct group 1 of ``matches`` (found in text order) -> the line it is first on.

    ``strip_dot`` (Turtle-like tokens): a final ``.`` is dropped from a prefixed name, since it
    ends the statement (a prefixed name cannot end in one). ``after``: only the tokens followed by
    one of its characters, or by the end, count (so ``org:Role`` is not found in
    ``(org:Role)``)."""
    lines: dict[str, int] = {}
    line, pos = 1, 0
    end = len(text)
    for m in matches:
        token = m.group(1)
        tail = m.end()
        if strip_dot and not token.startswith("<"):
            stripped = token.rstrip(".")
            tail -= len(token) - len(stripped)
            token = stripped
        if not token or token in lines:
            continue
        if after is not None and tail < end and text[tail] not in after:
            continue
        start = m.start(1)
        line += text.count("\n", pos, start)
        pos = start
        lines[token] = line
    return lines


def find_line(source: SourceFile, node: Node) -> int | None:
    """The line of ``node``'s first occurrence as a subject in ``source`` (else anywhere).

    Linear in the file, whatever the number of prefixes and of lookups: each file is indexed once
    (:attr:`SourceFile.subject_iris`, :attr:`SourceFile.token_iris`), and a lookup is one read."""
    if not isinstance(node, URIRef):
        return None
    text = str(node)
    line = source.subject_iris.get(text)
    return line if line is not None else source.token_iris.get(text)


#: A subject block that types its subject: the subject first on its line, then ``a`` or
#: ``rdf:type`` (a term that begins a line in an object list is not followed by a predicate).
_TYPED_HEAD = re.compile(r"(?m)^[ \t]*(" + _TOKEN + r")[ \t]+(?:a|rdf:type|<[^>\s]*#type>)[ \t]")
_TURTLE = frozenset({"turtle", "trig", "n3"})


def typed_subjects(source: SourceFile) -> Iterator[tuple[str, int]]:
    """(IRI, line) of each subject block of a Turtle or TriG file that types its subject
    (``claim:5 a sg:Claim ;``), in file order, every one (not only the first per IRI)."""
    if source.fmt not in _TURTLE:
        return
    text = source.text
    line, pos = 1, 0
    for m in _TYPED_HEAD.finditer(text):
        iris = list(_iris_of(m.group(1), source.prefixes, False))
        if iris:
            line += text.count("\n", pos, m.start(1))
            pos = m.start(1)
            for iri in iris:
                yield iri, line


def _iris_of(token: str, prefixes: dict[str, str], json: bool) -> Iterator[str]:
    """The IRI a term spelling stands for: ``<IRI>``, or a prefixed name whose local part is
    plain (letters, digits, ``_.-``, not ending in ``.``); in JSON-LD, a string itself, too."""
    if json:
        yield token
    elif token.startswith("<"):
        if token.endswith(">"):
            yield token[1:-1]
        return
    prefix, colon, local = token.partition(":")
    if colon and _LOCAL.fullmatch(local) and not local.endswith("."):
        namespace = prefixes.get(prefix)
        if namespace:
            yield namespace + local


_LOCAL = re.compile(r"[A-Za-z0-9_.\-]*")


def read_dataset_files(project: Project, ntriples: BinaryIO | None = None) -> list[SourceFile]:
    """Every data file of the project (sources and shared actors; not the model), parsed; their
    triples also written to ``ntriples`` if given."""
    files: list[SourceFile] = []
    for graph_iri, paths in graph.layer_files(project):
        if graph_iri in (graph.ONTOLOGY_GRAPH, graph.VOCAB_GRAPH, graph.SHAPES_GRAPH):
            continue
        files.extend(read_file(path, ntriples) for path in paths)
    return files


# --------------------------------------------------------------------------------------------
# Seeds


class Seeds(Mapping[str, SeedText]):
    """Seed texts by key, each read when it is first asked for (:func:`read_seed`), so that a
    contribution to a corpus of thousands of sources reads the texts it quotes, not all of
    them; the files themselves are found (and any link out of their folder refused) at once."""

    def __init__(self) -> None:
        self._where: dict[str, tuple[Path, Path]] = {}  # key -> (path, the folder it is in)
        self._read: dict[str, SeedText] = {}

    def add(self, path: Path, within: Path) -> None:
        self._where.setdefault(path.stem, (path, within))

    def path(self, key: str) -> Path:
        """Where the text of ``key`` is, without reading it."""
        return self._where[key][0]

    def __getitem__(self, key: str) -> SeedText:
        seed = self._read.get(key)
        if seed is None:
            path, within = self._where[key]
            seed = self._read[key] = read_seed(path, within=within)
        return seed

    def __contains__(self, key: object) -> bool:
        return key in self._where

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


def load_seeds(project: Project, folders: Sequence[Path] = (), texts: Path | None = None) -> Seeds:
    """Seed texts by key: the project's ``seeds/*.txt`` first, then those of the contribution
    ``folders`` (each folder's ``seeds/*.txt``, :func:`stancegraph.sources.seed_texts_in`), then
    the user's copies of withheld texts in ``texts`` (``validate --texts DIR``: ``DIR/<key>.txt``
    for each key not found before; see :func:`supplied_texts`).

    Nothing else is read: not the folder of a file named alone, not other ``*.txt`` files. Each
    is a regular file inside the project or its folder, read within ``--max-bytes`` when it is
    first asked for (:class:`Seeds`); a key the project already has is not read from a
    folder."""
    seeds = Seeds()
    for path in project.seed_texts():
        seeds.add(path, project.root)
    for folder in folders:
        for path in seed_texts_in(folder):
            seeds.add(path, folder)
    if texts is not None:
        for path in supplied_texts(texts):
            seeds.add(path, texts)
    return seeds


def supplied_texts(folder: Path) -> list[Path]:
    """The ``*.txt`` files of ``folder`` (``validate --texts``) whose names are source keys,
    sorted; :class:`InputError` if ``folder`` is not a folder. Each must be a regular file
    inside it (:func:`stancegraph.sources.refuse_outside`)."""
    if not folder.is_dir():
        raise InputError(folder, None, None, "--texts must name a folder holding <key>.txt files")
    found = []
    for path in sorted(folder.glob("*.txt")):
        if KEY_PATTERN.match(path.stem):
            refuse_outside(path, folder, "a text given with --texts")
            found.append(path)
    return found
