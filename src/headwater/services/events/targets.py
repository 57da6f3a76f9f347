"""The target registry: how a delivery reaches a state machine, a bus, a function, a topic.

A target type is keyed by the service part of its ARN (``arn:aws:<service>:...``). Handlers
call the other service in-process through the registry; a :class:`TargetError` says whether
the failure is worth retrying (throttling, the service being down) or final (the resource
does not exist, the input is refused), as EventBridge distinguishes them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from headwater.services.base import RequestContext
from headwater.services.errors import ServiceError

if TYPE_CHECKING:
    from headwater.services.events._core import EventsCore

__all__ = ["Delivery", "TargetError", "TargetHandler", "deliver", "register_target"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """What a handler gets: the target, the rendered input and the original event."""

    target_arn: str
    input_text: str
    event: dict[str, Any]
    rule_arn: str
    delivery_key: str  # stable across retries: makes target calls idempotent
    region: str
    account: str


class TargetError(Exception):
    """A target call failed; ``retryable`` says whether EventBridge would try again."""

    def __init__(self, code: str, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable


TargetHandler = Callable[["EventsCore", Delivery], dict[str, Any]]
_HANDLERS: dict[str, TargetHandler] = {}


def register_target(service: str, handler: TargetHandler) -> None:
    """Make ARNs ``arn:aws:<service>:...`` deliverable through ``handler``."""
    _HANDLERS[service] = handler


def _arn_service(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 2 else ""


def deliver(events: EventsCore, delivery: Delivery) -> dict[str, Any]:
    """Invoke the target; raise :class:`TargetError` on failure."""
    handler = _HANDLERS.get(_arn_service(delivery.target_arn))
    if handler is None:
        raise TargetError(
            "UnsupportedTarget",
            f"Headwater cannot deliver to targets like {delivery.target_arn}",
            retryable=False,
        )
    try:
        return handler(events, delivery)
    except TargetError:
        raise
    except ServiceError as err:
        retry = err.status >= 500 or "Throttl" in err.code or err.code == "TooManyRequests"
        raise TargetError(err.code, err.message, retryable=retry) from err


def _ctx(events: EventsCore, delivery: Delivery, operation: str) -> RequestContext:
    return RequestContext(
        request_id=str(uuid.uuid4()),
        region=delivery.region,
        account_id=delivery.account,
        service="events",
        operation=operation,
        user_agent="events.amazonaws.com",
    )


def _call(
    events: EventsCore, delivery: Delivery, service: str, operation: str, params: dict[str, Any]
) -> dict[str, Any]:
    registry = events.env.registry
    if registry is None or registry.get(service) is None:
        raise TargetError(
            "ServiceUnavailable", f"the {service} service is not running", retryable=True
        )
    return registry.call(_ctx(events, delivery, operation), service, operation, params)


def _state_machine(events: EventsCore, delivery: Delivery) -> dict[str, Any]:
    # The execution name is derived from the delivery, so a retry after a crash between
    # StartExecution and recording its success starts no second execution.
    name = str(uuid.uuid5(uuid.NAMESPACE_URL, delivery.delivery_key))
    out = _call(
        events,
        delivery,
        "stepfunctions",
        "StartExecution",
        {"stateMachineArn": delivery.target_arn, "input": delivery.input_text, "name": name},
    )
    return {"executionArn": out.get("executionArn")}


def _event_bus(events: EventsCore, delivery: Delivery) -> dict[str, Any]:
    bus = delivery.target_arn.rsplit("/", 1)[-1]
    region = delivery.target_arn.split(":")[3] or delivery.region
    seq = events.ingest_event(delivery.event, region=region, bus=bus)
    if seq is None:
        raise TargetError(
            "ResourceNotFoundException", f"Event bus {bus} does not exist.", retryable=False
        )
    return {"forwarded": True}


def _lambda(events: EventsCore, delivery: Delivery) -> dict[str, Any]:
    out = _call(
        events,
        delivery,
        "lambda",
        "Invoke",
        {
            "FunctionName": delivery.target_arn,
            "InvocationType": "Event",
            "Payload": delivery.input_text.encode(),
        },
    )
    return {"StatusCode": out.get("StatusCode")}


def _sns(events: EventsCore, delivery: Delivery) -> dict[str, Any]:
    out = _call(
        events,
        delivery,
        "sns",
        "Publish",
        {"TopicArn": delivery.target_arn, "Message": delivery.input_text},
    )
    return {"MessageId": out.get("MessageId")}


def _glue(events: EventsCore, delivery: Delivery) -> dict[str, Any]:
    # arn:aws:glue:<region>:<account>:workflow/<name>: EventBridge notifies the workflow.
    name = delivery.target_arn.rsplit("/", 1)[-1]
    _call(events, delivery, "glue", "NotifyEvent", {"Name": name, "RawEvent": delivery.input_text})
    return {"notified": name}


register_target("states", _state_machine)
register_target("events", _event_bus)
register_target("lambda", _lambda)
register_target("sns", _sns)
register_target("glue", _glue)


def loads(text: str) -> Any:
    """Parse a rendered input (JSON or plain text) for handlers that need a value."""
    try:
        return json.loads(text)
    except ValueError:
        return text
