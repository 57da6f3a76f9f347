"""Lambda invoke latency and throughput through boto3, warm and cold.

References measured in the same run:
- warm invokes: the same boto3 client calling GetFunctionConfiguration (a REST-JSON round trip
  that reads the store but runs no function), i.e. what the API alone costs; the ratio is the
  invoke's cost over that;
- cold starts: a bare ``python -I -c pass`` start-up on this machine, the floor of any new
  worker process.

Run: ``python -m bench.bench_lambda [--seconds 3] [--threads 4]``.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

NOOP = "def handler(event, context):\n    return None\n"


def _zip(source: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", source)
    return buf.getvalue()


def _client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(retries={"max_attempts": 1}, max_pool_connections=64),
    )


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return p50 * 1000, p99 * 1000


def _loop(call: Any, seconds: float) -> list[float]:
    samples: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        call()
        samples.append(time.perf_counter() - t)
    return samples


def _throughput(endpoint: str, call_name: str, seconds: float, threads: int) -> float:
    counts = [0] * threads

    def work(i: int) -> None:
        lam = _client(endpoint)
        fn = getattr(lam, call_name)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            out = fn(FunctionName="noop")
            if "Payload" in out:
                out["Payload"].read()
            counts[i] += 1

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts) / seconds


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--cold", type=int, default=10)
    args = parser.parse_args(argv)

    from headwater.cli.server import ServerConfig, ServerThread, free_port

    with tempfile.TemporaryDirectory() as tmp:
        config = ServerConfig(data_dir=Path(tmp), port=free_port())
        with ServerThread(config).running() as srv:
            lam = _client(srv.endpoint)
            lam.create_function(
                FunctionName="noop",
                Runtime="python3.11",
                Role="arn:aws:iam::000000000000:role/bench",
                Handler="app.handler",
                Code={"ZipFile": _zip(NOOP)},
            )
            lam.invoke(FunctionName="noop")  # warm one worker
            ref = _loop(lambda: lam.get_function_configuration(FunctionName="noop"), args.seconds)
            # Read the payload, as a real caller does: an unread streaming body keeps its
            # connection out of the pool, and every call would then open a new one.
            warm = _loop(lambda: lam.invoke(FunctionName="noop")["Payload"].read(), args.seconds)
            ref50, ref99 = _percentiles(ref)
            w50, w99 = _percentiles(warm)
            print(f"reference GetFunctionConfiguration: p50 {ref50:.2f} ms  p99 {ref99:.2f} ms")
            print(
                f"warm Invoke (no-op):               p50 {w50:.2f} ms  p99 {w99:.2f} ms"
                f"  ({w50 / ref50:.2f}x the reference)"
            )
            ref_rate = _throughput(
                srv.endpoint, "get_function_configuration", args.seconds, args.threads
            )
            rate = _throughput(srv.endpoint, "invoke", args.seconds, args.threads)
            print(
                f"{args.threads} threads: {rate:.0f} invokes/s vs {ref_rate:.0f} "
                f"GetFunctionConfiguration/s ({rate / ref_rate:.2f}x)"
            )

            cold: list[float] = []
            for i in range(args.cold):
                # A configuration change retires the warm worker: the next call is a cold start.
                lam.update_function_configuration(
                    FunctionName="noop", Environment={"Variables": {"N": str(i)}}
                )
                t = time.perf_counter()
                lam.invoke(FunctionName="noop")["Payload"].read()
                cold.append(time.perf_counter() - t)
            c50, c99 = _percentiles(cold)
            floor: list[float] = []
            for _ in range(args.cold):
                t = time.perf_counter()
                subprocess.run([sys.executable, "-I", "-c", "pass"], check=True)
                floor.append(time.perf_counter() - t)
            f50, _ = _percentiles(floor)
            print(
                f"cold Invoke (new worker):          p50 {c50:.1f} ms  p99 {c99:.1f} ms"
                f"  (python start-up alone {f50:.1f} ms: {c50 / f50:.2f}x)"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
