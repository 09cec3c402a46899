"""stancegraph: a knowledge graph of actors, claims and stances in analysis articles.

``stancegraph.open(path=None)`` opens a project for notebooks and scripts (:mod:`stancegraph.api`);
it is imported on first use, so that ``import stancegraph`` stays cheap.
"""

from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("stancegraph")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__", "open"]


def __getattr__(name: str) -> Any:
    """``stancegraph.open``, imported from :mod:`stancegraph.api` when first asked for."""
    if name == "open":
        from stancegraph.api import open

        return open
    raise AttributeError(f"module 'stancegraph' has no attribute {name!r}")
