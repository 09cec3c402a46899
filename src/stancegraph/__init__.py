"""stancegraph: a knowledge graph of actors, claims and stances in analysis articles."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stancegraph")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
