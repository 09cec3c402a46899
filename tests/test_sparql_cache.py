"""The SPARQL parse cache between processes (stancegraph.sparql_cache): what it gives back is
what rdflib makes of the text, it reads nothing but queries, and it can be turned off."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery

from conftest import ROOT
from stancegraph import safety, sparql_cache

SAVED = sorted((ROOT / "queries").glob("*.rq"))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv(sparql_cache.CACHE_ENV, raising=False)
    return tmp_path / "stancegraph" / "sparql"


def kept_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pickle")) if folder.is_dir() else []


def rows(dataset: Dataset, query: object) -> list[tuple[str, ...]]:
    return sorted(tuple(str(v) for v in row) for row in dataset.query(query))  # type: ignore[arg-type]


def test_every_saved_query_reads_back_as_rdflib_made_it(cache: Path) -> None:
    """Node for node, and its answers on a small dataset are the same."""
    assert len(SAVED) > 40
    for path in SAVED:
        text = safety.guard_query_text(path.read_text(encoding="utf-8")).text
        made = sparql_cache.translated_query(text)
        back = sparql_cache.lookup(text)
        assert back is not None and back is not made, path.name
        assert sparql_cache._same(made, back), path.name
        # (a new parse is the same but for the labels of the blank nodes it makes of "[]")
        if "[]" not in text and "[ " not in text:
            assert sparql_cache._same(translateQuery(parseQuery(text)), back), path.name
    assert len(kept_files(cache)) == len(SAVED)


def test_a_kept_query_answers_as_the_parsed_one(cache: Path) -> None:
    text = """PREFIX ex: <http://example.org/>
    SELECT ?s (COUNT(?o) AS ?n) WHERE { ?s ex:p ?o FILTER(?o > 1 && ?o NOT IN (5, 7)) }
    GROUP BY ?s ORDER BY DESC(?n) ?s"""
    data = Dataset(default_union=True)
    g = data.graph(URIRef("http://example.org/g"))
    for s, o in [("a", 1), ("a", 2), ("a", 3), ("b", 5), ("b", 9), ("c", 7)]:
        g.add((URIRef(f"http://example.org/{s}"), URIRef("http://example.org/p"), Literal(o)))
    first = sparql_cache.translated_query(text)
    kept = sparql_cache.lookup(text)
    assert kept is not None
    assert (
        rows(data, kept)
        == rows(data, first)
        == [
            ("http://example.org/a", "2"),
            ("http://example.org/b", "1"),
        ]
    )


def test_the_key_holds_base_and_namespaces(cache: Path) -> None:
    text = "SELECT ?s WHERE { ?s ex:p ?o }"
    one = sparql_cache.translated_query(text, None, {"ex": "http://example.org/one#"})
    two = sparql_cache.translated_query(text, None, {"ex": "http://example.org/two#"})
    assert len(kept_files(cache)) == 2
    assert "one#p" in repr(
        sparql_cache.lookup(text, None, {"ex": "http://example.org/one#"}).algebra
    )
    assert "two#p" in repr(
        sparql_cache.lookup(text, None, {"ex": "http://example.org/two#"}).algebra
    )
    assert sparql_cache.lookup(text) is None
    assert repr(one.algebra) != repr(two.algebra)


def test_a_syntax_error_is_not_kept_and_is_told_as_before(cache: Path) -> None:
    with pytest.raises(safety.QueryError, match=r"q\.rq:1:\d+: SPARQL syntax error"):
        safety.check_query("SELECT ?s WHERE { ?s ?p }", name="q.rq")
    assert kept_files(cache) == []


def test_a_damaged_file_is_parsed_again_and_replaced(cache: Path) -> None:
    text = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"
    sparql_cache.translated_query(text)
    (kept,) = kept_files(cache)
    kept.write_bytes(b"not a pickle")
    assert sparql_cache.lookup(text) is None
    again = sparql_cache.translated_query(text)
    assert sparql_cache._same(again, sparql_cache.lookup(text))


def test_a_file_that_would_run_code_is_not_read(cache: Path) -> None:
    """The unpickler makes rdflib's and pyparsing's classes and SPARQL functions only."""

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            import os

            return (os.system, ("echo should-not-run",))

    text = "ASK { ?s ?p ?o }"
    sparql_cache.translated_query(text)
    (kept,) = kept_files(cache)
    kept.write_bytes(pickle.dumps(Evil()))
    assert sparql_cache.lookup(text) is None
    with pytest.raises(pickle.UnpicklingError):
        sparql_cache._Unpickler(io.BytesIO(pickle.dumps(Evil()))).load()
    eval_call = pickle.dumps(eval)
    with pytest.raises(pickle.UnpicklingError):
        sparql_cache._Unpickler(io.BytesIO(eval_call)).load()


def test_it_can_be_turned_off(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sparql_cache.CACHE_ENV, "off")
    text = "SELECT ?o WHERE { ?s ?p ?o }"
    assert sparql_cache.translated_query(text).algebra.name == "SelectQuery"
    assert kept_files(cache) == []
    assert sparql_cache.lookup(text) is None


def test_check_query_gives_the_same_answer_from_the_cache(cache: Path) -> None:
    """In a new process (here: the in-process memo cleared), the form and the reach of a query
    come from the kept query."""
    text = (ROOT / "queries" / "backers.rq").read_text(encoding="utf-8")
    first = safety.check_query(text, name="backers.rq")
    safety._parse_sparql_text.cache_clear()
    second = safety.check_query(text, name="backers.rq")
    assert second.parsed is not first.parsed
    assert (second.form, second.services, second.dataset_graphs) == (
        first.form,
        first.services,
        first.dataset_graphs,
    )
    assert sparql_cache._same(first.parsed, second.parsed)


def test_the_cache_keeps_at_most_max_files_texts(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the bound, the texts read longest ago go, down to four fifths of it (an endpoint is
    asked many texts)."""
    import os

    monkeypatch.setattr(sparql_cache, "MAX_FILES", 10)
    texts = [f"SELECT ?s WHERE {{ ?s ?p {n} }}" for n in range(11)]
    for n, text in enumerate(texts[:10]):
        sparql_cache.translated_query(text)
        kept = cache / f"{sparql_cache._key(text, None, None)}.pickle"
        os.utime(kept, (1000 + n, 1000 + n))  # made one after the other
    assert len(kept_files(cache)) == 10
    assert sparql_cache.lookup(texts[0]) is not None  # read now: the newest
    sparql_cache.translated_query(texts[10])
    assert len(kept_files(cache)) == 8
    gone = [n for n, text in enumerate(texts) if sparql_cache.lookup(text) is None]
    assert gone == [1, 2, 3]
