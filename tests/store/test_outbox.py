"""The outbox: ids never come back after a reset, and older databases are migrated to that."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from headwater.store import Store, outbox


def _append(store: Store, n: int) -> list[int]:
    with store.transaction() as conn:
        for i in range(n):
            outbox.append(conn, "s3", {"i": i}, at=1.0)
    with store.read() as conn:
        return [r.id for r in outbox.read_after(conn, 0, topics=("s3",), limit=100)]


def test_ids_are_not_reused_after_a_reset(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    try:
        before = _append(store, 3)
        with store.transaction() as conn:
            outbox.advance(conn, "consumer", before[-1])
        store.reset()
        after = _append(store, 2)
        # A consumer still holding the cursor of before the reset misses none of the new ones.
        assert min(after) > max(before)
        with store.read() as conn:
            assert outbox.cursor(conn, "consumer") == 0
    finally:
        store.close()


def test_an_outbox_made_before_autoincrement_is_rebuilt_with_its_records(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    ids = _append(store, 3)
    with store.transaction() as conn:  # make it look like a database from before v2
        conn.exec_driver_sql("DROP TABLE outbox")
        conn.exec_driver_sql(
            "CREATE TABLE outbox (id INTEGER NOT NULL PRIMARY KEY, topic VARCHAR(64) NOT NULL, "
            "created_at FLOAT NOT NULL, payload TEXT NOT NULL)"
        )
        conn.exec_driver_sql("CREATE INDEX ix_outbox_topic ON outbox (topic)")
        for i in ids:
            conn.exec_driver_sql(
                "INSERT INTO outbox VALUES (?, 's3', 1.0, ?)", (i, f'{{"i": {i}}}')
            )
        conn.execute(sa.text("UPDATE schema_migrations SET version = 1 WHERE component = 'outbox'"))
    store.close()

    store = Store.open(tmp_path)
    try:
        assert store.versions()["outbox"] == 2
        with store.read() as conn:
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'outbox'"
            ).scalar()
            kept = outbox.read_after(conn, 0, topics=("s3",), limit=100)
        assert "AUTOINCREMENT" in str(sql).upper()
        assert [(r.id, r.payload) for r in kept] == [(i, {"i": i}) for i in ids]
        store.reset()
        assert min(_append(store, 1)) > max(ids)
    finally:
        store.close()
