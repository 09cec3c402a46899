"""The checks a shape cannot make, one module each, run in the order of :data:`CHECKS`.

A check is a function ``check(ctx, out)``: it reads the :class:`~stancegraph.validate.context.
Context` (the data graph, the nodes under check, the verified seed texts) and adds each finding to
``out`` (:class:`~stancegraph.validate.context.Collector`) under its check id, which reports and
tests use (``anchor-quote``; ``check:anchor-quote`` in the Turtle report). To add one: write the
function in a new module here and add it to :data:`CHECKS`.
"""

from __future__ import annotations

from collections.abc import Callable

from stancegraph.validate.checks.actor_duplicate import check_actor_duplicates
from stancegraph.validate.checks.anchor_quotes import check_anchors
from stancegraph.validate.checks.claim_verbatim import check_verbatim
from stancegraph.validate.checks.dangling_reference import check_dangling
from stancegraph.validate.checks.document_seed import check_documents
from stancegraph.validate.checks.event_time import check_event_times
from stancegraph.validate.checks.iri_defined_twice import check_defined_twice
from stancegraph.validate.checks.iri_kind import check_kinds
from stancegraph.validate.checks.iri_minting import check_minting
from stancegraph.validate.checks.iri_reused import check_reuse
from stancegraph.validate.checks.iri_source import check_source_key
from stancegraph.validate.checks.literal_form import check_literals
from stancegraph.validate.checks.ontology_term import check_ontology_terms
from stancegraph.validate.checks.text_withheld import check_withheld_texts
from stancegraph.validate.checks.unknown_term import check_unknown_terms
from stancegraph.validate.context import Collector, Context

Check = Callable[[Context, Collector], None]

#: Every check beyond SHACL, in the order they run (findings are then sorted by file and line).
CHECKS: tuple[Check, ...] = (
    check_withheld_texts,  # first: a wrong copy given with --texts stops the run (exit 2)
    check_anchors,
    check_verbatim,
    check_documents,
    check_ontology_terms,
    check_unknown_terms,
    check_minting,
    check_kinds,
    check_literals,
    check_source_key,
    check_reuse,
    check_defined_twice,
    check_dangling,
    check_actor_duplicates,
    check_event_times,
)
