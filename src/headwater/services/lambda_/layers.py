"""Lambda layers: published as zips, unpacked once, put on the import path of functions."""

from __future__ import annotations

from typing import Any

from headwater.services.base import RequestContext
from headwater.services.lambda_ import errors
from headwater.services.lambda_.code import read_s3_object
from headwater.services.lambda_.core import LambdaCore
from headwater.services.lambda_.model import lambda_timestamp
from headwater.store.lambda_ import LambdaStore

__all__ = ["LayersApi"]


def _layer_name(value: str) -> str:
    if value.startswith("arn:"):
        parts = value.split(":")
        if len(parts) >= 7 and parts[5] == "layer":
            return parts[6]
    return value


def _item(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "LayerVersionArn": doc["LayerVersionArn"],
        "Version": doc["Version"],
        "Description": doc.get("Description", ""),
        "CreatedDate": doc["CreatedDate"],
        "CompatibleRuntimes": doc.get("CompatibleRuntimes", []),
        "LicenseInfo": doc.get("LicenseInfo", ""),
        "CompatibleArchitectures": doc.get("CompatibleArchitectures", []),
    }


def _out(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "Content": {
            "Location": doc["location"],
            "CodeSha256": doc["sha256"],
            "CodeSize": doc["size"],
        },
        "LayerArn": doc["LayerArn"],
        **_item(doc),
    }


class LayersApi(LambdaCore):
    """PublishLayerVersion, GetLayerVersion(ByArn), ListLayers, ListLayerVersions, delete."""

    def publish_layer_version(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """PublishLayerVersion: keep and unpack the zip; functions list it in ``Layers``."""
        name = _layer_name(params["LayerName"])
        content = params.get("Content") or {}
        if content.get("ZipFile") is not None:
            data = bytes(content["ZipFile"])
        elif content.get("S3Bucket") and content.get("S3Key"):
            data = read_s3_object(
                self.env.registry,
                ctx,
                content["S3Bucket"],
                content["S3Key"],
                content.get("S3ObjectVersion"),
            )
        else:
            raise errors.invalid_parameter("Please provide a source for the layer content.")
        with self.env.store.transaction() as conn:
            version = LambdaStore.next_layer_version(conn, name)
            ref, folder = self.code.put_layer(name, version, data)
            layer_arn = f"arn:aws:lambda:{ctx.region}:{ctx.account_id}:layer:{name}"
            doc = {
                "LayerArn": layer_arn,
                "LayerVersionArn": f"{layer_arn}:{version}",
                "Version": version,
                "Description": params.get("Description", ""),
                "CreatedDate": lambda_timestamp(self.now()),
                "CompatibleRuntimes": list(params.get("CompatibleRuntimes") or []),
                "CompatibleArchitectures": list(params.get("CompatibleArchitectures") or []),
                "LicenseInfo": params.get("LicenseInfo", ""),
                "sha256": ref.sha256,
                "size": ref.size,
                "path": str(folder),
                "location": folder.as_uri(),
            }
            LambdaStore.put_layer_version(conn, name, version, doc)
        return _out(doc)

    def _layer(self, name: str, version: int) -> dict[str, Any]:
        with self.env.store.read() as conn:
            doc = LambdaStore.get_layer_version(conn, name, version)
        if doc is None:
            raise errors.not_found("The resource you requested does not exist.")
        return doc

    def get_layer_version(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetLayerVersion."""
        return _out(self._layer(_layer_name(params["LayerName"]), int(params["VersionNumber"])))

    def get_layer_version_by_arn(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """GetLayerVersionByArn."""
        arn = params["Arn"]
        base, _, number = arn.rpartition(":")
        if not number.isdigit():
            raise errors.invalid_parameter(f"Invalid layer version ARN: {arn}")
        return _out(self._layer(_layer_name(base), int(number)))

    def list_layer_versions(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListLayerVersions, newest first."""
        with self.env.store.read() as conn:
            docs = LambdaStore.list_layer_versions(conn, _layer_name(params["LayerName"]))
        runtime = params.get("CompatibleRuntime")
        if runtime:
            docs = [d for d in docs if runtime in d.get("CompatibleRuntimes", [])]
        return {"LayerVersions": [_item(d) for d in docs]}

    def list_layers(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListLayers: each layer with its latest version."""
        with self.env.store.read() as conn:
            docs = LambdaStore.list_layer_versions(conn)
        latest: dict[str, dict[str, Any]] = {}
        for doc in docs:
            name = _layer_name(doc["LayerArn"])
            latest.setdefault(name, doc)  # newest first within a layer
        return {
            "Layers": [
                {
                    "LayerName": name,
                    "LayerArn": doc["LayerArn"],
                    "LatestMatchingVersion": _item(doc),
                }
                for name, doc in sorted(latest.items())
            ]
        }

    def delete_layer_version(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteLayerVersion (functions that use it keep a copy of its files: the folder)."""
        name = _layer_name(params["LayerName"])
        number = int(params["VersionNumber"])
        with self.env.store.transaction() as conn:
            LambdaStore.delete_layer_version(conn, name, number)
        return {}
