"""Timestamps as Step Functions reads them: RFC 3339 / ISO-8601 extended offset date-times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

__all__ = ["format_timestamp", "parse_timestamp"]

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))$"
)


def parse_timestamp(text: object) -> float | None:
    """Return epoch seconds for an RFC 3339 timestamp with zone, or None when it is not one."""
    if not isinstance(text, str):
        return None
    m = _RFC3339.match(text)
    if not m:
        return None
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    frac = m.group(7) or ""
    if m.group(8):
        tz = UTC
    else:
        offset = timedelta(hours=int(m.group(10)), minutes=int(m.group(11)))
        tz = timezone(-offset if m.group(9) == "-" else offset)
    try:
        dt = datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:
        return None
    return dt.timestamp() + (int(frac) / 10 ** len(frac) if frac else 0.0)


_LAST: list[tuple[float, str]] = [(float("nan"), "")]


def format_timestamp(epoch: float) -> str:
    """Format epoch seconds as AWS prints context-object times (millisecond precision, Z)."""
    last = _LAST[0]
    if last[0] == epoch:
        return last[1]
    dt = datetime.fromtimestamp(epoch, tz=UTC)
    text = dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    _LAST[0] = (epoch, text)
    return text
