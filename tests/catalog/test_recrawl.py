"""Recrawls against existing tables: schema-change policy, deletions, new folders only."""

from __future__ import annotations

import json

from headwater.catalog import CrawlResult


def _first(lake, **extra) -> CrawlResult:  # type: ignore[no-untyped-def]
    return lake.crawl(lake.crawler("s3://b/t/", **extra))


def _again(lake, before: CrawlResult, **extra) -> CrawlResult:  # type: ignore[no-untyped-def]
    tables = list(before.tables_to_create)
    parts = {k: list(v) for k, v in before.partitions_to_create.items()}
    return lake.crawl(lake.crawler("s3://b/t/", **extra), existing=tables, partitions=parts)


def test_recrawl_without_changes_changes_nothing(lake) -> None:
    lake.put("s3://b/t/d=1/a.csv", "id,n\n1,a\n2,b\n")
    first = _first(lake)
    second = _again(lake, first)
    assert second.tables_to_create == second.tables_to_update == ()
    assert second.partitions_to_create == {}
    assert second.metrics.tables_created == second.metrics.tables_updated == 0


def test_new_partition_folder_is_added(lake) -> None:
    lake.put("s3://b/t/d=1/a.csv", "id,n\n1,a\n2,b\n")
    first = _first(lake)
    lake.put("s3://b/t/d=2/a.csv", "id,n\n3,c\n4,d\n")
    second = _again(lake, first)
    assert [p.values for p in second.partitions_to_create["t"]] == [("2",)]
    assert second.metrics.partitions_created == 1
    assert second.metrics.tables_updated == 0


def test_schema_change_updates_the_table(lake) -> None:
    lake.put("s3://b/t/a.csv", "id,n\n1,a\n2,b\n")
    first = _first(lake)
    lake.put("s3://b/t/a.csv", "id,n,extra\n1,a,1.5\n2,b,2\n")
    second = _again(lake, first)
    assert second.metrics.tables_updated == 1
    assert [c.name for c in second.tables_to_update[0].columns] == ["id", "n", "extra"]


def test_schema_change_with_log_policy_is_not_applied(lake) -> None:
    policy = {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}
    lake.put("s3://b/t/a.csv", "id,n\n1,a\n2,b\n")
    first = _first(lake, SchemaChangePolicy=policy)
    lake.put("s3://b/t/a.csv", "id,n,extra\n1,a,1.5\n2,b,2\n")
    second = _again(lake, first, SchemaChangePolicy=policy)
    assert second.tables_to_update == ()
    assert any("not applied" in line for line in second.log)


def test_merge_new_columns_keeps_existing_types(lake) -> None:
    config = json.dumps(
        {"Version": 1.0, "CrawlerOutput": {"Tables": {"AddOrUpdateBehavior": "MergeNewColumns"}}}
    )
    lake.put("s3://b/t/a.csv", "id,n\n1,a\n2,b\n")
    first = _first(lake, Configuration=config)
    lake.put("s3://b/t/a.csv", "id,extra\nx1,1\nx2,2\n")
    second = _again(lake, first, Configuration=config)
    table = second.tables_to_update[0]
    assert [(c.name, c.type) for c in table.columns] == [
        ("id", "bigint"),
        ("n", "string"),
        ("extra", "bigint"),
    ]


def test_deleted_data_deletes_or_deprecates_the_table(lake) -> None:
    lake.put("s3://b/t/x/a.csv", "id,n\n1,a\n2,b\n")
    lake.put("s3://b/t/y/b.json", '{"q": 1}\n')
    lake.put("s3://b/t/z/c.json", '{"other": true, "fields": 1}\n')
    first = _first(lake)
    assert {t.name for t in first.tables_to_create} == {"x", "y", "z"}
    lake.delete("s3://b/t/y/b.json")
    deleted = _again(lake, first, SchemaChangePolicy={"DeleteBehavior": "DELETE_FROM_DATABASE"})
    assert deleted.tables_to_delete == ("y",)
    assert deleted.metrics.tables_deleted == 1
    deprecated = _again(lake, first)
    assert [t.name for t in deprecated.tables_to_update] == ["y"]
    assert deprecated.tables_to_update[0].parameters["DEPRECATED_BY_CRAWLER"] == "c1"
    assert deprecated.metrics.tables_deleted == 1
    logged = _again(lake, first, SchemaChangePolicy={"DeleteBehavior": "LOG"})
    assert logged.tables_to_delete == ()
    assert logged.tables_to_update == ()


def test_deleted_partition_folder(lake) -> None:
    lake.put("s3://b/t/d=1/a.csv", "id,n\n1,a\n2,b\n")
    lake.put("s3://b/t/d=2/a.csv", "id,n\n1,a\n2,b\n")
    first = _first(lake)
    lake.delete("s3://b/t/d=1/a.csv")
    second = _again(lake, first, SchemaChangePolicy={"DeleteBehavior": "DELETE_FROM_DATABASE"})
    assert second.partitions_to_delete == {"t": (("1",),)}


def test_crawl_new_folders_only_reads_only_new_folders(lake) -> None:
    recrawl = {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}
    policy = {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}
    lake.put("s3://b/t/d=1/a.csv", "id,n\n1,a\n2,b\n")
    first = _first(lake, RecrawlPolicy=recrawl, SchemaChangePolicy=policy)
    lake.put("s3://b/t/d=1/b.csv", "id,n\n5,e\n")
    lake.put("s3://b/t/d=2/a.csv", "id,n\n3,c\n4,d\n")
    lake.reads.clear()
    second = _again(lake, first, RecrawlPolicy=recrawl, SchemaChangePolicy=policy)
    assert {key for _, key, _, _ in lake.reads} == {"t/d=2/a.csv"}
    assert [p.values for p in second.partitions_to_create["t"]] == [("2",)]
    assert second.tables_to_update == ()


def test_table_from_another_location_with_the_same_name_is_not_touched(lake) -> None:
    lake.put("s3://b/t/a.csv", "id,n\n1,a\n2,b\n")
    first = _first(lake)
    other = first.tables_to_create[0].with_changes(
        storage_descriptor=first.tables_to_create[0].storage_descriptor.__class__(
            location="s3://elsewhere/t/"
        )
    )
    second = lake.crawl(lake.crawler("s3://b/t/"), existing=[other])
    assert second.tables_to_create[0].name.startswith("t_")
