"""Port for EventBridge: buses, rules, targets, accepted events, deliveries, archives."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from headwater.store.schema import Migration, create_tables, metadata, register

__all__ = ["BusRow", "DeliveryOutcome", "DeliveryRow", "EventsStore", "RuleRow", "TargetRow"]

buses = sa.Table(
    "events_buses",
    metadata,
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(256), primary_key=True),
    sa.Column("arn", sa.String(512), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("tags", sa.Text, nullable=False),
)
rules = sa.Table(
    "events_rules",
    metadata,
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("bus", sa.String(256), primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("arn", sa.String(512), nullable=False),
    sa.Column("pattern", sa.Text, nullable=True),
    sa.Column("schedule", sa.String(256), nullable=True),
    sa.Column("state", sa.String(64), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("role_arn", sa.String(512), nullable=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("anchor", sa.Float, nullable=False),
    sa.Column("next_fire", sa.Float, nullable=True, index=True),
    sa.Column("tags", sa.Text, nullable=False),
)
targets = sa.Table(
    "events_targets",
    metadata,
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("bus", sa.String(256), primary_key=True),
    sa.Column("rule", sa.String(64), primary_key=True),
    sa.Column("target_id", sa.String(64), primary_key=True),
    sa.Column("arn", sa.String(1600), nullable=False),
    sa.Column("spec", sa.Text, nullable=False),
)
accepted = sa.Table(
    "events_accepted",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(64), nullable=False, index=True),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("bus", sa.String(256), nullable=False),
    sa.Column("ingested", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)
deliveries = sa.Table(
    "events_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_seq", sa.Integer, nullable=False),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("bus", sa.String(256), nullable=False),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("target_id", sa.String(64), nullable=False),
    sa.Column("target_arn", sa.String(1600), nullable=False),
    sa.Column("input", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt", sa.Float, nullable=False, index=True),
    sa.Column("first_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("result", sa.Text, nullable=True),
)
archives = sa.Table(
    "events_archives",
    metadata,
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(48), primary_key=True),
    sa.Column("arn", sa.String(512), nullable=False),
    sa.Column("source_arn", sa.String(512), nullable=False),
    sa.Column("pattern", sa.Text, nullable=True),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("retention_days", sa.Integer, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
)
archived = sa.Table(
    "events_archived",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("archive", sa.String(48), nullable=False, index=True),
    sa.Column("event_time", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)
replays = sa.Table(
    "events_replays",
    metadata,
    sa.Column("region", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("spec", sa.Text, nullable=False),
)

# Built once: a statement built per row (``insert(t).values(...)``) costs SQLAlchemy more
# than SQLite's work for the row; these run with a list of parameter sets (executemany).
# RETURNING in parameter order makes SQLAlchemy insert row by row on SQLite: the rows are
# matched back to the events by id instead.
_INSERT_ACCEPTED = sa.insert(accepted).returning(accepted.c.seq, accepted.c.event_id)
_INSERT_DELIVERY = sa.insert(deliveries)
_SELECT_BODIES = sa.select(accepted.c.seq, accepted.c.body).where(
    accepted.c.seq.in_(sa.bindparam("seqs", expanding=True))
)
_OUTCOME: dict[str, sa.BindParameter[Any]] = {
    "status": sa.bindparam("o_status"),
    "attempts": sa.bindparam("o_attempts"),
    "updated_at": sa.bindparam("o_at"),
    "last_error": sa.bindparam("o_error"),
    "result": sa.bindparam("o_result"),
}
_FINISH = sa.update(deliveries).where(deliveries.c.id == sa.bindparam("o_id")).values(**_OUTCOME)
_RETRY = (
    sa.update(deliveries)
    .where(deliveries.c.id == sa.bindparam("o_id"))
    .values(**_OUTCOME, next_attempt=sa.bindparam("o_next"))
)

register(
    Migration(
        component="events",
        version=1,
        description="buses, rules, targets, accepted events, deliveries, archives",
        apply=create_tables(
            buses, rules, targets, accepted, deliveries, archives, archived, replays
        ),
    )
)


@dataclass(frozen=True, slots=True, kw_only=True)
class BusRow:
    """An event bus."""

    region: str
    name: str
    arn: str
    description: str | None
    created: float
    tags: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleRow:
    """A rule: a pattern or a schedule, on one bus."""

    region: str
    bus: str
    name: str
    arn: str
    pattern: str | None
    schedule: str | None
    state: str
    description: str | None
    role_arn: str | None
    created: float
    anchor: float
    next_fire: float | None
    tags: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetRow:
    """A target of a rule; ``spec`` is the PutTargets entry as given (schema version 1)."""

    region: str
    bus: str
    rule: str
    target_id: str
    arn: str
    spec: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryRow:
    """One event on its way to one target."""

    id: int
    event_seq: int
    region: str
    bus: str
    rule: str
    target_id: str
    target_arn: str
    input: str
    status: str
    attempts: int
    next_attempt: float
    first_at: float
    updated_at: float
    last_error: str | None
    result: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryOutcome:
    """What one attempt of a delivery ended in; ``next_attempt`` set means try again then."""

    id: int
    status: str
    attempts: int
    at: float
    error: str | None = None
    result: str | None = None
    next_attempt: float | None = None


def _rule(r: Any) -> RuleRow:
    return RuleRow(
        region=r.region,
        bus=r.bus,
        name=r.name,
        arn=r.arn,
        pattern=r.pattern,
        schedule=r.schedule,
        state=r.state,
        description=r.description,
        role_arn=r.role_arn,
        created=r.created,
        anchor=r.anchor,
        next_fire=r.next_fire,
        tags=json.loads(r.tags),
    )


def _target(r: Any) -> TargetRow:
    spec = json.loads(r.spec)
    spec.pop("v", None)
    return TargetRow(
        region=r.region, bus=r.bus, rule=r.rule, target_id=r.target_id, arn=r.arn, spec=spec
    )


def _delivery(r: Any) -> DeliveryRow:
    return DeliveryRow(**{c: getattr(r, c) for c in DeliveryRow.__slots__})


class EventsStore:
    """Reads and writes EventBridge rows on a store connection."""

    # buses
    @staticmethod
    def get_bus(conn: sa.Connection, region: str, name: str) -> BusRow | None:
        """Return a bus."""
        r = conn.execute(
            sa.select(buses).where((buses.c.region == region) & (buses.c.name == name))
        ).first()
        return (
            BusRow(
                region=r.region,
                name=r.name,
                arn=r.arn,
                description=r.description,
                created=r.created,
                tags=json.loads(r.tags),
            )
            if r
            else None
        )

    @staticmethod
    def list_buses(conn: sa.Connection, region: str) -> list[BusRow]:
        """Return every bus of a region, by name."""
        rows = conn.execute(sa.select(buses).where(buses.c.region == region).order_by(buses.c.name))
        return [
            BusRow(
                region=r.region,
                name=r.name,
                arn=r.arn,
                description=r.description,
                created=r.created,
                tags=json.loads(r.tags),
            )
            for r in rows
        ]

    @staticmethod
    def put_bus(conn: sa.Connection, bus: BusRow) -> None:
        """Insert a bus."""
        conn.execute(
            sa.insert(buses).values(
                region=bus.region,
                name=bus.name,
                arn=bus.arn,
                description=bus.description,
                created=bus.created,
                tags=json.dumps(bus.tags),
            )
        )

    @staticmethod
    def delete_bus(conn: sa.Connection, region: str, name: str) -> None:
        """Delete a bus."""
        conn.execute(sa.delete(buses).where((buses.c.region == region) & (buses.c.name == name)))

    # rules
    @staticmethod
    def get_rule(conn: sa.Connection, region: str, bus: str, name: str) -> RuleRow | None:
        """Return a rule."""
        r = conn.execute(
            sa.select(rules).where(
                (rules.c.region == region) & (rules.c.bus == bus) & (rules.c.name == name)
            )
        ).first()
        return _rule(r) if r else None

    @staticmethod
    def list_rules(
        conn: sa.Connection, region: str | None = None, bus: str | None = None
    ) -> list[RuleRow]:
        """Return rules (of a region and bus, or every one), by name."""
        q = sa.select(rules).order_by(rules.c.region, rules.c.bus, rules.c.name)
        if region is not None:
            q = q.where(rules.c.region == region)
        if bus is not None:
            q = q.where(rules.c.bus == bus)
        return [_rule(r) for r in conn.execute(q)]

    @staticmethod
    def put_rule(conn: sa.Connection, rule: RuleRow) -> None:
        """Insert or replace a rule."""
        conn.execute(
            sa.delete(rules).where(
                (rules.c.region == rule.region)
                & (rules.c.bus == rule.bus)
                & (rules.c.name == rule.name)
            )
        )
        conn.execute(
            sa.insert(rules).values(
                region=rule.region,
                bus=rule.bus,
                name=rule.name,
                arn=rule.arn,
                pattern=rule.pattern,
                schedule=rule.schedule,
                state=rule.state,
                description=rule.description,
                role_arn=rule.role_arn,
                created=rule.created,
                anchor=rule.anchor,
                next_fire=rule.next_fire,
                tags=json.dumps(rule.tags),
            )
        )

    @staticmethod
    def delete_rule(conn: sa.Connection, region: str, bus: str, name: str) -> None:
        """Delete a rule."""
        conn.execute(
            sa.delete(rules).where(
                (rules.c.region == region) & (rules.c.bus == bus) & (rules.c.name == name)
            )
        )

    @staticmethod
    def due_schedules(conn: sa.Connection, now: float) -> list[RuleRow]:
        """Return enabled scheduled rules whose next fire time has come."""
        q = sa.select(rules).where(
            (rules.c.next_fire.is_not(None))
            & (rules.c.next_fire <= now)
            & (rules.c.state != "DISABLED")
        )
        return [_rule(r) for r in conn.execute(q)]

    @staticmethod
    def next_schedule(conn: sa.Connection) -> float | None:
        """Return the earliest next fire time of any enabled schedule."""
        v = conn.execute(
            sa.select(sa.func.min(rules.c.next_fire)).where(
                (rules.c.next_fire.is_not(None)) & (rules.c.state != "DISABLED")
            )
        ).scalar()
        return float(v) if v is not None else None

    # targets
    @staticmethod
    def targets(conn: sa.Connection, region: str, bus: str, rule: str) -> list[TargetRow]:
        """Return a rule's targets, by id."""
        q = (
            sa.select(targets)
            .where((targets.c.region == region) & (targets.c.bus == bus) & (targets.c.rule == rule))
            .order_by(targets.c.target_id)
        )
        return [_target(r) for r in conn.execute(q)]

    @staticmethod
    def all_targets(conn: sa.Connection, region: str) -> list[TargetRow]:
        """Return every target in a region."""
        return [
            _target(r) for r in conn.execute(sa.select(targets).where(targets.c.region == region))
        ]

    @staticmethod
    def put_target(conn: sa.Connection, t: TargetRow) -> None:
        """Insert or replace a target."""
        EventsStore.delete_target(conn, t.region, t.bus, t.rule, t.target_id)
        conn.execute(
            sa.insert(targets).values(
                region=t.region,
                bus=t.bus,
                rule=t.rule,
                target_id=t.target_id,
                arn=t.arn,
                spec=json.dumps({"v": 1, **t.spec}),
            )
        )

    @staticmethod
    def delete_target(
        conn: sa.Connection, region: str, bus: str, rule: str, target_id: str
    ) -> bool:
        """Delete a target; return whether it existed."""
        res = conn.execute(
            sa.delete(targets).where(
                (targets.c.region == region)
                & (targets.c.bus == bus)
                & (targets.c.rule == rule)
                & (targets.c.target_id == target_id)
            )
        )
        return bool(res.rowcount)

    # accepted events and deliveries
    @staticmethod
    def accept(
        conn: sa.Connection, *, event_id: str, region: str, bus: str, ingested: float, body: str
    ) -> int:
        """Store an accepted event; return its sequence number."""
        return EventsStore.accept_many(
            conn,
            [
                {
                    "event_id": event_id,
                    "region": region,
                    "bus": bus,
                    "ingested": ingested,
                    "body": body,
                }
            ],
        )[0]

    @staticmethod
    def accept_many(conn: sa.Connection, events: list[dict[str, Any]]) -> list[int]:
        """Store accepted events (``event_id``, ``region``, ``bus``, ``ingested``, ``body``).

        Returns their sequence numbers, in the order given, from one statement.
        """
        if not events:
            return []
        ids = [e["event_id"] for e in events]
        if len(set(ids)) < len(ids):  # the same event twice (a replay): one at a time
            return [EventsStore.accept_many(conn, [e])[0] for e in events]
        seqs = {r.event_id: int(r.seq) for r in conn.execute(_INSERT_ACCEPTED, events)}
        return [seqs[i] for i in ids]

    @staticmethod
    def add_delivery(
        conn: sa.Connection,
        *,
        event_seq: int,
        region: str,
        bus: str,
        rule: str,
        target_id: str,
        target_arn: str,
        input_text: str,
        at: float,
    ) -> None:
        """Queue one delivery."""
        EventsStore.add_deliveries(
            conn,
            [
                EventsStore.new_delivery(
                    event_seq=event_seq,
                    region=region,
                    bus=bus,
                    rule=rule,
                    target_id=target_id,
                    target_arn=target_arn,
                    input_text=input_text,
                    at=at,
                )
            ],
        )

    @staticmethod
    def new_delivery(
        *,
        event_seq: int,
        region: str,
        bus: str,
        rule: str,
        target_id: str,
        target_arn: str,
        input_text: str,
        at: float,
    ) -> dict[str, Any]:
        """The row :meth:`add_deliveries` writes for one pending delivery."""
        return {
            "event_seq": event_seq,
            "region": region,
            "bus": bus,
            "rule": rule,
            "target_id": target_id,
            "target_arn": target_arn,
            "input": input_text,
            "status": "PENDING",
            "attempts": 0,
            "next_attempt": at,
            "first_at": at,
            "updated_at": at,
            "last_error": None,
            "result": None,
        }

    @staticmethod
    def add_deliveries(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
        """Queue deliveries (rows from :meth:`new_delivery`) with one statement."""
        if rows:
            conn.execute(_INSERT_DELIVERY, rows)

    @staticmethod
    def due_deliveries(conn: sa.Connection, now: float, limit: int) -> list[DeliveryRow]:
        """Return pending deliveries whose next attempt has come, oldest first."""
        q = (
            sa.select(deliveries)
            .where((deliveries.c.status == "PENDING") & (deliveries.c.next_attempt <= now))
            .order_by(deliveries.c.next_attempt, deliveries.c.id)
            .limit(limit)
        )
        return [_delivery(r) for r in conn.execute(q)]

    @staticmethod
    def next_delivery(conn: sa.Connection) -> float | None:
        """Return when the earliest pending delivery is due."""
        v = conn.execute(
            sa.select(sa.func.min(deliveries.c.next_attempt)).where(
                deliveries.c.status == "PENDING"
            )
        ).scalar()
        return float(v) if v is not None else None

    @staticmethod
    def finish_delivery(
        conn: sa.Connection,
        delivery_id: int,
        *,
        status: str,
        attempts: int,
        at: float,
        error: str | None = None,
        result: str | None = None,
        next_attempt: float | None = None,
    ) -> None:
        """Record the outcome of an attempt."""
        EventsStore.finish_deliveries(
            conn,
            [
                DeliveryOutcome(
                    id=delivery_id,
                    status=status,
                    attempts=attempts,
                    at=at,
                    error=error,
                    result=result,
                    next_attempt=next_attempt,
                )
            ],
        )

    @staticmethod
    def finish_deliveries(conn: sa.Connection, outcomes: list[DeliveryOutcome]) -> None:
        """Record the outcomes of many attempts, one statement per kind."""
        done = [o for o in outcomes if o.next_attempt is None]
        again = [o for o in outcomes if o.next_attempt is not None]
        for stmt, group in ((_FINISH, done), (_RETRY, again)):
            if group:
                conn.execute(
                    stmt,
                    [
                        {
                            "o_id": o.id,
                            "o_status": o.status,
                            "o_attempts": o.attempts,
                            "o_at": o.at,
                            "o_error": o.error,
                            "o_result": o.result,
                            "o_next": o.next_attempt,
                        }
                        for o in group
                    ],
                )

    @staticmethod
    def list_deliveries(
        conn: sa.Connection, status: str | None = None, limit: int = 100
    ) -> list[DeliveryRow]:
        """Return deliveries, newest first."""
        q = sa.select(deliveries).order_by(deliveries.c.id.desc()).limit(limit)
        if status:
            q = q.where(deliveries.c.status == status)
        return [_delivery(r) for r in conn.execute(q)]

    @staticmethod
    def stats(conn: sa.Connection) -> dict[str, int]:
        """Return the number of accepted events and of deliveries per status."""
        out = {
            "accepted": int(
                conn.execute(sa.select(sa.func.count()).select_from(accepted)).scalar_one()
            )
        }
        for status, n in conn.execute(
            sa.select(deliveries.c.status, sa.func.count()).group_by(deliveries.c.status)
        ):
            out[str(status).lower()] = int(n)
        return out

    @staticmethod
    def event_body(conn: sa.Connection, seq: int) -> str | None:
        """Return an accepted event's JSON."""
        return conn.execute(sa.select(accepted.c.body).where(accepted.c.seq == seq)).scalar()

    @staticmethod
    def event_bodies(conn: sa.Connection, seqs: list[int]) -> dict[int, str]:
        """Return the JSON of several accepted events, by sequence number."""
        if not seqs:
            return {}
        return {int(r.seq): r.body for r in conn.execute(_SELECT_BODIES, {"seqs": seqs})}

    # archives
    @staticmethod
    def put_archive(conn: sa.Connection, values: dict[str, Any]) -> None:
        """Insert or replace an archive."""
        conn.execute(
            sa.delete(archives).where(
                (archives.c.region == values["region"]) & (archives.c.name == values["name"])
            )
        )
        conn.execute(sa.insert(archives).values(**values))

    @staticmethod
    def get_archive(conn: sa.Connection, region: str, name: str) -> dict[str, Any] | None:
        """Return an archive."""
        r = conn.execute(
            sa.select(archives).where((archives.c.region == region) & (archives.c.name == name))
        ).first()
        return dict(r._mapping) if r else None

    @staticmethod
    def list_archives(conn: sa.Connection, region: str | None = None) -> list[dict[str, Any]]:
        """Return archives."""
        q = sa.select(archives).order_by(archives.c.name)
        if region:
            q = q.where(archives.c.region == region)
        return [dict(r._mapping) for r in conn.execute(q)]

    @staticmethod
    def delete_archive(conn: sa.Connection, region: str, name: str) -> None:
        """Delete an archive and its events."""
        conn.execute(
            sa.delete(archives).where((archives.c.region == region) & (archives.c.name == name))
        )
        conn.execute(
            sa.delete(archived).where((archived.c.region == region) & (archived.c.archive == name))
        )

    @staticmethod
    def archive_event(
        conn: sa.Connection, region: str, archive: str, event_time: float, body: str
    ) -> None:
        """Keep an event in an archive."""
        conn.execute(
            sa.insert(archived).values(
                region=region, archive=archive, event_time=event_time, body=body
            )
        )

    @staticmethod
    def archived_events(
        conn: sa.Connection, region: str, archive: str, start: float, end: float
    ) -> list[str]:
        """Return archived events in a time window, oldest first."""
        q = (
            sa.select(archived.c.body)
            .where(
                (archived.c.region == region)
                & (archived.c.archive == archive)
                & (archived.c.event_time >= start)
                & (archived.c.event_time < end)
            )
            .order_by(archived.c.id)
        )
        return [r[0] for r in conn.execute(q)]

    @staticmethod
    def archive_stats(conn: sa.Connection, region: str, archive: str) -> tuple[int, int]:
        """Return (event count, total bytes) of an archive."""
        r = conn.execute(
            sa.select(
                sa.func.count(), sa.func.coalesce(sa.func.sum(sa.func.length(archived.c.body)), 0)
            ).where((archived.c.region == region) & (archived.c.archive == archive))
        ).first()
        return (int(r[0]), int(r[1])) if r else (0, 0)

    @staticmethod
    def put_replay(conn: sa.Connection, region: str, name: str, spec: dict[str, Any]) -> None:
        """Insert or replace a replay."""
        conn.execute(
            sa.delete(replays).where((replays.c.region == region) & (replays.c.name == name))
        )
        conn.execute(sa.insert(replays).values(region=region, name=name, spec=json.dumps(spec)))

    @staticmethod
    def get_replay(conn: sa.Connection, region: str, name: str) -> dict[str, Any] | None:
        """Return a replay."""
        v = conn.execute(
            sa.select(replays.c.spec).where((replays.c.region == region) & (replays.c.name == name))
        ).scalar()
        return json.loads(v) if v else None

    @staticmethod
    def list_replays(conn: sa.Connection, region: str) -> list[dict[str, Any]]:
        """Return replays."""
        return [
            json.loads(r[0])
            for r in conn.execute(
                sa.select(replays.c.spec).where(replays.c.region == region).order_by(replays.c.name)
            )
        ]
