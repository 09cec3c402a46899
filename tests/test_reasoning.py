"""Ontology and data together are consistent under two OWL reasoners.

* the OWL 2 RL closure (owlrl), which reports a clash by adding ``[] a err:ErrorMessage ;
  err:error "..."`` to the graph (namespace ``owlrl.Namespaces.ERRNS``) or by typing something
  ``owl:Nothing``;
* HermiT, an OWL 2 DL reasoner, run by owlready2 on the machine's Java.

Each has a negative twin: an individual typed with two disjoint classes must be caught.
"""

from __future__ import annotations

from pathlib import Path

import owlready2
import owlrl
import pytest
from owlrl.Namespaces import ERRNS
from rdflib import RDF, Graph
from rdflib.namespace import OWL

from conftest import all_model_and_data, load, turtle
from stancegraph.sources import Project

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


def hermit_verdict(g: Graph, workdir: Path) -> tuple[bool, list[str]]:
    """Run HermiT on ``g``: (consistent?, unsatisfiable classes).

    The graph goes to owlready2 as a local N-Triples file (nothing is fetched). xsd:date and
    xsd:gYearMonth are not in the OWL 2 datatype map, so HermiT is told to ignore unsupported
    datatypes rather than refuse the data that uses them.
    """
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
