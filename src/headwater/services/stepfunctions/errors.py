"""The errors the Step Functions API answers with, worded as AWS words them.

Tree (all are :class:`~headwater.services.errors.ServiceError`, HTTP 400)::

    ServiceError
    ├── InvalidArn / InvalidName / InvalidDefinition / InvalidExecutionInput / InvalidToken
    ├── StateMachineDoesNotExist / ExecutionDoesNotExist / ActivityDoesNotExist
    ├── ResourceNotFound / TaskDoesNotExist / TaskTimedOut
    ├── StateMachineAlreadyExists / ExecutionAlreadyExists / ActivityAlreadyExists
    ├── StateMachineTypeNotSupported / ExecutionNotRedrivable / ConflictException
    └── ValidationException (with AWS's ``reason``)
"""

from __future__ import annotations

from headwater.services.errors import ServiceError

__all__ = [
    "activity_missing",
    "already_exists",
    "execution_exists",
    "execution_missing",
    "invalid_arn",
    "invalid_definition",
    "invalid_input",
    "invalid_name",
    "invalid_token",
    "machine_missing",
    "not_redrivable",
    "resource_missing",
    "task_missing",
    "task_timed_out",
    "type_not_supported",
    "validation",
]


def invalid_arn(message: str) -> ServiceError:
    """InvalidArn: ``Invalid Arn: '<why>'``."""
    return ServiceError("InvalidArn", f"Invalid Arn: '{message}'")


def invalid_name(name: str) -> ServiceError:
    """InvalidName."""
    return ServiceError("InvalidName", f"Invalid Name: '{name}'")


def invalid_definition(message: str) -> ServiceError:
    """InvalidDefinition, with the language core's message."""
    return ServiceError("InvalidDefinition", message)


def invalid_input(message: str) -> ServiceError:
    """InvalidExecutionInput, with the language core's message."""
    return ServiceError("InvalidExecutionInput", message)


def invalid_token(message: str = "Invalid token") -> ServiceError:
    """InvalidToken."""
    return ServiceError("InvalidToken", f"Invalid Token: '{message}'")


def machine_missing(arn: str) -> ServiceError:
    """StateMachineDoesNotExist."""
    return ServiceError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")


def execution_missing(arn: str) -> ServiceError:
    """ExecutionDoesNotExist."""
    return ServiceError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")


def activity_missing(arn: str) -> ServiceError:
    """ActivityDoesNotExist."""
    return ServiceError("ActivityDoesNotExist", f"Activity Does Not Exist: '{arn}'")


def resource_missing(arn: str) -> ServiceError:
    """ResourceNotFound (tags, aliases, versions)."""
    return ServiceError(
        "ResourceNotFound", f"Resource not found: '{arn}'", fields={"resourceName": arn}
    )


def task_missing() -> ServiceError:
    """TaskDoesNotExist."""
    return ServiceError("TaskDoesNotExist", "Task Does Not Exist: 'Provided task does not exist'")


def task_timed_out() -> ServiceError:
    """TaskTimedOut: the task ended (timed out, aborted, its execution stopped)."""
    return ServiceError("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")


def already_exists(arn: str) -> ServiceError:
    """StateMachineAlreadyExists."""
    return ServiceError("StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'")


def execution_exists(arn: str) -> ServiceError:
    """ExecutionAlreadyExists."""
    return ServiceError("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")


def type_not_supported(message: str) -> ServiceError:
    """StateMachineTypeNotSupported."""
    return ServiceError("StateMachineTypeNotSupported", message)


def not_redrivable(message: str) -> ServiceError:
    """ExecutionNotRedrivable."""
    return ServiceError("ExecutionNotRedrivable", message)


def validation(message: str, reason: str | None = None) -> ServiceError:
    """ValidationException (``reason`` as AWS sets it, e.g. CANNOT_UPDATE_COMPLETED_MAP_RUN)."""
    return ServiceError(
        "ValidationException", message, fields={"reason": reason} if reason else None
    )
