"""Arrow columns into the canonical frame: the checks it makes on a dictionary."""

from __future__ import annotations

import pyarrow as pa
import pytest

from igbot.analytics._arrow_frame import _distinct


@pytest.mark.parametrize(("values", "distinct"), [
    ([], True), (["a"], True), (["a", "b", "c"], True), (["b", "a", "c"], True),
    (["a", "a", "b"], False), (["b", "a", "b"], False), (["", "é", "😍"], True)])
def test_a_dictionary_is_distinct_sorted_or_not(values: list[str], distinct: bool) -> None:
    assert _distinct(pa.array(values, pa.string())) is distinct
