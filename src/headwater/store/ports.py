"""Imports every port module so their tables and migrations are registered."""

from headwater.store import outbox

__all__ = ["outbox"]
