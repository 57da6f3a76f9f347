"""Hive DDL as Athena runs it: ``CREATE EXTERNAL TABLE`` to a Glue ``TableInput`` and back.

:func:`table_input_from_ddl` turns a parsed ``CREATE EXTERNAL TABLE`` (columns, ``PARTITIONED
BY``, ``ROW FORMAT SERDE ... WITH SERDEPROPERTIES`` or ``ROW FORMAT DELIMITED ...``, ``STORED
AS`` a format or an ``INPUTFORMAT``/``OUTPUTFORMAT`` pair, ``LOCATION``, ``TBLPROPERTIES``) into
the table Glue stores; :func:`show_create_table` renders a stored table back as Athena's
``SHOW CREATE TABLE`` prints it. Hive DDL failures read like Hive's (``FAILED: ...``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlglot import exp

from headwater.query.errors import NotSupportedError, QueryError
from headwater.query.types import hive_type_text, parse_hive_type

__all__ = [
    "FORMATS",
    "hive_failure",
    "hive_type_of",
    "show_create_table",
    "storage_for_format",
    "table_input_from_ddl",
]

_TEXT_IN = "org.apache.hadoop.mapred.TextInputFormat"
_TEXT_OUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
_LAZY = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"

FORMATS: dict[str, tuple[str, str, str]] = {
    "TEXTFILE": (_TEXT_IN, _TEXT_OUT, _LAZY),
    "PARQUET": (
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    ),
    "ORC": (
        "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
        "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
        "org.apache.hadoop.hive.ql.io.orc.OrcSerde",
    ),
    "AVRO": (
        "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
        "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat",
        "org.apache.hadoop.hive.serde2.avro.AvroSerDe",
    ),
    "JSON": (_TEXT_IN, _TEXT_OUT, "org.openx.data.jsonserde.JsonSerDe"),
    "JSONFILE": (_TEXT_IN, _TEXT_OUT, "org.apache.hive.hcatalog.data.JsonSerDe"),
    "SEQUENCEFILE": (
        "org.apache.hadoop.mapred.SequenceFileInputFormat",
        "org.apache.hadoop.hive.ql.io.HiveSequenceFileOutputFormat",
        _LAZY,
    ),
}


def hive_failure(
    message: str, *, error_name: str = "HIVE_DDL", error_type: int = 1003
) -> QueryError:
    """A Hive DDL failure, whose reason reads ``FAILED: ...`` as Athena's does."""
    return QueryError(
        message, error_name=error_name, error_type=error_type, reason=f"FAILED: {message}"
    )


def hive_type_of(kind: exp.DataType) -> str:
    """Glue's spelling of a DDL type: ``ARRAY<STRUCT<x: INT>>`` -> ``array<struct<x:int>>``."""
    text = kind.sql("hive")
    try:
        return hive_type_text(parse_hive_type(text))
    except (ValueError, IndexError) as exc:
        raise NotSupportedError(f"Unknown type {text}") from exc


def _literal(node: exp.Expression | None) -> str:
    if node is None:
        return ""
    if isinstance(node, exp.Literal):
        return str(node.this)
    return node.name if isinstance(node, exp.Identifier) else node.sql()


def _columns(defs: list[exp.Expression]) -> list[dict[str, Any]]:
    out = []
    for cd in defs:
        if not isinstance(cd, exp.ColumnDef):
            continue
        col: dict[str, Any] = {"Name": cd.name.lower(), "Type": hive_type_of(cd.args["kind"])}
        for constraint in cd.args.get("constraints") or ():
            kind = constraint.args.get("kind")
            if isinstance(kind, exp.CommentColumnConstraint):
                col["Comment"] = _literal(kind.this)
        out.append(col)
    return out


def storage_for_format(name: str) -> tuple[str, str, str]:
    """``(InputFormat, OutputFormat, SerializationLibrary)`` for ``STORED AS <name>``."""
    try:
        return FORMATS[name.upper()]
    except KeyError:
        raise NotSupportedError(f"Unsupported storage format: {name}") from None


def table_input_from_ddl(create: exp.Create) -> dict[str, Any]:
    """The Glue ``TableInput`` for a parsed ``CREATE EXTERNAL TABLE``."""
    schema = create.this
    if not isinstance(schema, exp.Schema):
        raise NotSupportedError("CREATE TABLE needs a column list (or AS SELECT)")
    table = schema.this
    columns = _columns(schema.expressions)
    partition_keys: list[dict[str, Any]] = []
    serde_library: str | None = None
    serde_params: dict[str, str] = {}
    input_format, output_format = _TEXT_IN, _TEXT_OUT
    location = ""
    params: dict[str, str] = {}
    description = None
    external = False
    delimited = False
    for prop in (create.args.get("properties") or exp.Properties(expressions=[])).expressions:
        if isinstance(prop, exp.ExternalProperty):
            external = True
        elif isinstance(prop, exp.PartitionedByProperty):
            node = prop.this
            defs = node.expressions if isinstance(node, exp.Schema) else []
            partition_keys = _columns(defs)
        elif isinstance(prop, exp.RowFormatSerdeProperty):
            serde_library = _literal(prop.this)
            props = prop.args.get("serde_properties")
            for item in props.expressions if props is not None else ():
                serde_params[_literal(item.this)] = _literal(item.args.get("value"))
        elif isinstance(prop, exp.RowFormatDelimitedProperty):
            delimited = True
            serde_library = _LAZY
            for arg, key in (
                ("fields", "field.delim"),
                ("escaped", "escape.delim"),
                ("collection_items", "collection.delim"),
                ("map_keys", "mapkey.delim"),
                ("lines", "line.delim"),
                ("null", "serialization.null.format"),
            ):
                if prop.args.get(arg) is not None:
                    serde_params[key] = _literal(prop.args[arg])
            if "field.delim" in serde_params:
                serde_params["serialization.format"] = serde_params["field.delim"]
        elif isinstance(prop, exp.FileFormatProperty):
            node = prop.this
            if isinstance(node, exp.InputOutputFormat):
                input_format = _literal(node.args.get("input_format"))
                output_format = _literal(node.args.get("output_format"))
            else:
                fmt_in, fmt_out, fmt_serde = storage_for_format(_literal(node))
                input_format, output_format = fmt_in, fmt_out
                if serde_library is None or not delimited:
                    serde_library = serde_library or fmt_serde
        elif isinstance(prop, exp.LocationProperty):
            location = _literal(prop.this)
        elif isinstance(prop, exp.SchemaCommentProperty):
            description = _literal(prop.this)
        elif isinstance(prop, exp.Property):
            params[_literal(prop.this)] = _literal(prop.args.get("value"))
    if not external:
        raise NotSupportedError(
            "Only external table creation is supported (CREATE EXTERNAL TABLE, or a CTAS)"
        )
    if not location:
        raise hive_failure(
            "SemanticException [Error 10043]: LOCATION is required for an external table",
            error_type=1100,
        )
    if serde_library is None:
        serde_library = _LAZY
    if serde_library == _LAZY and not serde_params:
        serde_params = {"serialization.format": "1"}
    out: dict[str, Any] = {
        "Name": table.name.lower(),
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"EXTERNAL": "TRUE", **params},
        "PartitionKeys": partition_keys,
        "StorageDescriptor": {
            "Columns": columns,
            "Location": location,
            "InputFormat": input_format,
            "OutputFormat": output_format,
            "SerdeInfo": {"SerializationLibrary": serde_library, "Parameters": serde_params},
            "Compressed": False,
            "NumberOfBuckets": -1,
            "BucketColumns": [],
            "SortColumns": [],
            "Parameters": {},
            "StoredAsSubDirectories": False,
        },
    }
    if description is not None:
        out["Description"] = description
    return out


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def show_create_table(table: Mapping[str, Any]) -> list[str]:
    """``SHOW CREATE TABLE`` as Athena prints a Hive table, one row per line."""
    sd = table.get("StorageDescriptor") or {}
    serde = sd.get("SerdeInfo") or {}
    cols = sd.get("Columns") or []
    lines = [f"CREATE EXTERNAL TABLE `{table.get('Name', '')}`("]
    for i, col in enumerate(cols):
        comment = f" COMMENT {_quote(col['Comment'])}" if col.get("Comment") else ""
        end = ")" if i == len(cols) - 1 else ", "
        lines.append(f"  `{col['Name']}` {col.get('Type', 'string')}{comment}{end}")
    if not cols:
        lines[-1] += ")"
    keys = table.get("PartitionKeys") or []
    if keys:
        lines.append("PARTITIONED BY ( ")
        for i, col in enumerate(keys):
            end = ")" if i == len(keys) - 1 else ", "
            lines.append(f"  `{col['Name']}` {col.get('Type', 'string')}{end}")
    lines.append("ROW FORMAT SERDE ")
    lines.append(f"  {_quote(serde.get('SerializationLibrary') or _LAZY)} ")
    serde_params = serde.get("Parameters") or {}
    if serde_params:
        lines.append("WITH SERDEPROPERTIES ( ")
        items = sorted(serde_params.items())
        for i, (k, v) in enumerate(items):
            end = ") " if i == len(items) - 1 else ", "
            lines.append(f"  {_quote(k)}={_quote(v)}{end}")
    lines.append("STORED AS INPUTFORMAT ")
    lines.append(f"  {_quote(sd.get('InputFormat') or _TEXT_IN)} ")
    lines.append("OUTPUTFORMAT ")
    lines.append(f"  {_quote(sd.get('OutputFormat') or _TEXT_OUT)}")
    lines.append("LOCATION")
    lines.append(f"  {_quote(sd.get('Location') or '')}")
    params = {k: v for k, v in (table.get("Parameters") or {}).items() if k != "EXTERNAL"}
    if params:
        lines.append("TBLPROPERTIES (")
        items = sorted(params.items())
        for i, (k, v) in enumerate(items):
            end = ")" if i == len(items) - 1 else ", "
            lines.append(f"  {_quote(k)}={_quote(v)}{end}")
    return lines
