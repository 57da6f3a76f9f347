"""PutEvents end to end: boto3 clients -> Headwater -> rule -> state machine executions.

Measures, in one run against one ``headwater up`` process:
- the reference: PutEvents entries/s accepted on a bus with no rules (ingest only);
- end to end: entries/s accepted while every event matches a rule whose target is a state
  machine, and the time until every delivery has started its execution;
then checks that none was lost (executions == accepted entries).

Run: ``python -m bench.bench_events_e2e [--seconds 5] [--clients 2]``. Target: >= 1,000
entries/s end to end with none lost.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

DEFINITION = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})


def _client(url: str, name: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        name,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="b",
        aws_secret_access_key="b",
        config=Config(retries={"max_attempts": 1}),
    )


def _sender(url: str, seconds: float, source: str, out: mp.Queue) -> None:  # type: ignore[type-arg]
    events = _client(url, "events")
    entries = [
        {"Source": source, "DetailType": "bench", "Detail": json.dumps({"i": i})} for i in range(10)
    ]
    sent = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        resp = events.put_events(Entries=entries)
        sent += 10 - resp["FailedEntryCount"]
    out.put(sent)


def _blast(url: str, seconds: float, clients: int, source: str) -> tuple[int, float]:
    queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    procs = [mp.Process(target=_sender, args=(url, seconds, source, queue)) for _ in range(clients)]
    start = time.perf_counter()
    for p in procs:
        p.start()
    total = sum(queue.get(timeout=seconds + 120) for _ in procs)
    for p in procs:
        p.join()
    return total, time.perf_counter() - start


def _cpu(pid: int) -> float | None:
    """CPU seconds the server process has used (Linux), to see the cost per entry."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _per_entry(cpu: float | None, entries: int) -> str:
    return f"{1e6 * cpu / entries:6.0f} us server CPU/entry" if cpu is not None and entries else ""


def _stats(url: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{url}/_headwater/events/stats", timeout=30) as resp:
        return dict(json.load(resp))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=2)
    args = parser.parse_args(argv)
    from headwater.cli.server import free_port

    with tempfile.TemporaryDirectory(prefix="hw-bench-events-") as tmp:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "headwater.cli.main",
                "up",
                "--port",
                str(port),
                "--data-dir",
                str(Path(tmp) / "hw"),
                "--time-scale",
                "0",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"{url}/_headwater/health", timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            cpu0 = _cpu(proc.pid)
            ingest, ingest_s = _blast(url, args.seconds, args.clients, "bench.unmatched")
            cpu1 = _cpu(proc.pid)
            sfn = _client(url, "stepfunctions")
            arn = sfn.create_state_machine(
                name="bench-target",
                definition=DEFINITION,
                roleArn="arn:aws:iam::000000000000:role/bench",
            )["stateMachineArn"]
            events = _client(url, "events")
            events.put_rule(Name="bench", EventPattern=json.dumps({"source": ["bench.e2e"]}))
            events.put_targets(Rule="bench", Targets=[{"Id": "sfn", "Arn": arn}])
            cpu2 = _cpu(proc.pid)
            sent, sent_s = _blast(url, args.seconds, args.clients, "bench.e2e")
            t0 = time.perf_counter()
            while True:
                stats = _stats(url)
                if (
                    stats.get("pending", 0) == 0
                    and stats.get("succeeded", 0) + stats.get("failed", 0) >= sent
                ):
                    break
                if time.perf_counter() - t0 > 600:
                    break
                time.sleep(0.2)
            drain_s = time.perf_counter() - t0
            cpu3 = _cpu(proc.pid)
            ingest_cpu = cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None
            e2e_cpu = cpu3 - cpu2 if cpu2 is not None and cpu3 is not None else None
            executions = 0
            for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn):
                executions += len(page["executions"])
            total_s = sent_s + drain_s
            print(f"PutEvents, {args.clients} boto3 client processes, 10 entries a call")
            print(
                f"  ingest only (no rules) : {ingest / ingest_s:8.0f} entries/s  "
                f"{_per_entry(ingest_cpu, ingest)}"
            )
            print(f"  accepted with a rule   : {sent / sent_s:8.0f} entries/s")
            print(
                f"  end to end (delivered) : {sent / total_s:8.0f} entries/s  "
                f"{_per_entry(e2e_cpu, sent)} "
                f"({drain_s:.1f} s to drain after the senders stopped)"
            )
            print(f"  ratio end-to-end/ingest: {(sent / total_s) / (ingest / ingest_s):8.2f}")
            print(
                f"  accepted {sent}, deliveries {stats}, executions {executions}: "
                f"{'none lost' if executions == sent else 'MISMATCH'}"
            )
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)


if __name__ == "__main__":
    main(sys.argv[1:])
