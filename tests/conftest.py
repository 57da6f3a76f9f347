"""Shared fixtures: a real Headwater server on a loopback port, clients for it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from headwater.cli.server import ServerConfig, ServerThread, free_port
from headwater.runtime.clock import VirtualClock

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
AWS_CLI = Path(sys.executable).parent / "aws"


def eventually(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll ``check`` until it returns something truthy (background work finishing)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s: {check}")
        time.sleep(0.01)


@pytest.fixture(scope="session")
def clock() -> VirtualClock:
    """The virtual clock of the shared test server."""
    return VirtualClock()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, clock: VirtualClock) -> Iterator[ServerThread]:
    """One real server for the whole session, on a free port, with a virtual clock."""
    data_dir = tmp_path_factory.mktemp("headwater")
    config = ServerConfig(data_dir=data_dir, port=free_port(), time_scale=0)
    srv = ServerThread(config, clock=clock).start()
    yield srv
    srv.stop()


@pytest.fixture
def endpoint(server: ServerThread) -> str:
    """The server's URL, with all state wiped before the test."""
    req = urllib.request.Request(f"{server.endpoint}/_headwater/reset", method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert json.load(resp)["reset"] is True
    return server.endpoint


@pytest.fixture
def client(endpoint: str) -> Callable[..., Any]:
    """Make a boto3 client for ``endpoint`` (no retries, test credentials)."""
    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )

    def make(name: str, region: str = "us-east-1", **kwargs: Any) -> Any:
        cfg = Config(retries={"max_attempts": 1}, **kwargs)
        return session.client(name, endpoint_url=endpoint, config=cfg, region_name=region)

    return make


@pytest.fixture
def aws(endpoint: str, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real ``aws`` CLI against the server."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_PAGER": "",
    }

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(AWS_CLI), "--endpoint-url", endpoint, *args]
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=env, timeout=300, check=False
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            )
        return proc

    return run
