"""Retry and Catch: matching rules and backoff arithmetic."""

from __future__ import annotations

import pytest

from headwater.asl.entropy import SplitMix
from headwater.asl.model import Catcher, JitterStrategy, Retrier
from headwater.asl.retry import error_matches, find_catcher, find_retrier, retry_delay


@pytest.mark.parametrize(
    ("retrier", "attempt", "expected"),
    [
        (Retrier(error_equals=("X",)), 0, 1.0),
        (Retrier(error_equals=("X",)), 2, 4.0),
        (Retrier(error_equals=("X",), interval_seconds=3, backoff_rate=1.5), 2, 6.75),
        (Retrier(error_equals=("X",), interval_seconds=2, max_delay_seconds=5), 3, 5.0),
        (Retrier(error_equals=("X",), backoff_rate=1.0), 10, 1.0),
    ],
)
def test_backoff(retrier: Retrier, attempt: int, expected: float) -> None:
    assert retry_delay(retrier, attempt) == pytest.approx(expected)


def test_full_jitter_stays_below_the_backoff() -> None:
    retrier = Retrier(error_equals=("X",), interval_seconds=4, jitter=JitterStrategy.FULL)
    rng = SplitMix(5)
    delays = [retry_delay(retrier, 1, rng) for _ in range(50)]
    assert all(0 <= d < 8 for d in delays)
    assert len(set(delays)) > 40


@pytest.mark.parametrize(
    ("names", "error", "retrying", "matches"),
    [
        (("States.ALL",), "Lambda.Unknown", True, True),
        (("States.ALL",), "States.Runtime", True, False),
        (("States.ALL",), "States.Runtime", False, False),
        (("States.ALL",), "States.DataLimitExceeded", False, True),
        (("States.TaskFailed",), "Custom", False, True),
        (("States.TaskFailed",), "States.Timeout", False, False),
        (("States.Timeout",), "States.Timeout", True, True),
        (("A", "B"), "B", True, True),
        (("A",), None, True, False),
    ],
)
def test_error_matching(
    names: tuple[str, ...], error: str | None, retrying: bool, matches: bool
) -> None:
    assert error_matches(names, error, retrying=retrying) is matches


def test_first_matching_entry_wins() -> None:
    retriers = (Retrier(error_equals=("A",)), Retrier(error_equals=("States.ALL",)))
    assert find_retrier(retriers, "A") == 0
    assert find_retrier(retriers, "B") == 1
    catchers = (Catcher(error_equals=("B",), next="X"), Catcher(error_equals=("B", "C"), next="Y"))
    found = find_catcher(catchers, "C")
    assert found is not None
    assert found.next == "Y"
    assert find_catcher(catchers, "D") is None
