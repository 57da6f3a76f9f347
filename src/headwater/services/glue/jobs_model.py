"""Job definitions and job runs at the wire edge: validation, defaults, output shapes.

A job is stored as the ``Job`` shape itself (what CreateJob was given plus the defaults Glue
fills in); a job run as the ``JobRun`` shape plus private members under ``_hw`` (the merged
arguments, the workflow run it belongs to, the retry chain) that never leave the service.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from headwater.glue import JobCommandName, JobRunState
from headwater.services.glue import jobs_errors as errors

__all__ = [
    "ACTIVE_STATES",
    "DEFAULT_TIMEOUT",
    "job_from_create",
    "job_from_update",
    "job_run_out",
    "script_location",
]

DEFAULT_TIMEOUT = 2880  # minutes (48 hours), Glue's default for Spark and Python shell jobs
ACTIVE_STATES = (
    JobRunState.STARTING.value,
    JobRunState.RUNNING.value,
    JobRunState.STOPPING.value,
    JobRunState.WAITING.value,
)
_NAME = re.compile(r"^[\u0020-\uD7FF\uE000-\uFFFD\t]+$")
_WORKER_TYPES = {"Standard", "G.1X", "G.2X", "G.025X", "G.4X", "G.8X", "Z.2X", "G.12X", "G.16X"}
# What CreateJob and JobUpdate may carry and GetJob gives back as given.
_KEPT = (
    "Description",
    "LogUri",
    "Role",
    "ExecutionProperty",
    "Command",
    "DefaultArguments",
    "NonOverridableArguments",
    "Connections",
    "MaxRetries",
    "AllocatedCapacity",
    "Timeout",
    "MaxCapacity",
    "WorkerType",
    "NumberOfWorkers",
    "SecurityConfiguration",
    "NotificationProperty",
    "GlueVersion",
    "ExecutionClass",
    "JobMode",
    "JobRunQueuingEnabled",
    "SourceControlDetails",
    "MaintenanceWindow",
)


def _check_name(name: Any, member: str = "Name") -> str:
    if not isinstance(name, str) or not 1 <= len(name) <= 255 or not _NAME.match(name):
        raise errors.invalid_input(f"{member} must be 1-255 characters of a single line")
    return name


def _validate(job: dict[str, Any]) -> dict[str, Any]:
    command = job.get("Command")
    if not isinstance(command, dict):
        raise errors.invalid_input("Command is required")
    name = command.get("Name") or JobCommandName.GLUEETL.value
    try:
        JobCommandName(name)
    except ValueError:
        raise errors.invalid_input(
            f"Command name {name} is not supported: use glueetl, pythonshell, gluestreaming "
            "or glueray"
        ) from None
    command["Name"] = name
    location = command.get("ScriptLocation")
    if location is not None and not str(location).startswith(("s3://", "s3a://", "s3n://")):
        raise errors.invalid_input("ScriptLocation must be an S3 location (s3://bucket/key)")
    if not job.get("Role"):
        raise errors.invalid_input("Role is required")
    worker, workers = job.get("WorkerType"), job.get("NumberOfWorkers")
    if worker is not None and worker not in _WORKER_TYPES:
        raise errors.invalid_input(f"Worker type {worker} is not supported")
    if (worker is None) != (workers is None):
        raise errors.invalid_input(
            "Please set both Worker Type and Number of Workers, or neither of them."
        )
    if worker is not None and (job.get("MaxCapacity") is not None):
        raise errors.invalid_input(
            "Please do not set Max Capacity if using Worker Type and Number of Workers."
        )
    if job.get("AllocatedCapacity") is not None and job.get("MaxCapacity") is not None:
        raise errors.invalid_input("Please set only Allocated Capacity or Max Capacity.")
    if name == JobCommandName.PYTHONSHELL.value:
        cap = job.get("MaxCapacity")
        if cap is not None and float(cap) not in (0.0625, 1.0):
            raise errors.invalid_input("Python shell jobs take a MaxCapacity of 0.0625 or 1")
    timeout = job.get("Timeout")
    if timeout is not None and (not isinstance(timeout, int) or timeout < 1):
        raise errors.invalid_input("Timeout must be at least 1 minute")
    retries = job.get("MaxRetries")
    if retries is not None and (not isinstance(retries, int) or retries < 0):
        raise errors.invalid_input("MaxRetries must not be negative")
    concurrent = (job.get("ExecutionProperty") or {}).get("MaxConcurrentRuns", 1)
    if not isinstance(concurrent, int) or concurrent < 1:
        raise errors.invalid_input("MaxConcurrentRuns must be at least 1")
    return job


def _defaults(job: dict[str, Any]) -> dict[str, Any]:
    job.setdefault("ExecutionProperty", {"MaxConcurrentRuns": 1})
    job["ExecutionProperty"].setdefault("MaxConcurrentRuns", 1)
    job.setdefault("MaxRetries", 0)
    job.setdefault("Timeout", DEFAULT_TIMEOUT)
    job.setdefault("DefaultArguments", {})
    command = job["Command"]
    if command["Name"] == JobCommandName.PYTHONSHELL.value:
        command.setdefault("PythonVersion", "3")
        if job.get("MaxCapacity") is None:
            job["MaxCapacity"] = 0.0625
        job.pop("AllocatedCapacity", None)
    elif job.get("WorkerType") is None:
        if job.get("MaxCapacity") is None:
            job["MaxCapacity"] = float(job.pop("AllocatedCapacity", None) or 10)
        job["AllocatedCapacity"] = int(job["MaxCapacity"])
    else:
        command.setdefault("PythonVersion", "3")
    return job


def job_from_create(params: dict[str, Any], now: float) -> dict[str, Any]:
    """The stored ``Job`` of a CreateJob request."""
    name = _check_name(params.get("Name"))
    job: dict[str, Any] = {"Name": name}
    for key in _KEPT:
        if params.get(key) is not None:
            job[key] = copy.deepcopy(params[key])
    job["CreatedOn"] = now
    job["LastModifiedOn"] = now
    return _defaults(_validate(job))


def job_from_update(old: dict[str, Any], update: dict[str, Any], now: float) -> dict[str, Any]:
    """UpdateJob: the JobUpdate replaces the definition (members it omits are reset)."""
    job: dict[str, Any] = {"Name": old["Name"]}
    for key in _KEPT:
        if update.get(key) is not None:
            job[key] = copy.deepcopy(update[key])
    if "Command" not in job:
        job["Command"] = copy.deepcopy(old.get("Command"))
    if "Role" not in job:
        job["Role"] = old.get("Role")
    job["CreatedOn"] = old.get("CreatedOn", now)
    job["LastModifiedOn"] = now
    return _defaults(_validate(job))


def job_out(job: dict[str, Any]) -> dict[str, Any]:
    """The ``Job`` shape (private members removed)."""
    return {k: copy.deepcopy(v) for k, v in job.items() if k != "Tags" and not k.startswith("_")}


def script_location(job: dict[str, Any]) -> str | None:
    """The job's ``s3://`` script, if it has one."""
    location = (job.get("Command") or {}).get("ScriptLocation")
    return str(location) if location else None


def job_run_out(body: dict[str, Any]) -> dict[str, Any]:
    """The ``JobRun`` shape of a stored run."""
    return {k: copy.deepcopy(v) for k, v in body.items() if not k.startswith("_")}
