"""``headwater demo`` (``make demo``): the whole demo pipeline on a fresh server it starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from headwater.cli.demo import run_demo
from headwater.cli.server import free_port

pytestmark = pytest.mark.e2e


def test_demo_runs_the_whole_pipeline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_demo(endpoint_url=None, data_dir=tmp_path / "demo") == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    succeeded = next(line for line in lines if "execution SUCCEEDED" in line)
    assert "Validate file -> CSV to Parquet -> Start crawler" in succeeded
    assert succeeded.endswith("Crawler ready? -> Done")
    assert any(line.strip().startswith("curated/orders/run-") for line in lines)
    assert any("the crawler made table demo_lake.orders (parquet)" in line for line in lines)
    assert "order_id bigint, customer string, amount double" in out
    if "Athena:" in out:  # when the server has Athena
        assert any(line.split() == ["alice", "|", "2", "|", "17.5"] for line in lines)
    failed = next(line for line in lines if "execution FAILED" in line)
    assert failed.endswith("Validate file -> Notify failure -> Failed")
    assert "published SNS message" in out
    assert lines[-1].split("] ", 1)[1].startswith("demo finished")


def test_demo_says_why_it_failed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    assert run_demo(endpoint_url=nobody, data_dir=tmp_path) == 1
    err = capsys.readouterr().err
    assert err.startswith("headwater demo failed: EndpointConnectionError")
    assert "Traceback" not in err
