"""A Glue crawler over a real server, against a floor measured in the same run.

(a) cold: 10,000 small CSV files in 1,000 Hive partitions (``year=/month=/day=`` folders)
    crawled through the Glue API: StartCrawler, then GetCrawler polled until the crawler is
    READY again. The floor is what any crawler must at least do: list the objects through S3's
    ListObjectsV2 and read each one once (S3 service in process, no HTTP).
(b) incremental: 10 new files in a new partition, the same crawler with
    ``RecrawlPolicy`` CRAWL_NEW_FOLDERS_ONLY; its floor is listing the bucket and reading the
    10 new files.

Run: ``python -m bench.bench_crawl [--files 10000] [--partitions 1000] [--repeat 3]``.
Aims: cold crawl under 10 s, incremental under 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from headwater.catalog import (
    CrawlSpec,
    Partition,
    S3Object,
    Table,
    crawl_s3,
    partition_from_wire,
    table_from_wire,
)
from headwater.cli.server import ServerConfig, ServerThread, free_port
from headwater.store.glue_catalog import GlueCatalogStore

ROLE = "arn:aws:iam::000000000000:role/AWSGlueServiceRole-bench"
BUCKET = "bench-lake"
PREFIX = "events/"


def _csv(p: int, f: int) -> bytes:
    rows = "".join(f"{p * 1000 + f * 10 + i},name{i},{i * 1.5},true\n" for i in range(20))
    return ("id,name,score,flag\n" + rows).encode()


def _key(p: int, f: int) -> str:
    year, month, day = 2000 + p // 360, 1 + (p // 30) % 12, 1 + p % 30
    return f"{PREFIX}year={year}/month={month:02d}/day={day:02d}/part-{f:05d}.csv"


class Bench:
    """A server in this process, a boto3 Glue client and the S3 service for set-up."""

    def __init__(self, data_dir: Path, poll: float = 0.05) -> None:
        self.poll = poll
        config = ServerConfig(data_dir=data_dir, port=free_port(), time_scale=1)
        self.server = ServerThread(config).start()
        self.s3: Any = self.server.app.registry.get("s3")
        self.glue = boto3.client(
            "glue",
            endpoint_url=self.server.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}),
        )
        s3 = boto3.client(
            "s3",
            endpoint_url=self.server.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        s3.create_bucket(Bucket=BUCKET)

    def stop(self) -> None:
        self.server.stop()

    def put(self, keys: list[tuple[str, bytes]]) -> None:
        for key, data in keys:
            self.s3.put_bytes(BUCKET, key, data)

    def crawl(self, name: str) -> tuple[float, dict[str, Any]]:
        """Seconds from StartCrawler to READY (polling GetCrawler), and the crawler."""
        start = time.perf_counter()
        self.glue.start_crawler(Name=name)
        while True:
            crawler: dict[str, Any] = self.glue.get_crawler(Name=name)["Crawler"]
            if crawler["State"] == "READY":
                return time.perf_counter() - start, crawler
            time.sleep(self.poll)

    def floor(self, keys: list[str] | None = None) -> float:
        """Seconds to list the prefix through ListObjectsV2 and read ``keys`` (all: None)."""
        ctx = self.s3.internal_context("ListObjectsV2")
        start = time.perf_counter()
        listed: list[str] = []
        params: dict[str, Any] = {"Bucket": BUCKET, "Prefix": PREFIX}
        while True:
            page = self.s3.list_objects_v2(ctx, params)
            listed.extend(c["Key"] for c in page.get("Contents") or [])
            token = page.get("NextContinuationToken")
            if not token:
                break
            params = {**params, "ContinuationToken": token}
        paths = dict(self.s3.local_paths(BUCKET, PREFIX))
        total = 0
        for key in listed if keys is None else keys:
            total += len(paths[key].read_bytes())
        assert total > 0
        return time.perf_counter() - start

    def core(self, database: str | None = None) -> float:
        """Seconds of the pure crawl core alone (``crawl_s3``) over the same objects.

        Listing and the existing catalog (``database``: an incremental crawl against what it
        holds) are fetched first and not timed; the objects are read from their lake files.
        """
        paths = dict(self.s3.local_paths(BUCKET, PREFIX))
        listing = [S3Object(key=k, size=p.stat().st_size) for k, p in sorted(paths.items())]
        crawler: dict[str, Any] = {
            "Name": "reference",
            "DatabaseName": database or "reference",
            "Targets": {"S3Targets": [{"Path": f"s3://{BUCKET}/{PREFIX}"}]},
        }
        tables: list[Table] = []
        parts: dict[str, list[Partition]] = {}
        if database is not None:
            crawler["RecrawlPolicy"] = {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}
            crawler["SchemaChangePolicy"] = {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}
            with self.server.app.env.store.read() as conn:
                for t in GlueCatalogStore.list_tables(conn, "us-east-1", database):
                    tables.append(table_from_wire(t))
                    parts[tables[-1].name] = [
                        partition_from_wire(p)
                        for p in GlueCatalogStore.list_partitions(
                            conn, "us-east-1", database, tables[-1].name
                        )
                    ]
        spec = CrawlSpec.from_wire(crawler)

        def read(bucket: str, key: str, offset: int, length: int) -> bytes:
            with open(paths[key], "rb") as handle:
                handle.seek(offset)
                return handle.read(length)

        start = time.perf_counter()
        crawl_s3(
            spec,
            {crawler["Targets"]["S3Targets"][0]["Path"]: listing},
            read,
            existing_tables=tables,
            existing_partitions=parts,
        )
        return time.perf_counter() - start


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench.bench_crawl")
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--partitions", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    per = max(1, args.files // args.partitions)
    with tempfile.TemporaryDirectory(prefix="hw-bench-crawl-") as tmp:
        bench = Bench(Path(tmp))
        try:
            began = time.perf_counter()
            bench.put(
                [(_key(p, f), _csv(p, f)) for p in range(args.partitions) for f in range(per)]
            )
            print(
                f"set-up: {args.partitions * per} objects written in "
                f"{time.perf_counter() - began:.1f} s",
                flush=True,
            )
            target = {"S3Targets": [{"Path": f"s3://{BUCKET}/{PREFIX}"}]}
            bench.glue.create_database(DatabaseInput={"Name": "bench"})
            bench.glue.create_crawler(Name="cold", Role=ROLE, DatabaseName="bench", Targets=target)
            bench.glue.create_crawler(
                Name="incremental",
                Role=ROLE,
                DatabaseName="bench_incremental",
                Targets=target,
                RecrawlPolicy={"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
            )
            colds = []
            for i in range(args.repeat):
                if i:
                    bench.glue.delete_table(DatabaseName="bench", Name="events")
                seconds, crawler = bench.crawl("cold")
                assert crawler["LastCrawl"]["Status"] == "SUCCEEDED", crawler["LastCrawl"]
                colds.append(seconds)
            parts = bench.glue.get_partitions(DatabaseName="bench", TableName="events")
            found = len(parts["Partitions"])
            while parts.get("NextToken"):
                parts = bench.glue.get_partitions(
                    DatabaseName="bench", TableName="events", NextToken=parts["NextToken"]
                )
                found += len(parts["Partitions"])
            assert found == args.partitions, found
            cold = statistics.median(colds)
            floor = statistics.median(bench.floor() for _ in range(args.repeat))
            core = statistics.median(bench.core() for _ in range(args.repeat))
            print(
                f"cold crawl  {args.partitions * per} files / {args.partitions} partitions: "
                f"{cold:6.2f} s (aim < 10 s)\n"
                f"  vs floor (ListObjectsV2 + read each object) {floor:6.2f} s: "
                f"{cold / floor:5.2f}x\n"
                f"  vs the crawl core alone (crawl_s3, no API, no catalog write) {core:6.2f} s: "
                f"{cold / core:5.2f}x",
                flush=True,
            )

            seconds, crawler = bench.crawl("incremental")  # first run: everything is new
            assert crawler["LastCrawl"]["Status"] == "SUCCEEDED", crawler["LastCrawl"]
            incs = []
            for i in range(args.repeat):
                new = [
                    (_key(args.partitions + i, f), _csv(args.partitions + i, f)) for f in range(10)
                ]
                bench.put(new)
                seconds, crawler = bench.crawl("incremental")
                assert crawler["LastCrawl"]["Status"] == "SUCCEEDED", crawler["LastCrawl"]
                incs.append(seconds)
                floor_keys = [k for k, _ in new]
            got = bench.glue.get_partition(
                DatabaseName="bench_incremental",
                TableName="events",
                PartitionValues=[
                    seg.split("=")[1]
                    for seg in _key(args.partitions + args.repeat - 1, 0).split("/")[1:4]
                ],
            )["Partition"]
            assert got["Values"][0].isdigit()
            inc = statistics.median(incs)
            inc_floor = statistics.median(bench.floor(floor_keys) for _ in range(args.repeat))
            inc_core = statistics.median(
                bench.core("bench_incremental") for _ in range(args.repeat)
            )
            print(
                f"incremental crawl after 10 new files: {inc:6.2f} s (aim < 1 s)\n"
                f"  vs floor (ListObjectsV2 of all + read the new) {inc_floor:6.2f} s: "
                f"{inc / inc_floor:5.2f}x\n"
                f"  vs the crawl core alone (CRAWL_NEW_FOLDERS_ONLY) {inc_core:6.2f} s: "
                f"{inc / inc_core:5.2f}x",
                flush=True,
            )
        finally:
            bench.stop()
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
