"""The store's contract: what every backend must do, run against each one.

The backends are the embedded SQLite store on a file (what ``headwater up`` uses), the
in-memory SQLite store the in-process tests use and, when ``HEADWATER_TEST_STORE_URL`` names
another database (``postgresql+psycopg://...``), that one too. A new backend is done when this
file passes against it unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from headwater.store import outbox, schema
from headwater.store import s3 as s3_port
from headwater.store.engine import Store
from headwater.store.errors import ConflictError, MigrationError, StoreError

EXTRA_URL = os.environ.get("HEADWATER_TEST_STORE_URL")
BACKENDS = ["sqlite-file", "sqlite-memory"] + (["extra"] if EXTRA_URL else [])


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite-file":
        st = Store.open(tmp_path / "data")
    elif request.param == "sqlite-memory":
        st = Store.memory()
    else:
        assert EXTRA_URL is not None
        st = Store(EXTRA_URL)
        st.migrate()
        st.reset()
    try:
        yield st
    finally:
        st.close()


def _bucket(name: str = "lake") -> s3_port.BucketRecord:
    return s3_port.BucketRecord(name=name, region="us-east-1", owner="000000000000", created_at=1.5)


def _object(
    key: str, *, bucket: str = "lake", size: int = 3, **extra: object
) -> s3_port.ObjectRecord:
    fields: dict[str, object] = {
        "bucket": bucket,
        "key": key,
        "size": size,
        "etag": "acbd18db4cc2f85cedef654fccc4a4d8",
        "content_type": "text/csv",
        "last_modified": 1_700_000_000.25,
        "storage": f"{bucket}/{key}",
        "sequencer": "0000000000000001",
    }
    fields.update(extra)
    return s3_port.ObjectRecord(**fields)  # type: ignore[arg-type]


# -- migrations -------------------------------------------------------------------------------


def test_migrate_records_every_component_and_is_idempotent(store: Store) -> None:
    before = store.versions()
    assert {"s3", "outbox"} <= set(before)
    assert before == {m.component: m.version for m in schema.migrations()} | before
    store.migrate()
    assert store.versions() == before


def test_a_missing_migration_step_is_refused_and_changes_nothing(store: Store) -> None:
    have = store.versions()["outbox"]
    gap = schema.Migration(
        component="outbox",
        version=have + 2,
        description="skips a step",
        apply=lambda conn: conn.exec_driver_sql("CREATE TABLE never_made (x INTEGER)"),
    )
    schema.register(gap)
    try:
        with pytest.raises(MigrationError, match="outbox"):
            store.migrate()
    finally:
        schema._migrations.remove(gap)
    assert store.versions()["outbox"] == have
    with store.read() as conn:
        assert not sa.inspect(conn).has_table("never_made")


# -- transactions -----------------------------------------------------------------------------


def test_a_failed_transaction_leaves_nothing_behind(store: Store) -> None:
    with store.transaction() as conn:
        s3_port.insert_bucket(conn, _bucket())

    def write_then_fail() -> None:
        with store.transaction() as conn:
            s3_port.put_object(conn, _object("a.csv"))
            outbox.append(conn, "s3", {"key": "a.csv"}, at=1.0)
            raise RuntimeError("the write after the metadata failed")

    with pytest.raises(RuntimeError):
        write_then_fail()
    with store.read() as conn:
        assert s3_port.get_object(conn, "lake", "a.csv") is None
        assert outbox.last_id(conn) == 0


def test_after_commit_hooks_run_on_commit_only(store: Store) -> None:
    ran: list[str] = []
    with store.transaction() as conn:
        Store.after_commit(conn, lambda: ran.append("committed"))

    def hook_then_fail() -> None:
        with store.transaction() as conn:
            Store.after_commit(conn, lambda: ran.append("rolled back"))
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        hook_then_fail()
    assert ran == ["committed"]


def test_a_duplicate_key_is_a_conflict_not_a_crash(store: Store) -> None:
    with store.transaction() as conn:
        s3_port.insert_bucket(conn, _bucket())
    with pytest.raises((ConflictError, sa.exc.IntegrityError)), store.transaction() as conn:
        s3_port.insert_bucket(conn, _bucket())
    with store.read() as conn:
        assert [b.name for b in s3_port.list_buckets(conn)] == ["lake"]


def test_concurrent_writers_all_land(store: Store) -> None:
    with store.transaction() as conn:
        s3_port.insert_bucket(conn, _bucket())

    def write(n: int) -> None:
        for i in range(20):
            with store.transaction() as conn:
                s3_port.put_object(conn, _object(f"w{n}/{i:02d}"))
                s3_port.next_sequence(conn, "lake")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.transaction() as conn:
        assert len(s3_port.list_objects(conn, "lake", limit=1000)) == 80
        assert s3_port.next_sequence(conn, "lake") == 81


def test_reset_empties_every_table_but_keeps_the_schema(store: Store) -> None:
    versions = store.versions()
    with store.transaction() as conn:
        s3_port.insert_bucket(conn, _bucket())
        s3_port.put_object(conn, _object("a"))
        outbox.append(conn, "s3", {"key": "a"}, at=1.0)
    store.reset()
    with store.read() as conn:
        assert s3_port.list_buckets(conn) == []
        assert outbox.read_after(conn, 0) == []
    assert store.versions() == versions


# -- S3 port ----------------------------------------------------------------------------------


def test_objects_round_trip_every_field(store: Store) -> None:
    obj = _object(
        "raw/ünïcode key.csv",
        metadata={"owner": "data-eng"},
        system={"ContentEncoding": "gzip"},
        tags={"tier": "raw"},
        checksums={"CRC32": "AAAAAA=="},
        parts=(5_242_880, 100),
        storage_class="STANDARD_IA",
        version_id="v1",
        size=2**40,
    )
    with store.transaction() as conn:
        s3_port.insert_bucket(conn, _bucket())
        s3_port.put_object(conn, obj)
    with store.read() as conn:
        assert s3_port.get_bucket(conn, "lake") == _bucket()
        assert s3_port.get_object(conn, "lake", "raw/ünïcode key.csv") == obj


def test_put_object_replaces_and_delete_returns_what_was_there(store: Store) -> None:
    with store.transaction() as conn:
        s3_port.insert_bucket(conn, _bucket())
        s3_port.put_object(conn, _object("k", size=1))
        s3_port.put_object(conn, _object("k", size=2))
    with store.transaction() as conn:
        got = s3_port.get_object(conn, "lake", "k")
        assert got is not None
        assert got.size == 2
        assert s3_port.set_object_tags(conn, "lake", "k", {"a": "b"})
        assert not s3_port.set_object_tags(conn, "lake", "missing", {"a": "b"})
        gone = s3_port.delete_object(conn, "lake", "k")
        assert gone is not None
        assert gone.tags == {"a": "b"}
        assert s3_port.delete_object(conn, "lake", "k") is None
        assert not s3_port.bucket_has_objects(conn, "lake")


def test_keys_list_in_s3_order_which_is_utf8_byte_order(store: Store) -> None:
    # S3 lists keys in UTF-8 binary order; a backend with a locale collation would not.
    keys = ["B", "a", "a/b", "a-b", "a.b", "Z", "é", "~", "a b", "_x", "10", "9"]
    with store.transaction() as conn:
        s3_port.insert_bucket(conn, _bucket())
        for key in keys:
            s3_port.put_object(conn, _object(key))
    with store.read() as conn:
        listed = [o.key for o in s3_port.list_objects(conn, "lake")]
    assert listed == sorted(keys, key=lambda k: k.encode())


def test_list_objects_prefix_after_start_and_limit(store: Store) -> None:
    keys = [f"p/{i:03d}" for i in range(10)] + ["p", "p0", "q/000", "o/999"]
    with store.transaction() as conn:
        s3_port.insert_bucket(conn, _bucket())
        s3_port.insert_bucket(conn, _bucket("other"))
        s3_port.put_object(conn, _object("p/005", bucket="other"))
        for key in keys:
            s3_port.put_object(conn, _object(key))
    with store.read() as conn:

        def ls(**kw: object) -> list[str]:
            return [o.key for o in s3_port.list_objects(conn, "lake", **kw)]  # type: ignore[arg-type]

        assert ls(prefix="p/") == [f"p/{i:03d}" for i in range(10)]
        assert ls(prefix="p/", after="p/004", limit=3) == ["p/005", "p/006", "p/007"]
        assert ls(prefix="p/", start="p/008") == ["p/008", "p/009"]
        assert ls(prefix="\U0010ffff") == []
        assert ls(limit=2) == ["o/999", "p"]


def test_deleting_a_bucket_drops_its_uploads_and_configs(store: Store) -> None:
    upload = s3_port.UploadRecord(
        upload_id="u1",
        bucket="lake",
        key="big.bin",
        initiated=2.0,
        content_type=None,
        owner="000000000000",
    )
    with store.transaction() as conn:
        s3_port.insert_bucket(conn, _bucket())
        s3_port.insert_upload(conn, upload)
        s3_port.put_config(conn, "lake", "notification", {"EventBridgeConfiguration": {}})
    with store.transaction() as conn:
        assert s3_port.get_upload(conn, "u1") == upload
        assert s3_port.get_config(conn, "lake", "notification") == {"EventBridgeConfiguration": {}}
        s3_port.delete_bucket(conn, "lake")
    with store.read() as conn:
        assert s3_port.get_bucket(conn, "lake") is None
        assert s3_port.get_upload(conn, "u1") is None
        assert s3_port.get_config(conn, "lake", "notification") is None


def test_parts_replace_by_number_and_list_in_order(store: Store) -> None:
    def part(n: int, size: int) -> s3_port.PartRecord:
        return s3_port.PartRecord(
            upload_id="u1", part_number=n, size=size, etag=f"e{n}", last_modified=3.0, path=f"p{n}"
        )

    with store.transaction() as conn:
        s3_port.insert_bucket(conn, _bucket())
        s3_port.insert_upload(
            conn,
            s3_port.UploadRecord(
                upload_id="u1", bucket="lake", key="k", initiated=2.0, content_type=None, owner="o"
            ),
        )
        for n in (3, 1, 2):
            assert s3_port.put_part(conn, part(n, n)) is None
        assert s3_port.put_part(conn, part(2, 20)) == part(2, 2)
    with store.read() as conn:
        assert [(p.part_number, p.size) for p in s3_port.list_parts(conn, "u1")] == [
            (1, 1),
            (2, 20),
            (3, 3),
        ]
        assert [p.part_number for p in s3_port.list_parts(conn, "u1", after=1, limit=1)] == [2]


def test_configs_replace_and_delete(store: Store) -> None:
    with store.transaction() as conn:
        s3_port.insert_bucket(conn, _bucket())
        s3_port.put_config(conn, "lake", "tagging", {"a": "1"})
        s3_port.put_config(conn, "lake", "tagging", {"b": "2"})
        assert s3_port.get_config(conn, "lake", "tagging") == {"b": "2"}
        s3_port.delete_config(conn, "lake", "tagging")
        assert s3_port.get_config(conn, "lake", "tagging") is None


def test_sequences_only_go_up(store: Store) -> None:
    with store.transaction() as conn:
        assert s3_port.next_sequence(conn, "c") == 1
        assert s3_port.next_sequence(conn, "c") == 2
        assert s3_port.next_sequence(conn, "c", at_least=50) == 50
        assert s3_port.next_sequence(conn, "c", at_least=10) == 51
        assert s3_port.next_sequence(conn, "d") == 1


# -- outbox -----------------------------------------------------------------------------------


def test_outbox_ids_grow_filter_by_topic_and_are_never_reused(store: Store) -> None:
    with store.transaction() as conn:
        first = [outbox.append(conn, t, {"n": i}, at=float(i)) for i, t in enumerate("abab")]
    assert first == sorted(first)
    assert len(set(first)) == 4
    with store.read() as conn:
        assert [r.payload["n"] for r in outbox.read_after(conn, 0, topics=("b",))] == [1, 3]
        assert [r.id for r in outbox.read_after(conn, first[1], limit=1)] == [first[2]]
    store.reset()
    with store.transaction() as conn:
        again = outbox.append(conn, "a", {"n": 9}, at=9.0)
    assert again > first[-1]


def test_cursors_are_per_consumer(store: Store) -> None:
    with store.transaction() as conn:
        assert outbox.cursor(conn, "bridge") == 0
        outbox.advance(conn, "bridge", 7)
        outbox.advance(conn, "bridge", 9)
        outbox.advance(conn, "notifier", 3)
    with store.read() as conn:
        assert outbox.cursor(conn, "bridge") == 9
        assert outbox.cursor(conn, "notifier") == 3


def test_a_file_store_keeps_everything_across_a_reopen(tmp_path: Path) -> None:
    st = Store.open(tmp_path / "data")
    with st.transaction() as conn:
        s3_port.insert_bucket(conn, _bucket())
        s3_port.put_object(conn, _object("a"))
        rid = outbox.append(conn, "s3", {"key": "a"}, at=1.0)
        outbox.advance(conn, "bridge", rid)
    st.close()
    st = Store.open(tmp_path / "data")
    try:
        with st.read() as conn:
            assert s3_port.get_object(conn, "lake", "a") == _object("a")
            assert outbox.cursor(conn, "bridge") == rid
            assert [r.id for r in outbox.read_after(conn, 0)] == [rid]
    finally:
        st.close()


def test_a_bad_store_url_is_a_clear_error_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from headwater.cli.main import main

    assert main(["up", "--port", "1", "--store-url", "nosuchdb://x"]) == 2
    assert "cannot use the store URL 'nosuchdb://x'" in capsys.readouterr().err
    # the same through the module entry point the benchmarks use
    proc = subprocess.run(
        [sys.executable, "-m", "headwater.cli.main", "up", "--store-url", "nosuchdb://x"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("headwater: cannot use the store URL")
    with pytest.raises(StoreError, match="cannot use the store URL"):
        Store.connect("nosuchdb://x")
