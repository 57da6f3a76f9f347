"""Fixtures for the catalog tests: an in-memory bucket the crawler lists and reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from headwater.catalog import CrawlResult, CrawlSpec, S3Object, Table, crawl_s3


class MemoryLake:
    """Objects in memory, listed and range-read the way the Glue service will do it."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.reads: list[tuple[str, str, int, int]] = []

    def put(self, uri: str, data: bytes | str) -> None:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        self.objects[(bucket, key)] = data.encode() if isinstance(data, str) else data

    def delete(self, uri: str) -> None:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        del self.objects[(bucket, key)]

    def listing(self, path: str) -> list[S3Object]:
        bucket, _, prefix = path.removeprefix("s3://").partition("/")
        when = datetime(2024, 1, 1, tzinfo=UTC)
        return [
            S3Object(key=k, size=len(v), last_modified=when)
            for (b, k), v in sorted(self.objects.items())
            if b == bucket and k.startswith(prefix)
        ]

    def read(self, bucket: str, key: str, offset: int, length: int) -> bytes:
        self.reads.append((bucket, key, offset, length))
        return self.objects[(bucket, key)][offset : offset + length]

    def crawl(
        self,
        crawler: Mapping[str, Any],
        classifiers: Sequence[Mapping[str, Any]] = (),
        *,
        existing: Sequence[Table] = (),
        partitions: Mapping[str, Sequence[Any]] | None = None,
    ) -> CrawlResult:
        spec = CrawlSpec.from_wire(crawler, classifiers)
        listings = {t.path: self.listing(t.path) for t in spec.targets}
        return crawl_s3(
            spec, listings, self.read, existing_tables=existing, existing_partitions=partitions
        )

    @staticmethod
    def crawler(path: str | Sequence[str], **extra: Any) -> dict[str, Any]:
        """A minimal Crawler dict named c1 over database db, one S3 target per path."""
        paths = [path] if isinstance(path, str) else list(path)
        target = extra.pop("target", {})
        targets = [{"Path": p, **target} for p in paths]
        return {"Name": "c1", "DatabaseName": "db", "Targets": {"S3Targets": targets}, **extra}


@pytest.fixture
def lake() -> MemoryLake:
    return MemoryLake()
