"""Imports every port module so their tables and migrations are registered."""

from headwater.store import cloudtrail, iam, outbox, s3  # noqa: F401  (s3: registers the S3 tables)
from headwater.store import lambda_, logs  # noqa: F401  (Lambda and CloudWatch Logs tables)

__all__ = ["cloudtrail", "iam", "outbox"]
