"""Imports every port module so their tables and migrations are registered."""

from headwater.store import iam, outbox

__all__ = ["iam", "outbox"]
