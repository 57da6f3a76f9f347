"""Classic S3 bucket notifications delivered to a Lambda function and to an SNS topic."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

ROLE = "arn:aws:iam::000000000000:role/lambda-role"

RECORDER = "import json\ndef handler(event, context):\n    print('EVENT ' + json.dumps(event))\n"


def _logged(client: Callable[..., Any], name: str) -> list[dict[str, Any]]:
    logs = client("logs")
    try:
        found = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}", filterPattern="EVENT")
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [json.loads(e["message"][len("EVENT ") :]) for e in found["events"]]


def test_bucket_notifications_reach_lambda_and_sns(
    sns: Any, client: Callable[..., Any], zipped: Callable[..., bytes], wait_for: Callable[..., Any]
) -> None:
    lam = client("lambda")
    code = {"ZipFile": zipped({"app.py": RECORDER})}
    on_csv = lam.create_function(
        FunctionName="on-csv", Runtime="python3.11", Role=ROLE, Handler="app.handler", Code=code
    )["FunctionArn"]
    on_topic = lam.create_function(
        FunctionName="on-topic", Runtime="python3.11", Role=ROLE, Handler="app.handler", Code=code
    )["FunctionArn"]
    topic = sns.create_topic(Name="removals")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=on_topic)
    s3 = client("s3")
    s3.create_bucket(Bucket="landing")
    s3.put_bucket_notification_configuration(
        Bucket="landing",
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "Id": "csv-arrivals",
                    "LambdaFunctionArn": on_csv,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {
                        "Key": {
                            "FilterRules": [
                                {"Name": "prefix", "Value": "raw/"},
                                {"Name": "suffix", "Value": ".csv"},
                            ]
                        }
                    },
                }
            ],
            "TopicConfigurations": [
                {"Id": "removed", "TopicArn": topic, "Events": ["s3:ObjectRemoved:Delete"]}
            ],
        },
    )
    s3.put_object(Bucket="landing", Key="raw/notes.txt", Body=b"not a csv")
    s3.put_object(Bucket="landing", Key="other/a.csv", Body=b"wrong prefix")
    put = s3.put_object(Bucket="landing", Key="raw/new orders.csv", Body=b"id\n1\n")
    s3.delete_object(Bucket="landing", Key="raw/notes.txt")

    created = wait_for(lambda: _logged(client, "on-csv"))
    assert len(created) == 1
    record = created[0]["Records"][0]
    assert record["eventVersion"] == "2.1"
    assert record["eventSource"] == "aws:s3"
    assert record["awsRegion"] == "us-east-1"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["eventTime"].endswith("Z")
    body = record["s3"]
    assert body["configurationId"] == "csv-arrivals"
    assert body["bucket"]["name"] == "landing"
    assert body["bucket"]["arn"] == "arn:aws:s3:::landing"
    assert body["object"]["key"] == "raw/new+orders.csv"  # URL-encoded, as S3 sends it
    assert body["object"]["size"] == 5
    assert body["object"]["eTag"] == put["ETag"].strip('"')
    assert body["object"]["sequencer"]

    published = wait_for(lambda: _logged(client, "on-topic"))
    note = published[0]["Records"][0]["Sns"]
    assert note["TopicArn"] == topic
    assert note["Subject"] == "Amazon S3 Notification"
    removed = json.loads(note["Message"])["Records"][0]
    assert removed["eventName"] == "ObjectRemoved:Delete"
    assert removed["s3"]["configurationId"] == "removed"
    assert removed["s3"]["object"]["key"] == "raw/notes.txt"
    assert "size" not in removed["s3"]["object"]
    # The other writes matched nothing: exactly one event each.
    assert len(_logged(client, "on-csv")) == 1
    assert len(_logged(client, "on-topic")) == 1
