"""What every S3 operation shares: the lake, the write and delete paths, change records.

Consistency between the metadata rows and the files rests on one in-process lock,
``S3Core._lake_lock``:

- a writer holds it from renaming the bytes into place until its transaction has committed
  (and while it removes the bytes of what it deleted or replaced);
- a reader holds it while it reads a row and opens the file the row names.

So a reader never pairs a row with another version's bytes, and once opened, a file keeps
its content (writes replace files, never rewrite them). Large work (spooling, copying,
concatenating parts) happens before the lock is taken; the lock covers a rename and a
transaction. Several processes sharing one PostgreSQL store would need a row lock instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, ClassVar

import sqlalchemy as sa

from headwater.lake import FsyncPolicy, LakeError, LocalLake, MissingDataError
from headwater.services.base import Environment, RequestContext, Service
from headwater.services.s3 import errors
from headwater.services.s3._values import (
    EventName,
    EventType,
    VersioningStatus,
    quote_etag,
    to_datetime,
)
from headwater.store import outbox
from headwater.store import s3 as port
from headwater.store.s3 import BucketRecord, ObjectRecord

__all__ = ["OUTBOX_TOPIC", "S3Core"]

OUTBOX_TOPIC = "s3"
_SEQUENCER = "s3.sequencer"


class S3Core(Service):
    """Base of the S3 service: shared state and the paths every change goes through."""

    service_name: ClassVar[str] = "s3"

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        policy = FsyncPolicy(str(env.extras.get("s3.fsync", FsyncPolicy.ALWAYS)))
        self.lake = LocalLake(env.lake_dir, env.staging_dir, fsync=policy)
        self.min_part_size = int(env.extras.get("s3.min_part_size", 5 * 1024 * 1024))
        self._lake_lock = threading.RLock()

    # -- small helpers -----------------------------------------------------------------------

    def _now(self) -> float:
        """Return the clock's time cut to milliseconds (what S3 timestamps carry)."""
        return int(self.env.clock.now() * 1000) / 1000

    def canonical_id(self, account_id: str) -> str:
        """Return the canonical user id S3 shows as an owner of ``account_id``'s resources."""
        return hashlib.sha256(f"headwater:{account_id}".encode()).hexdigest()

    def _owner(self, account_id: str) -> dict[str, str]:
        return {"ID": self.canonical_id(account_id), "DisplayName": "webfile"}

    def _bucket(self, conn: sa.Connection, name: str) -> BucketRecord:
        bucket = port.get_bucket(conn, name)
        if bucket is None:
            raise errors.no_such_bucket(name)
        return bucket

    def _object(self, conn: sa.Connection, bucket: str, key: str) -> ObjectRecord:
        obj = port.get_object(conn, bucket, key)
        if obj is None:
            raise errors.no_such_key(key)
        return obj

    def _versioning(self, conn: sa.Connection, bucket: str) -> str | None:
        config = port.get_config(conn, bucket, "versioning")
        status = config.get("Status") if isinstance(config, dict) else None
        return str(status) if status else None

    def _new_version_id(self, conn: sa.Connection, bucket: str) -> str | None:
        status = self._versioning(conn, bucket)
        if status == VersioningStatus.ENABLED:
            return secrets.token_urlsafe(24).replace("-", ".")
        if status == VersioningStatus.SUSPENDED:
            return "null"
        return None

    def _sequencer(self, conn: sa.Connection, now: float) -> str:
        value = port.next_sequence(conn, _SEQUENCER, at_least=int(now * 1_000_000))
        return f"{value:018X}"

    def internal_context(
        self, operation: str = "", *, source_ip: str = "127.0.0.1", user_agent: str = "headwater"
    ) -> RequestContext:
        """Return a context for writes Headwater makes itself (jobs, query results)."""
        return RequestContext(
            request_id=uuid.uuid4().hex[:16].upper(),
            region=self.env.default_region,
            account_id=self.env.account_id,
            source_ip=source_ip,
            service="s3",
            operation=operation,
            user_agent=user_agent,
        )

    # -- reading -----------------------------------------------------------------------------

    def _open_current(self, bucket: str, key: str) -> tuple[BucketRecord, ObjectRecord, IO[bytes]]:
        """Return the object's row and an open handle on exactly that version's bytes."""
        with self._lake_lock, self.env.store.read() as conn:
            b = self._bucket(conn, bucket)
            obj = self._object(conn, bucket, key)
            try:
                handle = self.lake.open(bucket, obj.storage)
            except MissingDataError as exc:
                raise errors.internal_error(
                    f"The data of s3://{bucket}/{key} is missing from the lake folder "
                    f"({exc}); delete the object or put it again."
                ) from exc
        return b, obj, handle

    # -- writing -----------------------------------------------------------------------------

    def _commit_object(
        self,
        ctx: RequestContext,
        *,
        bucket: str,
        key: str,
        source: Path,
        synced: bool,
        size: int,
        etag: str,
        event_name: EventName,
        content_type: str | None,
        metadata: dict[str, str] | None = None,
        system: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
        checksums: dict[str, str] | None = None,
        parts: tuple[int, ...] | None = None,
        storage_class: str = "STANDARD",
        check: Callable[[sa.Connection, ObjectRecord | None], None] | None = None,
        also: Callable[[sa.Connection], None] | None = None,
    ) -> ObjectRecord:
        """Make the file at ``source`` the current version of ``key``, with its metadata.

        ``check`` runs inside the transaction before anything changes (conditional writes);
        ``also`` runs in the same transaction after the row is written (e.g. deleting the
        multipart upload). The source file is consumed on success; on failure the caller
        still owns it.
        """
        with self._lake_lock:
            with self.env.store.transaction() as conn:
                b = self._bucket(conn, bucket)
                existing = port.get_object(conn, bucket, key)
                if check is not None:
                    check(conn, existing)
                now = self._now()
                version_id = self._new_version_id(conn, bucket)
                current = existing.storage if existing else None
                try:
                    if size == 0 and key.endswith("/"):
                        storage = self.lake.place_marker(bucket, key, current=current)
                        source.unlink(missing_ok=True)
                    else:
                        storage = self.lake.place(
                            bucket, key, source, current=current, synced=synced
                        )
                except LakeError as exc:
                    raise errors.internal_error(f"Cannot store s3://{bucket}/{key}: {exc}") from exc
                record = ObjectRecord(
                    bucket=bucket,
                    key=key,
                    size=size,
                    etag=etag,
                    content_type=content_type,
                    metadata=dict(metadata or {}),
                    system=dict(system or {}),
                    tags=dict(tags or {}),
                    checksums=dict(checksums or {}),
                    parts=parts,
                    storage_class=storage_class,
                    version_id=version_id,
                    last_modified=now,
                    storage=storage,
                    sequencer=self._sequencer(conn, now),
                )
                port.put_object(conn, record)
                if also is not None:
                    also(conn)
                self._record(conn, ctx, b, record, EventType.OBJECT_CREATED, event_name, now)
            if current is not None and current != storage:
                self._drop_storage(bucket, current)
        return record

    def _remove_objects(
        self,
        ctx: RequestContext,
        bucket: str,
        keys: Iterable[str],
        event_name: EventName,
        check: Callable[[ObjectRecord | None], None] | None = None,
    ) -> list[ObjectRecord]:
        """Delete objects (one transaction, one change record each); return what was removed.

        Keys that do not exist are skipped: deleting nothing is not a change.
        """
        removed: list[ObjectRecord] = []
        with self._lake_lock:
            with self.env.store.transaction() as conn:
                b = self._bucket(conn, bucket)
                now = self._now()
                for key in keys:
                    if check is not None:
                        check(port.get_object(conn, bucket, key))
                    gone = port.delete_object(conn, bucket, key)
                    if gone is None:
                        continue
                    removed.append(gone)
                    self._record(
                        conn,
                        ctx,
                        b,
                        gone,
                        EventType.OBJECT_REMOVED,
                        event_name,
                        now,
                        sequencer=self._sequencer(conn, now),
                    )
            for gone in removed:
                self._drop_storage(bucket, gone.storage)
        return removed

    def _drop_storage(self, bucket: str, storage: str) -> None:
        """Remove bytes no row points at any more, keeping folders that are marker objects."""

        def is_marker(folder: str) -> bool:
            with self.env.store.read() as conn:
                return port.storage_in_use(conn, bucket, folder)

        if is_marker(storage):
            return
        # a stray file left in the lake is harmless: the row is gone
        with contextlib.suppress(LakeError):
            self.lake.remove(bucket, storage, keep=is_marker)

    def _record(
        self,
        conn: sa.Connection,
        ctx: RequestContext,
        bucket: BucketRecord,
        obj: ObjectRecord,
        event_type: EventType,
        event_name: EventName,
        now: float,
        *,
        sequencer: str | None = None,
    ) -> None:
        """Write the change record of one object into the outbox, in this transaction."""
        payload: dict[str, Any] = {
            "event_type": str(event_type),
            "event_name": str(event_name),
            "bucket": bucket.name,
            "key": obj.key,
            "size": obj.size,
            "etag": obj.etag,
            "sequencer": sequencer or obj.sequencer,
            "version_id": obj.version_id,
            "storage_class": obj.storage_class,
            "region": bucket.region,
            "bucket_owner": bucket.owner,
            "requester": ctx.account_id,
            "principal_arn": ctx.principal_arn,
            "access_key": ctx.access_key,
            "request_id": ctx.request_id,
            "source_ip": ctx.source_ip,
            "user_agent": ctx.user_agent,
            "host": ctx.host,
            "time": _iso(now),
        }
        if event_type is EventType.OBJECT_REMOVED:
            payload["deletion_type"] = "Permanently Deleted"
        outbox.append(conn, OUTBOX_TOPIC, payload, at=now)

    # -- output shapes -----------------------------------------------------------------------

    def _object_headers(self, obj: ObjectRecord, *, checksum_mode: bool = False) -> dict[str, Any]:
        """Return the members GetObject and HeadObject share for an object."""
        out: dict[str, Any] = {
            "ETag": quote_etag(obj.etag),
            "LastModified": to_datetime(obj.last_modified),
            "ContentLength": obj.size,
            "ContentType": obj.content_type or "binary/octet-stream",
            "AcceptRanges": "bytes",
        }
        if obj.metadata:
            out["Metadata"] = dict(obj.metadata)
        for name, value in obj.system.items():
            out[name] = to_datetime(value) if name == "Expires" else value
        if obj.version_id is not None:
            out["VersionId"] = obj.version_id
        if obj.storage_class != "STANDARD":
            out["StorageClass"] = obj.storage_class
        if obj.tags:
            out["TagCount"] = len(obj.tags)
        if checksum_mode and obj.checksums and obj.parts is None:
            for algo, value in obj.checksums.items():
                out[f"Checksum{algo}"] = value
            out["ChecksumType"] = "FULL_OBJECT"
        return out

    def _content_entry(
        self,
        obj: ObjectRecord,
        *,
        owner: bool,
        encoding: str | None,
        encode: Callable[[str, str | None], str],
    ) -> dict[str, Any]:
        """Return one ``Contents`` entry of a listing."""
        entry: dict[str, Any] = {
            "Key": encode(obj.key, encoding),
            "LastModified": to_datetime(obj.last_modified),
            "ETag": quote_etag(obj.etag),
            "Size": obj.size,
            "StorageClass": obj.storage_class,
        }
        if obj.checksums:
            entry["ChecksumAlgorithm"] = sorted(obj.checksums)
            entry["ChecksumType"] = "FULL_OBJECT"
        if owner:
            entry["Owner"] = self._owner(self.env.account_id)
        return entry


def _iso(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
