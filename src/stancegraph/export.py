"""Exports for the tools analysts use for networks: the actor network as GEXF (Gephi) or GraphML
(Cytoscape, yEd, igraph), written by networkx.

The network is the one the network picture draws (:mod:`stancegraph.plots`), from the same
saved queries, run through the catalogue (:func:`stancegraph.queries.run`):

* ``picture-relations``: one edge per stated relation between two actors (a ``sg:Relation``
  node; every sub-property of ``sg:actorRelation``, as in ``actor-network``);
* ``picture-stances``: one edge per stance, from its holder to its target (an actor, or an
  event, claim, issue or proposition the stance is on: a node of that kind).

Nodes are keyed by IRI, with ``label`` (as the CLI's tables show it: ``skos:prefLabel``,
``rdfs:label``, ``foaf:name``, English first; else the short name) and ``kind``: the kind the
IRI is minted for (``person``, ``state``, ``armed-group``, ``event``... docs/architecture.md),
which ``stancegraph validate`` holds to the node's class.

Edges carry ``iri`` (the relation or stance node), ``kind`` (``relation`` or ``stance``; GEXF
keeps ``type`` for directed or not), ``label``, ``source`` (the key of the source that states it,
from its IRI ``id/<kind>/<key>/<n>``) and ``inferred``; a relation has ``relation`` (the
property, ``sponsors``), ``ownVoice`` and ``symmetric``; a stance has ``polarity`` (the concept,
``welcome``), ``direction`` (its MARL direction: ``positive``, ``negative``, ``neutral``) and
``expression`` (``public``, ``private`` or ``unstated``). An attribute the data does not give is
left out, never guessed. An edge's key, its id in GEXF and GraphML, is its ``iri``, or
``<iri>|1``, ``<iri>|2``... for the edges of a stance on several targets (:func:`edge_key`).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from rdflib import URIRef
from rdflib.term import Node

from stancegraph import names, plots, queries
from stancegraph.errors import QueryError, StancegraphError
from stancegraph.plots import xml_safe
from stancegraph.sources import Project

if TYPE_CHECKING:
    import networkx

#: What ``stancegraph export network --format`` writes, by name and file suffix.
FORMATS = ("gexf", "graphml")

#: The saved queries the network is read from, with the columns it reads.
RELATIONS = ("picture-relations", ("relationNode", "subject", "property", "object"))
STANCES = ("picture-stances", ("stance", "holder", "target", "polarity", "expression"))

MARL = names.OTHER["marl"]
SG = names.SG_NS


class ExportError(StancegraphError):
    """An export cannot be written: a format it does not know, a file it cannot write."""


def source_key(iri: Node) -> str | None:
    """The source a thing of one source belongs to: ``rd-syria-iran`` for
    ``.../id/stance/rd-syria-iran/3``; None for an IRI not minted that way."""
    match = names.SOURCE_IRI.match(str(iri)) if isinstance(iri, URIRef) else None
    return match.group("key") if match else None


def node_kind(iri: str, given: str | None = None) -> str:
    """The kind of IRI ``iri`` is minted for (``person``, ``armed-group``, ``event``), else
    ``given`` (a stance target's class: ``event``), else ``other``."""
    kind = names.kind_of(iri)
    if kind is not None:
        return kind.segment
    return given or "other"


def _rows(
    project: Project, engine: queries.Engine, name: str, columns: Iterable[str]
) -> list[dict[str, Node]]:
    """The rows of the saved query ``name``, as terms, checked to project ``columns``."""
    if not (project.queries_dir / f"{name}.rq").is_file():
        raise QueryError(
            f"{project.queries_dir}: no saved query {name!r}: the network export reads the "
            f"answers of {RELATIONS[0]} and {STANCES[0]} (queries/picture-*.rq)"
        )
    query = queries.find(project, name)
    answer = queries.run(query, engine)
    where = query.path or name
    if answer.form != "SELECT":
        raise QueryError(f"{where}: the network export reads its rows: it must be a SELECT")
    missing = [c for c in columns if c not in answer.variables]
    if missing:
        raise QueryError(
            f"{where}: the network export reads {', '.join('?' + c for c in missing)}, "
            "which it does not project"
        )
    return [
        {v: t for v, t in zip(answer.variables, row, strict=True) if t is not None}
        for row in answer.rows
    ]


def _local(iri: Node, base: str) -> str:
    text = str(iri)
    return text[len(base) :] if text.startswith(base) else names.compact(text)


def _flag(term: Node | None) -> bool | None:
    """An ``xsd:boolean`` as a bool; None where unbound."""
    if term is None:
        return None
    return str(term).strip().lower() in ("true", "1")


def engine_for(project: Project, sources: Sequence[str] = ()) -> queries.Engine:
    """What the network of ``sources`` is read from: for named sources an in-memory store of
    only them, the model and the actors they reach (:func:`stancegraph.plots.assemble`, as the
    pictures do), so that one source of a large corpus reads that source; else the project's
    embedded store."""
    if not sources:
        return queries.engine_for(project)
    return queries.OxigraphEngine(store=queries.memory_store(plots.assemble(project, sources)))


def network(
    project: Project, engine: queries.Engine, sources: Sequence[str] = ()
) -> networkx.MultiDiGraph:
    """The actor network of the project, or of the sources ``sources`` (their keys; each must
    be one of the project's, :class:`stancegraph.errors.ProjectError` otherwise): a networkx
    ``MultiDiGraph`` with the attributes the module's docstring lists. Rows are added in IRI
    order, so the same data always gives the same graph."""
    import networkx as nx

    wanted = {project.source(key).key for key in sources}  # an unknown key is refused here
    relations = _rows(project, engine, *RELATIONS)
    stances = _rows(project, engine, *STANCES)

    def kept(iri: Node) -> bool:
        return not wanted or source_key(iri) in wanted

    relations = sorted(
        (r for r in relations if kept(r["relationNode"])), key=_order("relationNode", "object")
    )
    stances = sorted((r for r in stances if kept(r["stance"])), key=_order("stance", "target"))
    # labels for what is shown (nodes, properties, polarities), not for the relation and
    # stance nodes: on a large corpus those are most of the IRIs, and each 200 a query
    shown = [
        (relations, ("subject", "object", "property")),
        (stances, ("holder", "target", "polarity")),
    ]
    terms = {r[c] for rows, columns in shown for r in rows for c in columns}
    labels = queries.labels(engine, {t for t in terms if isinstance(t, URIRef)})

    def label(term: Node) -> str:
        found = labels.get(term) if isinstance(term, URIRef) else None
        return " ".join(found.split()) if found else names.compact(str(term))

    counts = Counter(
        str(r[c]) for rows, c in ((relations, "relationNode"), (stances, "stance")) for r in rows
    )
    seen: Counter[str] = Counter()
    g = nx.MultiDiGraph(name="stancegraph actor network")
    target_kinds = {
        str(r["target"]): _local(r["targetKind"], SG).lower() for r in stances if "targetKind" in r
    }

    def add_node(term: Node) -> str:
        iri = str(term)
        if iri not in g:
            g.add_node(iri, label=label(term), kind=node_kind(iri, target_kinds.get(iri)))
        return iri

    for row in relations:
        attrs = {
            "kind": "relation",
            "relation": _local(row["property"], SG),
            "label": label(row["property"]),
            "ownVoice": _flag(row.get("ownVoice")),
            "inferred": _flag(row.get("inferred")),
            "symmetric": _flag(row.get("symmetric")),
            "source": source_key(row["relationNode"]),
        }
        g.add_edge(
            add_node(row["subject"]),
            add_node(row["object"]),
            key=edge_key(row["relationNode"], counts, seen),
            iri=str(row["relationNode"]),
            **_present(attrs),
        )
    for row in stances:
        direction = row.get("direction")
        attrs = {
            "kind": "stance",
            "polarity": _local(row["polarity"], names.VOCAB_BASE + "polarity/"),
            "label": label(row["polarity"]),
            "direction": _local(direction, MARL).lower() if direction is not None else None,
            "expression": _local(row["expression"], names.VOCAB_BASE + "expression/"),
            "inferred": _flag(row.get("inferred")),
            "source": source_key(row["stance"]),
        }
        g.add_edge(
            add_node(row["holder"]),
            add_node(row["target"]),
            key=edge_key(row["stance"], counts, seen),
            iri=str(row["stance"]),
            **_present(attrs),
        )
    return g


def edge_key(node: Node, counts: Counter[str], seen: Counter[str]) -> str:
    """An edge's key (its id in GEXF and GraphML): the IRI of its relation or stance; for a
    stance on several targets (``sg:target a, b``), ``<iri>|1``, ``<iri>|2``... in the order of
    the targets' IRIs, so that every edge's id is its own (``iri`` says whose it is)."""
    iri = str(node)
    if counts[iri] == 1:
        return iri
    seen[iri] += 1
    return f"{iri}|{seen[iri]}"


def _order(*columns: str) -> Any:
    return lambda row: tuple(str(row[c]) for c in columns)


def _present(attrs: dict[str, Any]) -> dict[str, Any]:
    """The attributes the data gives (GEXF and GraphML hold no null)."""
    return {k: v for k, v in attrs.items() if v is not None}


def choose_format(fmt: str | None, out: str | Path | None) -> str:
    """The format to write: ``fmt``, else the suffix of ``out``; :class:`ExportError` if
    neither says, or if they disagree, or if it is not one of :data:`FORMATS`."""
    suffix = Path(out).suffix.lower().lstrip(".") if out is not None else ""
    if fmt is None:
        if suffix in FORMATS:
            return suffix
        if out is None:
            raise ExportError(f"give --format ({' or '.join(FORMATS)})")
        raise ExportError(
            f"--out {out}: cannot tell the format from the suffix; give --format "
            f"({' or '.join(FORMATS)}) or a file ending .gexf or .graphml"
        )
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    if suffix in FORMATS and suffix != fmt:
        raise ExportError(f"--out {out} ends .{suffix} but --format is {fmt}")
    return fmt


#: The date networkx's GEXF writer puts on ``<meta>``: the day of writing, not of the data.
_WRITTEN_ON = re.compile(rb'<meta lastmodifieddate="[0-9-]*">')


def serialize(g: networkx.MultiDiGraph, fmt: str) -> bytes:
    """``g`` as GEXF 1.2 or GraphML, UTF-8 XML; the same graph always gives the same bytes.
    A character XML cannot hold (a control character in a label) is written U+FFFD
    (:func:`stancegraph.plots.xml_safe`, as the pictures do), so that the file always parses."""
    import networkx as nx

    sink = io.BytesIO()
    h = nx.relabel_nodes(g, {n: xml_safe(str(n)) for n in g}, copy=True)
    for data in [*(d for _, d in h.nodes(data=True)), *(d for *_, d in h.edges(data=True))]:
        for name, value in data.items():  # a label is what a contribution wrote (issue #22)
            if isinstance(value, str):
                data[name] = xml_safe(value)
    if fmt == "gexf":
        for _, _, key, data in h.edges(keys=True, data=True):
            data["id"] = xml_safe(key)  # the edge's id in Gephi: the relation's or stance's IRI
        nx.write_gexf(h, sink)
        # the same data, the same bytes: networkx stamps the day it writes the file
        return _WRITTEN_ON.sub(b"<meta>", sink.getvalue(), count=1)
    elif fmt == "graphml":
        nx.write_graphml(h, sink)
    else:
        raise ExportError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    return sink.getvalue()


def write(data: bytes, out: str | Path | None, stdout: BinaryIO) -> Path | None:
    """``data`` to the file ``out`` (replaced whole: written beside it, then renamed), or to
    ``stdout``; the path written, or None for stdout."""
    if out is None:
        stdout.write(data)
        stdout.flush()
        return None
    path = Path(out)
    if path.is_dir():
        raise ExportError(f"--out {out}: is a folder; give a file name ending .gexf or .graphml")
    if path.parent.exists() and not path.parent.is_dir():
        raise ExportError(f"--out {out}: {path.parent} is a file, not a folder")
    if not path.parent.is_dir():
        raise ExportError(f"--out {out}: the folder {path.parent} does not exist")
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ExportError(f"--out {out}: cannot write it: {exc.strerror or exc}") from None
    except BaseException:  # Ctrl-C: no half-written file left beside it
        partial.unlink(missing_ok=True)
        raise
    return path
