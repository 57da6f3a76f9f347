"""Bucket notification, versioning and tagging, and object tagging."""

from __future__ import annotations

from typing import Any

import pytest

from headwater.services.base import RequestContext
from headwater.services.s3 import S3Service
from headwater.services.s3.errors import S3Error


def test_notification_round_trip_with_eventbridge(
    s3: S3Service, ctx: RequestContext, bucket: str, shaped: Any
) -> None:
    empty = s3.get_bucket_notification_configuration(ctx, {"Bucket": bucket})
    assert empty == {}
    config = {
        "EventBridgeConfiguration": {},
        "QueueConfigurations": [
            {
                "QueueArn": "arn:aws:sqs:us-east-1:000000000000:q",
                "Events": ["s3:ObjectCreated:*"],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "raw/"}]}},
            }
        ],
    }
    out = s3.put_bucket_notification_configuration(
        ctx, {"Bucket": bucket, "NotificationConfiguration": config}
    )
    shaped("PutBucketNotificationConfiguration", out)
    got = shaped(
        "GetBucketNotificationConfiguration",
        s3.get_bucket_notification_configuration(ctx, {"Bucket": bucket}),
    )
    assert got["EventBridgeConfiguration"] == {}
    queue = got["QueueConfigurations"][0]
    assert queue["Id"]  # S3 names configurations that came without an Id
    assert queue["Filter"] == config["QueueConfigurations"][0]["Filter"]
    assert s3.notification_configuration(bucket) == got
    s3.put_bucket_notification_configuration(
        ctx, {"Bucket": bucket, "NotificationConfiguration": {}}
    )
    assert s3.get_bucket_notification_configuration(ctx, {"Bucket": bucket}) == {}


def test_notification_rejects_unknown_events(
    s3: S3Service, ctx: RequestContext, bucket: str
) -> None:
    with pytest.raises(S3Error) as err:
        s3.put_bucket_notification_configuration(
            ctx,
            {
                "Bucket": bucket,
                "NotificationConfiguration": {
                    "TopicConfigurations": [
                        {"TopicArn": "arn:aws:sns:us-east-1:0:t", "Events": ["s3:ObjectExploded"]}
                    ]
                },
            },
        )
    assert err.value.code == "InvalidArgument"
    with pytest.raises(S3Error) as err:
        s3.get_bucket_notification_configuration(ctx, {"Bucket": "absent-bucket"})
    assert err.value.code == "NoSuchBucket"


def test_versioning_is_stored_and_versions_objects(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any
) -> None:
    assert s3.get_bucket_versioning(ctx, {"Bucket": bucket}) == {}
    assert "VersionId" not in put("k", b"1")
    s3.put_bucket_versioning(
        ctx, {"Bucket": bucket, "VersioningConfiguration": {"Status": "Enabled"}}
    )
    assert s3.get_bucket_versioning(ctx, {"Bucket": bucket}) == {"Status": "Enabled"}
    v1 = put("k", b"2")["VersionId"]
    v2 = put("k", b"3")["VersionId"]
    assert v1 != v2
    assert s3.head_object(ctx, {"Bucket": bucket, "Key": "k"})["VersionId"] == v2
    s3.put_bucket_versioning(
        ctx, {"Bucket": bucket, "VersioningConfiguration": {"Status": "Suspended"}}
    )
    assert put("k", b"4")["VersionId"] == "null"
    with pytest.raises(S3Error) as err:
        s3.put_bucket_versioning(
            ctx, {"Bucket": bucket, "VersioningConfiguration": {"Status": "On"}}
        )
    assert err.value.code == "MalformedXML"


def test_bucket_tagging(s3: S3Service, ctx: RequestContext, bucket: str, shaped: Any) -> None:
    with pytest.raises(S3Error) as err:
        s3.get_bucket_tagging(ctx, {"Bucket": bucket})
    assert (err.value.code, err.value.status) == ("NoSuchTagSet", 404)
    tags = {"TagSet": [{"Key": "team", "Value": "data"}, {"Key": "env", "Value": "dev"}]}
    s3.put_bucket_tagging(ctx, {"Bucket": bucket, "Tagging": tags})
    got = shaped("GetBucketTagging", s3.get_bucket_tagging(ctx, {"Bucket": bucket}))
    assert got == tags
    out = s3.delete_bucket_tagging(ctx, {"Bucket": bucket})
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(S3Error):
        s3.get_bucket_tagging(ctx, {"Bucket": bucket})


@pytest.mark.parametrize(
    ("tag_set", "code"),
    [
        ([{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}], "InvalidTag"),
        ([{"Key": "aws:reserved", "Value": "1"}], "InvalidTag"),
        ([{"Key": "k" * 129, "Value": "1"}], "InvalidTag"),
        ([{"Key": "k", "Value": "v" * 257}], "InvalidTag"),
        ([{"Key": "k"}], "MalformedXML"),
        ([{"Key": f"k{i}", "Value": "v"} for i in range(11)], "InvalidTag"),
    ],
)
def test_object_tag_rules(
    s3: S3Service,
    ctx: RequestContext,
    bucket: str,
    put: Any,
    tag_set: list[dict[str, str]],
    code: str,
) -> None:
    put("k", b"1")
    with pytest.raises(S3Error) as err:
        s3.put_object_tagging(ctx, {"Bucket": bucket, "Key": "k", "Tagging": {"TagSet": tag_set}})
    assert (err.value.code, err.value.status) == (code, 400)


def test_object_tagging(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any, shaped: Any
) -> None:
    put("k", b"1", Tagging="from=put")
    got = shaped("GetObjectTagging", s3.get_object_tagging(ctx, {"Bucket": bucket, "Key": "k"}))
    assert got["TagSet"] == [{"Key": "from", "Value": "put"}]
    s3.put_object_tagging(
        ctx, {"Bucket": bucket, "Key": "k", "Tagging": {"TagSet": [{"Key": "x", "Value": "y"}]}}
    )
    assert s3.head_object(ctx, {"Bucket": bucket, "Key": "k"})["TagCount"] == 1
    s3.delete_object_tagging(ctx, {"Bucket": bucket, "Key": "k"})
    assert s3.get_object_tagging(ctx, {"Bucket": bucket, "Key": "k"})["TagSet"] == []
    with pytest.raises(S3Error) as err:
        s3.get_object_tagging(ctx, {"Bucket": bucket, "Key": "absent"})
    assert err.value.code == "NoSuchKey"
