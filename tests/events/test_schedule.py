"""cron() and rate() schedule expressions: validation and next fire times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from headwater.events import InvalidScheduleExpressionError
from headwater.events.schedule import CronSchedule, RateSchedule, RateUnit, compile_schedule

T0 = datetime(2024, 1, 31, 10, 7, 30, tzinfo=UTC)  # a Wednesday


def _next(expression: str, after: datetime = T0) -> datetime | None:
    schedule = compile_schedule(expression)
    result = schedule.next_fire_after(after)
    assert result is None or isinstance(result, datetime)
    return result


def _at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    "expression",
    [
        # validated against AWS (localstack's recorded tests)
        "rate(10 seconds)",
        "rate(10 years)",
        "rate(1 minutes)",
        "rate(1 hours)",
        "rate(1 days)",
        "rate(10 minute)",
        "rate(10 hour)",
        "rate(10 day)",
        "rate()",
        "rate(10)",
        "rate(10 minutess)",
        "rate(foo minutes)",
        "rate(0 minutes)",
        "rate(-10 minutes)",
        "rate(10 MINUTES)",
        "rate( 10 minutes )",
        " rate(10 minutes)",
        # cron rules from AWS's documentation
        "cron(0 10 * * * *)",
        "cron(0 10 ? * ? *)",
        "cron(0 10 * * ?)",
        "cron(0 10 * * ? * *)",
        "cron(60 10 * * ? *)",
        "cron(0 24 * * ? *)",
        "cron(0 10 0 * ? *)",
        "cron(0 10 32 * ? *)",
        "cron(0 10 * 13 ? *)",
        "cron(0 10 ? * 8 *)",
        "cron(0 10 1#2 * ? *)",
        "cron(0 10 ? * 2W *)",
        "cron(0 10 ? * MON-XYZ *)",
        "cron(0/0 10 * * ? *)",
        "cron(0 10 * * ? 1969)",
        "cron(L 10 * * ? *)",
        "cron(0 10 ? * 6#6 *)",
        "cron()",
        "cron(0 10 * * ? *",
        "at(2024-01-01T00:00:00)",
        "",
    ],
)
def test_invalid_expressions(expression: str) -> None:
    with pytest.raises(InvalidScheduleExpressionError) as exc:
        compile_schedule(expression)
    assert exc.value.message == "Parameter ScheduleExpression is not valid."
    assert exc.value.aws_code == "ValidationException"


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 10 * * ? *)",
        "cron(15 12 * * ? *)",
        "cron(0 18 ? * MON-FRI *)",
        "cron(0 8 1 * ? *)",
        "cron(0/15 * * * ? *)",
        "cron(0/10 * ? * MON-FRI *)",
        "cron(0/5 8-17 ? * MON-FRI *)",
        "cron(0/30 20-23 ? * MON-FRI *)",
        "cron(0/30 0-2 ? * MON-FRI *)",
        "cron(0 20 * * ? 2500)",
        "cron(0 0 ? * mon *)",
        "cron(*/5 * * jan-mar ? *)",
    ],
)
def test_valid_cron(expression: str) -> None:
    schedule = compile_schedule(expression)
    assert isinstance(schedule, CronSchedule)
    assert schedule.expression == expression


def test_rate_units() -> None:
    assert compile_schedule("rate(1 minute)") == RateSchedule(
        expression="rate(1 minute)", value=1, unit=RateUnit.MINUTE
    )
    five = compile_schedule("rate(5 minutes)")
    assert isinstance(five, RateSchedule)
    assert five.period_seconds == 300
    day = compile_schedule("rate(1 day)")
    assert isinstance(day, RateSchedule)
    assert day.period_seconds == 86400
    hours = compile_schedule("rate(12 hours)")
    assert isinstance(hours, RateSchedule)
    assert hours.period_seconds == 12 * 3600


def test_rate_next_fire() -> None:
    rate = compile_schedule("rate(5 minutes)")
    assert rate.next_fire_after(T0) == T0 + timedelta(minutes=5)
    anchor = _at(2024, 1, 31, 10, 0)
    assert rate.next_fire_after(T0, anchor=anchor) == _at(2024, 1, 31, 10, 10)
    assert rate.next_fire_after(_at(2024, 1, 31, 10, 10), anchor=anchor) == _at(2024, 1, 31, 10, 15)
    assert rate.next_fire_after(_at(2024, 1, 31, 9, 0), anchor=anchor) == _at(2024, 1, 31, 10, 5)
    epoch = T0.timestamp()
    assert rate.next_fire_after(epoch) == epoch + 300


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(0 10 * * ? *)", _at(2024, 2, 1, 10, 0)),
        ("cron(15 12 * * ? *)", _at(2024, 1, 31, 12, 15)),
        ("cron(8 10 * * ? *)", _at(2024, 1, 31, 10, 8)),
        ("cron(7 10 * * ? *)", _at(2024, 2, 1, 10, 7)),
        ("cron(0/15 * * * ? *)", _at(2024, 1, 31, 10, 15)),
        ("cron(*/20 * * * ? *)", _at(2024, 1, 31, 10, 20)),
        ("cron(0 18 ? * MON-FRI *)", _at(2024, 1, 31, 18, 0)),
        ("cron(0 9 ? * SAT,SUN *)", _at(2024, 2, 3, 9, 0)),
        ("cron(0 9 ? * 1 *)", _at(2024, 2, 4, 9, 0)),
        ("cron(0 8 1 * ? *)", _at(2024, 2, 1, 8, 0)),
        ("cron(0 8 1,15 * ? *)", _at(2024, 2, 1, 8, 0)),
        ("cron(0 8 10-12 * ? *)", _at(2024, 2, 10, 8, 0)),
        ("cron(0 0 L * ? *)", _at(2024, 2, 29, 0, 0)),
        ("cron(0 0 LW * ? *)", _at(2024, 2, 29, 0, 0)),
        ("cron(0 0 15W * ? *)", _at(2024, 2, 15, 0, 0)),
        ("cron(0 0 17W * ? *)", _at(2024, 2, 16, 0, 0)),  # the 17th is a Saturday
        ("cron(0 0 18W * ? *)", _at(2024, 2, 19, 0, 0)),  # the 18th is a Sunday
        ("cron(0 0 ? * 6#3 *)", _at(2024, 2, 16, 0, 0)),  # third Friday of February
        ("cron(0 0 ? * 2#1 *)", _at(2024, 2, 5, 0, 0)),  # first Monday
        ("cron(0 0 ? * 5L *)", _at(2024, 2, 29, 0, 0)),  # last Thursday
        ("cron(0 0 ? * L *)", _at(2024, 2, 3, 0, 0)),  # L alone: Saturday
        ("cron(0 0 1 1 ? 2030)", _at(2030, 1, 1, 0, 0)),
        ("cron(0 0 1 1 ? 2020-2023)", None),
        ("cron(0 0 29 2 ? *)", _at(2024, 2, 29, 0, 0)),
        ("cron(0 0 29 2 ? 2025-2030)", _at(2028, 2, 29, 0, 0)),
        ("cron(0 0 31 2 ? *)", None),
        ("cron(0 22-2 ? * FRI-MON *)", _at(2024, 2, 2, 0, 0)),
        ("cron(30 23 31 DEC ? *)", _at(2024, 12, 31, 23, 30)),
        ("cron(0 0 1 JAN,JUL ? *)", _at(2024, 7, 1, 0, 0)),
    ],
)
def test_cron_next_fire(expression: str, expected: datetime | None) -> None:
    assert _next(expression) == expected


def test_cron_fires_strictly_after() -> None:
    schedule = compile_schedule("cron(0 10 * * ? *)")
    at_ten = _at(2024, 1, 31, 10, 0)
    assert schedule.next_fire_after(at_ten) == _at(2024, 2, 1, 10, 0)
    assert schedule.next_fire_after(at_ten - timedelta(microseconds=1)) == at_ten


def test_cron_accepts_epoch_and_other_timezones() -> None:
    schedule = compile_schedule("cron(0 10 * * ? *)")
    assert schedule.next_fire_after(T0.timestamp()) == _at(2024, 2, 1, 10, 0).timestamp()
    paris = T0.astimezone(timezone(timedelta(hours=1)))
    assert schedule.next_fire_after(paris) == _at(2024, 2, 1, 10, 0)
    naive = T0.replace(tzinfo=None)
    assert schedule.next_fire_after(naive) == _at(2024, 2, 1, 10, 0)


def test_cron_sequence_every_weekday() -> None:
    schedule = compile_schedule("cron(0 9 ? * MON-FRI *)")
    fires = []
    t = _at(2024, 2, 1, 0, 0)  # Thursday
    for _ in range(5):
        nxt = schedule.next_fire_after(t)
        assert isinstance(nxt, datetime)
        fires.append(nxt.date().isoformat())
        t = nxt
    assert fires == ["2024-02-01", "2024-02-02", "2024-02-05", "2024-02-06", "2024-02-07"]
