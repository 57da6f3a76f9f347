"""Change records in the outbox, restart persistence, start-up clean-up, the Python API."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from headwater.services.base import RequestContext
from headwater.services.s3 import S3Service
from headwater.services.s3.errors import S3Error

MIB = 1024 * 1024


def test_every_change_writes_one_record(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any, staged: Any, events: Any
) -> None:
    etag = put("raw/a.csv", b"1,2\n")["ETag"].strip('"')
    s3.copy_object(ctx, {"Bucket": bucket, "Key": "raw/b.csv", "CopySource": f"{bucket}/raw/a.csv"})
    up = s3.create_multipart_upload(ctx, {"Bucket": bucket, "Key": "raw/c.bin"})["UploadId"]
    part = s3.upload_part(
        ctx,
        {
            "Bucket": bucket,
            "Key": "raw/c.bin",
            "UploadId": up,
            "PartNumber": 1,
            "Body": staged(b"abc"),
        },
    )["ETag"]
    s3.complete_multipart_upload(
        ctx,
        {
            "Bucket": bucket,
            "Key": "raw/c.bin",
            "UploadId": up,
            "MultipartUpload": {"Parts": [{"PartNumber": 1, "ETag": part}]},
        },
    )
    s3.delete_object(ctx, {"Bucket": bucket, "Key": "raw/a.csv"})
    s3.delete_object(ctx, {"Bucket": bucket, "Key": "raw/never-existed"})
    s3.delete_objects(
        ctx, {"Bucket": bucket, "Delete": {"Objects": [{"Key": "raw/b.csv"}, {"Key": "raw/c.bin"}]}}
    )
    records = events()
    assert [(r["event_type"], r["event_name"], r["key"]) for r in records] == [
        ("ObjectCreated", "PutObject", "raw/a.csv"),
        ("ObjectCreated", "CopyObject", "raw/b.csv"),
        ("ObjectCreated", "CompleteMultipartUpload", "raw/c.bin"),
        ("ObjectRemoved", "DeleteObject", "raw/a.csv"),
        ("ObjectRemoved", "DeleteObjects", "raw/b.csv"),
        ("ObjectRemoved", "DeleteObjects", "raw/c.bin"),
    ]
    first = records[0]
    assert first == first | {
        "bucket": bucket,
        "size": 4,
        "etag": etag,
        "version_id": None,
        "request_id": "REQ0000000000001",
        "requester": "000000000000",
        "source_ip": "10.1.2.3",
        "region": "us-east-1",
        "access_key": "AKIDTEST",
        "time": "2026-01-01T00:00:00.000Z",
        "v": 1,
    }
    assert records[3]["deletion_type"] == "Permanently Deleted"
    sequencers = [r["sequencer"] for r in records]
    assert sequencers == sorted(sequencers)
    assert len(set(sequencers)) == len(sequencers)
    assert all(len(s) == 18 for s in sequencers)


def test_failed_writes_record_nothing(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any, events: Any
) -> None:
    put("k", b"1")
    with pytest.raises(S3Error):
        put("k", b"2", IfNoneMatch="*")
    with pytest.raises(S3Error):
        put("k", b"3", ContentMD5="AAAAAAAAAAAAAAAAAAAAAA==")
    assert len(events()) == 1


def test_folder_marker_emits_object_created(put: Any, events: Any) -> None:
    put("console-folder/", b"")
    assert [(r["key"], r["size"]) for r in events()] == [("console-folder/", 0)]


def test_versioned_records_carry_version_ids(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any, events: Any
) -> None:
    s3.put_bucket_versioning(
        ctx, {"Bucket": bucket, "VersioningConfiguration": {"Status": "Enabled"}}
    )
    version = put("k", b"1")["VersionId"]
    assert events()[-1]["version_id"] == version


def test_restart_keeps_everything(
    make_service: Any, ctx: RequestContext, staged: Any, read_body: Any, data_dir: Path
) -> None:
    s3 = make_service()
    s3.create_bucket(ctx, {"Bucket": "persist-me"})
    s3.put_object(
        ctx,
        {
            "Bucket": "persist-me",
            "Key": "data/x.json",
            "Body": staged(b"{}"),
            "ContentType": "application/json",
        },
    )
    s3.put_object(ctx, {"Bucket": "persist-me", "Key": "../odd", "Body": staged(b"odd")})
    up = s3.create_multipart_upload(ctx, {"Bucket": "persist-me", "Key": "mp"})["UploadId"]
    etag = s3.upload_part(
        ctx,
        {
            "Bucket": "persist-me",
            "Key": "mp",
            "UploadId": up,
            "PartNumber": 1,
            "Body": staged(b"part one"),
        },
    )["ETag"]
    s3.put_bucket_tagging(
        ctx, {"Bucket": "persist-me", "Tagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}
    )
    s3.env.store.close()
    (data_dir / "staging" / "upload-crashed").write_bytes(b"half a body")

    again = make_service()
    assert not (data_dir / "staging" / "upload-crashed").exists()
    got = again.get_object(ctx, {"Bucket": "persist-me", "Key": "data/x.json"})
    assert (got["ContentType"], read_body(got)) == ("application/json", b"{}")
    assert read_body(again.get_object(ctx, {"Bucket": "persist-me", "Key": "../odd"})) == b"odd"
    assert again.get_bucket_tagging(ctx, {"Bucket": "persist-me"})["TagSet"] == [
        {"Key": "k", "Value": "v"}
    ]
    out = again.complete_multipart_upload(
        ctx,
        {
            "Bucket": "persist-me",
            "Key": "mp",
            "UploadId": up,
            "MultipartUpload": {"Parts": [{"PartNumber": 1, "ETag": etag}]},
        },
    )
    assert out["ETag"].endswith('-1"')
    assert read_body(again.get_object(ctx, {"Bucket": "persist-me", "Key": "mp"})) == b"part one"


def test_reset_empties_the_lake(s3: S3Service, put: Any, bucket: str, data_dir: Path) -> None:
    put("x/y", b"1")
    s3.reset()
    s3.env.store.reset()
    assert not (data_dir / "lake" / bucket).exists()


def test_python_api(
    s3: S3Service, ctx: RequestContext, bucket: str, tmp_path: Path, events: Any
) -> None:
    rec = s3.put_bytes(bucket, "athena/results/q1.csv", b"a,b\n", content_type="text/csv")
    assert rec.etag
    assert rec.size == 4
    assert s3.get_bytes(bucket, "athena/results/q1.csv") == b"a,b\n"
    src = tmp_path / "local.parquet"
    src.write_bytes(b"PAR1" * 1000)
    s3.put_file(bucket, "curated/t/part-0.parquet", src)
    assert src.exists()
    with s3.writer(bucket, "curated/t/part-1.parquet") as fh:
        fh.write(b"PAR1")
    paths = s3.local_paths(bucket, "curated/")
    assert [k for k, _ in paths] == ["curated/t/part-0.parquet", "curated/t/part-1.parquet"]
    assert paths[0][1].read_bytes() == b"PAR1" * 1000
    assert s3.local_path(bucket, "athena/results/q1.csv").read_bytes() == b"a,b\n"
    record, handle = s3.open_object(bucket, "curated/t/part-1.parquet")
    with handle:
        assert (record.size, handle.read()) == (4, b"PAR1")
    assert s3.delete_key(bucket, "athena/results/q1.csv") is True
    assert s3.delete_key(bucket, "athena/results/q1.csv") is False
    assert [r["event_name"] for r in events()] == ["PutObject"] * 3 + ["DeleteObject"]
    with pytest.raises(ValueError, match="job failed"), s3.writer(bucket, "never"):
        raise ValueError("job failed")
    assert s3.head(bucket, "never") is None
    assert list((s3.env.staging_dir).glob(".lake-*")) == []


def test_concurrent_overwrites_and_reads_stay_consistent(
    s3: S3Service, ctx: RequestContext, bucket: str, staged: Any, read_body: Any
) -> None:
    payloads = [bytes([i]) * (1000 + i) for i in range(20)]
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for data in payloads:
                s3.put_object(ctx, {"Bucket": bucket, "Key": "hot", "Body": staged(data)})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    s3.put_object(ctx, {"Bucket": bucket, "Key": "hot", "Body": staged(payloads[0])})
    thread = threading.Thread(target=writer)
    thread.start()
    while thread.is_alive():
        got = s3.get_object(ctx, {"Bucket": bucket, "Key": "hot"})
        body = read_body(got)
        assert len(body) == got["ContentLength"]
        assert body in payloads
    thread.join()
    assert errors == []
