"""Durability: a query running when the server stops is FAILED on restart; results stay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3

from headwater.cli.server import ServerConfig, ServerThread, free_port
from headwater.runtime.clock import VirtualClock
from tests.athena.conftest import values, wait_done
from tests.athena.test_queries import LONG
from tests.conftest import eventually

RESULTS = "s3://keep/out/"


def start(data_dir: Path) -> ServerThread:
    config = ServerConfig(data_dir=data_dir, port=free_port(), time_scale=0)
    return ServerThread(config, clock=VirtualClock()).start()


def athena_client(srv: ServerThread) -> Any:
    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    return session.client("athena", endpoint_url=srv.endpoint), session.client(
        "s3", endpoint_url=srv.endpoint
    )


def test_interrupted_query_fails_and_finished_results_survive(tmp_path: Path) -> None:
    srv = start(tmp_path)
    try:
        athena, s3 = athena_client(srv)
        s3.create_bucket(Bucket="keep")
        done = athena.start_query_execution(
            QueryString="SELECT 'kept' AS v", ResultConfiguration={"OutputLocation": RESULTS}
        )["QueryExecutionId"]
        wait_done(athena, done)
        busy = athena.start_query_execution(
            QueryString=LONG, ResultConfiguration={"OutputLocation": RESULTS}
        )["QueryExecutionId"]
        eventually(
            lambda: (
                athena.get_query_execution(QueryExecutionId=busy)["QueryExecution"]["Status"][
                    "State"
                ]
                == "RUNNING"
            )
        )
    finally:
        srv.stop()
    srv = start(tmp_path)
    try:
        athena, _ = athena_client(srv)
        status = athena.get_query_execution(QueryExecutionId=busy)["QueryExecution"]["Status"]
        assert status["State"] == "FAILED"
        assert "restart" in status["StateChangeReason"]
        assert status["AthenaError"]["Retryable"] is True
        results = athena.get_query_results(QueryExecutionId=done)
        assert values(results) == [["v"], ["kept"]]
    finally:
        srv.stop()
