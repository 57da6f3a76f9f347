"""``pyspark.sql.utils`` stand-in: Spark's exceptions."""

from awsglue._errors import (  # type: ignore[import-not-found]
    AnalysisException,
    IllegalArgumentException,
)

__all__ = ["AnalysisException", "IllegalArgumentException"]
