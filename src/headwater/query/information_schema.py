"""``information_schema``: the catalog as tables, as Trino (and so Athena) exposes it.

``schemata``, ``tables``, ``columns`` and ``views`` are built from the resolver on demand, as
SQL the engine registers like any other relation (SQLAlchemy dialects, dbt and BI tools read
them to discover tables).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from headwater.query.catalog import CatalogResolver
from headwater.query.errors import TableNotFoundError
from headwater.query.sources import sql_string
from headwater.query.types import hive_to_trino
from headwater.query.views import decode_view

__all__ = ["INFORMATION_SCHEMA", "information_schema_sql"]

INFORMATION_SCHEMA = "information_schema"

_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "schemata": (("catalog_name", "string"), ("schema_name", "string")),
    "tables": (
        ("table_catalog", "string"),
        ("table_schema", "string"),
        ("table_name", "string"),
        ("table_type", "string"),
    ),
    "columns": (
        ("table_catalog", "string"),
        ("table_schema", "string"),
        ("table_name", "string"),
        ("column_name", "string"),
        ("ordinal_position", "bigint"),
        ("column_default", "string"),
        ("is_nullable", "string"),
        ("data_type", "string"),
        ("comment", "string"),
        ("extra_info", "string"),
    ),
    "views": (
        ("table_catalog", "string"),
        ("table_schema", "string"),
        ("table_name", "string"),
        ("view_definition", "string"),
    ),
}


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return sql_string(str(value))


def _values(columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]]) -> str:
    names = ", ".join(f'"{n}"' for n, _ in columns)
    body = ", ".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in rows)
    if not body:
        nulls = ", ".join(
            f'CAST(NULL AS {"BIGINT" if t == "bigint" else "VARCHAR"}) AS "{n}"' for n, t in columns
        )
        return f"SELECT {nulls} WHERE false"
    return f"SELECT * FROM (VALUES {body}) AS t({names})"


def information_schema_sql(resolver: CatalogResolver, name: str) -> tuple[str, dict[str, str]]:
    """The SQL and column types of ``information_schema.<name>``."""
    columns = _COLUMNS.get(name)
    if columns is None:
        raise TableNotFoundError(
            f"line 1:1: Table 'awsdatacatalog.information_schema.{name}' does not exist"
        )
    databases = sorted(resolver.list_databases())
    rows: list[tuple[Any, ...]] = []
    if name == "schemata":
        rows = [("awsdatacatalog", d) for d in [*databases, INFORMATION_SCHEMA]]
    for database in databases if name != "schemata" else ():
        for table in sorted(resolver.list_tables(database), key=lambda t: str(t["Name"])):
            table_name = str(table["Name"]).lower()
            is_view = str(table.get("TableType")) == "VIRTUAL_VIEW"
            if name == "tables":
                rows.append(
                    ("awsdatacatalog", database, table_name, "VIEW" if is_view else "BASE TABLE")
                )
            elif name == "views" and is_view:
                text = decode_view(table.get("ViewOriginalText"), name=table_name).original_sql
                rows.append(("awsdatacatalog", database, table_name, text))
            elif name == "columns":
                sd = table.get("StorageDescriptor") or {}
                cols = list(sd.get("Columns") or []) + list(table.get("PartitionKeys") or [])
                keys = {str(k["Name"]).lower() for k in table.get("PartitionKeys") or []}
                for i, col in enumerate(cols, start=1):
                    col_name = str(col["Name"]).lower()
                    rows.append(
                        (
                            "awsdatacatalog",
                            database,
                            table_name,
                            col_name,
                            i,
                            None,
                            "YES",
                            hive_to_trino(str(col.get("Type") or "string")),
                            col.get("Comment"),
                            "partition key" if col_name in keys else None,
                        )
                    )
    return _values(columns, rows), dict(columns)
