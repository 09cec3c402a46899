"""The one place where untrusted input is parsed: RDF files, JSON-LD, SPARQL text.

Every RDF file stancegraph reads goes through :func:`parse_file` (or :func:`parse_bytes` for data
that did not come from a file); every SPARQL text goes through :func:`check_query`. The pipeline is
a row of small guards, each its own function, so that hardening one touches one function:

1. :func:`read_limited` - the path is what the user named (a URL is refused, so is anything but
   a regular file); we open it ourselves and read at most ``max_bytes`` bytes;
2. :func:`detect_format` - the RDF syntax from the file name (or the caller's choice);
3. :func:`decode` - refuse empty and binary files, decode strict UTF-8;
4. per-syntax guards, all before any parser runs - :func:`guard_depth` (Turtle, TriG,
   N-Triples, N-Quads: bracket nesting), :func:`guard_jsonld` (no remote or ``file:``
   ``@context``, no ``@import``, nesting) and :func:`guard_xml` (no DTD at all, so no entities:
   billion laughs and XXE are refused at the ``<!DOCTYPE``; element nesting);
5. pyoxigraph parses the *text* (never a path or URL) in linear time, with a fixed base IRI so
   that results do not depend on where the checkout lives, and with no document loader, so it
   cannot fetch a JSON-LD context even if a guard missed one; the triples become rdflib terms and
   are added all at once (a file that fails adds nothing). Its errors become :class:`InputError`
   with file, line and column, and never quote more of the file than the offending line.

rdflib's own parsers are not used for untrusted text: its JSON-LD parser fetches remote and
``file:`` contexts, its RDF/XML parser expands entities, and its Turtle parser is quadratic on
multi-line long literals and overflows the Python stack on deep nesting (issue #8).

Nothing here touches the network, and ``owl:imports`` is never followed (nothing here reads the
triples it parses). Two process-wide guards back this up: the network guard of
:mod:`stancegraph.isolation` (an audit hook that makes any socket connection or ``urllib``
request fail while it is on) and rdflib's ``SPARQL_LOAD_GRAPHS`` switched off. Work that can take
unbounded time or memory (query evaluation) runs in a worker process of
:mod:`stancegraph.isolation`, killed at its deadline.

Limits (each also an environment variable, see SECURITY.md): file size ``STANCEGRAPH_MAX_BYTES``
(50 MiB), bracket nesting ``STANCEGRAPH_MAX_DEPTH`` (64), query size
``STANCEGRAPH_MAX_QUERY_BYTES`` (1 MiB); query time and memory: see :mod:`stancegraph.isolation`.
"""

from __future__ import annotations

import bisect
import codecs
import contextlib
import functools
import heapq
import json
import logging
import os
import re
import stat
import sys
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as DefusedET
import pyoxigraph as ox
import rdflib.plugins.sparql
from defusedxml import DefusedXmlException
from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from stancegraph import names, sparql_cache
from stancegraph.errors import InputError, QueryError, QueryRefused, StancegraphError

# rdflib's SPARQL engine fetches a FROM/FROM NAMED/USING graph it does not hold from the web (or
# reads it from the disk for a file: IRI). check_query refuses such queries; this switch makes
# rdflib look only in the dataset it is given even for a query that was never checked.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

#: Largest file parsed unless the caller or ``STANCEGRAPH_MAX_BYTES`` says otherwise.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024

#: Base IRI for relative references, so parsed IRIs never depend on the local path.
DEFAULT_BASE = names.HOME

#: File extension -> format name (rdflib's names, used throughout the package).
FORMATS_BY_EXTENSION: dict[str, str] = {
    ".ttl": "turtle",
    ".trig": "trig",
    ".nt": "nt",
    ".nq": "nquads",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
}

#: Formats that carry named graphs: parsed into a :class:`rdflib.Dataset`.
QUAD_FORMATS = frozenset({"trig", "nquads", "json-ld"})

#: JSON-LD contexts shipped with the project: IRI -> the context's JSON (the value of its
#: ``@context``). A document naming one of these by IRI gets it inlined; every other context
#: named by IRI is refused. Empty until the project ships a context.
SHIPPED_CONTEXTS: dict[str, Any] = {}

_FORMAT_ALIASES = {
    "ttl": "turtle",
    "turtle": "turtle",
    "trig": "trig",
    "nt": "nt",
    "ntriples": "nt",
    "n-triples": "nt",
    "nq": "nquads",
    "nquads": "nquads",
    "n-quads": "nquads",
    "json-ld": "json-ld",
    "jsonld": "json-ld",
    "xml": "xml",
    "rdf/xml": "xml",
    "application/rdf+xml": "xml",
}

_FORMAT_NAMES = {
    "turtle": "Turtle",
    "trig": "TriG",
    "nt": "N-Triples",
    "nquads": "N-Quads",
    "json-ld": "JSON-LD",
    "xml": "RDF/XML",
}

_OX_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "json-ld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

_MAX_REASON = 160

# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_OTHER_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]+:(//|[^\\/])")


class _Limits:
    """Limits set for the duration of a command (``--max-bytes``, ``--max-depth``)."""

    max_bytes: int | None = None
    max_depth: int | None = None


@contextlib.contextmanager
def limits(*, max_bytes: int | None = None, max_depth: int | None = None) -> Iterator[None]:
    """Within the block, the given limits win over the environment and the defaults.

    The command line wraps every command in this with its ``--max-bytes`` and ``--max-depth``.
    """
    for name, value in (("max_bytes", max_bytes), ("max_depth", max_depth)):
        if value is not None and value <= 0:
            raise StancegraphError(f"{name.replace('_', '-')} must be a positive whole number")
    before = (_Limits.max_bytes, _Limits.max_depth)
    _Limits.max_bytes, _Limits.max_depth = max_bytes, max_depth
    try:
        yield
    finally:
        _Limits.max_bytes, _Limits.max_depth = before


def max_bytes_default() -> int:
    """The size limit in force: ``--max-bytes`` (see :func:`limits`), else
    ``STANCEGRAPH_MAX_BYTES`` if set, else the default (50 MiB)."""
    if _Limits.max_bytes is not None:
        return _Limits.max_bytes
    return positive_env("STANCEGRAPH_MAX_BYTES", DEFAULT_MAX_BYTES)


def detect_format(path: str | Path, format: str | None = None) -> str:
    """The format name for ``path``, or for the caller's ``format`` if given."""
    if format is not None:
        name = _FORMAT_ALIASES.get(format.lower())
        if name is None:
            raise InputError(path, None, None, f"unknown RDF format {format!r}")
        return name
    suffix = Path(path).suffix.lower()
    name = FORMATS_BY_EXTENSION.get(suffix)
    if name is None:
        known = ", ".join(sorted(FORMATS_BY_EXTENSION))
        shown = suffix or "(none)"
        raise InputError(
            path, None, None, f"unknown RDF file extension {shown}; expected one of {known}"
        )
    return name


def is_url(path: str | Path) -> bool:
    """Whether ``path`` is a URL (``http://...``, ``file:...``) rather than a file name."""
    return isinstance(path, str) and bool(_URL.match(path))


def read_limited(path: str | Path, max_bytes: int | None = None) -> bytes:
    """The bytes of the regular file ``path``, refusing URLs and files larger than ``max_bytes``.

    A URL is refused, not fetched: stancegraph reads the files it is given, nothing else. Devices,
    pipes and sockets are refused too (reading one may never end).
    """
    if is_url(path):
        raise InputError(
            path,
            None,
            None,
            "is a URL; stancegraph reads only local files and never downloads (save the file and "
            "give its path)",
        )
    limit = max_bytes if max_bytes is not None else max_bytes_default()
    p = Path(path)
    try:
        mode = p.stat().st_mode
        if stat.S_ISDIR(mode):
            raise InputError(path, None, None, "is a directory, not a file")
        if not stat.S_ISREG(mode):
            raise InputError(path, None, None, "is not a regular file (a device, pipe or socket)")
        with p.open("rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise InputError(path, None, None, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, None, None, "is a directory, not a file") from None
    except OSError as exc:
        raise InputError(path, None, None, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise InputError(
            path,
            None,
            None,
            f"file is larger than the limit of {limit} bytes (STANCEGRAPH_MAX_BYTES)",
        )
    return data


def decode(data: bytes, name: str | Path) -> str:
    """Strict UTF-8 text of ``data``; empty, binary and badly encoded input are refused.

    A leading UTF-8 byte-order mark is dropped; a UTF-16 or UTF-32 one is named in the refusal.
    """
    for bom, encoding in _OTHER_BOMS:
        if data.startswith(bom):
            raise InputError(
                name, 1, 1, f"file is encoded as {encoding}; save it as UTF-8 (RDF files are UTF-8)"
            )
    if not data.removeprefix(codecs.BOM_UTF8).strip():
        raise InputError(name, None, None, "file is empty")
    if b"\x00" in data:
        line, col = _position_of_byte(data, data.index(b"\x00"))
        raise InputError(name, line, col, "binary file (NUL byte), not RDF text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position_of_byte(data, exc.start)
        raise InputError(
            name, line, col, f"not valid UTF-8 (byte 0x{data[exc.start]:02x})"
        ) from None
    return text.removeprefix("\ufeff")


#: Formats whose bracket nesting :func:`guard_depth` bounds: Turtle and TriG (``[ ]``, ``( )``,
#: ``{ }``), and N-Triples and N-Quads, whose RDF 1.2 triple terms ``<<( ... )>>`` nest
#: (pyoxigraph's parser crashed the process on 100,000 levels: issue #22).
DEPTH_GUARDED_FORMATS = frozenset({"turtle", "trig", "nt", "nquads"})


def guard_depth(text: str, name: str | Path, max_depth: int | None = None) -> None:
    """Refuse Turtle, TriG, N-Triples or N-Quads nested deeper than ``max_depth`` brackets
    (``[ ]``, ``( )``, ``{ }``; see :func:`nesting_depth`)."""
    limit = max_depth if max_depth is not None else max_depth_default()
    if sum(text.count(c) for c in "[({") <= limit:
        return  # no more opening brackets than the limit, counted anywhere: none is too deep
    depth, where = nesting_depth(text, limit)
    if depth > limit:
        line, col = _position_of_char(text, where)
        raise InputError(
            name,
            line,
            col,
            f"nested deeper than {limit} levels of brackets (STANCEGRAPH_MAX_DEPTH); "
            "nested too deeply to parse safely",
        )


def guard_jsonld(
    text: str,
    name: str | Path,
    max_depth: int | None = None,
    contexts: Mapping[str, Any] | None = None,
) -> str:
    """Refuse JSON-LD that would make a parser fetch anything; return the text to parse.

    A ``@context`` given by IRI (a string, alone or in a list) is refused unless it is one of
    ``contexts`` (default :data:`SHIPPED_CONTEXTS`), which is then inlined; ``@import`` is refused
    everywhere. So is JSON nested deeper than ``max_depth``.
    """
    known = SHIPPED_CONTEXTS if contexts is None else contexts
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(name, exc.lineno, exc.colno, f"JSON syntax error: {exc.msg}") from None
    except RecursionError:
        raise InputError(name, None, None, "JSON nested too deeply to parse") from None
    except ValueError:  # a number longer than Python converts (sys.get_int_max_str_digits())
        most = sys.get_int_max_str_digits()
        digits = re.search(rf"[0-9]{{{most + 1},}}", text)
        line, col = _position_of_char(text, digits.start()) if digits else (None, None)
        raise InputError(
            name, line, col, f"JSON number of more than {most} digits, too long to read"
        ) from None
    if not isinstance(doc, dict | list):
        raise InputError(name, 1, 1, "JSON-LD must be a JSON object or array")
    limit = max_depth if max_depth is not None else max_depth_default()
    inlined = False
    for holder, key, value, depth in _walk_json(doc):
        if depth > limit:
            raise InputError(
                name,
                None,
                None,
                f"JSON nested deeper than {limit} levels (STANCEGRAPH_MAX_DEPTH)",
            )
        if key == "@import":
            raise InputError(name, None, None, "JSON-LD @import is not allowed (no network)")
        if key != "@context":
            continue
        contexts_here = value if isinstance(value, list) else [value]
        for ctx in contexts_here:
            if isinstance(ctx, str) and ctx not in known:
                raise InputError(
                    name,
                    None,
                    None,
                    f"remote JSON-LD context {clip(ctx)!r} is not allowed (no network, no local "
                    "files); inline the context",
                )
        if holder is not None and any(isinstance(ctx, str) for ctx in contexts_here):
            resolved = [known[c] if isinstance(c, str) else c for c in contexts_here]
            holder[key] = resolved if isinstance(value, list) else resolved[0]
            inlined = True
    return json.dumps(doc) if inlined else text


def guard_xml(text: str, name: str | Path, max_depth: int | None = None) -> None:
    """Refuse XML with a DTD (so no entities and no external references), via defusedxml, and
    XML whose elements nest deeper than ``max_depth`` (``STANCEGRAPH_MAX_DEPTH``, default 64).

    A ``<!DOCTYPE`` is refused before any entity is expanded, so a billion-laughs document costs
    no more than reading up to its DTD; a deep document costs no more than reading up to its
    first element past the limit (pyoxigraph's RDF/XML parser is quadratic in the nesting:
    20,000 levels took 5.7 s). The document is only read, no tree is built.
    """
    limit = max_depth if max_depth is not None else max_depth_default()
    data = text.encode("utf-8")
    depth = _XmlDepth(limit)
    parser = DefusedET.DefusedXMLParser(
        target=depth, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    depth.expat = parser.parser
    try:
        parser.feed(data)
        parser.close()
    except _TooDeep as deep:
        line, col = _position_of_byte(data, deep.at)
        raise InputError(
            name,
            line,
            col,
            f"XML elements nested deeper than {limit} levels (STANCEGRAPH_MAX_DEPTH); "
            "nested too deeply to parse safely",
        ) from None
    except DefusedXmlException as exc:
        at = text.find("<!DOCTYPE")
        at = at if at >= 0 else text.find("<!ENTITY")
        line, col = _position_of_char(text, at) if at >= 0 else (None, None)
        raise InputError(
            name,
            line,
            col,
            f"unsafe XML refused ({type(exc).__name__}): a DOCTYPE or entity declaration is not "
            "allowed in RDF/XML, since entities can expand without bound or read files; "
            "remove it",
        ) from None
    except DefusedET.ParseError as exc:
        line, col = getattr(exc, "position", (None, None))
        reason = str(exc).split(":")[0]
        raise InputError(name, line, _one_based(col), f"XML syntax error: {reason}") from None


class _TooDeep(Exception):
    def __init__(self, at: int) -> None:
        super().__init__(at)
        self.at = at  # byte index of the element's start tag


class _XmlDepth:
    """An XML parser target that builds nothing and stops at the first element nested deeper
    than ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.depth = 0
        self.expat: Any = None

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > self.limit:
            raise _TooDeep(self.expat.CurrentByteIndex if self.expat is not None else 0)

    def end(self, tag: str) -> None:
        self.depth -= 1

    def data(self, data: str) -> None:
        pass

    def close(self) -> None:
        pass


def parse_file(
    path: str | Path,
    format: str | None = None,
    *,
    graph: Graph | None = None,
    max_bytes: int | None = None,
    base: str = DEFAULT_BASE,
    max_depth: int | None = None,
    contexts: Mapping[str, Any] | None = None,
) -> Graph:
    """Parse the RDF file at ``path`` safely.

    Returns ``graph`` if given (the triples are added to it: to its default graph if it is a
    :class:`rdflib.Dataset`), else a new :class:`rdflib.Graph`, or a new :class:`rdflib.Dataset`
    for formats with named graphs (TriG, N-Quads, JSON-LD). A file that fails adds nothing.
    Raises :class:`InputError` for anything that is not a readable, well-formed RDF file, or
    that goes over a limit (see :func:`parse_bytes`).
    """
    fmt, data = _read_file(path, format, max_bytes)
    return parse_bytes(
        data, name=path, format=fmt, graph=graph, base=base, max_depth=max_depth, contexts=contexts
    )


def parse_file_quads(
    path: str | Path,
    graph_name: ox.NamedNode,
    format: str | None = None,
    *,
    max_bytes: int | None = None,
    base: str = DEFAULT_BASE,
    max_depth: int | None = None,
    contexts: Mapping[str, Any] | None = None,
) -> list[ox.Quad]:
    """The triples of the RDF file at ``path`` as pyoxigraph quads in ``graph_name``, for callers
    that load them into pyoxigraph: no rdflib term is made (issue #7).

    The same guards, limits and errors as :func:`parse_file` (which see); a file that holds
    named graphs is refused, as :func:`parse_file` refuses it for a :class:`rdflib.Graph`.
    """
    fmt, data = _read_file(path, format, max_bytes)
    return _quads_of(data, path, fmt, graph_name, base, max_depth, contexts)


def _quads_of(
    data: bytes,
    path: str | Path,
    fmt: str,
    graph_name: ox.NamedNode,
    base: str,
    max_depth: int | None,
    contexts: Mapping[str, Any] | None,
) -> list[ox.Quad]:
    """:func:`parse_file_quads` of the bytes ``data`` of the file ``path``, in format ``fmt``."""
    text = _guarded_text(data, path, fmt, max_depth, contexts)
    quads: list[ox.Quad] = []
    named: Any = None
    with _parser_errors(path, fmt, text):
        parser = ox.parse(
            input=text, format=_OX_FORMATS[fmt], base_iri=base, rename_blank_nodes=True
        )
        for quad in parser:
            s, o = quad.subject, quad.object
            if type(s) is ox.Triple or type(o) is ox.Triple:
                raise _Unsupported(_TRIPLE_TERMS)
            if type(o) is ox.Literal and o.direction is not None:
                raise _Unsupported(_DIRECTIONAL)
            if named is None and type(quad.graph_name) is not ox.DefaultGraph:
                named = quad.graph_name
            quads.append(ox.Quad(s, quad.predicate, o, graph_name))
    if named is not None:
        raise _named_graphs_refused(path, named.value)
    return quads


#: Formats that hold triples only and that pyoxigraph can parse straight into a store
#: (:func:`read_graph`): nothing they hold can land in another graph.
TRIPLE_FORMATS = frozenset({"turtle", "nt"})

#: Whether a store holds a term :func:`parse_file_quads` refuses and pyoxigraph does not: an
#: RDF 1.2 triple term (however the text wrote it: ``<<( )>>``, ``<< >>``, ``{| |}``, ``~``) or
#: a literal with a base direction (``"..."@en--ltr``).
REFUSED_TERMS_QUERY = (
    "ASK { GRAPH ?g { ?s ?p ?o FILTER(isTRIPLE(?s) || isTRIPLE(?o) || hasLANGDIR(?o)) } }"
)


def read_graph(
    paths: Iterable[str | Path],
    graph_name: ox.NamedNode,
    *,
    max_bytes: int | None = None,
    base: str = DEFAULT_BASE,
    max_depth: int | None = None,
    contexts: Mapping[str, Any] | None = None,
) -> ox.Store:
    """The triples of the RDF files ``paths``, all in ``graph_name``, in a new in-memory
    pyoxigraph store: what :func:`parse_file_quads` gives for each file, with the same guards,
    limits and errors, for a caller that loads them into a store (``stancegraph load``).

    Turtle and N-Triples (:data:`TRIPLE_FORMATS`), once every guard has passed their text, are
    parsed by pyoxigraph straight into the store, with no Python object per triple (issue #19);
    any other format is read as :func:`parse_file_quads` reads it. Blank nodes get fresh labels
    in each file, so two files that use the same label hold two nodes, as with
    :func:`parse_file_quads`. If a file does not parse, or the store holds what that refuses and
    pyoxigraph does not (:data:`REFUSED_TERMS_QUERY`), the bytes already read are parsed again as
    :func:`parse_file_quads` parses them, which raises the same :class:`InputError`.
    """
    graph = ox.Store()  # in memory
    read: list[tuple[Path, str, bytes]] = []
    for path in map(Path, paths):
        fmt, data = _read_file(path, None, max_bytes)
        read.append((path, fmt, data))
        if fmt not in TRIPLE_FORMATS:
            graph.bulk_extend(_quads_of(data, path, fmt, graph_name, base, max_depth, contexts))
            continue
        text = _guarded_text(data, path, fmt, max_depth, contexts)
        try:
            graph.load(
                input=data.removeprefix(codecs.BOM_UTF8),
                format=_OX_FORMATS[fmt],
                base_iri=base,
                to_graph=graph_name,
            )
        except Exception as exc:
            # the error at its line and column, exactly as parse_file_quads gives it
            _quads_of(data, path, fmt, graph_name, base, max_depth, contexts)
            with _parser_errors(path, fmt, text):  # (should it parse there: this error)
                raise exc
    if graph.query(REFUSED_TERMS_QUERY):
        for path, fmt, data in read:  # raises for the first file that holds one
            _quads_of(data, path, fmt, graph_name, base, max_depth, contexts)
        raise InputError(  # pragma: no cover - parse_file_quads refuses what the query finds
            read[-1][0], None, None, f"{_FORMAT_NAMES[read[-1][1]]}: {_TRIPLE_TERMS}"
        )
    return graph


def _read_file(path: str | Path, format: str | None, max_bytes: int | None) -> tuple[str, bytes]:
    """The format and the bytes of the RDF file at ``path``, behind :func:`read_limited`."""
    if is_url(path):
        read_limited(path)  # raises: a URL is never fetched
    if Path(path).is_dir():
        raise InputError(path, None, None, "is a directory, not an RDF file")
    fmt = detect_format(path, format)
    return fmt, read_limited(path, max_bytes)


def parse_bytes(
    data: bytes,
    *,
    name: str | Path,
    format: str,
    graph: Graph | None = None,
    base: str = DEFAULT_BASE,
    max_depth: int | None = None,
    contexts: Mapping[str, Any] | None = None,
) -> Graph:
    """Parse ``data`` (the bytes of a document called ``name``) safely; see :func:`parse_file`.

    ``max_depth`` bounds bracket nesting in Turtle/TriG and JSON nesting in JSON-LD
    (``STANCEGRAPH_MAX_DEPTH``, default 64); ``contexts`` are the JSON-LD contexts that may be
    named by IRI (default :data:`SHIPPED_CONTEXTS`).
    """
    fmt = detect_format(name, format)
    target = graph if graph is not None else (Dataset() if fmt in QUAD_FORMATS else Graph())
    quads, prefixes = read_terms(
        data, name=name, format=fmt, base=base, max_depth=max_depth, contexts=contexts
    )
    _add(target, quads, prefixes, name)
    return target


def read_terms(
    data: bytes,
    *,
    name: str | Path,
    format: str,
    base: str = DEFAULT_BASE,
    max_depth: int | None = None,
    contexts: Mapping[str, Any] | None = None,
    ox_triples: list[Any] | None = None,
) -> tuple[dict[URIRef | BNode | None, list[tuple[Any, Any, Any]]], dict[str, str]]:
    """What :func:`parse_bytes` reads, behind the same guards, as rdflib terms grouped by graph
    name (None: the default graph), and the prefixes declared; no rdflib graph is built, for
    callers that index the triples their own way. ``ox_triples``: see :func:`parse_terms`."""
    fmt = detect_format(name, format)
    text = _guarded_text(data, name, fmt, max_depth, contexts)
    return parse_terms(text, fmt, name, base, ox_triples=ox_triples)


def _guarded_text(
    data: bytes,
    name: str | Path,
    fmt: str,
    max_depth: int | None,
    contexts: Mapping[str, Any] | None,
) -> str:
    """The text of ``data`` once every guard of its format has passed it: what a parser may
    be given (for JSON-LD, with the shipped contexts inlined)."""
    text = decode(data, name)
    if fmt == "json-ld":
        text = guard_jsonld(text, name, max_depth, contexts)
    elif fmt == "xml":
        guard_xml(text, name, max_depth)
    elif fmt in DEPTH_GUARDED_FORMATS:
        guard_depth(text, name, max_depth)
    return text


class _Unsupported(Exception):
    """A term rdflib cannot hold (RDF 1.2 triple terms, directional language tags)."""


_TRIPLE_TERMS = "triple terms and << >> (RDF 1.2 / RDF-star) are not supported"
_DIRECTIONAL = "directional language tags (RDF 1.2) are not supported"


class _IllTypedLiteralNoise(logging.Filter):
    """Drops rdflib's warning (with a traceback) for each literal whose text is not a value of
    its datatype (``"2016-02-30"^^xsd:date``, a 100,000-digit integer): such a literal is still
    RDF, ``validate`` reports it as a finding (``literal-form``), and a file of them would print
    a traceback per literal."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to convert Literal lexical form")


logging.getLogger("rdflib.term").addFilter(_IllTypedLiteralNoise())
warnings.filterwarnings("ignore", message="Parsing weird boolean", module="rdflib.term")


def parse_terms(
    text: str,
    fmt: str,
    name: str | Path,
    base: str = DEFAULT_BASE,
    *,
    keep_labels: bool = False,
    ox_triples: list[Any] | None = None,
) -> tuple[dict[URIRef | BNode | None, list[tuple[Any, Any, Any]]], dict[str, str]]:
    """pyoxigraph's parse of ``text`` as rdflib terms, grouped by graph name (None: default),
    and the prefixes it declares. Call it on text that the guards of :func:`parse_bytes` have
    passed (or that stancegraph wrote). Blank nodes get fresh labels unless ``keep_labels``.
    ``ox_triples``, if given, also gets pyoxigraph's own triples (graph names dropped), with the
    same blank node labels."""
    iris: dict[str, URIRef] = {}
    bnodes: dict[str, BNode] = {}

    def term(t: Any) -> Any:
        kind = type(t)
        if kind is ox.NamedNode:
            value = t.value
            node = iris.get(value)
            if node is None:
                node = iris[value] = URIRef(value)
            return node
        if kind is ox.BlankNode:
            value = t.value
            blank = bnodes.get(value)
            if blank is None:
                blank = bnodes[value] = BNode(value)
            return blank
        if kind is ox.Literal:
            if t.direction is not None:
                raise _Unsupported(_DIRECTIONAL)
            if t.language:
                return Literal(t.value, lang=t.language)
            datatype = t.datatype.value
            if datatype == _XSD_STRING:
                return Literal(t.value)
            return Literal(t.value, datatype=term(t.datatype))
        raise _Unsupported(_TRIPLE_TERMS)

    groups: dict[URIRef | BNode | None, list[tuple[Any, Any, Any]]] = {}
    with _parser_errors(name, fmt, text):
        parser = ox.parse(
            input=text,
            format=_OX_FORMATS[fmt],
            base_iri=base,
            rename_blank_nodes=not keep_labels,
        )
        for quad in parser:
            g = quad.graph_name
            key = None if type(g) is ox.DefaultGraph else term(g)
            if ox_triples is not None:
                ox_triples.append(quad if key is None else quad.triple)
            triples = groups.get(key)
            if triples is None:
                triples = groups[key] = []
            triples.append((term(quad.subject), term(quad.predicate), term(quad.object)))
        prefixes = dict(getattr(parser, "prefixes", {}) or {})
    return groups, prefixes


@contextlib.contextmanager
def _parser_errors(name: str | Path, fmt: str, text: str) -> Iterator[None]:
    """Whatever pyoxigraph's parse of ``text`` raises in the block, as one :class:`InputError`:
    a syntax error at its line and column, an unsupported term, nesting, anything else."""
    label = _FORMAT_NAMES[fmt]
    try:
        yield
    except SyntaxError as exc:
        line, col = _syntax_error_position(exc, text)
        reason = re.sub(r"^Parser error (?:at|between) [^:]*:\s*", "", str(exc.msg or exc))
        raise InputError(name, line, col, clip(f"{label} syntax error: {reason}")) from None
    except _Unsupported as exc:
        raise InputError(name, None, None, f"{label}: {exc}") from None
    except RecursionError:
        raise InputError(name, None, None, f"{label} nested too deeply to parse") from None
    except Exception as exc:
        # Whatever the parser trips on, the input is what is unusable.
        reason = f"{label} could not be read: {type(exc).__name__}: {_first_line(exc)}"
        raise InputError(name, None, None, clip(reason)) from None


def _add(
    target: Graph,
    groups: Mapping[URIRef | BNode | None, list[tuple[Any, Any, Any]]],
    prefixes: Mapping[str, str],
    name: str | Path,
) -> None:
    """Add the parsed triples to ``target``, all at once, after the whole file has parsed."""
    named = [g for g in groups if g is not None]
    if named and not target.context_aware:
        raise _named_graphs_refused(name, str(named[0]))
    for prefix, namespace in prefixes.items():
        with contextlib.suppress(Exception):
            target.bind(prefix, URIRef(namespace), override=False)
    for graph_name, triples in groups.items():
        if target.context_aware:
            ident = DATASET_DEFAULT_GRAPH_ID if graph_name is None else graph_name
            context = target.get_context(ident)  # type: ignore[attr-defined]
        else:
            context = target
        context.addN((s, p, o, context) for s, p, o in triples)


def _named_graphs_refused(name: str | Path, graph_name: str) -> InputError:
    return InputError(
        name,
        None,
        None,
        f"holds named graphs (e.g. <{clip(graph_name)}>) where only triples are expected",
    )


def _syntax_error_position(exc: SyntaxError, text: str) -> tuple[int | None, int | None]:
    """1-based line and column of a pyoxigraph syntax error, moved onto the offending token."""
    line, col = exc.lineno, exc.offset
    if not line:
        return None, None
    if not col:
        return line, None
    lines = text.split("\n", line)
    if line <= len(lines):
        current = lines[line - 1]
        while col <= len(current) and current[col - 1 : col].isspace():
            col += 1
    return line, col


def _walk_json(node: object) -> Iterator[tuple[dict[str, Any] | None, str, object, int]]:
    """Every ``(object, key, value, depth)`` of a JSON document, without recursion.

    Arrays are reported as ``(None, "", array, depth)`` so that their depth is seen too.
    """
    stack: list[tuple[object, int]] = [(node, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                yield item, key, value, depth
                stack.append((value, depth + 1))
        elif isinstance(item, list):
            yield None, "", item, depth
            stack.extend((value, depth + 1) for value in item)


def _position_of_char(text: str, index: int) -> tuple[int, int]:
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def _position_of_byte(data: bytes, index: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, index) + 1
    start = data.rfind(b"\n", 0, index) + 1
    col = len(data[start:index].decode("utf-8", errors="replace")) + 1
    return line, col


def _one_based(col: int | None) -> int | None:
    return None if col is None else col + 1


def clip(text: str) -> str:
    """``text`` on one line and at most 160 characters: what an error message may quote."""
    text = " ".join(text.split())
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"


# --- nesting depth ---------------------------------------------------------------------------

#: Deepest nesting of ``[ ]``, ``( )`` and ``{ }`` accepted in Turtle, TriG, JSON and SPARQL.
DEFAULT_MAX_DEPTH = 64

# Tokens that may hold brackets which do not nest: strings (long ones first), IRIs, backslash
# escapes outside strings (``ex:a\(b``, a bracket in a local name) and comments. A comment ends at
# the first CR or LF, the earliest end any parser gives it. In Turtle, TriG, N-Triples and N-Quads
# ``<`` always opens an IRI, which may hold brackets (``<http://e/#(>``) and ``#``, ``'``.
_RDF_TOKENS = (
    r'"""(?:[^"\\]++|\\.|"(?!""))*+"""'
    r"|'''(?:[^'\\]++|\\.|'(?!''))*+'''"
    r'|"(?:[^"\\\n\r]++|\\.)*+"'
    r"|'(?:[^'\\\n\r]++|\\.)*+'"
    r"|<(?:[^<>\"{}|^`\\\x00-\x20]++|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*+>"
    r"|\\."
    r"|#[^\n\r]*+"
)

# One match per bracket that counts: the tokens above and every other character are skipped
# inside the regular expression (a run of characters that start no token at once; a quote, ``<``
# or backslash that starts none, one by one), so that Python sees the brackets only, not every
# IRI and string of the file (twice as fast on N-Triples). It reads the text exactly as a scan
# token by token does, each token tried in the order above at each position and a character
# that starts none skipped (tests/test_hostile_nesting.py compares the two on random texts).
_RDF_DEPTH_SCAN = re.compile(
    "(?:"
    + _RDF_TOKENS
    + r"|[^\[\](){}\"'<\\#]++|[^\[\](){}])*+(?:(?P<open>[\[({])|(?P<close>[\])}])|\Z)",
    re.DOTALL,
)

# The same tokens in SPARQL, where ``<`` may also be less-than: ``?a<?b#>...`` is an IRI to one
# reading and ``?a < ?b`` then a comment to the other. Such a ``<`` (group ``iri``) is read both
# ways; see :func:`sparql_nesting_depth`. The text has no codepoint escapes left. A comment is
# matched by its ``#`` alone: its end is looked up, not scanned for, since every reading that
# starts inside an IRI may start a comment there.
_SPARQL_DEPTH_TOKENS = re.compile(
    r'"""(?:[^"\\]++|\\.|"(?!""))*+"""'
    r"|'''(?:[^'\\]++|\\.|'(?!''))*+'''"
    r'|"(?:[^"\\\n\r]++|\\.)*+"'
    r"|'(?:[^'\\\n\r]++|\\.)*+'"
    r"|(?P<iri><[^<>\"{}|^`\\\x00-\x20]*+>)"
    r"|\\."
    r"|(?P<comment>#)"
    r"|(?P<open>[\[({])"
    r"|(?P<close>[\])}])",
    re.DOTALL,
)


def max_depth_default() -> int:
    """The nesting limit in force: ``--max-depth`` (see :func:`limits`), else
    ``STANCEGRAPH_MAX_DEPTH`` if set, else the default (64)."""
    if _Limits.max_depth is not None:
        return _Limits.max_depth
    return positive_env("STANCEGRAPH_MAX_DEPTH", DEFAULT_MAX_DEPTH)


def nesting_depth(text: str, limit: int | None = None) -> tuple[int, int]:
    """The deepest bracket nesting (``[ ]``, ``( )``, ``{ }``) in Turtle, TriG, N-Triples or
    N-Quads ``text``, and where it is reached.

    Brackets inside strings, IRIs, comments and local-name escapes do not count. The scan may
    count a bracket the parser would not (in text the parser rejects anyway), never the
    reverse. Returns ``(depth, index)``; when ``limit`` is given, stops at the first bracket
    deeper than ``limit`` and returns its depth and index, so that a refusal costs no more than
    reading up to the offending bracket. For SPARQL use :func:`sparql_nesting_depth`.
    """
    depth = deepest = where = 0
    for match in _RDF_DEPTH_SCAN.finditer(text):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
            if depth > deepest:
                deepest, where = depth, match.end() - 1
                if limit is not None and depth > limit:
                    break
        elif kind == "close" and depth:
            depth -= 1
    return deepest, where


def sparql_nesting_depth(text: str, limit: int | None = None) -> tuple[int, int]:
    """The deepest bracket nesting in SPARQL ``text`` (codepoint escapes already expanded), and
    where it is reached; see :func:`nesting_depth`.

    SPARQL's ``<`` opens an IRI or compares, and which one the parser takes decides what is
    hidden: inside an IRI, brackets do not count; after a less-than, a ``#`` starts a comment
    and a ``'`` a string. The scan follows both readings of every such ``<`` and reports the
    deepest nesting of any combination, so that no reading can hide brackets from it. Readings
    that reach the same token go on as one (keeping the deeper), so the scan stays linear.
    """
    pending: dict[int, tuple[int, re.Match[str]]] = {}
    starts: list[int] = []
    line_ends = [m.start() for m in re.finditer(r"[\n\r]", text)]

    def go_on(position: int, depth: int) -> None:
        match = _SPARQL_DEPTH_TOKENS.search(text, position)
        if match is None:
            return
        start = match.start()
        known = pending.get(start)
        if known is None:
            pending[start] = (depth, match)
            heapq.heappush(starts, start)
        elif depth > known[0]:
            pending[start] = (depth, known[1])

    deepest = where = 0
    go_on(0, 0)
    while starts:
        depth, match = pending.pop(heapq.heappop(starts))
        kind = match.lastgroup
        if kind == "open":
            depth += 1
            if depth > deepest:
                deepest, where = depth, match.start()
                if limit is not None and depth > limit:
                    break
        elif kind == "close":
            depth = max(depth - 1, 0)
        elif kind == "iri":
            go_on(match.start() + 1, depth)  # the other reading: less-than
        elif kind == "comment":
            at = bisect.bisect_left(line_ends, match.start())
            go_on(line_ends[at] if at < len(line_ends) else len(text), depth)
            continue
        go_on(match.end(), depth)
    return deepest, where


# --- SPARQL ------------------------------------------------------------------------------------

#: The project's named graphs; ``FROM``/``FROM NAMED``/``USING`` may name these, nothing else.
#: (The same IRI as :data:`stancegraph.graph.GRAPH_BASE`; safety sits below graph.)
LOCAL_GRAPH_BASE = "https://w3id.org/stancegraph/graph/"

#: Longest SPARQL text accepted unless ``STANCEGRAPH_MAX_QUERY_BYTES`` says otherwise.
DEFAULT_MAX_QUERY_BYTES = 1024 * 1024

_QUERY_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}


# SPARQL 1.1 section 19.2: \uXXXX and \UXXXXXXXX stand for one code point anywhere in the text,
# and are replaced before the text is parsed. Exactly 4 and exactly 8 hex digits, case-sensitive.
_CODEPOINT_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

# What some engine might still read as an escape: rdflib takes \u or \U (either case) with 4
# or 8 hex digits; pyoxigraph takes \uXXXX and \UXXXXXXXX inside strings and IRIs.
_ANY_ESCAPE = re.compile(r"\\[uU][0-9A-Fa-f]{4}")


@dataclass(frozen=True)
class ExpandedQuery:
    """A SPARQL text with its codepoint escapes replaced (:func:`expand_codepoint_escapes`).

    ``text`` is the expanded text; ``where`` turns an index into it into ``:LINE:COL`` of the
    text as the user wrote it (``original``).
    """

    text: str
    original: str
    # (index in text, index in original) after each escape replaced, in order
    _marks: tuple[tuple[int, int], ...] = ()

    def origin(self, index: int) -> int:
        """The index in ``original`` of the character at ``index`` in ``text``."""
        at = bisect.bisect_right(self._marks, (index, len(self.original) + 1)) - 1
        if at < 0:
            return index
        expanded_at, original_at = self._marks[at]
        return original_at + (index - expanded_at)

    def where(self, index: int) -> str:
        """``:LINE:COL`` (1-based) in ``original`` of the character at ``index`` in ``text``."""
        line, col = _position_of_char(self.original, self.origin(index))
        return f":{line}:{col}"


def expand_codepoint_escapes(text: str, name: str | Path = "query") -> ExpandedQuery:
    """``text`` with its codepoint escapes (``\\u`` and 4 hex digits, ``\\U`` and 8) replaced
    by the characters they stand for, exactly as SPARQL 1.1 section 19.2 says: once, anywhere in
    the text (strings, IRIs, names, keywords, comments), before parsing.

    The engines do not agree on this (issue #22): rdflib also takes ``\\u`` with 8 digits and
    ``\\U`` with 4, pyoxigraph replaces escapes only inside strings and IRIs, where an escaped
    ``"`` does not end the string. So the same text can hide a ``SERVICE`` from one engine and
    show it to the other. Every engine is given the expanded text instead, which has no escape
    left for any of them to read: a text that still holds one after expansion (an escape that
    spells another escape, ``\\u005Cu0053``; ``\\U`` with fewer than 8 digits) is refused, and so
    is one that spells a NUL, a surrogate or no code point at all. Raises :class:`QueryError`.
    """
    label = str(name)
    pieces: list[str] = []
    marks: list[tuple[int, int]] = []
    start = 0
    out = 0
    for match in _CODEPOINT_ESCAPE.finditer(text):
        digits = match.group(1) or match.group(2)
        code = int(digits, 16)
        if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            line, col = _position_of_char(text, match.start())
            what = "a NUL" if code == 0 else "no character (a surrogate or past U+10FFFF)"
            raise QueryError(
                f"{label}:{line}:{col}: the escape {match.group(0)} stands for {what}; "
                "not SPARQL text"
            )
        pieces.append(text[start : match.start()])
        pieces.append(chr(code))
        out += match.start() - start + 1
        start = match.end()
        marks.append((out, start))
    if not marks:
        expanded = ExpandedQuery(text, text)
    else:
        pieces.append(text[start:])
        expanded = ExpandedQuery("".join(pieces), text, tuple(marks))
    left = _ANY_ESCAPE.search(expanded.text)
    if left is not None:
        raise QueryError(
            f"{label}{expanded.where(left.start())}: {left.group(0)} is not a codepoint escape "
            "SPARQL reads once (\\u takes 4 hex digits, \\U takes 8, and an escape may not spell "
            "another); engines disagree on what it means, so it is refused"
        )
    return expanded


@dataclass(frozen=True)
class CheckedQuery:
    """A SPARQL text that :func:`check_query` has parsed and found safe to run.

    ``parsed`` is rdflib's prepared form (a :class:`rdflib.plugins.sparql.sparql.Query`, or an
    ``Update`` when ``form == "UPDATE"``): hand it to ``Graph.query``/``Graph.update`` instead of
    the text to skip parsing again. ``text`` is the text that was checked: the query with its
    codepoint escapes replaced (:func:`expand_codepoint_escapes`). It is what every engine
    (pyoxigraph, rdflib, a remote endpoint) must be given, never the text as written, which
    the engines can read in different ways.
    """

    text: str
    form: str
    services: tuple[str, ...] = ()
    dataset_graphs: tuple[str, ...] = ()
    loads: tuple[str, ...] = ()
    parsed: Any = field(default=None, repr=False, compare=False)

    @property
    def is_update(self) -> bool:
        return self.form == "UPDATE"


def max_query_bytes_default() -> int:
    """The query size limit: ``STANCEGRAPH_MAX_QUERY_BYTES`` if set, else 1 MiB."""
    return positive_env("STANCEGRAPH_MAX_QUERY_BYTES", DEFAULT_MAX_QUERY_BYTES)


def names_dataset(parsed: Any) -> bool:
    """Whether a parsed query (:attr:`CheckedQuery.parsed`) names its own dataset (``FROM``,
    ``FROM NAMED``): then its default graph is what it names, not the union of the graphs."""
    return bool(_sparql_reach(parsed)[1])


def check_query(
    text: str,
    *,
    allow_service: bool = False,
    allow_update: bool = False,
    name: str | Path = "query",
    local_graphs: Iterable[str] = (LOCAL_GRAPH_BASE,),
    max_depth: int | None = None,
    max_bytes: int | None = None,
) -> CheckedQuery:
    """Parse a SPARQL query or update and refuse what would reach beyond the project's data.

    **Call this on every SPARQL text before any engine sees it** (rdflib, pyoxigraph or a remote
    endpoint): the engines themselves fetch ``SERVICE`` URLs (pyoxigraph even for
    ``SERVICE SILENT``), and rdflib also fetches ``FROM``/``FROM NAMED``/``USING`` graphs it does
    not hold and reads ``file:`` IRIs from the disk.

    Refused with :class:`~stancegraph.errors.QueryRefused` (exit code 2):

    - ``SERVICE`` (any, ``SILENT`` or not, IRI or variable) unless ``allow_service``;
    - ``FROM``, ``FROM NAMED``, ``USING``, ``USING NAMED`` naming a graph outside
      ``local_graphs`` (IRI prefixes; default the project's ``.../graph/``), unless
      ``allow_service`` and the IRI is ``http(s):``; a ``file:`` IRI always;
    - any SPARQL Update (``INSERT``, ``DELETE``, ``CLEAR``, ``DROP``, ``LOAD``...) unless
      ``allow_update``; ``LOAD`` also needs ``allow_service`` (it fetches its IRI).

    Refused with :class:`~stancegraph.errors.QueryError`: a text longer than ``max_bytes``
    (``STANCEGRAPH_MAX_QUERY_BYTES``, default 1 MiB), nested deeper than ``max_depth``
    (``STANCEGRAPH_MAX_DEPTH``, default 64), or not SPARQL 1.1 (``NAME:LINE:COL: SPARQL syntax
    error: ...``). ``name`` is what messages call the query (its file name, or ``query``).

    The codepoint escapes (``\\u0053ERVICE``) are replaced first, as SPARQL says, and every check
    is made on the result (:func:`expand_codepoint_escapes`; a text the engines could read in
    different ways is refused).

    Returns a :class:`CheckedQuery` with the query form, the parsed query and the text to run:
    give the engines ``CheckedQuery.text``, not ``text``.

    This checks the text only; parameters must still be bound through the engine (rdflib
    ``initBindings``, pyoxigraph ``substitutions``), never pasted into the text.
    """
    label = str(name)
    expanded = guard_query_text(text, label, max_depth=max_depth, max_bytes=max_bytes)
    text = expanded.text
    parsed, form = _parse_sparql(text, label, expanded)
    services, graphs, loads = _sparql_reach(parsed)
    local = tuple(local_graphs)

    def remote_ok(iri: str) -> bool:
        return allow_service and iri.lower().startswith(("http://", "https://"))

    for iri in services:
        if not allow_service:
            shown = iri if iri.startswith("?") else f"<{clip(iri)}>"
            raise QueryRefused(
                f"{label}: SERVICE {shown} is refused: stancegraph does not send queries to other "
                "endpoints unless run with --allow-service"
            )
    for iri in graphs:
        if iri.startswith(local) and not iri.lower().startswith("file:"):
            continue
        if not remote_ok(iri):
            raise QueryRefused(
                f"{label}: FROM/USING <{clip(iri)}> is refused: only the project's graphs "
                f"({', '.join(local)}...) may be named; a remote graph needs --allow-service, "
                "and local files are never read"
            )
    if form == "UPDATE" and not allow_update:
        raise QueryRefused(
            f"{label}: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP...) is refused: "
            "this command only reads"
        )
    for iri in loads:
        if not remote_ok(iri):
            raise QueryRefused(
                f"{label}: LOAD <{clip(iri)}> is refused: loading from a URL needs "
                "--allow-service, and local files are never read"
            )
    return CheckedQuery(
        text=text, form=form, services=services, dataset_graphs=graphs, loads=loads, parsed=parsed
    )


def guard_query_text(
    text: str,
    name: str | Path = "query",
    *,
    max_depth: int | None = None,
    max_bytes: int | None = None,
) -> ExpandedQuery:
    """The guards :func:`check_query` runs before any parser sees a SPARQL text: its size, no
    NUL, its codepoint escapes expanded (:func:`expand_codepoint_escapes`), not empty, its
    nesting (:func:`sparql_nesting_depth`). Returns the expanded text; raises
    :class:`QueryError`. Code that gives a text to an engine for any other reason than to run it
    (to learn its form, say) must give it this text at least: pyoxigraph's SPARQL parser
    crashes the process on 10,000 nested brackets."""
    label = str(name)
    limit = max_bytes if max_bytes is not None else max_query_bytes_default()
    if len(text) > limit or len(text.encode("utf-8", errors="surrogatepass")) > limit:
        raise QueryError(f"{label}: query is larger than the limit of {limit} bytes")
    if "\x00" in text:
        raise QueryError(f"{label}: query holds a NUL character; not SPARQL text")
    expanded = expand_codepoint_escapes(text, label)
    if not expanded.text.strip():
        raise QueryError(f"{label}: query is empty")
    depth_limit = max_depth if max_depth is not None else max_depth_default()
    depth, where = sparql_nesting_depth(expanded.text, depth_limit)
    if depth > depth_limit:
        raise QueryError(
            f"{label}{expanded.where(where)}: query nested deeper than {depth_limit} levels of "
            "brackets (STANCEGRAPH_MAX_DEPTH)"
        )
    return expanded


class _SparqlProblem(Exception):
    """Why a SPARQL text does not parse: ``loc`` (an index into the parsed text, or None) and
    ``reason``."""

    def __init__(self, loc: int | None, reason: str) -> None:
        super().__init__(reason)
        self.loc, self.reason = loc, reason


def _parse_sparql(text: str, label: str, expanded: ExpandedQuery | None = None) -> tuple[Any, str]:
    """rdflib's parsed form of ``text`` (a query, else an update) and its form. Remembered by
    text, so that checking one query for several purposes parses it once (the parsed form is
    only read); a text that does not parse is reported as ``label``, at the line and column of
    the text ``expanded`` was made from (see :func:`expand_codepoint_escapes`)."""
    try:
        return _parse_sparql_text(text)
    except _SparqlProblem as problem:
        if problem.loc is None:
            where = ""
        elif expanded is not None:
            where = expanded.where(problem.loc)
        else:
            where = ":{}:{}".format(*_position_of_char(text, problem.loc))
        raise QueryError(f"{label}{where}: {problem.reason}") from None


@functools.lru_cache(maxsize=256)
def _parse_sparql_text(text: str) -> tuple[Any, str]:
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    kept = sparql_cache.lookup(text)  # parsed by an earlier process
    if kept is not None:
        return kept, _QUERY_FORMS.get(kept.algebra.name, kept.algebra.name)
    failures: list[ParseBaseException] = []
    for parse, translate in ((parseQuery, translateQuery), (parseUpdate, translateUpdate)):
        try:
            tree = parse(text)
        except ParseBaseException as exc:
            failures.append(exc)
            continue
        except RecursionError:
            raise _SparqlProblem(None, "query nested too deeply to parse") from None
        except Exception as exc:
            raise _SparqlProblem(None, clip(f"SPARQL syntax error: {_first_line(exc)}")) from None
        try:
            prepared = translate(tree)
        except RecursionError:
            raise _SparqlProblem(None, "query nested too deeply to parse") from None
        except Exception as exc:
            reason = clip(f"not a valid SPARQL query: {_first_line(exc)}")
            raise _SparqlProblem(None, reason) from None
        if parse is parseUpdate:
            if isinstance(prepared, list) or not prepared.algebra:
                raise _SparqlProblem(None, "query is empty (only comments or prefixes)")
            return prepared, "UPDATE"
        sparql_cache.keep(text, prepared)
        return prepared, _QUERY_FORMS.get(prepared.algebra.name, prepared.algebra.name)
    furthest = max(failures, key=lambda exc: exc.loc)
    rest = text[furthest.loc : furthest.loc + 40].split()
    found = rest[0] if rest else ""
    expected = furthest.msg.removeprefix("Expected ").strip()
    what = f"expected {expected}" + (f", found {found!r}" if found else ", found the end")
    raise _SparqlProblem(furthest.loc, f"SPARQL syntax error: {clip(what)}")


def algebra_nodes(roots: Iterable[Any]) -> Iterator[Any]:
    """Every node (rdflib ``CompValue``) of a SPARQL algebra, each once, inside lists, tuples,
    dicts and parse results too."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack: list[Any] = list(roots)
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, CompValue):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list | tuple | ParseResults):
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())


def _sparql_reach(parsed: Any) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The SERVICE targets, FROM/USING graphs and LOAD sources of a parsed query or update."""
    roots = parsed.algebra if isinstance(parsed.algebra, list) else [parsed.algebra]
    services: list[str] = []
    graphs: list[str] = []
    loads: list[str] = []
    for node in algebra_nodes(roots):
        if node.name == "ServiceGraphPattern":
            term = node["term"]
            services.append(f"?{term}" if isinstance(term, Variable) else str(term))
        elif node.name == "Load":
            loads.append(str(node["iri"]))
        elif node.name in ("DatasetClause", "UsingClause"):
            # CompValue.get returns the key itself when it is missing: test membership.
            graphs.extend(str(node[key]) for key in ("default", "named") if key in node)
    return tuple(services), tuple(graphs), tuple(loads)


def _first_line(exc: BaseException) -> str:
    return ((str(exc).splitlines() or [""])[0]) or type(exc).__name__


def positive_env(variable: str, default: int) -> int:
    """The positive whole number in the environment variable ``variable``, else ``default``;
    any other value is a :class:`StancegraphError` naming the variable."""
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise StancegraphError(f"{variable}={raw!r}: must be a positive whole number")
    return value
