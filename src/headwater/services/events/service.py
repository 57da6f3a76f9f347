"""The EventBridge API: buses, rules, targets, PutEvents, TestEventPattern.

Archives, replays and tags are in ``archives.py``; state and event ingestion in ``_core.py``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from headwater.events import (
    EventsError,
    compile_pattern,
    compile_schedule,
    compile_target_input,
    evaluate_event_pattern,
)
from headwater.services.base import RequestContext
from headwater.services.errors import ServiceError
from headwater.services.events._common import DEFAULT_BUS, bus_name, not_found, paginate
from headwater.services.events.archives import ArchiveOperations
from headwater.services.events.shapes import envelope, iso, next_fire_time
from headwater.store.events import BusRow, EventsStore, RuleRow, TargetRow

__all__ = ["EventsService"]

MAX_TARGETS_PER_RULE = 5
MAX_ENTRIES_BYTES = 256 * 1024


def _entry_size(entry: dict[str, Any]) -> int:
    size = 14 if entry.get("Time") is not None else 0
    for key in ("Source", "DetailType", "Detail"):
        size += len(str(entry.get(key) or "").encode())
    for res in entry.get("Resources") or []:
        size += len(str(res).encode())
    return size


class EventsService(ArchiveOperations):
    """EventBridge, with durable at-least-once delivery to targets."""

    # -- buses ----------------------------------------------------------------------------
    def create_event_bus(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateEventBus."""
        name = params["Name"]
        if name == DEFAULT_BUS or "/" in name:
            raise ServiceError("ValidationException", f"Event bus name {name} is not valid.")
        arn = self._bus_arn(ctx.region, ctx.account_id, name)
        with self.env.store.transaction() as conn:
            if EventsStore.get_bus(conn, ctx.region, name):
                raise ServiceError(
                    "ResourceAlreadyExistsException", f"Event bus {name} already exists."
                )
            EventsStore.put_bus(
                conn,
                BusRow(
                    region=ctx.region,
                    name=name,
                    arn=arn,
                    description=params.get("Description"),
                    created=self.env.clock.now(),
                    tags=params.get("Tags", []),
                ),
            )
        out: dict[str, Any] = {"EventBusArn": arn}
        if params.get("Description"):
            out["Description"] = params["Description"]
        return out

    def _bus_out(self, ctx: RequestContext, bus: BusRow | None, name: str) -> dict[str, Any]:
        out: dict[str, Any] = {"Name": name, "Arn": self._bus_arn(ctx.region, ctx.account_id, name)}
        if bus is not None:
            out["CreationTime"] = bus.created
            out["LastModifiedTime"] = bus.created
            if bus.description:
                out["Description"] = bus.description
        return out

    def describe_event_bus(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DescribeEventBus."""
        name = bus_name(params.get("Name"))
        with self.env.store.read() as conn:
            self._require_bus(conn, ctx.region, name)
            bus = EventsStore.get_bus(conn, ctx.region, name)
        return self._bus_out(ctx, bus, name)

    def list_event_buses(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListEventBuses (the default bus always exists)."""
        prefix = params.get("NamePrefix", "")
        with self.env.store.read() as conn:
            found = EventsStore.list_buses(conn, ctx.region)
        out = [self._bus_out(ctx, None, DEFAULT_BUS)] + [
            self._bus_out(ctx, b, b.name) for b in found
        ]
        return {"EventBuses": [b for b in out if b["Name"].startswith(prefix)]}

    def delete_event_bus(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteEventBus (its rules go with it)."""
        name = params["Name"]
        if name == DEFAULT_BUS:
            raise ServiceError("ValidationException", "Cannot delete event bus default.")
        with self.env.store.transaction() as conn:
            for rule in EventsStore.list_rules(conn, ctx.region, name):
                for t in EventsStore.targets(conn, ctx.region, name, rule.name):
                    EventsStore.delete_target(conn, ctx.region, name, rule.name, t.target_id)
                EventsStore.delete_rule(conn, ctx.region, name, rule.name)
            EventsStore.delete_bus(conn, ctx.region, name)
        self._invalidate(ctx.region, name)
        return {}

    # -- rules ----------------------------------------------------------------------------
    def put_rule(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """PutRule: create or update; the pattern or schedule is compiled now."""
        name = params["Name"]
        bus = bus_name(params.get("EventBusName"))
        pattern_text = params.get("EventPattern")
        schedule_text = params.get("ScheduleExpression")
        if not pattern_text and not schedule_text:
            raise ServiceError(
                "ValidationException",
                "Parameter(s) EventPattern or ScheduleExpression must be specified.",
            )
        schedule = None
        try:
            if pattern_text:
                compile_pattern(pattern_text)
            if schedule_text:
                schedule = compile_schedule(schedule_text)
        except EventsError as err:
            raise ServiceError(
                getattr(err, "aws_code", "InvalidEventPatternException"),
                getattr(err, "message", str(err)),
            ) from err
        if schedule_text and bus != DEFAULT_BUS:
            raise ServiceError(
                "ValidationException",
                "ScheduleExpression is supported only on the default event bus.",
            )
        state = params.get("State", "ENABLED")
        now = self.env.clock.now()
        with self.env.store.transaction() as conn:
            self._require_bus(conn, ctx.region, bus)
            old = EventsStore.get_rule(conn, ctx.region, bus, name)
            arn = self._rule_arn(ctx.region, ctx.account_id, bus, name)
            anchor = (
                now
                if old is None
                or old.schedule != schedule_text
                or (old.state == "DISABLED" and state != "DISABLED")
                else old.anchor
            )
            next_fire = None
            if schedule is not None and state != "DISABLED":
                next_fire = next_fire_time(schedule, now, anchor)
            rule = RuleRow(
                region=ctx.region,
                bus=bus,
                name=name,
                arn=arn,
                pattern=pattern_text,
                schedule=schedule_text,
                state=state,
                description=params.get("Description"),
                role_arn=params.get("RoleArn"),
                created=old.created if old else now,
                anchor=anchor,
                next_fire=next_fire,
                tags=params.get("Tags", old.tags if old else []),
            )
            EventsStore.put_rule(conn, rule)
        self._invalidate(ctx.region, bus)
        self.scheduler.wake()
        return {"RuleArn": arn}

    def _rule_out(self, rule: RuleRow) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Name": rule.name,
            "Arn": rule.arn,
            "State": rule.state,
            "EventBusName": rule.bus,
        }
        for key, value in (
            ("EventPattern", rule.pattern),
            ("ScheduleExpression", rule.schedule),
            ("Description", rule.description),
            ("RoleArn", rule.role_arn),
        ):
            if value:
                out[key] = value
        return out

    def describe_rule(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DescribeRule."""
        bus = bus_name(params.get("EventBusName"))
        with self.env.store.read() as conn:
            rule = self._require_rule(conn, ctx.region, bus, params["Name"])
        out = self._rule_out(rule)
        out["CreatedBy"] = ctx.account_id
        return out

    def list_rules(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListRules (NamePrefix, Limit/NextToken)."""
        bus = bus_name(params.get("EventBusName"))
        prefix = params.get("NamePrefix", "")
        with self.env.store.read() as conn:
            self._require_bus(conn, ctx.region, bus)
            found = [
                r
                for r in EventsStore.list_rules(conn, ctx.region, bus)
                if r.name.startswith(prefix)
            ]
        page, token = paginate([r.name for r in found], params)
        by_name = {r.name: r for r in found}
        out: dict[str, Any] = {"Rules": [self._rule_out(by_name[n]) for n in page]}
        if token:
            out["NextToken"] = token
        return out

    def _set_state(self, ctx: RequestContext, params: dict[str, Any], state: str) -> None:
        bus = bus_name(params.get("EventBusName"))
        now = self.env.clock.now()
        with self.env.store.transaction() as conn:
            rule = self._require_rule(conn, ctx.region, bus, params["Name"])
            next_fire = None
            anchor = rule.anchor
            if rule.schedule and state != "DISABLED":
                if rule.state == "DISABLED":
                    anchor = now
                next_fire = next_fire_time(compile_schedule(rule.schedule), now, anchor)
            EventsStore.put_rule(
                conn, replace(rule, state=state, anchor=anchor, next_fire=next_fire)
            )
        self._invalidate(ctx.region, bus)
        self.scheduler.wake()

    def enable_rule(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """EnableRule."""
        self._set_state(ctx, params, "ENABLED")
        return {}

    def disable_rule(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DisableRule."""
        self._set_state(ctx, params, "DISABLED")
        return {}

    def delete_rule(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteRule: refused while the rule has targets (unless Force), as AWS does."""
        bus = bus_name(params.get("EventBusName"))
        with self.env.store.transaction() as conn:
            if not self._bus_exists(conn, ctx.region, bus):
                raise not_found(f"Event bus {bus} does not exist.")
            rule = EventsStore.get_rule(conn, ctx.region, bus, params["Name"])
            if rule is None:
                return {}  # deleting a missing rule succeeds, as on AWS
            targets = EventsStore.targets(conn, ctx.region, bus, rule.name)
            if targets and not params.get("Force"):
                raise ServiceError(
                    "ValidationException", "Rule can't be deleted since it has targets."
                )
            for t in targets:
                EventsStore.delete_target(conn, ctx.region, bus, rule.name, t.target_id)
            EventsStore.delete_rule(conn, ctx.region, bus, rule.name)
        self._invalidate(ctx.region, bus)
        return {}

    def list_rule_names_by_target(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """ListRuleNamesByTarget."""
        bus = bus_name(params.get("EventBusName"))
        with self.env.store.read() as conn:
            names = sorted(
                {
                    t.rule
                    for t in EventsStore.all_targets(conn, ctx.region)
                    if t.bus == bus and t.arn == params["TargetArn"]
                }
            )
        page, token = paginate(names, params)
        out: dict[str, Any] = {"RuleNames": page}
        if token:
            out["NextToken"] = token
        return out

    # -- targets --------------------------------------------------------------------------
    def put_targets(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """PutTargets: each target's input settings are validated now."""
        bus = bus_name(params.get("EventBusName"))
        failed: list[dict[str, Any]] = []
        with self.env.store.transaction() as conn:
            rule = self._require_rule(conn, ctx.region, bus, params["Rule"])
            existing = {t.target_id for t in EventsStore.targets(conn, ctx.region, bus, rule.name)}
            new_ids = {t["Id"] for t in params["Targets"]}
            if len(existing | new_ids) > MAX_TARGETS_PER_RULE:
                raise ServiceError(
                    "LimitExceededException",
                    "The requested resource exceeds the maximum number allowed.",
                )
            for spec in params["Targets"]:
                try:
                    compile_target_input(
                        target_id=spec["Id"],
                        input=spec.get("Input"),
                        input_path=spec.get("InputPath"),
                        input_paths_map=(spec.get("InputTransformer") or {}).get("InputPathsMap"),
                        input_template=(spec.get("InputTransformer") or {}).get("InputTemplate"),
                    )
                except EventsError as err:
                    raise ServiceError(
                        "ValidationException", getattr(err, "message", str(err))
                    ) from err
                if not spec["Arn"].startswith("arn:"):
                    failed.append(
                        {
                            "TargetId": spec["Id"],
                            "ErrorCode": "ValidationException",
                            "ErrorMessage": f"Parameter {spec['Arn']} is not valid.",
                        }
                    )
                    continue
                EventsStore.put_target(
                    conn,
                    TargetRow(
                        region=ctx.region,
                        bus=bus,
                        rule=rule.name,
                        target_id=spec["Id"],
                        arn=spec["Arn"],
                        spec=spec,
                    ),
                )
        self._invalidate_targets(ctx.region, bus, params["Rule"])
        return {"FailedEntryCount": len(failed), "FailedEntries": failed}

    def remove_targets(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """RemoveTargets."""
        bus = bus_name(params.get("EventBusName"))
        failed: list[dict[str, Any]] = []
        with self.env.store.transaction() as conn:
            rule = self._require_rule(conn, ctx.region, bus, params["Rule"])
            for target_id in params["Ids"]:
                if not EventsStore.delete_target(conn, ctx.region, bus, rule.name, target_id):
                    failed.append(
                        {
                            "TargetId": target_id,
                            "ErrorCode": "ResourceNotFoundException",
                            "ErrorMessage": f"Target {target_id} does not exist.",
                        }
                    )
        self._invalidate_targets(ctx.region, bus, params["Rule"])
        return {"FailedEntryCount": len(failed), "FailedEntries": failed}

    def list_targets_by_rule(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListTargetsByRule."""
        bus = bus_name(params.get("EventBusName"))
        with self.env.store.read() as conn:
            rule = self._require_rule(conn, ctx.region, bus, params["Rule"])
            targets = EventsStore.targets(conn, ctx.region, bus, rule.name)
        page, token = paginate([t.target_id for t in targets], params)
        by_id = {t.target_id: t for t in targets}
        out: dict[str, Any] = {"Targets": [by_id[i].spec for i in page]}
        if token:
            out["NextToken"] = token
        return out

    # -- events ---------------------------------------------------------------------------
    def put_events(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """PutEvents: each accepted event is stored, matched and queued before we answer."""
        entries = params["Entries"]
        if sum(_entry_size(e) for e in entries) > MAX_ENTRIES_BYTES:
            raise ServiceError(
                "ValidationException", "Total size of the entries in the request is over the limit."
            )
        results: list[dict[str, Any]] = []
        now = self.env.clock.now()
        by_bus: dict[str, list[dict[str, Any]]] = {}
        with self.env.store.transaction() as conn:
            for entry in entries:
                problem = _check_entry(entry)
                bus = bus_name(entry.get("EventBusName"))
                if problem is None and not self._bus_exists(conn, ctx.region, bus):
                    problem = ("ResourceNotFoundException", f"Event bus {bus} does not exist.")
                if problem is not None:
                    results.append({"ErrorCode": problem[0], "ErrorMessage": problem[1]})
                    continue
                when = entry.get("Time")
                event = envelope(
                    source=entry["Source"],
                    detail_type=entry["DetailType"],
                    detail=json.loads(entry["Detail"]),
                    account=ctx.account_id,
                    region=ctx.region,
                    time=iso(when.timestamp()) if when is not None else iso(now),
                    resources=entry.get("Resources"),
                )
                by_bus.setdefault(bus, []).append(event)
                results.append({"EventId": event["id"]})
            for bus, events in by_bus.items():
                self._ingest_many(conn, events, region=ctx.region, bus=bus, at=now)
        accepted = sum(len(events) for events in by_bus.values())
        if accepted:
            self.dispatcher.wake()
        return {"FailedEntryCount": len(entries) - accepted, "Entries": results}

    def test_event_pattern(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """TestEventPattern."""
        try:
            result = evaluate_event_pattern(params["EventPattern"], params["Event"])
        except EventsError as err:
            raise ServiceError(
                getattr(err, "aws_code", "InvalidEventPatternException"),
                getattr(err, "message", str(err)),
            ) from err
        return {"Result": bool(result)}

    # -- operator's view ------------------------------------------------------------------
    def internal_stats(self, query: dict[str, str]) -> dict[str, int]:
        """``GET /_headwater/events/stats``: accepted events and deliveries by status."""
        with self.env.store.read() as conn:
            return EventsStore.stats(conn)

    def internal_deliveries(self, query: dict[str, str]) -> list[dict[str, Any]]:
        """``GET /_headwater/events/deliveries[?status=FAILED&limit=N]``."""
        return self.deliveries(query.get("status"), int(query.get("limit", "100")))

    def deliveries(self, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Deliveries, newest first: ``status`` FAILED lists the dead letters."""
        with self.env.store.read() as conn:
            rows = EventsStore.list_deliveries(conn, status, limit)
        return [
            {
                "id": r.id,
                "rule": r.rule,
                "bus": r.bus,
                "region": r.region,
                "targetId": r.target_id,
                "targetArn": r.target_arn,
                "status": r.status,
                "attempts": r.attempts,
                "lastError": r.last_error,
                "result": json.loads(r.result) if r.result else None,
                "input": r.input,
            }
            for r in rows
        ]


def _check_entry(entry: dict[str, Any]) -> tuple[str, str] | None:
    for key in ("Source", "DetailType", "Detail"):
        if not entry.get(key):
            return (
                "InvalidArgument",
                f"Parameter {key} is not valid. Reason: {key} is a required argument.",
            )
    try:
        detail = json.loads(entry["Detail"])
    except ValueError:
        return ("MalformedDetail", "Detail is malformed.")
    if not isinstance(detail, dict):
        return ("MalformedDetail", "Detail is malformed.")
    return None
