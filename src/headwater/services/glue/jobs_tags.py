"""Tags of jobs, workflows and triggers: kept by ARN with every other Glue resource's tags.

The catalog side's tag table (``GlueCatalogStore.get_tags`` / ``put_tags``) holds them, so
CreateJob's ``Tags``, TagResource / GetTags on a job ARN and ListJobs' ``Tags`` filter agree.
The kinds are registered with the tag operations' existence checks when those are there.
"""

from __future__ import annotations

import importlib
from typing import Any

from headwater.store.glue_catalog import GlueCatalogStore
from headwater.store.glue_jobs import GlueJobsStore

__all__ = ["arn", "matches", "put"]


def arn(region: str, account: str, kind: str, name: str) -> str:
    """``arn:aws:glue:<region>:<account>:<kind>/<name>``."""
    return f"arn:aws:glue:{region}:{account}:{kind}/{name}"


def put(conn: Any, resource_arn: str, tags: dict[str, str]) -> None:
    """Replace a resource's tags (an empty dict forgets them)."""
    GlueCatalogStore.put_tags(conn, resource_arn, tags)


def matches(conn: Any, resource_arn: str, wanted: dict[str, str]) -> bool:
    """Whether the resource carries every wanted tag (ListJobs / ListTriggers filters)."""
    if not wanted:
        return True
    have = GlueCatalogStore.get_tags(conn, resource_arn)
    return all(have.get(k) == v for k, v in wanted.items())


def _register() -> None:
    try:
        tags = importlib.import_module("headwater.services.glue.tags")
    except ImportError:
        return
    register = getattr(tags, "register_taggable", None)
    if not callable(register):
        return
    register("job", lambda c, r, p: GlueJobsStore.get_job(c, r, p[0]) is not None)
    register("workflow", lambda c, r, p: GlueJobsStore.get_workflow(c, r, p[0]) is not None)
    register("trigger", lambda c, r, p: GlueJobsStore.get_trigger(c, r, p[0]) is not None)


_register()
