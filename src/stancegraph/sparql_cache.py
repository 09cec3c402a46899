"""rdflib's prepared SPARQL queries, kept on disk between processes.

rdflib parses SPARQL with pyparsing, some 20 ms a query: on one article, the main job spent
half of its build parsing the 43 saved queries (to check them and learn their form) and a third
of its validation parsing the shapes' 45 SPARQL constraints and targets, each process anew
(issue #19). Here the query that :func:`rdflib.plugins.sparql.algebra.translateQuery` makes of a
text (what :func:`rdflib.plugins.sparql.prepareQuery` returns) is kept in the user's cache
(``$XDG_CACHE_HOME/stancegraph/sparql/``, one small file a text), under a digest of the text,
the base and namespaces it was translated with, and the versions of rdflib and pyparsing; the
next process reads it back instead of parsing the text again. Only what parses is kept: a
syntax error is found, and told, by parsing each time.

A query is kept only if what is read back is, node for node, the query that was made
(:func:`_same`); otherwise it is parsed each time. The files are read with an unpickler that
makes nothing but rdflib's and pyparsing's own classes, the SPARQL functions of rdflib and this
module's builders (:class:`_Unpickler`); a file that does not read is parsed again and
replaced. At most :data:`MAX_FILES` texts are kept, those read longest ago removed first.
``STANCEGRAPH_SPARQL_CACHE=off`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import tempfile
import types
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

#: Environment variable: ``off`` (or ``0``, ``no``) keeps nothing on disk.
CACHE_ENV = "STANCEGRAPH_SPARQL_CACHE"
#: Changed whenever what is kept changes.
FORMAT = 1
#: At most this many texts are kept: past it, those read longest ago are removed (a server's
#: endpoint is asked many texts, the main job some ninety).
MAX_FILES = 1000
#: A query whose kept form would be larger than this is not kept.
MAX_FILE_BYTES = 1_000_000


def translated_query(
    text: str, base: str | None = None, init_ns: Mapping[str, Any] | None = None
) -> Any:
    """``translateQuery(parseQuery(text), base, init_ns)``, from the cache when it holds it.

    Raises what rdflib raises for a text that is not a SPARQL query (nothing is kept then)."""
    found = lookup(text, base, init_ns)
    if found is not None:
        return found
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    made = translateQuery(parseQuery(text), base, init_ns)
    keep(text, made, base, init_ns)
    return made


def lookup(text: str, base: str | None = None, init_ns: Mapping[str, Any] | None = None) -> Any:
    """The query kept for ``text`` (translated with ``base`` and ``init_ns``), or None."""
    folder = _folder()
    if folder is None:
        return None
    return _read(folder / f"{_key(text, base, init_ns)}.pickle")


def keep(
    text: str, query: Any, base: str | None = None, init_ns: Mapping[str, Any] | None = None
) -> None:
    """Keep ``query``, what rdflib made of ``text`` (with ``base`` and ``init_ns``), for the
    next process; nothing if it would not read back as itself, or the cache cannot be written."""
    folder = _folder()
    if folder is not None:
        _write(folder / f"{_key(text, base, init_ns)}.pickle", query)


def _key(text: str, base: str | None, init_ns: Mapping[str, Any] | None) -> str:
    import pyparsing
    import rdflib

    namespaces = sorted((str(k), str(v)) for k, v in (init_ns or {}).items())
    parts = [str(FORMAT), rdflib.__version__, pyparsing.__version__, repr(base), repr(namespaces)]
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8"))
    digest.update(b"\x00" + text.encode("utf-8", errors="surrogatepass"))
    return digest.hexdigest()


def _folder() -> Path | None:
    if os.environ.get(CACHE_ENV, "").strip().lower() in ("off", "0", "no", "false"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "stancegraph" / "sparql"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def _read(path: Path) -> Any:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        found = _Unpickler(io.BytesIO(data)).load()
    except Exception:  # damaged, or written by another version: parsed again, then replaced
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # read now: the last to be removed
    return found


def _write(path: Path, query: Any) -> None:
    """Keep ``query`` in ``path`` if it reads back as itself; quietly nothing if it cannot."""
    try:
        buffer = io.BytesIO()
        _Pickler(buffer).dump(query)
        data = buffer.getvalue()
        back = _Unpickler(io.BytesIO(data)).load()
    except Exception:
        return
    if len(data) > MAX_FILE_BYTES or not _same(query, back):
        return
    with contextlib.suppress(OSError):
        fd, partial = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(partial, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            return
        _prune(path.parent)


def _prune(folder: Path) -> None:
    """Past :data:`MAX_FILES` kept texts, remove those read longest ago, down to four fifths."""
    with contextlib.suppress(OSError):
        kept = [e for e in os.scandir(folder) if e.name.endswith(".pickle")]
        if len(kept) <= MAX_FILES:
            return
        ages = []
        for entry in kept:
            with contextlib.suppress(OSError):
                ages.append((entry.stat().st_mtime, entry.path))
        ages.sort()
        for _, stale in ages[: len(ages) - MAX_FILES * 4 // 5]:
            with contextlib.suppress(OSError):
                os.unlink(stale)


# --- what is kept: rdflib's CompValue and Prologue by their content -----------------------------


def _comp_value(
    cls: type, name: str, items: list[tuple[Any, Any]], evalfn: Any, attrs: dict
) -> Any:
    """A CompValue (or Expr) of class ``cls``; ``evalfn``: ``0`` when the node has no
    evaluation function, ``1`` when it is None, else the function to bind to it."""
    node = OrderedDict.__new__(cls)
    OrderedDict.__init__(node)
    node.name = name
    for key, value in items:
        OrderedDict.__setitem__(node, key, value)
    for key, value in attrs.items():
        setattr(node, key, value)
    if evalfn == 1:
        node._evalfn = None
    elif evalfn != 0:
        node._evalfn = types.MethodType(evalfn, node)
    return node


def _true_filter() -> Any:
    from rdflib.plugins.sparql.operators import TrueFilter

    return TrueFilter


def _prologue(base: str | None, namespaces: list[tuple[str, str]]) -> Any:
    from rdflib import URIRef
    from rdflib.plugins.sparql.sparql import Prologue

    prologue = Prologue()
    prologue.base = base
    store = prologue.namespace_manager.store
    have = list(prologue.namespace_manager.namespaces())
    for prefix, namespace in namespaces:
        if (prefix, URIRef(namespace)) not in have:
            store.bind(prefix, URIRef(namespace), override=True)
    return prologue


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        from rdflib.plugins.sparql.parserutils import CompValue
        from rdflib.plugins.sparql.sparql import Prologue

        if isinstance(obj, CompValue):
            if obj is _true_filter():  # rdflib's one filter that is always true: itself
                return _true_filter, ()
            attrs = {k: v for k, v in vars(obj).items() if k not in ("name", "_evalfn", "ctx")}
            if vars(obj).get("ctx") is not None:
                raise pickle.PicklingError("a node in the middle of its evaluation")
            evalfn = vars(obj).get("_evalfn", 0)
            if evalfn is None:
                evalfn = 1
            elif evalfn != 0:
                if not isinstance(evalfn, types.MethodType) or evalfn.__self__ is not obj:
                    raise pickle.PicklingError("an evaluation function not bound to its node")
                evalfn = evalfn.__func__
            items = [(k, dict.__getitem__(obj, k)) for k in obj]
            return _comp_value, (type(obj), obj.name, items, evalfn, attrs)
        if isinstance(obj, Prologue):
            namespaces = [(p, str(n)) for p, n in obj.namespace_manager.namespaces()]
            return _prologue, (obj.base, namespaces)
        return NotImplemented


#: Builtins a kept query may hold.
_BUILTINS = frozenset(
    {"set", "frozenset", "list", "dict", "tuple", "int", "float", "str", "bytes", "bool"}
)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if "." in name:
            raise pickle.UnpicklingError(f"{module}.{name} is not read from the SPARQL cache")
        if module == __name__ and name in ("_comp_value", "_prologue", "_true_filter"):
            return globals()[name]
        if module == "builtins" and name in _BUILTINS:
            return super().find_class(module, name)
        if module in ("collections", "decimal", "datetime", "isodate.duration") or (
            module.split(".")[0] in ("rdflib", "pyparsing")
        ):
            found = super().find_class(module, name)
            sparql_function = isinstance(found, types.FunctionType) and module.startswith(
                "rdflib.plugins.sparql."
            )
            if isinstance(found, type) or sparql_function:
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not read from the SPARQL cache")


# --- the check that what is read back is what was made ---------------------------------------


def _same(a: Any, b: Any, seen: set[tuple[int, int]] | None = None) -> bool:
    """Whether ``b`` is ``a`` rebuilt: the same types, names, keys, values and evaluation
    functions all the way down."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.plugins.sparql.sparql import Prologue, Query

    seen = set() if seen is None else seen
    if (id(a), id(b)) in seen:
        return True
    seen.add((id(a), id(b)))
    if type(a) is not type(b):
        return False
    if isinstance(a, CompValue):
        if a.name != b.name or list(a.keys()) != list(b.keys()):
            return False
        fa, fb = vars(a).get("_evalfn", 0), vars(b).get("_evalfn", 0)
        if isinstance(fa, types.MethodType) and isinstance(fb, types.MethodType):
            if fa.__func__ is not fb.__func__ or fa.__self__ is not a or fb.__self__ is not b:
                return False
        elif fa is not fb:
            return False
        extra = set(vars(a)) - {"_evalfn", "ctx"}
        if extra != set(vars(b)) - {"_evalfn", "ctx"}:
            return False
        if any(not _same(vars(a)[k], vars(b)[k], seen) for k in extra):
            return False
        return all(_same(dict.__getitem__(a, k), dict.__getitem__(b, k), seen) for k in a)
    if isinstance(a, Query):
        return _same(a.prologue, b.prologue, seen) and _same(a.algebra, b.algebra, seen)
    if isinstance(a, Prologue):
        return a.base == b.base and list(a.namespace_manager.namespaces()) == list(
            b.namespace_manager.namespaces()
        )
    if isinstance(a, ParseResults):
        return _same(a.as_list(), b.as_list(), seen) and _same(a.as_dict(), b.as_dict(), seen)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y, seen) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a.keys()) == list(b.keys()) and all(_same(a[k], b[k], seen) for k in a)
    if isinstance(a, set | frozenset):
        return a == b
    if isinstance(a, Callable):  # type: ignore[arg-type]
        return a is b
    return bool(a == b) and str(a) == str(b)
