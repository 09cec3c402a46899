"""The Python API (issue #20): ``stancegraph.open()`` runs saved queries by name and gives rows,
labels and DataFrames, validates, gives the dataset, the store and the network; the README's
example runs as written; ``import stancegraph`` stays cheap."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyoxigraph
import pytest
from rdflib import Dataset, URIRef

import stancegraph
from stancegraph import api, graph, queries
from stancegraph.errors import InputError, ProjectError, QueryError, QueryRefused, QueryTimeout
from stancegraph.sources import HOME_ENV

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/stancegraph/id/"
HEZBOLLAH = URIRef(ID + "armed-group/hezbollah")
MISSING_CLAIMANT = ROOT / "tests" / "contributions" / "bad" / "missing-claimant.ttl"


@pytest.fixture(scope="module")
def sg() -> api.StanceGraph:
    return stancegraph.open(ROOT)


def readme_example() -> str:
    """The Python block of the README's "Python API" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    return block


# --------------------------------------------------------------------------------------------
# The README's example, as written


def test_the_readme_example_runs_and_gives_what_its_comments_say(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)  # stancegraph.open() finds the project from the current folder
    monkeypatch.delenv(HOME_ENV, raising=False)
    names: dict[str, object] = {}
    exec(compile(readme_example(), "README.md (Python API)", "exec"), names)

    (about,) = names["about"]  # type: ignore[misc]
    assert (about.name, about.type, about.default) == (
        "about",
        "iri",
        f"<{ID}armed-force/irgc>",
    )
    answer = names["answer"]
    assert isinstance(answer, api.Result)
    assert len(answer) == 17
    assert answer.columns == [
        "about",
        "claimant",
        "reportingMode",
        "paraphrase",
        "quote",
        "claim",
        "source",
    ]
    assert {row["about"] for row in answer.rows} == {HEZBOLLAH}
    assert Counter(answer.label(row["claimant"]) for row in answer.rows) == {
        "Yury Barmin": 15,
        "Ali Akbar Velayati": 1,
        "Russian officials": 1,
    }
    assert names["who"] == answer.label(names["first"]["claimant"])  # type: ignore[index]
    table = names["table"]
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == [
        "about",
        "aboutLabel",
        "claimant",
        "claimantLabel",
        "reportingMode",
        "reportingModeLabel",
        "paraphrase",
        "quote",
        "claim",
        "claimLabel",
        "source",
        "sourceLabel",
    ]
    assert len(table) == 17
    assert set(table["aboutLabel"]) == {"Hezbollah"}
    assert names["gap"] is True
    assert names["report"].conforms is True  # type: ignore[attr-defined]
    dataset = names["dataset"]
    assert isinstance(dataset, Dataset)
    assert graph.source_graph_iri("rd-syria-iran") in {g.identifier for g in dataset.graphs()}
    store = names["store"]
    assert isinstance(store, pyoxigraph.Store)
    assert len(store) == sum(1 for _ in dataset.quads())
    network = names["network"]
    assert (network.number_of_nodes(), network.number_of_edges()) == (36, 70)


# --------------------------------------------------------------------------------------------
# Saved queries


def test_queries_lists_every_saved_query_with_its_parameters(sg: api.StanceGraph) -> None:
    listed = sg.queries()
    assert [q.name for q in listed] == sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))
    with_params = {q.name: [(p.name, p.type) for p in q.params] for q in listed if q.params}
    assert with_params == {
        "claims-about": [("about", "iri")],
        "claims-containing": [("text", "string")],
        "picture-side-stances": [("side", "iri")],
        "stances-across-sources": [("holder", "iri")],
        "stances-on-target": [("target", "iri")],
    }
    assert sg.describe("claims-containing").params[0].default == "Hezbollah"


def test_a_query_gives_the_reviewed_golden_answer(sg: api.StanceGraph) -> None:
    """The default binding of stances-on-target answers what queries/expected/ holds (the
    golden corpus adds no stance on Hezbollah), as terms and as Python values."""
    saved = queries.find(sg.project, "stances-on-target")
    expected = queries.read_expected(sg.project, saved)
    answer = sg.query("stances-on-target")
    assert answer.columns == expected.variables
    as_terms = [tuple(row.get(v) for v in answer.columns) for row in answer.terms]
    assert sorted(as_terms, key=queries.row_sort_key) == sorted(
        expected.rows, key=queries.row_sort_key
    )
    assert len(answer.rows) == len(expected.rows) == 7


def test_parameters_from_python_values(sg: api.StanceGraph) -> None:
    by_uriref = sg.query("stances-on-target", target=HEZBOLLAH)
    by_name = sg.query("stances-on-target", target="armedgroup:hezbollah")
    by_brackets = sg.query("stances-on-target", target=f"<{HEZBOLLAH}>")
    assert by_uriref.rows == by_name.rows == by_brackets.rows
    assert len(sg.query("claims-containing", text="Hezbollah")) == 18


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3),
        (True, True),
        (Decimal("2.5"), Decimal("2.5")),
        (1e-05, Decimal("0.00001")),
        (dt.date(2016, 3, 14), dt.date(2016, 3, 14)),
        ("Hezbollah", "Hezbollah"),
        ("person:vladimir-putin", URIRef(ID + "person/vladimir-putin")),
    ],
)
def test_own_sparql_binds_python_values_with_their_types(
    sg: api.StanceGraph, value: object, expected: object
) -> None:
    (row,) = sg.sparql("SELECT ?y WHERE { }", y=value).rows
    assert row == {"y": expected}
    assert type(row["y"]) is type(expected)


def test_ask_and_construct_answers(sg: api.StanceGraph) -> None:
    assert sg.query("any-public-private-gap").boolean is True
    assert sg.dataframe("any-public-private-gap").to_dict("list") == {"answer": [True]}
    network = sg.query("actor-network")
    assert network.form == "CONSTRUCT"
    expected = queries.read_expected(sg.project, queries.find(sg.project, "actor-network"))
    assert network.graph is not None and expected.graph is not None
    assert len(network.graph) == len(expected.graph) == 39
    frame = sg.dataframe("actor-network")
    assert list(frame.columns) == ["subject", "predicate", "object"]
    assert len(frame) == 39


def test_an_empty_answer_is_an_empty_table_with_its_columns(sg: api.StanceGraph) -> None:
    answer = sg.sparql("SELECT ?x ?y WHERE { FILTER(false) }")
    assert (answer.rows, len(answer), answer.labels) == ([], 0, {})
    frame = answer.dataframe()
    assert (list(frame.columns), len(frame)) == (["x", "y"], 0)


def test_labels_beside_iri_columns_and_unbound_cells(sg: api.StanceGraph) -> None:
    text = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?a ?n WHERE { VALUES (?a ?n) { (<" + ID + "state/iran> 1) (UNDEF 2) } }"
    )
    answer = sg.sparql(text)
    assert answer.rows == [{"a": URIRef(ID + "state/iran"), "n": 1}, {"a": None, "n": 2}]
    assert answer.labelled_rows() == [
        {"a": URIRef(ID + "state/iran"), "aLabel": "Iran", "n": 1},
        {"a": None, "aLabel": None, "n": 2},
    ]
    assert answer.dataframe(labels=False).columns.tolist() == ["a", "n"]
    no_label = sg.sparql("SELECT ?a WHERE { BIND(<" + ID + "person/nobody-at-all> AS ?a) }")
    assert no_label.label(no_label.rows[0]["a"]) == "person/nobody-at-all"


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda sg: sg.query("stances-on-targte"),
            QueryError,
            "no saved query 'stances-on-targte'; did you mean 'stances-on-target' or "
            "'stances-as-marl'? (StanceGraph.queries() lists the 43 saved queries)",
        ),
        (
            lambda sg: sg.query("claims-about", actor="state:iran"),
            QueryError,
            "claims-about: no parameter 'actor'; it takes about",
        ),
        (
            lambda sg: sg.query("claims-about", about=["state:iran"]),
            QueryError,
            "parameter about: a list is not a value for a query; give an IRI",
        ),
        (
            lambda sg: sg.query("claims-about", about=dt.datetime(2016, 3, 14)),
            QueryError,
            "parameter about: a datetime is not a value for a query",
        ),
        (
            lambda sg: sg.sparql("INSERT DATA { <a:b> <a:c> <a:d> }"),
            QueryRefused,
            "query: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP...) is refused",
        ),
        (
            lambda sg: sg.sparql("SELECT * WHERE { ?s ?p }"),
            QueryError,
            "query:1:18: SPARQL syntax error",
        ),
    ],
)
def test_bad_calls_raise_the_packages_one_line_errors(
    sg: api.StanceGraph, call: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        call(sg)  # type: ignore[operator]
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


# --------------------------------------------------------------------------------------------
# pandas only when asked


def test_without_pandas_a_dataframe_names_the_extra(
    sg: api.StanceGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` raises ImportError
    answer = sg.query("stances-on-target")
    assert len(answer.rows) == 7  # rows need no pandas
    expected = (
        "pandas is not installed: DataFrames need it; install the notebook extra: "
        "pip install 'stancegraph[notebook]'"
    )
    for call in (answer.dataframe, lambda: sg.dataframe("stances-on-target")):
        with pytest.raises(api.MissingExtra) as caught:
            call()
        assert str(caught.value) == expected
        assert isinstance(caught.value, ImportError)


def test_the_notebook_extra_brings_pandas() -> None:
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = meta["optional-dependencies"]
    pinned = [d for d in extras[api.NOTEBOOK_EXTRA] if d.startswith("pandas")]
    assert pinned == [d for d in extras["test"] if d.startswith("pandas")] != []
    assert not any(d.startswith("pandas") for d in meta["dependencies"])


# --------------------------------------------------------------------------------------------
# Validation, the data, the project


def test_validate_returns_the_report_not_an_exit_code(sg: api.StanceGraph) -> None:
    report = sg.validate(MISSING_CLAIMANT)
    assert report.conforms is False
    assert report.checked == "contribution"
    assert [(str(f.focus), f.check, f.line) for f in report.findings] == [
        (ID + "claim/rd-syria-iran/9001", "MinCount", 40)
    ]
    with pytest.raises(InputError, match=r"nowhere\.ttl: no such file or folder$"):
        sg.validate(ROOT / "nowhere.ttl")


def test_the_dataset_is_assembled_once(sg: api.StanceGraph) -> None:
    assert sg.dataset() is sg.dataset()


def test_open_finds_the_project_as_the_cli_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(HOME_ENV, str(ROOT))
    monkeypatch.chdir(tmp_path)
    assert stancegraph.open().project.root == ROOT
    monkeypatch.delenv(HOME_ENV)
    with pytest.raises(ProjectError, match=f"^{re.escape(str(tmp_path))} is not a stancegraph"):
        stancegraph.open(tmp_path)
    with pytest.raises(QueryError, match=r"^unknown engine 'jena'; one of oxigraph, rdflib$"):
        stancegraph.open(ROOT, engine="jena")


def test_the_rdflib_engine_gives_the_same_rows(sg: api.StanceGraph) -> None:
    other = stancegraph.open(ROOT, engine="rdflib")
    key = queries.row_sort_key
    rows = [
        sorted((tuple(r.values()) for r in s.query("stances-on-target").terms), key=key)
        for s in (sg, other)
    ]
    assert rows[0] == rows[1]


def test_import_stancegraph_stays_cheap() -> None:
    """``import stancegraph`` loads none of the libraries; ``stancegraph.open`` loads the API."""
    code = (
        "import sys, stancegraph\n"
        "heavy = ('rdflib', 'pyoxigraph', 'pandas', 'networkx', 'stancegraph.api')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "stancegraph.open\n"
        "print('stancegraph.api' in sys.modules, 'pandas' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != HOME_ENV}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.splitlines() == ["[]", "True False"]
    assert stancegraph.open is api.open
    with pytest.raises(AttributeError, match="has no attribute 'opne'"):
        stancegraph.opne  # noqa: B018


def test_a_result_shows_itself_in_one_line_and_as_a_table_in_a_notebook(
    sg: api.StanceGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = sg.query("stances-on-target")
    assert repr(answer) == (
        "<Result stances-on-target: 7 rows (target, holder, polarity, marlPolarity, expression, "
        "attributedBy, inferred, stance, proposition, source)>"
    )
    assert repr(sg.query("any-public-private-gap")) == "<Result any-public-private-gap: ASK, True>"
    assert repr(sg.query("actor-network")) == "<Result actor-network: CONSTRUCT, 39 triples>"
    html = answer._repr_html_()
    assert html is not None and html.count("<tr") == 8  # the header and 7 rows
    assert "<th>holderLabel</th>" in html
    monkeypatch.setitem(sys.modules, "pandas", None)
    assert answer._repr_html_() is None  # the notebook falls back to the one line


def test_text_for_an_iri_parameter_warns_that_it_matches_nothing(sg: api.StanceGraph) -> None:
    """The CLI prints this note on stderr; a notebook gets it as a warning, and on the answer."""
    note = (
        "parameter about: 'hezbollah' is not an IRI, so it is bound as a literal and will match "
        "no about; write <https://...> or a prefixed name such as armedgroup:hezbollah"
    )
    with pytest.warns(api.BindingWarning) as caught:
        answer = sg.query("claims-about", about="hezbollah")
    assert [str(w.message) for w in caught] == [note]
    assert (len(answer), answer.notes) == (0, [note])


def test_errors_name_the_keyword_argument_not_the_command_line_option(
    sg: api.StanceGraph,
) -> None:
    with pytest.raises(QueryError) as caught:
        sg.query("claims-about", about="armed_group:hezbollah")
    assert str(caught.value).startswith(
        "parameter about: unknown prefix 'armed_group:' in 'armed_group:hezbollah': write "
    )
    assert "--param" not in str(caught.value)


def test_open_limits_stop_a_query_and_messages_name_the_api_argument(tmp_path: Path) -> None:
    """timeout= is `query --timeout`: the query is stopped, and the message names the API's
    argument; so does a folder that is not a project."""
    with pytest.raises(QueryTimeout) as caught:
        stancegraph.open(ROOT, timeout=0.001).query("claims-about")
    assert str(caught.value) == (
        f"{ROOT}/queries/claims-about.rq: query ran longer than 0.001 s and was stopped (raise "
        "the limit with STANCEGRAPH_QUERY_TIMEOUT or stancegraph.open(timeout=SECONDS))"
    )
    with pytest.raises(ProjectError) as caught_project:
        stancegraph.open(tmp_path)
    assert str(caught_project.value) == (
        f"{tmp_path} is not a stancegraph project: ontology/stancegraph.ttl is missing "
        "(STANCEGRAPH_HOME or stancegraph.open(path))"
    )
