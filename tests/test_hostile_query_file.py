"""``query --file URL`` is refused as a URL, and nothing is fetched (issue #22).

Observed before: ``stancegraph query --file http://127.0.0.1:9/x.rq`` said
``http:/127.0.0.1:9/x.rq: no such file`` instead of the "is a URL" refusal SECURITY.md documents:
the command turned the URL into a ``Path``, which collapses ``//``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hostile_support import Recorder, assert_clean_failure, copy_mini, run_cli


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_mini(tmp_path_factory.mktemp("hostile-query-file"))


@pytest.mark.loopback
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_a_url_given_to_query_file_is_refused_and_not_fetched(home: Path, engine: str) -> None:
    server = Recorder().start()
    try:
        url = server.url("/q.rq")
        result, _ = run_cli(home, "query", "--file", url, "--engine", engine)
    finally:
        server.stop()
    line = assert_clean_failure(result)
    assert line == (
        f"stancegraph: error: {url}: is a URL; stancegraph reads only local files and never "
        "downloads (save the file and give its path)"
    )
    assert server.requests == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "https://example.org/q.rq"])
def test_other_urls_are_refused_too(home: Path, url: str) -> None:
    result, _ = run_cli(home, "query", "--file", url)
    assert f"{url}: is a URL" in assert_clean_failure(result)


def test_a_missing_file_is_still_named_as_given(home: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such.rq"
    result, _ = run_cli(home, "query", "--file", str(missing))
    assert assert_clean_failure(result) == f"stancegraph: error: {missing}: no such file"
