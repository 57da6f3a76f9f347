"""The EventBridge service's core: state, rule indexes, and accepting events onto a bus."""

from __future__ import annotations

import threading
from typing import Any

from headwater.events import (
    EventPattern,
    RuleIndex,
    TargetInput,
    compile_pattern,
    compile_target_input,
    dump_json,
)
from headwater.services.base import Service
from headwater.services.events import delivery as delivery_loop
from headwater.services.events import sources
from headwater.services.events._common import DEFAULT_BUS, bus_name, event_time, not_found
from headwater.services.events.shapes import iso
from headwater.store.events import EventsStore, RuleRow, TargetRow

__all__ = ["EventsCore"]

_Targets = tuple[tuple[TargetRow, TargetInput], ...]


def _compiled(target: TargetRow) -> TargetInput:
    spec = target.spec
    transformer = spec.get("InputTransformer") or {}
    return compile_target_input(
        target_id=target.target_id,
        input=spec.get("Input"),
        input_path=spec.get("InputPath"),
        input_paths_map=transformer.get("InputPathsMap"),
        input_template=transformer.get("InputTemplate"),
    )


class EventsCore(Service):
    """What every EventBridge operation family builds on."""

    service_name = "events"

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self._lock = threading.RLock()
        self._indexes: dict[tuple[str, str], RuleIndex] = {}
        # (region, bus, rule) -> its targets with their compiled inputs; dropped on any change
        self._targets: dict[tuple[str, str, str], _Targets] = {}
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

    def stop(self) -> None:
        """Release the dispatcher's delivery threads."""
        self.dispatcher.stop()

    def reset(self) -> None:
        """Forget the in-memory indexes (the store is wiped by the caller)."""
        with self._lock:
            self._indexes.clear()
            self._targets.clear()
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
            raise not_found(f"Event bus {name} does not exist.")

    def _require_rule(self, conn: Any, region: str, bus: str, name: str) -> RuleRow:
        self._require_bus(conn, region, bus)
        rule = EventsStore.get_rule(conn, region, bus, name)
        if rule is None:
            raise not_found(f"Rule {name} does not exist on EventBus {bus}.")
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
            for key in [k for k in self._targets if k[0] == region and k[1] == bus]:
                del self._targets[key]

    def _invalidate_targets(self, region: str, bus: str, rule: str) -> None:
        with self._lock:
            self._targets.pop((region, bus, rule), None)

    def _rule_targets(self, conn: Any, region: str, bus: str, rule: str) -> _Targets:
        """A rule's targets (by id) with their compiled inputs, cached until they change."""
        key = (region, bus, rule)
        with self._lock:
            found = self._targets.get(key)
            if found is None:
                found = tuple((t, _compiled(t)) for t in EventsStore.targets(conn, *key))
                self._targets[key] = found
            return found

    def ingest_event(self, event: dict[str, Any], *, region: str, bus: str) -> int | None:
        """Accept an event built by Headwater itself (S3, CloudTrail, schedules, buses)."""
        return self.ingest_events([event], region=region, bus=bus)[0]

    def ingest_events(
        self, events: list[dict[str, Any]], *, region: str, bus: str
    ) -> list[int | None]:
        """Accept several events on one bus in one transaction; ``None`` if the bus is gone."""
        if not events:
            return []
        with self.env.store.transaction() as conn:
            if not self._bus_exists(conn, region, bus):
                return [None] * len(events)
            seqs = self._ingest_many(conn, events, region=region, bus=bus, at=self.env.clock.now())
        self.dispatcher.wake()
        return list(seqs)

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
        return self._ingest_many(
            conn, [event], region=region, bus=bus, at=at, only_rules=only_rules
        )[0]

    def _ingest_many(
        self,
        conn: Any,
        events: list[dict[str, Any]],
        *,
        region: str,
        bus: str,
        at: float,
        only_rules: set[str] | None = None,
    ) -> list[int]:
        """Store events, match them on their bus and queue a delivery per target.

        One statement stores the events and one queues every delivery, in the caller's
        transaction; returns the events' sequence numbers.
        """
        bodies = [dump_json(event) for event in events]  # also what whole-event targets get
        seqs = EventsStore.accept_many(
            conn,
            [
                {"event_id": e["id"], "region": region, "bus": bus, "ingested": at, "body": b}
                for e, b in zip(events, bodies, strict=True)
            ],
        )
        with self._lock:
            index = self._index(conn, region, bus)
            matched = [index.match(event) for event in events]
        rows: list[dict[str, Any]] = []
        for event, body, seq, names in zip(events, bodies, seqs, matched, strict=True):
            for name in names:
                if only_rules is None or name in only_rules:
                    rows.extend(
                        self._deliveries(
                            conn,
                            event,
                            region=region,
                            bus=bus,
                            rule_name=name,
                            seq=seq,
                            at=at,
                            body=body,
                        )
                    )
        EventsStore.add_deliveries(conn, rows)
        for event, body in zip(events, bodies, strict=True):
            self._archive(conn, event, region=region, bus=bus, body=body)
        return seqs

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
        EventsStore.add_deliveries(
            conn,
            self._deliveries(
                conn, event, region=region, bus=bus, rule_name=rule_name, seq=seq, at=at
            ),
        )

    def _deliveries(
        self,
        conn: Any,
        event: dict[str, Any],
        *,
        region: str,
        bus: str,
        rule_name: str,
        seq: int,
        at: float,
        body: str | None = None,
    ) -> list[dict[str, Any]]:
        """The delivery rows of ``event`` (whose stored JSON is ``body``) to one rule's targets."""
        rule_arn = self._rule_arn(region, event.get("account", self.env.account_id), bus, rule_name)
        out = []
        ingested = iso(at)
        for target, compiled in self._rule_targets(conn, region, bus, rule_name):
            if body is not None and compiled.whole_event:
                rendered: str | None = body
            else:
                rendered = compiled.render(
                    event, rule_arn=rule_arn, rule_name=rule_name, ingestion_time=ingested
                )
            if rendered is None:
                continue
            out.append(
                EventsStore.new_delivery(
                    event_seq=seq,
                    region=region,
                    bus=bus,
                    rule=rule_name,
                    target_id=target.target_id,
                    target_arn=target.arn,
                    input_text=rendered,
                    at=at,
                )
            )
        return out

    def _archive(
        self, conn: Any, event: dict[str, Any], *, region: str, bus: str, body: str
    ) -> None:
        if event.get("replay-name"):
            return  # replayed events are not archived again
        with self._lock:
            if self._archives is None:
                table: dict[str, list[tuple[str, str, EventPattern | None]]] = {}
                for arc in EventsStore.list_archives(conn):
                    key = f"{arc['region']}/{bus_name(arc['source_arn'])}"
                    pat = compile_pattern(arc["pattern"]) if arc["pattern"] else None
                    table.setdefault(key, []).append((arc["region"], arc["name"], pat))
                self._archives = table
            wanted = self._archives.get(f"{region}/{bus}", [])
        for arc_region, name, pattern in wanted:
            if pattern is None or pattern.matches(event):
                EventsStore.archive_event(conn, arc_region, name, event_time(event), body)
