"""The target registry: how a delivery reaches a state machine, a bus, a function, a topic.

A target type is keyed by the service part of its ARN (``arn:aws:<service>:...``). Handlers
call the other service in-process through the registry; a :class:`TargetError` says whether
the failure is worth retrying (throttling, the service being down) or final (the resource
does not exist, the input is refused), as EventBridge distinguishes them.

A target type may also register a batch handler, given every due delivery of that type at
once (Step Functions starts them in one transaction); its answer per delivery is the same as
the single handler's: a result, or the :class:`TargetError` it would have raised.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from headwater.services.base import RequestContext
from headwater.services.errors import ServiceError

if TYPE_CHECKING:
    from headwater.services.events._core import EventsCore

__all__ = [
    "BatchHandler",
    "Delivery",
    "TargetError",
    "TargetHandler",
    "deliver",
    "deliver_many",
    "register_target",
]


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
BatchHandler = Callable[["EventsCore", list[Delivery]], list[dict[str, Any] | TargetError]]
_HANDLERS: dict[str, TargetHandler] = {}
_BATCH_HANDLERS: dict[str, BatchHandler] = {}


def register_target(
    service: str, handler: TargetHandler, *, batch: BatchHandler | None = None
) -> None:
    """Make ARNs ``arn:aws:<service>:...`` deliverable through ``handler``.

    ``batch``, if given, delivers many at once and must behave as ``handler`` on each;
    registering a handler without one replaces any batch handler of that service.
    """
    _HANDLERS[service] = handler
    if batch is None:
        _BATCH_HANDLERS.pop(service, None)
    else:
        _BATCH_HANDLERS[service] = batch


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
        raise _target_error(err) from err


def batch_service(delivery: Delivery) -> str | None:
    """The target type of ``delivery`` if it has a batch handler."""
    service = _arn_service(delivery.target_arn)
    return service if service in _BATCH_HANDLERS else None


def deliver_many(
    events: EventsCore, service: str, deliveries: list[Delivery]
) -> list[dict[str, Any] | TargetError]:
    """Invoke the batch handler of ``service``: a result or a :class:`TargetError` each."""
    out = _BATCH_HANDLERS[service](events, deliveries)
    if len(out) != len(deliveries):
        raise RuntimeError(f"the {service} batch handler answered {len(out)} of {len(deliveries)}")
    return out


def _target_error(err: ServiceError) -> TargetError:
    retry = err.status >= 500 or "Throttl" in err.code or err.code == "TooManyRequests"
    return TargetError(err.code, err.message, retryable=retry)


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


def _execution_name(delivery: Delivery) -> str:
    # The execution name is derived from the delivery, so a retry after a crash between
    # StartExecution and recording its success starts no second execution.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, delivery.delivery_key))


def _start_params(delivery: Delivery) -> dict[str, Any]:
    return {
        "stateMachineArn": delivery.target_arn,
        "input": delivery.input_text,
        "name": _execution_name(delivery),
    }


_EXISTING_ARN = re.compile(r"'(arn:[^']+)'")


def _started(out: dict[str, Any] | ServiceError) -> dict[str, Any] | TargetError:
    """StartExecution's answer as a delivery result."""
    if not isinstance(out, ServiceError):
        return {"executionArn": out.get("executionArn")}
    if out.code == "ExecutionAlreadyExists":
        # Only an earlier attempt of this very delivery can have taken its name (and it
        # sent the same input): it was delivered, the execution has since moved on.
        found = _EXISTING_ARN.search(out.message)
        return {"executionArn": found.group(1) if found else None, "alreadyStarted": True}
    return _target_error(out)


def _state_machine(events: EventsCore, delivery: Delivery) -> dict[str, Any]:
    try:
        out: dict[str, Any] | ServiceError = _call(
            events, delivery, "stepfunctions", "StartExecution", _start_params(delivery)
        )
    except ServiceError as err:
        out = err
    result = _started(out)
    if isinstance(result, TargetError):
        raise result
    return result


def _state_machines(
    events: EventsCore, deliveries: list[Delivery]
) -> list[dict[str, Any] | TargetError]:
    """Start the executions of many deliveries together (one store transaction)."""
    registry = events.env.registry
    svc = registry.get("stepfunctions") if registry is not None else None
    start_many = getattr(svc, "start_executions", None)
    if start_many is None:
        return [_one(events, _state_machine, d) for d in deliveries]
    requests = [(_ctx(events, d, "StartExecution"), _start_params(d)) for d in deliveries]
    answers: list[dict[str, Any] | ServiceError] = start_many(requests)
    return [_started(a) for a in answers]


def _one(
    events: EventsCore, handler: TargetHandler, delivery: Delivery
) -> dict[str, Any] | TargetError:
    try:
        return handler(events, delivery)
    except TargetError as err:
        return err
    except ServiceError as err:
        return _target_error(err)


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


register_target("states", _state_machine, batch=_state_machines)
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
