"""StatesStore: reads and writes of the Step Functions rows."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from headwater.store.states._rows import (
    ActivityRow,
    AliasRow,
    ExecutionRow,
    MachineRow,
    TaskPhase,
    TaskRow,
    TransitionWrite,
    VersionRow,
    _activity,
    _alias,
    _execution,
    _machine,
    _task,
    _version,
)
from headwater.store.states._tables import (
    activities,
    aliases,
    definitions,
    executions,
    history,
    machines,
    map_runs,
    tasks,
    timers,
    versions,
)

__all__ = ["StatesStore"]

# Statements built once: the driver runs them for every transition.
_EXECUTION_COLUMNS = [c for c in executions.c if c.name != "state"]

# Written without IN (...): an IN list expands per call and cannot be used with executemany.
_IS_OPEN = (tasks.c.phase != "DONE") & (tasks.c.phase != "CANCELLED")

# The driver's per-transition statements, built once (building them costs more than running).
_INSERT_HISTORY = sa.insert(history)
_INSERT_EXECUTION = sa.insert(executions)
_INSERT_TIMERS = sa.insert(timers)
_DELETE_TIMERS = sa.delete(timers).where(
    (timers.c.execution_arn == sa.bindparam("a"))
    & (timers.c.timer_id.in_(sa.bindparam("ids", expanding=True)))
)
_DELETE_ALL_TIMERS = sa.delete(timers).where(timers.c.execution_arn == sa.bindparam("a"))
_UPDATE_RUNNING = (
    sa.update(executions)
    .where(executions.c.arn == sa.bindparam("a"))
    .values(state=sa.bindparam("state"), status=sa.bindparam("status"))
)
_DELETE_TIMER = sa.delete(timers).where(
    (timers.c.execution_arn == sa.bindparam("a")) & (timers.c.timer_id == sa.bindparam("tid"))
)
_ADVANCE_PHASE = (
    sa.update(tasks)
    .where((tasks.c.token == sa.bindparam("t")) & _IS_OPEN)
    .values(
        phase=sa.bindparam("phase"),
        submitted=sa.func.coalesce(sa.bindparam("sub"), tasks.c.submitted),
    )
)
_CLOSE_TASKS = (
    sa.update(tasks)
    .where((tasks.c.execution_arn == sa.bindparam("a")) & _IS_OPEN)
    .values(phase="CANCELLED")
)
_UPDATE_ENDED = (
    sa.update(executions)
    .where(executions.c.arn == sa.bindparam("a"))
    .values(
        state=sa.bindparam("state"),
        status=sa.bindparam("status"),
        output=sa.bindparam("output"),
        error=sa.bindparam("error"),
        cause=sa.bindparam("cause"),
        stopped=sa.bindparam("stopped"),
    )
)
_SET_PHASE = (
    sa.update(tasks)
    .where(
        (tasks.c.token == sa.bindparam("t"))
        & (tasks.c.phase.in_(("SCHEDULED", "QUEUED", "STARTED", "SUBMITTED")))
    )
    .values(phase=sa.bindparam("phase"))
)


class StatesStore:
    """Reads and writes Step Functions rows on a store connection."""

    # -- definitions -----------------------------------------------------------------------
    @staticmethod
    def put_definition(conn: sa.Connection, digest: str, text: str) -> None:
        """Keep a definition text under its hash (once)."""
        found = conn.execute(
            sa.select(definitions.c.hash).where(definitions.c.hash == digest)
        ).first()
        if found is None:
            conn.execute(sa.insert(definitions).values(hash=digest, text=text))

    @staticmethod
    def definition(conn: sa.Connection, digest: str) -> str | None:
        """Return a definition text by hash."""
        value = conn.execute(
            sa.select(definitions.c.text).where(definitions.c.hash == digest)
        ).scalar()
        return str(value) if value is not None else None

    # -- state machines --------------------------------------------------------------------
    @staticmethod
    def get_machine(conn: sa.Connection, arn: str) -> MachineRow | None:
        """Return a state machine."""
        r = conn.execute(sa.select(machines).where(machines.c.arn == arn)).first()
        return _machine(r) if r else None

    @staticmethod
    def list_machines(conn: sa.Connection, region: str) -> list[MachineRow]:
        """Return a region's state machines, by name."""
        q = sa.select(machines).where(machines.c.region == region).order_by(machines.c.name)
        return [_machine(r) for r in conn.execute(q)]

    @staticmethod
    def put_machine(conn: sa.Connection, m: MachineRow) -> None:
        """Insert or replace a state machine."""
        conn.execute(sa.delete(machines).where(machines.c.arn == m.arn))
        conn.execute(
            sa.insert(machines).values(
                arn=m.arn,
                region=m.region,
                name=m.name,
                type=m.type,
                definition_hash=m.definition_hash,
                role_arn=m.role_arn,
                created=m.created,
                updated=m.updated,
                revision_id=m.revision_id,
                description=m.description,
                config=json.dumps(m.config),
                tags=json.dumps(m.tags),
                next_version=m.next_version,
            )
        )

    @staticmethod
    def delete_machine(conn: sa.Connection, arn: str) -> None:
        """Delete a state machine with its versions and aliases (executions stay)."""
        conn.execute(sa.delete(machines).where(machines.c.arn == arn))
        conn.execute(sa.delete(versions).where(versions.c.machine_arn == arn))
        conn.execute(sa.delete(aliases).where(aliases.c.machine_arn == arn))

    # -- versions and aliases --------------------------------------------------------------
    @staticmethod
    def put_version(conn: sa.Connection, v: VersionRow) -> None:
        """Insert a version."""
        conn.execute(
            sa.insert(versions).values(
                arn=v.arn,
                machine_arn=v.machine_arn,
                version=v.version,
                definition_hash=v.definition_hash,
                role_arn=v.role_arn,
                description=v.description,
                created=v.created,
                revision_id=v.revision_id,
                config=json.dumps(v.config),
            )
        )

    @staticmethod
    def get_version(conn: sa.Connection, arn: str) -> VersionRow | None:
        """Return a version."""
        r = conn.execute(sa.select(versions).where(versions.c.arn == arn)).first()
        return _version(r) if r else None

    @staticmethod
    def list_versions(conn: sa.Connection, machine_arn: str) -> list[VersionRow]:
        """Return a machine's versions, newest first."""
        q = (
            sa.select(versions)
            .where(versions.c.machine_arn == machine_arn)
            .order_by(versions.c.version.desc())
        )
        return [_version(r) for r in conn.execute(q)]

    @staticmethod
    def delete_version(conn: sa.Connection, arn: str) -> None:
        """Delete a version."""
        conn.execute(sa.delete(versions).where(versions.c.arn == arn))

    @staticmethod
    def put_alias(conn: sa.Connection, a: AliasRow) -> None:
        """Insert or replace an alias."""
        conn.execute(sa.delete(aliases).where(aliases.c.arn == a.arn))
        conn.execute(
            sa.insert(aliases).values(
                arn=a.arn,
                machine_arn=a.machine_arn,
                name=a.name,
                description=a.description,
                routing=json.dumps(a.routing),
                created=a.created,
                updated=a.updated,
            )
        )

    @staticmethod
    def get_alias(conn: sa.Connection, arn: str) -> AliasRow | None:
        """Return an alias."""
        r = conn.execute(sa.select(aliases).where(aliases.c.arn == arn)).first()
        return _alias(r) if r else None

    @staticmethod
    def list_aliases(conn: sa.Connection, machine_arn: str) -> list[AliasRow]:
        """Return a machine's aliases, by name."""
        q = sa.select(aliases).where(aliases.c.machine_arn == machine_arn).order_by(aliases.c.name)
        return [_alias(r) for r in conn.execute(q)]

    @staticmethod
    def delete_alias(conn: sa.Connection, arn: str) -> None:
        """Delete an alias."""
        conn.execute(sa.delete(aliases).where(aliases.c.arn == arn))

    # -- executions ------------------------------------------------------------------------
    @staticmethod
    def insert_execution(conn: sa.Connection, e: ExecutionRow, state: str | None) -> None:
        """Insert a new execution with its first interpreter state."""
        StatesStore.insert_executions(conn, [(e, state)])

    @staticmethod
    def insert_executions(
        conn: sa.Connection, items: list[tuple[ExecutionRow, str | None]]
    ) -> None:
        """Insert new executions with their first interpreter states, in one statement."""
        if not items:
            return
        conn.execute(
            _INSERT_EXECUTION,
            [
                dict(
                    arn=e.arn,
                    machine_arn=e.machine_arn,
                    name=e.name,
                    type=e.type,
                    status=e.status,
                    input=e.input,
                    output=e.output,
                    error=e.error,
                    cause=e.cause,
                    started=e.started,
                    stopped=e.stopped,
                    definition_hash=e.definition_hash,
                    role_arn=e.role_arn,
                    meta=json.dumps(e.meta),
                    redrive_count=e.redrive_count,
                    redrive_date=e.redrive_date,
                    state=state,
                )
                for e, state in items
            ],
        )

    @staticmethod
    def get_execution(conn: sa.Connection, arn: str) -> ExecutionRow | None:
        """Return an execution (without its interpreter state)."""
        r = conn.execute(sa.select(*_EXECUTION_COLUMNS).where(executions.c.arn == arn)).first()
        return _execution(r) if r else None

    @staticmethod
    def execution_state(conn: sa.Connection, arn: str) -> str | None:
        """Return an execution's interpreter state (JSON text)."""
        value = conn.execute(sa.select(executions.c.state).where(executions.c.arn == arn)).scalar()
        return str(value) if value is not None else None

    @staticmethod
    def update_execution(conn: sa.Connection, arn: str, **values: Any) -> None:
        """Update columns of an execution (``state``, ``status``, ``output``...)."""
        if "meta" in values and not isinstance(values["meta"], str):
            values["meta"] = json.dumps(values["meta"])
        if values.keys() == {"state", "status"}:
            conn.execute(_UPDATE_RUNNING, {"a": arn, **values})
            return
        conn.execute(sa.update(executions).where(executions.c.arn == arn).values(**values))

    @staticmethod
    def list_executions(
        conn: sa.Connection,
        machine_arn: str | None = None,
        *,
        status: str | None = None,
        version_or_alias: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> list[ExecutionRow]:
        """Return executions, newest first."""
        q = sa.select(*_EXECUTION_COLUMNS).order_by(
            executions.c.started.desc(), executions.c.arn.desc()
        )
        if machine_arn is not None:
            q = q.where(executions.c.machine_arn == machine_arn)
        if status is not None:
            q = q.where(executions.c.status == status)
        if version_or_alias is not None:
            q = q.where(executions.c.meta.contains(json.dumps(version_or_alias)))
        q = q.offset(offset).limit(limit)
        return [_execution(r) for r in conn.execute(q)]

    @staticmethod
    def running_executions(conn: sa.Connection) -> list[tuple[ExecutionRow, str]]:
        """Return every RUNNING execution with its interpreter state (for resuming)."""
        q = sa.select(*_EXECUTION_COLUMNS, executions.c.state).where(
            executions.c.status == "RUNNING"
        )
        return [(_execution(r), r.state) for r in conn.execute(q) if r.state is not None]

    @staticmethod
    def count_running(conn: sa.Connection, machine_arn: str) -> int:
        """Return how many executions of a machine are running."""
        value = conn.execute(
            sa.select(sa.func.count()).where(
                (executions.c.machine_arn == machine_arn) & (executions.c.status == "RUNNING")
            )
        ).scalar()
        return int(value or 0)

    # -- the driver's transitions ----------------------------------------------------------
    @staticmethod
    def write_transitions(conn: sa.Connection, writes: list[TransitionWrite]) -> None:
        """Record the transitions of several executions with one statement per kind."""
        StatesStore.add_tasks(conn, [t for w in writes for t in w.tasks])
        phases = [
            {"t": token, "phase": phase, "sub": json.dumps(sub) if sub is not None else None}
            for w in writes
            for token, phase, sub in w.phases
        ]
        if phases:
            conn.execute(_ADVANCE_PHASE, phases)
        rows = [
            {"execution_arn": w.arn, "id": e["id"], "body": json.dumps(e)}
            for w in writes
            for e in w.history
        ]
        if rows:
            conn.execute(_INSERT_HISTORY, rows)
        removed = [{"a": w.arn, "tid": t} for w in writes for t in w.timers_removed]
        if removed:
            conn.execute(_DELETE_TIMER, removed)
        added = [
            {"execution_arn": w.arn, "timer_id": t, "deadline": d}
            for w in writes
            for t, d in w.timers_added
        ]
        if added:
            conn.execute(_INSERT_TIMERS, added)
        for w in writes:
            for map_run_arn, body in w.map_runs:
                StatesStore.put_map_run(conn, map_run_arn, w.arn, body)
        running = [
            {"a": w.arn, "state": w.state, "status": w.status} for w in writes if not w.ended
        ]
        if running:
            conn.execute(_UPDATE_RUNNING, running)
        ended = [w for w in writes if w.ended]
        if ended:
            conn.execute(_DELETE_ALL_TIMERS, [{"a": w.arn} for w in ended])
            conn.execute(_CLOSE_TASKS, [{"a": w.arn} for w in ended])
            conn.execute(
                _UPDATE_ENDED,
                [
                    {"a": w.arn, "state": w.state, "status": w.status, **(w.ended or {})}
                    for w in ended
                ],
            )

    # -- history ---------------------------------------------------------------------------
    @staticmethod
    def add_history(conn: sa.Connection, arn: str, events: list[dict[str, Any]]) -> None:
        """Append history events (AWS-shaped dicts with ``id``)."""
        if not events:
            return
        conn.execute(
            _INSERT_HISTORY,
            [{"execution_arn": arn, "id": e["id"], "body": json.dumps(e)} for e in events],
        )

    @staticmethod
    def history(
        conn: sa.Connection,
        arn: str,
        *,
        reverse: bool = False,
        after: int | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Return history events in id order (or reversed), after/before event ``after``."""
        q = sa.select(history.c.body).where(history.c.execution_arn == arn)
        if after is not None:
            q = q.where(history.c.id < after if reverse else history.c.id > after)
        q = q.order_by(history.c.id.desc() if reverse else history.c.id)
        if limit is not None:
            q = q.limit(limit)
        return [json.loads(r[0]) for r in conn.execute(q)]

    # -- timers ----------------------------------------------------------------------------
    @staticmethod
    def add_timers(conn: sa.Connection, arn: str, items: list[tuple[str, float]]) -> None:
        """Record pending timers (id, deadline)."""
        if items:
            conn.execute(
                _INSERT_TIMERS,
                [{"execution_arn": arn, "timer_id": t, "deadline": d} for t, d in items],
            )

    @staticmethod
    def delete_timers(conn: sa.Connection, arn: str, ids: list[str] | None = None) -> None:
        """Forget timers (every timer of the execution when ``ids`` is None)."""
        if ids is None:
            conn.execute(_DELETE_ALL_TIMERS, {"a": arn})
        elif ids:
            conn.execute(_DELETE_TIMERS, {"a": arn, "ids": ids})

    @staticmethod
    def timers_of(conn: sa.Connection, arn: str) -> list[tuple[str, float]]:
        """Return an execution's pending timers."""
        q = sa.select(timers.c.timer_id, timers.c.deadline).where(timers.c.execution_arn == arn)
        return [(r[0], float(r[1])) for r in conn.execute(q)]

    # -- tasks -----------------------------------------------------------------------------
    @staticmethod
    def add_tasks(conn: sa.Connection, rows: list[TaskRow]) -> None:
        """Record task invocations."""
        if not rows:
            return
        conn.execute(
            sa.insert(tasks),
            [
                {
                    "token": t.token,
                    "execution_arn": t.execution_arn,
                    "resource": t.resource,
                    "state_name": t.state_name,
                    "attempt": t.attempt,
                    "parameters": json.dumps(t.parameters),
                    "phase": t.phase,
                    "activity_arn": t.activity_arn,
                    "submitted": None,
                    "created": t.created,
                    "seq": t.seq,
                }
                for t in rows
            ],
        )

    @staticmethod
    def set_task_phase(
        conn: sa.Connection,
        token: str,
        phase: str,
        *,
        submitted: Any = None,
        only_open: bool = True,
    ) -> None:
        """Move a task to ``phase`` (keeping what it submitted, for .sync resumption)."""
        if submitted is None and only_open:
            conn.execute(_SET_PHASE, {"t": token, "phase": phase})
            return
        values: dict[str, Any] = {"phase": phase}
        if submitted is not None:
            values["submitted"] = json.dumps(submitted)
        q = sa.update(tasks).where(tasks.c.token == token)
        if only_open:
            q = q.where(tasks.c.phase.in_(TaskPhase.OPEN))
        conn.execute(q.values(**values))

    @staticmethod
    def close_tasks(conn: sa.Connection, arn: str) -> None:
        """Cancel every open task of an ended execution."""
        conn.execute(
            sa.update(tasks)
            .where((tasks.c.execution_arn == arn) & (tasks.c.phase.in_(TaskPhase.OPEN)))
            .values(phase=TaskPhase.CANCELLED)
        )

    @staticmethod
    def get_task(conn: sa.Connection, token: str) -> TaskRow | None:
        """Return a task by token."""
        r = conn.execute(sa.select(tasks).where(tasks.c.token == token)).first()
        return _task(r) if r else None

    @staticmethod
    def open_tasks(conn: sa.Connection, arn: str) -> list[TaskRow]:
        """Return an execution's tasks still waiting for a result."""
        q = (
            sa.select(tasks)
            .where((tasks.c.execution_arn == arn) & (tasks.c.phase.in_(TaskPhase.OPEN)))
            .order_by(tasks.c.seq)
        )
        return [_task(r) for r in conn.execute(q)]

    @staticmethod
    def claim_activity_task(conn: sa.Connection, activity_arn: str) -> TaskRow | None:
        """Take the oldest queued task of an activity (moves it to STARTED)."""
        r = conn.execute(
            sa.select(tasks)
            .where((tasks.c.activity_arn == activity_arn) & (tasks.c.phase == TaskPhase.QUEUED))
            .order_by(tasks.c.created, tasks.c.seq)
            .limit(1)
        ).first()
        if r is None:
            return None
        conn.execute(
            sa.update(tasks).where(tasks.c.token == r.token).values(phase=TaskPhase.STARTED)
        )
        return _task(r)

    # -- activities ------------------------------------------------------------------------
    @staticmethod
    def put_activity(conn: sa.Connection, a: ActivityRow) -> None:
        """Insert an activity."""
        conn.execute(
            sa.insert(activities).values(
                arn=a.arn,
                region=a.region,
                name=a.name,
                created=a.created,
                config=json.dumps(a.config),
                tags=json.dumps(a.tags),
            )
        )

    @staticmethod
    def get_activity(conn: sa.Connection, arn: str) -> ActivityRow | None:
        """Return an activity."""
        r = conn.execute(sa.select(activities).where(activities.c.arn == arn)).first()
        return _activity(r) if r else None

    @staticmethod
    def list_activities(conn: sa.Connection, region: str) -> list[ActivityRow]:
        """Return a region's activities, by name."""
        q = sa.select(activities).where(activities.c.region == region).order_by(activities.c.name)
        return [_activity(r) for r in conn.execute(q)]

    @staticmethod
    def delete_activity(conn: sa.Connection, arn: str) -> None:
        """Delete an activity."""
        conn.execute(sa.delete(activities).where(activities.c.arn == arn))

    @staticmethod
    def set_tags(conn: sa.Connection, arn: str, tags_: dict[str, str]) -> bool:
        """Replace the tags of a machine or activity; return whether it exists."""
        for table in (machines, activities):
            res = conn.execute(
                sa.update(table).where(table.c.arn == arn).values(tags=json.dumps(tags_))
            )
            if res.rowcount:
                return True
        return False

    # -- map runs --------------------------------------------------------------------------
    @staticmethod
    def put_map_run(
        conn: sa.Connection, arn: str, execution_arn: str, body: dict[str, Any]
    ) -> None:
        """Insert or update a Map Run record (members of ``body`` replace the stored ones)."""
        old = conn.execute(sa.select(map_runs.c.body).where(map_runs.c.arn == arn)).scalar()
        if old:
            body = {**json.loads(old), **body}
            conn.execute(sa.delete(map_runs).where(map_runs.c.arn == arn))
        conn.execute(
            sa.insert(map_runs).values(arn=arn, execution_arn=execution_arn, body=json.dumps(body))
        )

    @staticmethod
    def get_map_run(conn: sa.Connection, arn: str) -> dict[str, Any] | None:
        """Return a Map Run record."""
        value = conn.execute(sa.select(map_runs.c.body).where(map_runs.c.arn == arn)).scalar()
        return json.loads(value) if value else None

    @staticmethod
    def list_map_runs(conn: sa.Connection, execution_arn: str) -> list[dict[str, Any]]:
        """Return an execution's Map Runs."""
        q = sa.select(map_runs.c.body).where(map_runs.c.execution_arn == execution_arn)
        return [json.loads(r[0]) for r in conn.execute(q)]
