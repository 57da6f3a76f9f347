"""Multipart uploads: create, upload (and copy) parts, complete, abort, list.

Parts live as files under the staging folder (``uploads/<upload id>/``), each under a fresh
name so a part uploaded again never disturbs a completion that is reading the old one.
Completion concatenates the parts into one temporary file on disk (never in memory), then
renames it into place like any other write, in the transaction that forgets the upload.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

from headwater.lake import Blob, LakeError
from headwater.services.base import RequestContext, StagedFile
from headwater.services.s3 import errors
from headwater.services.s3._core import S3Core
from headwater.services.s3._values import (
    EventName,
    check_copy_conditions,
    check_key,
    check_write_conditions,
    checksums_from,
    encode_if,
    md5_hex_of_content_md5,
    parse_copy_range,
    parse_copy_source,
    parse_tagging_header,
    quote_etag,
    system_from,
    to_datetime,
)
from headwater.services.s3.objects import _as_bytes, _b64_of_hex, _storage_class, _user_metadata
from headwater.store import s3 as port
from headwater.store.s3 import ObjectRecord, PartRecord, UploadRecord

__all__ = ["MultipartOperations"]

_MAX_PARTS = 1000


class MultipartOperations(S3Core):
    """The multipart-upload operations."""

    def _upload(self, conn: sa.Connection, bucket: str, key: str, upload_id: Any) -> UploadRecord:
        self._bucket(conn, bucket)
        upload = port.get_upload(conn, str(upload_id)) if upload_id else None
        if upload is None or upload.bucket != bucket or upload.key != key:
            raise errors.no_such_upload(str(upload_id))
        return upload

    @staticmethod
    def _part_number(params: dict[str, Any]) -> int:
        value = params.get("PartNumber")
        try:
            number = int(value) if value is not None else 0
        except (TypeError, ValueError):
            number = 0
        if not 1 <= number <= 10000:
            raise errors.invalid_argument(
                "Part number must be an integer between 1 and 10000, inclusive", "partNumber", value
            )
        return number

    def create_multipart_upload(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """CreateMultipartUpload: remember the object's metadata until completion."""
        bucket, key = str(params["Bucket"]), check_key(params["Key"])
        tags = parse_tagging_header(str(params["Tagging"])) if params.get("Tagging") else {}
        upload = UploadRecord(
            upload_id=secrets.token_urlsafe(48),
            bucket=bucket,
            key=key,
            initiated=self._now(),
            content_type=params.get("ContentType") or None,
            metadata=_user_metadata(params),
            system=system_from(params),
            tags=tags,
            storage_class=_storage_class(params),
            checksum_algorithm=params.get("ChecksumAlgorithm") or None,
            owner=ctx.account_id,
        )
        with self.env.store.transaction() as conn:
            self._bucket(conn, bucket)
            port.insert_upload(conn, upload)
        out: dict[str, Any] = {"Bucket": bucket, "Key": key, "UploadId": upload.upload_id}
        if upload.checksum_algorithm:
            out["ChecksumAlgorithm"] = upload.checksum_algorithm
        return out

    def upload_part(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UploadPart: the staged body becomes the part's file."""
        bucket, key = str(params["Bucket"]), check_key(params["Key"])
        body = params.get("Body")
        staged = body if isinstance(body, StagedFile) else None
        blob = None if staged is not None else self.lake.write_temp(_as_bytes(body))
        source = staged.path if staged is not None else blob.path  # type: ignore[union-attr]
        size = staged.size if staged is not None else blob.size  # type: ignore[union-attr]
        md5 = staged.md5_hex if staged is not None else blob.md5_hex  # type: ignore[union-attr]
        assert md5 is not None
        try:
            number = self._part_number(params)
            if params.get("ContentMD5"):
                expected = md5_hex_of_content_md5(str(params["ContentMD5"]))
                if expected != md5:
                    raise errors.bad_digest(str(params["ContentMD5"]), _b64_of_hex(md5))
            checksums = checksums_from(params, staged.checksums if staged else None)
            part = self._keep_part(
                bucket, key, params.get("UploadId"), number, source, size, md5, checksums
            )
        except BaseException:
            if blob is not None:
                blob.discard()
            elif staged is not None:
                staged.discard()
            raise
        out: dict[str, Any] = {"ETag": quote_etag(part.etag)}
        for algo, value in checksums.items():
            out[f"Checksum{algo}"] = value
        return out

    def _keep_part(
        self,
        bucket: str,
        key: str,
        upload_id: Any,
        number: int,
        source: Any,
        size: int,
        md5: str,
        checksums: dict[str, str],
    ) -> PartRecord:
        with self._lake_lock:
            with self.env.store.transaction() as conn:
                self._upload(conn, bucket, key, upload_id)
                try:
                    ref = self.lake.keep_part(str(upload_id), number, source)
                except LakeError as exc:
                    raise errors.internal_error(f"Cannot keep part {number}: {exc}") from exc
                part = PartRecord(
                    upload_id=str(upload_id),
                    part_number=number,
                    size=size,
                    etag=md5,
                    last_modified=self._now(),
                    path=ref,
                    checksums=checksums,
                )
                old = port.put_part(conn, part)
            if old is not None and old.path != part.path:
                self.lake.discard_part(old.path)
        return part

    def upload_part_copy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UploadPartCopy: a part made from (a range of) an existing object, on disk."""
        bucket, key = str(params["Bucket"]), check_key(params["Key"])
        number = self._part_number(params)
        src_bucket, src_key, _ = parse_copy_source(str(params["CopySource"]))
        with self.env.store.read() as conn:
            self._upload(conn, bucket, key, params.get("UploadId"))
        _, src, handle = self._open_current(src_bucket, check_key(src_key))
        blob: Blob | None = None
        try:
            check_copy_conditions(params, src.etag, src.last_modified, self.env.clock.now())
            first, last = 0, src.size - 1
            if params.get("CopySourceRange"):
                first, last = parse_copy_range(str(params["CopySourceRange"]), src.size)
            try:
                blob = self.lake.copy_to_temp(handle, first, max(0, last - first + 1), md5=True)
            except LakeError as exc:
                raise errors.internal_error(
                    f"Cannot copy s3://{src_bucket}/{src_key}: {exc}"
                ) from exc
        finally:
            handle.close()
        assert blob.md5_hex is not None
        try:
            part = self._keep_part(
                bucket, key, params.get("UploadId"), number, blob.path, blob.size, blob.md5_hex, {}
            )
        except BaseException:
            blob.discard()
            raise
        out: dict[str, Any] = {
            "CopyPartResult": {
                "ETag": quote_etag(part.etag),
                "LastModified": to_datetime(part.last_modified),
            }
        }
        if src.version_id is not None:
            out["CopySourceVersionId"] = src.version_id
        return out

    def complete_multipart_upload(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """CompleteMultipartUpload: check the part list, concatenate on disk, commit."""
        bucket, key = str(params["Bucket"]), check_key(params["Key"])
        upload_id = str(params.get("UploadId") or "")
        request = params.get("MultipartUpload")
        with self.env.store.read() as conn:
            upload = self._upload(conn, bucket, key, upload_id)
            stored = {p.part_number: p for p in port.list_parts(conn, upload_id)}
        if not isinstance(request, dict) or not isinstance(request.get("Parts"), list):
            raise errors.malformed_xml()
        chosen = self._chosen_parts(upload_id, request["Parts"], stored)
        parts_md5 = b"".join(bytes.fromhex(p.etag) for p in chosen)
        etag = f"{hashlib.md5(parts_md5, usedforsecurity=False).hexdigest()}-{len(chosen)}"
        try:
            blob = self.lake.concat_parts([p.path for p in chosen])
        except LakeError as exc:
            raise errors.internal_error(f"Cannot assemble upload {upload_id}: {exc}") from exc

        def check(conn: sa.Connection, existing: ObjectRecord | None) -> None:
            now = {p.part_number: p for p in port.list_parts(conn, upload_id)}
            if port.get_upload(conn, upload_id) is None:
                raise errors.no_such_upload(upload_id)
            for p in chosen:  # a part re-uploaded meanwhile: what we concatenated is stale
                if now.get(p.part_number) != p:
                    raise errors.invalid_part(upload_id, p.part_number, quote_etag(p.etag))
            check_write_conditions(params, key, existing.etag if existing else None)

        try:
            record = self._commit_object(
                ctx,
                bucket=bucket,
                key=key,
                source=blob.path,
                synced=True,
                size=blob.size,
                etag=etag,
                event_name=EventName.COMPLETE_MULTIPART_UPLOAD,
                content_type=upload.content_type,
                metadata=upload.metadata,
                system=upload.system,
                tags=upload.tags,
                parts=tuple(p.size for p in chosen),
                storage_class=upload.storage_class,
                check=check,
                also=lambda conn: port.delete_upload(conn, upload_id),
            )
        except BaseException:
            blob.discard()
            raise
        self.lake.drop_upload(upload_id)
        location = f"{self.env.endpoint_url.rstrip('/')}/{bucket}/{quote(key)}"
        out: dict[str, Any] = {
            "Location": location,
            "Bucket": bucket,
            "Key": key,
            "ETag": quote_etag(record.etag),
        }
        if record.version_id is not None:
            out["VersionId"] = record.version_id
        return out

    def _chosen_parts(
        self, upload_id: str, requested: list[Any], stored: dict[int, PartRecord]
    ) -> list[PartRecord]:
        if not requested:
            raise errors.invalid_request("You must specify at least one part")
        chosen: list[PartRecord] = []
        previous = 0
        for item in requested:
            if not isinstance(item, dict) or "PartNumber" not in item:
                raise errors.malformed_xml()
            number = int(item["PartNumber"])
            etag = str(item.get("ETag") or "").strip().strip('"')
            if number <= previous:
                raise errors.invalid_part_order(upload_id)
            previous = number
            part = stored.get(number)
            if part is None or part.etag != etag:
                raise errors.invalid_part(upload_id, number, quote_etag(etag))
            chosen.append(part)
        for part in chosen[:-1]:
            if part.size < self.min_part_size:
                raise errors.entity_too_small(part.part_number, part.size, quote_etag(part.etag))
        return chosen

    def abort_multipart_upload(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """AbortMultipartUpload: forget the upload and delete its parts (204)."""
        bucket, key = str(params["Bucket"]), check_key(params["Key"])
        upload_id = str(params.get("UploadId") or "")
        with self.env.store.transaction() as conn:
            self._upload(conn, bucket, key, upload_id)
            port.delete_upload(conn, upload_id)
        self.lake.drop_upload(upload_id)
        return {"ResponseMetadata": {"HTTPStatusCode": 204}}

    def list_parts(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListParts, paginated with PartNumberMarker and MaxParts."""
        bucket, key = str(params["Bucket"]), check_key(params["Key"])
        upload_id = str(params.get("UploadId") or "")
        marker = int(params.get("PartNumberMarker") or 0)
        max_parts = min(int(params.get("MaxParts") or _MAX_PARTS), _MAX_PARTS)
        with self.env.store.read() as conn:
            upload = self._upload(conn, bucket, key, upload_id)
            parts = port.list_parts(conn, upload_id, after=marker, limit=max_parts + 1)
        truncated = len(parts) > max_parts
        parts = parts[:max_parts]
        owner = self._owner(upload.owner)
        out: dict[str, Any] = {
            "Bucket": bucket,
            "Key": key,
            "UploadId": upload_id,
            "PartNumberMarker": marker,
            "MaxParts": max_parts,
            "IsTruncated": truncated,
            "Initiator": {"ID": owner["ID"], "DisplayName": owner["DisplayName"]},
            "Owner": owner,
            "StorageClass": upload.storage_class,
            "Parts": [
                {
                    "PartNumber": p.part_number,
                    "LastModified": to_datetime(p.last_modified),
                    "ETag": quote_etag(p.etag),
                    "Size": p.size,
                    **{f"Checksum{a}": v for a, v in p.checksums.items()},
                }
                for p in parts
            ],
        }
        if parts:
            out["NextPartNumberMarker"] = parts[-1].part_number
        if upload.checksum_algorithm:
            out["ChecksumAlgorithm"] = upload.checksum_algorithm
        return out

    def list_multipart_uploads(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListMultipartUploads: by key then upload id, with markers, prefix and delimiter."""
        bucket = str(params["Bucket"])
        prefix = str(params.get("Prefix") or "")
        delimiter = str(params.get("Delimiter") or "")
        encoding = params.get("EncodingType") or None
        key_marker = str(params.get("KeyMarker") or "")
        id_marker = str(params.get("UploadIdMarker") or "")
        max_uploads = min(int(params.get("MaxUploads") or _MAX_PARTS), _MAX_PARTS)
        with self.env.store.read() as conn:
            self._bucket(conn, bucket)
            if key_marker and id_marker:
                rows = port.list_uploads(
                    conn, bucket, prefix=prefix, after=(key_marker, id_marker), limit=100_000
                )
            else:
                rows = port.list_uploads(conn, bucket, prefix=prefix, limit=100_000)
                if key_marker:
                    rows = [u for u in rows if u.key > key_marker]
        entries: list[UploadRecord | str] = []
        seen: set[str] = set()
        for upload in rows:
            if delimiter:
                cut = upload.key.find(delimiter, len(prefix))
                if cut >= 0:
                    common = upload.key[: cut + len(delimiter)]
                    if common not in seen and not (key_marker and common <= key_marker):
                        seen.add(common)
                        entries.append(common)
                    continue
            entries.append(upload)
        truncated = len(entries) > max_uploads
        entries = entries[:max_uploads]
        out: dict[str, Any] = {
            "Bucket": bucket,
            "KeyMarker": encode_if(key_marker, encoding),
            "UploadIdMarker": id_marker,
            "MaxUploads": max_uploads,
            "IsTruncated": truncated,
            "Prefix": encode_if(prefix, encoding),
        }
        if delimiter:
            out["Delimiter"] = encode_if(delimiter, encoding)
        if encoding:
            out["EncodingType"] = encoding
        uploads = []
        for entry in entries:
            if isinstance(entry, str):
                out.setdefault("CommonPrefixes", []).append({"Prefix": encode_if(entry, encoding)})
                continue
            owner = self._owner(entry.owner)
            uploads.append(
                {
                    "UploadId": entry.upload_id,
                    "Key": encode_if(entry.key, encoding),
                    "Initiated": to_datetime(entry.initiated),
                    "StorageClass": entry.storage_class,
                    "Owner": owner,
                    "Initiator": {"ID": owner["ID"], "DisplayName": owner["DisplayName"]},
                }
            )
        if uploads:
            out["Uploads"] = uploads
        if truncated and entries:
            last = entries[-1]
            if isinstance(last, str):
                out["NextKeyMarker"] = encode_if(last, encoding)
            else:
                out["NextKeyMarker"] = encode_if(last.key, encoding)
                out["NextUploadIdMarker"] = last.upload_id
        return out
