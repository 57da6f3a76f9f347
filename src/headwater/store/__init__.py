"""Persistence: the SQLite (default) and PostgreSQL stores behind narrow ports."""

from headwater.store.engine import Store
from headwater.store.errors import ConflictError, MigrationError, StoreError

__all__ = ["ConflictError", "MigrationError", "Store", "StoreError"]
