"""S3's closed sets and request-value rules: names, keys, digests, ranges, conditions, tags."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from email.utils import format_datetime
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qs, quote_plus, unquote, urlsplit

from headwater.services.s3 import errors

__all__ = [
    "CHECKSUM_ALGORITHMS",
    "MAX_KEY_BYTES",
    "MIN_PART_SIZE",
    "STORAGE_CLASSES",
    "SYSTEM_FIELDS",
    "Directive",
    "EventName",
    "EventType",
    "VersioningStatus",
    "check_copy_conditions",
    "check_key",
    "check_read_conditions",
    "check_write_conditions",
    "checksums_from",
    "encode_if",
    "etag_matches",
    "http_date",
    "md5_hex_of_content_md5",
    "parse_copy_range",
    "parse_copy_source",
    "parse_range",
    "parse_tagging_header",
    "quote_etag",
    "system_from",
    "tag_set",
    "tags_from_tag_set",
    "to_datetime",
    "validate_bucket_name",
]

MAX_KEY_BYTES = 1024
MIN_PART_SIZE = 5 * 1024 * 1024


class EventType(StrEnum):
    """The family of an object change record."""

    OBJECT_CREATED = "ObjectCreated"
    OBJECT_REMOVED = "ObjectRemoved"


class EventName(StrEnum):
    """The API operation that made an object change (CloudTrail's eventName)."""

    PUT_OBJECT = "PutObject"
    COPY_OBJECT = "CopyObject"
    COMPLETE_MULTIPART_UPLOAD = "CompleteMultipartUpload"
    DELETE_OBJECT = "DeleteObject"
    DELETE_OBJECTS = "DeleteObjects"


class Directive(StrEnum):
    """CopyObject's metadata and tagging directives."""

    COPY = "COPY"
    REPLACE = "REPLACE"


class VersioningStatus(StrEnum):
    """A bucket's versioning state once it has been set."""

    ENABLED = "Enabled"
    SUSPENDED = "Suspended"


STORAGE_CLASSES = frozenset(
    {
        "STANDARD",
        "REDUCED_REDUNDANCY",
        "STANDARD_IA",
        "ONEZONE_IA",
        "INTELLIGENT_TIERING",
        "GLACIER",
        "DEEP_ARCHIVE",
        "GLACIER_IR",
        "SNOW",
        "EXPRESS_ONEZONE",
        "FSX_OPENZFS",
    }
)
# system metadata an object keeps from PutObject / CreateMultipartUpload / CopyObject REPLACE
SYSTEM_FIELDS = (
    "CacheControl",
    "ContentDisposition",
    "ContentEncoding",
    "ContentLanguage",
    "Expires",
    "WebsiteRedirectLocation",
    "ServerSideEncryption",
    "SSEKMSKeyId",
    "BucketKeyEnabled",
)
CHECKSUM_ALGORITHMS = (
    "CRC32",
    "CRC32C",
    "CRC64NVME",
    "SHA1",
    "SHA256",
    "SHA512",
    "MD5",
    "XXHASH64",
    "XXHASH3",
    "XXHASH128",
)

_BUCKET_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*")
_IP_RE = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
_BAD_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BAD_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_TAG_CHARS = re.compile(r"[\w\s.:/=+\-@]*")


def validate_bucket_name(name: str) -> None:
    """Raise InvalidBucketName unless ``name`` follows S3's general-purpose bucket rules."""
    ok = (
        3 <= len(name) <= 63
        and _BUCKET_RE.fullmatch(name) is not None
        and _IP_RE.fullmatch(name) is None
        and not name.startswith(_BAD_PREFIXES)
        and not name.endswith(_BAD_SUFFIXES)
    )
    if not ok:
        raise errors.invalid_bucket_name(name)


def check_key(key: Any) -> str:
    """Return ``key`` if S3 accepts it as an object key (1 to 1024 bytes of UTF-8)."""
    if not isinstance(key, str) or key == "":
        raise errors.invalid_argument("A key must be a non-empty string", "Key", key)
    size = len(key.encode("utf-8", "surrogatepass"))
    if size > MAX_KEY_BYTES:
        raise errors.key_too_long(size)
    return key


def quote_etag(etag: str) -> str:
    """Return an ETag as S3 sends it: in double quotes."""
    return f'"{etag}"'


def to_datetime(epoch: float) -> datetime:
    """Return an aware UTC datetime for epoch seconds."""
    return datetime.fromtimestamp(epoch, tz=UTC)


def http_date(epoch: float) -> str:
    """Return an RFC 7231 date (``Last-Modified``) for epoch seconds."""
    return format_datetime(to_datetime(int(epoch)), usegmt=True)


def md5_hex_of_content_md5(value: str) -> str:
    """Return the hex MD5 a Content-MD5 header announces; InvalidDigest if it is not one."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise errors.invalid_digest(value) from None
    if len(raw) != 16:
        raise errors.invalid_digest(value)
    return raw.hex()


def checksums_from(params: dict[str, Any], staged: dict[str, str] | None = None) -> dict[str, str]:
    """Collect the ``x-amz-checksum-*`` values of a request, by algorithm name.

    The API layer passes trailer checksums (aws-chunked uploads) in the staged file, keyed by
    header name; explicit members (``ChecksumCRC32``) win. The values are kept and returned as
    given: Headwater does not recompute CRCs.
    """
    found: dict[str, str] = {}
    for name, value in (staged or {}).items():
        algo = name.lower().removeprefix("x-amz-checksum-").upper()
        if algo in CHECKSUM_ALGORITHMS and value:
            found[algo] = value
    for algo in CHECKSUM_ALGORITHMS:
        member = params.get(f"Checksum{algo}")
        if member:
            found[algo] = str(member)
    return found


def system_from(params: dict[str, Any]) -> dict[str, Any]:
    """Return the system metadata members of a request, JSON-ready (Expires as epoch)."""
    system: dict[str, Any] = {}
    for name in SYSTEM_FIELDS:
        value = params.get(name)
        if value is None or value == "":
            continue
        system[name] = value.timestamp() if isinstance(value, datetime) else value
    return system


def etag_matches(header: str, etag: str) -> bool:
    """Tell whether an If-Match / If-None-Match list names ``etag`` (``*`` names any)."""
    for item in header.split(","):
        candidate = item.strip()
        if candidate == "*":
            return True
        candidate = candidate.removeprefix("W/").strip('"')
        if candidate == etag:
            return True
    return False


def _seconds(value: datetime) -> float:
    return float(int(value.timestamp()))


def check_read_conditions(
    params: dict[str, Any], etag: str, last_modified: float, now: float
) -> None:
    """Apply GetObject/HeadObject's If-* members (RFC 7232 order); 412 or 304 if they fail."""
    modified = float(int(last_modified))
    if_match = params.get("IfMatch")
    if if_match is not None:
        if not etag_matches(if_match, etag):
            raise errors.precondition_failed("If-Match")
    elif (ius := params.get("IfUnmodifiedSince")) is not None and modified > _seconds(ius):
        raise errors.precondition_failed("If-Unmodified-Since")
    if_none_match = params.get("IfNoneMatch")
    if if_none_match is not None:
        if etag_matches(if_none_match, etag):
            raise errors.not_modified(quote_etag(etag), http_date(last_modified))
    elif (ims := params.get("IfModifiedSince")) is not None:
        since = _seconds(ims)
        if modified <= since and since <= now:
            raise errors.not_modified(quote_etag(etag), http_date(last_modified))


def check_copy_conditions(
    params: dict[str, Any], etag: str, last_modified: float, now: float
) -> None:
    """Apply CopyObject/UploadPartCopy's x-amz-copy-source-if-* members; 412 if one fails."""
    modified = float(int(last_modified))
    if_match = params.get("CopySourceIfMatch")
    if if_match is not None and not etag_matches(if_match, etag):
        raise errors.precondition_failed("x-amz-copy-source-If-Match")
    ius = params.get("CopySourceIfUnmodifiedSince")
    if if_match is None and ius is not None and modified > _seconds(ius):
        raise errors.precondition_failed("x-amz-copy-source-If-Unmodified-Since")
    if_none_match = params.get("CopySourceIfNoneMatch")
    if if_none_match is not None and etag_matches(if_none_match, etag):
        raise errors.precondition_failed("x-amz-copy-source-If-None-Match")
    ims = params.get("CopySourceIfModifiedSince")
    if if_none_match is None and ims is not None:
        since = _seconds(ims)
        if modified <= since <= now:
            raise errors.precondition_failed("x-amz-copy-source-If-Modified-Since")


def check_write_conditions(params: dict[str, Any], key: str, current_etag: str | None) -> None:
    """Apply conditional writes (If-None-Match ``*``, If-Match) against the current object."""
    if_none_match = params.get("IfNoneMatch")
    if_match = params.get("IfMatch")
    if if_none_match is not None:
        if if_none_match.strip() != "*":
            raise errors.not_implemented("If-None-Match")
        if current_etag is not None:
            raise errors.precondition_failed("If-None-Match")
    if if_match is not None:
        if current_etag is None:
            raise errors.no_such_key(key)
        if not etag_matches(if_match, current_etag):
            raise errors.precondition_failed("If-Match")


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """Return the inclusive byte range a Range header asks for, or None to send it all.

    A header S3 cannot parse (or several ranges) is ignored, as S3 does; a range that starts
    past the end, or a zero-length suffix, is InvalidRange.
    """
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec or "-" not in spec:
        return None
    first_s, _, last_s = spec.strip().partition("-")
    try:
        first = int(first_s) if first_s.strip() else None
        last = int(last_s) if last_s.strip() else None
    except ValueError:
        return None
    if first is None and last is None:
        return None
    if (first is None and last == 0) or (first is not None and first >= size):
        raise errors.invalid_range(size, header)
    if first is None:
        assert last is not None
        return max(0, size - last), size - 1
    end = size - 1 if last is None else min(last, size - 1)
    if first > end:
        return None
    return first, end


def parse_copy_range(header: str, size: int) -> tuple[int, int]:
    """Return the inclusive range of UploadPartCopy's CopySourceRange (strict: bytes=a-b)."""
    message = (
        "The x-amz-copy-source-range value must be of the form bytes=first-last where "
        "first and last are the zero-based offsets of the first and last bytes to copy"
    )
    m = re.fullmatch(r"bytes=(\d+)-(\d+)", header.strip())
    if m is None:
        raise errors.invalid_argument(message, "x-amz-copy-source-range", header)
    first, last = int(m.group(1)), int(m.group(2))
    if first > last:
        raise errors.invalid_argument(message, "x-amz-copy-source-range", header)
    if first >= size:
        raise errors.invalid_request(
            "The specified copy range is invalid for the source object size"
        )
    if last >= size:
        raise errors.invalid_argument(
            f"Range specified is not valid for source object of size: {size}",
            "x-amz-copy-source-range",
            header,
        )
    return first, last


def parse_copy_source(value: str) -> tuple[str, str, str | None]:
    """Split ``x-amz-copy-source`` (``bucket/key[?versionId=...]``, URL-encoded)."""
    parts = urlsplit(value)
    path = unquote(parts.path.replace("+", " ")).lstrip("/")
    bucket, sep, key = path.partition("/")
    if not sep or not bucket or not key:
        raise errors.invalid_argument("Invalid copy source object key", "x-amz-copy-source", value)
    version = parse_qs(parts.query).get("versionId", [None])[0]
    return bucket, key, version


def _check_tag(key: str, value: str, kind: str) -> None:
    if key.startswith("aws:"):
        raise errors.invalid_tag(
            "System tags cannot be added/updated by requester"
            if kind == "bucket"
            else "Your TagKey cannot be prefixed with aws:",
            key,
        )
    if not 1 <= len(key) <= 128 or not _TAG_CHARS.fullmatch(key):
        raise errors.invalid_tag("The TagKey you have provided is invalid", key)
    if len(value) > 256 or not _TAG_CHARS.fullmatch(value):
        raise errors.invalid_tag("The TagValue you have provided is invalid", key)


def tags_from_tag_set(tagging: Any, kind: str) -> dict[str, str]:
    """Validate a ``Tagging`` member ({TagSet: [{Key, Value}]}) and return it as a dict."""
    if not isinstance(tagging, dict) or not isinstance(tagging.get("TagSet"), list):
        raise errors.malformed_xml()
    limit = 50 if kind == "bucket" else 10
    tags: dict[str, str] = {}
    for tag in tagging["TagSet"]:
        if not isinstance(tag, dict) or "Key" not in tag or "Value" not in tag:
            raise errors.malformed_xml()
        key, value = str(tag["Key"]), str(tag["Value"])
        if key in tags:
            raise errors.invalid_tag("Cannot provide multiple Tags with the same key", key)
        _check_tag(key, value, kind)
        tags[key] = value
    if len(tags) > limit:
        raise errors.invalid_tag(
            f"Object tags cannot be greater than {limit}"
            if kind == "object"
            else f"Bucket tag count cannot be greater than {limit}"
        )
    return tags


def parse_tagging_header(value: str) -> dict[str, str]:
    """Parse ``x-amz-tagging`` (a URL query string ``k1=v1&k2=v2``) into tags."""
    message = (
        "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query "
        "parameters without tag name duplicates."
    )
    try:
        parsed = parse_qs(value, keep_blank_values=True, strict_parsing=bool(value))
    except ValueError:
        raise errors.invalid_argument(message, "x-amz-tagging", value) from None
    tags: dict[str, str] = {}
    for key, values in parsed.items():
        if len(values) != 1:
            raise errors.invalid_argument(message, "x-amz-tagging", value)
        _check_tag(key, values[0], "object")
        tags[key] = values[0]
    if len(tags) > 10:
        raise errors.invalid_tag("Object tags cannot be greater than 10")
    return tags


def tag_set(tags: dict[str, str]) -> list[dict[str, str]]:
    """Return tags as S3's TagSet list."""
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def encode_if(value: str, encoding: str | None) -> str:
    """URL-encode a key-like value when the request asked for ``EncodingType=url``."""
    return quote_plus(value, safe="/") if encoding == "url" else value
