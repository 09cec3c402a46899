"""Ontology and data together are consistent under two OWL reasoners.

* the OWL 2 RL closure (owlrl), which reports a clash by adding ``[] a err:ErrorMessage ;
  err:error "..."`` to the graph (namespace ``owlrl.Namespaces.ERRNS``) or by typing something
  ``owl:Nothing``;
* HermiT, an OWL 2 DL reasoner, run by owlready2 on the machine's Java.

Each has a negative twin: an individual typed with two disjoint classes must be caught.

And no entailment beats an attribution (issue #18): the OWL 2 RL closure of ontology and data
holds no triple that a claim in the data denies, or that only someone's claim (or a hedged
statement) asserts, unless the article also states it unhedged in its own voice. Property
characteristics (symmetric, transitive, inverse) are kept only where that holds: declared
symmetric, sg:alliedWith turned the author's "Russia allied with Iran" into Velayati's
announced "Iran allied with Russia".
"""

from __future__ import annotations

import shutil
from pathlib import Path

import owlready2
import owlrl
import pytest
from owlrl.Namespaces import ERRNS
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, SKOS

from conftest import all_model_and_data, load, turtle
from stancegraph.sources import Project

SG = Namespace("https://w3id.org/stancegraph/ontology#")
HEDGING = URIRef("https://w3id.org/stancegraph/vocab/hedge/hedging")
ID = "https://w3id.org/stancegraph/id/"

CLASH = """
<https://w3id.org/stancegraph/id/person/janus> a sg:Person , sg:Organization .
"""


def owlrl_clashes(g: Graph) -> list[str]:
    """Expand ``g`` in place to its OWL 2 RL closure; the clashes found, as messages."""
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(g)
    messages = [str(m) for m in g.objects(None, ERRNS.error)]
    messages += [f"{s} is of type owl:Nothing" for s in g.subjects(RDF.type, OWL.Nothing)]
    return sorted(messages)


def closure(g: Graph) -> Graph:
    """A copy of ``g`` expanded to its OWL 2 RL closure."""
    out = Graph() + g
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(out)
    return out


def attribution_breaches(g: Graph) -> set[tuple[str, str, str]]:
    """Triples of ``g`` (a closure) that the data reports as denied, disputed or only someone
    else's assertion: the (subject, property, object) of a proposition a claim asserts negated
    (a denial), or of a relation statement not in the article's own voice (someone's claim, or
    hedged), when no unhedged, undenied relation statement in own voice states the same."""

    def parts(node: object) -> tuple[object, object, object] | None:
        s, p, o = (
            g.value(node, SG[k]) for k in ("relationSubject", "relationProperty", "relationObject")
        )
        return (s, p, o) if None not in (s, p, o) else None

    def hedged(node: object) -> bool:
        return any(
            HEDGING in set(g.transitive_objects(h, SKOS.broader)) - {h}
            for h in g.objects(node, SG.hedge)
        )

    denied = {
        parts(n)
        for n in g.subjects(SG.negated, Literal(True))
        if (None, SG.asserts, n) in g and parts(n)
    }
    own, others = set(), set()
    for node in set(g.subjects(SG.relationProperty, None)):
        triple = parts(node)
        if triple is None or (node, SG.negated, Literal(True)) in g:
            continue
        if (node, SG.statedInOwnVoice, Literal(True)) in g and not hedged(node):
            own.add(triple)
        elif (node, RDF.type, SG.Relation) in g:
            others.add(triple)
    found = {t for t in denied if t in g}
    found |= {t for t in others - own - denied if t in g}
    short = lambda term: str(term).removeprefix(ID).removeprefix(str(SG))  # noqa: E731
    return {tuple(map(short, t)) for t in found}


def hermit_verdict(g: Graph, workdir: Path) -> tuple[bool, list[str]]:
    """Run HermiT on ``g``: (consistent?, unsatisfiable classes).

    The graph goes to owlready2 as a local N-Triples file (nothing is fetched). xsd:date and
    xsd:gYearMonth are not in the OWL 2 datatype map, so HermiT is told to ignore unsupported
    datatypes rather than refuse the data that uses them.
    """
    if shutil.which(owlready2.JAVA_EXE) is None:
        pytest.skip("HermiT needs a Java runtime (apt-get install default-jdk-headless)")
    path = workdir / "ontology-and-data.nt"
    g.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    world.get_ontology(path.as_uri()).load()
    try:
        owlready2.sync_reasoner_hermit(
            world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
        )
        unsatisfiable = {str(c.iri) for c in world.inconsistent_classes()} - {str(OWL.Nothing)}
        return True, sorted(unsatisfiable)
    except owlready2.OwlReadyInconsistentOntologyError:
        return False, []
    finally:
        world.close()


@pytest.fixture(scope="module")
def model_and_data(project: Project) -> Graph:
    assert project.actors_file.is_file(), (
        f"{project.actors_file} is missing: the reasoners would check the ontology alone"
    )
    return load(all_model_and_data(project))


def test_owl_rl_closure_finds_no_clash(model_and_data: Graph) -> None:
    assert owlrl_clashes(Graph() + model_and_data) == []


@pytest.fixture(scope="module")
def model_and_data_closure(model_and_data: Graph) -> Graph:
    return closure(model_and_data)


def test_no_entailment_beats_an_attribution(model_and_data_closure: Graph) -> None:
    """Issue #18: no triple the reasoner derives (or the data asserts) is one the article only
    reports as someone's claim, hedges, or reports as denied (Velayati's announced alliance,
    "to some extent", "denied any such ties")."""
    assert attribution_breaches(model_and_data_closure) == set()


RUSSIA = "<https://w3id.org/stancegraph/id/state/russia>"
IRAN = "<https://w3id.org/stancegraph/id/state/iran>"
HEZBOLLAH = "<https://w3id.org/stancegraph/id/armed-group/hezbollah>"
CLAIM = "<https://w3id.org/stancegraph/id/claim/t/1>"

#: The author's "Russia allied with Iran" (own voice, a plain triple) and Velayati's announced
#: alliance as a relation that is only his claim, stated the other way round.
ATTRIBUTED_ALLIANCE = f"""
<https://w3id.org/stancegraph/id/relation/t/1> a sg:Relation ;
    sg:relationSubject {RUSSIA} ; sg:relationProperty sg:alliedWith ; sg:relationObject {IRAN} ;
    sg:statedInOwnVoice true .
{RUSSIA} sg:alliedWith {IRAN} .
<https://w3id.org/stancegraph/id/relation/t/2> a sg:Relation ;
    sg:relationSubject {IRAN} ; sg:relationProperty sg:alliedWith ; sg:relationObject {RUSSIA} ;
    sg:statedInOwnVoice false ; sg:assertedBy {CLAIM} .
"""

#: "denied any such ties": the denial asserts the alliance, negated.
DENIED_TIES = f"""
<https://w3id.org/stancegraph/id/proposition/t/1> a sg:Proposition ;
    sg:relationSubject {RUSSIA} ; sg:relationProperty sg:alliedWith ;
    sg:relationObject {HEZBOLLAH} ; sg:negated true .
{CLAIM} a sg:Claim ; sg:asserts <https://w3id.org/stancegraph/id/proposition/t/1> .
"""


def test_a_symmetric_alliance_would_turn_the_authors_words_into_velayatis(
    ontology_graph: Graph,
) -> None:
    """The author states "Russia allied with Iran"; Velayati's announced alliance, a claim only,
    says "Iran allied with Russia". Declared symmetric, as before issue #18, sg:alliedWith
    entails the claim as fact."""
    data = ontology_graph + turtle(ATTRIBUTED_ALLIANCE)
    assert attribution_breaches(closure(data)) == set()
    symmetric = data + turtle("sg:alliedWith a owl:SymmetricProperty .")
    assert attribution_breaches(closure(symmetric)) == {
        ("state/iran", "alliedWith", "state/russia")
    }


def test_a_denied_relation_stated_as_a_plain_triple_is_caught(ontology_graph: Graph) -> None:
    """Russian officials "denied any such ties": the alliance with Hezbollah as a plain triple,
    as before issue #18, states as fact what the text reports as denied."""
    data = ontology_graph + turtle(DENIED_TIES)
    assert attribution_breaches(closure(data)) == set()
    plain = data + turtle(f"{RUSSIA} sg:alliedWith {HEZBOLLAH} .")
    assert attribution_breaches(closure(plain)) == {
        ("state/russia", "alliedWith", "armed-group/hezbollah")
    }


def test_owl_rl_closure_catches_disjoint_types(mini: Project) -> None:
    g = load(all_model_and_data(mini))
    assert owlrl_clashes(Graph() + g) == []
    clashes = owlrl_clashes(g + turtle(CLASH))
    assert clashes, "owlrl found no clash in an individual typed with two disjoint classes"
    assert any("janus" in m for m in clashes)


@pytest.mark.slow
def test_hermit_finds_ontology_and_data_consistent(model_and_data: Graph, tmp_path: Path) -> None:
    consistent, unsatisfiable = hermit_verdict(model_and_data, tmp_path)
    assert consistent, "HermiT: the ontology and data are inconsistent"
    assert unsatisfiable == [], f"HermiT: unsatisfiable classes {unsatisfiable}"


@pytest.mark.slow
def test_hermit_catches_disjoint_types(mini: Project, tmp_path: Path) -> None:
    g = load(all_model_and_data(mini))
    assert hermit_verdict(g, tmp_path) == (True, [])
    consistent, _ = hermit_verdict(g + turtle(CLASH), tmp_path)
    assert not consistent, "HermiT accepted an individual typed with two disjoint classes"


@pytest.mark.slow
def test_hermit_reports_unsatisfiable_classes(mini: Project, tmp_path: Path) -> None:
    g = load(all_model_and_data(mini)) + turtle(
        "sg:Cyborg a owl:Class ; rdfs:subClassOf sg:Person , sg:Organization .\n"
    )
    consistent, unsatisfiable = hermit_verdict(g, tmp_path)
    assert consistent
    assert unsatisfiable == ["https://w3id.org/stancegraph/ontology#Cyborg"]
