"""Errors a service operation raises; the API layer renders them in each protocol's shape.

ServiceError                      code + message (+ extra fields), HTTP status, sender fault
 ├── ValidationError              the request does not fit the operation's input shape
 ├── NotFoundError                a named resource does not exist (404 unless told otherwise)
 ├── ConflictError                a resource already exists or is in the wrong state
 └── InternalError                a fault of Headwater's, reported as AWS reports a 500

Each service raises these with the exact AWS error code of that service
(``ServiceError("NoSuchBucket", "The specified bucket does not exist", status=404,
fields={"BucketName": name})``); the mapping from code to HTTP status lives with the raise,
and the wire shape of the error body in ``headwater.api.errors``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ConflictError", "InternalError", "NotFoundError", "ServiceError", "ValidationError"]


class ServiceError(Exception):
    """An AWS-shaped error: ``code`` is the AWS error code, ``message`` names the problem."""

    status: int = 400
    sender_fault: bool = True

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        fields: dict[str, Any] | None = None,
        sender_fault: bool | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status
        if sender_fault is not None:
            self.sender_fault = sender_fault
        self.fields: dict[str, Any] = dict(fields or {})
        self.headers: dict[str, str] = dict(headers or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, status={self.status})"


class ValidationError(ServiceError):
    """The request is malformed for the operation (missing member, wrong type, bad value)."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "ValidationException",
        status: int = 400,
        fields: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(code, message, status=status, fields=fields)


class NotFoundError(ServiceError):
    """A named resource does not exist."""

    status = 404


class ConflictError(ServiceError):
    """A resource already exists, or is in a state that forbids the operation."""

    status = 409


class InternalError(ServiceError):
    """A Headwater fault, reported with AWS's internal-error code, never a traceback."""

    status = 500
    sender_fault = False

    def __init__(
        self,
        message: str = "We encountered an internal error. Please try again.",
        *,
        code: str = "InternalFailure",
    ) -> None:
        super().__init__(code, message)
