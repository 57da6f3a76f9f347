"""``pyspark.sql`` stand-in: SparkSession, DataFrame, Row, Column over Headwater's engine."""

from awsglue._dataframe import (  # type: ignore[import-not-found]
    Column,
    DataFrame,
    DataFrameReader,
    DataFrameWriter,
    GroupedData,
    Row,
    SparkSession,
)

from . import functions, types

__all__ = [
    "Column",
    "DataFrame",
    "DataFrameReader",
    "DataFrameWriter",
    "GroupedData",
    "Row",
    "SparkSession",
    "functions",
    "types",
]
