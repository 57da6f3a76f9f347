"""``arn:aws:states:::aws-sdk:<service>:<action>`` and optimized ``<service>:<action>`` calls.

Both dispatch to the Headwater service operation through the service registry, so every
service that lands is callable without more work. An optimized integration without its own
module (``glue:startJobRun``, ``athena:startQueryExecution``...) takes the same path with the
optimized error names (``Glue.EntityNotFoundException``).
"""

from __future__ import annotations

from headwater.services.errors import ServiceError
from headwater.services.stepfunctions.integrations.calls import (
    OPTIMIZED,
    SDK_SERVICES,
    call_operation,
    optimized_failure,
    sdk_failure,
)
from headwater.services.stepfunctions.integrations.registry import (
    IntegrationContext,
    Outcome,
    Pattern,
    Submitted,
    Succeeded,
    TaskCall,
    register_integration,
)

__all__ = ["aws_sdk", "optimized_call"]


def aws_sdk(ictx: IntegrationContext, call: TaskCall) -> Outcome:
    """Call any service operation; errors are ``<Service>.<Code>Exception``."""
    name, action = call.service_action
    service, prefix = SDK_SERVICES.get(name, (name, name[:1].upper() + name[1:]))
    try:
        output, _ = call_operation(ictx, service, action, call.parameters)
    except ServiceError as err:
        return sdk_failure(prefix, err, ictx.ctx.request_id)
    if call.pattern is not Pattern.REQUEST_RESPONSE:
        return Submitted(output=output)
    return Succeeded(output=output)


def optimized_call(ictx: IntegrationContext, call: TaskCall) -> Outcome:
    """An optimized integration with no module of its own: the plain API call."""
    name, action = call.service_action
    service, prefix, client = OPTIMIZED.get(
        name, (name, name[:1].upper() + name[1:], name[:1].upper() + name[1:])
    )
    try:
        output, _ = call_operation(ictx, service, action, call.parameters)
    except ServiceError as err:
        return optimized_failure(prefix, client, err, ictx.ctx.request_id)
    if call.pattern is not Pattern.REQUEST_RESPONSE:
        return Submitted(output=output)
    return Succeeded(output=output)


register_integration("arn:aws:states:::aws-sdk:", aws_sdk, prefix=True)
register_integration("arn:aws:states:::", optimized_call, prefix=True)
