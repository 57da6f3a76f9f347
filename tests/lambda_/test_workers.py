"""The worker pool on its own: warm reuse, scaling up to the concurrency, throttling, recycling."""

from __future__ import annotations

import fcntl
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from headwater.runtime.workers import (
    InvokeRequest,
    OutcomeKind,
    Throttled,
    WorkerPool,
    WorkerSpec,
)

BLOCKING = """
import fcntl, os
PID = os.getpid()
def handler(event, context):
    if event.get("lock"):
        with open(event["lock"]) as f:
            fcntl.flock(f, fcntl.LOCK_SH)  # waits while the test holds the exclusive lock
    return PID
"""


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    p = WorkerPool(max_per_function=3)
    yield p
    p.shutdown()


@pytest.fixture
def spec(tmp_path: Path) -> Callable[..., WorkerSpec]:
    (tmp_path / "app.py").write_text(BLOCKING)

    def make(key: str = "k1", group: str = "f:$LATEST") -> WorkerSpec:
        return WorkerSpec(
            key=key, group=group, handler="app.handler", task_root=tmp_path, env={"PATH": "/bin"}
        )

    return make


def _request(event: str = "{}", timeout: float = 10.0) -> InvokeRequest:
    return InvokeRequest(
        request_id=str(uuid.uuid4()), event=event, timeout=timeout, invoked_arn="arn:test"
    )


def _wait_busy(pool: WorkerPool, n: int) -> None:
    deadline = time.monotonic() + 20
    while pool.stats().busy < n:
        assert time.monotonic() < deadline, "the workers did not get busy"
        time.sleep(0.01)


def test_warm_workers_are_reused(pool: WorkerPool, spec: Callable[..., WorkerSpec]) -> None:
    pids = {pool.invoke(spec(), _request(), concurrency_scope="f").payload for _ in range(5)}
    assert len(pids) == 1
    assert pool.stats().spawned == 1
    assert pool.stats().idle == 1


def test_parallel_calls_scale_up_to_the_limit_and_throttle_at_reserved(
    pool: WorkerPool, spec: Callable[..., WorkerSpec], tmp_path: Path
) -> None:
    lock_path = tmp_path / "gate"
    lock_path.write_text("")
    event = json.dumps({"lock": str(lock_path)})
    results: list[Any] = []
    with open(lock_path) as gate:
        fcntl.flock(gate, fcntl.LOCK_EX)
        threads = [
            threading.Thread(
                target=lambda: results.append(
                    pool.invoke(spec(), _request(event), concurrency_scope="f", reserved=2)
                )
            )
            for _ in range(2)
        ]
        for t in threads:
            t.start()
        _wait_busy(pool, 2)
        with pytest.raises(Throttled) as throttled:
            pool.invoke(spec(), _request(), concurrency_scope="f", reserved=2)
        assert throttled.value.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
        fcntl.flock(gate, fcntl.LOCK_UN)
    for t in threads:
        t.join(timeout=20)
    assert [r.kind for r in results] == [OutcomeKind.OK, OutcomeKind.OK]
    assert len({r.payload for r in results}) == 2  # two processes
    assert pool.stats().idle == 2


def test_a_new_key_retires_old_workers(pool: WorkerPool, spec: Callable[..., WorkerSpec]) -> None:
    first = pool.invoke(spec("k1"), _request(), concurrency_scope="f").payload
    second = pool.invoke(spec("k2"), _request(), concurrency_scope="f").payload
    assert first != second
    assert pool.stats().idle == 1
    assert pool.retire("f:$LATEST") == 1
    assert pool.stats().idle == 0


def test_timeout_discards_the_worker(
    pool: WorkerPool, spec: Callable[..., WorkerSpec], tmp_path: Path
) -> None:
    lock_path = tmp_path / "gate"
    lock_path.write_text("")
    with open(lock_path) as gate:
        fcntl.flock(gate, fcntl.LOCK_EX)
        outcome = pool.invoke(
            spec(),
            _request(json.dumps({"lock": str(lock_path)}), timeout=0.5),
            concurrency_scope="f",
        )
    assert outcome.kind is OutcomeKind.TIMEOUT
    assert pool.stats().idle == 0
    assert pool.invoke(spec(), _request(), concurrency_scope="f").kind is OutcomeKind.OK
