"""``pyspark.sql.dataframe`` stand-in."""

from awsglue._dataframe import DataFrame  # type: ignore[import-not-found]

__all__ = ["DataFrame"]
