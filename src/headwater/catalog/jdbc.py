"""JDBC crawl targets: database table metadata (read by the caller) into catalog tables.

The caller introspects the database behind a Glue connection (SQLAlchemy in the service) and
hands :func:`crawl_jdbc` the tables it found as :class:`JdbcTable` values; this module picks
those the target's include path (``db/schema/%``, ``db/%``, ``db/table``; ``%`` matches any
name) selects and its exclusions do not drop, maps the column types to Hive types, and names
the tables as Glue does: ``<prefix><db>_<schema>_<table>`` (``<prefix><db>_<table>`` for
engines without schemas, such as MySQL), location ``db.schema.table``, classification the
engine (``mysql``, ``postgresql``, ``sqlite``, ...), ``typeOfData`` ``table``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from headwater.catalog.crawler_config import CrawlSpec, JdbcTarget, RecrawlBehavior
from headwater.catalog.diff import diff_tables
from headwater.catalog.layout import sanitize_name
from headwater.catalog.model import Column, SerDeInfo, StorageDescriptor, Table, TableType
from headwater.catalog.outcome import Built, CrawlResult, CrawlState

__all__ = ["JdbcColumn", "JdbcTable", "JdbcTarget", "crawl_jdbc", "jdbc_type_to_hive"]


@dataclass(frozen=True, slots=True, kw_only=True)
class JdbcColumn:
    """A column as the database describes it (``varchar(16)``, ``decimal(7,2)``, ...)."""

    name: str
    type: str


@dataclass(frozen=True, slots=True, kw_only=True)
class JdbcTable:
    """A table found in the database (``schema`` None for engines without schemas)."""

    database: str
    name: str
    columns: tuple[JdbcColumn, ...]
    schema: str | None = None

    @property
    def parts(self) -> tuple[str, ...]:
        """``(database, schema, table)`` or ``(database, table)``."""
        if self.schema is None:
            return (self.database, self.name)
        return (self.database, self.schema, self.name)


_SIMPLE = {
    "tinyint": "tinyint",
    "smallint": "smallint",
    "int2": "smallint",
    "mediumint": "int",
    "int": "int",
    "integer": "int",
    "int4": "int",
    "serial": "int",
    "bigint": "bigint",
    "int8": "bigint",
    "bigserial": "bigint",
    "float": "float",
    "real": "float",
    "float4": "float",
    "double": "double",
    "double precision": "double",
    "float8": "double",
    "boolean": "boolean",
    "bool": "boolean",
    "bit": "boolean",
    "date": "date",
    "datetime": "timestamp",
    "timestamp": "timestamp",
    "timestamptz": "timestamp",
    "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamp",
    "blob": "binary",
    "longblob": "binary",
    "mediumblob": "binary",
    "binary": "binary",
    "varbinary": "binary",
    "bytea": "binary",
}


def jdbc_type_to_hive(sql_type: str) -> str:
    """The Hive type Glue's JDBC crawler records for a database column type."""
    text = sql_type.strip().lower()
    base = re.sub(r"\(.*\)", "", text).replace(" unsigned", "").strip()
    if base in ("decimal", "numeric", "number"):
        match = re.search(r"\((\d+)\s*(?:,\s*(\d+))?\)", text)
        if match:
            return f"decimal({match.group(1)},{match.group(2) or 0})"
        return "decimal(38,18)" if base == "number" else "decimal(10,0)"
    if base == "tinyint" and "(1)" in text:
        return "boolean"
    return _SIMPLE.get(base, "string")


def crawl_jdbc(
    spec: CrawlSpec,
    engine: str,
    found: Mapping[str, Sequence[JdbcTable]],
    *,
    existing_tables: Sequence[Table] = (),
) -> CrawlResult:
    """Catalog the database tables of the crawler's JDBC targets.

    Args:
        spec: the compiled crawler; its ``jdbc_targets`` are crawled.
        engine: the connection's engine, the tables' ``classification`` (``mysql``, ...).
        found: for each target ``Path``, the tables the caller read from the database.
        existing_tables: the tables already in the crawler's database.
    """
    state = CrawlState(spec)
    built: list[Built] = []
    for target in spec.jdbc_targets:
        for table in sorted(found.get(target.path, ()), key=lambda t: t.parts):
            state.listed += 1
            if not target.selects(table.parts):
                continue
            name = sanitize_name(spec.table_prefix + "_".join(table.parts))
            params = dict(
                sorted(
                    {
                        "CrawlerSchemaDeserializerVersion": "1.0",
                        "CrawlerSchemaSerializerVersion": "1.0",
                        "UPDATED_BY_CRAWLER": spec.crawler_name,
                        "classification": engine,
                        "compressionType": "none",
                        "connectionName": target.connection_name,
                        "typeOfData": "table",
                    }.items()
                )
            )
            columns = tuple(
                Column(name=c.name.lower(), type=jdbc_type_to_hive(c.type)) for c in table.columns
            )
            sd = StorageDescriptor(
                columns=columns,
                location=".".join(table.parts),
                serde_info=SerDeInfo(),
                parameters=params,
            )
            built.append(
                Built(
                    table=Table(
                        name=name,
                        database_name=spec.database_name,
                        storage_descriptor=sd,
                        table_type=TableType.EXTERNAL_TABLE,
                        parameters=params,
                        owner="owner",
                    ),
                    partitions=[],
                )
            )
    existing = {t.name: t for t in existing_tables}
    incremental = spec.recrawl_behavior is RecrawlBehavior.CRAWL_NEW_FOLDERS_ONLY
    connections = {t.connection_name for t in spec.jdbc_targets}

    def owned(table: Table) -> bool:
        return (
            table.parameters.get("classification") == engine
            and table.parameters.get("connectionName") in connections
        )

    return diff_tables(
        spec,
        state,
        built,
        existing,
        {},
        spec.update_behavior,
        spec.delete_behavior,
        owned=lambda t: owned(t) and not incremental,
    )
