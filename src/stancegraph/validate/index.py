"""A read-only set of triples with the lookups the checks make (:class:`TripleIndex`), in place
of an rdflib graph: the data graph of a validation is read, never changed, and rdflib's memory
store costs several times as much per triple to fill and to ask (at 1M triples the checks spent
half their time inside it; issue #19).

It answers the part of rdflib's ``Graph`` API that the checks, :mod:`stancegraph.anchors` and
the report use (``triples``, ``subjects``, ``objects``, ``subject_objects``,
``subject_predicates``, ``predicate_objects``, ``value``, ``in``, iteration, ``len``), with
the same terms and in the order the triples were given (a triple given twice is one). Each index
(by subject, by predicate, by object) is built on the first lookup that needs it, so that a set
that is only iterated costs no more than its list.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator

from rdflib import RDF, BNode
from rdflib.term import Node

Triple = tuple[Node, Node, Node]
_EMPTY: dict = {}


class TripleIndex:
    """The triples of ``parts`` (graphs or lists of triples), read-only and indexed."""

    def __init__(self, *parts: Iterable[Triple]) -> None:
        self._parts = parts

    def __repr__(self) -> str:
        return f"<TripleIndex of {len(self)} triples>"

    # ----------------------------------------------------------------------------------------
    # the indexes, each built on first use

    def given(self) -> Iterator[Triple]:
        """The triples as given, without building an index (a triple given twice comes
        twice)."""
        for part in self._parts:
            if isinstance(part, TripleIndex):
                yield from part.given()
            else:
                yield from part

    @functools.cached_property
    def _spo(self) -> dict[Node, dict[Node, dict[Node, None]]]:
        spo: dict[Node, dict[Node, dict[Node, None]]] = {}
        for s, p, o in self.given():
            by_p = spo.get(s)
            if by_p is None:
                spo[s] = {p: {o: None}}
                continue
            objects = by_p.get(p)
            if objects is None:
                by_p[p] = {o: None}
            else:
                objects[o] = None
        return spo

    @functools.cached_property
    def _pos(self) -> dict[Node, dict[Node, dict[Node, None]]]:
        pos: dict[Node, dict[Node, dict[Node, None]]] = {}
        for s, by_p in self._spo.items():
            for p, objects in by_p.items():
                by_o = pos.get(p)
                if by_o is None:
                    by_o = pos[p] = {}
                for o in objects:
                    subjects = by_o.get(o)
                    if subjects is None:
                        by_o[o] = {s: None}
                    else:
                        subjects[s] = None
        return pos

    @functools.cached_property
    def _osp(self) -> dict[Node, dict[Node, dict[Node, None]]]:
        return self._by_object(None)

    @functools.cached_property
    def _blank_osp(self) -> dict[Node, dict[Node, dict[Node, None]]]:
        """:attr:`_osp` of the blank nodes only (what a report asks: the way to a blank node),
        far smaller."""
        if "_osp" in self.__dict__:
            return self._osp
        return self._by_object(BNode)

    def _by_object(self, kind: type | None) -> dict[Node, dict[Node, dict[Node, None]]]:
        osp: dict[Node, dict[Node, dict[Node, None]]] = {}
        for s, by_p in self._spo.items():
            for p, objects in by_p.items():
                for o in objects:
                    if kind is not None and not isinstance(o, kind):
                        continue
                    by_s = osp.get(o)
                    if by_s is None:
                        osp[o] = {s: {p: None}}
                        continue
                    predicates = by_s.get(s)
                    if predicates is None:
                        by_s[s] = {p: None}
                    else:
                        predicates[p] = None
        return osp

    @functools.cached_property
    def _length(self) -> int:
        return sum(len(objects) for by_p in self._spo.values() for objects in by_p.values())

    # ----------------------------------------------------------------------------------------
    # rdflib's Graph API, read-only

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[Triple]:
        return self.triples((None, None, None))

    def __contains__(self, triple: tuple[Node | None, Node | None, Node | None]) -> bool:
        for _ in self.triples(triple):
            return True
        return False

    def triples(self, pattern: tuple[Node | None, Node | None, Node | None]) -> Iterator[Triple]:
        s, p, o = pattern
        if s is not None:
            by_p = self._spo.get(s)
            if by_p is None:
                return
            if p is not None:
                objects = by_p.get(p)
                if objects is None:
                    return
                if o is not None:
                    if o in objects:
                        yield s, p, o
                    return
                for obj in objects:
                    yield s, p, obj
                return
            for pred, objects in by_p.items():
                if o is None:
                    for obj in objects:
                        yield s, pred, obj
                elif o in objects:
                    yield s, pred, o
            return
        if p is not None:
            by_o = self._pos.get(p)
            if by_o is None:
                return
            if o is not None:
                for subj in by_o.get(o, ()):
                    yield subj, p, o
                return
            for obj, subjects in by_o.items():
                for subj in subjects:
                    yield subj, p, obj
            return
        if o is not None:
            osp = self._blank_osp if isinstance(o, BNode) else self._osp
            for subj, predicates in osp.get(o, _EMPTY).items():
                for pred in predicates:
                    yield subj, pred, o
            return
        for subj, by_p in self._spo.items():
            for pred, objects in by_p.items():
                for obj in objects:
                    yield subj, pred, obj

    def subjects(
        self, predicate: Node | None = None, object: Node | None = None, unique: bool = False
    ) -> Iterator[Node]:
        if predicate is None and object is None:
            return iter(self._spo)
        if predicate is not None and object is not None:
            return iter(self._pos.get(predicate, _EMPTY).get(object, ()))
        return self._subjects(predicate, object)

    def _subjects(self, predicate: Node | None, object: Node | None) -> Iterator[Node]:
        seen: set[Node] = set()
        for s, _p, _o in self.triples((None, predicate, object)):
            if s not in seen:
                seen.add(s)
                yield s

    def objects(
        self, subject: Node | None = None, predicate: Node | None = None, unique: bool = False
    ) -> Iterator[Node]:
        if subject is not None and predicate is not None:  # the common case, without a frame
            return iter(self._spo.get(subject, _EMPTY).get(predicate, ()))
        return self._objects(subject, predicate, unique)

    def _objects(
        self, subject: Node | None, predicate: Node | None, unique: bool
    ) -> Iterator[Node]:
        if subject is None and predicate is None:
            yield from self._osp
            return
        seen: set[Node] = set()
        for _s, _p, o in self.triples((subject, predicate, None)):
            if not unique or o not in seen:
                seen.add(o)
                yield o

    def subject_objects(
        self, predicate: Node | None = None, unique: bool = False
    ) -> Iterator[tuple[Node, Node]]:
        for s, _p, o in self.triples((None, predicate, None)):
            yield s, o

    def subject_predicates(
        self, object: Node | None = None, unique: bool = False
    ) -> Iterator[tuple[Node, Node]]:
        for s, p, _o in self.triples((None, None, object)):
            yield s, p

    def predicate_objects(
        self, subject: Node | None = None, unique: bool = False
    ) -> Iterator[tuple[Node, Node]]:
        for _s, p, o in self.triples((subject, None, None)):
            yield p, o

    def value(
        self,
        subject: Node | None = None,
        predicate: Node | None = RDF.value,
        object: Node | None = None,
        default: Node | None = None,
        any: bool = True,
    ) -> Node | None:
        """As rdflib's: the one unbound term of the pattern (the first found), else ``default``."""
        if subject is not None and predicate is not None and object is None:
            for found in self._spo.get(subject, _EMPTY).get(predicate, ()):
                return found
            return default
        if subject is None:
            found = self.subjects(predicate, object)
        elif predicate is None:
            found = (p for _s, p, _o in self.triples((subject, None, object)))
        else:
            found = self.objects(subject, predicate)
        return next(iter(found), default)
