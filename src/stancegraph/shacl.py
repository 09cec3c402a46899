"""The SHACL engines behind ``stancegraph validate``: pySHACL, the reference, and Apache Jena.

Both validate the same data graph (the data, the ontology and the vocabularies) against the same
shapes, with no inference, no ``owl:imports`` and SHACL-AF (SPARQL-based targets and
constraints), and both return the W3C validation report as an rdflib graph whose focus nodes,
values and source shapes are the caller's own nodes, blank nodes included. The tests
(``tests/test_validate_engines.py``) hold Jena's reports to pySHACL's, finding for finding, on the
dataset, on corpora with planted faults and on every example contribution.

pySHACL is pure Python and always there; it is the faster of the two on one article, but its time
grows faster than the data (35 s at 100k triples, many minutes at 1M). Jena answers 1M triples in
about 15 s, after a JVM start-up of one or two seconds. ``auto`` (the default) picks Jena when the
data graph has at least :data:`AUTO_JENA_TRIPLES` triples and Jena can run here, pySHACL otherwise.

Jena is found in ``$JENA_HOME/lib`` (the Apache distribution) or in ``/usr/share/java`` (Debian's
``libapache-jena-java``), with ``java`` on ``PATH``. A forty-line driver
(``jena/StancegraphShacl.java``) runs it: it keeps blank node labels as given, both ways, so that
results map back to our nodes. It is compiled once with ``javac`` into the user's cache
(``$XDG_CACHE_HOME/stancegraph``), so Jena needs a JDK, not only a Java runtime.
``STANCEGRAPH_JAVA_OPTIONS`` (default :data:`JAVA_OPTIONS`) is passed to the JVM. The batches of
a large dataset share one JVM (:class:`JenaServer`: the driver's ``--serve`` mode), which
validates one batch while the checks beyond SHACL run on another here.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import threading
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.namespace import OWL
from rdflib.term import Node

from stancegraph import graph, safety, sparql_cache
from stancegraph.errors import ProjectError

SH = Namespace("http://www.w3.org/ns/shacl#")

#: The engines ``validate --engine`` accepts.
ENGINES = ("auto", "pyshacl", "jena")
#: From this many data-graph triples on, ``auto`` uses Jena (when it can run here).
AUTO_JENA_TRIPLES = 50_000

DEBIAN_JAVA = Path("/usr/share/java")
#: The jars of Debian's libapache-jena-java that the driver needs. Named one by one: a wildcard
#: classpath there puts two slf4j bindings on it.
DEBIAN_JARS = [
    "jena-base", "jena-core", "jena-arq", "jena-iri", "jena-shacl", "jena-shex",
    "jena-dboe-base", "jena-dboe-index", "jena-dboe-storage", "jena-dboe-trans-data",
    "jena-dboe-transaction", "jena-tdb", "jena-tdb2", "jena-rdfconnection", "slf4j-api",
    "slf4j-nop", "commons-cli", "commons-codec", "commons-compress", "commons-io",
    "commons-lang3", "commons-csv", "dexx.collection", "gson", "guava", "jackson-core",
    "jackson-databind", "jackson-annotations", "jsonld-java", "titanium-json-ld",
    "jakarta.json-api", "httpclient", "httpcore", "protobuf", "thrift",
]  # fmt: skip
DRIVER = "StancegraphShacl"
JENA_TIMEOUT = 3600.0


@dataclass(frozen=True)
class Engine:
    """The engine that ran: ``pyshacl`` or ``jena``, and its version."""

    name: str
    version: str

    @property
    def label(self) -> str:
        return f"{'pySHACL' if self.name == 'pyshacl' else 'Apache Jena'} {self.version}"


def choose(requested: str, triples: int) -> str:
    """``pyshacl`` or ``jena`` for a data graph of ``triples`` triples.

    :class:`ProjectError` when Jena is asked for by name and cannot run here."""
    if requested not in ENGINES:
        raise ProjectError(f"unknown SHACL engine {requested!r}: use one of {', '.join(ENGINES)}")
    if requested == "jena":
        problem = jena_problem()
        if problem:
            raise ProjectError(f"the Jena SHACL engine cannot run here: {problem}")
        return "jena"
    if requested == "auto" and triples >= AUTO_JENA_TRIPLES and jena_problem() is None:
        return "jena"
    return "pyshacl"


# --------------------------------------------------------------------------------------------
# pySHACL


def pyshacl_engine() -> Engine:
    from importlib.metadata import version

    return Engine("pyshacl", version("pyshacl"))


def run_pyshacl(data: Graph, shapes: Graph) -> Graph:
    """Validate ``data`` against ``shapes`` with pySHACL; returns the results graph.

    ``data`` is changed (see :func:`_stand_in_compared_blank_nodes`): give it a copy."""
    import pyshacl

    _prepare_sparql_once()
    _constraint_parameters_as_set()
    stand_ins = _stand_in_compared_blank_nodes(data, shapes)
    with _without_result_text():
        _conforms, results, _text = pyshacl.validate(
            data,
            shacl_graph=_without_contexts(shapes),
            inference="none",
            advanced=True,
            allow_warnings=True,
            abort_on_first=False,
            do_owl_imports=False,
            inplace=True,  # ``data`` is the caller's copy: pySHACL need not copy it again
        )
    if not isinstance(results, Graph):  # pySHACL's ValidationFailure: the shapes are broken
        raise ProjectError(f"the SHACL shapes cannot be used: {results}")
    for s, p, o in [t for t in results if t[0] in stand_ins or t[2] in stand_ins]:
        results.remove((s, p, o))
        results.add((stand_ins.get(s, s), p, stand_ins.get(o, o)))
    return results


def _without_contexts(shapes: Graph) -> Graph:
    """A copy of ``shapes`` (its triples, blank nodes as they are, and its prefixes) in
    rdflib's store without contexts.

    pySHACL reads the shapes of every shape it evaluates, on every focus node it is given
    (17,000 times on one article), and rdflib's default store works out the contexts of every
    triple it yields, which pySHACL never asks for: a fifth of the validation's time. The data
    graph stays as given (pySHACL needs its contexts)."""
    out = Graph(store="SimpleMemory")
    for prefix, namespace in shapes.namespaces():
        out.bind(prefix, namespace, override=True, replace=True)
    out.addN((s, p, o, out) for s, p, o in shapes)
    return out


def _prepare_sparql_once() -> None:
    """Make rdflib parse each SPARQL text once per process, not once per query.

    pySHACL runs a SPARQL-based constraint (``sh:sparql``) once for every focus node, passing
    the same text each time with ``$this`` in ``initBindings``, and rdflib's processor parses the
    text anew on every call: on one article that parsing was half of the validation's time. Here
    :class:`rdflib.plugins.sparql.processor.SPARQLProcessor` keeps the prepared query (what
    :func:`rdflib.plugins.sparql.prepareQuery` returns, which rdflib makes to be evaluated again
    with other bindings) for each text, base and set of namespaces, so every evaluation is the
    one rdflib would have made: only the parsing is shared. In memory in this process, and on
    disk for the next ones (:mod:`stancegraph.sparql_cache`). pySHACL writes the shapes'
    ``PREFIX`` lines in a different order each time it reads the shapes; texts that differ only
    in the order of distinct prefixes are one query, parsed with its prefixes sorted
    (:func:`_prefix_order_free`)."""
    from rdflib.plugins.sparql import processor

    if getattr(processor.SPARQLProcessor.query, "_stancegraph_prepared", False):
        return
    from rdflib.plugins.sparql.evaluate import evalQuery

    cache: dict[tuple[str, str | None, Any], Any] = {}
    lock = threading.Lock()

    def query(
        self: Any,
        strOrQuery: Any,  # rdflib's parameter names
        initBindings: Any = None,
        initNs: Any = None,
        base: str | None = None,
        DEBUG: bool = False,
    ) -> Any:
        if isinstance(strOrQuery, str):
            namespaces = tuple(sorted(initNs.items())) if initNs is not None else None
            text = _prefix_order_free(strOrQuery)
            key = (text, base, namespaces)
            with lock:
                prepared = cache.get(key)
            if prepared is None:
                prepared = sparql_cache.translated_query(text, base, initNs)
                with lock:
                    if len(cache) >= 512:
                        cache.clear()
                    cache[key] = prepared
            strOrQuery = prepared
        return evalQuery(self.graph, strOrQuery, initBindings, base)

    query._stancegraph_prepared = True  # type: ignore[attr-defined]
    processor.SPARQLProcessor.query = query  # type: ignore[method-assign]


class _ParameterList(list):  # type: ignore[type-arg]
    """pySHACL's list of constraint parameters, answering ``in`` from a set (see
    :func:`_constraint_parameters_as_set`); its copies are such lists too."""

    def __init__(self, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self._members = set(self)

    def __contains__(self, item: object) -> bool:
        return item in self._members

    def append(self, item: Any) -> None:
        super().append(item)
        self._members.add(item)

    def copy(self) -> _ParameterList:
        return _ParameterList(self)


def _constraint_parameters_as_set() -> None:
    """Let pySHACL look its constraint parameters up in a set, not a list.

    For every shape it evaluates, on every focus node it is given (17,000 times on one article,
    nested shapes included), pySHACL 0.40 tests each of the shape's predicates for membership
    in its list of some forty constraint parameters, comparing rdflib terms one by one: an
    eighth of the validation's time. The same list, with the same order, answers ``in`` from a
    set here (rdflib terms hash as they compare), so which constraints run, and in what order,
    is unchanged. In this process only."""
    from pyshacl import shape
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    current = getattr(shape.module, "CONSTRAINT_PARAMS", (None, None))[0]
    if isinstance(current, _ParameterList):
        return
    shape.module.CONSTRAINT_PARAMS = (  # type: ignore[attr-defined]
        _ParameterList(ALL_CONSTRAINT_PARAMETERS),
        CONSTRAINT_PARAMETERS_MAP,
    )


_text_off: list[Any] = []  # the original method, while a validation of ours runs
_text_lock = threading.Lock()


def _no_description(*_args: Any, **_kwargs: Any) -> str:
    return ""


@contextlib.contextmanager
def _without_result_text() -> Iterator[None]:
    """pySHACL without the text of each result, while the block runs.

    For every result it makes, nested ones that it then discards included (1,700 on one
    article, which conforms), pySHACL writes a paragraph for its text report, naming the shape,
    the focus node and the value in Turtle (``make_v_result_description``): a sixteenth of the
    validation's time. :func:`run_pyshacl` returns the results graph, not that text, and the
    graph is made apart from it (the text only orders the paragraphs); so while any validation
    of ours runs, the paragraph is empty. Validations in several threads share one switch."""
    from pyshacl.constraints.constraint_component import ConstraintComponent

    with _text_lock:
        if not _text_off:
            _text_off.append(ConstraintComponent.make_v_result_description)
            ConstraintComponent.make_v_result_description = _no_description  # type: ignore[method-assign]
        _text_off.append(None)
    try:
        yield
    finally:
        with _text_lock:
            _text_off.pop()
            if len(_text_off) == 1:
                ConstraintComponent.make_v_result_description = _text_off.pop()  # type: ignore[method-assign]


_PREFIX_LINE = re.compile(r"[ \t]*PREFIX[ \t]+([^\s:]*):[ \t]*<[^<>\s]*>[ \t]*", re.IGNORECASE)


def _prefix_order_free(text: str) -> str:
    """``text`` with its leading ``PREFIX`` lines sorted, when they declare distinct names (then
    their order cannot change what the query means); else ``text`` itself."""
    lines = text.split("\n")
    declared: list[str] = []
    names: set[str] = set()
    for i, line in enumerate(lines):
        match = _PREFIX_LINE.fullmatch(line)
        if match:
            if match.group(1) in names:
                return text  # declared twice: the later one wins, so order matters
            names.add(match.group(1))
            declared.append(line.strip())
        elif line.strip():
            return "\n".join([*sorted(declared), *lines[i:]])
    return text


#: The IRIs that stand in for blank nodes while pySHACL compares values (see below): those on
#: the compared side (``sh:path``) sort after those on the side compared with (``sh:lessThan``), so
#: that two blank nodes are never found "less than" one another.
_STAND_IN = "urn:stancegraph:compared-blank-node:"
_STAND_IN_SIDES = {"value": _STAND_IN + "~", "bound": _STAND_IN + "!"}


def _stand_in_compared_blank_nodes(data: Graph, shapes: Graph) -> dict[Node, BNode]:
    """Where a property compared by ``sh:lessThan`` or ``sh:lessThanOrEquals`` (either side) has
    a blank node as its value (``oa:end [ ]``), put an IRI in its place in ``data``.

    SHACL says such a pair is not comparable, a violation (Jena reports it so); pySHACL 0.40
    raises ``ReportableRuntimeError: Cannot use sh:lessThan to compare a BlankNode`` and gives no
    report at all. With an IRI there, pySHACL reports the pair (and the datatype shapes the
    value) as Jena does; :func:`run_pyshacl` puts the blank node back into the results. Returns
    stand-in -> blank node."""
    sides: dict[Node, str] = {}
    for constraint in (SH.lessThan, SH.lessThanOrEquals):
        for shape, bound in shapes.subject_objects(constraint):
            sides.setdefault(bound, "bound")
            for path in shapes.objects(shape, SH.path):
                sides[path] = "value"
    stand_ins: dict[Node, BNode] = {}
    for prop, side in sides.items():
        if not isinstance(prop, URIRef):
            continue
        for s, o in [(s, o) for s, o in data.subject_objects(prop) if isinstance(o, BNode)]:
            iri = URIRef(_STAND_IN_SIDES[side] + str(o))
            stand_ins[iri] = o
            data.remove((s, prop, o))
            data.add((s, prop, iri))
    return stand_ins


# --------------------------------------------------------------------------------------------
# Apache Jena


def jena_jars() -> list[Path]:
    """The jars Jena's SHACL engine needs here ([] when there is no Jena)."""
    home = os.environ.get("JENA_HOME")
    if home:
        return sorted((Path(home) / "lib").glob("*.jar"))
    if (DEBIAN_JAVA / "jena-shacl.jar").is_file():
        jars = [DEBIAN_JAVA / f"{name}.jar" for name in DEBIAN_JARS]
        return [jar for jar in jars if jar.is_file()]
    return []


def jena_problem() -> str | None:
    """Why Jena cannot run here, or None when it can."""
    if shutil.which("java") is None or shutil.which("javac") is None:
        return "no `java` and `javac` on PATH (install a JDK, 11 or later)"
    jars = jena_jars()
    if not any(j.name.startswith("jena-shacl") for j in jars):
        where = os.environ.get("JENA_HOME")
        return (
            f"no jena-shacl jar in {where}/lib (JENA_HOME)"
            if where
            else "no Jena found: set JENA_HOME to an Apache Jena distribution, or install "
            "Debian's libapache-jena-java"
        )
    return None


def jena_engine() -> Engine:
    """Jena, with the version its jena-shacl jar declares."""
    for jar in jena_jars():
        if jar.name.startswith("jena-shacl"):
            name = "META-INF/maven/org.apache.jena/jena-shacl/pom.properties"
            try:
                with zipfile.ZipFile(jar) as archive:
                    lines = archive.read(name).decode("utf-8").splitlines()
            except (OSError, KeyError, zipfile.BadZipFile):
                break
            for line in lines:
                if line.startswith("version="):
                    return Engine("jena", line.removeprefix("version=").strip())
    return Engine("jena", "unknown")


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "stancegraph"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".probe"
        probe.touch()
        probe.unlink()
    except OSError:
        folder = Path(tempfile.gettempdir()) / f"stancegraph-{os.getuid()}"
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def _messages_jar(cache: Path) -> Path | None:
    """Debian's Jena relocates Xerces without its message files, and then cannot start; a small
    jar holds them under their relocated names."""
    core = DEBIAN_JAVA / "jena-core.jar"
    if os.environ.get("JENA_HOME") or not core.is_file():
        return None
    out = cache / "jena-xerces-messages.jar"
    if out.is_file():
        return out
    prefix = "org/apache/jena/ext/"
    partial = out.with_suffix(f".{os.getpid()}.tmp")
    with zipfile.ZipFile(core) as src, zipfile.ZipFile(partial, "w") as dst:
        for name in src.namelist():
            if name.startswith(prefix + "xerces/") and name.endswith(".properties"):
                dst.writestr(name[len(prefix) :], src.read(name))
    partial.replace(out)
    return out


def classpath(cache: Path | None = None) -> str:
    """Jena's jars, and the Debian work-around jar, as a Java classpath."""
    cache = cache or _cache_dir()
    parts = [str(j) for j in jena_jars()]
    extra = _messages_jar(cache)
    if extra is not None:
        parts.append(str(extra))
    return os.pathsep.join(parts)


def _driver_source() -> str:
    return resources.files("stancegraph").joinpath(f"jena/{DRIVER}.java").read_text("utf-8")


def _driver_command(cache: Path, cp: str) -> list[str]:
    """``java`` arguments that run the driver, compiled once into the cache (into a folder of
    its own first, renamed into place when done, so that two runs never see half a build)."""
    source = _driver_source()
    digest = hashlib.sha256((source + cp).encode()).hexdigest()[:16]
    folder = cache / f"jena-driver-{digest}"
    if not (folder / f"{DRIVER}.class").is_file():
        building = Path(tempfile.mkdtemp(prefix=f"{folder.name}.", dir=cache))
        java_file = building / f"{DRIVER}.java"
        java_file.write_text(source, encoding="utf-8")
        built = subprocess.run(
            ["javac", "-nowarn", "-cp", cp, "-d", str(building), str(java_file)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if built.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            raise ProjectError(f"the Jena driver did not compile: {built.stderr.strip()[-800:]}")
        try:
            building.rename(folder)
        except OSError:  # another run got there first: use its build
            shutil.rmtree(building, ignore_errors=True)
    return ["-cp", cp + os.pathsep + str(folder), DRIVER]


def write_ntriples(triples: Iterable[tuple[Node, Node, Node]], out: BinaryIO) -> int:
    """Write ``triples`` to ``out`` as N-Triples (blank node labels kept); returns how many."""
    count = 0
    known: dict[Node, ox.NamedNode | ox.BlankNode] = {}  # IRIs and blank nodes recur; literals less

    def convert(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        term = known.get(node)
        if term is None:
            term = graph.to_oxigraph(node)
            if not isinstance(term, ox.Literal):
                known[node] = term
        return term

    def ox_triples() -> Iterable[ox.Triple]:
        nonlocal count
        for s, p, o in triples:
            count += 1
            yield ox.Triple(convert(s), convert(p), convert(o))

    ox.serialize(ox_triples(), out, ox.RdfFormat.N_TRIPLES)
    return count


def _shapes_for_jena(shapes: Graph) -> Iterable[tuple[Node, Node, Node]]:
    """The shapes without ``owl:imports`` (which nothing here may follow)."""
    return (t for t in shapes if t[1] != OWL.imports)


class JenaRun:
    """One validation by Jena in a child JVM.

    Write the data graph to :attr:`data_file` as N-Triples (or use :meth:`of`), :meth:`start`,
    do other work meanwhile, then :meth:`wait` for the report."""

    def __init__(self, shapes: Graph) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="stancegraph-jena-")
        work = Path(self._tmp.name)
        self.shapes_file = work / "shapes.nt"
        self.data_file = work / "data.nt"
        self.report_file = work / "report.nt"
        with self.shapes_file.open("wb") as out:
            write_ntriples(_shapes_for_jena(shapes), out)
        self._process: subprocess.Popen[str] | None = None

    @classmethod
    def of(cls, data: Iterable[Iterable[tuple[Node, Node, Node]]], shapes: Graph) -> JenaRun:
        """A run started on the union of ``data`` (graphs or lists of triples)."""
        run = cls(shapes)
        with run.data_file.open("wb") as out:
            write_ntriples((t for part in data for t in part), out)
        return run.start()

    def start(self) -> JenaRun:
        cache = _cache_dir()
        command = [
            *_java_command(),
            *_driver_command(cache, classpath(cache)),
            str(self.shapes_file),
            str(self.data_file),
            str(self.report_file),
        ]
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        return self

    def discard(self) -> None:
        """Stop Jena if it runs, and remove the files."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._tmp.cleanup()

    def wait(self) -> Graph:
        """The report, once Jena is done (:class:`ProjectError` if it failed)."""
        if self._process is None:
            self.start()
        assert self._process is not None
        try:
            out, err = self._process.communicate(timeout=JENA_TIMEOUT)
            if self._process.returncode != 0:
                lines = (err or out).strip().splitlines()
                causes = [ln.strip() for ln in lines if not ln.startswith(("\tat ", "\t..."))]
                why = " | ".join(causes[:4]) if causes else "no output"
                raise ProjectError(f"Jena SHACL failed (exit {self._process.returncode}): {why}")
            return _read_report(self.report_file)
        except subprocess.TimeoutExpired:
            raise ProjectError(f"Jena SHACL did not finish in {JENA_TIMEOUT:.0f} s") from None
        finally:
            self.discard()


def _read_report(path: Path) -> Graph:
    text = path.read_text(encoding="utf-8")
    groups, _ = safety.parse_terms(text, "nt", path, keep_labels=True)
    report = Graph()
    report.addN((s, p, o, report) for s, p, o in groups.get(None, []))
    return report


#: The JVM's options unless ``$STANCEGRAPH_JAVA_OPTIONS`` says others: the serial collector
#: took a tenth less CPU than the default (G1) and a third of the memory (420 MB, not 1.2 GB)
#: for three batches of 280,000 triples in one JVM (issue #19).
JAVA_OPTIONS = "-Xmx2g -XX:+UseSerialGC"


def _java_command() -> list[str]:
    return ["java", *shlex.split(os.environ.get("STANCEGRAPH_JAVA_OPTIONS", JAVA_OPTIONS))]


class JenaServer:
    """One JVM that validates data graph after data graph against the same shapes (the batches
    of a large dataset): the shapes are parsed once and the JVM starts once, not per batch
    (issue #19).

    :meth:`submit` hands it a data graph (N-Triples written to a file of :meth:`new_data_file`)
    and returns at once; the JVM works through what it was given in order while the caller does
    other work; :meth:`result` waits for the report of the oldest submission not yet collected.
    :meth:`close` (or the ``with`` block) stops it and removes its files."""

    def __init__(self, shapes: Graph) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="stancegraph-jena-")
        self._work = Path(self._tmp.name)
        shapes_file = self._work / "shapes.nt"
        with shapes_file.open("wb") as out:
            write_ntriples(_shapes_for_jena(shapes), out)
        cache = _cache_dir()
        self._stderr = (self._work / "stderr.txt").open("w+", encoding="utf-8")
        command = [
            *_java_command(),
            *_driver_command(cache, classpath(cache)),
            "--serve",
            str(shapes_file),
        ]
        self._process: subprocess.Popen[str] | None = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",
        )
        self._count = 0
        self._pending: list[tuple[Path, Path]] = []

    def __enter__(self) -> JenaServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def new_data_file(self) -> Path:
        """A new file to write a data graph into (N-Triples), for :meth:`submit`."""
        self._count += 1
        return self._work / f"data-{self._count}.nt"

    def submit(self, data_file: Path) -> None:
        """Validate ``data_file`` when the JVM is done with what it was given before."""
        report = data_file.with_suffix(".report.nt")
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write(f"{data_file}\t{report}\n")
            self._process.stdin.flush()
        except OSError:
            raise self._failed("it stopped") from None
        self._pending.append((data_file, report))

    def result(self) -> Graph:
        """The report of the oldest submission not yet collected (:class:`ProjectError` if
        Jena failed on it)."""
        data_file, report = self._pending.pop(0)
        assert self._process is not None and self._process.stdout is not None
        answer = self._process.stdout.readline().strip()
        data_file.unlink(missing_ok=True)
        if answer != "ok":
            raise self._failed(answer.removeprefix("error ").strip() or "it stopped")
        try:
            return _read_report(report)
        finally:
            report.unlink(missing_ok=True)

    def _failed(self, why: str) -> ProjectError:
        self._stderr.flush()
        self._stderr.seek(0)
        lines = self._stderr.read().strip().splitlines()
        causes = [ln.strip() for ln in lines if not ln.startswith(("\tat ", "\t..."))]
        more = f" | {' | '.join(causes[:4])}" if causes else ""
        return ProjectError(f"Jena SHACL failed: {why}{more}")

    def close(self) -> None:
        """Stop the JVM (at the end of its input, or at once if it is still working) and
        remove the files."""
        process, self._process = self._process, None
        if process is not None:
            try:
                if process.stdin is not None:
                    process.stdin.close()
                process.wait(timeout=0 if self._pending else 30)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        self._stderr.close()
        self._tmp.cleanup()


def run_jena(data: Graph, shapes: Graph) -> Graph:
    """Validate ``data`` against ``shapes`` with Jena; returns the results graph."""
    return JenaRun.of([data], shapes).wait()
