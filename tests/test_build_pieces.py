"""``build`` in worker processes and in pieces (issue #19): the canonical labels computed on
N-Triples text are those of the term objects, and the files written by workers, graph by graph
and in runs of subjects, are byte for byte those of one process."""

from __future__ import annotations

import random
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef

from stancegraph import build, graph, store
from test_build_streaming import files_of, project_with_blank_nodes

EX = "http://example.org/"
P, Q = URIRef(EX + "p"), URIRef(EX + "q")
IRI = URIRef(graph.GRAPH_BASE + "source/mini")


def shapes() -> dict[str, list[tuple[object, object, object]]]:
    """Graphs whose blank nodes are hard to tell apart, or whose text looks like a label."""
    a, b, c, d = (f"n{i}" for i in range(4))
    s = URIRef(EX + "s")
    return {
        "a tree": [(s, P, a), (a, P, b), (a, P, c), (b, Q, Literal("x")), (c, Q, Literal("x"))],
        "a ring": [(a, P, b), (b, P, c), (c, P, d), (d, P, a)],
        "a loop": [(a, P, a), (a, Q, Literal("one"))],
        "labels in literals": [
            (a, P, Literal("_:c14n0 .")),
            (s, P, Literal("ends _:c14n1")),
            (s, Q, Literal("_:c14n2", lang="en")),
            (a, Q, b),
            (s, P, Literal("no blank node, _:x", datatype=URIRef(EX + "t"))),
        ],
        "alike leaves": [(s, P, a), (s, P, b), (s, P, c), (a, Q, d), (b, Q, d), (c, Q, d)],
        "alike selectors": [(URIRef(f"{EX}a{i % 3}"), P, f"x{i}") for i in range(30)]
        + [(f"x{i}", Q, Literal(i % 4)) for i in range(30)],
        "a chain": [(f"c{i}", P, f"c{i + 1}") for i in range(60)],
    }


def nt_of(triples: list[tuple[object, object, object]], seed: int) -> tuple[list, bytes]:
    """The triples with fresh blank nodes, shuffled, and as pyoxigraph's N-Triples."""
    nodes: dict[str, BNode] = {}
    made = [
        tuple(nodes.setdefault(x, BNode()) if type(x) is str else x for x in t) for t in triples
    ]
    random.Random(seed).shuffle(made)
    oxi = [ox.Triple(*(graph.to_oxigraph(x) for x in t)) for t in made]  # type: ignore[arg-type]
    return made, ox.serialize(oxi, format=ox.RdfFormat.N_TRIPLES)


@pytest.mark.parametrize("budget", [build.RDFC_BUDGET, -1])
@pytest.mark.parametrize("shape", list(shapes()))
def test_labels_on_the_text_are_those_of_the_terms(
    shape: str, budget: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """canonical_lines (on N-Triples text) gives the lines canonical_triples (on rdflib terms)
    gives, by RDFC-1.0 and, over the budget, by refinement; and the same in any order."""
    monkeypatch.setattr(build, "RDFC_BUDGET", budget)
    salt = build.graph_salt(IRI)
    found = set()
    for seed in range(4):
        terms, text = nt_of(shapes()[shape], seed)
        lines = build.canonical_lines(text, IRI)
        expected = sorted(
            " ".join(n.n3() for n in t) + f" <{IRI}> .\n"
            for t in build.canonical_triples(terms, salt)  # type: ignore[arg-type]
        )
        assert [line.decode("utf-8") for line in lines] == expected
        found.add(tuple(lines))
    assert len(found) == 1


@pytest.mark.parametrize("shape", list(shapes()))
def test_the_cost_on_the_text_is_that_of_the_terms(shape: str) -> None:
    terms, text = nt_of(shapes()[shape], 0)
    split = [build._split_nt(line) for line in text.splitlines(keepends=True) if b"_:" in line]
    first = build._first_degree_lines(split)
    assert sorted(first.values()) == sorted(build._first_degree(terms).values())  # type: ignore[arg-type]
    near = build._neighbours_lines(split)
    cost = build.rdfc_cost(terms)  # type: ignore[arg-type]
    assert build._cost(first, near) == cost
    # counted only where two blank nodes are linked: else the cost is at most one a line
    linked = any(isinstance(t[0], BNode) and isinstance(t[2], BNode) for t in terms)
    lines = [line for line in text.splitlines(keepends=True) if b"_:" in line]
    assert build._cheap(lines) == (not linked)
    if not linked:
        assert cost <= len(lines)


def test_workers_and_pieces_write_the_same_bytes_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the store, with two workers, Turtle in runs of three subjects or so and sorted runs
    of seven lines: the files of the build in one process, byte for byte."""
    project = project_with_blank_nodes(tmp_path)
    store.load_embedded(project)
    monkeypatch.setenv(build.WORKERS_ENV, "1")
    build.build(project, tmp_path / "one")
    monkeypatch.setenv(build.WORKERS_ENV, "2")
    monkeypatch.setattr(build, "TURTLE_LINES", 3)
    monkeypatch.setattr(build, "RUN_LINES", 7)
    build.build(project, tmp_path / "two")
    one = files_of(tmp_path / "one")
    assert one == files_of(tmp_path / "two")
    trig = one["stancegraph.trig"].decode("utf-8")
    assert trig.count("@prefix ") == trig.splitlines().index(f"<{graph.ONTOLOGY_GRAPH}> {{")


def test_pieces_put_together_are_what_one_writer_writes() -> None:
    """What the build relies on: pyoxigraph's TriG and JSON-LD of a dataset are the pieces of
    each graph (prefix lines once, graph objects joined by commas), its Turtle the pieces of
    each run of subjects."""
    text = (
        f'<{EX}a> <{EX}p> "x" <{EX}g1> .\n<{EX}a> <{EX}p> _:b <{EX}g1> .\n'
        f"_:b <{EX}q> <{EX}c> <{EX}g1> .\n<{EX}a> <{EX}q> <{EX}d> <{EX}g2> .\n"
        f'<{EX}e> <{EX}p> "y"@en <{EX}g2> .\n'
    ).encode()
    quads = list(ox.parse(text, format=ox.RdfFormat.N_QUADS))
    prefixes = {"ex": EX, "unused": "http://unused.example/"}
    whole = ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes)
    parts = [
        build._split_header(ox.serialize(q, format=ox.RdfFormat.TRIG, prefixes=prefixes), 2)
        for q in (quads[:3], quads[3:])
    ]
    assert whole == parts[0][0] + parts[0][1] + parts[1][1]
    jsonld = [ox.serialize(q, format=ox.RdfFormat.JSON_LD) for q in (quads[:3], quads[3:])]
    assert (
        ox.serialize(quads, format=ox.RdfFormat.JSON_LD)
        == b"[" + b",".join(j[1:-1] for j in jsonld) + b"]"
    )
    triples = [q.triple for q in quads]
    whole = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    head, first = build._split_header(
        ox.serialize(triples[:2], format=ox.RdfFormat.TURTLE, prefixes=prefixes), 2
    )
    _, rest = build._split_header(
        ox.serialize(triples[2:], format=ox.RdfFormat.TURTLE, prefixes=prefixes), 2
    )
    assert whole == head + first + rest
