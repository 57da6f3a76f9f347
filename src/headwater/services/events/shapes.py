"""Event envelopes exactly as EventBridge shapes them: PutEvents entries, S3, schedules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from headwater.events import RateSchedule, Schedule

__all__ = ["envelope", "iso", "next_fire_time", "s3_object_event", "scheduled_event"]


def iso(ts: float) -> str:
    """Render epoch seconds as EventBridge's ``time`` (second precision, Z)."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(
    *,
    source: str,
    detail_type: str,
    detail: Any,
    account: str,
    region: str,
    time: str,
    resources: list[str] | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """Build a full event in EventBridge's field order."""
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": time,
        "region": region,
        "resources": list(resources or []),
        "detail": detail,
    }


def s3_object_event(record: dict[str, Any], *, account: str, at: float) -> dict[str, Any]:
    """The "Object Created" / "Object Deleted" event S3 sends for one change record."""
    created = record.get("event_type") != "ObjectRemoved"
    obj: dict[str, Any] = {"key": record["key"]}
    if created:
        obj["size"] = record.get("size", 0)
        obj["etag"] = record.get("etag", "")
    if record.get("version_id"):
        obj["version-id"] = record["version_id"]
    obj["sequencer"] = record.get("sequencer", "")
    detail: dict[str, Any] = {
        "version": "0",
        "bucket": {"name": record["bucket"]},
        "object": obj,
        "request-id": record.get("request_id", ""),
        "requester": record.get("requester", account),
        "source-ip-address": record.get("source_ip", "127.0.0.1"),
        "reason": record.get("event_name", "PutObject"),
    }
    if not created:
        detail["deletion-type"] = record.get("deletion_type", "Permanently Deleted")
    return envelope(
        source="aws.s3",
        detail_type="Object Created" if created else "Object Deleted",
        detail=detail,
        account=account,
        region=record.get("region", "us-east-1"),
        time=iso(at),
        resources=[f"arn:aws:s3:::{record['bucket']}"],
    )


def scheduled_event(*, rule_arn: str, account: str, region: str, at: float) -> dict[str, Any]:
    """The event a schedule rule fires."""
    return envelope(
        source="aws.events",
        detail_type="Scheduled Event",
        detail={},
        account=account,
        region=region,
        time=iso(at),
        resources=[rule_arn],
    )


def next_fire_time(schedule: Schedule, now: float, anchor: float) -> float | None:
    """When a schedule fires next after ``now``: rates count from ``anchor``."""
    if isinstance(schedule, RateSchedule):
        return float(schedule.next_fire_after(now, anchor=anchor))
    nxt = schedule.next_fire_after(now)
    return float(nxt) if nxt is not None else None
