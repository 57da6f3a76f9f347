"""The ``awsglue`` library job scripts see: readers, writers, transforms, DataFrames, bookmarks."""

from __future__ import annotations

import io
from typing import Any

import pyarrow.parquet as pq
import pytest
from botocore.exceptions import ClientError

PREAMBLE = """
import sys
from awsglue.transforms import *
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.dynamicframe import DynamicFrame
args = getResolvedOptions(sys.argv, ["JOB_NAME"])
glueContext = GlueContext(SparkContext.getOrCreate())
spark = glueContext.spark_session
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
def read(path, **fmt):
    return glueContext.create_dynamic_frame.from_options(
        connection_type="s3", connection_options={"paths": [path], "recurse": True},
        format="csv", format_options={"withHeader": True, "separator": ",", **fmt})
"""

SMALL_TEST_DATA = "\ufeffcustomerId,first name,city\r\n1,Ann,Oslo\r\n2,Bob,Rome\r\n".encode()


def parquet_tables(s3: Any, prefix: str) -> list[Any]:
    listed = s3.list_objects_v2(Bucket="lake", Prefix=prefix).get("Contents") or []
    return [
        pq.read_table(io.BytesIO(s3.get_object(Bucket="lake", Key=o["Key"])["Body"].read()))
        for o in listed
        if o["Key"].endswith(".parquet")
    ]


def run_script(glue: Any, make_job: Any, run_ended: Any, name: str, body: str, **kw: Any) -> Any:
    make_job(name, PREAMBLE + body, **kw)
    return run_ended(name, glue.start_job_run(JobName=name)["JobRunId"])


def test_bom_stays_in_the_first_header_and_spaces_break_parquet(
    glue: Any, s3: Any, make_job: Any, run_ended: Any
) -> None:
    s3.put_object(Bucket="lake", Key="raw/small/byodSmallTestData.csv", Body=SMALL_TEST_DATA)
    body = """
frame = read("s3://lake/raw/small/")
assert frame.toDF().columns == ["\\ufeffcustomerId", "first name", "city"], frame.toDF().columns
glueContext.write_dynamic_frame.from_options(
    frame=frame, connection_type="s3", connection_options={"path": "s3://lake/curated/small/"},
    format="parquet")
"""
    run = run_script(glue, make_job, run_ended, "original", body)
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"].startswith(
        'AnalysisException: Attribute name "first name" contains invalid character(s)'
    )
    assert parquet_tables(s3, "curated/small/") == []


def test_later_script_renames_and_overwrites(
    glue: Any, s3: Any, make_job: Any, run_ended: Any
) -> None:
    s3.put_object(Bucket="lake", Key="raw/small/byodSmallTestData.csv", Body=SMALL_TEST_DATA)
    body = """
import re
dynamicF = read("s3://lake/raw/small/")
df = dynamicF.toDF()
def canonical(x): return re.sub("[ ,;{}()\\n\\t=]+", "_", x.lower())
df = df.toDF(*[canonical(c) for c in df.columns])
df.write.mode("overwrite").format("parquet").save("s3://lake/curated/small")
job.commit()
"""
    make_job("later", PREAMBLE + body)
    for _ in range(2):
        run = run_ended("later", glue.start_job_run(JobName="later")["JobRunId"])
        assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    tables = parquet_tables(s3, "curated/small/")
    assert len(tables) == 1  # overwrite: the second run replaced the first's output
    assert tables[0].column_names == ["\ufeffcustomerid", "first_name", "city"]
    assert tables[0].num_rows == 2


def test_dynamic_frame_writer_appends_and_empty_input_writes_nothing(
    glue: Any, s3: Any, make_job: Any, run_ended: Any
) -> None:
    s3.put_object(Bucket="lake", Key="raw/t/LOAD00000001.csv", Body=b"a,b\n1,x\n2,y\n")
    s3.put_object(Bucket="lake", Key="raw/empty/", Body=b"")
    body = """
src = args.get("src") if False else None
for path, out in (("s3://lake/raw/t/", "s3://lake/curated/t/"), ("s3://lake/raw/empty/", "s3://lake/curated/empty/")):
    frame = read(path)
    print(path, frame.count())
    glueContext.write_dynamic_frame.from_options(
        frame=frame, connection_type="s3", connection_options={"path": out}, format="parquet")
"""
    make_job("append", PREAMBLE + body)
    for _ in range(2):
        run = run_ended("append", glue.start_job_run(JobName="append")["JobRunId"])
        assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    tables = parquet_tables(s3, "curated/t/")
    assert [t.num_rows for t in tables] == [2, 2]  # the original script duplicates rows
    assert parquet_tables(s3, "curated/empty/") == []


def test_transforms_and_dataframe_stand_in(
    glue: Any, s3: Any, make_job: Any, run_ended: Any
) -> None:
    s3.put_object(
        Bucket="lake",
        Key="raw/orders/part1.csv",
        Body=b"id,customer,amount,when\n1,ann,10.5,2026-01-01\n2,bob,3,2026-01-02\n3,ann,x,\n",
    )
    body = """
from pyspark.sql import functions as F
frame = read("s3://lake/raw/orders/")
assert frame.count() == 3
schema = {f.name: str(f.type) for f in frame.schema()}
assert schema["id"] == "int64" and schema["when"] == "string", schema
mapped = ApplyMapping.apply(frame=frame, mappings=[
    ("id", "long", "order_id", "long"), ("customer", "string", "customer", "string"),
    ("amount", "string", "amount", "double")])
assert mapped.toDF().columns == ["order_id", "customer", "amount"]
assert [r["amount"] for r in mapped.toDF().collect()] == [10.5, 3.0, None]
assert SelectFields.apply(frame=mapped, paths=["customer"]).toDF().columns == ["customer"]
assert DropFields.apply(frame=mapped, paths=["amount"]).toDF().columns == ["order_id", "customer"]
renamed = RenameField.apply(frame=mapped, old_name="customer", new_name="who")
assert "who" in renamed.toDF().columns
anns = Filter.apply(frame=mapped, f=lambda r: r["customer"] == "ann")
assert anns.count() == 2
def upper(r):
    r["customer"] = r["customer"].upper()
    return r
assert Map.apply(frame=mapped, f=upper).toDF().first()["customer"] == "ANN"
df = mapped.toDF().withColumnRenamed("customer", "name")
df.createOrReplaceTempView("orders")
totals = spark.sql("SELECT name, sum(amount) AS total FROM orders GROUP BY name ORDER BY name")
assert [(r["name"], r["total"]) for r in totals.collect()] == [("ann", 10.5), ("bob", 3.0)]
grouped = df.groupBy("name").agg(F.count("*").alias("n")).orderBy("name")
assert [r.n for r in grouped.collect()] == [2, 1]
big = df.filter(F.col("amount") > 5).withColumn("double", F.col("amount") * 2)
assert [r["double"] for r in big.collect()] == [21.0]
back = DynamicFrame.fromDF(big, glueContext, "back")
glueContext.write_dynamic_frame.from_options(
    frame=back, connection_type="s3",
    connection_options={"path": "s3://lake/curated/orders/", "partitionKeys": ["name"]},
    format="parquet")
df.write.mode("append").csv("s3://lake/curated/orders_csv/", header=True)
"""
    run = run_script(glue, make_job, run_ended, "transforms", body)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="lake", Prefix="curated/")["Contents"]]
    assert any(k.startswith("curated/orders/name=ann/run-") for k in keys), keys
    csv_key = next(k for k in keys if k.startswith("curated/orders_csv/"))
    text = s3.get_object(Bucket="lake", Key=csv_key)["Body"].read().decode()
    assert text.splitlines()[0] == "order_id,name,amount"  # quoted only when needed, as Spark


def test_from_catalog_reads_the_table_location(
    glue: Any, s3: Any, make_job: Any, run_ended: Any
) -> None:
    s3.put_object(Bucket="lake", Key="raw/customers/c.csv", Body=b"id,name\n1,ann\n2,bob\n")
    glue.create_database(DatabaseInput={"Name": "dojodb"})
    glue.create_table(
        DatabaseName="dojodb",
        TableInput={
            "Name": "raw_customers",
            "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "name", "Type": "string"}],
                "Location": "s3://lake/raw/customers/",
                "SerdeInfo": {
                    "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                    "Parameters": {"field.delim": ","},
                },
            },
        },
    )
    body = """
customersDF = glueContext.create_dynamic_frame.from_catalog(
    database="dojodb", table_name="raw_Customers")
assert customersDF.count() == 2
glueContext.write_dynamic_frame.from_options(
    customersDF, connection_type="s3",
    connection_options={"path": "s3://lake/cleansed/customers"}, format="parquet")
"""
    run = run_script(glue, make_job, run_ended, "job2", body)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    tables = parquet_tables(s3, "cleansed/customers/")
    assert tables[0].column("name").to_pylist() == ["ann", "bob"]


def test_from_catalog_missing_table_fails(glue: Any, make_job: Any, run_ended: Any) -> None:
    glue.create_database(DatabaseInput={"Name": "dojodb"})
    body = 'glueContext.create_dynamic_frame.from_catalog(database="dojodb", table_name="nope")\n'
    run = run_script(glue, make_job, run_ended, "job2", body)
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"].startswith("EntityNotFoundException")


def test_bookmarks_skip_processed_files(glue: Any, s3: Any, make_job: Any, run_ended: Any) -> None:
    s3.put_object(Bucket="lake", Key="raw/inc/1.csv", Body=b"a\n1\n")
    body = """
frame = read("s3://lake/raw/inc/", )
frame = glueContext.create_dynamic_frame.from_options(
    connection_type="s3", connection_options={"paths": ["s3://lake/raw/inc/"]},
    format="csv", format_options={"withHeader": True}, transformation_ctx="src")
glueContext.write_dynamic_frame.from_options(
    frame=frame, connection_type="s3", connection_options={"path": "s3://lake/out/inc/"},
    format="json")
job.commit()
"""
    make_job(
        "incremental",
        PREAMBLE + body,
        DefaultArguments={"--job-bookmark-option": "job-bookmark-enable"},
    )
    with pytest.raises(ClientError) as err:
        glue.get_job_bookmark(JobName="incremental")
    assert err.value.response["Error"]["Code"] == "EntityNotFoundException"

    def run() -> None:
        done = run_ended("incremental", glue.start_job_run(JobName="incremental")["JobRunId"])
        assert done["JobRunState"] == "SUCCEEDED", done.get("ErrorMessage")

    def rows() -> int:
        listed = s3.list_objects_v2(Bucket="lake", Prefix="out/inc/").get("Contents") or []
        return sum(
            len(s3.get_object(Bucket="lake", Key=o["Key"])["Body"].read().splitlines())
            for o in listed
        )

    run()
    assert rows() == 1
    entry = glue.get_job_bookmark(JobName="incremental")["JobBookmarkEntry"]
    assert (entry["Run"], entry["Version"]) == (1, 1)
    assert "s3://lake/raw/inc/1.csv" in entry["JobBookmark"]
    s3.put_object(Bucket="lake", Key="raw/inc/2.csv", Body=b"a\n2\n")
    run()
    assert rows() == 2  # only the new file was read
    reset = glue.reset_job_bookmark(JobName="incremental")["JobBookmarkEntry"]
    assert reset["JobBookmark"] == "{}"
    run()
    assert rows() == 4  # both files again


def test_glue_studio_sink_updates_the_catalog(
    glue: Any, s3: Any, make_job: Any, run_ended: Any
) -> None:
    s3.put_object(Bucket="lake", Key="raw/sales/s.csv", Body=b"region,amount\neu,1\nus,2\neu,3\n")
    glue.create_database(DatabaseInput={"Name": "sales_db"})
    body = """
def sparkSqlQuery(glueContext, query, mapping, transformation_ctx):
    for alias, frame in mapping.items():
        frame.toDF().createOrReplaceTempView(alias)
    result = spark.sql(query)
    return DynamicFrame.fromDF(result, glueContext, transformation_ctx)
node1 = read("s3://lake/raw/sales/", quoteChar='"')
node2 = sparkSqlQuery(glueContext, query="select region, amount * 10 as amount from myDataSource",
                      mapping={"myDataSource": node1}, transformation_ctx="node2")
sink = glueContext.getSink(path="s3://lake/curated/sales/", connection_type="s3",
                           updateBehavior="UPDATE_IN_DATABASE", partitionKeys=["region"],
                           enableUpdateCatalog=True, transformation_ctx="node3")
sink.setCatalogInfo(catalogDatabase="sales_db", catalogTableName="sales")
sink.setFormat("glueparquet", compression="snappy")
sink.writeFrame(node2)
"""
    run = run_script(glue, make_job, run_ended, "studio", body)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    table = glue.get_table(DatabaseName="sales_db", Name="sales")["Table"]
    assert table["StorageDescriptor"]["Columns"] == [{"Name": "amount", "Type": "bigint"}]
    assert [k["Name"] for k in table["PartitionKeys"]] == ["region"]
    parts = glue.get_partitions(DatabaseName="sales_db", TableName="sales")["Partitions"]
    assert sorted(p["Values"][0] for p in parts) == ["eu", "us"]
    eu = parquet_tables(s3, "curated/sales/region=eu/")
    assert eu[0].column("amount").to_pylist() == [10, 30]
