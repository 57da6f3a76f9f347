"""The exceptions Spark and Glue raise to job scripts (AnalysisException and friends)."""

from __future__ import annotations

__all__ = ["AnalysisException", "GlueJobError", "IllegalArgumentException"]


class AnalysisException(Exception):
    """Spark's AnalysisException: a bad column name, a missing path, an existing output."""

    def __init__(self, desc: str, stackTrace: str | None = None) -> None:
        super().__init__(desc)
        self.desc = desc
        self.stackTrace = stackTrace


class IllegalArgumentException(Exception):
    """Spark's IllegalArgumentException."""


class GlueJobError(Exception):
    """A Glue-side failure (a catalog table that does not exist, an unsupported format)."""
