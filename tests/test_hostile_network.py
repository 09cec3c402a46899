"""Nothing is fetched (issue #8), shown against a recording HTTP server on 127.0.0.1.

Observed before: rdflib's JSON-LD parser fetched a remote ``@context`` and opened a ``file:``
one; ``Graph.query`` sent requests for ``SERVICE``, fetched ``FROM``/``FROM NAMED``/``LOAD`` URLs
and read ``FROM <file:///...>``; pyoxigraph sent requests for ``SERVICE`` (even ``SILENT``); a URL
given as a source was fetched. Each test here gives one of those to stancegraph and shows that the
server saw nothing and the answer came fast. The tests are marked ``loopback`` (the network guard
is off for the test itself, so what they show is that nothing even tries); the guard has its own
tests at the end, and positive controls show that the server does see what an engine fetches.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib

from hostile_support import (
    FAST,
    OpenedFiles,
    Recorder,
    assert_clean_failure,
    copy_mini,
    output_of,
    run_cli,
)
from stancegraph import isolation, safety
from stancegraph.errors import InputError, NetworkRefused


@pytest.fixture
def server() -> Iterator[Recorder]:
    recorder = Recorder().start()
    try:
        yield recorder
    finally:
        recorder.stop()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the mini project for the module (its embedded store is built once)."""
    return copy_mini(tmp_path_factory.mktemp("hostile-network"))


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def refused_fast(path: Path | str, **kwargs: object) -> InputError:
    start = time.perf_counter()
    with pytest.raises(InputError) as caught:
        safety.parse_file(path, **kwargs)  # type: ignore[arg-type]
    took = time.perf_counter() - start
    assert took < FAST, f"refusal took {took:.2f} s"
    assert "\n" not in str(caught.value)
    return caught.value


# --- controls: the server does see what rdflib and pyoxigraph fetch when left alone --------------


@pytest.mark.loopback
def test_control_rdflib_fetches_a_remote_context_when_called_directly(server: Recorder) -> None:
    doc = json.dumps({"@context": server.url("/ctx.jsonld"), "@id": "http://e/a", "ex:b": "c"})
    rdflib.Graph().parse(data=doc, format="json-ld")
    assert server.requests, "the recorder should have seen rdflib fetch the context"


@pytest.mark.loopback
def test_control_pyoxigraph_sends_service_requests_when_called_directly(server: Recorder) -> None:
    import pyoxigraph as ox

    list(ox.Store().query(f"SELECT * WHERE {{ SERVICE SILENT <{server.url('/sparql')}> {{}} }}"))
    assert server.requests, "the recorder should have seen pyoxigraph's SERVICE request"


# --- JSON-LD contexts ----------------------------------------------------------------------------


@pytest.mark.loopback
@pytest.mark.parametrize(
    "shape",
    [
        lambda url: {"@context": url, "@id": "http://e/a"},
        lambda url: {"@context": [url, {"ex": "http://e/"}], "@id": "http://e/a"},
        lambda url: {"@graph": [{"@context": url, "@id": "http://e/a"}]},
        lambda url: {"@context": {"@import": url}, "@id": "http://e/a"},
        lambda url: {"@context": {"t": {"@id": "http://e/t", "@context": url}}, "t": {"x": 1}},
        lambda url: [{"@context": url, "@id": "http://e/a"}],
    ],
    ids=["context", "context-list", "nested-context", "import", "scoped-context", "array"],
)
def test_a_remote_jsonld_context_is_not_fetched(server: Recorder, tmp_path: Path, shape) -> None:
    path = write(tmp_path, "remote.jsonld", json.dumps(shape(server.url("/ctx.jsonld"))))
    assert "not allowed" in str(refused_fast(path))
    assert server.requests == []


@pytest.mark.loopback
def test_a_file_context_is_not_read(tmp_path: Path) -> None:
    context = write(tmp_path, "ctx.jsonld", '{"@context": {"ex": "http://e/"}}')
    doc = {"@context": context.as_uri(), "@id": "ex:a", "ex:b": "c"}
    path = write(tmp_path, "local.jsonld", json.dumps(doc))
    with OpenedFiles.recording() as opened:
        refused_fast(path)
    assert str(context) not in opened
    assert opened == [str(path)]


@pytest.mark.loopback
def test_remote_context_through_validate_is_exit_2_and_fetches_nothing(
    server: Recorder, tmp_path: Path, home: Path
) -> None:
    doc = {"@context": server.url("/ctx.jsonld"), "@id": "ex:a", "ex:b": "c"}
    result, took = run_cli(home, "validate", str(write(tmp_path, "c.jsonld", json.dumps(doc))))
    assert "JSON-LD context" in assert_clean_failure(result)
    assert server.requests == []
    assert took < FAST


def test_a_context_shipped_with_the_project_is_inlined(tmp_path: Path) -> None:
    shipped = {"https://w3id.org/stancegraph/context.jsonld": {"ex": "http://e/"}}
    doc = {"@context": "https://w3id.org/stancegraph/context.jsonld", "@id": "ex:a", "ex:b": "c"}
    g = safety.parse_file(write(tmp_path, "s.jsonld", json.dumps(doc)), contexts=shipped)
    assert (rdflib.URIRef("http://e/a"), rdflib.URIRef("http://e/b"), rdflib.Literal("c")) in g


# --- a URL given as a source, and XML's external references ---------------------------------------


@pytest.mark.loopback
@pytest.mark.parametrize("path", ["/data.ttl", "/data.jsonld"])
def test_a_url_given_as_a_source_is_not_fetched(server: Recorder, path: str) -> None:
    assert "is a URL" in str(refused_fast(server.url(path)))
    assert "is a URL" in str(refused_fast(server.url(path), format="turtle"))
    assert server.requests == []


@pytest.mark.loopback
def test_a_url_given_to_validate_is_exit_2_and_fetches_nothing(
    server: Recorder, home: Path
) -> None:
    result, took = run_cli(home, "validate", server.url("/data.ttl"))
    assert_clean_failure(result)
    assert server.requests == []
    assert took < FAST


def test_file_urls_are_refused_too() -> None:
    assert "is a URL" in str(refused_fast("file:///etc/passwd", format="turtle"))


@pytest.mark.loopback
@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE rdf:RDF SYSTEM "{url}">',
        '<!DOCTYPE r [<!ENTITY x SYSTEM "{url}">]>',
        '<!DOCTYPE r [<!ENTITY % x SYSTEM "{url}"> %x;]>',
    ],
)
def test_xml_external_references_are_not_fetched(
    server: Recorder, tmp_path: Path, doctype: str
) -> None:
    doc = (
        '<?xml version="1.0"?>\n' + doctype.format(url=server.url("/x.dtd")) + "\n"
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="http://e/a"/></rdf:RDF>\n'
    )
    refused_fast(write(tmp_path, "x.rdf", doc))
    assert server.requests == []


@pytest.mark.loopback
def test_owl_imports_of_a_url_are_not_followed(
    server: Recorder, tmp_path: Path, home: Path
) -> None:
    ttl = (
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        f"<https://w3id.org/stancegraph/id/document/x> a owl:Ontology ; "
        f"owl:imports <{server.url('/ontology.ttl')}> .\n"
    )
    path = write(tmp_path, "imports.ttl", ttl)
    assert len(safety.parse_file(path)) == 2
    result, _ = run_cli(home, "validate", str(path))
    assert "Traceback" not in output_of(result)
    assert server.requests == []


# --- SPARQL: SERVICE, FROM, FROM NAMED, LOAD ------------------------------------------------------

SPARQL_HAZARDS = {
    "service": "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "service-silent": "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "service-in-optional": (
        "SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{url}> {{ ?s ?q ?r }} }} }}"
    ),
    "from": "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
    "from-named": "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "from-file": "SELECT * FROM <file:///etc/passwd> WHERE {{ ?s ?p ?o }}",
    "load": "LOAD <{url}>",
    "load-into": "LOAD SILENT <{url}> INTO GRAPH <http://e/g>",
}


@pytest.mark.loopback
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("hazard", sorted(SPARQL_HAZARDS))
def test_query_file_with_a_fetching_form_is_exit_2_and_fetches_nothing(
    server: Recorder, tmp_path: Path, home: Path, hazard: str, engine: str
) -> None:
    text = SPARQL_HAZARDS[hazard].format(url=server.url("/data.ttl"))
    query = write(tmp_path, "q.rq", text)
    with OpenedFiles.recording() as opened:
        result, took = run_cli(home, "query", "--file", str(query), "--engine", engine)
    line = assert_clean_failure(result)
    assert "refused" in line, line
    assert "network access refused" not in line, "refused by check_query, not by the guard"
    assert server.requests == []
    assert "/etc/passwd" not in opened
    assert took < FAST + 2, f"{hazard}: {took:.2f} s"


@pytest.mark.loopback
def test_allow_service_lets_service_through(server: Recorder, tmp_path: Path, home: Path) -> None:
    """The opt-in works, and shows that the tests above would have seen a request."""
    query = write(
        tmp_path, "q.rq", f"SELECT * WHERE {{ SERVICE <{server.url('/sparql')}> {{ ?s ?p ?o }} }}"
    )
    result, _ = run_cli(home, "query", "--file", str(query), "--allow-service", "--format", "csv")
    assert result.exit_code == 0, output_of(result)
    assert server.requests


@pytest.mark.loopback
@pytest.mark.parametrize("form", ["FROM", "FROM NAMED"])
def test_rdflib_loads_no_graph_even_for_an_unchecked_query(server: Recorder, form: str) -> None:
    """Second line: importing stancegraph.safety switches rdflib's SPARQL_LOAD_GRAPHS off."""
    assert rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS is False
    ds = rdflib.Dataset()
    ds.add((rdflib.URIRef("http://e/a"), rdflib.URIRef("http://e/b"), rdflib.URIRef("http://e/c")))
    list(ds.query(f"SELECT * {form} <{server.url('/data.ttl')}> WHERE {{ ?s ?p ?o }}"))
    assert server.requests == []


@pytest.mark.loopback
def test_the_installed_command_refuses_service_and_fetches_nothing(
    server: Recorder, tmp_path: Path, home: Path
) -> None:
    """The real console script, in its own process, as a user runs it."""
    import shutil
    import subprocess
    import sys

    script = shutil.which("stancegraph") or str(Path(sys.executable).parent / "stancegraph")
    query = write(tmp_path, "q.rq", SPARQL_HAZARDS["service-silent"].format(url=server.url("/s")))
    start = time.perf_counter()
    done = subprocess.run(
        [script, "--home", str(home), "query", "--file", str(query)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    took = time.perf_counter() - start
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("stancegraph: error: ") and "Traceback" not in done.stderr
    assert server.requests == []
    assert took < 15


# --- the network guard itself --------------------------------------------------------------------


def test_the_guard_refuses_urllib_and_sockets(server: Recorder) -> None:
    """Not marked loopback: the guard is on, and nothing reaches the server."""
    with pytest.raises(NetworkRefused):
        urllib.request.urlopen(server.url("/data.ttl"), timeout=5)
    with pytest.raises(NetworkRefused):
        socket.create_connection(("127.0.0.1", server.httpd.server_address[1]), timeout=5)
    with pytest.raises(NetworkRefused):
        socket.getaddrinfo("example.org", 80)
    with pytest.raises(NetworkRefused):
        urllib.request.urlopen(Path("/etc/hostname").as_uri())
    assert server.requests == []


def test_the_guard_stops_rdflib_fetching_a_url(server: Recorder) -> None:
    with pytest.raises(Exception) as caught:
        rdflib.Graph().parse(server.url("/data.ttl"))
    chain = [caught.value, caught.value.__cause__, caught.value.__context__]
    assert any(isinstance(exc, NetworkRefused) for exc in chain), repr(caught.value)
    assert server.requests == []


def test_the_guard_lets_unix_sockets_through() -> None:
    left, right = socket.socketpair()
    with left, right:
        left.sendall(b"x")
        assert right.recv(1) == b"x"


def test_the_guard_is_restored_after_its_block() -> None:
    assert not isolation.network_allowed()
    with isolation.network_guard(allow=True):
        assert isolation.network_allowed()
        with isolation.network_guard():
            assert not isolation.network_allowed()
            isolation.allow_network()
            assert isolation.network_allowed()
        assert isolation.network_allowed()
    assert not isolation.network_allowed()


@pytest.mark.loopback
def test_every_cli_command_runs_behind_the_guard(
    server: Recorder, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command that tried to fetch (here: info, made to) fails loudly with one line, exit 2."""
    from stancegraph import graph
    from stancegraph import store as store_module

    def fetching(*args: object, **kwargs: object) -> None:
        urllib.request.urlopen(server.url("/data.ttl"), timeout=5)

    # info reads what load recorded, else counts the files (issue #19): both made to fetch
    monkeypatch.setattr(store_module, "recorded_summary", fetching)
    monkeypatch.setattr(graph, "summarize", fetching)
    result, _ = run_cli(home, "info")
    assert "network access refused" in assert_clean_failure(result)
    assert server.requests == []
    assert isolation.network_allowed(), "the test's own setting is restored after the command"


@pytest.mark.loopback
def test_a_remote_endpoint_named_by_the_user_is_reached(server: Recorder, home: Path) -> None:
    result, _ = run_cli(
        home, "query", "claims-by-actor", "--endpoint", server.url("/sparql"), "--format", "csv"
    )
    assert result.exit_code == 0, output_of(result)
    assert [method for method, _ in server.requests] == ["POST"]
