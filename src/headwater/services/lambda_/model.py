"""Lambda's domain: function configurations, code references, aliases, ARNs and qualifiers."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from headwater.services.lambda_ import errors

__all__ = [
    "LATEST",
    "AliasConfig",
    "CodeKind",
    "CodeRef",
    "FunctionConfig",
    "FunctionRef",
    "InvocationType",
    "LayerRef",
    "function_arn",
    "lambda_timestamp",
    "parse_function_name",
]

LATEST = "$LATEST"


class CodeKind(StrEnum):
    """Where a function's code comes from."""

    ZIP = "zip"  # an uploaded archive, unpacked under the data dir
    HOT_RELOAD = "hot-reload"  # a local folder, used in place


class InvocationType(StrEnum):
    """Invoke's ``InvocationType`` values."""

    REQUEST_RESPONSE = "RequestResponse"
    EVENT = "Event"
    DRY_RUN = "DryRun"


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeRef:
    """A function's code: a content-addressed archive, or a hot-reload folder."""

    kind: CodeKind
    sha256: str  # base64, as CodeSha256 reports it
    size: int
    digest: str = ""  # hex sha256 of the archive: its folder name
    path: str = ""  # the hot-reload folder


@dataclass(frozen=True, slots=True, kw_only=True)
class LayerRef:
    """A layer version a function uses."""

    arn: str
    size: int
    path: str  # the unpacked layer folder (empty when the layer is not Headwater's)


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionConfig:
    """The configuration of one version ($LATEST or a published number) of a function."""

    name: str
    region: str
    account: str
    version: str
    runtime: str
    handler: str
    role: str
    code: CodeRef
    description: str = ""
    timeout: int = 3
    memory_size: int = 128
    environment: dict[str, str] = field(default_factory=dict)
    layers: tuple[LayerRef, ...] = ()
    architectures: tuple[str, ...] = ("x86_64",)
    ephemeral_storage: int = 512
    tracing_mode: str = "PassThrough"
    log_format: str = "Text"
    log_group: str = ""
    application_log_level: str = ""
    system_log_level: str = ""
    dead_letter_target: str = ""
    kms_key_arn: str = ""
    vpc_config: dict[str, Any] | None = None
    last_modified: float = 0.0
    revision_id: str = ""

    @property
    def arn(self) -> str:
        """The unqualified function ARN."""
        return function_arn(self.region, self.account, self.name)

    @property
    def version_arn(self) -> str:
        """The ARN qualified with this version."""
        return f"{self.arn}:{self.version}"

    @property
    def log_group_name(self) -> str:
        """The CloudWatch Logs group the function writes to."""
        return self.log_group or f"/aws/lambda/{self.name}"

    def to_doc(self) -> dict[str, Any]:
        """Return the stored JSON form."""
        doc = asdict(self)
        doc["layers"] = [asdict(layer) for layer in self.layers]
        doc["architectures"] = list(self.architectures)
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> FunctionConfig:
        """Rebuild a configuration from its stored JSON form."""
        values = dict(doc)
        code = dict(values.pop("code"))
        code["kind"] = CodeKind(code["kind"])
        values["code"] = CodeRef(**code)
        values["layers"] = tuple(LayerRef(**layer) for layer in values.get("layers", []))
        values["architectures"] = tuple(values.get("architectures", ("x86_64",)))
        return cls(**values)

    def evolve(self, **changes: Any) -> FunctionConfig:
        """Return a copy with ``changes``."""
        return replace(self, **changes)

    def same_as(self, other: FunctionConfig) -> bool:
        """Whether two configurations publish to the same version (code and settings)."""
        ignore = {"version", "last_modified", "revision_id"}
        mine = {k: v for k, v in self.to_doc().items() if k not in ignore}
        theirs = {k: v for k, v in other.to_doc().items() if k not in ignore}
        return mine == theirs

    def to_api(self, *, arn: str | None = None) -> dict[str, Any]:
        """Return the ``FunctionConfiguration`` shape."""
        out: dict[str, Any] = {
            "FunctionName": self.name,
            "FunctionArn": arn or (self.arn if self.version == LATEST else self.version_arn),
            "Runtime": self.runtime,
            "Role": self.role,
            "Handler": self.handler,
            "CodeSize": self.code.size,
            "Description": self.description,
            "Timeout": self.timeout,
            "MemorySize": self.memory_size,
            "LastModified": lambda_timestamp(self.last_modified),
            "CodeSha256": self.code.sha256,
            "Version": self.version,
            "TracingConfig": {"Mode": self.tracing_mode},
            "RevisionId": self.revision_id,
            "State": "Active",
            "LastUpdateStatus": "Successful",
            "PackageType": "Zip",
            "Architectures": list(self.architectures),
            "EphemeralStorage": {"Size": self.ephemeral_storage},
            "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
            "RuntimeVersionConfig": {
                "RuntimeVersionArn": f"arn:aws:lambda:{self.region}::runtime:headwater-"
                + self.runtime.replace(".", "-")
            },
            "LoggingConfig": _logging_config(self),
        }
        if self.environment:
            out["Environment"] = {"Variables": dict(self.environment)}
        if self.layers:
            out["Layers"] = [{"Arn": layer.arn, "CodeSize": layer.size} for layer in self.layers]
        if self.dead_letter_target:
            out["DeadLetterConfig"] = {"TargetArn": self.dead_letter_target}
        if self.kms_key_arn:
            out["KMSKeyArn"] = self.kms_key_arn
        if self.vpc_config:
            out["VpcConfig"] = self.vpc_config
        return out


def _logging_config(cfg: FunctionConfig) -> dict[str, Any]:
    out: dict[str, Any] = {"LogFormat": cfg.log_format, "LogGroup": cfg.log_group_name}
    if cfg.application_log_level:
        out["ApplicationLogLevel"] = cfg.application_log_level
    if cfg.system_log_level:
        out["SystemLogLevel"] = cfg.system_log_level
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class AliasConfig:
    """An alias: a name that points at a version, optionally splitting traffic."""

    function: str
    name: str
    arn: str
    function_version: str
    description: str = ""
    weights: dict[str, float] = field(default_factory=dict)
    revision_id: str = ""

    def to_doc(self) -> dict[str, Any]:
        """Return the stored JSON form."""
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> AliasConfig:
        """Rebuild an alias from its stored JSON form."""
        return cls(**doc)

    def to_api(self) -> dict[str, Any]:
        """Return the ``AliasConfiguration`` shape."""
        out: dict[str, Any] = {
            "AliasArn": self.arn,
            "Name": self.name,
            "FunctionVersion": self.function_version,
            "Description": self.description,
            "RevisionId": self.revision_id,
        }
        if self.weights:
            out["RoutingConfig"] = {"AdditionalVersionWeights": dict(self.weights)}
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionRef:
    """A function as a request names it: its name and the qualifier, if any."""

    name: str
    qualifier: str | None


_NAME = re.compile(
    r"^(?:arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d+):function:"
    r"|(?P<account2>\d+):function:)?"
    r"(?P<name>[a-zA-Z0-9_-]{1,64})"
    r"(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]{1,128}))?$"
)


def parse_function_name(value: str, qualifier: str | None = None) -> FunctionRef:
    """Read a name, a partial ARN or a full ARN, with an optional qualifier.

    Raises:
        ServiceError: InvalidParameterValueException when the two qualifiers disagree, or
            ResourceNotFoundException-style validation for names that cannot be functions.
    """
    m = _NAME.match(value or "")
    if m is None:
        raise errors.invalid_parameter(
            f"1 validation error detected: Value '{value}' at 'functionName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?"
            "(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
        )
    derived = m.group("qualifier")
    if derived and qualifier and derived != qualifier:
        raise errors.invalid_parameter(
            "The derived qualifier from the function name does not match the specified qualifier."
        )
    return FunctionRef(name=m.group("name"), qualifier=derived or qualifier or None)


def function_arn(region: str, account: str, name: str) -> str:
    """The unqualified ARN of a function."""
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


def lambda_timestamp(epoch: float) -> str:
    """Lambda's ``LastModified`` format: ``2026-01-01T00:00:00.000+0000``."""
    dt = datetime.fromtimestamp(epoch, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}+0000"
