"""Rows of the utility statements, laid out as Athena returns them.

``DESCRIBE`` of a Hive table pads each of name, type and comment to 20 characters (longer
values stay whole) and, for a partitioned table, repeats the partition keys after a
``# Partition Information`` block; ``SHOW COLUMNS`` pads names the same way. A view's
``DESCRIBE`` / ``SHOW COLUMNS`` has two columns (``column``, ``type``) in Trino's spelling.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from typing import Any

from headwater.query.results import STRING_COLUMN, ResultColumn
from headwater.query.types import AthenaType, hive_to_trino

__all__ = [
    "VIEW_COLUMNS",
    "describe_rows",
    "like_filter",
    "partition_name",
    "show_columns_rows",
    "string_columns",
]

VIEW_COLUMNS = (
    ResultColumn(name="column", type=AthenaType("varchar")),
    ResultColumn(name="type", type=AthenaType("varchar")),
)


def string_columns(*names: str) -> tuple[ResultColumn, ...]:
    """Utility result columns of Hive's ``string`` type."""
    return tuple(ResultColumn(name=n, type=STRING_COLUMN) for n in names)


def _pad(text: str) -> str:
    return text.ljust(20)


def _describe_line(col: Mapping[str, Any]) -> str:
    comment = str(col.get("Comment") or "").split("\t", 1)[0]
    return f"{_pad(col['Name'])}\t{_pad(col.get('Type') or 'string')}\t{_pad(comment)}"


def describe_rows(table: Mapping[str, Any]) -> list[str]:
    """``DESCRIBE`` rows of a Hive table (one value per row, fields tab-separated)."""
    sd = table.get("StorageDescriptor") or {}
    cols = list(sd.get("Columns") or [])
    keys = list(table.get("PartitionKeys") or [])
    rows = [_describe_line(c) for c in cols + keys]
    if keys:
        rows += [
            "\t \t ",
            "# Partition Information\t \t ",
            f"{_pad('# col_name')}\t{_pad('data_type')}\t{_pad('comment')}",
            "\t \t ",
        ]
        rows += [_describe_line(c) for c in keys]
    return rows


def show_columns_rows(table: Mapping[str, Any]) -> list[str]:
    """``SHOW COLUMNS`` rows of a Hive table: padded names, partition keys included."""
    sd = table.get("StorageDescriptor") or {}
    cols = list(sd.get("Columns") or []) + list(table.get("PartitionKeys") or [])
    return [_pad(c["Name"]) for c in cols]


def view_column_rows(table: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``DESCRIBE`` / ``SHOW COLUMNS`` rows of a view: name and Trino type."""
    sd = table.get("StorageDescriptor") or {}
    return [(c["Name"], hive_to_trino(c.get("Type") or "string")) for c in sd.get("Columns") or []]


def partition_name(keys: Iterable[str], values: Iterable[str]) -> str:
    """``k1=v1/k2=v2`` (Hive's partition name, values escaped as Hive escapes them)."""
    return "/".join(f"{k}={_escape(v)}" for k, v in zip(keys, values, strict=False))


def _escape(value: str) -> str:
    return re.sub(r'[\x00-\x1f"#%\'*/:=?\\\x7f{\[\]^]', lambda m: f"%{ord(m.group(0)):02X}", value)


def like_filter(names: Iterable[str], pattern: str | None) -> list[str]:
    """Hive's ``LIKE`` for SHOW: ``*`` any characters, ``|`` alternatives, case-insensitive."""
    items = sorted(names)
    if not pattern:
        return items
    choices = [p.strip().lower() for p in pattern.split("|")]
    return [
        n
        for n in items
        if any(fnmatch.fnmatchcase(n.lower(), c.replace("%", "*")) for c in choices)
    ]
