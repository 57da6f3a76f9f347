"""The pure interpreter driven event by event: tasks, timers, retries, limits, persistence."""

from __future__ import annotations

import json
from typing import Any

import pytest

import headwater.asl as asl

INFO = asl.ExecutionInfo(
    execution_arn="arn:aws:states:us-east-1:1:execution:sm:e",
    name="e",
    state_machine_arn="arn:aws:states:us-east-1:1:stateMachine:sm",
    state_machine_name="sm",
)
T0 = 1_700_000_000.0


def _start(
    definition: dict[str, Any], input_: Any = None, **kw: Any
) -> tuple[asl.CompiledMachine, asl.Step]:
    machine = asl.compile_definition(definition, **kw)
    return machine, asl.start_execution(
        machine, INFO, {} if input_ is None else input_, time=T0, seed=11
    )


def _cmds(step: asl.Step, kind: type) -> list[Any]:
    return [c for c in step.commands if isinstance(c, kind)]


def _types(step: asl.Step) -> list[str]:
    return [e["type"] for e in step.history_events]


TASK = {
    "Type": "Task",
    "Resource": "arn:aws:states:::lambda:invoke",
    "Parameters": {"FunctionName": "f", "Payload.$": "$"},
}


def test_task_round_trip_with_result_selector_and_result_path() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                **TASK,
                "ResultSelector": {"v.$": "$.Payload"},
                "ResultPath": "$.out",
                "End": True,
            }
        },
    }
    machine, step = _start(definition, {"x": 1})
    (invoke,) = _cmds(step, asl.InvokeTask)
    assert invoke.parameters == {"FunctionName": "f", "Payload": {"x": 1}}
    assert _types(step) == ["ExecutionStarted", "TaskStateEntered", "TaskScheduled"]
    scheduled = step.history_events[-1]["taskScheduledEventDetails"]
    assert (scheduled["resourceType"], scheduled["resource"]) == ("lambda", "invoke")
    step = asl.advance(machine, step.state, asl.TaskStarted(token=invoke.token, time=T0 + 1))
    assert _types(step) == ["TaskStarted"]
    step = asl.advance(
        machine,
        step.state,
        asl.TaskSucceeded(token=invoke.token, output={"Payload": 42}, time=T0 + 2),
    )
    assert _types(step) == ["TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"]
    assert _cmds(step, asl.ExecutionSucceeded)[0].output == {"x": 1, "out": {"v": 42}}
    assert [e["id"] for e in step.history_events] == [5, 6, 7]


def test_retry_backoff_then_catch() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                **TASK,
                "Retry": [
                    {
                        "ErrorEquals": ["Boom"],
                        "IntervalSeconds": 2,
                        "BackoffRate": 3,
                        "MaxAttempts": 2,
                    }
                ],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "C"}],
                "End": True,
            },
            "C": {"Type": "Pass", "End": True},
        },
    }
    machine, step = _start(definition, {"x": 1})
    now = T0
    deadlines = []
    for _ in range(2):
        token = _cmds(step, asl.InvokeTask)[0].token
        step = asl.advance(
            machine, step.state, asl.TaskFailed(token=token, error="Boom", cause="c", time=now)
        )
        (timer,) = _cmds(step, asl.StartTimer)
        deadlines.append(timer.deadline - now)
        now = timer.deadline
        step = asl.advance(machine, step.state, asl.TimerFired(timer_id=timer.timer_id, time=now))
        assert _cmds(step, asl.InvokeTask)[0].attempt == len(deadlines)
    assert deadlines == [2, 6]
    token = _cmds(step, asl.InvokeTask)[0].token
    step = asl.advance(
        machine, step.state, asl.TaskFailed(token=token, error="Boom", cause="c", time=now)
    )
    assert _cmds(step, asl.ExecutionSucceeded)[0].output == {
        "x": 1,
        "err": {"Error": "Boom", "Cause": "c"},
    }


def test_max_attempts_zero_never_retries() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {**TASK, "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}], "End": True}
        },
    }
    machine, step = _start(definition)
    token = _cmds(step, asl.InvokeTask)[0].token
    step = asl.advance(machine, step.state, asl.TaskFailed(token=token, error="E", time=T0))
    assert _cmds(step, asl.ExecutionFailed) == [asl.ExecutionFailed(error="E", cause=None)]


def test_task_timeout_and_heartbeat() -> None:
    definition = {
        "StartAt": "T",
        "States": {"T": {**TASK, "TimeoutSeconds": 30, "HeartbeatSeconds": 10, "End": True}},
    }
    machine, step = _start(definition)
    token = _cmds(step, asl.InvokeTask)[0].token
    timers = {c.deadline - T0: c.timer_id for c in _cmds(step, asl.StartTimer)}
    assert set(timers) == {30, 10}
    step = asl.advance(machine, step.state, asl.TaskHeartbeat(token=token, time=T0 + 8))
    (renewed,) = _cmds(step, asl.StartTimer)
    assert renewed.deadline == T0 + 18
    # The old heartbeat timer firing is ignored; the renewed one times the task out.
    step = asl.advance(machine, step.state, asl.TimerFired(timer_id=timers[10], time=T0 + 10))
    assert step.history_events == []
    step = asl.advance(machine, step.state, asl.TimerFired(timer_id=renewed.timer_id, time=T0 + 18))
    assert _types(step) == ["TaskTimedOut", "ExecutionFailed"]
    assert _cmds(step, asl.CancelTask) == [asl.CancelTask(token=token)]
    assert step.state["error"] == "States.Timeout"


def test_wait_for_task_token_puts_the_token_in_the_parameters() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"MessageBody": {"token.$": "$$.Task.Token"}},
                "End": True,
            }
        },
    }
    machine, step = _start(definition)
    (invoke,) = _cmds(step, asl.InvokeTask)
    assert invoke.parameters == {"MessageBody": {"token": invoke.token}}
    step = asl.advance(
        machine, step.state, asl.TaskSucceeded(token=invoke.token, output="done", time=T0)
    )
    assert step.state["status"] == "SUCCEEDED"


def test_advance_leaves_its_input_untouched_and_state_is_json() -> None:
    definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 5, "End": True}}}
    machine, step = _start(definition, {"k": "v"})
    frozen = json.dumps(step.state, sort_keys=True)
    restored = json.loads(frozen)  # what the runtime persists and reloads after a restart
    timer = _cmds(step, asl.StartTimer)[0]
    assert timer.deadline == T0 + 5
    done = asl.advance(machine, restored, asl.TimerFired(timer_id=timer.timer_id, time=T0 + 5))
    assert done.state["status"] == "SUCCEEDED"
    assert json.dumps(step.state, sort_keys=True) == frozen
    assert step.state["schemaVersion"] == asl.SCHEMA_VERSION
    again = asl.advance(machine, done.state, asl.TimerFired(timer_id=timer.timer_id, time=T0))
    assert again.commands == ()


def test_stop_execution_cancels_outstanding_work() -> None:
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {"StartAt": "T", "States": {"T": {**TASK, "End": True}}},
                    {
                        "StartAt": "W",
                        "States": {"W": {"Type": "Wait", "Seconds": 100, "End": True}},
                    },
                ],
            }
        },
    }
    machine, step = _start(definition)
    token = _cmds(step, asl.InvokeTask)[0].token
    timer = _cmds(step, asl.StartTimer)[0].timer_id
    step = asl.advance(machine, step.state, asl.StopExecution(error="E", cause="C", time=T0))
    assert _types(step) == ["ExecutionAborted"]
    assert asl.CancelTask(token=token) in step.commands
    assert asl.CancelTimer(timer_id=timer) in step.commands
    assert step.state["status"] == "ABORTED"


def test_parallel_branch_failure_aborts_siblings() -> None:
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {"StartAt": "T", "States": {"T": {**TASK, "End": True}}},
                    {
                        "StartAt": "F",
                        "States": {"F": {"Type": "Fail", "Error": "Bad", "Cause": "x"}},
                    },
                ],
            }
        },
    }
    _, step = _start(definition)
    assert step.state["status"] == "FAILED"
    assert step.state["error"] == "Bad"
    token = _cmds(step, asl.InvokeTask)[0].token
    assert asl.CancelTask(token=token) in step.commands
    assert "TaskStateAborted" in _types(step)


def test_map_max_concurrency_limits_running_tasks() -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "MaxConcurrency": 2,
                "End": True,
                "ItemProcessor": {"StartAt": "T", "States": {"T": {**TASK, "End": True}}},
            }
        },
    }
    machine, step = _start(definition, [1, 2, 3, 4, 5])
    payloads = [c.parameters["Payload"] for c in _cmds(step, asl.InvokeTask)]
    while step.state["status"] == "RUNNING":
        pending = [t for t in step.state["waits"] if not t.startswith("t")]
        assert len(pending) <= 2
        step = asl.advance(
            machine, step.state, asl.TaskSucceeded(token=pending[0], output={"ok": True}, time=T0)
        )
        payloads += [c.parameters["Payload"] for c in _cmds(step, asl.InvokeTask)]
    assert step.state["output"] == [{"ok": True}] * 5
    assert payloads == [1, 2, 3, 4, 5]


def test_variables_scope_map_iterations() -> None:
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"outer": 1}, "Next": "M"},
            "M": {
                "Type": "Map",
                "ItemsPath": "$.xs",
                "Next": "B",
                "ItemProcessor": {
                    "StartAt": "I",
                    "States": {
                        "I": {
                            "Type": "Pass",
                            "Assign": {"outer": 99},
                            "Parameters": {"seen.$": "$outer"},
                            "End": True,
                        }
                    },
                },
            },
            "B": {"Type": "Pass", "Parameters": {"after.$": "$outer", "r.$": "$"}, "End": True},
        },
    }
    _, step = _start(definition, {"xs": [1, 2]})
    assert step.state["output"] == {"after": 1, "r": [{"seen": 1}, {"seen": 1}]}


def test_jsonata_state_with_variables_and_aws_functions() -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "A",
        "States": {
            "A": {
                "Type": "Pass",
                "Assign": {"n": "{% $count($states.input.xs) %}"},
                "Output": "{% $states.input.xs %}",
                "Next": "B",
            },
            "B": {
                "Type": "Pass",
                "Output": {
                    "n": "{% $n %}",
                    "parts": "{% $partition($states.input, 2) %}",
                    "h": "{% $hash('abc', 'SHA-256') %}",
                    "p": "{% $parse('{\"a\":1}') %}",
                    "u": "{% $uuid() %}",
                    "now": "{% $now() %}",
                },
                "End": True,
            },
        },
    }
    _, step = _start(definition, {"xs": [1, 2, 3]})
    out = step.state["output"]
    assert out["n"] == 3
    assert out["parts"] == [[1, 2], [3]]
    assert out["p"] == {"a": 1}
    assert out["h"].startswith("ba7816bf")
    assert len(out["u"]) == 36
    assert out["now"] == "2023-11-14T22:13:20.000Z"


def test_payload_limit() -> None:
    definition = {
        "StartAt": "A",
        "States": {
            "A": {
                "Type": "Pass",
                "Parameters": {"big.$": "States.ArrayRange(1, 1000, 1)", "pad.$": "$.pad"},
                "End": True,
            }
        },
    }
    _, step = _start(definition, {"pad": "x" * (asl.PAYLOAD_LIMIT + 1)})
    assert step.state["error"] == "States.DataLimitExceeded"
    assert step.state["cause"] == (
        "The state/task 'A' returned a result with a size exceeding "
        "the maximum number of bytes service limit."
    )


def test_history_limit() -> None:
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "A"}],
                "Default": "A",
            },
        },
    }
    _, step = _start(definition, {"x": 1})
    assert step.state["status"] == "FAILED"
    assert step.state["error"] == "States.Runtime"
    assert asl.HISTORY_LIMIT - 10 < step.state["seq"] <= asl.HISTORY_LIMIT
    assert "25000" in step.state["cause"]


def test_execution_timeout() -> None:
    definition = {
        "TimeoutSeconds": 10,
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}},
    }
    machine, step = _start(definition)
    timers = {c.timer_id: c.deadline for c in _cmds(step, asl.StartTimer)}
    assert timers["execution-timeout"] == T0 + 10
    step = asl.advance(
        machine, step.state, asl.TimerFired(timer_id="execution-timeout", time=T0 + 10)
    )
    assert _types(step) == ["ExecutionTimedOut"]
    assert step.state["status"] == "TIMED_OUT"


def test_unknown_token_is_an_interpreter_error() -> None:
    machine, step = _start({"StartAt": "T", "States": {"T": {**TASK, "End": True}}})
    with pytest.raises(asl.InterpreterError):
        asl.advance(machine, step.state, asl.TaskSucceeded(token="nope", time=T0))


def test_no_choice_matched() -> None:
    definition = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "D"}],
            },
            "D": {"Type": "Succeed"},
        },
    }
    _, step = _start(definition, {})
    assert step.state["error"] == "States.NoChoiceMatched"


def test_start_input_checks() -> None:
    assert asl.check_execution_input('{"a": 1}') == {"a": 1}
    with pytest.raises(asl.ExecutionInputError):
        asl.check_execution_input("{not json")


def test_in_place_advance_gives_the_same_result() -> None:
    definition = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}}
    machine, step = _start(definition, {"k": 1})
    timer = _cmds(step, asl.StartTimer)[0].timer_id
    copy = json.loads(json.dumps(step.state))
    a = asl.advance(machine, step.state, asl.TimerFired(timer_id=timer, time=T0 + 1))
    b = asl.advance(machine, copy, asl.TimerFired(timer_id=timer, time=T0 + 1), in_place=True)
    assert b.state is copy
    assert a.state == b.state
    assert a.commands == b.commands


def test_redrive_restarts_the_failed_state() -> None:
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"v": 7}, "Next": "T"},
            "T": {
                **TASK,
                "Parameters": {"v.$": "$v", "n.$": "$$.Execution.RedriveCount"},
                "End": True,
            },
        },
    }
    machine, step = _start(definition, {"x": 1})
    token = _cmds(step, asl.InvokeTask)[0].token
    failed = asl.advance(machine, step.state, asl.TaskFailed(token=token, error="E", time=T0))
    assert failed.state["status"] == "FAILED"
    with pytest.raises(asl.InterpreterError):
        asl.redrive_execution(machine, step.state, time=T0)
    again = asl.redrive_execution(machine, failed.state, time=T0 + 5)
    assert _types(again) == ["ExecutionRedriven", "TaskStateEntered", "TaskScheduled"]
    assert again.history_events[0]["executionRedrivenEventDetails"] == {"redriveCount": 1}
    (invoke,) = _cmds(again, asl.InvokeTask)
    assert invoke.parameters == {"v": 7, "n": 1}
    done = asl.advance(
        machine, again.state, asl.TaskSucceeded(token=invoke.token, output=1, time=T0 + 6)
    )
    assert done.state["status"] == "SUCCEEDED"


def test_failing_branch_aborts_a_sibling_map_innermost_first() -> None:
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {
                        "StartAt": "M",
                        "States": {
                            "M": {
                                "Type": "Map",
                                "MaxConcurrency": 2,
                                "End": True,
                                "ItemProcessor": {
                                    "StartAt": "T",
                                    "States": {"T": {**TASK, "End": True}},
                                },
                            }
                        },
                    },
                    {
                        "StartAt": "W",
                        "States": {
                            "W": {"Type": "Wait", "Seconds": 10, "Next": "F"},
                            "F": {"Type": "Fail", "Error": "Boom", "Cause": "c"},
                        },
                    },
                ],
            }
        },
    }
    machine, step = _start(definition, [1, 2, 3])
    tokens = [c.token for c in _cmds(step, asl.InvokeTask)]
    timer = _cmds(step, asl.StartTimer)[0].timer_id
    assert len(tokens) == 2
    step = asl.advance(machine, step.state, asl.TimerFired(timer_id=timer, time=T0 + 10))
    assert _types(step) == [
        "WaitStateExited",
        "FailStateEntered",
        "TaskStateAborted",
        "MapIterationAborted",
        "TaskStateAborted",
        "MapIterationAborted",
        "MapStateAborted",
        "ParallelStateFailed",
        "ExecutionFailed",
    ]
    assert sorted(c.token for c in _cmds(step, asl.CancelTask)) == sorted(tokens)
    assert step.state["frames"] == {}
    assert step.state["waits"] == {}


def test_pending_commands_resume_an_execution_after_a_restart() -> None:
    definition = {
        "TimeoutSeconds": 300,
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {"StartAt": "T", "States": {"T": {**TASK, "TimeoutSeconds": 60, "End": True}}},
                    {
                        "StartAt": "W",
                        "States": {"W": {"Type": "Wait", "Seconds": 100, "End": True}},
                    },
                ],
            }
        },
    }
    machine, step = _start(definition, {"k": 1})
    issued = sorted(
        repr(c) for c in step.commands if isinstance(c, asl.StartTimer | asl.InvokeTask)
    )
    restored = json.loads(json.dumps(step.state))
    assert sorted(repr(c) for c in asl.pending_commands(restored)) == issued
    token = _cmds(step, asl.InvokeTask)[0].token
    step = asl.advance(machine, restored, asl.TaskSucceeded(token=token, output=1, time=T0 + 1))
    remaining = asl.pending_commands(step.state)
    assert {type(c) for c in remaining} == {asl.StartTimer}
    assert {c.deadline - T0 for c in remaining} == {100, 300}
