"""Work groups (``primary`` always exists) and the tags of work groups and data catalogs."""

from __future__ import annotations

import copy
import re
from typing import Any

from headwater.services.athena import errors
from headwater.services.athena._core import CATALOG, ENGINE_VERSION, PRIMARY, AthenaCore, page
from headwater.services.base import RequestContext
from headwater.store.athena import AthenaStore as A

__all__ = ["WorkGroupOperations"]

_NAME = re.compile(r"^[a-zA-Z0-9._-]{1,128}$")
_ARN = re.compile(r"^arn:aws[\w-]*:athena:[\w-]+:\d{12}:(workgroup|datacatalog)/(.+)$")


def _apply_result_updates(config: dict[str, Any], updates: dict[str, Any]) -> None:
    result = dict(config.get("ResultConfiguration") or {})
    for member in (
        "OutputLocation",
        "EncryptionConfiguration",
        "ExpectedBucketOwner",
        "AclConfiguration",
    ):
        if updates.get(f"Remove{member}"):
            result.pop(member, None)
        elif member in updates:
            result[member] = updates[member]
    if result:
        config["ResultConfiguration"] = result
    else:
        config.pop("ResultConfiguration", None)


class WorkGroupOperations(AthenaCore):
    """CreateWorkGroup ... DeleteWorkGroup; TagResource, UntagResource, ListTagsForResource."""

    def create_work_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateWorkGroup."""
        name = str(params["Name"])
        if not _NAME.match(name):
            raise errors.invalid_request(f"Invalid WorkGroup name: {name}")
        config = copy.deepcopy(dict(params.get("Configuration") or {}))
        config.setdefault("EnforceWorkGroupConfiguration", True)
        config.setdefault("PublishCloudWatchMetricsEnabled", True)
        config.setdefault("RequesterPaysEnabled", False)
        config["EngineVersion"] = {
            "SelectedEngineVersion": (config.get("EngineVersion") or {}).get(
                "SelectedEngineVersion", "AUTO"
            ),
            "EffectiveEngineVersion": ENGINE_VERSION["EffectiveEngineVersion"],
        }
        config.setdefault("EnableMinimumEncryptionConfiguration", False)
        body: dict[str, Any] = {
            "Name": name,
            "State": "ENABLED",
            "Configuration": config,
            "CreationTime": self._now(),
        }
        if params.get("Description"):
            body["Description"] = params["Description"]
        with self.env.store.transaction() as conn:
            self.workgroup(conn, ctx.region, PRIMARY, create=True)
            if A.get_workgroup(conn, ctx.region, name) is not None:
                raise errors.invalid_request("WorkGroup is already created")
            A.put_workgroup(conn, ctx.region, name, body)
            tags = {str(t["Key"]): str(t.get("Value", "")) for t in params.get("Tags") or ()}
            if tags:
                A.put_tags(conn, self._arn(ctx, "workgroup", name), tags)
        return {}

    def get_work_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetWorkGroup."""
        with self.env.store.read() as conn:
            return {"WorkGroup": self.workgroup(conn, ctx.region, str(params["WorkGroup"]))}

    def update_work_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateWorkGroup: description, state and configuration updates."""
        name = str(params["WorkGroup"])
        with self.env.store.transaction() as conn:
            body = self.workgroup(conn, ctx.region, name, create=True)
            if "Description" in params:
                body["Description"] = params["Description"]
            if params.get("State"):
                body["State"] = params["State"]
            updates = dict(params.get("ConfigurationUpdates") or {})
            config = dict(body.get("Configuration") or {})
            for member in (
                "EnforceWorkGroupConfiguration",
                "PublishCloudWatchMetricsEnabled",
                "RequesterPaysEnabled",
                "BytesScannedCutoffPerQuery",
                "AdditionalConfiguration",
                "ExecutionRole",
                "EnableMinimumEncryptionConfiguration",
            ):
                if member in updates:
                    config[member] = updates[member]
            if updates.get("RemoveBytesScannedCutoffPerQuery"):
                config.pop("BytesScannedCutoffPerQuery", None)
            if "EngineVersion" in updates:
                config["EngineVersion"] = {
                    "SelectedEngineVersion": updates["EngineVersion"].get(
                        "SelectedEngineVersion", "AUTO"
                    ),
                    "EffectiveEngineVersion": ENGINE_VERSION["EffectiveEngineVersion"],
                }
            if "ResultConfigurationUpdates" in updates:
                _apply_result_updates(config, dict(updates["ResultConfigurationUpdates"]))
            body["Configuration"] = config
            A.put_workgroup(conn, ctx.region, name, body)
        return {}

    def list_work_groups(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListWorkGroups."""
        with self.env.store.read() as conn:
            found = A.list_workgroups(conn, ctx.region)
        if not any(w["Name"] == PRIMARY for w in found):
            found = sorted([*found, self._primary()], key=lambda w: str(w["Name"]))
        summaries = []
        for wg in found:
            item = {
                "Name": wg["Name"],
                "State": wg.get("State", "ENABLED"),
                "CreationTime": wg.get("CreationTime", 0.0),
                "EngineVersion": (wg.get("Configuration") or {}).get(
                    "EngineVersion", dict(ENGINE_VERSION)
                ),
            }
            if wg.get("Description"):
                item["Description"] = wg["Description"]
            summaries.append(item)
        chunk, nxt = page(summaries, params)
        out: dict[str, Any] = {"WorkGroups": chunk}
        if nxt:
            out["NextToken"] = nxt
        return out

    def delete_work_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteWorkGroup (RecursiveDeleteOption: with its named queries and statements)."""
        name = str(params["WorkGroup"])
        if name == PRIMARY:
            raise errors.invalid_request("Cannot delete the primary WorkGroup")
        recursive = bool(params.get("RecursiveDeleteOption"))
        with self.env.store.transaction() as conn:
            self.workgroup(conn, ctx.region, name)
            busy = A.list_named_query_ids(conn, ctx.region, name) or A.list_prepared(
                conn, ctx.region, name
            )
            if busy and not recursive:
                raise errors.invalid_request(
                    f"WorkGroup {name} is not empty; delete it with RecursiveDeleteOption"
                )
            A.delete_workgroup_named_queries(conn, ctx.region, name)
            A.delete_workgroup_prepared(conn, ctx.region, name)
            A.delete_workgroup_queries(conn, ctx.region, name)
            A.delete_workgroup(conn, ctx.region, name)
            A.put_tags(conn, self._arn(ctx, "workgroup", name), {})
        return {}

    # -- tags -------------------------------------------------------------------------------
    def _tagged(self, ctx: RequestContext, arn: str) -> str:
        match = _ARN.match(arn)
        if match is None:
            raise errors.invalid_request(f"Invalid ARN: {arn}")
        kind, name = match.groups()
        if kind == "datacatalog":
            if name.lower() != CATALOG.lower():
                raise errors.not_found(f"Data catalog {name} does not exist", arn)
            return arn
        with self.env.store.read() as conn:
            if name != PRIMARY and A.get_workgroup(conn, ctx.region, name) is None:
                raise errors.not_found(f"WorkGroup {name} is not found.", arn)
        return arn

    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """TagResource."""
        arn = self._tagged(ctx, str(params["ResourceARN"]))
        with self.env.store.transaction() as conn:
            tags = A.get_tags(conn, arn)
            tags.update({str(t["Key"]): str(t.get("Value", "")) for t in params["Tags"]})
            if len(tags) > 50:
                raise errors.invalid_request("A resource can have at most 50 tags")
            A.put_tags(conn, arn, tags)
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UntagResource."""
        arn = self._tagged(ctx, str(params["ResourceARN"]))
        with self.env.store.transaction() as conn:
            tags = A.get_tags(conn, arn)
            for key in params["TagKeys"]:
                tags.pop(str(key), None)
            A.put_tags(conn, arn, tags)
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListTagsForResource."""
        arn = self._tagged(ctx, str(params["ResourceARN"]))
        with self.env.store.read() as conn:
            tags = A.get_tags(conn, arn)
        items = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
        chunk, nxt = page(items, params, default=100, limit=100)
        out: dict[str, Any] = {"Tags": chunk}
        if nxt:
            out["NextToken"] = nxt
        return out
