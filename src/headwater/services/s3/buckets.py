"""Bucket operations: CreateBucket, DeleteBucket, HeadBucket, ListBuckets, GetBucketLocation."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from headwater.services.base import RequestContext
from headwater.services.s3 import errors
from headwater.services.s3._core import S3Core
from headwater.services.s3._values import to_datetime, validate_bucket_name
from headwater.store import s3 as port
from headwater.store.s3 import BucketRecord

__all__ = ["BucketOperations"]

_US_EAST_1 = "us-east-1"
_REGION_RE = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d+")


class BucketOperations(S3Core):
    """The bucket-level operations."""

    def create_bucket(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateBucket: a folder in the lake and a row in the store.

        As in AWS, re-creating your own bucket is a no-op in us-east-1 and
        BucketAlreadyOwnedByYou elsewhere.
        """
        name = str(params["Bucket"])
        validate_bucket_name(name)
        region = self._bucket_region(ctx, params.get("CreateBucketConfiguration"))
        with self.env.store.transaction() as conn:
            existing = port.get_bucket(conn, name)
            if existing is not None:
                if existing.owner != ctx.account_id:
                    raise errors.bucket_already_exists(name)
                if existing.region != _US_EAST_1:
                    raise errors.bucket_already_owned(name)
                return self._created(existing)
            bucket = BucketRecord(
                name=name, region=region, owner=ctx.account_id, created_at=self._now()
            )
            port.insert_bucket(conn, bucket)
            self.lake.create_bucket(name)
        return self._created(bucket)

    def _bucket_region(self, ctx: RequestContext, config: Any) -> str:
        constraint = config.get("LocationConstraint") if isinstance(config, dict) else None
        if constraint:
            constraint = str(constraint)
            if constraint == "EU":
                constraint = "eu-west-1"
            elif not _REGION_RE.fullmatch(constraint) or (
                ctx.region == _US_EAST_1 and constraint == _US_EAST_1
            ):
                raise errors.S3Error(
                    "InvalidLocationConstraint",
                    "The specified location-constraint is not valid",
                    status=400,
                    fields={"LocationConstraint": constraint},
                )
            if ctx.region not in (_US_EAST_1, constraint):
                raise errors.S3Error(
                    "IllegalLocationConstraintException",
                    f"The {constraint} location constraint is incompatible "
                    "for the region specific endpoint this request was "
                    "sent to.",
                    status=400,
                )
            return constraint
        if ctx.region != _US_EAST_1:
            raise errors.S3Error(
                "IllegalLocationConstraintException",
                "The unspecified "
                "location constraint is incompatible for the region specific "
                "endpoint this request was sent to.",
                status=400,
            )
        return _US_EAST_1

    def _created(self, bucket: BucketRecord) -> dict[str, Any]:
        if bucket.region == _US_EAST_1:
            location = f"/{bucket.name}"
        else:
            location = f"{self.env.endpoint_url.rstrip('/')}/{bucket.name}/"
        return {"Location": location, "BucketArn": f"arn:aws:s3:::{bucket.name}"}

    def delete_bucket(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteBucket: only an empty bucket; its uploads and configurations go with it."""
        name = str(params["Bucket"])
        with self._lake_lock:
            with self.env.store.transaction() as conn:
                self._bucket(conn, name)
                if port.bucket_has_objects(conn, name):
                    raise errors.bucket_not_empty(name)
                uploads = port.upload_ids(conn, name)
                port.delete_bucket(conn, name)
            for upload_id in uploads:
                self.lake.drop_upload(upload_id)
            self.lake.delete_bucket(name)
        return {"ResponseMetadata": {"HTTPStatusCode": 204}}

    def head_bucket(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """HeadBucket: 200 with the bucket's region, or 404."""
        with self.env.store.read() as conn:
            bucket = self._bucket(conn, str(params["Bucket"]))
        return {
            "BucketRegion": bucket.region,
            "AccessPointAlias": False,
            "BucketArn": f"arn:aws:s3:::{bucket.name}",
        }

    def get_bucket_location(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetBucketLocation: the region, or no constraint for us-east-1."""
        with self.env.store.read() as conn:
            bucket = self._bucket(conn, str(params["Bucket"]))
        return {"LocationConstraint": None if bucket.region == _US_EAST_1 else bucket.region}

    def list_buckets(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListBuckets, with Prefix, BucketRegion, MaxBuckets and ContinuationToken."""
        prefix = str(params.get("Prefix") or "")
        region = params.get("BucketRegion")
        max_buckets = params.get("MaxBuckets")
        if max_buckets is not None and not 1 <= int(max_buckets) <= 10000:
            raise errors.invalid_argument(
                "Argument max-buckets must be an integer between 1 and 10000",
                "max-buckets",
                max_buckets,
            )
        after = ""
        token = params.get("ContinuationToken")
        if token:
            try:
                after = base64.urlsafe_b64decode(str(token).encode()).decode()
            except (binascii.Error, UnicodeDecodeError, ValueError):
                raise errors.invalid_argument(
                    "The continuation token provided is incorrect", "continuation-token", token
                ) from None
        with self.env.store.read() as conn:
            buckets = [
                b
                for b in port.list_buckets(conn, prefix=prefix, after=after)
                if b.owner == ctx.account_id and (not region or b.region == region)
            ]
        out: dict[str, Any] = {"Owner": self._owner(ctx.account_id)}
        if max_buckets is not None and len(buckets) > int(max_buckets):
            buckets = buckets[: int(max_buckets)]
            out["ContinuationToken"] = base64.urlsafe_b64encode(buckets[-1].name.encode()).decode()
        out["Buckets"] = [
            {
                "Name": b.name,
                "CreationDate": to_datetime(b.created_at),
                "BucketRegion": b.region,
                "BucketArn": f"arn:aws:s3:::{b.name}",
            }
            for b in buckets
        ]
        if prefix:
            out["Prefix"] = prefix
        return out
