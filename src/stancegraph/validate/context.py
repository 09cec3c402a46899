"""What the checks share: the model (ontology, vocabularies, shapes) and the context of one
validation (:class:`Context`: the data graph, the nodes reported on, the files they come from),
made for the whole dataset (:func:`dataset_context`) or for a contribution and the existing data
it references (:func:`contribution_context`); and the :class:`Collector` the checks add their
findings to."""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from rdflib import BNode, Graph, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.term import Node

from stancegraph import graph, safety, shacl
from stancegraph.errors import ProjectError
from stancegraph.sources import Project, SeedText
from stancegraph.validate.index import TripleIndex
from stancegraph.validate.minting import DOCUMENT_IRI, ID_NS, SG, SHARED_IRI, SOURCE_IRI
from stancegraph.validate.reading import (
    Seeds,
    SourceFile,
    collect_files,
    find_line,
    load_seeds,
    read_dataset_files,
    read_file,
)
from stancegraph.validate.report import CHECK_NS, VIOLATION, Finding, describe, named_ancestor

# --------------------------------------------------------------------------------------------
# The model: ontology, vocabularies, shapes


@dataclass
class Model:
    """What the project defines: ontology and vocabularies (for the data graph) and shapes."""

    ontology: Graph
    vocab: Graph
    shapes: Graph

    @functools.cached_property
    def terms(self) -> set[URIRef]:
        """Every IRI the ontology, vocabularies or shapes describe (a subject there)."""
        found = {s for s in self.ontology.subjects() if isinstance(s, URIRef)}
        found |= {s for s in self.vocab.subjects() if isinstance(s, URIRef)}
        found |= {s for s in self.shapes.subjects() if isinstance(s, URIRef)}
        return found

    @functools.cached_property
    def data_part(self) -> TripleIndex:
        """The ontology and vocabularies as the part of a data graph they are (built once for
        every batch of a dataset)."""
        return TripleIndex(self.ontology, self.vocab)

    @functools.cached_property
    def ntriples(self) -> bytes:
        """The ontology and vocabularies as N-Triples (blank node labels kept), for Jena."""
        out = io.BytesIO()
        shacl.write_ntriples(self.data_part, out)
        return out.getvalue()


def load_model(project: Project) -> Model:
    """Parse the ontology, vocabularies and shapes of ``project``."""
    if not project.ontology_file.is_file():
        raise ProjectError(f"{project.ontology_file}: the ontology file is missing")
    shapes = Graph()
    for path in project.shapes_files:
        safety.parse_file(path, graph=shapes)
    if len(shapes) == 0:
        raise ProjectError(f"no SHACL shapes in {project.shapes_dir}")
    vocab = Graph()
    for path in project.vocab_files:
        safety.parse_file(path, graph=vocab)
    return Model(
        ontology=safety.parse_file(project.ontology_file),
        vocab=vocab,
        shapes=shapes,
    )


# --------------------------------------------------------------------------------------------
# Contexts


def data_graph(parts: Sequence[Graph]) -> Graph:
    """One read-only view of ``parts`` (each triple in one part only), without copying them."""
    return ReadOnlyGraphAggregate(list(parts))


def without(g: Graph, triples: Iterable[tuple[Node, Node, Node]]) -> Graph:
    """A copy of (small) ``g`` without ``triples``: so that the parts of a view are disjoint."""
    drop = set(triples)
    out = Graph(store="SimpleMemory")
    out.addN((s, p, o, out) for s, p, o in g if (s, p, o) not in drop)
    return out


@dataclass
class Context:
    """Everything the checks need: the graph checked, the nodes reported on, where they are."""

    parts: list[Graph]  # the data graph, in disjoint parts: checked, existing context, model
    checked: Graph  # the triples under check (the contribution, or all data)
    focus: set[Node]
    model: Model
    files: list[SourceFile]
    seeds: Mapping[str, SeedText]  # key -> the seed text read (see load_seeds)
    existing: Graph  # triples of the existing data about referenced IRIs (contribution mode)
    existing_where: dict[Node, tuple[str, int | None]] = field(default_factory=dict)
    contribution: bool = False
    next_free: dict[tuple[str, str], int] = field(default_factory=dict)
    #: the triples under check as a list, which the checks scan (far faster than the graph);
    #: a triple stated in two files may occur twice
    checked_triples: list[tuple[Node, Node, Node]] = field(default_factory=list)
    #: the shared actors file (data/actors.ttl) as read, when it is not itself under check
    #: (contribution mode): every existing actor, which ``actor-duplicate`` compares new ones to
    actors: SourceFile | None = None
    actors_path: str = ""  # its path as a message names it (relative to the project)
    #: the keys of the seed texts read from ``validate --texts DIR`` (copies of withheld texts)
    supplied: frozenset[str] = frozenset()
    #: the project (contribution mode), for a check that must look beyond the referenced files
    project: Project | None = None

    @functools.cached_property
    def data(self) -> Graph:
        """Contribution (or dataset) + referenced context + ontology + vocabularies, read-only:
        a view of the parts where they are rdflib graphs (which a test may change), else one
        :class:`~stancegraph.validate.index.TripleIndex` of them."""
        if all(isinstance(part, Graph) for part in self.parts):
            return data_graph(self.parts)
        return TripleIndex(*self.parts)  # type: ignore[return-value]

    @functools.cached_property
    def verified(self) -> dict[str, str]:
        """The seed texts that the checks may quote, by key: those whose document
        (``doc:<key>``, described in the contribution or the project) gives an ``sg:sha256`` and
        an ``sg:characterCount`` and where every one of them matches the text. A text that its
        description does not vouch for is never compared with a quote, so nothing of it can
        appear in a finding (SECURITY.md)."""
        out: dict[str, str] = {}
        documents = {
            str(doc)[len(graph.DOCUMENT_BASE) :]
            for doc in self.data.subjects(SG.sha256)
            if isinstance(doc, URIRef) and str(doc).startswith(graph.DOCUMENT_BASE)
        }  # the texts of the documents described here, not of every seed (a contribution)
        for key in sorted(documents):
            if key not in self.seeds:
                continue
            seed = self.seeds[key]
            doc = URIRef(graph.DOCUMENT_BASE + key)
            sums = list(self.data.objects(doc, SG.sha256))
            counts = list(self.data.objects(doc, SG.characterCount))
            if (
                sums
                and counts
                and all(str(v) == seed.sha256 for v in sums)
                and all(str(v) == str(len(seed.text)) for v in counts)
            ):
                out[key] = seed.text
        return out

    def merged(self) -> Graph:
        """The data graph as one graph of its own (what pySHACL validates)."""
        out = Graph()
        for part in self.parts:
            out.addN((s, p, o, out) for s, p, o in part)
        return out

    @functools.cached_property
    def checked_subjects(self) -> list[URIRef]:
        """The IRIs that are subjects of the triples under check, sorted (from the list of
        triples: a scan of it is far faster than the graph's)."""
        subjects = {t[0] for t in self.checked_triples}
        return sorted((s for s in subjects if isinstance(s, URIRef)), key=str)

    @functools.cached_property
    def _where(self) -> tuple[dict[Node, SourceFile], dict[Node, SourceFile]]:
        """The first file where each node is a subject, and where each is an object."""
        as_subject: dict[Node, SourceFile] = {}
        as_object: dict[Node, SourceFile] = {}
        for source in self.files:
            for s, _p, o in source.triples:
                as_subject.setdefault(s, source)
                as_object.setdefault(o, source)
        return as_subject, as_object

    def locate(self, node: Node) -> tuple[str | None, int | None]:
        target = node
        if isinstance(node, BNode):
            target, _ = named_ancestor(self.data, node)
        as_subject, as_object = self._where
        source = as_subject.get(target)
        if source is None and not isinstance(node, BNode):
            source = as_object.get(target)
        if source is None:
            return None, None
        return str(source.path), find_line(source, target)


class Collector:
    """The findings of the checks beyond SHACL, each placed (file, line) and named when added."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.items: list[Finding] = []

    def add(
        self,
        check: str,
        focus: Node,
        path: Node | None,
        value: Node | None,
        message: str,
        fix: str,
        severity: str = VIOLATION,
    ) -> None:
        file, line = self.ctx.locate(focus)
        self.items.append(
            Finding(
                focus=focus,
                focus_label=describe(self.ctx.data, focus),
                path=path,
                value=value,
                component=CHECK_NS[check],
                severity=severity,
                message=message,
                fix=fix,
                shape=CHECK_NS[check],
                file=file,
                line=line,
            )
        )


def dataset_context(
    project: Project,
    model: Model | None = None,
    files: list[SourceFile] | None = None,
    texts: Path | None = None,
) -> Context:
    """The data graph of the whole project (data, ontology, vocabularies) and what to check.

    Each file is parsed once into its list of triples; those go into one graph (the triples
    under check) and the data graph is a view of it and of the model, so that a million-triple
    corpus is held once."""
    model = model or load_model(project)
    files = read_dataset_files(project) if files is None else files
    checked = Graph(store="SimpleMemory")
    for source in files:
        checked.addN((s, p, o, checked) for s, p, o in source.triples)
    model_part = Graph(store="SimpleMemory")
    for g in (model.ontology, model.vocab):
        model_part.addN((s, p, o, model_part) for s, p, o in g if (s, p, o) not in checked)
    seeds = load_seeds(project, texts=texts)
    parts = [checked, model_part]
    focus: set[Node] = set()
    for part in parts:
        focus.update(part.subjects(unique=True))
        focus.update(o for o in part.objects(unique=True) if isinstance(o, BNode))
    return Context(
        parts=parts,
        checked=checked,
        focus=focus,
        model=model,
        files=files,
        seeds=seeds,
        existing=Graph(),
        checked_triples=[t for source in files for t in source.triples],
        supplied=supplied_keys(seeds, texts),
    )


def supplied_keys(seeds: Mapping[str, SeedText], texts: Path | None) -> frozenset[str]:
    """The keys of ``seeds`` read from the ``--texts`` folder."""
    if texts is None:
        return frozenset()
    folder = texts.resolve()
    path = seeds.path if isinstance(seeds, Seeds) else (lambda k: seeds[k].path)
    return frozenset(k for k in seeds if path(k).resolve().parent == folder)


def _relative(path: Path, project: Project) -> str:
    try:
        return path.resolve().relative_to(project.root.resolve()).as_posix()
    except ValueError:
        return str(path)


def context_files(project: Project, iris: Iterable[URIRef]) -> set[Path]:
    """The existing files where, by the minting rule, the given IRIs are defined."""
    wanted: set[Path] = set()
    keys: set[str] = set()
    for iri in iris:
        text = str(iri)
        if SHARED_IRI.match(text):
            wanted.add(project.actors_file)
            continue
        match = SOURCE_IRI.match(text) or DOCUMENT_IRI.match(text)
        if match:
            keys.add(match.group("key"))
    for key in keys:
        wanted.update(project.source_files(key))
    return {p for p in wanted if p.is_file()}


#: Longest number read as a Python int (Python refuses to convert more than 4300 digits).
_MAX_DIGITS = 4000


def _note_number(next_free: dict[tuple[str, str], int], match: re.Match[str]) -> None:
    """Record that number n of (kind, key) is taken, so that the next free one can be named;
    a number too long to convert is skipped (it cannot be the one anybody types next)."""
    n = match.group("n")
    if len(n) <= _MAX_DIGITS:
        k = (match.group("kind"), match.group("key"))
        next_free[k] = max(next_free.get(k, 1), int(n) + 1)


@dataclass
class Referenced:
    """The existing data that triples under check reference (:func:`referenced`)."""

    #: the existing triples about the referenced IRIs, each once, in the order found
    triples: list[tuple[Node, Node, Node]]
    #: each referenced IRI found -> the first file (relative to the project) and line where
    #: it is a subject (only when asked for: ``places``)
    where: dict[Node, tuple[str, int | None]]


def referenced(
    project: Project,
    triples: Iterable[tuple[Node, Node, Node]],
    own: set[Path],
    parsed: dict[Path, SourceFile],
    *,
    places: bool = False,
) -> Referenced:
    """The existing triples about the ``id/`` IRIs that ``triples`` use, from the files where the
    minting rule says those IRIs are defined (:func:`context_files`; files in ``own``, resolved,
    are under check and skipped), two hops deep: the IRIs used, then the IRIs those existing
    nodes link to (so that an existing node's own links have their types, as ``sh:class``
    needs). Each file is read once into ``parsed`` (files already there are not read again).

    What a contribution (:func:`contribution_context`) and a batch of the dataset
    (:func:`batch_context`) are checked with."""
    wanted = {
        node
        for triple in triples
        for node in triple
        if isinstance(node, URIRef) and str(node).startswith(ID_NS)
    }
    seen = set(wanted)
    found_triples: dict[tuple[Node, Node, Node], None] = {}
    where: dict[Node, tuple[str, int | None]] = {}
    for _hop in range(2):
        found: set[URIRef] = set()
        for path in sorted(context_files(project, wanted)):
            if path.resolve() in own:
                continue
            if path not in parsed:
                parsed[path] = read_file(path)
            source = parsed[path]
            index = source.index
            for iri in wanted:
                if (iri, None, None) not in index:
                    continue
                if places:
                    where.setdefault(iri, (_relative(path, project), find_line(source, iri)))
                for triple in index.triples((iri, None, None)):
                    found_triples[triple] = None
                    obj = triple[2]
                    if isinstance(obj, URIRef) and str(obj).startswith(ID_NS):
                        found.add(obj)
        wanted = found - seen
        seen |= wanted
    return Referenced(triples=list(found_triples), where=where)


def _next_free(subjects: Iterable[Node], next_free: dict[tuple[str, str], int]) -> None:
    for subject in subjects:
        match = SOURCE_IRI.match(str(subject)) if isinstance(subject, URIRef) else None
        if match:
            _note_number(next_free, match)


def contribution_context(
    project: Project, paths: Sequence[str | Path], texts: Path | None = None
) -> Context:
    """The data graph for a contribution: its triples, the existing triples about the IRIs it
    references (:func:`referenced`), the ontology and vocabularies."""
    model = load_model(project)
    paths = list(paths)
    files = [read_file(p) for p in collect_files(paths)]
    contribution = Graph(store="SimpleMemory")
    for source in files:
        contribution.addN((s, p, o, contribution) for s, p, o in source.triples)
    own = {p.path.resolve() for p in files}

    parsed: dict[Path, SourceFile] = {}
    found = referenced(project, contribution, own, parsed, places=True)
    existing = Graph(store="SimpleMemory")
    existing.addN((s, p, o, existing) for s, p, o in found.triples)
    next_free: dict[tuple[str, str], int] = {}
    for source in parsed.values():
        _next_free(source.index.subjects(), next_free)
    _next_free(contribution.subjects(), next_free)

    actors_file = project.actors_file
    actors = None
    if actors_file.is_file() and actors_file.resolve() not in own:
        actors = parsed.get(actors_file) or read_file(actors_file)

    context_part = without(existing, contribution)
    model_part = without(model.ontology + model.vocab, [*contribution, *context_part])

    # Seed texts: the project's, and those of the folders named (never a named file's folder).
    seeds = load_seeds(project, sorted({Path(p) for p in paths if Path(p).is_dir()}), texts)
    focus: set[Node] = set(contribution.subjects()) | {
        o for o in contribution.objects() if isinstance(o, BNode)
    }
    ctx = Context(
        parts=[contribution, context_part, model_part],
        checked=contribution,
        focus=focus,
        model=model,
        files=files,
        seeds=seeds,
        existing=existing,
        existing_where=found.where,
        contribution=True,
        next_free=next_free,
        checked_triples=list(contribution),
        actors=actors,
        actors_path=_relative(actors_file, project),
        supplied=supplied_keys(seeds, texts),
        project=project,
    )
    return ctx


def batch_context(
    project: Project,
    model: Model,
    paths: list[Path],
    seeds: Mapping[str, SeedText],
    shared: SourceFile | None,
    *,
    with_model: bool,
    supplied: frozenset[str] = frozenset(),
    ntriples: BinaryIO | None = None,
    shared_ntriples: bytes = b"",
) -> Context:
    """The context of one batch of the project's data files: as a contribution's
    (:func:`referenced`: the existing data its IRIs reference, from the files the minting rule
    names; the shared actors file read once, ``shared``), but checked as part of the dataset
    (``contribution`` false), with the project's seed texts, and the model's nodes among those
    reported on when ``with_model``.

    Its parts are :class:`~stancegraph.validate.index.TripleIndex` sets, not rdflib graphs
    (the model's built once, :attr:`Model.data_part`). ``ntriples``: where to write the whole
    data graph as N-Triples for Jena, the files' triples as they are parsed (``shared_ntriples``:
    the shared file's, written when it is in the batch)."""
    files = []
    for path in paths:
        if shared is not None and path == shared.path:
            files.append(shared)
            if ntriples is not None:
                ntriples.write(shared_ntriples)
        else:
            files.append(read_file(path, ntriples))
    checked_triples = [t for source in files for t in source.triples]
    own = {p.resolve() for p in paths}
    parsed: dict[Path, SourceFile] = {}
    if shared is not None:
        parsed[shared.path] = shared
    context_triples = referenced(project, checked_triples, own, parsed).triples
    model_part = model.data_part
    if ntriples is not None:
        shacl.write_ntriples(context_triples, ntriples)
        ntriples.write(model.ntriples)
    focus: set[Node] = {t[0] for t in checked_triples}
    focus.update(t[2] for t in checked_triples if isinstance(t[2], BNode))
    if with_model:
        for s, _p, o in model_part:
            focus.add(s)
            if isinstance(o, BNode):
                focus.add(o)
    checked = TripleIndex(checked_triples)
    return Context(
        parts=[checked, TripleIndex(context_triples), model_part],  # type: ignore[list-item]
        checked=checked,  # type: ignore[arg-type]
        focus=focus,
        model=model,
        files=files,
        seeds=seeds,
        existing=Graph(),
        checked_triples=checked_triples,
        supplied=supplied,
    )
