"""Athena through the API against DuckDB run directly, both measured in the same run.

A real Headwater server on a loopback port; a Parquet table of ``--rows`` rows (default 10M)
is uploaded through S3 and registered with Glue CreateTable. Then:

(a) GROUP BYs over the table through boto3: StartQueryExecution, GetQueryExecution polled
    until SUCCEEDED, GetQueryResults for every page; beside the same GROUP BY run directly by
    DuckDB on the same lake file (the floor). A light one (1,000 groups, ~0.2 s direct) and a
    heavy one (COUNT DISTINCT, ~2 s direct). Aim: ratio <= 1.2x on queries over a second.
(b) small-query overhead: ``SELECT 1`` through the same three calls, end to end. Aim: < 50 ms.

GetQueryExecution is polled every ``--poll`` seconds (default 0.02); the server-side figure
(TotalExecutionTimeInMillis: submission to durable results) is printed beside it.

Run: ``python -m bench.bench_athena [--rows 10000000] [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import duckdb
from botocore.config import Config

from headwater.cli.server import ServerConfig, ServerThread, free_port

PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
OUTPUT = "s3://bench-results/athena/"
GROUP_BY = "SELECT k, count(*) AS n, sum(v) AS total, avg(v) AS mean FROM facts GROUP BY k"
# the 1.2x aim is for queries over a second: this one takes ~2 s at 10M rows
HEAVY = (
    "SELECT s, k % 10 AS b, count(DISTINCT v) AS d, sum(v) AS total, max(v) AS top "
    "FROM facts GROUP BY 1, 2"
)


def _median(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


POLL = 0.02


def _query(athena: Any, sql: str, stats: list[int] | None = None) -> int:
    """Run ``sql`` through the API as a client does; return the number of rows read back.

    GetQueryExecution is polled every ``POLL`` seconds (PyAthena polls every 1 s; polling
    much faster only takes CPU from the engine on a small machine). ``stats`` collects the
    server's TotalExecutionTimeInMillis (submission to durable results).
    """
    qid = athena.start_query_execution(
        QueryString=sql,
        QueryExecutionContext={"Database": "bench"},
        ResultConfiguration={"OutputLocation": OUTPUT},
    )["QueryExecutionId"]
    while True:
        execution = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
        status = execution["Status"]
        if status["State"] == "SUCCEEDED":
            if stats is not None:
                stats.append(int(execution["Statistics"]["TotalExecutionTimeInMillis"]))
            break
        if status["State"] in ("FAILED", "CANCELLED"):
            raise RuntimeError(status.get("StateChangeReason"))
        time.sleep(POLL)
    rows = 0
    kwargs: dict[str, Any] = {"QueryExecutionId": qid, "MaxResults": 1000}
    while True:
        page = athena.get_query_results(**kwargs)
        rows += len(page["ResultSet"]["Rows"])
        if not page.get("NextToken"):
            return rows
        kwargs["NextToken"] = page["NextToken"]


def _compare(
    athena: Any, con: Any, label: str, sql: str, lake_file: Path, rows: int, repeat: int
) -> None:
    """One query through the API beside the same query run by DuckDB on the lake file."""
    direct_sql = sql.replace("facts", f"read_parquet('{lake_file}')")
    _query(athena, sql)  # warm: engine, Parquet footer cache
    con.execute(direct_sql).fetchall()
    server: list[int] = []
    t_api = _median(lambda: _query(athena, sql, server), repeat)
    t_direct = _median(lambda: con.execute(direct_sql).fetchall(), repeat)
    t_server = statistics.median(server) / 1000
    print(
        f"{label} over {rows:,} Parquet rows: Athena API {t_api * 1000:8.1f} ms end to end "
        f"({t_server * 1000:7.1f} ms in the server)   direct DuckDB {t_direct * 1000:8.1f} ms   "
        f"ratio {t_api / t_direct:5.2f}x (server {t_server / t_direct:5.2f}x)",
        flush=True,
    )


def bench(rows: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = root / "facts.parquet"
        duckdb.execute(
            f"COPY (SELECT i % 1000 AS k, CAST(i % 977 AS DOUBLE) AS v, 's' || (i % 50) AS s "
            f"FROM range({rows}) t(i)) TO '{source}' (FORMAT PARQUET)"
        )
        config = ServerConfig(data_dir=root / "hw", port=free_port())
        with ServerThread(config).running() as srv:
            session = boto3.session.Session(
                aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
            )
            cfg = Config(retries={"max_attempts": 1})
            s3 = session.client("s3", endpoint_url=srv.endpoint, config=cfg)
            glue = session.client("glue", endpoint_url=srv.endpoint, config=cfg)
            athena = session.client("athena", endpoint_url=srv.endpoint, config=cfg)
            s3.create_bucket(Bucket="bench-lake")
            s3.create_bucket(Bucket="bench-results")
            s3.upload_file(str(source), "bench-lake", "facts/part-00000.parquet")
            glue.create_database(DatabaseInput={"Name": "bench"})
            glue.create_table(
                DatabaseName="bench",
                TableInput={
                    "Name": "facts",
                    "Parameters": {"classification": "parquet"},
                    "StorageDescriptor": {
                        "Columns": [
                            {"Name": "k", "Type": "bigint"},
                            {"Name": "v", "Type": "double"},
                            {"Name": "s", "Type": "string"},
                        ],
                        "Location": "s3://bench-lake/facts/",
                        "InputFormat": (
                            "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
                        ),
                        "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE},
                    },
                },
            )
            lake_file = root / "hw" / "lake" / "bench-lake" / "facts" / "part-00000.parquet"
            assert _query(athena, GROUP_BY) == 1001
            con = duckdb.connect()
            for label, sql in (("GROUP BY k", GROUP_BY), ("GROUP BY s, k % 10 + DISTINCT", HEAVY)):
                _compare(athena, con, label, sql, lake_file, rows, repeat)
            _query(athena, "SELECT 1")
            small: list[int] = []
            t_small = _median(lambda: _query(athena, "SELECT 1", small), repeat * 4)
            t_small_direct = _median(lambda: con.execute("SELECT 1").fetchall(), repeat * 4)
            print(
                f"small query (SELECT 1) through the API: {t_small * 1000:6.1f} ms end to end, "
                f"{statistics.median(small):5.0f} ms in the server (direct DuckDB "
                f"{t_small_direct * 1000:5.2f} ms)"
            )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--poll", type=float, default=POLL, help="GetQueryExecution interval")
    args = parser.parse_args(argv)
    globals()["POLL"] = args.poll
    bench(args.rows, args.repeat)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
