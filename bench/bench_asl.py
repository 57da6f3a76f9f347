"""Step Functions language core: state transitions/s of the pure interpreter, in-process.

Workloads: a chain of N Pass states, and an inline Map of N items over one Pass state. The
reference measured in the same run is moto's opt-in Step Functions interpreter
(``mock_aws(config={"stepfunctions": {"execute_state_machine": True}})``, which needs the
``moto[stepfunctions]`` extra: antlr4-python3-runtime and jsonpath-ng) running the same
definitions through boto3; the ratio printed is Headwater / moto.

Run: ``python -m bench.bench_asl [--states 1000] [--items 1000] [--repeat 5] [--no-moto]``.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import headwater.asl as asl

INFO = asl.ExecutionInfo(
    execution_arn="arn:aws:states:us-east-1:000000000000:execution:bench:run",
    name="run",
    state_machine_arn="arn:aws:states:us-east-1:000000000000:stateMachine:bench",
    state_machine_name="bench",
)


def pass_chain(n: int) -> dict[str, Any]:
    """A chain of ``n`` Pass states."""
    states: dict[str, Any] = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(n)}
    states[f"S{n - 1}"] = {"Type": "Pass", "End": True}
    return {"StartAt": "S0", "States": states}


def inline_map() -> dict[str, Any]:
    """An inline Map whose iterations run one Pass state."""
    return {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "End": True,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "P",
                    "States": {"P": {"Type": "Pass", "End": True}},
                },
            }
        },
    }


def transitions(history: list[dict[str, Any]]) -> int:
    """State transitions of a run: the states entered."""
    return sum(1 for e in history if e["type"].endswith("StateEntered"))


def run_headwater(definition: dict[str, Any], input_: Any, repeat: int) -> tuple[float, int]:
    """Best transitions/s over ``repeat`` executions, and the transition count."""
    machine = asl.compile_definition(definition)
    best = 0.0
    count = 0
    for _ in range(repeat):
        start = time.perf_counter()
        step = asl.start_execution(machine, INFO, input_, time=0.0, seed=1)
        elapsed = time.perf_counter() - start
        assert step.state["status"] == "SUCCEEDED", step.state.get("cause")
        count = transitions(step.history_events)
        best = max(best, count / elapsed)
    return best, count


def run_moto(definition: dict[str, Any], input_: Any, count: int) -> float | None:
    """transitions/s of moto's interpreter on the same definition, or None if unavailable."""
    try:
        import antlr4  # noqa: F401
        import boto3
        from moto import mock_aws
    except ImportError:
        return None
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name="us-east-1")
        arn = client.create_state_machine(
            name="bench",
            definition=json.dumps(definition),
            roleArn="arn:aws:iam::123456789012:role/bench",
        )["stateMachineArn"]
        start = time.perf_counter()
        run = client.start_execution(stateMachineArn=arn, input=json.dumps(input_))
        while True:
            status = client.describe_execution(executionArn=run["executionArn"])["status"]
            if status != "RUNNING":
                break
            time.sleep(0.002)
        elapsed = time.perf_counter() - start
        assert status == "SUCCEEDED", status
    return count / elapsed


def task_map() -> dict[str, Any]:
    """An inline Map whose iterations each call one Task (driven event by event)."""
    return {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "End": True,
                "MaxConcurrency": 10,
                "ItemProcessor": {
                    "StartAt": "T",
                    "States": {
                        "T": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::lambda:invoke",
                            "End": True,
                        }
                    },
                },
            }
        },
    }


def run_events(items: int, *, in_place: bool) -> float:
    """TaskSucceeded events/s through ``advance`` for a Map of ``items`` tasks."""
    machine = asl.compile_definition(task_map())
    start = time.perf_counter()
    step = asl.start_execution(machine, INFO, list(range(items)), time=0.0, seed=1)
    state = step.state
    pending = [c.token for c in step.commands if isinstance(c, asl.InvokeTask)]
    events = 0
    while pending:
        event = asl.TaskSucceeded(token=pending.pop(0), output={"ok": True}, time=0.0)
        step = asl.advance(machine, state, event, in_place=in_place)
        state = step.state
        events += 1
        pending += [c.token for c in step.commands if isinstance(c, asl.InvokeTask)]
    assert state["status"] == "SUCCEEDED"
    return events / (time.perf_counter() - start)


def main(argv: list[str]) -> int:
    """Run the benchmark and print transitions/s and the ratio to moto."""
    parser = argparse.ArgumentParser(prog="bench.bench_asl")
    parser.add_argument("--states", type=int, default=1000)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-moto", action="store_true")
    args = parser.parse_args(argv)
    workloads = [
        (f"Pass chain x{args.states}", pass_chain(args.states), {"a": 1}),
        (f"inline Map x{args.items}", inline_map(), list(range(args.items))),
    ]
    print(f"{'workload':<22} {'headwater tr/s':>15} {'moto tr/s':>12} {'ratio':>8}")
    for name, definition, input_ in workloads:
        rate, count = run_headwater(definition, input_, args.repeat)
        moto_rate = None if args.no_moto else run_moto(definition, input_, count)
        moto_text = f"{moto_rate:12.0f}" if moto_rate else f"{'n/a':>12}"
        ratio = f"{rate / moto_rate:7.1f}x" if moto_rate else f"{'n/a':>8}"
        print(f"{name:<22} {rate:15.0f} {moto_text} {ratio}", flush=True)
    for in_place in (False, True):
        events_rate = run_events(args.items, in_place=in_place)
        print(
            f"Map of {args.items} tasks, one advance per TaskSucceeded "
            f"(in_place={in_place}): {events_rate:.0f} events/s",
            flush=True,
        )
    if (
        not args.no_moto
        and run_moto({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, {}, 1)
        is None
    ):
        print(
            "moto reference unavailable: install moto[stepfunctions] "
            "(antlr4-python3-runtime, jsonpath-ng)"
        )
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
