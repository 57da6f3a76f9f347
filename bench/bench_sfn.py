"""Step Functions service: transitions/s EXPRESS and durable STANDARD, 1,000 waiting executions.

Workloads (all in-process through :class:`StepFunctionsService`, no HTTP):

(a) EXPRESS, StartSyncExecution: a chain of N Pass states and an inline Map of N items;
(b) the same STANDARD on SQLite (every event and the state in the store), plus a chain of
    Wait states, which takes one timer and one store transaction per state;
(c) 1,000 concurrent STANDARD executions, each waiting 60 s on the virtual clock: the time to
    start them, the RSS while they wait, and the wall time until all have finished.

References measured in the same run: the pure interpreter (``headwater.asl`` alone) and moto's
opt-in interpreter (``moto[stepfunctions]``) on the same definitions.

Run: ``python -m bench.bench_sfn [--states 1000] [--items 1000] [--waiting 1000] [--no-moto]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_asl import inline_map, pass_chain, run_headwater, run_moto
from headwater.runtime.clock import VirtualClock
from headwater.services.base import Environment, RequestContext
from headwater.services.registry import ServiceRegistry
from headwater.services.stepfunctions import StepFunctionsService
from headwater.store import Store

ROLE = "arn:aws:iam::000000000000:role/bench"
CTX = RequestContext(request_id="bench")


def rss_mb() -> float:
    """The current resident set size in MB (Linux), else the peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Bench:
    """A Step Functions service on a fresh SQLite store and a virtual clock."""

    def __init__(self, data_dir: Path) -> None:
        self.clock = VirtualClock()
        env = Environment(data_dir=data_dir, store=Store.open(data_dir), clock=self.clock)
        self.registry = ServiceRegistry(env)
        service = self.registry.add(StepFunctionsService)
        assert isinstance(service, StepFunctionsService)
        self.sfn = service
        self.registry.start()
        self._n = 0

    def machine(self, definition: dict[str, Any], machine_type: str) -> str:
        self._n += 1
        out = self.sfn.create_state_machine(
            CTX,
            {
                "name": f"bench-{self._n}",
                "definition": json.dumps(definition),
                "roleArn": ROLE,
                "type": machine_type,
            },
        )
        return str(out["stateMachineArn"])

    def wait_end(self, arn: str, *, drive_clock: bool = False) -> dict[str, Any]:
        while True:
            out = self.sfn.describe_execution(CTX, {"executionArn": arn})
            if out["status"] != "RUNNING":
                return out
            if drive_clock:
                nxt = self.clock.next_deadline()
                if nxt is not None:
                    self.clock.set(nxt)
                    continue
            time.sleep(0.0005)

    def transitions(self, arn: str) -> int:
        events: list[dict[str, Any]] = []
        params: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
        while True:
            out = self.sfn.get_execution_history(CTX, params)
            events += out["events"]
            if not out.get("nextToken"):
                break
            params["nextToken"] = out["nextToken"]
        return sum(1 for e in events if e["type"].endswith("StateEntered"))

    def stop(self) -> None:
        self.registry.stop()
        self.sfn.env.store.close()


def express(bench: Bench, definition: dict[str, Any], input_: Any, repeat: int) -> float:
    """Best transitions/s of StartSyncExecution."""
    arn = bench.machine(definition, "EXPRESS")
    best = 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        out = bench.sfn.start_sync_execution(
            CTX, {"stateMachineArn": arn, "input": json.dumps(input_)}
        )
        elapsed = time.perf_counter() - start
        assert out["status"] == "SUCCEEDED", out
        best = max(best, bench.transitions(out["executionArn"]) / elapsed)
    return best


def standard(
    bench: Bench, definition: dict[str, Any], input_: Any, repeat: int, *, drive_clock: bool = False
) -> float:
    """Best transitions/s of a durable execution, from StartExecution to SUCCEEDED."""
    arn = bench.machine(definition, "STANDARD")
    best = 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        run = bench.sfn.start_execution(CTX, {"stateMachineArn": arn, "input": json.dumps(input_)})
        out = bench.wait_end(run["executionArn"], drive_clock=drive_clock)
        elapsed = time.perf_counter() - start
        assert out["status"] == "SUCCEEDED", out
        best = max(best, bench.transitions(run["executionArn"]) / elapsed)
    return best


def wait_chain(n: int) -> dict[str, Any]:
    """A chain of ``n`` one-second Wait states: one timer and one transaction per state."""
    states: dict[str, Any] = {
        f"W{i}": {"Type": "Wait", "Seconds": 1, "Next": f"W{i + 1}"} for i in range(n)
    }
    states[f"W{n - 1}"] = {"Type": "Wait", "Seconds": 1, "End": True}
    return {"StartAt": "W0", "States": states}


def waiting(bench: Bench, count: int) -> tuple[float, float, float, float]:
    """(start s, RSS MB before, RSS MB while waiting, wall s to finish) for ``count`` waits."""
    definition = {
        "StartAt": "Wait",
        "States": {
            "Wait": {"Type": "Wait", "Seconds": 60, "Next": "Done"},
            "Done": {"Type": "Pass", "End": True},
        },
    }
    arn = bench.machine(definition, "STANDARD")
    before = rss_mb()
    start = time.perf_counter()
    runs = [
        bench.sfn.start_execution(CTX, {"stateMachineArn": arn, "name": f"w{i}"})["executionArn"]
        for i in range(count)
    ]
    started = time.perf_counter() - start
    while bench.clock.pending() < count:
        time.sleep(0.001)
    during = rss_mb()
    begin = time.perf_counter()
    bench.clock.advance(60)
    for run in runs:
        out = bench.wait_end(run)
        assert out["status"] == "SUCCEEDED", out
    return started, before, during, time.perf_counter() - begin


def main(argv: list[str]) -> int:
    """Run the benchmark; print rates and ratios against the references."""
    parser = argparse.ArgumentParser(prog="bench.bench_sfn")
    parser.add_argument("--states", type=int, default=1000)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--waits", type=int, default=200)
    parser.add_argument("--waiting", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-moto", action="store_true")
    args = parser.parse_args(argv)
    workloads = [
        (f"Pass chain x{args.states}", pass_chain(args.states), {"a": 1}),
        (f"inline Map x{args.items}", inline_map(), list(range(args.items))),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(Path(tmp))
        try:
            print(
                f"{'workload':<24} {'express':>9} {'standard':>9} {'pure asl':>9} {'moto':>8}"
                f" {'std/asl':>8} {'std/moto':>9}  (transitions/s)"
            )
            for name, definition, input_ in workloads:
                exp = express(bench, definition, input_, args.repeat)
                std = standard(bench, definition, input_, args.repeat)
                pure, count = run_headwater(definition, input_, args.repeat)
                moto = None if args.no_moto else run_moto(definition, input_, count)
                moto_text = f"{moto:8.0f}" if moto else f"{'n/a':>8}"
                ratio = f"{std / moto:8.1f}x" if moto else f"{'n/a':>9}"
                print(
                    f"{name:<24} {exp:9.0f} {std:9.0f} {pure:9.0f} {moto_text}"
                    f" {std / pure:7.2f}x {ratio}",
                    flush=True,
                )
            chain = standard(bench, wait_chain(args.waits), {}, 1, drive_clock=True)
            print(
                f"Wait chain x{args.waits} STANDARD (one timer + one transaction per state): "
                f"{chain:.0f} transitions/s",
                flush=True,
            )
            started, before, during, wall = waiting(bench, args.waiting)
            print(
                f"{args.waiting} STANDARD executions waiting 60 s (virtual clock): started in "
                f"{started:.2f} s ({args.waiting / started:.0f}/s); RSS {before:.0f} MB -> "
                f"{during:.0f} MB while waiting; all finished {wall:.2f} s after the clock moved "
                f"({args.waiting / wall:.0f} executions/s, each one durable transition)",
                flush=True,
            )
        finally:
            bench.stop()
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
