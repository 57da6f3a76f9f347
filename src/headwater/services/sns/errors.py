"""The errors SNS answers with.

ServiceError (headwater.services.errors)
 ├── InvalidParameter          400  "Invalid parameter: <what>"
 ├── NotFound                  404  a topic or subscription that does not exist
 └── batch errors              400  EmptyBatchRequest, TooManyEntriesInBatchRequest,
                                    BatchEntryIdsNotDistinct
"""

from __future__ import annotations

from headwater.services.errors import ServiceError

__all__ = ["invalid", "subscription_missing", "topic_missing"]


def invalid(what: str) -> ServiceError:
    """InvalidParameter, worded as SNS words it."""
    return ServiceError("InvalidParameter", f"Invalid parameter: {what}", status=400)


def topic_missing() -> ServiceError:
    """NotFound for a topic."""
    return ServiceError("NotFound", "Topic does not exist", status=404)


def subscription_missing() -> ServiceError:
    """NotFound for a subscription."""
    return ServiceError("NotFound", "Subscription does not exist", status=404)
