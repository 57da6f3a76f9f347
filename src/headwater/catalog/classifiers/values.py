"""Type inference for text values (CSV cells), as Glue's CSV classifier types columns.

Each non-null value gets a kind (integer, number, boolean, date, timestamp, string); a column's
type is the narrowest that fits every value: integers are ``bigint``, any fraction or exponent
makes ``double``, ``true``/``false`` (any case) ``boolean``, ``yyyy-MM-dd`` ``date``,
``yyyy-MM-dd HH:mm:ss[.fffffffff]`` (the form Hive's LazySimpleSerDe reads) ``timestamp``, the
rest ``string``. Empty cells and the literal ``NULL`` (what MySQL batch exports write) do not
vote. A custom classifier with ``CustomDatatypeConfigured`` narrows the choice to its list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

__all__ = ["NULL_MARKERS", "ValueKind", "column_type", "value_kind"]

NULL_MARKERS = frozenset({"", "NULL", "null", "\\N"})

_INT = re.compile(r"[+-]?\d+\Z")
_NUM = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?\Z")
_DATE = re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\Z")
_TS = re.compile(
    r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?\Z"
)
_BOOL = frozenset({"true", "false"})
_INT64 = (-(2**63), 2**63 - 1)
_INT32 = (-(2**31), 2**31 - 1)
_INT16 = (-(2**15), 2**15 - 1)


class ValueKind:
    """The shape of one text value (plain strings: they are compared millions of times)."""

    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    TIMESTAMP = "timestamp"
    STRING = "string"


def value_kind(value: str) -> str | None:
    """The kind of one cell (a :class:`ValueKind` string); ``None`` for a null."""
    if value in NULL_MARKERS:
        return None
    first = value[0]
    if not (first.isdigit() or first in "+-.tTfF"):
        return ValueKind.STRING
    if _INT.match(value):
        n = int(value)
        return ValueKind.INTEGER if _INT64[0] <= n <= _INT64[1] else ValueKind.STRING
    if _NUM.match(value):
        return ValueKind.NUMBER
    if value.lower() in _BOOL:
        return ValueKind.BOOLEAN
    if _DATE.match(value):
        return ValueKind.DATE
    if _TS.match(value):
        return ValueKind.TIMESTAMP
    return ValueKind.STRING


def _decimal_shape(values: Iterable[str]) -> tuple[int, int] | None:
    precision = scale = 0
    for v in values:
        if v in NULL_MARKERS:
            continue
        try:
            d = Decimal(v)
        except InvalidOperation:
            return None
        exp = d.as_tuple().exponent
        if not isinstance(exp, int) or "e" in v.lower():
            return None
        digits = len(d.as_tuple().digits)
        s = max(0, -exp)
        precision = max(precision, max(digits, s) - s)
        scale = max(scale, s)
    if precision + scale > 38:
        return None
    return precision + scale, scale


def _int_range(values: Iterable[str]) -> tuple[int, int]:
    nums = [int(v) for v in values if v not in NULL_MARKERS]
    return (min(nums), max(nums)) if nums else (0, 0)


def _all_of(pattern: str) -> re.Pattern[str]:
    """Cells joined by NUL (never in decoded text) that are each ``pattern`` or a null."""
    cell = rf"(?:{pattern}|NULL|null|\\N|)"
    return re.compile(rf"{cell}(?:\x00{cell})*\Z")


_ALL_NULL = _all_of("(?!)")
_ALL_INT = _all_of(r"[+-]?\d+")
_ALL_NUM = _all_of(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")
_ALL_BOOL = _all_of(r"[tT][rR][uU][eE]|[fF][aA][lL][sS][eE]")
_ALL_DATE = _all_of(_DATE.pattern.removesuffix(r"\Z"))
_ALL_TS = _all_of(_TS.pattern.removesuffix(r"\Z"))
_LONG_INT = 18  # digits past which an integer may leave bigint's range


def _default_type(values: list[str]) -> str | None:
    """:func:`column_type` without custom types, one regex over the whole column.

    ``None`` when a cell may be an integer past bigint's range (the cell-by-cell rules decide).
    """
    joined = "\x00".join(values)
    if _ALL_NULL.match(joined):
        return "string"
    if _ALL_INT.match(joined) or _ALL_NUM.match(joined):
        if any(len(v) > _LONG_INT for v in values):
            return None
        return "bigint" if _ALL_INT.match(joined) else "double"
    if _ALL_BOOL.match(joined):
        return "boolean"
    if _ALL_DATE.match(joined):
        return "date"
    if _ALL_TS.match(joined):
        return "timestamp"
    return "string"


def column_type(values: list[str], allowed: frozenset[str] | None = None) -> str:
    """The Hive type of a column from its sampled cells.

    Args:
        values: the cells (already trimmed when the classifier trims).
        allowed: ``CustomDatatypes`` (upper case: INT, LONG, SHORT, DOUBLE, FLOAT, DECIMAL,
            BOOLEAN, DATE, TIMESTAMP, STRING, BINARY), or ``None`` for Glue's defaults.
    """
    if allowed is None:
        fast = _default_type(values)
        if fast is not None:
            return fast
    kinds: set[str] = set()
    for v in values:
        kind = value_kind(v)
        if kind is None:
            continue
        if kind == ValueKind.STRING:
            # One string settles the column; the other cells need not be looked at.
            kinds = {kind}
            break
        kinds.add(kind)
    if not kinds:
        return "string"
    if kinds == {ValueKind.INTEGER}:
        kind = ValueKind.INTEGER
    elif kinds <= {ValueKind.INTEGER, ValueKind.NUMBER}:
        kind = ValueKind.NUMBER
    elif len(kinds) == 1:
        kind = next(iter(kinds))
    else:
        kind = ValueKind.STRING
    if allowed is None:
        return {
            ValueKind.INTEGER: "bigint",
            ValueKind.NUMBER: "double",
            ValueKind.BOOLEAN: "boolean",
            ValueKind.DATE: "date",
            ValueKind.TIMESTAMP: "timestamp",
            ValueKind.STRING: "string",
        }[kind]
    return _custom_type(kind, values, allowed)


def _custom_type(kind: str, values: list[str], allowed: frozenset[str]) -> str:
    if kind is ValueKind.INTEGER:
        low, high = _int_range(values)
        if "SHORT" in allowed and _INT16[0] <= low and high <= _INT16[1]:
            return "smallint"
        if "INT" in allowed and _INT32[0] <= low and high <= _INT32[1]:
            return "int"
        if "LONG" in allowed:
            return "bigint"
        kind = ValueKind.NUMBER
    if kind is ValueKind.NUMBER:
        shape = _decimal_shape(values) if "DECIMAL" in allowed else None
        if shape is not None:
            return f"decimal({max(shape[0], 1)},{shape[1]})"
        if "DOUBLE" in allowed:
            return "double"
        if "FLOAT" in allowed:
            return "float"
    if kind is ValueKind.BOOLEAN and "BOOLEAN" in allowed:
        return "boolean"
    if kind is ValueKind.DATE and "DATE" in allowed:
        return "date"
    if kind in (ValueKind.DATE, ValueKind.TIMESTAMP) and "TIMESTAMP" in allowed:
        return "timestamp"
    return "string"
