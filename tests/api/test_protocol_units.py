"""Protocol pieces in isolation: routing, Query forms, XML bodies, aws-chunked, hosts."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import pytest

from headwater.api.body import ChunkedDecoder
from headwater.api.identify import credential_scope, virtual_host_bucket
from headwater.api.models import catalog
from headwater.api.protocols import query, rest, xml_
from headwater.api.protocols._scalars import ShapeTypeError, format_timestamp, parse_timestamp
from headwater.api.validate import format_validation_message, validation_errors


@pytest.mark.parametrize(
    ("method", "path", "qs", "headers", "expected"),
    [
        ("GET", "/b", {"list-type": ["2"]}, {}, "ListObjectsV2"),
        ("GET", "/b", {}, {}, "ListObjects"),
        ("GET", "/b/", {}, {}, "ListObjects"),
        ("GET", "/b/k/x.csv", {}, {}, "GetObject"),
        ("PUT", "/b/k", {}, {}, "PutObject"),
        ("PUT", "/b/k", {}, {"x-amz-copy-source": "a/b"}, "CopyObject"),
        ("PUT", "/b/k", {"partNumber": ["1"], "uploadId": ["u"]}, {}, "UploadPart"),
        (
            "PUT",
            "/b/k",
            {"partNumber": ["1"], "uploadId": ["u"]},
            {"x-amz-copy-source": "a/b"},
            "UploadPartCopy",
        ),
        ("POST", "/b/k", {"uploads": [""]}, {}, "CreateMultipartUpload"),
        ("POST", "/b/k", {"uploadId": ["u"]}, {}, "CompleteMultipartUpload"),
        ("DELETE", "/b/k", {"uploadId": ["u"]}, {}, "AbortMultipartUpload"),
        ("HEAD", "/b/k", {}, {}, "HeadObject"),
        ("HEAD", "/b", {}, {}, "HeadBucket"),
        ("GET", "/", {}, {}, "ListBuckets"),
        ("PUT", "/b", {}, {}, "CreateBucket"),
        ("PUT", "/b", {"notification": [""]}, {}, "PutBucketNotificationConfiguration"),
        ("GET", "/b/k", {"tagging": [""]}, {}, "GetObjectTagging"),
        ("POST", "/b", {"delete": [""]}, {}, "DeleteObjects"),
    ],
)
def test_s3_routes_pick_the_most_specific_operation(
    method: str, path: str, qs: dict[str, list[str]], headers: dict[str, str], expected: str
) -> None:
    found = catalog().route("s3", method, path, qs, headers)
    assert found is not None
    assert found[0].name == expected


def test_greedy_key_keeps_slashes_and_encoded_characters() -> None:
    found = catalog().route("s3", "GET", "/b/raw/a%2Bb%20c.csv", {}, {})
    assert found is not None
    op, uri = found
    params = rest.parse_request(op, "rest-xml", uri, {}, {}, b"")
    assert params == {"Bucket": "b", "Key": "raw/a+b c.csv"}


def test_rest_json_route_with_uri_parameter() -> None:
    found = catalog().route("lambda", "POST", "/2015-03-31/functions/my-fn/invocations", {}, {})
    assert found is not None
    assert found[0].name == "Invoke"
    assert found[1] == {"FunctionName": "my-fn"}


def test_query_form_with_nested_lists_and_maps() -> None:
    model = catalog().model("sns")
    shape = model.operation_model("Publish").input_shape
    form = {
        "Action": "Publish",
        "TopicArn": "arn:aws:sns:us-east-1:0:t",
        "Message": "hi",
        "MessageAttributes.entry.1.Name": "color",
        "MessageAttributes.entry.1.Value.DataType": "String",
        "MessageAttributes.entry.1.Value.StringValue": "red",
    }
    params = query.parse_form(shape, form)
    assert params["MessageAttributes"] == {"color": {"DataType": "String", "StringValue": "red"}}
    iam = catalog().model("iam").operation_model("CreateRole").input_shape
    params = query.parse_form(
        iam,
        {
            "RoleName": "r",
            "AssumeRolePolicyDocument": "{}",
            "Tags.member.1.Key": "a",
            "Tags.member.1.Value": "1",
            "Tags.member.2.Key": "b",
            "Tags.member.2.Value": "2",
            "MaxSessionDuration": "7200",
        },
    )
    assert params["Tags"] == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    assert params["MaxSessionDuration"] == 7200


def test_query_wrong_type_names_the_member() -> None:
    shape = catalog().model("iam").operation_model("ListRoles").input_shape
    with pytest.raises(ShapeTypeError, match="MaxItems"):
        query.parse_form(shape, {"MaxItems": "many"})


def test_xml_body_with_flattened_list() -> None:
    op = catalog().model("s3").operation_model("DeleteObjects")
    body = (
        b'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a</Key>'
        b"</Object><Object><Key>b/c</Key><VersionId>v1</VersionId></Object>"
        b"<Quiet>true</Quiet></Delete>"
    )
    params = rest.parse_request(op, "rest-xml", {"Bucket": "bk"}, {"delete": [""]}, {}, body)
    assert params == {
        "Bucket": "bk",
        "Delete": {"Objects": [{"Key": "a"}, {"Key": "b/c", "VersionId": "v1"}], "Quiet": True},
    }


def test_xml_output_has_root_namespace_and_flattened_members() -> None:
    op = catalog().model("s3").operation_model("ListObjectsV2")
    resp = rest.serialize_response(
        op,
        "rest-xml",
        {
            "Name": "bk",
            "KeyCount": 1,
            "IsTruncated": False,
            "MaxKeys": 1000,
            "Contents": [
                {
                    "Key": "a.csv",
                    "Size": 3,
                    "ETag": '"x"',
                    "LastModified": datetime(2026, 1, 1, tzinfo=UTC),
                }
            ],
            "CommonPrefixes": [{"Prefix": "raw/"}],
        },
        namespace=rest.S3_NAMESPACE,
    )
    root = ET.fromstring(resp.body)
    assert root.tag == "{http://s3.amazonaws.com/doc/2006-03-01/}ListBucketResult"
    ns = {"s": "http://s3.amazonaws.com/doc/2006-03-01/"}
    assert root.find("s:Contents/s:LastModified", ns).text == "2026-01-01T00:00:00.000Z"
    assert root.find("s:CommonPrefixes/s:Prefix", ns).text == "raw/"
    assert root.find("s:IsTruncated", ns).text == "false"


def test_rest_output_headers_and_metadata_prefix() -> None:
    op = catalog().model("s3").operation_model("HeadObject")
    resp = rest.serialize_response(
        op,
        "rest-xml",
        {
            "ContentLength": 5,
            "ETag": '"e"',
            "Metadata": {"Owner": "me"},
            "LastModified": datetime(2026, 1, 1, tzinfo=UTC),
        },
    )
    headers = dict(resp.headers)
    assert headers["content-length"] == "5"
    assert headers["x-amz-meta-owner"] == "me"
    assert headers["last-modified"] == "Thu, 01 Jan 2026 00:00:00 GMT"


@pytest.mark.parametrize("split", [1, 2, 5, 13, 1000])
def test_aws_chunked_decoding_with_trailer(split: int) -> None:
    raw = (
        b"6;chunk-signature=abc\r\nhello \r\n5\r\nworld\r\n0\r\n"
        b"x-amz-checksum-crc32:AAAAAA==\r\n\r\n"
    )
    dec = ChunkedDecoder()
    out = b"".join(dec.feed(raw[i : i + split]) for i in range(0, len(raw), split))
    assert out == b"hello world"
    assert dec.trailers == {"x-amz-checksum-crc32": "AAAAAA=="}


def test_credential_scope_gives_region_and_service() -> None:
    ident = credential_scope(
        "AWS4-HMAC-SHA256 Credential=AKID/20261202/us-east-2/glue/"
        "aws4_request, SignedHeaders=host, Signature=0",
        None,
    )
    assert (ident.access_key, ident.region, ident.signing_name) == ("AKID", "us-east-2", "glue")
    presigned = credential_scope("", "AKID/20261202/eu-west-1/s3/aws4_request")
    assert (presigned.region, presigned.signing_name) == ("eu-west-1", "s3")


@pytest.mark.parametrize(
    ("host", "bucket"),
    [
        ("localhost:4566", None),
        ("127.0.0.1:4566", None),
        ("my-bucket.localhost:4566", "my-bucket"),
        ("my.dotted.bucket.s3.localhost", "my.dotted.bucket"),
        ("s3.localhost:4566", None),
        ("lake.s3.us-east-2.amazonaws.com", "lake"),
        ("[::1]:4566", None),
    ],
)
def test_virtual_host_bucket(host: str, bucket: str | None) -> None:
    assert virtual_host_bucket(host) == bucket


def test_validation_messages_use_lower_camel_paths() -> None:
    shape = catalog().model("glue").operation_model("CreateTrigger").input_shape
    errors = validation_errors(shape, {"Name": "t", "Type": "WEEKLY", "Actions": [{"JobName": ""}]})
    assert format_validation_message(errors) == (
        "2 validation errors detected: Value 'WEEKLY' at 'type' failed to satisfy constraint: "
        "Member must satisfy enum value set: [SCHEDULED, CONDITIONAL, ON_DEMAND, EVENT]; "
        "Value '' at 'actions.1.member.jobName' failed to satisfy constraint: Member must "
        "have length greater than or equal to 1"
    )


def test_timestamps_in_each_format() -> None:
    ts = datetime(2026, 12, 2, 7, 30, 15, 250000, tzinfo=UTC)
    assert format_timestamp(ts, "iso8601") == "2026-12-02T07:30:15.250Z"
    assert format_timestamp(ts, "unixTimestamp") == 1796196615.25
    assert format_timestamp(ts, "rfc822") == "Wed, 02 Dec 2026 07:30:15 GMT"
    for text in ("2026-12-02T07:30:15.25Z", "1796196615.25", "Wed, 02 Dec 2026 07:30:15 GMT"):
        assert parse_timestamp(text, "t").replace(microsecond=0) == ts.replace(microsecond=0)


def test_xml_scalars() -> None:
    shape = catalog().model("s3").operation_model("ListObjectsV2").input_shape
    assert xml_.parse_text(shape.members["MaxKeys"], "7", "MaxKeys") == 7
