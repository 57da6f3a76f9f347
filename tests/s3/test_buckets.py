"""Bucket operations driven on S3Service directly."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from headwater.services.base import RequestContext
from headwater.services.s3 import S3Service
from headwater.services.s3.errors import S3Error


def test_create_head_list_location_delete(
    s3: S3Service, ctx: RequestContext, data_dir: Path, shaped: Any
) -> None:
    out = shaped("CreateBucket", s3.create_bucket(ctx, {"Bucket": "my-data.lake"}))
    assert out["Location"] == "/my-data.lake"
    assert (data_dir / "lake" / "my-data.lake").is_dir()
    head = shaped("HeadBucket", s3.head_bucket(ctx, {"Bucket": "my-data.lake"}))
    assert head["BucketRegion"] == "us-east-1"
    listing = shaped("ListBuckets", s3.list_buckets(ctx, {}))
    assert [b["Name"] for b in listing["Buckets"]] == ["my-data.lake"]
    assert listing["Buckets"][0]["CreationDate"].tzinfo is not None
    loc = shaped("GetBucketLocation", s3.get_bucket_location(ctx, {"Bucket": "my-data.lake"}))
    assert loc["LocationConstraint"] is None
    out = s3.delete_bucket(ctx, {"Bucket": "my-data.lake"})
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert not (data_dir / "lake" / "my-data.lake").exists()
    with pytest.raises(S3Error) as err:
        s3.head_bucket(ctx, {"Bucket": "my-data.lake"})
    assert (err.value.code, err.value.status) == ("NoSuchBucket", 404)
    assert err.value.fields == {"BucketName": "my-data.lake"}


@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "a" * 64,
        "UpperCase",
        "under_score",
        "-start",
        "end-",
        "two..dots",
        "192.168.1.1",
        "xn--punycode",
        "bucket-s3alias",
        "dot.-hyphen",
        "sp ace",
        "sthree-x",
    ],
)
def test_invalid_bucket_names(s3: S3Service, ctx: RequestContext, name: str) -> None:
    with pytest.raises(S3Error) as err:
        s3.create_bucket(ctx, {"Bucket": name})
    assert (err.value.code, err.value.status) == ("InvalidBucketName", 400)


@pytest.mark.parametrize("name", ["abc", "a" * 63, "my.bucket-1", "1bucket", "a-b.c-d"])
def test_valid_bucket_names(s3: S3Service, ctx: RequestContext, name: str) -> None:
    s3.create_bucket(ctx, {"Bucket": name})


def test_recreate_is_idempotent_in_us_east_1_and_an_error_elsewhere(
    s3: S3Service, ctx: RequestContext
) -> None:
    s3.create_bucket(ctx, {"Bucket": "east-bucket"})
    assert s3.create_bucket(ctx, {"Bucket": "east-bucket"})["Location"] == "/east-bucket"
    west = replace(ctx, region="eu-west-2")
    s3.create_bucket(
        west,
        {"Bucket": "west-bucket", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-2"}},
    )
    with pytest.raises(S3Error) as err:
        s3.create_bucket(
            west,
            {
                "Bucket": "west-bucket",
                "CreateBucketConfiguration": {"LocationConstraint": "eu-west-2"},
            },
        )
    assert (err.value.code, err.value.status) == ("BucketAlreadyOwnedByYou", 409)
    assert err.value.fields["BucketName"] == "west-bucket"
    other = replace(ctx, account_id="111122223333")
    with pytest.raises(S3Error) as err:
        s3.create_bucket(other, {"Bucket": "east-bucket"})
    assert (err.value.code, err.value.status) == ("BucketAlreadyExists", 409)
    loc = s3.get_bucket_location(ctx, {"Bucket": "west-bucket"})
    assert loc["LocationConstraint"] == "eu-west-2"


@pytest.mark.parametrize(
    ("region", "constraint", "code"),
    [
        ("us-east-1", "us-east-1", "InvalidLocationConstraint"),
        ("us-east-1", "not a region", "InvalidLocationConstraint"),
        ("eu-west-1", None, "IllegalLocationConstraintException"),
        ("eu-west-1", "us-west-2", "IllegalLocationConstraintException"),
    ],
)
def test_location_constraint_rules(
    s3: S3Service, ctx: RequestContext, region: str, constraint: str | None, code: str
) -> None:
    params: dict[str, Any] = {"Bucket": "some-bucket"}
    if constraint is not None:
        params["CreateBucketConfiguration"] = {"LocationConstraint": constraint}
    with pytest.raises(S3Error) as err:
        s3.create_bucket(replace(ctx, region=region), params)
    assert (err.value.code, err.value.status) == (code, 400)


def test_us_east_1_endpoint_may_create_in_another_region(
    s3: S3Service, ctx: RequestContext
) -> None:
    out = s3.create_bucket(
        ctx,
        {
            "Bucket": "far-bucket",
            "CreateBucketConfiguration": {"LocationConstraint": "ap-southeast-2"},
        },
    )
    assert out["Location"].endswith("/far-bucket/")
    assert s3.head_bucket(ctx, {"Bucket": "far-bucket"})["BucketRegion"] == "ap-southeast-2"


def test_delete_non_empty_bucket(s3: S3Service, ctx: RequestContext, bucket: str, put: Any) -> None:
    put("x", b"1")
    with pytest.raises(S3Error) as err:
        s3.delete_bucket(ctx, {"Bucket": bucket})
    assert (err.value.code, err.value.status) == ("BucketNotEmpty", 409)
    s3.delete_object(ctx, {"Bucket": bucket, "Key": "x"})
    s3.delete_bucket(ctx, {"Bucket": bucket})
    with pytest.raises(S3Error) as err:
        s3.delete_bucket(ctx, {"Bucket": bucket})
    assert err.value.code == "NoSuchBucket"


def test_list_buckets_pagination_and_prefix(s3: S3Service, ctx: RequestContext) -> None:
    for name in ["logs-a", "logs-b", "data-a", "logs-c"]:
        s3.create_bucket(ctx, {"Bucket": name})
    page = s3.list_buckets(ctx, {"MaxBuckets": 2, "Prefix": "logs-"})
    assert [b["Name"] for b in page["Buckets"]] == ["logs-a", "logs-b"]
    rest = s3.list_buckets(
        ctx, {"MaxBuckets": 2, "Prefix": "logs-", "ContinuationToken": page["ContinuationToken"]}
    )
    assert [b["Name"] for b in rest["Buckets"]] == ["logs-c"]
    assert "ContinuationToken" not in rest
