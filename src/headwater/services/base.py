"""What every service module shares: the request context, the environment, body handles.

A service is a class with ``service_name`` (botocore's name for it, e.g. ``"s3"``) whose
operations are methods named by botocore's snake_case form of the operation
(``CreateBucket`` -> ``create_bucket``). Each takes ``(ctx, params)`` where ``params`` is the
request parsed and validated against the operation's input shape (member names as in the
AWS model), and returns a dict shaped like the output shape. The API layer, the console, the
CLI and other services (Step Functions' ``aws-sdk`` tasks) all call these same methods.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from headwater.runtime.clock import Clock
    from headwater.runtime.loop import BackgroundLoop
    from headwater.services.registry import ServiceRegistry
    from headwater.store import Store

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_REGION",
    "Environment",
    "OpenFile",
    "RequestContext",
    "Service",
    "StagedFile",
]

DEFAULT_ACCOUNT_ID = "000000000000"
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestContext:
    """Who asked, where, and under which request id."""

    request_id: str
    region: str = DEFAULT_REGION
    account_id: str = DEFAULT_ACCOUNT_ID
    access_key: str = "test"
    source_ip: str = "127.0.0.1"
    service: str = ""
    operation: str = ""
    host: str = "localhost"
    user_agent: str = ""

    @property
    def principal_arn(self) -> str:
        """The caller's identity as STS would name it (the account root)."""
        return f"arn:aws:iam::{self.account_id}:root"


@dataclass(slots=True, kw_only=True)
class Environment:
    """The shared machinery services use: the store, the lake, the clock, configuration."""

    data_dir: Path
    store: Store
    clock: Clock
    account_id: str = DEFAULT_ACCOUNT_ID
    default_region: str = DEFAULT_REGION
    endpoint_url: str = "http://127.0.0.1:4566"
    registry: ServiceRegistry | None = None
    background: BackgroundLoop | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def lake_dir(self) -> Path:
        """Root of the data lake: one folder per bucket."""
        return self.data_dir / "lake"

    @property
    def staging_dir(self) -> Path:
        """Where request bodies are spooled before being moved into the lake (same disk)."""
        return self.data_dir / "staging"


@dataclass(slots=True, kw_only=True)
class StagedFile:
    """A request body spooled to a file under ``Environment.staging_dir``.

    The callee owns the file after the call: it renames it into place or deletes it.
    """

    path: Path
    size: int
    md5_hex: str
    checksums: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        """Delete the file if it is still there."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def read_bytes(self) -> bytes:
        """Return the whole body (for small payloads only)."""
        return self.path.read_bytes()


@dataclass(slots=True, kw_only=True)
class OpenFile:
    """An output body: ``length`` bytes of an open file from ``offset``; the reader closes it."""

    handle: IO[bytes]
    offset: int
    length: int

    def close(self) -> None:
        """Close the handle."""
        self.handle.close()


class Service:
    """Base of every service module's class."""

    service_name: ClassVar[str]

    def __init__(self, env: Environment) -> None:
        self.env = env

    def start(self) -> None:
        """Called once when the server starts (after migrations); override to resume work."""

    def stop(self) -> None:
        """Called once when the server stops."""
