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
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax import SAXParseException

import defusedxml.ElementTree as DefusedET
import rdflib.plugins.sparql
from defusedxml import DefusedXmlException
from rdflib import Dataset, Graph, Variable
from rdflib.exceptions import ParserError
from rdflib.plugins.parsers.notation3 import BadSyntax

from stancegraph.errors import InputError, QueryError, QueryRefused, StancegraphError

# rdflib's SPARQL engine fetches a FROM/FROM NAMED/USING graph it does not hold from the web (or
# reads it from the disk for a file: IRI). check_query refuses such queries; this switch makes
# rdflib look only in the dataset it is given even for a query that was never checked.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

#: Largest file parsed unless the caller or ``STANCEGRAPH_MAX_BYTES`` says otherwise.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024

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
    """The size limit in force: ``STANCEGRAPH_MAX_BYTES`` if set, else the default (50 MiB)."""
    return _positive_env("STANCEGRAPH_MAX_BYTES", DEFAULT_MAX_BYTES)


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


# --- nesting depth ---------------------------------------------------------------------------

#: Deepest nesting of ``[ ]``, ``( )`` and ``{ }`` accepted in Turtle, TriG, JSON and SPARQL.
DEFAULT_MAX_DEPTH = 64

# Tokens that may hold brackets which do not nest: comments, strings (long ones first), IRIs, and
# backslash escapes outside strings (``ex:a\#b``). An IRI holding ``(`` or ``)`` is not taken as
# one, so that SPARQL's ``?a<(?b)`` (less-than, then a bracket) cannot hide its brackets.
_DEPTH_TOKENS = re.compile(
    r'"""(?:[^"\\]++|\\.|"(?!""))*+"""'
    r"|'''(?:[^'\\]++|\\.|'(?!''))*+'''"
    r'|"(?:[^"\\\n\r]++|\\.)*+"'
    r"|'(?:[^'\\\n\r]++|\\.)*+'"
    r"|<[^<>\"{}|^`\\\x00-\x20()]*+>"
    r"|\\."
    r"|#[^\n\r]*+"
    r"|(?P<open>[\[({])"
    r"|(?P<close>[\])}])",
    re.DOTALL,
)


def max_depth_default() -> int:
    """The nesting limit in force: ``STANCEGRAPH_MAX_DEPTH`` if set, else the default (64)."""
    return _positive_env("STANCEGRAPH_MAX_DEPTH", DEFAULT_MAX_DEPTH)


def nesting_depth(text: str, limit: int | None = None) -> tuple[int, int]:
    """The deepest bracket nesting in Turtle/TriG/SPARQL ``text``, and where it is reached.

    Brackets inside strings, IRIs and comments do not count. Returns ``(depth, index)``; when
    ``limit`` is given, stops at the first bracket deeper than ``limit`` and returns its depth and
    index, so that a refusal costs no more than reading up to the offending bracket.
    """
    depth = deepest = where = 0
    for match in _DEPTH_TOKENS.finditer(text):
        kind = match.lastgroup
        if kind == "open":
            depth += 1
            if depth > deepest:
                deepest, where = depth, match.start()
                if limit is not None and depth > limit:
                    break
        elif kind == "close" and depth:
            depth -= 1
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


@dataclass(frozen=True)
class CheckedQuery:
    """A SPARQL text that :func:`check_query` has parsed and found safe to run.

    ``parsed`` is rdflib's prepared form (a :class:`rdflib.plugins.sparql.sparql.Query`, or an
    ``Update`` when ``form == "UPDATE"``): hand it to ``Graph.query``/``Graph.update`` instead of
    the text to skip parsing again. ``text`` is what other engines (pyoxigraph, a remote endpoint)
    should be given.
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
    return _positive_env("STANCEGRAPH_MAX_QUERY_BYTES", DEFAULT_MAX_QUERY_BYTES)


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

    Returns a :class:`CheckedQuery` with the query form and the parsed query.

    This checks the text only; parameters must still be bound through the engine (rdflib
    ``initBindings``, pyoxigraph ``substitutions``), never pasted into the text.
    """
    label = str(name)
    limit = max_bytes if max_bytes is not None else max_query_bytes_default()
    if len(text) > limit or len(text.encode("utf-8", errors="surrogatepass")) > limit:
        raise QueryError(f"{label}: query is larger than the limit of {limit} bytes")
    if not text.strip():
        raise QueryError(f"{label}: query is empty")
    if "\x00" in text:
        raise QueryError(f"{label}: query holds a NUL character; not SPARQL text")
    depth_limit = max_depth if max_depth is not None else max_depth_default()
    depth, where = nesting_depth(text, depth_limit)
    if depth > depth_limit:
        line, col = _position_of_char(text, where)
        raise QueryError(
            f"{label}:{line}:{col}: query nested deeper than {depth_limit} levels of brackets "
            "(STANCEGRAPH_MAX_DEPTH)"
        )
    parsed, form = _parse_sparql(text, label)
    services, graphs, loads = _sparql_reach(parsed)
    local = tuple(local_graphs)

    def remote_ok(iri: str) -> bool:
        return allow_service and iri.lower().startswith(("http://", "https://"))

    for iri in services:
        if not allow_service:
            shown = iri if iri.startswith("?") else f"<{_clip(iri)}>"
            raise QueryRefused(
                f"{label}: SERVICE {shown} is refused: stancegraph does not send queries to other "
                "endpoints unless run with --allow-service"
            )
    for iri in graphs:
        if iri.startswith(local) and not iri.lower().startswith("file:"):
            continue
        if not remote_ok(iri):
            raise QueryRefused(
                f"{label}: FROM/USING <{_clip(iri)}> is refused: only the project's graphs "
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
                f"{label}: LOAD <{_clip(iri)}> is refused: loading from a URL needs "
                "--allow-service, and local files are never read"
            )
    return CheckedQuery(
        text=text, form=form, services=services, dataset_graphs=graphs, loads=loads, parsed=parsed
    )


def _parse_sparql(text: str, label: str) -> tuple[Any, str]:
    """rdflib's parsed form of ``text`` (a query, else an update) and its form."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    failures: list[ParseBaseException] = []
    for parse, translate in ((parseQuery, translateQuery), (parseUpdate, translateUpdate)):
        try:
            tree = parse(text)
        except ParseBaseException as exc:
            failures.append(exc)
            continue
        except RecursionError:
            raise QueryError(f"{label}: query nested too deeply to parse") from None
        except Exception as exc:
            reason = _clip(f"SPARQL syntax error: {_first_line(exc)}")
            raise QueryError(f"{label}: {reason}") from None
        try:
            prepared = translate(tree)
        except RecursionError:
            raise QueryError(f"{label}: query nested too deeply to parse") from None
        except Exception as exc:
            reason = _clip(f"not a valid SPARQL query: {_first_line(exc)}")
            raise QueryError(f"{label}: {reason}") from None
        if parse is parseUpdate:
            if isinstance(prepared, list) or not prepared.algebra:
                raise QueryError(f"{label}: query is empty (only comments or prefixes)")
            return prepared, "UPDATE"
        return prepared, _QUERY_FORMS.get(prepared.algebra.name, prepared.algebra.name)
    furthest = max(failures, key=lambda exc: exc.loc)
    rest = text[furthest.loc : furthest.loc + 40].split()
    found = rest[0] if rest else ""
    expected = furthest.msg.removeprefix("Expected ").strip()
    what = f"expected {expected}" + (f", found {found!r}" if found else ", found the end")
    raise QueryError(
        f"{label}:{furthest.lineno}:{furthest.col}: SPARQL syntax error: {_clip(what)}"
    )


def _sparql_reach(parsed: Any) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The SERVICE targets, FROM/USING graphs and LOAD sources of a parsed query or update."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    roots = parsed.algebra if isinstance(parsed.algebra, list) else [parsed.algebra]
    services: list[str] = []
    graphs: list[str] = []
    loads: list[str] = []
    stack: list[Any] = list(roots)
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                term = node["term"]
                services.append(f"?{term}" if isinstance(term, Variable) else str(term))
            elif node.name == "Load":
                loads.append(str(node["iri"]))
            elif node.name in ("DatasetClause", "UsingClause"):
                # CompValue.get returns the key itself when it is missing: test membership.
                graphs.extend(str(node[key]) for key in ("default", "named") if key in node)
            stack.extend(node.values())
        elif isinstance(node, list | tuple | ParseResults):
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
    return tuple(services), tuple(graphs), tuple(loads)


def _first_line(exc: BaseException) -> str:
    return ((str(exc).splitlines() or [""])[0]) or type(exc).__name__


def _positive_env(variable: str, default: int) -> int:
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
