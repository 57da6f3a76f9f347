"""Lambda's resource-based policies: AddPermission, RemovePermission, GetPolicy (stored only)."""

from __future__ import annotations

import json
import re
from typing import Any

from headwater.services.base import RequestContext
from headwater.services.lambda_ import errors
from headwater.services.lambda_.core import LambdaCore
from headwater.services.lambda_.model import LATEST, parse_function_name
from headwater.store.lambda_ import LambdaStore

__all__ = ["PolicyApi"]


def _principal(value: str) -> Any:
    if value == "*":
        return "*"
    if re.fullmatch(r"\d{12}", value):
        return {"AWS": f"arn:aws:iam::{value}:root"}
    if value.startswith("arn:"):
        return {"AWS": value}
    return {"Service": value}


def _statement(params: dict[str, Any], resource: str) -> dict[str, Any]:
    stmt: dict[str, Any] = {
        "Sid": params["StatementId"],
        "Effect": "Allow",
        "Principal": _principal(params["Principal"]),
        "Action": params["Action"],
        "Resource": resource,
    }
    condition: dict[str, dict[str, str]] = {}
    if params.get("SourceAccount"):
        condition.setdefault("StringEquals", {})["AWS:SourceAccount"] = params["SourceAccount"]
    if params.get("PrincipalOrgID"):
        condition.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = params["PrincipalOrgID"]
    if params.get("EventSourceToken"):
        condition.setdefault("StringEquals", {})["lambda:EventSourceToken"] = params[
            "EventSourceToken"
        ]
    if params.get("FunctionUrlAuthType"):
        condition.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = params[
            "FunctionUrlAuthType"
        ]
    if params.get("SourceArn"):
        condition.setdefault("ArnLike", {})["AWS:SourceArn"] = params["SourceArn"]
    if condition:
        stmt["Condition"] = condition
    return stmt


class PolicyApi(LambdaCore):
    """Permissions granted to other principals (recorded and returned, never enforced)."""

    def _policy_target(self, ctx: RequestContext, params: dict[str, Any]) -> tuple[str, str, str]:
        """(function name, qualifier key, resource ARN) of a policy request."""
        ref = self.ref(params)
        with self.env.store.read() as conn:
            found = self.resolve(conn, ctx, ref)
        qualifier = "" if ref.qualifier in (None, LATEST) else ref.qualifier
        arn = found.config.arn if not qualifier else f"{found.config.arn}:{qualifier}"
        return ref.name, qualifier, arn

    def add_permission(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """AddPermission: one statement more, its Sid unique within the policy."""
        name, qualifier, arn = self._policy_target(ctx, params)
        stmt = _statement(params, arn)
        with self.env.store.transaction() as conn:
            current = LambdaStore.get_policy(conn, name, qualifier)
            statements, revision = current if current else ([], "")
            if revision:
                self.check_revision(revision, params)
            if any(s.get("Sid") == stmt["Sid"] for s in statements):
                raise errors.conflict(
                    f"The statement id ({stmt['Sid']}) provided already exists. Please provide a "
                    "new statement id, or remove the existing statement."
                )
            LambdaStore.put_policy(conn, name, qualifier, [*statements, stmt], self.new_revision())
        return {"Statement": json.dumps(stmt)}

    def remove_permission(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """RemovePermission."""
        name, qualifier, _arn = self._policy_target(ctx, params)
        sid = params["StatementId"]
        with self.env.store.transaction() as conn:
            current = LambdaStore.get_policy(conn, name, qualifier)
            statements, revision = current if current else ([], "")
            if revision:
                self.check_revision(revision, params)
            kept = [s for s in statements if s.get("Sid") != sid]
            if len(kept) == len(statements):
                raise errors.not_found(f"Statement {sid} is not found in resource policy.")
            LambdaStore.put_policy(conn, name, qualifier, kept, self.new_revision())
        return {}

    def get_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetPolicy: the policy document as a JSON string."""
        name, qualifier, _arn = self._policy_target(ctx, params)
        with self.env.store.read() as conn:
            current = LambdaStore.get_policy(conn, name, qualifier)
        if not current:
            raise errors.not_found("The resource you requested does not exist.")
        statements, revision = current
        doc = {"Version": "2012-10-17", "Id": "default", "Statement": statements}
        return {"Policy": json.dumps(doc), "RevisionId": revision}

    def statements(self, function_arn: str) -> list[dict[str, Any]]:
        """Every statement that grants something on a function (for S3/EventBridge checks)."""
        ref = parse_function_name(function_arn)
        qualifier = "" if ref.qualifier in (None, LATEST) else str(ref.qualifier)
        with self.env.store.read() as conn:
            current = LambdaStore.get_policy(conn, ref.name, qualifier)
        return list(current[0]) if current else []
