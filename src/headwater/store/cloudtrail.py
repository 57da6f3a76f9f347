"""Port for CloudTrail trails: configuration, event selectors and logging state."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from headwater.store.schema import Migration, create_tables, metadata, register

__all__ = ["TrailRow", "TrailStore"]

trails = sa.Table(
    "cloudtrail_trails",
    metadata,
    sa.Column("arn", sa.String(512), primary_key=True),
    sa.Column("name", sa.String(128), nullable=False, index=True),
    sa.Column("home_region", sa.String(32), nullable=False),
    sa.Column("config", sa.Text, nullable=False),
    sa.Column("event_selectors", sa.Text, nullable=True),
    sa.Column("advanced_selectors", sa.Text, nullable=True),
    sa.Column("is_logging", sa.Boolean, nullable=False),
    sa.Column("start_logging", sa.Float, nullable=True),
    sa.Column("stop_logging", sa.Float, nullable=True),
    sa.Column("tags", sa.Text, nullable=False),
)

register(
    Migration(component="cloudtrail", version=1, description="trails", apply=create_tables(trails))
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TrailRow:
    """One trail; ``config`` holds the CreateTrail members as given (schema version 1)."""

    arn: str
    name: str
    home_region: str
    config: dict[str, Any]
    event_selectors: list[dict[str, Any]] | None = None
    advanced_selectors: list[dict[str, Any]] | None = None
    is_logging: bool = False
    start_logging: float | None = None
    stop_logging: float | None = None
    tags: list[dict[str, str]] = field(default_factory=list)


def _row(r: Any) -> TrailRow:
    return TrailRow(
        arn=r.arn,
        name=r.name,
        home_region=r.home_region,
        config={k: v for k, v in json.loads(r.config).items() if k != "v"},
        event_selectors=json.loads(r.event_selectors) if r.event_selectors else None,
        advanced_selectors=json.loads(r.advanced_selectors) if r.advanced_selectors else None,
        is_logging=bool(r.is_logging),
        start_logging=r.start_logging,
        stop_logging=r.stop_logging,
        tags=json.loads(r.tags),
    )


class TrailStore:
    """Reads and writes trails on a store connection."""

    @staticmethod
    def get(conn: sa.Connection, arn: str) -> TrailRow | None:
        """Return the trail with ``arn``."""
        row = conn.execute(sa.select(trails).where(trails.c.arn == arn)).first()
        return _row(row) if row else None

    @staticmethod
    def all(conn: sa.Connection) -> list[TrailRow]:
        """Return every trail, by name."""
        return [_row(r) for r in conn.execute(sa.select(trails).order_by(trails.c.name))]

    @staticmethod
    def put(conn: sa.Connection, trail: TrailRow) -> None:
        """Insert or replace a trail."""
        conn.execute(sa.delete(trails).where(trails.c.arn == trail.arn))
        conn.execute(
            sa.insert(trails).values(
                arn=trail.arn,
                name=trail.name,
                home_region=trail.home_region,
                config=json.dumps({"v": 1, **trail.config}),
                event_selectors=(
                    json.dumps(trail.event_selectors) if trail.event_selectors is not None else None
                ),
                advanced_selectors=(
                    json.dumps(trail.advanced_selectors)
                    if trail.advanced_selectors is not None
                    else None
                ),
                is_logging=trail.is_logging,
                start_logging=trail.start_logging,
                stop_logging=trail.stop_logging,
                tags=json.dumps(trail.tags),
            )
        )

    @staticmethod
    def delete(conn: sa.Connection, arn: str) -> None:
        """Delete a trail."""
        conn.execute(sa.delete(trails).where(trails.c.arn == arn))
