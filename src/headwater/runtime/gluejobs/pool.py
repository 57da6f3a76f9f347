"""Warm Glue job workers: a few processes kept started, each used for exactly one run.

Starting Python with pyarrow, DuckDB and boto3 loaded takes most of a small job's time, so the
pool keeps ``warm`` workers that have done it already. A run takes one (or starts one if none
is ready) and the pool starts a replacement in the background. A worker never serves a second
run: every run gets a fresh interpreter, as on Glue.
"""

from __future__ import annotations

import sys
import threading

from headwater.runtime.gluejobs.process import JobProcess, base_environment

__all__ = ["JobWorkerPool"]


class JobWorkerPool:
    """Warm, one-shot job workers."""

    def __init__(self, *, warm: int = 1, python: str = sys.executable) -> None:
        self.warm = max(0, warm)
        self.python = python
        self._idle: list[JobProcess] = []
        self._lock = threading.Lock()
        self._closed = False
        self._spawning = 0
        self.spawned = 0

    def _spawn(self) -> JobProcess:
        with self._lock:
            self.spawned += 1
        return JobProcess(self.python, base_environment())

    def _refill(self) -> None:
        while True:
            with self._lock:
                if self._closed or len(self._idle) + self._spawning >= self.warm:
                    return
                self._spawning += 1
            try:
                proc = self._spawn()
            finally:
                with self._lock:
                    self._spawning -= 1
            with self._lock:
                if self._closed:
                    proc.release()
                    return
                self._idle.append(proc)

    def prewarm(self) -> None:
        """Start the warm workers in the background."""
        threading.Thread(target=self._refill, name="glue-job-prewarm", daemon=True).start()

    def acquire(self) -> JobProcess:
        """A warm worker (or a new one), for one run."""
        found: JobProcess | None = None
        with self._lock:
            while self._idle:
                candidate = self._idle.pop(0)
                if candidate.alive:
                    found = candidate
                    break
        if found is None:
            found = self._spawn()
        self.prewarm()
        return found

    def close(self) -> None:
        """Let every idle worker go."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for proc in idle:
            proc.release()

    def reopen(self) -> None:
        """Accept work again after :meth:`close` (a service restart in the same process)."""
        with self._lock:
            self._closed = False
