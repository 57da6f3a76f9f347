"""``awsglue.job.Job``: init and commit (commit is when bookmarks advance)."""

from __future__ import annotations

from typing import Any

from . import _runtime

__all__ = ["Job"]


class Job:
    """The running job, as the script sees it."""

    def __init__(self, glue_context: Any) -> None:
        self._context = glue_context
        self._name: str | None = None
        self._args: dict[str, Any] = {}

    @staticmethod
    def job_bookmark_options() -> list[str]:
        """The bookmark option and its values."""
        return [
            "--job-bookmark-option",
            "job-bookmark-enable",
            "job-bookmark-pause",
            "job-bookmark-disable",
        ]

    @staticmethod
    def continuation_options() -> list[str]:
        """The old name of the bookmark option and its values."""
        return [
            "--continuation-option",
            "continuation-enabled",
            "continuation-readonly",
            "continuation-ignore",
        ]

    @staticmethod
    def job_bookmark_range_options() -> list[str]:
        """The bookmark range options."""
        return ["--job-bookmark-from", "--job-bookmark-to"]

    @staticmethod
    def id_params() -> list[str]:
        """The run ids Glue passes."""
        return ["--JOB_NAME", "--JOB_ID", "--JOB_RUN_ID", "--SECURITY_CONFIGURATION"]

    @staticmethod
    def encryption_type_options() -> list[str]:
        """The encryption option and its value."""
        return ["--encryption-type", "sse-s3"]

    def init(self, job_name: str, args: dict[str, Any] | None = None) -> None:
        """Start the job (records its name and arguments)."""
        self._name = job_name
        self._args = dict(args or {})

    def isInitialized(self) -> bool:
        """Whether ``init`` was called."""
        return self._name is not None

    def commit(self) -> None:
        """Commit: with bookmarks enabled, the files read so far count as processed."""
        reads = _runtime.take_reads()
        if _runtime.bookmark_enabled():
            for context, files in reads.items():
                _runtime.COMMITTED.setdefault(context, {}).update(files)
