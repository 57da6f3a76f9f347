"""``DynamicFrame`` and its readers and writers, backed by Arrow tables and DuckDB.

A DynamicFrame here holds an Arrow table (one schema, the widest of its files). The readers
list and fetch S3 objects through the Headwater endpoint, the writers put part files back the
same way, so the lake sees every write as an upload. Bookmarks apply to sources that have a
``transformation_ctx``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from . import _io, _runtime
from ._dataframe import DataFrame
from ._errors import GlueJobError
from ._sql import duck_type, glue_type_name, ident, query

__all__ = ["DynamicFrame", "DynamicFrameReader", "DynamicFrameWriter", "DynamicRecord"]


class DynamicRecord(dict[str, Any]):
    """One record, as ``Filter`` and ``Map`` functions receive it."""


def _path_sql(path: str) -> str:
    """A (possibly nested, backticked) field path as a DuckDB expression."""
    if path.startswith("`") and path.endswith("`") and path.count("`") == 2:
        return ident(path[1:-1])
    parts = path.split(".")
    return ".".join(ident(p.strip("`")) for p in parts)


class DynamicFrame:
    """A distributed-looking, local table of records."""

    def __init__(self, table: pa.Table, glue_ctx: Any = None, name: str = "") -> None:
        self._table = table
        self.glue_ctx = glue_ctx
        self.name = name

    # -- conversions --------------------------------------------------------------------------
    @property
    def arrow(self) -> pa.Table:
        """The Arrow table."""
        return self._table

    def toDF(self, options: Any = None) -> DataFrame:
        """The records as a (stand-in) Spark DataFrame."""
        return DataFrame(self._table)

    @classmethod
    def fromDF(cls, dataframe: Any, glue_ctx: Any, name: str) -> DynamicFrame:
        """A DynamicFrame from a DataFrame."""
        table = dataframe.arrow if hasattr(dataframe, "arrow") else pa.Table.from_pandas(dataframe)
        return cls(table, glue_ctx, name)

    def _new(self, table: pa.Table, name: str | None = None) -> DynamicFrame:
        return DynamicFrame(table, self.glue_ctx, name or self.name)

    # -- looking ------------------------------------------------------------------------------
    def count(self) -> int:
        """Number of records."""
        return int(self._table.num_rows)

    def schema(self) -> pa.Schema:
        """The Arrow schema."""
        return self._table.schema

    def printSchema(self) -> None:
        """Print the schema as Glue does."""
        print("root")
        for f in self._table.schema:
            print(f"|-- {f.name}: {glue_type_name(f.type)}")

    def show(self, num_rows: int = 20) -> None:
        """Print the first records as JSON, as Glue does."""
        for row in self._table.slice(0, num_rows).to_pylist():
            print(json.dumps(row, default=str, indent=4))

    def getNumPartitions(self) -> int:
        """One engine, one partition."""
        return 1

    def errorsCount(self) -> int:
        """Records that failed to parse (none are kept aside here)."""
        return 0

    def stageErrorsCount(self) -> int:
        """Records that failed in the last transform."""
        return 0

    def repartition(self, num_partitions: int, *args: Any, **kwargs: Any) -> DynamicFrame:
        """The frame itself."""
        return self

    def coalesce(self, num_partitions: int, *args: Any, **kwargs: Any) -> DynamicFrame:
        """The frame itself."""
        return self

    # -- transforms ---------------------------------------------------------------------------
    def _sql(self, sql: str, **others: pa.Table) -> pa.Table:
        return query(sql, {"__frame": self._table, **others})

    def apply_mapping(
        self,
        mappings: Sequence[Sequence[Any]],
        case_sensitive: bool = False,
        transformation_ctx: str = "",
        **kwargs: Any,
    ) -> DynamicFrame:
        """Keep, rename and cast the mapped fields (in mapping order); casts that fail are null."""
        items: list[str] = []
        names = set(self._table.column_names)
        lowered = {n.lower(): n for n in names}
        for m in mappings:
            if len(m) == 4:
                source, _source_type, target, target_type = m
            elif len(m) == 3:
                source, target, target_type = m
            else:
                raise GlueJobError(f"Invalid mapping {m!r}: expected (source, type, target, type)")
            source = str(source)
            if source not in names and not case_sensitive and source.lower() in lowered:
                source = lowered[source.lower()]
            if source not in names and "." not in source:
                continue  # Glue drops mappings whose source field is absent
            expr = _path_sql(source) if source not in names else ident(source)
            alias = ident(str(target).strip("`"))
            items.append(f"TRY_CAST({expr} AS {duck_type(str(target_type))}) AS {alias}")
        if not items:
            return self._new(pa.table({}))
        return self._new(self._sql(f"SELECT {', '.join(items)} FROM __frame"))

    def select_fields(
        self, paths: Sequence[str], transformation_ctx: str = "", **kwargs: Any
    ) -> DynamicFrame:
        """Keep only ``paths``."""
        keep = [p for p in paths if p in self._table.column_names]
        return self._new(self._table.select(keep))

    def drop_fields(
        self, paths: Sequence[str], transformation_ctx: str = "", **kwargs: Any
    ) -> DynamicFrame:
        """Drop ``paths``."""
        gone = set(paths)
        return self._new(self._table.select([c for c in self._table.column_names if c not in gone]))

    def rename_field(
        self, oldName: str, newName: str, transformation_ctx: str = "", **kwargs: Any
    ) -> DynamicFrame:
        """Rename one field."""
        old, new = oldName.strip("`"), newName.strip("`")
        names = [new if c == old else c for c in self._table.column_names]
        return self._new(self._table.rename_columns(names))

    def filter(
        self, f: Callable[[DynamicRecord], Any], transformation_ctx: str = "", **kwargs: Any
    ) -> DynamicFrame:
        """Keep the records for which ``f`` is true."""
        rows = self._table.to_pylist()
        mask = [bool(f(DynamicRecord(r))) for r in rows]
        return self._new(self._table.filter(pa.array(mask, pa.bool_())) if rows else self._table)

    def map(
        self, f: Callable[[DynamicRecord], Any], transformation_ctx: str = "", **kwargs: Any
    ) -> DynamicFrame:
        """Apply ``f`` to every record (it returns the new record)."""
        out = [dict(f(DynamicRecord(r))) for r in self._table.to_pylist()]
        return self._new(pa.Table.from_pylist(out) if out else self._table)

    def resolveChoice(
        self,
        specs: Sequence[tuple[str, str]] | None = None,
        choice: str = "",
        database: str | None = None,
        table_name: str | None = None,
        transformation_ctx: str = "",
        **kwargs: Any,
    ) -> DynamicFrame:
        """Resolve choice types: ``cast:<type>`` and ``project:<type>`` cast the field.

        One Arrow type per column means there are no open choices here; the other actions
        (``make_cols``, ``make_struct``, ``match_catalog``) leave the frame as it is.
        """
        if not specs:
            return self
        items = []
        casts = {}
        for path, action in specs:
            kind, _, typ = action.partition(":")
            if kind in ("cast", "project") and typ:
                casts[path] = typ
        for name in self._table.column_names:
            if name in casts:
                items.append(
                    f"TRY_CAST({ident(name)} AS {duck_type(casts[name])}) AS {ident(name)}"
                )
            else:
                items.append(ident(name))
        return self._new(self._sql(f"SELECT {', '.join(items)} FROM __frame"))

    def drop_nulls(self) -> DynamicFrame:
        """Drop fields whose every value is null (``DropNullFields``)."""
        keep = [
            c
            for c in self._table.column_names
            if self._table.column(c).null_count < self._table.num_rows
        ]
        if self._table.num_rows == 0:
            keep = list(self._table.column_names)
        return self._new(self._table.select(keep))

    def join(
        self,
        paths1: Sequence[str],
        paths2: Sequence[str],
        frame2: DynamicFrame,
        transformation_ctx: str = "",
        **kwargs: Any,
    ) -> DynamicFrame:
        """Equi-join on ``paths1`` = ``paths2`` (both sides' fields are kept)."""
        cond = " AND ".join(
            f"a.{ident(p1)} = b.{ident(p2)}" for p1, p2 in zip(paths1, paths2, strict=True)
        )
        return self._new(
            self._sql(f"SELECT * FROM __frame a JOIN __other b ON {cond}", __other=frame2.arrow)
        )

    def union(self, other: DynamicFrame, **kwargs: Any) -> DynamicFrame:
        """Records of both frames, by field name."""
        return self._new(_io.concat([self._table, other.arrow]))

    def spigot(
        self, path: str, options: Mapping[str, Any] | None = None, transformation_ctx: str = ""
    ) -> DynamicFrame:
        """Write a sample of the records to ``path`` as JSON; return the frame."""
        top = int((options or {}).get("topk", 100))
        _io.write_table(self._table.slice(0, top), path, "json", {})
        return self


class DynamicFrameReader:
    """``glueContext.create_dynamic_frame``."""

    def __init__(self, glue_context: Any) -> None:
        self._ctx = glue_context

    def from_options(
        self,
        connection_type: str = "s3",
        connection_options: Mapping[str, Any] | None = None,
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        **kwargs: Any,
    ) -> DynamicFrame:
        """Read S3 files (``paths``, ``recurse``, ``exclusions``) in ``format``."""
        if connection_type != "s3":
            raise GlueJobError(
                f"connection_type {connection_type!r} is not supported by Headwater's Glue engine "
                "(only s3)"
            )
        options = dict(connection_options or {})
        paths = options.get("paths") or ([options["path"]] if options.get("path") else [])
        if isinstance(paths, str):
            paths = [paths]
        exclusions = options.get("exclusions") or []
        if isinstance(exclusions, str):
            exclusions = json.loads(exclusions)
        recurse = str(options.get("recurse", False)).lower() == "true"
        files = _io.list_files(list(paths), recurse=recurse, exclusions=exclusions)
        table = self._read(files, format or "json", dict(format_options or {}), transformation_ctx)
        return DynamicFrame(table, self._ctx, transformation_ctx)

    def _read(
        self,
        files: list[_io.S3File],
        fmt: str,
        opts: dict[str, Any],
        ctx: str,
        partitions: bool = False,
    ) -> pa.Table:
        if ctx and _runtime.bookmark_filtering():
            seen = _runtime.processed(ctx)
            files = [f for f in files if seen.get(f.path) != f.etag]
        table = _io.read_files(files, fmt, opts, partition_columns=partitions)
        if ctx and _runtime.bookmark_enabled():
            _runtime.record_read(ctx, {f.path: f.etag for f in files})
        return table

    def from_catalog(
        self,
        database: str | None = None,
        table_name: str | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        additional_options: Mapping[str, Any] | None = None,
        catalog_id: str | None = None,
        name_space: str | None = None,
        **kwargs: Any,
    ) -> DynamicFrame:
        """Read a Data Catalog table (S3-backed CSV, JSON or Parquet) through its location."""
        database = database or name_space
        if not database or not table_name:
            raise GlueJobError("from_catalog needs database and table_name")
        glue = _runtime.client("glue")
        args: dict[str, Any] = {"DatabaseName": database.lower(), "Name": table_name.lower()}
        if catalog_id:
            args["CatalogId"] = catalog_id
        table = glue.get_table(**args)["Table"]
        fmt, opts, columns = catalog_format(table)
        sd = table.get("StorageDescriptor") or {}
        location = sd.get("Location") or ""
        if not location.startswith(("s3://", "s3a://", "s3n://")):
            raise GlueJobError(
                f"Table {database}.{table_name} is not stored in S3 ({location or 'no location'}); "
                "Headwater's Glue engine reads S3 tables only"
            )
        keys = [k["Name"] for k in table.get("PartitionKeys") or []]
        files = _io.list_files([location], recurse=True)
        data = self._read(files, fmt, opts, transformation_ctx, partitions=bool(keys))
        if fmt == "csv" and columns and data.num_columns >= len(columns):
            names = list(data.column_names)
            names[: len(columns)] = columns
            data = data.rename_columns(names)
        if push_down_predicate and data.num_rows:
            data = query(f"SELECT * FROM __frame WHERE {push_down_predicate}", {"__frame": data})
        return DynamicFrame(data, self._ctx, transformation_ctx)


def catalog_format(table: Mapping[str, Any]) -> tuple[str, dict[str, Any], list[str]]:
    """(format, reader options, column names) of a catalog table."""
    sd = table.get("StorageDescriptor") or {}
    params = {**(sd.get("Parameters") or {}), **(table.get("Parameters") or {})}
    serde = sd.get("SerdeInfo") or {}
    serde_params = serde.get("Parameters") or {}
    library = str(serde.get("SerializationLibrary") or "").lower()
    classification = str(params.get("classification") or "").lower()
    input_format = str(sd.get("InputFormat") or "").lower()
    if classification in ("csv", "json", "parquet"):
        fmt = classification
    elif "parquet" in library or "parquet" in input_format:
        fmt = "parquet"
    elif "json" in library:
        fmt = "json"
    elif "csv" in library or "lazysimple" in library:
        fmt = "csv"
    else:
        raise GlueJobError(
            f"Table {table.get('Name')} has classification {classification or 'unknown'}, "
            "which Headwater's Glue engine cannot read"
        )
    opts: dict[str, Any] = {}
    if fmt == "csv":
        opts["separator"] = (
            serde_params.get("separatorChar") or serde_params.get("field.delim") or ","
        )
        opts["quoteChar"] = serde_params.get("quoteChar", '"')
        opts["withHeader"] = str(params.get("skip.header.line.count", "0")) == "1"
    columns = [c["Name"] for c in sd.get("Columns") or []]
    return fmt, opts, columns


class DynamicFrameWriter:
    """``glueContext.write_dynamic_frame``."""

    def __init__(self, glue_context: Any) -> None:
        self._ctx = glue_context

    def from_options(
        self,
        frame: DynamicFrame | None = None,
        connection_type: str = "s3",
        connection_options: Mapping[str, Any] | None = None,
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        **kwargs: Any,
    ) -> DynamicFrame:
        """Append the frame's records as part files under ``connection_options["path"]``."""
        if frame is None:
            frame = kwargs.pop("dynamic_frame", None) or kwargs.pop("df", None)
        if frame is None:
            raise GlueJobError("write_dynamic_frame.from_options needs a frame")
        if connection_type != "s3":
            raise GlueJobError(
                f"connection_type {connection_type!r} is not supported by Headwater's Glue engine "
                "(only s3)"
            )
        options = dict(connection_options or {})
        path = options.get("path")
        if not path:
            raise GlueJobError("connection_options must name a path")
        keys = options.get("partitionKeys") or []
        _io.write_table(
            frame.arrow, path, format or "json", dict(format_options or {}), partition_keys=keys
        )
        return frame

    def from_catalog(
        self,
        frame: DynamicFrame | None = None,
        database: str | None = None,
        table_name: str | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        additional_options: Mapping[str, Any] | None = None,
        catalog_id: str | None = None,
        name_space: str | None = None,
        **kwargs: Any,
    ) -> DynamicFrame:
        """Append to a catalog table's S3 location, in its format."""
        database = database or name_space
        if frame is None or not database or not table_name:
            raise GlueJobError(
                "write_dynamic_frame.from_catalog needs frame, database and table_name"
            )
        table = _runtime.client("glue").get_table(
            DatabaseName=database.lower(), Name=table_name.lower()
        )["Table"]
        fmt, opts, _ = catalog_format(table)
        location = (table.get("StorageDescriptor") or {}).get("Location") or ""
        keys = [k["Name"] for k in table.get("PartitionKeys") or []]
        if fmt == "csv":
            opts["writeHeader"] = opts.pop("withHeader", False)
        _io.write_table(frame.arrow, location, fmt, opts, partition_keys=keys)
        return frame
