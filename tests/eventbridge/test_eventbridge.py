"""EventBridge as the reference pipelines use it: S3 and CloudTrail sources, rules, delivery."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from headwater.runtime.clock import VirtualClock
from headwater.services.events import TargetError, register_target
from tests.conftest import eventually

S4_PATTERN = {
    "source": ["aws.s3"],
    "detail-type": ["Object Created"],
    "detail": {
        "bucket": {"name": ["dataeng-landing-zone-s4"]},
        "object": {"key": [{"prefix": "chapter10/"}]},
    },
}
S1_PATTERN = {
    "source": ["aws.s3"],
    "detail-type": ["AWS API Call via CloudTrail"],
    "detail": {
        "eventSource": ["s3.amazonaws.com"],
        "eventName": ["PutObject"],
        "requestParameters": {
            "bucketName": ["etl-ttt-demo-000000000000-us-east-1"],
            "key": [{"prefix": "etl-ttt-demo/data_analytics_team_folder/"}],
        },
    },
}


def _deliveries(endpoint: str, status: str | None = None) -> list[dict[str, Any]]:
    url = f"{endpoint}/_headwater/events/deliveries" + (f"?status={status}" if status else "")
    with urllib.request.urlopen(url, timeout=10) as resp:
        return list(json.load(resp))


def _delivered(endpoint: str, n: int = 1) -> list[dict[str, Any]]:
    """Wait until ``n`` deliveries succeeded; return every delivery."""

    def check() -> list[dict[str, Any]] | None:
        found = _deliveries(endpoint)
        return found if sum(d["status"] == "SUCCEEDED" for d in found) >= n else None

    return list(eventually(check))


def _topic_rule(client: Any, name: str, pattern: dict[str, Any], **target: Any) -> str:
    topic = client("sns").create_topic(Name=f"{name}-topic")["TopicArn"]
    events = client("events")
    events.put_rule(Name=name, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, Targets=[{"Id": "notify", "Arn": topic, **target}])
    return topic


def test_s3_object_created_reaches_the_rule_target(client: Any, endpoint: str) -> None:
    _topic_rule(client, "s4-rule", S4_PATTERN)
    s3 = client("s3")
    s3.create_bucket(Bucket="dataeng-landing-zone-s4")
    s3.put_bucket_notification_configuration(
        Bucket="dataeng-landing-zone-s4", NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    s3.put_object(Bucket="dataeng-landing-zone-s4", Key="chapter10/", Body=b"")
    s3.put_object(
        Bucket="dataeng-landing-zone-s4", Key="chapter10/test.csv", Body=b"Name,favorite_num\n"
    )
    s3.put_object(Bucket="dataeng-landing-zone-s4", Key="other/x.csv", Body=b"no match")
    done = _delivered(endpoint, 2)
    assert all(d["status"] == "SUCCEEDED" for d in done)
    keys = sorted(json.loads(d["input"])["detail"]["object"]["key"] for d in done)
    assert keys == ["chapter10/", "chapter10/test.csv"]
    event = next(
        json.loads(d["input"])
        for d in done
        if json.loads(d["input"])["detail"]["object"]["key"].endswith(".csv")
    )
    assert event["source"] == "aws.s3"
    assert event["detail-type"] == "Object Created"
    assert event["resources"] == ["arn:aws:s3:::dataeng-landing-zone-s4"]
    detail = event["detail"]
    assert detail["bucket"] == {"name": "dataeng-landing-zone-s4"}
    assert detail["object"]["size"] == len(b"Name,favorite_num\n")
    assert detail["reason"] == "PutObject"
    assert set(detail) >= {"version", "request-id", "requester", "source-ip-address"}


def test_bucket_without_eventbridge_sends_nothing(client: Any, endpoint: str) -> None:
    _topic_rule(client, "quiet", {"source": ["aws.s3"]})
    s3 = client("s3")
    s3.create_bucket(Bucket="no-notifications")
    s3.put_object(Bucket="no-notifications", Key="chapter10/a.csv", Body=b"x")
    # a PutEvents after the write is delivered: the bridge had its chance first
    client("events").put_events(
        Entries=[{"Source": "aws.s3", "DetailType": "probe", "Detail": "{}"}]
    )
    done = _delivered(endpoint)
    assert [json.loads(d["input"])["detail-type"] for d in done] == ["probe"]


def test_cloudtrail_data_events_start_the_s1_rule(client: Any, endpoint: str) -> None:
    bucket = "etl-ttt-demo-000000000000-us-east-1"
    s3 = client("s3")
    s3.create_bucket(Bucket=bucket)
    ct = client("cloudtrail")
    ct.create_trail(Name="etl-ttt-demo-trail", S3BucketName=bucket)
    ct.put_event_selectors(
        TrailName="etl-ttt-demo-trail",
        EventSelectors=[
            {
                "ReadWriteType": "WriteOnly",
                "IncludeManagementEvents": False,
                "DataResources": [
                    {
                        "Type": "AWS::S3::Object",
                        "Values": [
                            f"arn:aws:s3:::{bucket}/etl-ttt-demo/data_analytics_team_folder/"
                        ],
                    }
                ],
            }
        ],
    )
    ct.start_logging(Name="etl-ttt-demo-trail")
    _topic_rule(client, "s1-rule", S1_PATTERN)
    s3.put_object(
        Bucket=bucket, Key="etl-ttt-demo/data_analytics_team_folder/clicks.csv", Body=b"a"
    )
    s3.put_object(Bucket=bucket, Key="etl-ttt-demo/csv_tables/web_page.csv", Body=b"b")
    done = _delivered(endpoint)
    assert len(done) == 1
    event = json.loads(done[0]["input"])
    assert event["detail-type"] == "AWS API Call via CloudTrail"
    assert event["detail"]["requestParameters"]["key"] == (
        "etl-ttt-demo/data_analytics_team_folder/clicks.csv"
    )


def test_multipart_upload_emits_complete_multipart_upload_not_put_object(
    client: Any, endpoint: str
) -> None:
    bucket = "etl-ttt-demo-000000000000-us-east-1"
    s3 = client("s3")
    s3.create_bucket(Bucket=bucket)
    ct = client("cloudtrail")
    ct.create_trail(Name="t", S3BucketName=bucket)
    ct.put_event_selectors(
        TrailName="t",
        EventSelectors=[
            {"DataResources": [{"Type": "AWS::S3::Object", "Values": [f"arn:aws:s3:::{bucket}/"]}]}
        ],
    )
    ct.start_logging(Name="t")
    _topic_rule(
        client, "all-writes", {"source": ["aws.s3"], "detail-type": ["AWS API Call via CloudTrail"]}
    )
    key = "etl-ttt-demo/data_analytics_team_folder/big.bin"
    up = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=1, Body=b"x" * 10)
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key=key,
        UploadId=up,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    done = _delivered(endpoint)
    assert [json.loads(d["input"])["detail"]["eventName"] for d in done] == [
        "CompleteMultipartUpload"
    ]


def test_put_events_entry_errors_and_limits(client: Any) -> None:
    events = client("events")
    out = events.put_events(
        Entries=[
            {"Source": "my.app", "DetailType": "ok", "Detail": '{"a": 1}'},
            {"Source": "my.app", "DetailType": "bad", "Detail": "[1, 2]"},
            {"Source": "my.app", "DetailType": "nobus", "Detail": "{}", "EventBusName": "nope"},
            {"DetailType": "nosource", "Detail": "{}"},
        ]
    )
    assert out["FailedEntryCount"] == 3
    assert "EventId" in out["Entries"][0]
    assert out["Entries"][1]["ErrorCode"] == "MalformedDetail"
    assert out["Entries"][2]["ErrorCode"] == "ResourceNotFoundException"
    assert out["Entries"][3]["ErrorCode"] == "InvalidArgument"
    with pytest.raises(ClientError) as exc:
        events.put_events(
            Entries=[{"Source": "a", "DetailType": "b", "Detail": json.dumps({"x": "y" * 300_000})}]
        )
    assert exc.value.response["Error"]["Code"] == "ValidationException"


def test_rule_api_errors(client: Any) -> None:
    events = client("events")
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name="bad", EventPattern='{"source": "not-a-list"}')
    assert exc.value.response["Error"]["Code"] == "InvalidEventPatternException"
    assert exc.value.response["Error"]["Message"].startswith("Event pattern is not valid.")
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name="bad", ScheduleExpression="rate(1 minutes)")
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as exc:
        events.put_targets(Rule="missing", Targets=[{"Id": "1", "Arn": "arn:aws:sns:x"}])
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"
    events.put_rule(Name="r", EventPattern='{"source": ["a"]}')
    events.put_targets(Rule="r", Targets=[{"Id": "1", "Arn": "arn:aws:sns:us-east-1:0:t"}])
    with pytest.raises(ClientError) as exc:
        events.delete_rule(Name="r")
    assert exc.value.response["Error"]["Message"] == "Rule can't be deleted since it has targets."
    events.remove_targets(Rule="r", Ids=["1"])
    events.delete_rule(Name="r")
    assert events.list_rules()["Rules"] == []


def test_input_transformer_is_applied(client: Any, endpoint: str) -> None:
    _topic_rule(
        client,
        "shaped",
        {"source": ["my.app"]},
        InputTransformer={
            "InputPathsMap": {"kind": "$.detail-type", "n": "$.detail.n"},
            "InputTemplate": '{"what": <kind>, "count": <n>, "rule": "<aws.events.rule-name>"}',
        },
    )
    client("events").put_events(
        Entries=[{"Source": "my.app", "DetailType": "order", "Detail": '{"n": 3}'}]
    )
    done = _delivered(endpoint)
    assert json.loads(done[0]["input"]) == {"what": "order", "count": 3, "rule": "shaped"}


def _always_unavailable(_events: Any, _delivery: Any) -> dict[str, Any]:
    raise TargetError("ServiceUnavailable", "the flaky test target is down", retryable=True)


register_target("headwater-test", _always_unavailable)


def test_failed_delivery_is_retried_then_kept_as_a_dead_letter(
    client: Any, endpoint: str, clock: VirtualClock
) -> None:
    events = client("events")
    events.put_rule(Name="to-nowhere", EventPattern='{"source": ["my.app"]}')
    events.put_targets(
        Rule="to-nowhere",
        Targets=[
            {
                "Id": "flaky",
                "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600},
                "Arn": "arn:aws:headwater-test:us-east-1:000000000000:thing/flaky",
            }
        ],
    )
    events.put_events(Entries=[{"Source": "my.app", "DetailType": "x", "Detail": "{}"}])
    first = eventually(lambda: [d for d in _deliveries(endpoint) if d["attempts"] >= 1])
    assert first[0]["status"] == "PENDING"
    for _ in range(10):
        clock.advance(600)
        if _deliveries(endpoint, "FAILED"):
            break
    dead = eventually(lambda: _deliveries(endpoint, "FAILED"))
    assert dead[0]["attempts"] == 3
    assert "flaky test target is down" in dead[0]["lastError"]


def test_a_target_that_does_not_exist_is_a_dead_letter_at_once(client: Any, endpoint: str) -> None:
    events = client("events")
    events.put_rule(Name="to-missing", EventPattern='{"source": ["my.app"]}')
    events.put_targets(
        Rule="to-missing",
        Targets=[{"Id": "bus", "Arn": "arn:aws:events:us-east-1:000000000000:event-bus/nope"}],
    )
    events.put_events(Entries=[{"Source": "my.app", "DetailType": "x", "Detail": "{}"}])
    dead = eventually(lambda: _deliveries(endpoint, "FAILED"))
    assert dead[0]["attempts"] == 1
    assert "ResourceNotFoundException" in dead[0]["lastError"]


def test_schedule_fires_on_the_virtual_clock(
    client: Any, endpoint: str, clock: VirtualClock
) -> None:
    events = client("events")
    topic = client("sns").create_topic(Name="ticks")["TopicArn"]
    events.put_rule(Name="every-5", ScheduleExpression="rate(5 minutes)")
    events.put_targets(Rule="every-5", Targets=[{"Id": "t", "Arn": topic}])
    assert _deliveries(endpoint) == []
    clock.advance(301)
    done = _delivered(endpoint)
    event = json.loads(done[0]["input"])
    assert event["source"] == "aws.events"
    assert event["detail-type"] == "Scheduled Event"
    assert event["resources"] == ["arn:aws:events:us-east-1:000000000000:rule/every-5"]
    clock.advance(3600)  # twelve ticks missed at once: fired once, then back on schedule
    _delivered(endpoint, 2)
    assert len(_deliveries(endpoint)) == 2
    events.disable_rule(Name="every-5")


def test_bus_to_bus_and_archive_replay(client: Any, endpoint: str) -> None:
    events = client("events")
    events.create_event_bus(Name="analytics")
    arn = events.describe_event_bus(Name="analytics")["Arn"]
    events.put_rule(Name="forward", EventPattern='{"source": ["my.app"]}')
    events.put_targets(Rule="forward", Targets=[{"Id": "bus", "Arn": arn}])
    topic = client("sns").create_topic(Name="on-analytics")["TopicArn"]
    events.put_rule(Name="land", EventBusName="analytics", EventPattern='{"source": ["my.app"]}')
    events.put_targets(Rule="land", EventBusName="analytics", Targets=[{"Id": "t", "Arn": topic}])
    archive = events.create_archive(ArchiveName="all", EventSourceArn=arn)["ArchiveArn"]
    events.put_events(Entries=[{"Source": "my.app", "DetailType": "x", "Detail": "{}"}])
    eventually(lambda: any(d["rule"] == "land" for d in _deliveries(endpoint)))
    assert events.describe_archive(ArchiveName="all")["EventCount"] == 1
    events.start_replay(
        ReplayName="again",
        EventSourceArn=archive,
        EventStartTime=datetime(2000, 1, 1, tzinfo=UTC),
        EventEndTime=datetime(2100, 1, 1, tzinfo=UTC),
        Destination={"Arn": arn},
    )
    eventually(lambda: sum(d["rule"] == "land" for d in _deliveries(endpoint)) == 2)
    assert events.describe_replay(ReplayName="again")["State"] == "COMPLETED"
