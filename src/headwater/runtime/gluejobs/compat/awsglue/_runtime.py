"""The job run this process serves: bookmark state, pending commits, AWS clients.

The bootstrap calls :func:`configure` before the script starts; the readers record the files
each ``transformation_ctx`` read, and ``Job.commit()`` moves them to :data:`COMMITTED`, which the
bootstrap reports back when the script ends.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = [
    "COMMITTED",
    "bookmark_enabled",
    "bookmark_filtering",
    "client",
    "configure",
    "processed",
    "record_read",
    "take_reads",
]

_state: dict[str, Any] = {"contexts": {}, "option": "job-bookmark-disable", "reads": {}}
COMMITTED: dict[str, dict[str, str]] = {}
_clients: dict[str, Any] = {}


def configure(spec: dict[str, Any]) -> None:
    """Take the run's bookmark state and option (from the bootstrap's spec)."""
    _state["contexts"] = dict(spec.get("bookmark") or {})
    _state["option"] = spec.get("bookmarkOption") or "job-bookmark-disable"
    _state["reads"] = {}
    COMMITTED.clear()
    _clients.clear()


def bookmark_filtering() -> bool:
    """Whether sources skip files the bookmark has seen (enable or pause)."""
    return _state["option"] in ("job-bookmark-enable", "job-bookmark-pause")


def bookmark_enabled() -> bool:
    """Whether ``job.commit()`` records what was read."""
    return bool(_state["option"] == "job-bookmark-enable")


def processed(context: str) -> dict[str, str]:
    """The files (path -> ETag) a context's bookmark has seen."""
    entry = _state["contexts"].get(context) or {}
    return dict(entry.get("files") or {})


def record_read(context: str, files: dict[str, str]) -> None:
    """A source with ``transformation_ctx`` read ``files``."""
    if context:
        _state["reads"].setdefault(context, {}).update(files)


def take_reads() -> dict[str, dict[str, str]]:
    """What was read since the last commit (and forget it)."""
    reads: dict[str, dict[str, str]] = _state["reads"]
    _state["reads"] = {}
    return reads


def client(service: str) -> Any:
    """A boto3 client for ``service`` talking to Headwater (AWS_ENDPOINT_URL)."""
    found = _clients.get(service)
    if found is None:
        import boto3

        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        found = boto3.client(service, region_name=region)
        _clients[service] = found
    return found
