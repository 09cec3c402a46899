"""``event-time`` (a warning): an event whose time the timeline cannot place.

The ``timeline`` query places an event by the bounds of its time (``sg:earliest``,
``sg:latest``; one is enough). An event with a time node that has neither a bound nor a date
(``time:inXSD...``), such as "after the talks" with only ``time:after``, or a duration, is left
out of it without a word; this check says so. An event with no ``time:hasTime`` at all is not
reported: the text gives it no time (16 of the 30 events of rd-syria-iran), and nothing in the
data can answer such a warning.
"""

from __future__ import annotations

from rdflib import RDF, URIRef

from stancegraph.validate.checks.common import subclasses
from stancegraph.validate.context import Collector, Context
from stancegraph.validate.minting import SG, TIME
from stancegraph.validate.report import WARNING, shorten

#: What places a time on the timeline: its bounds, or a date (which the shapes then require
#: bounds for).
BOUNDS = (SG.earliest, SG.latest)
DATES = (
    TIME.inXSDDate,
    TIME.inXSDDateTime,
    TIME.inXSDDateTimeStamp,
    TIME.inXSDgYear,
    TIME.inXSDgYearMonth,
)


def check_event_times(ctx: Context, out: Collector) -> None:
    """Events under check whose every time has neither a bound nor a date."""
    classes = subclasses(ctx.model.ontology, SG.Event) | {SG.Event}
    events = {
        s
        for s, p, o in ctx.checked_triples
        if p == RDF.type and o in classes and isinstance(s, URIRef) and s in ctx.focus
    }
    data = ctx.data
    for event in sorted(events, key=str):
        times = sorted(data.objects(event, TIME.hasTime), key=str)
        if not times:
            continue
        if any((t, p, None) in data for t in times for p in (*BOUNDS, *DATES)):
            continue
        out.add(
            "event-time",
            event,
            TIME.hasTime,
            times[0],
            f"{shorten(event)} has a time ({', '.join(shorten(t) for t in times)}) with neither "
            "a date nor a bound (sg:earliest, sg:latest): the timeline cannot show it.",
            "give the time the first day it can fall on (sg:earliest), the last (sg:latest), or "
            'both, as xsd:date; a time the text relates to another ("after the announcement") '
            "takes that one's day as its bound.",
            WARNING,
        )
