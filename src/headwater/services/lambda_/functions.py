"""Lambda's function lifecycle API: create, read, update, delete, versions, aliases, tags."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from headwater.services.base import RequestContext
from headwater.services.lambda_ import errors
from headwater.services.lambda_.code import HOT_RELOAD_BUCKET, read_s3_object
from headwater.services.lambda_.core import LambdaCore
from headwater.services.lambda_.execution import RESERVED_ENV
from headwater.services.lambda_.model import (
    LATEST,
    AliasConfig,
    CodeRef,
    FunctionConfig,
    LayerRef,
    parse_function_name,
)
from headwater.store.lambda_ import FunctionRow, LambdaStore

__all__ = ["FunctionsApi"]

_PYTHON = re.compile(r"^python3\.(\d+)$")
_MIN_PYTHON_MINOR = 8
_ENV_LIMIT = 4096


def _check_runtime(runtime: str | None, handler: str | None) -> None:
    if not runtime or not handler:
        raise errors.invalid_parameter(
            "Runtime and Handler are mandatory parameters for functions created with "
            "deployment packages."
        )
    m = _PYTHON.match(runtime)
    if m is None:
        raise errors.invalid_parameter(
            f"The runtime parameter of {runtime} is not supported by Headwater, which runs "
            f"Python functions only: use a python3.x runtime (the local interpreter is "
            f"python{sys.version_info.major}.{sys.version_info.minor})."
        )
    if int(m.group(1)) < _MIN_PYTHON_MINOR:
        raise errors.invalid_parameter(
            f"The runtime parameter of {runtime} is no longer supported for creating or "
            "updating AWS Lambda functions. We recommend you use a supported runtime while "
            "creating or updating functions."
        )


def _check_environment(variables: dict[str, str]) -> None:
    reserved = sorted(k for k in variables if k in RESERVED_ENV)
    if reserved:
        raise errors.invalid_parameter(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not "
            f"supported for modification. Reserved keys used in this request: {','.join(reserved)}"
        )
    measured = json.dumps(variables, separators=(",", ":"))
    if len(measured.encode()) > _ENV_LIMIT:
        raise errors.invalid_parameter(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided exceeded the 4KB limit. String measured: " + measured
        )


def _tags_out(tags: dict[str, str]) -> dict[str, str]:
    return dict(sorted(tags.items()))


class FunctionsApi(LambdaCore):
    """CreateFunction ... DeleteFunction, PublishVersion, aliases, concurrency and tags."""

    # -- code --------------------------------------------------------------------------------
    def _code_from(self, ctx: RequestContext, name: str, source: dict[str, Any]) -> CodeRef:
        if source.get("ImageUri"):
            raise errors.invalid_parameter(
                "Headwater runs Zip packages only; container images (ImageUri) are not supported."
            )
        if source.get("ZipFile") is not None:
            return self.code.put_archive(name, bytes(source["ZipFile"]))
        bucket, key = source.get("S3Bucket"), source.get("S3Key")
        if bucket and key:
            if bucket == HOT_RELOAD_BUCKET:
                return self.code.hot_reload(key)
            data = read_s3_object(
                self.env.registry, ctx, bucket, key, source.get("S3ObjectVersion")
            )
            return self.code.put_archive(name, data)
        raise errors.invalid_parameter("Please provide a source for function code.")

    def _layers(self, conn: sa.Connection, arns: list[str]) -> tuple[LayerRef, ...]:
        out: list[LayerRef] = []
        for arn in arns:
            m = re.match(r"^arn:[^:]+:lambda:[^:]*:[^:]*:layer:([^:]+):(\d+)$", arn)
            doc = LambdaStore.get_layer_version(conn, m.group(1), int(m.group(2))) if m else None
            if doc is None:
                raise errors.invalid_parameter(
                    f"Layer version {arn} does not exist. Publish it with PublishLayerVersion "
                    "first (Headwater runs the layers it holds)."
                )
            out.append(LayerRef(arn=arn, size=int(doc["size"]), path=str(doc["path"])))
        return tuple(out)

    # -- create ------------------------------------------------------------------------------
    def create_function(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateFunction: from a zip, an S3 object or (hot reload) a local folder."""
        name = params["FunctionName"]
        ref = parse_function_name(name)
        name = ref.name
        if params.get("PackageType", "Zip") != "Zip":
            raise errors.invalid_parameter(
                "Headwater runs Zip packages only; PackageType Image is not supported."
            )
        _check_runtime(params.get("Runtime"), params.get("Handler"))
        variables = dict((params.get("Environment") or {}).get("Variables") or {})
        _check_environment(variables)
        with self.env.store.read() as conn:
            if LambdaStore.get_function(conn, name) is not None:
                raise errors.conflict(f"Function already exist: {name}")
        code = self._code_from(ctx, name, params.get("Code") or {})
        now = self.now()
        logging_cfg = params.get("LoggingConfig") or {}
        with self.env.store.transaction() as conn:
            if LambdaStore.get_function(conn, name) is not None:
                raise errors.conflict(f"Function already exist: {name}")
            cfg = FunctionConfig(
                name=name,
                region=ctx.region,
                account=ctx.account_id,
                version=LATEST,
                runtime=params["Runtime"],
                handler=params["Handler"],
                role=params["Role"],
                code=code,
                description=params.get("Description", ""),
                timeout=int(params.get("Timeout", 3)),
                memory_size=int(params.get("MemorySize", 128)),
                environment=variables,
                layers=self._layers(conn, list(params.get("Layers") or [])),
                architectures=tuple(params.get("Architectures") or ("x86_64",)),
                ephemeral_storage=int((params.get("EphemeralStorage") or {}).get("Size", 512)),
                tracing_mode=(params.get("TracingConfig") or {}).get("Mode", "PassThrough"),
                log_format=logging_cfg.get("LogFormat", "Text"),
                log_group=logging_cfg.get("LogGroup", ""),
                application_log_level=logging_cfg.get("ApplicationLogLevel", ""),
                system_log_level=logging_cfg.get("SystemLogLevel", ""),
                dead_letter_target=(params.get("DeadLetterConfig") or {}).get("TargetArn", ""),
                kms_key_arn=params.get("KMSKeyArn", ""),
                vpc_config=params.get("VpcConfig"),
                last_modified=now,
                revision_id=self.new_revision(),
            )
            row = FunctionRow(
                name=name,
                config=cfg.to_doc(),
                tags=dict(params.get("Tags") or {}),
                reserved_concurrency=None,
                next_version=1,
                created=now,
            )
            LambdaStore.insert_function(conn, row)
            if params.get("Publish"):
                return self._publish(conn, row, cfg, params.get("Description")).to_api()
        return cfg.to_api()

    # -- read --------------------------------------------------------------------------------
    def get_function(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetFunction: configuration, code location, tags and concurrency."""
        with self.env.store.read() as conn:
            found = self.resolve(conn, ctx, self.ref(params))
        cfg = found.config
        out: dict[str, Any] = {
            "Configuration": self._config_out(found.config, found.qualifier),
            "Code": self._code_location(cfg),
        }
        if found.function.tags:
            out["Tags"] = _tags_out(found.function.tags)
        if found.function.reserved_concurrency is not None:
            out["Concurrency"] = {
                "ReservedConcurrentExecutions": found.function.reserved_concurrency
            }
        return out

    def get_function_configuration(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """GetFunctionConfiguration."""
        with self.env.store.read() as conn:
            found = self.resolve(conn, ctx, self.ref(params))
        return self._config_out(found.config, found.qualifier)

    def _config_out(self, cfg: FunctionConfig, qualifier: str) -> dict[str, Any]:
        if qualifier not in (LATEST, cfg.version):  # named through an alias
            return cfg.to_api(arn=f"{cfg.arn}:{qualifier}")
        return cfg.to_api()

    def _code_location(self, cfg: FunctionConfig) -> dict[str, Any]:
        if cfg.code.path:
            return {"RepositoryType": "S3", "Location": f"file://{cfg.code.path}"}
        archive = self.code.archive_path(cfg.name, cfg.code)
        return {"RepositoryType": "S3", "Location": archive.as_uri()}

    def list_functions(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListFunctions ($LATEST of each, or every version with FunctionVersion=ALL)."""
        with self.env.store.read() as conn:
            rows = LambdaStore.list_functions(conn)
            items: list[tuple[str, dict[str, Any]]] = []
            for row in rows:
                latest = FunctionConfig.from_doc(row.config)
                if params.get("FunctionVersion") == "ALL":
                    items.append((f"{row.name}:{LATEST}", latest.to_api(arn=latest.version_arn)))
                    for doc in LambdaStore.list_versions(conn, row.name):
                        cfg = FunctionConfig.from_doc(doc)
                        items.append((f"{row.name}:{cfg.version}", cfg.to_api()))
                else:
                    items.append((row.name, latest.to_api()))
        page, marker = _page(items, params)
        out: dict[str, Any] = {"Functions": page}
        if marker:
            out["NextMarker"] = marker
        return out

    # -- update ------------------------------------------------------------------------------
    def update_function_code(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateFunctionCode (ZipFile, S3 object or hot-reload folder; Publish; DryRun)."""
        ref = self.ref(params, qualifier_key="")
        with self.env.store.read() as conn:
            row = self.load(conn, ctx, ref.name)
        self.check_revision(FunctionConfig.from_doc(row.config).revision_id, params)
        code = self._code_from(ctx, ref.name, params)
        with self.env.store.transaction() as conn:
            row = self.load(conn, ctx, ref.name)
            latest = FunctionConfig.from_doc(row.config)
            self.check_revision(latest.revision_id, params)
            changes: dict[str, Any] = {"code": code}
            if params.get("Architectures"):
                changes["architectures"] = tuple(params["Architectures"])
            cfg = latest.evolve(
                **changes, last_modified=self.now(), revision_id=self.new_revision()
            )
            if params.get("DryRun"):
                return cfg.to_api()
            LambdaStore.update_function(conn, ref.name, config=cfg.to_doc())
            out = cfg
            if params.get("Publish"):
                out = self._publish(conn, self.load(conn, ctx, ref.name), cfg, None)
        self.pool.retire(f"{ref.name}:{LATEST}")
        return out.to_api()

    def update_function_configuration(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """UpdateFunctionConfiguration: every setting but the code."""
        ref = self.ref(params, qualifier_key="")
        with self.env.store.transaction() as conn:
            row = self.load(conn, ctx, ref.name)
            latest = FunctionConfig.from_doc(row.config)
            self.check_revision(latest.revision_id, params)
            changes: dict[str, Any] = {}
            simple = {
                "Role": "role",
                "Handler": "handler",
                "Description": "description",
                "Timeout": "timeout",
                "MemorySize": "memory_size",
                "Runtime": "runtime",
                "KMSKeyArn": "kms_key_arn",
                "VpcConfig": "vpc_config",
            }
            for member, attr in simple.items():
                if member in params:
                    changes[attr] = params[member]
            if "Runtime" in params or "Handler" in params:
                _check_runtime(
                    changes.get("runtime", latest.runtime), changes.get("handler", latest.handler)
                )
            if "Environment" in params:
                variables = dict((params["Environment"] or {}).get("Variables") or {})
                _check_environment(variables)
                changes["environment"] = variables
            if "Layers" in params:
                changes["layers"] = self._layers(conn, list(params["Layers"] or []))
            if "EphemeralStorage" in params:
                changes["ephemeral_storage"] = int(params["EphemeralStorage"].get("Size", 512))
            if "TracingConfig" in params:
                changes["tracing_mode"] = params["TracingConfig"].get("Mode", "PassThrough")
            if "DeadLetterConfig" in params:
                changes["dead_letter_target"] = params["DeadLetterConfig"].get("TargetArn", "")
            if "LoggingConfig" in params:
                lc = params["LoggingConfig"]
                changes["log_format"] = lc.get("LogFormat", latest.log_format)
                changes["log_group"] = lc.get("LogGroup", latest.log_group)
                changes["application_log_level"] = lc.get(
                    "ApplicationLogLevel", latest.application_log_level
                )
                changes["system_log_level"] = lc.get("SystemLogLevel", latest.system_log_level)
            cfg = latest.evolve(
                **changes, last_modified=self.now(), revision_id=self.new_revision()
            )
            LambdaStore.update_function(conn, ref.name, config=cfg.to_doc())
        self.pool.retire(f"{ref.name}:{LATEST}")
        return cfg.to_api()

    # -- delete ------------------------------------------------------------------------------
    def delete_function(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteFunction: the whole function, or one published version."""
        ref = self.ref(params)
        with self.env.store.transaction() as conn:
            self.load(conn, ctx, ref.name)
            if ref.qualifier is None:
                LambdaStore.delete_function(conn, ref.name)
            elif ref.qualifier == LATEST:
                raise errors.invalid_parameter(
                    "$LATEST version cannot be deleted without deleting the function."
                )
            elif not ref.qualifier.isdigit():
                raise errors.invalid_parameter(
                    "Deletion of aliases is not currently supported with DeleteFunction; "
                    "use DeleteAlias."
                )
            else:
                if LambdaStore.get_version(conn, ref.name, int(ref.qualifier)) is None:
                    raise self.not_found(ctx, ref.name, ref.qualifier)
                users = [
                    a["name"]
                    for a in LambdaStore.list_aliases(conn, ref.name)
                    if a["function_version"] == ref.qualifier
                    or ref.qualifier in (a.get("weights") or {})
                ]
                if users:
                    raise errors.conflict(
                        "Unable to delete version because the following aliases reference it: "
                        f"{users}"
                    )
                LambdaStore.delete_version(conn, ref.name, int(ref.qualifier))
        if ref.qualifier is None:
            self.pool.retire_prefix(f"{ref.name}:")
            self.code.remove_function(ref.name)
        else:
            self.pool.retire(f"{ref.name}:{ref.qualifier}")
        return {"StatusCode": 204}

    # -- versions ----------------------------------------------------------------------------
    def _publish(
        self, conn: sa.Connection, row: FunctionRow, latest: FunctionConfig, description: Any
    ) -> FunctionConfig:
        previous = LambdaStore.list_versions(conn, row.name)
        if previous:
            last = FunctionConfig.from_doc(previous[-1])
            if last.same_as(latest.evolve(description=last.description)) and description in (
                None,
                last.description,
            ):
                return last
        number = row.next_version
        cfg = latest.evolve(
            version=str(number),
            description=latest.description if description is None else description,
            last_modified=self.now(),
            revision_id=self.new_revision(),
        )
        LambdaStore.put_version(conn, row.name, number, cfg.to_doc())
        LambdaStore.update_function(conn, row.name, next_version=number + 1)
        return cfg

    def publish_version(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """PublishVersion: a snapshot of $LATEST (the last one again if nothing changed)."""
        ref = self.ref(params, qualifier_key="")
        with self.env.store.transaction() as conn:
            row = self.load(conn, ctx, ref.name)
            latest = FunctionConfig.from_doc(row.config)
            self.check_revision(latest.revision_id, params)
            sha = params.get("CodeSha256")
            if sha and sha != latest.code.sha256:
                raise errors.invalid_parameter(
                    f"CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST "
                    f"({latest.code.sha256}). Please try again with the CodeSHA256 in $LATEST."
                )
            return self._publish(conn, row, latest, params.get("Description")).to_api()

    def list_versions_by_function(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """ListVersionsByFunction: $LATEST first, then the published versions."""
        ref = self.ref(params, qualifier_key="")
        with self.env.store.read() as conn:
            row = self.load(conn, ctx, ref.name)
            latest = FunctionConfig.from_doc(row.config)
            items = [(LATEST, latest.to_api(arn=latest.version_arn))]
            for doc in LambdaStore.list_versions(conn, ref.name):
                cfg = FunctionConfig.from_doc(doc)
                items.append((cfg.version, cfg.to_api()))
        page, marker = _page(items, params)
        out: dict[str, Any] = {"Versions": page}
        if marker:
            out["NextMarker"] = marker
        return out

    # -- aliases -----------------------------------------------------------------------------
    def _check_target(
        self, conn: sa.Connection, ctx: RequestContext, name: str, version: str
    ) -> None:
        if version == LATEST:
            return
        if not version.isdigit() or LambdaStore.get_version(conn, name, int(version)) is None:
            raise self.not_found(ctx, name, version)

    def _weights(
        self, conn: sa.Connection, ctx: RequestContext, name: str, params: dict[str, Any]
    ) -> dict[str, float] | None:
        routing = params.get("RoutingConfig")
        if routing is None:
            return None
        weights = {
            str(k): float(v) for k, v in (routing.get("AdditionalVersionWeights") or {}).items()
        }
        for version in weights:
            self._check_target(conn, ctx, name, version)
        if sum(weights.values()) > 1.0:
            raise errors.invalid_parameter("The sum of the additional version weights is over 1.")
        return weights

    def create_alias(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateAlias."""
        ref = self.ref(params, qualifier_key="")
        with self.env.store.transaction() as conn:
            row = self.load(conn, ctx, ref.name)
            cfg = FunctionConfig.from_doc(row.config)
            arn = f"{cfg.arn}:{params['Name']}"
            if LambdaStore.get_alias(conn, ref.name, params["Name"]) is not None:
                raise errors.conflict(f"Alias already exists: {arn}")
            self._check_target(conn, ctx, ref.name, params["FunctionVersion"])
            alias = AliasConfig(
                function=ref.name,
                name=params["Name"],
                arn=arn,
                function_version=params["FunctionVersion"],
                description=params.get("Description", ""),
                weights=self._weights(conn, ctx, ref.name, params) or {},
                revision_id=self.new_revision(),
            )
            LambdaStore.put_alias(conn, ref.name, alias.name, alias.to_doc())
        return alias.to_api()

    def _alias(
        self, conn: sa.Connection, ctx: RequestContext, params: dict[str, Any]
    ) -> AliasConfig:
        ref = self.ref(params, qualifier_key="")
        row = self.load(conn, ctx, ref.name)
        doc = LambdaStore.get_alias(conn, ref.name, params["Name"])
        if doc is None:
            arn = f"{FunctionConfig.from_doc(row.config).arn}:{params['Name']}"
            raise errors.not_found(f"Cannot find alias arn: {arn}")
        return AliasConfig.from_doc(doc)

    def get_alias(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetAlias."""
        with self.env.store.read() as conn:
            return self._alias(conn, ctx, params).to_api()

    def list_aliases(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListAliases (optionally only those of FunctionVersion)."""
        ref = self.ref(params, qualifier_key="")
        with self.env.store.read() as conn:
            self.load(conn, ctx, ref.name)
            found = [AliasConfig.from_doc(d) for d in LambdaStore.list_aliases(conn, ref.name)]
        wanted = params.get("FunctionVersion")
        items = [(a.name, a.to_api()) for a in found if not wanted or a.function_version == wanted]
        page, marker = _page(items, params)
        out: dict[str, Any] = {"Aliases": page}
        if marker:
            out["NextMarker"] = marker
        return out

    def update_alias(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateAlias."""
        with self.env.store.transaction() as conn:
            alias = self._alias(conn, ctx, params)
            self.check_revision(alias.revision_id, params)
            changes: dict[str, Any] = {"revision_id": self.new_revision()}
            if "FunctionVersion" in params:
                self._check_target(conn, ctx, alias.function, params["FunctionVersion"])
                changes["function_version"] = params["FunctionVersion"]
            if "Description" in params:
                changes["description"] = params["Description"]
            weights = self._weights(conn, ctx, alias.function, params)
            if weights is not None:
                changes["weights"] = weights
            alias = replace(alias, **changes)
            LambdaStore.put_alias(conn, alias.function, alias.name, alias.to_doc())
        return alias.to_api()

    def delete_alias(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteAlias (deleting a missing alias succeeds, as on AWS)."""
        ref = self.ref(params, qualifier_key="")
        with self.env.store.transaction() as conn:
            self.load(conn, ctx, ref.name)
            LambdaStore.delete_alias(conn, ref.name, params["Name"])
        return {}

    # -- concurrency -------------------------------------------------------------------------
    def put_function_concurrency(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """PutFunctionConcurrency: the reserved concurrency caps this function's workers."""
        ref = self.ref(params, qualifier_key="")
        value = int(params["ReservedConcurrentExecutions"])
        with self.env.store.transaction() as conn:
            self.load(conn, ctx, ref.name)
            LambdaStore.update_function(conn, ref.name, reserved_concurrency=value)
        return {"ReservedConcurrentExecutions": value}

    def get_function_concurrency(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """GetFunctionConcurrency."""
        ref = self.ref(params, qualifier_key="")
        with self.env.store.read() as conn:
            row = self.load(conn, ctx, ref.name)
        if row.reserved_concurrency is None:
            return {}
        return {"ReservedConcurrentExecutions": row.reserved_concurrency}

    def delete_function_concurrency(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """DeleteFunctionConcurrency."""
        ref = self.ref(params, qualifier_key="")
        with self.env.store.transaction() as conn:
            self.load(conn, ctx, ref.name)
            LambdaStore.update_function(conn, ref.name, reserved_concurrency=None)
        return {}

    # -- tags --------------------------------------------------------------------------------
    def _tagged(self, conn: sa.Connection, ctx: RequestContext, resource: str) -> FunctionRow:
        ref = parse_function_name(resource)
        return self.load(conn, ctx, ref.name)

    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """TagResource."""
        with self.env.store.transaction() as conn:
            row = self._tagged(conn, ctx, params["Resource"])
            LambdaStore.update_function(conn, row.name, tags={**row.tags, **params["Tags"]})
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UntagResource."""
        with self.env.store.transaction() as conn:
            row = self._tagged(conn, ctx, params["Resource"])
            drop = set(params["TagKeys"])
            LambdaStore.update_function(
                conn, row.name, tags={k: v for k, v in row.tags.items() if k not in drop}
            )
        return {}

    def list_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListTags."""
        with self.env.store.read() as conn:
            row = self._tagged(conn, ctx, params["Resource"])
        return {"Tags": _tags_out(row.tags)}

    def get_account_settings(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetAccountSettings: AWS's default limits and this Headwater's usage."""
        with self.env.store.read() as conn:
            count = len(LambdaStore.list_functions(conn))
        return {
            "AccountLimit": {
                "TotalCodeSize": 80530636800,
                "CodeSizeUnzipped": 262144000,
                "CodeSizeZipped": 52428800,
                "ConcurrentExecutions": 1000,
                "UnreservedConcurrentExecutions": 1000,
            },
            "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": count},
        }


def _page(
    items: list[tuple[str, dict[str, Any]]], params: dict[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    keys = [k for k, _ in items]
    marker = params.get("Marker")
    start = keys.index(marker) if marker in keys else 0
    limit = int(params.get("MaxItems") or 50)
    page = [v for _, v in items[start : start + limit]]
    nxt = keys[start + limit] if start + limit < len(keys) else None
    return page, nxt
