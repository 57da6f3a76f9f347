"""Values as GetQueryResults renders them (every value a string, NULL absent).

Athena's notation: booleans ``true``/``false``; ``double`` and ``real`` in Java's notation
(``1.5``, ``0.30000000000000004``, ``1.0E20``, ``1.0E-7``); decimals with their scale (``1.50``);
dates ``2024-01-02``; timestamps with millisecond precision ``2024-01-02 03:04:05.678`` (with
`` UTC`` for a zone); arrays ``[1, 2]``, maps ``{k=1}`` and rows ``{a=1, b=x}`` with strings
unquoted and nulls spelled ``null``; varbinary as spaced hex ``01 02``.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

__all__ = ["java_double", "java_float", "render_value", "renderer"]

_POSITIONAL = re.compile(r"_\d+")


def _java_digits(text: str) -> str:
    """Java's Double.toString layout for a shortest-repr decimal string ``text``."""
    negative = text.startswith("-")
    digits_text = text.lstrip("-")
    d = Decimal(digits_text)
    _, digits, exponent = d.as_tuple()
    assert isinstance(exponent, int)
    ds = "".join(str(x) for x in digits).lstrip("0") or "0"
    # Position of the decimal point relative to the first significant digit.
    point = len("".join(str(x) for x in digits).lstrip("0")) + exponent
    value = abs(float(digits_text))
    if 1e-3 <= value < 1e7:
        if point <= 0:
            body = "0." + "0" * (-point) + ds
        elif point >= len(ds):
            body = ds + "0" * (point - len(ds)) + ".0"
        else:
            body = ds[:point] + "." + ds[point:]
    else:
        mantissa = ds.rstrip("0") or "0"
        frac = mantissa[1:] or "0"
        body = f"{mantissa[0]}.{frac}E{point - 1}"
    return ("-" if negative else "") + body


def java_double(value: float) -> str:
    """``Double.toString``: shortest round-trip digits, plain between 1e-3 and 1e7."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    text = repr(value)
    if 1e-3 <= abs(value) < 1e7 and "e" not in text:
        # Python's shortest repr is already Java's layout in this range ("1.5", "100.0").
        return text
    return _java_digits(text)


def java_float(value: float) -> str:
    """``Float.toString``: the shortest digits that round-trip through a 32-bit float."""
    if math.isnan(value) or math.isinf(value) or value == 0:
        return java_double(value)
    target = struct.unpack("f", struct.pack("f", value))[0]
    for precision in range(1, 10):
        text = f"{value:.{precision}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == target:
            return _java_digits(repr(float(text)))
    return java_double(value)


def _timestamp(value: datetime) -> str:
    text = value.strftime("%Y-%m-%d %H:%M:%S") + f".{value.microsecond // 1000:03d}"
    if value.tzinfo is not None:
        name = value.tzname() or "UTC"
        text += " " + ("UTC" if name in ("UTC", "Etc/UTC", "+00:00") else name)
    return text


def _interval(value: timedelta) -> str:
    total_ms = int(value.total_seconds() * 1000)
    sign = "-" if total_ms < 0 else ""
    total_ms = abs(total_ms)
    days, rem = divmod(total_ms, 86_400_000)
    hours, rem = divmod(rem, 3_600_000)
    minutes, rem = divmod(rem, 60_000)
    seconds, millis = divmod(rem, 1000)
    return f"{sign}{days} {hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _child_types(t: Any) -> list[tuple[str, Any]]:
    return list(getattr(t, "children", []) or [])


def _nested(value: Any, t: Any) -> str:
    if value is None:
        return "null"
    return _render(value, t)


def _render(value: Any, t: Any) -> str:
    kind = t.id if t is not None else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_float(value) if kind == "float" else java_double(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return _timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S") + f".{value.microsecond // 1000:03d}"
    if isinstance(value, timedelta):
        return _interval(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return " ".join(f"{b:02x}" for b in bytes(value))
    if isinstance(value, tuple) and kind == "struct":
        children = [c for _, c in _child_types(t)] or [None] * len(value)
        return "{" + ", ".join(_nested(v, c) for v, c in zip(value, children, strict=False)) + "}"
    if isinstance(value, list | tuple):
        child = _child_types(t)[0][1] if kind in ("list", "array") and _child_types(t) else None
        return "[" + ", ".join(_nested(v, child) for v in value) + "]"
    if isinstance(value, dict):
        children = _child_types(t)
        if kind == "map":
            key_t, val_t = children[0][1], children[1][1]
            return (
                "{"
                + ", ".join(f"{_nested(k, key_t)}={_nested(v, val_t)}" for k, v in value.items())
                + "}"
            )
        types = dict(children)
        if value and all(_POSITIONAL.fullmatch(str(k)) for k in value):
            # An anonymous ROW (sqlglot names its fields _0, _1, ...): Trino prints values only.
            return "{" + ", ".join(_nested(v, types.get(k)) for k, v in value.items()) + "}"
        return "{" + ", ".join(f"{k}={_nested(v, types.get(k))}" for k, v in value.items()) + "}"
    return str(value)


def render_value(value: Any, t: Any) -> str | None:
    """One cell as GetQueryResults' ``VarCharValue`` (``None`` for NULL)."""
    if value is None:
        return None
    return _render(value, t)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _double(value: Any) -> str | None:
    if value is None:
        return None
    text = repr(value)
    # The common case (plain notation, finite, 1e-3 <= |v| < 1e7) is Python's repr as is.
    if "e" not in text and "n" not in text and (1e-3 <= value < 1e7 or -1e7 < value <= -1e-3):
        return text
    return java_double(value)


def renderer(t: Any) -> Callable[[Any], str | None]:
    """A function rendering every value of a column of DuckDB type ``t`` (faster per row)."""
    kind = getattr(t, "id", "")
    if kind in (
        "varchar",
        "bigint",
        "integer",
        "smallint",
        "tinyint",
        "hugeint",
        "ubigint",
        "uinteger",
        "usmallint",
        "utinyint",
        "uhugeint",
    ):
        return _text
    if kind == "double":
        return _double
    return lambda value: render_value(value, t)
