"""Durability: a job run interrupted by a server stop ends FAILED on restart, retried and
reported to its workflow run, which then completes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3

from headwater.cli.server import ServerConfig, ServerThread, free_port
from headwater.runtime.clock import VirtualClock
from headwater.services.enabled import service_classes
from tests.glue_jobs.conftest import glue_service_class, wait_for

SLEEPY = "import time\nprint('working', flush=True)\ntime.sleep(60)\n"


def start(data_dir: Path) -> ServerThread:
    classes = service_classes()
    if not any(getattr(c, "service_name", "") == "glue" for c in classes):
        classes = [*classes, glue_service_class()]
    config = ServerConfig(data_dir=data_dir, port=free_port(), time_scale=0)
    srv = ServerThread(config, clock=VirtualClock(), services=classes)
    srv.app.env.extras["glue.warm_workers"] = 0
    return srv.start()


def clients(srv: ServerThread) -> tuple[Any, Any]:
    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    return (
        session.client("glue", endpoint_url=srv.endpoint),
        session.client("s3", endpoint_url=srv.endpoint),
    )


def test_interrupted_run_fails_and_its_workflow_completes(tmp_path: Path) -> None:
    srv = start(tmp_path)
    try:
        glue, s3 = clients(srv)
        s3.create_bucket(Bucket="lake")
        s3.put_object(Bucket="lake", Key="scripts/sleepy.py", Body=SLEEPY.encode())
        glue.create_job(
            Name="sleepy",
            Role="r",
            Command={"Name": "pythonshell", "ScriptLocation": "s3://lake/scripts/sleepy.py"},
        )
        glue.create_workflow(Name="wf")
        glue.create_trigger(
            Name="go", WorkflowName="wf", Type="ON_DEMAND", Actions=[{"JobName": "sleepy"}]
        )
        run_id = glue.start_workflow_run(Name="wf")["RunId"]
        job_run = wait_for(
            lambda: [
                r
                for r in glue.get_job_runs(JobName="sleepy")["JobRuns"]
                if r["JobRunState"] == "RUNNING"
            ]
        )[0]
    finally:
        srv.stop()
    srv = start(tmp_path)
    try:
        glue, _ = clients(srv)
        run = glue.get_job_run(JobName="sleepy", RunId=job_run["Id"])["JobRun"]
        assert run["JobRunState"] == "FAILED"
        assert "interrupted" in run["ErrorMessage"]
        wf_run = glue.get_workflow_run(Name="wf", RunId=run_id)["Run"]
        assert wf_run["Status"] == "COMPLETED"
        assert wf_run["Statistics"]["FailedActions"] == 1
    finally:
        srv.stop()
