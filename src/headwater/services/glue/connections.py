"""Connections: JDBC (and other types) stored as Glue keeps them; crawlers open JDBC ones."""

from __future__ import annotations

from typing import Any

from headwater.services.base import RequestContext
from headwater.services.glue import errors
from headwater.services.glue._core import GlueCore, page
from headwater.store.glue_catalog import GlueCatalogStore as S

__all__ = ["ConnectionOperations"]

_SECRET_KEYS = ("PASSWORD", "ENCRYPTED_PASSWORD")


def _hide(connection: dict[str, Any]) -> dict[str, Any]:
    out = dict(connection)
    props = {k: v for k, v in (out.get("ConnectionProperties") or {}).items()}
    for key in _SECRET_KEYS:
        props.pop(key, None)
    out["ConnectionProperties"] = props
    return out


class ConnectionOperations(GlueCore):
    """CreateConnection, GetConnection(s), UpdateConnection, DeleteConnection, batch delete."""

    def _connection_body(
        self, ctx: RequestContext, data: dict[str, Any], created: float | None
    ) -> dict[str, Any]:
        name = str(data.get("Name") or "")
        if not name:
            raise errors.invalid_input("ConnectionInput.Name is required")
        kind = str(data.get("ConnectionType") or "")
        props = {str(k): str(v) for k, v in (data.get("ConnectionProperties") or {}).items()}
        if kind == "JDBC" and not props.get("JDBC_CONNECTION_URL"):
            raise errors.invalid_input(
                "Connection type JDBC requires the connection property JDBC_CONNECTION_URL"
            )
        now = self._now()
        body: dict[str, Any] = {
            "Name": name,
            "ConnectionType": kind,
            "MatchCriteria": list(data.get("MatchCriteria") or []),
            "ConnectionProperties": props,
            "CreationTime": created if created is not None else now,
            "LastUpdatedTime": now,
            "LastUpdatedBy": ctx.principal_arn,
            "Status": "READY",
        }
        for member in (
            "Description",
            "PhysicalConnectionRequirements",
            "AthenaProperties",
            "SparkProperties",
            "PythonProperties",
            "AuthenticationConfiguration",
        ):
            if data.get(member) is not None:
                body[member] = data[member]
        return body

    def create_connection(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateConnection."""
        body = self._connection_body(ctx, params["ConnectionInput"], None)
        tags = self._tags_in(params)
        with self.env.store.transaction() as conn:
            if S.get_connection(conn, ctx.region, body["Name"]) is not None:
                raise errors.already_exists("Connection already exists.")
            S.put_connection(conn, ctx.region, body)
            if tags:
                S.put_tags(conn, self._arn(ctx, "connection", body["Name"]), tags)
        return {"CreateConnectionStatus": "READY"}

    def get_connection(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetConnection (HidePassword leaves the password out)."""
        with self.env.store.read() as conn:
            found = S.get_connection(conn, ctx.region, params["Name"])
        if found is None:
            raise errors.entity_not_found(f"Connection {params['Name']} not found.")
        return {"Connection": _hide(found) if params.get("HidePassword") else found}

    def get_connections(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetConnections (Filter by MatchCriteria and ConnectionType)."""
        with self.env.store.read() as conn:
            found = S.list_connections(conn, ctx.region)
        flt = params.get("Filter") or {}
        if flt.get("ConnectionType"):
            found = [c for c in found if c.get("ConnectionType") == flt["ConnectionType"]]
        if flt.get("MatchCriteria"):
            wanted = set(flt["MatchCriteria"])
            found = [c for c in found if wanted <= set(c.get("MatchCriteria") or [])]
        if params.get("HidePassword"):
            found = [_hide(c) for c in found]
        chunk, nxt = page(found, params)
        out: dict[str, Any] = {"ConnectionList": chunk}
        if nxt:
            out["NextToken"] = nxt
        return out

    def update_connection(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateConnection (the input replaces the definition; renaming is allowed)."""
        with self.env.store.transaction() as conn:
            old = S.get_connection(conn, ctx.region, params["Name"])
            if old is None:
                raise errors.entity_not_found(f"Connection {params['Name']} not found.")
            body = self._connection_body(ctx, params["ConnectionInput"], old.get("CreationTime"))
            if body["Name"] != params["Name"]:
                if S.get_connection(conn, ctx.region, body["Name"]) is not None:
                    raise errors.already_exists("Connection already exists.")
                S.delete_connection(conn, ctx.region, params["Name"])
            S.put_connection(conn, ctx.region, body)
        return {}

    def delete_connection(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteConnection."""
        name = params["ConnectionName"]
        with self.env.store.transaction() as conn:
            if not S.delete_connection(conn, ctx.region, name):
                raise errors.entity_not_found(f"Connection {name} not found.")
            S.put_tags(conn, self._arn(ctx, "connection", name), {})
        return {}

    def batch_delete_connection(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """BatchDeleteConnection."""
        done: list[str] = []
        failed: dict[str, Any] = {}
        with self.env.store.transaction() as conn:
            for name in params["ConnectionNameList"]:
                if S.delete_connection(conn, ctx.region, name):
                    done.append(name)
                else:
                    failed[name] = {
                        "ErrorCode": "EntityNotFoundException",
                        "ErrorMessage": f"Connection {name} not found.",
                    }
        return {"Succeeded": done, "Errors": failed}

    def connection(self, region: str, name: str) -> dict[str, Any] | None:
        """A stored connection with its password (for crawlers and jobs)."""
        with self.env.store.read() as conn:
            return S.get_connection(conn, region, name)
