"""Port for Step Functions: machines, versions, aliases, executions, history, timers, tasks.

A STANDARD execution's interpreter state lives in ``sfn_executions.state`` (JSON, carrying the
interpreter's own schema version); each transition writes its history events, the new state,
its timers and its task rows in the transaction the driver opens. Definitions are stored once
per distinct text (``sfn_definitions``) and referenced by hash.
"""

from headwater.store.states._port import StatesStore
from headwater.store.states._rows import (
    ActivityRow,
    AliasRow,
    ExecutionRow,
    MachineRow,
    TaskPhase,
    TaskRow,
    TransitionWrite,
    VersionRow,
)

__all__ = [
    "ActivityRow",
    "AliasRow",
    "ExecutionRow",
    "MachineRow",
    "StatesStore",
    "TaskPhase",
    "TaskRow",
    "TransitionWrite",
    "VersionRow",
]
