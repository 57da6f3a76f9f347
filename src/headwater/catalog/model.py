"""The Data Catalog's domain objects: databases, tables (and views), partitions.

Field names are Glue's in snake_case; :mod:`headwater.catalog.wire` maps them to and from
Glue's PascalCase wire dicts. Timestamps are ``datetime`` values set by the caller (the pure
package never reads a clock); ``None`` means "not set".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "CSV_INPUT_FORMAT",
    "CSV_OUTPUT_FORMAT",
    "LAZY_SIMPLE_SERDE",
    "OPEN_CSV_SERDE",
    "OPENX_JSON_SERDE",
    "ORC_INPUT_FORMAT",
    "ORC_OUTPUT_FORMAT",
    "ORC_SERDE",
    "PARQUET_INPUT_FORMAT",
    "PARQUET_OUTPUT_FORMAT",
    "PARQUET_SERDE",
    "AVRO_INPUT_FORMAT",
    "AVRO_OUTPUT_FORMAT",
    "AVRO_SERDE",
    "HIVE_JSON_SERDE",
    "Column",
    "Database",
    "Partition",
    "SerDeInfo",
    "StorageDescriptor",
    "Table",
    "TableType",
]

CSV_INPUT_FORMAT = "org.apache.hadoop.mapred.TextInputFormat"
CSV_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
LAZY_SIMPLE_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
OPEN_CSV_SERDE = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
OPENX_JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"
HIVE_JSON_SERDE = "org.apache.hive.hcatalog.data.JsonSerDe"
PARQUET_INPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
ORC_INPUT_FORMAT = "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat"
ORC_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat"
ORC_SERDE = "org.apache.hadoop.hive.ql.io.orc.OrcSerde"
AVRO_INPUT_FORMAT = "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat"
AVRO_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat"
AVRO_SERDE = "org.apache.hadoop.hive.serde2.avro.AvroSerDe"


class TableType(StrEnum):
    """Glue's ``TableType`` values."""

    EXTERNAL_TABLE = "EXTERNAL_TABLE"
    VIRTUAL_VIEW = "VIRTUAL_VIEW"
    MANAGED_TABLE = "MANAGED_TABLE"
    GOVERNED = "GOVERNED"


@dataclass(frozen=True, slots=True, kw_only=True)
class Column:
    """One column: a name and a Hive type string (``bigint``, ``array<struct<a:int>>``)."""

    name: str
    type: str = ""
    comment: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class SerDeInfo:
    """How rows are (de)serialised: the SerDe class and its properties."""

    name: str | None = None
    serialization_library: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class StorageDescriptor:
    """Where a table's (or partition's) data lives and how it is laid out."""

    columns: tuple[Column, ...] = ()
    location: str | None = None
    additional_locations: tuple[str, ...] = ()
    input_format: str | None = None
    output_format: str | None = None
    compressed: bool = False
    number_of_buckets: int = -1
    serde_info: SerDeInfo = field(default_factory=SerDeInfo)
    bucket_columns: tuple[str, ...] = ()
    sort_columns: tuple[Mapping[str, Any], ...] = ()
    parameters: Mapping[str, str] = field(default_factory=dict)
    skewed_info: Mapping[str, Any] | None = None
    stored_as_sub_directories: bool = False
    schema_reference: Mapping[str, Any] | None = None

    def column(self, name: str) -> Column | None:
        """The column called ``name`` (case-insensitive), or ``None``."""
        wanted = name.lower()
        return next((c for c in self.columns if c.name.lower() == wanted), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Database:
    """A catalog database (Glue lower-cases the name)."""

    name: str
    description: str | None = None
    location_uri: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    create_time: datetime | None = None
    create_table_default_permissions: tuple[Mapping[str, Any], ...] = ()
    target_database: Mapping[str, Any] | None = None
    catalog_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    """A table or a view (``table_type`` VIRTUAL_VIEW) in a database."""

    name: str
    database_name: str | None = None
    description: str | None = None
    owner: str | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None
    last_access_time: datetime | None = None
    last_analyzed_time: datetime | None = None
    retention: int = 0
    storage_descriptor: StorageDescriptor = field(default_factory=StorageDescriptor)
    partition_keys: tuple[Column, ...] = ()
    view_original_text: str | None = None
    view_expanded_text: str | None = None
    table_type: TableType | str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    created_by: str | None = None
    is_registered_with_lake_formation: bool = False
    target_table: Mapping[str, Any] | None = None
    catalog_id: str | None = None
    version_id: str | None = None

    @property
    def is_view(self) -> bool:
        """True for a VIRTUAL_VIEW."""
        return self.table_type == TableType.VIRTUAL_VIEW

    @property
    def location(self) -> str | None:
        """The storage descriptor's location."""
        return self.storage_descriptor.location

    @property
    def columns(self) -> tuple[Column, ...]:
        """The data columns (partition keys excluded)."""
        return self.storage_descriptor.columns

    @property
    def classification(self) -> str | None:
        """The ``classification`` parameter a crawler (or DDL) recorded."""
        return self.parameters.get("classification") or self.storage_descriptor.parameters.get(
            "classification"
        )

    def with_changes(self, **changes: Any) -> Table:
        """A copy with the given fields replaced."""
        return replace(self, **changes)


@dataclass(frozen=True, slots=True, kw_only=True)
class Partition:
    """One partition of a table: its key values and storage."""

    values: tuple[str, ...]
    database_name: str | None = None
    table_name: str | None = None
    creation_time: datetime | None = None
    last_access_time: datetime | None = None
    last_analyzed_time: datetime | None = None
    storage_descriptor: StorageDescriptor = field(default_factory=StorageDescriptor)
    parameters: Mapping[str, str] = field(default_factory=dict)
    catalog_id: str | None = None

    @property
    def location(self) -> str | None:
        """The storage descriptor's location."""
        return self.storage_descriptor.location
