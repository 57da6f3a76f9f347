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

import asyncio
import json
import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from headwater.runtime.loop import BackgroundLoop, Signal
from headwater.services.base import RequestContext
from headwater.services.errors import ServiceError
from headwater.store import outbox

if TYPE_CHECKING:
    from headwater.services.s3.service import S3Service

__all__ = ["BucketNotifier", "event_record", "matches"]

log = logging.getLogger("headwater.s3")

CONSUMER = "s3.notifications"
_POLL = 1.0  # real seconds: a safety net; commits wake the notifier at once

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


class BucketNotifier:
    """Follows the S3 outbox and hands matching changes to SNS and Lambda."""

    def __init__(self, service: S3Service) -> None:
        self.service = service
        self._signal: Signal | None = None
        self._cursor: int | None = None
        self._persisted: int | None = None
        self._persisted_at = 0.0

    def start(self, bg: BackgroundLoop) -> None:
        """Catch up from the stored cursor, then follow new records."""
        self._signal = Signal(bg)
        outbox.listen("s3", self._signal.set)
        bg.spawn(self._run, "s3-notifications")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._signal is not None
        try:
            while True:
                try:
                    while await loop.run_in_executor(None, self.drain):
                        pass
                except Exception:  # e.g. a reset wiping the store mid-drain: never stop following
                    log.exception("the bucket notifier failed; retrying")
                    self.reset()
                await self._signal.wait(_POLL)
        finally:
            outbox.unlisten("s3", self._signal.set)
            self._persist(force=True)

    def reset(self) -> None:
        """Forget the cached cursor (the store was wiped)."""
        self._cursor = None
        self._persisted = None

    def drain(self, limit: int = 200) -> int:
        """Deliver the next records' notifications; return how many records were consumed.

        Records of buckets with nothing to notify only move the in-memory cursor, written
        back at most once a second, so ordinary writes cost no extra transaction.
        """
        env = self.service.env
        with env.store.read() as conn:
            stored = outbox.cursor(conn, CONSUMER)
            if self._cursor is None or self._cursor > outbox.last_id(conn):
                self._cursor = stored  # first run, or the outbox was wiped
                self._persisted = stored
            records = outbox.read_after(conn, self._cursor, topics=("s3",), limit=limit)
        if not records:
            self._persist(force=False)
            return 0
        configs: dict[str, dict[str, Any]] = {}
        delivered = False
        for rec in records:
            bucket = str(rec.payload["bucket"])
            if bucket not in configs:
                configs[bucket] = self.service.notification_configuration(bucket)
            for target, message in self._notifications(configs[bucket], rec.payload):
                self._deliver(rec.payload, target, message)
                delivered = True
            self._cursor = rec.id
        self._persist(force=delivered)
        return len(records)

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

    def _persist(self, *, force: bool) -> None:
        if self._cursor is None or self._cursor == self._persisted:
            return
        if not force and time.monotonic() - self._persisted_at < 1.0:
            return
        with self.service.env.store.transaction() as conn:
            outbox.advance(conn, CONSUMER, self._cursor)
        self._persisted = self._cursor
        self._persisted_at = time.monotonic()
