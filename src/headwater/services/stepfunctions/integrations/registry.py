"""The integration registry: what a Task's Resource ARN calls, and how ``.sync`` waits.

An integration is registered under a Resource ARN without its pattern suffix
(``arn:aws:states:::lambda:invoke``) or under a prefix (``arn:aws:states:::aws-sdk:``,
``arn:aws:lambda:``); the longest match wins. It is called with a :class:`TaskCall` and
returns an :class:`Outcome`: :class:`Succeeded`, :class:`Failed` or, for the ``.sync`` and
``.waitForTaskToken`` patterns, :class:`Submitted` (the request was made; the result comes
later).

``.sync`` completion is pushed, never polled: after the request part returned
:class:`Submitted`, the runner asks the :data:`SyncWaiter` registered under
``"<service>:<action>"`` (``"glue:startJobRun"``, ``"states:startExecution"``) to *watch* the
job: the waiter subscribes to the target's state change and calls ``done(outcome)`` exactly
once when it ends (at once if it already has). It returns an unsubscribe callable. The
same waiter is asked again after a restart, with the stored submit output, so a job submitted
before a crash is not submitted twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from headwater.services.base import Environment, RequestContext

__all__ = [
    "Failed",
    "Integration",
    "IntegrationContext",
    "Outcome",
    "Pattern",
    "Submitted",
    "Succeeded",
    "SyncWaiter",
    "TaskCall",
    "find_integration",
    "find_sync_waiter",
    "register_integration",
    "register_sync_waiter",
    "split_resource",
]


class Pattern(StrEnum):
    """Service integration patterns, as the Resource suffix names them."""

    REQUEST_RESPONSE = ""
    SYNC = ".sync"
    SYNC2 = ".sync:2"
    CALLBACK = ".waitForTaskToken"


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskCall:
    """One task invocation as an integration sees it."""

    resource: str  # as written in the definition
    base: str  # without the pattern suffix
    pattern: Pattern
    parameters: Any
    token: str  # $$.Task.Token
    state_name: str
    attempt: int
    execution_arn: str
    region: str
    account: str
    credentials: Any = None

    @property
    def service_action(self) -> tuple[str, str]:
        """(service, action) of ``arn:aws:states:::<service>:<action>`` resources."""
        parts = self.base.split(":")
        if len(parts) >= 7 and parts[5] == "aws-sdk":
            return parts[6], ":".join(parts[7:])
        if len(parts) >= 7:
            return parts[5], ":".join(parts[6:])
        return "", ""


@dataclass(frozen=True, slots=True, kw_only=True)
class IntegrationContext:
    """What an integration may use: the environment, a request context, the SFN service."""

    env: Environment
    ctx: RequestContext
    service: Any  # the StepFunctionsService, for states:* integrations


@dataclass(frozen=True, slots=True, kw_only=True)
class Succeeded:
    """The task returned ``output``."""

    output: Any


@dataclass(frozen=True, slots=True, kw_only=True)
class Failed:
    """The task failed."""

    error: str | None
    cause: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Submitted:
    """A ``.sync`` / ``.waitForTaskToken`` request was made; ``output`` is its answer."""

    output: Any


Outcome = Succeeded | Failed | Submitted
Integration = Callable[[IntegrationContext, TaskCall], Outcome]
SyncWaiter = Callable[
    [IntegrationContext, TaskCall, Any, Callable[[Outcome], None]], Callable[[], None] | None
]

_EXACT: dict[str, Integration] = {}
_PREFIX: dict[str, Integration] = {}
_WAITERS: dict[str, SyncWaiter] = {}


def register_integration(resource: str, handler: Integration, *, prefix: bool = False) -> None:
    """Make Task resources ``resource`` (or every one starting with it) call ``handler``."""
    (_PREFIX if prefix else _EXACT)[resource] = handler


def register_sync_waiter(service_action: str, waiter: SyncWaiter) -> None:
    """Make ``.sync`` tasks of ``"<service>:<action>"`` wait through ``waiter``."""
    _WAITERS[service_action] = waiter


def split_resource(resource: str) -> tuple[str, Pattern]:
    """(base resource, pattern) of a Task Resource ARN."""
    for pattern in (Pattern.SYNC2, Pattern.SYNC, Pattern.CALLBACK):
        if resource.endswith(pattern.value):
            return resource[: -len(pattern.value)], pattern
    return resource, Pattern.REQUEST_RESPONSE


def _normal(resource: str) -> str:
    # arn:aws-cn:states:::... and region/account-qualified forms name the same integration.
    parts = resource.split(":")
    if len(parts) >= 6 and parts[2] == "states" and parts[5] != "activity":
        parts[1] = "aws"
        parts[3] = parts[4] = ""
    return ":".join(parts)


def find_integration(base: str) -> Integration | None:
    """The integration of a base resource ARN: exact registration first, then longest prefix."""
    key = _normal(base)
    found = _EXACT.get(key)
    if found is not None:
        return found
    best = max((p for p in _PREFIX if key.startswith(p)), key=len, default=None)
    return _PREFIX[best] if best is not None else None


def find_sync_waiter(service_action: str) -> SyncWaiter | None:
    """The ``.sync`` waiter of ``"<service>:<action>"``, if a service registered one."""
    return _WAITERS.get(service_action)
