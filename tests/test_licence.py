"""The licences (issue #20): MIT for the code, CC-BY-4.0 for the statements we wrote, and the
source texts, which are not ours to license, said apart in pyproject.toml, the README and the
VoID that `stancegraph build` writes."""

from __future__ import annotations

import shutil
import tomllib
from importlib.metadata import metadata
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import DCTERMS

from stancegraph import build, graph, safety
from stancegraph.sources import find_project

ROOT = Path(__file__).resolve().parents[1]
DCAT = build.DCAT
SPDX = build.SPDX
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
DOC = URIRef("https://w3id.org/stancegraph/id/document/rd-syria-iran")
RUSSIA_DIRECT = URIRef("https://w3id.org/stancegraph/id/media/russia-direct")


def test_the_code_is_mit() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) 2026 the stancegraph contributors\n")
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert (project["license"], project["license-files"]) == ("MIT", ["LICENSE"])
    assert metadata("stancegraph")["License-Expression"] == "MIT"  # as installed


def test_pyproject_states_the_data_licence_and_the_texts_status() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    licence = meta["tool"]["stancegraph"]["licence"]
    assert licence["code"] == meta["project"]["license"] == "MIT"
    assert licence["data"] == "CC-BY-4.0"
    assert URIRef(licence["data-url"]) == build.LICENSE == CC_BY
    assert licence["source-texts"].startswith("not licensed by stancegraph")


def test_the_readme_says_whose_each_part_is() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Licence\n", 1)[1].split("\n## ", 1)[0]
    assert "| the code: `src/`, `scripts/`, `tests/` | MIT ([LICENSE](LICENSE)) |" in section
    assert "[CC-BY-4.0](https://creativecommons.org/licenses/by/4.0/)" in section
    assert (
        "| the source texts, `seeds/*.txt` | **not ours to license**: each is its author's and "
        "publisher's; the first, `rd-syria-iran`, is Russia Direct's |"
    ) in section


@pytest.fixture(scope="module")
def void(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    """The VoID of this project's own build (the first article)."""
    out = tmp_path_factory.mktemp("dist")
    build.build(find_project(home=ROOT), out)
    return safety.parse_file(out / build.METADATA_FILE)


def test_void_licenses_our_statements_and_says_what_that_leaves_out(void: Graph) -> None:
    d = build.DATASET
    assert set(void.objects(d, DCTERMS.license)) == {CC_BY}
    (rights,) = void.objects(d, DCTERMS.rights)
    assert rights == build.STATEMENTS_RIGHTS
    assert (rights, RDF.type, DCTERMS.RightsStatement) in void
    assert str(void.value(rights, RDFS.label)).startswith(
        "CC-BY-4.0 covers what the stancegraph contributors wrote"
    )
    assert "It does not cover the words of the source texts" in str(void.value(rights, RDFS.label))
    files = set(void.objects(d, DCAT.distribution))
    assert {str(void.value(f, DCTERMS.identifier)) for f in files} == set(build.DATA_FILES)
    for f in files:  # the dataset's files: our statements, and the rights statement with them
        assert set(void.objects(f, DCTERMS.license)) == {CC_BY}
        assert set(void.objects(f, DCTERMS.rights)) == {build.STATEMENTS_RIGHTS}


def test_void_gives_the_source_text_its_own_rights_and_no_licence_of_ours(void: Graph) -> None:
    assert (build.DATASET, DCTERMS.source, DOC) in void
    assert (DOC, RDF.type, DCAT.Dataset) in void
    assert void.value(DOC, DCTERMS.rightsHolder) == RUSSIA_DIRECT
    assert set(void.objects(DOC, DCTERMS.license)) == set()
    (text,) = void.objects(DOC, DCAT.distribution)
    assert text == URIRef(build.DISTRIBUTION_BASE + "text/rd-syria-iran")
    assert text not in set(void.objects(build.DATASET, DCAT.distribution))  # not in our files
    assert str(void.value(text, DCTERMS.identifier)) == "seeds/rd-syria-iran.txt"
    assert set(void.objects(text, DCTERMS.license)) == set()
    assert void.value(text, DCTERMS.rightsHolder) == RUSSIA_DIRECT
    (statement,) = void.objects(text, DCTERMS.rights)
    assert set(void.objects(DOC, DCTERMS.rights)) == {statement}
    assert statement != build.STATEMENTS_RIGHTS
    assert (statement, RDF.type, DCTERMS.RightsStatement) in void
    assert str(void.value(statement, RDFS.label)) == (
        "The text of source rd-syria-iran (seeds/rd-syria-iran.txt) is the work of its author "
        "and its publisher, Russia Direct, and is not ours to license: neither CC-BY-4.0 (our "
        "statements) nor the code's licence applies to it. It is not in the dataset's files; "
        "where the project keeps it, it is kept byte for byte so that every anchor can be "
        "checked against it; for any other use, ask the rights holder."
    )
    checksum = void.value(text, SPDX.checksum)
    project = find_project(home=ROOT)
    seed = graph.assemble(project).graph(graph.source_graph_iri("rd-syria-iran"))
    assert str(void.value(checksum, SPDX.checksumValue)) == str(seed.value(DOC, graph.SG.sha256))


CC_BY_SA = URIRef("https://creativecommons.org/licenses/by-sa/4.0/")
MINI_DOC = URIRef("https://w3id.org/stancegraph/id/document/mini")


@pytest.mark.parametrize("stated", [None, CC_BY_SA])
def test_a_licence_the_source_states_is_the_texts_and_no_other(
    tmp_path: Path, stated: URIRef | None
) -> None:
    """The mini fixture's description names no seed file (its text is seeds/mini.txt) and no
    licence; with ``dcterms:license`` on its document, the text carries that one."""
    home = tmp_path / "mini"
    shutil.copytree(ROOT / "tests" / "fixtures" / "mini", home)
    if stated is not None:
        seed = home / "seeds" / "mini.ttl"
        text = seed.read_text(encoding="utf-8")
        head, _, tail = text.rpartition(" .\n")  # the document's block ends the file
        seed.write_text(f"{head} ;\n    dcterms:license <{stated}> .\n{tail}", encoding="utf-8")
    build.build(find_project(home=home), tmp_path / "dist")
    void = safety.parse_file(tmp_path / "dist" / build.METADATA_FILE)
    (text_dist,) = void.objects(MINI_DOC, DCAT.distribution)
    assert str(void.value(text_dist, DCTERMS.identifier)) == "seeds/mini.txt"
    expected = set() if stated is None else {stated}
    assert set(void.objects(text_dist, DCTERMS.license)) == expected
    assert set(void.objects(MINI_DOC, DCTERMS.license)) == expected
    terms = "is not ours to license" if stated is None else f"published under {stated}, which"
    label = str(void.value(void.value(text_dist, DCTERMS.rights), RDFS.label))
    assert label.startswith(
        "The text of source mini (seeds/mini.txt) is the work of its author and its publisher, "
        f"Daily Example, and {terms}"
    )
    assert set(void.objects(build.DATASET, DCTERMS.license)) == {CC_BY}  # ours, unchanged
