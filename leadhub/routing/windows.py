"""Cap windows and schedules read in a route's time zone, right across daylight saving."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ScheduleError(ValueError):
    pass


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"There is no time zone {name!r}.") from None


def _local_midnight(day: Any, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def window_bounds(period: str, now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The window holding ``now`` as [start, end) in UTC. Days, weeks and months start at
    local midnight (a day may last 23 or 25 hours); an hour repeated when the clocks go back
    is two windows."""
    local = now.astimezone(tz)
    if period == "hour":
        start_utc = local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
        return start_utc, start_utc + timedelta(hours=1)
    if period == "day":
        first = local.date()
        after = first + timedelta(days=1)
    elif period == "week":
        first = local.date() - timedelta(days=local.weekday())
        after = first + timedelta(days=7)
    elif period == "month":
        first = local.date().replace(day=1)
        after = (first + timedelta(days=32)).replace(day=1)
    else:
        raise ValueError(f"No cap period {period!r}")
    return (
        _local_midnight(first, tz).astimezone(UTC),
        _local_midnight(after, tz).astimezone(UTC),
    )


def _hm(text: Any, where: str) -> time:
    try:
        hour, minute = str(text).split(":")
        return time(int(hour), int(minute))
    except ValueError:
        raise ScheduleError(f"{where}: {text!r} is not a time (HH:MM).") from None


Hours = dict[int, tuple[time, time]]


def schedule_compile(schedule: Any) -> Hours:
    """``{"mon": ["09:00", "17:30"], ...}`` as weekday → (opens, closes); empty: always
    open. ScheduleError naming the day when it cannot be used."""
    if not schedule:
        return {}
    if not isinstance(schedule, Mapping):
        raise ScheduleError('Schedule: give the opening hours by day, e.g. {"mon": [...]}.')
    hours: Hours = {}
    for day, span in schedule.items():
        if day not in DAYS:
            raise ScheduleError(f"Schedule: {day!r} is not a day (mon … sun).")
        if not isinstance(span, (list, tuple)) or len(span) != 2:
            raise ScheduleError(f"Schedule {day}: give [opens, closes].")
        opens, closes = _hm(span[0], f"Schedule {day}"), _hm(span[1], f"Schedule {day}")
        if closes <= opens:
            raise ScheduleError(f"Schedule {day}: it closes before it opens.")
        hours[DAYS.index(day)] = (opens, closes)
    return hours


def schedule_open(hours: Hours, now: datetime, tz: ZoneInfo) -> bool:
    if not hours:
        return True
    local = now.astimezone(tz)
    span = hours.get(local.weekday())
    return span is not None and span[0] <= local.time() < span[1]


def schedule_next_opening(hours: Hours, now: datetime, tz: ZoneInfo) -> datetime | None:
    """When the schedule next opens after ``now`` (UTC), within a week; None if never."""
    local = now.astimezone(tz)
    for ahead in range(8):
        day = local.date() + timedelta(days=ahead)
        span = hours.get(day.weekday())
        if span is None:
            continue
        opening = datetime.combine(day, span[0], tzinfo=tz).astimezone(UTC)
        if opening > now:
            return opening
    return None
