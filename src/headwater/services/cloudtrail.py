"""CloudTrail: trails, event selectors, logging state, and which S3 data events they record.

A logging trail whose selectors cover an S3 object write turns it into an "AWS API Call via
CloudTrail" event on the default bus (built by :func:`s3_data_event`; delivered by the
EventBridge service's outbox bridge).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from headwater.services.base import RequestContext, Service
from headwater.services.errors import ServiceError
from headwater.store.cloudtrail import TrailRow, TrailStore

__all__ = ["CloudTrailService", "s3_data_event", "trail_selects"]

_DATA_TYPES = {
    "AWS::S3::Object",
    "AWS::Lambda::Function",
    "AWS::DynamoDB::Table",
    "AWS::S3Outposts::Object",
    "AWS::S3::AccessPoint",
}
_ADVANCED_FIELDS = {
    "eventCategory",
    "resources.type",
    "resources.ARN",
    "readOnly",
    "eventName",
    "eventSource",
    "eventType",
    "sessionCredentialFromConsole",
    "userIdentity.arn",
    "errorCode",
    "vpcEndpointId",
    "eventTypeName",
}
_DEFAULT_SELECTORS = [
    {
        "ReadWriteType": "All",
        "IncludeManagementEvents": True,
        "DataResources": [],
        "ExcludeManagementEventSources": [],
    }
]


def _not_found(name: str, account: str, region: str) -> ServiceError:
    arn = name if name.startswith("arn:") else f"arn:aws:cloudtrail:{region}:{account}:trail/{name}"
    return ServiceError("TrailNotFoundException", f"Unknown trail: {arn} for the user: {account}")


class CloudTrailService(Service):
    """The trail API; data-event selection is :func:`trail_selects`."""

    service_name = "cloudtrail"

    def _arn(self, ctx: RequestContext, name: str) -> str:
        if name.startswith("arn:"):
            return name
        return f"arn:aws:cloudtrail:{ctx.region}:{ctx.account_id}:trail/{name}"

    def _find(self, conn: Any, ctx: RequestContext, name: str) -> TrailRow:
        if name.startswith("arn:"):
            trail = TrailStore.get(conn, name)
        else:
            trail = next(
                (
                    t
                    for t in TrailStore.all(conn)
                    if t.name == name
                    and (t.home_region == ctx.region or t.config.get("IsMultiRegionTrail"))
                ),
                None,
            )
        if trail is None:
            raise _not_found(name, ctx.account_id, ctx.region)
        return trail

    def _out(self, t: TrailRow) -> dict[str, Any]:
        c = t.config
        out: dict[str, Any] = {
            "Name": t.name,
            "S3BucketName": c.get("S3BucketName"),
            "IncludeGlobalServiceEvents": c.get("IncludeGlobalServiceEvents", True),
            "IsMultiRegionTrail": c.get("IsMultiRegionTrail", False),
            "HomeRegion": t.home_region,
            "TrailARN": t.arn,
            "LogFileValidationEnabled": c.get("EnableLogFileValidation", False),
            "HasCustomEventSelectors": t.event_selectors is not None
            or t.advanced_selectors is not None,
            "HasInsightSelectors": False,
            "IsOrganizationTrail": c.get("IsOrganizationTrail", False),
        }
        for key in (
            "S3KeyPrefix",
            "SnsTopicName",
            "CloudWatchLogsLogGroupArn",
            "CloudWatchLogsRoleArn",
            "KmsKeyId",
        ):
            if c.get(key):
                out[key] = c[key]
        return out

    def create_trail(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateTrail: the log bucket must exist."""
        name = params["Name"]
        registry = self.env.registry
        if registry is not None and registry.get("s3") is not None:
            try:
                registry.call(ctx, "s3", "HeadBucket", {"Bucket": params["S3BucketName"]})
            except ServiceError as exc:
                raise ServiceError(
                    "S3BucketDoesNotExistException",
                    f"S3 bucket {params['S3BucketName']} does not exist.",
                ) from exc
        arn = self._arn(ctx, name)
        config = {k: v for k, v in params.items() if k not in ("Name", "TagsList")}
        trail = TrailRow(
            arn=arn,
            name=name,
            home_region=ctx.region,
            config=config,
            tags=params.get("TagsList", []),
        )
        with self.env.store.transaction() as conn:
            if TrailStore.get(conn, arn):
                raise ServiceError(
                    "TrailAlreadyExistsException",
                    f"Trail {name} already exists for customer: {ctx.account_id}",
                )
            TrailStore.put(conn, trail)
        out = self._out(trail)
        out.pop("HomeRegion", None)
        out.pop("HasCustomEventSelectors", None)
        out.pop("HasInsightSelectors", None)
        return out

    def get_trail(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetTrail."""
        with self.env.store.read() as conn:
            return {"Trail": self._out(self._find(conn, ctx, params["Name"]))}

    def describe_trails(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DescribeTrails (all trails, or the names/ARNs listed)."""
        names = params.get("trailNameList")
        with self.env.store.read() as conn:
            if names:
                found = []
                for n in names:
                    try:
                        found.append(self._find(conn, ctx, n))
                    except ServiceError:
                        continue
            else:
                found = [
                    t
                    for t in TrailStore.all(conn)
                    if t.home_region == ctx.region or t.config.get("IsMultiRegionTrail")
                ]
        return {"trailList": [self._out(t) for t in found]}

    def list_trails(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListTrails."""
        with self.env.store.read() as conn:
            found = TrailStore.all(conn)
        return {
            "Trails": [
                {"TrailARN": t.arn, "Name": t.name, "HomeRegion": t.home_region} for t in found
            ]
        }

    def delete_trail(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteTrail."""
        with self.env.store.transaction() as conn:
            TrailStore.delete(conn, self._find(conn, ctx, params["Name"]).arn)
        return {}

    def _set_logging(self, ctx: RequestContext, name: str, on: bool) -> dict[str, Any]:
        now = self.env.clock.now()
        with self.env.store.transaction() as conn:
            t = self._find(conn, ctx, name)
            if on:
                t = replace(t, is_logging=True, start_logging=now)
            else:
                t = replace(t, is_logging=False, stop_logging=now)
            TrailStore.put(conn, t)
        return {}

    def start_logging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """StartLogging."""
        return self._set_logging(ctx, params["Name"], True)

    def stop_logging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """StopLogging."""
        return self._set_logging(ctx, params["Name"], False)

    def get_trail_status(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetTrailStatus."""
        with self.env.store.read() as conn:
            t = self._find(conn, ctx, params["Name"])
        out: dict[str, Any] = {"IsLogging": t.is_logging}
        if t.start_logging:
            out["StartLoggingTime"] = t.start_logging
            out["TimeLoggingStarted"] = _iso(t.start_logging)
        if t.stop_logging:
            out["StopLoggingTime"] = t.stop_logging
            out["TimeLoggingStopped"] = _iso(t.stop_logging)
        return out

    def put_event_selectors(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """PutEventSelectors: basic or advanced selectors (not both), validated."""
        basic = params.get("EventSelectors")
        advanced = params.get("AdvancedEventSelectors")
        if (basic is None) == (advanced is None):
            raise ServiceError(
                "InvalidParameterCombinationException",
                "You must specify either EventSelectors or AdvancedEventSelectors, but not both.",
            )
        if basic is not None:
            _check_basic(basic)
        if advanced is not None:
            _check_advanced(advanced)
        with self.env.store.transaction() as conn:
            t = self._find(conn, ctx, params["TrailName"])
            t = replace(t, event_selectors=basic, advanced_selectors=advanced)
            TrailStore.put(conn, t)
        out: dict[str, Any] = {"TrailARN": t.arn}
        if basic is not None:
            out["EventSelectors"] = basic
        else:
            out["AdvancedEventSelectors"] = advanced
        return out

    def get_event_selectors(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetEventSelectors (a new trail logs management events only)."""
        with self.env.store.read() as conn:
            t = self._find(conn, ctx, params["TrailName"])
        out: dict[str, Any] = {"TrailARN": t.arn}
        if t.advanced_selectors is not None:
            out["AdvancedEventSelectors"] = t.advanced_selectors
        else:
            out["EventSelectors"] = t.event_selectors or _DEFAULT_SELECTORS
        return out

    def logging_trails(self) -> list[TrailRow]:
        """Return the trails that are logging now (for the outbox bridge)."""
        with self.env.store.read() as conn:
            return [t for t in TrailStore.all(conn) if t.is_logging]


def _check_basic(selectors: list[dict[str, Any]]) -> None:
    if len(selectors) > 5:
        raise ServiceError(
            "InvalidEventSelectorsException", "A trail can have no more than 5 event selectors."
        )
    for sel in selectors:
        for res in sel.get("DataResources", []):
            kind = res.get("Type", "")
            if kind not in _DATA_TYPES:
                raise ServiceError(
                    "InvalidEventSelectorsException",
                    f"Value {kind} for parameter DataResources.Type is invalid.",
                )
            for value in res.get("Values", []):
                if kind == "AWS::S3::Object" and not value.startswith("arn:aws:s3"):
                    raise ServiceError(
                        "InvalidEventSelectorsException",
                        f"Value {value} for parameter DataResources.Values is invalid.",
                    )


def _check_advanced(selectors: list[dict[str, Any]]) -> None:
    for sel in selectors:
        fields = sel.get("FieldSelectors", [])
        if not fields:
            raise ServiceError(
                "InvalidEventSelectorsException",
                "Each advanced event selector needs at least one field selector.",
            )
        for f in fields:
            if f.get("Field") not in _ADVANCED_FIELDS:
                raise ServiceError(
                    "InvalidEventSelectorsException", f"Invalid field name: {f.get('Field')}"
                )


def _basic_covers(sel: dict[str, Any], object_arn: str, read_only: bool) -> bool:
    rw = sel.get("ReadWriteType", "All")
    if (rw == "ReadOnly" and not read_only) or (rw == "WriteOnly" and read_only):
        return False
    for res in sel.get("DataResources", []):
        if res.get("Type") != "AWS::S3::Object":
            continue
        for value in res.get("Values", []):
            if value in ("arn:aws:s3", "arn:aws:s3:::") or object_arn.startswith(value):
                return True
    return False


def _field_ok(f: dict[str, Any], value: str | None) -> bool:
    if value is None:
        return False
    checks: dict[str, Callable[[list[str]], bool]] = {
        "Equals": lambda vs: value in vs,
        "StartsWith": lambda vs: any(value.startswith(v) for v in vs),
        "EndsWith": lambda vs: any(value.endswith(v) for v in vs),
        "NotEquals": lambda vs: value not in vs,
        "NotStartsWith": lambda vs: not any(value.startswith(v) for v in vs),
        "NotEndsWith": lambda vs: not any(value.endswith(v) for v in vs),
    }
    return all(test(f[key]) for key, test in checks.items() if f.get(key))


def trail_selects(
    trail: TrailRow, *, region: str, bucket: str, key: str, event_name: str, read_only: bool = False
) -> bool:
    """Whether a logging trail records this S3 object data event."""
    if not trail.is_logging:
        return False
    if region != trail.home_region and not trail.config.get("IsMultiRegionTrail"):
        return False
    object_arn = f"arn:aws:s3:::{bucket}/{key}"
    if trail.advanced_selectors is not None:
        fields = {
            "eventCategory": "Data",
            "resources.type": "AWS::S3::Object",
            "resources.ARN": object_arn,
            "readOnly": "true" if read_only else "false",
            "eventName": event_name,
            "eventSource": "s3.amazonaws.com",
            "eventType": "AwsApiCall",
        }
        return any(
            all(_field_ok(f, fields.get(f["Field"])) for f in sel["FieldSelectors"])
            for sel in trail.advanced_selectors
        )
    return any(_basic_covers(sel, object_arn, read_only) for sel in trail.event_selectors or [])


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def s3_data_event(record: dict[str, Any], *, account_id: str, at: float) -> dict[str, Any]:
    """Build the EventBridge event CloudTrail sends for one S3 object change record."""
    bucket, key = record["bucket"], record["key"]
    region = record.get("region", "us-east-1")
    when = _iso(at)
    access_key = record.get("access_key", "")
    detail: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "Root",
            "principalId": account_id,
            "arn": f"arn:aws:iam::{account_id}:root",
            "accountId": account_id,
            "accessKeyId": access_key,
        },
        "eventTime": when,
        "eventSource": "s3.amazonaws.com",
        "eventName": record["event_name"],
        "awsRegion": region,
        "sourceIPAddress": record.get("source_ip", "127.0.0.1"),
        "userAgent": record.get("user_agent", ""),
        "requestParameters": {
            "bucketName": bucket,
            "Host": f"{bucket}.s3.{region}.amazonaws.com",
            "key": key,
        },
        "responseElements": (
            {"x-amz-version-id": record["version_id"]} if record.get("version_id") else None
        ),
        "additionalEventData": {
            "bytesTransferredIn": record.get("size", 0),
            "bytesTransferredOut": 0,
            "SignatureVersion": "SigV4",
            "AuthenticationMethod": "AuthHeader",
        },
        "requestID": record.get("request_id", ""),
        "eventID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{record.get('request_id')}/{key}")),
        "readOnly": False,
        "resources": [
            {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"},
            {"accountId": account_id, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"},
        ],
        "eventType": "AwsApiCall",
        "managementEvent": False,
        "recipientAccountId": account_id,
        "eventCategory": "Data",
    }
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.s3",
        "account": account_id,
        "time": when,
        "region": region,
        "resources": [],
        "detail": detail,
    }
