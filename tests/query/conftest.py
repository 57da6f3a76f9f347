"""Fixtures for the query tests: a lake folder in tmp_path, a dict catalog, an engine."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from headwater.query import Engine, MemoryCatalog, QueryResult


class Athena:
    """An engine over ``s3://`` locations mapped into a temporary folder; applies DDL changes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.catalog = MemoryCatalog()
        self.catalog.add_database("default")
        self.catalog.add_database("db")
        self.engine = Engine(self.catalog, path_for=self.local)

    def local(self, location: str) -> str:
        assert location.startswith("s3://"), location
        return str(self.root / location.removeprefix("s3://"))

    def put(self, uri: str, data: bytes | str) -> Path:
        path = Path(self.local(uri))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    def put_parquet(self, uri: str, table: pa.Table) -> Path:
        buf = io.BytesIO()
        pq.write_table(table, buf)
        return self.put(uri, buf.getvalue())

    def table(self, name: str, columns: list[tuple[str, str]], location: str, **extra: Any) -> None:
        """Register a Glue table: ``serde``/``serde_params``/``params``/``keys``/``fmt``."""
        fmt = extra.get("fmt", "csv")
        serde, in_fmt = {
            "csv": (
                "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                "org.apache.hadoop.mapred.TextInputFormat",
            ),
            "opencsv": (
                "org.apache.hadoop.hive.serde2.OpenCSVSerde",
                "org.apache.hadoop.mapred.TextInputFormat",
            ),
            "json": (
                "org.openx.data.jsonserde.JsonSerDe",
                "org.apache.hadoop.mapred.TextInputFormat",
            ),
            "parquet": (
                "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            ),
        }[fmt]
        self.catalog.put_table(
            extra.get("database", "db"),
            {
                "Name": name,
                "TableType": "EXTERNAL_TABLE",
                "Parameters": extra.get("params", {}),
                "PartitionKeys": [{"Name": k, "Type": t} for k, t in extra.get("keys", [])],
                "StorageDescriptor": {
                    "Columns": [{"Name": n, "Type": t} for n, t in columns],
                    "Location": location,
                    "InputFormat": in_fmt,
                    "SerdeInfo": {
                        "SerializationLibrary": serde,
                        "Parameters": extra.get("serde_params", {"field.delim": ","}),
                    },
                },
            },
        )

    def partition(self, table: str, values: list[str], location: str) -> None:
        self.catalog.put_partitions(
            "db", table, [{"Values": values, "StorageDescriptor": {"Location": location}}]
        )

    def run(self, sql: str, **kwargs: Any) -> QueryResult:
        kwargs.setdefault("database", "db")
        kwargs.setdefault("query_id", "q-1")
        result = self.engine.execute(sql, **kwargs)
        self.catalog.apply(result.changes)
        return result

    def rows(self, sql: str, **kwargs: Any) -> list[tuple[str | None, ...]]:
        return list(self.run(sql, **kwargs).rows)


@pytest.fixture
def athena(tmp_path: Path) -> Iterator[Athena]:
    a = Athena(tmp_path / "lake")
    yield a
    a.engine.close()
