"""Port for IAM roles and policies (stored and returned; never enforced)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from headwater.store.schema import Migration, create_tables, metadata, register

__all__ = ["IamStore", "PolicyRow", "RoleRow"]

roles = sa.Table(
    "iam_roles",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("role_id", sa.String(32), nullable=False),
    sa.Column("arn", sa.String(512), nullable=False),
    sa.Column("path", sa.String(512), nullable=False),
    sa.Column("assume_role_policy", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("max_session_duration", sa.Integer, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("tags", sa.Text, nullable=False),
)
policies = sa.Table(
    "iam_policies",
    metadata,
    sa.Column("arn", sa.String(512), primary_key=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("policy_id", sa.String(32), nullable=False),
    sa.Column("path", sa.String(512), nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("tags", sa.Text, nullable=False),
)
role_policies = sa.Table(
    "iam_role_policies",
    metadata,
    sa.Column("role_name", sa.String(64), primary_key=True),
    sa.Column("policy_name", sa.String(128), primary_key=True),
    sa.Column("document", sa.Text, nullable=False),
)
attachments = sa.Table(
    "iam_role_attachments",
    metadata,
    sa.Column("role_name", sa.String(64), primary_key=True),
    sa.Column("policy_arn", sa.String(512), primary_key=True),
)

register(
    Migration(
        component="iam",
        version=1,
        description="roles, policies, attachments",
        apply=create_tables(roles, policies, role_policies, attachments),
    )
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleRow:
    """A stored role."""

    name: str
    role_id: str
    arn: str
    path: str
    assume_role_policy: str
    description: str | None
    max_session_duration: int
    created: float
    tags: list[dict[str, str]]


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyRow:
    """A stored customer-managed policy."""

    arn: str
    name: str
    policy_id: str
    path: str
    document: str
    description: str | None
    created: float
    tags: list[dict[str, str]]


def _role(r: Any) -> RoleRow:
    return RoleRow(
        name=r.name,
        role_id=r.role_id,
        arn=r.arn,
        path=r.path,
        assume_role_policy=r.assume_role_policy,
        description=r.description,
        max_session_duration=r.max_session_duration,
        created=r.created,
        tags=json.loads(r.tags),
    )


def _policy(r: Any) -> PolicyRow:
    return PolicyRow(
        arn=r.arn,
        name=r.name,
        policy_id=r.policy_id,
        path=r.path,
        document=r.document,
        description=r.description,
        created=r.created,
        tags=json.loads(r.tags),
    )


class IamStore:
    """Reads and writes IAM rows on a connection from :class:`~headwater.store.Store`."""

    @staticmethod
    def get_role(conn: sa.Connection, name: str) -> RoleRow | None:
        """Return the role called ``name`` (case-insensitively, as IAM compares names)."""
        row = conn.execute(
            sa.select(roles).where(sa.func.lower(roles.c.name) == name.lower())
        ).first()
        return _role(row) if row else None

    @staticmethod
    def list_roles(conn: sa.Connection, path_prefix: str = "/") -> list[RoleRow]:
        """Return roles whose path starts with ``path_prefix``, by name."""
        rows = conn.execute(sa.select(roles).order_by(roles.c.name)).all()
        return [_role(r) for r in rows if r.path.startswith(path_prefix)]

    @staticmethod
    def put_role(conn: sa.Connection, role: RoleRow) -> None:
        """Insert or replace a role."""
        values = {
            "name": role.name,
            "role_id": role.role_id,
            "arn": role.arn,
            "path": role.path,
            "assume_role_policy": role.assume_role_policy,
            "description": role.description,
            "max_session_duration": role.max_session_duration,
            "created": role.created,
            "tags": json.dumps(role.tags),
        }
        conn.execute(sa.delete(roles).where(roles.c.name == role.name))
        conn.execute(sa.insert(roles).values(**values))

    @staticmethod
    def delete_role(conn: sa.Connection, name: str) -> None:
        """Delete a role row."""
        conn.execute(sa.delete(roles).where(roles.c.name == name))

    @staticmethod
    def inline_policies(conn: sa.Connection, role_name: str) -> dict[str, str]:
        """Return the role's inline policies, name -> document."""
        rows = conn.execute(
            sa.select(role_policies)
            .where(role_policies.c.role_name == role_name)
            .order_by(role_policies.c.policy_name)
        )
        return {r.policy_name: r.document for r in rows}

    @staticmethod
    def put_inline_policy(conn: sa.Connection, role_name: str, name: str, doc: str) -> None:
        """Create or replace an inline policy."""
        conn.execute(
            sa.delete(role_policies).where(
                (role_policies.c.role_name == role_name) & (role_policies.c.policy_name == name)
            )
        )
        conn.execute(
            sa.insert(role_policies).values(role_name=role_name, policy_name=name, document=doc)
        )

    @staticmethod
    def delete_inline_policy(conn: sa.Connection, role_name: str, name: str) -> bool:
        """Delete an inline policy; return whether it existed."""
        res = conn.execute(
            sa.delete(role_policies).where(
                (role_policies.c.role_name == role_name) & (role_policies.c.policy_name == name)
            )
        )
        return bool(res.rowcount)

    @staticmethod
    def attached(conn: sa.Connection, role_name: str) -> list[str]:
        """Return the ARNs of the managed policies attached to a role."""
        rows = conn.execute(
            sa.select(attachments.c.policy_arn)
            .where(attachments.c.role_name == role_name)
            .order_by(attachments.c.policy_arn)
        )
        return [r[0] for r in rows]

    @staticmethod
    def attach(conn: sa.Connection, role_name: str, arn: str) -> None:
        """Attach a managed policy (idempotent)."""
        exists = conn.execute(
            sa.select(attachments).where(
                (attachments.c.role_name == role_name) & (attachments.c.policy_arn == arn)
            )
        ).first()
        if not exists:
            conn.execute(sa.insert(attachments).values(role_name=role_name, policy_arn=arn))

    @staticmethod
    def detach(conn: sa.Connection, role_name: str, arn: str) -> bool:
        """Detach a managed policy; return whether it was attached."""
        res = conn.execute(
            sa.delete(attachments).where(
                (attachments.c.role_name == role_name) & (attachments.c.policy_arn == arn)
            )
        )
        return bool(res.rowcount)

    @staticmethod
    def attachment_count(conn: sa.Connection, arn: str) -> int:
        """Return how many roles a policy is attached to."""
        return int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(attachments)
                .where(attachments.c.policy_arn == arn)
            ).scalar_one()
        )

    @staticmethod
    def get_policy(conn: sa.Connection, arn: str) -> PolicyRow | None:
        """Return the customer-managed policy with ``arn``."""
        row = conn.execute(sa.select(policies).where(policies.c.arn == arn)).first()
        return _policy(row) if row else None

    @staticmethod
    def list_policies(conn: sa.Connection) -> list[PolicyRow]:
        """Return every customer-managed policy, by name."""
        return [_policy(r) for r in conn.execute(sa.select(policies).order_by(policies.c.name))]

    @staticmethod
    def put_policy(conn: sa.Connection, policy: PolicyRow) -> None:
        """Insert a policy."""
        conn.execute(
            sa.insert(policies).values(
                arn=policy.arn,
                name=policy.name,
                policy_id=policy.policy_id,
                path=policy.path,
                document=policy.document,
                description=policy.description,
                created=policy.created,
                tags=json.dumps(policy.tags),
            )
        )

    @staticmethod
    def delete_policy(conn: sa.Connection, arn: str) -> None:
        """Delete a policy row."""
        conn.execute(sa.delete(policies).where(policies.c.arn == arn))
