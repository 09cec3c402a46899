"""The one place where untrusted RDF is parsed.

Every RDF file stancegraph reads goes through :func:`parse_file` (or :func:`parse_bytes` for data
that did not come from a file). The pipeline is a row of small guards, each its own function, so
that hardening one (issue #8) touches one function:

1. :func:`read_limited` - open the file ourselves and read at most ``max_bytes`` bytes;
2. :func:`detect_format` - the RDF syntax from the file name (or the caller's choice);
3. :func:`decode` - refuse empty and binary files, decode strict UTF-8;
4. per-syntax guards - :func:`guard_jsonld` (no remote ``@context`` / ``@import``) and
   :func:`guard_xml` (no DTD entities, no external references; defusedxml);
5. rdflib parses the *text* (never a path or URL), with a fixed base IRI so that results do not
   depend on where the checkout lives; its errors become :class:`InputError` with file, line and
   column, and never quote more of the file than the offending line.

Nothing here touches the network, and ``owl:imports`` is never followed (rdflib does not follow
it, and nothing here asks it to).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from xml.sax import SAXParseException

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException
from rdflib import Dataset, Graph
from rdflib.exceptions import ParserError
from rdflib.plugins.parsers.notation3 import BadSyntax

from stancegraph.errors import InputError

#: Largest file parsed unless the caller or ``STANCEGRAPH_MAX_BYTES`` says otherwise.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024

#: Base IRI for relative references, so parsed IRIs never depend on the local path.
DEFAULT_BASE = "https://w3id.org/stancegraph/"

#: File extension -> rdflib format name.
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

_MAX_REASON = 160


def max_bytes_default() -> int:
    """The size limit in force: ``STANCEGRAPH_MAX_BYTES`` if set, else the default."""
    raw = os.environ.get("STANCEGRAPH_MAX_BYTES")
    if raw:
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value > 0:
            return value
    return DEFAULT_MAX_BYTES


def detect_format(path: str | Path, format: str | None = None) -> str:
    """The rdflib format name for ``path``, or for the caller's ``format`` if given."""
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


def read_limited(path: str | Path, max_bytes: int | None = None) -> bytes:
    """The bytes of ``path``, refusing files larger than ``max_bytes``."""
    limit = max_bytes if max_bytes is not None else max_bytes_default()
    p = Path(path)
    try:
        with p.open("rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise InputError(path, None, None, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, None, None, "is a directory, not a file") from None
    except OSError as exc:
        raise InputError(path, None, None, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise InputError(path, None, None, f"file is larger than the limit of {limit} bytes")
    return data


def decode(data: bytes, name: str | Path) -> str:
    """Strict UTF-8 text of ``data``; empty, binary and badly encoded input are refused.

    A leading byte-order mark is dropped.
    """
    if not data.strip():
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


def guard_jsonld(text: str, name: str | Path) -> None:
    """Refuse JSON-LD that would make the parser fetch anything (remote contexts, ``@import``)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(name, exc.lineno, exc.colno, f"JSON syntax error: {exc.msg}") from None
    except RecursionError:
        raise InputError(name, None, None, "JSON nested too deeply") from None
    if not isinstance(doc, dict | list):
        raise InputError(name, 1, 1, "JSON-LD must be a JSON object or array")
    for key, value in _walk_json(doc):
        if key == "@import":
            raise InputError(name, None, None, "JSON-LD @import is not allowed (no network)")
        if key == "@context":
            contexts = value if isinstance(value, list) else [value]
            for ctx in contexts:
                if isinstance(ctx, str):
                    raise InputError(
                        name,
                        None,
                        None,
                        f"remote JSON-LD context {_clip(ctx)!r} is not allowed (no network); "
                        "inline the context",
                    )


def guard_xml(text: str, name: str | Path) -> None:
    """Refuse XML with entity declarations or external references (defusedxml)."""
    try:
        DefusedET.fromstring(text.encode("utf-8"))
    except DefusedXmlException as exc:
        raise InputError(name, None, None, f"unsafe XML refused: {type(exc).__name__}") from None
    except DefusedET.ParseError as exc:
        line, col = getattr(exc, "position", (None, None))
        reason = str(exc).split(":")[0]
        raise InputError(name, line, _one_based(col), f"XML syntax error: {reason}") from None


def parse_file(
    path: str | Path,
    format: str | None = None,
    *,
    graph: Graph | None = None,
    max_bytes: int | None = None,
    base: str = DEFAULT_BASE,
) -> Graph:
    """Parse the RDF file at ``path`` safely.

    Returns ``graph`` if given (the triples are added to it), else a new :class:`rdflib.Graph`,
    or a new :class:`rdflib.Dataset` for formats with named graphs (TriG, N-Quads, JSON-LD).
    Raises :class:`InputError` for anything that is not a readable, well-formed RDF file.
    """
    fmt = detect_format(path, format)
    data = read_limited(path, max_bytes)
    return parse_bytes(data, name=path, format=fmt, graph=graph, base=base)


def parse_bytes(
    data: bytes,
    *,
    name: str | Path,
    format: str,
    graph: Graph | None = None,
    base: str = DEFAULT_BASE,
) -> Graph:
    """Parse ``data`` (the bytes of a document called ``name``) safely; see :func:`parse_file`."""
    fmt = detect_format(name, format)
    text = decode(data, name)
    if fmt == "json-ld":
        guard_jsonld(text, name)
    elif fmt == "xml":
        guard_xml(text, name)
    target = graph if graph is not None else (Dataset() if fmt in QUAD_FORMATS else Graph())
    try:
        target.parse(data=text, format=fmt, publicID=base)
    except BadSyntax as exc:
        line, col = _position_of_char(text, exc._i)
        reason = f"{_FORMAT_NAMES[fmt]} syntax error: {exc._why}"
        raise InputError(name, line, col, reason) from None
    except SAXParseException as exc:
        raise InputError(
            name,
            exc.getLineNumber(),
            _one_based(exc.getColumnNumber()),
            f"RDF/XML syntax error: {exc.getMessage()}",
        ) from None
    except ParserError as exc:
        line = _first_bad_line(text, fmt) if fmt in ("nt", "nquads") else None
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        reason = f"{_FORMAT_NAMES[fmt]} syntax error: {_clip(first)}"
        raise InputError(name, line, None, reason) from None
    except RecursionError:
        raise InputError(
            name, None, None, f"{_FORMAT_NAMES[fmt]} nested too deeply to parse"
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(name, exc.lineno, exc.colno, f"JSON syntax error: {exc.msg}") from None
    except OSError as exc:
        # Only reachable if a parser tried to open something; refuse rather than fetch.
        raise InputError(name, None, None, f"refused to read an external resource: {exc}") from None
    except Exception as exc:
        # rdflib's parsers raise many other kinds for malformed input (ValueError for bad IRIs,
        # AssertionError inside the Turtle parser, UnboundLocalError in JSON-LD...). Whatever the
        # parser trips on, the input is what is unusable.
        first = (str(exc).splitlines() or [""])[0]
        reason = f"{_FORMAT_NAMES[fmt]} could not be read: {type(exc).__name__}: {first}"
        raise InputError(name, None, None, _clip(reason)) from None
    return target


def _walk_json(node: object) -> Iterator[tuple[str, object]]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                yield key, value
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


def _first_bad_line(text: str, fmt: str) -> int | None:
    """N-Triples and N-Quads are line-based: find the first line rdflib refuses."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            (Dataset() if fmt == "nquads" else Graph()).parse(data=line, format=fmt)
        except Exception:
            return number
    return None


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


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"
