"""stancegraph.safety: every way an RDF file can be unusable gives one clear InputError."""

from __future__ import annotations

import socket
from pathlib import Path

import pyoxigraph
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from stancegraph import safety
from stancegraph.errors import EXIT_UNUSABLE, InputError

GOOD_TTL = "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\n"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def refused(path: Path, **kwargs: object) -> InputError:
    with pytest.raises(InputError) as caught:
        safety.parse_file(path, **kwargs)
    err = caught.value
    assert err.exit_code == EXIT_UNUSABLE
    assert "\n" not in str(err)
    assert str(err).startswith(str(path))
    return err


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a socket fails the test."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("safety tried to use the network")

    monkeypatch.setattr(socket, "socket", forbidden)
    monkeypatch.setattr(socket, "create_connection", forbidden)
    monkeypatch.setattr(socket, "getaddrinfo", forbidden)


# --- well-formed files in every supported syntax ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("a.ttl", GOOD_TTL, Graph),
        ("a.nt", "<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n", Graph),
        (
            "a.nq",
            "<http://example.org/a> <http://example.org/b> <http://example.org/c> "
            "<http://example.org/g> .\n",
            Dataset,
        ),
        (
            "a.trig",
            "<http://example.org/g> { <http://example.org/a> <http://example.org/b> 1 }",
            Dataset,
        ),
        ("a.jsonld", '{"@id": "http://example.org/a", "http://example.org/b": "c"}', Dataset),
        (
            "a.rdf",
            '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
            ' xmlns:ex="http://example.org/">\n'
            '<rdf:Description rdf:about="http://example.org/a"><ex:b>c</ex:b></rdf:Description>\n'
            "</rdf:RDF>\n",
            Graph,
        ),
    ],
)
def test_each_supported_syntax_parses(
    tmp_path: Path, name: str, content: str, kind: type, no_network: None
) -> None:
    g = safety.parse_file(write(tmp_path, name, content))
    assert isinstance(g, kind)
    assert len(list(g.quads() if isinstance(g, Dataset) else g)) == 1


def test_triples_are_added_to_a_given_graph(tmp_path: Path) -> None:
    target = Graph()
    assert safety.parse_file(write(tmp_path, "a.ttl", GOOD_TTL), graph=target) is target
    assert len(target) == 1


def test_relative_iris_do_not_depend_on_where_the_file_lives(tmp_path: Path) -> None:
    g = safety.parse_file(write(tmp_path, "rel.ttl", "<a> <b> <c> ."))
    assert {str(s) for s in g.subjects()} == {safety.DEFAULT_BASE + "a"}


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    assert (
        len(safety.parse_file(write(tmp_path, "bom.ttl", b"\xef\xbb\xbf" + GOOD_TTL.encode()))) == 1
    )


def test_the_format_can_be_named_instead_of_guessed(tmp_path: Path) -> None:
    assert len(safety.parse_file(write(tmp_path, "data.txt", GOOD_TTL), format="turtle")) == 1


# --- syntax errors ---------------------------------------------------------------------------


def test_turtle_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "bad.ttl",
        '@prefix ex: <http://example.org/> .\nex:a ex:b "secret one" .\nex:a ex:b ex:c ex:d .\n'
        'ex:a ex:b "secret two" .\n',
    )
    err = refused(path)
    assert (err.path, err.line, err.column) == (str(path), 3, 16)
    assert str(err).startswith(f"{path}:3:16: Turtle syntax error")
    assert "secret" not in str(err), "the message quotes lines other than the bad one"


def test_ntriples_syntax_error_names_the_bad_line(tmp_path: Path) -> None:
    good = "<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n"
    err = refused(write(tmp_path, "bad.nt", good * 3 + "<http://example.org/a> <b> garbage .\n"))
    assert err.line == 4
    assert "N-Triples syntax error" in str(err)


def test_rdfxml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    err = refused(
        write(
            tmp_path,
            "bad.rdf",
            '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '\n<rdf:Description rdf:about="http://example.org/a">\n</rdf:RDF>\n',
        )
    )
    assert err.line == 4
    assert err.column is not None


def test_json_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    err = refused(write(tmp_path, "bad.jsonld", '{\n  "@id": "http://example.org/a",\n  "x": [}\n'))
    assert (err.line, err.column) == (3, 9)


def test_deep_nesting_is_refused_not_crashed_on(tmp_path: Path) -> None:
    deep = "<http://example.org/a> <http://example.org/b> " + "[ <http://example.org/c> " * 5000
    err = refused(write(tmp_path, "deep.ttl", deep + "1" + " ]" * 5000 + " ."))
    assert "nested too deeply" in str(err)


# --- files that are not RDF text ----------------------------------------------------------------


def test_empty_file_is_refused(tmp_path: Path) -> None:
    assert str(refused(write(tmp_path, "empty.ttl", ""))).endswith("file is empty")


def test_whitespace_only_file_is_refused(tmp_path: Path) -> None:
    assert "file is empty" in str(refused(write(tmp_path, "blank.ttl", " \n\t\n")))


def test_binary_file_is_refused(tmp_path: Path) -> None:
    err = refused(write(tmp_path, "image.ttl", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
    assert "binary file" in str(err)


def test_bad_utf8_is_refused_with_its_position(tmp_path: Path) -> None:
    err = refused(
        write(
            tmp_path, "latin1.ttl", GOOD_TTL.encode() + b'<http://e/a> <http://e/b> "caf\xe9" .\n'
        )
    )
    assert (err.line, err.column) == (3, 31)
    assert "not valid UTF-8" in str(err)


@pytest.mark.parametrize("name", ["notes.csv", "README", "data.ttl.bak"])
def test_unknown_extension_is_refused(tmp_path: Path, name: str) -> None:
    err = refused(write(tmp_path, name, GOOD_TTL))
    assert "unknown RDF file extension" in str(err)


def test_unknown_format_name_is_refused(tmp_path: Path) -> None:
    assert "unknown RDF format" in str(refused(write(tmp_path, "a.ttl", GOOD_TTL), format="n3x"))


def test_missing_file_is_refused(tmp_path: Path) -> None:
    assert str(refused(tmp_path / "absent.ttl")).endswith("no such file")


def test_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dir.ttl").mkdir()
    assert "is a directory" in str(refused(tmp_path / "dir.ttl"))


def test_files_over_the_size_limit_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "big.ttl", GOOD_TTL * 10)
    assert "larger than the limit of 100 bytes" in str(refused(path, max_bytes=100))
    assert len(safety.parse_file(path, max_bytes=len(GOOD_TTL) * 10)) == 1


def test_size_limit_can_be_set_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STANCEGRAPH_MAX_BYTES", "10")
    assert "limit of 10 bytes" in str(refused(write(tmp_path, "a.ttl", GOOD_TTL)))


# --- nothing is fetched -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "doc",
    [
        '{"@context": "http://example.org/context.jsonld", "@id": "http://example.org/a"}',
        '{"@context": ["http://example.org/c.jsonld", {"ex": "http://example.org/"}]}',
        '{"@graph": [{"@context": "https://example.org/nested", "@id": "http://example.org/a"}]}',
        '{"@context": {"@import": "http://example.org/ctx", "ex": "http://example.org/"}}',
    ],
)
def test_jsonld_remote_contexts_are_refused(tmp_path: Path, doc: str, no_network: None) -> None:
    err = refused(write(tmp_path, "remote.jsonld", doc))
    assert "not allowed" in str(err)
    assert "no network" in str(err)


def test_inline_jsonld_context_is_fine(tmp_path: Path, no_network: None) -> None:
    doc = '{"@context": {"ex": "http://example.org/"}, "@id": "ex:a", "ex:b": "c"}'
    g = safety.parse_file(write(tmp_path, "inline.jsonld", doc))
    assert (URIRef("http://example.org/a"), None, None) in g


def test_xml_entities_are_refused(tmp_path: Path, no_network: None) -> None:
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">&b;</rdf:RDF>\n'
    )
    assert "unsafe XML refused" in str(refused(write(tmp_path, "bomb.rdf", bomb)))


def test_xml_external_entities_are_refused(tmp_path: Path, no_network: None) -> None:
    xxe = (
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">&x;</rdf:RDF>\n'
    )
    assert "unsafe XML refused" in str(refused(write(tmp_path, "xxe.rdf", xxe)))


def test_an_external_dtd_is_never_fetched(tmp_path: Path, no_network: None) -> None:
    doc = (
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF SYSTEM "http://example.org/x.dtd">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:ex="http://example.org/">\n'
        '<rdf:Description rdf:about="http://example.org/a"><ex:b>c</ex:b></rdf:Description>\n'
        "</rdf:RDF>\n"
    )
    path = write(tmp_path, "dtd.rdf", doc)
    try:  # parsing without the DTD and refusing any DOCTYPE are both safe; fetching is not
        assert len(safety.parse_file(path)) == 1
    except InputError as err:
        assert str(err).startswith(str(path))


def test_owl_imports_are_not_followed(tmp_path: Path, no_network: None) -> None:
    ttl = (
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<http://example.org/o> a owl:Ontology ; owl:imports <http://example.org/other> .\n"
    )
    assert len(safety.parse_file(write(tmp_path, "imports.ttl", ttl))) == 2


# --- one pipeline: the store's quads come through the same guards -------------------------------

STORE_GRAPH = pyoxigraph.NamedNode("https://w3id.org/stancegraph/graph/test")


#: Files the store's readers refuse, and what the message says.
STORE_REFUSALS = [
    (
        "syntax.ttl",
        GOOD_TTL + "ex:a ex:b .\n",
        "s.ttl:3:11: Turtle syntax error: . is not a valid RDF object",
    ),
    ("deep.ttl", "<http://e/a> <http://e/b> " + "[ <http://e/c> " * 80 + "\n", "deeper than"),
    ("deep.nt", "<http://e/a> <http://e/b> " + "<<( " * 80 + "\n", "deeper than"),
    ("remote.jsonld", '{"@context": "http://e/ctx", "@id": "http://e/a"}', "remote JSON-LD"),
    ("entity.rdf", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>', "DOCTYPE"),
    ("empty.ttl", "", "file is empty"),
    ("latin1.ttl", b'<http://e/a> <http://e/b> "caf\xe9" .\n', "not valid UTF-8"),
    (
        "star.nt",
        "<http://e/s> <http://e/p> <<( <http://e/a> <http://e/b> <http://e/c> )>> .\n",
        "N-Triples: triple terms",
    ),
    ("dir.ttl", '<http://e/a> <http://e/b> "x"@en--ltr .\n', "Turtle: directional"),
    (
        "named.trig",
        "<http://e/g> { <http://e/a> <http://e/b> <http://e/c> }\n",
        "holds named graphs (e.g. <http://e/g>) where only triples are expected",
    ),
    # RDF 1.2 Turtle writes a triple term in four ways; each is one
    (
        "reified.ttl",
        "<http://e/s> <http://e/p> << <http://e/a> <http://e/b> <http://e/c> >> .\n",
        "Turtle: triple terms",
    ),
    (
        "annotation.ttl",
        "<http://e/a> <http://e/b> <http://e/c> {| <http://e/q> <http://e/r> |} .\n",
        "Turtle: triple terms",
    ),
    ("reifier.ttl", "<http://e/a> <http://e/b> <http://e/c> ~ <http://e/r> .\n", "triple terms"),
    (
        "later.nt",  # far into a file, after triples that load
        "<http://e/a> <http://e/b> <http://e/c> .\n" * 500
        + '<http://e/a> <http://e/b> "x"@ar--rtl .\n',
        "N-Triples: directional",
    ),
    (
        "late.nt",
        "<http://e/a> <http://e/b> <http://e/c> .\n" * 500 + "<http://e/a> <http://e/b> .\n",
        "late.nt:501:27: N-Triples syntax error",
    ),
]


@pytest.mark.parametrize(("name", "content", "says"), STORE_REFUSALS)
def test_the_store_parser_refuses_what_parse_file_refuses_in_the_same_words(
    tmp_path: Path, name: str, content: str | bytes, says: str
) -> None:
    """Issue #15: the embedded store reads its files through parse_file_quads, which shares every
    guard and every message with parse_file (no second pipeline without positions)."""
    path = write(tmp_path, name.replace("syntax", "s"), content)
    expected = refused(path, graph=Graph())
    with pytest.raises(InputError) as caught:
        safety.parse_file_quads(path, STORE_GRAPH)
    assert str(caught.value) == str(expected)
    assert says in str(caught.value)


@pytest.mark.parametrize(("name", "content", "says"), STORE_REFUSALS)
def test_the_store_reader_refuses_what_parse_file_quads_refuses_in_the_same_words(
    tmp_path: Path, name: str, content: str | bytes, says: str
) -> None:
    """Issue #19: ``load`` reads Turtle and N-Triples with pyoxigraph straight into a store
    (safety.read_graph), which parses what parse_file_quads refuses (triple terms, directional
    literals): it still refuses it, and every other file, with the same error, after a good
    file of the same graph."""
    good = write(tmp_path, "first.ttl", GOOD_TTL)
    path = write(tmp_path, name.replace("syntax", "s"), content)
    with pytest.raises(InputError) as expected:
        safety.parse_file_quads(path, STORE_GRAPH)
    with pytest.raises(InputError) as caught:
        safety.read_graph([good, path], STORE_GRAPH)
    assert str(caught.value) == str(expected.value)
    assert says in str(caught.value)


def test_the_store_reader_keeps_the_blank_nodes_of_two_files_apart(tmp_path: Path) -> None:
    """Two files of one graph that both say ``_:b``: two nodes, as parse_file_quads reads them
    (each file's labels are its own), also when one of the files is not Turtle."""
    one = write(tmp_path, "one.ttl", '_:b <http://e/p> "1" .\n')
    two = write(tmp_path, "two.nt", '_:b <http://e/p> "2" .\n_:b <http://e/q> "2" .\n')
    three = write(tmp_path, "three.jsonld", '{"@id": "_:b", "http://e/p": "3"}')
    store = safety.read_graph([one, two, three], STORE_GRAPH)
    assert len(store) == 4
    subjects = {q.subject for q in store}
    assert len(subjects) == 3 and all(isinstance(s, pyoxigraph.BlankNode) for s in subjects)
    assert {q.graph_name for q in store} == {STORE_GRAPH}


def test_a_literal_that_only_looks_like_a_refused_term_loads(tmp_path: Path) -> None:
    text = '<http://e/a> <http://e/b> "<<( not a term )>> @en--ltr ~ {| |}" .\n'
    store = safety.read_graph([write(tmp_path, "fine.nt", text)], STORE_GRAPH)
    assert [q.object.value for q in store] == ["<<( not a term )>> @en--ltr ~ {| |}"]


def test_the_store_parser_gives_the_triples_of_parse_file(tmp_path: Path) -> None:
    ttl = GOOD_TTL + 'ex:a ex:d [ ex:e "x"@en ] .\n'
    quads = safety.parse_file_quads(write(tmp_path, "good.ttl", ttl), STORE_GRAPH)
    assert {q.graph_name for q in quads} == {STORE_GRAPH}
    store = pyoxigraph.Store()
    store.extend(quads)
    as_rdflib = Graph().parse(
        data=store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=STORE_GRAPH), format="nt"
    )
    assert isomorphic(as_rdflib, safety.parse_file(write(tmp_path, "same.ttl", ttl)))


# --- whatever the bytes, the only error is InputError -----------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        st.binary(max_size=200),
        st.text(alphabet=st.sampled_from(list('<>"@:._ {}[]()\n;,#\\^ abcx12é')), max_size=200).map(
            lambda s: s.encode("utf-8")
        ),
    ),
    fmt=st.sampled_from(sorted(set(safety.FORMATS_BY_EXTENSION.values()))),
)
def test_arbitrary_input_gives_a_result_or_an_input_error(data: bytes, fmt: str) -> None:
    try:
        safety.parse_bytes(data, name="fuzz", format=fmt)
    except InputError as err:
        assert "\n" not in str(err)
