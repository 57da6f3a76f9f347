"""One Glue job worker process: spawned warm, given one run, watched, killed if need be."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

__all__ = ["BOOTSTRAP", "COMPAT_DIR", "STANDIN_DIR", "JobLaunch", "JobOutcome", "JobProcess"]

_HERE = Path(__file__).resolve().parent
BOOTSTRAP = _HERE / "bootstrap.py"
COMPAT_DIR = _HERE / "compat"
STANDIN_DIR = _HERE / "spark_standin"
# The folder that holds the ``headwater`` package: hidden from job scripts.
_HEADWATER_ROOT = str(_HERE.parents[2])

OutputSink = Callable[[str, float, str], None]  # (stream "stdout"/"stderr", wall time, line)


@dataclass(frozen=True, slots=True, kw_only=True)
class JobLaunch:
    """What a worker runs: the script, its argv and environment, bookmark state."""

    script: Path
    argv: list[str]
    env: dict[str, str]
    workdir: Path
    bookmark: dict[str, Any] = field(default_factory=dict)
    bookmark_option: str = "job-bookmark-disable"
    python_path: tuple[str, ...] = ()  # --extra-py-files, fetched: zips and folders to import from

    @property
    def result_path(self) -> Path:
        """Where the worker writes its result."""
        return self.workdir / "result.json"


@dataclass(frozen=True, slots=True, kw_only=True)
class JobOutcome:
    """How a run ended, as the worker reported it (or its death did)."""

    ok: bool
    error: str | None = None
    exit_code: int | None = None
    killed: bool = False
    bookmark: dict[str, Any] = field(default_factory=dict)


def base_environment() -> dict[str, str]:
    """The server's environment without AWS or Python settings (each run sets its own)."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "PYTHON", "BOTO_")) and k != "VIRTUAL_ENV_PROMPT"
    }


class JobProcess:
    """A bootstrap process, warm and waiting for one run."""

    def __init__(self, python: str = sys.executable, env: dict[str, str] | None = None) -> None:
        cmd = [
            python,
            "-I",
            "-B",
            "-u",
            str(BOOTSTRAP),
            str(COMPAT_DIR),
            str(STANDIN_DIR),
            _HEADWATER_ROOT,
        ]
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env if env is not None else base_environment(),
            start_new_session=True,
        )
        self.spawned_at = time.monotonic()
        self._readers: list[threading.Thread] = []
        self._killed = False

    @property
    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.proc.poll() is None

    def start(self, launch: JobLaunch, on_output: OutputSink) -> None:
        """Hand the run to the worker and stream its output to ``on_output``."""
        launch.workdir.mkdir(parents=True, exist_ok=True)
        spec = {
            "script": str(launch.script),
            "argv": launch.argv,
            "env": launch.env,
            "cwd": str(launch.workdir),
            "result": str(launch.result_path),
            "bookmark": launch.bookmark,
            "bookmarkOption": launch.bookmark_option,
            "pythonPath": list(launch.python_path),
        }
        for name, stream in (("stdout", self.proc.stdout), ("stderr", self.proc.stderr)):
            assert stream is not None
            t = threading.Thread(
                target=_pump, args=(stream, name, on_output), name=f"glue-job-{name}", daemon=True
            )
            t.start()
            self._readers.append(t)
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write((json.dumps(spec) + "\n").encode())
            self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass  # the worker died while warming up; wait() reports it

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for the worker to exit (None if it is still running after ``timeout``)."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        for t in self._readers:
            t.join(timeout=5)
        return code

    def kill(self) -> None:
        """Stop the worker and everything it started (SIGTERM, then SIGKILL)."""
        self._killed = True
        if self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(2)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def release(self) -> None:
        """Let an unused warm worker go (it exits when its stdin closes)."""
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        try:
            self.proc.wait(2)
        except subprocess.TimeoutExpired:
            self.kill()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()

    def outcome(self, launch: JobLaunch) -> JobOutcome:
        """Read what the worker reported (after it exited)."""
        code = self.proc.poll()
        try:
            data = json.loads(launch.result_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if data is None:
            if self._killed:
                return JobOutcome(ok=False, error=None, exit_code=code, killed=True)
            detail = (
                f"exit code {code}" if code is not None and code >= 0 else f"signal {-(code or 0)}"
            )
            return JobOutcome(
                ok=False,
                error=f"Command failed with {detail}: "
                "the job process ended before the script finished",
                exit_code=code,
            )
        return JobOutcome(
            ok=bool(data.get("ok")),
            error=data.get("error"),
            exit_code=code,
            killed=self._killed,
            bookmark=dict(data.get("bookmark") or {}),
        )


def _pump(stream: IO[bytes], name: str, sink: OutputSink) -> None:
    try:
        for raw in iter(stream.readline, b""):
            sink(name, time.time(), raw.decode("utf-8", errors="replace").rstrip("\r\n"))
    except (OSError, ValueError):
        pass
    finally:
        with contextlib.suppress(OSError):
            stream.close()
