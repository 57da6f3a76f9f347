r"""GetQueryResults' pages, from a result held in memory or read back from its S3 object.

A finished query's rows stay in memory for a while (:class:`ResultView`); after that, or after
a restart, they are read back from the result object Athena wrote (``<id>.csv``: every value
quoted, NULL an empty unquoted field; ``<id>.txt``: tab-separated lines), with the column info
kept in the query's row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from headwater.query import QueryResult

__all__ = ["ResultView", "parse_athena_csv", "parse_txt"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ResultView:
    """What GetQueryResults pages over."""

    column_info: list[dict[str, Any]]
    header: tuple[str, ...] | None
    rows: Sequence[tuple[str | None, ...]]
    update_count: int

    @classmethod
    def of(cls, result: QueryResult) -> ResultView:
        """The view of an engine result."""
        header = tuple(c.name for c in result.columns) if result.has_header_row else None
        return cls(
            column_info=result.column_info(),
            header=header,
            rows=result.rows,
            update_count=int(result.update_count or 0) if result.update_type else 0,
        )

    @property
    def total(self) -> int:
        """Rows GetQueryResults returns in all (the header row counts)."""
        return len(self.rows) + (1 if self.header is not None else 0)

    def page(self, start: int, size: int) -> list[dict[str, Any]]:
        """``ResultSet.Rows`` from row ``start`` (0 is the header row of a SELECT)."""
        out: list[dict[str, Any]] = []
        offset = 1 if self.header is not None else 0
        for i in range(start, min(start + size, self.total)):
            if i < offset and self.header is not None:
                out.append({"Data": [{"VarCharValue": n} for n in self.header]})
                continue
            row = self.rows[i - offset]
            out.append({"Data": [{} if v is None else {"VarCharValue": v} for v in row]})
        return out


def parse_athena_csv(text: str) -> list[list[str | None]]:
    """Parse Athena's result CSV (header line included); unquoted empty fields are NULL."""
    rows: list[list[str | None]] = []
    row: list[str | None] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] == '"':
            j = i + 1
            parts: list[str] = []
            while j < n:
                k = text.find('"', j)
                if k < 0:
                    parts.append(text[j:])
                    j = n
                    break
                parts.append(text[j:k])
                if k + 1 < n and text[k + 1] == '"':
                    parts.append('"')
                    j = k + 2
                    continue
                j = k + 1
                break
            row.append("".join(parts))
            i = j
        else:
            j = i
            while j < n and text[j] not in ",\n":
                j += 1
            field = text[i:j]
            row.append(field if field else None)
            i = j
        if i < n and text[i] == ",":
            i += 1
            if i == n or text[i] == "\n":
                row.append(None)
        if i < n and text[i] == "\n":
            rows.append(row)
            row = []
            i += 1
    if row:
        rows.append(row)
    return rows


def parse_txt(text: str) -> list[list[str | None]]:
    """Parse a ``.txt`` result: one row a line, columns by tabs."""
    if not text:
        return []
    return [list(line.split("\t")) for line in text.split("\n")]
