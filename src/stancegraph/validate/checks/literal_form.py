"""``literal-form``: a typed literal's text is a value of its datatype."""

from __future__ import annotations

import sys

from rdflib import Literal
from rdflib.namespace import XSD

from stancegraph.validate.checks.common import quote
from stancegraph.validate.context import Collector, Context
from stancegraph.validate.report import shorten

_INTEGER_TYPES = frozenset(
    XSD[name]
    for name in [
        "integer",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    ]
)


def check_literals(ctx: Context, out: Collector) -> None:
    """A typed literal's text is a value of its datatype (rdflib could read it)."""
    for s, p, o in ctx.checked_triples:
        if not isinstance(o, Literal) or o.ill_typed is not True or s not in ctx.focus:
            continue
        text = str(o)
        datatype = shorten(o.datatype)
        digits = len(text.strip().lstrip("+-"))
        most = sys.get_int_max_str_digits()
        if o.datatype in _INTEGER_TYPES and digits > most and text.strip().lstrip("+-").isdigit():
            problem = f"is a number of {digits} digits; stancegraph reads at most {most}"
        else:
            problem = f"is not a valid {datatype}"
        out.add(
            "literal-form",
            s,
            p,
            o,
            f"{quote(text)}^^{datatype} {problem}.",
            'write the value in the form its datatype requires (an xsd:date is "2016-03-14", '
            "an xsd:integer 42 without quotes), or correct the datatype.",
        )
