"""Real triple stores for the tests, run with the very commands docs/stores.md shows.

docs/stores.md marks each command the tests run with an HTML comment just above its code block,
``<!-- test: NAME -->``; :func:`doc_block` reads that block and :func:`run_block` runs it with
bash, its variables (``$VIRTUOSO_DIR``, ``$DIST``...) set by the test, so the documentation and
the tests cannot drift apart. Each server gets free loopback ports and a folder of its own under
the test's temporary folder; it is stopped by the id of the process the test started.

Answers are compared with the golden files the way the W3C SPARQL tests compare results: rows as
a multiset (in order where the query orders them), blank nodes as any blank node, and literals of
the XSD number and boolean types by value ("1.50" equals "1.5", "1" equals "true" for an
``xsd:boolean``), which the results formats leave each store free to write as it likes.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from rdflib import BNode, Graph, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from conftest import ROOT
from stancegraph import queries

DOC = ROOT / "docs" / "stores.md"
BIN = Path(sys.executable).parent
OUR_GRAPHS = "https://w3id.org/stancegraph/graph/"
FOREIGN = "http://example.org/graph/not-ours"
FOREIGN_TRIPLES = 2
COUNT_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")

_MARK = re.compile(r"<!-- test: ([a-z0-9-]+) -->\n+```[a-z]*\n(.*?)\n```", re.DOTALL)


# --- docs/stores.md, run as it is -----------------------------------------------------------------


def doc_blocks() -> dict[str, str]:
    """Every code block of docs/stores.md marked ``<!-- test: NAME -->``, by name."""
    found: dict[str, str] = {}
    for name, body in _MARK.findall(DOC.read_text(encoding="utf-8")):
        assert name not in found, f"docs/stores.md marks two blocks 'test: {name}'"
        found[name] = body + "\n"
    return found


def doc_block(name: str) -> str:
    blocks = doc_blocks()
    assert name in blocks, f"docs/stores.md has no code block marked <!-- test: {name} -->"
    return blocks[name]


def environment(**variables: object) -> dict[str, str]:
    """The environment a documented command runs in: this checkout's ``stancegraph`` and
    ``python3`` first on PATH, no proxy, no credentials or netrc of the person running the
    tests, and the block's variables."""
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
    for name in ("STANCEGRAPH_USER", "STANCEGRAPH_PASSWORD", "STANCEGRAPH_HOME"):
        env.pop(name, None)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["NETRC"] = os.devnull
    if not os.environ.get("JENA_HOME"):  # scripts/jena: the classpath once, not Python each time
        env["STANCEGRAPH_JENA_CLASSPATH"] = _jena_classpath()
    env.update({k: str(v) for k, v in variables.items()})
    return env


@functools.cache
def _jena_classpath() -> str:
    from stancegraph import shacl

    return shacl.classpath() if Path("/usr/share/java/jena-cmds.jar").is_file() else ""


def run_block(
    name: str, *, timeout: float = 300, check: bool = True, **variables: object
) -> subprocess.CompletedProcess[str]:
    """Run the documented block ``name`` with bash (``set -euo pipefail``) in the checkout."""
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", doc_block(name)],
        cwd=ROOT,
        env=environment(**variables),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert done.returncode == 0, f"docs/stores.md block {name!r} failed:\n{done.stderr}"
    return done


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- servers --------------------------------------------------------------------------------------


class Server:
    """A server started from a documented block, in its own process group, on free ports."""

    query_path = "/sparql"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.log = folder.parent / f"{folder.name}.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return self.base + self.query_path

    def variables(self) -> dict[str, object]:
        raise NotImplementedError

    def prepare(self) -> None:
        """Anything the server needs before it starts (its configuration file)."""

    def start(self, block: str, ready_within: float = 60) -> None:
        for _attempt in range(3):
            self.choose_ports()
            self.prepare()
            with self.log.open("ab") as log:
                self.process = subprocess.Popen(
                    ["bash", "-euo", "pipefail", "-c", "exec " + doc_block(block).strip()],
                    cwd=ROOT,
                    env=environment(**self.variables()),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            if self.wait_ready(ready_within):
                return
            self.stop()
        raise AssertionError(f"{type(self).__name__} did not start; see {self.log}")

    def choose_ports(self) -> None:
        self.port = free_port()

    def wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False
            try:
                answer = httpx.post(self.query_url, data={"query": "ASK {}"}, timeout=2)
                if answer.is_success:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group this test started, by id
            self.process.wait(timeout=30)
        self.process = None

    def select(self, text: str) -> list[dict[str, Any]]:
        response = httpx.post(
            self.query_url,
            data={"query": text},
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()["results"]["bindings"]

    def counts(self) -> dict[str, int]:
        """Triples per graph, for our graphs and the foreign test graph only (a store may keep
        graphs of its own)."""
        rows = self.select(COUNT_PER_GRAPH)
        out = {r["g"]["value"]: int(r["n"]["value"]) for r in rows}
        return {g: n for g, n in out.items() if g.startswith(OUR_GRAPHS) or g == FOREIGN}

    def graph(self, iri: str) -> Graph:
        text = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
        response = httpx.post(
            self.query_url,
            data={"query": text},
            headers={"Accept": "application/n-triples"},
            timeout=60,
        )
        response.raise_for_status()
        return Graph().parse(data=response.text, format="nt")


class OxigraphServer(Server):
    """``oxigraph serve`` (the PyPI package's binary), as docs/stores.md starts it."""

    query_path = "/query"

    def variables(self) -> dict[str, object]:
        return {"OXIGRAPH_DIR": self.folder, "OXIGRAPH_PORT": self.port}

    def insert_foreign_graph(self) -> None:
        httpx.post(
            f"{self.base}/update", data={"update": foreign_insert()}, timeout=30
        ).raise_for_status()


class VirtuosoServer(Server):
    """A private Virtuoso (Debian's virtuoso-opensource): its own database folder and
    virtuoso.ini, written and started by docs/stores.md's blocks; never the system service."""

    def __init__(self, folder: Path, dist: Path, password: str) -> None:
        super().__init__(folder)
        self.dist = dist
        self.password = password
        self.sql_port = 0

    def choose_ports(self) -> None:
        self.port = free_port()
        self.sql_port = free_port()

    def variables(self) -> dict[str, object]:
        return {
            "VIRTUOSO_DIR": self.folder,
            "VIRTUOSO_HTTP": self.port,
            "VIRTUOSO_SQL": self.sql_port,
            "VIRTUOSO_PASSWORD": self.password,
            "DIST": self.dist,
        }

    def prepare(self) -> None:
        if self.folder.exists():
            shutil.rmtree(self.folder)
        run_block("virtuoso-ini", **self.variables())

    def isql(self, block: str) -> str:
        """Run a documented isql block; isql exits 0 even when a statement fails, so any
        ``*** Error`` in its output fails the test."""
        done = run_block(block, **self.variables())
        assert "*** Error" not in done.stdout + done.stderr, done.stdout + done.stderr
        return done.stdout

    def credentials(self) -> dict[str, str]:
        return {"STANCEGRAPH_USER": "dba", "STANCEGRAPH_PASSWORD": self.password}

    def insert_foreign_graph(self) -> None:
        response = httpx.post(
            f"{self.base}/sparql-auth",
            content=foreign_insert().encode(),
            headers={"Content-Type": "application/sparql-update"},
            auth=httpx.DigestAuth("dba", self.password),
            timeout=30,
        )
        response.raise_for_status()


class Tdb2:
    """A Jena TDB2 location, loaded and queried with Jena's command-line tools (scripts/jena;
    Debian has no Fuseki to serve it)."""

    def __init__(self, folder: Path, dist: Path) -> None:
        self.folder = folder
        self.dist = dist

    def variables(self) -> dict[str, object]:
        return {"TDB2_DIR": self.folder, "DIST": self.dist}

    def tool(self, *args: str) -> str:
        done = subprocess.run(
            [str(ROOT / "scripts" / "jena"), *args],
            cwd=ROOT,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"scripts/jena {args[0]} failed:\n{done.stderr}"
        return done.stdout

    def query(self, path: Path, form: str) -> str:
        """docs/stores.md's tdb2-query block on the query file ``path``: JSON results, or
        N-Triples for a graph. The JVM is told to start fast (JIT tier 1, serial GC)."""
        results = "nt" if form in ("CONSTRUCT", "DESCRIBE") else "json"
        fast = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
        variables = {**self.variables(), "QUERY": path, "RESULTS": results, "JVM_ARGS": fast}
        return run_block("tdb2-query", **variables).stdout

    def counts(self) -> dict[str, int]:
        out = self.tool(
            "tdb2.tdbquery", "--loc", str(self.folder), "--results=json", COUNT_PER_GRAPH
        )
        rows = json.loads(out)["results"]["bindings"]
        return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}

    def insert_foreign_graph(self) -> None:
        self.tool("tdb2.tdbupdate", "--loc", str(self.folder), foreign_insert())


def foreign_insert() -> str:
    return f'INSERT DATA {{ GRAPH <{FOREIGN}> {{ <{FOREIGN}#a> <{FOREIGN}#b> "c", "d" }} }}'


def virtuoso_problem() -> str | None:
    """Why Virtuoso cannot run here (None when it can)."""
    if shutil.which("virtuoso-t") is None or shutil.which("isql-vt") is None:
        return "no virtuoso-t and isql-vt: apt-get install virtuoso-opensource (.ci/run does)"
    return None


def jena_problem() -> str | None:
    """Why Jena's TDB2 tools cannot run here (None when they can)."""
    if shutil.which("java") is None:
        return "no java: apt-get install default-jdk-headless"
    if not os.environ.get("JENA_HOME") and not Path("/usr/share/java/jena-cmds.jar").is_file():
        return "no Jena: apt-get install libapache-jena-java (.ci/run does), or set JENA_HOME"
    return None


# --- comparing answers the W3C way ----------------------------------------------------------------

#: Datatypes whose literals are compared by value: what the results formats let a store write
#: in another lexical form.
BY_VALUE = {
    XSD.integer,
    XSD.decimal,
    XSD.double,
    XSD.float,
    XSD.boolean,
    XSD.int,
    XSD.long,
    XSD.nonNegativeInteger,
    XSD.positiveInteger,
}


def canonical(term: Any) -> Any:
    """A key equal for two terms that are the same value: a blank node is any blank node, an
    ``xsd:string`` literal is the plain literal, a number or boolean is its value."""
    if isinstance(term, BNode):
        return ("bnode",)
    if isinstance(term, Literal):
        if term.datatype in BY_VALUE and not term.ill_typed:
            value = term.value
            if isinstance(value, bool):
                return ("value", str(term.datatype), value)
            return ("value", str(term.datatype), Decimal(str(value)))
        if term.datatype == XSD.string:
            return ("literal", str(term), None, None)
        return ("literal", str(term), term.language, term.datatype and str(term.datatype))
    return ("term", None if term is None else str(term))


def differences(expected: queries.Answer, actual: queries.Answer, ordered: bool) -> list[str]:
    """How ``actual`` differs from the golden ``expected`` (empty when it is the same answer)."""
    if expected.form != actual.form:
        return [f"form {actual.form}, expected {expected.form}"]
    if expected.form == "ASK":
        same = expected.boolean == actual.boolean
        return [] if same else [f"{actual.boolean}, expected {expected.boolean}"]
    if expected.graph is not None:
        assert actual.graph is not None
        if isomorphic(expected.graph, actual.graph):
            return []
        return [f"graph of {len(actual.graph)} triples, expected {len(expected.graph)}"]
    if actual.variables != expected.variables:
        return [f"columns {actual.variables}, expected {expected.variables}"]
    exp = [tuple(canonical(t) for t in row) for row in expected.rows]
    act = [tuple(canonical(t) for t in row) for row in actual.rows]
    if (exp == act) if ordered else (Counter(exp) == Counter(act)):
        return []
    out = [f"{len(act)} rows, expected {len(exp)}"]
    out += [f"  missing {row}" for row in list((Counter(exp) - Counter(act)).elements())[:5]]
    out += [f"  extra   {row}" for row in list((Counter(act) - Counter(exp)).elements())[:5]]
    if not out[1:] and ordered:
        out.append("  the same rows in another order")
    return out


def same_triples(a: Graph, b: Graph) -> bool:
    """Whether ``a`` and ``b`` hold the same triples, blank nodes aside: the same triples
    without blank nodes, the same multiset of triples with each blank node written ``_``, and
    as many blank nodes. Weaker than isomorphism (which node links to which is not checked),
    but rdflib's isomorphism test takes 18 s on the shapes graph; a blank node split across
    requests, or two merged, changes the count."""

    def digest(g: Graph) -> tuple[set[Any], Counter[Any], int]:
        ground = {t for t in g if not any(isinstance(x, BNode) for x in t)}
        shapes = Counter(
            tuple("_" if isinstance(x, BNode) else x for x in t)
            for t in g
            if any(isinstance(x, BNode) for x in t)
        )
        blanks = {x for t in g for x in t if isinstance(x, BNode)}
        return ground, shapes, len(blanks)

    return len(a) == len(b) and digest(a) == digest(b)


def tdb2_answer(output: str, form: str) -> queries.Answer:
    """What ``tdb2.tdbquery --results=json`` (or N-Triples for a graph) printed."""
    if form in ("CONSTRUCT", "DESCRIBE"):
        return queries.Answer.from_ntriples(output.encode("utf-8"))
    json.loads(output)  # a clear failure if Jena printed anything else
    return queries.Answer.from_results_json(output.encode("utf-8"))
