"""The Python API, for notebooks and scripts: :func:`open` a project, run its saved queries by
name, get rows or a pandas DataFrame, validate files, reach the dataset and the store::

    import stancegraph

    sg = stancegraph.open()                       # the project, found as the CLI finds it
    [q.name for q in sg.queries()]                # the saved queries, with their parameters
    answer = sg.query("claims-about", about="armedgroup:hezbollah")
    answer.rows[0]["claimant"]                    # IRIs as rdflib terms, literals as Python
    answer.dataframe()                            # pandas: pip install 'stancegraph[notebook]'

(the README's "Python API" holds the longer example, which tests/test_api.py runs).

Nothing here is a second implementation: queries run through :func:`stancegraph.queries.run`
(checked, bound, time- and memory-limited, on the engine the CLI uses), labels come from
:func:`stancegraph.queries.labels`, validation from :mod:`stancegraph.validate`, the dataset
from :func:`stancegraph.graph.assemble`, the store from :func:`stancegraph.queries.open_store`,
the network from :mod:`stancegraph.export`. Errors are the package's typed errors
(:mod:`stancegraph.errors`), each with a one-line message.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import Literal, URIRef
from rdflib.term import Node

from stancegraph import names, queries
from stancegraph.errors import ProjectError, QueryError, StancegraphError
from stancegraph.sources import Project, find_project

if TYPE_CHECKING:
    import networkx
    import pandas
    import pyoxigraph
    from rdflib import Dataset, Graph

    from stancegraph.validate import Report

#: The extra that brings pandas: ``pip install 'stancegraph[notebook]'``.
NOTEBOOK_EXTRA = "notebook"

#: The column that holds the label of column ``x`` (Wikidata's ``?xLabel`` convention).
LABEL_SUFFIX = "Label"


class MissingExtra(StancegraphError, ImportError):
    """An optional library a call needs is not installed; the message names the extra."""


class BindingWarning(UserWarning):
    """A parameter is bound in a way that matches nothing (text where the query wants an IRI)."""


#: The command line's words in the package's messages, and the API's for the same thing.
_API_WORDS = (
    ("--param ", "parameter "),
    ("or --timeout)", "or stancegraph.open(timeout=SECONDS))"),
    ("or --memory)", "or stancegraph.open(memory=MIB))"),
    ("or --home)", "or stancegraph.open(path))"),
    ("'stancegraph query --list' lists", "StanceGraph.queries() lists"),
)


def in_api_words(message: str) -> str:
    """A message of the package said of the API's arguments, not of the command line's
    options: ``--param about: ...`` is ``parameter about: ...``, ``--timeout`` is
    ``stancegraph.open(timeout=SECONDS)``."""
    for cli_words, api_words in _API_WORDS:
        message = message.replace(cli_words, api_words)
    return message


def open(  # stancegraph.open(), like io.open: the builtin is not used here
    path: str | Path | None = None,
    *,
    engine: str = "oxigraph",
    endpoint: str | None = None,
    timeout: float | None = None,
    memory: int | None = None,
) -> StanceGraph:
    """The project at ``path``, or found as the CLI finds it (``$STANCEGRAPH_HOME``, else the
    nearest folder at or above the current one holding ``ontology/stancegraph.ttl``).

    ``engine`` (``oxigraph``, the embedded store; or ``rdflib``), ``endpoint`` (a remote SPARQL
    endpoint instead), ``timeout`` (seconds) and ``memory`` (MiB) are ``stancegraph query``'s
    options of the same names. :class:`stancegraph.errors.ProjectError` if there is no project.
    """
    try:
        project = find_project(path)
    except ProjectError as exc:
        raise ProjectError(in_api_words(str(exc))) from None
    return StanceGraph(project, queries.engine_for(project, engine, endpoint, timeout, memory))


def python_value(term: Node | None) -> Any:
    """A term as a notebook wants it: an IRI or blank node as the rdflib term, a literal as its
    Python value (``int``, ``Decimal``, ``datetime.date``, ``bool``, ``str``), or the literal
    itself where rdflib has no Python value for it (an ill-typed or unknown datatype)."""
    if isinstance(term, Literal):
        return term.toPython()
    return term


def param_text(name: str, value: Any) -> str:
    """A Python value as ``stancegraph query --param`` would take it: an IRI as ``<iri>``, a
    date as ``YYYY-MM-DD``, a boolean as ``true``/``false``, a prefixed name or text as it is."""
    if isinstance(value, URIRef):
        return f"<{value}>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):  # a str, a Literal
        return str(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")  # xsd:decimal has no exponent
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    raise QueryError(
        f"parameter {name}: a {type(value).__name__} is not a value for a query; give an IRI "
        "(rdflib URIRef or '<https://...>'), a prefixed name, text, a number, a date or a bool"
    )


def param_type(value: Any) -> str:
    """The parameter type (:data:`stancegraph.queries.PARAM_TYPES`) a Python value binds as in
    your own query, which declares none: ``3`` an ``xsd:integer``, a date an ``xsd:date``."""
    if isinstance(value, URIRef):
        return "iri"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float | Decimal):
        return "decimal"
    if isinstance(value, dt.date):
        return "date"
    return "string"


def require_pandas() -> Any:
    """pandas, or :class:`MissingExtra` saying how to install it."""
    try:
        import pandas
    except ImportError:
        raise MissingExtra(
            "pandas is not installed: DataFrames need it; install the notebook extra: "
            f"pip install 'stancegraph[{NOTEBOOK_EXTRA}]'"
        ) from None
    return pandas


@dataclass
class Result:
    """What a saved query answered: ``rows`` (SELECT), ``boolean`` (ASK) or ``graph``
    (CONSTRUCT, DESCRIBE); ``labels`` gives a readable name for each IRI in the rows."""

    query: queries.SavedQuery
    answer: queries.Answer
    engine: queries.Engine = field(repr=False)
    _labels: dict[URIRef, str] | None = field(default=None, repr=False)

    @property
    def form(self) -> str:
        return self.answer.form

    @property
    def columns(self) -> list[str]:
        return list(self.answer.variables)

    @property
    def boolean(self) -> bool | None:
        return self.answer.boolean

    @property
    def graph(self) -> Graph | None:
        return self.answer.graph

    @property
    def notes(self) -> list[str]:
        """What to know about this answer (a known deviation of the store that gave it)."""
        return list(self.answer.notes)

    @property
    def terms(self) -> list[dict[str, Node]]:
        """The rows as rdflib terms, one dict a row (an unbound column is left out)."""
        return [
            {v: t for v, t in zip(self.answer.variables, row, strict=True) if t is not None}
            for row in self.answer.rows
        ]

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The rows, one dict a row: IRIs as rdflib ``URIRef``, literals as Python values
        (:func:`python_value`); an unbound column is ``None``."""
        return [
            {v: python_value(t) for v, t in zip(self.answer.variables, row, strict=True)}
            for row in self.answer.rows
        ]

    @property
    def labels(self) -> dict[URIRef, str]:
        """A label for each IRI of the rows that has one (``skos:prefLabel``, ``rdfs:label``,
        ``foaf:name``; English first), looked up once, on the engine that answered."""
        if self._labels is None:
            iris = {t for row in self.answer.rows for t in row if isinstance(t, URIRef)}
            found = queries.labels(self.engine, iris) if iris else {}
            self._labels = {k: " ".join(v.split()) for k, v in found.items()}
        return self._labels

    def label(self, term: Any) -> str:
        """How the CLI's table shows ``term``: its label, else its short name (``person/...``),
        else its text; never cut."""
        if isinstance(term, URIRef):
            return self.labels.get(term) or names.compact(str(term))
        return "" if term is None else str(term)

    def labelled_rows(self) -> list[dict[str, Any]]:
        """:attr:`rows` with a ``<column>Label`` beside each column that holds an IRI (its
        label, or its short name where it has none)."""
        iri_columns = self._iri_columns()
        out = []
        for row in self.rows:
            new: dict[str, Any] = {}
            for column, value in row.items():
                new[column] = value
                if column in iri_columns:
                    new[column + LABEL_SUFFIX] = None if value is None else self.label(value)
            out.append(new)
        return out

    def dataframe(self, labels: bool = True) -> pandas.DataFrame:
        """The rows as a pandas DataFrame, one column per variable in the query's order; with
        ``labels`` (default), a ``<column>Label`` column beside each column of IRIs. A
        CONSTRUCT answer is its triples (``subject``, ``predicate``, ``object``); an ASK
        answer is one ``answer`` column. IRIs are strings in the frame (pandas keeps text as
        text); :attr:`rows` keeps them as ``URIRef``. :class:`MissingExtra` without pandas."""
        pd = require_pandas()
        if self.graph is not None:
            triples = sorted(self.graph, key=lambda t: tuple(x.n3() for x in t))
            records = [
                {"subject": s, "predicate": p, "object": python_value(o)} for s, p, o in triples
            ]
            return pd.DataFrame.from_records(records, columns=["subject", "predicate", "object"])
        if self.form == "ASK":
            return pd.DataFrame({"answer": [bool(self.boolean)]})
        records = self.labelled_rows() if labels else self.rows
        columns: list[str] = []
        for column in self.columns:
            columns.append(column)
            if labels and column in self._iri_columns():
                columns.append(column + LABEL_SUFFIX)
        return pd.DataFrame.from_records(records, columns=columns)

    def _iri_columns(self) -> set[str]:
        """The columns with an IRI in some row whose ``<column>Label`` the query does not
        already project."""
        taken = set(self.answer.variables)
        return {
            v
            for i, v in enumerate(self.answer.variables)
            if v + LABEL_SUFFIX not in taken
            and any(isinstance(row[i], URIRef) for row in self.answer.rows)
        }

    def __repr__(self) -> str:
        if self.form == "ASK":
            return f"<Result {self.query.name}: ASK, {self.boolean}>"
        if self.graph is not None:
            return f"<Result {self.query.name}: {self.form}, {len(self.graph)} triples>"
        n = len(self.answer.rows)
        return (
            f"<Result {self.query.name}: {n} row{'' if n == 1 else 's'} "
            f"({', '.join(self.columns)})>"
        )

    def _repr_html_(self) -> str | None:
        """A notebook shows the answer as its DataFrame (with labels), when pandas is there."""
        try:
            frame = self.dataframe()
        except MissingExtra:
            return None
        return str(frame._repr_html_())

    def __len__(self) -> int:
        return len(self.answer)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)


class StanceGraph:
    """One project, as :func:`open` gives it: its saved queries, validation, dataset, store."""

    def __init__(self, project: Project, engine: queries.Engine) -> None:
        self.project = project
        self.engine = engine
        self._dataset: Dataset | None = None

    def __repr__(self) -> str:
        return f"<stancegraph project {self.project.root} ({self.engine.name})>"

    # --- saved queries ------------------------------------------------------------------------

    def queries(self) -> list[queries.SavedQuery]:
        """The saved queries, sorted by name, each with its ``summary``, ``description``,
        ``columns``, ``tags`` and ``params`` (``name``, ``type``, ``default``, ``description``)."""
        return queries.catalogue(self.project)

    def describe(self, name: str) -> queries.SavedQuery:
        """The saved query ``name`` (:class:`QueryError` naming the close ones if none)."""
        return self._find(name)

    def query(self, name: str, /, **params: Any) -> Result:
        """Run the saved query ``name``; keyword arguments bind its parameters (an IRI as
        ``URIRef``, ``'<https://...>'`` or a prefixed name such as ``'armedgroup:hezbollah'``;
        text, numbers, dates, booleans as they are); the header's defaults fill the rest."""
        return self._run(self._find(name), params)

    def _find(self, name: str) -> queries.SavedQuery:
        try:
            return queries.find(self.project, name)
        except QueryError as exc:
            raise type(exc)(in_api_words(str(exc))) from None

    def rows(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """``query(name, **params).rows``."""
        return self.query(name, **params).rows

    def dataframe(self, name: str, /, *, labels: bool = True, **params: Any) -> pandas.DataFrame:
        """``query(name, **params).dataframe(labels)``: a pandas DataFrame."""
        require_pandas()  # before running the query
        return self.query(name, **params).dataframe(labels=labels)

    def sparql(self, text: str, /, **params: Any) -> Result:
        """Run your own SPARQL ``text`` (like ``stancegraph query --file``): checked like a
        saved query (updates, SERVICE and FROM refused); keyword arguments bind variables."""
        saved = queries.make_query(text, name="query")
        declared = tuple(queries.Param(name, param_type(value)) for name, value in params.items())
        return self._run(dataclasses.replace(saved, params=declared), params)

    def _run(self, saved: queries.SavedQuery, params: Mapping[str, Any]) -> Result:
        given = {name: param_text(name, value) for name, value in params.items()}
        try:
            notes = queries.binding_notes(saved, queries.bindings_for(saved, given))
            answer = queries.run(saved, self.engine, given)
        except QueryError as exc:
            raise type(exc)(in_api_words(str(exc))) from None
        for note in notes:  # an IRI parameter given as text: it will match nothing
            warnings.warn(in_api_words(note), BindingWarning, stacklevel=3)
            answer.notes.insert(0, in_api_words(note))
        return Result(saved, answer, self.engine)

    # --- validation ---------------------------------------------------------------------------

    def validate(self, *paths: str | Path, engine: str = "auto") -> Report:
        """Validate the whole dataset (no ``paths``), or the contribution in ``paths`` (files
        or folders): the report (``conforms``, ``findings``, ``violations``, ``warnings``), as
        ``stancegraph validate`` computes it; render it with :func:`stancegraph.validate.
        render_text` or ``to_json``."""
        from stancegraph import validate

        if paths:
            return validate.validate_contribution(self.project, list(paths), engine=engine)
        return validate.validate_dataset(self.project, engine=engine)

    # --- the data -----------------------------------------------------------------------------

    def dataset(self) -> Dataset:
        """The rdflib Dataset, one named graph per layer (docs/architecture.md), assembled once
        and kept: the whole corpus in memory as rdflib terms, asked for by name (no command
        does this at scale). Assembling the 1M-triple synthetic corpus took 1.5 GB (issue #19),
        so a corpus of millions of triples does not fit in a few GB: read it through
        :meth:`store` (the embedded Oxigraph store) or :meth:`query` instead."""
        if self._dataset is None:
            from stancegraph import graph

            self._dataset = graph.assemble(self.project)
        return self._dataset

    def store(self) -> pyoxigraph.Store:
        """The embedded pyoxigraph store, read-only: loaded first (as ``stancegraph load``) if
        missing or older than the sources."""
        return queries.open_store(self.project)

    def network(self, sources: Sequence[str] = ()) -> networkx.MultiDiGraph:
        """The actor network as a networkx graph (``stancegraph export network``): actors and
        what stances are on as nodes, relations and stances as edges; ``sources``: only these
        source keys (default: every source)."""
        from stancegraph import export

        return export.network(self.project, self.engine, sources)
