"""The durable execution runtime of Step Functions: the driver, its timers, its run records.

:class:`ExecutionDriver` feeds events to :func:`headwater.asl.advance`, writes each batch of
transitions in one store transaction and carries out the commands through a
:class:`CommandHandler` (the Step Functions service implements it).
"""

from headwater.runtime.executions.driver import CommandHandler, ExecutionDriver, Run, dumps
from headwater.runtime.executions.timers import TimerSet

__all__ = ["CommandHandler", "ExecutionDriver", "Run", "TimerSet", "dumps"]
