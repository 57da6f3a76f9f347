"""Views stored the way Athena stores them in the Glue catalog.

A view is a ``VIRTUAL_VIEW`` table whose ``ViewOriginalText`` is ``/* Presto View: <base64> */``
around a JSON document (``originalSql``, ``catalog``, ``schema``, ``columns`` with Trino types,
``runAsInvoker``, ...), with ``ViewExpandedText`` ``/* Presto View */``, the parameters
``presto_view=true`` and ``comment=Presto View``, and the columns (Hive types) in the storage
descriptor.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from headwater.query.errors import QueryError

__all__ = ["PRESTO_VIEW_PREFIX", "ViewDefinition", "decode_view", "view_table_input"]

PRESTO_VIEW_PREFIX = "/* Presto View: "
PRESTO_VIEW_SUFFIX = " */"


@dataclass(frozen=True, slots=True, kw_only=True)
class ViewDefinition:
    """A decoded view: its SQL and the catalog/schema its names resolve in."""

    original_sql: str
    catalog: str
    schema: str
    columns: tuple[tuple[str, str], ...]


def decode_view(view_original_text: str | None, *, name: str) -> ViewDefinition:
    """Decode ``ViewOriginalText``; raises an ``INVALID_VIEW`` error when it is not Athena's."""
    text = (view_original_text or "").strip()
    if not (text.startswith(PRESTO_VIEW_PREFIX) and text.endswith(PRESTO_VIEW_SUFFIX)):
        raise QueryError(
            f"View '{name}' is not an Athena (Presto) view",
            error_name="INVALID_VIEW",
            error_type=1107,
        )
    encoded = text[len(PRESTO_VIEW_PREFIX) : -len(PRESTO_VIEW_SUFFIX)]
    try:
        data = json.loads(base64.b64decode(encoded))
    except (ValueError, TypeError) as exc:
        raise QueryError(
            f"View '{name}' has invalid data: {exc}", error_name="INVALID_VIEW", error_type=1107
        ) from exc
    return ViewDefinition(
        original_sql=str(data.get("originalSql", "")),
        catalog=str(data.get("catalog", "awsdatacatalog")),
        schema=str(data.get("schema", "default")),
        columns=tuple((str(c["name"]), str(c["type"])) for c in data.get("columns") or ()),
    )


def view_table_input(
    *,
    name: str,
    schema: str,
    original_sql: str,
    columns: Sequence[tuple[str, str, str]],
    owner: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The Glue ``TableInput`` Athena writes for ``CREATE VIEW``.

    Args:
        name: the view name (lower case).
        schema: the database the view lives in (unqualified names resolve there).
        original_sql: the query text as the user wrote it.
        columns: ``(name, trino_type, hive_type)`` per output column.
        owner: recorded as the view's owner when given.
        extra: more keys for the JSON document.
    """
    document: dict[str, Any] = {
        "originalSql": original_sql,
        "catalog": "awsdatacatalog",
        "schema": schema,
        "columns": [{"name": n, "type": t} for n, t, _ in columns],
    }
    if owner:
        document["owner"] = owner
    document["runAsInvoker"] = False
    document["properties"] = {}
    document.update(extra or {})
    encoded = base64.b64encode(json.dumps(document, separators=(",", ":")).encode()).decode()
    table: dict[str, Any] = {
        "Name": name,
        "TableType": "VIRTUAL_VIEW",
        "ViewOriginalText": f"{PRESTO_VIEW_PREFIX}{encoded}{PRESTO_VIEW_SUFFIX}",
        "ViewExpandedText": "/* Presto View */",
        "Parameters": {"comment": "Presto View", "presto_view": "true"},
        "PartitionKeys": [],
        "StorageDescriptor": {
            "Columns": [{"Name": n, "Type": h} for n, _, h in columns],
            "Location": "",
            "SerdeInfo": {},
            "Compressed": False,
            "NumberOfBuckets": 0,
            "SortColumns": [],
            "StoredAsSubDirectories": False,
        },
    }
    if owner:
        table["Owner"] = owner
    return table
