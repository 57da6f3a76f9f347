"""``glueContext.getSink(...)``: the sink Glue Studio scripts write through (S3 + catalog)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from . import _io, _runtime
from ._errors import GlueJobError
from ._sql import glue_type_name

__all__ = ["DataSink", "hive_type"]

_HIVE = {"long": "bigint", "short": "smallint", "byte": "tinyint"}
_PARQUET_SERDE = {
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {
        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
        "Parameters": {"serialization.format": "1"},
    },
}


def hive_type(t: pa.DataType) -> str:
    """The catalog (Hive) type of an Arrow type."""
    name = glue_type_name(t)
    return _HIVE.get(name, name)


class DataSink:
    """An S3 sink that can also create or update its Data Catalog table."""

    def __init__(self, glue_context: Any, connection_type: str = "s3", **options: Any) -> None:
        if connection_type != "s3":
            raise GlueJobError(
                f"connection_type {connection_type!r} is not supported by Headwater's Glue engine"
            )
        self._ctx = glue_context
        self.path = options.pop("path", None) or options.pop("connection_options", {}).get("path")
        self.partition_keys: Sequence[str] = options.pop("partitionKeys", None) or []
        self.update_catalog = str(options.pop("enableUpdateCatalog", False)).lower() == "true"
        self.update_behavior = options.pop("updateBehavior", "UPDATE_IN_DATABASE")
        self.format = "json"
        self.format_options: dict[str, Any] = {}
        self.database: str | None = None
        self.table: str | None = None

    def setFormat(self, format: str, **options: Any) -> None:
        """The output format (``glueparquet``, ``parquet``, ``csv``, ``json``)."""
        self.format = format
        self.format_options = options

    def setCatalogInfo(
        self, catalogDatabase: str, catalogTableName: str, catalogId: str | None = None
    ) -> None:
        """The table to create or update when ``enableUpdateCatalog`` is set."""
        self.database = catalogDatabase.lower()
        self.table = catalogTableName.lower()

    def writeFrame(self, dynamic_frame: Any, info: str = "") -> Any:
        """Write the frame's part files, then update the catalog if asked to."""
        if not self.path:
            raise GlueJobError("getSink needs a path")
        table: pa.Table = dynamic_frame.arrow
        _io.write_table(
            table, self.path, self.format, self.format_options, partition_keys=self.partition_keys
        )
        if self.update_catalog and self.database and self.table:
            self._update_catalog(table)
        return dynamic_frame

    write = writeFrame

    def _update_catalog(self, table: pa.Table) -> None:
        glue = _runtime.client("glue")
        keys = list(self.partition_keys)
        columns = [
            {"Name": f.name, "Type": hive_type(f.type)} for f in table.schema if f.name not in keys
        ]
        location = self.path if str(self.path).endswith("/") else f"{self.path}/"
        fmt = self.format.lower()
        sd: dict[str, Any] = {"Columns": columns, "Location": location}
        if fmt in ("parquet", "glueparquet"):
            sd.update(_PARQUET_SERDE)
            classification = "parquet"
        else:
            classification = fmt
        table_input = {
            "Name": self.table,
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": classification},
            "StorageDescriptor": sd,
            "PartitionKeys": [{"Name": k, "Type": "string"} for k in keys],
        }
        try:
            glue.get_table(DatabaseName=self.database, Name=self.table)
            exists = True
        except glue.exceptions.EntityNotFoundException:
            exists = False
        if not exists:
            glue.create_table(DatabaseName=self.database, TableInput=table_input)
        elif self.update_behavior == "UPDATE_IN_DATABASE":
            glue.update_table(DatabaseName=self.database, TableInput=table_input)
        if keys and table.num_rows:
            values = {tuple(str(r[k]) for k in keys) for r in table.select(keys).to_pylist()}
            existing = {
                tuple(p["Values"])
                for p in glue.get_partitions(DatabaseName=self.database, TableName=self.table).get(
                    "Partitions", []
                )
            }
            for v in sorted(values - existing):
                folder = "/".join(f"{k}={x}" for k, x in zip(keys, v, strict=True))
                glue.create_partition(
                    DatabaseName=self.database,
                    TableName=self.table,
                    PartitionInput={
                        "Values": list(v),
                        "StorageDescriptor": {**sd, "Location": f"{location}{folder}/"},
                    },
                )
