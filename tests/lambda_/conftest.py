"""Fixtures for the Lambda tests: zips made in the test, a function factory, the service."""

from __future__ import annotations

import io
import textwrap
import time
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

from headwater.cli.server import ServerThread

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


@pytest.fixture
def zipped() -> Callable[..., bytes]:
    """Build a zip from ``{path: source}``; sources are dedented."""

    def make(files: dict[str, str], **raw: bytes) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, text in files.items():
                zf.writestr(name, textwrap.dedent(text))
            for name, data in raw.items():
                zf.writestr(name, data)
        return buf.getvalue()

    return make


@pytest.fixture
def lam(client: Callable[..., Any]) -> Any:
    """A boto3 Lambda client for the test server (long read timeout for slow invokes)."""
    return client("lambda", read_timeout=120)


@pytest.fixture
def make_function(lam: Any, zipped: Callable[..., bytes]) -> Callable[..., dict[str, Any]]:
    """Create a function from ``{path: source}`` (handler ``app.handler`` unless told)."""

    def make(
        name: str, files: dict[str, str], handler: str = "app.handler", **kwargs: Any
    ) -> dict[str, Any]:
        out: dict[str, Any] = lam.create_function(
            FunctionName=name,
            Runtime=kwargs.pop("Runtime", "python3.11"),
            Role=ROLE,
            Handler=handler,
            Code={"ZipFile": zipped(files)},
            **kwargs,
        )
        return out

    return make


@pytest.fixture
def lambda_service(server: ServerThread) -> Any:
    """The running Lambda service object (its pool and queue)."""
    return server.app.registry.get("lambda")


@pytest.fixture
def wait_for() -> Callable[..., Any]:
    """Poll ``check`` until it returns something truthy (background work finishing)."""

    def wait(check: Callable[[], Any], timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError("the condition did not hold in time")
            time.sleep(0.02)

    return wait
