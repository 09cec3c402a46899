"""SPARQL codepoint escapes cannot smuggle SERVICE, FROM or LOAD past the check (issue #22).

Observed before: ``ASK { BIND("x\\u00000022 AS ?q) BIND(" AS ?r) SERVICE SILENT <http://...>
{ ?a ?b ?c } } # " AS ?t) }`` given to ``stancegraph query --file`` exited 0 and Oxigraph sent the
request. rdflib, which made the safety check, read ``\\u00000022`` as one ``"``; Oxigraph read
``\\u0000`` then ``0022``, so only Oxigraph saw the SERVICE. The engines also disagree on
``\\U00000022`` (rdflib: the end of the string; Oxigraph: a quote inside it) and ``\\u005C"``
(rdflib: an escaped quote; Oxigraph: a backslash, then the end of the string).

Now the check expands the escapes as SPARQL 1.1 section 19.2 says, refuses a text the engines
could still read in different ways, and every engine is given the expanded text. Each refused
form, written plainly and smuggled through escapes, goes here through every engine: rdflib, the
embedded Oxigraph store, a saved query during ``stancegraph docs``, and a remote ``--endpoint``
(refused before anything is sent), with a TCP listener on 127.0.0.1 showing that nothing
connects to the URL the query names.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from conftest import with_picture_queries
from hostile_support import Listener, Recorder, copy_mini, needs_dot, output_of, run_cli
from stancegraph import safety
from stancegraph.errors import QueryError, QueryRefused


@pytest.fixture
def victim() -> Iterator[Listener]:
    """What the hostile queries point at."""
    listener = Listener()
    try:
        yield listener
    finally:
        listener.close()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_mini(tmp_path_factory.mktemp("hostile-escapes"))


#: Every form that reaches past the project's data, with {url} for the listener's URL.
PLAIN = {
    "service": "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "service-silent": "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "service-variable": "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "ask-service": "ASK {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "construct-service": (
        "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}"
    ),
    "from": "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
    "from-named": "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "using": "INSERT {{ ?s ?p ?o }} USING <{url}> WHERE {{ ?s ?p ?o }}",
    "load": "LOAD <{url}>",
}

#: The first letter of each keyword, as an escape.
_KEYWORDS = {
    "SERVICE": ("S", "ERVICE"),
    "FROM": ("F", "ROM"),
    "USING": ("U", "SING"),
    "LOAD": ("L", "OAD"),
}


def _escaped_keyword(text: str, spell: str) -> str:
    for word, (first, rest) in _KEYWORDS.items():
        text = text.replace(word, spell.format(ord(first)) + rest)
    return text


SMUGGLED = {
    **{f"{name}-u": _escaped_keyword(text, "\\u{:04X}") for name, text in PLAIN.items()},
    **{f"{name}-U": _escaped_keyword(text, "\\U{:08X}") for name, text in PLAIN.items()},
    # an escape in the IRI: the same URL
    "service-escaped-iri": "SELECT * WHERE {{ SERVICE SILENT <{url_escaped}> {{ ?s ?p ?o }} }}",
    # the report of issue #22: rdflib read \u00000022 as one quote, Oxigraph as NUL then 0022
    "quote-u8": (
        'ASK {{ BIND("x\\u00000022 AS ?q) BIND(" AS ?r) SERVICE SILENT <{url}> '
        '{{ ?a ?b ?c }} }} # " AS ?t) }}'
    ),
    # rdflib: \U00000022 ends the string; Oxigraph: a quote inside it
    "quote-U": (
        'ASK {{ BIND("x\\U00000022 AS ?q) BIND(" AS ?r) SERVICE SILENT <{url}> '
        '{{ ?a ?b ?c }} }} # " AS ?t) }}'
    ),
    # rdflib: \u005C" is an escaped quote; Oxigraph: a backslash, then the end of the string
    "backslash-quote": (
        'ASK {{ BIND("x\\u005C" AS ?q) SERVICE SILENT <{url}> {{ ?a ?b ?c }} '
        'BIND(" AS ?r) }} # " AS ?t) }}'
    ),
    # an escape that spells another: expanded once, it is \u0053ERVICE
    "double-escape": "SELECT * WHERE {{ \\u005Cu0053ERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    # \U with 4 digits: rdflib read it as S, SPARQL does not
    "U-four-digits": "SELECT * WHERE {{ \\U0053ERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    # a newline spelled in a comment ends it, as SPARQL says
    "comment-newline": (
        "SELECT * WHERE {{ ?s ?p ?o # \\u000A SERVICE SILENT <{url}> {{ ?s ?p ?o }}\n}}"
    ),
}


def sent(endpoint: Recorder) -> list[str]:
    """The queries the endpoint received (POSTed as forms, ``query=...``)."""
    return [parse_qs(body.decode("utf-8"))["query"][0] for body in endpoint.bodies]


#: Forms whose SERVICE ends up inside a string for every engine, once the escapes are expanded:
#: the query runs (exit 0) and connects to nothing.
INERT = {"quote-U", "backslash-quote"}

FORMS = {**PLAIN, **SMUGGLED}


def hostile(form: str, listener: Listener) -> str:
    url = listener.url("/x")
    escaped = url.replace(":", "\\u003A").replace("x", "\\u0078")
    return FORMS[form].format(url=url, url_escaped=escaped)


def assert_refused_in_one_line(result, form: str) -> None:
    out = output_of(result)
    assert "Traceback" not in out, out
    if form in INERT:
        assert result.exit_code == 0, out
        return
    assert result.exit_code == 2, out
    lines = (result.stderr or "").strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("stancegraph: error: "), lines[0]
    assert any(word in lines[0] for word in ("refused", "escape")), lines[0]
    assert "network access refused" not in lines[0], "refused by the check, not by the guard"


def test_every_form_is_refused_by_the_check() -> None:
    """The library: each hostile form is a QueryRefused (SERVICE, FROM, an update), or a
    QueryError naming the escape the engines would read in different ways."""
    listener_url = "http://127.0.0.1:9/x"
    for form, template in FORMS.items():
        text = template.format(url=listener_url, url_escaped=listener_url)
        if form in INERT:
            checked = safety.check_query(text)
            assert "\\" not in checked.text.replace('\\"', "")
            assert checked.services == ()
            continue
        with pytest.raises(QueryError) as caught:
            safety.check_query(text)
        message = str(caught.value)
        assert isinstance(caught.value, QueryRefused) or "escape" in message, (form, message)


@pytest.mark.loopback
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("form", sorted(FORMS))
def test_query_file_connects_to_nothing(
    form: str, engine: str, victim: Listener, home: Path, tmp_path: Path
) -> None:
    query = tmp_path / "q.rq"
    query.write_text(hostile(form, victim), encoding="utf-8")
    result, _ = run_cli(home, "query", "--file", str(query), "--engine", engine)
    assert victim.connections == 0, f"{form} on {engine}: the query reached the listener"
    assert_refused_in_one_line(result, form)


@pytest.mark.loopback
@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_remote_endpoint_is_sent_nothing_hostile(
    form: str, victim: Listener, home: Path, tmp_path: Path
) -> None:
    """Refused before sending: the endpoint gets no request at all; an inert form is sent as
    checked (its escapes expanded), so the endpoint reads it as the check did."""
    endpoint = Recorder().start()
    try:
        query = tmp_path / "q.rq"
        text = hostile(form, victim)
        query.write_text(text, encoding="utf-8")
        result, _ = run_cli(
            home, "query", "--file", str(query), "--endpoint", endpoint.url(), "--format", "csv"
        )
        assert victim.connections == 0
        if form in INERT:
            assert [q.strip() for q in sent(endpoint)] == [safety.check_query(text).text.strip()]
            assert "Traceback" not in output_of(result)
        else:
            assert endpoint.requests == [], f"{form} was sent to the endpoint"
            assert_refused_in_one_line(result, form)
    finally:
        endpoint.stop()


@pytest.mark.loopback
def test_what_the_endpoint_receives_is_the_checked_text(home: Path, tmp_path: Path) -> None:
    endpoint = Recorder().start()
    try:
        query = tmp_path / "q.rq"
        query.write_text("SELECT ?\\u0073 WHERE { ?s ?p ?o } LIMIT 1", encoding="utf-8")
        args = ["--file", str(query), "--endpoint", endpoint.url(), "--format", "csv"]
        result, _ = run_cli(home, "query", *args)
        assert result.exit_code == 0, output_of(result)
    finally:
        endpoint.stop()
    assert [q.strip() for q in sent(endpoint)] == ["SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"]


@pytest.mark.loopback
def test_saved_queries_during_docs_connect_to_nothing(victim: Listener, tmp_path: Path) -> None:
    """Every hostile form saved in queries/ (and as the divergence picture's verdict query):
    `stancegraph docs` runs the saved queries on Oxigraph, and connects to nothing."""
    needs_dot()
    home = with_picture_queries(copy_mini(tmp_path))
    names = {}
    for n, form in enumerate(sorted(FORMS)):
        name = f"hostile-{n:02d}"
        names[name] = form
        (home / "queries" / f"{name}.rq").write_text(hostile(form, victim), encoding="utf-8")
    result, _ = run_cli(home, "docs", "--out", str(tmp_path / "site"))
    assert victim.connections == 0
    assert result.exit_code == 0, output_of(result)
    for name, form in names.items():
        page = (tmp_path / "site" / "queries" / f"{name}.html").read_text(encoding="utf-8")
        if form not in INERT:
            assert '<p class="error">' in page and ("refused" in page or "escape" in page), form


@pytest.mark.loopback
@pytest.mark.parametrize("form", ["service-silent", "service-silent-U", "quote-u8"])
def test_the_verdict_query_of_the_divergence_picture_is_checked(
    form: str, victim: Listener, tmp_path: Path
) -> None:
    """plots runs queries/russia-iran-issues.rq on Oxigraph itself: it is checked first."""
    needs_dot()
    home = with_picture_queries(copy_mini(tmp_path))
    (home / "queries" / "russia-iran-issues.rq").write_text(hostile(form, victim), "utf-8")
    result, _ = run_cli(home, "docs", "--out", str(tmp_path / "site"))
    assert victim.connections == 0
    assert result.exit_code == 2, output_of(result)
    assert "russia-iran-issues.rq" in result.stderr


@pytest.mark.loopback
def test_control_the_listener_sees_what_oxigraph_sends(victim: Listener) -> None:
    """Without the check, Oxigraph does connect: the tests above would see it."""
    import pyoxigraph as ox

    ox.Store().query(hostile("quote-u8", victim))
    for _ in range(50):
        if victim.connections:
            break
        threading.Event().wait(0.05)
    assert victim.connections >= 1


# --- what the expansion does to ordinary queries -------------------------------------------------


def test_escapes_are_expanded_once_as_sparql_says() -> None:
    checked = safety.check_query('SELECT ?x WHERE { BIND("caf\\u00E9 \\U0001F600" AS ?x) }')
    assert checked.text == 'SELECT ?x WHERE { BIND("café 😀" AS ?x) }'
    assert checked.form == "SELECT"


def test_a_query_without_escapes_is_given_to_the_engines_unchanged() -> None:
    text = 'SELECT ?x WHERE { BIND("a\\"b\\\\c" AS ?x) } # comment \\ with a backslash'
    assert safety.check_query(text).text == text


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('SELECT * WHERE {\n  BIND("\\u0000" AS ?x) }', "query:2:9:"),
        ('SELECT * WHERE { BIND("\\uD800" AS ?x) }', "query:1:24:"),
        ('SELECT * WHERE { BIND("\\U00110000" AS ?x) }', "query:1:24:"),
        ("SELECT * WHERE {\n \\u005Cu0053ERVICE <http://e/> { } }", "query:2:2:"),
        ("SELECT * WHERE { \\U0053ERVICE <http://e/> { } }", "query:1:18:"),
    ],
)
def test_escapes_the_engines_would_read_differently_are_refused_where_they_are(
    text: str, where: str
) -> None:
    with pytest.raises(QueryError) as caught:
        safety.check_query(text)
    assert str(caught.value).startswith(where), str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_syntax_error_after_an_escape_is_placed_in_the_text_as_written() -> None:
    with pytest.raises(QueryError) as caught:
        safety.check_query('SELECT * WHERE { BIND("\\u00E9\\u00E9\\u00E9" AS ?x) FILTER( }')
    # column 51 of the text as written (36 of the expanded text)
    assert str(caught.value).startswith("query:1:51:"), str(caught.value)


@pytest.mark.loopback
@pytest.mark.parametrize("value", ["x\\u0022y", "\\u0000", "\\U0041"])
def test_a_parameter_value_an_endpoint_would_read_as_an_escape_is_not_sent(
    value: str, home: Path, tmp_path: Path
) -> None:
    """A remote endpoint gets parameters in a VALUES block it expands escapes in (section
    19.2): ``x\\u0022y`` would be bound as ``x"y`` there, but as itself on the embedded engines."""
    endpoint = Recorder().start()
    try:
        query = tmp_path / "q.rq"
        query.write_text("SELECT ?s ?text WHERE { ?s ?p ?text }", encoding="utf-8")
        result, _ = run_cli(
            home, "query", "--file", str(query), "--endpoint", endpoint.url(),
            "--param", f"text={value}",
        )  # fmt: skip
    finally:
        endpoint.stop()
    assert endpoint.requests == []
    assert result.exit_code == 2, output_of(result)
    assert "escape" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.loopback
def test_a_plain_parameter_value_is_sent_in_the_values_block(home: Path, tmp_path: Path) -> None:
    endpoint = Recorder().start()
    try:
        query = tmp_path / "q.rq"
        query.write_text("SELECT ?s ?text WHERE { ?s ?p ?text }", encoding="utf-8")
        args = ["--file", str(query), "--endpoint", endpoint.url(), "--format", "csv"]
        result, _ = run_cli(home, "query", *args, "--param", 'text=a\\b"c')
    finally:
        endpoint.stop()
    assert result.exit_code == 0, output_of(result)
    assert sent(endpoint) == [
        'SELECT ?s ?text WHERE { ?s ?p ?text }\n\nVALUES (?text) { ("a\\\\b\\"c") }\n'
    ]
