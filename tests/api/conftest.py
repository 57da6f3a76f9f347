"""A server running small fake services, to test each wire protocol on its own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from headwater.cli.server import ServerConfig, ServerThread, free_port
from headwater.services.base import RequestContext, Service
from headwater.services.errors import ServiceError
from headwater.services.iam import IamService
from headwater.services.sts import StsService


class FakeGlue(Service):
    """JSON 1.1: a dict-backed database list."""

    service_name = "glue"
    calls: list[dict[str, Any]] = []

    def create_database(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        FakeGlue.calls.append(params)
        return {}

    def get_database(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        if params["Name"] == "missing":
            raise ServiceError("EntityNotFoundException", f"Database {params['Name']} not found.")
        if params["Name"] == "boom":
            raise RuntimeError("a bug")
        return {
            "Database": {
                "Name": params["Name"],
                "CreateTime": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
                "Parameters": {"k": "v"},
            }
        }


class FakeLambda(Service):
    """REST-JSON: invoke returns the payload it got, reversed."""

    service_name = "lambda"

    def invoke(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "StatusCode": 200,
            "Payload": params.get("Payload", b"")[::-1],
            "ExecutedVersion": "$LATEST",
        }
        if params["FunctionName"] == "failing":
            out["FunctionError"] = "Unhandled"
        return out

    def get_function(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        if params["FunctionName"] == "missing":
            raise ServiceError(
                "ResourceNotFoundException",
                f"Function not found: {params['FunctionName']}",
                status=404,
            )
        return {
            "Configuration": {
                "FunctionName": params["FunctionName"],
                "Qualifier": params.get("Qualifier"),
                "MemorySize": 128,
            }
        }


@pytest.fixture(scope="module")
def fake_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    config = ServerConfig(data_dir=Path(tmp_path_factory.mktemp("fake")), port=free_port())
    srv = ServerThread(config, services=[FakeGlue, FakeLambda, IamService, StsService])
    with srv.running():
        yield srv


@pytest.fixture
def fake_client(fake_server: ServerThread) -> Callable[..., Any]:
    session = boto3.session.Session(
        aws_access_key_id="k", aws_secret_access_key="s", region_name="eu-west-1"
    )

    def make(name: str) -> Any:
        return session.client(
            name, endpoint_url=fake_server.endpoint, config=Config(retries={"max_attempts": 1})
        )

    return make
