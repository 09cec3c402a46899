"""Hostile SPARQL: safety.check_query refuses what would reach past the project's data.

Issue #8: rdflib fetches SERVICE, FROM/FROM NAMED <url> and LOAD <url>, and reads FROM
<file:///...> from the disk; pyoxigraph fetches SERVICE (even SERVICE SILENT). Each form is refused
here, before any engine sees it, with a QueryRefused naming what was refused.
"""

from __future__ import annotations

import pytest

from stancegraph import safety
from stancegraph.errors import EXIT_UNUSABLE, QueryError, QueryRefused

LOCAL = safety.LOCAL_GRAPH_BASE


def refused(text: str, **kwargs: object) -> QueryRefused:
    with pytest.raises(QueryRefused) as caught:
        safety.check_query(text, **kwargs)
    assert caught.value.exit_code == EXIT_UNUSABLE
    assert "\n" not in str(caught.value)
    return caught.value


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE ?endpoint { ?s ?q ?r } } }",
        "SELECT * WHERE { { SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } } }",
        "ASK { FILTER NOT EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
        "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        # SPARQL processes \\u escapes before parsing: this is SERVICE too.
        "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "select * where { service <http://127.0.0.1:9/> { ?s ?p ?o } }",
    ],
)
def test_service_is_refused(text: str) -> None:
    assert "SERVICE" in str(refused(text))
    assert "--allow-service" in str(refused(text))


def test_service_is_allowed_when_asked_for() -> None:
    checked = safety.check_query(
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", allow_service=True
    )
    assert checked.services == ("http://example.org/sparql",)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://127.0.0.1:9/data.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        "BASE <file:///etc/> SELECT * FROM <passwd> WHERE { ?s ?p ?o }",
        "PREFIX e: <http://127.0.0.1:9/> ASK FROM e:x { ?s ?p ?o }",
        f"SELECT * FROM <{LOCAL}actors> FROM <http://127.0.0.1:9/x> WHERE {{ ?s ?p ?o }}",
    ],
)
def test_from_outside_the_project_is_refused(text: str) -> None:
    assert "FROM/USING" in str(refused(text))


def test_a_file_iri_is_refused_even_with_allow_service() -> None:
    refused("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", allow_service=True)


def test_the_projects_own_graphs_may_be_named() -> None:
    checked = safety.check_query(
        f"PREFIX g: <{LOCAL}> SELECT * FROM g:actors FROM NAMED <{LOCAL}source/x> "
        "WHERE { ?s ?p ?o }"
    )
    assert set(checked.dataset_graphs) == {f"{LOCAL}actors", f"{LOCAL}source/x"}
    assert checked.form == "SELECT"


@pytest.mark.parametrize(
    "text",
    [
        "CLEAR DEFAULT",
        "DROP ALL",
        "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "PREFIX e: <http://e/> DELETE { ?s ?p ?o } INSERT { ?s e:x 1 } WHERE { ?s ?p ?o }",
        "CREATE GRAPH <http://e/g>",
        "COPY DEFAULT TO <http://e/g>",
        "CLEAR DEFAULT ; INSERT DATA { <http://e/a> <http://e/b> 1 }",
    ],
)
def test_updates_are_refused_where_a_command_only_reads(text: str) -> None:
    assert "SPARQL Update" in str(refused(text))
    assert safety.check_query(text, allow_update=True).is_update


@pytest.mark.parametrize("kwargs", [{}, {"allow_update": True}])
def test_load_from_a_url_is_refused(kwargs: dict[str, bool]) -> None:
    refused("LOAD <http://127.0.0.1:9/data.ttl>", **kwargs)
    refused("LOAD SILENT <file:///etc/passwd> INTO GRAPH <http://e/g>", **kwargs)


def test_using_a_remote_graph_in_an_update_is_refused() -> None:
    refused(
        "INSERT { ?s ?p ?o } USING <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }", allow_update=True
    )


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("ASK { ?s ?p ?o }", "ASK"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <http://e/a>", "DESCRIBE"),
    ],
)
def test_read_queries_pass_with_their_form(text: str, form: str) -> None:
    checked = safety.check_query(text)
    assert checked.form == form
    assert not checked.is_update
    assert checked.parsed is not None


# --- unusable query text -----------------------------------------------------------------------


def test_syntax_error_names_line_column_and_what_was_expected() -> None:
    with pytest.raises(QueryError) as caught:
        safety.check_query("SELECT *\nWHERE {\n  ?s ?p ?o .\n  FILTER(?o = ) }", name="q.rq")
    message = str(caught.value)
    assert message.startswith("q.rq:4:")
    assert "SPARQL syntax error: expected" in message


@pytest.mark.parametrize("text", ["", "  \n", "# nothing but a comment\n", "PREFIX e: <http://e/>"])
def test_empty_query_is_refused(text: str) -> None:
    with pytest.raises(QueryError, match="empty"):
        safety.check_query(text)


def test_deep_nesting_is_refused_before_parsing() -> None:
    text = "SELECT * WHERE " + "{ " * 5000 + "}" * 5000
    with pytest.raises(QueryError, match="nested deeper than 64"):
        safety.check_query(text)


def test_brackets_behind_a_less_than_still_count() -> None:
    """`?a<((...` is a comparison, not an IRI: its brackets must not escape the depth limit."""
    text = "SELECT * WHERE { FILTER(?a<" + "(" * 500 + "1" + ")" * 500 + ">?b) }"
    with pytest.raises(QueryError, match="nested"):
        safety.check_query(text)


def test_brackets_in_strings_iris_and_comments_do_not_count() -> None:
    text = (
        "SELECT * WHERE { ?s <http://e/p> '" + "(" * 200 + "' . # " + "[" * 200 + "\n"
        ' ?s <http://e/q> """' + "{" * 200 + '""" }'
    )
    assert safety.check_query(text).form == "SELECT"


def test_oversized_query_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANCEGRAPH_MAX_QUERY_BYTES", "100")
    with pytest.raises(QueryError, match="larger than the limit of 100 bytes"):
        safety.check_query("SELECT * WHERE { ?s ?p ?o } # " + "x" * 100)


def test_local_graph_base_is_the_graph_modules() -> None:
    from stancegraph import graph

    assert graph.GRAPH_BASE == safety.LOCAL_GRAPH_BASE
