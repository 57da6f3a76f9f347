"""The S3 port: buckets, object metadata, multipart uploads and bucket configurations.

Every function takes the connection of the caller's transaction (``Store.transaction()`` to
write, ``Store.read()`` to read), so an object row, its outbox record and the sequencer bump
commit together. Keys are compared in UTF-8 byte order, as S3 lists them: SQLite's BINARY
collation does that natively, PostgreSQL needs the ``C`` collation set on the key columns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from headwater.store.schema import Migration, create_tables, metadata, register

__all__ = [
    "BucketRecord",
    "ObjectRecord",
    "PartRecord",
    "UploadRecord",
    "bucket_has_objects",
    "delete_bucket",
    "delete_config",
    "delete_object",
    "delete_upload",
    "get_bucket",
    "get_config",
    "get_object",
    "get_upload",
    "insert_bucket",
    "insert_upload",
    "list_buckets",
    "list_objects",
    "list_parts",
    "list_uploads",
    "next_sequence",
    "put_config",
    "put_object",
    "put_part",
    "set_object_tags",
    "storage_in_use",
    "successor",
    "upload_ids",
]

_Key = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")

s3_buckets = sa.Table(
    "s3_buckets",
    metadata,
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("owner", sa.String(32), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

s3_objects = sa.Table(
    "s3_objects",
    metadata,
    sa.Column("bucket", sa.String(63), sa.ForeignKey("s3_buckets.name"), primary_key=True),
    sa.Column("key", _Key, primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("etag", sa.String(64), nullable=False),
    sa.Column("content_type", sa.Text, nullable=True),
    sa.Column("metadata", sa.Text, nullable=False),  # user metadata, JSON object
    sa.Column("system", sa.Text, nullable=False),  # CacheControl, ContentEncoding..., JSON
    sa.Column("tags", sa.Text, nullable=False),  # JSON object
    sa.Column("checksums", sa.Text, nullable=False),  # {"CRC32": "..."}, JSON
    sa.Column("parts", sa.Text, nullable=True),  # part sizes of a multipart object, JSON
    sa.Column("storage_class", sa.String(32), nullable=False),
    sa.Column("version_id", sa.String(64), nullable=True),
    sa.Column("last_modified", sa.Float, nullable=False),
    sa.Column("storage", sa.Text, nullable=False),  # where the bytes are, under the bucket
    sa.Column("sequencer", sa.String(32), nullable=False),
)

s3_uploads = sa.Table(
    "s3_uploads",
    metadata,
    sa.Column("upload_id", sa.String(128), primary_key=True),
    sa.Column(
        "bucket",
        sa.String(63),
        sa.ForeignKey("s3_buckets.name", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("key", _Key, nullable=False),
    sa.Column("initiated", sa.Float, nullable=False),
    sa.Column("content_type", sa.Text, nullable=True),
    sa.Column("metadata", sa.Text, nullable=False),
    sa.Column("system", sa.Text, nullable=False),
    sa.Column("tags", sa.Text, nullable=False),
    sa.Column("storage_class", sa.String(32), nullable=False),
    sa.Column("checksum_algorithm", sa.String(16), nullable=True),
    sa.Column("owner", sa.String(32), nullable=False),
    sa.Index("ix_s3_uploads_bucket_key", "bucket", "key", "upload_id"),
)

s3_parts = sa.Table(
    "s3_parts",
    metadata,
    sa.Column(
        "upload_id",
        sa.String(128),
        sa.ForeignKey("s3_uploads.upload_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("part_number", sa.Integer, primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("etag", sa.String(64), nullable=False),
    sa.Column("last_modified", sa.Float, nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("checksums", sa.Text, nullable=False),
)

s3_bucket_configs = sa.Table(
    "s3_bucket_configs",
    metadata,
    sa.Column(
        "bucket",
        sa.String(63),
        sa.ForeignKey("s3_buckets.name", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),  # {"v": 1, "value": ...}
)

s3_counters = sa.Table(
    "s3_counters",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

register(
    Migration(
        component="s3",
        version=1,
        description="buckets, objects, multipart uploads and parts, bucket configurations",
        apply=create_tables(
            s3_buckets, s3_objects, s3_uploads, s3_parts, s3_bucket_configs, s3_counters
        ),
    )
)

_CONFIG_VERSION = 1

# Hot-path statements, built once: building a statement costs more than running it.
_B: sa.BindParameter[str] = sa.bindparam("b")
_K: sa.BindParameter[str] = sa.bindparam("k")
_GET_BUCKET = sa.select(s3_buckets).where(s3_buckets.c.name == _B)
_GET_OBJECT = sa.select(s3_objects).where(s3_objects.c.bucket == _B, s3_objects.c.key == _K)
_OBJECT_VALUES = (
    "size",
    "etag",
    "content_type",
    "metadata",
    "system",
    "tags",
    "checksums",
    "parts",
    "storage_class",
    "version_id",
    "last_modified",
    "storage",
    "sequencer",
)
_UPDATE_OBJECT = (
    sa.update(s3_objects)
    .where(s3_objects.c.bucket == sa.bindparam("b_"), s3_objects.c.key == sa.bindparam("k_"))
    .values({name: sa.bindparam(name) for name in _OBJECT_VALUES})
)
_INSERT_OBJECT = sa.insert(s3_objects).values(
    {
        "bucket": sa.bindparam("b_"),
        "key": sa.bindparam("k_"),
        **{name: sa.bindparam(name) for name in _OBJECT_VALUES},
    }
)
_GET_CONFIG = sa.select(s3_bucket_configs.c.body).where(
    s3_bucket_configs.c.bucket == _B, s3_bucket_configs.c.kind == sa.bindparam("kind")
)
_GET_COUNTER = sa.select(s3_counters.c.value).where(s3_counters.c.name == sa.bindparam("n"))
_SET_COUNTER = (
    sa.update(s3_counters)
    .where(s3_counters.c.name == sa.bindparam("n"))
    .values(value=sa.bindparam("v"))
)


@dataclass(frozen=True, slots=True, kw_only=True)
class BucketRecord:
    """A bucket."""

    name: str
    region: str
    owner: str
    created_at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectRecord:
    """The metadata of an object's current version; ``storage`` says where its bytes are."""

    bucket: str
    key: str
    size: int
    etag: str  # the MD5 hex (or ``<hex>-<parts>``), without quotes
    content_type: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    system: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)
    parts: tuple[int, ...] | None = None
    storage_class: str = "STANDARD"
    version_id: str | None = None
    last_modified: float
    storage: str
    sequencer: str


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadRecord:
    """A multipart upload in progress."""

    upload_id: str
    bucket: str
    key: str
    initiated: float
    content_type: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    system: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    storage_class: str = "STANDARD"
    checksum_algorithm: str | None = None
    owner: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PartRecord:
    """One uploaded part; ``path`` is its file in the staging folder."""

    upload_id: str
    part_number: int
    size: int
    etag: str
    last_modified: float
    path: str
    checksums: dict[str, str] = field(default_factory=dict)


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


# -- buckets ----------------------------------------------------------------------------------


def insert_bucket(conn: sa.Connection, bucket: BucketRecord) -> None:
    """Add a bucket (the caller has checked that the name is free)."""
    conn.execute(
        sa.insert(s3_buckets).values(
            name=bucket.name, region=bucket.region, owner=bucket.owner, created_at=bucket.created_at
        )
    )


def get_bucket(conn: sa.Connection, name: str) -> BucketRecord | None:
    """Return the bucket called ``name``, if any."""
    row = conn.execute(_GET_BUCKET, {"b": name}).first()
    return _bucket(row) if row else None


def list_buckets(
    conn: sa.Connection, *, prefix: str = "", after: str = "", limit: int | None = None
) -> list[BucketRecord]:
    """Return buckets by name, those after ``after`` starting with ``prefix``."""
    query = sa.select(s3_buckets).order_by(s3_buckets.c.name)
    if after:
        query = query.where(s3_buckets.c.name > after)
    if prefix:
        query = query.where(s3_buckets.c.name >= prefix)
    rows = [r for r in conn.execute(query) if r.name.startswith(prefix)]
    if limit is not None:
        rows = rows[:limit]
    return [_bucket(r) for r in rows]


def delete_bucket(conn: sa.Connection, name: str) -> None:
    """Remove a bucket with its uploads and configurations (objects must be gone)."""
    ids = sa.select(s3_uploads.c.upload_id).where(s3_uploads.c.bucket == name)
    conn.execute(sa.delete(s3_parts).where(s3_parts.c.upload_id.in_(ids)))
    conn.execute(sa.delete(s3_uploads).where(s3_uploads.c.bucket == name))
    conn.execute(sa.delete(s3_bucket_configs).where(s3_bucket_configs.c.bucket == name))
    conn.execute(sa.delete(s3_buckets).where(s3_buckets.c.name == name))


def bucket_has_objects(conn: sa.Connection, name: str) -> bool:
    """Tell whether any object is left in the bucket."""
    row = conn.execute(
        sa.select(s3_objects.c.key).where(s3_objects.c.bucket == name).limit(1)
    ).first()
    return row is not None


def _bucket(row: sa.Row[Any]) -> BucketRecord:
    return BucketRecord(
        name=row.name, region=row.region, owner=row.owner, created_at=row.created_at
    )


# -- objects ----------------------------------------------------------------------------------


def get_object(conn: sa.Connection, bucket: str, key: str) -> ObjectRecord | None:
    """Return the current version of an object, if any."""
    row = conn.execute(_GET_OBJECT, {"b": bucket, "k": key}).first()
    return _object(row) if row else None


def put_object(conn: sa.Connection, obj: ObjectRecord) -> None:
    """Insert or replace an object's row."""
    values = {
        "size": obj.size,
        "etag": obj.etag,
        "content_type": obj.content_type,
        "metadata": _dump(obj.metadata),
        "system": _dump(obj.system),
        "tags": _dump(obj.tags),
        "checksums": _dump(obj.checksums),
        "parts": _dump(list(obj.parts)) if obj.parts is not None else None,
        "storage_class": obj.storage_class,
        "version_id": obj.version_id,
        "last_modified": obj.last_modified,
        "storage": obj.storage,
        "sequencer": obj.sequencer,
    }
    values.update(b_=obj.bucket, k_=obj.key)
    if conn.execute(_UPDATE_OBJECT, values).rowcount == 0:
        conn.execute(_INSERT_OBJECT, values)


def set_object_tags(conn: sa.Connection, bucket: str, key: str, tags: dict[str, str]) -> bool:
    """Replace an object's tags; False if the object does not exist."""
    updated = conn.execute(
        sa.update(s3_objects)
        .where(s3_objects.c.bucket == bucket, s3_objects.c.key == key)
        .values(tags=_dump(tags))
    )
    return bool(updated.rowcount)


def delete_object(conn: sa.Connection, bucket: str, key: str) -> ObjectRecord | None:
    """Remove an object's row and return what it was, if it existed."""
    obj = get_object(conn, bucket, key)
    if obj is not None:
        conn.execute(
            sa.delete(s3_objects).where(s3_objects.c.bucket == bucket, s3_objects.c.key == key)
        )
    return obj


def list_objects(
    conn: sa.Connection,
    bucket: str,
    *,
    prefix: str = "",
    after: str | None = None,
    start: str | None = None,
    limit: int = 1000,
) -> list[ObjectRecord]:
    """Return up to ``limit`` objects in key order, starting with ``prefix``.

    ``after`` excludes keys up to and including it; ``start`` excludes keys before it.
    """
    query = (
        sa.select(s3_objects)
        .where(s3_objects.c.bucket == bucket)
        .order_by(s3_objects.c.key)
        .limit(limit)
    )
    if prefix:
        query = query.where(s3_objects.c.key >= prefix)
        upper = successor(prefix)
        if upper is not None:
            query = query.where(s3_objects.c.key < upper)
    if after is not None:
        query = query.where(s3_objects.c.key > after)
    if start is not None:
        query = query.where(s3_objects.c.key >= start)
    return [_object(r) for r in conn.execute(query)]


def storage_in_use(conn: sa.Connection, bucket: str, storage: str) -> bool:
    """Tell whether some object of ``bucket`` keeps its bytes at ``storage``."""
    row = conn.execute(
        sa.select(s3_objects.c.key)
        .where(s3_objects.c.bucket == bucket, s3_objects.c.storage == storage)
        .limit(1)
    ).first()
    return row is not None


def successor(prefix: str) -> str | None:
    """Return the smallest string greater than every string that starts with ``prefix``.

    None when there is none (the prefix is all U+10FFFF). Code-point order is UTF-8 byte
    order, so this bound works for SQL range scans.
    """
    chars = list(prefix)
    while chars:
        last = ord(chars.pop())
        if last < 0x10FFFF:
            nxt = last + 1
            if 0xD800 <= nxt <= 0xDFFF:  # surrogates cannot be encoded: skip them
                nxt = 0xE000
            return "".join(chars) + chr(nxt)
    return None


def _object(row: sa.Row[Any]) -> ObjectRecord:
    return ObjectRecord(
        bucket=row.bucket,
        key=row.key,
        size=row.size,
        etag=row.etag,
        content_type=row.content_type,
        metadata=json.loads(row.metadata),
        system=json.loads(row.system),
        tags=json.loads(row.tags),
        checksums=json.loads(row.checksums),
        parts=tuple(json.loads(row.parts)) if row.parts is not None else None,
        storage_class=row.storage_class,
        version_id=row.version_id,
        last_modified=row.last_modified,
        storage=row.storage,
        sequencer=row.sequencer,
    )


# -- multipart uploads ------------------------------------------------------------------------


def insert_upload(conn: sa.Connection, upload: UploadRecord) -> None:
    """Record a new multipart upload."""
    conn.execute(
        sa.insert(s3_uploads).values(
            upload_id=upload.upload_id,
            bucket=upload.bucket,
            key=upload.key,
            initiated=upload.initiated,
            content_type=upload.content_type,
            metadata=_dump(upload.metadata),
            system=_dump(upload.system),
            tags=_dump(upload.tags),
            storage_class=upload.storage_class,
            checksum_algorithm=upload.checksum_algorithm,
            owner=upload.owner,
        )
    )


def get_upload(conn: sa.Connection, upload_id: str) -> UploadRecord | None:
    """Return an upload in progress, if any."""
    row = conn.execute(sa.select(s3_uploads).where(s3_uploads.c.upload_id == upload_id)).first()
    return _upload(row) if row else None


def delete_upload(conn: sa.Connection, upload_id: str) -> None:
    """Forget an upload and its parts (the caller deletes the part files)."""
    conn.execute(sa.delete(s3_parts).where(s3_parts.c.upload_id == upload_id))
    conn.execute(sa.delete(s3_uploads).where(s3_uploads.c.upload_id == upload_id))


def list_uploads(
    conn: sa.Connection,
    bucket: str,
    *,
    prefix: str = "",
    after: tuple[str, str] | None = None,
    start: str | None = None,
    limit: int = 1000,
) -> list[UploadRecord]:
    """Return uploads of a bucket ordered by key, then upload id.

    ``after`` = (key, upload id) excludes everything up to and including that pair;
    ``start`` excludes keys before it.
    """
    query = (
        sa.select(s3_uploads)
        .where(s3_uploads.c.bucket == bucket)
        .order_by(s3_uploads.c.key, s3_uploads.c.upload_id)
        .limit(limit)
    )
    if prefix:
        query = query.where(s3_uploads.c.key >= prefix)
        upper = successor(prefix)
        if upper is not None:
            query = query.where(s3_uploads.c.key < upper)
    if after is not None:
        key, upload_id = after
        query = query.where(
            sa.or_(
                s3_uploads.c.key > key,
                sa.and_(s3_uploads.c.key == key, s3_uploads.c.upload_id > upload_id),
            )
        )
    if start is not None:
        query = query.where(s3_uploads.c.key >= start)
    return [_upload(r) for r in conn.execute(query)]


def upload_ids(conn: sa.Connection, bucket: str | None = None) -> list[str]:
    """Return the ids of every upload in progress (of one bucket, or all)."""
    query = sa.select(s3_uploads.c.upload_id)
    if bucket is not None:
        query = query.where(s3_uploads.c.bucket == bucket)
    return [r.upload_id for r in conn.execute(query)]


def put_part(conn: sa.Connection, part: PartRecord) -> PartRecord | None:
    """Insert or replace a part; return the part it replaced, if any."""
    old = conn.execute(
        sa.select(s3_parts).where(
            s3_parts.c.upload_id == part.upload_id, s3_parts.c.part_number == part.part_number
        )
    ).first()
    values = {
        "size": part.size,
        "etag": part.etag,
        "last_modified": part.last_modified,
        "path": part.path,
        "checksums": _dump(part.checksums),
    }
    if old is None:
        conn.execute(
            sa.insert(s3_parts).values(
                upload_id=part.upload_id, part_number=part.part_number, **values
            )
        )
        return None
    conn.execute(
        sa.update(s3_parts)
        .where(s3_parts.c.upload_id == part.upload_id, s3_parts.c.part_number == part.part_number)
        .values(**values)
    )
    return _part(old)


def list_parts(
    conn: sa.Connection, upload_id: str, *, after: int = 0, limit: int | None = None
) -> list[PartRecord]:
    """Return the parts of an upload by part number, those above ``after``."""
    query = (
        sa.select(s3_parts)
        .where(s3_parts.c.upload_id == upload_id, s3_parts.c.part_number > after)
        .order_by(s3_parts.c.part_number)
    )
    if limit is not None:
        query = query.limit(limit)
    return [_part(r) for r in conn.execute(query)]


def _upload(row: sa.Row[Any]) -> UploadRecord:
    return UploadRecord(
        upload_id=row.upload_id,
        bucket=row.bucket,
        key=row.key,
        initiated=row.initiated,
        content_type=row.content_type,
        metadata=json.loads(row.metadata),
        system=json.loads(row.system),
        tags=json.loads(row.tags),
        storage_class=row.storage_class,
        checksum_algorithm=row.checksum_algorithm,
        owner=row.owner,
    )


def _part(row: sa.Row[Any]) -> PartRecord:
    return PartRecord(
        upload_id=row.upload_id,
        part_number=row.part_number,
        size=row.size,
        etag=row.etag,
        last_modified=row.last_modified,
        path=row.path,
        checksums=json.loads(row.checksums),
    )


# -- bucket configurations --------------------------------------------------------------------


def get_config(conn: sa.Connection, bucket: str, kind: str) -> Any | None:
    """Return a stored bucket configuration (``"notification"``, ``"tagging"``...), if any."""
    row = conn.execute(_GET_CONFIG, {"b": bucket, "kind": kind}).first()
    return json.loads(row.body)["value"] if row else None


def put_config(conn: sa.Connection, bucket: str, kind: str, value: Any) -> None:
    """Store (replace) a bucket configuration; ``value`` must be JSON-serializable."""
    body = _dump({"v": _CONFIG_VERSION, "value": value})
    updated = conn.execute(
        sa.update(s3_bucket_configs)
        .where(s3_bucket_configs.c.bucket == bucket, s3_bucket_configs.c.kind == kind)
        .values(body=body)
    )
    if updated.rowcount == 0:
        conn.execute(sa.insert(s3_bucket_configs).values(bucket=bucket, kind=kind, body=body))


def delete_config(conn: sa.Connection, bucket: str, kind: str) -> None:
    """Remove a bucket configuration."""
    conn.execute(
        sa.delete(s3_bucket_configs).where(
            s3_bucket_configs.c.bucket == bucket, s3_bucket_configs.c.kind == kind
        )
    )


# -- counters ---------------------------------------------------------------------------------


def next_sequence(conn: sa.Connection, name: str, *, at_least: int = 0) -> int:
    """Bump and return a durable counter, never below ``at_least`` and always increasing."""
    row = conn.execute(_GET_COUNTER, {"n": name}).first()
    if row is None:
        value = max(1, at_least)
        conn.execute(sa.insert(s3_counters).values(name=name, value=value))
        return value
    value = max(int(row.value) + 1, at_least)
    conn.execute(_SET_COUNTER, {"n": name, "v": value})
    return value
