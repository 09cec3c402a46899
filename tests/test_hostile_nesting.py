"""The nesting pre-scan cannot be blinded, and RDF/XML and N-Triples have a depth limit too
(issue #22).

Observed before: an IRI holding ``#(`` made the scan read the rest of the line as a comment, so
100,000 nested parentheses after ``<http://e/#(>`` were accepted (4.95 s and 301 MB in
``safety.parse_bytes``); a ``'`` in such an IRI opened a "string" that hid what followed; in
SPARQL, ``<`` used as less-than before a ``'`` made the scan skip a string the parser does not see,
and brackets spelled as ``\\u0028`` were not counted at all. RDF/XML had no depth limit (20,000
levels accepted, 9.7 s; pyoxigraph's parser is quadratic in the nesting) and neither had
N-Triples, whose RDF 1.2 triple terms nest: 100,000 levels of ``<<(`` crashed the process
(SIGSEGV in pyoxigraph's parser).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from hostile_support import assert_clean_failure, copy_mini, run_cli
from stancegraph import safety
from stancegraph.errors import InputError, QueryError

DEEP = 200
PARENS = "(" * DEEP + ")" * DEEP


def refused_rdf(text: str, name: str) -> InputError:
    with pytest.raises(InputError) as caught:
        safety.parse_bytes(text.encode("utf-8"), name=name, format=safety.detect_format(name))
    return caught.value


# --- Turtle, TriG, N-Triples, N-Quads --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # a # in an IRI that also holds a bracket: the old scan read the rest as a comment
        f"<http://e/a> <http://e/b> <http://e/#(> , {PARENS} .\n",
        # a ' in such an IRI: the old scan read a string up to the next '
        f"<http://e/a> <http://e/b> <http://e/(it's> , {PARENS} , 'x' .\n",
        # the same inside a TriG graph
        f"<http://e/g> {{ <http://e/a> <http://e/b> <http://e/#(> , {PARENS} . }}\n",
    ],
    ids=["hash-in-iri", "quote-in-iri", "trig"],
)
def test_brackets_after_an_iri_with_a_bracket_still_count(text: str) -> None:
    trig = text.startswith("<http://e/g> {")
    err = refused_rdf(text, "deep.trig" if trig else "deep.ttl")
    assert "nested deeper than 64 levels" in str(err)
    parens = 64 if trig else 65  # the graph's { is a level too
    assert (err.line, err.column) == (1, text.index("(" * parens) + parens)


#: The scan as it was before issue #19, token by token in Python: the reference the one that
#: sees only the brackets must read exactly like.
TOKENS = re.compile(safety._RDF_TOKENS + r"|(?P<open>[\[({])|(?P<close>[\])}])", re.DOTALL)


def nesting_by_token(text: str, limit: int | None = None) -> tuple[int, int]:
    depth = deepest = where = 0
    for match in TOKENS.finditer(text):
        if match.lastgroup == "open":
            depth += 1
            if depth > deepest:
                deepest, where = depth, match.start()
                if limit is not None and depth > limit:
                    break
        elif match.lastgroup == "close" and depth:
            depth -= 1
    return deepest, where


PIECES = ["[", "]", "(", ")", "{", "}", '"', "'", '"""', "'''", "<", ">", "\\", "#", "\n", "\r"]
PIECES += ["a", " ", "<http://e/x>", "\\u0041", "é", "\\U0001F600", "|", "^", "`", "\\("]


@settings(max_examples=3000, deadline=None)
@given(pieces=st.lists(st.sampled_from(PIECES), max_size=60), limit=st.sampled_from([None, 1, 3]))
def test_the_bracket_scan_reads_as_the_token_scan(pieces: list[str], limit: int | None) -> None:
    text = "".join(pieces)
    assert safety.nesting_depth(text, limit) == nesting_by_token(text, limit)


def test_the_bracket_scan_reads_the_projects_data_as_the_token_scan() -> None:
    for path in sorted(p for d in ("ontology", "data", "seeds") for p in (ROOT / d).rglob("*.ttl")):
        text = path.read_text(encoding="utf-8")
        assert safety.nesting_depth(text) == nesting_by_token(text), path


def test_the_same_iris_parse_when_shallow() -> None:
    text = "<http://e/a> <http://e/b> <http://e/#(> , <http://e/(it's> , ( ( 1 ) ) , 'x' .\n"
    g = safety.parse_bytes(text.encode("utf-8"), name="ok.ttl", format="turtle")
    assert len(g) == 8  # 4 objects, and 2 list cells (rdf:first, rdf:rest each)


def nested_triple_terms(levels: int) -> str:
    return (
        "<http://e/a> <http://e/b> "
        + "<<( <http://e/a> <http://e/b> " * levels
        + "<http://e/c>"
        + " )>>" * levels
        + " .\n"
    )


@pytest.mark.parametrize("name", ["deep.nt", "deep.nq"])
def test_ntriples_triple_terms_have_a_depth_limit(name: str) -> None:
    assert "nested deeper than 64 levels" in str(refused_rdf(nested_triple_terms(100), name))


def test_100000_levels_of_triple_terms_do_not_crash_the_process(tmp_path: Path) -> None:
    """Before: pyoxigraph's N-Triples parser overflowed its stack (SIGSEGV, exit -11)."""
    path = tmp_path / "deep.nt"
    path.write_text(nested_triple_terms(100_000), encoding="utf-8")
    script = Path(sys.executable).parent / "stancegraph"
    done = subprocess.run(
        [str(script), "--home", str(copy_mini(tmp_path)), "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, (done.returncode, done.stderr)
    column = len("<http://e/a> <http://e/b> ") + 64 * len("<<( <http://e/a> <http://e/b> ") + 3
    assert done.stderr.strip().splitlines() == [
        f"stancegraph: error: {path}:1:{column}: nested deeper than 64 levels of brackets "
        "(STANCEGRAPH_MAX_DEPTH); nested too deeply to parse safely"
    ]


# --- RDF/XML -------------------------------------------------------------------------------------


def nested_xml(levels: int) -> str:
    return (
        '<?xml version="1.0"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://e/">\n'
        '<rdf:Description rdf:about="http://e/a">'
        + "<ex:p><rdf:Description>" * levels
        + "</rdf:Description></ex:p>" * levels
        + "</rdf:Description></rdf:RDF>\n"
    )


def test_rdfxml_elements_have_a_depth_limit() -> None:
    err = refused_rdf(nested_xml(100), "deep.rdf")
    assert "XML elements nested deeper than 64 levels (STANCEGRAPH_MAX_DEPTH)" in str(err)
    # the 65th element: rdf:RDF, rdf:Description, then 31 pairs, then the ex:p of the 32nd
    text = nested_xml(100)
    line3 = text.split("\n")[2]
    assert (err.line, err.column) == (3, line3.index("<ex:p>", 40 + 23 * 31) + 1)


def test_rdfxml_within_the_limit_parses_and_the_limit_follows_max_depth(tmp_path: Path) -> None:
    g = safety.parse_bytes(nested_xml(30).encode(), name="ok.rdf", format="xml")
    assert len(g) == 30  # one ex:p a level
    g = safety.parse_bytes(nested_xml(100).encode(), name="ok.rdf", format="xml", max_depth=300)
    assert len(g) == 100
    path = tmp_path / "deep.rdf"
    path.write_text(nested_xml(100), encoding="utf-8")
    home = copy_mini(tmp_path)
    result, _ = run_cli(home, "validate", str(path))
    assert "XML elements nested deeper than 64 levels" in assert_clean_failure(result)
    result, _ = run_cli(home, "--max-depth", "300", "validate", str(path))
    assert "nested deeper" not in (result.stderr or "")


def test_a_deep_rdfxml_file_is_refused_before_it_is_parsed() -> None:
    """20,000 levels: refused at the 65th element, not parsed for seconds."""
    text = nested_xml(20_000)
    with pytest.raises(InputError, match="nested deeper than 64"):
        safety.guard_xml(text, "deep.rdf")


def test_the_doctype_refusal_still_comes_first() -> None:
    text = nested_xml(100).replace("<rdf:RDF", '<!DOCTYPE r [<!ENTITY x "y">]>\n<rdf:RDF', 1)
    assert "DOCTYPE" in str(refused_rdf(text, "both.rdf"))


# --- SPARQL --------------------------------------------------------------------------------------

SPARQL_TRICKS = {
    # an IRI holding # and a bracket, as in Turtle
    "hash-in-iri": f"SELECT * WHERE {{ ?s <http://e/#(> ?o . FILTER({PARENS}) }}",
    # a ' in such an IRI
    "quote-in-iri": (
        f"SELECT * WHERE {{ ?s <http://e/O'Brien(> ?o . FILTER({PARENS}) . ?s ?p 'x' }}"
    ),
    # less-than, then a string holding '>': the old scan took <'x> for an IRI, and the closing '
    # for an opening one
    "less-than-string": (
        f"SELECT * WHERE {{ ?s ?p ?a FILTER(?a<'x>' && {'(' * DEEP}?a{')' * DEEP} && 'z' = 'w') }}"
    ),
    # less-than, then a comment: the brackets on the next line count
    "less-than-comment": f"SELECT * WHERE {{ ?s ?p ?a FILTER(?a<?b#>\n {PARENS}) }}",
    # brackets spelled as codepoint escapes are brackets
    "escaped-brackets": (
        "SELECT * WHERE { FILTER(" + "\\u0028" * DEEP + "1" + "\\u0029" * DEEP + ") }"
    ),
}


@pytest.mark.parametrize("trick", sorted(SPARQL_TRICKS))
def test_sparql_brackets_cannot_be_hidden_from_the_scan(trick: str) -> None:
    with pytest.raises(QueryError) as caught:
        safety.check_query(SPARQL_TRICKS[trick])
    assert "query nested deeper than 64 levels of brackets" in str(caught.value)


@pytest.mark.parametrize("trick", sorted(SPARQL_TRICKS))
def test_the_deepest_reading_is_what_counts(trick: str) -> None:
    """Every reading of each ``<`` is followed: the scan finds all the brackets of the trick."""
    text = safety.expand_codepoint_escapes(SPARQL_TRICKS[trick]).text
    depth, _ = safety.sparql_nesting_depth(text)
    assert depth >= DEEP


@pytest.mark.parametrize(
    "text",
    [
        "PREFIX x: <http://www.w3.org/2001/XMLSchema#> SELECT * WHERE { ?s ?p ?o FILTER(?o < 3) }",
        "SELECT * WHERE { ?s <http://e/a(b)> ?o ; <http://e/O'Brien> 'x' FILTER(?o<?s) }",
    ],
)
def test_ordinary_iris_and_comparisons_still_pass(text: str) -> None:
    assert safety.check_query(text).form == "SELECT"


def test_the_projects_own_queries_and_data_pass_the_scans() -> None:
    root = Path(__file__).resolve().parent.parent
    for path in sorted(root.glob("queries/**/*.rq")):
        safety.check_query(path.read_text(encoding="utf-8"), name=path)
    for folder in ("ontology", "data"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in safety.FORMATS_BY_EXTENSION:
                safety.parse_file(path)


def test_build_does_not_give_a_deep_saved_query_to_oxigraph(tmp_path: Path) -> None:
    """build learns each saved query's form from Oxigraph, whose SPARQL parser crashed the
    process (SIGSEGV) on 10,000 nested brackets: the text passes the guards first."""
    home = copy_mini(tmp_path)
    deep = home / "queries" / "deep.rq"
    deep.write_text("SELECT * WHERE { FILTER(" + "(" * 20_000 + "1" + ")" * 20_000 + ") }\n")
    script = Path(sys.executable).parent / "stancegraph"
    done = subprocess.run(
        [str(script), "--home", str(home), "build"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, (done.returncode, done.stderr[-300:])
    assert done.stderr.strip().splitlines() == [
        f"stancegraph: error: {deep}:1:87: query nested deeper than 64 levels of brackets "
        "(STANCEGRAPH_MAX_DEPTH)"
    ]
