"""``stancegraph load --graph-store / --update`` against a real Oxigraph server on 127.0.0.1.

The server is the ``oxigraph`` binary from the PyPI package of that name (the test extra):
``oxigraph serve --location DIR --bind 127.0.0.1:PORT``. Failures are simulated by stopping the
server part-way through a load and by a small proxy in front of it that fails one request.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from rdflib import Graph
from rdflib.compare import isomorphic

from conftest import MINI
from stancegraph import graph, remote, store
from stancegraph.cli import cli
from stancegraph.sources import HOME_ENV, Project, find_project

# loopback: tests/conftest.py turns stancegraph's network guard off for these tests only.
pytestmark = [pytest.mark.server, pytest.mark.loopback]

FOREIGN = "http://example.org/graph/not-ours"
COUNT_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


# --- a real Oxigraph server -----------------------------------------------------------------------


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which(
        "oxigraph"
    )
    assert found, "the 'oxigraph' server is missing: pip install -e '.[test]' installs it"
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OxigraphServer:
    """``oxigraph serve`` on a free loopback port, data kept in ``location`` across restarts."""

    def __init__(self, location: Path) -> None:
        self.location = location
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        for _attempt in range(5):
            self.port = free_port()
            self.process = subprocess.Popen(
                [
                    oxigraph_binary(),
                    "serve",
                    "--location",
                    str(self.location),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if self._wait_ready():
                return
            self.stop()
        raise AssertionError("the Oxigraph server did not start")

    def _wait_ready(self, timeout: float = 20) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False
            try:
                if httpx.post(f"{self.base}/query", data={"query": "ASK {}"}, timeout=1).is_success:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None

    def query(self, text: str, **params: object) -> list[dict]:
        response = httpx.post(
            f"{self.base}/query",
            data={"query": text, **params},  # type: ignore[dict-item]
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()["results"]["bindings"]

    def counts(self) -> dict[str, int]:
        return {row["g"]["value"]: int(row["n"]["value"]) for row in self.query(COUNT_PER_GRAPH)}

    def insert_foreign_graph(self) -> None:
        text = f'INSERT DATA {{ GRAPH <{FOREIGN}> {{ <{FOREIGN}#a> <{FOREIGN}#b> "c", "d" }} }}'
        httpx.post(f"{self.base}/update", data={"update": text}, timeout=30).raise_for_status()

    def graph(self, iri: str) -> Graph:
        response = httpx.get(
            f"{self.base}/store",
            params={"graph": iri},
            headers={"Accept": "application/n-triples"},
            timeout=30,
        )
        response.raise_for_status()
        return Graph().parse(data=response.text, format="nt")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[OxigraphServer]:
    srv = OxigraphServer(tmp_path / "oxigraph-data")
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No proxy, no credentials, no netrc of the person running the tests."""
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv(remote.USER_ENV, raising=False)
    monkeypatch.delenv(remote.PASSWORD_ENV, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


# --- a proxy in front of it that can fail or ask for credentials ---------------------------------


class Proxy:
    """Forwards requests to ``upstream``; ``fail`` and ``authorize`` decide otherwise."""

    def __init__(
        self,
        upstream: str,
        fail: Callable[[str, int], bool] | None = None,
        authorize: Callable[[str, str, str | None], tuple[bool, str]] | None = None,
    ) -> None:
        self.upstream = upstream
        self.fail = fail
        self.authorize = authorize
        self.seen: list[tuple[str, str]] = []
        self.puts = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def handle_any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                proxy.seen.append((self.command, self.path))
                if proxy.authorize is not None:
                    ok, challenge = proxy.authorize(
                        self.command, self.path, self.headers.get("Authorization")
                    )
                    if not ok:
                        self.send_response(401)
                        self.send_header("WWW-Authenticate", challenge)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                if self.command == "PUT":
                    proxy.puts += 1
                    if proxy.fail is not None and proxy.fail(self.command, proxy.puts):
                        message = b"injected failure"
                        self.send_response(500)
                        self.send_header("Content-Length", str(len(message)))
                        self.end_headers()
                        self.wfile.write(message)
                        return
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")
                }
                upstream = httpx.request(
                    self.command,
                    proxy.upstream + self.path,
                    content=body,
                    headers=headers,
                    timeout=30,
                )
                self.send_response(upstream.status_code)
                if "content-type" in upstream.headers:
                    self.send_header("Content-Type", upstream.headers["content-type"])
                self.send_header("Content-Length", str(len(upstream.content)))
                self.end_headers()
                self.wfile.write(upstream.content)

            do_GET = do_PUT = do_POST = do_DELETE = handle_any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> Proxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- helpers --------------------------------------------------------------------------------------


def copy_mini(tmp_path: Path) -> Project:
    home = tmp_path / "project"
    shutil.copytree(MINI, home, ignore=shutil.ignore_patterns(".stancegraph", "dist"))
    return find_project(home=home)


def expected(project: Project) -> dict[str, int]:
    return {str(k): v for k, v in graph.triple_counts(graph.assemble(project)).items()}


def names(project: Project) -> list[str]:
    return [store.short_name(iri) for iri in expected(project)]


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env={HOME_ENV: "", **(env or {})})


def assert_one_line_error(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("stancegraph: error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


def listed(message: str, label: str) -> list[str]:
    """The graphs a failure message lists after ``label`` ("loaded and checked", "not loaded")."""
    match = re.search(rf"{label}: (.*?);", message)
    assert match, message
    return [] if match.group(1) == "none" else match.group(1).split(", ")


# --- load, query, load again ----------------------------------------------------------------------


def test_graph_store_load_query_and_reload(server: OxigraphServer) -> None:
    project = find_project(home=MINI)
    server.insert_foreign_graph()

    result = run("--home", str(MINI), "load", "--graph-store", f"{server.base}/store")
    assert result.exit_code == 0, result.output + result.stderr
    assert server.counts() == {**expected(project), FOREIGN: 2}

    # The saved query, over HTTP, with our graphs as the default graph (SPARQL protocol).
    text = (MINI / "queries" / "claims-by-actor.rq").read_text(encoding="utf-8")
    ours = [iri for iri in expected(project)]
    rows = server.query(text, **{"default-graph-uri": ours})
    remote = [(r["claim"]["value"], r["actor"]["value"]) for r in rows]
    union = graph.union_graph(graph.assemble(project))
    local = [(str(r.claim), str(r.actor)) for r in union.query(text)]
    assert remote == local and remote, "the same rows as rdflib over the union of our graphs"

    again = run("--home", str(MINI), "load", "--graph-store", f"{server.base}/store")
    assert again.exit_code == 0, again.output + again.stderr
    assert server.counts() == {**expected(project), FOREIGN: 2}, "idempotent; not ours untouched"


def test_update_load_in_chunks_keeps_every_literal(server: OxigraphServer, tmp_path: Path) -> None:
    project = copy_mini(tmp_path)
    hostile = project.root / "data" / "mini" / "hostile.ttl"
    hostile.write_text(
        "<https://w3id.org/stancegraph/id/claim/mini/1> "
        "<https://w3id.org/stancegraph/ontology#note> "
        '"""a "quote", } braces }, a \\\\ backslash\nand DROP ALL ; # not a comment""" , '
        '"ends with a quote\\"" , [ <https://w3id.org/stancegraph/ontology#note> "nested" ] .\n',
        encoding="utf-8",
    )
    server.insert_foreign_graph()
    result = run(
        "--home",
        str(project.root),
        "load",
        "--update",
        f"{server.base}/update",
        "--chunk-size",
        "3",
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert server.counts() == {**expected(project), FOREIGN: 2}
    for iri, g in graph.named_graphs(graph.assemble(project)).items():
        assert isomorphic(server.graph(str(iri)), g), iri
    assert not any("/graph/staging/" in g for g in server.counts()), "no staging graph left"


REMOVED = "https://w3id.org/stancegraph/graph/source/removed"
STAGING = "https://w3id.org/stancegraph/graph/staging/source/mini"


@pytest.mark.parametrize("how", ["--graph-store", "--update"])
def test_prune_drops_our_graphs_the_data_no_longer_has(server: OxigraphServer, how: str) -> None:
    """A source that was removed (and a staging graph an interrupted --update left) go; the
    graph that is not ours stays, and without --prune nothing but our current graphs changes."""
    project = find_project(home=MINI)
    server.insert_foreign_graph()
    for iri in (REMOVED, STAGING):
        text = f'INSERT DATA {{ GRAPH <{iri}> {{ <{iri}#s> <{iri}#p> "old" }} }}'
        httpx.post(f"{server.base}/update", data={"update": text}, timeout=30).raise_for_status()
    url = f"{server.base}/store" if how == "--graph-store" else f"{server.base}/update"

    kept = run("--home", str(MINI), "load", how, url)
    assert kept.exit_code == 0, kept.output + kept.stderr
    assert server.counts() == {**expected(project), FOREIGN: 2, REMOVED: 1, STAGING: 1}

    pruned = run("--home", str(MINI), "load", how, url, "--prune")
    assert pruned.exit_code == 0, pruned.output + pruned.stderr
    assert "source/removed" in pruned.output and "staging/source/mini" in pruned.output
    assert server.counts() == {**expected(project), FOREIGN: 2}


def test_prune_needs_a_remote_store() -> None:
    result = run("--home", str(MINI), "load", "--prune", "--dry-run")
    assert result.exit_code == 2
    assert "--prune" in assert_one_line_error(result)


def test_dry_run_sends_nothing(server: OxigraphServer) -> None:
    with Proxy(server.base) as proxy:
        result = run(
            "--home", str(MINI), "load", "--graph-store", f"{proxy.base}/store", "--dry-run"
        )
    assert result.exit_code == 0, result.output + result.stderr
    assert proxy.seen == []
    assert "dry run" in result.output
    for name in names(find_project(home=MINI)):
        assert name in result.output
    assert server.counts() == {}


@pytest.mark.parametrize("how", ["--graph-store", "--update"])
def test_the_load_streams_graph_by_graph_without_assembling_the_corpus(
    server: OxigraphServer, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #19: at 10M triples the corpus does not fit in rdflib; the load reads each graph
    into a small pyoxigraph store as it sends it, and the store holds what rdflib would have."""
    project = find_project(home=MINI)
    want = expected(project)
    shapes = graph.named_graphs(graph.assemble(project))[graph.SHAPES_GRAPH]

    def refuse(*_args: object) -> None:
        raise AssertionError("the load assembled the corpus in rdflib")

    monkeypatch.setattr(graph, "assemble", refuse)
    url = f"{server.base}/store" if how == "--graph-store" else f"{server.base}/update"
    result = run("--home", str(MINI), "load", how, url, "--chunk-size", "3")
    assert result.exit_code == 0, result.output + result.stderr
    assert server.counts() == want
    assert isomorphic(server.graph(str(graph.SHAPES_GRAPH)), shapes), "blank nodes kept apart"


def test_a_file_that_does_not_parse_stops_the_load_before_its_first_request(
    server: OxigraphServer, tmp_path: Path
) -> None:
    """Each graph is read again as it is sent, but every file is read once first: a broken
    last source is the same one-line error (file and line, exit 2) with nothing sent."""
    project = copy_mini(tmp_path)
    broken = project.root / "data" / "mini" / "zz-broken.ttl"
    broken.write_text("<http://example.org/a> <http://example.org/b> .\n", encoding="utf-8")
    with Proxy(server.base) as proxy:
        result = run("--home", str(project.root), "load", "--graph-store", f"{proxy.base}/store")
    assert result.exit_code == 2
    message = assert_one_line_error(result)
    assert "zz-broken.ttl:1" in message, message
    assert proxy.seen == []
    assert server.counts() == {}


# --- failures part-way ----------------------------------------------------------------------------


def test_a_failing_request_names_loaded_and_pending_graphs_and_a_rerun_completes(
    server: OxigraphServer,
) -> None:
    project = find_project(home=MINI)
    order = names(project)
    with Proxy(server.base, fail=lambda method, n: n == 3) as proxy:
        url = f"{proxy.base}/store"
        result = run("--home", str(MINI), "load", "--graph-store", url)
        assert result.exit_code == 2
        message = assert_one_line_error(result)
        assert "injected failure" in message
        assert listed(message, "loaded and checked") == order[:2]
        assert listed(message, "not loaded") == order[2:]
        assert "run the same command again" in message
        assert set(server.counts()) == {str(k) for k in list(expected(project))[:2]}

        rerun = run("--home", str(MINI), "load", "--graph-store", url)
        assert rerun.exit_code == 0, rerun.output + rerun.stderr
    assert server.counts() == expected(project)


def test_a_server_stopped_mid_load_then_restarted(server: OxigraphServer) -> None:
    project = find_project(home=MINI)
    order = names(project)

    class StopAfterTwo(store.Listener):
        done = 0

        def finished(self, item: store.GraphPlan) -> None:
            self.done += 1
            if self.done == 2:
                server.stop()

    target = remote.make_target(graph_store=f"{server.base}/store", timeout=10)
    with pytest.raises(remote.RemoteLoadError) as caught:
        remote.load_remote(graph.assemble(project), target, listener=StopAfterTwo())
    assert caught.value.loaded == order[:2]
    assert caught.value.pending == order[2:]
    assert "cannot reach" in str(caught.value)

    server.start()  # same data folder, new port
    assert set(server.counts()) == {str(k) for k in list(expected(project))[:2]}
    result = run("--home", str(MINI), "load", "--graph-store", f"{server.base}/store")
    assert result.exit_code == 0, result.output + result.stderr
    assert server.counts() == expected(project)


def test_an_unreachable_store_is_one_line_exit_2() -> None:
    url = f"http://127.0.0.1:{free_port()}/store"
    result = run("--home", str(MINI), "load", "--graph-store", url)
    assert result.exit_code == 2
    message = assert_one_line_error(result)
    assert "cannot reach" in message
    assert listed(message, "loaded and checked") == []
    assert listed(message, "not loaded") == names(find_project(home=MINI))


# --- credentials ----------------------------------------------------------------------------------


def basic_only(user: str, password: str) -> Callable[[str, str, str | None], tuple[bool, str]]:
    import base64

    token = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    return lambda method, path, header: (header == token, 'Basic realm="test"')


def test_credentials_from_the_environment_are_sent(server: OxigraphServer) -> None:
    with Proxy(server.base, authorize=basic_only("alice", "s3cret")) as proxy:
        url = f"{proxy.base}/store"
        refused = run("--home", str(MINI), "load", "--graph-store", url)
        assert refused.exit_code == 2
        message = assert_one_line_error(refused)
        assert "401" in message and remote.USER_ENV in message
        env = {remote.USER_ENV: "alice", remote.PASSWORD_ENV: "s3cret"}
        result = run("--home", str(MINI), "load", "--graph-store", url, env=env)
    assert result.exit_code == 0, result.output + result.stderr
    assert "s3cret" not in result.output + result.stderr
    assert server.counts() == expected(find_project(home=MINI))


def test_credentials_from_netrc_are_sent(
    server: OxigraphServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login bob password hunter2\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    with Proxy(server.base, authorize=basic_only("bob", "hunter2")) as proxy:
        result = run("--home", str(MINI), "load", "--graph-store", f"{proxy.base}/store")
    assert result.exit_code == 0, result.output + result.stderr
    assert server.counts() == expected(find_project(home=MINI))


def test_digest_auth_as_virtuoso_wants_it(server: OxigraphServer) -> None:
    realm, nonce, user, password = "SPARQL", "4f1d2c", "dba", "dba-secret"
    ha1 = hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()
    challenge = f'Digest realm="{realm}", nonce="{nonce}", qop="auth", algorithm="MD5"'

    def check(method: str, path: str, header: str | None) -> tuple[bool, str]:
        if not header or not header.startswith("Digest "):
            return False, challenge
        fields = dict(re.findall(r'(\w+)="?([^",]*)"?', header[len("Digest ") :]))
        ha2 = hashlib.md5(f"{method}:{fields['uri']}".encode()).hexdigest()
        parts = [ha1, nonce, fields["nc"], fields["cnonce"], fields["qop"], ha2]
        answer = hashlib.md5(":".join(parts).encode()).hexdigest()
        return fields.get("username") == user and fields.get("response") == answer, challenge

    env = {remote.USER_ENV: user, remote.PASSWORD_ENV: password}
    with Proxy(server.base, authorize=check) as proxy:
        url = f"{proxy.base}/store"
        result = run("--home", str(MINI), "load", "--graph-store", url, "--auth", "digest", env=env)
    assert result.exit_code == 0, result.output + result.stderr
    assert server.counts() == expected(find_project(home=MINI))


def test_credentials_on_the_command_line_are_refused() -> None:
    result = run("--home", str(MINI), "load", "--graph-store", "http://u:p@127.0.0.1:1/store")
    assert result.exit_code == 2
    assert "must not carry credentials" in assert_one_line_error(result)


# --- the installed command, and the real dataset --------------------------------------------------


def test_installed_script_loads_into_the_server(server: OxigraphServer) -> None:
    script = shutil.which("stancegraph", path=str(Path(sys.executable).parent))
    assert script, "the console script 'stancegraph' is not installed"
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
    env[HOME_ENV] = str(MINI)
    done = subprocess.run(
        [script, "load", "--graph-store", f"{server.base}/store"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert server.counts() == expected(find_project(home=MINI))


def test_the_checkout_loads_with_the_same_counts(server: OxigraphServer, project: Project) -> None:
    result = run("--home", str(project.root), "load", "--graph-store", f"{server.base}/store")
    assert result.exit_code == 0, result.output + result.stderr
    assert server.counts() == {k: v for k, v in expected(project).items() if v}
