"""Data files the engine wrote straight into the lake (CTAS, INSERT INTO, UNLOAD) become S3 objects.

DuckDB writes under the lake folder of the target location; each new file is then moved to
the staging folder and put through the S3 service, so it gets its metadata row, change record
and events like any other object. Files S3 already knows are left alone.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from headwater.query import QueryError
from headwater.services.athena._core import parse_s3
from headwater.services.base import Environment, RequestContext
from headwater.services.errors import ServiceError

__all__ = ["register_written"]


def register_written(env: Environment, s3: Any, ctx: RequestContext, locations: set[str]) -> None:
    """Make the data files a statement wrote under ``locations`` S3 objects."""
    for location in sorted(locations):
        bucket, key = parse_s3(location)
        bucket_dir = Path(s3.bucket_path(bucket))
        root = bucket_dir / key if key else bucket_dir
        if not root.is_dir():
            continue
        try:
            s3.head_bucket(ctx, {"Bucket": bucket})
        except ServiceError:
            if key:  # the engine wrote into the folder of a bucket that does not exist
                shutil.rmtree(root, ignore_errors=True)
            raise QueryError(
                f"Unable to write to {location}: the bucket {bucket} does not exist",
                error_name="HIVE_WRITER_OPEN_ERROR",
                error_type=1100,
            ) from None
        prefix = f"{key}/" if key else ""
        known = {str(p) for _, p in s3.local_paths(bucket, prefix)}
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(bucket_dir).as_posix()
            if not path.is_file() or str(path) in known or rel.startswith("."):
                continue
            env.staging_dir.mkdir(parents=True, exist_ok=True)
            temp = env.staging_dir / f".athena-{uuid.uuid4().hex}"
            os.replace(path, temp)
            s3.put_file(bucket, rel, temp, move=True, ctx=ctx)
