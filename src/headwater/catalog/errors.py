"""Errors of the catalog model and of crawler inference.

CatalogError
 ├── InvalidInputError          a wire dict or a setting does not fit Glue's shapes
 │    ├── InvalidTypeError      a Hive type string does not parse (``array<int``)
 │    └── InvalidPatternError   an exclusion glob does not compile (unclosed ``[`` or ``{``)
 └── ClassificationError        one object could not be read or classified

``ClassificationError`` never escapes a crawl: :func:`headwater.catalog.crawl_s3` catches it,
skips the object and reports it in :attr:`CrawlResult.skipped`, as Glue logs and skips an
unreadable file. The Glue service maps ``InvalidInputError`` to ``InvalidInputException``.
"""

from __future__ import annotations

__all__ = [
    "CatalogError",
    "ClassificationError",
    "InvalidInputError",
    "InvalidPatternError",
    "InvalidTypeError",
]


class CatalogError(Exception):
    """Root of the catalog package's errors."""


class InvalidInputError(CatalogError):
    """A wire shape or a crawler setting is malformed; the message names the field."""


class InvalidTypeError(InvalidInputError):
    """A Hive column type string does not parse."""


class InvalidPatternError(InvalidInputError):
    """An exclusion pattern is not a valid Glue glob."""


class ClassificationError(CatalogError):
    """One object could not be decoded or classified (corrupt, truncated, unknown format)."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason
