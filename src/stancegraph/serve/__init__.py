"""``stancegraph serve``: the graph as a website and a SPARQL service, read-only (issue #21).

One module per job, pointing down this list::

    serve/app.py        the Starlette application (create_app) and the uvicorn server
    serve/pages.py      the reader (/source/KEY), the network and the timeline pages
    serve/api.py        the saved queries as an API, and its OpenAPI document
    serve/sparql.py     the SPARQL 1.1 Protocol at /sparql; the limits every query runs under
    serve/linked.py     Linked Data: a page (HTML, Turtle, JSON-LD) for every IRI of the graph
    serve/negotiate.py  content negotiation and error answers
    serve/worker.py     the query worker processes: time limit, row cap, memory limit

docs/serve.md lists the endpoints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stancegraph.serve.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:  # the workers import this package: keep it light
    if name == "create_app":
        from stancegraph.serve.app import create_app

        return create_app
    raise AttributeError(name)
