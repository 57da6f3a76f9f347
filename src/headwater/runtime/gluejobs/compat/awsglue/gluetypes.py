"""``awsglue.gluetypes``: type names scripts pass to ApplyMapping and ResolveChoice."""

from __future__ import annotations

__all__ = ["BooleanType", "DoubleType", "IntegerType", "LongType", "StringType", "TimestampType"]


class _Type:
    name = ""

    def __str__(self) -> str:
        return self.name


class StringType(_Type):
    """string."""

    name = "string"


class LongType(_Type):
    """long."""

    name = "long"


class IntegerType(_Type):
    """int."""

    name = "int"


class DoubleType(_Type):
    """double."""

    name = "double"


class BooleanType(_Type):
    """boolean."""

    name = "boolean"


class TimestampType(_Type):
    """timestamp."""

    name = "timestamp"
