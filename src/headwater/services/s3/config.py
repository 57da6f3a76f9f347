"""Bucket and object configuration: notifications, versioning, bucket and object tagging.

Notification configurations are stored as sent (plus the ``Id`` S3 assigns when one is
missing) for EventBridge and :mod:`headwater.services.s3.notify` to act on;
``EventBridgeConfiguration: {}`` is kept as an empty object so it round-trips.
"""

from __future__ import annotations

import copy
import uuid
from datetime import datetime
from typing import Any

from headwater.services.base import RequestContext
from headwater.services.s3 import errors
from headwater.services.s3._core import S3Core
from headwater.services.s3._values import VersioningStatus, check_key, tag_set, tags_from_tag_set
from headwater.store import s3 as port

__all__ = ["ConfigOperations", "NOTIFICATION_EVENTS"]

NOTIFICATION = "notification"
VERSIONING = "versioning"
TAGGING = "tagging"

NOTIFICATION_EVENTS = frozenset(
    {
        "s3:ReducedRedundancyLostObject",
        "s3:ObjectCreated:*",
        "s3:ObjectCreated:Put",
        "s3:ObjectCreated:Post",
        "s3:ObjectCreated:Copy",
        "s3:ObjectCreated:CompleteMultipartUpload",
        "s3:ObjectRemoved:*",
        "s3:ObjectRemoved:Delete",
        "s3:ObjectRemoved:DeleteMarkerCreated",
        "s3:ObjectRestore:*",
        "s3:ObjectRestore:Post",
        "s3:ObjectRestore:Completed",
        "s3:Replication:*",
        "s3:Replication:OperationFailedReplication",
        "s3:Replication:OperationNotTracked",
        "s3:Replication:OperationMissedThreshold",
        "s3:Replication:OperationReplicatedAfterThreshold",
        "s3:ObjectRestore:Delete",
        "s3:LifecycleTransition",
        "s3:IntelligentTiering",
        "s3:ObjectAcl:Put",
        "s3:LifecycleExpiration:*",
        "s3:LifecycleExpiration:Delete",
        "s3:LifecycleExpiration:DeleteMarkerCreated",
        "s3:ObjectTagging:*",
        "s3:ObjectTagging:Put",
        "s3:ObjectTagging:Delete",
    }
)
_TARGET_LISTS = {
    "TopicConfigurations": "TopicArn",
    "QueueConfigurations": "QueueArn",
    "LambdaFunctionConfigurations": "LambdaFunctionArn",
}


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


class ConfigOperations(S3Core):
    """Notification, versioning and tagging configuration."""

    # -- notifications -----------------------------------------------------------------------

    def put_bucket_notification_configuration(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """PutBucketNotificationConfiguration: validate the events, store the document."""
        bucket = str(params["Bucket"])
        config = params.get("NotificationConfiguration")
        if not isinstance(config, dict):
            raise errors.malformed_xml()
        stored = _json_ready(copy.deepcopy(config))
        for list_name, arn_name in _TARGET_LISTS.items():
            entries = stored.get(list_name)
            if entries is None:
                continue
            if not isinstance(entries, list):
                raise errors.malformed_xml()
            for entry in entries:
                if not isinstance(entry, dict) or not entry.get(arn_name):
                    raise errors.malformed_xml()
                events = entry.get("Events")
                if not isinstance(events, list) or not events:
                    raise errors.malformed_xml()
                for event in events:
                    if event not in NOTIFICATION_EVENTS:
                        raise errors.invalid_argument(
                            "The event is not supported for notifications", event, event
                        )
                if not entry.get("Id"):
                    entry["Id"] = str(uuid.uuid4())
        if "EventBridgeConfiguration" in stored and not isinstance(
            stored["EventBridgeConfiguration"], dict
        ):
            stored["EventBridgeConfiguration"] = {}
        with self.env.store.transaction() as conn:
            self._bucket(conn, bucket)
            port.put_config(conn, bucket, NOTIFICATION, stored)
        return {}

    def get_bucket_notification_configuration(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """GetBucketNotificationConfiguration: what was stored, or an empty configuration."""
        bucket = str(params["Bucket"])
        with self.env.store.read() as conn:
            self._bucket(conn, bucket)
            stored = port.get_config(conn, bucket, NOTIFICATION)
        return dict(stored) if isinstance(stored, dict) else {}

    def notification_configuration(self, bucket: str) -> dict[str, Any]:
        """Return a bucket's stored notification configuration ({} if none), for EventBridge."""
        with self.env.store.read() as conn:
            stored = port.get_config(conn, bucket, NOTIFICATION)
        return dict(stored) if isinstance(stored, dict) else {}

    # -- versioning --------------------------------------------------------------------------

    def put_bucket_versioning(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """PutBucketVersioning: stored; new objects get version ids while Enabled.

        Only the current version of an object is kept (older versions are not retained).
        """
        bucket = str(params["Bucket"])
        config = params.get("VersioningConfiguration")
        if not isinstance(config, dict):
            raise errors.malformed_xml()
        status = config.get("Status")
        try:
            status = VersioningStatus(str(status))
        except ValueError:
            raise errors.malformed_xml() from None
        value: dict[str, Any] = {"Status": str(status)}
        if config.get("MFADelete"):
            if config["MFADelete"] not in ("Enabled", "Disabled"):
                raise errors.malformed_xml()
            value["MFADelete"] = config["MFADelete"]
        with self.env.store.transaction() as conn:
            self._bucket(conn, bucket)
            port.put_config(conn, bucket, VERSIONING, value)
        return {}

    def get_bucket_versioning(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetBucketVersioning: {} until versioning was ever set."""
        bucket = str(params["Bucket"])
        with self.env.store.read() as conn:
            self._bucket(conn, bucket)
            stored = port.get_config(conn, bucket, VERSIONING)
        return dict(stored) if isinstance(stored, dict) else {}

    # -- bucket tagging ----------------------------------------------------------------------

    def put_bucket_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """PutBucketTagging: replace the bucket's tags (at most 50)."""
        bucket = str(params["Bucket"])
        tags = tags_from_tag_set(params.get("Tagging"), "bucket")
        with self.env.store.transaction() as conn:
            self._bucket(conn, bucket)
            port.put_config(conn, bucket, TAGGING, tags)
        return {"ResponseMetadata": {"HTTPStatusCode": 204}}

    def get_bucket_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetBucketTagging: the tags, or NoSuchTagSet."""
        bucket = str(params["Bucket"])
        with self.env.store.read() as conn:
            self._bucket(conn, bucket)
            tags = port.get_config(conn, bucket, TAGGING)
        if not tags:
            raise errors.no_such_tag_set(bucket)
        return {"TagSet": tag_set(tags)}

    def delete_bucket_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteBucketTagging: 204."""
        bucket = str(params["Bucket"])
        with self.env.store.transaction() as conn:
            self._bucket(conn, bucket)
            port.delete_config(conn, bucket, TAGGING)
        return {"ResponseMetadata": {"HTTPStatusCode": 204}}

    # -- object tagging ----------------------------------------------------------------------

    def _version_of(self, params: dict[str, Any], version_id: str | None) -> dict[str, Any]:
        requested = params.get("VersionId")
        if requested is not None and requested != (version_id or "null"):
            raise errors.S3Error(
                "NoSuchVersion",
                "The specified version does not exist.",
                status=404,
                fields={"Key": params.get("Key"), "VersionId": requested},
            )
        return {"VersionId": version_id} if version_id is not None else {}

    def put_object_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """PutObjectTagging: replace the object's tags (at most 10)."""
        bucket, key = str(params["Bucket"]), check_key(params["Key"])
        tags = tags_from_tag_set(params.get("Tagging"), "object")
        with self.env.store.transaction() as conn:
            self._bucket(conn, bucket)
            obj = self._object(conn, bucket, key)
            out = self._version_of(params, obj.version_id)
            port.set_object_tags(conn, bucket, key, tags)
        return out

    def get_object_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetObjectTagging: the tags (an empty TagSet when there are none)."""
        bucket, key = str(params["Bucket"]), check_key(params["Key"])
        with self.env.store.read() as conn:
            self._bucket(conn, bucket)
            obj = self._object(conn, bucket, key)
        return {**self._version_of(params, obj.version_id), "TagSet": tag_set(obj.tags)}

    def delete_object_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteObjectTagging: 204."""
        bucket, key = str(params["Bucket"]), check_key(params["Key"])
        with self.env.store.transaction() as conn:
            self._bucket(conn, bucket)
            obj = self._object(conn, bucket, key)
            out = self._version_of(params, obj.version_id)
            port.set_object_tags(conn, bucket, key, {})
        return {**out, "ResponseMetadata": {"HTTPStatusCode": 204}}
