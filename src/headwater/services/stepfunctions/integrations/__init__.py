"""Task integrations, keyed by Resource ARN: Lambda, SNS, Step Functions, aws-sdk, mocks.

Importing this package registers the built-in integrations. Other services add theirs with
:func:`register_integration` and, for ``.sync``, :func:`register_sync_waiter` (see
:mod:`headwater.services.stepfunctions.integrations.registry`).
"""

from headwater.services.stepfunctions.integrations import aws_sdk, lambda_, sns, states
from headwater.services.stepfunctions.integrations.registry import (
    Failed,
    Integration,
    IntegrationContext,
    Outcome,
    Pattern,
    Submitted,
    Succeeded,
    SyncWaiter,
    TaskCall,
    find_integration,
    find_sync_waiter,
    register_integration,
    register_sync_waiter,
    split_resource,
)

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
    "aws_sdk",
    "find_integration",
    "find_sync_waiter",
    "lambda_",
    "register_integration",
    "register_sync_waiter",
    "sns",
    "split_resource",
    "states",
]
