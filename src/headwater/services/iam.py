"""IAM: roles and policies stored and returned with proper ARNs (not enforced)."""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from headwater.services.base import RequestContext, Service
from headwater.services.errors import ServiceError
from headwater.store.iam import IamStore, PolicyRow, RoleRow

__all__ = ["IamService"]

_ID_CHARS = string.ascii_uppercase + string.digits


def _new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ID_CHARS) for _ in range(17))


def _no_such(kind: str, name: str) -> ServiceError:
    return ServiceError("NoSuchEntity", f"The {kind} with name {name} cannot be found.", status=404)


def _check_document(doc: str, member: str) -> None:
    try:
        parsed = json.loads(doc)
    except ValueError as exc:
        raise ServiceError(
            "MalformedPolicyDocument", f"{member}: the policy document is not valid JSON"
        ) from exc
    if not isinstance(parsed, dict):
        raise ServiceError(
            "MalformedPolicyDocument", f"{member}: the policy document must be a JSON object"
        )


class IamService(Service):
    """The IAM operations pipelines and templates call."""

    service_name = "iam"

    # -- roles ------------------------------------------------------------------------------
    def _role_out(self, role: RoleRow) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Path": role.path,
            "RoleName": role.name,
            "RoleId": role.role_id,
            "Arn": role.arn,
            "CreateDate": role.created,
            "AssumeRolePolicyDocument": quote(role.assume_role_policy, safe=""),
            "MaxSessionDuration": role.max_session_duration,
        }
        if role.description:
            out["Description"] = role.description
        if role.tags:
            out["Tags"] = role.tags
        return out

    def create_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateRole."""
        name = params["RoleName"]
        doc = params["AssumeRolePolicyDocument"]
        _check_document(doc, "AssumeRolePolicyDocument")
        path = params.get("Path", "/")
        with self.env.store.transaction() as conn:
            if IamStore.get_role(conn, name):
                raise ServiceError(
                    "EntityAlreadyExists", f"Role with name {name} already exists.", status=409
                )
            role = RoleRow(
                name=name,
                role_id=_new_id("AROA"),
                arn=f"arn:aws:iam::{ctx.account_id}:role{path}{name}",
                path=path,
                assume_role_policy=doc,
                description=params.get("Description"),
                max_session_duration=params.get("MaxSessionDuration", 3600),
                created=self.env.clock.now(),
                tags=params.get("Tags", []),
            )
            IamStore.put_role(conn, role)
        return {"Role": self._role_out(role)}

    def get_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetRole."""
        with self.env.store.read() as conn:
            role = IamStore.get_role(conn, params["RoleName"])
        if role is None:
            raise _no_such("role", params["RoleName"])
        return {"Role": self._role_out(role)}

    def list_roles(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListRoles (PathPrefix, MaxItems/Marker pagination)."""
        with self.env.store.read() as conn:
            found = IamStore.list_roles(conn, params.get("PathPrefix", "/"))
        page, marker = _paginate([r.name for r in found], params)
        by_name = {r.name: r for r in found}
        out: dict[str, Any] = {
            "Roles": [self._role_out(by_name[n]) for n in page],
            "IsTruncated": marker is not None,
        }
        if marker:
            out["Marker"] = marker
        return out

    def update_assume_role_policy(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """UpdateAssumeRolePolicy."""
        doc = params["PolicyDocument"]
        _check_document(doc, "PolicyDocument")
        with self.env.store.transaction() as conn:
            role = IamStore.get_role(conn, params["RoleName"])
            if role is None:
                raise _no_such("role", params["RoleName"])
            IamStore.put_role(conn, replace(role, assume_role_policy=doc))
        return {}

    def delete_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteRole: refused while policies remain, as IAM does."""
        with self.env.store.transaction() as conn:
            role = IamStore.get_role(conn, params["RoleName"])
            if role is None:
                raise _no_such("role", params["RoleName"])
            if IamStore.attached(conn, role.name) or IamStore.inline_policies(conn, role.name):
                raise ServiceError(
                    "DeleteConflict",
                    "Cannot delete entity, must detach all policies first.",
                    status=409,
                )
            IamStore.delete_role(conn, role.name)
        return {}

    def tag_role(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """TagRole."""
        with self.env.store.transaction() as conn:
            role = IamStore.get_role(conn, params["RoleName"])
            if role is None:
                raise _no_such("role", params["RoleName"])
            tags = {t["Key"]: t["Value"] for t in role.tags}
            tags.update({t["Key"]: t["Value"] for t in params["Tags"]})
            IamStore.put_role(
                conn, replace(role, tags=[{"Key": k, "Value": v} for k, v in tags.items()])
            )
        return {}

    def list_role_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListRoleTags."""
        with self.env.store.read() as conn:
            role = IamStore.get_role(conn, params["RoleName"])
        if role is None:
            raise _no_such("role", params["RoleName"])
        return {"Tags": role.tags, "IsTruncated": False}

    # -- inline policies --------------------------------------------------------------------
    def put_role_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """PutRolePolicy."""
        _check_document(params["PolicyDocument"], "PolicyDocument")
        with self.env.store.transaction() as conn:
            role = IamStore.get_role(conn, params["RoleName"])
            if role is None:
                raise _no_such("role", params["RoleName"])
            IamStore.put_inline_policy(
                conn, role.name, params["PolicyName"], params["PolicyDocument"]
            )
        return {}

    def get_role_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetRolePolicy."""
        with self.env.store.read() as conn:
            role = IamStore.get_role(conn, params["RoleName"])
            if role is None:
                raise _no_such("role", params["RoleName"])
            doc = IamStore.inline_policies(conn, role.name).get(params["PolicyName"])
        if doc is None:
            raise ServiceError(
                "NoSuchEntity",
                f"The role policy with name {params['PolicyName']} cannot be found.",
                status=404,
            )
        return {
            "RoleName": role.name,
            "PolicyName": params["PolicyName"],
            "PolicyDocument": quote(doc, safe=""),
        }

    def list_role_policies(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListRolePolicies."""
        with self.env.store.read() as conn:
            role = IamStore.get_role(conn, params["RoleName"])
            if role is None:
                raise _no_such("role", params["RoleName"])
            names = list(IamStore.inline_policies(conn, role.name))
        return {"PolicyNames": names, "IsTruncated": False}

    def delete_role_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteRolePolicy."""
        with self.env.store.transaction() as conn:
            role = IamStore.get_role(conn, params["RoleName"])
            if role is None:
                raise _no_such("role", params["RoleName"])
            if not IamStore.delete_inline_policy(conn, role.name, params["PolicyName"]):
                raise ServiceError(
                    "NoSuchEntity",
                    f"The role policy with name {params['PolicyName']} cannot be found.",
                    status=404,
                )
        return {}

    # -- managed policies -------------------------------------------------------------------
    def _policy_out(self, conn: Any, p: PolicyRow) -> dict[str, Any]:
        out: dict[str, Any] = {
            "PolicyName": p.name,
            "PolicyId": p.policy_id,
            "Arn": p.arn,
            "Path": p.path,
            "DefaultVersionId": "v1",
            "AttachmentCount": IamStore.attachment_count(conn, p.arn),
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True,
            "CreateDate": p.created,
            "UpdateDate": p.created,
        }
        if p.description:
            out["Description"] = p.description
        if p.tags:
            out["Tags"] = p.tags
        return out

    def create_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreatePolicy."""
        _check_document(params["PolicyDocument"], "PolicyDocument")
        path = params.get("Path", "/")
        arn = f"arn:aws:iam::{ctx.account_id}:policy{path}{params['PolicyName']}"
        with self.env.store.transaction() as conn:
            if IamStore.get_policy(conn, arn):
                raise ServiceError(
                    "EntityAlreadyExists",
                    f"A policy called "
                    f"{params['PolicyName']} already exists. Duplicate names "
                    "are not allowed.",
                    status=409,
                )
            policy = PolicyRow(
                arn=arn,
                name=params["PolicyName"],
                policy_id=_new_id("ANPA"),
                path=path,
                document=params["PolicyDocument"],
                description=params.get("Description"),
                created=self.env.clock.now(),
                tags=params.get("Tags", []),
            )
            IamStore.put_policy(conn, policy)
            return {"Policy": self._policy_out(conn, policy)}

    def get_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetPolicy."""
        with self.env.store.read() as conn:
            p = IamStore.get_policy(conn, params["PolicyArn"])
            if p is None:
                raise ServiceError(
                    "NoSuchEntity", f"Policy {params['PolicyArn']} was not found.", status=404
                )
            return {"Policy": self._policy_out(conn, p)}

    def get_policy_version(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetPolicyVersion (every stored policy has the one version v1)."""
        with self.env.store.read() as conn:
            p = IamStore.get_policy(conn, params["PolicyArn"])
        if p is None or params["VersionId"] != "v1":
            raise ServiceError(
                "NoSuchEntity",
                f"Policy {params['PolicyArn']} version {params['VersionId']} does not exist.",
                status=404,
            )
        return {
            "PolicyVersion": {
                "Document": quote(p.document, safe=""),
                "VersionId": "v1",
                "IsDefaultVersion": True,
                "CreateDate": p.created,
            }
        }

    def list_policies(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListPolicies (the customer-managed ones; Scope=AWS lists none)."""
        if params.get("Scope") == "AWS":
            return {"Policies": [], "IsTruncated": False}
        with self.env.store.read() as conn:
            found = IamStore.list_policies(conn)
            page, marker = _paginate([p.arn for p in found], params)
            by_arn = {p.arn: p for p in found}
            out: dict[str, Any] = {
                "Policies": [self._policy_out(conn, by_arn[a]) for a in page],
                "IsTruncated": marker is not None,
            }
        if marker:
            out["Marker"] = marker
        return out

    def delete_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeletePolicy: refused while attached."""
        with self.env.store.transaction() as conn:
            if IamStore.get_policy(conn, params["PolicyArn"]) is None:
                raise ServiceError(
                    "NoSuchEntity", f"Policy {params['PolicyArn']} was not found.", status=404
                )
            if IamStore.attachment_count(conn, params["PolicyArn"]):
                raise ServiceError(
                    "DeleteConflict", "Cannot delete a policy attached to entities.", status=409
                )
            IamStore.delete_policy(conn, params["PolicyArn"])
        return {}

    def attach_role_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """AttachRolePolicy: AWS-managed ARNs (account ``aws``) are accepted as they are."""
        arn = params["PolicyArn"]
        with self.env.store.transaction() as conn:
            role = IamStore.get_role(conn, params["RoleName"])
            if role is None:
                raise _no_such("role", params["RoleName"])
            if ":aws:policy/" not in arn and IamStore.get_policy(conn, arn) is None:
                raise ServiceError(
                    "NoSuchEntity", f"Policy {arn} does not exist or is not attachable.", status=404
                )
            IamStore.attach(conn, role.name, arn)
        return {}

    def detach_role_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DetachRolePolicy."""
        with self.env.store.transaction() as conn:
            role = IamStore.get_role(conn, params["RoleName"])
            if role is None:
                raise _no_such("role", params["RoleName"])
            if not IamStore.detach(conn, role.name, params["PolicyArn"]):
                raise ServiceError(
                    "NoSuchEntity", f"Policy {params['PolicyArn']} was not found.", status=404
                )
        return {}

    def list_attached_role_policies(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """ListAttachedRolePolicies."""
        with self.env.store.read() as conn:
            role = IamStore.get_role(conn, params["RoleName"])
            if role is None:
                raise _no_such("role", params["RoleName"])
            arns = IamStore.attached(conn, role.name)
        return {
            "AttachedPolicies": [
                {"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in arns
            ],
            "IsTruncated": False,
        }


def _paginate(keys: list[str], params: dict[str, Any]) -> tuple[list[str], str | None]:
    marker = params.get("Marker")
    start = keys.index(marker) if marker in keys else 0
    limit = int(params.get("MaxItems", 100))
    page = keys[start : start + limit]
    nxt = keys[start + limit] if start + limit < len(keys) else None
    return page, nxt
