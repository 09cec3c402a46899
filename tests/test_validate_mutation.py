"""Mutation test: break the data one way at a time and check that validation notices every time.

Starting from the real data (or, before it lands, the realistic fixture), three kinds of mutant:

* remove a required property: for each node and each property the modelling patterns
  (ontology/README.md) make required for its class, drop that property's triples;
* corrupt a datatype: each typed literal becomes a plain string, each language-tagged literal of
  a property whose range is rdf:langString loses its tag, each plain string of a property whose
  range is xsd:string gains one;
* swap a class-constrained link: each link to a typed node is pointed at a node of an
  incompatible kind (an actor for an anchor, a claim for an actor, a concept of another scheme
  for a concept), except on the properties whose range is open by design (listed below).

A mutant is caught when a violation appears about that node and that property that was not there
before. Mutants of different nodes are independent, so each validation run carries one mutant
per node; the share caught is printed, and every mutant must be caught.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib import namespace as ns
from rdflib.term import Node

from stancegraph import validate
from stancegraph.sources import find_project
from validate_support import ROOT, make_project

SG = Namespace("https://w3id.org/stancegraph/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
PROV = Namespace("http://www.w3.org/ns/prov#")
ORG = Namespace("http://www.w3.org/ns/org#")
TIME = Namespace("http://www.w3.org/2006/time#")
SCHEMA = Namespace("https://schema.org/")

#: What the modelling patterns (ontology/README.md) require of each class: the specification the
#: shapes are tested against, written independently of them.
REQUIRED: dict[URIRef, list[URIRef]] = {
    SG.Claim: [SG.claimant, SG.claimKind, SG.reportingMode, SG.paraphrase, SG.anchor],
    SG.Stance: [SG.holder, SG.target, SG.polarity, SG.expression, SG.anchor],
    SG.Event: [RDFS.label, SG.eventType, SG.eventStatus, SG.anchor],
    SG.Relation: [
        SG.relationSubject, SG.relationProperty, SG.relationObject, SG.statedInOwnVoice, SG.anchor,
    ],
    SG.Quantity: [SCHEMA.value, SG.countedThing, SG.anchor],
    SG.Proposition: [SG.relationSubject, SG.relationProperty, SG.paraphrase, SG.anchor],
    SG.UnnamedSource: [RDFS.label, SG.sourceKind, SG.anchor],
    SG.QuantityChange: [SG.fromQuantity, SG.toQuantity, SG.anchor],
    SG.Mention: [SG.refersTo, SG.anchor],
    ORG.Membership: [ORG.member, ORG.organization, SG.anchor],
    ORG.Post: [RDFS.label, ORG.postIn, ORG.role],
    SG.Person: [RDFS.label], SG.State: [RDFS.label], SG.Government: [RDFS.label, SG.governmentOf],
    SG.GovernmentBody: [RDFS.label], SG.StateArmedForce: [RDFS.label, SG.forceOf],
    SG.ArmedGroup: [RDFS.label], SG.MediaOrganization: [RDFS.label],
    SG.IntergovernmentalForum: [RDFS.label], SG.CollectiveActor: [RDFS.label],
    SG.Place: [RDFS.label], SG.Issue: [RDFS.label], SG.Equipment: [RDFS.label],
    OA.SpecificResource: [OA.hasSource, OA.hasSelector],
    OA.TextQuoteSelector: [OA.exact],
    OA.TextPositionSelector: [OA.start, OA.end],
    TIME.Instant: [SG.precision], TIME.ProperInterval: [SG.precision],
    TIME.Duration: [SG.precision, TIME.numericDuration, TIME.unitType],
    PROV.Association: [PROV.agent, PROV.hadRole],
    SG.SourceDocument: [SG.seedFile, SG.sha256, SG.characterCount],
    # prov:wasDerivedFrom or sg:readIn, either (an sh:or: a finding on the node, with no path,
    # which this test's one-property criterion cannot see; tests/test_corpus.py holds it)
    SG.ExternalMetadata: [SG.describes],
}  # fmt: skip

#: Links whose object may be of any kind, by design: what a claim is about, what a stance targets,
#: what a mention refers to, the two ends of a stated relation, what a claim or stance responds to;
#: and links out of the project (provenance, publishers, annotated axioms).
OPEN_PROPERTIES = {
    SG.about, SG.target, SG.refersTo, SG.relationSubject, SG.relationObject, SG.respondsTo,
    RDF.type, PROV.wasDerivedFrom, ns.OWL.annotatedSource, ns.OWL.annotatedTarget,
    ns.SKOS.exactMatch, SCHEMA.publisher, SCHEMA.url, URIRef("http://purl.org/dc/terms/publisher"),
    URIRef("http://purl.org/dc/terms/creator"), RDFS.seeAlso, SCHEMA.about, SCHEMA.mentions,
}  # fmt: skip


@dataclass(frozen=True)
class Mutant:
    kind: str
    focus: Node
    path: URIRef
    remove: tuple[tuple[Node, Node, Node], ...]
    add: tuple[tuple[Node, Node, Node], ...]

    def __str__(self) -> str:
        return f"{self.kind}: {validate.shorten(self.focus)} {validate.shorten(self.path)}"


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> validate.Context:
    real = find_project(home=ROOT)
    if any(real.seeds_dir.glob("*.ttl")):
        return validate.dataset_context(real)
    return validate.dataset_context(find_project(home=make_project(tmp_path_factory.mktemp("p"))))


def _types(g: Graph, node: Node) -> set[Node]:
    return set(g.objects(node, RDF.type))


def mutants(ctx: validate.Context) -> list[Mutant]:
    data, ontology = ctx.checked, ctx.model.ontology
    out: list[Mutant] = []
    # -- remove each required property
    for cls, props in REQUIRED.items():
        for node in sorted(set(data.subjects(RDF.type, cls)), key=str):
            for prop in props:
                triples = tuple(data.triples((node, prop, None)))
                if triples:
                    out.append(Mutant("remove-required", node, prop, triples, ()))
    # -- corrupt each datatype
    ranges = {p: r for p, r in ontology.subject_objects(RDFS.range)}
    for s, p, o in sorted(data, key=str):
        if not isinstance(o, Literal):
            continue
        if o.datatype is not None and o.datatype != ns.XSD.string:
            bad = Literal(f"not a {validate.shorten(o.datatype)}: {o}")
        elif o.language and (
            ranges.get(p) == RDF.langString or p in (RDFS.label, ns.SKOS.altLabel)
        ):
            bad = Literal(str(o))
        elif not o.language and ranges.get(p) == ns.XSD.string:
            bad = Literal(str(o), lang="en")
        else:
            continue
        out.append(Mutant("corrupt-datatype", s, p, ((s, p, o),), ((s, p, bad),)))
    # -- swap each class-constrained link
    graph = ctx.data
    actor = next(iter(sorted(graph.subjects(RDF.type, SG.Person), key=str)))
    claim = next(iter(sorted(graph.subjects(RDF.type, SG.Claim), key=str)))
    schemes = defaultdict(list)
    for concept, scheme in graph.subject_objects(ns.SKOS.inScheme):
        schemes[scheme].append(concept)
    for s, p, o in sorted(data, key=str):
        if p in OPEN_PROPERTIES or not isinstance(o, URIRef) or not _types(graph, o):
            continue
        types = _types(graph, o)
        if ns.SKOS.Concept in types:
            own = set(graph.objects(o, ns.SKOS.inScheme))
            other = sorted(k for k in schemes if k not in own)[0]
            replacement = sorted(schemes[other], key=str)[0]
        elif any(str(t).startswith(str(SG)) and _is_actor(ontology, t) for t in types):
            replacement = claim
        else:
            replacement = actor
        out.append(Mutant("swap-link", s, p, ((s, p, o),), ((s, p, replacement),)))
    return out


def _is_actor(ontology: Graph, cls: Node) -> bool:
    return SG.Actor in set(ontology.transitive_objects(cls, RDFS.subClassOf))


def violations(ctx: validate.Context) -> set[tuple[Node, Node]]:
    ctx.checked_triples = list(ctx.checked)  # the checks scan this list of the mutated triples
    ctx.__dict__.pop("checked_subjects", None)
    report = validate.finish(ctx, "pyshacl", "dataset")
    return {(f.focus, f.path) for f in report.findings if f.is_violation}


#: The validation rounds are shared between this file and test_validate_mutation_odd.py (the
#: even rounds here, the odd ones there), so that the suite's workers (one file each, --dist
#: loadfile) run them side by side: in one file this was the suite's last test by minutes.
SHARDS = 2


@pytest.mark.slow
def test_every_mutant_is_caught(start: validate.Context) -> None:
    every_mutant_is_caught(start, shard=0)


def every_mutant_is_caught(start: validate.Context, shard: int) -> None:
    """The rounds ``i`` with ``i % SHARDS == shard``: each mutant of those rounds is caught."""
    ctx = start
    baseline = violations(ctx)
    all_mutants = mutants(ctx)
    assert len(all_mutants) > 100
    per_node: dict[Node, list[Mutant]] = defaultdict(list)
    for m in all_mutants:
        per_node[m.focus].append(m)
    rounds = max(len(ms) for ms in per_node.values())
    assert rounds >= SHARDS, "every shard has rounds to run"
    missed: list[Mutant] = []
    tried: list[Mutant] = []
    for i in range(shard, rounds, SHARDS):
        batch = [ms[i] for ms in per_node.values() if i < len(ms)]
        for m in batch:  # ctx.data is a view of ctx.checked and the model
            for t in m.remove:
                ctx.checked.remove(t)
            for t in m.add:
                ctx.checked.add(t)
        try:
            found = violations(ctx)
        finally:
            for m in batch:
                for t in m.add:
                    ctx.checked.remove(t)
                for t in m.remove:
                    ctx.checked.add(t)
        missed.extend(m for m in batch if (m.focus, m.path) not in found - baseline)
        tried.extend(batch)
    kinds = defaultdict(lambda: [0, 0])
    for m in tried:
        kinds[m.kind][0] += 1
    for m in missed:
        kinds[m.kind][1] += 1
    lines = [
        f"{kind}: {total - miss}/{total} caught ({100 * (total - miss) / total:.1f}%)"
        for kind, (total, miss) in sorted(kinds.items())
    ]
    caught = len(tried) - len(missed)
    lines.append(
        f"shard {shard}: {caught}/{len(tried)} of {len(all_mutants)} mutants caught "
        f"({100 * caught / len(tried):.1f}%) in {len(range(shard, rounds, SHARDS))} of {rounds} "
        "validation runs"
    )
    print("\n" + "\n".join(lines))
    assert not missed, "missed mutants:\n" + "\n".join(f"  {m}" for m in missed[:60])


def test_mutants_cover_every_kind(start: validate.Context) -> None:
    kinds = {m.kind for m in mutants(start)}
    assert kinds == {"remove-required", "corrupt-datatype", "swap-link"}
