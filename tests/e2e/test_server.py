"""``headwater up`` as a user runs it: a real process, the banner, health, restart, SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from headwater.cli.server import ServerConfig, ServerThread, free_port

pytestmark = pytest.mark.e2e


def _wait_healthy(url: str, proc: subprocess.Popen[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"headwater up exited early: {proc.stdout and proc.stdout.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_headwater/health", timeout=1) as resp:
                return dict(json.load(resp))
        except OSError:
            time.sleep(0.1)
    raise AssertionError("headwater up did not become healthy in 30 s")


def _s3(url: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id="x",
        aws_secret_access_key="y",
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}),
    )


def test_headwater_up_serves_until_sigterm(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable,
        "-m",
        "headwater.cli.main",
        "up",
        "--port",
        str(port),
        "--data-dir",
        str(tmp_path / "hw"),
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        health = _wait_healthy(url, proc)
        assert {"s3", "iam", "sts"} <= set(health["services"])
        s3 = _s3(url)
        s3.create_bucket(Bucket="kept")
        s3.put_object(Bucket="kept", Key="x.txt", Body=b"persisted")
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert f"http://127.0.0.1:{port}" in out
    assert "--endpoint-url" in out
    assert "AWS_ENDPOINT_URL" in out
    assert (tmp_path / "hw" / "lake" / "kept" / "x.txt").read_bytes() == b"persisted"
    assert (tmp_path / "hw" / "state.db").exists()


def test_state_survives_a_restart(tmp_path: Path) -> None:
    config = ServerConfig(data_dir=tmp_path / "hw", port=free_port())
    with ServerThread(config).running() as srv:
        s3 = _s3(srv.endpoint)
        s3.create_bucket(Bucket="durable")
        s3.put_object(
            Bucket="durable",
            Key="a/b.csv",
            Body=b"1,2\n",
            Metadata={"owner": "data-team"},
            ContentType="text/csv",
        )
        boto3.client(
            "iam",
            endpoint_url=srv.endpoint,
            aws_access_key_id="x",
            aws_secret_access_key="y",
            region_name="us-east-1",
        ).create_role(RoleName="glue-processor-role", AssumeRolePolicyDocument="{}")
    config.port = free_port()
    with ServerThread(config).running() as srv:
        s3 = _s3(srv.endpoint)
        obj = s3.get_object(Bucket="durable", Key="a/b.csv")
        assert obj["Body"].read() == b"1,2\n"
        assert obj["Metadata"] == {"owner": "data-team"}
        assert obj["ContentType"] == "text/csv"
        iam = boto3.client(
            "iam",
            endpoint_url=srv.endpoint,
            aws_access_key_id="x",
            aws_secret_access_key="y",
            region_name="us-east-1",
        )
        assert iam.get_role(RoleName="glue-processor-role")["Role"]["RoleName"]
