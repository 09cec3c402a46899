"""The SHACL shapes themselves: complete, consistent with the ontology, and written for people.

Each shape's behaviour on good and bad data is tested by the example contributions
(test_validate_contributions.py) and the mutation test (test_validate_mutation.py); here, what
can be said of the shapes as files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.namespace import OWL, SKOS

from stancegraph import safety, shacl, validate
from stancegraph.sources import Project, find_project
from validate_support import CONTRIBUTIONS, FIXTURE, KEY, ROOT, _case, make_project

SH = Namespace("http://www.w3.org/ns/shacl#")
SG = Namespace("https://w3id.org/stancegraph/ontology#")
SHAPES_NS = "https://w3id.org/stancegraph/shapes"
#: Secondary types that ride along with a shaped primary type (a document is an sg:SourceDocument
#: and a schema:OpinionNewsArticle); owl:Axiom nodes are targeted by sg:independentSources.
UNSHAPED = {
    URIRef("https://schema.org/OpinionNewsArticle"),
    URIRef("https://schema.org/NewsArticle"),
    OWL.Axiom,
}
#: The only advice (sh:Warning) the shapes give: everything else is an error.
WARNINGS = {
    ("ClaimShape", "https://w3id.org/stancegraph/ontology#concernsIssue"),
    ("DirectQuoteRule", "https://w3id.org/stancegraph/ontology#verbatim"),
    ("PrivateStanceRule", None),
}


@pytest.fixture(scope="module")
def real() -> Project:
    return find_project(home=ROOT)


@pytest.fixture(scope="module")
def shapes(real: Project) -> Graph:
    assert real.shapes_files, "no shapes in ontology/shapes/"
    g = Graph()
    for path in real.shapes_files:
        safety.parse_file(path, graph=g)
    return g


@pytest.fixture(scope="module")
def ontology(real: Project) -> Graph:
    return safety.parse_file(real.ontology_file)


@pytest.fixture(scope="module")
def vocab(real: Project) -> Graph:
    g = Graph()
    for path in real.vocab_files:
        safety.parse_file(path, graph=g)
    return g


def data_files(real: Project) -> list[Path]:
    files = [*real.data_files, *sorted(real.seeds_dir.glob("*.ttl"))]
    files += sorted(FIXTURE.rglob("*.ttl"))
    files += sorted((CONTRIBUTIONS / "good").rglob("*.ttl"))
    return files


TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.target)


def constraint_shapes(shapes: Graph) -> list:
    """Shapes with targets, and their property shapes: what produces findings of its own."""
    found = []
    for shape in set(shapes.subjects(RDF.type, SH.NodeShape)):
        if any((shape, t, None) in shapes for t in TARGETS):
            found.append(shape)
            found.extend(shapes.objects(shape, SH.property))
    return found


def test_a_shape_for_every_class_the_data_uses(
    real: Project, shapes: Graph, ontology: Graph
) -> None:
    data = Graph()
    for path in data_files(real):
        safety.parse_file(path, graph=data)
    targeted = set(shapes.objects(None, SH.targetClass))
    missing = []
    for cls in sorted(set(data.objects(None, RDF.type)), key=str):
        supers = {cls, *ontology.transitive_objects(cls, RDFS.subClassOf)}
        if cls not in UNSHAPED and not supers & targeted:
            missing.append(cls)
    assert not missing, f"classes used in the data with no shape: {missing}"


def test_every_class_of_the_ontology_with_instances_in_mind_is_targeted(
    shapes: Graph, ontology: Graph
) -> None:
    """Every own class of the ontology is targeted, directly or through a superclass."""
    targeted = set(shapes.objects(None, SH.targetClass))
    missing = [
        c
        for c in ontology.subjects(RDF.type, OWL.Class)
        if str(c).startswith(str(SG))
        and not ({c, *ontology.transitive_objects(c, RDFS.subClassOf)} & targeted)
    ]
    assert not missing, f"ontology classes no shape targets: {sorted(missing)}"


def test_every_disjointness_axiom_has_its_shape(shapes: Graph, ontology: Graph) -> None:
    have = {
        (target, shapes.value(shapes.value(s, SH["not"]), SH["class"]))
        for s in shapes.subjects(SH["not"], None)
        for target in shapes.objects(s, SH.targetClass)
    }
    missing = [(a, b) for a, b in ontology.subject_objects(OWL.disjointWith) if (a, b) not in have]
    assert not missing, f"owl:disjointWith axioms without a shape: {missing}"


def test_every_scheme_has_a_membership_shape_and_every_concept_property_uses_one(
    shapes: Graph, ontology: Graph, vocab: Graph
) -> None:
    schemes = set(vocab.subjects(RDF.type, SKOS.ConceptScheme))
    member_shapes = {
        shapes.value(p, SH.hasValue): s
        for s, p in shapes.subject_objects(SH.property)
        if shapes.value(p, SH.path) == SKOS.inScheme and shapes.value(p, SH.hasValue) is not None
    }
    assert schemes - {URIRef("https://w3id.org/stancegraph/vocab/cameo")} <= set(member_shapes)
    concept_props = set(ontology.subjects(RDFS.range, SKOS.Concept)) | {
        URIRef("http://www.w3.org/ns/org#role"),
        URIRef("http://www.w3.org/ns/prov#hadRole"),
    }
    with_node = {
        shapes.value(p, SH.path)
        for p in shapes.objects(None, SH.property)
        if shapes.value(p, SH.node) in set(member_shapes.values())
    }
    missing = sorted(concept_props - with_node)
    assert not missing, f"properties with concept values but no scheme check: {missing}"


def test_every_constraint_has_an_actionable_message(shapes: Graph) -> None:
    bad = []
    for shape in constraint_shapes(shapes):
        messages = [str(m) for m in shapes.objects(shape, SH.message)]
        for sparql in shapes.objects(shape, SH.sparql):
            messages += [str(m) for m in shapes.objects(sparql, SH.message)]
        if (shape, SH.path, None) in shapes and not messages:
            bad.append((shape, "no sh:message"))
        for m in messages:
            if " Fix: " not in m or len(m.split(" Fix: ")[1]) < 10:
                bad.append((shape, m))
    assert not bad, "\n".join(map(str, bad))


def test_messages_are_english_and_language_tagged(shapes: Graph) -> None:
    for m in shapes.objects(None, SH.message):
        assert getattr(m, "language", None) == "en", m


def test_sparql_declares_its_prefixes(shapes: Graph) -> None:
    for node in set(shapes.subjects(SH.select, None)):
        assert shapes.value(node, SH.prefixes) == URIRef(SHAPES_NS), node


def test_warnings_are_only_advice(shapes: Graph) -> None:
    found = set()
    for node in shapes.subjects(SH.severity, SH.Warning):
        holder = shapes.value(predicate=SH.property, object=node) or shapes.value(
            predicate=SH.sparql, object=node
        )
        name = str(holder).split("#")[-1]
        path = shapes.value(node, SH.path)
        found.add(
            (
                name,
                str(path)
                if path is not None
                and holder is not None
                and shapes.value(predicate=SH.property, object=node) is not None
                else None,
            )
        )
    assert found == WARNINGS
    for node in shapes.subjects(SH.severity, SH.Warning):
        message = str(shapes.value(node, SH.message))
        assert message.startswith("Advice:"), message


def test_shapes_are_in_their_own_namespace(shapes: Graph) -> None:
    for shape in shapes.subjects(RDF.type, SH.NodeShape):
        assert str(shape).startswith(SHAPES_NS + "#"), shape


# --------------------------------------------------------------------------------------------
# Fidelity to the words (issue #18): each new rule on one bad and one good encoding of the
# article's statements (tests/fixtures/fidelity/), through `stancegraph validate` on both engines


FIDELITY = FIXTURE.parent / "fidelity"
ENGINES = ["pyshacl"] + (["jena"] if shacl.jena_problem() is None else [])


def _finding_rows(report: validate.Report) -> list[tuple]:
    return [(f.key(), f.severity, f.message, f.fix, f.line) for f in report.findings]


@pytest.fixture(scope="module")
def fidelity_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The validation fixture project with bad.ttl or good.ttl added to its source, validated
    by each engine."""
    reports: dict[str, dict] = {}
    for name in ("bad", "good"):
        home = make_project(tmp_path_factory.mktemp(f"fidelity-{name}"))
        shutil.copy(FIDELITY / f"{name}.ttl", home / "data" / KEY / f"fidelity-{name}.ttl")
        project = find_project(home=home)
        reports[name] = {e: validate.validate_dataset(project, engine=e) for e in ENGINES}
    return reports


@pytest.mark.parametrize("name", ["bad", "good"])
def test_fidelity_rules_give_exactly_their_findings(fidelity_reports: dict, name: str) -> None:
    """Issue #18: a hedged relation as own-voice plain triple, a denied relation as plain triple,
    "may" with certainty certain, "reportedly" claimed by the author, an open question with a
    certainty and a stance read from it unmarked, a bare number called exact, "mid-February"
    bounded by the whole month, an unnamed source of the wrong kind and without a reporter, a
    reporter committed to "according to", an unstated stance attributed by no one, "around 20"
    without its number, a proposition with object and value, what unnamed estimates say
    attributed to the author: each is found, and nothing else;
    the good encodings of the same words give no finding."""
    case = _case(FIDELITY / f"{name}.ttl", (FIDELITY / f"{name}.ttl").read_text(encoding="utf-8"))
    report = fidelity_reports[name]["pyshacl"]
    assert report.conforms is (case.exit == 0)
    assert report.keys() == set(case.expected), (
        f"missing: {sorted(set(case.expected) - report.keys())}\n"
        f"unexpected: {sorted(report.keys() - set(case.expected))}"
    )
    assert all(f.is_violation for f in report.findings)


@pytest.mark.skipif(
    len(ENGINES) < 2,
    reason="Apache Jena cannot run here (apt-get install default-jdk-headless libapache-jena-java)",
)
@pytest.mark.parametrize("name", ["bad", "good"])
def test_fidelity_rules_are_the_same_on_jena(fidelity_reports: dict, name: str) -> None:
    reports = fidelity_reports[name]
    assert _finding_rows(reports["jena"]) == _finding_rows(reports["pyshacl"])


def test_every_hedge_concept_maps_to_certainty_by_its_kind(vocab: Graph) -> None:
    """The one mapping from hedge words to certainty: every epistemic hedge caps the certainty,
    every evidential one sets the reporter's, approximators and boosters do neither."""
    hedge = Namespace("https://w3id.org/stancegraph/vocab/hedge/")
    kinds = {}
    for concept in vocab.subjects(SKOS.inScheme, URIRef(str(hedge)[:-1])):
        supers = set(vocab.transitive_objects(concept, SKOS.broader)) - {concept}
        groups = ("epistemic", "evidential", "approximator", "conditional", "boosting")
        kind = next((k for k in groups if hedge[k] in supers), None)
        if kind:
            kinds[str(concept).rsplit("/", 1)[1]] = (
                kind,
                vocab.value(concept, SG.certaintyAtMost) is not None,
                vocab.value(concept, SG.impliesReporterCertainty) is not None,
            )  # fmt: skip
    assert kinds["modal-may"] == ("epistemic", True, False)
    assert kinds["reportedly"] == ("evidential", False, True)
    assert kinds["approximation"] == ("approximator", False, False)
    for name, (kind, caps, reports) in kinds.items():
        assert caps is (kind == "epistemic"), name
        assert reports is (kind == "evidential"), name
