"""Multipart uploads: parts, copies of parts, completion checks and ETag, abort, listings."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from headwater.services.base import RequestContext
from headwater.services.s3 import S3Service
from headwater.services.s3.errors import S3Error

MIB = 1024 * 1024


@pytest.fixture
def upload(s3: S3Service, ctx: RequestContext, bucket: str) -> str:
    out = s3.create_multipart_upload(
        ctx,
        {
            "Bucket": bucket,
            "Key": "big/file.bin",
            "ContentType": "application/x-test",
            "Metadata": {"Origin": "test"},
        },
    )
    return str(out["UploadId"])


def _part(
    s3: S3Service,
    ctx: RequestContext,
    bucket: str,
    upload_id: str,
    number: int,
    data: bytes,
    staged: Any,
    key: str = "big/file.bin",
) -> str:
    out = s3.upload_part(
        ctx,
        {
            "Bucket": bucket,
            "Key": key,
            "UploadId": upload_id,
            "PartNumber": number,
            "Body": staged(data),
        },
    )
    return str(out["ETag"])


def test_complete_assembles_parts_with_multipart_etag(
    s3: S3Service,
    ctx: RequestContext,
    bucket: str,
    upload: str,
    staged: Any,
    read_body: Any,
    data_dir: Path,
    shaped: Any,
) -> None:
    chunks = [os.urandom(5 * MIB), os.urandom(5 * MIB), b"tail"]
    etags = [_part(s3, ctx, bucket, upload, n, c, staged) for n, c in enumerate(chunks, 1)]
    listed = shaped(
        "ListParts",
        s3.list_parts(ctx, {"Bucket": bucket, "Key": "big/file.bin", "UploadId": upload}),
    )
    assert [p["Size"] for p in listed["Parts"]] == [5 * MIB, 5 * MIB, 4]
    out = shaped(
        "CompleteMultipartUpload",
        s3.complete_multipart_upload(
            ctx,
            {
                "Bucket": bucket,
                "Key": "big/file.bin",
                "UploadId": upload,
                "MultipartUpload": {
                    "Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]
                },
            },
        ),
    )
    expected = hashlib.md5(b"".join(hashlib.md5(c).digest() for c in chunks)).hexdigest()
    assert out["ETag"] == f'"{expected}-3"'
    whole = b"".join(chunks)
    assert (data_dir / "lake" / bucket / "big" / "file.bin").read_bytes() == whole
    got = s3.get_object(ctx, {"Bucket": bucket, "Key": "big/file.bin"})
    assert (got["ContentType"], got["Metadata"]) == ("application/x-test", {"origin": "test"})
    assert read_body(got) == whole
    part2 = s3.get_object(ctx, {"Bucket": bucket, "Key": "big/file.bin", "PartNumber": 2})
    assert (part2["PartsCount"], part2["ContentLength"]) == (3, 5 * MIB)
    assert read_body(part2) == chunks[1]
    assert not (data_dir / "staging" / "uploads" / upload).exists()
    with pytest.raises(S3Error) as err:
        s3.list_parts(ctx, {"Bucket": bucket, "Key": "big/file.bin", "UploadId": upload})
    assert err.value.code == "NoSuchUpload"


def test_completion_errors(
    s3: S3Service, ctx: RequestContext, bucket: str, upload: str, staged: Any
) -> None:
    small = _part(s3, ctx, bucket, upload, 1, b"tiny", staged)
    last = _part(s3, ctx, bucket, upload, 2, b"end", staged)

    def complete(parts: Any) -> S3Error:
        with pytest.raises(S3Error) as err:
            s3.complete_multipart_upload(
                ctx,
                {
                    "Bucket": bucket,
                    "Key": "big/file.bin",
                    "UploadId": upload,
                    "MultipartUpload": parts,
                },
            )
        return err.value

    err = complete({"Parts": [{"PartNumber": 1, "ETag": small}, {"PartNumber": 2, "ETag": last}]})
    assert (err.code, err.status, err.fields["PartNumber"]) == ("EntityTooSmall", 400, "1")
    err = complete({"Parts": [{"PartNumber": 2, "ETag": last}, {"PartNumber": 1, "ETag": small}]})
    assert err.code == "InvalidPartOrder"
    err = complete({"Parts": [{"PartNumber": 1, "ETag": '"0000"'}]})
    assert err.code == "InvalidPart"
    err = complete({"Parts": [{"PartNumber": 3, "ETag": last}]})
    assert err.code == "InvalidPart"
    assert complete({"Parts": []}).code == "InvalidRequest"
    assert complete(None).code == "MalformedXML"
    # one small part alone is fine: the last part may be any size
    out = s3.complete_multipart_upload(
        ctx,
        {
            "Bucket": bucket,
            "Key": "big/file.bin",
            "UploadId": upload,
            "MultipartUpload": {"Parts": [{"PartNumber": 1, "ETag": small}]},
        },
    )
    assert out["ETag"].endswith('-1"')


def test_upload_part_errors(
    s3: S3Service, ctx: RequestContext, bucket: str, upload: str, staged: Any, data_dir: Path
) -> None:
    for params, code in [
        ({"UploadId": "nope"}, "NoSuchUpload"),
        ({"UploadId": upload, "PartNumber": 0}, "InvalidArgument"),
        ({"UploadId": upload, "PartNumber": 10001}, "InvalidArgument"),
        ({"UploadId": upload, "Key": "other-key"}, "NoSuchUpload"),
        ({"UploadId": upload, "ContentMD5": "AAAAAAAAAAAAAAAAAAAAAA=="}, "BadDigest"),
    ]:
        body = staged(b"data")
        request = {"Bucket": bucket, "Key": "big/file.bin", "PartNumber": 1, "Body": body, **params}
        with pytest.raises(S3Error) as err:
            s3.upload_part(ctx, request)
        assert err.value.code == code
        assert not body.path.exists()


def test_reuploading_a_part_replaces_it(
    s3: S3Service, ctx: RequestContext, bucket: str, upload: str, staged: Any, data_dir: Path
) -> None:
    _part(s3, ctx, bucket, upload, 1, b"first", staged)
    second = _part(s3, ctx, bucket, upload, 1, b"second", staged)
    parts = s3.list_parts(ctx, {"Bucket": bucket, "Key": "big/file.bin", "UploadId": upload})
    assert [(p["PartNumber"], p["ETag"]) for p in parts["Parts"]] == [(1, second)]
    assert len(list((data_dir / "staging" / "uploads" / upload).iterdir())) == 1


def test_upload_part_copy_with_range(
    s3: S3Service,
    ctx: RequestContext,
    bucket: str,
    upload: str,
    put: Any,
    staged: Any,
    read_body: Any,
    shaped: Any,
) -> None:
    source = os.urandom(6 * MIB)
    put("source.bin", source)
    out = shaped(
        "UploadPartCopy",
        s3.upload_part_copy(
            ctx,
            {
                "Bucket": bucket,
                "Key": "big/file.bin",
                "UploadId": upload,
                "PartNumber": 1,
                "CopySource": f"{bucket}/source.bin",
                "CopySourceRange": f"bytes=0-{5 * MIB - 1}",
            },
        ),
    )
    e1 = out["CopyPartResult"]["ETag"]
    assert e1 == f'"{hashlib.md5(source[: 5 * MIB]).hexdigest()}"'
    e2 = s3.upload_part_copy(
        ctx,
        {
            "Bucket": bucket,
            "Key": "big/file.bin",
            "UploadId": upload,
            "PartNumber": 2,
            "CopySource": f"{bucket}/source.bin",
            "CopySourceRange": f"bytes={5 * MIB}-{6 * MIB - 1}",
        },
    )["CopyPartResult"]["ETag"]
    s3.complete_multipart_upload(
        ctx,
        {
            "Bucket": bucket,
            "Key": "big/file.bin",
            "UploadId": upload,
            "MultipartUpload": {
                "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]
            },
        },
    )
    assert read_body(s3.get_object(ctx, {"Bucket": bucket, "Key": "big/file.bin"})) == source
    for bad in ["bytes=5-", "0-10", f"bytes={7 * MIB}-{8 * MIB}", f"bytes=0-{7 * MIB}"]:
        with pytest.raises(S3Error) as err:
            s3.upload_part_copy(
                ctx,
                {
                    "Bucket": bucket,
                    "Key": "other",
                    "UploadId": "x",
                    "PartNumber": 1,
                    "CopySource": f"{bucket}/source.bin",
                    "CopySourceRange": bad,
                },
            )
        assert err.value.code == "NoSuchUpload"  # the upload is checked first


def test_copy_range_validation(
    s3: S3Service, ctx: RequestContext, bucket: str, upload: str, put: Any
) -> None:
    put("source.bin", b"0123456789")
    for bad, code in [
        ("bytes=5-", "InvalidArgument"),
        ("0-10", "InvalidArgument"),
        ("bytes=20-30", "InvalidRequest"),
        ("bytes=0-10", "InvalidArgument"),
    ]:
        with pytest.raises(S3Error) as err:
            s3.upload_part_copy(
                ctx,
                {
                    "Bucket": bucket,
                    "Key": "big/file.bin",
                    "UploadId": upload,
                    "PartNumber": 1,
                    "CopySource": f"{bucket}/source.bin",
                    "CopySourceRange": bad,
                },
            )
        assert err.value.code == code


def test_abort_and_list_uploads(
    s3: S3Service, ctx: RequestContext, bucket: str, staged: Any, data_dir: Path, shaped: Any
) -> None:
    ids = {}
    for key in ["a/1", "a/2", "b", "c/deep/3"]:
        ids[key] = s3.create_multipart_upload(ctx, {"Bucket": bucket, "Key": key})["UploadId"]
    _part(s3, ctx, bucket, ids["b"], 1, b"x", staged, key="b")
    out = shaped("ListMultipartUploads", s3.list_multipart_uploads(ctx, {"Bucket": bucket}))
    assert [u["Key"] for u in out["Uploads"]] == ["a/1", "a/2", "b", "c/deep/3"]
    out = s3.list_multipart_uploads(ctx, {"Bucket": bucket, "Delimiter": "/"})
    assert [u["Key"] for u in out["Uploads"]] == ["b"]
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == ["a/", "c/"]
    page = s3.list_multipart_uploads(ctx, {"Bucket": bucket, "MaxUploads": 2})
    assert page["IsTruncated"] is True
    rest = s3.list_multipart_uploads(
        ctx,
        {
            "Bucket": bucket,
            "KeyMarker": page["NextKeyMarker"],
            "UploadIdMarker": page["NextUploadIdMarker"],
        },
    )
    assert [u["Key"] for u in rest["Uploads"]] == ["b", "c/deep/3"]
    out = s3.abort_multipart_upload(ctx, {"Bucket": bucket, "Key": "b", "UploadId": ids["b"]})
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert not (data_dir / "staging" / "uploads" / ids["b"]).exists()
    with pytest.raises(S3Error) as err:
        s3.abort_multipart_upload(ctx, {"Bucket": bucket, "Key": "b", "UploadId": ids["b"]})
    assert (err.value.code, err.value.status) == ("NoSuchUpload", 404)
    s3.delete_bucket(ctx, {"Bucket": bucket})  # in-progress uploads do not block it
    assert not (data_dir / "staging" / "uploads" / ids["a/1"]).exists()


def test_list_parts_pagination(
    s3: S3Service, ctx: RequestContext, bucket: str, upload: str, staged: Any
) -> None:
    for n in range(1, 6):
        _part(s3, ctx, bucket, upload, n, bytes([n]), staged)
    page = s3.list_parts(
        ctx, {"Bucket": bucket, "Key": "big/file.bin", "UploadId": upload, "MaxParts": 2}
    )
    assert ([p["PartNumber"] for p in page["Parts"]], page["IsTruncated"]) == ([1, 2], True)
    rest = s3.list_parts(
        ctx,
        {
            "Bucket": bucket,
            "Key": "big/file.bin",
            "UploadId": upload,
            "PartNumberMarker": page["NextPartNumberMarker"],
        },
    )
    assert [p["PartNumber"] for p in rest["Parts"]] == [3, 4, 5]
    assert rest["IsTruncated"] is False
