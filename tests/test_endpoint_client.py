"""``query --endpoint`` against a small stand-in for Virtuoso 7.2 on 127.0.0.1 (issue #23).

The stand-in answers the way Virtuoso 07.20.3229 was measured to (tests/test_real_stores.py runs
the real one): a POST whose body is ``application/sparql-query`` is read until the client gives
up, a form POST is answered, ASK comes back as a one-column table ``__ASK_RETVAL``, and every
answer carries ``Server: Virtuoso/07.20.3229 ...``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner, Result

from conftest import ROOT
from stancegraph import queries
from stancegraph.cli import cli
from stancegraph.errors import StoreError
from stancegraph.sources import HOME_ENV

pytestmark = pytest.mark.loopback

SERVER = "Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu"
TARGET = "https://w3id.org/stancegraph/id/armed-group/hezbollah"


def table(variables: list[str], rows: list[dict[str, dict[str, str]]]) -> bytes:
    return json.dumps({"head": {"vars": variables}, "results": {"bindings": rows}}).encode()


def ask_table(true: bool) -> bytes:
    """Virtuoso's answer to an ASK query (its own spacing aside)."""
    one = {"__ASK_RETVAL": {"type": "typed-literal", "datatype": INTEGER, "value": "1"}}
    return table(["__ASK_RETVAL"], [one] if true else [])


INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


class FakeVirtuoso:
    """Answers ``answer(query_text)``; records the Content-Type of each request."""

    def __init__(self) -> None:
        self.answer = lambda text: table([], [])
        self.content_types: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            server_version, sys_version = SERVER, ""  # the Server header send_response writes

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                kind = self.headers.get("Content-Type", "")
                fake.content_types.append(kind)
                if kind.startswith("application/sparql-query"):
                    self.rfile.read()  # Virtuoso 7.2: reads past Content-Length, until EOF
                    return
                length = int(self.headers["Content-Length"])
                (text,) = parse_qs(self.rfile.read(length).decode("ascii"))["query"]
                data = fake.answer(text)
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/sparql"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def virtuoso() -> Iterator[FakeVirtuoso]:
    fake = FakeVirtuoso()
    try:
        yield fake
    finally:
        fake.close()


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--home", str(ROOT), *args], env={HOME_ENV: ""})


def saved(name: str) -> queries.SavedQuery:
    return queries.read_query(ROOT / "queries" / f"{name}.rq")


def test_the_query_goes_as_a_form_and_is_answered(virtuoso: FakeVirtuoso) -> None:
    """Issue #23: sent as an application/sparql-query body, it got no answer within 60 s."""
    virtuoso.answer = lambda text: ask_table(True)
    out = run("query", "any-public-private-gap", "--endpoint", virtuoso.url, "--timeout", "20")
    assert out.exit_code == 0, out.stderr
    assert virtuoso.content_types == ["application/x-www-form-urlencoded"]
    assert out.stdout.strip().endswith("yes")


@pytest.mark.parametrize("true", [True, False])
def test_virtuoso_ask_table_is_the_boolean(virtuoso: FakeVirtuoso, true: bool) -> None:
    virtuoso.answer = lambda text: ask_table(true)
    engine = queries.EndpointEngine(virtuoso.url, timeout=20)
    answer = queries.run(saved("any-public-private-gap"), engine)
    assert (answer.form, answer.boolean) == ("ASK", true)
    assert json.loads(answer.serialize("json")) == {"head": {}, "boolean": true}
    assert engine.store == "virtuoso"


def test_a_known_deviation_is_a_warning(virtuoso: FakeVirtuoso) -> None:
    """russia-iran-issues declares '#+ deviations: virtuoso'; whatever Virtuoso answers, the
    user is told."""
    query = saved("russia-iran-issues")
    virtuoso.answer = lambda text: table(queries.select_variables(query.text) or [], [])
    out = run("query", "russia-iran-issues", "--endpoint", virtuoso.url, "--format", "csv")
    assert out.exit_code == 0
    (line,) = out.stderr.strip().splitlines()
    assert line == (
        "stancegraph: warning: russia-iran-issues is known to deviate on Virtuoso: "
        + dict(query.deviations)["virtuoso"]
    )


def test_an_answer_that_ignores_the_parameter_is_refused(virtuoso: FakeVirtuoso) -> None:
    """A store that drops the VALUES block answers for every target; that answer is not shown."""
    query = saved("stances-on-target")
    variables = queries.select_variables(query.text) or []
    other = "https://w3id.org/stancegraph/id/state/iran"
    rows = [{"target": {"type": "uri", "value": iri}} for iri in (TARGET, other)]
    virtuoso.answer = lambda text: table(variables, rows)
    with pytest.raises(StoreError, match="ignored the VALUES block that binds parameter target"):
        queries.run(query, queries.EndpointEngine(virtuoso.url, timeout=20))
    virtuoso.answer = lambda text: table(variables, rows[:1])
    answer = queries.run(query, queries.EndpointEngine(virtuoso.url, timeout=20))
    assert len(answer.rows) == 1


PATTERNS = """\
PREFIX sg: <https://w3id.org/stancegraph/ontology#>
SELECT * WHERE {{ {} }}
"""


@pytest.mark.parametrize(
    ("pattern", "misjoined"),
    [
        # measured on Virtuoso 07.20.3229 with VALUES (?target) { (<...hezbollah>) } after it:
        # True where it answered all 32 stances, False where it answered the 6 on the target
        ("?s sg:target ?target . BIND(1 AS ?x)", True),
        ("?s sg:target ?target . BIND(1 AS ?x) ?s sg:holder ?h .", True),
        ("?s sg:target ?target . OPTIONAL { ?s sg:inferred ?f } BIND(1 AS ?x)", True),
        ("BIND(1 AS ?y) ?s sg:target ?target . BIND(2 AS ?x)", True),
        ("{ SELECT ?s ?target WHERE { ?s sg:target ?target } }", True),
        ("{ SELECT ?s ?target WHERE { ?s sg:target ?target } } OPTIONAL { ?s sg:holder ?h }", True),
        ("BIND(1 AS ?x) ?s sg:target ?target .", False),
        ("{ SELECT ?s WHERE { ?s sg:holder ?h } } ?s sg:target ?target .", False),
        ("?s sg:target ?target . { SELECT ?s WHERE { ?s sg:holder ?h } }", False),
        ("{ ?s sg:target ?target }", False),
        ("?s sg:target ?target . OPTIONAL { ?s sg:inferred ?f }", False),
        ("?s sg:target ?target . FILTER EXISTS { ?s sg:holder ?h }", False),
        ("?s sg:target ?target . MINUS { ?s sg:inferred true }", False),
    ],
)
def test_which_patterns_virtuoso_misjoins_with_values(pattern: str, misjoined: bool) -> None:
    assert queries.virtuoso_misjoins_values(PATTERNS.format(pattern)) is misjoined


def test_a_deviation_must_name_a_known_store() -> None:
    text = "#+ deviations:\n#+   - virtuso: a typo\nSELECT ?s WHERE { ?s ?p ?o }\n"
    problems = queries.header_problems(queries.make_query(text))
    assert "deviation for unknown store 'virtuso' (one of virtuoso, oxigraph, fuseki)" in problems


def test_a_page_of_an_ordered_query_is_asked_for_with_limit_and_offset(
    virtuoso: FakeVirtuoso,
) -> None:
    """Issue #19: on a remote store, a query ordered by its own ORDER BY is sent with LIMIT (one
    row more than the page, to know whether more follow) and OFFSET, so that the store sends
    one page; the rows after it are not counted, and the table says "more rows"."""
    sent: list[str] = []
    query = saved("timeline")
    variables = queries.select_variables(query.text) or []

    uri = {"type": "uri", "value": "https://w3id.org/stancegraph/id/event/x/1"}

    def answer(text: str) -> bytes:
        sent.append(text)
        return table(variables, [{variables[0]: uri}] * 4)  # LIMIT 4: a page of 3, and more

    virtuoso.answer = answer
    out = run("query", "timeline", "--endpoint", virtuoso.url, "--limit", "3", "--offset", "6")
    assert out.exit_code == 0, out.stderr
    assert sent[0].rstrip().endswith("LIMIT 4 OFFSET 6")
    assert out.stdout.rstrip().endswith(
        "rows 7-9; more rows (--limit/--offset, or --format csv for all)"
    )
    out = run("query", "timeline", "--endpoint", virtuoso.url, "--format", "csv", "--limit", "3")
    assert sent[-1].rstrip().endswith("LIMIT 4")
    assert len(out.stdout.strip().splitlines()) == 1 + 3
    # the last page: fewer rows than asked for, so the total is known
    virtuoso.answer = lambda text: table(variables, [{variables[0]: uri}] * 2)
    out = run("query", "timeline", "--endpoint", virtuoso.url, "--offset", "6")
    assert out.stdout.rstrip().endswith("rows 7-8 of 8 (--limit/--offset, or --format csv for all)")
    virtuoso.answer = lambda text: table(variables, [])
    out = run("query", "timeline", "--endpoint", virtuoso.url, "--offset", "6")
    assert out.stdout.rstrip().endswith(
        "no rows from --offset 6 (--limit/--offset, or --format csv for all)"
    )
