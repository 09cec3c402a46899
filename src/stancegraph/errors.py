"""Typed errors raised by every stancegraph module.

Library code raises these; only :mod:`stancegraph.cli` turns them into a one-line message on
stderr and an exit code. Exit codes follow pySHACL: 0 ok, 1 findings (the input was usable but
something is wrong with it, e.g. a shape is violated), 2 unusable input (the command could not do
its work at all).
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_UNUSABLE = 2


class StancegraphError(Exception):
    """Base of every error stancegraph raises on purpose."""

    exit_code: int = EXIT_UNUSABLE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(StancegraphError):
    """A file could not be read or parsed: ``FILE:LINE:COL: message``.

    ``line`` and ``column`` are 1-based and ``None`` where unknown; ``str()`` leaves out what is
    unknown (``FILE:LINE: message`` or ``FILE: message``).
    """

    def __init__(
        self,
        path: str | Path,
        line: int | None,
        column: int | None,
        message: str,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        where = self.path
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        # One line, whatever the parser said.
        super().__init__(f"{where}: {' '.join(message.split())}")
        self.reason = " ".join(message.split())

    def __reduce__(self) -> tuple[type[InputError], tuple[str, int | None, int | None, str]]:
        # Rebuilt from its parts (the default would call __init__ with the message alone), so
        # that it survives the trip back from a worker process.
        return (type(self), (self.path, self.line, self.column, self.reason))


class ProjectError(StancegraphError):
    """The project's files are missing or not where docs/architecture.md puts them."""


class QueryError(StancegraphError):
    """A saved query is missing, malformed, or cannot be run."""


class QueryRefused(QueryError):
    """A query asks for something stancegraph does not do unless told to.

    ``SERVICE``, ``FROM``/``FROM NAMED``/``USING`` with a graph that is not one of the project's,
    ``LOAD``, and SPARQL Update where a command only reads (see
    :func:`stancegraph.safety.check_query`).
    """


class QueryTimeout(QueryError):
    """A query ran longer than its time limit and was stopped."""


class QueryOutOfMemory(QueryError):
    """A query took more memory than its limit and was stopped."""


class NetworkRefused(StancegraphError):
    """Something tried to reach the network while the network guard was on.

    Raised by the audit hook of :func:`stancegraph.isolation.install_network_guard`; reaching it
    means a parser or an engine tried to fetch what stancegraph had not been asked to fetch.
    """


class StoreError(StancegraphError):
    """A triple store (embedded or remote) cannot be opened, loaded or reached."""


class FindingsError(StancegraphError):
    """The input was usable, but checking it found problems (exit code 1).

    The command has shown its findings before raising it; ``message``, when there is one, is a
    last line on stderr saying what failed (``coverage below --min 90%: ...``). ``validate``'s
    report says it all, so it raises one without a message.
    """

    exit_code = EXIT_FINDINGS

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
