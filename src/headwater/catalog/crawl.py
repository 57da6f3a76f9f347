"""One S3 crawl as a pure function: listings and object samples in, catalog changes out.

:func:`crawl_s3` filters each target's listing (folder markers, hidden ``_``/``.`` objects and
exclusion globs), reads a sample of up to ``SampleSize`` objects per folder through the
caller's reader, classifies them, groups them into tables (:mod:`headwater.catalog.layout`),
builds Glue tables and partitions with the crawler's parameters and statistics, and compares
them with the tables the database already holds under the schema-change policy. Nothing is
written: the :class:`CrawlResult` lists what the Glue service should create, update and delete,
so that a crawl either applies completely or not at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

from headwater.catalog.classifiers import FileFormat, FileSchema, classify_object
from headwater.catalog.compression import Compression
from headwater.catalog.crawler_config import (
    CrawlSpec,
    DeleteBehavior,
    RecrawlBehavior,
    S3Target,
    UpdateBehavior,
)
from headwater.catalog.diff import diff_tables
from headwater.catalog.errors import ClassificationError
from headwater.catalog.layout import (
    CrawledFile,
    TableDraft,
    descend_single_child,
    merge_columns,
    partition_spec,
    plan_by_level,
    plan_tables,
    sanitize_name,
)
from headwater.catalog.model import (
    Column,
    Partition,
    SerDeInfo,
    StorageDescriptor,
    Table,
    TableType,
)
from headwater.catalog.outcome import Built, CrawlMetrics, CrawlResult, CrawlState, SkippedObject
from headwater.catalog.sampling import ObjectReader, ObjectSample, S3Object

__all__ = ["CrawlMetrics", "CrawlResult", "SkippedObject", "crawl_s3"]

_FORMAT_KEYS = (
    "areColumnsQuoted",
    "avro.schema.literal",
    "classification",
    "columnsOrdered",
    "compressionType",
    "delimiter",
    "skip.header.line.count",
    "typeOfData",
)
UNKNOWN = "UNKNOWN"
_VERSION_KEYS = {"CrawlerSchemaDeserializerVersion": "1.0", "CrawlerSchemaSerializerVersion": "1.0"}


def _is_marker(key: str, size: int) -> bool:
    return key.endswith("/") or key.endswith("_$folder$") or size == 0


def _hidden(relative: str) -> bool:
    # Hadoop's convention (what Athena and Spark also skip): _SUCCESS, _temporary/, .crc files.
    return any(part.startswith(("_", ".")) for part in relative.split("/"))


def _select(target: S3Target, objects: Iterable[S3Object], state: CrawlState) -> list[S3Object]:
    prefix = target.prefix
    chosen: list[S3Object] = []
    for obj in objects:
        if not obj.key.startswith(prefix):
            continue
        # s3://b/curated names the folder curated/, not curated_old/ (or the object itself).
        if (
            prefix
            and not prefix.endswith("/")
            and obj.key != prefix
            and obj.key[len(prefix)] != "/"
        ):
            continue
        state.listed += 1
        relative = obj.key[len(prefix) :].lstrip("/") or obj.key.rsplit("/", 1)[-1]
        if _is_marker(obj.key, obj.size) or _hidden(relative):
            continue
        if target.exclusions.excludes(relative):
            state.log.append(f"INFO : Excluded {obj.key} (exclusion pattern)")
            continue
        chosen.append(obj)
    return sorted(chosen, key=lambda o: o.key)


def _format_from_storage(table: Table, sd: StorageDescriptor) -> FileFormat:
    params = {**table.parameters, **sd.parameters}
    try:
        compression = Compression(params.get("compressionType", "none"))
    except ValueError:
        compression = Compression.NONE
    return FileFormat(
        classification=params.get("classification", "unknown"),
        compression=compression,
        input_format=sd.input_format or "",
        output_format=sd.output_format or "",
        serde_library=sd.serde_info.serialization_library or "",
        serde_parameters=tuple(sorted(sd.serde_info.parameters.items())),
        parameters=tuple((k, params[k]) for k in _FORMAT_KEYS if k in params),
        compressed=sd.compressed,
    )


def _schema_from_storage(table: Table, sd: StorageDescriptor, obj: S3Object) -> FileSchema:
    params = {**table.parameters, **sd.parameters}
    average = max(1, int(params.get("averageRecordSize", "0") or 0))
    paths = sd.serde_info.parameters.get("paths")
    return FileSchema(
        format=_format_from_storage(table, sd),
        columns=sd.columns,
        record_count=obj.size // average,
        uncompressed_bytes=obj.size,
        classifier="catalog",
        json_paths=tuple(paths.split(",")) if paths else (),
    )


def _known_locations(
    tables: Sequence[Table], partitions: Mapping[str, Sequence[Partition]]
) -> dict[str, tuple[Table, StorageDescriptor]]:
    known: dict[str, tuple[Table, StorageDescriptor]] = {}
    for table in tables:
        if table.is_view:
            continue
        parts = partitions.get(table.name, ())
        if not table.partition_keys and table.location:
            known[_folder(table.location)] = (table, table.storage_descriptor)
        for p in parts:
            if p.location:
                known[_folder(p.location)] = (table, p.storage_descriptor)
    return known


def _folder(uri: str) -> str:
    return uri if uri.endswith("/") else uri + "/"


def _classify(
    target: S3Target,
    objects: list[S3Object],
    read: ObjectReader,
    state: CrawlState,
    known: Mapping[str, tuple[Table, StorageDescriptor]],
) -> list[CrawledFile]:
    by_folder: dict[str, list[S3Object]] = {}
    for obj in objects:
        by_folder.setdefault(obj.key.rsplit("/", 1)[0] if "/" in obj.key else "", []).append(obj)
    files: list[CrawledFile] = []
    for folder, members in by_folder.items():
        folders = tuple(folder.split("/")) if folder else ()
        location = f"s3://{target.bucket}/{folder}/" if folder else f"s3://{target.bucket}/"
        existing = known.get(location)
        if existing is not None:
            # A folder the catalog already knows is not read again (CRAWL_NEW_FOLDERS_ONLY).
            # One stand-in for all its objects keeps its place in the table layout; its
            # table and partition are never rewritten by an incremental crawl.
            whole = S3Object(key=members[0].key, size=sum(o.size for o in members))
            schema = _schema_from_storage(existing[0], existing[1], whole)
            files.append(_crawled(whole, folders, schema))
            continue
        limit = target.sample_size or len(members)
        sampled: list[FileSchema] = []
        here: list[CrawledFile] = []
        for obj in members[:limit]:
            state.read += 1
            sample = ObjectSample(read, target.bucket, obj, sample_bytes=state.spec.sample_bytes)
            try:
                found = classify_object(sample, state.spec.classifiers) or _unknown(sample)
            except ClassificationError as exc:
                state.skipped.append(SkippedObject(key=obj.key, reason=exc.reason))
                state.log.append(f"WARN : Skipping unreadable object {obj.key}: {exc.reason}")
                continue
            except Exception as exc:  # one odd object (nesting too deep, ...) never fails a crawl
                reason = f"cannot classify: {type(exc).__name__}: {exc}"[:500]
                state.skipped.append(SkippedObject(key=obj.key, reason=reason))
                state.log.append(f"WARN : Skipping unreadable object {obj.key}: {reason}")
                continue
            sampled.append(found)
            here.append(_crawled(obj, folders, found))
        files.extend(here)
        if not sampled:
            continue
        # Objects past SampleSize are assumed to look like the sampled ones of their folder.
        model = next((m for m in sampled if m.format.classification != UNKNOWN), sampled[0])
        records = sum(s.record_count for s in sampled)
        content = sum(s.uncompressed_bytes for s in sampled)
        ratio = content / max(1, sum(f.obj.size for f in here))
        for obj in members[limit:]:
            estimated = int(obj.size * ratio)
            count = int(estimated / max(1, content) * records)
            schema = FileSchema(
                format=model.format,
                columns=model.columns,
                record_count=count,
                uncompressed_bytes=estimated,
                classifier=model.classifier,
                json_paths=model.json_paths,
            )
            files.append(_crawled(obj, folders, schema))
    return files


def _unknown(sample: ObjectSample) -> FileSchema:
    """What Glue records for data no classifier recognises: classification UNKNOWN."""
    compression = sample.compression
    return FileSchema(
        format=FileFormat(
            classification=UNKNOWN,
            compression=compression,
            input_format="",
            output_format="",
            serde_library="",
            parameters=(
                ("classification", UNKNOWN),
                ("compressionType", str(compression)),
                ("typeOfData", "file"),
            ),
            compressed=compression is not Compression.NONE,
        ),
        columns=(),
        record_count=0,
        uncompressed_bytes=sample.size,
        classifier=UNKNOWN,
        certainty=0.0,
    )


def _unknown_aside(files: list[CrawledFile], state: CrawlState) -> list[CrawledFile]:
    """Unrecognised objects of a target that also holds recognised data are left out.

    A stray README or blob beside a table's files must not split the table; a target with
    nothing recognisable is cataloged as UNKNOWN, as Glue does.
    """
    known = [f for f in files if f.schema.format.classification != UNKNOWN]
    for f in files:
        if f.schema.format.classification != UNKNOWN:
            continue
        if known:
            state.skipped.append(SkippedObject(key=f.obj.key, reason="UNKNOWN classification"))
            state.log.append(f"WARN : No classifier recognised {f.obj.key}; skipped")
        else:
            state.log.append(f"INFO : No classifier recognised {f.obj.key}: UNKNOWN")
    return known or files


def _crawled(obj: S3Object, folders: tuple[str, ...], schema: FileSchema) -> CrawledFile:
    return CrawledFile(obj=obj, folders=folders, name=obj.key.rsplit("/", 1)[-1], schema=schema)


def _draft_format(files: Sequence[CrawledFile]) -> FileFormat:
    fmt = files[0].schema.format
    for f in files:
        if f.schema.format.param("areColumnsQuoted") == "true":
            fmt = f.schema.format
            break
    if fmt.classification == "json":
        paths = sorted({p for f in files for p in f.schema.json_paths})
        serde = tuple((k, v) for k, v in fmt.serde_parameters if k != "paths")
        fmt = FileFormat(
            classification=fmt.classification,
            compression=fmt.compression,
            input_format=fmt.input_format,
            output_format=fmt.output_format,
            serde_library=fmt.serde_library,
            serde_parameters=(("paths", ",".join(paths)), *serde),
            parameters=fmt.parameters,
            compressed=fmt.compressed,
        )
    return fmt


def _stats(files: Sequence[CrawledFile]) -> dict[str, str]:
    records = sum(f.schema.record_count for f in files)
    content = sum(f.schema.uncompressed_bytes for f in files)
    return {
        "averageRecordSize": str(content // records if records else 0),
        "objectCount": str(len(files)),
        "recordCount": str(records),
        "sizeKey": str(sum(f.obj.size for f in files)),
    }


def _storage(
    fmt: FileFormat, columns: Sequence[Column], location: str, params: Mapping[str, str]
) -> StorageDescriptor:
    return StorageDescriptor(
        columns=tuple(columns),
        location=location,
        input_format=fmt.input_format or None,
        output_format=fmt.output_format or None,
        compressed=fmt.compressed,
        number_of_buckets=-1,
        serde_info=SerDeInfo(
            serialization_library=fmt.serde_library or None,
            parameters=dict(fmt.serde_parameters),
        ),
        parameters=dict(params),
        stored_as_sub_directories=False,
    )


def _build(draft: TableDraft, name: str, bucket: str, spec: CrawlSpec) -> Built:
    fmt = _draft_format(draft.files)
    if draft.object_key is not None:
        location = f"s3://{bucket}/{draft.object_key}"
    else:
        location = f"s3://{bucket}/" + "".join(f"{p}/" for p in draft.root)
    columns = merge_columns(f.schema.columns for f in draft.files)
    key_names, by_values = partition_spec(draft)
    params = {
        **dict(fmt.parameters),
        **_VERSION_KEYS,
        "UPDATED_BY_CRAWLER": spec.crawler_name,
        **_stats(draft.files),
    }
    params = dict(sorted(params.items()))
    table = Table(
        name=name,
        database_name=spec.database_name,
        owner="owner",
        retention=0,
        storage_descriptor=_storage(fmt, columns, location, params),
        partition_keys=tuple(Column(name=k, type="string") for k in key_names),
        table_type=TableType.EXTERNAL_TABLE,
        parameters=params,
    )
    partitions: list[Partition] = []
    inherit = spec.configuration.partitions_inherit_from_table
    start = len(draft.root)
    for values, members in sorted(by_values.items()):
        if not values:
            continue
        folders = members[0].folders[start : start + draft.depth]
        part_location = location + "".join(f"{p}/" for p in folders)
        part_columns = columns if inherit else merge_columns(f.schema.columns for f in members)
        part_params = dict(sorted({**dict(fmt.parameters), **_stats(members)}.items()))
        partitions.append(
            Partition(
                values=values,
                database_name=spec.database_name,
                table_name=name,
                storage_descriptor=_storage(fmt, part_columns, part_location, part_params),
                parameters=part_params,
            )
        )
    return Built(table=table, partitions=partitions)


def _unique(base: str, location: str, taken: dict[str, str]) -> str:
    owner = taken.get(base)
    if owner is None or owner == location:
        taken[base] = location
        return base
    name = f"{base}_{hashlib.md5(location.encode('utf-8')).hexdigest()}"
    taken[name] = location
    return name


def _under_targets(location: str | None, spec: CrawlSpec) -> bool:
    if not location:
        return False
    return any(location.startswith(f"s3://{t.bucket}/{t.prefix}".rstrip("/")) for t in spec.targets)


def crawl_s3(
    spec: CrawlSpec,
    listings: Mapping[str, Iterable[S3Object]],
    read: ObjectReader,
    *,
    existing_tables: Sequence[Table] = (),
    existing_partitions: Mapping[str, Sequence[Partition]] | None = None,
) -> CrawlResult:
    """Crawl the S3 targets of ``spec``.

    Args:
        spec: the compiled crawler (:meth:`CrawlSpec.from_wire`).
        listings: for each target ``Path``, the objects listed under its bucket and prefix.
        read: ranged reads of objects (``read(bucket, key, offset, length) -> bytes``).
        existing_tables: the tables already in the crawler's database.
        existing_partitions: their partitions, by table name.

    Returns:
        The catalog changes, metrics, skipped objects and log lines; nothing is applied.
    """
    partitions_by_table = dict(existing_partitions or {})
    state = CrawlState(spec)
    incremental = spec.recrawl_behavior is RecrawlBehavior.CRAWL_NEW_FOLDERS_ONLY
    update = UpdateBehavior.LOG if incremental else spec.update_behavior
    delete = DeleteBehavior.LOG if incremental else spec.delete_behavior
    known = _known_locations(existing_tables, partitions_by_table) if incremental else {}
    existing = {t.name: t for t in existing_tables}
    taken = {t.name: _folder(t.location) if t.location else "" for t in existing_tables}
    built: list[Built] = []
    for target in spec.targets:
        objects = _select(target, listings.get(target.path, ()), state)
        files = _unknown_aside(_classify(target, objects, read, state, known), state)
        prefix = target.prefix
        single = len(objects) == 1 and objects[0].key == prefix and not prefix.endswith("/")
        base = tuple(p for p in prefix.split("/") if p)
        if single:
            drafts = [TableDraft(root=base[:-1], files=files, depth=0, object_key=prefix)]
        elif spec.configuration.table_level is not None:
            drafts, left_out = plan_by_level(files, base, spec.configuration.table_level)
            for f in left_out:
                state.log.append(f"WARN : {f.obj.key} does not fit its table level; skipped")
        else:
            drafts = plan_tables(files, base, combine=spec.configuration.combine_compatible_schemas)
            drafts = [descend_single_child(d) if d.root == base else d for d in drafts]
        for draft in drafts:
            if not draft.files:
                continue
            raw = draft.base_name or target.bucket
            location = (
                f"s3://{target.bucket}/{draft.object_key}"
                if draft.object_key
                else f"s3://{target.bucket}/" + "".join(f"{p}/" for p in draft.root)
            )
            name = _unique(sanitize_name(spec.table_prefix + raw), location, taken)
            built.append(_build(draft, name, target.bucket, spec))
    return diff_tables(
        spec,
        state,
        built,
        existing,
        partitions_by_table,
        update,
        delete,
        owned=lambda table: _under_targets(table.location, spec),
    )
