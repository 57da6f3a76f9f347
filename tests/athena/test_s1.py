"""SCENARIOS.md S1, the Athena part: crawl total_clicks, query 1, the view, MSCK REPAIR."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.athena.conftest import values, wait_done
from tests.conftest import eventually

BUCKET = "etl-ttt-demo-123456789012-us-east-2"
PREFIX = "etl-ttt-demo/output/gluestreaming/total_clicks/"
ASSETS = "aws-glue-assets-123456789012-us-east-2"
HEADER = "c_full_name,c_email_address,total_clicks\n"
CUSTOMERS = [
    ("Joshua Carman", 3),
    ("Ann Lee", 2),
    ("Bob Stone", 2),
    ("Cy Young", 1),
    ("Dee Park", 1),
    ("Eve Moss", 1),
    ("Fay Ross", 1),
    ("Gus Hale", 0),
    ("Hal Reed", 0),
    ("Ivy Cole", 0),
    ("Jo Marsh", 0),
    ("Kim West", 0),
]
QUERY_1 = (
    'SELECT * FROM "AwsDataCatalog"."glue_ttt_demo_db"."total_clicks" ORDER BY 3 DESC LIMIT 10'
)
VIEW = """CREATE OR REPLACE VIEW tpc_customer_inter AS
SELECT c_full_name, c_email_address, SUM(CAST(total_clicks AS integer)) AS total_clicks
FROM "glue_ttt_demo_db"."total_clicks"
GROUP BY c_full_name, c_email_address
ORDER BY 3 DESC"""


def part(hour: str) -> tuple[str, bytes]:
    key = f"{PREFIX}ingest_year=2026/ingest_month=12/ingest_day=02/ingest_hour={hour}/"
    rows = "".join(
        f'"{name}","{name.split()[0].lower()}@example.com",{clicks}\n' for name, clicks in CUSTOMERS
    )
    return key + "run-1-part-r-00000", (HEADER + rows).encode()


def start(athena: Any, sql: str) -> dict[str, Any]:
    qid = athena.start_query_execution(
        QueryString=sql, QueryExecutionContext={"Database": "glue_ttt_demo_db"}
    )["QueryExecutionId"]
    execution = wait_done(athena, qid)
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
    execution["results"] = athena.get_query_results(QueryExecutionId=qid)
    return execution


def test_s1_athena(client: Callable[..., Any]) -> None:
    s3, glue = client("s3", region="us-east-2"), client("glue", region="us-east-2")
    athena = client("athena", region="us-east-2")
    for bucket in (BUCKET, ASSETS):
        s3.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-east-2"}
        )
    key, body = part("15")
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    glue.create_database(DatabaseInput={"Name": "glue_ttt_demo_db"})
    glue.create_classifier(
        CsvClassifier={
            "Name": "My-Custom-CSV-Classifier",
            "Delimiter": ",",
            "QuoteSymbol": '"',
            "ContainsHeader": "PRESENT",
            "Header": ["c_full_name", "c_email_address", "total_clicks"],
        }
    )
    glue.create_crawler(
        Name="crawl-streammed-data",
        Role="arn:aws:iam::123456789012:role/AWSGlueServiceRole-etl-ttt-demo",
        DatabaseName="glue_ttt_demo_db",
        Targets={
            "S3Targets": [
                {"Path": f"s3://{BUCKET}/{PREFIX}", "Exclusions": ["**00001"], "SampleSize": 1}
            ]
        },
        Classifiers=["My-Custom-CSV-Classifier"],
        Configuration=json.dumps(
            {"Version": 1.0, "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"}}
        ),
    )
    glue.start_crawler(Name="crawl-streammed-data")
    eventually(
        lambda: (
            glue.get_crawler(Name="crawl-streammed-data")["Crawler"]["State"] == "READY"
            and glue.get_crawler(Name="crawl-streammed-data")["Crawler"].get("LastCrawl")
        ),
        timeout=60,
    )
    table = glue.get_table(DatabaseName="glue_ttt_demo_db", Name="total_clicks")["Table"]
    assert [k["Name"] for k in table["PartitionKeys"]] == [
        "ingest_year",
        "ingest_month",
        "ingest_day",
        "ingest_hour",
    ]

    # step 6: the result location through the primary work group's settings
    athena.update_work_group(
        WorkGroup="primary",
        ConfigurationUpdates={
            "ResultConfigurationUpdates": {"OutputLocation": f"s3://{ASSETS}/athena-output/"}
        },
    )

    # step 7: query 1 -- 10 rows of 7 columns, the top values 3, 2, 2, 1
    first = start(athena, QUERY_1)
    rows = values(first["results"])
    assert rows[0] == [
        "c_full_name",
        "c_email_address",
        "total_clicks",
        "ingest_year",
        "ingest_month",
        "ingest_day",
        "ingest_hour",
    ]
    assert len(rows) == 11
    assert all(len(r) == 7 for r in rows)
    assert [r[2] for r in rows[1:5]] == ["3", "2", "2", "1"]
    assert rows[1][0] == "Joshua Carman"
    assert rows[1][3:] == ["2026", "12", "02", "15"]
    qid = first["QueryExecutionId"]
    assert first["ResultConfiguration"]["OutputLocation"] == (
        f"s3://{ASSETS}/athena-output/{qid}.csv"
    )
    s3.head_object(Bucket=ASSETS, Key=f"athena-output/{qid}.csv")

    # steps 8-9: the view, a VIRTUAL_VIEW in Glue, and its query
    start(athena, VIEW)
    view = glue.get_table(DatabaseName="glue_ttt_demo_db", Name="tpc_customer_inter")["Table"]
    assert view["TableType"] == "VIRTUAL_VIEW"
    ranked = values(start(athena, "SELECT * FROM tpc_customer_inter")["results"])
    assert ranked[0] == ["c_full_name", "c_email_address", "total_clicks"]
    assert ranked[1] == ["Joshua Carman", "joshua@example.com", "3"]

    # step 10: a new hour folder is invisible until MSCK REPAIR TABLE
    key, body = part("16")
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    ranked = values(start(athena, "SELECT * FROM tpc_customer_inter")["results"])
    assert ranked[1][2] == "3"
    start(athena, "MSCK REPAIR TABLE total_clicks")
    ranked = values(start(athena, "SELECT * FROM tpc_customer_inter")["results"])
    assert ranked[1] == ["Joshua Carman", "joshua@example.com", "6"]
    parts = glue.get_partitions(DatabaseName="glue_ttt_demo_db", TableName="total_clicks")
    assert sorted(p["Values"][3] for p in parts["Partitions"]) == ["15", "16"]
