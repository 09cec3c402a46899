"""TripleIndex, the read-only triple set that batches of the dataset are checked on (issue #19),
answers every lookup as an rdflib graph of the same triples does."""

from __future__ import annotations

import itertools
import random

from rdflib import RDF, BNode, Graph, Literal, URIRef

from stancegraph.validate.index import TripleIndex

EX = "https://example.org/"


def _triples(seed: int) -> list[tuple]:
    rng = random.Random(seed)
    iris = [URIRef(f"{EX}{i}") for i in range(12)]
    blanks = [BNode(f"b{i}") for i in range(5)]
    preds = [RDF.type, URIRef(EX + "p"), URIRef(EX + "q")]
    objects = [*iris, *blanks, Literal("x"), Literal("x", lang="en"), Literal(3)]
    return [(rng.choice(iris + blanks), rng.choice(preds), rng.choice(objects)) for _ in range(200)]


def _graph(triples: list[tuple]) -> Graph:
    g = Graph()
    for t in triples:
        g.add(t)
    return g


def test_every_pattern_finds_what_rdflib_finds() -> None:
    triples = _triples(1)
    half = len(triples) // 2
    index = TripleIndex(triples[:half], TripleIndex(triples[half:]))  # parts, nested or not
    g = _graph(triples)
    assert len(index) == len(g)
    assert set(index) == set(g)
    terms = {x for t in triples for x in t} | {URIRef(EX + "absent")}
    for s, p, o in itertools.product([None, *terms], [None, *{t[1] for t in triples}], [None]):
        assert set(index.triples((s, p, o))) == set(g.triples((s, p, o)))
    for o in [None, *terms]:
        for p in [None, RDF.type]:
            assert set(index.triples((None, p, o))) == set(g.triples((None, p, o)))
            assert set(index.subjects(p, o)) == set(g.subjects(p, o))
        assert set(index.subject_predicates(o)) == set(g.subject_predicates(o))
    for s in terms:
        assert set(index.predicate_objects(s)) == set(g.predicate_objects(s))
        assert set(index.objects(s, RDF.type)) == set(g.objects(s, RDF.type))
        assert set(index.objects(s)) == set(g.objects(s))
        assert ((s, None, None) in index) == ((s, None, None) in g)
        found = index.value(s, RDF.type)
        assert found in set(g.objects(s, RDF.type)) or (
            found is None and g.value(s, RDF.type) is None
        )
    assert set(index.subject_objects(RDF.type)) == set(g.subject_objects(RDF.type))
    assert set(index.objects(unique=True)) == set(g.objects(unique=True))


def test_it_keeps_the_order_triples_were_given_in() -> None:
    a, b, c = (URIRef(EX + x) for x in "abc")
    index = TripleIndex([(a, RDF.type, c), (a, RDF.type, b), (a, RDF.type, c)])
    assert list(index.objects(a, RDF.type)) == [c, b]
    assert index.value(a, RDF.type) == c
    assert len(index) == 2
