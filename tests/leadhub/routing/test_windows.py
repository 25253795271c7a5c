"""Cap windows and schedules in the route's zone, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from leadhub.routing.windows import (
    ScheduleError,
    schedule_compile,
    schedule_next_opening,
    schedule_open,
    window_bounds,
)

LONDON = ZoneInfo("Europe/London")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_day_the_clocks_go_forward_lasts_23_hours() -> None:
    # 29 March 2026: 01:00 GMT becomes 02:00 BST.
    start, end = window_bounds("day", utc(2026, 3, 29, 22, 30), LONDON)
    assert (start, end) == (utc(2026, 3, 29, 0), utc(2026, 3, 29, 23))
    # 00:30 BST on the 30th is already the next day's window, though 23:30 UTC the 29th.
    assert window_bounds("day", utc(2026, 3, 29, 23, 30), LONDON)[0] == utc(2026, 3, 29, 23)


def test_the_day_the_clocks_go_back_lasts_25_hours() -> None:
    start, end = window_bounds("day", utc(2026, 10, 25, 12), LONDON)
    assert (start, end) == (utc(2026, 10, 24, 23), utc(2026, 10, 26, 0))


def test_the_repeated_hour_is_two_windows() -> None:
    first = window_bounds("hour", utc(2026, 10, 25, 0, 30), LONDON)[0]
    second = window_bounds("hour", utc(2026, 10, 25, 1, 30), LONDON)[0]
    assert first == utc(2026, 10, 25, 0) and second == utc(2026, 10, 25, 1)


def test_weeks_start_on_monday_and_months_on_the_first_local_midnight() -> None:
    assert window_bounds("week", utc(2026, 4, 2, 12), LONDON) == (
        utc(2026, 3, 29, 23),  # Monday 30 March, 00:00 BST
        utc(2026, 4, 5, 23),
    )
    assert window_bounds("month", utc(2026, 3, 31, 23, 30), LONDON)[0] == utc(2026, 3, 31, 23)


def test_business_hours_are_read_in_local_time() -> None:
    hours = schedule_compile({"mon": ["09:00", "17:00"], "tue": ["09:00", "17:00"]})
    # Monday 30 March 2026, 08:30 UTC = 09:30 BST: open.
    assert schedule_open(hours, utc(2026, 3, 30, 8, 30), LONDON)
    assert not schedule_open(hours, utc(2026, 3, 30, 16, 30), LONDON)  # 17:30 BST
    assert schedule_next_opening(hours, utc(2026, 3, 30, 16, 30), LONDON) == utc(2026, 3, 31, 8)
    assert schedule_next_opening(hours, utc(2026, 4, 1, 9), LONDON) == utc(2026, 4, 6, 8)


@pytest.mark.parametrize(
    ("schedule", "named"),
    [
        ({"someday": ["09:00", "17:00"]}, "'someday' is not a day"),
        ({"mon": ["17:00", "09:00"]}, "closes before it opens"),
        ({"mon": ["9am", "5pm"]}, "'9am' is not a time"),
        ({"mon": "09:00-17:00"}, "give [opens, closes]"),
    ],
)
def test_a_schedule_that_cannot_be_used_is_refused(schedule: dict, named: str) -> None:
    with pytest.raises(ScheduleError, match=named.replace("[", r"\[")):
        schedule_compile(schedule)
