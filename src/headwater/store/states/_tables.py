"""The Step Functions tables and their migration."""

from __future__ import annotations

import sqlalchemy as sa

from headwater.store.schema import Migration, create_tables, metadata, register

__all__ = [
    "activities",
    "aliases",
    "definitions",
    "executions",
    "history",
    "machines",
    "map_runs",
    "tasks",
    "timers",
    "versions",
]

definitions = sa.Table(
    "sfn_definitions",
    metadata,
    sa.Column("hash", sa.String(64), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
)
machines = sa.Table(
    "sfn_state_machines",
    metadata,
    sa.Column("arn", sa.String(512), primary_key=True),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("definition_hash", sa.String(64), nullable=False),
    sa.Column("role_arn", sa.String(512), nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("updated", sa.Float, nullable=False),
    sa.Column("revision_id", sa.String(64), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("config", sa.Text, nullable=False),  # logging / tracing / encryption, JSON
    sa.Column("tags", sa.Text, nullable=False),
    sa.Column("next_version", sa.Integer, nullable=False),
)
versions = sa.Table(
    "sfn_versions",
    metadata,
    sa.Column("arn", sa.String(600), primary_key=True),
    sa.Column("machine_arn", sa.String(512), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("definition_hash", sa.String(64), nullable=False),
    sa.Column("role_arn", sa.String(512), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("revision_id", sa.String(64), nullable=False),
    sa.Column("config", sa.Text, nullable=False),
)
aliases = sa.Table(
    "sfn_aliases",
    metadata,
    sa.Column("arn", sa.String(600), primary_key=True),
    sa.Column("machine_arn", sa.String(512), nullable=False, index=True),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("routing", sa.Text, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("updated", sa.Float, nullable=False),
)
executions = sa.Table(
    "sfn_executions",
    metadata,
    sa.Column("arn", sa.String(700), primary_key=True),
    sa.Column("machine_arn", sa.String(512), nullable=False),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("input", sa.Text, nullable=False),
    sa.Column("output", sa.Text, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("cause", sa.Text, nullable=True),
    sa.Column("started", sa.Float, nullable=False),
    sa.Column("stopped", sa.Float, nullable=True),
    sa.Column("definition_hash", sa.String(64), nullable=False),
    sa.Column("role_arn", sa.String(512), nullable=False),
    sa.Column("meta", sa.Text, nullable=False),  # version/alias ARNs, test case, parent...
    sa.Column("redrive_count", sa.Integer, nullable=False),
    sa.Column("redrive_date", sa.Float, nullable=True),
    sa.Column("state", sa.Text, nullable=True),
    sa.Index("ix_sfn_executions_machine", "machine_arn", "started"),
)
history = sa.Table(
    "sfn_history",
    metadata,
    sa.Column("execution_arn", sa.String(700), primary_key=True),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)
timers = sa.Table(
    "sfn_timers",
    metadata,
    sa.Column("execution_arn", sa.String(700), primary_key=True),
    sa.Column("timer_id", sa.String(64), primary_key=True),
    sa.Column("deadline", sa.Float, nullable=False),
)
tasks = sa.Table(
    "sfn_tasks",
    metadata,
    sa.Column("token", sa.String(128), primary_key=True),
    sa.Column("execution_arn", sa.String(700), nullable=False, index=True),
    sa.Column("resource", sa.String(2048), nullable=False),
    sa.Column("state_name", sa.String(128), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("parameters", sa.Text, nullable=False),
    sa.Column("phase", sa.String(16), nullable=False, index=True),
    sa.Column("activity_arn", sa.String(512), nullable=True, index=True),
    sa.Column("submitted", sa.Text, nullable=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
)
activities = sa.Table(
    "sfn_activities",
    metadata,
    sa.Column("arn", sa.String(512), primary_key=True),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("config", sa.Text, nullable=False),
    sa.Column("tags", sa.Text, nullable=False),
)
map_runs = sa.Table(
    "sfn_map_runs",
    metadata,
    sa.Column("arn", sa.String(800), primary_key=True),
    sa.Column("execution_arn", sa.String(700), nullable=False, index=True),
    sa.Column("body", sa.Text, nullable=False),
)

register(
    Migration(
        component="states",
        version=1,
        description="state machines, versions, aliases, executions, history, timers, tasks",
        apply=create_tables(
            definitions,
            machines,
            versions,
            aliases,
            executions,
            history,
            timers,
            tasks,
            activities,
            map_runs,
        ),
    )
)
