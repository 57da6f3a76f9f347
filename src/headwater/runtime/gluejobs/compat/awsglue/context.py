"""``awsglue.context.GlueContext``: readers, writers, the Spark session and a logger."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from . import _io
from ._dataframe import SparkSession
from .data_sink import DataSink
from .dynamicframe import DynamicFrame, DynamicFrameReader, DynamicFrameWriter

__all__ = ["GlueContext", "GlueLogger"]


class GlueLogger:
    """``glueContext.get_logger()``: lines go to the job's error log stream, as log4j's do."""

    def _log(self, level: str, message: Any) -> None:
        print(f"{level} {message}", file=sys.stderr, flush=True)

    def info(self, message: Any) -> None:
        """INFO line."""
        self._log("INFO", message)

    def warn(self, message: Any) -> None:
        """WARN line."""
        self._log("WARN", message)

    warning = warn

    def error(self, message: Any) -> None:
        """ERROR line."""
        self._log("ERROR", message)

    def debug(self, message: Any) -> None:
        """DEBUG line."""
        self._log("DEBUG", message)


class GlueContext:
    """The Glue context around a SparkContext (real or the stand-in)."""

    def __init__(self, sparkContext: Any = None, **options: Any) -> None:
        self._sc = sparkContext
        self.create_dynamic_frame = DynamicFrameReader(self)
        self.write_dynamic_frame = DynamicFrameWriter(self)
        self.spark_session = SparkSession.builder.getOrCreate()

    @property
    def sparkSession(self) -> SparkSession:
        """The Spark session stand-in."""
        return self.spark_session

    def get_logger(self) -> GlueLogger:
        """The job's logger."""
        return GlueLogger()

    def create_dynamic_frame_from_options(
        self,
        connection_type: str = "s3",
        connection_options: Mapping[str, Any] | None = None,
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        **kwargs: Any,
    ) -> DynamicFrame:
        """Same as ``create_dynamic_frame.from_options``."""
        return self.create_dynamic_frame.from_options(
            connection_type,
            connection_options,
            format,
            format_options,
            transformation_ctx,
            **kwargs,
        )

    def create_dynamic_frame_from_catalog(
        self,
        database: str | None = None,
        table_name: str | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        additional_options: Mapping[str, Any] | None = None,
        catalog_id: str | None = None,
        **kwargs: Any,
    ) -> DynamicFrame:
        """Same as ``create_dynamic_frame.from_catalog``."""
        return self.create_dynamic_frame.from_catalog(
            database,
            table_name,
            redshift_tmp_dir,
            transformation_ctx,
            push_down_predicate,
            additional_options,
            catalog_id,
            **kwargs,
        )

    def write_dynamic_frame_from_options(
        self,
        frame: DynamicFrame | None = None,
        connection_type: str = "s3",
        connection_options: Mapping[str, Any] | None = None,
        format: str | None = None,
        format_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        **kwargs: Any,
    ) -> DynamicFrame:
        """Same as ``write_dynamic_frame.from_options``."""
        return self.write_dynamic_frame.from_options(
            frame,
            connection_type,
            connection_options,
            format,
            format_options,
            transformation_ctx,
            **kwargs,
        )

    def write_dynamic_frame_from_catalog(
        self,
        frame: DynamicFrame | None = None,
        database: str | None = None,
        table_name: str | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        additional_options: Mapping[str, Any] | None = None,
        catalog_id: str | None = None,
        **kwargs: Any,
    ) -> DynamicFrame:
        """Same as ``write_dynamic_frame.from_catalog``."""
        return self.write_dynamic_frame.from_catalog(
            frame,
            database,
            table_name,
            redshift_tmp_dir,
            transformation_ctx,
            additional_options,
            catalog_id,
            **kwargs,
        )

    def getSink(self, connection_type: str = "s3", **options: Any) -> DataSink:
        """A sink (``path``, ``partitionKeys``, ``enableUpdateCatalog``, ``updateBehavior``)."""
        return DataSink(self, connection_type, **options)

    def purge_s3_path(
        self, s3_path: str, options: Mapping[str, Any] | None = None, transformation_ctx: str = ""
    ) -> None:
        """Delete every object under ``s3_path`` (retention periods are not modelled)."""
        _io.delete_prefix(s3_path)
