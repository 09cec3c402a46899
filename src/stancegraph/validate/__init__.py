"""The contribution gate: SHACL shapes plus the checks a shape cannot make.

Two entry points:

* :func:`validate_dataset` - the whole project (ontology, vocabularies, actors, every source)
  against ``ontology/shapes/*.ttl``; CI runs this.
* :func:`validate_contribution` - files or folders a contributor brings (Turtle, TriG,
  N-Triples, JSON-LD), checked together with the ontology and the existing data they refer to,
  reporting only findings about the contribution's own nodes.

A contribution is validated with the contribution plus only the context it references, never the
whole corpus: the IRIs it uses say by the minting rule (docs/architecture.md) where they are
defined - shared things in ``data/actors.ttl``, things of source ``<key>`` in ``seeds/<key>.ttl``
and ``data/<key>/`` - so only those files are read, and only the triples about the referenced
IRIs are kept. SHACL validates that small graph and only the findings about the
contribution's own nodes are reported: the cost follows the size of the contribution and of the
few files it points into, not the size of the corpus.

SHACL runs on pySHACL or Apache Jena (:mod:`stancegraph.shacl`; the same findings, Jena for
large data), with no inference, no ``owl:imports`` and SHACL-AF enabled (for SPARQL-based
constraints); the ontology and vocabularies are part of the data graph so that ``sh:class`` sees
subclasses and ``sh:node`` sees ``skos:inScheme``. The data graph is a read-only view of its parts
(the triples under check, the context they reference, the model), never copied but for pySHACL.
Beyond SHACL (each with a check id that reports and tests use):

==================== =====================================================================
``text-withheld``    (warning) the text of a source is withheld (``dcterms:accessRights
                     text-access:withheld``) and no copy was given with ``--texts DIR``: the
                     anchors into it that could not be verified (a copy whose SHA-256 is not
                     the description's is exit 2)
``anchor-quote``     an anchor's ``oa:exact`` does not occur in its seed text at all
``anchor-offsets``   ``oa:start``..``oa:end`` do not hold ``oa:exact`` (the quote is elsewhere)
``anchor-prefix``    ``oa:prefix`` / ``oa:suffix`` are not the words around the span
``anchor-ambiguous`` (warning) the quote occurs several times and no ``oa:prefix`` says which
``claim-verbatim``   a claim's ``sg:verbatim`` is not in the text of its source
``document-seed``    a document's ``sg:seedFile`` / ``sg:sha256`` / ``sg:characterCount`` do not
                     match its seed file
``ontology-term``    a contribution adds triples about an ontology, vocabulary or shapes term
``unknown-term``     a class, property or concept in our namespaces that the ontology and
                     vocabularies do not define (a typo such as ``sg:claimnt``)
``iri-minting``      a new IRI that does not follow the minting rule
``iri-kind``         an IRI minted for a kind (``id/claim/...``) whose node is not of that
                     kind's class (:data:`KIND_CLASSES`: ``sg:Claim``)
``iri-source``       a thing of source A (id/<kind>/A/<n>) anchored in the document of source B
``iri-reused``       an IRI that already names a different thing in the existing data
``iri-defined-twice`` one IRI of a source typed by two subject blocks of the contribution
                     (one number given to two things), with both places and the next free
                     number (the MaxCount and UniqueLang findings it explains are dropped)
``dangling-reference`` a link to an ``id/`` IRI that is defined nowhere
``literal-form``     a typed literal whose text is not a value of its datatype
                     (``"2016-02-30"^^xsd:date``, ``"abc"^^xsd:integer``, a number too long to
                     read)
``actor-duplicate``  a new actor with the label or Wikidata item of another (a warning for a
                     near label), unless ``owl:differentFrom`` says they differ
``event-time``       (warning) an event whose time has neither a date nor a bound
                     (``sg:earliest``/``sg:latest``): the timeline cannot show it
==================== =====================================================================

The package, one job per module (imports point down this list):

* :mod:`~stancegraph.validate.run` - the entry points above: SHACL and the checks on one
  context, merged into a report;
* :mod:`~stancegraph.validate.checks` - the checks beyond SHACL, one module and one function
  each, and :data:`~stancegraph.validate.checks.CHECKS`, the list they run in;
* :mod:`~stancegraph.validate.context` - what the checks share: the model (ontology,
  vocabularies, shapes) and the context of one validation (dataset or contribution);
* :mod:`~stancegraph.validate.index` - the read-only, indexed triple set that the batches of a
  large dataset are checked on (in place of rdflib graphs);
* :mod:`~stancegraph.validate.reading` - reading the files and seed texts, and finding the line
  of a finding's node;
* :mod:`~stancegraph.validate.minting` - the minting rule: IRI kinds, patterns, classes;
* :mod:`~stancegraph.validate.report` - findings, reports and their renderings (text, JSON,
  Turtle).
"""

from stancegraph.validate.checks import CHECKS
from stancegraph.validate.context import (
    Collector,
    Context,
    Model,
    context_files,
    contribution_context,
    data_graph,
    dataset_context,
    load_model,
    without,
)
from stancegraph.validate.minting import (
    DOCUMENT_IRI,
    ID_NS,
    KIND_CLASSES,
    ONTOLOGY_NS,
    SHAPES_NS,
    SHARED_IRI,
    SHARED_KINDS,
    SOURCE_IRI,
    SOURCE_KINDS,
    VOCAB_NS,
)
from stancegraph.validate.reading import (
    CONTRIBUTION_EXTENSIONS,
    SourceFile,
    collect_files,
    find_line,
    load_seeds,
    read_dataset_files,
    read_file,
)
from stancegraph.validate.report import (
    CHECK_NS,
    INFO,
    PREFIXES,
    SH,
    VIOLATION,
    WARNING,
    Finding,
    Report,
    describe,
    named_ancestor,
    render_text,
    short_component,
    shorten,
    split_message,
    summary_line,
    to_graph,
    to_json,
    to_turtle,
)
from stancegraph.validate.run import (
    finish,
    shacl_findings,
    validate_contribution,
    validate_dataset,
)

__all__ = [
    "CHECKS",
    "CHECK_NS",
    "CONTRIBUTION_EXTENSIONS",
    "DOCUMENT_IRI",
    "ID_NS",
    "INFO",
    "KIND_CLASSES",
    "ONTOLOGY_NS",
    "PREFIXES",
    "SH",
    "SHAPES_NS",
    "SHARED_IRI",
    "SHARED_KINDS",
    "SOURCE_IRI",
    "SOURCE_KINDS",
    "VIOLATION",
    "VOCAB_NS",
    "WARNING",
    "Collector",
    "Context",
    "Finding",
    "Model",
    "Report",
    "SourceFile",
    "collect_files",
    "context_files",
    "contribution_context",
    "data_graph",
    "dataset_context",
    "describe",
    "find_line",
    "finish",
    "load_model",
    "load_seeds",
    "named_ancestor",
    "read_dataset_files",
    "read_file",
    "render_text",
    "shacl_findings",
    "short_component",
    "shorten",
    "split_message",
    "summary_line",
    "to_graph",
    "to_json",
    "to_turtle",
    "validate_contribution",
    "validate_dataset",
    "without",
]
