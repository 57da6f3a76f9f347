"""The pool of warm workers: reuse, scale per function up to its concurrency, recycle, reap.

Workers are grouped by ``WorkerSpec.group`` (one function version) and matched by
``WorkerSpec.key`` (its code and configuration): a request whose key differs from the idle
workers' retires them, so code and configuration changes take effect on the next call. The
number of busy workers is counted per *function* (``concurrency_scope``), because reserved
concurrency is a property of the function across its versions.

Every blocking wait happens in the calling thread, outside any lock other than the pool's own
short critical sections, so invocations never hold up the event loop or the store.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import defaultdict
from dataclasses import dataclass

from headwater.runtime.workers.process import (
    InvokeRequest,
    Outcome,
    OutcomeKind,
    Worker,
    WorkerSpec,
)

__all__ = ["PoolStats", "Throttled", "WorkerPool"]


class Throttled(Exception):
    """The function is at its reserved concurrency (or the pool is full for too long)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolStats:
    """A snapshot of the pool, for tests, the console and benchmarks."""

    idle: int
    busy: int
    spawned: int
    groups: dict[str, int]


class WorkerPool:
    """Warm worker processes for every function, created on demand."""

    def __init__(
        self,
        *,
        max_per_function: int | None = None,
        max_total: int | None = None,
        idle_ttl: float = 900.0,
        queue_timeout: float = 900.0,
    ) -> None:
        cpus = os.cpu_count() or 2
        self.max_per_function = max_per_function or max(4, cpus * 2)
        self.max_total = max_total or max(16, cpus * 8)
        self.idle_ttl = idle_ttl
        self.queue_timeout = queue_timeout
        self._cond = threading.Condition()
        self._idle: dict[str, list[Worker]] = defaultdict(list)
        self._busy: dict[str, int] = defaultdict(int)  # by concurrency scope
        self._live = 0  # processes that exist or are being spawned
        self._spawned = 0
        self._generation: dict[str, str] = {}  # group -> current key
        self._closed = False
        self._reaper = threading.Thread(target=self._reap_loop, name="worker-reaper", daemon=True)
        self._reaper.start()

    # -- invoking ----------------------------------------------------------------------------
    def invoke(
        self,
        spec: WorkerSpec,
        request: InvokeRequest,
        *,
        concurrency_scope: str,
        reserved: int | None = None,
    ) -> Outcome:
        """Run ``request`` on a warm worker of ``spec`` (spawning one if needed).

        Raises:
            Throttled: ``reserved`` concurrent invocations of the scope are already running,
                or no worker came free within ``queue_timeout``.
        """
        worker = self._acquire(spec, concurrency_scope, reserved)
        try:
            if worker.init_report is None:
                worker.start()
            outcome = worker.invoke(request)
        except BaseException:
            self._release(worker, concurrency_scope, keep=False)
            raise
        keep = outcome.kind in (OutcomeKind.OK, OutcomeKind.ERROR) and worker.alive
        self._release(worker, concurrency_scope, keep=keep)
        return outcome

    def _acquire(self, spec: WorkerSpec, scope: str, reserved: int | None) -> Worker:
        give_up = time.monotonic() + self.queue_timeout
        stale: list[Worker] = []
        try:
            with self._cond:
                while True:
                    if self._closed:
                        raise Throttled("the worker pool is shut down")
                    if self._generation.get(spec.group) != spec.key:
                        self._generation[spec.group] = spec.key
                        old = self._idle.pop(spec.group, [])
                        self._live -= len(old)
                        stale.extend(old)
                    if reserved is not None and self._busy[scope] >= reserved:
                        raise Throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
                    idle = self._idle.get(spec.group)
                    if idle:
                        worker = idle.pop()  # the most recently used: warmest caches
                        self._busy[scope] += 1
                        return worker
                    if self._busy[scope] < self.max_per_function:
                        if self._live >= self.max_total:
                            victim = self._oldest_idle()
                            if victim is not None:
                                stale.append(victim)
                                self._live -= 1
                        if self._live < self.max_total:
                            self._live += 1
                            self._busy[scope] += 1
                            break
                    left = give_up - time.monotonic()
                    if left <= 0:
                        raise Throttled("no worker came free in time")
                    self._cond.wait(min(left, 1.0))
        finally:
            for w in stale:
                self._stop(w)
        try:
            worker = Worker(spec)
        except BaseException:
            with self._cond:
                self._live -= 1
                self._busy[scope] -= 1
                self._cond.notify_all()
            raise
        with self._cond:
            self._spawned += 1
        return worker

    def _release(self, worker: Worker, scope: str, *, keep: bool) -> None:
        discard = False
        with self._cond:
            self._busy[scope] -= 1
            current = self._generation.get(worker.spec.group) == worker.spec.key
            if keep and current and not self._closed:
                self._idle[worker.spec.group].append(worker)
            else:
                self._live -= 1
                discard = True
            self._cond.notify_all()
        if discard:
            self._stop(worker)

    def _oldest_idle(self) -> Worker | None:
        oldest: tuple[float, str, Worker] | None = None
        for group, workers in self._idle.items():
            for w in workers:
                if oldest is None or w.last_used < oldest[0]:
                    oldest = (w.last_used, group, w)
        if oldest is None:
            return None
        self._idle[oldest[1]].remove(oldest[2])
        return oldest[2]

    @staticmethod
    def _stop(worker: Worker) -> None:
        if worker.alive:
            worker.close()
        else:
            worker.kill()

    # -- management --------------------------------------------------------------------------
    def prewarm(self, spec: WorkerSpec) -> bool:
        """Start one idle worker for ``spec`` ahead of the first call; False if at capacity."""
        with self._cond:
            if self._closed or self._live >= self.max_total:
                return False
            if self._generation.get(spec.group) != spec.key:
                self.retire(spec.group, keep_key=spec.key, _locked=True)
            self._generation[spec.group] = spec.key
            self._live += 1
        try:
            worker = Worker(spec)
            worker.start()
        except BaseException:
            with self._cond:
                self._live -= 1
            raise
        with self._cond:
            self._spawned += 1
            healthy = worker.init_report is not None and worker.init_report.error is None
            if healthy and self._generation.get(spec.group) == spec.key and not self._closed:
                self._idle[spec.group].append(worker)
                return True
            self._live -= 1
        self._stop(worker)
        return False

    def retire(self, group: str, *, keep_key: str | None = None, _locked: bool = False) -> int:
        """Stop the idle workers of ``group`` (all, or those whose key is not ``keep_key``).

        Busy workers of the group finish their invocation and are then discarded.
        """
        victims: list[Worker] = []
        ctx = contextlib.nullcontext() if _locked else self._cond
        with ctx:
            kept: list[Worker] = []
            for w in self._idle.pop(group, []):
                (kept if keep_key is not None and w.spec.key == keep_key else victims).append(w)
            if kept:
                self._idle[group] = kept
            self._live -= len(victims)
            if keep_key is None:
                self._generation.pop(group, None)
            else:
                self._generation[group] = keep_key
        for w in victims:
            self._stop(w)
        return len(victims)

    def retire_prefix(self, prefix: str) -> int:
        """Retire every group whose name starts with ``prefix`` (a deleted function)."""
        with self._cond:
            groups = [g for g in set(self._idle) | set(self._generation) if g.startswith(prefix)]
        return sum(self.retire(g) for g in groups)

    def stats(self) -> PoolStats:
        """Return counts of idle and busy workers."""
        with self._cond:
            return PoolStats(
                idle=sum(len(v) for v in self._idle.values()),
                busy=sum(self._busy.values()),
                spawned=self._spawned,
                groups={g: len(v) for g, v in self._idle.items() if v},
            )

    def clear(self) -> None:
        """Stop every idle worker and forget every group (busy ones are discarded on release)."""
        with self._cond:
            groups = list(set(self._idle) | set(self._generation))
        for g in groups:
            self.retire(g)

    def shutdown(self) -> None:
        """Stop every worker; later invocations are refused."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self.clear()

    def _reap_loop(self) -> None:
        while True:
            time.sleep(min(30.0, max(1.0, self.idle_ttl / 4)))
            with self._cond:
                if self._closed:
                    return
                now = time.monotonic()
                victims: list[Worker] = []
                for group, workers in list(self._idle.items()):
                    keep = [w for w in workers if now - w.last_used < self.idle_ttl and w.alive]
                    victims.extend(w for w in workers if w not in keep)
                    self._idle[group] = keep
                self._live -= len(victims)
            for w in victims:
                self._stop(w)
