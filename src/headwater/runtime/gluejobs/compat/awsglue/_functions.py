"""The usual ``pyspark.sql.functions``, as SQL-text Column expressions run by DuckDB."""

from __future__ import annotations

from typing import Any

from ._dataframe import Column, col, lit
from ._sql import ident, literal

__all__ = [
    "abs",
    "avg",
    "coalesce",
    "col",
    "column",
    "concat",
    "concat_ws",
    "count",
    "countDistinct",
    "current_date",
    "current_timestamp",
    "dayofmonth",
    "expr",
    "first",
    "hour",
    "length",
    "lit",
    "lower",
    "ltrim",
    "max",
    "mean",
    "min",
    "month",
    "regexp_replace",
    "round",
    "rtrim",
    "substring",
    "sum",
    "to_date",
    "to_timestamp",
    "trim",
    "upper",
    "when",
    "year",
]

column = col


def _c(value: Any) -> Column:
    return value if isinstance(value, Column) else col(str(value))


def _fn(name: str, *args: Any, alias: str | None = None) -> Column:
    parts = [_c(a).sql for a in args]
    label = alias or f"{name}({', '.join(_c(a).output_name() for a in args)})"
    return Column(f"{name}({', '.join(parts)})", label)


def expr(text: str) -> Column:
    """A SQL expression."""
    return Column(text, text)


def when(condition: Column, value: Any) -> Column:
    """CASE WHEN ... (chain ``.when`` and ``.otherwise``)."""
    return Column(f"CASE WHEN {condition.sql} THEN {_sql(value)} END")


def _sql(value: Any) -> str:
    return value.sql if isinstance(value, Column) else literal(value)


def coalesce(*cols: Any) -> Column:
    """First non-null."""
    return _fn("coalesce", *cols)


def upper(c: Any) -> Column:
    """Upper case."""
    return _fn("upper", c)


def lower(c: Any) -> Column:
    """Lower case."""
    return _fn("lower", c)


def trim(c: Any) -> Column:
    """Trim spaces."""
    return _fn("trim", c)


def ltrim(c: Any) -> Column:
    """Trim leading spaces."""
    return _fn("ltrim", c)


def rtrim(c: Any) -> Column:
    """Trim trailing spaces."""
    return _fn("rtrim", c)


def length(c: Any) -> Column:
    """String length."""
    return _fn("length", c)


def concat(*cols: Any) -> Column:
    """Concatenate (null if any is null, as Spark)."""
    return Column("(" + " || ".join(_c(c).sql for c in cols) + ")")


def concat_ws(sep: str, *cols: Any) -> Column:
    """Concatenate with a separator, skipping nulls."""
    return Column(f"concat_ws({literal(sep)}, {', '.join(_c(c).sql for c in cols)})")


def substring(c: Any, pos: int, length: int) -> Column:
    """Substring (1-based)."""
    return Column(f"substring({_c(c).sql}, {pos}, {length})")


def regexp_replace(c: Any, pattern: str, replacement: str) -> Column:
    """Replace every match."""
    return Column(f"regexp_replace({_c(c).sql}, {literal(pattern)}, {literal(replacement)}, 'g')")


def current_date() -> Column:
    """Today."""
    return Column("current_date", "current_date()")


def current_timestamp() -> Column:
    """Now."""
    return Column("CAST(current_timestamp AS TIMESTAMP)", "current_timestamp()")


def to_date(c: Any, fmt: str | None = None) -> Column:
    """A date from text."""
    if fmt is None:
        return Column(f"TRY_CAST({_c(c).sql} AS DATE)")
    return Column(f"CAST(try_strptime({_c(c).sql}, {literal(_strftime(fmt))}) AS DATE)")


def to_timestamp(c: Any, fmt: str | None = None) -> Column:
    """A timestamp from text."""
    if fmt is None:
        return Column(f"TRY_CAST({_c(c).sql} AS TIMESTAMP)")
    return Column(f"try_strptime({_c(c).sql}, {literal(_strftime(fmt))})")


def _strftime(fmt: str) -> str:
    out = fmt
    for java, c in (
        ("yyyy", "%Y"),
        ("MM", "%m"),
        ("dd", "%d"),
        ("HH", "%H"),
        ("mm", "%M"),
        ("ss", "%S"),
    ):
        out = out.replace(java, c)
    return out


def year(c: Any) -> Column:
    """Year."""
    return _fn("year", c)


def month(c: Any) -> Column:
    """Month."""
    return _fn("month", c)


def dayofmonth(c: Any) -> Column:
    """Day of month."""
    return _fn("day", c)


def hour(c: Any) -> Column:
    """Hour."""
    return _fn("hour", c)


def round(c: Any, scale: int = 0) -> Column:
    """Round half up."""
    return Column(f"round({_c(c).sql}, {scale})")


def abs(c: Any) -> Column:
    """Absolute value."""
    return _fn("abs", c)


def sum(c: Any) -> Column:
    """SUM."""
    return _fn("sum", c)


def avg(c: Any) -> Column:
    """AVG."""
    return _fn("avg", c)


mean = avg


def min(c: Any) -> Column:
    """MIN."""
    return _fn("min", c)


def max(c: Any) -> Column:
    """MAX."""
    return _fn("max", c)


def count(c: Any) -> Column:
    """COUNT (``count("*")`` counts rows)."""
    if c == "*":
        return Column("count(*)", "count(1)")
    return _fn("count", c)


def countDistinct(*cols: Any) -> Column:
    """COUNT(DISTINCT ...)."""
    inner = ", ".join(_c(c).sql for c in cols)
    return Column(f"count(DISTINCT {inner})")


def first(c: Any, ignorenulls: bool = False) -> Column:
    """FIRST."""
    return Column(f"first({_c(c).sql})", f"first({_c(c).output_name()})")


def _quoted(name: str) -> str:
    return ident(name)
