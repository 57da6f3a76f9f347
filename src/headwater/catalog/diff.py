"""Comparing a crawl's tables with the database's under the schema-change policy."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from headwater.catalog.crawler_config import CrawlSpec, DeleteBehavior, UpdateBehavior
from headwater.catalog.model import Partition, StorageDescriptor, Table
from headwater.catalog.outcome import Built, CrawlMetrics, CrawlResult, CrawlState

__all__ = ["diff_tables"]


def _folder(uri: str) -> str:
    return uri if uri.endswith("/") else uri + "/"


def _signature(table: Table) -> tuple[object, ...]:
    sd = table.storage_descriptor
    return (
        tuple((c.name.lower(), c.type.lower()) for c in sd.columns),
        tuple(c.name.lower() for c in table.partition_keys),
        sd.input_format,
        sd.serde_info.serialization_library,
        tuple(sorted(sd.serde_info.parameters.items())),
        table.parameters.get("classification"),
        table.parameters.get("skip.header.line.count"),
    )


def _partition_signature(partition: Partition) -> tuple[object, ...]:
    sd = partition.storage_descriptor
    return (
        tuple((c.name.lower(), c.type.lower()) for c in sd.columns),
        _folder(sd.location or ""),
        sd.input_format,
        sd.serde_info.serialization_library,
    )


def _merge_new_columns(existing: Table, new: Table) -> Table:
    old = existing.storage_descriptor.columns
    names = {c.name.lower() for c in old}
    added = tuple(c for c in new.storage_descriptor.columns if c.name.lower() not in names)
    sd = new.storage_descriptor
    merged_sd = StorageDescriptor(
        columns=old + added,
        location=sd.location,
        input_format=sd.input_format,
        output_format=sd.output_format,
        compressed=sd.compressed,
        number_of_buckets=sd.number_of_buckets,
        serde_info=existing.storage_descriptor.serde_info,
        parameters=sd.parameters,
        stored_as_sub_directories=sd.stored_as_sub_directories,
    )
    return new.with_changes(storage_descriptor=merged_sd, partition_keys=existing.partition_keys)


def diff_tables(
    spec: CrawlSpec,
    state: CrawlState,
    built: list[Built],
    existing: Mapping[str, Table],
    partitions_by_table: Mapping[str, Sequence[Partition]],
    update: UpdateBehavior,
    delete: DeleteBehavior,
    *,
    owned: Callable[[Table], bool],
) -> CrawlResult:
    """Compare freshly built tables with the database's under the schema-change policy.

    ``owned`` tells which existing tables this crawl is responsible for (gone ones are deleted,
    deprecated or logged per ``delete``).
    """
    db = spec.database_name
    create: list[Table] = []
    updates: list[Table] = []
    deletes: list[str] = []
    p_create: dict[str, tuple[Partition, ...]] = {}
    p_update: dict[str, tuple[Partition, ...]] = {}
    p_delete: dict[str, tuple[tuple[str, ...], ...]] = {}
    deprecated = 0
    produced = {b.table.name for b in built}
    for item in built:
        table, name = item.table, item.table.name
        old = existing.get(name)
        if old is None:
            create.append(table)
            state.log.append(f"INFO : Created table {name} in database {db}")
            if item.partitions:
                p_create[name] = tuple(item.partitions)
            continue
        target = old
        if _signature(old) != _signature(table):
            if update is UpdateBehavior.LOG:
                state.log.append(f"INFO : Schema change of table {name} not applied (LOG)")
            else:
                candidate = (
                    _merge_new_columns(old, table)
                    if spec.configuration.tables_merge_new_columns
                    else table
                )
                if _signature(candidate) != _signature(old):
                    target = candidate.with_changes(
                        description=old.description,
                        owner=old.owner,
                        create_time=old.create_time,
                        parameters={**old.parameters, **candidate.parameters},
                    )
                    updates.append(target)
                    state.log.append(f"INFO : Updated table {name} in database {db}")
        olds = {tuple(p.values): p for p in partitions_by_table.get(name, ())}
        news = {tuple(p.values): p for p in item.partitions}
        added = tuple(p for v, p in news.items() if v not in olds)
        if added:
            p_create[name] = added
        if update is UpdateBehavior.UPDATE_IN_DATABASE:
            inherit = spec.configuration.partitions_inherit_from_table
            changed = []
            for values, p in news.items():
                before = olds.get(values)
                if before is None:
                    continue
                if inherit:
                    sd = replace(p.storage_descriptor, columns=target.storage_descriptor.columns)
                    p = replace(p, storage_descriptor=sd)
                if _partition_signature(before) != _partition_signature(p):
                    changed.append(p)
            if changed:
                p_update[name] = tuple(changed)
        gone = tuple(v for v in olds if v not in news)
        if gone and delete is DeleteBehavior.DELETE_FROM_DATABASE:
            p_delete[name] = gone
    for name, old in existing.items():
        if name in produced or old.is_view:
            continue
        if old.parameters.get("UPDATED_BY_CRAWLER") != spec.crawler_name:
            continue
        if not owned(old):
            continue
        if delete is DeleteBehavior.DELETE_FROM_DATABASE:
            deletes.append(name)
            state.log.append(f"INFO : Deleted table {name} from database {db}")
        elif delete is DeleteBehavior.DEPRECATE_IN_DATABASE:
            if old.parameters.get("DEPRECATED_BY_CRAWLER") != spec.crawler_name:
                params = {**old.parameters, "DEPRECATED_BY_CRAWLER": spec.crawler_name}
                updates.append(old.with_changes(parameters=params))
                deprecated += 1
                state.log.append(f"INFO : Deprecated table {name} in database {db}")
        else:
            state.log.append(f"INFO : Table {name} has no data left; kept (LOG)")
    metrics = CrawlMetrics(
        tables_created=len(create),
        tables_updated=len(updates) - deprecated,
        tables_deleted=len(deletes) + deprecated,
        partitions_created=sum(len(v) for v in p_create.values()),
        partitions_updated=sum(len(v) for v in p_update.values()),
        partitions_deleted=sum(len(v) for v in p_delete.values()),
        objects_listed=state.listed,
        objects_read=state.read,
    )
    return CrawlResult(
        database_name=db,
        tables_to_create=tuple(create),
        tables_to_update=tuple(updates),
        tables_to_delete=tuple(deletes),
        partitions_to_create=p_create,
        partitions_to_update=p_update,
        partitions_to_delete=p_delete,
        metrics=metrics,
        skipped=tuple(state.skipped),
        log=tuple(state.log),
    )
