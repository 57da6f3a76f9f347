"""The Glue errors jobs, workflows and triggers raise, beyond the catalog's (``errors.py``).

ServiceError (headwater.services.errors)
 ├── EntityNotFoundException          a job, job run, workflow, run or trigger is missing
 ├── AlreadyExistsException           the name is taken
 ├── InvalidInputException            a request member breaks Glue's rules
 ├── ConcurrentRunsExceededException  a job or workflow is at its MaxConcurrentRuns
 ├── IllegalWorkflowStateException    StopWorkflowRun / ResumeWorkflowRun in the wrong state
 └── ResourceNumberLimitExceededException  too many events, actions or conditions

Glue answers every one of them with HTTP 400.
"""

from __future__ import annotations

from headwater.glue import GlueError
from headwater.services.errors import ServiceError
from headwater.services.glue.errors import already_exists, entity_not_found, invalid_input

__all__ = [
    "already_exists",
    "concurrent_runs",
    "entity_not_found",
    "from_definition",
    "illegal_workflow_state",
    "invalid_input",
    "job_not_found",
    "job_run_not_found",
    "trigger_not_found",
    "workflow_not_found",
    "workflow_run_not_found",
]


def job_not_found(name: str) -> ServiceError:
    """The job ``name`` does not exist."""
    return entity_not_found(f"Job {name} not found")


def job_run_not_found(job: str, run_id: str) -> ServiceError:
    """No run ``run_id`` of job ``job``."""
    return entity_not_found(f"Job Run {run_id} of job {job} not found")


def workflow_not_found(name: str) -> ServiceError:
    """The workflow ``name`` does not exist."""
    return entity_not_found(f"Workflow with name: {name} not found")


def workflow_run_not_found(name: str, run_id: str) -> ServiceError:
    """No run ``run_id`` of workflow ``name``."""
    return entity_not_found(f"Workflow run {run_id} of workflow {name} not found")


def trigger_not_found(name: str) -> ServiceError:
    """The trigger ``name`` does not exist."""
    return entity_not_found(f"Trigger with name {name} not found")


def concurrent_runs(kind: str, name: str) -> ServiceError:
    """``ConcurrentRunsExceededException``."""
    return ServiceError("ConcurrentRunsExceededException", f"Concurrent runs exceeded for {name}")


def illegal_workflow_state(message: str) -> ServiceError:
    """``IllegalWorkflowStateException``."""
    return ServiceError("IllegalWorkflowStateException", message)


def from_definition(err: GlueError) -> ServiceError:
    """A pure-core definition error as the API answers it."""
    return ServiceError(err.aws_code, err.message)
