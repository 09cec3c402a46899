"""``event-time`` (a warning): an event whose time the timeline cannot place, and nothing in the
data says why.

The ``timeline`` query places an event by the bounds of its time (``sg:earliest``,
``sg:latest``; one is enough). Two cases are warned about:

* an event with a time node that has neither a bound nor a date (``time:inXSD...``), such as
  "after the talks" with only ``time:after``, or a duration: it is left out of the timeline
  without a word;
* an event with no ``time:hasTime`` at all, unless the data says why (:data:`ANSWERS`): the source
  states no time for it (``sg:timeNotStated true``), or gives it one only relative to something
  else: an order relative to another event (``sg:followed`` or ``sg:subEventOf`` another, or
  another event's ``sg:ledTo`` it), its length alone (``sg:duration``), or, for a forecast, the
  horizon of the claim that asserts it (``sg:horizon``).
"""

from __future__ import annotations

from rdflib import RDF, Literal, URIRef

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
#: What answers the warning about an event without time:hasTime (see the module docstring).
ANSWERS = "sg:timeNotStated, sg:followed, sg:subEventOf, sg:duration, sg:horizon"


def _answered(ctx: Context, event: URIRef) -> bool:
    """Whether the data says why ``event`` has no time (see :data:`ANSWERS`)."""
    data = ctx.data
    if any(
        isinstance(v, Literal) and v.toPython() is True
        for v in data.objects(event, SG.timeNotStated)
    ):
        return True
    if any((event, p, None) in data for p in (SG.followed, SG.subEventOf, SG.duration)):
        return True
    if (None, SG.ledTo, event) in data:
        return True
    return any((claim, SG.horizon, None) in data for claim in data.subjects(SG.asserts, event))


def check_event_times(ctx: Context, out: Collector) -> None:
    """Events under check whose every time has neither a bound nor a date, and events with no
    time that nothing in the data accounts for."""
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
            if _answered(ctx, event):
                continue
            out.add(
                "event-time",
                event,
                TIME.hasTime,
                None,
                f"{shorten(event)} has no time (time:hasTime), and nothing says why: the "
                "timeline cannot show it.",
                "give it the time the text states (time:hasTime and a time node with "
                "sg:earliest, sg:latest); if the text orders it after another event, say so "
                "(sg:followed); if the text states no time for it at all, say so: "
                "sg:timeNotStated true.",
                WARNING,
            )
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
