"""Port for SNS: topics, subscriptions and the durable queue of deliveries.

A delivery row exists per message and subscription; once done it stays as the delivery record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from headwater.store.schema import Migration, create_tables, metadata, register

__all__ = ["DeliveryRow", "DeliveryState", "SnsStore", "SubscriptionRow", "TopicRow"]

topics = sa.Table(
    "sns_topics",
    metadata,
    sa.Column("arn", sa.String(512), primary_key=True),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("attributes", sa.Text, nullable=False),
    sa.Column("tags", sa.Text, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
)
subscriptions = sa.Table(
    "sns_subscriptions",
    metadata,
    sa.Column("arn", sa.String(600), primary_key=True),
    sa.Column("topic_arn", sa.String(512), nullable=False, index=True),
    sa.Column("protocol", sa.String(32), nullable=False),
    sa.Column("endpoint", sa.Text, nullable=False),
    sa.Column("owner", sa.String(32), nullable=False),
    sa.Column("attributes", sa.Text, nullable=False),
    sa.Column("confirmed", sa.Boolean, nullable=False),
    sa.Column("token", sa.String(256), nullable=False, index=True),
    sa.Column("created", sa.Float, nullable=False),
)
deliveries = sa.Table(
    "sns_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("message_id", sa.String(64), nullable=False, index=True),
    sa.Column("topic_arn", sa.String(512), nullable=False, index=True),
    sa.Column("subscription_arn", sa.String(600), nullable=False),
    sa.Column("protocol", sa.String(32), nullable=False),
    sa.Column("endpoint", sa.Text, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),  # Notification | SubscriptionConfirmation
    sa.Column("document", sa.Text, nullable=False),  # what to deliver, prepared at publish
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("due_at", sa.Float, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("delivered_at", sa.Float, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Index("ix_sns_deliveries_due", "state", "due_at"),
)

register(
    Migration(
        component="sns",
        version=1,
        description="topics, subscriptions, deliveries",
        apply=create_tables(topics, subscriptions, deliveries),
    )
)


class DeliveryState:
    """States of a delivery."""

    PENDING = "pending"
    RUNNING = "running"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class TopicRow:
    """A topic."""

    arn: str
    name: str
    attributes: dict[str, str]
    tags: dict[str, str]
    created: float
    sequence: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriptionRow:
    """A subscription (pending until confirmed, for email and http(s))."""

    arn: str
    topic_arn: str
    protocol: str
    endpoint: str
    owner: str
    attributes: dict[str, str]
    confirmed: bool
    token: str
    created: float


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryRow:
    """One message (or confirmation) to one subscription: queued, then the delivery record."""

    id: int
    message_id: str
    topic_arn: str
    subscription_arn: str
    protocol: str
    endpoint: str
    kind: str
    document: dict[str, Any]
    state: str
    attempts: int
    due_at: float
    created: float
    delivered_at: float | None
    last_error: str | None


def _topic(r: Any) -> TopicRow:
    return TopicRow(
        arn=r.arn,
        name=r.name,
        attributes=json.loads(r.attributes),
        tags=json.loads(r.tags),
        created=r.created,
        sequence=r.sequence,
    )


def _sub(r: Any) -> SubscriptionRow:
    return SubscriptionRow(
        arn=r.arn,
        topic_arn=r.topic_arn,
        protocol=r.protocol,
        endpoint=r.endpoint,
        owner=r.owner,
        attributes=json.loads(r.attributes),
        confirmed=bool(r.confirmed),
        token=r.token,
        created=r.created,
    )


def _delivery(r: Any) -> DeliveryRow:
    return DeliveryRow(
        id=r.id,
        message_id=r.message_id,
        topic_arn=r.topic_arn,
        subscription_arn=r.subscription_arn,
        protocol=r.protocol,
        endpoint=r.endpoint,
        kind=r.kind,
        document=json.loads(r.document),
        state=r.state,
        attempts=r.attempts,
        due_at=r.due_at,
        created=r.created,
        delivered_at=r.delivered_at,
        last_error=r.last_error,
    )


class SnsStore:
    """Reads and writes SNS rows on a connection from :class:`~headwater.store.Store`."""

    # -- topics ------------------------------------------------------------------------------
    @staticmethod
    def get_topic(conn: sa.Connection, arn: str) -> TopicRow | None:
        """Return the topic with ``arn``."""
        row = conn.execute(sa.select(topics).where(topics.c.arn == arn)).first()
        return _topic(row) if row else None

    @staticmethod
    def list_topics(conn: sa.Connection) -> list[TopicRow]:
        """Return every topic, by ARN."""
        return [_topic(r) for r in conn.execute(sa.select(topics).order_by(topics.c.arn))]

    @staticmethod
    def put_topic(conn: sa.Connection, topic: TopicRow) -> None:
        """Insert or replace a topic."""
        conn.execute(sa.delete(topics).where(topics.c.arn == topic.arn))
        conn.execute(
            sa.insert(topics).values(
                arn=topic.arn,
                name=topic.name,
                attributes=json.dumps(topic.attributes),
                tags=json.dumps(topic.tags),
                created=topic.created,
                sequence=topic.sequence,
            )
        )

    @staticmethod
    def delete_topic(conn: sa.Connection, arn: str) -> None:
        """Delete a topic and its subscriptions (queued deliveries stay as records)."""
        conn.execute(sa.delete(subscriptions).where(subscriptions.c.topic_arn == arn))
        conn.execute(sa.delete(topics).where(topics.c.arn == arn))

    @staticmethod
    def next_sequence(conn: sa.Connection, arn: str) -> int:
        """Advance and return a FIFO topic's sequence number."""
        conn.execute(
            sa.update(topics).where(topics.c.arn == arn).values(sequence=topics.c.sequence + 1)
        )
        return int(
            conn.execute(sa.select(topics.c.sequence).where(topics.c.arn == arn)).scalar_one()
        )

    # -- subscriptions -----------------------------------------------------------------------
    @staticmethod
    def get_subscription(conn: sa.Connection, arn: str) -> SubscriptionRow | None:
        """Return the subscription with ``arn``."""
        row = conn.execute(sa.select(subscriptions).where(subscriptions.c.arn == arn)).first()
        return _sub(row) if row else None

    @staticmethod
    def by_token(conn: sa.Connection, topic_arn: str, token: str) -> SubscriptionRow | None:
        """Return the subscription a confirmation token belongs to."""
        row = conn.execute(
            sa.select(subscriptions).where(
                (subscriptions.c.topic_arn == topic_arn) & (subscriptions.c.token == token)
            )
        ).first()
        return _sub(row) if row else None

    @staticmethod
    def list_subscriptions(
        conn: sa.Connection, topic_arn: str | None = None
    ) -> list[SubscriptionRow]:
        """Return subscriptions (of one topic, or all) in creation order."""
        query = sa.select(subscriptions).order_by(subscriptions.c.created, subscriptions.c.arn)
        if topic_arn is not None:
            query = query.where(subscriptions.c.topic_arn == topic_arn)
        return [_sub(r) for r in conn.execute(query)]

    @staticmethod
    def put_subscription(conn: sa.Connection, sub: SubscriptionRow) -> None:
        """Insert or replace a subscription."""
        conn.execute(sa.delete(subscriptions).where(subscriptions.c.arn == sub.arn))
        conn.execute(
            sa.insert(subscriptions).values(
                arn=sub.arn,
                topic_arn=sub.topic_arn,
                protocol=sub.protocol,
                endpoint=sub.endpoint,
                owner=sub.owner,
                attributes=json.dumps(sub.attributes),
                confirmed=sub.confirmed,
                token=sub.token,
                created=sub.created,
            )
        )

    @staticmethod
    def delete_subscription(conn: sa.Connection, arn: str) -> bool:
        """Delete a subscription; return whether it existed."""
        res = conn.execute(sa.delete(subscriptions).where(subscriptions.c.arn == arn))
        return bool(res.rowcount)

    # -- deliveries --------------------------------------------------------------------------
    @staticmethod
    def enqueue(
        conn: sa.Connection,
        *,
        message_id: str,
        sub: SubscriptionRow,
        kind: str,
        document: dict[str, Any],
        at: float,
    ) -> int:
        """Queue one delivery, due now; return its id."""
        res = conn.execute(
            sa.insert(deliveries).values(
                message_id=message_id,
                topic_arn=sub.topic_arn,
                subscription_arn=sub.arn,
                protocol=sub.protocol,
                endpoint=sub.endpoint,
                kind=kind,
                document=json.dumps(document),
                state=DeliveryState.PENDING,
                attempts=0,
                due_at=at,
                created=at,
                delivered_at=None,
                last_error=None,
            )
        )
        pk = res.inserted_primary_key
        return int(pk[0]) if pk else 0

    @staticmethod
    def claim_due(
        conn: sa.Connection, now: float, limit: int
    ) -> tuple[list[DeliveryRow], float | None]:
        """Mark up to ``limit`` due deliveries as running; return them and the next due time."""
        rows = conn.execute(
            sa.select(deliveries)
            .where((deliveries.c.state == DeliveryState.PENDING) & (deliveries.c.due_at <= now))
            .order_by(deliveries.c.due_at, deliveries.c.id)
            .limit(limit)
        ).all()
        items = [_delivery(r) for r in rows]
        if items:
            conn.execute(
                sa.update(deliveries)
                .where(deliveries.c.id.in_([d.id for d in items]))
                .values(state=DeliveryState.RUNNING)
            )
        nxt = conn.execute(
            sa.select(sa.func.min(deliveries.c.due_at)).where(
                (deliveries.c.state == DeliveryState.PENDING) & (deliveries.c.due_at > now)
            )
        ).scalar()
        return items, (float(nxt) if nxt is not None else None)

    @staticmethod
    def finish(
        conn: sa.Connection,
        delivery_id: int,
        *,
        state: str,
        attempts: int,
        at: float,
        due_at: float | None = None,
        error: str | None = None,
    ) -> None:
        """Record an attempt: delivered, failed, or pending again at ``due_at``."""
        values: dict[str, Any] = {"state": state, "attempts": attempts, "last_error": error}
        if state == DeliveryState.DELIVERED:
            values["delivered_at"] = at
        if due_at is not None:
            values["due_at"] = due_at
        conn.execute(sa.update(deliveries).where(deliveries.c.id == delivery_id).values(**values))

    @staticmethod
    def list_deliveries(
        conn: sa.Connection, *, topic_arn: str | None = None, message_id: str | None = None
    ) -> list[DeliveryRow]:
        """Return delivery records, oldest first."""
        query = sa.select(deliveries).order_by(deliveries.c.id)
        if topic_arn is not None:
            query = query.where(deliveries.c.topic_arn == topic_arn)
        if message_id is not None:
            query = query.where(deliveries.c.message_id == message_id)
        return [_delivery(r) for r in conn.execute(query)]

    @staticmethod
    def requeue_running(conn: sa.Connection) -> int:
        """After a restart: put deliveries that were running back in the queue."""
        res = conn.execute(
            sa.update(deliveries)
            .where(deliveries.c.state == DeliveryState.RUNNING)
            .values(state=DeliveryState.PENDING)
        )
        return int(res.rowcount or 0)
