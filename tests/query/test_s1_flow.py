"""S1 end to end below the services: crawl total_clicks, query it, a view, MSCK after a new hour."""

from __future__ import annotations

import json
from pathlib import Path

from headwater.catalog import (
    CrawlSpec,
    S3Object,
    crawl_s3,
    partition_to_wire,
    table_from_wire,
    table_to_wire,
)

BASE = "s3://bkt/etl-ttt-demo/output/gluestreaming/total_clicks/"
CRAWLER = {
    "Name": "crawl-streammed-data",
    "DatabaseName": "glue_ttt_demo_db",
    "Targets": {"S3Targets": [{"Path": BASE, "Exclusions": ["**00001"], "SampleSize": 1}]},
    "Classifiers": ["My-Custom-CSV-Classifier"],
    "Configuration": json.dumps(
        {"Version": 1.0, "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"}}
    ),
}
CLASSIFIER = {
    "CsvClassifier": {
        "Name": "My-Custom-CSV-Classifier",
        "Delimiter": ",",
        "QuoteSymbol": '"',
        "ContainsHeader": "PRESENT",
        "Header": ["c_full_name", "c_email_address", "total_clicks"],
    }
}


def _crawl(athena) -> None:  # type: ignore[no-untyped-def]
    root = Path(athena.local("s3://bkt/"))
    objects = [
        S3Object(key=str(p.relative_to(root)), size=p.stat().st_size)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    ]

    def read(bucket: str, key: str, offset: int, length: int) -> bytes:
        with open(athena.local(f"s3://{bucket}/{key}"), "rb") as f:
            f.seek(offset)
            return f.read(length)

    spec = CrawlSpec.from_wire(CRAWLER, [CLASSIFIER])
    existing = [table_from_wire(t) for t in athena.catalog.list_tables("glue_ttt_demo_db")]
    result = crawl_s3(spec, {BASE: objects}, read, existing_tables=existing)
    for table in result.tables_to_create + result.tables_to_update:
        athena.catalog.put_table("glue_ttt_demo_db", table_to_wire(table))
    for name, parts in result.partitions_to_create.items():
        athena.catalog.put_partitions(
            "glue_ttt_demo_db", name, [partition_to_wire(p) for p in parts]
        )


def _batch(athena, hour: str, rows: str, run: int = 1) -> None:  # type: ignore[no-untyped-def]
    folder = f"{BASE}ingest_year=2024/ingest_month=05/ingest_day=17/ingest_hour={hour}/"
    header = "c_full_name,c_email_address,total_clicks\n"
    athena.put(folder + f"run-{run}-part-r-00000", header + rows)
    athena.put(folder + f"run-{run}-part-r-00001", b"\x00binary the crawler must never read")


def test_s1(athena) -> None:  # type: ignore[no-untyped-def]
    athena.catalog.add_database("glue_ttt_demo_db")
    _batch(athena, "10", '"Joshua Carman","jc@x.org",3\n"Ann Lee","al@x.org",2\n"Bo","b@x.org",0\n')
    _crawl(athena)
    db = "glue_ttt_demo_db"
    top = athena.run(
        'SELECT * FROM "AwsDataCatalog"."glue_ttt_demo_db"."total_clicks" ORDER BY 3 DESC LIMIT 10',
        database=db,
    )
    assert len(top.columns) == 7
    assert top.rows[0][:3] == ("Joshua Carman", "jc@x.org", "3")
    athena.run(
        "CREATE OR REPLACE VIEW tpc_customer_inter AS SELECT c_full_name, c_email_address, "
        "CAST(SUM(total_clicks) AS integer) AS total_clicks FROM total_clicks "
        "GROUP BY c_full_name, c_email_address ORDER BY 3 DESC",
        database=db,
    )
    before = athena.rows("SELECT * FROM tpc_customer_inter", database=db)
    assert before[0] == ("Joshua Carman", "jc@x.org", "3")
    # The generator runs again: same hour (visible at once), then a new hour (needs MSCK).
    rows = '"Joshua Carman","jc@x.org",3\n"Ann Lee","al@x.org",2\n"Bo","b@x.org",0\n'
    _batch(athena, "10", rows, run=2)
    _batch(athena, "11", '"Joshua Carman","jc@x.org",3\n"Zed","z@x.org",1\n', run=2)
    assert athena.rows("SELECT * FROM tpc_customer_inter", database=db)[0][2] == "6"
    repaired = athena.run("MSCK REPAIR TABLE total_clicks", database=db)
    assert repaired.changes
    after = athena.rows("SELECT * FROM tpc_customer_inter", database=db)
    assert after[0] == ("Joshua Carman", "jc@x.org", "9")
    assert ("Zed", "z@x.org", "1") in after
