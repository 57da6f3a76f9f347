"""Fixtures for the Athena tests: clients, a results bucket, a query runner that waits."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

RESULTS = "s3://athena-results/out/"


@pytest.fixture
def athena(client: Callable[..., Any]) -> Any:
    """An Athena client; the results bucket exists."""
    client("s3").create_bucket(Bucket="athena-results")
    return client("athena")


@pytest.fixture
def s3(client: Callable[..., Any]) -> Any:
    """An S3 client."""
    return client("s3")


@pytest.fixture
def glue(client: Callable[..., Any]) -> Any:
    """A Glue client."""
    return client("glue")


def wait_done(athena: Any, qid: str, timeout: float = 30.0) -> dict[str, Any]:
    """Poll GetQueryExecution until the query has ended; return the QueryExecution."""
    deadline = time.monotonic() + timeout
    while True:
        execution: dict[str, Any] = athena.get_query_execution(QueryExecutionId=qid)[
            "QueryExecution"
        ]
        if execution["Status"]["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return execution
        if time.monotonic() > deadline:
            raise AssertionError(f"query {qid} still {execution['Status']['State']}")
        time.sleep(0.01)


@pytest.fixture
def run(athena: Any) -> Callable[..., dict[str, Any]]:
    """Start a query, wait for it; returns the QueryExecution (``results`` added if it worked)."""

    def go(sql: str, database: str | None = None, **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = {"QueryString": sql, **kwargs}
        if database:
            params.setdefault("QueryExecutionContext", {"Database": database})
        if "WorkGroup" not in kwargs:
            params.setdefault("ResultConfiguration", {"OutputLocation": RESULTS})
        qid = athena.start_query_execution(**params)["QueryExecutionId"]
        execution = wait_done(athena, qid)
        if execution["Status"]["State"] == "SUCCEEDED":
            execution["results"] = athena.get_query_results(QueryExecutionId=qid)
        return execution

    return go


def values(results: dict[str, Any]) -> list[list[str | None]]:
    """The rows of a GetQueryResults answer as lists of strings (None for NULL)."""
    return [[d.get("VarCharValue") for d in row["Data"]] for row in results["ResultSet"]["Rows"]]
