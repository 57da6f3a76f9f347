"""Crawler inference and the SQL engine, each against a floor measured in the same run.

(a) crawl: 1,000 small CSV files in 100 Hive partitions, inferred by ``crawl_s3`` from an
    in-memory bucket; the floor is reading every object once and parsing it with ``csv``.
    Then an incremental crawl (CRAWL_NEW_FOLDERS_ONLY) after 10 new files in a new partition.
(b) query: a GROUP BY over 1M rows of Parquet through ``Engine.execute`` (catalog lookup,
    translation, registration, rendering) beside the same GROUP BY run directly in DuckDB on
    the same file; plus the overhead of a tiny query (``SELECT 1``) through the engine.

Run: ``python -m bench.bench_query [--rows 1000000] [--files 1000] [--partitions 100]``.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from headwater.catalog import CrawlSpec, S3Object, crawl_s3
from headwater.query import Engine, MemoryCatalog

PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_crawl(files: int, partitions: int, repeat: int) -> None:
    objects: dict[str, bytes] = {}
    per = max(1, files // partitions)
    for p in range(partitions):
        for f in range(per):
            rows = "".join(f"{p * 1000 + f * 10 + i},name{i},{i * 1.5},true\n" for i in range(20))
            key = f"data/events/day={p:04d}/part-{f:05d}.csv"
            objects[key] = ("id,name,score,flag\n" + rows).encode()

    def read(bucket: str, key: str, offset: int, length: int) -> bytes:
        return objects[key][offset : offset + length]

    listing = [S3Object(key=k, size=len(v)) for k, v in sorted(objects.items())]
    crawler = {
        "Name": "bench",
        "DatabaseName": "db",
        "Targets": {"S3Targets": [{"Path": "s3://b/data/events/"}]},
    }
    spec = CrawlSpec.from_wire(crawler)

    def crawl() -> object:
        return crawl_s3(spec, {"s3://b/data/events/": listing}, read)

    def floor() -> object:
        total = 0
        for obj in listing:
            total += sum(
                1 for _ in csv.reader(io.StringIO(read("b", obj.key, 0, obj.size).decode()))
            )
        return total

    result = crawl()
    assert result.metrics.partitions_created == partitions, result.metrics  # type: ignore[attr-defined]
    t_crawl, t_floor = _best(crawl, repeat), _best(floor, repeat)
    print(
        f"crawl  {len(listing)} files / {partitions} partitions: {t_crawl * 1000:8.1f} ms   "
        f"floor (read + csv parse) {t_floor * 1000:8.1f} ms   ratio {t_crawl / t_floor:5.2f}x"
    )

    # Incremental: the first crawl's catalog, 10 new files in a new partition.
    first = crawl_s3(spec, {"s3://b/data/events/": listing}, read)
    for f in range(10):
        objects[f"data/events/day=9999/part-{f:05d}.csv"] = b"id,name,score,flag\n1,a,1.0,true\n"
    listing2 = [S3Object(key=k, size=len(v)) for k, v in sorted(objects.items())]
    incremental = CrawlSpec.from_wire(
        {
            **crawler,
            "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
            "SchemaChangePolicy": {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
        }
    )
    existing = list(first.tables_to_create)
    parts = {k: list(v) for k, v in first.partitions_to_create.items()}

    def recrawl() -> object:
        return crawl_s3(
            incremental,
            {"s3://b/data/events/": listing2},
            read,
            existing_tables=existing,
            existing_partitions=parts,
        )

    again = recrawl()
    assert again.metrics.partitions_created == 1  # type: ignore[attr-defined]
    t_inc = _best(recrawl, repeat)
    print(f"incremental crawl after 10 new files:          {t_inc * 1000:8.1f} ms")


def bench_query(rows: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "b" / "facts"
        folder.mkdir(parents=True)
        target = folder / "part-00000.parquet"
        duckdb.execute(
            f"COPY (SELECT i % 1000 AS k, CAST(i % 977 AS DOUBLE) AS v, 's' || (i % 50) AS s "
            f"FROM range({rows}) t(i)) TO '{target}' (FORMAT PARQUET)"
        )
        catalog = MemoryCatalog()
        catalog.add_database("db")
        catalog.put_table(
            "db",
            {
                "Name": "facts",
                "TableType": "EXTERNAL_TABLE",
                "Parameters": {"classification": "parquet"},
                "StorageDescriptor": {
                    "Columns": [
                        {"Name": "k", "Type": "bigint"},
                        {"Name": "v", "Type": "double"},
                        {"Name": "s", "Type": "string"},
                    ],
                    "Location": "s3://b/facts/",
                    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                    "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE},
                },
            },
        )
        engine = Engine(catalog, path_for=lambda loc: str(root / loc.removeprefix("s3://")))
        sql = "SELECT k, count(*) AS n, sum(v) AS total, avg(v) FROM facts GROUP BY k ORDER BY k"
        direct_sql = (
            f"SELECT k, count(*) AS n, sum(v) AS total, avg(v) FROM "
            f"read_parquet('{folder / 'part-00000.parquet'}') GROUP BY k ORDER BY k"
        )
        con = duckdb.connect()
        assert len(engine.execute(sql, database="db").rows) == 1000
        t_engine = _best(lambda: engine.execute(sql, database="db"), repeat)
        t_direct = _best(lambda: con.execute(direct_sql).fetchall(), repeat)
        print(
            f"GROUP BY over {rows:,} Parquet rows: engine {t_engine * 1000:8.1f} ms   "
            f"direct DuckDB {t_direct * 1000:8.1f} ms   ratio {t_engine / t_direct:5.2f}x"
        )
        t_small = _best(lambda: engine.execute("SELECT 1", database="db"), repeat * 5)
        t_small_direct = _best(lambda: con.execute("SELECT 1").fetchall(), repeat * 5)
        t_table = _best(
            lambda: engine.execute("SELECT k FROM facts LIMIT 1", database="db"), repeat * 5
        )
        print(
            f"small query overhead: SELECT 1 {t_small * 1000:6.2f} ms (direct "
            f"{t_small_direct * 1000:5.2f} ms); SELECT ... LIMIT 1 from a table "
            f"{t_table * 1000:6.2f} ms"
        )
        engine.close()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--partitions", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    bench_crawl(args.files, args.partitions, args.repeat)
    bench_query(args.rows, args.repeat)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
