"""Finding the project's files and reading the seed texts.

The layout is the one in docs/architecture.md: this module is the only place that knows it, so
every other module asks here for paths rather than joining them itself.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from stancegraph.errors import ProjectError

#: Environment variable naming the project folder; wins over the search from the cwd.
HOME_ENV = "STANCEGRAPH_HOME"

#: The file whose presence marks a project folder.
MARKER = Path("ontology") / "stancegraph.ttl"

#: Source keys (and slugs) are lower-case ASCII words joined by ``-``.
KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Source:
    """One source document: its key, its text, its RDF description, and its statements."""

    key: str
    text_path: Path
    description_path: Path
    data_dir: Path

    @property
    def data_files(self) -> list[Path]:
        """``data/<key>/*.ttl``, sorted; empty if the folder does not exist yet."""
        return _sorted_files(self.data_dir, "*.ttl")

    @property
    def rdf_files(self) -> list[Path]:
        """Every file of this source's named graph: its description, then its statements."""
        return [self.description_path, *self.data_files]


@dataclass(frozen=True)
class Project:
    """A stancegraph project folder and the paths of its parts."""

    root: Path

    @property
    def ontology_file(self) -> Path:
        return self.root / MARKER

    @property
    def vocab_files(self) -> list[Path]:
        return _sorted_files(self.root / "ontology" / "vocab", "*.ttl")

    @property
    def shapes_files(self) -> list[Path]:
        return _sorted_files(self.root / "ontology" / "shapes", "*.ttl")

    @property
    def actors_file(self) -> Path:
        return self.root / "data" / "actors.ttl"

    @property
    def seeds_dir(self) -> Path:
        return self.root / "seeds"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def query_files(self) -> list[Path]:
        """Every saved ``.rq`` under ``queries/`` (analytic and QA), sorted."""
        return _sorted_files(self.queries_dir, "**/*.rq")

    @property
    def data_files(self) -> list[Path]:
        """Every ``data/**/*.ttl``, sorted."""
        return _sorted_files(self.data_dir, "**/*.ttl")

    @property
    def sources(self) -> list[Source]:
        """Each ``seeds/<key>.txt`` with its ``seeds/<key>.ttl``, sorted by key.

        Raises :class:`ProjectError` for a text without a description (or the reverse) and for a
        key that is not a slug.
        """
        texts = {p.stem: p for p in _sorted_files(self.seeds_dir, "*.txt")}
        descriptions = {p.stem: p for p in _sorted_files(self.seeds_dir, "*.ttl")}
        for key in sorted(texts.keys() ^ descriptions.keys()):
            have, missing = (
                (f"{key}.txt", f"{key}.ttl") if key in texts else (f"{key}.ttl", f"{key}.txt")
            )
            raise ProjectError(
                f"{self.seeds_dir / have} has no companion {self.seeds_dir / missing}; "
                "every source needs its text and its description"
            )
        for key in texts:
            if not KEY_PATTERN.match(key):
                raise ProjectError(
                    f"{texts[key]}: source key {key!r} must be lower-case ASCII words joined by '-'"
                )
        return [
            Source(
                key=key,
                text_path=texts[key],
                description_path=descriptions[key],
                data_dir=self.data_dir / key,
            )
            for key in sorted(texts)
        ]

    def source(self, key: str) -> Source:
        """The source called ``key``; :class:`ProjectError` if there is none."""
        for src in self.sources:
            if src.key == key:
                return src
        known = ", ".join(s.key for s in self.sources) or "none"
        raise ProjectError(f"no source {key!r} in {self.seeds_dir} (known: {known})")

    def seed_text(self, key: str) -> str:
        """The text of source ``key`` exactly as stored (UTF-8, no newline translation)."""
        return read_seed_text(self.source(key).text_path)


def read_seed_text(path: str | Path) -> str:
    """A seed text exactly as stored: strict UTF-8, line endings untouched.

    Offsets into seed texts count Unicode code points of this string, so nothing may change it.
    """
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read()
    except FileNotFoundError:
        raise ProjectError(f"{path}: no such seed text") from None
    except UnicodeDecodeError as exc:
        raise ProjectError(f"{path}: seed text is not valid UTF-8 (at byte {exc.start})") from None
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read seed text: {exc.strerror or exc}") from None


def find_project(home: str | Path | None = None, start: str | Path | None = None) -> Project:
    """The project folder.

    In order: ``home`` if given; else ``$STANCEGRAPH_HOME`` if set; else the nearest folder at or
    above ``start`` (default: the cwd) holding ``ontology/stancegraph.ttl``; else the checkout this
    package was installed from in editable mode. Raises :class:`ProjectError` if none is found or
    if an explicitly named folder is not a project.
    """
    explicit = home if home is not None else os.environ.get(HOME_ENV) or None
    if explicit is not None:
        root = Path(explicit).expanduser()
        if not root.is_dir():
            raise ProjectError(f"project folder {root} does not exist ({HOME_ENV} or --home)")
        if not (root / MARKER).is_file():
            raise ProjectError(
                f"{root} is not a stancegraph project: {MARKER} is missing ({HOME_ENV} or --home)"
            )
        return Project(root.resolve())
    here = Path(start) if start is not None else Path.cwd()
    for candidate in _upwards(here.resolve()):
        if (candidate / MARKER).is_file():
            return Project(candidate)
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / MARKER).is_file():
        return Project(checkout)
    raise ProjectError(
        f"no stancegraph project found: no {MARKER} in {here} or above; "
        f"run inside a checkout or set {HOME_ENV}"
    )


def _upwards(path: Path) -> Iterable[Path]:
    yield path
    yield from path.parents


def _sorted_files(folder: Path, pattern: str) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(pattern) if p.is_file())
