"""``pyspark.sql.types`` stand-in: type objects for ``cast``."""

from __future__ import annotations

__all__ = [
    "BooleanType",
    "DateType",
    "DoubleType",
    "FloatType",
    "IntegerType",
    "LongType",
    "ShortType",
    "StringType",
    "TimestampType",
]


class DataType:
    """Base of the types; ``cast(LongType())`` works through the class name."""

    def simpleString(self) -> str:
        """Spark's short name."""
        return type(self).__name__.removesuffix("Type").lower()


class StringType(DataType):
    """string."""


class LongType(DataType):
    """bigint."""


class IntegerType(DataType):
    """int."""


class ShortType(DataType):
    """smallint."""


class DoubleType(DataType):
    """double."""


class FloatType(DataType):
    """float."""


class BooleanType(DataType):
    """boolean."""


class DateType(DataType):
    """date."""


class TimestampType(DataType):
    """timestamp."""
