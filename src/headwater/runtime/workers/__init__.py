"""Worker processes that run function handlers: the bootstrap, one process, the pool."""

from headwater.runtime.workers.pool import PoolStats, Throttled, WorkerPool
from headwater.runtime.workers.process import (
    InitReport,
    InvokeRequest,
    LogChunk,
    Outcome,
    OutcomeKind,
    Worker,
    WorkerSpec,
)

__all__ = [
    "InitReport",
    "InvokeRequest",
    "LogChunk",
    "Outcome",
    "OutcomeKind",
    "PoolStats",
    "Throttled",
    "Worker",
    "WorkerPool",
    "WorkerSpec",
]
