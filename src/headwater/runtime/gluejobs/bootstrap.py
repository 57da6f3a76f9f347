"""The program a Glue job worker runs: warm up, wait for one job run, run its script, report.

Started as ``python -I -B -u bootstrap.py <compat dir> <spark stand-in dir> <hidden>...``. It
imports only the standard library until it has fixed ``sys.path`` (Headwater's own folder is
removed, the ``awsglue`` folder put first, the ``pyspark`` stand-in last so a real Spark wins),
then imports the heavy libraries scripts use (pyarrow, DuckDB, boto3) while it waits, so a run
starts warm. It reads one JSON line from stdin (the run: script, argv, environment, bookmark
state, where to write the result), runs the script as ``__main__`` and writes the result file:
``{"ok": bool, "error": "Type: message", "bookmark": {...}}``. Whatever the script prints goes
straight to the worker's stdout and stderr, which the parent streams to CloudWatch Logs.
"""

from __future__ import annotations

import contextlib
import json
import os
import runpy
import sys
import traceback
from types import TracebackType
from typing import Any

__all__ = ["main"]


def _fix_path(compat: str, standin: str, hidden: list[str]) -> None:
    gone = {os.path.realpath(h) for h in hidden}
    here = os.path.realpath(os.path.dirname(__file__))
    rest = [
        p for p in sys.path if p and os.path.realpath(p) not in gone and os.path.realpath(p) != here
    ]
    sys.path[:] = [compat, *rest, standin]


def _warm_up() -> None:
    # Import what nearly every script needs while no run is waiting for us.
    for name in (
        "pyarrow",
        "pyarrow.csv",
        "pyarrow.json",
        "pyarrow.parquet",
        "duckdb",
        "boto3",
        "botocore.session",
        "awsglue",
        "awsglue.context",
        "awsglue.job",
        "awsglue.transforms",
        "awsglue.utils",
    ):
        with contextlib.suppress(ImportError):
            __import__(name)
    try:
        import boto3

        # Loading the service models is the slow part of a first client.
        boto3.session.Session(region_name="us-east-1").client(
            "s3",
            aws_access_key_id="x",
            aws_secret_access_key="x",
            endpoint_url="http://127.0.0.1:9",
        )
    except Exception:  # warm-up only: the run will report any real problem
        pass


def _script_traceback(exc: BaseException, script: str) -> TracebackType | None:
    tb = exc.__traceback__
    target = os.path.realpath(script)
    while tb is not None and os.path.realpath(tb.tb_frame.f_code.co_filename) != target:
        tb = tb.tb_next
    return tb or exc.__traceback__


def _message(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _run(spec: dict[str, Any]) -> dict[str, Any]:
    script = spec["script"]
    os.environ.update(spec.get("env") or {})
    if spec.get("cwd"):
        os.chdir(spec["cwd"])
    try:
        from awsglue import _runtime  # type: ignore[import-not-found]

        _runtime.configure(spec)
    except ImportError:  # pragma: no cover - the compat folder is always there
        _runtime = None  # type: ignore[assignment]
    # --extra-py-files come first after the awsglue folder, as on Glue.
    for entry in reversed(spec.get("pythonPath") or []):
        sys.path.insert(1, entry)
    sys.argv = list(spec["argv"])
    result: dict[str, Any] = {"ok": True, "error": None}
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        code = exc.code
        if code not in (None, 0):
            result = {"ok": False, "error": f"SystemExit: {code}"}
    except BaseException as exc:
        traceback.print_exception(type(exc), exc, _script_traceback(exc, script))
        result = {"ok": False, "error": _message(exc)}
    if _runtime is not None:
        result["bookmark"] = _runtime.COMMITTED
    return result


def main() -> None:
    """Warm up, run one job, exit."""
    compat, standin, *hidden = sys.argv[1:]
    _fix_path(compat, standin, hidden)
    _warm_up()
    line = sys.stdin.readline()
    if not line.strip():
        return  # the pool let this warm worker go
    spec = json.loads(line)
    result = _run(spec)
    sys.stdout.flush()
    sys.stderr.flush()
    path = spec["result"]
    with open(path + ".tmp", "w", encoding="utf-8") as out:
        json.dump(result, out, default=str)
    os.replace(path + ".tmp", path)
    # Skip interpreter teardown of whatever the script left running (threads, pools).
    os._exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
