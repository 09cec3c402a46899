"""The golden corpus: the pinned sources the saved queries' golden answers are computed on.

The golden answers (``queries/expected/``) must not change when a correct new source is added to
``data/``: a contribution would otherwise break every test and force its author to regenerate
answers he did not mean to change. So they are answers over a pinned corpus, named in
``queries/golden-corpus.toml``::

    sources  = ["rd-syria-iran"]          # sources of the project itself (seeds/, data/)
    fixtures = "tests/fixtures/corpus"    # a folder laid out as a contribution: seeds/<key>.txt,
                                          # seeds/<key>.ttl, data/actors.ttl, data/<key>/*.ttl

The corpus holds the ontology, vocabularies and shapes of the project; the listed sources of the
project; every source of the fixtures folder and its actors; and, of the project's
``data/actors.ttl``, only what those sources reach: the actors they name, and what those actors'
own descriptions point at, on and on (posts, governments, states, seats, label axioms). A new
actor added for a new source is reached by none of them and stays out; a correction to an actor
the corpus uses changes its answers, as it should.

Without ``queries/golden-corpus.toml`` the corpus is the whole project, as before.
:func:`materialise` writes the golden corpus out as a project folder of its own, for tools that
read a project from disk (``stancegraph build``, ``stancegraph load`` into a server whose
answers are compared with the golden files).
"""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.namespace import OWL
from rdflib.term import Node

from stancegraph import graph, safety
from stancegraph.errors import ProjectError
from stancegraph.sources import KEY_PATTERN, Project, Source

#: Where the golden corpus is named, relative to the project folder.
MANIFEST = Path("queries") / "golden-corpus.toml"


@dataclass(frozen=True)
class GoldenCorpus:
    """What ``queries/golden-corpus.toml`` names: project sources and a fixtures folder."""

    manifest: Path
    sources: tuple[str, ...]
    fixtures: Path | None

    def fixture_sources(self) -> list[Source]:
        if self.fixtures is None:
            return []
        return Project(self.fixtures).sources


def read_manifest(project: Project) -> GoldenCorpus | None:
    """The golden corpus of ``project``, or ``None`` if it names none (the whole project).

    Raises :class:`ProjectError` for a manifest that is not TOML, names an unknown source, or a
    fixtures folder outside the project or missing.
    """
    path = project.root / MANIFEST
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(safety.read_limited(path).decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProjectError(f"{path}: not a TOML file: {exc}") from None
    keys = data.get("sources", [])
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ProjectError(f"{path}: 'sources' must be a list of source keys")
    known = {s.key for s in project.sources}
    for key in keys:
        if not KEY_PATTERN.match(key) or key not in known:
            raise ProjectError(
                f"{path}: source {key!r} is not a source of the project "
                f"(known: {', '.join(sorted(known)) or 'none'})"
            )
    fixtures = None
    if "fixtures" in data:
        if not isinstance(data["fixtures"], str):
            raise ProjectError(f"{path}: 'fixtures' must be a folder, relative to the project")
        fixtures = (project.root / data["fixtures"]).resolve()
        if not fixtures.is_relative_to(project.root.resolve()) or not fixtures.is_dir():
            raise ProjectError(
                f"{path}: fixtures folder {data['fixtures']!r} is not a folder inside the project"
            )
    return GoldenCorpus(manifest=path, sources=tuple(keys), fixtures=fixtures)


def reached_actors(actors: Graph, start: set[Node]) -> Graph:
    """The part of ``actors`` that the nodes in ``start`` reach: the description of each node
    reached, following objects (IRIs and blank nodes), and the OWL axioms annotating them."""
    kept = Graph()
    seen: set[Node] = set()
    todo = [n for n in start if isinstance(n, URIRef | BNode)]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in actors.predicate_objects(node):
            kept.add((node, p, o))
            if isinstance(o, URIRef | BNode) and o not in seen:
                todo.append(o)
        if isinstance(node, URIRef):
            todo.extend(a for a in actors.subjects(OWL.annotatedSource, node) if a not in seen)
    return kept


def _terms(g: Graph) -> set[Node]:
    found: set[Node] = set()
    for s, _, o in g:
        found.add(s)
        found.add(o)
    return found


def assemble(project: Project) -> Dataset:
    """The golden corpus of ``project`` as a dataset with the layers of
    :func:`stancegraph.graph.assemble`; the whole project if it names no golden corpus."""
    corpus = read_manifest(project)
    if corpus is None:
        return graph.assemble(project)
    if not project.ontology_file.is_file():
        raise ProjectError(f"{project.ontology_file}: the ontology file is missing")
    dataset = Dataset()
    for iri, files in graph.layer_files(project)[:3]:  # ontology, vocabularies, shapes
        named = dataset.graph(iri)
        for path in files:
            safety.parse_file(path, graph=named)
    start: set[Node] = set()
    chosen = [project.source(key) for key in corpus.sources] + corpus.fixture_sources()
    for source in chosen:
        named = dataset.graph(graph.source_graph_iri(source.key))
        if len(named):
            raise ProjectError(f"{corpus.manifest}: source {source.key!r} is named twice")
        for path in source.rdf_files:
            safety.parse_file(path, graph=named)
        start |= _terms(named)
    actors = dataset.graph(graph.ACTORS_GRAPH)
    if corpus.fixtures is not None:
        own = Project(corpus.fixtures).actors_file
        if own.is_file():
            fixture_actors = safety.parse_file(own, graph=Graph())
            for triple in fixture_actors:
                actors.add(triple)
            start |= _terms(fixture_actors)
    if project.actors_file.is_file():
        for triple in reached_actors(safety.parse_file(project.actors_file, graph=Graph()), start):
            actors.add(triple)
    return dataset


def materialise(project: Project, folder: Path) -> Project:
    """Write the golden corpus of ``project`` to ``folder`` as a project of its own: the same
    ontology and queries (without ``queries/golden-corpus.toml``, so that the whole of the new
    project is the corpus), the seeds and data of every source in the corpus, and the actors it
    reaches as ``data/actors.ttl``. ``folder`` must not exist yet."""
    dataset = assemble(project)
    corpus = read_manifest(project)
    folder.mkdir(parents=True)
    shutil.copytree(project.root / "ontology", folder / "ontology")
    shutil.copytree(project.queries_dir, folder / "queries")
    (folder / MANIFEST).unlink(missing_ok=True)
    (folder / "seeds").mkdir()
    (folder / "data").mkdir()
    chosen = (
        project.sources
        if corpus is None
        else [project.source(key) for key in corpus.sources] + corpus.fixture_sources()
    )
    for source in chosen:
        if source.has_text:  # a withheld text ships without it
            shutil.copy(source.text_path, folder / "seeds" / source.text_path.name)
        shutil.copy(source.description_path, folder / "seeds" / source.description_path.name)
        if source.data_files:
            (folder / "data" / source.key).mkdir()
            for path in source.data_files:
                shutil.copy(path, folder / "data" / source.key / path.name)
    actors = Graph()
    for prefix, namespace in graph.NAMESPACES.items():
        actors.bind(prefix, namespace)
    for triple in dataset.graph(graph.ACTORS_GRAPH):
        actors.add(triple)
    (folder / "data" / "actors.ttl").write_bytes(actors.serialize(format="turtle").encode("utf-8"))
    return Project(folder)
