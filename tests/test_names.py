"""The one table of names (issue #15): the kinds of IRI, the prefixes, compact and expand.

The kinds in :mod:`stancegraph.names` are the minting rule; the shapes' ``sh:pattern``s, the IRI
table of docs/architecture.md and the prefix blocks of the data files must say the same, and
these tests hold them to it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import SH

from stancegraph import names

ROOT = Path(__file__).resolve().parents[1]
SHAPE_PATTERN = re.compile(
    r"^\^https://w3id\[\.\]org/stancegraph/id/\(?(?P<segments>[a-z|-]+)\)?/"
    r"\[a-z0-9\]\+\(-\[a-z0-9\]\+\)\*(?P<numbered>/\[1-9\]\[0-9\]\*)?\$$"
)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    g = Graph()
    for path in sorted((ROOT / "ontology" / "shapes").glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "stancegraph.ttl", format="turtle")


def id_patterns(shapes: Graph) -> list[tuple[URIRef | None, str]]:
    out = []
    for shape, pattern in shapes.subject_objects(SH.pattern):
        if str(pattern).startswith("^https://w3id[.]org/stancegraph/id/"):
            out.append((shapes.value(shape, SH.targetClass), str(pattern)))
    return sorted(out, key=lambda pair: pair[1])


def test_every_shape_pattern_is_the_pattern_of_its_kinds(shapes: Graph) -> None:
    seen: set[str] = set()
    for _, pattern in id_patterns(shapes):
        match = SHAPE_PATTERN.match(pattern)
        assert match, pattern
        segments = match.group("segments").split("|")
        for segment in segments:
            kind = names.KIND_BY_SEGMENT[segment]
            assert kind.shared == (match.group("numbered") is None), (segment, pattern)
            seen.add(segment)
        if len(segments) == 1:
            assert pattern == names.KIND_BY_SEGMENT[segments[0]].pattern
    assert seen == set(names.KIND_BY_SEGMENT)


def test_a_shape_for_one_kind_targets_that_kinds_class(shapes: Graph, ontology: Graph) -> None:
    for target, pattern in id_patterns(shapes):
        segments = SHAPE_PATTERN.match(pattern).group("segments").split("|")  # type: ignore[union-attr]
        if len(segments) != 1 or target is None:
            continue
        classes = {names.curie_iri(c) for c in names.KIND_BY_SEGMENT[segments[0]].classes}
        supers = set(ontology.transitive_objects(target, RDFS.subClassOf))
        assert target in classes or supers & classes, (pattern, target)


def test_every_kinds_class_is_a_class_of_the_ontology(ontology: Graph) -> None:
    own = str(names.SG_NS)
    for kind in names.KIND_BY_SEGMENT.values():
        for curie in kind.classes:
            iri = names.curie_iri(curie)
            if str(iri).startswith(own):
                assert (iri, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")) in ontology


def kinds_table(page: Path) -> dict[str, list[str]]:
    """The kinds a page's IRI table lists: its rows for shared things, things of one source
    and source documents."""
    text = page.read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        for what, pattern in (
            ("shared", "/id/<kind>/<slug>`"),
            ("source", "/id/<kind>/<key>/<n>`"),
            ("document", "/id/document/<key>`"),
        ):
            if line.startswith("|") and pattern in line:
                tail = line.split(pattern, 1)[1].split("|", 1)[0].split(";", 1)[0]
                rows[what] = re.findall(r"`([a-z-]+)`", tail)
    return rows


@pytest.mark.parametrize("page", ["docs/architecture.md", "CONTRIBUTING.md"])
def test_the_pages_iri_tables_list_the_kinds(page: str) -> None:
    table = kinds_table(ROOT / page)
    assert table["shared"] == [k.segment for k in names.KINDS if k.shared]
    assert table["source"] == [k.segment for k in names.KINDS if not k.shared]
    assert "document" in table


def data_prefixes() -> list[tuple[Path, str, str]]:
    out = []
    for path in sorted((ROOT / "data").rglob("*.ttl")):
        for prefix, iri in re.findall(r"^@prefix\s+([\w-]*):\s*<([^>]*)>", path.read_text(), re.M):
            out.append((path, prefix, iri))
    return out


def test_the_data_files_use_the_tables_prefixes() -> None:
    checked = 0
    for path, prefix, iri in data_prefixes():
        if iri.startswith(names.ID_BASE):
            rest = iri[len(names.ID_BASE) :]
            segment = rest.split("/", 1)[0]
            kind = names.KIND_BY_SEGMENT[segment]
            assert prefix == kind.prefix, (path.name, prefix, iri)
            if not kind.shared:
                assert rest == f"{segment}/{path.parent.name}/", (path.name, prefix, iri)
            checked += 1
        elif iri.startswith(names.VOCAB_BASE):
            assert names.PREFIXES[prefix] == iri, (path.name, prefix)
            checked += 1
        else:
            assert names.PREFIXES[prefix] == iri, (path.name, prefix)
    assert checked > 40


def test_every_vocabulary_file_is_a_scheme_of_the_table() -> None:
    files = sorted(p.stem for p in (ROOT / "ontology" / "vocab").glob("*.ttl"))
    assert files == sorted(names.VOCAB_SCHEMES)


def test_both_spellings_of_a_kind_expand_alike() -> None:
    hezbollah = URIRef("https://w3id.org/stancegraph/id/armed-group/hezbollah")
    assert names.expand("armed-group:hezbollah") == hezbollah
    assert names.expand("armedgroup:hezbollah") == hezbollah
    assert names.expand("tm:rd-syria-iran/1") == URIRef(names.ID_BASE + "time/rd-syria-iran/1")
    assert names.expand("time:Instant") == URIRef("http://www.w3.org/2006/time#Instant")
    assert names.expand("unnamed-source:k/2") == names.expand("unnamed:k/2")
    assert names.expand("polarity:oppose") == URIRef(names.VOCAB_BASE + "polarity/oppose")
    with pytest.raises(KeyError, match="armed_group"):
        names.expand("armed_group:hezbollah")


def test_an_unknown_prefix_is_told_from_an_iri_and_from_text() -> None:
    assert names.looks_prefixed("armed_group:hezbollah") == "armed_group"
    assert names.looks_prefixed("https://example.org/x") is None
    assert names.looks_prefixed("Assad must go") is None
    assert names.looks_prefixed("note: this") is None  # a space after the colon: text
    assert names.is_prefixed("person:bashar-al-assad")
    assert not names.is_prefixed("persn:bashar-al-assad")


@pytest.mark.parametrize(
    ("iri", "short"),
    [
        ("https://w3id.org/stancegraph/id/person/vladimir-putin", "person/vladimir-putin"),
        ("https://w3id.org/stancegraph/id/claim/rd-syria-iran/3", "claim/rd-syria-iran/3"),
        ("https://w3id.org/stancegraph/vocab/polarity/welcome", "polarity/welcome"),
        ("https://w3id.org/stancegraph/graph/source/rd-syria-iran", "graph/source/rd-syria-iran"),
        ("https://w3id.org/stancegraph/ontology#Claim", "sg:Claim"),
        ("http://www.w3.org/ns/oa#exact", "oa:exact"),
        ("http://www.wikidata.org/entity/Q7747", "wd:Q7747"),
        ("https://w3id.org/stancegraph/shapes#ClaimShape", "sgsh:ClaimShape"),
        ("http://example.org/x", "http://example.org/x"),
        ("http://www.w3.org/ns/oa#a/b", "http://www.w3.org/ns/oa#a/b"),
    ],
)
def test_compact(iri: str, short: str) -> None:
    assert names.compact(iri) == short


def test_kind_of() -> None:
    assert names.kind_of(names.ID_BASE + "armed-group/hezbollah").segment == "armed-group"  # type: ignore[union-attr]
    assert names.kind_of(names.ID_BASE + "claim/rd-syria-iran/3").segment == "claim"  # type: ignore[union-attr]
    assert names.kind_of(names.ID_BASE + "document/rd-syria-iran") is names.DOCUMENT
    assert names.kind_of(names.ID_BASE + "claim/rd-syria-iran/0") is None
    assert names.kind_of(names.ID_BASE + "claim/hezbollah") is None
    assert names.kind_of(names.ID_BASE + "agreement/x") is None


def test_the_prefix_block_of_a_new_source_parses_and_covers_the_first_sources() -> None:
    block = names.prefix_block("new-one")
    g = Graph().parse(data=block + "claim:1 a sg:Claim .", format="turtle")
    assert (URIRef(names.ID_BASE + "claim/new-one/1"), RDF.type, URIRef(names.SG_NS + "Claim")) in g
    declared = dict(re.findall(r"^@prefix\s+([\w-]*):\s*<([^>]*)>", block, re.M))
    first = {
        prefix: iri.replace("/rd-syria-iran/", "/new-one/")
        for path, prefix, iri in data_prefixes()
        if path.parent.name == "rd-syria-iran"
    }
    assert {p: declared.get(p) for p in first} == first


# --- prefixed names where the command line reads them -------------------------------------------


def _query(*args: str) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from stancegraph.cli import cli

    result = CliRunner().invoke(cli, ["--home", str(ROOT), "query", *args])
    return result.exit_code, result.stdout, result.stderr


def test_both_spellings_of_a_kind_in_a_param_give_the_same_rows() -> None:
    code_a, rows_a, _ = _query("stances-on-target", "--param", "target=armed-group:hezbollah",
                               "--format", "csv")  # fmt: skip
    code_b, rows_b, _ = _query("stances-on-target", "--param", "target=armedgroup:hezbollah",
                               "--format", "csv")  # fmt: skip
    assert (code_a, code_b) == (0, 0)
    assert rows_a == rows_b
    assert len(rows_a.strip().splitlines()) > 1  # a header and rows


def test_an_unknown_prefix_in_a_param_is_an_error_not_text() -> None:
    code, out, err = _query("stances-on-target", "--param", "target=armed_group:hezbollah")
    assert code == 2
    assert out == ""
    assert err.startswith(
        "stancegraph: error: --param target: unknown prefix 'armed_group:' in "
        "'armed_group:hezbollah': write <https://...>"
    )
    assert len(err.strip().splitlines()) == 1


def test_a_string_param_may_hold_a_colon() -> None:
    code, _, _ = _query("claims-containing", "--param", "text=Hezbollah:", "--format", "csv")
    assert code == 0
