"""The saved queries: the catalogue, its headers, parameters, engines and golden answers.

A saved query is one file ``queries/<name>.rq``: standard SPARQL 1.1 whose first lines are a
header in grlc's style, so the file stays valid SPARQL for any engine::

    #+ summary: Every stance on a target
    #+ description: Who is for or against the target, in public or in private?
    #+ columns:
    #+   - holder: who holds the stance
    #+   - polarity: for, against, welcome, concern...
    #+ params:
    #+   - target: iri; default <https://w3id.org/stancegraph/id/armed-group/hezbollah>; the target
    #+ tags: stances, headline

Every query is evaluated over the union of the named graphs (ontology, vocabularies, shapes,
actors and every source), so queries can follow ``rdfs:subPropertyOf*`` and read vocabulary
labels. Three engines run the same text:

- ``oxigraph``: an embedded pyoxigraph store (``use_default_graph_as_union=True``); parameters
  are bound with pyoxigraph's ``substitutions`` (SPARQL-dev SEP-0007);
- ``rdflib``: rdflib's evaluator over the assembled :class:`rdflib.Dataset` with its default
  graph the union; parameters go through ``initBindings``;
- a remote SPARQL 1.1 endpoint (``--endpoint``), POSTed as ``application/sparql-query``;
  parameters become a trailing ``VALUES`` block written from parsed terms by rdflib's serializer.

Parameter values are never pasted into query text: a value is parsed into one RDF term (an
``<iri>``, a prefixed name from :data:`PREFIXES`, or a plain literal) and handed to the engine's
binding mechanism. Every query text is checked before it runs: updates are refused, and so are
``SERVICE``, ``FROM`` and ``FROM NAMED`` unless the caller allows them.

Every engine's answer is read back from the W3C SPARQL 1.1 results format it wrote itself (JSON
for SELECT and ASK, N-Triples for CONSTRUCT), so answers compare across engines and with the
golden files under ``queries/expected/`` (``<name>.srj`` or ``<name>.ttl``).
"""

from __future__ import annotations

import functools
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.compare import isomorphic
from rdflib.namespace import XSD
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.query import Result
from rdflib.term import Node

from stancegraph import graph, isolation, names, safety
from stancegraph.errors import QueryError, StancegraphError, StoreError
from stancegraph.names import compact
from stancegraph.sources import Project

# ---------------------------------------------------------------------------------------------
# Prefixes: those a parameter value may use, and those the table output abbreviates with
# ---------------------------------------------------------------------------------------------

HOME = names.HOME
ID = names.ID_BASE
VOCAB = names.VOCAB_BASE

#: Prefixes a ``--param`` value may use (``person:vladimir-putin``, ``armed-group:hezbollah``,
#: ``claim:rd-syria-iran/3``): the one table of :mod:`stancegraph.names`.
PREFIXES = names.PREFIXES

#: Result formats of ``stancegraph query`` for SELECT and ASK, and for CONSTRUCT.
RESULT_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("table", "turtle", "ntriples", "jsonld")

ENGINES = ("oxigraph", "rdflib")

#: Header fields every saved query must have.
REQUIRED_FIELDS = ("summary", "description", "columns", "tags")

#: Parameter types a header may declare.
PARAM_TYPES = ("iri", "string", "integer", "decimal", "date", "boolean")

HEADLINE_TAG = "headline"

_XSD_STRING = XSD.string
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
#: What an error about a prefixed name suggests.
_PREFIX_HINT = (
    "write <https://...>, or a prefixed name with one of the project's prefixes (a kind as the "
    "data writes it or as the IRI spells it: person:, armedgroup: or armed-group:, claim:KEY/N; "
    "a concept scheme: polarity:; a standard one: sg:, rdfs:, wd:...; `stancegraph info` lists "
    "the kinds)"
)
#: ``urn:...``, ``mailto:...``, ``tag:...``: an absolute IRI of a scheme without ``//``.
_SCHEME_ONLY = re.compile(r"^(urn|mailto|tag|did|data):", re.I)
_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: A variable where a query's text mentions one (``?name`` or ``$name``).
_MENTIONED = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")
#: What Oxigraph says when a substitution names a variable the SELECT does not project.
_NOT_PROJECTED = re.compile(r"does not contains? variable \?(\w+) in its SELECT projection")


# ---------------------------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A parameter a saved query declares: a variable the caller may bind."""

    name: str
    type: str = "iri"
    default: str | None = None
    description: str = ""


@dataclass(frozen=True)
class SavedQuery:
    """One ``.rq`` file with its header."""

    name: str
    path: Path | None
    text: str
    summary: str = ""
    description: str = ""
    columns: tuple[tuple[str, str], ...] = ()
    params: tuple[Param, ...] = ()
    tags: tuple[str, ...] = ()
    fields: frozenset[str] = frozenset()
    #: ``(store, why and what to do)`` for each store known to answer it wrongly or not at all
    #: (``#+ deviations:``; store names as in :data:`STORE_SERVERS`).
    deviations: tuple[tuple[str, str], ...] = ()
    header_order: str | None = None
    #: ``#+ priority:``: the columns a narrow terminal keeps first, in that order.
    priority: tuple[str, ...] = ()

    @property
    def headline(self) -> bool:
        return HEADLINE_TAG in self.tags

    @property
    def form(self) -> str:
        """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``."""
        return query_form(self.text, self.name)

    @property
    def ordered(self) -> bool:
        """Whether the answer's row order is part of the answer (a top-level ORDER BY)."""
        return is_ordered(self.text, self.name)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def order(self) -> int | None:
        """``#+ order: N``: the place of its answer among the headline questions."""
        value = self.header_order
        return int(value) if value is not None and value.isdigit() else None


#: A header key: a word before the first colon of a ``#+`` line (``#+ summary: ...``).
_HEADER_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)\s*:(?!//)(.*)$")


def parse_header(text: str) -> dict[str, Any]:
    """The ``#+`` header of a query: ``{field: str | list[str]}``. The one reader of it: the
    catalogue, ``stancegraph query --list``, the site and ``void.ttl`` all read it here.

    - ``#+ key: value`` starts a field. Keys are the lower-case names queries/README.md
      documents (``summary``, ``description``, ``columns``, ``params``, ``tags``,
      ``deviations``, ``order``, ``priority``); a key written in another case is read in lower
      case (``#+ Summary:`` is ``summary``), so no reader can take it for text.
    - ``#+   - item`` adds an item to the current field (a value on the key's own line is its
      first item).
    - Any other ``#+`` line continues the current field: it is joined, after one space, to the
      field's value or to its last item. So a continuation line must not itself begin with a
      word and a colon (that starts a field).

    The header is over at the first line that is neither blank nor a comment (the SPARQL).
    """
    fields: dict[str, Any] = {}
    current: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line.startswith("#+"):
            if line and not line.startswith("#"):
                break  # the header is over at the first line of SPARQL
            continue
        body = line[2:].strip()
        if body.startswith("- ") and current is not None:
            value = fields[current]
            items = value if isinstance(value, list) else ([value] if value else [])
            items.append(body[2:].strip())
            fields[current] = items
            continue
        key = _HEADER_KEY.match(body)
        if key is not None:
            current = key.group(1).lower()
            fields[current] = key.group(2).strip()
            continue
        if current is None or not body:
            continue
        value = fields[current]
        if isinstance(value, list) and value:
            value[-1] = (value[-1] + " " + body).strip()
        elif isinstance(value, str):
            fields[current] = (value + " " + body).strip()
    return fields


def _text(value: str | list[str] | None) -> str:
    """A one-line field (summary, description): items, if any, joined by spaces."""
    if isinstance(value, list):
        return " ".join(value)
    return value or ""


def _items(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [v.strip() for v in value.split(",") if v.strip()]


def _tags(value: str | list[str] | None) -> tuple[str, ...]:
    """``#+ tags: a, b`` or one item per tag, or items of several: each comma-separated word."""
    return tuple(t.strip() for item in _items(value) for t in item.split(",") if t.strip())


def _pairs(value: str | list[str] | None) -> tuple[tuple[str, str], ...]:
    if isinstance(value, str) and value.strip().lower().startswith("none"):
        return ()  # ASK and CONSTRUCT: "none (the answer is true or false)"
    pairs = []
    for item in _items(value) if isinstance(value, list) else ([value] if value else []):
        name, _, meaning = item.partition(":")
        pairs.append((name.strip().lstrip("?"), meaning.strip()))
    return tuple(pairs)


def _params(value: str | list[str] | None, where: str) -> tuple[Param, ...]:
    params = []
    if value is None:
        return ()
    if isinstance(value, str) and value.strip().lower() in ("", "none", "-"):
        return ()  # "#+ params: none"
    for item in _items(value) if isinstance(value, list) else [value or ""]:
        name, _, rest = item.partition(":")
        name = name.strip().lstrip("?")
        parts = [p.strip() for p in rest.split(";")]
        ptype = parts[0] if parts and parts[0] else "iri"
        default = None
        description = []
        for part in parts[1:]:
            if part.startswith("default "):
                default = part.removeprefix("default ").strip()
            elif part:
                description.append(part)
        if not _VAR.match(name):
            raise QueryError(f"{where}: parameter name {name!r} is not a SPARQL variable name")
        if ptype not in PARAM_TYPES:
            raise QueryError(
                f"{where}: parameter {name!r} has unknown type {ptype!r} "
                f"(one of {', '.join(PARAM_TYPES)})"
            )
        params.append(Param(name, ptype, default, "; ".join(description)))
    return tuple(params)


def read_query(path: str | Path, name: str | None = None) -> SavedQuery:
    """Read a query file (through :mod:`stancegraph.safety`: a URL is refused, size limit,
    strict UTF-8). Give ``path`` as the user wrote it: ``Path("http://h/q.rq")`` would turn the
    URL into the file name ``http:/h/q.rq``, which no longer looks like one."""
    text = safety.decode(safety.read_limited(path), path)
    return make_query(text, name or Path(path).stem, Path(path))


def make_query(text: str, name: str = "query", path: Path | None = None) -> SavedQuery:
    """A :class:`SavedQuery` from its text (the header may be missing)."""
    where = str(path) if path is not None else name
    header = parse_header(text)
    return SavedQuery(
        name=name,
        path=path,
        text=text,
        summary=_text(header.get("summary")),
        description=_text(header.get("description")),
        columns=_pairs(header.get("columns")),
        params=_params(header.get("params"), where),
        tags=_tags(header.get("tags")),
        fields=frozenset(header),
        deviations=_pairs(header.get("deviations")),
        header_order=_text(header.get("order")).strip() or None,
        priority=_tags(header.get("priority")),
    )


def query_files(project: Project) -> list[Path]:
    """The saved analytic queries: ``queries/*.rq``, sorted by name."""
    folder = project.queries_dir
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.rq") if p.is_file())


def catalogue(project: Project) -> list[SavedQuery]:
    """Every saved query of the project, sorted by name."""
    return [read_query(p) for p in query_files(project)]


def find(project: Project, name: str) -> SavedQuery:
    """The saved query ``name`` (its file name without ``.rq``)."""
    if not _NAME.match(name):
        raise QueryError(
            f"{name!r} is not a saved query name (lower-case words joined by '-')"
            f"{did_you_mean(project, name.lower().replace('_', '-'))}"
        )
    path = project.queries_dir / f"{name}.rq"
    if not path.is_file():
        raise QueryError(f"no saved query {name!r}{did_you_mean(project, name)}")
    return read_query(path)


#: Up to this many saved queries, an unknown name's error lists them all.
LIST_KNOWN = 12


def did_you_mean(project: Project, name: str) -> str:
    """What follows ``no saved query 'timline'``: the close names (``; did you mean
    'timeline'?``), and the known ones if they are few, else where the list is."""
    import difflib

    known = [q.stem for q in query_files(project)]
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    if not close:  # a part of a name: "reactions" for withdrawal-reactions
        close = [k for k in known if name in k][:3]
    if len(known) <= LIST_KNOWN:
        listing = f"known: {', '.join(known) or '(none)'}"
    else:
        listing = f"'stancegraph query --list' lists the {len(known)} saved queries"
    if close:
        return f"; did you mean {' or '.join(repr(c) for c in close)}? ({listing})"
    return f"; {listing}" if len(known) <= LIST_KNOWN else f" ({listing})"


def usage(query: SavedQuery) -> str:
    """What ``stancegraph query NAME --help`` says of a saved query: its summary, description,
    columns, parameters with types and defaults, and an example command."""
    lines = [query.summary or query.name, ""]
    if query.description:
        lines += [query.description, ""]
    if query.columns:
        lines.append("Columns:")
        lines += [f"  {name}: {what}" for name, what in query.columns]
        lines.append("")
    lines.append("Parameters:" if query.params else "Parameters: none")
    for p in query.params:
        default = f"; default {short_default(p)}" if p.default is not None else "; no default"
        about = f": {p.description}" if p.description else ""
        lines.append(f"  {p.name} ({p.type}{default}){about}")
    lines += ["", "Example:", f"  {example(query)}"]
    if query.tags:
        lines += ["", f"Tags: {', '.join(query.tags)}"]
    return "\n".join(lines)


def short_default(param: Param) -> str | None:
    """A parameter's default as a user types it: ``armedgroup:hezbollah`` for an IRI."""
    value = param.default
    if value is not None and value.startswith("<") and value.endswith(">"):
        return names.prefixed(value[1:-1], names.PREFIXES)
    return value


def example(query: SavedQuery) -> str:
    """A command that runs ``query``: with its first parameter bound to its default, if any."""
    words = ["stancegraph", "query", query.name]
    bound = next((p for p in query.params if p.default is not None), None)
    if bound is not None:
        words += ["--param", f"{bound.name}={short_default(bound)}"]
    elif query.params:
        words += ["--param", f"{query.params[0].name}=VALUE"]
    return " ".join(words)


def header_problems(query: SavedQuery) -> list[str]:
    """What a saved query's header lacks (empty when complete)."""
    problems = [f"no '#+ {f}:'" for f in REQUIRED_FIELDS if f not in query.fields]
    if "params" not in query.fields:
        problems.append("no '#+ params:' (write 'none' if it takes none)")
    if "summary" in query.fields and not query.summary:
        problems.append("empty summary")
    if "description" in query.fields and not query.description:
        problems.append("empty description")
    if query.form == "SELECT":
        declared = [c for c, _ in query.columns]
        projected = select_variables(query.text, query.name)
        if projected is not None and declared != projected:
            problems.append(f"columns {declared} are not the projected variables {projected}")
    for name, meaning in query.columns:
        if not meaning:
            problems.append(f"column {name!r} has no meaning")
    stores = [name for _, name in STORE_SERVERS]
    for name, why in query.deviations:
        if name not in stores:
            problems.append(f"deviation for unknown store {name!r} (one of {', '.join(stores)})")
        elif not why:
            problems.append(f"deviation on {name} says nothing")
    projected = select_variables(query.text, query.name) if query.form == "SELECT" else None
    for p in query.params:
        if projected is not None and p.name not in projected:
            # pyoxigraph binds by substitution (SEP-0007), which needs the variable projected
            problems.append(f"parameter {p.name!r} is not a projected column")
        if p.default is None:
            problems.append(f"parameter {p.name!r} has no default")
        if not p.description:
            problems.append(f"parameter {p.name!r} has no description")
    return problems


# ---------------------------------------------------------------------------------------------
# Checking query text before it runs
# ---------------------------------------------------------------------------------------------


_checked: dict[tuple[str, bool, bool, str], safety.CheckedQuery] = {}


def _check(text: str, allow_service: bool, allow_update: bool, where: str) -> safety.CheckedQuery:
    key = (text, allow_service, allow_update, where)
    if key not in _checked:
        if len(_checked) > 256:
            _checked.clear()
        _checked[key] = safety.check_query(
            text, allow_service=allow_service, allow_update=allow_update, name=where
        )
    return _checked[key]


def check_query(
    text: str, *, allow_service: bool = False, where: str = "query"
) -> safety.CheckedQuery:
    """Refuse what ``query`` must not run (:func:`stancegraph.safety.check_query`): any update,
    and ``SERVICE`` or a ``FROM`` naming anything but the project's graphs unless
    ``allow_service``; syntax errors name file, line and column. Parsed once per text."""
    return _check(text, allow_service, False, where)


def _algebra(text: str, where: str) -> Any:
    """rdflib's algebra of ``text`` (parsed by :mod:`stancegraph.safety`)."""
    checked = _check(text, True, True, where)
    if checked.is_update:
        raise QueryError(f"{where}: SPARQL Update is refused: a saved query only reads")
    return checked.parsed.algebra


_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}


def query_form(text: str, where: str = "query") -> str:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``."""
    return _FORMS[_algebra(text, where).name]


def is_ordered(text: str, where: str = "query") -> bool:
    """Whether the query's outermost solution sequence is ordered by ORDER BY."""
    node = _algebra(text, where).p
    while isinstance(node, CompValue):
        if node.name == "OrderBy":
            return True
        if node.name not in ("Project", "Slice", "Distinct", "Reduced", "ToMultiSet"):
            return False
        node = node.p
    return False


def joined_variables(text: str, where: str = "query") -> set[str]:
    """Variables that occur in a triple pattern of the query (not only in a FILTER or BIND)."""
    found: set[str] = set()
    for node in safety.algebra_nodes([_algebra(text, where)]):
        if node.name == "BGP":
            for triple in node.get("triples") or []:
                found.update(str(t) for t in triple if isinstance(t, Variable))
    return found


def variables_below_the_top_filters(text: str) -> set[str]:
    """Variables of the query's WHERE clause outside the FILTERs of its outermost group: in its
    triple patterns, BINDs, nested groups and their filters. A parameter not among them (and
    not in :func:`joined_variables`) is used only by those top-level filters."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parser import parseQuery

    found: set[str] = set()
    where_clause = parseQuery(text)[1].get("where")
    parts = list(where_clause.get("part") or []) if where_clause is not None else []
    stack: list[Any] = [part for part in parts if getattr(part, "name", None) != "Filter"]
    while stack:
        node = stack.pop()
        if isinstance(node, Variable):
            found.add(str(node))
        elif isinstance(node, CompValue):
            stack.extend(node.values())
        elif isinstance(node, list | tuple | ParseResults):
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
    return found


#: What the scan for the WHERE clause's brace steps over whole: a comment, an IRI, a string.
_SCAN_SKIP = re.compile(
    r"#[^\n]*"
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|"(?:[^"\\\n]|\\.)*"'
)


def where_group_start(text: str) -> int:
    """The offset of the ``{`` that opens a SELECT or ASK query's WHERE clause: the first brace
    outside comments, IRIs and strings."""
    at = 0
    while at < len(text):
        skipped = _SCAN_SKIP.match(text, at)
        if skipped and skipped.end() > at:
            at = skipped.end()
            continue
        if text[at] == "{":
            return at
        at += 1
    raise QueryError("the query has no WHERE clause to bind parameters in")


def select_variables(text: str, where: str = "query") -> list[str] | None:
    """The projected variables of a SELECT, in order (``None`` for ``SELECT *``)."""
    algebra = _algebra(text, where)
    if algebra.name != "SelectQuery":
        return None
    return [str(v) for v in algebra.PV]


# ---------------------------------------------------------------------------------------------
# Parameters: parsed into RDF terms, bound by the engine
# ---------------------------------------------------------------------------------------------


def parse_iri(value: str, where: str = "parameter") -> URIRef:
    """An absolute IRI from ``<iri>``, ``prefix:local`` (see :data:`PREFIXES`) or ``scheme:...``."""
    raw = value.strip()
    if raw.startswith("<") and raw.endswith(">"):
        iri = raw[1:-1]
    else:
        if names.is_prefixed(raw):
            iri = str(names.expand(raw))
        elif _SCHEME.match(raw) and "://" in raw:
            iri = raw
        else:
            raise QueryError(f"{where}: {raw!r} is not an IRI: {_PREFIX_HINT}")
    if not _SCHEME.match(iri) or _IRI_FORBIDDEN.search(iri):
        raise QueryError(f"{where}: {iri!r} is not an absolute IRI")
    return URIRef(iri)


def looks_like_iri(value: str) -> bool:
    """``<...>``, a prefixed name with one of :data:`PREFIXES`, or ``scheme://...``."""
    raw = value.strip()
    if raw.startswith("<") and raw.endswith(">"):
        return True
    if names.is_prefixed(raw):
        return True
    return bool(_SCHEME.match(raw)) and "://" in raw and not _IRI_FORBIDDEN.search(raw)


def parse_value(value: str, ptype: str | None = None, where: str = "parameter") -> Node:
    """One RDF term for a parameter value; the value is never pasted into query text.

    ``<iri>``, a prefixed name from :data:`PREFIXES` or an absolute ``scheme://`` IRI is an IRI
    (validated); anything else is a plain literal, or a typed one where the parameter declares
    ``integer``, ``decimal``, ``date`` or ``boolean``.
    """
    if looks_like_iri(value):
        return parse_iri(value, where)
    prefix = names.looks_prefixed(value)
    if prefix is not None and ptype in ("iri", None) and not _SCHEME_ONLY.match(value.strip()):
        # ``armed_group:hezbollah``: a prefixed name with a typing error would otherwise be
        # bound as text and match nothing, silently
        raise QueryError(
            f"{where}: unknown prefix {prefix + ':'!r} in {value.strip()!r}: {_PREFIX_HINT}"
        )
    datatypes = {
        "integer": XSD.integer,
        "decimal": XSD.decimal,
        "date": XSD.date,
        "boolean": XSD.boolean,
    }
    if ptype in datatypes:
        literal = Literal(value.strip(), datatype=datatypes[ptype])
        if literal.ill_typed:
            raise QueryError(f"{where}: {value!r} is not a valid {ptype}")
        return literal
    return Literal(value)


def binding_notes(query: SavedQuery, bindings: Mapping[str, Node]) -> list[str]:
    """Warnings for the user: an IRI parameter bound to a literal matches nothing."""
    notes = []
    for p in query.params:
        term = bindings.get(p.name)
        if p.type == "iri" and isinstance(term, Literal):
            notes.append(
                f"--param {p.name}: {str(term)!r} is not an IRI, so it is bound as a literal and "
                f"will match no {p.name}; write <https://...> or a prefixed name such as "
                "armedgroup:hezbollah"
            )
    return notes


def bindings_for(query: SavedQuery, given: Mapping[str, str]) -> dict[str, Node]:
    """The terms to bind: the caller's values, else the header's defaults.

    A name the query does not declare is refused for saved queries; for a user's own file
    (no declared parameters) any variable name may be bound.
    """
    declared = {p.name: p for p in query.params}
    out: dict[str, Node] = {}
    for name, value in given.items():
        key = name.lstrip("?$")
        if not _VAR.match(key):
            raise QueryError(f"--param {name!r}: not a SPARQL variable name")
        if (declared or "params" in query.fields) and key not in declared:
            takes = ", ".join(declared) or "no parameter"
            raise QueryError(
                f"{query.name}: no parameter {key!r}; it takes {takes} "
                f"(see 'stancegraph query {query.name} --help')"
            )
        if not declared:
            where = str(query.path) if query.path is not None else query.name
            used = sorted(set(_MENTIONED.findall(query.text)))
            if key not in used:
                shown = ", ".join(f"?{v}" for v in used) or "none"
                raise QueryError(
                    f"{where}: --param {key}: the query has no ?{key} (its variables: {shown})"
                )
        ptype = declared[key].type if key in declared else None
        out[key] = parse_value(value, ptype, where=f"--param {key}")
    for name, p in declared.items():
        if name not in out and p.default is not None:
            out[name] = parse_value(p.default, p.type, where=f"{query.name}: default of {name}")
    return out


def parse_param_options(options: Sequence[str]) -> dict[str, str]:
    """``["name=value", ...]`` from the command line."""
    out: dict[str, str] = {}
    for option in options:
        name, sep, value = option.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"--param {option!r}: expected NAME=VALUE")
        out[name.strip()] = value
    return out


def values_block(bindings: Mapping[str, Node]) -> str:
    """A trailing ``VALUES`` clause for engines without a binding API, written by rdflib's
    serializer from parsed terms (IRIs validated, literals escaped)."""
    if not bindings:
        return ""
    names = " ".join(f"?{k}" for k in bindings)
    terms = []
    for key, term in bindings.items():
        if not _VAR.match(key):
            raise QueryError(f"{key!r} is not a SPARQL variable name")
        if isinstance(term, URIRef) and _IRI_FORBIDDEN.search(str(term)):
            raise QueryError(f"{str(term)!r} is not an IRI")
        terms.append(term.n3())
    return f"\nVALUES ({names}) {{ ({' '.join(terms)}) }}\n"


# ---------------------------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------------------------

Row = tuple[Node | None, ...]


def normalize(term: Node | None) -> Node | None:
    """One spelling per term: ``"x"^^xsd:string`` is ``"x"`` (RDF 1.1 says they are the same)."""
    if isinstance(term, Literal) and term.datatype == _XSD_STRING:
        return Literal(str(term))
    return term


@dataclass
class Answer:
    """What a query returned, read back from the W3C format the engine wrote."""

    form: str
    variables: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None
    results_json: bytes | None = None  # SELECT and ASK: W3C SPARQL 1.1 Query Results JSON
    #: What the user must know about this answer (a known deviation of the store that gave it).
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_results_json(cls, data: bytes) -> Answer:
        try:
            result = Result.parse(io.BytesIO(data), format="json")
        except Exception as exc:
            raise QueryError(f"unreadable SPARQL results: {type(exc).__name__}: {exc}") from None
        if result.type == "ASK":
            return cls(form="ASK", boolean=bool(result.askAnswer), results_json=data)
        variables = [str(v) for v in (result.vars or [])]
        rows = [tuple(normalize(b.get(Variable(v))) for v in variables) for b in result.bindings]
        return cls(form="SELECT", variables=variables, rows=rows, results_json=data)

    @classmethod
    def from_rows(cls, variables: Sequence[str], rows: Sequence[Row]) -> Answer:
        """A SELECT answer of ``rows`` (rdflib terms, ``None`` for unbound), its results JSON
        written by rdflib's serializer."""
        result = Result("SELECT")
        result.vars = [Variable(v) for v in variables]
        result.bindings = [
            {Variable(v): t for v, t in zip(variables, row, strict=True) if t is not None}
            for row in rows
        ]
        data = result.serialize(format="json")
        assert data is not None
        return cls(
            form="SELECT",
            variables=list(variables),
            rows=[tuple(normalize(t) for t in row) for row in rows],
            results_json=data,
        )

    @classmethod
    def from_ntriples(cls, data: bytes) -> Answer:
        g = Graph()
        g.parse(data=data.decode("utf-8"), format="nt")
        names.bind(g)
        return cls(form="CONSTRUCT", graph=g)

    def __len__(self) -> int:
        if self.form == "ASK":
            return int(bool(self.boolean))
        if self.graph is not None:
            return len(self.graph)
        return len(self.rows)

    def serialize(self, fmt: str) -> bytes:
        """The answer in a W3C format: csv, tsv, json, xml; turtle, ntriples, jsonld."""
        if self.form in ("CONSTRUCT", "DESCRIBE"):
            names = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld"}
            if fmt not in names:
                raise QueryError(
                    f"--format {fmt} is for SELECT and ASK; a {self.form} answer is a graph: "
                    "use turtle, ntriples or jsonld"
                )
            assert self.graph is not None
            text = self.graph.serialize(format=names[fmt])
            return text.encode("utf-8") if isinstance(text, str) else text
        formats = {
            "csv": ox.QueryResultsFormat.CSV,
            "tsv": ox.QueryResultsFormat.TSV,
            "json": ox.QueryResultsFormat.JSON,
            "xml": ox.QueryResultsFormat.XML,
        }
        if fmt not in formats:
            raise QueryError(
                f"--format {fmt} is for CONSTRUCT; a {self.form} answer is a table of results: "
                "use csv, tsv, json or xml"
            )
        assert self.results_json is not None
        if fmt == "json":
            return self.results_json
        parsed = ox.parse_query_results(self.results_json, format=ox.QueryResultsFormat.JSON)
        return parsed.serialize(format=formats[fmt])

    def page(self, offset: int = 0, limit: int | None = None, ordered: bool = True) -> Answer:
        """The rows (or triples) from ``offset``, at most ``limit`` of them: for ``--offset`` and
        ``--limit``. Rows the query leaves unordered, and triples, are first put in the golden
        files' order (:func:`row_sort_key`), so that two pages never overlap."""
        if self.form == "ASK" or (offset == 0 and limit is None):
            return self
        end = None if limit is None else offset + limit
        if self.graph is not None:
            kept = sorted(self.graph, key=row_sort_key)[offset:end]
            g = Graph()
            names.bind(g)
            for triple in kept:
                g.add(triple)
            return Answer(form=self.form, graph=g, notes=list(self.notes))
        assert self.results_json is not None
        doc = json.loads(self.results_json)
        pairs = list(zip(self.rows, doc["results"]["bindings"], strict=True))
        if not ordered:
            pairs.sort(key=lambda pair: row_sort_key(pair[0]))
        pairs = pairs[offset:end]
        doc["results"]["bindings"] = [b for _, b in pairs]
        return Answer(
            form=self.form,
            variables=list(self.variables),
            rows=[r for r, _ in pairs],
            results_json=json.dumps(doc, ensure_ascii=False).encode("utf-8"),
            notes=list(self.notes),
        )

    def select(self, columns: Sequence[str], where: str = "query") -> Answer:
        """The answer with only ``columns``, in that order (``--columns``); a column it does not
        have is a :class:`QueryError` naming those it has. A graph or yes/no answer has no
        columns to choose."""
        if self.form != "SELECT" or self.results_json is None:
            raise QueryError(f"--columns: {where} answers with a {self.form}, not columns")
        missing = [c for c in columns if c not in self.variables]
        if missing:
            raise QueryError(
                f"--columns: {where} has no column {missing[0]!r}; it has "
                f"{', '.join(self.variables)}"
            )
        doc = json.loads(self.results_json)
        doc["head"]["vars"] = list(columns)
        doc["results"]["bindings"] = [
            {c: b[c] for c in columns if c in b} for b in doc["results"]["bindings"]
        ]
        index = [self.variables.index(c) for c in columns]
        return Answer(
            form=self.form,
            variables=list(columns),
            rows=[tuple(r[i] for i in index) for r in self.rows],
            results_json=json.dumps(doc, ensure_ascii=False).encode("utf-8"),
            notes=list(self.notes),
        )

    def iri_columns(self) -> list[str]:
        """The variables bound to an IRI in at least one row."""
        return [
            v
            for i, v in enumerate(self.variables)
            if any(isinstance(r[i], URIRef) for r in self.rows)
        ]

    def with_labels(
        self, names: Mapping[URIRef, str], columns: Sequence[str] | None = None
    ) -> Answer:
        """The answer with a label column after each column that holds an IRI (``holder``,
        ``holderLabel``), or after each of ``columns`` (those of the whole answer, for a page
        of it): the label of :func:`labels`, whole, or nothing where the IRI has none. For
        ``--labels`` with csv, tsv, json and xml; a graph or a yes/no answer is left as it is."""
        if self.form != "SELECT" or self.results_json is None:
            return self
        chosen = self.iri_columns() if columns is None else columns
        with_iris = [i for i, v in enumerate(self.variables) if v in chosen]
        taken = set(self.variables)
        label_of: dict[int, str] = {}
        for i in with_iris:
            label = f"{self.variables[i]}Label"
            while label in taken:
                label += "_"
            taken.add(label)
            label_of[i] = label
        variables = []
        for i, v in enumerate(self.variables):
            variables.append(v)
            if i in label_of:
                variables.append(label_of[i])
        doc = json.loads(self.results_json)
        doc["head"]["vars"] = variables
        for row, binding in zip(self.rows, doc["results"]["bindings"], strict=True):
            for i, label in label_of.items():
                term = row[i]
                if isinstance(term, URIRef) and term in names:
                    binding[label] = {"type": "literal", "value": names[term]}
        return Answer.from_results_json(json.dumps(doc, ensure_ascii=False).encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# Engines
# ---------------------------------------------------------------------------------------------


class Engine(Protocol):
    name: str

    def run(
        self, text: str, form: str, bindings: Mapping[str, Node], prepared: Any = None
    ) -> Answer: ...


def _to_ox(term: Node) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    try:
        return graph.to_oxigraph(term)
    except TypeError:
        raise QueryError(f"cannot bind {term!r}") from None


def memory_store(dataset: Dataset) -> ox.Store:
    """An in-memory pyoxigraph store holding every named graph of ``dataset``, one graph per
    layer: the one way the package puts an assembled dataset into Oxigraph. Make it once per
    command and pass it on (:class:`OxigraphEngine` ``store=``; the site and the pictures take
    it), since each call serialises the whole dataset."""
    store = ox.Store()
    store.load(graph.nquads(dataset), format=ox.RdfFormat.N_QUADS)
    return store


def open_store(project: Project) -> ox.Store:
    """The embedded on-disk store, read-only (:func:`stancegraph.store.ensure_embedded`: reused
    while the sources are unchanged, reloaded first when they changed)."""
    from stancegraph import store

    return store.ensure_embedded(project)


def _ox_evaluate(
    store: ox.Store, text: str, form: str, substitutions: dict[str, Node], union: bool = True
) -> bytes:
    """Run one query on Oxigraph and return the W3C serialization of the answer (plain bytes,
    so that it can come back from :func:`stancegraph.isolation.run_with_deadline`'s worker).

    The error raised holds no reference to pyoxigraph's result object: that object may only be
    dropped by the thread that made it (else pyoxigraph prints "PyQuerySolutions is unsendable"
    on stderr), so it must die with the frame that made it, here.
    """
    problem: BaseException
    try:
        return _ox_answer(store, text, form, substitutions, union)
    except (SyntaxError, OSError, RuntimeError, ValueError, TypeError) as exc:
        problem = _ox_problem(exc)
    raise problem  # outside the except blocks: no __context__ leading back to the result


def _ox_problem(exc: BaseException) -> BaseException:
    """The error to raise for what pyoxigraph raised (``exc`` itself if it is none of its)."""
    if isinstance(exc, SyntaxError):
        first = (str(exc).strip().splitlines() or [""])[0]
        return QueryError(f"Oxigraph cannot parse the query: {first}")
    if isinstance(exc, OSError):
        # e.g. a SERVICE endpoint's error, which quotes what the endpoint answered
        return StoreError(f"Oxigraph: {one_line(str(exc))}")
    if isinstance(exc, RuntimeError | ValueError | TypeError) and not isinstance(
        exc, StancegraphError
    ):
        first = (str(exc).strip().splitlines() or [""])[0]
        unselected = _NOT_PROJECTED.search(first)
        if unselected:
            name = unselected.group(1)
            return QueryError(
                f"--param {name}: Oxigraph binds only a variable the query selects, and ?{name} "
                "is not in its SELECT clause: select it, or run with --engine rdflib"
            )
        return QueryError(f"Oxigraph could not run the query: {first}")
    return exc


def one_line(text: str, limit: int = 200) -> str:
    """``text`` (which may come from a remote endpoint) as one printable line of at most
    ``limit`` characters: line breaks, tabs and control characters become spaces."""
    shown = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _ox_answer(
    store: ox.Store, text: str, form: str, substitutions: dict[str, Node], union: bool = True
) -> bytes:
    """``union``: the default graph is the union of the named graphs, as in every engine; not
    for a query that names its own dataset (FROM, FROM NAMED), which pyoxigraph's union flag
    would override (the query's FROM <graph/actors> counted every graph)."""
    result = store.query(
        text,
        use_default_graph_as_union=union,
        substitutions={ox.Variable(k): _to_ox(v) for k, v in substitutions.items()} or None,
    )
    if form in ("CONSTRUCT", "DESCRIBE"):
        return result.serialize(format=ox.RdfFormat.N_TRIPLES)
    return result.serialize(format=ox.QueryResultsFormat.JSON)


def _rdflib_evaluate(dataset: Dataset, text: Any, form: str, bindings: dict[str, Node]) -> bytes:
    """Run one query on rdflib and return the W3C serialization of the answer."""
    try:
        result = dataset.query(text, initBindings={Variable(k): v for k, v in bindings.items()})
        if form in ("CONSTRUCT", "DESCRIBE"):
            assert result.graph is not None
            out = result.graph.serialize(format="nt")
        else:
            out = result.serialize(format="json")
    except (QueryError, MemoryError):
        raise
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [""])[0]
        raise QueryError(f"rdflib could not run the query: {type(exc).__name__}: {first}") from None
    assert out is not None
    return out.encode("utf-8") if isinstance(out, str) else out


def _answer(form: str, data: bytes) -> Answer:
    if form in ("CONSTRUCT", "DESCRIBE"):
        return Answer.from_ntriples(data)
    return Answer.from_results_json(data)


class OxigraphEngine:
    """pyoxigraph over the union of the named graphs; parameters via ``substitutions``.

    Over a project it uses the embedded on-disk store; an in-memory ``store`` may be given
    instead. Each query runs in a forked worker (:func:`stancegraph.isolation.run_with_deadline`)
    that is killed past the time limit (``timeout``, default ``STANCEGRAPH_QUERY_TIMEOUT``) and
    stopped past the memory limit (``memory`` MiB, default ``STANCEGRAPH_QUERY_MEMORY``). The
    worker opens the on-disk store itself, read-only (a fork would not carry RocksDB's threads);
    an in-memory store it shares with this process.
    """

    name = "oxigraph"

    def __init__(
        self,
        project: Project | None = None,
        store: ox.Store | None = None,
        timeout: float | None = None,
        memory: int | None = None,
    ) -> None:
        self._project = project
        self._store = store
        self._location: Path | None = None
        self.timeout = timeout
        self.memory = memory

    @property
    def store(self) -> ox.Store:
        """The store, opened in this process (the on-disk one read-only)."""
        if self._store is not None:
            return self._store
        from stancegraph import store

        return store.open_embedded(self._embedded())

    def _embedded(self) -> Path:
        """Where the embedded store is, loaded from the current sources first if they changed."""
        if self._location is None:
            from stancegraph import store

            assert self._project is not None
            open_store(self._project)  # (re)loads it if stale; the store it opens is let go
            self._location = store.store_location(self._project)
        return self._location

    def run(
        self, text: str, form: str, bindings: Mapping[str, Node], prepared: Any = None
    ) -> Answer:
        memory = self.memory if self.memory is not None else isolation.query_memory_default()
        limits: dict[str, Any] = {"timeout": self.timeout, "memory": memory}
        if prepared is None:
            prepared = safety.check_query(text).parsed
        union = not safety.names_dataset(prepared)
        if self._store is not None:
            data = isolation.run_with_deadline(
                _ox_evaluate, self._store, text, form, dict(bindings), union, **limits
            )
        else:
            from stancegraph import store

            opening = functools.partial(store.open_embedded, self._embedded())
            data = isolation.run_with_deadline(
                _ox_evaluate, text, form, dict(bindings), union, setup=opening, **limits
            )
        return _answer(form, data)

    def run_page(
        self,
        text: str,
        form: str,
        bindings: Mapping[str, Node],
        prepared: Any = None,
        *,
        offset: int = 0,
        limit: int | None = None,
        ordered: bool = True,
        iri_columns: bool = False,
    ) -> Page:
        """One page of the answer (:func:`run_page`), from a worker that goes on counting the
        rest: :meth:`Page.total` waits for the count, :meth:`Page.close` stops it."""
        memory = self.memory if self.memory is not None else isolation.query_memory_default()
        if prepared is None:
            prepared = safety.check_query(text).parsed
        union = not safety.names_dataset(prepared)
        args = (text, form, dict(bindings), union, offset, limit, ordered, iri_columns)
        if self._store is not None:
            parts = isolation.stream_with_deadline(
                _ox_pages, self._store, *args, timeout=self.timeout, memory=memory
            )
        else:
            from stancegraph import store

            opening = functools.partial(store.open_embedded, self._embedded())
            parts = isolation.stream_with_deadline(
                _ox_pages, *args, timeout=self.timeout, memory=memory, setup=opening
            )
        first = next(parts)
        if first[0] == "ask":
            parts.close()
            answer = Answer.from_results_json(
                json.dumps({"head": {}, "boolean": first[1]}).encode("utf-8")
            )
            return Page(answer, offset, limit, more=False, _total=int(first[1]))
        _, data, more = first
        if form in ("CONSTRUCT", "DESCRIBE"):
            answer = Answer.from_ntriples(data)
        else:
            variables, rows = data
            answer = Answer.from_rows(variables, rows)
        return Page(answer, offset, limit, more=more, _rest=parts)


class RdflibEngine:
    """rdflib's SPARQL evaluator; the default graph is the union; parameters via initBindings.

    Each query runs in a forked worker (:func:`stancegraph.isolation.run_with_deadline`) that is
    killed past the time limit and stopped past the memory limit (see :class:`OxigraphEngine`):
    rdflib's evaluator cannot be interrupted otherwise.
    """

    name = "rdflib"

    def __init__(
        self,
        project: Project | None = None,
        dataset: Dataset | None = None,
        timeout: float | None = None,
        memory: int | None = None,
    ) -> None:
        self._project = project
        self._dataset = dataset
        self.timeout = timeout
        self.memory = memory

    @property
    def dataset(self) -> Dataset:
        if self._dataset is None:
            assert self._project is not None
            self._dataset = graph.assemble(self._project)
        self._dataset.default_union = True
        return self._dataset

    def run(
        self, text: str, form: str, bindings: Mapping[str, Node], prepared: Any = None
    ) -> Answer:
        """``prepared``: rdflib's parsed form of ``text`` (from the safety check), if at hand."""
        data = isolation.run_with_deadline(
            _rdflib_evaluate,
            self.dataset,
            prepared if prepared is not None else text,
            form,
            dict(bindings),
            timeout=self.timeout,
            memory=self.memory if self.memory is not None else isolation.query_memory_default(),
        )
        return _answer(form, data)


#: How ``query --endpoint`` tells the store it talks to: the start of the ``Server`` header of
#: its answers, and the name the ``#+ deviations:`` header of a saved query uses for it.
STORE_SERVERS = (
    ("Virtuoso/", "virtuoso"),
    ("Oxigraph/", "oxigraph"),
    ("Apache Jena Fuseki", "fuseki"),
)

#: The column Virtuoso 7.2 answers an ASK query with, in place of the W3C ``boolean``.
_VIRTUOSO_ASK = "__ASK_RETVAL"


def store_of(server: str) -> str | None:
    """The store a ``Server`` header names (:data:`STORE_SERVERS`), or ``None``."""
    for prefix, name in STORE_SERVERS:
        if server.startswith(prefix):
            return name
    return None


def _ask_from_table(data: bytes) -> bytes:
    """Virtuoso 7.2 answers ASK with a table: one column ``__ASK_RETVAL``, one row holding 1
    when the pattern matches, no row when it does not. The W3C boolean form of that answer."""
    try:
        doc = json.loads(data)
        if doc.get("head", {}).get("vars") != [_VIRTUOSO_ASK] or "boolean" in doc:
            return data
        rows = doc["results"]["bindings"]
        value = any(row.get(_VIRTUOSO_ASK, {}).get("value") not in (None, "0") for row in rows)
    except (ValueError, AttributeError, KeyError, TypeError):
        return data  # not results JSON: Answer.from_results_json says so
    return json.dumps({"head": {}, "boolean": value}).encode("utf-8")


def virtuoso_misjoins_values(text: str) -> bool:
    """Whether Virtuoso 7.2 would answer ``text`` with a trailing VALUES block as if the block
    bound its variables without joining them (measured: every stance comes back, each with the
    parameter's value as its target). It does so when the outermost group pattern holds a BIND
    after its first element, or is a subquery, or holds subqueries but no triple pattern."""
    from rdflib.plugins.sparql.parser import parseQuery

    where = parseQuery(text)[1].get("where")
    if where is None:
        return False
    if where.name == "SubSelect":
        return True
    parts = list(where.get("part") or [])
    if any(part.name == "Bind" for part in parts[1:]):
        return True
    subqueries = any(
        part.name == "GroupOrUnionGraphPattern"
        and any(g.name == "SubSelect" for g in part.get("graph") or [])
        for part in parts
    )
    return subqueries and not any(part.name == "TriplesBlock" for part in parts)


def endpoint_text(text: str, bindings: Mapping[str, Node]) -> str:
    """The text a remote endpoint is sent for ``text`` with ``bindings``: the parameters as a
    ``VALUES`` block (:func:`values_block`), trailing, or first in the WHERE clause where the
    query uses a parameter only in the FILTERs of its outermost group. Refused (QueryError)
    where no VALUES block can bind a parameter, or where the endpoint would read a value's
    ``\\u`` escape as another character."""
    leading = False
    if bindings:
        # A trailing VALUES block is joined after the query's own pattern: a variable the
        # query uses only in a FILTER would be unbound there, and the answer silently empty.
        # Where it is used only in FILTERs of the outermost group, the block goes first in
        # that group instead, and the filters see it; elsewhere the query is refused.
        unjoined = sorted(set(bindings) - joined_variables(text))
        if unjoined:
            nested = sorted(set(unjoined) & variables_below_the_top_filters(text))
            if nested:
                raise QueryError(
                    f"parameter {', '.join(nested)} is used only in a FILTER or BIND inside "
                    "a group: a remote endpoint takes parameters as a VALUES block, which "
                    "cannot reach there; run this query on the embedded engines (--engine)"
                )
            leading = True
    values = values_block(bindings)
    try:
        unchanged = safety.expand_codepoint_escapes(values, "parameter").text == values
    except QueryError:
        unchanged = False
    if not unchanged:
        # An endpoint replaces \uXXXX anywhere in the text before parsing (SPARQL 1.1
        # section 19.2): it would bind another value than the one given.
        raise QueryError(
            "a parameter value holds a \\u or \\U escape, which a SPARQL endpoint would "
            "read as another character; run this query on the embedded engines (--engine)"
        )
    if leading:
        at = where_group_start(text)
        query = text[: at + 1] + values + text[at + 1 :]
    else:
        query = text.rstrip() + "\n" + values
    return query


class EndpointEngine:
    """A remote SPARQL 1.1 endpoint (httpx): each query is POSTed as an HTML form (``query=``,
    ``application/x-www-form-urlencoded``, with its Content-Length), the form every store that
    implements the SPARQL 1.1 Protocol accepts. A body of type ``application/sparql-query``
    gets no answer at all from Virtuoso 7.2, which keeps reading it until the client gives up.

    The endpoint has no binding API: parameters travel as a trailing ``VALUES`` block that
    rdflib's serializer writes from the parsed terms (:func:`values_block`); a store that drops
    that block (Virtuoso 7.2 does after a ``BIND``) is caught by :func:`_check_bound`.

    :attr:`store` is the store that answered, from the ``Server`` header (:func:`store_of`).
    """

    name = "endpoint"

    def __init__(self, url: str, timeout: float | None = None) -> None:
        if not re.match(r"^https?://[^\s/]+", url):
            raise QueryError(f"--endpoint {url!r}: expected an http:// or https:// URL")
        self.url = url
        self.timeout = timeout if timeout is not None else isolation.query_timeout_default()
        self.server = ""

    @property
    def store(self) -> str | None:
        """``virtuoso``, ``oxigraph``, ``fuseki``, or ``None`` (unknown, or nothing asked yet)."""
        return store_of(self.server)

    def run(
        self, text: str, form: str, bindings: Mapping[str, Node], prepared: Any = None
    ) -> Answer:
        import httpx

        query = endpoint_text(text, bindings)
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        accept = "application/n-triples" if graph_form else "application/sparql-results+json"
        try:
            response = httpx.post(
                self.url, data={"query": query}, headers={"Accept": accept}, timeout=self.timeout
            )
        except httpx.TimeoutException:
            raise StoreError(f"{self.url}: no answer within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise StoreError(f"{self.url}: cannot reach the endpoint: {exc}") from None
        self.server = response.headers.get("server", "")
        if response.status_code != 200:
            detail = response.text.strip().splitlines()
            raise StoreError(
                f"{self.url}: HTTP {response.status_code} {one_line(response.reason_phrase)}"
                + (f": {one_line(detail[0])}" if detail else "")
            )
        # Virtuoso's misjoin is of a trailing block; the block endpoint_text puts first in the
        # WHERE clause (claims-containing) it joins as it should (tests/test_real_stores.py)
        trailing = query.rstrip().endswith(values_block(bindings).strip())
        if bindings and trailing and self.store == "virtuoso" and virtuoso_misjoins_values(text):
            raise StoreError(
                f"{self.url}: Virtuoso joins the VALUES block that binds --param "
                f"{', '.join(bindings)} wrongly when the query's pattern has a BIND after its "
                "first element or is made of subqueries without a triple pattern of its own "
                "(docs/stores.md), so its answer is not the one asked for; run this query on "
                "the embedded engines (--engine)"
            )
        data = _ask_from_table(response.content) if form == "ASK" else response.content
        answer = _answer(form, data)
        if form == "SELECT" and bindings:
            self._check_bound(answer, bindings)
        return answer

    def run_page(
        self,
        text: str,
        form: str,
        bindings: Mapping[str, Node],
        prepared: Any = None,
        *,
        offset: int = 0,
        limit: int | None = None,
        ordered: bool = True,
        iri_columns: bool = False,
    ) -> Page:
        """One page (:func:`run_page`): for a SELECT ordered by its own ORDER BY, ``LIMIT`` (one
        more than the page, to know whether rows follow) and ``OFFSET`` go into the text sent,
        so the store sends the page only, and the rows after it are not counted
        (:meth:`Page.total` is ``None`` while some follow). Any other query (unordered: a
        store's own order is not the golden files'; a graph; a query with its own LIMIT or a
        trailing VALUES) is asked for whole and sliced here."""
        sliced = sliced_text(text, offset, limit) if form == "SELECT" and ordered else None
        if sliced is None or iri_columns:
            return page_of(self.run(text, form, bindings, prepared), offset, limit, ordered)
        assert limit is not None
        answer = self.run(sliced, form, bindings)
        more = len(answer.rows) > limit
        page = answer.page(0, limit, True)
        # past the last row, how many there are is not known either
        total = None if more or (offset and not page.rows) else offset + len(page.rows)
        return Page(page, offset, limit, more=more, _total=total)

    def _check_bound(self, answer: Answer, bindings: Mapping[str, Node]) -> None:
        """Every row must hold each parameter's value in its column: a row with another value
        means the store ignored the VALUES block (Virtuoso 7.2 does when the pattern ends in a
        BIND), and its answer is not the one asked for."""
        for name, term in bindings.items():
            if name not in answer.variables:
                continue
            column = answer.variables.index(name)
            wanted = normalize(term)
            if any(row[column] != wanted for row in answer.rows):
                who = self.server.split()[0] if self.server else self.url
                raise StoreError(
                    f"{self.url}: {who} ignored the VALUES block that binds parameter {name} "
                    "(its answer holds other values of it), so its answer is not the one asked "
                    "for; run this query on the embedded engines (--engine), or see "
                    "docs/stores.md for the queries this store answers"
                )


def sliced_text(text: str, offset: int, limit: int | None) -> str | None:
    """``text`` with ``LIMIT limit+1`` and ``OFFSET offset`` after its solution modifiers, for a
    store to send one page (and whether more follow); ``None`` where they cannot go there (no
    limit asked, the query has its own LIMIT or OFFSET or a trailing VALUES): the text with
    them must parse and its outermost slice be the one asked for."""
    if limit is None:
        return None
    sliced = f"{text.rstrip()}\nLIMIT {limit + 1}" + (f" OFFSET {offset}" if offset else "") + "\n"
    try:
        node = _check(sliced, True, False, "page").parsed.algebra.p
    except QueryError:
        return None
    while isinstance(node, CompValue) and node.name != "Slice":
        if node.name not in ("Project", "Distinct", "Reduced", "ToMultiSet"):
            return None
        node = node.p
    if not isinstance(node, CompValue) or (node.start, node.length) != (offset, limit + 1):
        return None
    return sliced


def engine_for(
    project: Project,
    name: str = "oxigraph",
    endpoint: str | None = None,
    timeout: float | None = None,
    memory: int | None = None,
) -> Engine:
    """The engine ``name`` over the project's dataset, or a remote endpoint; each query is
    stopped after ``timeout`` seconds (default ``STANCEGRAPH_QUERY_TIMEOUT``, 60) and, on the
    embedded engines, past ``memory`` MiB (default ``STANCEGRAPH_QUERY_MEMORY``, 2048)."""
    if endpoint:
        return EndpointEngine(endpoint, timeout)
    if name == "oxigraph":
        return OxigraphEngine(project, timeout=timeout, memory=memory)
    if name == "rdflib":
        return RdflibEngine(project, timeout=timeout, memory=memory)
    raise QueryError(f"unknown engine {name!r}; one of {', '.join(ENGINES)}")


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------


def run(
    query: SavedQuery,
    engine: Engine,
    params: Mapping[str, str] | None = None,
    *,
    allow_service: bool = False,
) -> Answer:
    """Check ``query``, bind its parameters and run it on ``engine``: the engine is given the
    checked text (:attr:`stancegraph.safety.CheckedQuery.text`), never the text as written.

    On a remote endpoint whose store the query's ``#+ deviations:`` header names, the answer
    carries that deviation in :attr:`Answer.notes`, and a failure says it too."""
    where = str(query.path) if query.path is not None else query.name
    checked = check_query(query.text, allow_service=allow_service, where=where)
    bindings = bindings_for(query, params or {})
    try:
        answer = engine.run(checked.text, checked.form, bindings, checked.parsed)
    except QueryError as exc:
        # a parse error, a deadline, a memory limit: said of the query file it is about
        if str(exc).startswith(f"{where}:"):
            raise
        raise type(exc)(f"{where}: {exc}") from None
    except StoreError as exc:
        known = deviation_notes(query, engine)
        if known:
            raise StoreError(f"{exc}; {known[0]}") from None
        raise
    answer.notes.extend(deviation_notes(query, engine))
    return answer


@dataclass
class Page:
    """One page of a query's answer (:func:`run_page`): ``answer`` holds its rows (or triples)
    only; :meth:`total` says how many the whole answer has, counted after the page is known."""

    answer: Answer
    offset: int
    limit: int | None
    #: Whether rows (triples) follow the page; ``None`` where that is not known.
    more: bool | None = None
    #: The IRI-holding columns of the whole answer (``iri_columns=True``), for ``--labels``.
    iri_columns: list[str] | None = None
    _total: int | None = None
    _rest: Iterator[Any] | None = None

    def total(self) -> int | None:
        """The number of rows (triples) of the whole answer; ``None`` where the engine cannot
        count them without sending them all (a remote endpoint)."""
        if self._total is None and self._rest is not None:
            for part in self._rest:
                if part[0] == "total":
                    self._total = part[1]
                    if len(part) > 2:
                        self.iri_columns = part[2]
            self._rest = None
        return self._total

    def close(self) -> None:
        """Stop counting (the worker that counts is stopped)."""
        if self._rest is not None:
            close = getattr(self._rest, "close", None)
            if close is not None:
                close()
            self._rest = None


def run_page(
    query: SavedQuery,
    engine: Engine,
    params: Mapping[str, str] | None = None,
    *,
    offset: int = 0,
    limit: int | None = None,
    allow_service: bool = False,
    iri_columns: bool = False,
) -> Page:
    """One page of ``query``'s answer: the rows from ``offset``, at most ``limit`` of them, in
    the answer's order: the query's own ORDER BY, else the golden files' order
    (:func:`row_sort_key`), so that pages never overlap and come in the same order each run
    (the engine's own order changes from run to run for some queries). The same rows as
    ``run(...).page(offset, limit, query.ordered)``, without converting the others.

    On Oxigraph the page is taken from the answers as the engine yields them, in a worker that
    then counts the rest without converting them (:meth:`Page.total`); on a remote endpoint,
    for a query ordered by its own ORDER BY, LIMIT and OFFSET go into the text sent; elsewhere
    the whole answer is sliced."""
    where = str(query.path) if query.path is not None else query.name
    checked = check_query(query.text, allow_service=allow_service, where=where)
    bindings = bindings_for(query, params or {})
    paging = getattr(engine, "run_page", None)
    try:
        if paging is None:
            answer = engine.run(checked.text, checked.form, bindings, checked.parsed)
            page = page_of(answer, offset, limit, query.ordered, iri_columns)
        else:
            page = paging(
                checked.text,
                checked.form,
                bindings,
                checked.parsed,
                offset=offset,
                limit=limit,
                ordered=query.ordered,
                iri_columns=iri_columns,
            )
    except QueryError as exc:
        if str(exc).startswith(f"{where}:"):
            raise
        raise type(exc)(f"{where}: {exc}") from None
    except StoreError as exc:
        known = deviation_notes(query, engine)
        if known:
            raise StoreError(f"{exc}; {known[0]}") from None
        raise
    page.answer.notes.extend(deviation_notes(query, engine))
    return page


def page_of(
    answer: Answer, offset: int, limit: int | None, ordered: bool, iri_columns: bool = False
) -> Page:
    """A :class:`Page` of a whole answer (:meth:`Answer.page`), its total known."""
    part = answer.page(offset, limit, ordered)
    total = len(answer)
    shown = len(part) if answer.form != "ASK" else total
    return Page(
        part,
        offset,
        limit,
        more=offset + shown < total if answer.form != "ASK" else False,
        iri_columns=answer.iri_columns() if iri_columns and answer.form == "SELECT" else None,
        _total=total,
    )


def n3_key(term: Any) -> str:
    """:func:`row_sort_key`'s key of one pyoxigraph term, without making an rdflib term: its
    N-Triples form, which is rdflib's ``n3()`` but for a literal over several lines (rdflib
    writes it in triple quotes)."""
    if term is None:
        return ""
    if isinstance(term, ox.Literal) and ("\n" in term.value):
        return normalize(graph.from_oxigraph(term)).n3()  # type: ignore[union-attr]
    return str(term)


def _ox_pages(*args: Any, **kwargs: Any) -> Iterator[tuple[Any, ...]]:
    """:func:`_ox_paging`, with pyoxigraph's errors said as :func:`_ox_evaluate` says them."""
    problem: BaseException
    try:
        yield from _ox_paging(*args, **kwargs)
        return
    except (SyntaxError, OSError, RuntimeError, ValueError, TypeError) as exc:
        problem = _ox_problem(exc)
    raise problem  # outside the except block: no __context__ leading back to the result


def _ox_paging(
    store: ox.Store,
    text: str,
    form: str,
    substitutions: dict[str, Node],
    union: bool,
    offset: int,
    limit: int | None,
    ordered: bool,
    iri_columns: bool = False,
) -> Iterator[tuple[Any, ...]]:
    """In the worker: ``("page", data, more)`` as soon as the page is known (data: the page
    as results JSON rows, or N-Triples), then ``("total", n[, iri columns])``.

    A query ordered by its own ORDER BY gives its page straight from the engine's answers:
    the ``offset`` first are skipped unconverted, ``limit`` are converted, the rest counted.
    An unordered one (and a graph) is put in the golden files' order first: every answer is
    read, keyed by its terms' N-Triples form (:func:`n3_key`), and only the page converted."""
    result = store.query(
        text,
        use_default_graph_as_union=union,
        substitutions={ox.Variable(k): _to_ox(v) for k, v in substitutions.items()} or None,
    )
    end = None if limit is None else offset + limit
    if form == "ASK":
        yield ("ask", bool(result))
        return
    if form in ("CONSTRUCT", "DESCRIBE"):
        triples: dict[tuple[str, str, str], Any] = {}
        for t in result:
            key = (n3_key(t.subject), n3_key(t.predicate), n3_key(t.object))
            triples.setdefault(key, t)
        keys = sorted(triples)
        chosen = [triples[k] for k in keys[offset:end]]
        data = ox.serialize(chosen, format=ox.RdfFormat.N_TRIPLES) if chosen else b""
        yield ("page", data, end is not None and end < len(keys))
        yield ("total", len(keys))
        return
    variables = [v.value for v in result.variables]
    width = len(variables)
    iris: set[int] = set()

    def convert(solution: Any) -> Row:
        return tuple(
            None if solution[i] is None else graph.from_oxigraph(solution[i]) for i in range(width)
        )

    def note_iris(solution: Any) -> None:
        for i in range(width):
            if i not in iris and isinstance(solution[i], ox.NamedNode):
                iris.add(i)

    if ordered:
        seen = 0
        rows: list[Row] = []
        answers = iter(result)
        for solution in answers if end != 0 else ():
            if iri_columns:
                note_iris(solution)
            if seen >= offset:
                rows.append(convert(solution))
            seen += 1
            if seen == end:
                break
        following = next(answers, None)
        yield ("page", (variables, rows), following is not None)
        if following is not None:
            seen += 1
            if iri_columns:
                note_iris(following)
            for solution in answers:
                if iri_columns:
                    note_iris(solution)
                seen += 1
    else:
        keyed = []
        for solution in result:
            keyed.append((tuple(n3_key(solution[i]) for i in range(width)), solution))
            if iri_columns:
                note_iris(solution)
        keyed.sort(key=lambda pair: pair[0])
        seen = len(keyed)
        rows = [convert(solution) for _, solution in keyed[offset:end]]
        yield ("page", (variables, rows), end is not None and end < seen)
    if iri_columns:
        yield ("total", seen, [v for i, v in enumerate(variables) if i in iris])
    else:
        yield ("total", seen)


def deviation_notes(query: SavedQuery, engine: Engine) -> list[str]:
    """The known deviations of the store behind ``engine`` on ``query`` (see docs/stores.md)."""
    store = getattr(engine, "store", None)
    return [
        f"{query.name} is known to deviate on {name.capitalize()}: {why}"
        for name, why in query.deviations
        if store is not None and name == store
    ]


def headline(project: Project) -> list[SavedQuery]:
    """The queries tagged ``headline``: those with an ``#+ order:`` first, lowest first (the
    article's own question, ``withdrawal-reactions``, is 1), then the others by name."""
    chosen = [q for q in catalogue(project) if q.headline]
    return sorted(chosen, key=lambda q: (q.order is None, q.order or 0, q.name))


_LABEL_QUERY = """\
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?s ?p ?label WHERE {{
  VALUES ?s {{ {subjects} }}
  VALUES ?p {{ skos:prefLabel rdfs:label foaf:name }}
  ?s ?p ?label .
  FILTER(isLiteral(?label))
}}
"""

_LABEL_ORDER = [
    URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"),
    URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
    URIRef("http://xmlns.com/foaf/0.1/name"),
]


def labels(engine: Engine, iris: Iterable[URIRef]) -> dict[URIRef, str]:
    """A readable label for each IRI that has one (skos:prefLabel, rdfs:label, foaf:name;
    English first), looked up on the same engine with a ``VALUES`` block of parsed IRIs, a text
    checked like every other (:func:`check_query`) before the engine sees it."""
    wanted = sorted({i for i in iris if isinstance(i, URIRef)})
    found: dict[URIRef, tuple[int, int, str]] = {}
    for start in range(0, len(wanted), 200):
        chunk = wanted[start : start + 200]
        values = " ".join(URIRef(str(i)).n3() for i in chunk if not _IRI_FORBIDDEN.search(i))
        if not values:
            continue
        checked = check_query(_LABEL_QUERY.format(subjects=values), where="labels")
        answer = engine.run(checked.text, checked.form, {}, checked.parsed)
        for row in answer.rows:
            if len(row) != 3:  # a remote endpoint that answered another question
                continue
            s, p, label = row
            if not isinstance(s, URIRef) or not isinstance(label, Literal):
                continue
            lang = (label.language or "").lower()
            rank = (
                _LABEL_ORDER.index(p) if p in _LABEL_ORDER else len(_LABEL_ORDER),
                0 if lang.startswith("en") else 1 if not lang else 2,
                str(label),
            )
            if s not in found or rank < found[s]:
                found[s] = rank
    return {s: r[2] for s, r in found.items()}


#: Longest label :func:`display` shows for an IRI when asked for a cut (the site's tables);
#: literals (paraphrases, quotes) are shown whole. The terminal cuts by its own width instead.
MAX_LABEL = 48


def display(term: Node | None, names: Mapping[URIRef, str], limit: int | None = MAX_LABEL) -> str:
    """How a table shows one term: a label for an IRI (cut at ``limit`` characters, none if
    ``None``), the lexical form for a literal."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        label = names.get(term)
        if label is None:
            return compact(str(term))
        label = " ".join(label.split())
        if limit is None or len(label) <= limit:
            return label
        return label[: limit - 1].rstrip() + "…"
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


# ---------------------------------------------------------------------------------------------
# Golden answers
# ---------------------------------------------------------------------------------------------


def expected_dir(project: Project) -> Path:
    return project.expected_dir


def expected_path(project: Project, query: SavedQuery) -> Path:
    suffix = ".ttl" if query.form in ("CONSTRUCT", "DESCRIBE") else ".srj"
    return expected_dir(project) / f"{query.name}{suffix}"


def row_sort_key(row: Row) -> tuple[str, ...]:
    """The order of rows where the query gives none (golden files, the site's tables)."""
    return tuple("" if t is None else t.n3() for t in row)


def golden_bytes(answer: Answer, ordered: bool) -> bytes:
    """The golden file for an answer: SPARQL results JSON (rows sorted unless the query orders
    them, two-space indent, so that a reviewer reads the diff), or Turtle for a graph."""
    if answer.form in ("CONSTRUCT", "DESCRIBE"):
        return answer.serialize("turtle")
    assert answer.results_json is not None
    doc = json.loads(answer.results_json)
    if answer.form == "SELECT" and not ordered:
        variables = doc["head"]["vars"]
        rows = list(zip(answer.rows, doc["results"]["bindings"], strict=True))
        rows.sort(key=lambda pair: row_sort_key(pair[0]))
        doc["results"]["bindings"] = [{v: b[v] for v in variables if v in b} for _, b in rows]
    elif answer.form == "SELECT":
        variables = doc["head"]["vars"]
        doc["results"]["bindings"] = [
            {v: b[v] for v in variables if v in b} for b in doc["results"]["bindings"]
        ]
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def read_expected(project: Project, query: SavedQuery) -> Answer:
    path = expected_path(project, query)
    if not path.is_file():
        raise QueryError(
            f"{path}: no expected answer; run 'stancegraph query --update-expected' "
            "and review the new file"
        )
    data = path.read_bytes()
    if path.suffix == ".ttl":
        g = Graph()
        g.parse(data=data.decode("utf-8"), format="turtle")
        return Answer(form="CONSTRUCT", graph=g)
    return Answer.from_results_json(data)


def differences(expected: Answer, actual: Answer, ordered: bool) -> list[str]:
    """How ``actual`` differs from ``expected`` (empty when they are the same answer)."""
    if expected.form != actual.form:
        return [f"form {actual.form}, expected {expected.form}"]
    if expected.form == "ASK":
        return (
            []
            if expected.boolean == actual.boolean
            else [f"answer {actual.boolean}, expected {expected.boolean}"]
        )
    if expected.form in ("CONSTRUCT", "DESCRIBE"):
        assert expected.graph is not None and actual.graph is not None
        if isomorphic(expected.graph, actual.graph):
            return []
        missing = {t for t in expected.graph if not any(isinstance(x, BNode) for x in t)}
        extra = {t for t in actual.graph if not any(isinstance(x, BNode) for x in t)}
        out = [f"graph differs: {len(actual.graph)} triples, expected {len(expected.graph)}"]
        out += [f"  missing {' '.join(x.n3() for x in t)}" for t in sorted(missing - extra)[:10]]
        out += [f"  extra   {' '.join(x.n3() for x in t)}" for t in sorted(extra - missing)[:10]]
        return out
    if expected.variables != actual.variables:
        return [f"columns {actual.variables}, expected {expected.variables}"]
    exp_rows = [tuple(_blank(t) for t in r) for r in expected.rows]
    act_rows = [tuple(_blank(t) for t in r) for r in actual.rows]
    if ordered:
        if exp_rows == act_rows:
            return []
        out = [f"rows differ in order or content ({len(act_rows)} rows, expected {len(exp_rows)})"]
        for i, (e, a) in enumerate(zip(exp_rows, act_rows, strict=False)):
            if e != a:
                out.append(f"  first difference at row {i + 1}: {_show(a)} expected {_show(e)}")
                break
        if Counter(exp_rows) != Counter(act_rows):
            out += _multiset_diff(exp_rows, act_rows)
        return out
    if Counter(exp_rows) == Counter(act_rows):
        return []
    return [f"{len(act_rows)} rows, expected {len(exp_rows)}", *_multiset_diff(exp_rows, act_rows)]


def _blank(term: Node | None) -> Node | None:
    return BNode("b") if isinstance(term, BNode) else normalize(term)


def _show(row: Row) -> str:
    return "(" + ", ".join("-" if t is None else t.n3() for t in row) + ")"


def _multiset_diff(expected: list[Row], actual: list[Row]) -> list[str]:
    exp, act = Counter(expected), Counter(actual)
    out = [f"  missing {_show(r)}" for r in sorted((exp - act).elements(), key=row_sort_key)][:10]
    out += [f"  extra   {_show(r)}" for r in sorted((act - exp).elements(), key=row_sort_key)][:10]
    return out


@dataclass(frozen=True)
class GoldenUpdate:
    name: str
    path: Path
    status: str  # "new", "changed", "unchanged"
    rows: int


def golden_engines(project: Project) -> tuple[OxigraphEngine, RdflibEngine]:
    """Oxigraph and rdflib over the golden corpus (:mod:`stancegraph.corpus`): the pinned
    sources the golden answers are computed on, not the whole and growing dataset."""
    from stancegraph import corpus

    dataset = corpus.assemble(project)
    store = ox.Store()
    store.load(dataset.serialize(format="nquads", encoding="utf-8"), format=ox.RdfFormat.N_QUADS)
    return OxigraphEngine(store=store), RdflibEngine(dataset=dataset)


def update_expected(project: Project, names: Sequence[str] = ()) -> list[GoldenUpdate]:
    """Regenerate the golden answers from the golden corpus (``queries/golden-corpus.toml``, the
    whole project if there is none): the one way they change.

    Each query runs on Oxigraph and on rdflib; if the two engines disagree on any query nothing
    is written and :class:`QueryError` says where. Golden files of queries that no longer exist
    are left for the reviewer (listed with status ``orphan``).
    """
    queries = [find(project, n) for n in names] if names else catalogue(project)
    if not queries:
        raise QueryError(f"no saved queries in {project.queries_dir}")
    ox_engine, rdf_engine = golden_engines(project)
    answers: list[tuple[SavedQuery, Answer]] = []
    disagreements: list[str] = []
    for query in queries:
        problems = header_problems(query)
        if problems:
            raise QueryError(f"{query.path}: incomplete header: {'; '.join(problems)}")
        a = run(query, ox_engine)
        b = run(query, rdf_engine)
        diff = differences(a, b, query.ordered)
        if diff:
            disagreements.append(f"{query.name}: rdflib vs Oxigraph: {'; '.join(diff)}")
        answers.append((query, a))
    if disagreements:
        raise QueryError("engines disagree, nothing written: " + " | ".join(disagreements))
    folder = expected_dir(project)
    folder.mkdir(parents=True, exist_ok=True)
    updates = []
    for query, answer in answers:
        path = expected_path(project, query)
        data = golden_bytes(answer, query.ordered)
        old = path.read_bytes() if path.is_file() else None
        status = "new" if old is None else ("unchanged" if old == data else "changed")
        if status != "unchanged":
            path.write_bytes(data)
        updates.append(GoldenUpdate(query.name, path, status, len(answer)))
    if not names:
        known = {q.name for q in queries}
        for path in sorted(folder.iterdir()):
            if path.suffix in (".srj", ".ttl") and path.stem not in known:
                updates.append(GoldenUpdate(path.stem, path, "orphan", 0))
    return updates
