"""docs/architecture.md draws the modules' floors as the imports are (issue #15): every module of
the package is on one floor, imports only from floors below its own, and every module and folder
the page names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "stancegraph"
PAGE = ROOT / "docs" / "architecture.md"


def floors() -> list[set[str]]:
    """The floors of the drawing, top (cli) first."""
    text = PAGE.read_text(encoding="utf-8")
    block = text.split("Imports point one way, down these floors", 1)[1].split("```")[1]
    out = []
    for line in block.strip().splitlines():
        if line.startswith(" "):
            continue  # a comment's second line
        names = line.split("(", 1)[0]
        out.append({n.strip() for n in names.split("·") if n.strip()})
    return out


def module_of(path: Path) -> str:
    """``validate/checks/iri_kind.py`` -> ``validate``: a package counts as one module."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def imports(path: Path) -> set[str]:
    """The package's modules a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "stancegraph":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("stancegraph."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("stancegraph."):
                    found.add(alias.name.split(".")[1])
    return found - {"__version__"}


def modules() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_of(path)
        if name == "__init__":
            continue
        out.setdefault(name, set()).update(imports(path) - {name})
    return out


def test_every_module_is_on_one_floor() -> None:
    drawn = [m for floor in floors() for m in floor]
    assert sorted(drawn) == sorted(modules())
    assert len(drawn) == len(set(drawn))


def test_imports_point_down_the_floors() -> None:
    level = {m: i for i, floor in enumerate(floors()) for m in floor}
    upward = sorted(
        f"{module} imports {other}"
        for module, used in modules().items()
        for other in used
        if level[other] <= level[module]
    )
    assert upward == []


def test_an_upward_import_would_be_caught(tmp_path: Path) -> None:
    path = tmp_path / "x.py"
    path.write_text(
        "def f():\n    from stancegraph import cli\n    from stancegraph.docs import a\n"
    )
    assert imports(path) == {"cli", "docs"}


def test_the_folders_and_modules_the_page_names_exist() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for folder in re.findall(r"^\| `([a-z/]+/)` \|", text, re.M):
        if folder != "dist/":  # written by build, not in git
            assert (ROOT / folder).is_dir(), folder
    for name in re.findall(r"^(validate/[\w/]+(?:\.py)?)\s", text, re.M):
        assert (PACKAGE / name).exists(), name
