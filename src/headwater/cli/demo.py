"""The demo pipeline: what ``make demo`` shows a new user, step by step.

An upload under ``raw/`` of a bucket with EventBridge notifications starts a state machine:
a Lambda function validates the CSV, a Glue job turns it into Parquet under ``curated/``
(``glue:startJobRun.sync``), a crawler is started and polled until READY, and the table it
made is queried with Athena. A Catch publishes any failure to SNS; a bad upload shows it.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from headwater.cli import demo_pipeline as P

__all__ = ["DemoFailed", "run_demo"]

WAIT_SECONDS = 60.0


class DemoFailed(Exception):
    """A step of the demo did not do what it should; the message says which and why."""


_START = [time.monotonic()]  # reset by run_demo: the seconds shown are since its start


def _step(text: str) -> None:
    print(f"==> [{time.monotonic() - _START[0]:4.1f}s] {text}", flush=True)


def _detail(text: str) -> None:
    print(f"    {text}", flush=True)


def _path(names: list[str]) -> str:
    """States entered, a repeated block written once with its count: ``(a -> b) x3``."""
    out: list[str] = []
    i = 0
    while i < len(names):
        for size in (3, 2, 1):
            block = names[i : i + size]
            times = 1
            while names[i + times * size : i + (times + 1) * size] == block:
                times += 1
            if times > 1:
                out.append(f"({' -> '.join(block)}) x{times}")
                i += times * size
                break
        else:
            out.append(names[i])
            i += 1
    return " -> ".join(out)


def _wait(what: str, check: Callable[[], Any], timeout: float = WAIT_SECONDS) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise DemoFailed(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


class _Demo:
    """The clients and ARNs of one demo run."""

    def __init__(self, endpoint_url: str) -> None:
        import boto3
        from botocore.config import Config

        self.endpoint_url = endpoint_url
        session = boto3.session.Session(
            aws_access_key_id="demo", aws_secret_access_key="demo", region_name="us-east-1"
        )
        cfg = Config(retries={"max_attempts": 1}, inject_host_prefix=False, read_timeout=120)

        def make(name: str) -> Any:
            return session.client(name, endpoint_url=endpoint_url, config=cfg)

        self.s3, self.iam, self.sts = make("s3"), make("iam"), make("sts")
        self.lam, self.glue, self.sfn = make("lambda"), make("glue"), make("stepfunctions")
        self.events, self.sns, self.athena = make("events"), make("sns"), make("athena")
        self.machine_arn = ""

    def services(self) -> list[str]:
        with urllib.request.urlopen(f"{self.endpoint_url}/_headwater/health", timeout=10) as r:
            return list(json.load(r).get("services", []))

    # -- building the pipeline -------------------------------------------------------------
    def build(self) -> None:
        ident = self.sts.get_caller_identity()
        role = self.iam.create_role(
            RoleName="headwater-demo-role", AssumeRolePolicyDocument=P.ROLE_POLICY
        )["Role"]["Arn"]
        _step(f"caller {ident['Arn']}; created role {role}")

        self.s3.create_bucket(Bucket=P.BUCKET)
        self.s3.put_bucket_notification_configuration(
            Bucket=P.BUCKET, NotificationConfiguration={"EventBridgeConfiguration": {}}
        )
        _step(f"created bucket s3://{P.BUCKET} with EventBridge notifications on")

        function_arn = self.lam.create_function(
            FunctionName=P.FUNCTION,
            Runtime="python3.11",
            Role=role,
            Handler="lambda_function.lambda_handler",
            Code={"ZipFile": P.function_zip()},
            Timeout=30,
        )["FunctionArn"]
        _step(f"created Lambda function {P.FUNCTION} (checks the CSV header)")

        self.s3.put_object(Bucket=P.BUCKET, Key=f"scripts/{P.JOB}.py", Body=P.job_script())
        self.glue.create_job(
            Name=P.JOB,
            Role=role,
            Command={"Name": "glueetl", "ScriptLocation": f"s3://{P.BUCKET}/scripts/{P.JOB}.py"},
            GlueVersion="4.0",
        )
        self.glue.create_database(DatabaseInput={"Name": P.DATABASE})
        self.glue.create_crawler(
            Name=P.CRAWLER,
            Role=role,
            DatabaseName=P.DATABASE,
            Targets={"S3Targets": [{"Path": f"s3://{P.BUCKET}/curated/{P.TABLE}/"}]},
        )
        _step(f"created Glue job {P.JOB} (CSV -> Parquet) and crawler {P.CRAWLER}")

        topic_arn = self.sns.create_topic(Name=P.TOPIC)["TopicArn"]
        self.machine_arn = self.sfn.create_state_machine(
            name=P.MACHINE, definition=P.definition(function_arn, topic_arn), roleArn=role
        )["stateMachineArn"]
        _step(f"created state machine {P.MACHINE}, failures go to SNS topic {P.TOPIC}")
        _detail("states: " + ", ".join(json.loads(P.definition(function_arn, topic_arn))["States"]))

        self.events.put_rule(Name=P.RULE, EventPattern=P.rule_pattern())
        self.events.put_targets(
            Rule=P.RULE, Targets=[{"Id": P.MACHINE, "Arn": self.machine_arn, "RoleArn": role}]
        )
        _step(f"created EventBridge rule {P.RULE}: Object Created under raw/ -> {P.MACHINE}")

    # -- running it ------------------------------------------------------------------------
    def upload_and_wait(self, key: str, body: str, count: int) -> dict[str, Any]:
        self.s3.put_object(Bucket=P.BUCKET, Key=key, Body=body.encode(), ContentType="text/csv")
        _step(f"uploaded s3://{P.BUCKET}/{key}")

        def started() -> list[dict[str, Any]] | None:
            found = self.sfn.list_executions(stateMachineArn=self.machine_arn)["executions"]
            return found if len(found) >= count else None

        newest = _wait(f"an execution of {P.MACHINE}", started)[0]
        _detail(f"EventBridge started execution {newest['name']}")

        def ended() -> dict[str, Any] | None:
            out: dict[str, Any] = self.sfn.describe_execution(executionArn=newest["executionArn"])
            return out if out["status"] != "RUNNING" else None

        described: dict[str, Any] = _wait(f"execution {newest['name']} to end", ended)
        history = self.sfn.get_execution_history(
            executionArn=described["executionArn"], maxResults=1000
        )["events"]
        path = [
            e["stateEnteredEventDetails"]["name"]
            for e in history
            if "stateEnteredEventDetails" in e
        ]
        _step(f"execution {described['status']}: {_path(path)}")
        described["history"] = history
        return described

    def show_results(self, described: dict[str, Any]) -> None:
        if described["status"] != "SUCCEEDED":
            raise DemoFailed(
                f"the pipeline execution {described['status']}: "
                f"{described.get('error')}: {described.get('cause')}"
            )
        run = self.glue.get_job_runs(JobName=P.JOB)["JobRuns"][0]
        _detail(f"Glue job run {run['Id'][:15]}... {run['JobRunState']}")
        listing = self.s3.list_objects_v2(Bucket=P.BUCKET, Prefix=f"curated/{P.TABLE}/")
        parquet = [o for o in listing.get("Contents", []) if o["Key"].endswith(".parquet")]
        if not parquet:
            raise DemoFailed(f"no Parquet files under s3://{P.BUCKET}/curated/{P.TABLE}/")
        _step(f"Parquet files under s3://{P.BUCKET}/curated/{P.TABLE}/:")
        for obj in parquet:
            _detail(f"{obj['Key']}  ({obj['Size']} bytes)")
        try:
            table = self.glue.get_table(DatabaseName=P.DATABASE, Name=P.TABLE)["Table"]
        except self.glue.exceptions.EntityNotFoundException as exc:
            raise DemoFailed(f"the crawler made no table {P.DATABASE}.{P.TABLE}") from exc
        columns = ", ".join(
            f"{c['Name']} {c['Type']}" for c in table["StorageDescriptor"]["Columns"]
        )
        classification = table.get("Parameters", {}).get("classification")
        _step(f"the crawler made table {P.DATABASE}.{P.TABLE} ({classification}): {columns}")

    def query(self) -> None:
        if "athena" not in self.services():
            _step("(this Headwater has no Athena: skipping the SQL query)")
            return
        qid = self.athena.start_query_execution(
            QueryString=P.QUERY,
            QueryExecutionContext={"Database": P.DATABASE},
            ResultConfiguration={"OutputLocation": f"s3://{P.BUCKET}/athena-results/"},
        )["QueryExecutionId"]
        _step(f"Athena: {P.QUERY}")

        def done() -> dict[str, Any] | None:
            status: dict[str, Any] = self.athena.get_query_execution(QueryExecutionId=qid)[
                "QueryExecution"
            ]["Status"]
            return status if status["State"] not in ("QUEUED", "RUNNING") else None

        status = _wait("the Athena query", done)
        if status["State"] != "SUCCEEDED":
            raise DemoFailed(
                f"the Athena query {status['State']}: {status.get('StateChangeReason')}"
            )
        rows = self.athena.get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"]
        for row in rows:
            _detail(" | ".join(f"{d.get('VarCharValue', ''):>8}" for d in row["Data"]))
        if len(rows) < 2:
            raise DemoFailed("the Athena query returned no rows")

    def failure_path(self) -> None:
        described = self.upload_and_wait("raw/notes/notes.csv", P.BAD_CSV, 2)
        if described["status"] != "FAILED":
            raise DemoFailed(f"a bad file should fail the pipeline, it {described['status']}")
        published = [
            json.loads(e["taskSucceededEventDetails"]["output"])
            for e in described["history"]
            if e["type"] == "TaskSucceeded"
            and e["taskSucceededEventDetails"]["resourceType"] == "sns"
        ]
        if not published:
            raise DemoFailed("the failed execution published nothing to SNS")
        failed = [
            e["taskFailedEventDetails"] for e in described["history"] if e["type"] == "TaskFailed"
        ]
        if failed:
            cause = json.loads(failed[0].get("cause") or "{}")
            _detail(f"caught {failed[0]['error']}: {cause.get('errorMessage', '')}")
        _detail(f"published SNS message {published[0]['MessageId']} to {P.TOPIC}")


def run_demo(*, endpoint_url: str | None, data_dir: Path) -> int:
    """Start a server (unless one is given), build the pipeline and run it, as a user would.

    Returns 0 when every step did what it should, 1 otherwise (the reason on stderr).
    """
    server = None
    _START[0] = started = time.monotonic()
    try:
        if endpoint_url is None:
            from headwater.cli.server import ServerConfig, ServerThread, free_port

            if data_dir.exists():
                shutil.rmtree(data_dir)
            config = ServerConfig(data_dir=data_dir, port=free_port(), time_scale=0)
            server = ServerThread(config).start()
            endpoint_url = server.endpoint
            _step(f"started Headwater at {endpoint_url} (data dir {data_dir}, timers instant)")
        demo = _Demo(endpoint_url)
        demo.build()
        described = demo.upload_and_wait(f"raw/{P.TABLE}/{P.TABLE}.csv", P.SAMPLE_CSV, 1)
        demo.show_results(described)
        demo.query()
        demo.failure_path()
        if server is not None:
            lake = server.app.env.lake_dir / P.BUCKET / "curated" / P.TABLE
            _step(f"the lake is plain files: ls {lake}")
        _step(f"demo finished in {time.monotonic() - started:.1f} s")
        return 0
    except DemoFailed as exc:
        print(f"headwater demo failed: {exc}", file=sys.stderr, flush=True)
        return 1
    except Exception as exc:  # a client or server error: say what it was, not a traceback
        print(f"headwater demo failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        if server is None and "AlreadyExists" in type(exc).__name__:
            print(
                "(the demo's resources are already there: run it without --endpoint-url, "
                "on a fresh server of its own)",
                file=sys.stderr,
                flush=True,
            )
        return 1
    finally:
        if server is not None:
            server.stop()
