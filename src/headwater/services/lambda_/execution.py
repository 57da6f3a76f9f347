"""Running a function version: its worker spec and environment, and what an outcome means.

Everything Lambda's platform adds around the handler lives here: the reserved environment
variables, the ``START``/``END``/``REPORT`` lines, the error objects for timeouts and crashes,
the CloudWatch Logs stream of each worker and the ``LogType=Tail`` excerpt.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import platform
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from headwater.runtime.workers import LogChunk, Outcome, OutcomeKind, WorkerSpec
from headwater.services.lambda_.code import CodeStore, folder_fingerprint
from headwater.services.lambda_.model import CodeKind, FunctionConfig

__all__ = [
    "RESERVED_ENV",
    "Execution",
    "build_spec",
    "interpret",
    "log_stream_name",
]

# Environment variables a function may not set (Lambda's reserved keys).
RESERVED_ENV = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
_TAIL_BYTES = 4096
MAX_RESPONSE = 6_291_556  # Lambda's synchronous response limit
_LOCAL_PYTHON = f"python{sys.version_info.major}.{sys.version_info.minor}"


def log_stream_name(at: float, version: str) -> str:
    """A new stream name, one per execution environment: ``2026/01/01/[$LATEST]<hex>``."""
    day = datetime.fromtimestamp(at, tz=UTC).strftime("%Y/%m/%d")
    return f"{day}/[{version}]{secrets.token_hex(16)}"


def _layer_paths(cfg: FunctionConfig) -> tuple[str, ...]:
    paths: list[str] = []
    for layer in cfg.layers:
        if not layer.path:
            continue
        base = Path(layer.path)
        paths += [
            str(base / "python" / "lib" / _LOCAL_PYTHON / "site-packages"),
            str(base / "python"),
        ]
    return tuple(paths)


def build_spec(
    cfg: FunctionConfig,
    code: CodeStore,
    *,
    endpoint_url: str,
    now: Callable[[], float],
) -> WorkerSpec:
    """The worker spec of a function version; its key changes with code or configuration."""
    task_root = code.task_root(cfg.name, cfg.code)
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": str(Path(sys.executable).parent),
        "_HANDLER": cfg.handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{cfg.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": cfg.name,
        "AWS_LAMBDA_FUNCTION_VERSION": cfg.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(cfg.memory_size),
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": cfg.log_group_name,
        "AWS_REGION": cfg.region,
        "AWS_DEFAULT_REGION": cfg.region,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_SESSION_TOKEN": "test",
        # boto3 inside the handler talks to this Headwater, never to AWS or ~/.aws settings.
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    if cfg.application_log_level:
        env["AWS_LAMBDA_LOG_LEVEL"] = cfg.application_log_level
    if "LD_LIBRARY_PATH" in os.environ:
        env["LD_LIBRARY_PATH"] = os.environ["LD_LIBRARY_PATH"]
    env.update(cfg.environment)
    notices: list[str] = []
    if cfg.runtime != _LOCAL_PYTHON:
        notices.append(
            f"Headwater: the function asks for runtime {cfg.runtime}; it runs on the local "
            f"Python {platform.python_version()}"
        )
    if cfg.code.kind is CodeKind.HOT_RELOAD:
        notices.append(f"Headwater: hot-reloading code from {cfg.code.path}")
        source = folder_fingerprint(task_root)
    else:
        source = cfg.code.digest
    layers = _layer_paths(cfg)
    key_doc = json.dumps(
        [source, cfg.handler, env, layers, cfg.runtime, [x.arn for x in cfg.layers]],
        sort_keys=True,
    )
    key = hashlib.sha1(key_doc.encode(), usedforsecurity=False).hexdigest()
    version = cfg.version

    def instance_env() -> dict[str, str]:
        return {"AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name(now(), version)}

    return WorkerSpec(
        init_timeout=10.0 + cfg.timeout,  # AWS retries a slow init within the invoke's timeout
        key=key,
        group=f"{cfg.name}:{cfg.version}",
        handler=cfg.handler,
        task_root=task_root,
        env=env,
        layer_paths=layers,
        notices=tuple(notices),
        instance_env=instance_env,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Execution:
    """What an invocation produced, in Lambda's terms."""

    request_id: str
    payload: bytes
    function_error: str | None  # "Unhandled" when the function failed
    error: dict[str, Any] | None
    log_stream: str
    events: list[tuple[float, str]]  # (epoch seconds, message) for CloudWatch Logs
    tail: str  # base64 of the last 4 KB of this invocation's log
    duration_ms: float

    @property
    def error_type(self) -> str | None:
        """The ``errorType`` of a failed invocation."""
        return str(self.error.get("errorType")) if self.error else None


def _iso(at: float) -> str:
    dt = datetime.fromtimestamp(at, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _lines(chunks: tuple[LogChunk, ...], shift: float) -> list[tuple[float, str]]:
    """Split captured output into log events, one per line, each stamped when first seen."""
    events: list[tuple[float, str]] = []
    partial = ""
    partial_at = 0.0
    for chunk in chunks:
        text = partial + chunk.text
        at = partial_at if partial else chunk.at + shift
        pieces = text.split("\n")
        for piece in pieces[:-1]:
            events.append((at, piece + "\n"))
            at = chunk.at + shift
        partial = pieces[-1]
        partial_at = at
    if partial:
        events.append((partial_at, partial + "\n"))
    return events


def interpret(
    outcome: Outcome,
    cfg: FunctionConfig,
    *,
    log_stream: str,
    shift: float,
    runtime_version: str = "",
) -> Execution:
    """Turn a worker outcome into the payload, error and log lines Lambda would produce.

    ``shift`` maps the worker's wall times to the injected clock (clock now - wall now).
    """
    rid = outcome.request_id
    start = outcome.started_at + shift
    events: list[tuple[float, str]] = []
    init = outcome.init
    if init is not None:
        init_at = start - init.duration_ms / 1000.0
        events.append(
            (
                init_at,
                f"INIT_START Runtime Version: {runtime_version or cfg.runtime}\t"
                f"Runtime Version ARN: arn:aws:lambda:{cfg.region}::runtime:headwater\n",
            )
        )
        events += _lines(init.logs, shift)
    invocation: list[tuple[float, str]] = [
        (start, f"START RequestId: {rid} Version: {cfg.version}\n")
    ]
    invocation += _lines(outcome.logs, shift)
    end = start + outcome.duration_ms / 1000.0
    payload: bytes
    error: dict[str, Any] | None = None
    status = ""
    if outcome.kind is OutcomeKind.OK:
        raw = outcome.payload if outcome.payload is not None else "null"
        payload = raw if isinstance(raw, bytes) else raw.encode("utf-8")
        if len(payload) > MAX_RESPONSE:
            error = {
                "errorMessage": "Response payload size exceeded maximum allowed payload size "
                f"({MAX_RESPONSE} bytes).",
                "errorType": "Function.ResponseSizeTooLarge",
            }
            status = "Status: error\tError Type: Function.ResponseSizeTooLarge"
    elif outcome.kind is OutcomeKind.TIMEOUT:
        limit = f"{float(cfg.timeout):.2f}"
        error = {
            "errorMessage": f"RequestId: {rid} Error: Task timed out after {limit} seconds",
            "errorType": "Sandbox.Timedout",
        }
        invocation.append((end, f"{_iso(end)} {rid} Task timed out after {limit} seconds\n"))
        status = "Status: timeout"
    elif outcome.kind is OutcomeKind.EXITED:
        error = {
            "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: "
            f"{outcome.exit_detail}",
            "errorType": "Runtime.ExitError",
        }
        invocation.append(
            (end, f"RequestId: {rid} Error: Runtime exited with error: {outcome.exit_detail}\n")
        )
        invocation.append((end, "Runtime.ExitError\n"))
        status = "Status: error\tError Type: Runtime.ExitError"
    else:
        error = dict(outcome.error or {})
        if outcome.kind is OutcomeKind.INIT_ERROR:
            kind = error.get("errorType", "Runtime.Unknown")
            status = f"Status: error\tError Type: {kind}"
            if kind in ("Sandbox.Timedout", "Runtime.ExitError"):  # the platform's own shape
                error = {
                    "errorMessage": f"RequestId: {rid} {error.get('errorMessage', '')}",
                    "errorType": kind,
                }
    if error is not None:
        payload = json.dumps(error).encode("utf-8")
    invocation.append((end, f"END RequestId: {rid}\n"))
    billed = max(1, math.ceil(outcome.duration_ms))
    report = (
        f"REPORT RequestId: {rid}\tDuration: {outcome.duration_ms:.2f} ms\t"
        f"Billed Duration: {billed} ms\tMemory Size: {cfg.memory_size} MB\t"
        f"Max Memory Used: {outcome.max_memory_mb or 0} MB\t"
    )
    if init is not None:
        report += f"Init Duration: {init.duration_ms:.2f} ms\t"
    if status:
        report += status
    invocation.append((end, report + "\n"))
    text = "".join(msg for _, msg in invocation).encode("utf-8")
    tail = base64.b64encode(text[-_TAIL_BYTES:]).decode("ascii")
    return Execution(
        request_id=rid,
        payload=payload,
        function_error="Unhandled" if error is not None else None,
        error=error,
        log_stream=log_stream,
        events=events + invocation,
        tail=tail,
        duration_ms=outcome.duration_ms,
    )
