"""The registry of state executors, one per state type (see the exec_* modules)."""

from __future__ import annotations

from collections.abc import Callable

from headwater.asl.engine import Engine, Frame
from headwater.asl.exec_common import handle_failure, retry_due
from headwater.asl.exec_parallel_map import child_done, child_failed, run_map, run_parallel
from headwater.asl.exec_simple import (
    run_choice,
    run_fail,
    run_pass,
    run_succeed,
    run_wait,
    wait_over,
)
from headwater.asl.exec_task import run_task, task_error, task_event, task_result
from headwater.asl.model import State, StateType

__all__ = [
    "EXECUTORS",
    "child_done",
    "child_failed",
    "handle_failure",
    "retry_due",
    "task_error",
    "task_event",
    "task_result",
    "wait_over",
]

EXECUTORS: dict[StateType, Callable[[Engine, Frame, State], None]] = {
    StateType.PASS: run_pass,
    StateType.TASK: run_task,
    StateType.CHOICE: run_choice,
    StateType.WAIT: run_wait,
    StateType.SUCCEED: run_succeed,
    StateType.FAIL: run_fail,
    StateType.PARALLEL: run_parallel,
    StateType.MAP: run_map,
}
