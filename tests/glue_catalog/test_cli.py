"""The real aws CLI against the server: the catalog and a crawler as a user types them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.conftest import eventually


def test_crawl_with_the_aws_cli(aws: Callable[..., Any], s3: Any, tmp_path: Any) -> None:
    data = tmp_path / "LOAD00000001.csv"
    data.write_text("id,name,amount\n1,ann,2.5\n2,bob,3.5\n")
    aws("s3", "cp", str(data), "s3://lake/raw/customers/LOAD00000001.csv")
    aws("glue", "create-database", "--database-input", '{"Name": "byod_src"}')
    aws(
        "glue",
        "create-crawler",
        "--name",
        "byod-customers-raw-crawler",
        "--role",
        "glue-processor-role",
        "--database-name",
        "byod_src",
        "--targets",
        '{"S3Targets": [{"Path": "s3://lake/raw"}]}',
    )
    aws("glue", "start-crawler", "--name", "byod-customers-raw-crawler")

    def ready() -> Any:
        got = json.loads(aws("glue", "get-crawler", "--name", "byod-customers-raw-crawler").stdout)[
            "Crawler"
        ]
        return got if got["State"] == "READY" and "LastCrawl" in got else None

    crawler = eventually(ready, timeout=30)
    assert crawler["LastCrawl"]["Status"] == "SUCCEEDED"
    tables = json.loads(aws("glue", "get-tables", "--database-name", "byod_src").stdout)
    assert [t["Name"] for t in tables["TableList"]] == ["customers"]
    table = json.loads(
        aws("glue", "get-table", "--database-name", "BYOD_SRC", "--name", "Customers").stdout
    )["Table"]
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["id", "name", "amount"]
    missing = aws("glue", "get-table", "--database-name", "byod_src", "--name", "x", check=False)
    assert missing.returncode != 0
    assert "EntityNotFoundException" in missing.stderr
    metrics = json.loads(
        aws(
            "glue", "get-crawler-metrics", "--crawler-name-list", "byod-customers-raw-crawler"
        ).stdout
    )
    assert metrics["CrawlerMetricsList"][0]["TablesCreated"] == 1
