"""S3 throughput: small round trips via boto3 and large transfers via the aws CLI.

References measured in the same run:
- small requests: the same boto3 client loop against a stub ASGI server (under the same
  uvicorn) that answers every request with a canned 200, i.e. the ceiling that the client,
  HTTP and the server framework impose; the ratio is Headwater's share of that ceiling;
- large transfers: a plain ``cp`` of the same file on the same disk.

Run: ``python -m bench.bench_s3 [--size-mb 1024] [--seconds 5] [--clients 2]``.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

AWS = str(Path(sys.executable).parent / "aws")
CREDS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_MAX_ATTEMPTS": "1",
}

STUB = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    body = b"x" * 1024 if scope["method"] == "GET" else b""
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"etag", b'"0123456789abcdef0123456789abcdef"'),
        (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
"""


def _free_port() -> int:
    from headwater.cli.server import free_port

    return free_port()


def _wait(url: str) -> None:
    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def _start_headwater(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "headwater.cli.main",
            "up",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    _wait(f"{url}/_headwater/health")
    return proc, url


def _start_stub(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    (tmp / "stub_app.py").write_text(STUB)
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "stub_app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    _wait(url)
    return proc, url


def _client_loop(url: str, seconds: float, worker: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    import boto3
    from botocore.config import Config

    s3 = boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id="b",
        aws_secret_access_key="b",
        region_name="us-east-1",
        config=Config(
            retries={"max_attempts": 1},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )
    payload = os.urandom(1024)
    n = 0
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        key = f"w{worker}/k{n % 200}"
        s3.put_object(Bucket="bench", Key=key, Body=payload)
        s3.get_object(Bucket="bench", Key=key)["Body"].read()
        n += 1
    out.put(n / (time.perf_counter() - start))


def _round_trips(url: str, seconds: float, clients: int) -> float:
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id="b",
        aws_secret_access_key="b",
        region_name="us-east-1",
    )
    with contextlib.suppress(Exception):  # the stub answers anything
        s3.create_bucket(Bucket="bench")
    queue: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    procs = [mp.Process(target=_client_loop, args=(url, seconds, i, queue)) for i in range(clients)]
    for p in procs:
        p.start()
    rates = [queue.get(timeout=seconds + 60) for _ in procs]
    for p in procs:
        p.join()
    return sum(rates)


def _timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _server_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=2)
    args = parser.parse_args(argv)
    tmp = Path(
        tempfile.mkdtemp(
            prefix="hw-bench-",
            dir=Path(__file__).parent / ".data"
            if (Path(__file__).parent / ".data").exists()
            else None,
        )
    )
    try:
        stub, stub_url = _start_stub(tmp)
        try:
            ceiling = _round_trips(stub_url, args.seconds, args.clients)
        finally:
            stub.send_signal(signal.SIGTERM)
            stub.wait()
        hw, url = _start_headwater(tmp / "hw")
        try:
            cpu0 = _server_cpu(hw.pid)
            t0 = time.perf_counter()
            ours = _round_trips(url, args.seconds, args.clients)
            busy = (_server_cpu(hw.pid) - cpu0) / (time.perf_counter() - t0)
            print(f"1 KB PutObject+GetObject round trips, {args.clients} boto3 client processes")
            print(f"  headwater : {ours:8.0f} round trips/s (server used {busy:.2f} cores)")
            print(f"  stub      : {ceiling:8.0f} round trips/s (client + HTTP ceiling)")
            print(
                f"  ratio     : {ours / ceiling:8.2f} of the ceiling; "
                f"{ours / max(busy, 0.01):.0f} round trips per server core-second"
            )

            big = tmp / "big.bin"
            with open(big, "wb") as fh:
                for _ in range(args.size_mb):
                    fh.write(os.urandom(1 << 20))
            env = {**os.environ, **CREDS}
            _timed([AWS, "--endpoint-url", url, "s3", "mb", "s3://large"], env)
            copy_s = _timed(["cp", str(big), str(tmp / "copy.bin")])
            os.unlink(tmp / "copy.bin")
            up_s = _timed(
                [AWS, "--endpoint-url", url, "s3", "cp", str(big), "s3://large/big.bin"], env
            )
            down_s = _timed(
                [
                    AWS,
                    "--endpoint-url",
                    url,
                    "s3",
                    "cp",
                    "s3://large/big.bin",
                    str(tmp / "down.bin"),
                ],
                env,
            )
            same = subprocess.run(["cmp", str(big), str(tmp / "down.bin")]).returncode == 0
            mb = args.size_mb
            print(f"{mb} MB transfer (aws s3 cp), byte-identical round trip: {same}")
            print(f"  plain cp  : {mb / copy_s:8.1f} MB/s")
            print(f"  upload    : {mb / up_s:8.1f} MB/s  ({up_s / copy_s:.2f}x the time of cp)")
            print(f"  download  : {mb / down_s:8.1f} MB/s  ({down_s / copy_s:.2f}x the time of cp)")
        finally:
            hw.send_signal(signal.SIGTERM)
            hw.wait()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
