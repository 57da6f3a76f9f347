"""DuckDB over Arrow tables: the engine behind DynamicFrame and DataFrame transforms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

__all__ = ["duck_type", "glue_type_name", "ident", "literal", "query"]

_GLUE_TO_DUCK = {
    "string": "VARCHAR",
    "varchar": "VARCHAR",
    "char": "VARCHAR",
    "long": "BIGINT",
    "bigint": "BIGINT",
    "int": "INTEGER",
    "integer": "INTEGER",
    "short": "SMALLINT",
    "smallint": "SMALLINT",
    "byte": "TINYINT",
    "tinyint": "TINYINT",
    "double": "DOUBLE",
    "float": "FLOAT",
    "real": "FLOAT",
    "boolean": "BOOLEAN",
    "bool": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "binary": "BLOB",
}


def duck_type(glue_type: str) -> str:
    """DuckDB's name of a Glue / Hive / Spark type (``long``, ``decimal(10,2)``, ``LongType``)."""
    text = glue_type.strip()
    lowered = text.lower()
    if lowered.endswith("type()"):
        lowered = lowered[: -len("type()")]
    elif lowered.endswith("type"):
        lowered = lowered[: -len("type")]
    if lowered.startswith("decimal"):
        return lowered.upper() if "(" in lowered else "DECIMAL(10,0)"
    if lowered.startswith(("varchar", "char")):
        return "VARCHAR"
    found = _GLUE_TO_DUCK.get(lowered)
    if found is None:
        raise ValueError(f"Unsupported type {glue_type!r}")
    return found


def glue_type_name(t: pa.DataType) -> str:
    """How Glue prints an Arrow type in ``printSchema``."""
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "string"
    if pa.types.is_int64(t) or pa.types.is_uint64(t) or pa.types.is_uint32(t):
        return "long"
    if pa.types.is_int32(t) or pa.types.is_uint16(t):
        return "int"
    if pa.types.is_int16(t) or pa.types.is_uint8(t):
        return "short"
    if pa.types.is_int8(t):
        return "byte"
    if pa.types.is_float64(t):
        return "double"
    if pa.types.is_floating(t):
        return "float"
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return "binary"
    if pa.types.is_struct(t):
        return "struct"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return "array"
    if pa.types.is_map(t):
        return "map"
    if pa.types.is_null(t):
        return "null"
    return str(t)


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    """A SQL literal for a Python value."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def query(sql: str, tables: Mapping[str, pa.Table]) -> pa.Table:
    """Run ``sql`` over the named Arrow tables; return an Arrow table."""
    import duckdb

    con = duckdb.connect()
    try:
        for name, table in tables.items():
            con.register(name, table)
        rel = con.sql(sql)
        if rel is None:
            return pa.table({})
        result: pa.Table = rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.arrow()
        return result
    finally:
        con.close()
