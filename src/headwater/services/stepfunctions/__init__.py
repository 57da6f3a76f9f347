"""AWS Step Functions: the API, the durable runtime's task runner, the integration registry.

Public surface: :class:`StepFunctionsService`; other services plug Task integrations in with
:func:`register_integration` and ``.sync`` completion hooks with :func:`register_sync_waiter`.
"""

from headwater.services.stepfunctions.integrations import (
    Failed,
    IntegrationContext,
    Submitted,
    Succeeded,
    TaskCall,
    register_integration,
    register_sync_waiter,
)
from headwater.services.stepfunctions.service import StepFunctionsService

__all__ = [
    "Failed",
    "IntegrationContext",
    "StepFunctionsService",
    "Submitted",
    "Succeeded",
    "TaskCall",
    "register_integration",
    "register_sync_waiter",
]
