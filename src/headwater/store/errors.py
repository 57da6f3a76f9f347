"""Errors of the store layer.

StoreError
 ├── MigrationError      the schema on disk cannot be brought to this version
 └── ConflictError       a unique key is already taken (driver IntegrityError, translated)
"""

from __future__ import annotations

__all__ = ["ConflictError", "MigrationError", "StoreError"]


class StoreError(Exception):
    """Root of the store's errors; driver errors are translated into these at the boundary."""


class MigrationError(StoreError):
    """The database schema cannot be migrated to what this version of Headwater needs."""


class ConflictError(StoreError):
    """A row with the same unique key already exists."""
