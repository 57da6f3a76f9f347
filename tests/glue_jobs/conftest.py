"""Fixtures of the Glue jobs tests: a server of our own (with Glue) on a virtual clock."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from headwater.cli.server import ServerConfig, ServerThread, free_port
from headwater.runtime.clock import VirtualClock
from headwater.services.base import Service
from headwater.services.enabled import service_classes


def glue_service_class() -> type[Service]:
    """The composed GlueService (catalog, crawlers, jobs, workflows, triggers)."""
    from headwater.services.glue import GlueService

    return GlueService


# Known gaps of this folder: one dict, name -> reason, used with strict xfail (it must shrink).
KNOWN_GAPS: dict[str, str] = {}


def known_gap(name: str) -> pytest.MarkDecorator:
    """Strict xfail while ``name`` is in :data:`KNOWN_GAPS`."""
    return pytest.mark.xfail(name in KNOWN_GAPS, reason=KNOWN_GAPS.get(name, ""), strict=True)


@pytest.fixture(scope="session")
def clock() -> VirtualClock:
    """The virtual clock of this folder's server."""
    return VirtualClock()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, clock: VirtualClock) -> Iterator[ServerThread]:
    """A server with every service, Glue included, and two warm job workers."""
    classes = service_classes()
    assert glue_service_class() in classes
    config = ServerConfig(
        data_dir=tmp_path_factory.mktemp("glue-jobs"), port=free_port(), time_scale=0
    )
    srv = ServerThread(config, clock=clock, services=classes)
    srv.app.env.extras["glue.warm_workers"] = 2
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def glue(client: Callable[..., Any]) -> Any:
    """A boto3 Glue client."""
    return client("glue")


@pytest.fixture
def s3(client: Callable[..., Any]) -> Any:
    """A boto3 S3 client with a bucket ``lake``."""
    s3 = client("s3")
    s3.create_bucket(Bucket="lake")
    return s3


@pytest.fixture
def put_script(s3: Any) -> Callable[[str, str], str]:
    """Upload a job script; return its S3 location."""

    def put(name: str, text: str) -> str:
        s3.put_object(Bucket="lake", Key=f"scripts/{name}", Body=text.encode())
        return f"s3://lake/scripts/{name}"

    return put


@pytest.fixture
def make_job(glue: Any, put_script: Callable[[str, str], str]) -> Callable[..., str]:
    """Create a job running ``script``; return its name."""

    def make(name: str, script: str, **kwargs: Any) -> str:
        location = put_script(f"{name}.py", script)
        command = kwargs.pop("command", "glueetl")
        glue.create_job(
            Name=name,
            Role="arn:aws:iam::000000000000:role/glue-processor-role",
            Command={"Name": command, "ScriptLocation": location},
            **kwargs,
        )
        return name

    return make


def wait_for(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Poll until ``check`` returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.02)


@pytest.fixture
def run_ended(glue: Any) -> Callable[[str, str], dict[str, Any]]:
    """Wait until a job run has ended; return it."""

    def wait(job: str, run_id: str) -> dict[str, Any]:
        def ended() -> dict[str, Any] | None:
            run: dict[str, Any] = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
            done = run["JobRunState"] in ("SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED", "ERROR")
            return run if done else None

        result: dict[str, Any] = wait_for(ended)
        return result

    return wait


@pytest.fixture
def workflow_done(glue: Any) -> Callable[[str, str], dict[str, Any]]:
    """Wait until a workflow run is no longer RUNNING; return it with its graph."""

    def wait(name: str, run_id: str) -> dict[str, Any]:
        def done() -> dict[str, Any] | None:
            run: dict[str, Any] = glue.get_workflow_run(Name=name, RunId=run_id, IncludeGraph=True)[
                "Run"
            ]
            return run if run["Status"] not in ("RUNNING", "STOPPING") else None

        result: dict[str, Any] = wait_for(done)
        return result

    return wait


SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


def loads(text: str) -> Any:
    """Parse JSON text."""
    return json.loads(text)
