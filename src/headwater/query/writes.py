"""Statements that write data: CTAS and INSERT INTO (Parquet, JSON or text files).

The rows are written with DuckDB's ``COPY`` under the table's location (Hive ``k=v`` folders
for partitioned tables) before the statement returns; the catalog changes (the new table, the
new partitions) are returned for the service to apply.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from headwater.query.catalog import AddPartitions, CreateTable
from headwater.query.commands import HIVE_FOLDER, ddl_result, partition_input, unescape_value
from headwater.query.ddl import storage_for_format
from headwater.query.errors import NotSupportedError, QueryError
from headwater.query.results import OutputKind, QueryResult, ResultColumn, StatementType
from headwater.query.sources import TableInfo, list_files, sql_string
from headwater.query.types import AthenaType, duckdb_to_hive, hive_to_duckdb

if TYPE_CHECKING:
    from headwater.query.engine import Execution

__all__ = ["create_table_as", "insert_into", "unload"]

_ROWS = (ResultColumn(name="rows", type=AthenaType("bigint", 19, 0)),)


def _ctas_properties(create: exp.Create) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for prop in (create.args.get("properties") or exp.Properties(expressions=[])).expressions:
        if isinstance(prop, exp.FileFormatProperty):
            props["format"] = (
                prop.this.name if isinstance(prop.this, exp.Literal) else prop.this.sql()
            )
        elif isinstance(prop, exp.PartitionedByProperty):
            node = prop.this
            items = (
                node.expressions if isinstance(node, exp.Array | exp.Tuple | exp.Schema) else [node]
            )
            props["partitioned_by"] = [i.name.lower() for i in items]
        elif isinstance(prop, exp.WithDataProperty):
            props["no_data"] = bool(prop.args.get("no"))
        elif isinstance(prop, exp.LocationProperty):
            props["location"] = prop.this.name
        elif isinstance(prop, exp.Property):
            key = (
                prop.this.name.lower() if isinstance(prop.this, exp.Expression) else str(prop.this)
            )
            value = prop.args.get("value")
            if isinstance(value, exp.Array):
                props[key] = [v.name for v in value.expressions]
            else:
                props[key] = (
                    value.name if isinstance(value, exp.Literal) else value.sql() if value else ""
                )
    return props


def _write(
    run: Execution,
    select_sql: str,
    names: Sequence[str],
    types: Sequence[Any],
    folder: Path,
    fmt: str,
    partitioned_by: Sequence[str],
    compression: str,
    delimiter: str,
) -> int:
    """Write ``select_sql``'s rows under ``folder`` (Hive folders per partition); the row count."""
    folder.mkdir(parents=True, exist_ok=True)
    projections = []
    for i, (name, t) in enumerate(zip(names, types, strict=True)):
        col = f'"__c{i}"'
        if t.id in ("hugeint", "uhugeint", "ubigint"):
            col = f"CAST({col} AS BIGINT)"
        projections.append(f'{col} AS "{name}"')
    aliases = ", ".join(f'"__c{i}"' for i in range(len(names)))
    source = f"SELECT {', '.join(projections)} FROM ({select_sql}) AS __q({aliases})"
    options = []
    if fmt == "PARQUET":
        options += ["FORMAT PARQUET", f"COMPRESSION {sql_string(compression.lower() or 'snappy')}"]
    elif fmt == "JSON":
        options += ["FORMAT JSON"]
    elif fmt == "TEXTFILE":
        options += ["FORMAT CSV", "HEADER false", f"DELIMITER {sql_string(delimiter)}"]
    else:
        raise NotSupportedError(f"Unsupported format for writing: {fmt}")
    stem = (run.query_id or "{uuid}") + "_{i}"
    if partitioned_by:
        cols = ", ".join(f'"{p}"' for p in partitioned_by)
        options += [
            f"PARTITION_BY ({cols})",
            f"FILENAME_PATTERN {sql_string(stem)}",
            "OVERWRITE_OR_IGNORE true",
        ]
        target = str(folder)
    else:
        n = len(list(folder.iterdir()))
        target = str(folder / f"{run.query_id or 'hw'}_{n:05d}_{uuid.uuid4().hex}")
    cursor = run.cursor.execute(f"COPY ({source}) TO {sql_string(target)} ({', '.join(options)})")
    row = cursor.fetchone()
    return int(row[0]) if row else 0


def _written_partitions(folder: Path, keys: Sequence[str]) -> list[tuple[tuple[str, ...], str]]:
    found: dict[tuple[str, ...], str] = {}
    for path, _ in list_files(str(folder)):
        rel = Path(path).parent.relative_to(folder).parts
        if len(rel) != len(keys):
            continue
        values = []
        for key, part in zip(keys, rel, strict=True):
            match = HIVE_FOLDER.match(part)
            if not match or match.group(1).lower() != key:
                break
            values.append(unescape_value(match.group(2)))
        else:
            found.setdefault(tuple(values), "/".join(rel))
    return sorted(found.items())


def _storage(fmt: str, delimiter: str) -> tuple[str, str, str, dict[str, str]]:
    in_fmt, out_fmt, serde = storage_for_format("JSON" if fmt == "JSON" else fmt)
    params = {"serialization.format": "1"}
    if fmt == "TEXTFILE":
        params = {"field.delim": delimiter, "serialization.format": delimiter}
    return in_fmt, out_fmt, serde, params


def create_table_as(run: Execution, create: exp.Create) -> QueryResult:
    """``CREATE TABLE ... WITH (...) AS SELECT``: write the data, return the table to create."""
    target = create.this
    database = target.db.lower() if target.db else run.database
    name = target.name.lower()
    run.require_database(database, target)
    if run.resolver.get_table(database, name) is not None:
        if create.args.get("exists"):
            return ddl_result("CREATE_TABLE_AS_SELECT")
        raise QueryError(
            f"line 1:1: Table 'awsdatacatalog.{database}.{name}' already exists",
            error_name="TABLE_ALREADY_EXISTS",
            error_type=1003,
        )
    props = _ctas_properties(create)
    fmt = str(props.get("format") or "PARQUET").upper()
    location = props.get("external_location") or props.get("location") or run.ctas_location
    if not location:
        raise NotSupportedError(
            "CTAS needs external_location (or the result location the service passes)",
            error_type=1100,
        )
    folder = run.engine.local_path(str(location))
    if folder.exists() and any(folder.iterdir()):
        raise QueryError(
            f"Target directory for table '{database}.{name}' already exists: {location}. You "
            "may need to manually clean the data at location before retrying.",
            error_name="HIVE_PATH_ALREADY_EXISTS",
            error_type=1100,
        )
    partitioned_by = list(props.get("partitioned_by") or [])
    query = create.expression
    assert query is not None
    names, types, sql = run.describe_query(query)
    if partitioned_by and names[-len(partitioned_by) :] != partitioned_by:
        raise QueryError(
            "Partition keys must be the last columns in the table and in the same order as the "
            f"table properties: {partitioned_by}",
            error_name="HIVE_COLUMN_ORDER_MISMATCH",
            error_type=1100,
        )
    delimiter = str(props.get("field_delimiter") or "\x01")
    compression = str(
        props.get("write_compression") or props.get("parquet_compression") or "SNAPPY"
    )
    count = 0
    if not props.get("no_data"):
        count = _write(run, sql, names, types, folder, fmt, partitioned_by, compression, delimiter)
    hive = [(n, duckdb_to_hive(t)) for n, t in zip(names, types, strict=True)]
    data_cols = hive[: len(hive) - len(partitioned_by)] if partitioned_by else hive
    key_cols = hive[len(hive) - len(partitioned_by) :] if partitioned_by else []
    in_fmt, out_fmt, serde, serde_params = _storage(fmt, delimiter)
    loc = str(location).rstrip("/") + "/"
    parameters = {"EXTERNAL": "TRUE", "has_encrypted_data": "false"}
    if fmt == "PARQUET":
        parameters["parquet.compression"] = compression.upper()
    table = {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": parameters,
        "PartitionKeys": [{"Name": n, "Type": t} for n, t in key_cols],
        "StorageDescriptor": {
            "Columns": [{"Name": n, "Type": t} for n, t in data_cols],
            "Location": loc,
            "InputFormat": in_fmt,
            "OutputFormat": out_fmt,
            "SerdeInfo": {"SerializationLibrary": serde, "Parameters": serde_params},
            "Compressed": False,
            "NumberOfBuckets": -1,
            "BucketColumns": [],
            "SortColumns": [],
            "Parameters": {},
            "StoredAsSubDirectories": False,
        },
    }
    changes: list[Any] = [CreateTable(database=database, table=table)]
    if partitioned_by and count:
        parts = tuple(
            partition_input(table, values, loc + rel + "/")
            for values, rel in _written_partitions(folder, partitioned_by)
        )
        changes.append(AddPartitions(database=database, table=name, partitions=parts))
    return QueryResult(
        statement_type=StatementType.DDL,
        substatement_type="CREATE_TABLE_AS_SELECT",
        columns=_ROWS,
        update_count=count,
        output=OutputKind.TABLES,
        update_type="CREATE TABLE",
        changes=tuple(changes),
        data_scanned_bytes=run.scanned_bytes,
    )


def insert_into(run: Execution, insert: exp.Insert) -> QueryResult:
    """``INSERT INTO t [(cols)] SELECT ...``: new files under the table; new partitions."""
    target = insert.this
    columns: list[str] | None = None
    if isinstance(target, exp.Schema):
        columns = [c.name.lower() for c in target.expressions]
        target = target.this
    assert isinstance(target, exp.Table)
    database = target.db.lower() if target.db else run.database
    meta = run.lookup(database, target.name.lower(), target)
    info = TableInfo.from_wire(database, meta)
    if info.is_view:
        raise NotSupportedError(f"Inserting into view {database}.{info.name} is not supported")
    fmt = {"parquet": "PARQUET", "json": "JSON", "text": "TEXTFILE"}.get(info.storage_format)
    if fmt is None:
        raise NotSupportedError(f"INSERT INTO a {info.storage_format} table is not supported")
    query = insert.expression
    assert query is not None
    names, _, sql = run.describe_query(query)
    wanted = [n for n, _ in info.all_columns]
    given = columns or wanted[: len(names)]
    if len(given) != len(names):
        raise QueryError(
            f"Insert query has {len(names)} columns, target table has {len(wanted)}",
            error_name="TYPE_MISMATCH",
            error_type=1002,
        )
    select_items = []
    types_by_name = dict(info.all_columns)
    for i, col in enumerate(wanted):
        if col in given:
            select_items.append(
                f'CAST(__s."__i{given.index(col)}" AS {hive_to_duckdb(types_by_name[col])})'
            )
        else:
            select_items.append(f"CAST(NULL AS {hive_to_duckdb(types_by_name[col])})")
        select_items[-1] += f' AS "__o{i}"'
    aliases = ", ".join(f'"__i{i}"' for i in range(len(names)))
    shaped = f"SELECT {', '.join(select_items)} FROM ({sql}) AS __s({aliases})"
    out_types = [run.cursor.sql(shaped).types[i] for i in range(len(wanted))]
    folder = run.engine.local_path(info.location)
    keys = [k for k, _ in info.partition_keys]
    delimiter = str(info.serde_parameters.get("field.delim", "\x01"))
    count = _write(run, shaped, wanted, out_types, folder, fmt, keys, "SNAPPY", delimiter)
    changes: list[Any] = []
    if keys and count:
        known = {
            tuple(p.get("Values") or ()) for p in run.resolver.get_partitions(database, info.name)
        }
        loc = info.location.rstrip("/") + "/"
        new = tuple(
            partition_input(meta, values, loc + rel + "/")
            for values, rel in _written_partitions(folder, keys)
            if values not in known
        )
        if new:
            changes.append(AddPartitions(database=database, table=info.name, partitions=new))
    return QueryResult(
        statement_type=StatementType.DML,
        substatement_type="INSERT",
        columns=_ROWS,
        update_count=count,
        output=OutputKind.METADATA_ONLY,
        update_type="INSERT",
        changes=tuple(changes),
        data_scanned_bytes=run.scanned_bytes,
    )


def unload(run: Execution, args: dict[str, Any]) -> QueryResult:
    """``UNLOAD (query) TO 's3://...' WITH (format = ..., partitioned_by = ARRAY[...])``."""
    from headwater.query.engine import parse_query

    # The WITH list has CTAS's grammar; parse it through a CTAS wrapper.
    wrapper = parse_query(f"CREATE TABLE __unload WITH ({args['with']}) AS SELECT 1")
    assert isinstance(wrapper, exp.Create)
    props = _ctas_properties(wrapper)
    fmt = str(props.get("format") or "").upper()
    if not fmt:
        raise QueryError(
            "UNLOAD requires a format", error_name="INVALID_TABLE_PROPERTY", error_type=1103
        )
    folder = run.engine.local_path(str(args["location"]))
    if folder.exists() and any(folder.iterdir()):
        raise QueryError(
            f"Target directory for UNLOAD is not empty: {args['location']}",
            error_name="HIVE_PATH_ALREADY_EXISTS",
            error_type=1100,
        )
    names, types, sql = run.describe_query(parse_query(str(args["query"]).strip()))
    partitioned_by = list(props.get("partitioned_by") or [])
    delimiter = str(props.get("field_delimiter") or "\x01")
    compression = str(props.get("compression") or "SNAPPY")
    count = _write(run, sql, names, types, folder, fmt, partitioned_by, compression, delimiter)
    return QueryResult(
        statement_type=StatementType.DML,
        substatement_type="UNLOAD",
        columns=_ROWS,
        update_count=count,
        output=OutputKind.METADATA_ONLY,
        update_type="UNLOAD",
        data_scanned_bytes=run.scanned_bytes,
    )
