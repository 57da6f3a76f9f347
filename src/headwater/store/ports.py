"""Imports every port module so their tables and migrations are registered."""

from headwater.store import (  # noqa: F401  (importing a port registers its tables)
    athena,
    cloudtrail,
    events,
    glue_catalog,
    glue_jobs,
    iam,
    lambda_,
    logs,
    outbox,
    s3,
    sns,
    states,
)

__all__ = ["cloudtrail", "events", "iam", "outbox"]
