"""Schedule expressions: ``rate(n unit)`` and AWS's six-field ``cron(...)``, compiled once.

``rate``: ``n`` is a positive integer and the unit is ``minute`` / ``hour`` / ``day`` when
``n`` is 1 and ``minutes`` / ``hours`` / ``days`` otherwise; nothing else is accepted (no
seconds, no extra spaces, lower case only). A rate schedule fires at ``anchor + k * period``
for ``k >= 1`` (the anchor is when the rule was created or enabled).

``cron(minutes hours day-of-month month day-of-week year)``, always in UTC:

============  ==============  =====================
field         values          wildcards
============  ==============  =====================
minutes       0-59            ``, - * /``
hours         0-23            ``, - * /``
day-of-month  1-31            ``, - * ? / L W``
month         1-12, JAN-DEC   ``, - * /``
day-of-week   1-7, SUN-SAT    ``, - * ? L #``
year          1970-9999       ``, - * /``
============  ==============  =====================

Exactly one of day-of-month and day-of-week is ``?``. ``L`` is the last day of the month
(``LW`` its last weekday) or, in day-of-week, Saturday (``5L``: the month's last Thursday);
``15W`` is the weekday nearest the 15th within the month; ``6#3`` is the month's third Friday;
ranges may wrap (``FRI-MON``). AWS documents years up to 2199 but accepts later ones.

Invalid expressions raise :class:`InvalidScheduleExpressionError` with AWS's only message,
"Parameter ScheduleExpression is not valid.".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TypeAlias, TypeVar

from headwater.events.errors import InvalidScheduleExpressionError

__all__ = ["CronSchedule", "RateSchedule", "RateUnit", "Schedule", "compile_schedule"]

_RATE = re.compile(r"rate\(([1-9][0-9]*) (minute|minutes|hour|hours|day|days)\)")
_CRON = re.compile(r"cron\((.*)\)", re.DOTALL)
_MONTHS = {
    name: i
    for i, name in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1
    )
}
_DAYS = {name: i for i, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], 1)}
_MAX_YEAR = 9999
_T = TypeVar("_T", float, datetime)


class RateUnit(StrEnum):
    """The units ``rate()`` accepts, as AWS spells them (singular form)."""

    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"


_UNIT_SECONDS = {RateUnit.MINUTE: 60, RateUnit.HOUR: 3600, RateUnit.DAY: 86400}


def _invalid() -> InvalidScheduleExpressionError:
    return InvalidScheduleExpressionError()


def _to_datetime(t: float | datetime) -> datetime:
    if isinstance(t, datetime):
        return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    return datetime.fromtimestamp(t, tz=UTC)


def _like(result: datetime, given: float | datetime) -> float | datetime:
    return result if isinstance(given, datetime) else result.timestamp()


@dataclass(frozen=True, slots=True, kw_only=True)
class RateSchedule:
    """``rate(value unit)``."""

    expression: str
    value: int
    unit: RateUnit

    @property
    def period_seconds(self) -> int:
        """The interval between fires."""
        return self.value * _UNIT_SECONDS[self.unit]

    def next_fire_after(self, after: _T, *, anchor: float | datetime | None = None) -> _T:
        """The first fire strictly after ``after`` (epoch seconds or a datetime, same type back).

        Args:
            after: the instant to look after.
            anchor: when the schedule started; fires are ``anchor + k * period``, ``k >= 1``.
                Without it the next fire is one period after ``after``.
        """
        start = _to_datetime(after)
        period = timedelta(seconds=self.period_seconds)
        if anchor is None:
            result = start + period
        else:
            base = _to_datetime(anchor)
            k = max(1, int((start - base) / period) + 1)
            result = base + k * period
            while result <= start:
                result += period
        return _like(result, after)  # type: ignore[return-value]


@dataclass(frozen=True, slots=True, kw_only=True)
class _DayOfMonth:
    days: frozenset[int] = frozenset()
    last: bool = False
    last_weekday: bool = False
    nearest_weekday: int | None = None

    def for_month(self, year: int, month: int) -> list[int]:
        size = calendar.monthrange(year, month)[1]
        out = {d for d in self.days if d <= size}
        if self.last:
            out.add(size)
        if self.last_weekday:
            day = size
            while calendar.weekday(year, month, day) >= 5:
                day -= 1
            out.add(day)
        if self.nearest_weekday is not None and self.nearest_weekday <= size:
            day = self.nearest_weekday
            wd = calendar.weekday(year, month, day)
            if wd == 5:  # Saturday: the Friday before, or the Monday after the 1st
                day = day - 1 if day > 1 else day + 2
            elif wd == 6:  # Sunday: the Monday after, or the Friday before the last day
                day = day + 1 if day < size else day - 2
            out.add(day)
        return sorted(out)


def _aws_weekday(year: int, month: int, day: int) -> int:
    return (calendar.weekday(year, month, day) + 1) % 7 + 1  # 1 = Sunday ... 7 = Saturday


@dataclass(frozen=True, slots=True, kw_only=True)
class _DayOfWeek:
    days: frozenset[int] = frozenset()
    last_of: int | None = None  # "5L": the last Thursday of the month
    nth: tuple[int, int] | None = None  # "6#3": (Friday, third)

    def for_month(self, year: int, month: int) -> list[int]:
        size = calendar.monthrange(year, month)[1]
        if self.last_of is not None:
            day = size
            while _aws_weekday(year, month, day) != self.last_of:
                day -= 1
            return [day]
        if self.nth is not None:
            weekday, n = self.nth
            matching = [d for d in range(1, size + 1) if _aws_weekday(year, month, d) == weekday]
            return [matching[n - 1]] if n <= len(matching) else []
        return [d for d in range(1, size + 1) if _aws_weekday(year, month, d) in self.days]


_DaySpec: TypeAlias = _DayOfMonth | _DayOfWeek


def _number(token: str, low: int, high: int, names: dict[str, int] | None) -> int:
    if names is not None and token.upper() in names:
        return names[token.upper()]
    if not token.isdigit():
        raise _invalid()
    value = int(token)
    if not low <= value <= high:
        raise _invalid()
    return value


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    """A field of lists, ranges (wrapping), steps and ``*``."""
    out: set[int] = set()
    for item in field.split(","):
        base, _, step_text = item.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise _invalid()
            step = int(step_text)
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start, end = _number(first, low, high, names), _number(last, low, high, names)
        else:
            start = _number(base, low, high, names)
            end = high if step_text else start
        span = (end - start) % (high - low + 1) if end < start else end - start
        out.update(low + (start - low + k) % (high - low + 1) for k in range(0, span + 1, step))
    return out


def _day_of_month(field: str) -> _DayOfMonth:
    upper = field.upper()
    if upper == "L":
        return _DayOfMonth(last=True)
    if upper == "LW":
        return _DayOfMonth(last_weekday=True)
    if upper.endswith("W"):
        return _DayOfMonth(nearest_weekday=_number(field[:-1], 1, 31, None))
    return _DayOfMonth(days=frozenset(_values(field, 1, 31)))


def _day_of_week(field: str) -> _DayOfWeek:
    upper = field.upper()
    if upper == "L":
        return _DayOfWeek(days=frozenset({7}))
    if "#" in upper:
        day, _, n = upper.partition("#")
        return _DayOfWeek(nth=(_number(day, 1, 7, _DAYS), _number(n, 1, 5, None)))
    if upper.endswith("L"):
        return _DayOfWeek(last_of=_number(upper[:-1], 1, 7, _DAYS))
    return _DayOfWeek(days=frozenset(_values(upper, 1, 7, _DAYS)))


@dataclass(frozen=True, slots=True, kw_only=True)
class CronSchedule:
    """``cron(minutes hours day-of-month month day-of-week year)``, in UTC."""

    expression: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    months: tuple[int, ...]
    years: tuple[int, ...]
    days: _DaySpec

    def next_fire_after(self, after: _T, *, anchor: float | datetime | None = None) -> _T | None:
        """The first fire strictly after ``after`` (same type back), ``None`` if none is left.

        ``anchor`` is accepted for symmetry with :class:`RateSchedule` and ignored.
        """
        start = _to_datetime(after).replace(second=0, microsecond=0) + timedelta(minutes=1)
        for year in self.years:
            if year < start.year:
                continue
            later_year = year > start.year
            for month in self.months:
                if not later_year and month < start.month:
                    continue
                later_month = later_year or month > start.month
                for day in self.days.for_month(year, month):
                    if not later_month and day < start.day:
                        continue
                    later_day = later_month or day > start.day
                    for hour in self.hours:
                        if not later_day and hour < start.hour:
                            continue
                        later_hour = later_day or hour > start.hour
                        for minute in self.minutes:
                            if not later_hour and minute < start.minute:
                                continue
                            found = datetime(year, month, day, hour, minute, tzinfo=UTC)
                            return _like(found, after)  # type: ignore[return-value]
        return None


Schedule: TypeAlias = RateSchedule | CronSchedule


def _cron(expression: str, body: str) -> CronSchedule:
    fields = body.split()
    if len(fields) != 6:
        raise _invalid()
    minutes, hours, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise _invalid()
    if "#" in dom or "W" in dow.upper() or "?" in minutes + hours + month + year:
        raise _invalid()
    days: _DaySpec = _day_of_week(dow) if dom == "?" else _day_of_month(dom)
    return CronSchedule(
        expression=expression,
        minutes=tuple(sorted(_values(minutes, 0, 59))),
        hours=tuple(sorted(_values(hours, 0, 23))),
        months=tuple(sorted(_values(month, 1, 12, _MONTHS))),
        years=tuple(sorted(_values(year, 1970, _MAX_YEAR))),
        days=days,
    )


def compile_schedule(expression: str) -> Schedule:
    """Compile a ScheduleExpression.

    Raises:
        InvalidScheduleExpressionError: "Parameter ScheduleExpression is not valid."
    """
    rate = _RATE.fullmatch(expression)
    if rate is not None:
        value, unit = int(rate.group(1)), rate.group(2)
        if (value == 1) == unit.endswith("s"):
            raise _invalid()
        return RateSchedule(expression=expression, value=value, unit=RateUnit(unit.rstrip("s")))
    cron = _CRON.fullmatch(expression)
    if cron is not None:
        return _cron(expression, cron.group(1))
    raise _invalid()
