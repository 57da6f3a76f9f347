"""Mapping between catalog objects and Glue's PascalCase wire dicts.

``*_to_wire`` produce the shapes GetTable / GetPartitions / GetDatabase return (timestamps stay
``datetime`` objects: botocore-style serialisers render them); ``*_from_wire`` accept those
shapes as well as the ``TableInput`` / ``PartitionInput`` / ``DatabaseInput`` of the create
and update operations. Names of databases and tables are lower-cased, as Glue stores them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from headwater.catalog.errors import InvalidInputError
from headwater.catalog.model import (
    Column,
    Database,
    Partition,
    SerDeInfo,
    StorageDescriptor,
    Table,
    TableType,
)

__all__ = [
    "column_from_wire",
    "column_to_wire",
    "database_from_wire",
    "database_to_wire",
    "partition_from_wire",
    "partition_to_wire",
    "storage_descriptor_from_wire",
    "storage_descriptor_to_wire",
    "table_from_wire",
    "table_to_wire",
]

Wire = dict[str, Any]


def _time(value: Any, field_name: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), tz=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            try:
                return datetime.fromtimestamp(float(value), tz=UTC)
            except ValueError:
                raise InvalidInputError(f"{field_name}: not a timestamp: {value!r}") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise InvalidInputError(f"{field_name}: not a timestamp: {value!r}")


def _str_map(value: Any, field_name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"{field_name}: expected a map of strings")
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


def _put(out: Wire, key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def column_to_wire(column: Column) -> Wire:
    """A Glue ``Column`` dict."""
    out: Wire = {"Name": column.name, "Type": column.type}
    _put(out, "Comment", column.comment)
    if column.parameters:
        out["Parameters"] = dict(column.parameters)
    return out


def column_from_wire(data: Mapping[str, Any]) -> Column:
    """A :class:`Column` from a Glue ``Column`` dict."""
    try:
        name = data["Name"]
    except (KeyError, TypeError):
        raise InvalidInputError("Column: Name is required") from None
    return Column(
        name=str(name),
        type=str(data.get("Type") or ""),
        comment=data.get("Comment"),
        parameters=_str_map(data.get("Parameters"), "Column.Parameters"),
    )


def _columns(value: Any) -> tuple[Column, ...]:
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise InvalidInputError("Columns: expected a list")
    return tuple(column_from_wire(c) for c in value)


def storage_descriptor_to_wire(sd: StorageDescriptor) -> Wire:
    """A Glue ``StorageDescriptor`` dict."""
    serde: Wire = {}
    _put(serde, "Name", sd.serde_info.name)
    _put(serde, "SerializationLibrary", sd.serde_info.serialization_library)
    serde["Parameters"] = dict(sd.serde_info.parameters)
    out: Wire = {"Columns": [column_to_wire(c) for c in sd.columns]}
    _put(out, "Location", sd.location)
    if sd.additional_locations:
        out["AdditionalLocations"] = list(sd.additional_locations)
    _put(out, "InputFormat", sd.input_format)
    _put(out, "OutputFormat", sd.output_format)
    out["Compressed"] = sd.compressed
    out["NumberOfBuckets"] = sd.number_of_buckets
    out["SerdeInfo"] = serde
    out["BucketColumns"] = list(sd.bucket_columns)
    out["SortColumns"] = [dict(s) for s in sd.sort_columns]
    out["Parameters"] = dict(sd.parameters)
    if sd.skewed_info is not None:
        out["SkewedInfo"] = dict(sd.skewed_info)
    out["StoredAsSubDirectories"] = sd.stored_as_sub_directories
    if sd.schema_reference is not None:
        out["SchemaReference"] = dict(sd.schema_reference)
    return out


def storage_descriptor_from_wire(data: Mapping[str, Any] | None) -> StorageDescriptor:
    """A :class:`StorageDescriptor` from a Glue ``StorageDescriptor`` dict."""
    if not data:
        return StorageDescriptor()
    serde = data.get("SerdeInfo") or {}
    buckets = data.get("NumberOfBuckets")
    return StorageDescriptor(
        columns=_columns(data.get("Columns")),
        location=data.get("Location"),
        additional_locations=tuple(data.get("AdditionalLocations") or ()),
        input_format=data.get("InputFormat"),
        output_format=data.get("OutputFormat"),
        compressed=bool(data.get("Compressed", False)),
        number_of_buckets=-1 if buckets is None else int(buckets),
        serde_info=SerDeInfo(
            name=serde.get("Name"),
            serialization_library=serde.get("SerializationLibrary"),
            parameters=_str_map(serde.get("Parameters"), "SerdeInfo.Parameters"),
        ),
        bucket_columns=tuple(data.get("BucketColumns") or ()),
        sort_columns=tuple(dict(s) for s in data.get("SortColumns") or ()),
        parameters=_str_map(data.get("Parameters"), "StorageDescriptor.Parameters"),
        skewed_info=data.get("SkewedInfo"),
        stored_as_sub_directories=bool(data.get("StoredAsSubDirectories", False)),
        schema_reference=data.get("SchemaReference"),
    )


def table_to_wire(table: Table) -> Wire:
    """A Glue ``Table`` dict as GetTable returns it."""
    out: Wire = {"Name": table.name}
    _put(out, "DatabaseName", table.database_name)
    _put(out, "Description", table.description)
    _put(out, "Owner", table.owner)
    _put(out, "CreateTime", table.create_time)
    _put(out, "UpdateTime", table.update_time)
    _put(out, "LastAccessTime", table.last_access_time)
    _put(out, "LastAnalyzedTime", table.last_analyzed_time)
    out["Retention"] = table.retention
    out["StorageDescriptor"] = storage_descriptor_to_wire(table.storage_descriptor)
    out["PartitionKeys"] = [column_to_wire(c) for c in table.partition_keys]
    _put(out, "ViewOriginalText", table.view_original_text)
    _put(out, "ViewExpandedText", table.view_expanded_text)
    _put(out, "TableType", None if table.table_type is None else str(table.table_type))
    out["Parameters"] = dict(table.parameters)
    _put(out, "CreatedBy", table.created_by)
    out["IsRegisteredWithLakeFormation"] = table.is_registered_with_lake_formation
    if table.target_table is not None:
        out["TargetTable"] = dict(table.target_table)
    _put(out, "CatalogId", table.catalog_id)
    _put(out, "VersionId", table.version_id)
    return out


def _table_type(value: Any) -> TableType | str | None:
    if value is None or value == "":
        return None
    try:
        return TableType(str(value))
    except ValueError:
        return str(value)


def table_from_wire(data: Mapping[str, Any], *, database_name: str | None = None) -> Table:
    """A :class:`Table` from a Glue ``Table`` or ``TableInput`` dict.

    Args:
        data: the wire dict.
        database_name: the database, when ``data`` (a ``TableInput``) does not carry it.
    """
    name = data.get("Name") if isinstance(data, Mapping) else None
    if not name:
        raise InvalidInputError("Table: Name is required")
    db = data.get("DatabaseName") or database_name
    retention = data.get("Retention")
    return Table(
        name=str(name).lower(),
        database_name=None if db is None else str(db).lower(),
        description=data.get("Description"),
        owner=data.get("Owner"),
        create_time=_time(data.get("CreateTime"), "CreateTime"),
        update_time=_time(data.get("UpdateTime"), "UpdateTime"),
        last_access_time=_time(data.get("LastAccessTime"), "LastAccessTime"),
        last_analyzed_time=_time(data.get("LastAnalyzedTime"), "LastAnalyzedTime"),
        retention=0 if retention is None else int(retention),
        storage_descriptor=storage_descriptor_from_wire(data.get("StorageDescriptor")),
        partition_keys=_columns(data.get("PartitionKeys")),
        view_original_text=data.get("ViewOriginalText"),
        view_expanded_text=data.get("ViewExpandedText"),
        table_type=_table_type(data.get("TableType")),
        parameters=_str_map(data.get("Parameters"), "Table.Parameters"),
        created_by=data.get("CreatedBy"),
        is_registered_with_lake_formation=bool(data.get("IsRegisteredWithLakeFormation", False)),
        target_table=data.get("TargetTable"),
        catalog_id=data.get("CatalogId"),
        version_id=data.get("VersionId"),
    )


def partition_to_wire(partition: Partition) -> Wire:
    """A Glue ``Partition`` dict as GetPartitions returns it."""
    out: Wire = {"Values": list(partition.values)}
    _put(out, "DatabaseName", partition.database_name)
    _put(out, "TableName", partition.table_name)
    _put(out, "CreationTime", partition.creation_time)
    _put(out, "LastAccessTime", partition.last_access_time)
    out["StorageDescriptor"] = storage_descriptor_to_wire(partition.storage_descriptor)
    out["Parameters"] = dict(partition.parameters)
    _put(out, "LastAnalyzedTime", partition.last_analyzed_time)
    _put(out, "CatalogId", partition.catalog_id)
    return out


def partition_from_wire(
    data: Mapping[str, Any], *, database_name: str | None = None, table_name: str | None = None
) -> Partition:
    """A :class:`Partition` from a Glue ``Partition`` or ``PartitionInput`` dict."""
    values = data.get("Values") if isinstance(data, Mapping) else None
    if values is None or isinstance(values, str):
        raise InvalidInputError("Partition: Values is required")
    db = data.get("DatabaseName") or database_name
    tb = data.get("TableName") or table_name
    return Partition(
        values=tuple(str(v) for v in values),
        database_name=None if db is None else str(db).lower(),
        table_name=None if tb is None else str(tb).lower(),
        creation_time=_time(data.get("CreationTime"), "CreationTime"),
        last_access_time=_time(data.get("LastAccessTime"), "LastAccessTime"),
        last_analyzed_time=_time(data.get("LastAnalyzedTime"), "LastAnalyzedTime"),
        storage_descriptor=storage_descriptor_from_wire(data.get("StorageDescriptor")),
        parameters=_str_map(data.get("Parameters"), "Partition.Parameters"),
        catalog_id=data.get("CatalogId"),
    )


def database_to_wire(database: Database) -> Wire:
    """A Glue ``Database`` dict as GetDatabase returns it."""
    out: Wire = {"Name": database.name}
    _put(out, "Description", database.description)
    _put(out, "LocationUri", database.location_uri)
    out["Parameters"] = dict(database.parameters)
    _put(out, "CreateTime", database.create_time)
    out["CreateTableDefaultPermissions"] = [
        dict(p) for p in database.create_table_default_permissions
    ]
    if database.target_database is not None:
        out["TargetDatabase"] = dict(database.target_database)
    _put(out, "CatalogId", database.catalog_id)
    return out


def database_from_wire(data: Mapping[str, Any]) -> Database:
    """A :class:`Database` from a Glue ``Database`` or ``DatabaseInput`` dict."""
    name = data.get("Name") if isinstance(data, Mapping) else None
    if not name:
        raise InvalidInputError("Database: Name is required")
    return Database(
        name=str(name).lower(),
        description=data.get("Description"),
        location_uri=data.get("LocationUri"),
        parameters=_str_map(data.get("Parameters"), "Database.Parameters"),
        create_time=_time(data.get("CreateTime"), "CreateTime"),
        create_table_default_permissions=tuple(
            dict(p) for p in data.get("CreateTableDefaultPermissions") or ()
        ),
        target_database=data.get("TargetDatabase"),
        catalog_id=data.get("CatalogId"),
    )
