"""Fixtures of the Glue Data Catalog tests: boto3 clients, a bucket, crawl helpers."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from tests.conftest import eventually

ROLE = "arn:aws:iam::000000000000:role/AWSGlueServiceRole-etl-ttt-demo"


@pytest.fixture
def glue(client: Callable[..., Any]) -> Any:
    """A boto3 Glue client."""
    return client("glue")


@pytest.fixture
def s3(client: Callable[..., Any]) -> Any:
    """A boto3 S3 client with the bucket ``lake``."""
    s3 = client("s3")
    s3.create_bucket(Bucket="lake")
    return s3


@pytest.fixture
def put(s3: Any) -> Callable[[str, bytes | str], None]:
    """Write one object to the bucket ``lake``."""

    def write(key: str, body: bytes | str) -> None:
        s3.put_object(Bucket="lake", Key=key, Body=body.encode() if isinstance(body, str) else body)

    return write


def parquet_bytes(table: pa.Table, compression: str = "snappy") -> bytes:
    """A Parquet file's bytes."""
    buf = io.BytesIO()
    pq.write_table(table, buf, compression=compression)
    return buf.getvalue()


def gzip_bytes(text: str) -> bytes:
    """Gzip-compressed UTF-8 text."""
    return gzip.compress(text.encode())


def json_lines(rows: list[dict[str, Any]]) -> str:
    """Rows as JSON Lines."""
    return "".join(json.dumps(r) + "\n" for r in rows)


def crawl(glue: Any, name: str) -> dict[str, Any]:
    """Start crawler ``name``, wait until it is READY again; return the crawler."""
    glue.start_crawler(Name=name)

    def ready() -> dict[str, Any] | None:
        found: dict[str, Any] = glue.get_crawler(Name=name)["Crawler"]
        return found if found["State"] == "READY" and "LastCrawl" in found else None

    result: dict[str, Any] = eventually(ready, timeout=30)
    return result


def s3_crawler(glue: Any, name: str, paths: list[str] | str, **extra: Any) -> None:
    """Create an S3 crawler over ``paths`` writing to database ``db``."""
    targets = [{"Path": p} for p in ([paths] if isinstance(paths, str) else paths)]
    extra.setdefault("DatabaseName", "db")
    glue.create_crawler(Name=name, Role=ROLE, Targets={"S3Targets": targets}, **extra)


def columns(table: dict[str, Any]) -> list[tuple[str, str]]:
    """``(name, type)`` of a table's columns."""
    return [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]]


def error_code(exc: Any) -> str:
    """The AWS error code of a botocore ClientError."""
    return str(exc.value.response["Error"]["Code"])
