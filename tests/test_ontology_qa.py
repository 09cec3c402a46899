"""The ontology checked the way an ontology QA pipeline (ROBOT ``report``) would.

Each check runs twice: on the shipped ontology (``ontology/stancegraph.ttl`` with
``ontology/vocab/*.ttl``), where it must flag nothing, and on a small bad fixture, where it must
flag exactly the planted fault, by IRI, so that a check that can never fail is caught too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL

import ontology_checks as qa
from conftest import assert_none, load, turtle
from stancegraph import safety
from stancegraph.errors import InputError
from stancegraph.sources import Project

SG = qa.SG
VOCAB = "https://w3id.org/stancegraph/vocab/"

# A complete, correct term, to show each bad fixture is flagged for its fault and nothing else.
GOOD_TERM = """
<https://w3id.org/stancegraph/ontology> a owl:Ontology .
sg:Good a owl:Class ;
    rdfs:label "good"@en ;
    skos:definition "A term with everything it needs."@en ;
    rdfs:isDefinedBy <https://w3id.org/stancegraph/ontology> .
"""


def term(name: str, *, label: str | None = None, definition: str | None = "A term.") -> str:
    lines = [f"sg:{name} a owl:Class"]
    if label is not None:
        lines.append(f'rdfs:label "{label}"@en')
    if definition is not None:
        lines.append(f'skos:definition "{definition}"@en')
    lines.append("rdfs:isDefinedBy <https://w3id.org/stancegraph/ontology>")
    return " ;\n    ".join(lines) + " .\n"


# --- parsing -----------------------------------------------------------------------------------


def test_ontology_and_vocabularies_parse(project: Project) -> None:
    files = [project.ontology_file, *project.vocab_files]
    assert project.vocab_files, "ontology/vocab/ holds no SKOS vocabulary (*.ttl)"
    for path in files:
        assert len(safety.parse_file(path)) > 0, f"{path} parsed to an empty graph"


def test_a_file_that_does_not_parse_is_reported_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "stancegraph.ttl"
    bad.write_text(f'{GOOD_TERM}\nsg:Broken a owl:Class ;\n    rdfs:label "broken"@en\n')
    with pytest.raises(InputError) as caught:
        safety.parse_file(bad)
    assert caught.value.path == str(bad)
    assert caught.value.line is not None


# --- the header --------------------------------------------------------------------------------


def test_header_is_complete(ontology_graph: Graph) -> None:
    assert_none(qa.header_problems(ontology_graph))


def test_header_check_flags_missing_and_mistyped_fields(mini_ontology_graph: Graph) -> None:
    assert qa.header_problems(mini_ontology_graph) == set()
    ont = URIRef("https://w3id.org/stancegraph/ontology")
    g = Graph() + mini_ontology_graph
    g.remove((ont, DCTERMS.description, None))
    g.set((ont, DCTERMS.license, Literal("CC BY 4.0")))  # a string, not an IRI
    g.set((ont, DCTERMS.modified, Literal("2026-01-02", lang="en")))  # not an xsd:date
    assert qa.header_problems(g) == {DCTERMS.description, DCTERMS.license, DCTERMS.modified}


def test_header_check_flags_a_missing_owl_ontology() -> None:
    assert qa.header_problems(turtle(term("Alone", label="alone"))) == {OWL.Ontology}


# --- declarations ------------------------------------------------------------------------------


def test_every_sg_term_is_declared(ontology_graph: Graph) -> None:
    assert_none(qa.undeclared_terms(ontology_graph))


def test_undeclared_check_flags_a_term_used_but_not_declared() -> None:
    g = turtle(GOOD_TERM + "sg:Good rdfs:subClassOf sg:NeverDeclared .\n")
    assert qa.undeclared_terms(g) == {SG.NeverDeclared}


# --- labels ------------------------------------------------------------------------------------


def test_every_term_has_an_english_label(ontology_graph: Graph) -> None:
    assert_none(qa.missing_label(ontology_graph))


def test_missing_label_is_flagged() -> None:
    g = turtle(GOOD_TERM + term("Unlabelled") + 'sg:French a owl:Class ; rdfs:label "fr"@fr .\n')
    assert qa.missing_label(g) == {SG.Unlabelled, SG.French}


def test_every_term_has_only_one_english_label(ontology_graph: Graph) -> None:
    assert_none(qa.multiple_labels(ontology_graph))


def test_multiple_labels_are_flagged() -> None:
    g = turtle(GOOD_TERM + term("Twice", label="twice") + 'sg:Twice rdfs:label "two times"@en .\n')
    assert qa.multiple_labels(g) == {SG.Twice}


def test_no_label_has_surrounding_whitespace(ontology_graph: Graph) -> None:
    assert_none(qa.label_whitespace(ontology_graph))


def test_label_whitespace_is_flagged() -> None:
    g = turtle(GOOD_TERM + term("Spacey", label="spacey ") + term("Lead", label=" lead"))
    assert qa.label_whitespace(g) == {SG.Spacey, SG.Lead}


def test_no_two_terms_share_a_label(ontology_graph: Graph) -> None:
    assert_none(qa.duplicate_label(ontology_graph))


def test_duplicate_labels_are_flagged() -> None:
    g = turtle(GOOD_TERM + term("Post", label="post") + term("post", label="post"))
    assert qa.duplicate_label(g) == {SG.Post, SG.post}


# --- definitions and provenance --------------------------------------------------------------


def test_every_term_has_a_definition(ontology_graph: Graph) -> None:
    assert_none(qa.missing_definition(ontology_graph))


def test_missing_definition_is_flagged() -> None:
    g = turtle(GOOD_TERM + term("Undefined", label="undefined", definition=None))
    assert qa.missing_definition(g) == {SG.Undefined}


def test_every_term_has_only_one_definition(ontology_graph: Graph) -> None:
    assert_none(qa.multiple_definitions(ontology_graph))


def test_multiple_definitions_are_flagged() -> None:
    g = turtle(
        GOOD_TERM + term("Twofold", label="twofold") + 'sg:Twofold skos:definition "Again."@en .\n'
    )
    assert qa.multiple_definitions(g) == {SG.Twofold}


def test_every_term_is_defined_by_the_ontology(ontology_graph: Graph) -> None:
    assert_none(qa.missing_is_defined_by(ontology_graph))


def test_missing_is_defined_by_is_flagged() -> None:
    g = turtle(GOOD_TERM + 'sg:Orphan a owl:ObjectProperty ; rdfs:label "orphan"@en .\n')
    assert qa.missing_is_defined_by(g) == {SG.Orphan}


# --- SKOS vocabularies ---------------------------------------------------------------------------


def test_vocabularies_hold_concepts(ontology_graph: Graph) -> None:
    assert qa.concepts(ontology_graph), "no skos:Concept in ontology/vocab/*.ttl"


def test_every_concept_has_one_english_pref_label(ontology_graph: Graph) -> None:
    assert_none(qa.concept_pref_label_problems(ontology_graph))


def test_every_concept_has_a_definition(ontology_graph: Graph) -> None:
    assert_none(qa.concept_missing_definition(ontology_graph))


def test_every_concept_is_in_a_scheme(ontology_graph: Graph) -> None:
    assert_none(qa.concept_missing_scheme(ontology_graph))


def test_every_scheme_has_top_concepts(ontology_graph: Graph) -> None:
    assert_none(qa.scheme_without_top_concepts(ontology_graph))


BAD_SCHEMES = """
@prefix v: <https://w3id.org/stancegraph/vocab/bad/> .
<https://w3id.org/stancegraph/vocab/bad> a skos:ConceptScheme ; skos:hasTopConcept v:fine .
<https://w3id.org/stancegraph/vocab/topless> a skos:ConceptScheme .
v:fine a skos:Concept ; skos:prefLabel "fine"@en ; skos:definition "Fine."@en ;
    skos:inScheme <https://w3id.org/stancegraph/vocab/bad> .
v:nolabel a skos:Concept ; skos:definition "No label."@en ;
    skos:inScheme <https://w3id.org/stancegraph/vocab/bad> .
v:twolabels a skos:Concept ; skos:prefLabel "one"@en , "two"@en ; skos:definition "Two."@en ;
    skos:inScheme <https://w3id.org/stancegraph/vocab/bad> .
v:undefined a skos:Concept ; skos:prefLabel "undefined"@en ;
    skos:inScheme <https://w3id.org/stancegraph/vocab/bad> .
v:homeless a skos:Concept ; skos:prefLabel "homeless"@en ; skos:definition "No scheme."@en .
"""


def test_skos_checks_flag_each_bad_concept_and_scheme(mini_ontology_graph: Graph) -> None:
    for check in (
        qa.concept_pref_label_problems,
        qa.concept_missing_definition,
        qa.concept_missing_scheme,
        qa.scheme_without_top_concepts,
    ):
        assert check(mini_ontology_graph) == set(), check.__name__
    g = turtle(BAD_SCHEMES)
    v = VOCAB + "bad/"
    assert qa.concept_pref_label_problems(g) == {URIRef(v + "nolabel"), URIRef(v + "twolabels")}
    assert qa.concept_missing_definition(g) == {URIRef(v + "undefined")}
    assert qa.concept_missing_scheme(g) == {URIRef(v + "homeless")}
    assert qa.scheme_without_top_concepts(g) == {URIRef(VOCAB + "topless")}


# --- hierarchy ---------------------------------------------------------------------------------


def test_no_subclass_cycles(ontology_graph: Graph) -> None:
    assert_none(qa.subclass_cycles(ontology_graph))


def test_no_subproperty_cycles(ontology_graph: Graph) -> None:
    assert_none(qa.subproperty_cycles(ontology_graph))


def test_subclass_cycles_are_flagged() -> None:
    g = turtle(
        GOOD_TERM
        + "sg:A rdfs:subClassOf sg:B . sg:B rdfs:subClassOf sg:C . sg:C rdfs:subClassOf sg:A .\n"
        + "sg:D rdfs:subClassOf sg:A . sg:Good rdfs:subClassOf sg:Good .\n"
    )
    assert qa.subclass_cycles(g) == {SG.A, SG.B, SG.C}


# --- no sg: term used elsewhere without being declared ----------------------------------------


def project_users(project: Project) -> tuple[dict[Path, Graph], dict[Path, str]]:
    """Graphs of every data, seed-description and shapes file, and the text of every query."""
    root = project.root
    rdf_files = [
        *project.data_files,
        *sorted(project.seeds_dir.glob("*.ttl")),
        *project.shapes_files,
    ]
    graphs = {p.relative_to(root): safety.parse_file(p) for p in rdf_files}
    queries = {p.relative_to(root): p.read_text(encoding="utf-8") for p in project.query_files}
    return graphs, queries


def test_no_undeclared_sg_term_is_used_in_data_shapes_or_queries(
    project: Project, ontology_graph: Graph
) -> None:
    graphs, queries = project_users(project)
    assert graphs, "no data, seed description or shapes file to check"
    assert_none(qa.undeclared_uses(qa.declared_terms(ontology_graph), graphs, queries))


def test_undeclared_use_check_flags_data_and_queries(mini: Project) -> None:
    declared = qa.declared_terms(load([mini.ontology_file]))
    graphs, queries = project_users(mini)
    assert graphs and queries
    assert qa.undeclared_uses(declared, graphs, queries) == set()

    graphs[Path("data/mini/extra.ttl")] = turtle(
        "<https://w3id.org/stancegraph/id/claim/mini/9> a sg:Rumour ; sg:whispers sg:Claim ."
    )
    queries[Path("queries/extra.rq")] = (
        "PREFIX sg: <https://w3id.org/stancegraph/ontology#>\n"
        "SELECT ?x WHERE { ?x sg:assertedBy/sg:memberOf ?y ; a sg:Claim . "
        "FILTER NOT EXISTS { ?x sg:retractedBy ?z } VALUES ?k { sg:Kind } }"
    )
    assert qa.undeclared_uses(declared, graphs, queries) == {
        ("data/mini/extra.ttl", SG.Rumour),
        ("data/mini/extra.ttl", SG.whispers),
        ("queries/extra.rq", SG.memberOf),
        ("queries/extra.rq", SG.retractedBy),
        ("queries/extra.rq", SG.Kind),
    }
