"""The saved queries (queries/*.rq) and `stancegraph query`.

Every saved query: parses on rdflib and on Oxigraph, has a complete header, uses only declared
terms, returns at least one row (or true), gives its golden answer (queries/expected/), and gives
the same answer on rdflib and on Oxigraph. Parameters are bound by the engines, never pasted;
SERVICE, FROM and updates are refused.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.plugins.sparql import prepareQuery

from conftest import MINI, ROOT
from ontology_checks import iris_in_query
from stancegraph import graph, queries
from stancegraph.cli import cli
from stancegraph.errors import EXIT_UNUSABLE, QueryError
from stancegraph.sources import HOME_ENV, Project

QUERY_FILES = sorted((ROOT / "queries").glob("*.rq"))
NAMES = [p.stem for p in QUERY_FILES]
INJECTION = 'x" || true || "'


def run_cli(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--home", str(ROOT), *args], env={HOME_ENV: ""})


def one_line_error(result: Result) -> str:
    lines = result.stderr.strip().splitlines() if result.stderr else []
    assert len(lines) == 1, f"expected one line on stderr, got {result.stderr!r}"
    assert lines[0].startswith("stancegraph: error: ")
    return lines[0]


@pytest.fixture(scope="module")
def engines(project: Project) -> dict[str, queries.Engine]:
    """Both embedded engines over the golden corpus (queries/golden-corpus.toml: rd-syria-iran
    and the fixture sources), on which the golden answers are computed."""
    ox_engine, rdf_engine = queries.golden_engines(project)
    return {"oxigraph": ox_engine, "rdflib": rdf_engine}


@pytest.fixture(scope="module")
def union(project: Project) -> Graph:
    return graph.union_graph(graph.assemble(project))


def saved(name: str) -> queries.SavedQuery:
    return queries.read_query(ROOT / "queries" / f"{name}.rq")


# --- the catalogue -------------------------------------------------------------------------------


def test_the_catalogue_covers_the_issue(project: Project) -> None:
    catalogue = queries.catalogue(project)
    forms = [q.form for q in catalogue]
    assert len(catalogue) >= 20
    assert forms.count("CONSTRUCT") >= 2
    assert forms.count("ASK") >= 1
    assert any(q.params for q in catalogue), "no parameterised query"
    assert [q.name for q in queries.headline(project)], "no query is tagged headline"


def test_the_readme_lists_every_query_with_its_summary(project: Project) -> None:
    readme = (project.queries_dir / "README.md").read_text(encoding="utf-8")
    for query in queries.catalogue(project):
        assert f"| `{query.name}` | {query.form} | {query.summary} |" in readme, query.name


@pytest.mark.parametrize("name", NAMES)
def test_header_is_complete(name: str) -> None:
    """grlc-style header: summary, description, columns (= projected variables), params, tags."""
    assert queries.header_problems(saved(name)) == []


@pytest.mark.parametrize("name", NAMES)
def test_name_is_a_slug_and_the_file_name(name: str) -> None:
    assert queries.find(Project(ROOT), name).name == name
    assert name == name.lower() and " " not in name


@pytest.mark.parametrize("name", NAMES)
def test_parses_on_rdflib_and_oxigraph(name: str) -> None:
    """Standard SPARQL 1.1: both parsers accept it (Oxigraph declares no prefixes for us)."""
    text = saved(name).text
    prepareQuery(text)
    ox.Store().query(text)  # an empty store: parsing is the test


SG = URIRef("https://w3id.org/stancegraph/ontology#")
XSD_BASE = "http://www.w3.org/2001/XMLSchema#"
STANDARD = {
    "http://www.w3.org/ns/prov#",
    "http://www.w3.org/ns/org#",
    "http://www.w3.org/2006/time#",
    "http://www.w3.org/ns/oa#",
    "https://schema.org/",
    "http://www.gsi.upm.es/ontologies/marl/ns#",
    "http://semanticweb.cs.vu.nl/2009/11/sem/",
    "http://xmlns.com/foaf/0.1/",
    "http://www.w3.org/2004/02/skos/core#",
    "http://purl.org/dc/terms/",
}
BUILT_IN = {
    RDF.type,
    RDFS.label,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    RDFS.comment,
    OWL.sameAs,
    OWL.SymmetricProperty,
}


@pytest.mark.parametrize("name", NAMES)
def test_every_term_it_uses_exists(name: str, ontology_graph: Graph, union: Graph) -> None:
    """Every class and property is declared in the ontology (sg: terms with an OWL
    declaration; terms of the standard vocabularies the ontology reuses, declared or named
    there, such as marl:Positive); the things a query names (vocabulary concepts, issues,
    events, a parameter's default) exist in the data."""
    query = saved(name)
    used = set(iris_in_query(query.text))
    used |= {
        t
        for p in query.params
        if p.default is not None
        for t in [queries.parse_value(p.default, p.type)]
        if isinstance(t, URIRef)
    }
    sg_declared = {s for s in ontology_graph.subjects(RDF.type, None) if str(s).startswith(str(SG))}
    missing = set()
    for iri in used:
        text = str(iri)
        if iri in BUILT_IN or text.startswith(XSD_BASE):
            continue
        if text.startswith(str(SG)):
            ok = iri in sg_declared
        elif any(text.startswith(ns) for ns in STANDARD):
            ok = (iri, None, None) in ontology_graph or (None, None, iri) in ontology_graph
        elif text.startswith("https://w3id.org/stancegraph/"):
            ok = (iri, None, None) in union
        else:
            ok = False
        if not ok:
            missing.add(iri)
    assert missing == set(), f"{name} uses undeclared or unknown IRIs"


# --- golden answers and engines ------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_golden_answer(name: str, project: Project, engines: dict[str, queries.Engine]) -> None:
    """The answer on Oxigraph is the reviewed golden answer, and it is not empty."""
    query = saved(name)
    answer = queries.run(query, engines["oxigraph"])
    expected = queries.read_expected(project, query)
    assert queries.differences(expected, answer, query.ordered) == []
    if answer.form == "ASK":
        assert answer.boolean is True
    else:
        assert len(answer) > 0, f"{name} returns no rows"


@pytest.mark.parametrize("name", NAMES)
def test_rdflib_and_oxigraph_agree(name: str, engines: dict[str, queries.Engine]) -> None:
    query = saved(name)
    a = queries.run(query, engines["oxigraph"])
    b = queries.run(query, engines["rdflib"])
    assert queries.differences(a, b, query.ordered) == []


@pytest.fixture(scope="module")
def engines_with_a_repeated_graph(project: Project) -> dict[str, queries.Engine]:
    """Both engines over the dataset plus a second source graph holding the same triples as
    rd-syria-iran: what a corpus looks like where two articles state the same thing."""
    dataset = graph.assemble(project)
    copy = dataset.graph(graph.source_graph_iri("copy-of-rd-syria-iran"))
    for triple in dataset.graph(graph.source_graph_iri("rd-syria-iran")):
        copy.add(triple)
    store = queries.memory_store(dataset)
    return {
        "oxigraph": queries.OxigraphEngine(store=store),
        "rdflib": queries.RdflibEngine(dataset=dataset),
    }


@pytest.mark.parametrize("name", NAMES)
def test_engines_agree_when_two_graphs_hold_the_same_triple(
    name: str, engines_with_a_repeated_graph: dict[str, queries.Engine]
) -> None:
    """Oxigraph's union default graph yields a triple once per named graph that holds it (a
    bag); rdflib's default union yields it once (a set). Saved queries must not depend on it."""
    query = saved(name)
    a = queries.run(query, engines_with_a_repeated_graph["oxigraph"])
    b = queries.run(query, engines_with_a_repeated_graph["rdflib"])
    assert queries.differences(a, b, query.ordered) == []


def test_every_golden_file_belongs_to_a_query(project: Project) -> None:
    folder = queries.expected_dir(project)
    orphans = sorted(p.name for p in folder.iterdir() if p.stem not in NAMES)
    assert orphans == []


def test_golden_files_are_what_update_expected_writes(project: Project, tmp_path: Path) -> None:
    """Regenerating the goldens in a copy of the checkout changes nothing."""
    for part in ("ontology", "data", "seeds", "queries", "tests/fixtures/corpus"):
        shutil.copytree(project.root / part, tmp_path / part)
    updates = queries.update_expected(Project(tmp_path))
    changed = [(u.name, u.status) for u in updates if u.status != "unchanged"]
    assert changed == []


def test_update_expected_writes_nothing_when_engines_disagree(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for part in ("ontology", "data", "seeds", "queries", "tests/fixtures/corpus"):
        shutil.copytree(project.root / part, tmp_path / part)
    before = {p.name: p.read_bytes() for p in (tmp_path / "queries" / "expected").iterdir()}
    real_run = queries.RdflibEngine.run

    def wrong(
        self: queries.RdflibEngine, text: str, form: str, bindings: dict, prepared: object = None
    ) -> queries.Answer:
        answer = real_run(self, text, form, bindings, prepared)
        if answer.form == "SELECT":
            answer.rows = answer.rows[1:]
        return answer

    monkeypatch.setattr(queries.RdflibEngine, "run", wrong)
    with pytest.raises(QueryError, match="engines disagree, nothing written"):
        queries.update_expected(Project(tmp_path))
    after = {p.name: p.read_bytes() for p in (tmp_path / "queries" / "expected").iterdir()}
    assert after == before


def test_order_matters_only_for_ordered_queries() -> None:
    a = queries.Answer(form="SELECT", variables=["x"], rows=[(Literal(1),), (Literal(2),)])
    b = queries.Answer(form="SELECT", variables=["x"], rows=[(Literal(2),), (Literal(1),)])
    assert queries.differences(a, b, ordered=False) == []
    assert queries.differences(a, b, ordered=True) != []
    c = queries.Answer(form="SELECT", variables=["x"], rows=[(Literal(1),), (Literal(1),)])
    assert queries.differences(a, c, ordered=False) != [], "rows compare as a multiset"


# --- parameters ----------------------------------------------------------------------------------

PARAMETERISED = [q.stem for q in QUERY_FILES if saved(q.stem).params]


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("name", PARAMETERISED)
def test_parameter_injection_returns_no_rows(
    name: str, engine: str, engines: dict[str, queries.Engine]
) -> None:
    """`x" || true || "` is one literal, bound by the engine: it matches nothing."""
    query = saved(name)
    assert len(queries.run(query, engines[engine])) > 0  # the default finds something
    for p in query.params:
        answer = queries.run(query, engines[engine], {p.name: INJECTION})
        assert answer.rows == [], f"{name}: --param {p.name}={INJECTION} returned rows"


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_a_parameter_selects_its_rows(engine: str, engines: dict[str, queries.Engine]) -> None:
    query = saved("stances-on-target")
    issue = URIRef("https://w3id.org/stancegraph/id/issue/assad-future")
    for value in ("issue:assad-future", f"<{issue}>"):
        answer = queries.run(query, engines[engine], {"target": value})
        assert answer.rows, "no stance on the fate of Assad"
        assert {row[0] for row in answer.rows} == {issue}


def test_parameter_values_are_terms() -> None:
    assert queries.parse_value("person:vladimir-putin") == URIRef(
        "https://w3id.org/stancegraph/id/person/vladimir-putin"
    )
    assert queries.parse_value("<https://example.org/a>") == URIRef("https://example.org/a")
    assert queries.parse_value(INJECTION) == Literal(INJECTION)
    assert queries.parse_value("12", "integer") == Literal(12)
    with pytest.raises(QueryError):
        queries.parse_value("<https://example.org/a b>")
    with pytest.raises(QueryError):
        queries.parse_value("twelve", "integer")


def test_values_block_cannot_be_escaped() -> None:
    """The endpoint fallback: a VALUES block written by rdflib's serializer from parsed terms."""
    hostile = 'x" } } ; DROP ALL ; SELECT * { "'
    store = ox.Store()
    a, b = ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/b")
    store.add(ox.Quad(a, b, ox.Literal(hostile)))
    store.add(ox.Quad(b, b, ox.Literal("x")))
    text = "SELECT ?s ?t WHERE { ?s ?p ?t }" + queries.values_block({"t": Literal(hostile)})
    prepareQuery(text)
    assert [row["s"] for row in store.query(text)] == [a]
    with pytest.raises(QueryError):
        queries.values_block({"t } ; DROP ALL ; {": Literal("x")})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40))
def test_values_block_round_trips_any_text(value: str) -> None:
    """Whatever the text, the VALUES block binds exactly that one literal (Oxigraph reads it)."""
    text = "SELECT ?t WHERE { }" + queries.values_block({"t": Literal(value)})
    rows = list(ox.Store().query(text))
    assert [row["t"].value for row in rows] == [value]


def test_unknown_parameter_is_refused() -> None:
    with pytest.raises(QueryError, match="no parameter 'nope'"):
        queries.bindings_for(saved("stances-on-target"), {"nope": "x"})


# --- what `query` refuses ------------------------------------------------------------------------

SERVICE = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
REFUSED_UPDATES = [
    "DELETE WHERE { ?s ?p ?o }",
    "CLEAR DEFAULT",
    "DROP ALL",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }",
]


def test_service_is_refused() -> None:
    with pytest.raises(QueryError, match=r"SERVICE .*refused"):
        queries.check_query(SERVICE)
    queries.check_query(SERVICE, allow_service=True)


def test_service_silent_and_nested_service_are_refused() -> None:
    nested = (
        "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT <http://127.0.0.1:9/> { ?o ?q ?r } } }"
    )
    with pytest.raises(QueryError, match="SERVICE"):
        queries.check_query(nested)


def test_from_is_refused() -> None:
    with pytest.raises(QueryError, match="FROM"):
        queries.check_query("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }")
    with pytest.raises(QueryError, match="FROM"):
        queries.check_query("SELECT * FROM NAMED <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }")


@pytest.mark.parametrize("update", REFUSED_UPDATES)
def test_updates_are_refused(update: str) -> None:
    with pytest.raises(QueryError, match=r"Update .*refused"):
        queries.check_query(update)


@pytest.mark.parametrize("update", REFUSED_UPDATES[:2])
def test_update_through_the_cli_is_exit_2_and_changes_nothing(
    update: str, tmp_path: Path, project: Project
) -> None:
    path = tmp_path / "update.rq"
    path.write_text(update, encoding="utf-8")
    result = run_cli("query", "--file", str(path))
    assert result.exit_code == EXIT_UNUSABLE
    assert "refused" in one_line_error(result)
    assert len(queries.run(saved("timeline"), queries.OxigraphEngine(project))) > 0


def test_service_through_the_cli_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "service.rq"
    path.write_text(SERVICE, encoding="utf-8")
    result = run_cli("query", "--file", str(path))
    assert result.exit_code == EXIT_UNUSABLE
    assert "SERVICE" in one_line_error(result)


def test_a_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.rq"
    path.write_text(
        "PREFIX sg: <https://w3id.org/stancegraph/ontology#>\nSELECT ?x WHERE { ?x sg:a }\n"
    )
    result = run_cli("query", "--file", str(path))
    assert result.exit_code == EXIT_UNUSABLE
    assert f"{path}:2:" in one_line_error(result)


# --- the command line ----------------------------------------------------------------------------


def test_list_shows_every_query() -> None:
    result = run_cli("query", "--list")
    assert result.exit_code == 0, result.output
    for name in NAMES:
        assert name in result.output


def test_table_shows_labels_not_iris() -> None:
    result = run_cli("query", "stances-on-target")
    assert result.exit_code == 0, result.output
    assert "Hezbollah" in result.output
    assert "https://w3id.org/stancegraph/id/armed-group/hezbollah" not in result.output


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_csv_and_json_are_the_w3c_formats(engine: str, project: Project) -> None:
    query = saved("stances-on-target")
    expected = queries.read_expected(project, query)
    out = run_cli("query", "stances-on-target", "--engine", engine, "--format", "json")
    assert out.exit_code == 0, out.output
    answer = queries.Answer.from_results_json(out.stdout_bytes)
    assert queries.differences(expected, answer, query.ordered) == []
    out = run_cli("query", "stances-on-target", "--engine", engine, "--format", "csv")
    rows = list(csv.reader(io.StringIO(out.stdout)))
    assert rows[0] == [c for c, _ in query.columns]
    assert len(rows) - 1 == len(expected.rows)
    out = run_cli("query", "stances-on-target", "--engine", engine, "--format", "tsv")
    lines = out.stdout.strip().splitlines()
    assert lines[0].split("\t") == [f"?{c}" for c, _ in query.columns]
    assert len(lines) - 1 == len(expected.rows)


def test_ask_answers_in_json() -> None:
    out = run_cli("query", "any-public-private-gap", "--format", "json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["boolean"] is True


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "jsonld"])
def test_construct_formats(fmt: str, project: Project) -> None:
    query = saved("actor-network")
    expected = queries.read_expected(project, query)
    out = run_cli("query", "actor-network", "--format", fmt)
    assert out.exit_code == 0, out.output
    g = Graph().parse(data=out.stdout, format={"ntriples": "nt", "jsonld": "json-ld"}.get(fmt, fmt))
    assert expected.graph is not None and isomorphic(g, expected.graph)


def test_a_result_format_for_a_graph_is_refused() -> None:
    out = run_cli("query", "actor-network", "--format", "csv")
    assert out.exit_code == EXIT_UNUSABLE
    assert "turtle" in one_line_error(out)


def test_param_on_the_command_line() -> None:
    out = run_cli(
        "query", "stances-on-target", "--param", "target=issue:assad-future", "--format", "csv"
    )
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert rows and {r["target"] for r in rows} == {
        "https://w3id.org/stancegraph/id/issue/assad-future"
    }
    out = run_cli("query", "stances-on-target", "--param", f"target={INJECTION}", "--format", "csv")
    assert out.exit_code == 0
    assert out.stdout.strip().splitlines()[1:] == []
    assert "bound as a literal" in out.stderr


def test_bad_param_syntax_and_unknown_query_are_exit_2() -> None:
    out = run_cli("query", "stances-on-target", "--param", "target")
    assert out.exit_code == EXIT_UNUSABLE
    one_line_error(out)
    out = run_cli("query", "no-such-query")
    assert out.exit_code == EXIT_UNUSABLE
    assert "no saved query" in one_line_error(out)


def test_a_users_own_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.rq"
    path.write_text(
        "PREFIX sg: <https://w3id.org/stancegraph/ontology#>\n"
        "SELECT (COUNT(?c) AS ?claims) WHERE { ?c a sg:Claim }\n",
        encoding="utf-8",
    )
    out = run_cli("query", "--file", str(path), "--format", "csv")
    assert out.exit_code == 0, out.output
    assert int(out.stdout.splitlines()[1]) > 0


def test_headline_prints_every_headline_question(project: Project) -> None:
    out = run_cli("query", "--headline")
    assert out.exit_code == 0, out.output
    for query in queries.headline(project):
        assert query.summary in out.output


# --- a remote endpoint ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def endpoint(project: Project) -> Iterator[tuple[str, list[bytes]]]:
    """A SPARQL 1.1 protocol endpoint on 127.0.0.1 backed by Oxigraph, recording each query; it
    serves the golden corpus, the data the golden answers are computed on."""
    store = queries.golden_engines(project)[0].store
    seen: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            # the query travels as an HTML form (SPARQL 1.1 Protocol, query via URL-encoded POST)
            assert self.headers["Content-Type"] == "application/x-www-form-urlencoded"
            (text,) = parse_qs(body.decode("ascii"), strict_parsing=True)["query"]
            seen.append(text.encode("utf-8"))
            result = store.query(text, use_default_graph_as_union=True)
            if isinstance(result, ox.QueryTriples):
                data, kind = (
                    result.serialize(format=ox.RdfFormat.N_TRIPLES),
                    "application/n-triples",
                )
            else:
                data = result.serialize(format=ox.QueryResultsFormat.JSON)
                kind = "application/sparql-results+json"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql", seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.loopback
def test_endpoint_gives_the_golden_answer(
    endpoint: tuple[str, list[bytes]], project: Project
) -> None:
    url, seen = endpoint
    engine = queries.EndpointEngine(url)
    for name in ("stances-on-target", "actor-network", "any-public-private-gap"):
        query = saved(name)
        answer = queries.run(query, engine)
        assert (
            queries.differences(queries.read_expected(project, query), answer, query.ordered) == []
        )
    assert b"VALUES (?target)" in seen[0], "the parameter travels as a VALUES block"


@pytest.mark.loopback
def test_endpoint_injection_returns_no_rows(endpoint: tuple[str, list[bytes]]) -> None:
    url, _ = endpoint
    out = run_cli(
        "query",
        "stances-on-target",
        "--endpoint",
        url,
        "-p",
        f"target={INJECTION}",
        "--format",
        "csv",
    )
    assert out.exit_code == 0, out.output
    assert out.stdout.strip().splitlines()[1:] == []


@pytest.mark.loopback
def test_a_parameter_used_only_in_the_top_filter_reaches_it_through_an_endpoint(
    endpoint: tuple[str, list[bytes]], project: Project
) -> None:
    """claims-containing uses its parameter only in a FILTER of its outermost group: a trailing
    VALUES block would bind it after the filter and the answer would be silently empty, so the
    block goes first in the WHERE clause, and the endpoint gives the golden answer."""
    url, seen = endpoint
    query = saved("claims-containing")
    answer = queries.run(query, queries.EndpointEngine(url))
    expected = queries.read_expected(project, query)
    assert queries.differences(expected, answer, query.ordered) == []
    assert len(answer.rows) > 3
    sent = seen[-1].decode("utf-8")
    assert 'WHERE {\nVALUES (?text) { ("Hezbollah") }\n' in sent
    assert sent.rstrip().endswith("}")


@pytest.mark.loopback
def test_endpoint_refuses_a_parameter_no_values_block_can_reach(
    endpoint: tuple[str, list[bytes]], tmp_path: Path
) -> None:
    """A parameter used only in a FILTER inside a nested group: no VALUES block, first or last,
    binds it there, so nothing is sent and the query is refused."""
    url, seen = endpoint
    path = tmp_path / "nested.rq"
    path.write_text(
        "PREFIX sg: <https://w3id.org/stancegraph/ontology#>\n"
        "SELECT ?claim WHERE { { ?claim sg:paraphrase ?p FILTER(CONTAINS(?p, ?text)) } }\n",
        encoding="utf-8",
    )
    before = len(seen)
    with pytest.raises(QueryError, match="only in a FILTER or BIND inside a group"):
        queries.run(queries.read_query(path), queries.EndpointEngine(url), {"text": "x"})
    assert len(seen) == before, "nothing is sent"


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", 15),
        ("PREFIX a: <http://x/a#b> SELECT (\"{\" AS ?x) ('''{''' AS ?y) # {\nWHERE { }", 70),
        ("ASK {}", 4),
    ],
)
def test_the_where_clause_is_found_past_iris_strings_and_comments(text: str, at: int) -> None:
    assert queries.where_group_start(text) == at
    assert text[at] == "{"


def test_unreachable_endpoint_is_one_line_exit_2() -> None:
    out = run_cli("query", "timeline", "--endpoint", "http://127.0.0.1:9/sparql")
    assert out.exit_code == EXIT_UNUSABLE
    assert "cannot reach" in one_line_error(out)


def test_the_header_reader_joins_continuations_and_reads_keys_in_lower_case() -> None:
    """One rule for every reader of a ``#+`` header (issue #15): a line that starts no field
    and adds no item continues the one before it, item or value; ``#+ Summary:`` is
    ``summary``; a continuation that begins with a URL is text, not a key."""
    header = queries.parse_header(
        "#+ Summary: Who backs\n"
        "#+   whom\n"
        "#+ columns:\n"
        "#+   - backer: who backs,\n"
        "#+     in the article's words\n"
        "#+ description: see\n"
        "#+ https://example.org/x for more\n"
        "SELECT ?backer WHERE { ?backer ?p ?o }\n"
        "#+ tags: not the header any more\n"
    )
    assert header == {
        "summary": "Who backs whom",
        "columns": ["backer: who backs, in the article's words"],
        "description": "see https://example.org/x for more",
    }


# --- finding queries, paging, labels (issues #19, #20) -----------------------------------------


def wide_lines(result: Result) -> list[str]:
    """The body of a --wide table: one line per row, between the rule and the count."""
    lines = result.stdout.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("─"))
    end = next(i for i in range(rule, len(lines)) if re.match(r"^(\d+ |rows |triples )", lines[i]))
    return lines[rule + 1 : end]


def test_list_shows_each_querys_parameters_with_their_defaults() -> None:
    result = run_cli("query", "--list", "--wide")
    assert result.exit_code == 0, result.output
    (row,) = [line for line in result.stdout.splitlines() if line.startswith("stances-on-target ")]
    assert row.split() == [
        "stances-on-target", "SELECT", *saved("stances-on-target").summary.split(),
        "target=armedgroup:hezbollah", "stances,", "parameterised",
    ]  # fmt: skip
    (row,) = [line for line in result.stdout.splitlines() if line.startswith("timeline ")]
    assert " - " in row
    assert "parameters (default)" in result.stdout
    assert "'stancegraph query NAME --help' describes one, with an example" in result.stdout


def test_query_name_help_describes_the_query_and_its_example_runs() -> None:
    result = run_cli("query", "stances-on-target", "--help")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Usage: stancegraph query stances-on-target [OPTIONS]\n\n")
    assert "\nEvery stance on a given target\n" in out
    assert "\nColumns:\n  target: the target the stances are on (the parameter)\n" in out
    assert "\nParameters:\n  target (iri; default armedgroup:hezbollah): the actor, issue," in out
    example = "stancegraph query stances-on-target --param target=armedgroup:hezbollah"
    assert f"\nExample:\n  {example}\n" in out
    assert "see 'stancegraph query --help'" in out
    ran = run_cli(*example.split()[1:], "--format", "csv")
    assert ran.exit_code == 0, ran.output
    assert len(ran.stdout.splitlines()) > 1
    none = run_cli("query", "timeline", "--help")
    assert "\nParameters: none\n" in none.stdout
    assert "\nExample:\n  stancegraph query timeline\n" in none.stdout
    general = run_cli("query", "--help")
    assert "Usage: stancegraph query [OPTIONS] [NAME]" in general.stdout
    assert "--limit N" in general.stdout and "--labels" in general.stdout


def test_a_mistyped_query_name_gets_a_suggestion(project: Project) -> None:
    count = len(queries.catalogue(project))
    for args in (["timline"], ["timline", "--help"]):
        result = run_cli("query", *args)
        assert result.exit_code == EXIT_UNUSABLE
        assert one_line_error(result) == (
            "stancegraph: error: no saved query 'timline'; did you mean 'timeline' or "
            f"'picture-timeline'? ('stancegraph query --list' lists the {count} saved queries)"
        )
    result = run_cli("query", "reactions")
    assert "'withdrawal-reactions'" in one_line_error(result).split("did you mean", 1)[1]
    result = run_cli("query", "Timeline")
    assert one_line_error(result) == (
        "stancegraph: error: 'Timeline' is not a saved query name (lower-case words joined by "
        "'-'); did you mean 'timeline' or 'picture-timeline'? ('stancegraph query --list' lists "
        f"the {count} saved queries)"
    )
    few = CliRunner().invoke(cli, ["--home", str(MINI), "query", "claims-by-actr"])
    assert one_line_error(few) == (
        "stancegraph: error: no saved query 'claims-by-actr'; did you mean 'claims-by-actor'? "
        "(known: claims-by-actor)"
    )
    few = CliRunner().invoke(cli, ["--home", str(MINI), "query", "timeline"])
    assert one_line_error(few) == (
        "stancegraph: error: no saved query 'timeline'; known: claims-by-actor"
    )
    result = run_cli("query", "zzzz")
    assert one_line_error(result) == (
        f"stancegraph: error: no saved query 'zzzz' ('stancegraph query --list' lists the "
        f"{count} saved queries)"
    )


def test_a_wrong_parameter_name_is_our_one_line_error(tmp_path: Path) -> None:
    result = run_cli("query", "timeline", "--param", "foo=bar")
    assert result.exit_code == EXIT_UNUSABLE
    assert one_line_error(result) == (
        "stancegraph: error: timeline: no parameter 'foo'; it takes no parameter "
        "(see 'stancegraph query timeline --help')"
    )
    result = run_cli("query", "stances-on-target", "--param", "foo=bar")
    assert one_line_error(result) == (
        "stancegraph: error: stances-on-target: no parameter 'foo'; it takes target "
        "(see 'stancegraph query stances-on-target --help')"
    )
    mine = tmp_path / "mine.rq"
    mine.write_text("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1\n", encoding="utf-8")
    for engine in ("oxigraph", "rdflib"):
        result = run_cli("query", "--file", str(mine), "--param", "foo=bar", "--engine", engine)
        assert result.exit_code == EXIT_UNUSABLE
        assert one_line_error(result) == (
            f"stancegraph: error: {mine}: --param foo: the query has no ?foo (its variables: "
            "?o, ?p, ?s)"
        )
    ok = run_cli("query", "--file", str(mine), "--param", "s=person:yury-barmin")
    assert ok.exit_code == 0, ok.output
    filtered = tmp_path / "filtered.rq"
    filtered.write_text(
        "PREFIX sg: <https://w3id.org/stancegraph/ontology#>\n"
        "SELECT ?claim WHERE { ?claim sg:paraphrase ?p FILTER(CONTAINS(?p, ?text)) }\n",
        encoding="utf-8",
    )
    result = run_cli("query", "--file", str(filtered), "--param", "text=Hezbollah")
    assert result.exit_code == EXIT_UNUSABLE
    assert one_line_error(result) == (
        f"stancegraph: error: {filtered}: --param text: Oxigraph binds only a variable the "
        "query selects, and ?text is not in its SELECT clause: select it, or run with "
        "--engine rdflib"
    )
    rdflib_run = run_cli(
        "query", "--file", str(filtered), "--param", "text=Hezbollah", "--engine", "rdflib",
        "--format", "csv",
    )  # fmt: skip
    assert rdflib_run.exit_code == 0, rdflib_run.output
    assert len(rdflib_run.stdout.splitlines()) > 1


def test_usage_errors_point_to_the_query_help() -> None:
    result = run_cli("query", "timeline", "--zzz")
    assert result.exit_code == EXIT_UNUSABLE
    assert one_line_error(result) == (
        "stancegraph: error: No such option '--zzz'. (see 'stancegraph query --help')"
    )
    result = run_cli("query", "timeline", "--labels")
    assert one_line_error(result) == (
        "stancegraph: error: --labels is for --format csv, tsv, json or xml (a table shows labels) "
        "(see 'stancegraph query --help')"
    )


CHAIN = "claim-source-chain"


def chain_csv(*args: str) -> list[list[str]]:
    result = run_cli("query", CHAIN, "--format", "csv", *args)
    assert result.exit_code == 0, result.output
    return list(csv.reader(io.StringIO(result.stdout)))


def test_a_table_shows_50_rows_and_says_how_many_more() -> None:
    every = chain_csv()[1:]
    total = len(every)
    assert total > 50, "the paging test needs a query of more than 50 rows"
    result = run_cli("query", CHAIN, "--wide")
    assert result.exit_code == 0, result.output
    assert len(wide_lines(result)) == 50
    assert result.stdout.endswith(
        f"rows 1-50 of {total}; {total - 50} more rows (--limit/--offset, or --format csv for "
        "all)\n"
    )
    last = run_cli("query", CHAIN, "--wide", "--limit", "5", "--offset", str(total - 2))
    assert len(wide_lines(last)) == 2
    assert last.stdout.endswith(
        f"rows {total - 1}-{total} of {total} (--limit/--offset, or --format csv for all)\n"
    )
    past = run_cli("query", CHAIN, "--offset", str(total))
    assert past.stdout.endswith(f"{total} rows; none shown (--offset {total})\n")
    whole = run_cli("query", CHAIN, "--wide", "--limit", str(total))
    assert len(wide_lines(whole)) == total
    assert whole.stdout.endswith(f"\n{total} rows\n")


def test_csv_tsv_json_give_every_row_unless_limited() -> None:
    assert saved("timeline").ordered  # pages are slices of the query's own order
    every = list(csv.reader(io.StringIO(run_cli("query", "timeline", "--format", "csv").stdout)))
    header, rows = every[0], every[1:]
    assert len(rows) > 10

    def timeline(*args: str) -> list[list[str]]:
        out = run_cli("query", "timeline", "--format", "csv", *args).stdout
        return list(csv.reader(io.StringIO(out)))

    assert timeline("--limit", "4", "--offset", "5") == [header, *rows[5:9]]
    assert timeline("--offset", str(len(rows) - 3)) == [header, *rows[-3:]]
    assert timeline("--limit", "0") == [header]
    assert timeline("--offset", str(len(rows))) == [header]
    assert len(chain_csv()) - 1 > 50  # no default limit outside a table
    result = run_cli("query", CHAIN, "--format", "json", "--limit", "7")
    assert len(json.loads(result.stdout)["results"]["bindings"]) == 7
    result = run_cli("query", CHAIN, "--format", "tsv", "--limit", "3")
    assert len(result.stdout.strip().splitlines()) == 1 + 3


def test_pages_of_an_unordered_query_do_not_overlap() -> None:
    name = CHAIN
    assert not saved(name).ordered
    every = list(csv.reader(io.StringIO(run_cli("query", name, "--format", "csv").stdout)))[1:]
    pages = []
    for offset in range(0, len(every), 20):
        out = run_cli("query", name, "--format", "csv", "--limit", "20", "--offset", str(offset))
        pages += list(csv.reader(io.StringIO(out.stdout)))[1:]
    assert sorted(map(tuple, pages)) == sorted(map(tuple, every))
    assert len(pages) == len(every)


PAGES = [(0, 50), (0, 5), (3, 7), (2, None), (-2, 5), (0, 0), (10_000, 5)]


@pytest.mark.parametrize("name", [p.stem for p in sorted((ROOT / "queries").glob("*.rq"))])
def test_a_page_from_the_streaming_engine_is_the_slice_of_the_whole_answer(
    project: Project, name: str
) -> None:
    """Issue #19: a page is taken from Oxigraph's answers as they come (the rest counted, not
    converted), and it is the page the whole answer gave (``Answer.page``): the query's own
    order, else the golden files' order, so that pages never overlap. The total, and for
    --labels the columns of the whole answer that hold IRIs, are the whole answer's."""
    query = saved(name)
    engine = queries.engine_for(project)
    whole = queries.run(query, engine)
    for offset, limit in PAGES:
        start = max(0, len(whole) + offset) if offset < 0 else offset
        before = whole.page(start, limit, query.ordered)
        page = queries.run_page(query, engine, offset=start, limit=limit, iri_columns=True)
        assert page.total() == len(whole)
        if whole.form == "ASK":
            assert page.answer.boolean == whole.boolean
            continue
        if whole.graph is not None:
            assert isomorphic(page.answer.graph, before.graph)
            continue
        assert page.answer.variables == whole.variables
        assert page.answer.rows == before.rows, (name, start, limit)
        assert json.loads(page.answer.serialize("json")) == json.loads(before.serialize("json"))
        assert page.more == (start + len(before.rows) < len(whole))
        assert page.iri_columns == whole.iri_columns()


def test_a_page_is_known_before_the_rest_is_counted(project: Project) -> None:
    """The page comes from the worker first; closing it stops the count (the worker)."""
    engine = queries.engine_for(project)
    page = queries.run_page(saved(CHAIN), engine, limit=3)
    assert len(page.answer.rows) == 3 and page.more
    assert page._total is None  # not counted yet
    page.close()
    assert page.total() is None
    assert queries.run_page(saved(CHAIN), engine, limit=3).total() == len(
        queries.run(saved(CHAIN), engine)
    )


def test_a_graph_answer_is_paged_in_triples() -> None:
    every = run_cli("query", "actor-network", "--format", "ntriples").stdout.strip().splitlines()
    page = run_cli("query", "actor-network", "--format", "ntriples", "--limit", "3")
    assert len(page.stdout.strip().splitlines()) == 3
    assert set(page.stdout.strip().splitlines()) <= set(every)
    table = run_cli("query", "actor-network", "--limit", "3", "--wide")
    assert len(wide_lines(table)) == 3
    assert " ".join(table.stdout.split()).endswith(
        f"triples 1-3 of {len(every)}; {len(every) - 3} more triples (--limit/--offset, or "
        "--format turtle for all)"
    )


def test_labels_adds_a_label_column_after_each_iri_column(project: Project) -> None:
    plain = chain_csv()
    labelled = chain_csv("--labels")
    header = labelled[0]
    for column in plain[0]:
        assert column in header
    iri_columns = [
        c for c in plain[0] if any(r[plain[0].index(c)].startswith("http") for r in plain[1:])
    ]
    assert iri_columns and all(header[header.index(c) + 1] == f"{c}Label" for c in iri_columns)
    assert len(header) == len(plain[0]) + len(iri_columns)
    assert len(labelled) == len(plain)
    engine = queries.engine_for(project)
    iris = {r[plain[0].index(c)] for r in plain[1:] for c in iri_columns}
    names = queries.labels(engine, {URIRef(i) for i in iris if i})
    for row in labelled[1:]:
        for c in iri_columns:
            iri, label = row[header.index(c)], row[header.index(c) + 1]
            assert label == names.get(URIRef(iri), "")
    doc = json.loads(run_cli("query", CHAIN, "--format", "json", "--labels", "--limit", "2").stdout)
    assert doc["head"]["vars"] == header
    assert len(doc["results"]["bindings"]) == 2


def test_an_empty_answer_says_so(tmp_path: Path) -> None:
    mine = tmp_path / "none.rq"
    mine.write_text('SELECT ?s WHERE { ?s ?p "no such text anywhere" }\n', encoding="utf-8")
    result = run_cli("query", "--file", str(mine))
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("\n0 rows\n")
    out = run_cli("query", "--file", str(mine), "--format", "csv", "--labels")
    assert out.stdout.splitlines() == ["s"]


def test_the_readmes_query_commands_run(project: Project) -> None:
    """Each `stancegraph query` line of the README's command-line block that needs nothing
    outside the checkout (no endpoint, no file of yours) runs, exit 0."""
    readme = (project.root / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Command line", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [
        line.split("#", 1)[0].split("|", 1)[0].split()
        for line in block.splitlines()
        if line.startswith("stancegraph query ")
    ]
    runnable = [c for c in commands if not {"--endpoint", "--file"} & set(c)]
    assert len(runnable) >= 7
    for words in runnable:
        result = run_cli(*words[1:])
        assert result.exit_code == 0, (words, result.output)


def test_a_query_naming_its_own_dataset_gets_it_on_both_engines(
    engines: dict[str, queries.Engine],
) -> None:
    """FROM <graph/actors> is that graph on Oxigraph too: the union of the graphs, which every
    engine gives a query that names none, no longer overrides the query's own FROM."""
    text = (
        "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/stancegraph/graph/actors> "
        "WHERE { ?s ?p ?o }"
    )
    counts = {
        name: queries.run(queries.make_query(text), engine).rows[0][0].toPython()
        for name, engine in engines.items()
    }
    everything = queries.run(
        queries.make_query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"), engines["oxigraph"]
    )
    assert len(set(counts.values())) == 1, counts
    assert 0 < next(iter(counts.values())) < everything.rows[0][0].toPython()
