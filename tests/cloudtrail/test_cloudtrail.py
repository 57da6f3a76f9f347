"""CloudTrail trails as pipelines S1/S2 set them up, and which S3 writes they record."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from headwater.services.cloudtrail import s3_data_event, trail_selects
from headwater.store.cloudtrail import TrailRow

BUCKET = "etl-ttt-demo-123456789012-us-east-1"
S1_SELECTORS = [
    {
        "ReadWriteType": "WriteOnly",
        "IncludeManagementEvents": False,
        "DataResources": [
            {
                "Type": "AWS::S3::Object",
                "Values": [
                    f"arn:aws:s3:::{BUCKET}/etl-ttt-demo/output/gluestreaming/total_clicks/",
                    f"arn:aws:s3:::{BUCKET}/etl-ttt-demo/data_analytics_team_folder/",
                ],
            }
        ],
    }
]


def test_trail_lifecycle_through_boto3(client: Any) -> None:
    client("s3").create_bucket(Bucket=BUCKET)
    ct = client("cloudtrail")
    created = ct.create_trail(Name="etl-ttt-demo-trail", S3BucketName=BUCKET)
    arn = created["TrailARN"]
    assert arn == "arn:aws:cloudtrail:us-east-1:000000000000:trail/etl-ttt-demo-trail"
    assert (
        ct.get_event_selectors(TrailName="etl-ttt-demo-trail")["EventSelectors"][0]["DataResources"]
        == []
    )
    put = ct.put_event_selectors(TrailName="etl-ttt-demo-trail", EventSelectors=S1_SELECTORS)
    assert put["EventSelectors"][0]["ReadWriteType"] == "WriteOnly"
    assert ct.get_trail_status(Name="etl-ttt-demo-trail")["IsLogging"] is False
    ct.start_logging(Name=arn)
    assert ct.get_trail_status(Name="etl-ttt-demo-trail")["IsLogging"] is True
    trail = ct.get_trail(Name="etl-ttt-demo-trail")["Trail"]
    assert trail["HasCustomEventSelectors"] is True
    assert [t["Name"] for t in ct.describe_trails()["trailList"]] == ["etl-ttt-demo-trail"]
    ct.stop_logging(Name="etl-ttt-demo-trail")
    ct.delete_trail(Name="etl-ttt-demo-trail")
    with pytest.raises(ClientError) as exc:
        ct.get_trail(Name="etl-ttt-demo-trail")
    assert exc.value.response["Error"]["Code"] == "TrailNotFoundException"


def test_trail_errors(client: Any) -> None:
    ct = client("cloudtrail")
    with pytest.raises(ClientError) as exc:
        ct.create_trail(Name="t", S3BucketName="no-such-bucket-here")
    assert exc.value.response["Error"]["Code"] == "S3BucketDoesNotExistException"
    client("s3").create_bucket(Bucket="logs")
    ct.create_trail(Name="t", S3BucketName="logs")
    with pytest.raises(ClientError) as exc:
        ct.create_trail(Name="t", S3BucketName="logs")
    assert exc.value.response["Error"]["Code"] == "TrailAlreadyExistsException"
    with pytest.raises(ClientError) as exc:
        ct.put_event_selectors(
            TrailName="t",
            EventSelectors=[
                {"DataResources": [{"Type": "AWS::S3::Nope", "Values": ["arn:aws:s3:::x/"]}]}
            ],
        )
    assert exc.value.response["Error"]["Code"] == "InvalidEventSelectorsException"


def _trail(**kw: Any) -> TrailRow:
    base: dict[str, Any] = {
        "arn": "arn:t",
        "name": "t",
        "home_region": "us-east-1",
        "config": {},
        "is_logging": True,
        "event_selectors": S1_SELECTORS,
    }
    base.update(kw)
    return TrailRow(**base)


@pytest.mark.parametrize(
    ("key", "event_name", "read_only", "expected"),
    [
        (
            "etl-ttt-demo/output/gluestreaming/total_clicks/ingest_year=2026/x.csv",
            "PutObject",
            False,
            True,
        ),
        ("etl-ttt-demo/data_analytics_team_folder/report.csv", "CopyObject", False, True),
        ("etl-ttt-demo/csv_tables/web_page.csv", "PutObject", False, False),
        ("etl-ttt-demo/data_analytics_team_folder/report.csv", "GetObject", True, False),
    ],
)
def test_basic_selectors_cover_prefixes_and_write_type(
    key: str, event_name: str, read_only: bool, expected: bool
) -> None:
    assert (
        trail_selects(
            _trail(),
            region="us-east-1",
            bucket=BUCKET,
            key=key,
            event_name=event_name,
            read_only=read_only,
        )
        is expected
    )


def test_trail_not_logging_or_other_region_records_nothing() -> None:
    key = "etl-ttt-demo/data_analytics_team_folder/a.csv"
    assert not trail_selects(
        _trail(is_logging=False), region="us-east-1", bucket=BUCKET, key=key, event_name="PutObject"
    )
    assert not trail_selects(
        _trail(), region="us-east-2", bucket=BUCKET, key=key, event_name="PutObject"
    )
    multi = _trail(config={"IsMultiRegionTrail": True})
    assert trail_selects(multi, region="us-east-2", bucket=BUCKET, key=key, event_name="PutObject")


def test_advanced_selectors() -> None:
    adv = [
        {
            "Name": "s3 writes",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                {"Field": "resources.ARN", "StartsWith": [f"arn:aws:s3:::{BUCKET}/in/"]},
                {"Field": "readOnly", "Equals": ["false"]},
                {"Field": "eventName", "NotEquals": ["DeleteObject"]},
            ],
        }
    ]
    trail = _trail(event_selectors=None, advanced_selectors=adv)
    assert trail_selects(
        trail, region="us-east-1", bucket=BUCKET, key="in/a.csv", event_name="PutObject"
    )
    assert not trail_selects(
        trail, region="us-east-1", bucket=BUCKET, key="in/a.csv", event_name="DeleteObject"
    )
    assert not trail_selects(
        trail, region="us-east-1", bucket=BUCKET, key="out/a.csv", event_name="PutObject"
    )


def test_data_event_shape() -> None:
    record = {
        "bucket": BUCKET,
        "key": "etl-ttt-demo/data_analytics_team_folder/a b:c.csv",
        "event_name": "PutObject",
        "region": "us-east-2",
        "size": 10,
        "request_id": "ABC",
        "source_ip": "127.0.0.1",
    }
    event = s3_data_event(record, account_id="123456789012", at=1796196615.0)
    assert event["source"] == "aws.s3"
    assert event["detail-type"] == "AWS API Call via CloudTrail"
    detail = event["detail"]
    assert detail["eventSource"] == "s3.amazonaws.com"
    assert detail["eventName"] == "PutObject"
    assert detail["requestParameters"]["bucketName"] == BUCKET
    assert detail["requestParameters"]["key"] == record["key"]  # raw, not URL-encoded
    assert detail["eventTime"] == "2026-12-02T07:30:15Z"
    assert detail["eventCategory"] == "Data"
    assert detail["managementEvent"] is False
    assert detail["readOnly"] is False
