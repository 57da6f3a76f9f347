"""Job bookmarks: which input files a job has already processed, per ``transformation_ctx``.

A bookmark is per job. With ``--job-bookmark-option job-bookmark-enable`` a source with a
``transformation_ctx`` reads only the files its bookmark has not seen; ``job.commit()`` then
records them and the bookmark advances one run. ``job-bookmark-pause`` filters the same way but
records nothing; ``job-bookmark-disable`` (the default) neither filters nor records.
ResetJobBookmark forgets every file. The JobBookmark text follows Glue's layout (one entry per
context, ``jsonClass`` and ``timestamps``) plus the processed-file list Headwater needs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["Bookmark", "commit", "processed_files", "reset", "unprocessed"]

_JSON_CLASS = "HadoopDataSourceJobBookmarkState"


@dataclass(frozen=True, slots=True, kw_only=True)
class Bookmark:
    """A job's bookmark (``JobBookmarkEntry``)."""

    job_name: str
    version: int = 0
    run: int = 0
    attempt: int = 0
    run_id: str | None = None
    previous_run_id: str | None = None
    contexts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        """The ``JobBookmarkEntry`` shape."""
        out: dict[str, Any] = {
            "JobName": self.job_name,
            "Version": self.version,
            "Run": self.run,
            "Attempt": self.attempt,
        }
        if self.previous_run_id:
            out["PreviousRunId"] = self.previous_run_id
        if self.run_id:
            out["RunId"] = self.run_id
        out["JobBookmark"] = json.dumps(dict(self.contexts), separators=(",", ":"))
        return out

    def to_json(self) -> dict[str, Any]:
        """JSON-able form (schema version 1)."""
        return {
            "v": 1,
            "jobName": self.job_name,
            "version": self.version,
            "run": self.run,
            "attempt": self.attempt,
            "runId": self.run_id,
            "previousRunId": self.previous_run_id,
            "contexts": dict(self.contexts),
        }

    @classmethod
    def from_json(cls, job_name: str, d: Mapping[str, Any] | None) -> Bookmark:
        """Rebuild from :meth:`to_json` (a fresh bookmark when ``d`` is empty)."""
        if not d:
            return cls(job_name=job_name)
        return cls(
            job_name=job_name,
            version=int(d.get("version", 0)),
            run=int(d.get("run", 0)),
            attempt=int(d.get("attempt", 0)),
            run_id=d.get("runId"),
            previous_run_id=d.get("previousRunId"),
            contexts=dict(d.get("contexts") or {}),
        )


def processed_files(bookmark: Bookmark | Mapping[str, Any], context: str) -> dict[str, str]:
    """The files (``s3://bucket/key`` -> ETag) a context has processed."""
    contexts = bookmark.contexts if isinstance(bookmark, Bookmark) else bookmark
    entry = contexts.get(context) or {}
    files = entry.get("files") or {}
    return {str(k): str(v) for k, v in files.items()}


def unprocessed(
    contexts: Mapping[str, Mapping[str, Any]], context: str, files: Iterable[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The ``(path, etag)`` pairs a context has not processed (a changed ETag is new)."""
    seen = processed_files(contexts, context)
    return [(p, e) for p, e in files if seen.get(p) != e]


def commit(
    bookmark: Bookmark,
    *,
    run_id: str,
    attempt: int,
    updates: Mapping[str, Mapping[str, str]],
    now_ms: int,
) -> Bookmark:
    """``job.commit()`` of an enabled run: record the files each context read."""
    contexts = {k: dict(v) for k, v in bookmark.contexts.items()}
    run = bookmark.run + 1
    for context, files in updates.items():
        entry = dict(contexts.get(context) or {})
        merged = dict(entry.get("files") or {})
        merged.update(files)
        entry["jsonClass"] = _JSON_CLASS
        entry["timestamps"] = {"RUN": str(run), "CURR_RUN_START_TIME": str(now_ms)}
        entry["files"] = merged
        contexts[context] = entry
    return replace(
        bookmark,
        version=bookmark.version + 1,
        run=run,
        attempt=attempt,
        previous_run_id=bookmark.run_id,
        run_id=run_id,
        contexts=contexts,
    )


def reset(bookmark: Bookmark) -> Bookmark:
    """ResetJobBookmark: forget every processed file."""
    return replace(bookmark, version=bookmark.version + 1, contexts={})
