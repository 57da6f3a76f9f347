"""Fixtures for driving S3Service directly: a real store, a lake on tmp_path, staged bodies."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from headwater.runtime.clock import VirtualClock
from headwater.services.base import Environment, OpenFile, RequestContext, StagedFile
from headwater.services.s3 import S3Service
from headwater.store import Store, outbox

_MODEL = botocore.session.get_session().get_service_model("s3")


@pytest.fixture
def vclock() -> VirtualClock:
    """A virtual clock at 2026-01-01T00:00:00Z (a fresh one per test)."""
    return VirtualClock()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """The data directory (store, lake, staging) under the test's tmp folder."""
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def make_service(data_dir: Path, vclock: VirtualClock) -> Iterator[Callable[..., S3Service]]:
    """Open (or reopen) the store in ``data_dir`` and start an S3Service on it."""
    stores: list[Store] = []

    def make(**extras: Any) -> S3Service:
        store = Store.open(data_dir)
        stores.append(store)
        env = Environment(
            data_dir=data_dir, store=store, clock=vclock, extras={"s3.fsync": "never", **extras}
        )
        svc = S3Service(env)
        svc.start()
        return svc

    yield make
    for store in stores:
        store.close()


@pytest.fixture
def s3(make_service: Callable[..., S3Service]) -> S3Service:
    """A started S3Service with the real 5 MiB minimum part size."""
    return make_service()


@pytest.fixture
def ctx() -> RequestContext:
    """A request context like the API layer builds."""
    return RequestContext(
        request_id="REQ0000000000001",
        source_ip="10.1.2.3",
        access_key="AKIDTEST",
        user_agent="pytest",
        host="localhost",
    )


@pytest.fixture
def bucket(s3: S3Service, ctx: RequestContext) -> str:
    """An existing bucket."""
    s3.create_bucket(ctx, {"Bucket": "lake-bucket"})
    return "lake-bucket"


@pytest.fixture
def staged(data_dir: Path) -> Callable[[bytes], StagedFile]:
    """Spool bytes into the staging folder as the API layer does."""

    def make(data: bytes, checksums: dict[str, str] | None = None) -> StagedFile:
        folder = data_dir / "staging"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"upload-{uuid.uuid4().hex}"
        path.write_bytes(data)
        return StagedFile(
            path=path,
            size=len(data),
            md5_hex=hashlib.md5(data).hexdigest(),
            checksums=dict(checksums or {}),
        )

    return make


@pytest.fixture
def put(
    s3: S3Service, ctx: RequestContext, bucket: str, staged: Callable[..., StagedFile]
) -> Callable[..., dict[str, Any]]:
    """PutObject ``data`` at ``key`` in the test bucket."""

    def run(key: str, data: bytes = b"", **params: Any) -> dict[str, Any]:
        return s3.put_object(ctx, {"Bucket": bucket, "Key": key, "Body": staged(data), **params})

    return run


@pytest.fixture
def read_body() -> Callable[[dict[str, Any]], bytes]:
    """Read (and close) the OpenFile body of a GetObject result."""

    def read(result: dict[str, Any]) -> bytes:
        body = result["Body"]
        assert isinstance(body, OpenFile)
        try:
            body.handle.seek(body.offset)
            return body.handle.read(body.length)
        finally:
            body.close()

    return read


@pytest.fixture
def events(s3: S3Service) -> Callable[[], list[dict[str, Any]]]:
    """Return every S3 change record in the outbox, oldest first."""

    def read() -> list[dict[str, Any]]:
        with s3.env.store.read() as conn:
            return [r.payload for r in outbox.read_after(conn, 0, topics=("s3",), limit=10_000)]

    return read


def _check_shape(shape: Any, value: Any, where: str) -> None:
    if shape.type_name == "structure":
        assert isinstance(value, dict), where
        for name, member in value.items():
            if name == "ResponseMetadata" and where.count(".") == 0:
                continue
            assert name in shape.members, f"{where}.{name} is not in {shape.name}"
            _check_shape(shape.members[name], member, f"{where}.{name}")
    elif shape.type_name == "list":
        assert isinstance(value, list), where
        for i, item in enumerate(value):
            _check_shape(shape.member, item, f"{where}[{i}]")
    elif shape.type_name == "map":
        assert isinstance(value, dict), where


@pytest.fixture
def shaped() -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """Assert an output uses only members of the operation's botocore output shape."""

    def check(operation: str, output: dict[str, Any]) -> dict[str, Any]:
        shape = _MODEL.operation_model(operation).output_shape
        if shape is None:
            assert set(output) <= {"ResponseMetadata"}, output
        else:
            _check_shape(shape, output, operation)
        return output

    return check
