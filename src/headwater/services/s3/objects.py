"""Object operations: PutObject, GetObject, HeadObject, DeleteObject(s), CopyObject."""

from __future__ import annotations

import base64
from typing import IO, Any

import sqlalchemy as sa

from headwater.lake import Blob, LakeError
from headwater.services.base import OpenFile, RequestContext, StagedFile
from headwater.services.s3 import errors
from headwater.services.s3._core import S3Core
from headwater.services.s3._values import (
    STORAGE_CLASSES,
    Directive,
    EventName,
    check_copy_conditions,
    check_key,
    check_read_conditions,
    check_write_conditions,
    checksums_from,
    md5_hex_of_content_md5,
    parse_copy_source,
    parse_range,
    parse_tagging_header,
    quote_etag,
    system_from,
    to_datetime,
)
from headwater.store import s3 as port
from headwater.store.s3 import ObjectRecord

__all__ = ["ObjectOperations"]

_OVERRIDES = {
    "ResponseCacheControl": "CacheControl",
    "ResponseContentDisposition": "ContentDisposition",
    "ResponseContentEncoding": "ContentEncoding",
    "ResponseContentLanguage": "ContentLanguage",
    "ResponseContentType": "ContentType",
    "ResponseExpires": "Expires",
}
_MAX_DELETE = 1000


def _storage_class(params: dict[str, Any]) -> str:
    value = params.get("StorageClass") or "STANDARD"
    if value not in STORAGE_CLASSES:
        raise errors.S3Error(
            "InvalidStorageClass",
            "The storage class you specified is not valid",
            status=400,
            fields={"StorageClassRequested": value},
        )
    return str(value)


def _user_metadata(params: dict[str, Any]) -> dict[str, str]:
    # S3 user metadata travels as HTTP headers, whose names are case-insensitive: S3 keeps
    # them lower-cased.
    return {str(k).lower(): str(v) for k, v in (params.get("Metadata") or {}).items()}


class ObjectOperations(S3Core):
    """The single-object operations and DeleteObjects."""

    # -- PutObject ---------------------------------------------------------------------------

    def put_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """PutObject: the staged body becomes the object's file, atomically."""
        bucket, key = str(params["Bucket"]), check_key(params["Key"])
        body = params.get("Body")
        staged = body if isinstance(body, StagedFile) else None
        blob: Blob | None = None
        if staged is None:
            blob = self.lake.write_temp(_as_bytes(body))
            source, size, md5, synced, extra = blob.path, blob.size, blob.md5_hex, True, {}
        else:
            source, size, md5 = staged.path, staged.size, staged.md5_hex
            synced, extra = False, staged.checksums
        try:
            assert md5 is not None
            content_md5 = params.get("ContentMD5")
            if content_md5:
                expected = md5_hex_of_content_md5(str(content_md5))
                if expected != md5:
                    raise errors.bad_digest(str(content_md5), _b64_of_hex(md5))
            tags = parse_tagging_header(str(params["Tagging"])) if params.get("Tagging") else {}
            storage_class = _storage_class(params)

            def check(conn: sa.Connection, existing: ObjectRecord | None) -> None:
                check_write_conditions(params, key, existing.etag if existing else None)

            record = self._commit_object(
                ctx,
                bucket=bucket,
                key=key,
                source=source,
                synced=synced,
                size=size,
                etag=md5,
                event_name=EventName.PUT_OBJECT,
                content_type=params.get("ContentType") or None,
                metadata=_user_metadata(params),
                system=system_from(params),
                tags=tags,
                checksums=checksums_from(params, extra),
                storage_class=storage_class,
                check=check,
            )
        except BaseException:
            if blob is not None:
                blob.discard()
            elif staged is not None:
                staged.discard()
            raise
        out: dict[str, Any] = {"ETag": quote_etag(record.etag)}
        if record.version_id is not None:
            out["VersionId"] = record.version_id
        for algo, value in record.checksums.items():
            out[f"Checksum{algo}"] = value
        if record.checksums:
            out["ChecksumType"] = "FULL_OBJECT"
        for name in ("ServerSideEncryption", "SSEKMSKeyId", "BucketKeyEnabled"):
            if name in record.system:
                out[name] = record.system[name]
        return out

    # -- GetObject / HeadObject --------------------------------------------------------------

    def get_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetObject: the file opened now (immune to later overwrites), whole or a range."""
        out, handle = self._read(params, with_body=True)
        assert handle is not None
        return out

    def head_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """HeadObject: GetObject's headers, no body."""
        out, _ = self._read(params, with_body=False)
        return out

    def _read(
        self, params: dict[str, Any], *, with_body: bool
    ) -> tuple[dict[str, Any], IO[bytes] | None]:
        bucket, key = str(params["Bucket"]), check_key(params["Key"])
        if with_body:
            _, obj, handle = self._open_current(bucket, key)
        else:
            with self.env.store.read() as conn:
                self._bucket(conn, bucket)
                obj = self._object(conn, bucket, key)
            handle = None
        try:
            return self._read_response(params, obj, handle), handle
        except BaseException:
            if handle is not None:
                handle.close()
            raise

    def _read_response(
        self, params: dict[str, Any], obj: ObjectRecord, handle: IO[bytes] | None
    ) -> dict[str, Any]:
        version = params.get("VersionId")
        if version is not None and version != (obj.version_id or "null"):
            raise errors.S3Error(
                "NoSuchVersion",
                "The specified version does not exist.",
                status=404,
                fields={"Key": obj.key, "VersionId": version},
            )
        check_read_conditions(params, obj.etag, obj.last_modified, self.env.clock.now())
        checksum_mode = str(params.get("ChecksumMode") or "").upper() == "ENABLED"
        out = self._object_headers(obj, checksum_mode=checksum_mode)
        first, last = 0, obj.size - 1
        partial = False
        part_number = params.get("PartNumber")
        if part_number is not None:
            first, last = self._part_range(obj, int(part_number))
            out["PartsCount"] = len(obj.parts) if obj.parts else 1
            partial = obj.parts is not None and len(obj.parts) > 1
        elif params.get("Range"):
            found = parse_range(str(params["Range"]), obj.size)
            if found is not None:
                first, last = found
                partial = True
        length = max(0, last - first + 1)
        if partial:
            out["ContentRange"] = f"bytes {first}-{last}/{obj.size}"
            out["ResponseMetadata"] = {"HTTPStatusCode": 206}
            for algo in obj.checksums:
                out.pop(f"Checksum{algo}", None)
            out.pop("ChecksumType", None)
        out["ContentLength"] = length
        for request_name, header in _OVERRIDES.items():
            if params.get(request_name) is not None:
                out[header] = params[request_name]
        if handle is not None:
            out["Body"] = OpenFile(handle=handle, offset=first, length=length)
        return out

    def _part_range(self, obj: ObjectRecord, part_number: int) -> tuple[int, int]:
        sizes = obj.parts or (obj.size,)
        if not 1 <= part_number <= len(sizes):
            raise errors.S3Error(
                "InvalidPartNumber",
                "The requested partnumber is not satisfiable",
                status=416,
                fields={
                    "PartNumberRequested": str(part_number),
                    "ActualPartCount": str(len(sizes)),
                },
            )
        first = sum(sizes[: part_number - 1])
        return first, first + sizes[part_number - 1] - 1

    # -- DeleteObject / DeleteObjects --------------------------------------------------------

    def delete_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteObject: 204 whether or not the key existed (If-Match is honoured)."""
        bucket, key = str(params["Bucket"]), check_key(params["Key"])
        version = params.get("VersionId")
        out: dict[str, Any] = {"ResponseMetadata": {"HTTPStatusCode": 204}}

        def check(current: ObjectRecord | None) -> None:
            if params.get("IfMatch") is not None:
                check_write_conditions(
                    {"IfMatch": params["IfMatch"]}, key, current.etag if current else None
                )
            if params.get("IfMatchSize") is not None and (
                current is None or current.size != int(params["IfMatchSize"])
            ):
                raise errors.precondition_failed("x-amz-if-match-size")

        if version is not None:
            with self.env.store.read() as conn:
                self._bucket(conn, bucket)
                current = port.get_object(conn, bucket, key)
            if current is None or version != (current.version_id or "null"):
                out["VersionId"] = version
                return out
        removed = self._remove_objects(ctx, bucket, [key], EventName.DELETE_OBJECT, check)
        if removed and removed[0].version_id is not None:
            out["VersionId"] = removed[0].version_id
        return out

    def delete_objects(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteObjects: up to 1000 keys in one transaction; Quiet reports errors only."""
        bucket = str(params["Bucket"])
        request = params.get("Delete")
        if not isinstance(request, dict) or not isinstance(request.get("Objects"), list):
            raise errors.malformed_xml()
        items = request["Objects"]
        if not items or len(items) > _MAX_DELETE:
            raise errors.malformed_xml()
        quiet = bool(request.get("Quiet"))
        deleted: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        keys: list[str] = []
        for item in items:
            key = item.get("Key") if isinstance(item, dict) else None
            try:
                keys.append(check_key(key))
            except errors.S3Error as err:
                failures.append({"Key": str(key), "Code": err.code, "Message": err.message})
                continue
            entry: dict[str, Any] = {"Key": key}
            if item.get("VersionId"):
                entry["VersionId"] = item["VersionId"]
            deleted.append(entry)
        removed = self._remove_objects(ctx, bucket, keys, EventName.DELETE_OBJECTS)
        versions = {r.key: r.version_id for r in removed if r.version_id is not None}
        for entry in deleted:
            if "VersionId" not in entry and entry["Key"] in versions:
                entry["VersionId"] = versions[entry["Key"]]
        out: dict[str, Any] = {}
        if not quiet and deleted:
            out["Deleted"] = deleted
        if failures:
            out["Errors"] = failures
        return out

    # -- CopyObject --------------------------------------------------------------------------

    def copy_object(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CopyObject: bytes copied on disk (by the kernel where it can), metadata by directive."""
        bucket, key = str(params["Bucket"]), check_key(params["Key"])
        src_bucket, src_key, src_version = parse_copy_source(str(params["CopySource"]))
        metadata_directive = self._directive(params, "MetadataDirective")
        tagging_directive = self._directive(params, "TaggingDirective")
        storage_class = _storage_class(params) if params.get("StorageClass") else None
        with self.env.store.read() as conn:
            self._bucket(conn, bucket)
        _, src, handle = self._open_current(src_bucket, check_key(src_key))
        blob: Blob | None = None
        try:
            if src_version is not None and src_version != (src.version_id or "null"):
                raise errors.S3Error(
                    "NoSuchVersion",
                    "The specified version does not exist.",
                    status=404,
                    fields={"Key": src_key, "VersionId": src_version},
                )
            check_copy_conditions(params, src.etag, src.last_modified, self.env.clock.now())
            same = (src_bucket, src_key) == (bucket, key)
            if same and not (
                metadata_directive is Directive.REPLACE
                or storage_class
                or params.get("WebsiteRedirectLocation")
                or params.get("ServerSideEncryption")
            ):
                raise errors.invalid_request(
                    "This copy request is illegal because it is trying to copy an object to "
                    "itself without changing the object's metadata, storage class, website "
                    "redirect location or encryption attributes."
                )
            if metadata_directive is Directive.REPLACE:
                content_type = params.get("ContentType") or None
                metadata, system = _user_metadata(params), system_from(params)
            else:
                content_type, metadata, system = src.content_type, src.metadata, src.system
            if tagging_directive is Directive.REPLACE:
                tags = parse_tagging_header(str(params.get("Tagging") or ""))
            else:
                tags = src.tags
            # A copy of a multipart object is one PUT: its ETag becomes the plain MD5.
            need_md5 = src.parts is not None
            try:
                blob = self.lake.copy_to_temp(handle, 0, src.size, md5=need_md5)
            except LakeError as exc:
                raise errors.internal_error(
                    f"Cannot copy s3://{src_bucket}/{src_key}: {exc}"
                ) from exc
        finally:
            handle.close()
        try:
            etag = blob.md5_hex or src.etag
            record = self._commit_object(
                ctx,
                bucket=bucket,
                key=key,
                source=blob.path,
                synced=True,
                size=blob.size,
                etag=etag,
                event_name=EventName.COPY_OBJECT,
                content_type=content_type,
                metadata=metadata,
                system=system,
                tags=tags,
                checksums={} if need_md5 else src.checksums,
                storage_class=storage_class or src.storage_class,
                check=lambda _c, existing: check_write_conditions(
                    params, key, existing.etag if existing else None
                ),
            )
        except BaseException:
            blob.discard()
            raise
        result: dict[str, Any] = {
            "ETag": quote_etag(record.etag),
            "LastModified": to_datetime(record.last_modified),
        }
        for algo, value in record.checksums.items():
            result[f"Checksum{algo}"] = value
        out: dict[str, Any] = {"CopyObjectResult": result}
        if record.version_id is not None:
            out["VersionId"] = record.version_id
        if src.version_id is not None:
            out["CopySourceVersionId"] = src.version_id
        return out

    @staticmethod
    def _directive(params: dict[str, Any], name: str) -> Directive:
        value = params.get(name) or Directive.COPY
        try:
            return Directive(str(value))
        except ValueError:
            label = "metadata" if name == "MetadataDirective" else "tagging"
            raise errors.invalid_argument(
                f"Unknown {label} directive.", f"x-amz-{label}-directive", value
            ) from None


def _as_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        data = body.read()
        return data if isinstance(data, bytes) else str(data).encode("utf-8")
    raise errors.invalid_argument("The request body is not bytes", "Body")


def _b64_of_hex(md5_hex: str) -> str:
    return base64.b64encode(bytes.fromhex(md5_hex)).decode()
