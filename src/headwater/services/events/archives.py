"""EventBridge archives, replays and tags."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from headwater.events import EventsError, compile_pattern
from headwater.services.base import RequestContext
from headwater.services.errors import ServiceError
from headwater.services.events._common import bus_name, event_time, not_found
from headwater.services.events._core import EventsCore
from headwater.store.events import EventsStore

__all__ = ["ArchiveOperations"]


class ArchiveOperations(EventsCore):
    """CreateArchive ... StartReplay ... TagResource."""

    # -- archives and replays -------------------------------------------------------------
    def _archive_arn(self, ctx: RequestContext, name: str) -> str:
        return f"arn:aws:events:{ctx.region}:{ctx.account_id}:archive/{name}"

    def create_archive(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateArchive: events on the source bus that match the pattern are kept."""
        name = params["ArchiveName"]
        pattern = params.get("EventPattern")
        if pattern:
            try:
                compile_pattern(pattern)
            except EventsError as err:
                raise ServiceError(
                    "InvalidEventPatternException", getattr(err, "message", str(err))
                ) from err
        now = self.env.clock.now()
        with self.env.store.transaction() as conn:
            if EventsStore.get_archive(conn, ctx.region, name):
                raise ServiceError(
                    "ResourceAlreadyExistsException", f"Archive {name} already exists."
                )
            bus = bus_name(params["EventSourceArn"])
            self._require_bus(conn, ctx.region, bus)
            EventsStore.put_archive(
                conn,
                {
                    "region": ctx.region,
                    "name": name,
                    "arn": self._archive_arn(ctx, name),
                    "source_arn": params["EventSourceArn"],
                    "pattern": pattern,
                    "description": params.get("Description"),
                    "retention_days": params.get("RetentionDays", 0),
                    "created": now,
                },
            )
        with self._lock:
            self._archives = None
        return {"ArchiveArn": self._archive_arn(ctx, name), "State": "ENABLED", "CreationTime": now}

    def describe_archive(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DescribeArchive."""
        with self.env.store.read() as conn:
            arc = EventsStore.get_archive(conn, ctx.region, params["ArchiveName"])
            if arc is None:
                raise not_found(f"Archive {params['ArchiveName']} does not exist.")
            count, size = EventsStore.archive_stats(conn, ctx.region, arc["name"])
        out = {
            "ArchiveArn": arc["arn"],
            "ArchiveName": arc["name"],
            "EventSourceArn": arc["source_arn"],
            "State": "ENABLED",
            "RetentionDays": arc["retention_days"],
            "SizeBytes": size,
            "EventCount": count,
            "CreationTime": arc["created"],
        }
        if arc["pattern"]:
            out["EventPattern"] = arc["pattern"]
        if arc["description"]:
            out["Description"] = arc["description"]
        return out

    def list_archives(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListArchives."""
        with self.env.store.read() as conn:
            found = EventsStore.list_archives(conn, ctx.region)
        return {
            "Archives": [
                {
                    "ArchiveName": a["name"],
                    "EventSourceArn": a["source_arn"],
                    "State": "ENABLED",
                    "RetentionDays": a["retention_days"],
                    "CreationTime": a["created"],
                }
                for a in found
            ]
        }

    def delete_archive(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteArchive."""
        with self.env.store.transaction() as conn:
            if EventsStore.get_archive(conn, ctx.region, params["ArchiveName"]) is None:
                raise not_found(f"Archive {params['ArchiveName']} does not exist.")
            EventsStore.delete_archive(conn, ctx.region, params["ArchiveName"])
        with self._lock:
            self._archives = None
        return {}

    def start_replay(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """StartReplay: archived events in the window are sent again to the destination."""
        name = params["ReplayName"]
        archive_name = params["EventSourceArn"].rsplit("/", 1)[-1]
        start = params["EventStartTime"].timestamp()
        end = params["EventEndTime"].timestamp()
        if end <= start:
            raise ServiceError(
                "ValidationException",
                "Parameter EventEndTime is not valid. Reason: EventStartTime "
                "must be before EventEndTime.",
            )
        dest = params["Destination"]
        dest_bus = bus_name(dest["Arn"])
        filter_rules = {a.rsplit("/", 1)[-1] for a in dest.get("FilterArns", [])}
        now = self.env.clock.now()
        replay_arn = f"arn:aws:events:{ctx.region}:{ctx.account_id}:replay/{name}"
        with self.env.store.transaction() as conn:
            if EventsStore.get_replay(conn, ctx.region, name):
                raise ServiceError(
                    "ResourceAlreadyExistsException", f"Replay {name} already exists."
                )
            if EventsStore.get_archive(conn, ctx.region, archive_name) is None:
                raise not_found(f"Archive {archive_name} does not exist.")
            self._require_bus(conn, ctx.region, dest_bus)
            bodies = EventsStore.archived_events(conn, ctx.region, archive_name, start, end)
            last = None
            for body in bodies:
                event = json.loads(body)
                event["replay-name"] = name
                last = event_time(event)
                self._ingest(
                    conn,
                    event,
                    region=ctx.region,
                    bus=dest_bus,
                    at=now,
                    only_rules=filter_rules or None,
                )
            spec = {
                "ReplayName": name,
                "ReplayArn": replay_arn,
                "EventSourceArn": params["EventSourceArn"],
                "Destination": dest,
                "EventStartTime": start,
                "EventEndTime": end,
                "State": "COMPLETED",
                "ReplayStartTime": now,
                "ReplayEndTime": now,
                "Description": params.get("Description"),
            }
            if last is not None:
                spec["EventLastReplayedTime"] = last
            EventsStore.put_replay(conn, ctx.region, name, spec)
        self.dispatcher.wake()
        return {"ReplayArn": replay_arn, "State": "STARTING", "ReplayStartTime": now}

    def describe_replay(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DescribeReplay."""
        with self.env.store.read() as conn:
            spec = EventsStore.get_replay(conn, ctx.region, params["ReplayName"])
        if spec is None:
            raise not_found(f"Replay {params['ReplayName']} does not exist.")
        return {k: v for k, v in spec.items() if v is not None}

    def list_replays(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListReplays."""
        with self.env.store.read() as conn:
            found = EventsStore.list_replays(conn, ctx.region)
        keys = (
            "ReplayName",
            "EventSourceArn",
            "State",
            "EventStartTime",
            "EventEndTime",
            "ReplayStartTime",
            "ReplayEndTime",
            "EventLastReplayedTime",
        )
        return {"Replays": [{k: r[k] for k in keys if r.get(k) is not None} for r in found]}

    # -- tags -----------------------------------------------------------------------------
    def _tagged(self, conn: Any, ctx: RequestContext, arn: str) -> tuple[str, Any]:
        for rule in EventsStore.list_rules(conn, ctx.region):
            if rule.arn == arn:
                return "rule", rule
        for bus in EventsStore.list_buses(conn, ctx.region):
            if bus.arn == arn:
                return "bus", bus
        raise not_found(f"Resource {arn} does not exist.")

    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """TagResource (rules)."""
        with self.env.store.transaction() as conn:
            kind, row = self._tagged(conn, ctx, params["ResourceARN"])
            tags = {t["Key"]: t["Value"] for t in row.tags}
            tags.update({t["Key"]: t["Value"] for t in params["Tags"]})
            if kind != "rule":
                raise ServiceError("ValidationException", "Only rules can be tagged here.")
            EventsStore.put_rule(
                conn, replace(row, tags=[{"Key": k, "Value": v} for k, v in tags.items()])
            )
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UntagResource (rules)."""
        with self.env.store.transaction() as conn:
            kind, row = self._tagged(conn, ctx, params["ResourceARN"])
            if kind == "rule":
                keep = [t for t in row.tags if t["Key"] not in set(params["TagKeys"])]
                EventsStore.put_rule(conn, replace(row, tags=keep))
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListTagsForResource."""
        with self.env.store.read() as conn:
            _, row = self._tagged(conn, ctx, params["ResourceARN"])
        return {"Tags": row.tags}
