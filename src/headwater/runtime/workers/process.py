"""One worker process: spawn it, run invocations in it with a deadline, kill it."""

from __future__ import annotations

import base64
import contextlib
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from headwater.runtime.workers.bootstrap import FrameDecoder, encode_frame

__all__ = [
    "BOOTSTRAP",
    "InitReport",
    "InvokeRequest",
    "LogChunk",
    "Outcome",
    "OutcomeKind",
    "Worker",
    "WorkerSpec",
]

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
# The folder that holds the ``headwater`` package: hidden from the function's import path.
_HEADWATER_ROOT = str(Path(__file__).resolve().parents[3])


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerSpec:
    """What a worker runs. Two specs with the same ``key`` can share warm workers."""

    key: str
    group: str
    handler: str
    task_root: Path
    env: dict[str, str]
    layer_paths: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()
    init_timeout: float = 10.0
    python: str = sys.executable
    # Extra variables made fresh for each process (e.g. its own log stream name).
    instance_env: Callable[[], dict[str, str]] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InvokeRequest:
    """One invocation: the request id, the event as JSON text and the time allowed."""

    request_id: str
    event: str
    timeout: float
    invoked_arn: str
    client_context: Any = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LogChunk:
    """Output the function wrote, with the wall time the worker read it."""

    at: float
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class InitReport:
    """How the worker's init phase went (once per process)."""

    duration_ms: float
    logs: tuple[LogChunk, ...]
    error: dict[str, Any] | None


class OutcomeKind(StrEnum):
    """How an invocation ended."""

    OK = "ok"
    ERROR = "error"
    INIT_ERROR = "init-error"
    TIMEOUT = "timeout"
    EXITED = "exited"


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """The result of an invocation, as the worker or its death reported it."""

    kind: OutcomeKind
    request_id: str
    payload: str | bytes | None = None
    error: dict[str, Any] | None = None
    logs: tuple[LogChunk, ...] = ()
    started_at: float = 0.0
    duration_ms: float = 0.0
    max_memory_mb: int = 0
    init: InitReport | None = None
    exit_detail: str = ""
    instance_env: dict[str, str] = field(default_factory=dict)


class WorkerDied(Exception):
    """The worker process ended (or stopped answering) before it replied."""

    def __init__(self, detail: str, logs: list[LogChunk]) -> None:
        super().__init__(detail)
        self.detail = detail
        self.logs = logs


@dataclass(slots=True)
class _Reply:
    frame: dict[str, Any] | None = None
    logs: list[LogChunk] = field(default_factory=list)


class Worker:
    """A spawned bootstrap process serving one :class:`WorkerSpec`, one request at a time."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        self.created = time.monotonic()
        self.last_used = self.created
        self.invocations = 0
        self._init: InitReport | None = None
        self._init_reported = False
        self._decoder = FrameDecoder()
        self._lock = threading.Lock()
        self.instance_env = spec.instance_env() if spec.instance_env else {}
        self._proc = subprocess.Popen(
            [spec.python, "-I", "-B", "-u", str(BOOTSTRAP)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
            cwd=str(spec.task_root),
            env={**spec.env, **self.instance_env},
            close_fds=True,
            start_new_session=True,
        )
        assert self._proc.stdin is not None
        assert self._proc.stdout is not None
        self._stdin = self._proc.stdin
        self._stdout_fd = self._proc.stdout.fileno()
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._stdout_fd, selectors.EVENT_READ)

    @property
    def pid(self) -> int:
        """The process id."""
        return self._proc.pid

    @property
    def alive(self) -> bool:
        """Whether the process is still running."""
        return self._proc.poll() is None

    @property
    def init_report(self) -> InitReport | None:
        """The init phase's report, once :meth:`start` has returned."""
        return self._init

    def start(self) -> InitReport:
        """Send the init frame and wait for the handler to be loaded (or fail to load)."""
        init = {
            "t": "init",
            "handler": self.spec.handler,
            "task_root": str(self.spec.task_root),
            "layer_paths": list(self.spec.layer_paths),
            "hide_paths": [_HEADWATER_ROOT],
            "notices": list(self.spec.notices),
        }
        began = time.monotonic()
        try:
            self._send(init)
            reply = self._wait("ready", began + self.spec.init_timeout)
        except WorkerDied as died:
            self.kill()
            self._init = InitReport(
                duration_ms=(time.monotonic() - began) * 1000.0,
                logs=tuple(died.logs),
                error={
                    "errorType": "Runtime.ExitError",
                    "errorMessage": f"Error: Runtime exited with error: {died.detail}",
                },
            )
            return self._init
        except TimeoutError as late:
            self.kill()
            self._init = InitReport(
                duration_ms=(time.monotonic() - began) * 1000.0,
                logs=tuple(late.args[0] if late.args else ()),
                error={
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": "Error: Task timed out after "
                    f"{self.spec.init_timeout:.2f} seconds",
                },
            )
            return self._init
        assert reply.frame is not None
        self._init = InitReport(
            # From spawn, as a cold start costs: interpreter start-up plus the handler's import.
            duration_ms=(time.monotonic() - self.created) * 1000.0,
            logs=tuple(reply.logs),
            error=reply.frame.get("error"),
        )
        if self._init.error is not None:
            self.kill()
        return self._init

    def invoke(self, req: InvokeRequest) -> Outcome:
        """Run one invocation; on timeout the process is killed."""
        with self._lock:
            init = None if self._init_reported else self._init
            self._init_reported = True
            if self._init is not None and self._init.error is not None:
                return Outcome(
                    instance_env=self.instance_env,
                    kind=OutcomeKind.INIT_ERROR,
                    request_id=req.request_id,
                    error={**self._init.error, "requestId": ""},
                    init=init,
                    started_at=time.time(),
                )
            started = time.time()
            t0 = time.monotonic()
            deadline = t0 + req.timeout
            self.invocations += 1
            try:
                self._send(
                    {
                        "t": "invoke",
                        "id": req.request_id,
                        "event": req.event,
                        "deadline_ms": int((started + req.timeout) * 1000),
                        "arn": req.invoked_arn,
                        "client_context": req.client_context,
                    }
                )
                reply = self._wait("result", deadline)
            except TimeoutError as exc:
                self.kill()
                logs = exc.args[0] if exc.args else []
                return Outcome(
                    instance_env=self.instance_env,
                    kind=OutcomeKind.TIMEOUT,
                    request_id=req.request_id,
                    logs=tuple(logs),
                    started_at=started,
                    duration_ms=(time.monotonic() - t0) * 1000.0,
                    init=init,
                )
            except WorkerDied as died:
                self.kill()
                return Outcome(
                    instance_env=self.instance_env,
                    kind=OutcomeKind.EXITED,
                    request_id=req.request_id,
                    logs=tuple(died.logs),
                    started_at=started,
                    duration_ms=(time.monotonic() - t0) * 1000.0,
                    init=init,
                    exit_detail=died.detail,
                )
            finally:
                self.last_used = time.monotonic()
            frame = reply.frame or {}
            error = frame.get("error")
            return Outcome(
                instance_env=self.instance_env,
                kind=OutcomeKind.ERROR if error else OutcomeKind.OK,
                request_id=req.request_id,
                payload=(
                    base64.b64decode(frame["payload_b64"])
                    if "payload_b64" in frame
                    else frame.get("payload")
                ),
                error=error,
                logs=tuple(reply.logs),
                started_at=started,
                duration_ms=float(frame.get("duration_ms", 0.0)),
                max_memory_mb=int(frame.get("max_rss_mb", 0)),
                init=init,
            )

    def _send(self, obj: dict[str, Any]) -> None:
        try:
            self._stdin.write(encode_frame(obj))
            self._stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as exc:
            raise WorkerDied(self._exit_detail(), []) from exc

    def _wait(self, kind: str, deadline: float) -> _Reply:
        reply = _Reply()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(reply.logs)
            if not self._selector.select(remaining):
                continue
            try:
                data = os.read(self._stdout_fd, 1 << 16)
            except OSError:
                data = b""
            if not data:
                raise WorkerDied(self._exit_detail(), reply.logs)
            for frame in self._decoder.feed(data):
                if frame.get("t") == "log":
                    reply.logs.append(LogChunk(at=float(frame["at"]), text=str(frame["d"])))
                elif frame.get("t") == kind:
                    reply.frame = frame
                    return reply

    def _exit_detail(self) -> str:
        try:
            code = self._proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            return "signal: killed"
        if code < 0:
            try:
                name = signal.Signals(-code).name.removeprefix("SIG").lower()
            except ValueError:
                name = str(-code)
            return f"signal: {'killed' if name == 'kill' else name}"
        return f"exit status {code}"

    def kill(self) -> None:
        """Kill the process (and anything it started) and reap it."""
        if self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=5.0)
        self._close_pipes()

    def close(self) -> None:
        """Ask the process to exit (stdin closed) and reap it; kill it if it lingers."""
        with contextlib.suppress(OSError, ValueError):
            self._stdin.close()
        try:
            self._proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            self.kill()
        self._close_pipes()

    def _close_pipes(self) -> None:
        with contextlib.suppress(Exception):
            self._selector.close()
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.close()
