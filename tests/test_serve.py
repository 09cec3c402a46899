"""``stancegraph serve`` (issue #21): the SPARQL 1.1 Protocol at /sparql, the saved queries as an
API with its OpenAPI document, the Linked Data pages, the limits, the errors, and the real server
under load.

The application is tested in-process with Starlette's TestClient over this checkout's project
(its store loaded into a temporary folder); the last tests start the real ``stancegraph serve``
on a free port of 127.0.0.1.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS

from stancegraph import graph, queries
from stancegraph import store as stores
from stancegraph.sources import Project

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette's advice to install httpx2
    from starlette.testclient import TestClient

from stancegraph.serve.app import create_app

ID = "https://w3id.org/stancegraph/id/"
GRAPH = "https://w3id.org/stancegraph/graph/"
HEZBOLLAH = ID + "armed-group/hezbollah"
TIME_LIMIT = 3.0
ROW_CAP = 1000
#: A query no store answers within seconds: a count over three copies of every triple.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: The real server's time limit: the default of `stancegraph serve`.
SERVER_TIME_LIMIT = 10.0
ACTORS_COUNT = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}actors> {{ ?s ?p ?o }} }}"


@pytest.fixture(scope="module")
def location(tmp_path_factory: pytest.TempPathFactory, project: Project) -> Path:
    where = tmp_path_factory.mktemp("serve") / "store"
    stores.load_embedded(project, where)
    return where


@pytest.fixture(scope="module")
def counts(project: Project, location: Path) -> dict[str, int]:
    """Triples per named graph, as the load counted them."""
    status = stores.embedded_status(project, location)
    assert status.manifest is not None
    return status.manifest.graphs


@pytest.fixture(scope="module")
def client(project: Project, location: Path) -> Iterator[TestClient]:
    app = create_app(project, location=location, time_limit=TIME_LIMIT, row_cap=ROW_CAP, workers=2)
    with TestClient(app) as c:
        yield c


def rows_of(response: object) -> list[dict[str, str]]:
    data = json.loads(response.content)  # type: ignore[attr-defined]
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


# --- the SPARQL 1.1 Protocol -----------------------------------------------------------------


def test_get_post_form_and_post_body_give_the_same_answer(
    client: TestClient, counts: dict[str, int]
) -> None:
    by_get = client.get("/sparql", params={"query": ACTORS_COUNT})
    by_form = client.post("/sparql", data={"query": ACTORS_COUNT})
    by_body = client.post(
        "/sparql", content=ACTORS_COUNT, headers={"content-type": "application/sparql-query"}
    )
    for response in (by_get, by_form, by_body):
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/sparql-results+json; charset=utf-8"
        assert rows_of(response) == [{"n": str(counts["actors"])}]
    assert by_get.content == by_form.content == by_body.content


ORDERED = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    f"SELECT ?s ?label WHERE {{ GRAPH <{GRAPH}actors> {{ ?s rdfs:label ?label }} }} "
    "ORDER BY ?s ?label"
)


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("text/html;q=0.9, text/csv", "text/csv"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_select_answers_in_every_results_format(
    client: TestClient, project: Project, accept: str, media: str
) -> None:
    response = client.get("/sparql", params={"query": ORDERED}, headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    expected = sorted(
        (str(s), str(o)) for s, o in Graph().parse(project.actors_file).subject_objects(RDFS.label)
    )
    if media == "text/csv":
        table = list(csv.reader(io.StringIO(response.text)))
        assert table[0] == ["s", "label"]
        found = [tuple(r) for r in table[1:]]
    elif media == "text/tab-separated-values":
        assert response.text.splitlines()[0] == "?s\t?label"
        tsv = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.TSV)
        found = [(s.value, label.value) for s, label in tsv]
    else:
        from rdflib.query import Result

        fmt = "xml" if media.endswith("xml") else "json"
        result = Result.parse(io.BytesIO(response.content), format=fmt)
        found = [(str(r[0]), str(r[1])) for r in result]
    assert found == expected


def test_ask_and_construct_in_every_format(client: TestClient, project: Project) -> None:
    ask = client.get("/sparql", params={"query": f"ASK {{ <{HEZBOLLAH}> ?p ?o }}"})
    assert ask.json() == {"head": {}, "boolean": True}
    xml = client.get(
        "/sparql",
        params={"query": "ASK { <urn:nothing> ?p ?o }"},
        headers={"accept": "application/sparql-results+xml"},
    )
    assert "<boolean>false</boolean>" in xml.text
    construct = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH}actors> {{ ?s ?p ?o }} }}"
    actors = Graph().parse(project.actors_file)
    graphs = {}
    for accept, fmt in [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
    ]:
        response = client.get("/sparql", params={"query": construct}, headers={"accept": accept})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0] == accept
        assert response.headers["x-stancegraph-rows"] == str(len(actors))
        graphs[fmt] = Graph().parse(data=response.content, format=fmt)
    for g in graphs.values():
        assert isomorphic(g, actors)
    # ?format= where a browser cannot set Accept
    by_name = client.get("/sparql", params={"query": construct, "format": "ntriples"})
    assert by_name.headers["content-type"] == "application/n-triples"


def test_a_format_the_answer_does_not_have_is_406(client: TestClient) -> None:
    response = client.get(
        "/sparql",
        params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"},
        headers={"accept": "image/png"},
    )
    assert response.status_code == 406
    assert response.text == (
        "Accept: 'image/png' names no format of a SELECT; it has application/sparql-results+json, "
        "application/sparql-results+xml, text/csv, text/tab-separated-values, text/html\n"
    )
    construct = client.get(
        "/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "csv"}
    )
    assert construct.status_code == 406
    assert "format='csv' is not a format of a CONSTRUCT; one of turtle, ntriples, jsonld, html" in (
        construct.text
    )


UPDATE_REFUSED = (
    "SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP...) is refused: this server is read-only\n"
)


def test_updates_are_refused_however_they_are_sent(
    client: TestClient, counts: dict[str, int]
) -> None:
    insert = f"INSERT DATA {{ GRAPH <{GRAPH}actors> {{ <urn:x> <urn:y> <urn:z> }} }}"
    for response in (
        client.post("/sparql", data={"update": insert}),
        client.post(
            "/sparql", content=insert, headers={"content-type": "application/sparql-update"}
        ),
        client.get("/sparql", params={"update": insert}),
    ):
        assert (response.status_code, response.text) == (403, UPDATE_REFUSED)
    as_query = client.post("/sparql", data={"query": insert})
    assert (as_query.status_code, as_query.text) == (403, UPDATE_REFUSED)
    after = client.get("/sparql", params={"query": ACTORS_COUNT})
    assert rows_of(after) == [{"n": str(counts["actors"])}]


def test_service_is_refused_even_spelled_with_escapes(client: TestClient) -> None:
    message = (
        "query: SERVICE <http://example.org/sparql> is refused: this server answers from its own "
        "store only and never sends a query to another endpoint\n"
    )
    for text in (
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { \\u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    ):
        response = client.get("/sparql", params={"query": text})
        assert (response.status_code, response.text) == (403, message), text


def test_only_our_graphs_may_be_named(client: TestClient, counts: dict[str, int]) -> None:
    outside = client.get(
        "/sparql", params={"query": "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }"}
    )
    assert outside.status_code == 403
    assert outside.text.startswith("query: FROM <http://example.org/g> is refused: only the")
    local = client.get(
        "/sparql", params={"query": "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }"}
    )
    assert (local.status_code, local.text) == (
        403,
        "query: FROM <file:///etc/passwd> is refused: only the project's graphs "
        "(https://w3id.org/stancegraph/graph/...) may be named; local files are never read\n",
    )
    foreign = client.get(
        "/sparql",
        params={
            "query": "SELECT * WHERE { ?s ?p ?o }",
            "default-graph-uri": "http://example.org/g",
        },
    )
    assert foreign.status_code == 403
    ours = client.get(
        "/sparql",
        params={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
            "default-graph-uri": GRAPH + "actors",
        },
    )
    assert rows_of(ours) == [{"n": str(counts["actors"])}]
    # FROM and FROM NAMED name the dataset, as SPARQL says (the union is the default only)
    from_actors = client.get(
        "/sparql",
        params={"query": f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}actors> WHERE {{ ?s ?p ?o }}"},
    )
    assert rows_of(from_actors) == [{"n": str(counts["actors"])}]
    named_only = client.get(
        "/sparql",
        params={
            "query": f"SELECT (COUNT(*) AS ?n) FROM NAMED <{GRAPH}actors> WHERE {{ ?s ?p ?o }}"
        },
    )
    assert rows_of(named_only) == [{"n": "0"}]
    head = client.head("/sparql", params={"query": "ASK {}"})
    assert head.status_code == 200


def test_malformed_sparql_is_400_with_line_and_column(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT *\nWHERE { ?s ?p }"})
    assert response.status_code == 400
    assert response.text == "query:2:9: SPARQL syntax error: expected SelectQuery, found '?s'\n"


def test_bad_requests_are_4xx_and_the_server_keeps_serving(client: TestClient) -> None:
    cases = [
        (
            client.get("/sparql"),
            400,
            "no query: send query=... (GET or a form POST) or POST application/sparql-query\n",
        ),
        (
            client.get("/sparql?query=ASK{}&query=ASK{}"),
            400,
            "query is given 2 times; give it once\n",
        ),
        (
            client.post("/sparql", content="ASK {}", headers={"content-type": "text/plain"}),
            415,
            "POST a query as application/x-www-form-urlencoded (query=...) or "
            "application/sparql-query, not text/plain\n",
        ),
        (
            client.post(
                "/sparql",
                content=b"ASK { \xff }",
                headers={"content-type": "application/sparql-query"},
            ),
            400,
            "the query is not UTF-8 (byte 6)\n",
        ),
        (client.put("/sparql", content="ASK {}"), 405, "PUT is not allowed on /sparql\n"),
        (client.get("/sparql", params={"query": ""}), 400, "query: query is empty\n"),
        (client.get("/nowhere"), 404, "nothing at /nowhere; / lists what this server has\n"),
    ]
    for response, status, text in cases:
        assert (response.status_code, response.text) == (status, text)
    assert client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True


def test_a_browser_gets_the_query_form(client: TestClient) -> None:
    page = client.get("/sparql", headers={"accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 200
    assert '<form method="get" action="/sparql">' in page.text
    # a browser submitting the form gets the answer, not the form again
    answer = client.get(
        "/sparql", params={"query": "ASK {}", "format": "json"}, headers={"accept": "text/html"}
    )
    assert answer.json()["boolean"] is True


def test_a_browser_gets_the_answer_as_a_table_under_the_form(client: TestClient) -> None:
    query = (
        f'SELECT ?thing ?text WHERE {{ VALUES (?thing ?text) {{ (<{HEZBOLLAH}> "<b>bold</b>") }} }}'
    )
    page = client.get("/sparql", params={"query": query}, headers={"accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<th>?thing</th><th>?text</th>" in page.text
    assert '<a\nhref="/id/armed-group/hezbollah">armed-group/hezbollah</a>' in page.text
    assert "&lt;b&gt;bold&lt;/b&gt;" in page.text and "<b>bold</b>" not in page.text
    assert "1 row." in page.text
    # the query stays in the form, escaped
    assert "&lt;https://w3id.org/stancegraph/id/armed-group/hezbollah&gt;" in page.text
    cut = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }", "format": "html"})
    assert f"{ROW_CAP} rows: cut at the\nrow cap of {ROW_CAP}" in cut.text
    assert cut.headers["x-stancegraph-truncated"] == f"row-cap={ROW_CAP}"


# --- limits ----------------------------------------------------------------------------------


def test_the_row_cap_cuts_the_answer_and_says_so(client: TestClient) -> None:
    every = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    response = client.get("/sparql", params={"query": every})
    assert response.status_code == 200
    assert response.headers["x-stancegraph-truncated"] == f"row-cap={ROW_CAP}"
    data = response.json()
    assert len(data["results"]["bindings"]) == ROW_CAP
    assert data["stancegraph"]["truncated"] is True
    assert data["stancegraph"]["row_cap"] == ROW_CAP
    as_csv = client.get("/sparql", params={"query": every}, headers={"accept": "text/csv"})
    assert len(list(csv.reader(io.StringIO(as_csv.text)))) == ROW_CAP + 1
    assert as_csv.headers["x-stancegraph-truncated"] == f"row-cap={ROW_CAP}"
    graph_answer = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert graph_answer.headers["x-stancegraph-truncated"] == f"row-cap={ROW_CAP}"
    assert graph_answer.text.startswith(f"# the answer was cut at the row cap of {ROW_CAP} triples")
    assert len(Graph().parse(data=graph_answer.text, format="turtle")) == ROW_CAP
    small = client.get("/sparql", params={"query": every + " LIMIT 3"})
    assert "x-stancegraph-truncated" not in small.headers
    assert "stancegraph" not in small.json()
    assert small.headers["x-stancegraph-row-cap"] == str(ROW_CAP)


def test_a_runaway_query_is_stopped_at_the_time_limit(client: TestClient) -> None:
    started = time.monotonic()
    response = client.get(
        "/sparql", params={"query": RUNAWAY}, headers={"accept": "application/json"}
    )
    took = time.monotonic() - started
    assert response.status_code == 503
    assert response.headers["x-stancegraph-stopped"] == f"time-limit={TIME_LIMIT:g}"
    assert response.json() == {
        "error": f"query ran longer than the time limit of {TIME_LIMIT:g} s and was stopped",
        "status": 503,
    }
    assert TIME_LIMIT <= took < TIME_LIMIT + 5
    # the worker was replaced: the server goes on answering, concurrently
    answers: list[int] = []

    def ask() -> None:
        answers.append(client.get("/sparql", params={"query": "ASK {}"}).status_code)

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert answers == [200] * 6


def all_workers_idle(client: TestClient, within: float = 60) -> None:
    """Until every worker is back (a worker stopped at the time limit is replaced in the
    background, which takes seconds on a loaded machine)."""
    pool = client.app.state.runner  # type: ignore[attr-defined]
    deadline = time.monotonic() + within
    while pool.idle < pool.size:
        assert time.monotonic() < deadline, f"{pool.idle} of {pool.size} workers idle"
        time.sleep(0.05)


def test_concurrent_queries_do_not_wait_for_a_slow_one(client: TestClient) -> None:
    all_workers_idle(client)
    slow: list[int] = []
    runaway = threading.Thread(
        target=lambda: slow.append(client.get("/sparql", params={"query": RUNAWAY}).status_code)
    )
    runaway.start()
    time.sleep(0.3)
    quick = client.get("/sparql", params={"query": "ASK {}"})
    assert quick.status_code == 200
    assert slow == []  # answered while the runaway query still ran
    runaway.join(30)
    assert slow == [503]


# --- saved queries as an API -----------------------------------------------------------------


def test_the_catalogue_lists_every_saved_query_with_its_parameters(
    client: TestClient, project: Project
) -> None:
    listed = client.get("/api/queries").json()["queries"]
    assert [q["name"] for q in listed] == [p.stem for p in queries.query_files(project)]
    target = next(q for q in listed if q["name"] == "stances-on-target")
    saved = queries.find(project, "stances-on-target")
    assert target["params"] == [
        {
            "name": "target",
            "type": "iri",
            "default": f"<{HEZBOLLAH}>",
            "description": saved.params[0].description,
        }
    ]
    assert target["summary"] == saved.summary
    assert [c["name"] for c in target["columns"]] == [n for n, _ in saved.columns]
    assert target["url"] == "/api/queries/stances-on-target"


@pytest.fixture(scope="module")
def reference(project: Project) -> queries.OxigraphEngine:
    """The engine `stancegraph query` uses, over an in-memory copy of the same dataset."""
    return queries.OxigraphEngine(store=queries.memory_store(graph.assemble(project)))


def test_running_a_saved_query_gives_what_stancegraph_query_gives(
    client: TestClient, project: Project, reference: queries.OxigraphEngine
) -> None:
    saved = queries.find(project, "stances-on-target")
    for given in ({}, {"target": "state:russia"}):
        response = client.get("/api/queries/stances-on-target", params=given)
        assert response.status_code == 200, response.text
        served = queries.Answer.from_results_json(response.content)
        expected = queries.run(saved, reference, given)
        assert served.variables == expected.variables
        assert sorted(map(str, served.rows)) == sorted(map(str, expected.rows))
        assert len(expected.rows) > 0
    as_csv = client.get(
        "/api/queries/stances-on-target",
        params={"target": "state:russia"},
        headers={"accept": "text/csv"},
    )
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    header = next(csv.reader(io.StringIO(as_csv.text)))
    assert header == [n for n, _ in saved.columns]


def test_api_errors_are_json_4xx(client: TestClient) -> None:
    unknown = client.get("/api/queries/stances-on-targt")
    assert unknown.status_code == 404
    assert unknown.json()["error"].startswith(
        "no saved query 'stances-on-targt'; did you mean stances-on-target"
    )
    bad_param = client.get("/api/queries/stances-on-target", params={"targt": "state:russia"})
    assert bad_param.status_code == 400
    assert bad_param.json() == {
        "error": "stances-on-target: no parameter 'targt'; it takes target",
        "status": 400,
    }
    bad_prefix = client.get("/api/queries/stances-on-target", params={"target": "armed_group:x"})
    assert bad_prefix.status_code == 400
    assert bad_prefix.json()["error"].startswith(
        "parameter target: unknown prefix 'armed_group:' in 'armed_group:x'"
    )
    not_iri = client.get("/api/queries/stances-on-target", params={"target": "Hezbollah"})
    assert not_iri.status_code == 400
    assert not_iri.json()["error"].startswith(
        "parameter target: 'Hezbollah' is not an IRI, so it is bound as a literal and will match "
        "no target"
    )
    empty = client.get("/api/queries/stances-on-target", params={"target": ""})
    assert empty.status_code == 400
    twice = client.get("/api/queries/stances-on-target?target=state:russia&target=state:iran")
    assert twice.json()["error"] == "parameter 'target' is given more than once; give it once"
    assert client.get("/api/queries/events").status_code == 200


@pytest.mark.loopback  # the validator reads its own schema through urllib (a file: URL)
def test_the_openapi_document_is_valid_and_has_every_saved_query(
    client: TestClient, project: Project
) -> None:
    from openapi_spec_validator import validate

    document = client.get("/api/openapi.json").json()
    validate(document)
    catalogue = queries.catalogue(project)
    assert sorted(document["paths"]) == sorted(
        ["/api/queries", "/sparql", *(f"/api/queries/{q.name}" for q in catalogue)]
    )
    for q in catalogue:
        operation = document["paths"][f"/api/queries/{q.name}"]["get"]
        declared = [p["name"] for p in operation["parameters"] if p["name"] != "format"]
        assert declared == [p.name for p in q.params]
        assert operation["summary"] == q.summary
    ids = [op["operationId"] for path in document["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))


# --- Linked Data -----------------------------------------------------------------------------


def test_an_actor_page_shows_its_label_statements_and_what_points_at_it(
    client: TestClient, project: Project
) -> None:
    page = client.get("/id/armed-group/hezbollah", headers={"accept": "text/html"})
    assert page.status_code == 200
    actors = Graph().parse(project.actors_file)
    label = str(actors.value(URIRef(HEZBOLLAH), RDFS.label))
    assert f"<h1>{label}</h1>" in page.text
    # a statement about Hezbollah made in the article, with the words it is anchored to
    assert "What points at it" in page.text
    assert re.search(r"<a href='/id/(claim|stance|mention)/rd-syria-iran/\d+'>", page.text)
    assert "<blockquote>“" in page.text
    # each with the source its words are from, linked
    assert "<small>— <a href='/id/document/rd-syria-iran'>document/rd-syria-iran</a></small>" in (
        page.text
    )


def test_a_page_in_turtle_and_json_ld_holds_the_triples_about_it(
    client: TestClient, project: Project
) -> None:
    expected = Graph()
    for s, p, o, _g in graph.assemble(project).quads((URIRef(HEZBOLLAH), None, None, None)):
        expected.add((s, p, o))
    in_actors = set(Graph().parse(project.actors_file).predicate_objects(URIRef(HEZBOLLAH)))
    assert len(expected) > len(in_actors)  # what actors.ttl says of it, and what the article adds
    turtle = client.get("/id/armed-group/hezbollah", headers={"accept": "text/turtle"})
    assert turtle.headers["content-type"] == "text/turtle; charset=utf-8"
    assert isomorphic(Graph().parse(data=turtle.text, format="turtle"), expected)
    jsonld = client.get("/id/armed-group/hezbollah", params={"format": "jsonld"})
    assert jsonld.headers["content-type"] == "application/ld+json; charset=utf-8"
    assert isomorphic(Graph().parse(data=jsonld.text, format="json-ld"), expected)
    plain_json = client.get("/id/armed-group/hezbollah", headers={"accept": "application/json"})
    assert plain_json.content == jsonld.content


def test_an_anchor_page_shows_its_words_and_its_selectors(client: TestClient) -> None:
    page = client.get("/id/anchor/rd-syria-iran/5", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "<blockquote>“Moscow”" in page.text  # anchor:5 quotes "Moscow" (data/rd-syria-iran)
    turtle = Graph().parse(
        data=client.get("/id/anchor/rd-syria-iran/5", params={"format": "turtle"}).text,
        format="turtle",
    )
    oa = "http://www.w3.org/ns/oa#"
    starts = [int(o) for o in turtle.objects(None, URIRef(oa + "start"))]
    assert starts == [11]  # the selectors (blank nodes) come with it


def test_ontology_and_vocabulary_terms_have_pages(client: TestClient) -> None:
    ontology = client.get("/ontology", headers={"accept": "text/html"})
    assert ontology.status_code == 200
    assert '<dt id="Claim"><a href="/ontology/Claim">Claim</a>' in ontology.text
    claim = client.get("/ontology/Claim", params={"format": "turtle"})
    g = Graph().parse(data=claim.text, format="turtle")
    assert (URIRef("https://w3id.org/stancegraph/ontology#Claim"), None, None) in g
    concept = client.get("/vocab/polarity/support", headers={"accept": "text/html"})
    assert concept.status_code == 200
    assert "stance polarities" in concept.text  # its scheme, linked with its label


def test_unknown_iris_are_404(client: TestClient) -> None:
    for path in ("/id/armed-group/nobody", "/ontology/NoSuchTerm", "/vocab/polarity/nothing"):
        response = client.get(path, headers={"accept": "text/turtle"})
        assert response.status_code == 404, path
    html = client.get("/id/person/no-one", headers={"accept": "text/html"})
    assert html.status_code == 404
    assert (
        "the graph holds nothing about &lt;https://w3id.org/stancegraph/id/person/no-one&gt;"
        in (html.text)
    )
    assert client.get("/id/person/%3Cscript%3E").status_code == 404


# --- the real server -------------------------------------------------------------------------


class Running:
    """``stancegraph serve`` started on a free port of 127.0.0.1, in its own process."""

    def __init__(self, project: Project, location: Path, *options: str) -> None:
        env = {**os.environ, "STANCEGRAPH_STORE": str(location)}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "stancegraph.cli",
                "--home",
                str(project.root),
                "serve",
                "--port",
                "0",
                *options,
            ],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            env=env,
            text=True,
        )
        assert self.process.stderr is not None
        line = self.process.stderr.readline()
        match = re.match(r"serving (http://127\.0\.0\.1:\d+/)", line)
        assert match, line
        self.url = match.group(1)
        self.wait_ready()

    def wait_ready(self, within: float = 60) -> None:
        """Until the server answers (it listens once its workers have the store open)."""
        import httpx

        deadline = time.monotonic() + within
        while True:
            try:
                httpx.get(self.url, timeout=5).raise_for_status()
                return
            except httpx.TransportError:
                assert self.process.poll() is None, "the server stopped"
                assert time.monotonic() < deadline, f"no answer from {self.url}"
                time.sleep(0.1)

    def rss_kib(self) -> int:
        """The server's resident memory, its workers' included."""
        total = 0
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(
                    line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
                )
            except OSError:  # a process that just ended
                continue
            pid, ppid = int(fields["Pid"]), int(fields["PPid"])
            if self.process.pid in (pid, ppid) and "VmRSS" in fields:
                total += int(fields["VmRSS"].split()[0])
        return total

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture(scope="module")
def running(project: Project, location: Path) -> Iterator[Running]:
    server = Running(project, location, "--time-limit", str(SERVER_TIME_LIMIT), "--workers", "2")
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.loopback
@pytest.mark.server
def test_the_real_server_answers_sparql(running: Running, counts: dict[str, int]) -> None:
    import httpx

    with httpx.Client(base_url=running.url, timeout=30) as http:
        response = http.get("/sparql", params={"query": ACTORS_COUNT})
        assert response.status_code == 200
        assert rows_of(response) == [{"n": str(counts["actors"])}]
        assert response.headers["server"] == "uvicorn"
        refused = http.post("/sparql", data={"update": "CLEAR ALL"})
        assert refused.status_code == 403


@pytest.mark.loopback
@pytest.mark.server
@pytest.mark.slow
def test_load_2000_requests_from_20_clients(running: Running) -> None:
    """2,000 requests from 20 concurrent clients: every one answered 200 within the time limit,
    and the server's memory (its workers' included) not growing between the first thousand and
    the second."""
    import httpx

    paths = [
        ("/sparql", {"query": f"SELECT ?p ?o WHERE {{ <{HEZBOLLAH}> ?p ?o }}"}),
        ("/api/queries/stances-on-target", {"target": "state:russia"}),
        ("/id/armed-group/hezbollah", {"format": "turtle"}),
        ("/sparql", {"query": "ASK { ?s ?p ?o }"}),
    ]
    statuses: list[int] = []
    slowest = [0.0]
    lock = threading.Lock()

    def client_loop(n: int, offset: int) -> None:
        with httpx.Client(base_url=running.url, timeout=30) as http:
            for i in range(n):
                path, params = paths[(offset + i) % len(paths)]
                started = time.monotonic()
                try:
                    status = http.get(path, params=params).status_code
                except httpx.HTTPError as exc:  # counted as a failure, not lost in the thread
                    status = -1
                    print(f"{path}: {type(exc).__name__}: {exc}")
                took = time.monotonic() - started
                with lock:
                    statuses.append(status)
                    slowest[0] = max(slowest[0], took)

    def wave() -> None:
        threads = [threading.Thread(target=client_loop, args=(50, k)) for k in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)

    wave()
    after_first = running.rss_kib()
    wave()
    after_second = running.rss_kib()
    print(f"slowest {slowest[0]:.3f} s; RSS {after_first} KiB, then {after_second} KiB")
    assert len(statuses) == 2000
    assert statuses == [200] * 2000
    assert slowest[0] < SERVER_TIME_LIMIT
    assert after_second - after_first < 20 * 1024, (after_first, after_second)


def test_a_bug_is_a_one_line_500_and_the_server_keeps_serving(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stancegraph.serve import linked

    def broken(*args: object) -> None:
        raise RuntimeError("a bug\nwith a second line")

    monkeypatch.setattr(linked, "describe", broken)
    quiet = TestClient(client.app, raise_server_exceptions=False)
    response = quiet.get("/id/armed-group/hezbollah", headers={"accept": "text/html"})
    assert response.status_code == 500
    assert "<p>internal error: RuntimeError: a bug</p>" in response.text
    assert "second line" not in response.text and "Traceback" not in response.text
    monkeypatch.undo()
    assert client.get("/id/armed-group/hezbollah").status_code == 200


def test_an_in_memory_store_is_served_with_each_query_in_a_forked_child(project: Project) -> None:
    """create_app(project, store) (a library caller's, or the pages' tests): the same answers,
    and the time limit still stops a runaway query."""
    store = queries.memory_store(graph.assemble(project))
    app = create_app(project, store, time_limit=2, row_cap=10)
    with TestClient(app) as c:
        answer = c.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o }"})
        assert answer.headers["x-stancegraph-truncated"] == "row-cap=10"
        assert len(answer.json()["results"]["bindings"]) == 10
        page = c.get("/id/armed-group/hezbollah", params={"format": "ntriples"})
        assert f"<{HEZBOLLAH}>" in page.text
        stopped = c.get("/sparql", params={"query": RUNAWAY})
        assert stopped.status_code == 503
        assert stopped.headers["x-stancegraph-stopped"] == "time-limit=2"


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("", "json"),
        ("text/csv;q=0.5, application/sparql-results+xml", "xml"),
        ("text/*", "csv"),
        ("text/csv;q=0, */*;q=0.1", "json"),
        ("application/sparql-results+json;q=0.2, text/tab-separated-values;q=0.8", "tsv"),
    ],
)
def test_accept_is_read_with_its_q_values(accept: str, chosen: str) -> None:
    from starlette.requests import Request

    from stancegraph.serve import negotiate

    headers = [(b"accept", accept.encode())] if accept else []
    request = Request({"type": "http", "query_string": b"", "headers": headers})
    assert negotiate.choose(request, negotiate.TABLE_FORMATS) == chosen


def test_a_hostile_label_or_iri_in_the_data_is_shown_as_text_not_run(project: Project) -> None:
    """As on the site (SECURITY.md): labels are escaped, and only http(s) IRIs are linked."""
    store = ox.Store()
    thing = ox.NamedNode(ID + "person/mallory")
    label = ox.NamedNode(str(RDFS.label))
    store.add(
        ox.Quad(
            thing, label, ox.Literal("<script>alert(1)</script>"), ox.NamedNode(GRAPH + "actors")
        )
    )
    store.add(
        ox.Quad(
            thing,
            ox.NamedNode("https://w3id.org/stancegraph/ontology#seeAlso"),
            ox.NamedNode("javascript:alert(2)"),
            ox.NamedNode(GRAPH + "actors"),
        )
    )
    store.add(
        ox.Quad(
            thing,
            ox.NamedNode("https://w3id.org/stancegraph/ontology#seeAlso"),
            ox.NamedNode("https://example.org/page"),
            ox.NamedNode(GRAPH + "actors"),
        )
    )
    with TestClient(create_app(project, store)) as c:
        page = c.get("/id/person/mallory", headers={"accept": "text/html"}).text
    assert "<script>alert(1)" not in page
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in page
    assert "href='javascript:" not in page and "javascript:alert(2)" in page
    assert "<a href='https://example.org/page'>" in page


def test_a_body_over_the_query_size_limit_is_413(client: TestClient) -> None:
    service = client.app.state.service  # type: ignore[attr-defined]
    before = service.max_query_bytes
    service.max_query_bytes = 100
    try:
        body = "ASK {}" + " " * (100 + 70 * 1024)
        response = client.post(
            "/sparql", content=body, headers={"content-type": "application/sparql-query"}
        )
    finally:
        service.max_query_bytes = before
    assert response.status_code == 413
    assert (
        response.text == f"the request body is larger than the limit of {100 + 64 * 1024} bytes\n"
    )


def test_a_shape_has_a_page(client: TestClient) -> None:
    page = client.get("/shapes/ClaimShape", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "sh:NodeShape" in page.text
    assert "<a href='/ontology/Claim'>" in page.text  # its target class, linked here


def test_serve_on_a_port_in_use_is_one_line_exit_2(project: Project, location: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "stancegraph.cli",
                "--home",
                str(project.root),
                "serve",
                "--store",
                str(location),
                "--port",
                str(port),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stderr.startswith(f"stancegraph: error: cannot listen on 127.0.0.1:{port}: ")
    assert len(done.stderr.splitlines()) == 1


def test_a_worker_killed_from_outside_is_replaced(client: TestClient) -> None:
    """A worker that died between two queries is not given the next one: another worker answers
    it, and a fresh one takes the dead one's place."""
    all_workers_idle(client)
    pool = client.app.state.runner  # type: ignore[attr-defined]
    victim = next(iter(pool._all))
    victim.process.kill()
    victim.process.wait(5)
    answers = [client.get("/sparql", params={"query": "ASK {}"}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200] * 4
    assert victim not in pool._all


def test_an_empty_answer_is_an_empty_answer_in_every_format(client: TestClient) -> None:
    nothing = "SELECT ?s ?o WHERE { ?s <urn:no-such-property> ?o }"
    expected = {
        "json": lambda r: r.json() == {"head": {"vars": ["s", "o"]}, "results": {"bindings": []}},
        "csv": lambda r: r.text == "s,o\r\n",
        "tsv": lambda r: r.text == "?s\t?o\n",
        "xml": lambda r: "<results></results>" in r.text or "<results/>" in r.text,
    }
    for fmt, check in expected.items():
        response = client.get("/sparql", params={"query": nothing, "format": fmt})
        assert response.status_code == 200
        assert response.headers["x-stancegraph-rows"] == "0"
        assert check(response), (fmt, response.text)
    empty_graph = client.get(
        "/sparql", params={"query": "CONSTRUCT WHERE { ?s <urn:no-such-property> ?o }"}
    )
    assert len(Graph().parse(data=empty_graph.text, format="turtle")) == 0
    none_about = client.get(
        "/api/queries/stances-on-target", params={"target": "https://example.org/nobody"}
    )
    assert none_about.status_code == 200
    assert none_about.json()["results"]["bindings"] == []


def test_describe_answers_a_graph(client: TestClient) -> None:
    response = client.get(
        "/sparql", params={"query": f"DESCRIBE <{HEZBOLLAH}>"}, headers={"accept": "text/turtle"}
    )
    assert response.status_code == 200
    g = Graph().parse(data=response.text, format="turtle")
    assert (URIRef(HEZBOLLAH), RDFS.label, None) in g


def test_the_root_is_the_pages_for_a_browser_and_json_for_a_program(client: TestClient) -> None:
    """``/`` is one route: a browser gets serve/pages.py's list of sources, a program the
    endpoints as JSON (the pages' own ``/`` is not mounted beside it)."""
    html = client.get("/", headers={"Accept": "text/html"})
    assert html.status_code == 200 and "/source/rd-syria-iran" in html.text
    assert html.headers["content-type"].startswith("text/html")
    as_json = client.get("/", headers={"Accept": "application/json"}).json()
    assert set(as_json["endpoints"]) >= {"/sparql", "/api/queries", "/api/openapi.json"}


def test_many_different_queries_at_once_are_each_parsed_right(client: TestClient) -> None:
    """rdflib's SPARQL parser is not thread-safe: parsed side by side, valid texts failed with
    syntax errors they do not have (seen under load). Texts that differ, so no cache helps."""
    statuses: list[int] = []
    lock = threading.Lock()

    def send(k: int) -> None:
        for i in range(10):
            text = (
                "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                f"SELECT ?s ?label WHERE {{ ?s rdfs:label ?label "
                f'FILTER(CONTAINS(STR(?label), "{k}-{i}")) }} LIMIT {k * 10 + i + 1}'
            )
            response = client.get("/sparql", params={"query": text})
            with lock:
                statuses.append(response.status_code)

    threads = [threading.Thread(target=send, args=(k,)) for k in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert statuses == [200] * 120


def test_workers_that_cannot_open_the_store_are_one_line_at_start(
    project: Project, tmp_path: Path
) -> None:
    from stancegraph.serve.worker import Pool, Unavailable

    pool = Pool(tmp_path / "no-store-here", size=1)
    with pytest.raises(Unavailable) as caught:
        pool.start()
    assert str(caught.value) == (
        f"a query worker could not open the store: {tmp_path / 'no-store-here'}: no embedded "
        "store here yet; run 'stancegraph load'"
    )
    pool.close()
