"""Job runs end to end: a script runs in a worker, its states, logs and events."""

from __future__ import annotations

from typing import Any

HELLO = """
import sys
from awsglue.utils import getResolvedOptions
args = getResolvedOptions(sys.argv, ["JOB_NAME", "greeting"])
print(args["greeting"], args["JOB_NAME"])
"""


def test_pythonshell_job_succeeds(glue: Any, make_job: Any, run_ended: Any) -> None:
    make_job("hello", HELLO, command="pythonshell", DefaultArguments={"--greeting": "hi"})
    run_id = glue.start_job_run(JobName="hello")["JobRunId"]
    assert run_id.startswith("jr_")
    assert len(run_id) == 67
    run = run_ended("hello", run_id)
    assert run["JobRunState"] == "SUCCEEDED", run
