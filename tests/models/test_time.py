"""parse_time: every time shape webhooks carry, to tz-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from igbot.models import parse_time
from igbot.models._time import to_ms

MOMENT = datetime(2021, 9, 8, 6, 34, 4, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        1631082844000, 1631082844, 1631082844.0, "1631082844000", "1631082844", " 1631082844 ",
        "2021-09-08T06:34:04+0000", "2021-09-08T06:34:04Z", "2021-09-08T06:34:04+00:00",
        "2021-09-08T13:34:04+0700", "2021-09-08T06:34:04",
    ],
)
def test_all_shapes_give_the_same_utc_moment(value: object) -> None:
    moment = parse_time(value)
    assert moment == MOMENT and moment.tzinfo is UTC


def test_milliseconds_are_kept() -> None:
    assert to_ms(parse_time(1732500000123)) == 1732500000123
    assert to_ms(parse_time("1732500000123")) == 1732500000123


@pytest.mark.parametrize(
    "value", [None, True, "soon", "", float("nan"), float("inf"), -5, 10**30, [1], {"t": 1},
              "0001-01-01T00:00:00+01:00"],
)
def test_not_times(value: object) -> None:
    with pytest.raises(ValueError, match="not a time"):
        parse_time(value)
