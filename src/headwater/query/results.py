r"""A finished statement's result, and the files Athena writes for it.

:class:`QueryResult` holds the columns (with Athena's ``ColumnInfo``), the rows already rendered
as strings, the statement type, the update count and the catalog changes a DDL statement asks
for. It renders GetQueryResults' ``ResultSet`` and the objects written under the output location:

- ``SELECT``: ``<id>.csv`` (every non-NULL value quoted, ``"`` doubled, NULL an empty field,
  ``\\n`` line ends, a header line) and ``<id>.csv.metadata``;
- ``SHOW`` / ``DESCRIBE`` / DDL: ``<id>.txt`` (rows joined by ``\\n``, columns by tabs, no
  header, no trailing newline) and ``<id>.txt.metadata`` when there are columns;
- CTAS: only ``tables/<id>.metadata``; ``INSERT``: only ``<id>.metadata``.

The ``.metadata`` companion is the protobuf Athena JDBC reads: field 1 the query id, 2 the
update type, 3 the update count, 4 one message per column (1 catalog ``hive``, 4 name, 5 label,
6 type, 7 precision, 8 scale, 9 nullable = 3 (UNKNOWN), 10 case sensitive).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from headwater.query.types import AthenaType

__all__ = [
    "STRING_COLUMN",
    "OutputKind",
    "QueryResult",
    "ResultColumn",
    "StatementType",
    "csv_bytes",
    "metadata_bytes",
]


class StatementType(StrEnum):
    """``QueryExecution.StatementType``."""

    DDL = "DDL"
    DML = "DML"
    UTILITY = "UTILITY"


class OutputKind(StrEnum):
    """Which result object a statement writes."""

    CSV = "csv"
    TXT = "txt"
    TABLES = "tables"
    METADATA_ONLY = "metadata"


STRING_COLUMN = AthenaType("string", has_precision=False, has_scale=False, has_case_sensitive=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ResultColumn:
    """One result column."""

    name: str
    type: AthenaType

    def column_info(self) -> dict[str, Any]:
        """The ``ResultSetMetadata.ColumnInfo`` entry."""
        return {
            "CatalogName": "hive",
            "SchemaName": "",
            "TableName": "",
            "Name": self.name,
            "Label": self.name,
            "Type": self.type.name,
            "Precision": self.type.precision,
            "Scale": self.type.scale,
            "Nullable": "UNKNOWN",
            "CaseSensitive": self.type.case_sensitive,
        }


def _csv_field(value: str | None) -> str:
    if value is None:
        return ""
    return '"' + value.replace('"', '""') + '"'


def csv_bytes(columns: Sequence[ResultColumn], rows: Sequence[Sequence[str | None]]) -> bytes:
    """The ``<id>.csv`` Athena writes for a SELECT."""
    lines = [",".join(_csv_field(c.name) for c in columns)]
    lines.extend(",".join(_csv_field(v) for v in row) for row in rows)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _string(field_no: int, text: str) -> bytes:
    data = text.encode("utf-8")
    return _varint(field_no << 3 | 2) + _varint(len(data)) + data


def _int(field_no: int, n: int) -> bytes:
    return _varint(field_no << 3) + _varint(n)


def metadata_bytes(
    query_id: str,
    columns: Sequence[ResultColumn],
    *,
    update_type: str | None = None,
    update_count: int | None = None,
) -> bytes:
    """The protobuf ``.metadata`` companion of a result."""
    out = bytearray(_string(1, query_id))
    if update_type is not None:
        out += _string(2, update_type)
    if update_count is not None:
        out += _int(3, update_count)
    for col in columns:
        body = bytearray(_string(1, "hive"))
        body += _string(4, col.name) + _string(5, col.name) + _string(6, col.type.name)
        if col.type.has_precision:
            body += _int(7, col.type.precision)
        if col.type.has_scale:
            body += _int(8, col.type.scale)
        body += _int(9, 3)
        if col.type.has_case_sensitive:
            body += _int(10, 1 if col.type.case_sensitive else 0)
        out += _varint(4 << 3 | 2) + _varint(len(body)) + body
    return bytes(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryResult:
    """The outcome of one successful statement.

    Attributes:
        statement_type: DDL, DML or UTILITY.
        substatement_type: Athena's ``SubstatementType`` (``SELECT``, ``CREATE_VIEW``, ...).
        columns: the result columns.
        rows: rendered rows (``None`` is NULL).
        update_count: ``UpdateCount`` (rows written by CTAS / INSERT; 0 for SELECT / SHOW;
            ``None`` when Athena leaves it out).
        output: which result object the statement writes.
        update_type: the ``.metadata`` update type (``CREATE TABLE``, ``INSERT``).
        changes: catalog changes to apply (:mod:`headwater.query.catalog`), in order.
        data_scanned_bytes: bytes of the table files the statement read.
    """

    statement_type: StatementType
    substatement_type: str
    columns: tuple[ResultColumn, ...] = ()
    rows: tuple[tuple[str | None, ...], ...] = ()
    update_count: int | None = None
    output: OutputKind = OutputKind.TXT
    update_type: str | None = None
    changes: tuple[Any, ...] = field(default_factory=tuple)
    data_scanned_bytes: int = 0

    @property
    def has_header_row(self) -> bool:
        """True when GetQueryResults' first row holds the column names (DML)."""
        return self.statement_type is StatementType.DML and self.output is OutputKind.CSV

    def column_info(self) -> list[dict[str, Any]]:
        """``ResultSetMetadata.ColumnInfo``."""
        return [c.column_info() for c in self.columns]

    def result_rows(self) -> list[dict[str, Any]]:
        """``ResultSet.Rows``: the header row first for a SELECT, then the data."""
        out: list[dict[str, Any]] = []
        if self.has_header_row:
            out.append({"Data": [{"VarCharValue": c.name} for c in self.columns]})
        for row in self.rows:
            out.append({"Data": [{} if v is None else {"VarCharValue": v} for v in row]})
        return out

    def result_set(self, *, start: int = 0, max_results: int = 1000) -> dict[str, Any]:
        """``ResultSet`` for one GetQueryResults page (``start`` counts the header row)."""
        rows = self.result_rows()[start : start + max_results]
        return {"Rows": rows, "ResultSetMetadata": {"ColumnInfo": self.column_info()}}

    def output_name(self, query_id: str) -> str:
        """The result object's name under the output location (``<id>.csv``, ...)."""
        if self.output is OutputKind.CSV:
            return f"{query_id}.csv"
        if self.output is OutputKind.TABLES:
            return f"tables/{query_id}"
        if self.output is OutputKind.METADATA_ONLY:
            return query_id
        return f"{query_id}.txt"

    def result_file(self) -> bytes | None:
        """The result object's bytes, or ``None`` when Athena writes only the metadata."""
        if self.output is OutputKind.CSV:
            return csv_bytes(self.columns, self.rows)
        if self.output is OutputKind.TXT:
            text = "\n".join("\t".join("" if v is None else v for v in row) for row in self.rows)
            return text.encode("utf-8")
        return None

    def metadata_file(self, query_id: str) -> bytes | None:
        """The ``.metadata`` companion, or ``None`` when Athena writes none (column-less DDL)."""
        if not self.columns:
            return None
        return metadata_bytes(
            query_id, self.columns, update_type=self.update_type, update_count=self.update_count
        )
