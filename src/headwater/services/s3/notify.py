"""Classic bucket notifications: S3 event records to SNS topics and Lambda functions.

A bucket's ``TopicConfigurations`` and ``LambdaFunctionConfigurations`` (event types such as
``s3:ObjectCreated:*`` and ``prefix`` / ``suffix`` key filters) are acted on by a consumer of
the S3 outbox, the same change records EventBridge reads. Each matching change becomes S3's
event message (``{"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", ...}]}``):
published to the topic with the subject "Amazon S3 Notification", or sent to the function
as an asynchronous invoke (whose own queue retries it). Delivery is at least once: the cursor
moves after the hand-off, so a crash in between hands the record over again on restart.

``QueueConfigurations`` are stored but not delivered: Headwater has no SQS.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from headwater.runtime.follower import OutboxFollower
from headwater.services.base import RequestContext
from headwater.services.errors import ServiceError
from headwater.store import outbox

if TYPE_CHECKING:
    from headwater.services.s3.service import S3Service

__all__ = ["BucketNotifier", "event_record", "matches"]

log = logging.getLogger("headwater.s3")

CONSUMER = "s3.notifications"

# The outbox's eventName (the API call) -> the S3 notification event name.
_CREATED = {
    "PutObject": "ObjectCreated:Put",
    "PostObject": "ObjectCreated:Post",
    "CopyObject": "ObjectCreated:Copy",
    "CompleteMultipartUpload": "ObjectCreated:CompleteMultipartUpload",
}
_TARGETS = (
    ("TopicConfigurations", "TopicArn"),
    ("LambdaFunctionConfigurations", "LambdaFunctionArn"),
)


def notification_name(record: dict[str, Any]) -> str:
    """``ObjectCreated:Put``, ``ObjectRemoved:Delete``... for one outbox change record."""
    if record.get("event_type") == "ObjectRemoved":
        if record.get("deletion_type") == "Delete Marker Created":
            return "ObjectRemoved:DeleteMarkerCreated"
        return "ObjectRemoved:Delete"
    return _CREATED.get(str(record.get("event_name")), "ObjectCreated:Put")


def matches(entry: dict[str, Any], name: str, key: str) -> bool:
    """Whether a notification configuration entry wants event ``name`` on ``key``."""
    family = name.split(":", 1)[0]
    events = entry.get("Events") or []
    if f"s3:{name}" not in events and f"s3:{family}:*" not in events:
        return False
    rules = ((entry.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []
    for rule in rules:
        kind = str(rule.get("Name", "")).lower()
        value = str(rule.get("Value", ""))
        if kind == "prefix" and not key.startswith(value):
            return False
        if kind == "suffix" and not key.endswith(value):
            return False
    return True


def event_record(record: dict[str, Any], configuration_id: str, *, account: str) -> dict[str, Any]:
    """S3's event message (one record) for an outbox change record."""
    name = notification_name(record)
    obj: dict[str, Any] = {"key": quote_plus(str(record["key"]), safe="/")}
    if name.startswith("ObjectCreated"):
        obj["size"] = record.get("size", 0)
        obj["eTag"] = str(record.get("etag", "")).strip('"')
    if record.get("version_id"):
        obj["versionId"] = record["version_id"]
    obj["sequencer"] = record.get("sequencer", "")
    bucket = str(record["bucket"])
    owner = str(record.get("bucket_owner") or account)
    item = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": record.get("region", "us-east-1"),
        "eventTime": record.get("time", ""),
        "eventName": name,
        "userIdentity": {"principalId": f"AWS:{record.get('requester') or account}"},
        "requestParameters": {"sourceIPAddress": record.get("source_ip", "127.0.0.1")},
        "responseElements": {
            "x-amz-request-id": record.get("request_id", ""),
            "x-amz-id-2": record.get("request_id", ""),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": owner},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": obj,
        },
    }
    return {"Records": [item]}


class BucketNotifier(OutboxFollower):
    """Follows the S3 outbox and hands matching changes to SNS and Lambda."""

    def __init__(self, service: S3Service) -> None:
        super().__init__(service.env.store, consumer=CONSUMER, topic="s3", name="s3-notifications")
        self.service = service

    def handle(self, records: Sequence[outbox.OutboxRecord]) -> bool:
        """Deliver the notifications these records make; True when any was delivered."""
        configs: dict[str, dict[str, Any]] = {}
        delivered = False
        for rec in records:
            bucket = str(rec.payload["bucket"])
            if bucket not in configs:
                configs[bucket] = self.service.notification_configuration(bucket)
            for target, message in self._notifications(configs[bucket], rec.payload):
                self._deliver(rec.payload, target, message)
                delivered = True
        return delivered

    def _notifications(
        self, config: dict[str, Any], record: dict[str, Any]
    ) -> Iterable[tuple[str, dict[str, Any]]]:
        name = notification_name(record)
        key = str(record["key"])
        account = self.service.env.account_id
        for list_name, arn_name in _TARGETS:
            for entry in config.get(list_name) or []:
                if isinstance(entry, dict) and matches(entry, name, key):
                    yield (
                        str(entry[arn_name]),
                        event_record(record, str(entry.get("Id", "")), account=account),
                    )

    def _deliver(self, record: dict[str, Any], target: str, message: dict[str, Any]) -> None:
        registry = self.service.env.registry
        parts = target.split(":")
        if registry is None or len(parts) < 6:
            log.warning("s3 notification to %s dropped: not a topic or function ARN", target)
            return
        ctx = RequestContext(
            request_id=str(record.get("request_id") or "s3-notification"),
            region=parts[3] or str(record.get("region", "us-east-1")),
            account_id=parts[4] or self.service.env.account_id,
            service=parts[2],
        )
        body = json.dumps(message, separators=(",", ":"))
        try:
            if parts[2] == "sns":
                registry.call(
                    ctx,
                    "sns",
                    "Publish",
                    {"TopicArn": target, "Subject": "Amazon S3 Notification", "Message": body},
                )
            elif parts[2] == "lambda":
                registry.call(
                    ctx,
                    "lambda",
                    "Invoke",
                    {"FunctionName": target, "InvocationType": "Event", "Payload": body.encode()},
                )
        except ServiceError as exc:
            log.warning(
                "s3 notification for s3://%s/%s to %s failed: %s %s",
                record.get("bucket"),
                record.get("key"),
                target,
                exc.code,
                exc.message,
            )
