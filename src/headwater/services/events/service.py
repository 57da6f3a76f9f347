"""The EventBridge API: buses, rules, targets, PutEvents, TestEventPattern, archives."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from typing import Any

from headwater.events import (
    EventPattern,
    EventsError,
    RuleIndex,
    compile_pattern,
    compile_schedule,
    compile_target_input,
    evaluate_event_pattern,
)
from headwater.services.base import RequestContext, Service
from headwater.services.errors import ServiceError
from headwater.services.events import delivery as delivery_loop
from headwater.services.events import sources
from headwater.services.events.shapes import envelope, iso, next_fire_time
from headwater.store.events import BusRow, EventsStore, RuleRow, TargetRow

__all__ = ["EventsService"]

DEFAULT_BUS = "default"
MAX_TARGETS_PER_RULE = 5
MAX_ENTRIES_BYTES = 256 * 1024


def _not_found(message: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", message)


def _bus_name(value: str | None) -> str:
    if not value:
        return DEFAULT_BUS
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def _entry_size(entry: dict[str, Any]) -> int:
    size = 14 if entry.get("Time") is not None else 0
    for key in ("Source", "DetailType", "Detail"):
        size += len(str(entry.get(key) or "").encode())
    for res in entry.get("Resources") or []:
        size += len(str(res).encode())
    return size


class EventsService(Service):
    """EventBridge, with durable at-least-once delivery to targets."""

    service_name = "events"

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self._lock = threading.RLock()
        self._indexes: dict[tuple[str, str], RuleIndex] = {}
        self._archives: dict[str, list[tuple[str, str, EventPattern | None]]] | None = None
        self.dispatcher = delivery_loop.Dispatcher(self)
        self.bridge = sources.S3Bridge(self)
        self.scheduler = sources.Scheduler(self)

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Resume delivery, the S3/CloudTrail bridge and schedules from the store."""
        bg = self.env.background
        if bg is None:
            return
        self.dispatcher.start(bg)
        self.bridge.start(bg)
        self.scheduler.start(bg)

    def reset(self) -> None:
        """Forget the in-memory indexes (the store is wiped by the caller)."""
        with self._lock:
            self._indexes.clear()
            self._archives = None
        self.bridge.reset()

    # -- helpers --------------------------------------------------------------------------
    def _bus_arn(self, region: str, account: str, name: str) -> str:
        return f"arn:aws:events:{region}:{account}:event-bus/{name}"

    def _rule_arn(self, region: str, account: str, bus: str, name: str) -> str:
        if bus == DEFAULT_BUS:
            return f"arn:aws:events:{region}:{account}:rule/{name}"
        return f"arn:aws:events:{region}:{account}:rule/{bus}/{name}"

    def _bus_exists(self, conn: Any, region: str, name: str) -> bool:
        return name == DEFAULT_BUS or EventsStore.get_bus(conn, region, name) is not None

    def _require_bus(self, conn: Any, region: str, name: str) -> None:
        if not self._bus_exists(conn, region, name):
            raise _not_found(f"Event bus {name} does not exist.")

    def _require_rule(self, conn: Any, region: str, bus: str, name: str) -> RuleRow:
        self._require_bus(conn, region, bus)
        rule = EventsStore.get_rule(conn, region, bus, name)
        if rule is None:
            raise _not_found(f"Rule {name} does not exist on EventBus {bus}.")
        return rule

    def _index(self, conn: Any, region: str, bus: str) -> RuleIndex:
        key = (region, bus)
        index = self._indexes.get(key)
        if index is None:
            index = RuleIndex()
            for rule in EventsStore.list_rules(conn, region, bus):
                if rule.pattern and rule.state != "DISABLED":
                    index.add(rule.name, rule.pattern)
            self._indexes[key] = index
        return index

    def _invalidate(self, region: str, bus: str) -> None:
        with self._lock:
            self._indexes.pop((region, bus), None)

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
        name = _bus_name(params.get("Name"))
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
        bus = _bus_name(params.get("EventBusName"))
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
        bus = _bus_name(params.get("EventBusName"))
        with self.env.store.read() as conn:
            rule = self._require_rule(conn, ctx.region, bus, params["Name"])
        out = self._rule_out(rule)
        out["CreatedBy"] = ctx.account_id
        return out

    def list_rules(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListRules (NamePrefix, Limit/NextToken)."""
        bus = _bus_name(params.get("EventBusName"))
        prefix = params.get("NamePrefix", "")
        with self.env.store.read() as conn:
            self._require_bus(conn, ctx.region, bus)
            found = [
                r
                for r in EventsStore.list_rules(conn, ctx.region, bus)
                if r.name.startswith(prefix)
            ]
        page, token = _page([r.name for r in found], params)
        by_name = {r.name: r for r in found}
        out: dict[str, Any] = {"Rules": [self._rule_out(by_name[n]) for n in page]}
        if token:
            out["NextToken"] = token
        return out

    def _set_state(self, ctx: RequestContext, params: dict[str, Any], state: str) -> None:
        bus = _bus_name(params.get("EventBusName"))
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
        bus = _bus_name(params.get("EventBusName"))
        with self.env.store.transaction() as conn:
            if not self._bus_exists(conn, ctx.region, bus):
                raise _not_found(f"Event bus {bus} does not exist.")
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
        bus = _bus_name(params.get("EventBusName"))
        with self.env.store.read() as conn:
            names = sorted(
                {
                    t.rule
                    for t in EventsStore.all_targets(conn, ctx.region)
                    if t.bus == bus and t.arn == params["TargetArn"]
                }
            )
        page, token = _page(names, params)
        out: dict[str, Any] = {"RuleNames": page}
        if token:
            out["NextToken"] = token
        return out

    # -- targets --------------------------------------------------------------------------
    def put_targets(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """PutTargets: each target's input settings are validated now."""
        bus = _bus_name(params.get("EventBusName"))
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
        return {"FailedEntryCount": len(failed), "FailedEntries": failed}

    def remove_targets(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """RemoveTargets."""
        bus = _bus_name(params.get("EventBusName"))
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
        return {"FailedEntryCount": len(failed), "FailedEntries": failed}

    def list_targets_by_rule(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListTargetsByRule."""
        bus = _bus_name(params.get("EventBusName"))
        with self.env.store.read() as conn:
            rule = self._require_rule(conn, ctx.region, bus, params["Rule"])
            targets = EventsStore.targets(conn, ctx.region, bus, rule.name)
        page, token = _page([t.target_id for t in targets], params)
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
        accepted = 0
        with self.env.store.transaction() as conn:
            for entry in entries:
                problem = _check_entry(entry)
                bus = _bus_name(entry.get("EventBusName"))
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
                self._ingest(conn, event, region=ctx.region, bus=bus, at=now)
                results.append({"EventId": event["id"]})
                accepted += 1
        if accepted:
            self.dispatcher.wake()
        return {"FailedEntryCount": len(entries) - accepted, "Entries": results}

    def ingest_event(self, event: dict[str, Any], *, region: str, bus: str) -> int | None:
        """Accept an event built by Headwater itself (S3, CloudTrail, schedules, buses)."""
        with self.env.store.transaction() as conn:
            if not self._bus_exists(conn, region, bus):
                return None
            seq = self._ingest(conn, event, region=region, bus=bus, at=self.env.clock.now())
        self.dispatcher.wake()
        return seq

    def _ingest(
        self,
        conn: Any,
        event: dict[str, Any],
        *,
        region: str,
        bus: str,
        at: float,
        only_rules: set[str] | None = None,
    ) -> int:
        """Store one event, match it on its bus and queue a delivery per target."""
        body = json.dumps(event, separators=(",", ":"))
        seq = EventsStore.accept(
            conn, event_id=event["id"], region=region, bus=bus, ingested=at, body=body
        )
        with self._lock:
            names = self._index(conn, region, bus).match(event)
        for name in names:
            if only_rules is not None and name not in only_rules:
                continue
            self.queue_rule(conn, event, region=region, bus=bus, rule_name=name, seq=seq, at=at)
        self._archive(conn, event, region=region, bus=bus, body=body)
        return seq

    def queue_rule(
        self,
        conn: Any,
        event: dict[str, Any],
        *,
        region: str,
        bus: str,
        rule_name: str,
        seq: int,
        at: float,
    ) -> None:
        """Queue deliveries of ``event`` to every target of one rule."""
        rule_arn = self._rule_arn(region, event.get("account", self.env.account_id), bus, rule_name)
        for target in EventsStore.targets(conn, region, bus, rule_name):
            spec = target.spec
            transformer = spec.get("InputTransformer") or {}
            compiled = compile_target_input(
                target_id=target.target_id,
                input=spec.get("Input"),
                input_path=spec.get("InputPath"),
                input_paths_map=transformer.get("InputPathsMap"),
                input_template=transformer.get("InputTemplate"),
            )
            rendered = compiled.render(
                event, rule_arn=rule_arn, rule_name=rule_name, ingestion_time=iso(at)
            )
            if rendered is None:
                continue
            EventsStore.add_delivery(
                conn,
                event_seq=seq,
                region=region,
                bus=bus,
                rule=rule_name,
                target_id=target.target_id,
                target_arn=target.arn,
                input_text=rendered,
                at=at,
            )

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
            bus = _bus_name(params["EventSourceArn"])
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
                raise _not_found(f"Archive {params['ArchiveName']} does not exist.")
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
                raise _not_found(f"Archive {params['ArchiveName']} does not exist.")
            EventsStore.delete_archive(conn, ctx.region, params["ArchiveName"])
        with self._lock:
            self._archives = None
        return {}

    def _archive(
        self, conn: Any, event: dict[str, Any], *, region: str, bus: str, body: str
    ) -> None:
        if event.get("replay-name"):
            return  # replayed events are not archived again
        with self._lock:
            if self._archives is None:
                table: dict[str, list[tuple[str, str, EventPattern | None]]] = {}
                for arc in EventsStore.list_archives(conn):
                    key = f"{arc['region']}/{_bus_name(arc['source_arn'])}"
                    pat = compile_pattern(arc["pattern"]) if arc["pattern"] else None
                    table.setdefault(key, []).append((arc["region"], arc["name"], pat))
                self._archives = table
            wanted = self._archives.get(f"{region}/{bus}", [])
        for arc_region, name, pattern in wanted:
            if pattern is None or pattern.matches(event):
                EventsStore.archive_event(conn, arc_region, name, _event_time(event), body)

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
        dest_bus = _bus_name(dest["Arn"])
        filter_rules = {a.rsplit("/", 1)[-1] for a in dest.get("FilterArns", [])}
        now = self.env.clock.now()
        replay_arn = f"arn:aws:events:{ctx.region}:{ctx.account_id}:replay/{name}"
        with self.env.store.transaction() as conn:
            if EventsStore.get_replay(conn, ctx.region, name):
                raise ServiceError(
                    "ResourceAlreadyExistsException", f"Replay {name} already exists."
                )
            if EventsStore.get_archive(conn, ctx.region, archive_name) is None:
                raise _not_found(f"Archive {archive_name} does not exist.")
            self._require_bus(conn, ctx.region, dest_bus)
            bodies = EventsStore.archived_events(conn, ctx.region, archive_name, start, end)
            last = None
            for body in bodies:
                event = json.loads(body)
                event["replay-name"] = name
                last = _event_time(event)
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
            raise _not_found(f"Replay {params['ReplayName']} does not exist.")
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
        raise _not_found(f"Resource {arn} does not exist.")

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


def _event_time(event: dict[str, Any]) -> float:
    from datetime import datetime

    try:
        return datetime.fromisoformat(str(event.get("time", "")).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _page(keys: list[str], params: dict[str, Any]) -> tuple[list[str], str | None]:
    start = int(params["NextToken"]) if str(params.get("NextToken", "")).isdigit() else 0
    limit = int(params.get("Limit") or 100)
    page = keys[start : start + limit]
    return page, str(start + limit) if start + limit < len(keys) else None
