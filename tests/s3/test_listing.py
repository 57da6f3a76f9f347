"""ListObjects and ListObjectsV2: prefix, delimiter, pagination, markers, URL encoding."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

import pytest

from headwater.services.base import RequestContext
from headwater.services.s3 import S3Service
from headwater.services.s3.errors import S3Error

KEYS = [
    "a.txt",
    "dir/1.csv",
    "dir/2.csv",
    "dir/sub/3.csv",
    "dir/sub/4.csv",
    "dir2/x",
    "other/y",
    "z",
    "é-accent",
    "space key+plus",
]


@pytest.fixture
def filled(put: Any) -> list[str]:
    for key in KEYS:
        put(key, key.encode())
    return sorted(KEYS, key=lambda k: k.encode())


def _all_v2(
    s3: S3Service, ctx: RequestContext, bucket: str, **params: Any
) -> tuple[list[str], list[str], int]:
    keys: list[str] = []
    prefixes: list[str] = []
    pages = 0
    token: str | None = None
    while True:
        extra = {"ContinuationToken": token} if token else {}
        out = s3.list_objects_v2(ctx, {"Bucket": bucket, **params, **extra})
        pages += 1
        keys += [c["Key"] for c in out.get("Contents", [])]
        prefixes += [p["Prefix"] for p in out.get("CommonPrefixes", [])]
        assert out["KeyCount"] == len(out.get("Contents", [])) + len(out.get("CommonPrefixes", []))
        if not out["IsTruncated"]:
            assert "NextContinuationToken" not in out
            return keys, prefixes, pages
        token = out["NextContinuationToken"]


def test_full_listing_is_in_utf8_byte_order(
    s3: S3Service, ctx: RequestContext, bucket: str, filled: list[str], shaped: Any
) -> None:
    out = shaped("ListObjectsV2", s3.list_objects_v2(ctx, {"Bucket": bucket}))
    assert [c["Key"] for c in out["Contents"]] == filled
    assert out["KeyCount"] == len(filled)
    assert out["Contents"][0]["Size"] == len(filled[0])
    assert "Owner" not in out["Contents"][0]


def test_delimiter_and_prefix(
    s3: S3Service, ctx: RequestContext, bucket: str, filled: list[str]
) -> None:
    out = s3.list_objects_v2(ctx, {"Bucket": bucket, "Delimiter": "/"})
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == ["dir/", "dir2/", "other/"]
    assert [c["Key"] for c in out["Contents"]] == ["a.txt", "space key+plus", "z", "é-accent"]
    out = s3.list_objects_v2(ctx, {"Bucket": bucket, "Delimiter": "/", "Prefix": "dir/"})
    assert [c["Key"] for c in out["Contents"]] == ["dir/1.csv", "dir/2.csv"]
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == ["dir/sub/"]
    out = s3.list_objects_v2(ctx, {"Bucket": bucket, "Prefix": "dir"})
    assert len(out["Contents"]) == 5
    out = s3.list_objects_v2(ctx, {"Bucket": bucket, "Delimiter": ".csv", "Prefix": "dir/"})
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == [
        "dir/1.csv",
        "dir/2.csv",
        "dir/sub/3.csv",
        "dir/sub/4.csv",
    ]


@pytest.mark.parametrize("max_keys", [1, 2, 3, 7])
@pytest.mark.parametrize("delimiter", ["", "/"])
def test_pagination_returns_everything_once(
    s3: S3Service,
    ctx: RequestContext,
    bucket: str,
    filled: list[str],
    max_keys: int,
    delimiter: str,
) -> None:
    params: dict[str, Any] = {"MaxKeys": max_keys}
    if delimiter:
        params["Delimiter"] = delimiter
    whole = s3.list_objects_v2(ctx, {"Bucket": bucket, **params, "MaxKeys": 1000})
    keys, prefixes, pages = _all_v2(s3, ctx, bucket, **params)
    assert keys == [c["Key"] for c in whole["Contents"]]
    assert prefixes == [p["Prefix"] for p in whole.get("CommonPrefixes", [])]
    entries = len(keys) + len(prefixes)
    assert pages == max(1, -(-entries // max_keys))


def test_start_after_and_max_keys_zero(
    s3: S3Service, ctx: RequestContext, bucket: str, filled: list[str]
) -> None:
    out = s3.list_objects_v2(ctx, {"Bucket": bucket, "StartAfter": "dir/sub/3.csv"})
    assert [c["Key"] for c in out["Contents"]] == filled[filled.index("dir/sub/3.csv") + 1 :]
    assert out["StartAfter"] == "dir/sub/3.csv"
    out = s3.list_objects_v2(ctx, {"Bucket": bucket, "MaxKeys": 0})
    assert (out["KeyCount"], out["IsTruncated"]) == (0, True)


def test_bad_token_and_arguments(s3: S3Service, ctx: RequestContext, bucket: str) -> None:
    for params in [
        {"ContinuationToken": "garbage"},
        {"ContinuationToken": ""},
        {"MaxKeys": -1},
        {"EncodingType": "base64"},
    ]:
        with pytest.raises(S3Error) as err:
            s3.list_objects_v2(ctx, {"Bucket": bucket, **params})
        assert (err.value.code, err.value.status) == ("InvalidArgument", 400)
    with pytest.raises(S3Error) as err:
        s3.list_objects_v2(ctx, {"Bucket": "missing-bucket"})
    assert err.value.code == "NoSuchBucket"


def test_encoding_type_url(
    s3: S3Service, ctx: RequestContext, bucket: str, filled: list[str]
) -> None:
    out = s3.list_objects_v2(ctx, {"Bucket": bucket, "EncodingType": "url"})
    assert out["EncodingType"] == "url"
    encoded = [c["Key"] for c in out["Contents"]]
    assert "space+key%2Bplus" in encoded
    assert "%C3%A9-accent" in encoded
    assert [unquote_plus(k) for k in encoded] == filled
    v1 = s3.list_objects(
        ctx,
        {
            "Bucket": bucket,
            "EncodingType": "url",
            "Delimiter": "/",
            "Prefix": "dir/sub/",
            "Marker": "dir/sub/3.csv",
        },
    )
    assert [c["Key"] for c in v1["Contents"]] == ["dir/sub/4.csv"]


def test_list_objects_v1_markers(
    s3: S3Service, ctx: RequestContext, bucket: str, filled: list[str], shaped: Any
) -> None:
    seen_keys: list[str] = []
    seen_prefixes: list[str] = []
    marker = ""
    while True:
        out = shaped(
            "ListObjects",
            s3.list_objects(
                ctx, {"Bucket": bucket, "Delimiter": "/", "MaxKeys": 2, "Marker": marker}
            ),
        )
        seen_keys += [c["Key"] for c in out.get("Contents", [])]
        seen_prefixes += [p["Prefix"] for p in out.get("CommonPrefixes", [])]
        assert "Owner" in out.get("Contents", [{"Owner": 1}])[0]
        if not out["IsTruncated"]:
            break
        marker = out["NextMarker"]  # may be a common prefix: it must not come back
    assert seen_prefixes == ["dir/", "dir2/", "other/"]
    assert seen_keys == ["a.txt", "space key+plus", "z", "é-accent"]
    out = s3.list_objects(ctx, {"Bucket": bucket, "MaxKeys": 3})
    assert out["IsTruncated"] is True
    assert "NextMarker" not in out  # only with a delimiter


def test_many_keys_under_one_prefix_roll_up(
    s3: S3Service, ctx: RequestContext, bucket: str, put: Any
) -> None:
    for i in range(30):
        put(f"logs/2026/{i:03d}.json", b"{}")
    put("logs/zz", b"")
    out = s3.list_objects_v2(
        ctx, {"Bucket": bucket, "Delimiter": "/", "Prefix": "logs/", "MaxKeys": 1}
    )
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == ["logs/2026/"]
    nxt = s3.list_objects_v2(
        ctx,
        {
            "Bucket": bucket,
            "Delimiter": "/",
            "Prefix": "logs/",
            "ContinuationToken": out["NextContinuationToken"],
        },
    )
    assert [c["Key"] for c in nxt["Contents"]] == ["logs/zz"]
    assert "CommonPrefixes" not in nxt
