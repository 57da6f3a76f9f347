"""Saved SQL: named queries and prepared statements (run with ``EXECUTE name USING ...``)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from headwater.query import QuerySyntaxError
from headwater.services.athena import errors
from headwater.services.athena._core import PRIMARY, AthenaCore, page
from headwater.services.athena.runner import QueryRunner
from headwater.services.base import RequestContext
from headwater.store.athena import AthenaStore as A

__all__ = ["SavedQueryOperations"]

_STATEMENT_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_@:]{0,255}$")


class SavedQueryOperations(AthenaCore):
    """CreateNamedQuery ... DeleteNamedQuery; CreatePreparedStatement ... Delete."""

    runner: QueryRunner

    # -- named queries ----------------------------------------------------------------------
    def create_named_query(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateNamedQuery."""
        wg = str(params.get("WorkGroup") or PRIMARY)
        token = params.get("ClientRequestToken")
        qid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ctx.region}/{token}")) if token else None
        qid = qid or str(uuid.uuid4())
        body: dict[str, Any] = {
            "Name": params["Name"],
            "Database": params["Database"],
            "QueryString": params["QueryString"],
            "NamedQueryId": qid,
            "WorkGroup": wg,
        }
        if params.get("Description"):
            body["Description"] = params["Description"]
        with self.env.store.transaction() as conn:
            self.workgroup(conn, ctx.region, wg, create=True)
            if A.get_named_query(conn, ctx.region, qid) is None:
                A.put_named_query(conn, ctx.region, wg, qid, body)
        return {"NamedQueryId": qid}

    def _named(self, conn: Any, ctx: RequestContext, qid: str) -> dict[str, Any]:
        found = A.get_named_query(conn, ctx.region, qid)
        if found is None:
            raise errors.invalid_request(f"NamedQuery {qid} was not found", "INVALID_INPUT")
        return found

    def get_named_query(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetNamedQuery."""
        with self.env.store.read() as conn:
            return {"NamedQuery": self._named(conn, ctx, str(params["NamedQueryId"]))}

    def batch_get_named_query(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """BatchGetNamedQuery."""
        found: list[dict[str, Any]] = []
        missing: list[dict[str, Any]] = []
        with self.env.store.read() as conn:
            for qid in params["NamedQueryIds"]:
                item = A.get_named_query(conn, ctx.region, str(qid))
                if item is None:
                    missing.append(
                        {
                            "NamedQueryId": qid,
                            "ErrorCode": "INVALID_INPUT",
                            "ErrorMessage": f"NamedQuery {qid} was not found",
                        }
                    )
                else:
                    found.append(item)
        return {"NamedQueries": found, "UnprocessedNamedQueryIds": missing}

    def list_named_queries(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListNamedQueries (a work group's ids)."""
        wg = str(params.get("WorkGroup") or PRIMARY)
        with self.env.store.read() as conn:
            self.workgroup(conn, ctx.region, wg)
            ids = A.list_named_query_ids(conn, ctx.region, wg)
        chunk, nxt = page(ids, params)
        out: dict[str, Any] = {"NamedQueryIds": chunk}
        if nxt:
            out["NextToken"] = nxt
        return out

    def update_named_query(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateNamedQuery."""
        qid = str(params["NamedQueryId"])
        with self.env.store.transaction() as conn:
            body = self._named(conn, ctx, qid)
            body["Name"] = params["Name"]
            body["QueryString"] = params["QueryString"]
            if "Description" in params:
                body["Description"] = params["Description"]
            A.put_named_query(conn, ctx.region, str(body["WorkGroup"]), qid, body)
        return {}

    def delete_named_query(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteNamedQuery."""
        with self.env.store.transaction() as conn:
            A.delete_named_query(conn, ctx.region, str(params["NamedQueryId"]))
        return {}

    # -- prepared statements ----------------------------------------------------------------
    def _validate_statement(self, ctx: RequestContext, name: str, sql: str) -> None:
        if not _STATEMENT_NAME.match(name):
            raise errors.invalid_request(f"Invalid prepared statement name: {name}")
        markers = sql.count("?")
        try:
            self.runner.engine(ctx.region).validate(sql, ["NULL"] * markers)
        except QuerySyntaxError as exc:
            # a '?' inside a literal is not a marker: validate the text as written then
            try:
                self.runner.engine(ctx.region).validate(sql)
            except QuerySyntaxError:
                raise errors.invalid_request(exc.message, "MALFORMED_QUERY") from None

    def create_prepared_statement(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """CreatePreparedStatement."""
        name, wg = str(params["StatementName"]), str(params["WorkGroup"])
        sql = str(params["QueryStatement"])
        self._validate_statement(ctx, name, sql)
        body: dict[str, Any] = {
            "StatementName": name,
            "QueryStatement": sql,
            "WorkGroupName": wg,
            "LastModifiedTime": self._now(),
        }
        if params.get("Description"):
            body["Description"] = params["Description"]
        with self.env.store.transaction() as conn:
            self.workgroup(conn, ctx.region, wg, create=True)
            if A.get_prepared(conn, ctx.region, wg, name.lower()) is not None:
                raise errors.invalid_request(
                    f"Prepared statement {name} already exists in WorkGroup {wg}"
                )
            A.put_prepared(conn, ctx.region, wg, name.lower(), body)
        return {}

    def _prepared(self, conn: Any, ctx: RequestContext, wg: str, name: str) -> dict[str, Any]:
        self.workgroup(conn, ctx.region, wg)
        found = A.get_prepared(conn, ctx.region, wg, name.lower())
        if found is None:
            raise errors.not_found(
                f"Prepared statement {name} was not found in workGroup {wg}.", name
            )
        return found

    def get_prepared_statement(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetPreparedStatement."""
        with self.env.store.read() as conn:
            found = self._prepared(
                conn, ctx, str(params["WorkGroup"]), str(params["StatementName"])
            )
        return {"PreparedStatement": found}

    def batch_get_prepared_statement(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """BatchGetPreparedStatement."""
        wg = str(params["WorkGroup"])
        found: list[dict[str, Any]] = []
        missing: list[dict[str, Any]] = []
        with self.env.store.read() as conn:
            for name in params["PreparedStatementNames"]:
                item = A.get_prepared(conn, ctx.region, wg, str(name).lower())
                if item is None:
                    missing.append(
                        {
                            "StatementName": name,
                            "ErrorCode": "INVALID_INPUT",
                            "ErrorMessage": f"Prepared statement {name} was not found",
                        }
                    )
                else:
                    found.append(item)
        return {"PreparedStatements": found, "UnprocessedPreparedStatementNames": missing}

    def list_prepared_statements(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """ListPreparedStatements."""
        wg = str(params["WorkGroup"])
        with self.env.store.read() as conn:
            self.workgroup(conn, ctx.region, wg)
            items = [
                {"StatementName": p["StatementName"], "LastModifiedTime": p["LastModifiedTime"]}
                for p in A.list_prepared(conn, ctx.region, wg)
            ]
        chunk, nxt = page(items, params)
        out: dict[str, Any] = {"PreparedStatements": chunk}
        if nxt:
            out["NextToken"] = nxt
        return out

    def update_prepared_statement(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """UpdatePreparedStatement."""
        name, wg = str(params["StatementName"]), str(params["WorkGroup"])
        sql = str(params["QueryStatement"])
        self._validate_statement(ctx, name, sql)
        with self.env.store.transaction() as conn:
            body = self._prepared(conn, ctx, wg, name)
            body["QueryStatement"] = sql
            body["LastModifiedTime"] = self._now()
            if "Description" in params:
                body["Description"] = params["Description"]
            A.put_prepared(conn, ctx.region, wg, name.lower(), body)
        return {}

    def delete_prepared_statement(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """DeletePreparedStatement."""
        name, wg = str(params["StatementName"]), str(params["WorkGroup"])
        with self.env.store.transaction() as conn:
            self._prepared(conn, ctx, wg, name)
            A.delete_prepared(conn, ctx.region, wg, name.lower())
        return {}
