"""Finding the project's files and reading the seed texts.

The layout is the one in docs/architecture.md: this module is the only place that knows it, so
every other module asks here for paths rather than joining them itself.

Every file found by a search (``data/**/*.ttl``, ``seeds/*.txt``, a contribution's
``seeds/*.txt``) must be a regular file, symbolic links followed, inside the project folder (for
the project's files) or inside the contribution folder named (for its files): a link pointing
out, a pipe or a device is refused, never read (SECURITY.md). A seed text is
read through :func:`stancegraph.safety.read_limited`, so it is bounded by ``--max-bytes`` and a
pipe cannot make the read block.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import DCTERMS

from stancegraph import names, safety
from stancegraph.errors import InputError, ProjectError

#: Environment variable naming the project folder; wins over the search from the cwd.
HOME_ENV = "STANCEGRAPH_HOME"

#: The file whose presence marks a project folder.
MARKER = Path("ontology") / "stancegraph.ttl"

#: Source keys (and slugs) are lower-case ASCII words joined by ``-``.
KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: The longest source key: ``seeds/<key>.ttl`` must be a file name the file system can hold.
MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class Source:
    """One source document: its key, its text, its RDF description, and its statements."""

    key: str
    text_path: Path
    description_path: Path
    data_dir: Path
    root: Path  # the project folder: every file of the source must be inside it
    #: its description says the text may not be redistributed (``dcterms:accessRights
    #: text-access:withheld``): ``text_path`` may then not exist
    withheld: bool = False

    @property
    def has_text(self) -> bool:
        """Whether ``seeds/<key>.txt`` is here (always, unless the text is withheld)."""
        return self.text_path.is_file()

    @property
    def data_files(self) -> list[Path]:
        """``data/<key>/*.ttl``, sorted; empty if the folder does not exist yet."""
        return _sorted_files(self.data_dir, "*.ttl", self.root)

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
        return _sorted_files(self.root / "ontology" / "vocab", "*.ttl", self.root)

    @property
    def shapes_files(self) -> list[Path]:
        return _sorted_files(self.shapes_dir, "*.ttl", self.root)

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
    def shapes_dir(self) -> Path:
        return self.root / "ontology" / "shapes"

    @property
    def expected_dir(self) -> Path:
        """``queries/expected/``: the golden answers of the saved queries."""
        return self.root / "queries" / "expected"

    @property
    def dist_dir(self) -> Path:
        """``dist/``: what ``build`` writes, and the site (``dist/docs``) and pictures
        (``dist/img``) by default."""
        return self.root / "dist"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def query_files(self) -> list[Path]:
        """Every saved ``.rq`` under ``queries/`` (analytic and QA), sorted."""
        return _sorted_files(self.queries_dir, "**/*.rq", self.root)

    @property
    def data_files(self) -> list[Path]:
        """Every ``data/**/*.ttl``, sorted."""
        return _sorted_files(self.data_dir, "**/*.ttl", self.root)

    @property
    def sources(self) -> list[Source]:
        """Each ``seeds/<key>.txt`` with its ``seeds/<key>.ttl``, sorted by key.

        Raises :class:`ProjectError` for a text without a description (or the reverse) and for a
        key that is not a slug.
        """
        texts = {p.stem: p for p in _sorted_files(self.seeds_dir, "*.txt", self.root)}
        descriptions = {p.stem: p for p in _sorted_files(self.seeds_dir, "*.ttl", self.root)}
        withheld = {
            key for key in descriptions.keys() - texts.keys() if is_withheld(descriptions[key])
        }
        for key in sorted((texts.keys() ^ descriptions.keys()) - withheld):
            have, missing = (
                (f"{key}.txt", f"{key}.ttl") if key in texts else (f"{key}.ttl", f"{key}.txt")
            )
            raise ProjectError(
                f"{self.seeds_dir / have} has no companion {self.seeds_dir / missing}; "
                "every source needs its text and its description"
            )
        for key in sorted(descriptions):
            if not KEY_PATTERN.match(key):
                raise ProjectError(
                    f"{descriptions[key]}: source key {key!r} must be lower-case ASCII words "
                    "joined by '-'"
                )
        return [
            Source(
                key=key,
                text_path=texts.get(key, self.seeds_dir / f"{key}.txt"),
                description_path=descriptions[key],
                data_dir=self.data_dir / key,
                root=self.root,
                withheld=key in withheld,
            )
            for key in sorted(descriptions)
        ]

    def source(self, key: str) -> Source:
        """The source called ``key``; :class:`ProjectError` if there is none."""
        for src in self.sources:
            if src.key == key:
                return src
        known = ", ".join(s.key for s in self.sources) or "none"
        raise ProjectError(f"no source {key!r} in {self.seeds_dir} (known: {known})")

    def seed_text(self, key: str) -> str:
        """The text of source ``key`` exactly as stored (UTF-8, no newline translation);
        :class:`ProjectError` saying so if the text is withheld and not here."""
        src = self.source(key)
        if src.withheld and not src.has_text:
            raise ProjectError(withheld_message(src))
        return read_seed_text(src.text_path, within=self.root)

    def source_files(self, key: str) -> list[Path]:
        """The RDF files of source ``key`` that exist: ``seeds/<key>.ttl`` and
        ``data/<key>/*.ttl``, each inside the project (else :class:`ProjectError`)."""
        if not KEY_PATTERN.match(key) or len(key) > MAX_KEY_LENGTH:
            return []  # no file can have that name (a key too long for the file system)
        description = self.seeds_dir / f"{key}.ttl"
        found = []
        if description.exists() or description.is_symlink():
            try:
                refuse_outside(description, self.root, "a project file")
            except InputError as exc:
                raise ProjectError(str(exc)) from None
            found.append(description)
        return found + _sorted_files(self.data_dir / key, "*.ttl", self.root)

    def seed_texts(self) -> list[Path]:
        """Every ``seeds/*.txt`` of the project, sorted (with or without a description)."""
        return _sorted_files(self.seeds_dir, "*.txt", self.root)


def is_withheld(description: Path) -> bool:
    """Whether the description ``seeds/<key>.ttl`` says its document's text is withheld
    (``doc:<key> dcterms:accessRights text-access:withheld``); read only for a description
    without its text, so a description that does not parse is reported here."""
    doc = URIRef(names.DOCUMENT_BASE + description.stem)
    return (doc, DCTERMS.accessRights, names.TEXT_WITHHELD) in safety.parse_file(description)


def withheld_message(src: Source) -> str:
    """The one line that says a withheld text is not here."""
    return (
        f"the text of source {src.key!r} is withheld (its description {src.description_path.name} "
        f"says dcterms:accessRights text-access:withheld) and {src.text_path.name} is not in "
        "the project, so nothing that reads the text can run on it here "
        f"(validate --texts DIR checks its anchors against your copy DIR/{src.key}.txt)"
    )


@dataclass(frozen=True)
class SeedText:
    """A seed text as read: where it is, its text, and the SHA-256 of its bytes."""

    key: str
    path: Path
    text: str
    sha256: str


def read_seed(path: str | Path, within: str | Path | None = None) -> SeedText:
    """The seed text at ``path`` exactly as stored: strict UTF-8, line endings untouched.

    Offsets into seed texts count Unicode code points of this text, so nothing may change it. The
    file must be a regular file of at most ``--max-bytes`` (:func:`safety.read_limited`) and, if
    ``within`` is given, inside that folder once symbolic links are followed. Raises
    :class:`ProjectError` (a missing or badly encoded text) or :class:`InputError` (a file that is
    not a regular file inside ``within``, or too large).
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise ProjectError(f"{path}: no such seed text")
    if within is not None:
        refuse_outside(path, Path(within), "a seed text")
    data = safety.read_limited(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProjectError(f"{path}: seed text is not valid UTF-8 (at byte {exc.start})") from None
    return SeedText(key=path.stem, path=path, text=text, sha256=hashlib.sha256(data).hexdigest())


def read_seed_text(path: str | Path, within: str | Path | None = None) -> str:
    """The text of :func:`read_seed` alone."""
    return read_seed(path, within).text


def seed_texts_in(folder: Path) -> list[Path]:
    """The seed texts a contribution folder brings: its ``seeds/*.txt`` (or its own ``*.txt`` if
    the folder is itself called ``seeds``) whose names are source keys, sorted. Nothing else in
    the folder is looked at; each must be a regular file inside ``folder`` (see
    :func:`refuse_outside`)."""
    seeds = folder if folder.name == "seeds" else folder / "seeds"
    if not seeds.is_dir():
        return []
    found = []
    for path in sorted(seeds.glob("*.txt")):
        if not KEY_PATTERN.match(path.stem):
            continue
        refuse_outside(path, folder, "a seed text")
        found.append(path)
    return found


def is_inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, symbolic links followed, is ``folder`` or lies inside it."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a loop of symbolic links
        return False


def refuse_outside(path: Path, folder: Path, what: str) -> None:
    """Raise :class:`InputError` unless ``path`` is a regular file inside ``folder`` once symbolic
    links are followed: a link out of the folder, a broken link, a pipe, a socket or a device is
    never opened. (A link to a file inside the folder is accepted.)"""
    if not is_inside(path, folder):
        raise InputError(
            path,
            None,
            None,
            f"leads out of {folder} through a symbolic link; {what} must be a regular file "
            "inside it (copy the file in instead of linking it)",
        )
    if not path.is_file():
        why = "a broken symbolic link" if not path.exists() else "a device, pipe or socket"
        raise InputError(path, None, None, f"is not a regular file ({why}); {what} must be one")


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


def _sorted_files(folder: Path, pattern: str, root: Path) -> list[Path]:
    """The files matching ``pattern`` in ``folder``, sorted; each must be a regular file inside
    the project ``root`` (a link out of it, a pipe or a device is a :class:`ProjectError`)."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob(pattern)):
        if path.is_dir():
            continue
        try:
            refuse_outside(path, root, "a project file")
        except InputError as exc:
            raise ProjectError(str(exc)) from None
        found.append(path)
    return found


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in folder ``path`` durable (fsync the folder), where the file
    system allows it: the last step of every atomic write (build's swap, the store's reload)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
