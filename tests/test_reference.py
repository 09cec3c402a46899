"""The records in reference/ that the data cites (the verified Wikidata identifiers, the article's
external metadata) are in the repository, and the data says what they say: a Wikidata link only
for an identifier verified there, with the confidence recorded there; each publication fact with
the page it was read on."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDFS, SKOS, XSD

from conftest import ROOT, load
from stancegraph.names import SG_NS
from stancegraph.sources import Project

SG = Namespace(SG_NS)
WD = "http://www.wikidata.org/entity/"


def rows(name: str) -> list[dict[str, str]]:
    lines = (ROOT / "reference" / name).read_text(encoding="utf-8").splitlines()
    return list(csv.DictReader((x for x in lines if not x.startswith("#")), delimiter="\t"))


def data(project: Project) -> Graph:
    files: list[Path] = [project.actors_file]
    for source in project.sources:
        files.extend(source.rdf_files)
    return load(files)


def test_every_wikidata_link_is_verified_with_its_confidence(project: Project) -> None:
    table = rows("wikidata.tsv")
    verified = {row["qid"]: row["confidence"] for row in table}
    assert len(verified) == 21, sorted(verified)
    # a note can name a second verified item: "the Government of Iran is a separate item,
    # Q16052369 (one source)"
    for row in table:
        for qid, confidence in re.findall(r"(Q\d+) \((one|two) sources?\)", row["note"] or ""):
            verified[qid] = confidence
    assert verified["Q16052369"] == "one"
    g = data(project)
    links = {
        (s, str(o).removeprefix(WD))
        for s, o in g.subject_objects(SKOS.exactMatch)
        if str(o).startswith(WD)
    }
    assert links, "no Wikidata links in data/"
    assert sorted(q for _, q in links if q not in verified) == []
    sources = {}
    for axiom in g.subjects(OWL.annotatedProperty, SKOS.exactMatch):
        target = str(g.value(axiom, OWL.annotatedTarget)).removeprefix(WD)
        sources[(g.value(axiom, OWL.annotatedSource), target)] = g.value(
            axiom, SG.independentSources
        )
    words = {"one": 1, "two": 2}
    assert {link: int(sources[link]) for link in links} == {
        link: words[verified[link[1]]] for link in links
    }


def test_every_publication_fact_is_recorded_with_the_page_it_was_read_on(
    project: Project,
) -> None:
    facts = {row["field"]: row["value"] for row in rows("source-metadata.tsv")}
    g = data(project)
    doc = URIRef("https://w3id.org/stancegraph/id/document/rd-syria-iran")
    records = set(g.subjects(SG.describes, doc))
    assert records

    def recorded(prop: URIRef, value: object) -> set[URIRef]:
        return {r for r in records if (r, prop, value) in g}

    url = URIRef(facts["url"])
    reprint = URIRef(facts["reprint"])
    (title,) = recorded(DCTERMS.title, Literal(facts["title"], lang="en"))
    assert (title, PROV.wasDerivedFrom, url) in g
    (issued,) = recorded(DCTERMS.issued, Literal(facts["issued"], datatype=XSD.date))
    assert (issued, PROV.wasDerivedFrom, reprint) in g
    (author,) = [r for r in records if g.value(r, DCTERMS.creator) is not None]
    assert g.value(g.value(author, DCTERMS.creator), RDFS.label) == Literal(
        facts["author"], lang="en"
    )
    assert (author, PROV.wasDerivedFrom, reprint) in g
    (publisher,) = [r for r in records if (r, PROV.wasDerivedFrom, url) in g and r != title]
    assert str(g.value(g.value(publisher, DCTERMS.publisher), RDFS.label)) == facts["publisher"]
