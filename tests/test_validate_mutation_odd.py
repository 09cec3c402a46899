"""The odd rounds of tests/test_validate_mutation.py's mutants (see its ``SHARDS``): a file of
its own, so that another worker runs them beside the even ones."""

from __future__ import annotations

import pytest

from stancegraph import validate
from test_validate_mutation import SHARDS, every_mutant_is_caught, start  # noqa: F401


@pytest.mark.slow
def test_every_mutant_of_the_odd_rounds_is_caught(start: validate.Context) -> None:  # noqa: F811
    assert SHARDS == 2
    every_mutant_is_caught(start, shard=1)
