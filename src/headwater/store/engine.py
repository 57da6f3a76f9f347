"""The Store: one SQLAlchemy engine, transactions, migrations and reset.

SQLite (the embedded default) runs in WAL mode. Writers take ``BEGIN IMMEDIATE`` behind a
process-wide lock so concurrent writers queue instead of failing on an upgraded lock; readers
use deferred transactions and never block writers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from headwater.store import schema
from headwater.store.errors import ConflictError, MigrationError, StoreError

__all__ = ["Store"]


class Store:
    """Access to the state database; ports take the connections it hands out."""

    def __init__(self, url: str, *, synchronous: str = "NORMAL") -> None:
        self.url = url
        self.synchronous = synchronous
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            kwargs["isolation_level"] = "AUTOCOMMIT"  # we issue BEGIN/COMMIT ourselves
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        self.engine = sa.create_engine(url, **kwargs)
        self._write_lock = threading.RLock()
        if self.is_sqlite:
            sa.event.listen(self.engine, "connect", self._pragmas)

    def _pragmas(self, dbapi_conn: Any, record: Any) -> None:
        _sqlite_pragmas(dbapi_conn, record, self.synchronous)

    @classmethod
    def open(cls, data_dir: Path, *, synchronous: str = "NORMAL") -> Store:
        """Open (creating if needed) the SQLite store under ``data_dir`` and migrate it.

        ``synchronous`` is SQLite's setting: ``NORMAL`` (the default) survives a crash of the
        process; ``FULL`` also survives losing power, at the cost of an fsync per commit.
        """
        data_dir.mkdir(parents=True, exist_ok=True)
        store = cls(f"sqlite:///{data_dir / 'state.db'}", synchronous=synchronous)
        store.migrate()
        return store

    @classmethod
    def connect(cls, url: str) -> Store:
        """Open the database at ``url`` (a SQLAlchemy URL) and migrate it."""
        try:
            store = cls(url)
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
            raise StoreError(f"cannot use the store URL {url!r}: {exc}") from exc
        try:
            store.migrate()
        except sa.exc.OperationalError as exc:
            store.close()
            raise StoreError(f"cannot open the store at {url!r}: {exc.orig}") from exc
        return store

    @classmethod
    def memory(cls) -> Store:
        """Return a migrated in-memory SQLite store (one shared connection), for tests."""
        store = cls("sqlite://")
        store.engine = sa.create_engine(
            "sqlite://",
            isolation_level="AUTOCOMMIT",
            poolclass=sa.pool.StaticPool,
            connect_args={"check_same_thread": False},
        )
        sa.event.listen(store.engine, "connect", _sqlite_pragmas)
        store.migrate()
        return store

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """Yield a connection inside one write transaction; commit on success.

        Hooks registered with :meth:`after_commit` run after the commit, outside the lock.
        """
        hooks: list[Callable[[], None]] = []
        if not self.is_sqlite:
            # The ports read then write (counters, upserts): one writer at a time in this
            # process, as on SQLite, keeps that safe under READ COMMITTED.
            with self._write_lock:
                try:
                    with self.engine.begin() as conn:
                        try:
                            yield conn
                        finally:
                            hooks = conn.info.pop("after_commit", [])
                except sa.exc.IntegrityError as exc:
                    raise ConflictError(str(exc.orig)) from exc
        else:
            with self._write_lock, self.engine.connect() as conn:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.info.pop("after_commit", None)
                    conn.exec_driver_sql("ROLLBACK")
                    raise
                hooks = conn.info.pop("after_commit", [])
                try:
                    conn.exec_driver_sql("COMMIT")
                except sa.exc.IntegrityError as exc:
                    conn.exec_driver_sql("ROLLBACK")
                    raise ConflictError(str(exc.orig)) from exc
        for hook in hooks:
            hook()

    @staticmethod
    def after_commit(conn: sa.Connection, hook: Callable[[], None]) -> None:
        """Run ``hook`` once the transaction of ``conn`` has committed (never on rollback)."""
        conn.info.setdefault("after_commit", []).append(hook)

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """Yield a connection inside a read transaction (a consistent snapshot)."""
        if not self.is_sqlite:
            with self.engine.connect() as conn, conn.begin():
                yield conn
            return
        with self.engine.connect() as conn:
            conn.exec_driver_sql("BEGIN")
            try:
                yield conn
            finally:
                conn.exec_driver_sql("ROLLBACK")

    def migrate(self) -> None:
        """Apply every registered migration the database has not seen yet."""
        import headwater.store.ports  # noqa: F401  (registers every port's tables)

        with self.transaction() as conn:
            schema.schema_migrations.create(conn, checkfirst=True)
            applied = {
                row.component: row.version
                for row in conn.execute(sa.select(schema.schema_migrations))
            }
            for mig in schema.migrations():
                have = applied.get(mig.component, 0)
                if mig.version <= have:
                    continue
                if mig.version != have + 1:
                    raise MigrationError(
                        f"component {mig.component!r} is at v{have}; cannot apply v{mig.version}"
                    )
                mig.apply(conn)
                values = {
                    "component": mig.component,
                    "version": mig.version,
                    "applied_at": time.time(),
                }
                if have:
                    conn.execute(
                        sa.update(schema.schema_migrations)
                        .where(schema.schema_migrations.c.component == mig.component)
                        .values(**values)
                    )
                else:
                    conn.execute(sa.insert(schema.schema_migrations).values(**values))
                applied[mig.component] = mig.version

    def versions(self) -> dict[str, int]:
        """Return the applied schema version of each component."""
        with self.read() as conn:
            rows = conn.execute(sa.select(schema.schema_migrations)).all()
        return {r.component: r.version for r in rows}

    def reset(self) -> None:
        """Delete every row of every table but the migration record."""
        with self.transaction() as conn:
            for table in reversed(schema.metadata.sorted_tables):
                if table is schema.schema_migrations:
                    continue
                if sa.inspect(conn).has_table(table.name):
                    conn.execute(sa.delete(table))

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any, synchronous: str = "NORMAL") -> None:
    if synchronous not in ("NORMAL", "FULL", "OFF", "EXTRA"):
        raise StoreError(f"unknown SQLite synchronous setting {synchronous!r}")
    cur = dbapi_conn.cursor()
    try:
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
    except Exception as exc:
        raise StoreError(f"cannot configure the SQLite database: {exc}") from exc
    finally:
        cur.close()
