"""S3 as a user drives it: the real ``aws`` CLI and boto3 against a running server."""

from __future__ import annotations

import hashlib
import json
import os
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.e2e


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def test_cli_bucket_and_object_round_trip(aws: Any, tmp_path: Path) -> None:
    src = tmp_path / "LOAD00000001.csv"
    src.write_text("id,name\n1,alice\n2,bob\n")
    aws("s3", "mb", "s3://byod-lab")
    aws("s3", "cp", str(src), "s3://byod-lab/raw/customers/LOAD00000001.csv")
    listing = aws("s3", "ls", "s3://byod-lab/raw/customers/").stdout
    assert "LOAD00000001.csv" in listing
    back = tmp_path / "back.csv"
    aws("s3", "cp", "s3://byod-lab/raw/customers/LOAD00000001.csv", str(back))
    assert back.read_text() == src.read_text()
    head = json.loads(
        aws(
            "s3api",
            "head-object",
            "--bucket",
            "byod-lab",
            "--key",
            "raw/customers/LOAD00000001.csv",
        ).stdout
    )
    assert head["ContentLength"] == src.stat().st_size
    assert head["ETag"] == f'"{_md5(src)}"'
    aws("s3", "rm", "s3://byod-lab/raw/customers/LOAD00000001.csv")
    assert "LOAD00000001.csv" not in aws("s3", "ls", "s3://byod-lab", "--recursive").stdout
    aws("s3", "rb", "s3://byod-lab")
    assert "byod-lab" not in aws("s3", "ls").stdout


def test_cli_multipart_upload_and_download_are_byte_identical(
    aws: Any, tmp_path: Path, client: Any
) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(20 * 1024 * 1024))
    aws("s3", "mb", "s3://lake")
    aws("s3", "cp", str(big), "s3://lake/raw/big.bin")
    head = client("s3").head_object(Bucket="lake", Key="raw/big.bin")
    assert head["ContentLength"] == big.stat().st_size
    assert head["ETag"].endswith('-3"')  # 8 MiB parts: a multipart ETag
    back = tmp_path / "back.bin"
    aws("s3", "cp", "s3://lake/raw/big.bin", str(back))
    assert _md5(back) == _md5(big)


def test_cli_sync_and_recursive_rm(aws: Any, tmp_path: Path) -> None:
    src = tmp_path / "tree"
    for rel in ("a.csv", "sub/b.csv", "sub/deeper/c.json"):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(rel)
    aws("s3", "mb", "s3://sync-me")
    aws("s3", "sync", str(src), "s3://sync-me/data")
    out = aws("s3", "ls", "s3://sync-me/data/", "--recursive").stdout
    assert all(rel in out for rel in ("a.csv", "sub/b.csv", "sub/deeper/c.json"))
    dest = tmp_path / "down"
    aws("s3", "sync", "s3://sync-me/data", str(dest))
    assert (dest / "sub" / "deeper" / "c.json").read_text() == "sub/deeper/c.json"
    aws("s3", "rm", "s3://sync-me", "--recursive")
    assert aws("s3", "ls", "s3://sync-me", "--recursive").stdout.strip() == ""


def test_boto3_upload_and_download_file(client: Any, tmp_path: Path) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="files")
    src = tmp_path / "f.bin"
    src.write_bytes(os.urandom(9 * 1024 * 1024 + 7))
    s3.upload_file(str(src), "files", "k/f.bin")
    dst = tmp_path / "g.bin"
    s3.download_file("files", "k/f.bin", str(dst))
    assert _md5(dst) == _md5(src)


def test_listing_with_delimiter_and_pagination(client: Any) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="listing")
    keys = [f"raw/t{i}/part-{j}.csv" for i in range(3) for j in range(2)] + ["top.txt"]
    for k in keys:
        s3.put_object(Bucket="listing", Key=k, Body=b"x")
    top = s3.list_objects_v2(Bucket="listing", Delimiter="/")
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["raw/"]
    assert [o["Key"] for o in top["Contents"]] == ["top.txt"]
    inner = s3.list_objects_v2(Bucket="listing", Prefix="raw/", Delimiter="/")
    assert [p["Prefix"] for p in inner["CommonPrefixes"]] == ["raw/t0/", "raw/t1/", "raw/t2/"]
    seen: list[str] = []
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket="listing", PaginationConfig={"PageSize": 2}
    )
    for page in pages:
        assert page["KeyCount"] <= 2
        seen += [o["Key"] for o in page.get("Contents", [])]
    assert seen == sorted(keys)
    v1 = s3.list_objects(Bucket="listing", Prefix="raw/t1/")
    assert [o["Key"] for o in v1["Contents"]] == ["raw/t1/part-0.csv", "raw/t1/part-1.csv"]


def _code(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    return (
        exc.value.response["Error"]["Code"],
        exc.value.response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_errors_have_aws_codes(client: Any) -> None:
    s3 = client("s3")
    with pytest.raises(ClientError) as exc:
        s3.list_objects_v2(Bucket="no-such-bucket")
    assert _code(exc) == ("NoSuchBucket", 404)
    s3.create_bucket(Bucket="errs")
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket="errs", Key="missing.csv")
    assert _code(exc) == ("NoSuchKey", 404)
    s3.create_bucket(Bucket="errs")  # us-east-1 answers 200 to its owner, as AWS does
    west = client("s3", region="eu-west-1")
    west.create_bucket(
        Bucket="errs-west", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    with pytest.raises(ClientError) as exc:
        west.create_bucket(
            Bucket="errs-west", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
    assert _code(exc) == ("BucketAlreadyOwnedByYou", 409)
    assert west.get_bucket_location(Bucket="errs-west")["LocationConstraint"] == "eu-west-1"
    s3.put_object(Bucket="errs", Key="a", Body=b"1")
    with pytest.raises(ClientError) as exc:
        s3.delete_bucket(Bucket="errs")
    assert _code(exc) == ("BucketNotEmpty", 409)
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket="Bad_Name")
    assert _code(exc) == ("InvalidBucketName", 400)


def test_cli_reports_errors_like_aws(aws: Any) -> None:
    proc = aws("s3api", "get-object", "--bucket", "nope", "--key", "k", "/dev/null", check=False)
    assert proc.returncode != 0
    assert "NoSuchBucket" in proc.stderr
    proc = aws("s3api", "get-object", "--bucket", "nope", check=False)
    assert proc.returncode != 0
    assert "--key" in proc.stderr


def test_traversal_keys_stay_inside_the_lake(client: Any, server: Any) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="safe")
    lake = server.app.env.lake_dir
    outside = lake.parent.parent / "escaped.txt"
    for key in ("../../escaped.txt", "a/../../../escaped.txt", "/etc/passwd-copy", "x/./y"):
        try:
            s3.put_object(Bucket="safe", Key=key, Body=b"evil")
        except ClientError as err:
            assert err.response["Error"]["Code"] in ("InvalidArgument", "KeyTooLongError")  # noqa: PT017
            continue
        body = s3.get_object(Bucket="safe", Key=key)["Body"].read()
        assert body == b"evil"
    assert not outside.exists()
    assert not Path("/etc/passwd-copy").exists()
    for path in lake.parent.parent.rglob("*"):
        if path.name in ("escaped.txt", "passwd-copy"):
            assert path.is_relative_to(lake), f"{path} written outside the lake"


def test_key_that_is_a_folder_of_another_key_and_folder_markers(client: Any) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="shapes")
    s3.put_object(Bucket="shapes", Key="a", Body=b"file a")
    s3.put_object(Bucket="shapes", Key="a/b", Body=b"file a/b")
    s3.put_object(Bucket="shapes", Key="chapter10/", Body=b"")
    assert s3.get_object(Bucket="shapes", Key="a")["Body"].read() == b"file a"
    assert s3.get_object(Bucket="shapes", Key="a/b")["Body"].read() == b"file a/b"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="shapes")["Contents"]]
    assert keys == ["a", "a/b", "chapter10/"]
    assert s3.head_object(Bucket="shapes", Key="chapter10/")["ContentLength"] == 0


def test_virtual_host_style_addressing(client: Any, endpoint: str) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="vhost")
    s3.put_object(Bucket="vhost", Key="dir/k.txt", Body=b"hi")
    port = endpoint.rsplit(":", 1)[1]
    for host in (f"vhost.localhost:{port}", f"vhost.s3.localhost:{port}"):
        req = urllib.request.Request(f"{endpoint}/dir/k.txt", headers={"Host": host})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.read() == b"hi"
        req = urllib.request.Request(f"{endpoint}/?list-type=2", headers={"Host": host})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert b"<Key>dir/k.txt</Key>" in resp.read()
