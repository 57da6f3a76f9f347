"""Retry and Catch: error matching and AWS's backoff arithmetic."""

from __future__ import annotations

from collections.abc import Sequence

from headwater.asl.errors import StatesError
from headwater.asl.intrinsics import Entropy
from headwater.asl.model import Catcher, JitterStrategy, Retrier

__all__ = ["error_matches", "find_catcher", "find_retrier", "retry_delay"]

# Terminal errors: no retrier matches them, and States.ALL does not catch them either.
_UNRETRIABLE = {StatesError.RUNTIME.value}
_NOT_CAUGHT_BY_ALL = {StatesError.RUNTIME.value}


def error_matches(names: Sequence[str], error: str | None, *, retrying: bool) -> bool:
    """Tell whether an ErrorEquals list matches ``error``."""
    err = error or ""
    if retrying and err in _UNRETRIABLE:
        return False
    for name in names:
        if name == err:
            return True
        if name == StatesError.ALL and err not in _NOT_CAUGHT_BY_ALL:
            return True
        if name == StatesError.TASK_FAILED and err not in (
            StatesError.TIMEOUT,
            StatesError.HEARTBEAT_TIMEOUT,
            StatesError.RUNTIME,
        ):
            return True
    return False


def find_retrier(retriers: Sequence[Retrier], error: str | None) -> int | None:
    """Index of the first retrier matching ``error``, or None."""
    for i, retrier in enumerate(retriers):
        if error_matches(retrier.error_equals, error, retrying=True):
            return i
    return None


def find_catcher(catchers: Sequence[Catcher], error: str | None) -> Catcher | None:
    """The first catcher matching ``error``, or None."""
    for catcher in catchers:
        if error_matches(catcher.error_equals, error, retrying=False):
            return catcher
    return None


def retry_delay(retrier: Retrier, attempt: int, entropy: Entropy | None = None) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based) of ``retrier``.

    ``IntervalSeconds * BackoffRate ** attempt``, capped by MaxDelaySeconds; with the FULL
    jitter strategy a uniformly random fraction of that.
    """
    delay = float(retrier.interval_seconds) * float(retrier.backoff_rate) ** attempt
    if retrier.max_delay_seconds is not None:
        delay = min(delay, float(retrier.max_delay_seconds))
    if retrier.jitter is JitterStrategy.FULL and entropy is not None:
        delay *= entropy.random()
    return delay
