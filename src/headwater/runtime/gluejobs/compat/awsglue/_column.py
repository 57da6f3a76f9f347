"""Rows and column expressions of the DataFrame stand-in: SQL text DuckDB runs."""

from __future__ import annotations

from typing import Any

from ._sql import duck_type, ident, literal

__all__ = ["Column", "Row", "as_column", "col", "lit", "select_item"]


class Row(dict[str, Any]):
    """A row: ``row["name"]`` or ``row.name``."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def asDict(self) -> dict[str, Any]:
        """The row as a plain dict."""
        return dict(self)


def _sql_of(value: Any) -> str:
    return value.sql if isinstance(value, Column) else literal(value)


class Column:
    """A column expression (SQL text) with an optional output name."""

    def __init__(self, sql: str, name: str | None = None, order: str = "") -> None:
        self.sql = sql
        self.name = name
        self.order = order

    def _bin(self, op: str, other: Any) -> Column:
        return Column(f"({self.sql} {op} {_sql_of(other)})")

    def _rbin(self, op: str, other: Any) -> Column:
        return Column(f"({_sql_of(other)} {op} {self.sql})")

    def __add__(self, o: Any) -> Column:
        return self._bin("+", o)

    def __radd__(self, o: Any) -> Column:
        return self._rbin("+", o)

    def __sub__(self, o: Any) -> Column:
        return self._bin("-", o)

    def __rsub__(self, o: Any) -> Column:
        return self._rbin("-", o)

    def __mul__(self, o: Any) -> Column:
        return self._bin("*", o)

    def __rmul__(self, o: Any) -> Column:
        return self._rbin("*", o)

    def __truediv__(self, o: Any) -> Column:
        return Column(f"(CAST({self.sql} AS DOUBLE) / {_sql_of(o)})")

    def __mod__(self, o: Any) -> Column:
        return self._bin("%", o)

    def __eq__(self, o: object) -> Column:  # type: ignore[override]
        return self._bin("=", o)

    def __ne__(self, o: object) -> Column:  # type: ignore[override]
        return self._bin("<>", o)

    def __lt__(self, o: Any) -> Column:
        return self._bin("<", o)

    def __le__(self, o: Any) -> Column:
        return self._bin("<=", o)

    def __gt__(self, o: Any) -> Column:
        return self._bin(">", o)

    def __ge__(self, o: Any) -> Column:
        return self._bin(">=", o)

    def __and__(self, o: Any) -> Column:
        return self._bin("AND", o)

    def __or__(self, o: Any) -> Column:
        return self._bin("OR", o)

    def __invert__(self) -> Column:
        return Column(f"(NOT {self.sql})")

    def __neg__(self) -> Column:
        return Column(f"(-{self.sql})")

    def __hash__(self) -> int:
        return hash(self.sql)

    def alias(self, name: str) -> Column:
        """The expression under a new name."""
        return Column(self.sql, name)

    name_as = alias

    def cast(self, to: Any) -> Column:
        """CAST (invalid values become null, as in Spark)."""
        text = to if isinstance(to, str) else type(to).__name__
        return Column(f"TRY_CAST({self.sql} AS {duck_type(text)})", self.name)

    astype = cast

    def isNull(self) -> Column:
        """IS NULL."""
        return Column(f"({self.sql} IS NULL)")

    def isNotNull(self) -> Column:
        """IS NOT NULL."""
        return Column(f"({self.sql} IS NOT NULL)")

    def isin(self, *values: Any) -> Column:
        """IN (...)."""
        flat = (
            list(values[0]) if len(values) == 1 and isinstance(values[0], list | tuple) else values
        )
        return Column(f"({self.sql} IN ({', '.join(_sql_of(v) for v in flat)}))")

    def like(self, pattern: str) -> Column:
        """LIKE."""
        return Column(f"({self.sql} LIKE {literal(pattern)})")

    def contains(self, text: Any) -> Column:
        """Substring test."""
        return Column(f"contains({self.sql}, {_sql_of(text)})")

    def startswith(self, text: Any) -> Column:
        """Prefix test."""
        return Column(f"starts_with({self.sql}, {_sql_of(text)})")

    def endswith(self, text: Any) -> Column:
        """Suffix test."""
        return Column(f"suffix({self.sql}, {_sql_of(text)})")

    def substr(self, start: int, length: int) -> Column:
        """SUBSTRING (1-based)."""
        return Column(f"substring({self.sql}, {start}, {length})")

    def desc(self) -> Column:
        """Descending order."""
        return Column(self.sql, self.name, " DESC")

    def asc(self) -> Column:
        """Ascending order."""
        return Column(self.sql, self.name, " ASC")

    def when(self, condition: Column, value: Any) -> Column:
        """Another WHEN branch of a ``when(...)`` chain."""
        body = self.sql.removesuffix(" END")
        return Column(f"{body} WHEN {condition.sql} THEN {_sql_of(value)} END")

    def otherwise(self, value: Any) -> Column:
        """The ELSE of a ``when(...)`` chain."""
        body = self.sql.removesuffix(" END")
        return Column(f"{body} ELSE {_sql_of(value)} END")

    def output_name(self) -> str:
        """The name Spark would give the result column."""
        return self.name or self.sql


def col(name: str) -> Column:
    """A column by name."""
    return Column(ident(name), name)


def lit(value: Any) -> Column:
    """A literal value."""
    return Column(literal(value), str(value))


def as_column(value: str | Column) -> Column:
    return value if isinstance(value, Column) else col(value)


def select_item(c: str | Column) -> str:
    column = as_column(c)
    if column.name and column.sql != ident(column.name):
        return f"{column.sql} AS {ident(column.name)}"
    if column.name:
        return column.sql
    return f"{column.sql} AS {ident(column.sql)}"
