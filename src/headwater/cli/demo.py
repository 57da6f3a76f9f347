"""The demo pipeline: what ``make demo`` shows a new user, step by step."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["run_demo"]

SAMPLE_CSV = (
    "order_id,customer,amount,order_date\n"
    "1,alice,12.50,2026-11-01\n"
    "2,bob,7.25,2026-11-01\n"
    "3,carol,30.00,2026-11-02\n"
)


def _step(text: str) -> None:
    print(f"==> {text}", flush=True)


def run_demo(*, endpoint_url: str | None, data_dir: Path) -> int:
    """Start a server (unless one is given), then drive it with boto3 as a user would."""
    import boto3
    from botocore.config import Config

    server = None
    if endpoint_url is None:
        from headwater.cli.server import ServerConfig, ServerThread, free_port

        if data_dir.exists():
            shutil.rmtree(data_dir)
        config = ServerConfig(data_dir=data_dir, port=free_port(), time_scale=0)
        server = ServerThread(config).start()
        endpoint_url = server.endpoint
        _step(f"started Headwater at {endpoint_url} (data dir {data_dir})")
    try:
        session = boto3.session.Session(
            aws_access_key_id="demo", aws_secret_access_key="demo", region_name="us-east-1"
        )
        cfg = Config(retries={"max_attempts": 1})
        s3 = session.client("s3", endpoint_url=endpoint_url, config=cfg)
        sts = session.client("sts", endpoint_url=endpoint_url, config=cfg)
        iam = session.client("iam", endpoint_url=endpoint_url, config=cfg)

        ident = sts.get_caller_identity()
        _step(f"caller identity: {ident['Arn']}")
        iam.create_role(
            RoleName="demo-glue-role",
            AssumeRolePolicyDocument=(
                '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
                '{"Service":"glue.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
            ),
        )
        _step("created role demo-glue-role")

        bucket = "headwater-demo"
        s3.create_bucket(Bucket=bucket)
        _step(f"created bucket s3://{bucket}")
        s3.put_object(
            Bucket=bucket,
            Key="raw/orders/orders.csv",
            Body=SAMPLE_CSV.encode(),
            ContentType="text/csv",
        )
        _step("uploaded raw/orders/orders.csv")
        with tempfile.TemporaryDirectory() as tmp:
            big = Path(tmp) / "big.bin"
            big.write_bytes(os.urandom(12 * 1024 * 1024))
            s3.upload_file(str(big), bucket, "raw/blobs/big.bin")
            _step("uploaded raw/blobs/big.bin (12 MiB, multipart)")
            listing = s3.list_objects_v2(Bucket=bucket, Prefix="raw/", Delimiter="/")
            prefixes = [p["Prefix"] for p in listing.get("CommonPrefixes", [])]
            _step(f"listed s3://{bucket}/raw/ -> folders {prefixes}")
            back = Path(tmp) / "back.bin"
            s3.download_file(bucket, "raw/blobs/big.bin", str(back))
            same = (
                hashlib.md5(big.read_bytes(), usedforsecurity=False).digest()
                == hashlib.md5(back.read_bytes(), usedforsecurity=False).digest()
            )
            _step(f"downloaded it again: byte-identical = {same}")
        body = s3.get_object(Bucket=bucket, Key="raw/orders/orders.csv")["Body"].read()
        _step("read raw/orders/orders.csv back:")
        print(body.decode(), end="", flush=True)
        if server is not None:
            lake = server.app.env.lake_dir / bucket / "raw" / "orders" / "orders.csv"
            _step(f"the object is a plain file in the lake: {lake} (exists: {lake.exists()})")
        _step("demo finished")
        return 0 if same else 1
    finally:
        if server is not None:
            server.stop()
