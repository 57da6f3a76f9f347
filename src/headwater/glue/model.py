"""The closed sets of Glue jobs, triggers and workflows, with AWS's exact strings."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "CrawlState",
    "JobCommandName",
    "JobRunState",
    "Logical",
    "NodeType",
    "TriggerState",
    "TriggerType",
    "WorkflowRunStatus",
]


class JobRunState(StrEnum):
    """A job run's state (``JobRun.JobRunState``)."""

    STARTING = "STARTING"
    RUNNING = "RUNNING"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    TIMEOUT = "TIMEOUT"
    ERROR = "ERROR"
    WAITING = "WAITING"
    EXPIRED = "EXPIRED"

    @property
    def terminal(self) -> bool:
        """Whether the run has ended."""
        return self in _JOB_TERMINAL


_JOB_TERMINAL = frozenset(
    {
        JobRunState.STOPPED,
        JobRunState.SUCCEEDED,
        JobRunState.FAILED,
        JobRunState.TIMEOUT,
        JobRunState.ERROR,
        JobRunState.EXPIRED,
    }
)


class CrawlState(StrEnum):
    """A crawl's state as a trigger condition or a workflow node sees it."""

    RUNNING = "RUNNING"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    ERROR = "ERROR"

    @property
    def terminal(self) -> bool:
        """Whether the crawl has ended."""
        return self in (
            CrawlState.CANCELLED,
            CrawlState.SUCCEEDED,
            CrawlState.FAILED,
            CrawlState.ERROR,
        )


class JobCommandName(StrEnum):
    """``Command.Name`` of a job."""

    GLUEETL = "glueetl"
    PYTHONSHELL = "pythonshell"
    GLUESTREAMING = "gluestreaming"
    GLUERAY = "glueray"


class TriggerType(StrEnum):
    """``Trigger.Type``."""

    SCHEDULED = "SCHEDULED"
    CONDITIONAL = "CONDITIONAL"
    ON_DEMAND = "ON_DEMAND"
    EVENT = "EVENT"


class TriggerState(StrEnum):
    """``Trigger.State``."""

    CREATING = "CREATING"
    CREATED = "CREATED"
    ACTIVATING = "ACTIVATING"
    ACTIVATED = "ACTIVATED"
    DEACTIVATING = "DEACTIVATING"
    DEACTIVATED = "DEACTIVATED"
    DELETING = "DELETING"
    UPDATING = "UPDATING"


class Logical(StrEnum):
    """``Predicate.Logical``: every condition (AND) or any one of them (ANY)."""

    AND = "AND"
    ANY = "ANY"


class NodeType(StrEnum):
    """``Node.Type`` of a workflow graph."""

    CRAWLER = "CRAWLER"
    JOB = "JOB"
    TRIGGER = "TRIGGER"


class WorkflowRunStatus(StrEnum):
    """``WorkflowRun.Status``."""

    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"
    ERROR = "ERROR"
