"""The errors Lambda's API answers with, by AWS error code and HTTP status.

ServiceError (headwater.services.errors)
 ├── ResourceNotFoundException         404  function, version, alias, policy statement
 ├── ResourceConflictException         409  already exists, or in use
 ├── InvalidParameterValueException    400  a parameter the API accepts but cannot use
 ├── InvalidRequestContentException    400  an Invoke payload that is not JSON
 ├── RequestTooLargeException          413  an Invoke payload over the limit
 ├── PreconditionFailedException       412  a RevisionId that is not the latest
 ├── TooManyRequestsException          429  reserved concurrency exhausted
 └── ServiceException                  500  Headwater could not run the function

Function errors (the handler raised, timed out, crashed) are not API errors: Invoke answers
200 with ``X-Amz-Function-Error`` and the error object as the payload.
"""

from __future__ import annotations

from headwater.services.errors import ServiceError

__all__ = [
    "conflict",
    "invalid_content",
    "invalid_parameter",
    "not_found",
    "precondition_failed",
    "service_error",
    "too_large",
    "too_many_requests",
]


def not_found(message: str) -> ServiceError:
    """ResourceNotFoundException, e.g. ``Function not found: arn:...``."""
    return ServiceError("ResourceNotFoundException", message, status=404)


def conflict(message: str) -> ServiceError:
    """ResourceConflictException."""
    return ServiceError("ResourceConflictException", message, status=409)


def invalid_parameter(message: str) -> ServiceError:
    """InvalidParameterValueException."""
    return ServiceError("InvalidParameterValueException", message, status=400)


def invalid_content(message: str) -> ServiceError:
    """InvalidRequestContentException (an Invoke payload that does not parse)."""
    return ServiceError("InvalidRequestContentException", message, status=400)


def too_large(message: str) -> ServiceError:
    """RequestTooLargeException."""
    return ServiceError("RequestTooLargeException", message, status=413)


def precondition_failed(message: str) -> ServiceError:
    """PreconditionFailedException (a stale RevisionId)."""
    return ServiceError("PreconditionFailedException", message, status=412)


def too_many_requests(reason: str) -> ServiceError:
    """TooManyRequestsException, with the throttling reason AWS gives."""
    return ServiceError(
        "TooManyRequestsException",
        "Rate Exceeded.",
        status=429,
        fields={"Reason": reason},
        headers={"retry-after": "1"},
    )


def service_error(message: str) -> ServiceError:
    """ServiceException: Headwater itself failed to run the request."""
    return ServiceError("ServiceException", message, status=500, sender_fault=False)
