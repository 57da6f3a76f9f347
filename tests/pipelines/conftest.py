"""Fixtures of the whole-pipeline tests: clients, CloudTrail set-up, holding crawls."""

from __future__ import annotations

import io
import textwrap
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from headwater.cli.server import ServerThread
from headwater.runtime.clock import VirtualClock
from tests.conftest import eventually

ACCOUNT = "000000000000"
REGION = "us-east-1"
NEAR = 60.0  # seconds: the timers run_to_end may jump to


def athena_rows(
    client: Callable[..., Any], database: str, output: str, sql: str
) -> list[list[str]]:
    """Run ``sql`` with Athena in ``database``, results under ``output``; the data rows."""
    athena = client("athena")
    qid = athena.start_query_execution(
        QueryString=sql,
        QueryExecutionContext={"Database": database},
        ResultConfiguration={"OutputLocation": output},
    )["QueryExecutionId"]

    def done() -> dict[str, Any] | None:
        status: dict[str, Any] = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"][
            "Status"
        ]
        return status if status["State"] not in ("QUEUED", "RUNNING") else None

    status = eventually(done)
    assert status["State"] == "SUCCEEDED", status
    rows = athena.get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"]
    return [[d.get("VarCharValue", "") for d in row["Data"]] for row in rows[1:]]


@pytest.fixture
def sfn(client: Callable[..., Any]) -> Any:
    """A boto3 Step Functions client (no ``sync-`` host prefix on an IP endpoint)."""
    return client("stepfunctions", inject_host_prefix=False, read_timeout=120)


@pytest.fixture
def glue(client: Callable[..., Any]) -> Any:
    """A boto3 Glue client."""
    return client("glue")


@pytest.fixture
def s3(client: Callable[..., Any]) -> Any:
    """A boto3 S3 client."""
    return client("s3")


def run_to_end(sfn: Any, clock: VirtualClock, arn: str, timeout: float = 20.0) -> dict[str, Any]:
    """Describe ``arn`` until it ends, moving the virtual clock to each NEAR timer.

    Near means within :data:`NEAR` seconds: Wait states and retries. A running Glue job also
    has a timer, its ``Timeout`` (48 h by default); jumping to it would time the job out.
    """
    deadline = time.monotonic() + timeout
    while True:
        out: dict[str, Any] = sfn.describe_execution(executionArn=arn)
        if out["status"] != "RUNNING":
            return out
        if time.monotonic() > deadline:
            raise AssertionError(f"{arn} still RUNNING after {timeout} s")
        nxt = clock.next_deadline()
        if nxt is not None and nxt - clock.now() <= NEAR:
            clock.set(nxt)
        time.sleep(0.005)


@pytest.fixture
def finish(sfn: Any, clock: VirtualClock) -> Callable[[str], dict[str, Any]]:
    """Run an execution to its end on the virtual clock (see :func:`run_to_end`)."""

    def go(arn: str) -> dict[str, Any]:
        return run_to_end(sfn, clock, arn)

    return go


@pytest.fixture
def crawler_ready(glue: Any) -> Callable[[str], dict[str, Any]]:
    """Wait until a crawler is READY after a crawl; return GetCrawler's ``Crawler``."""

    def wait(name: str) -> dict[str, Any]:
        def ready() -> dict[str, Any] | None:
            crawler: dict[str, Any] = glue.get_crawler(Name=name)["Crawler"]
            return crawler if crawler["State"] == "READY" and "LastCrawl" in crawler else None

        found: dict[str, Any] = eventually(ready, timeout=15.0)
        return found

    return wait


@pytest.fixture
def data_trail(client: Callable[..., Any], s3: Any) -> Callable[[str, str], None]:
    """``data_trail(name, "bucket/prefix/")``: a logging trail of S3 Write data events."""

    def make(name: str, prefix: str) -> None:
        trail = client("cloudtrail")
        s3.create_bucket(Bucket=f"{name}-logs")
        trail.create_trail(Name=name, S3BucketName=f"{name}-logs")
        trail.put_event_selectors(
            TrailName=name,
            EventSelectors=[
                {
                    "ReadWriteType": "WriteOnly",
                    "IncludeManagementEvents": False,
                    "DataResources": [
                        {"Type": "AWS::S3::Object", "Values": [f"arn:aws:s3:::{prefix}"]}
                    ],
                }
            ],
        )
        trail.start_logging(Name=name)

    return make


@pytest.fixture
def make_function(client: Callable[..., Any]) -> Callable[[str, str], str]:
    """Create a zip-packaged Python function ``lambda_function.lambda_handler``; its ARN."""
    lam = client("lambda", read_timeout=120)

    def make(name: str, source: str) -> str:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("lambda_function.py", textwrap.dedent(source))
        out = lam.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=f"arn:aws:iam::{ACCOUNT}:role/lambda-glue-role",
            Handler="lambda_function.lambda_handler",
            Code={"ZipFile": buf.getvalue()},
            Timeout=30,
        )
        return str(out["FunctionArn"])

    return make


@pytest.fixture
def hold_crawls(server: ServerThread, monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Keep every crawl started from now on RUNNING until the returned event is set.

    A local crawl of a few files takes milliseconds; AWS's take minutes. Holding them makes
    "the crawler is already running" a state a test can be in.
    """
    glue: Any = server.app.registry.get("glue")
    runner = glue.runner
    release = threading.Event()
    real_run = runner.run

    def held(job: Any) -> None:
        release.wait(30)
        real_run(job)

    monkeypatch.setattr(runner, "run", held)
    yield release
    release.set()
