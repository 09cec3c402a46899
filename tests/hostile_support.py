"""Helpers for the hostile-input tests (issue #8): a recording server, an open() recorder, the CLI.

``Recorder`` is a tiny HTTP server on 127.0.0.1 (random port, in a thread) that answers every
request with something plausible (a JSON-LD context, Turtle, a SPARQL result, a DTD) and records
it, so a test can show that nothing was fetched. Tests using it are marked ``loopback``, which turns
stancegraph's network guard off: what they show is that the code does not even try, not that the
guard stopped it (the guard has tests of its own).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from stancegraph import isolation
from stancegraph.cli import cli
from stancegraph.sources import HOME_ENV

TESTS = Path(__file__).resolve().parent
MINI = TESTS / "fixtures" / "mini"
CORPUS = TESTS / "corpus"

#: How long a refusal may take. Measured refusals take milliseconds; the bound leaves room for a
#: slow CI machine while still catching a fetch that waits for a timeout or a blow-up.
FAST = 3.0

BODIES: dict[str, tuple[str, bytes]] = {
    ".jsonld": ("application/ld+json", b'{"@context": {"ex": "http://example.org/"}}'),
    ".ttl": (
        "text/turtle",
        b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .",
    ),
    ".dtd": ("application/xml-dtd", b'<!ENTITY x "fetched">'),
    "sparql": (
        "application/sparql-results+json",
        b'{"head": {"vars": ["s"]}, "results": {"bindings": '
        b'[{"s": {"type": "uri", "value": "http://example.org/fetched"}}]}}',
    ),
}


@dataclass
class Recorder:
    """A loopback HTTP server that records every request it gets."""

    requests: list[tuple[str, str]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    httpd: ThreadingHTTPServer | None = None

    def url(self, path: str = "/") -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def start(self) -> Recorder:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                recorder.requests.append((self.command, self.path))
                length = int(self.headers.get("Content-Length") or 0)
                recorder.bodies.append(self.rfile.read(length) if length else b"")
                kind = next((k for k in BODIES if self.path.split("?")[0].endswith(k)), "sparql")
                media, body = BODIES[kind]
                self.send_response(200)
                self.send_header("Content-Type", media)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_HEAD = _answer

            def log_message(self, *args: Any) -> None:
                pass

        with isolation.network_guard(allow=True):  # binding looks up the host name
            self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        serve = self.httpd.serve_forever
        threading.Thread(target=serve, kwargs={"poll_interval": 0.01}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()


class Listener:
    """A TCP port on 127.0.0.1 that counts the connections made to it; it answers each with
    ``reply`` (after reading what the client sends first, if ``reply`` is given), then closes it.
    Lower-level than :class:`Recorder`: it sees a connection even if no HTTP request follows."""

    def __init__(self, reply: bytes | None = None) -> None:
        with isolation.network_guard(allow=True):
            self.sock = socket.socket()
            self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.reply = reply
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def url(self, path: str = "/sparql") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self._stop:
                conn.close()
                return
            self.connections += 1
            with conn:
                if self.reply is not None:
                    conn.settimeout(5)
                    with contextlib.suppress(OSError):
                        conn.recv(65536)
                        conn.sendall(self.reply)

    def close(self) -> None:
        self._stop = True
        with isolation.network_guard(allow=True), socket.socket() as poke:
            poke.settimeout(1)
            with contextlib.suppress(OSError):  # wake accept() up
                poke.connect(("127.0.0.1", self.port))
        self._thread.join(5)
        self.sock.close()


class OpenedFiles:
    """Records, through an audit hook, every file this process opens while recording."""

    _active: list[str] | None = None
    _installed = False

    @classmethod
    def _hook(cls, event: str, args: tuple[Any, ...]) -> None:
        if cls._active is not None and event == "open" and isinstance(args[0], str | Path):
            cls._active.append(str(args[0]))

    @classmethod
    @contextmanager
    def recording(cls) -> Iterator[list[str]]:
        if not cls._installed:
            sys.addaudithook(cls._hook)
            cls._installed = True
        opened: list[str] = []
        cls._active = opened
        try:
            yield opened
        finally:
            cls._active = None


def needs_dot() -> None:
    """Skip, naming the package, where Graphviz's dot is missing: plot and docs need it."""
    if not shutil.which("dot"):
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")


def copy_mini(tmp_path: Path) -> Path:
    """A private copy of the mini project, so that stores built by a test stay in tmp_path."""
    home = tmp_path / "project"
    shutil.copytree(MINI, home, ignore=shutil.ignore_patterns(".stancegraph", "dist"))
    return home


def run_cli(home: Path, *args: str) -> tuple[Result, float]:
    """``stancegraph --home HOME ARGS...`` in this process; its result and how long it took."""
    start = time.perf_counter()
    result = CliRunner().invoke(cli, ["--home", str(home), *args], env={HOME_ENV: ""})
    return result, time.perf_counter() - start


def output_of(result: Result) -> str:
    return (result.stdout or "") + (result.stderr or "")


def assert_clean_failure(result: Result, code: int = 2) -> str:
    """The command failed with ``code``: one line on stderr, no traceback. Returns that line."""
    out = output_of(result)
    assert result.exit_code == code, out
    assert "Traceback" not in out, out
    lines = (result.stderr or "").strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {result.stderr!r}"
    assert lines[0].startswith("stancegraph: error: "), lines[0]
    return lines[0]
