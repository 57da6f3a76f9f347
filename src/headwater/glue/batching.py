"""EVENT-trigger batching: events accumulate until BatchSize or BatchWindow, then one run.

The window opens with the first event of a batch: the batch fires as soon as ``size`` events
have arrived, or ``window`` seconds after its first event, whichever comes first. Times are
passed in (epoch seconds); the caller persists the :class:`PendingBatch` between events and
wakes up at :func:`deadline` to call :func:`due`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from headwater.glue.triggers import BatchingDef

__all__ = ["FiredBatch", "PendingBatch", "add_event", "deadline", "due", "event_ids_property"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingBatch:
    """The events of a batch that has not fired yet."""

    event_ids: tuple[str, ...] = ()
    first_at: float | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-able form (for the store)."""
        return {"v": 1, "eventIds": list(self.event_ids), "firstAt": self.first_at}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> PendingBatch:
        """Rebuild from :meth:`to_json`'s output."""
        if not data:
            return cls()
        return cls(event_ids=tuple(data.get("eventIds") or ()), first_at=data.get("firstAt"))


@dataclass(frozen=True, slots=True, kw_only=True)
class FiredBatch:
    """A batch that starts a workflow run, and which condition fired it."""

    event_ids: tuple[str, ...]
    by_size: bool
    size: int
    window: int

    @property
    def starting_condition(self) -> dict[str, int]:
        """``WorkflowRun.StartingEventBatchCondition``: the member that fired is non-zero."""
        if self.by_size:
            return {"BatchSize": self.size}
        return {"BatchWindow": self.window}


def add_event(
    cfg: BatchingDef, batch: PendingBatch, event_id: str, now: float
) -> tuple[PendingBatch, list[FiredBatch]]:
    """Add one event; return the new pending batch and the batches that fired (0, 1 or 2).

    A batch whose window has already closed fires first, on its own, before the new event
    opens the next one (the caller may have slept through the deadline).
    """
    fired: list[FiredBatch] = []
    batch, stale = due(cfg, batch, now)
    if stale is not None:
        fired.append(stale)
    ids = (*batch.event_ids, event_id)
    first = batch.first_at if batch.first_at is not None else now
    if len(ids) >= cfg.size:
        fired.append(FiredBatch(event_ids=ids, by_size=True, size=len(ids), window=cfg.window))
        return PendingBatch(), fired
    return replace(batch, event_ids=ids, first_at=first), fired


def deadline(cfg: BatchingDef, batch: PendingBatch) -> float | None:
    """When the pending batch's window closes (None when nothing is pending)."""
    if batch.first_at is None or not batch.event_ids:
        return None
    return batch.first_at + cfg.window


def due(
    cfg: BatchingDef, batch: PendingBatch, now: float
) -> tuple[PendingBatch, FiredBatch | None]:
    """Fire the pending batch if its window has closed by ``now``."""
    end = deadline(cfg, batch)
    if end is None or now < end:
        return batch, None
    return PendingBatch(), FiredBatch(
        event_ids=batch.event_ids, by_size=False, size=len(batch.event_ids), window=cfg.window
    )


def event_ids_property(event_ids: tuple[str, ...] | list[str]) -> str:
    """The ``aws:eventIds`` run property: the ids as Glue prints a list (``[a, b]``)."""
    return "[" + ", ".join(event_ids) + "]"
