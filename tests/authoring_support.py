"""Drive the contributor's path of CONTRIBUTING.md in a copy of the project (issue #17).

A *session* (tests/fixtures/authoring/session.txt) is what a contributor does after
``stancegraph new-source``: lines ``$ stancegraph ...`` are commands whose output they paste at the
end of ``data/<key>/statements.ttl``; ``+ N: text`` inserts a line they write into the block just
pasted, after its line N; ``#!`` lines are notes about the session; every other line they write
into the file by hand.
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "authoring"


def copy_project(dest: Path) -> Path:
    """The project's ontology, data and seeds under ``dest``."""
    for part in ("ontology", "data", "seeds"):
        shutil.copytree(ROOT / part, dest / part)
    return dest


@dataclass
class Session:
    """What a session wrote: the statements file, the lines typed by hand, the commands run."""

    path: Path
    hand: list[str] = field(default_factory=list)
    commands: list[tuple[list[str], str]] = field(default_factory=list)


def play(session: str, statements: Path, run: Callable[[list[str]], str]) -> Session:
    """Play ``session`` into the file ``statements``; ``run(args)`` runs ``stancegraph args``
    and returns what it printed."""
    lines = statements.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    done = Session(statements)
    pasted_at = 0
    inserted = []
    for raw in session.split("\n"):
        if raw.startswith("#!"):
            continue
        if raw.startswith("$ stancegraph "):
            args = shlex.split(raw[len("$ stancegraph ") :])
            write(statements, lines)  # the command reads what is there so far
            out = run(args)
            done.commands.append((args, out))
            if lines and lines[-1].strip():
                lines.append("")
            pasted_at = len(lines)
            inserted: list[int] = []
            lines.extend(out.rstrip("\n").split("\n"))
            lines.append("")
            continue
        insert = re.match(r"^\+ (\d+): (.*)$", raw)
        if insert:
            n = int(insert.group(1))
            lines.insert(pasted_at + n + sum(1 for m in inserted if m <= n), insert.group(2))
            inserted.append(n)
            done.hand.append(insert.group(2))
            continue
        if raw.strip() or (lines and lines[-1].strip()):
            lines.append(raw)
        if raw.strip() and not raw.lstrip().startswith("#"):
            done.hand.append(raw)
    write(statements, lines)
    return done


def write(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
