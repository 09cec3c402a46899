"""The ``timeline`` query shows an event whose time has one bound only (issue #16: it used to
drop it without a word): "from" a day with no end, "until" a day with no start, each placed by
the bound it has, the other column empty."""

from __future__ import annotations

from rdflib import Dataset, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

from stancegraph import queries
from stancegraph.sources import Project

SG = Namespace("https://w3id.org/stancegraph/ontology#")
TIME = Namespace("http://www.w3.org/2006/time#")
EVENT = "https://w3id.org/stancegraph/id/event/example/"
T = "https://w3id.org/stancegraph/id/time/example/"


def _day(text: str) -> Literal:
    return Literal(text, datatype=XSD.date)


def test_events_with_one_bound_are_placed_by_it(project: Project) -> None:
    data = Dataset()
    g = data.graph(URIRef("https://w3id.org/stancegraph/graph/source/example"))
    times = {
        "1": {SG.earliest: "2016-03-14"},  # "after the announcement": from, no end
        "2": {SG.latest: "2016-03-10"},  # "by Mar. 10": until, no start
        "3": {SG.earliest: "2016-03-12", SG.latest: "2016-03-12"},
        "4": {},  # no bound: not on the timeline
    }
    for n, bounds in times.items():
        event, time = URIRef(EVENT + n), URIRef(T + n)
        g.add((event, RDF.type, SG.Event))
        g.add((event, TIME.hasTime, time))
        for prop, day in bounds.items():
            g.add((time, prop, _day(day)))
    saved = queries.read_query(project.queries_dir / "timeline.rq")
    answer = queries.run(saved, queries.OxigraphEngine(store=queries.memory_store(data)))
    columns = answer.variables
    rows = [dict(zip(columns, row, strict=True)) for row in answer.rows]
    assert [(r["event"], r["earliest"], r["latest"]) for r in rows] == [
        (URIRef(EVENT + "2"), None, _day("2016-03-10")),
        (URIRef(EVENT + "3"), _day("2016-03-12"), _day("2016-03-12")),
        (URIRef(EVENT + "1"), _day("2016-03-14"), None),
    ]
