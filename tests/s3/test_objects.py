"""Object operations driven on S3Service directly: bodies, ranges, conditions, copies, keys."""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from headwater.lake import SIDE_DIR
from headwater.services.base import RequestContext
from headwater.services.s3 import S3Service
from headwater.services.s3.errors import S3Error

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def test_put_get_head_round_trip(
    s3: S3Service,
    ctx: RequestContext,
    bucket: str,
    put: Any,
    read_body: Any,
    shaped: Any,
    data_dir: Path,
) -> None:
    data = b"id,name\n1,alpha\n"
    out = shaped(
        "PutObject",
        put(
            "raw/people.csv",
            data,
            ContentType="text/csv",
            Metadata={"Owner": "ana"},
            CacheControl="no-cache",
            ContentMD5=_md5_b64(data),
        ),
    )
    assert out["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert (data_dir / "lake" / bucket / "raw" / "people.csv").read_bytes() == data
    got = shaped("GetObject", s3.get_object(ctx, {"Bucket": bucket, "Key": "raw/people.csv"}))
    assert got["ContentType"] == "text/csv"
    assert got["Metadata"] == {"owner": "ana"}
    assert got["CacheControl"] == "no-cache"
    assert got["ContentLength"] == len(data)
    assert got["LastModified"] == T0
    assert read_body(got) == data
    head = shaped("HeadObject", s3.head_object(ctx, {"Bucket": bucket, "Key": "raw/people.csv"}))
    assert head["ETag"] == out["ETag"]
    assert "Body" not in head
    assert list((data_dir / "staging").iterdir()) == []


def test_default_content_type_and_overrides(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any, read_body: Any
) -> None:
    put("blob", b"x")
    got = s3.get_object(
        ctx,
        {
            "Bucket": bucket,
            "Key": "blob",
            "ResponseContentType": "image/png",
            "ResponseContentDisposition": "attachment",
            "ResponseExpires": T0,
        },
    )
    assert got["ContentType"] == "image/png"
    assert got["ContentDisposition"] == "attachment"
    assert got["Expires"] == T0
    read_body(got)
    assert (
        s3.head_object(ctx, {"Bucket": bucket, "Key": "blob"})["ContentType"]
        == "binary/octet-stream"
    )


def test_missing_bucket_and_key(
    s3: S3Service, ctx: RequestContext, bucket: str, staged: Any
) -> None:
    with pytest.raises(S3Error) as err:
        s3.get_object(ctx, {"Bucket": bucket, "Key": "nope"})
    assert (err.value.code, err.value.status, err.value.fields) == (
        "NoSuchKey",
        404,
        {"Key": "nope"},
    )
    body = staged(b"x")
    with pytest.raises(S3Error) as err:
        s3.put_object(ctx, {"Bucket": "no-such-bucket", "Key": "k", "Body": body})
    assert err.value.code == "NoSuchBucket"
    assert not body.path.exists()


def test_content_md5_mismatch_and_invalid(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any, data_dir: Path
) -> None:
    with pytest.raises(S3Error) as err:
        put("k", b"data", ContentMD5=_md5_b64(b"other"))
    assert (err.value.code, err.value.status) == ("BadDigest", 400)
    with pytest.raises(S3Error) as err:
        put("k", b"data", ContentMD5="not-base64!")
    assert (err.value.code, err.value.status) == ("InvalidDigest", 400)
    with pytest.raises(S3Error):
        s3.head_object(ctx, {"Bucket": bucket, "Key": "k"})
    assert list((data_dir / "staging").iterdir()) == []


def test_key_too_long(put: Any) -> None:
    put("k" * 1024, b"ok")
    with pytest.raises(S3Error) as err:
        put("k" * 1025, b"too long")
    assert (err.value.code, err.value.status) == ("KeyTooLongError", 400)
    assert err.value.fields["Size"] == "1025"


@pytest.mark.parametrize(
    ("header", "expected", "status", "content_range"),
    [
        ("bytes=0-4", b"01234", 206, "bytes 0-4/10"),
        ("bytes=5-", b"56789", 206, "bytes 5-9/10"),
        ("bytes=-3", b"789", 206, "bytes 7-9/10"),
        ("bytes=-30", b"0123456789", 206, "bytes 0-9/10"),
        ("bytes=8-100", b"89", 206, "bytes 8-9/10"),
        ("bytes=9-9", b"9", 206, "bytes 9-9/10"),
        ("bytes=5-2", b"0123456789", 200, None),
        ("items=0-1", b"0123456789", 200, None),
        ("bytes=0-1,3-4", b"0123456789", 200, None),
        ("bytes=abc", b"0123456789", 200, None),
    ],
)
def test_ranges(
    s3: S3Service,
    ctx: RequestContext,
    bucket: str,
    put: Any,
    read_body: Any,
    header: str,
    expected: bytes,
    status: int,
    content_range: str | None,
) -> None:
    put("digits", b"0123456789")
    got = s3.get_object(ctx, {"Bucket": bucket, "Key": "digits", "Range": header})
    assert read_body(got) == expected
    assert got["ContentLength"] == len(expected)
    assert got.get("ResponseMetadata", {}).get("HTTPStatusCode", 200) == status
    assert got.get("ContentRange") == content_range


@pytest.mark.parametrize("header", ["bytes=10-", "bytes=10-20", "bytes=-0"])
def test_unsatisfiable_ranges(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any, header: str
) -> None:
    put("digits", b"0123456789")
    with pytest.raises(S3Error) as err:
        s3.get_object(ctx, {"Bucket": bucket, "Key": "digits", "Range": header})
    assert (err.value.code, err.value.status) == ("InvalidRange", 416)
    assert err.value.fields == {"ActualObjectSize": "10", "RangeRequested": header}


def test_head_with_range(s3: S3Service, ctx: RequestContext, bucket: str, put: Any) -> None:
    put("digits", b"0123456789")
    head = s3.head_object(ctx, {"Bucket": bucket, "Key": "digits", "Range": "bytes=2-3"})
    assert head["ContentLength"] == 2
    assert head["ContentRange"] == "bytes 2-3/10"


@pytest.mark.parametrize(
    ("params", "outcome"),
    [
        ({"IfMatch": "ETAG"}, 200),
        ({"IfMatch": '"other"'}, 412),
        ({"IfMatch": "*"}, 200),
        ({"IfNoneMatch": "ETAG"}, 304),
        ({"IfNoneMatch": '"other", ETAG'}, 304),
        ({"IfNoneMatch": '"other"'}, 200),
        ({"IfModifiedSince": T0}, 304),
        ({"IfModifiedSince": T0 - timedelta(seconds=1)}, 200),
        ({"IfModifiedSince": T0 + timedelta(days=30)}, 200),  # in the future: ignored
        ({"IfUnmodifiedSince": T0}, 200),
        ({"IfUnmodifiedSince": T0 - timedelta(seconds=1)}, 412),
        ({"IfMatch": "ETAG", "IfUnmodifiedSince": T0 - timedelta(seconds=1)}, 200),
        ({"IfNoneMatch": '"other"', "IfModifiedSince": T0}, 200),
    ],
)
def test_conditional_reads(
    s3: S3Service,
    ctx: RequestContext,
    bucket: str,
    put: Any,
    vclock: Any,
    params: dict[str, Any],
    outcome: int,
) -> None:
    etag = put("obj", b"payload")["ETag"]
    vclock.advance(3600)
    params = {k: (v.replace("ETAG", etag) if isinstance(v, str) else v) for k, v in params.items()}
    for operation in (s3.head_object, s3.get_object):
        if outcome == 200:
            out = operation(ctx, {"Bucket": bucket, "Key": "obj", **params})
            if "Body" in out:
                out["Body"].close()
            continue
        with pytest.raises(S3Error) as err:
            operation(ctx, {"Bucket": bucket, "Key": "obj", **params})
        assert err.value.status == outcome
        if outcome == 412:
            assert err.value.code == "PreconditionFailed"
            assert err.value.fields["Condition"] in ("If-Match", "If-Unmodified-Since")
        else:
            assert err.value.code == "NotModified"
            assert err.value.headers["ETag"] == etag


def test_conditional_writes(put: Any) -> None:
    first = put("once", b"1", IfNoneMatch="*")
    with pytest.raises(S3Error) as err:
        put("once", b"2", IfNoneMatch="*")
    assert (err.value.code, err.value.fields["Condition"]) == (
        "PreconditionFailed",
        "If-None-Match",
    )
    put("once", b"3", IfMatch=first["ETag"])
    with pytest.raises(S3Error) as err:
        put("once", b"4", IfMatch=first["ETag"])
    assert err.value.status == 412
    with pytest.raises(S3Error) as err:
        put("never", b"5", IfMatch='"abc"')
    assert err.value.code == "NoSuchKey"


def test_checksums_pass_through(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any, staged: Any, read_body: Any
) -> None:
    out = s3.put_object(
        ctx,
        {
            "Bucket": bucket,
            "Key": "c",
            "Body": staged(b"abc", {"x-amz-checksum-crc32": "NSRBwg=="}),
        },
    )
    assert out["ChecksumCRC32"] == "NSRBwg=="
    got = s3.get_object(ctx, {"Bucket": bucket, "Key": "c", "ChecksumMode": "ENABLED"})
    assert got["ChecksumCRC32"] == "NSRBwg=="
    read_body(got)
    assert "ChecksumCRC32" not in s3.head_object(ctx, {"Bucket": bucket, "Key": "c"})
    listing = s3.list_objects_v2(ctx, {"Bucket": bucket})
    assert listing["Contents"][0]["ChecksumAlgorithm"] == ["CRC32"]


def test_overwrite_keeps_open_readers_on_their_version(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any, read_body: Any
) -> None:
    put("k", b"old bytes")
    got = s3.get_object(ctx, {"Bucket": bucket, "Key": "k"})
    put("k", b"new")
    s3.delete_object(ctx, {"Bucket": bucket, "Key": "k"})
    assert read_body(got) == b"old bytes"


def test_delete_object_is_idempotent(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any, data_dir: Path, shaped: Any
) -> None:
    put("dir/sub/file", b"1")
    out = shaped("DeleteObject", s3.delete_object(ctx, {"Bucket": bucket, "Key": "dir/sub/file"}))
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert not (data_dir / "lake" / bucket / "dir").exists()  # empty folders pruned
    s3.delete_object(ctx, {"Bucket": bucket, "Key": "dir/sub/file"})
    with pytest.raises(S3Error):
        s3.delete_object(ctx, {"Bucket": "missing-bucket", "Key": "x"})


def test_delete_object_if_match(s3: S3Service, ctx: RequestContext, bucket: str, put: Any) -> None:
    put("k", b"1")
    with pytest.raises(S3Error) as err:
        s3.delete_object(ctx, {"Bucket": bucket, "Key": "k", "IfMatch": '"nope"'})
    assert err.value.status == 412
    s3.head_object(ctx, {"Bucket": bucket, "Key": "k"})


def test_delete_objects(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any, shaped: Any
) -> None:
    for key in ["a", "b", "c"]:
        put(key, b"x")
    out = shaped(
        "DeleteObjects",
        s3.delete_objects(
            ctx,
            {
                "Bucket": bucket,
                "Delete": {
                    "Objects": [{"Key": "a"}, {"Key": "b"}, {"Key": "missing"}, {"Key": "k" * 2000}]
                },
            },
        ),
    )
    assert [d["Key"] for d in out["Deleted"]] == ["a", "b", "missing"]
    assert out["Errors"][0]["Code"] == "KeyTooLongError"
    quiet = s3.delete_objects(
        ctx, {"Bucket": bucket, "Delete": {"Objects": [{"Key": "c"}], "Quiet": True}}
    )
    assert quiet == {}
    assert s3.list_objects_v2(ctx, {"Bucket": bucket})["KeyCount"] == 0
    with pytest.raises(S3Error) as err:
        s3.delete_objects(
            ctx, {"Bucket": bucket, "Delete": {"Objects": [{"Key": str(i)} for i in range(1001)]}}
        )
    assert err.value.code == "MalformedXML"


def test_copy_object_directives(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any, read_body: Any, shaped: Any
) -> None:
    src = put(
        "src.txt",
        b"source data",
        ContentType="text/plain",
        Metadata={"a": "1"},
        Tagging="team=data",
    )
    out = shaped(
        "CopyObject",
        s3.copy_object(
            ctx, {"Bucket": bucket, "Key": "copy.txt", "CopySource": f"{bucket}/src.txt"}
        ),
    )
    assert out["CopyObjectResult"]["ETag"] == src["ETag"]
    got = s3.get_object(ctx, {"Bucket": bucket, "Key": "copy.txt"})
    assert (got["ContentType"], got["Metadata"], got["TagCount"]) == ("text/plain", {"a": "1"}, 1)
    assert read_body(got) == b"source data"
    s3.copy_object(
        ctx,
        {
            "Bucket": bucket,
            "Key": "replaced.txt",
            "CopySource": f"/{bucket}/src.txt",
            "MetadataDirective": "REPLACE",
            "ContentType": "text/csv",
            "Metadata": {"b": "2"},
            "TaggingDirective": "REPLACE",
            "Tagging": "",
        },
    )
    head = s3.head_object(ctx, {"Bucket": bucket, "Key": "replaced.txt"})
    assert (head["ContentType"], head["Metadata"]) == ("text/csv", {"b": "2"})
    assert "TagCount" not in head


def test_copy_onto_itself(s3: S3Service, ctx: RequestContext, bucket: str, put: Any) -> None:
    put("self", b"x", Metadata={"v": "1"})
    with pytest.raises(S3Error) as err:
        s3.copy_object(ctx, {"Bucket": bucket, "Key": "self", "CopySource": f"{bucket}/self"})
    assert (err.value.code, err.value.status) == ("InvalidRequest", 400)
    s3.copy_object(
        ctx,
        {
            "Bucket": bucket,
            "Key": "self",
            "CopySource": f"{bucket}/self",
            "MetadataDirective": "REPLACE",
            "Metadata": {"v": "2"},
        },
    )
    assert s3.head_object(ctx, {"Bucket": bucket, "Key": "self"})["Metadata"] == {"v": "2"}


def test_copy_source_encoding_errors_and_conditions(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any, read_body: Any
) -> None:
    etag = put("with space+plus%.txt", b"odd")["ETag"]
    s3.copy_object(
        ctx, {"Bucket": bucket, "Key": "dst", "CopySource": f"{bucket}/with%20space%2Bplus%25.txt"}
    )
    assert read_body(s3.get_object(ctx, {"Bucket": bucket, "Key": "dst"})) == b"odd"
    for source, code in [
        (f"{bucket}/absent", "NoSuchKey"),
        ("no-bucket-here/x", "NoSuchBucket"),
        ("justbucket", "InvalidArgument"),
    ]:
        with pytest.raises(S3Error) as err:
            s3.copy_object(ctx, {"Bucket": bucket, "Key": "dst", "CopySource": source})
        assert err.value.code == code
    with pytest.raises(S3Error) as err:
        s3.copy_object(
            ctx,
            {
                "Bucket": bucket,
                "Key": "dst2",
                "CopySourceIfNoneMatch": etag,
                "CopySource": f"{bucket}/with%20space%2Bplus%25.txt",
            },
        )
    assert err.value.fields["Condition"] == "x-amz-copy-source-If-None-Match"
    with pytest.raises(S3Error) as err:
        s3.copy_object(
            ctx,
            {
                "Bucket": bucket,
                "Key": "dst",
                "CopySource": f"{bucket}/dst",
                "MetadataDirective": "MOVE",
            },
        )
    assert err.value.code == "InvalidArgument"


TRAVERSAL = [
    "../outside.txt",
    "../../../../etc/passwd",
    "/abs/path",
    "a/../../b",
    "..",
    ".",
    "a/./b",
    "nul\x00key",
    "back\\slash\\..\\x",
    "x" * 300 + "/y",
    "//double",
]


@pytest.mark.parametrize("key", TRAVERSAL)
def test_awkward_keys_round_trip_and_stay_inside(
    s3: S3Service,
    ctx: RequestContext,
    bucket: str,
    put: Any,
    read_body: Any,
    tmp_path: Path,
    key: str,
) -> None:
    before = {p for p in tmp_path.rglob("*")}
    put(key, key.encode())
    got = s3.get_object(ctx, {"Bucket": bucket, "Key": key})
    assert read_body(got) == key.encode()
    lake = tmp_path / "data" / "lake" / bucket
    created = {p for p in tmp_path.rglob("*")} - before
    assert created
    for path in created:
        assert lake in path.parents or path == lake
    assert (lake / SIDE_DIR).is_dir()
    listing = s3.list_objects_v2(ctx, {"Bucket": bucket})
    assert [c["Key"] for c in listing["Contents"]] == [key]
    s3.delete_object(ctx, {"Bucket": bucket, "Key": key})
    assert not any(p.is_file() for p in lake.rglob("*"))


def test_a_and_a_slash_b_both_exist(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any, read_body: Any, data_dir: Path
) -> None:
    put("a", b"file a")
    put("a/b", b"file a/b")
    put("c/d", b"file c/d")
    put("c", b"file c")
    for key in ["a", "a/b", "c", "c/d"]:
        assert (
            read_body(s3.get_object(ctx, {"Bucket": bucket, "Key": key})) == f"file {key}".encode()
        )
    assert (data_dir / "lake" / bucket / "a").read_bytes() == b"file a"
    assert (data_dir / "lake" / bucket / "c" / "d").read_bytes() == b"file c/d"
    s3.delete_object(ctx, {"Bucket": bucket, "Key": "a"})
    put("a/b", b"file a/b v2")  # stays where it is: an overwrite never moves an object
    assert read_body(s3.get_object(ctx, {"Bucket": bucket, "Key": "a/b"})) == b"file a/b v2"


def test_folder_markers(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any, read_body: Any, data_dir: Path
) -> None:
    put("raw/", b"")
    folder = data_dir / "lake" / bucket / "raw"
    assert folder.is_dir()
    put("raw/x.csv", b"1")
    s3.delete_object(ctx, {"Bucket": bucket, "Key": "raw/x.csv"})
    assert folder.is_dir()  # the marker keeps its folder
    got = s3.get_object(ctx, {"Bucket": bucket, "Key": "raw/"})
    assert (got["ContentLength"], read_body(got)) == (0, b"")
    put("with-bytes/", b"not empty")
    assert read_body(s3.get_object(ctx, {"Bucket": bucket, "Key": "with-bytes/"})) == b"not empty"
    s3.delete_object(ctx, {"Bucket": bucket, "Key": "raw/"})
    assert not folder.exists()
    keys = [c["Key"] for c in s3.list_objects_v2(ctx, {"Bucket": bucket})["Contents"]]
    assert keys == ["with-bytes/"]


def test_file_removed_by_hand_gives_a_clear_error(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any, data_dir: Path
) -> None:
    put("gone", b"1")
    os.unlink(data_dir / "lake" / bucket / "gone")
    with pytest.raises(S3Error) as err:
        s3.get_object(ctx, {"Bucket": bucket, "Key": "gone"})
    assert err.value.status == 500
    assert "s3://lake-bucket/gone" in err.value.message


def test_get_part_number(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any, read_body: Any
) -> None:
    put("single", b"abc")
    got = s3.get_object(ctx, {"Bucket": bucket, "Key": "single", "PartNumber": 1})
    assert (read_body(got), got["PartsCount"]) == (b"abc", 1)
    with pytest.raises(S3Error) as err:
        s3.get_object(ctx, {"Bucket": bucket, "Key": "single", "PartNumber": 2})
    assert err.value.code == "InvalidPartNumber"


def test_storage_class_and_tagging_header(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any
) -> None:
    put("cold", b"1", StorageClass="GLACIER_IR", Tagging="a=1&b=2")
    head = s3.head_object(ctx, {"Bucket": bucket, "Key": "cold"})
    assert (head["StorageClass"], head["TagCount"]) == ("GLACIER_IR", 2)
    with pytest.raises(S3Error) as err:
        put("bad", b"1", StorageClass="FROZEN")
    assert err.value.code == "InvalidStorageClass"
    with pytest.raises(S3Error) as err:
        put("bad", b"1", Tagging="a=1&a=2")
    assert err.value.code == "InvalidArgument"
