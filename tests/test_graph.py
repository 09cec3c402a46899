"""stancegraph.graph: one named graph per layer, as docs/architecture.md lays them out."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from stancegraph import graph, safety
from stancegraph.sources import Project

G = "https://w3id.org/stancegraph/graph/"


def test_each_layer_is_its_own_named_graph(mini: Project) -> None:
    dataset = graph.assemble(mini)
    named = graph.named_graphs(dataset)
    assert set(named) == {
        URIRef(G + "ontology"),
        URIRef(G + "vocab"),
        URIRef(G + "shapes"),
        URIRef(G + "actors"),
        URIRef(G + "source/mini"),
    }
    expected = {
        "ontology": [mini.ontology_file],
        "vocab": mini.vocab_files,
        "shapes": mini.shapes_files,
        "actors": [mini.actors_file],
        "source/mini": mini.sources[0].rdf_files,
    }
    for layer, files in expected.items():
        alone = Graph()
        for path in files:
            safety.parse_file(path, graph=alone)
        assert isomorphic(named[URIRef(G + layer)], alone), layer


def test_the_union_holds_every_triple_once(mini: Project) -> None:
    dataset = graph.assemble(mini)
    union = graph.union_graph(dataset)
    assert set(union) == {t for g in graph.named_graphs(dataset).values() for t in g}


def test_counts_follow_subclasses(mini: Project) -> None:
    dataset = graph.assemble(mini)
    # sg:Forecast is a subclass of sg:Claim; sg:MediaOrganization of sg:Organization of sg:Actor.
    assert graph.entity_counts(dataset) == {"actors": 3, "claims": 2, "stances": 1, "events": 1}


def test_ontology_version_and_source_description(mini: Project) -> None:
    summary = graph.summarize(mini)
    assert summary.ontology_version == "0.0.1"
    (source,) = summary.sources
    assert (source.title, source.publisher) == ("A mini article", "Daily Example")
    assert source.document == URIRef("https://w3id.org/stancegraph/id/document/mini")


def test_the_checkout_assembles(project: Project) -> None:
    dataset = graph.assemble(project)
    named = graph.named_graphs(dataset)
    assert len(named[graph.ONTOLOGY_GRAPH]) > 0
    assert len(named[graph.VOCAB_GRAPH]) > 0
    for source in project.sources:
        assert len(named[graph.source_graph_iri(source.key)]) > 0, source.key
