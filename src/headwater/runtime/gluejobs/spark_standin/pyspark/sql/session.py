"""``pyspark.sql.session`` stand-in."""

from awsglue._dataframe import SparkSession  # type: ignore[import-not-found]

__all__ = ["SparkSession"]
