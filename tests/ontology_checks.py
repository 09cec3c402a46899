"""ROBOT-report-like quality checks on the ontology, as plain functions over rdflib graphs.

Each check returns the set of things it flags (IRIs, or ``(file, IRI)`` pairs), so a test can
assert the exact set: empty on the real ontology, exactly the planted faults on a bad fixture.
Names follow ROBOT's report checks where there is one (missing_label, multiple_labels,
duplicate_label, missing_definition, label_whitespace, missing_ontology_*).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, SKOS
from rdflib.paths import Path as PropertyPath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

SG = Namespace("https://w3id.org/stancegraph/ontology#")
VANN = Namespace("http://purl.org/vocab/vann/")

#: What makes an sg: IRI a declared term (OWL 2 declarations in RDF).
DECLARATION_TYPES = (
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.NamedIndividual,
    RDFS.Datatype,
)


def is_sg(term: object) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(str(SG))


def is_english(literal: object) -> bool:
    return isinstance(literal, Literal) and (literal.language or "").lower().split("-")[0] == "en"


def iris_in(g: Graph) -> set[URIRef]:
    """Every IRI in any position of ``g``."""
    return {t for triple in g for t in triple if isinstance(t, URIRef)}


# --- the header -----------------------------------------------------------------------------


def ontology_iris(g: Graph) -> list[URIRef]:
    return [s for s in g.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef)]


def header_problems(g: Graph) -> set[URIRef]:
    """Header properties that are missing or of the wrong kind (ROBOT missing_ontology_*)."""
    onts = ontology_iris(g)
    if len(onts) != 1:
        return {OWL.Ontology}
    ont = onts[0]

    def iri(value: object) -> bool:
        return isinstance(value, URIRef)

    def text(value: object) -> bool:
        return isinstance(value, Literal) and bool(str(value).strip())

    def date(value: object) -> bool:
        return isinstance(value, Literal) and value.datatype == XSD.date and value.value is not None

    def agent(value: object) -> bool:
        return iri(value) or text(value)

    required = {
        OWL.versionIRI: iri,
        OWL.versionInfo: text,
        DCTERMS.title: text,
        DCTERMS.description: text,
        DCTERMS.license: iri,
        DCTERMS.creator: agent,
        DCTERMS.created: date,
        DCTERMS.modified: date,
        VANN.preferredNamespacePrefix: text,
        VANN.preferredNamespaceUri: text,
    }
    problems = set()
    for prop, ok in required.items():
        values = list(g.objects(ont, prop))
        if not values or not all(ok(v) for v in values):
            problems.add(prop)
    return problems


# --- declarations, labels, definitions --------------------------------------------------------


def declared_terms(g: Graph) -> set[URIRef]:
    """sg: IRIs with an OWL declaration."""
    return {s for t in DECLARATION_TYPES for s in g.subjects(RDF.type, t) if is_sg(s)}


def undeclared_terms(g: Graph) -> set[URIRef]:
    """sg: IRIs the ontology mentions without declaring them."""
    return {t for t in iris_in(g) if is_sg(t)} - declared_terms(g)


def missing_label(g: Graph) -> set[URIRef]:
    return {t for t in declared_terms(g) if not any(map(is_english, g.objects(t, RDFS.label)))}


def multiple_labels(g: Graph) -> set[URIRef]:
    return {
        t
        for t in declared_terms(g)
        if sum(1 for label in g.objects(t, RDFS.label) if is_english(label)) > 1
    }


def missing_definition(g: Graph) -> set[URIRef]:
    return {t for t in declared_terms(g) if (t, SKOS.definition, None) not in g}


def multiple_definitions(g: Graph) -> set[URIRef]:
    return {t for t in declared_terms(g) if len(set(g.objects(t, SKOS.definition))) > 1}


def missing_is_defined_by(g: Graph) -> set[URIRef]:
    """sg: terms without ``rdfs:isDefinedBy`` pointing at the ontology."""
    onts = set(ontology_iris(g))
    return {t for t in declared_terms(g) if not (set(g.objects(t, RDFS.isDefinedBy)) & onts)}


def label_whitespace(g: Graph) -> set[URIRef]:
    """Terms and concepts whose label starts or ends with whitespace."""
    return {
        s
        for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
        for s, label in g.subject_objects(p)
        if isinstance(label, Literal) and str(label) != str(label).strip()
    }


def duplicate_label(g: Graph) -> set[URIRef]:
    """sg: terms that share an identical ``rdfs:label`` (text and language) with another."""
    by_label: dict[Literal, set[URIRef]] = defaultdict(set)
    for term in declared_terms(g):
        for label in g.objects(term, RDFS.label):
            if isinstance(label, Literal):
                by_label[label].add(term)
    return {t for terms in by_label.values() if len(terms) > 1 for t in terms}


# --- SKOS --------------------------------------------------------------------------------------


def concepts(g: Graph) -> set[URIRef]:
    return {c for c in g.subjects(RDF.type, SKOS.Concept) if isinstance(c, URIRef)}


def concept_pref_label_problems(g: Graph) -> set[URIRef]:
    """Concepts without exactly one English ``skos:prefLabel``."""
    return {
        c
        for c in concepts(g)
        if sum(1 for label in g.objects(c, SKOS.prefLabel) if is_english(label)) != 1
    }


def concept_missing_definition(g: Graph) -> set[URIRef]:
    return {c for c in concepts(g) if (c, SKOS.definition, None) not in g}


def concept_missing_scheme(g: Graph) -> set[URIRef]:
    """Concepts not ``skos:inScheme`` a declared ``skos:ConceptScheme``."""
    schemes = set(g.subjects(RDF.type, SKOS.ConceptScheme))
    return {c for c in concepts(g) if not (set(g.objects(c, SKOS.inScheme)) & schemes)}


def scheme_without_top_concepts(g: Graph) -> set[URIRef]:
    tops = set(g.subjects(SKOS.hasTopConcept, None)) | set(g.objects(None, SKOS.topConceptOf))
    return {
        s
        for s in g.subjects(RDF.type, SKOS.ConceptScheme)
        if isinstance(s, URIRef) and s not in tops
    }


# --- hierarchy ---------------------------------------------------------------------------------


def cycles(g: Graph, predicate: URIRef) -> set[URIRef]:
    """Nodes on a cycle of ``predicate`` (e.g. rdfs:subClassOf), excluding ``x p x``."""
    edges: dict[object, set[object]] = defaultdict(set)
    for s, o in g.subject_objects(predicate):
        if s != o:
            edges[s].add(o)
    on_cycle: set[URIRef] = set()
    for start in list(edges):
        seen: set[object] = set()
        stack = list(edges[start])
        while stack:
            node = stack.pop()
            if node == start:
                if isinstance(start, URIRef):
                    on_cycle.add(start)
                break
            if node in seen:
                continue
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return on_cycle


def subclass_cycles(g: Graph) -> set[URIRef]:
    return cycles(g, RDFS.subClassOf)


def subproperty_cycles(g: Graph) -> set[URIRef]:
    return cycles(g, RDFS.subPropertyOf)


# --- use outside the ontology --------------------------------------------------------------------


def iris_in_query(text: str) -> set[URIRef]:
    """Every IRI a SPARQL query uses, read from rdflib's algebra (prefixes resolved)."""
    query = prepareQuery(text)
    return set(_walk_iris(query.algebra))


def _walk_iris(node: object, seen: set[int] | None = None) -> Iterator[URIRef]:
    seen = set() if seen is None else seen
    if isinstance(node, URIRef):
        yield node
        return
    if isinstance(node, str | int | float | bool) or node is None or id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, CompValue | dict):
        children: Iterable[object] = list(node.keys()) + list(node.values())
    elif isinstance(node, list | tuple | set | frozenset):
        children = node
    elif isinstance(node, PropertyPath) or hasattr(node, "__dict__"):
        children = vars(node).values()
    else:
        return
    for child in children:
        yield from _walk_iris(child, seen)


def undeclared_uses(
    declared: set[URIRef],
    graphs: dict[Path, Graph],
    queries: dict[Path, str],
) -> set[tuple[str, URIRef]]:
    """``(file, IRI)`` for each sg: IRI a data, shape or query file uses but the ontology lacks."""
    found: set[tuple[str, URIRef]] = set()
    for path, g in graphs.items():
        found |= {(str(path), t) for t in iris_in(g) if is_sg(t) and t not in declared}
    for path, text in queries.items():
        found |= {(str(path), t) for t in iris_in_query(text) if is_sg(t) and t not in declared}
    return found
