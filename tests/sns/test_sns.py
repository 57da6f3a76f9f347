"""SNS through boto3 and the aws CLI: topics, subscriptions, and delivery to every protocol."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.e2e

TOPIC = "arn:aws:sns:us-east-1:000000000000"
ROLE = "arn:aws:iam::000000000000:role/r"


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    resp = exc.value.response
    return (
        resp["ResponseMetadata"]["HTTPStatusCode"],
        resp["Error"]["Code"],
        resp["Error"]["Message"],
    )


def _confirm_link(body: str) -> str:
    m = re.search(r"(http://\S+Action=ConfirmSubscription\S+)", body)
    assert m, body
    return m.group(1)


def test_topics(sns: Any) -> None:
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    assert arn == f"{TOPIC}:alerts"
    assert sns.create_topic(Name="alerts")["TopicArn"] == arn  # idempotent by name
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Alerts")
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["TopicArn"] == arn
    assert attrs["DisplayName"] == "Alerts"
    assert attrs["Owner"] == "000000000000"
    assert attrs["SubscriptionsConfirmed"] == "0"
    assert json.loads(attrs["Policy"])["Statement"][0]["Resource"] == arn
    with pytest.raises(ClientError) as differs:
        sns.create_topic(Name="alerts", Attributes={"DisplayName": "Other"})
    assert _error(differs)[:2] == (400, "InvalidParameter")
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "data"}])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "data"}]
    fifo = sns.create_topic(
        Name="orders.fifo",
        Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"},
    )["TopicArn"]
    assert [t["TopicArn"] for t in sns.list_topics()["Topics"]] == [arn, fifo]
    with pytest.raises(ClientError) as bad_name:
        sns.create_topic(Name="bad.fifo")
    assert _error(bad_name)[1] == "InvalidParameter"
    sns.delete_topic(TopicArn=arn)
    with pytest.raises(ClientError) as missing:
        sns.get_topic_attributes(TopicArn=arn)
    assert _error(missing) == (404, "NotFound", "Topic does not exist")
    with pytest.raises(ClientError) as publish_missing:
        sns.publish(TopicArn=arn, Message="x")
    assert _error(publish_missing) == (404, "NotFound", "Topic does not exist")


def test_email_subscription_confirmation_and_delivery(
    sns: Any, sns_service: Any, wait_for: Callable[..., Any], server: Any
) -> None:
    arn = sns.create_topic(Name="dataeng-failure-notification")["TopicArn"]
    sub = sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="Ops@Example.com")
    assert sub["SubscriptionArn"] == "pending confirmation"
    listed = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert listed == [
        {
            "SubscriptionArn": "PendingConfirmation",
            "Owner": "000000000000",
            "Protocol": "email",
            "Endpoint": "Ops@Example.com",
            "TopicArn": arn,
        }
    ]
    sns.publish(TopicArn=arn, Message="before confirmation: not delivered")
    confirmation = wait_for(lambda: sns_service.mailbox("ops@example.com"))
    assert len(confirmation) == 1
    assert confirmation[0]["subject"] == "AWS Notification - Subscription Confirmation"
    assert arn in confirmation[0]["body"]
    token = re.search(r"Token=([0-9a-f]+)", confirmation[0]["body"]).group(1)
    with pytest.raises(ClientError) as bad_token:
        sns.confirm_subscription(TopicArn=arn, Token="0" * 128)
    assert _error(bad_token) == (400, "InvalidParameter", "Invalid parameter: Token")
    confirmed = sns.confirm_subscription(TopicArn=arn, Token=token)["SubscriptionArn"]
    assert confirmed.startswith(arn + ":")
    attrs = sns.get_subscription_attributes(SubscriptionArn=confirmed)["Attributes"]
    assert attrs["PendingConfirmation"] == "false"

    message = json.dumps({"key": "chapter10/test.csv", "Payload": {"Error": "InvalidFileFormat"}})
    msg_id = sns.publish(TopicArn=arn, Message=message, Subject="Pipeline failed")["MessageId"]
    mails = wait_for(
        lambda: (
            len(sns_service.mailbox("ops@example.com")) == 2
            and sns_service.mailbox("ops@example.com")
        )
    )
    mail = mails[1]
    assert mail["subject"] == "Pipeline failed"
    assert mail["to"] == "Ops@Example.com"
    assert mail["body"].startswith(message)
    assert "Action=Unsubscribe" in mail["body"]
    assert (
        Path(mail["path"]).parent
        == Path(server.app.env.data_dir) / "sns" / "email" / "ops@example.com"
    )
    records = sns_service.deliveries(message_id=msg_id)
    assert [(r["Protocol"], r["State"], r["Attempts"]) for r in records] == [
        ("email", "delivered", 1)
    ]
    # The CLI listing of the mailbox.
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "headwater.cli.main",
            "mail",
            "ops@example.com",
            "--data-dir",
            str(server.app.env.data_dir),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert "Pipeline failed" in out
    assert "AWS Notification - Subscription Confirmation" in out


def test_confirmation_link_confirms_on_a_get(
    sns: Any, sns_service: Any, wait_for: Callable[..., Any]
) -> None:
    arn = sns.create_topic(Name="linked")["TopicArn"]
    sns.subscribe(TopicArn=arn, Protocol="email-json", Endpoint="dev@example.com")
    mail = wait_for(lambda: sns_service.mailbox("dev@example.com"))[0]
    with urllib.request.urlopen(_confirm_link(mail["body"]), timeout=10) as resp:
        assert b"ConfirmSubscriptionResult" in resp.read()
    subs = sns.list_subscriptions()["Subscriptions"]
    assert subs[0]["SubscriptionArn"].startswith(arn + ":")
    sns.publish(
        TopicArn=arn,
        Message="hello",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "greeting"}},
    )
    mails = wait_for(
        lambda: (
            len(sns_service.mailbox("dev@example.com")) == 2
            and sns_service.mailbox("dev@example.com")
        )
    )
    envelope = json.loads(mails[1]["body"])
    assert envelope["Type"] == "Notification"
    assert envelope["TopicArn"] == arn
    assert envelope["Message"] == "hello"
    assert envelope["MessageAttributes"] == {"kind": {"Type": "String", "Value": "greeting"}}
    assert envelope["SignatureVersion"] == "1"
    assert "UnsubscribeURL" in envelope


def test_lambda_subscriber_gets_the_sns_event(
    sns: Any, client: Callable[..., Any], zipped: Callable[..., bytes], wait_for: Callable[..., Any]
) -> None:
    lam = client("lambda")
    fn = lam.create_function(
        FunctionName="on-alert",
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={
            "ZipFile": zipped(
                {
                    "app.py": (
                        "import json\n"
                        "def handler(event, context):\n"
                        "    print('EVENT ' + json.dumps(event))\n"
                    )
                }
            )
        },
    )["FunctionArn"]
    arn = sns.create_topic(Name="to-lambda")["TopicArn"]
    sub_arn = sns.subscribe(TopicArn=arn, Protocol="lambda", Endpoint=fn)["SubscriptionArn"]
    assert sub_arn.startswith(arn + ":")
    msg_id = sns.publish(
        TopicArn=arn,
        Message="file arrived",
        Subject="S3",
        MessageAttributes={"size": {"DataType": "Number", "StringValue": "42"}},
    )["MessageId"]
    logs = client("logs")

    def events() -> list[dict[str, Any]]:
        try:
            found = logs.filter_log_events(
                logGroupName="/aws/lambda/on-alert", filterPattern="EVENT"
            )
        except logs.exceptions.ResourceNotFoundException:
            return []
        return [json.loads(e["message"][len("EVENT ") :]) for e in found["events"]]

    event = wait_for(events)[0]
    record = event["Records"][0]
    assert record["EventSource"] == "aws:sns"
    assert record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == sub_arn
    body = record["Sns"]
    assert body["Type"] == "Notification"
    assert body["MessageId"] == msg_id
    assert body["TopicArn"] == arn
    assert body["Subject"] == "S3"
    assert body["Message"] == "file arrived"
    assert body["MessageAttributes"] == {"size": {"Type": "Number", "Value": "42"}}
    assert body["Timestamp"].endswith("Z")
    assert {"SigningCertUrl", "UnsubscribeUrl", "Signature"} <= set(body)


def test_http_subscriber_confirms_then_gets_notifications_with_retries(
    sns: Any,
    sns_service: Any,
    http_subscriber: Any,
    wait_for: Callable[..., Any],
    clock: Any,
) -> None:
    arn = sns.create_topic(Name="hooks")["TopicArn"]
    sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=http_subscriber.url)
    wait_for(
        lambda: (
            sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"][0]["SubscriptionArn"]
            != "PendingConfirmation"
        )
    )
    first = http_subscriber.requests[0]
    assert first["headers"]["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    assert json.loads(first["body"])["Type"] == "SubscriptionConfirmation"
    http_subscriber.fail_next = 1
    msg_id = sns.publish(TopicArn=arn, Message="ping")["MessageId"]
    wait_for(lambda: sns_service.deliveries(message_id=msg_id)[0]["Attempts"] == 1)
    assert sns_service.deliveries(message_id=msg_id)[0]["State"] == "pending"
    clock.advance(20)  # SNS's default HTTP policy: the next try 20 s later
    wait_for(lambda: sns_service.deliveries(message_id=msg_id)[0]["State"] == "delivered")
    note = http_subscriber.requests[-1]
    assert note["headers"]["x-amz-sns-message-type"] == "Notification"
    assert note["headers"]["x-amz-sns-message-id"] == msg_id
    assert note["headers"]["x-amz-sns-topic-arn"] == arn
    assert json.loads(note["body"])["Message"] == "ping"
    with pytest.raises(ClientError) as remote:
        sns.subscribe(TopicArn=arn, Protocol="https", Endpoint="https://example.com/hook")
    assert _error(remote)[1] == "InvalidParameter"


def test_smtp_delivery(
    sns: Any,
    sns_service: Any,
    smtp_server: Any,
    server: Any,
    wait_for: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(server.app.env.extras, "smtp_url", smtp_server.url)
    arn = sns.create_topic(Name="mailed")["TopicArn"]
    sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="oncall@example.com")
    wait_for(lambda: smtp_server.messages)
    assert smtp_server.messages[0]["to"] == ["<oncall@example.com>"]
    assert "Subscription Confirmation" in smtp_server.messages[0]["data"]
    token = re.search(
        r"Token=([0-9a-f]+)", sns_service.mailbox("oncall@example.com")[0]["body"]
    ).group(1)
    sns.confirm_subscription(TopicArn=arn, Token=token)
    sns.publish(TopicArn=arn, Message="over SMTP", Subject="Hello")
    wait_for(lambda: len(smtp_server.messages) == 2)
    assert "Subject: Hello" in smtp_server.messages[1]["data"]
    assert "over SMTP" in smtp_server.messages[1]["data"]


def test_message_structure_filter_policy_and_batch(
    sns: Any,
    sns_service: Any,
    wait_for: Callable[..., Any],
    client: Callable[..., Any],
    zipped: Callable[..., bytes],
) -> None:
    arn = sns.create_topic(Name="routed")["TopicArn"]
    lam = client("lambda")
    fn = lam.create_function(
        FunctionName="csv-only",
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={
            "ZipFile": zipped(
                {
                    "app.py": (
                        "def handler(e, c):\n"
                        "    print('GOT ' + e['Records'][0]['Sns']['Message'])\n"
                    )
                }
            )
        },
    )["FunctionArn"]
    sub = sns.subscribe(
        TopicArn=arn,
        Protocol="lambda",
        Endpoint=fn,
        Attributes={
            "FilterPolicy": json.dumps(
                {"ext": [".csv", {"prefix": ".tsv"}], "size": [{"numeric": [">", 10]}]}
            )
        },
    )["SubscriptionArn"]
    assert (
        json.loads(
            sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["FilterPolicy"]
        )["ext"][0]
        == ".csv"
    )
    with pytest.raises(ClientError) as structure:
        sns.publish(TopicArn=arn, Message=json.dumps({"lambda": "x"}), MessageStructure="json")
    assert (
        _error(structure)[2]
        == "Invalid parameter: Message Structure - No default entry in JSON message body"
    )

    def attrs(ext: str, size: int) -> dict[str, Any]:
        return {
            "ext": {"DataType": "String", "StringValue": ext},
            "size": {"DataType": "Number", "StringValue": str(size)},
        }

    batch = sns.publish_batch(
        TopicArn=arn,
        PublishBatchRequestEntries=[
            {
                "Id": "a",
                "Message": json.dumps({"default": "d", "lambda": "for lambda"}),
                "MessageStructure": "json",
                "MessageAttributes": attrs(".csv", 20),
            },
            {"Id": "b", "Message": "too small", "MessageAttributes": attrs(".csv", 5)},
            {"Id": "c", "Message": "wrong ext", "MessageAttributes": attrs(".pdf", 50)},
            {"Id": "d", "Message": "", "MessageAttributes": attrs(".csv", 50)},
        ],
    )
    assert [s["Id"] for s in batch["Successful"]] == ["a", "b", "c"]
    assert batch["Failed"] == [
        {
            "Id": "d",
            "Code": "InvalidParameter",
            "Message": "Invalid parameter: Empty message",
            "SenderFault": True,
        }
    ]
    delivered = [d for d in sns_service.deliveries(topic_arn=arn)]
    assert len(delivered) == 1
    logs = client("logs")
    got = wait_for(lambda: _safe_filter(logs, "/aws/lambda/csv-only", "GOT"))
    assert [e["message"] for e in got] == ["GOT for lambda\n"]
    with pytest.raises(ClientError) as dup:
        sns.publish_batch(
            TopicArn=arn,
            PublishBatchRequestEntries=[{"Id": "x", "Message": "1"}, {"Id": "x", "Message": "2"}],
        )
    assert _error(dup)[1] == "BatchEntryIdsNotDistinct"


def _safe_filter(logs: Any, group: str, pattern: str) -> list[dict[str, Any]]:
    try:
        return list(logs.filter_log_events(logGroupName=group, filterPattern=pattern)["events"])
    except logs.exceptions.ResourceNotFoundException:
        return []


def test_fifo_topic_rules(sns: Any) -> None:
    arn = sns.create_topic(Name="jobs.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    with pytest.raises(ClientError) as no_group:
        sns.publish(TopicArn=arn, Message="x")
    assert (
        _error(no_group)[2]
        == "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"
    )
    with pytest.raises(ClientError) as no_dedup:
        sns.publish(TopicArn=arn, Message="x", MessageGroupId="g")
    assert "ContentBasedDeduplication" in _error(no_dedup)[2]
    first = sns.publish(TopicArn=arn, Message="x", MessageGroupId="g", MessageDeduplicationId="d1")
    again = sns.publish(TopicArn=arn, Message="x", MessageGroupId="g", MessageDeduplicationId="d1")
    assert again["MessageId"] == first["MessageId"]
    nxt = sns.publish(TopicArn=arn, Message="y", MessageGroupId="g", MessageDeduplicationId="d2")
    assert int(nxt["SequenceNumber"]) == int(first["SequenceNumber"]) + 1


def test_cli_topic_subscribe_publish(
    aws: Callable[..., Any], sns_service: Any, wait_for: Callable[..., Any]
) -> None:
    arn = json.loads(aws("sns", "create-topic", "--name", "cli-topic").stdout)["TopicArn"]
    aws(
        "sns",
        "subscribe",
        "--topic-arn",
        arn,
        "--protocol",
        "email",
        "--notification-endpoint",
        "me@example.com",
    )
    mail = wait_for(lambda: sns_service.mailbox("me@example.com"))[0]
    token = re.search(r"Token=([0-9a-f]+)", mail["body"]).group(1)
    aws("sns", "confirm-subscription", "--topic-arn", arn, "--token", token)
    out = json.loads(aws("sns", "publish", "--topic-arn", arn, "--message", "from the cli").stdout)
    assert out["MessageId"]
    mails = wait_for(
        lambda: (
            len(sns_service.mailbox("me@example.com")) == 2
            and sns_service.mailbox("me@example.com")
        )
    )
    assert mails[1]["body"].startswith("from the cli")
    subs = json.loads(aws("sns", "list-subscriptions-by-topic", "--topic-arn", arn).stdout)
    aws("sns", "unsubscribe", "--subscription-arn", subs["Subscriptions"][0]["SubscriptionArn"])
    assert json.loads(aws("sns", "list-subscriptions").stdout)["Subscriptions"] == []


def test_failed_async_lambda_goes_to_an_sns_email(
    sns: Any,
    sns_service: Any,
    client: Callable[..., Any],
    zipped: Callable[..., bytes],
    wait_for: Callable[..., Any],
) -> None:
    arn = sns.create_topic(Name="lambda-failures")["TopicArn"]
    sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="team@example.com")
    token = re.search(
        r"Token=([0-9a-f]+)", wait_for(lambda: sns_service.mailbox("team@example.com"))[0]["body"]
    ).group(1)
    sns.confirm_subscription(TopicArn=arn, Token=token)
    lam = client("lambda")
    lam.create_function(
        FunctionName="random-failure",
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zipped({"app.py": "def handler(e, c):\n    return 10 / 0\n"})},
    )
    lam.put_function_event_invoke_config(
        FunctionName="random-failure",
        MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": arn}},
    )
    lam.invoke(FunctionName="random-failure", InvocationType="Event", Payload=b'{"key": "a.csv"}')
    mails = wait_for(
        lambda: (
            len(sns_service.mailbox("team@example.com")) == 2
            and sns_service.mailbox("team@example.com")
        )
    )
    record = json.loads(mails[1]["body"].split("\n\n--\n")[0])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["responsePayload"]["errorType"] == "ZeroDivisionError"
    assert record["responsePayload"]["errorMessage"] == "division by zero"
