"""Job-run arguments: merging defaults, run arguments and non-overridable ones; ``sys.argv``.

A run's arguments are the job's ``DefaultArguments``, replaced member by member by the run's
``Arguments`` (StartJobRun, a trigger action), and then by ``NonOverridableArguments``. The
script sees them in ``sys.argv`` after the script path, followed by the ones Glue itself adds:
``--JOB_ID``, ``--JOB_RUN_ID``, ``--job-bookmark-option`` (when not given), ``--JOB_NAME`` and,
inside a workflow run, ``--WORKFLOW_NAME`` and ``--WORKFLOW_RUN_ID``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from headwater.glue.errors import InvalidDefinitionError

__all__ = [
    "BOOKMARK_OPTION",
    "BookmarkOption",
    "bookmark_option",
    "job_id",
    "merge_arguments",
    "script_argv",
]

BOOKMARK_OPTION = "--job-bookmark-option"
_BOOKMARK_VALUES = ("job-bookmark-enable", "job-bookmark-disable", "job-bookmark-pause")
BookmarkOption = str


def job_id(job_name: str) -> str:
    """The ``--JOB_ID`` Glue passes: stable per job name."""
    return "j_" + hashlib.sha256(job_name.encode()).hexdigest()


def merge_arguments(
    defaults: Mapping[str, str] | None,
    given: Mapping[str, str] | None,
    fixed: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Defaults, then the run's arguments, then the non-overridable ones (insertion order)."""
    out: dict[str, str] = {}
    for source in (defaults, given, fixed):
        for key, value in (source or {}).items():
            out[str(key)] = str(value)
    return out


def bookmark_option(arguments: Mapping[str, str]) -> BookmarkOption:
    """The run's bookmark option (``job-bookmark-disable`` unless told)."""
    value = arguments.get(BOOKMARK_OPTION, "job-bookmark-disable")
    if value not in _BOOKMARK_VALUES:
        raise InvalidDefinitionError(
            f"Invalid value {value} for {BOOKMARK_OPTION}: "
            f"use one of {', '.join(_BOOKMARK_VALUES)}",
            location=f"Arguments.{BOOKMARK_OPTION}",
        )
    return value


def script_argv(
    script: str,
    *,
    job_name: str,
    run_id: str,
    arguments: Mapping[str, str],
    workflow: tuple[str, str] | None = None,
) -> list[str]:
    """``sys.argv`` of a job run as Glue builds it."""
    argv = [script]
    for key, value in arguments.items():
        argv += [key, value]
    argv += ["--JOB_ID", job_id(job_name), "--JOB_RUN_ID", run_id]
    if BOOKMARK_OPTION not in arguments:
        argv += [BOOKMARK_OPTION, "job-bookmark-disable"]
    if workflow is not None:
        argv += ["--WORKFLOW_NAME", workflow[0], "--WORKFLOW_RUN_ID", workflow[1]]
    argv += ["--JOB_NAME", job_name]
    return argv
