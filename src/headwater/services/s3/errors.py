"""S3's errors, with AWS's codes, HTTP statuses, messages and extra XML fields.

S3Error (ServiceError)                 every error the S3 service raises
 ├── 304 NotModified                   a GET/HEAD condition says the client's copy is current
 ├── 400 InvalidArgument, InvalidBucketName, KeyTooLongError, InvalidDigest, BadDigest,
 │       InvalidPart, InvalidPartOrder, EntityTooSmall, InvalidRequest, InvalidTag,
 │       MalformedXML, InvalidLocationConstraint, IllegalLocationConstraintException,
 │       InvalidStorageClass
 ├── 404 NoSuchBucket, NoSuchKey, NoSuchUpload, NoSuchTagSet
 ├── 409 BucketAlreadyExists, BucketAlreadyOwnedByYou, BucketNotEmpty
 ├── 412 PreconditionFailed
 ├── 416 InvalidRange, InvalidPartNumber
 ├── 501 NotImplemented                a header value S3 does not implement for the API
 └── 500 InternalError                 the lake failed underneath (disk full, tampering)

The functions below build them, so each message and field set is written once.
"""

from __future__ import annotations

from typing import Any

from headwater.services.errors import ServiceError

__all__ = [
    "S3Error",
    "bad_digest",
    "bucket_already_exists",
    "bucket_already_owned",
    "bucket_not_empty",
    "entity_too_small",
    "internal_error",
    "invalid_argument",
    "invalid_bucket_name",
    "invalid_digest",
    "invalid_part",
    "invalid_part_order",
    "invalid_range",
    "invalid_request",
    "invalid_tag",
    "key_too_long",
    "malformed_xml",
    "no_such_bucket",
    "no_such_key",
    "no_such_tag_set",
    "no_such_upload",
    "not_implemented",
    "not_modified",
    "precondition_failed",
]


class S3Error(ServiceError):
    """An S3 error: an AWS S3 error code, its status and its extra fields."""


def no_such_bucket(bucket: str) -> S3Error:
    """The bucket does not exist."""
    return S3Error(
        "NoSuchBucket",
        "The specified bucket does not exist",
        status=404,
        fields={"BucketName": bucket},
    )


def no_such_key(key: str) -> S3Error:
    """The object does not exist."""
    return S3Error(
        "NoSuchKey", "The specified key does not exist.", status=404, fields={"Key": key}
    )


def no_such_upload(upload_id: str) -> S3Error:
    """The multipart upload does not exist (never did, completed or aborted)."""
    return S3Error(
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be "
        "invalid, or the upload may have been aborted or completed.",
        status=404,
        fields={"UploadId": upload_id},
    )


def no_such_tag_set(bucket: str) -> S3Error:
    """The bucket has no tags."""
    return S3Error(
        "NoSuchTagSet", "The TagSet does not exist", status=404, fields={"BucketName": bucket}
    )


def bucket_already_owned(bucket: str) -> S3Error:
    """The caller already owns a bucket of that name (outside us-east-1)."""
    return S3Error(
        "BucketAlreadyOwnedByYou",
        "Your previous request to create the named bucket succeeded and you already own it.",
        status=409,
        fields={"BucketName": bucket},
    )


def bucket_already_exists(bucket: str) -> S3Error:
    """Another account owns a bucket of that name."""
    return S3Error(
        "BucketAlreadyExists",
        "The requested bucket name is not available. The "
        "bucket namespace is shared by all users of the system. Please select a "
        "different name and try again.",
        status=409,
        fields={"BucketName": bucket},
    )


def bucket_not_empty(bucket: str) -> S3Error:
    """The bucket still holds objects."""
    return S3Error(
        "BucketNotEmpty",
        "The bucket you tried to delete is not empty",
        status=409,
        fields={"BucketName": bucket},
    )


def invalid_bucket_name(bucket: str) -> S3Error:
    """The name breaks S3's bucket naming rules."""
    return S3Error(
        "InvalidBucketName",
        "The specified bucket is not valid.",
        status=400,
        fields={"BucketName": bucket},
    )


def key_too_long(size: int) -> S3Error:
    """The key is longer than 1024 bytes of UTF-8."""
    return S3Error(
        "KeyTooLongError",
        "Your key is too long",
        status=400,
        fields={"MaxSizeAllowed": "1024", "Size": str(size)},
    )


def invalid_argument(message: str, name: str | None = None, value: Any = None) -> S3Error:
    """A request parameter has a value S3 does not accept."""
    fields: dict[str, Any] = {}
    if name is not None:
        fields["ArgumentName"] = name
        fields["ArgumentValue"] = "" if value is None else str(value)
    return S3Error("InvalidArgument", message, status=400, fields=fields)


def invalid_request(message: str) -> S3Error:
    """The request as a whole is not allowed."""
    return S3Error("InvalidRequest", message, status=400)


def malformed_xml() -> S3Error:
    """The XML body does not fit S3's schema."""
    return S3Error(
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
        status=400,
    )


def invalid_digest(content_md5: str) -> S3Error:
    """Content-MD5 is not the base64 of 16 bytes."""
    return S3Error(
        "InvalidDigest",
        "The Content-MD5 you specified was invalid.",
        status=400,
        fields={"Content-MD5": content_md5},
    )


def bad_digest(expected: str, calculated: str, algorithm: str = "Content-MD5") -> S3Error:
    """The body's digest is not the one the client announced."""
    if algorithm == "Content-MD5":
        message = "The Content-MD5 you specified did not match what we received."
    else:
        message = f"The {algorithm} you specified did not match the calculated checksum."
    return S3Error(
        "BadDigest",
        message,
        status=400,
        fields={"ExpectedDigest": expected, "CalculatedDigest": calculated},
    )


def invalid_range(size: int, requested: str) -> S3Error:
    """The range starts past the end of the object."""
    return S3Error(
        "InvalidRange",
        "The requested range is not satisfiable",
        status=416,
        fields={"ActualObjectSize": str(size), "RangeRequested": requested},
    )


def precondition_failed(condition: str) -> S3Error:
    """An If-* header of the request does not hold."""
    return S3Error(
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
        status=412,
        fields={"Condition": condition},
    )


def not_modified(etag: str, last_modified: str) -> S3Error:
    """304: the client's copy is current (no body; ETag and Last-Modified headers)."""
    return S3Error(
        "NotModified",
        "Not Modified",
        status=304,
        headers={"ETag": etag, "Last-Modified": last_modified},
    )


def invalid_part(upload_id: str, part_number: int, etag: str) -> S3Error:
    """A part named in CompleteMultipartUpload is missing or has another ETag."""
    return S3Error(
        "InvalidPart",
        "One or more of the specified parts could not be found.  "
        "The part may not have been uploaded, or the specified entity tag may not "
        "match the part's entity tag.",
        status=400,
        fields={"UploadId": upload_id, "PartNumber": str(part_number), "ETag": etag},
    )


def invalid_part_order(upload_id: str) -> S3Error:
    """The parts of CompleteMultipartUpload are not in ascending order."""
    return S3Error(
        "InvalidPartOrder",
        "The list of parts was not in ascending order. Parts must be ordered by part number.",
        status=400,
        fields={"UploadId": upload_id},
    )


def entity_too_small(part_number: int, size: int, etag: str) -> S3Error:
    """A part other than the last is below 5 MiB."""
    return S3Error(
        "EntityTooSmall",
        "Your proposed upload is smaller than the minimum allowed size",
        status=400,
        fields={
            "ProposedSize": str(size),
            "MinSizeAllowed": "5242880",
            "PartNumber": str(part_number),
            "ETag": etag,
        },
    )


def invalid_tag(message: str, key: str | None = None) -> S3Error:
    """A tag set breaks S3's tag rules."""
    fields = {"TagKey": key} if key is not None else {}
    return S3Error("InvalidTag", message, status=400, fields=fields)


def internal_error(message: str) -> S3Error:
    """Headwater could not carry the request out (the lake failed underneath)."""
    return S3Error("InternalError", message, status=500, sender_fault=False)


def not_implemented(header: str) -> S3Error:
    """A header value S3 does not implement for this API."""
    return S3Error(
        "NotImplemented",
        "A header you provided implies functionality that is not implemented",
        status=501,
        fields={"Header": header},
    )
