"""Imports every port module so their tables and migrations are registered."""

from headwater.store import iam, outbox, s3  # noqa: F401  (s3: registers the S3 tables)

__all__ = ["iam", "outbox"]
