"""Real clients pointed at Headwater: the aws CLI and PyAthena's default cursor."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pyathena

from tests.athena.conftest import RESULTS

Aws = Callable[..., subprocess.CompletedProcess[str]]


def test_aws_cli_start_poll_and_read(athena: Any, aws: Aws) -> None:
    out = aws(
        "athena",
        "start-query-execution",
        "--query-string",
        "SELECT 'hello' AS greeting, 2 * 21 AS answer",
        "--result-configuration",
        f"OutputLocation={RESULTS}",
    )
    qid = json.loads(out.stdout)["QueryExecutionId"]
    state = ""
    for _ in range(500):
        got = json.loads(aws("athena", "get-query-execution", "--query-execution-id", qid).stdout)
        state = got["QueryExecution"]["Status"]["State"]
        if state in ("SUCCEEDED", "FAILED", "CANCELLED"):
            break
    assert state == "SUCCEEDED"
    results = json.loads(aws("athena", "get-query-results", "--query-execution-id", qid).stdout)
    rows = [[d.get("VarCharValue") for d in r["Data"]] for r in results["ResultSet"]["Rows"]]
    assert rows == [["greeting", "answer"], ["hello", "42"]]
    listed = json.loads(aws("athena", "list-work-groups").stdout)
    assert "primary" in [w["Name"] for w in listed["WorkGroups"]]
    failed = aws(
        "athena",
        "start-query-execution",
        "--query-string",
        "SELEC 1",
        "--result-configuration",
        f"OutputLocation={RESULTS}",
        check=False,
    )
    assert failed.returncode != 0
    assert "InvalidRequestException" in failed.stderr


def test_pyathena_cursor(athena: Any, endpoint: str, glue: Any, s3: Any) -> None:
    s3.create_bucket(Bucket="py-lake")
    s3.put_object(Bucket="py-lake", Key="t/a.csv", Body=b"1,one\n2,two\n3,three\n")
    glue.create_database(DatabaseInput={"Name": "py"})
    glue.create_table(
        DatabaseName="py",
        TableInput={
            "Name": "words",
            "StorageDescriptor": {
                "Columns": [{"Name": "n", "Type": "int"}, {"Name": "w", "Type": "string"}],
                "Location": "s3://py-lake/t/",
                "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                "SerdeInfo": {
                    "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                    "Parameters": {"field.delim": ","},
                },
            },
        },
    )
    conn = pyathena.connect(
        s3_staging_dir=RESULTS,
        region_name="us-east-1",
        schema_name="py",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        poll_interval=0.02,
    )
    cursor = conn.cursor()
    cursor.execute("SELECT n, w FROM words WHERE n >= %(low)d ORDER BY n", {"low": 2})
    assert cursor.fetchall() == [(2, "two"), (3, "three")]
    assert cursor.description is not None
    assert [d[0] for d in cursor.description] == ["n", "w"]
    assert [d[1] for d in cursor.description] == ["integer", "varchar"]
    assert cursor.state == "SUCCEEDED"
    assert str(cursor.output_location).endswith(f"{cursor.query_id}.csv")
    cursor.execute("SELECT count(*) FROM words")
    assert cursor.fetchone() == (3,)
    cursor.execute("SHOW TABLES")
    assert cursor.fetchall() == [("words",)]
    conn.close()
