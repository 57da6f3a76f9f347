"""``PREPARE name FROM ...`` and ``DEALLOCATE PREPARE name``: statements the service runs itself.

They change the work group's prepared statements (the same ones CreatePreparedStatement
makes) instead of running in the engine; the query still goes QUEUED -> RUNNING -> SUCCEEDED
and writes an empty ``<id>.txt``, as other DDL does.
"""

from __future__ import annotations

import re
from typing import Any

from headwater.query import OutputKind, QueryError, QueryResult, StatementType
from headwater.query.statements import strip_comments
from headwater.services.base import Environment
from headwater.store.athena import AthenaStore as A
from headwater.store.athena import QueryRow

__all__ = ["parse_utility", "run_utility"]

_PREPARE = re.compile(
    r"^PREPARE\s+(?P<name>[A-Za-z_][\w]*)\s+FROM\s+(?P<body>.+)$", re.IGNORECASE | re.DOTALL
)
_DEALLOCATE = re.compile(r"^DEALLOCATE\s+PREPARE\s+(?P<name>[A-Za-z_][\w]*)$", re.IGNORECASE)


def parse_utility(sql: str) -> dict[str, Any] | None:
    """The utility statement in ``sql``, or None when the engine runs it."""
    text = strip_comments(sql)
    match = _PREPARE.match(text)
    if match:
        return {"kind": "PREPARE", "name": match.group("name"), "sql": match.group("body")}
    match = _DEALLOCATE.match(text)
    if match:
        return {"kind": "DEALLOCATE", "name": match.group("name")}
    return None


def run_utility(env: Environment, row: QueryRow, statement: dict[str, Any]) -> QueryResult:
    """Carry out a PREPARE / DEALLOCATE PREPARE statement."""
    name = str(statement["name"])
    with env.store.transaction() as conn:
        if statement["kind"] == "PREPARE":
            body = {
                "StatementName": name,
                "QueryStatement": str(statement["sql"]),
                "WorkGroupName": row.workgroup,
                "LastModifiedTime": int(env.clock.now() * 1000) / 1000,
            }
            A.put_prepared(conn, row.region, row.workgroup, name.lower(), body)
            kind = "PREPARE"
        else:
            if not A.delete_prepared(conn, row.region, row.workgroup, name.lower()):
                raise QueryError(
                    f"line 1:1: Prepared statement not found: {name}",
                    error_name="NOT_FOUND",
                    error_type=1301,
                )
            kind = "DEALLOCATE"
    return QueryResult(
        statement_type=StatementType.DDL, substatement_type=kind, output=OutputKind.TXT
    )
