"""Reading table metadata behind a Glue JDBC connection, through SQLAlchemy.

Glue's ``JDBC_CONNECTION_URL`` (``jdbc:sqlite:/data/tpcds.db``,
``jdbc:postgresql://host:5432/db``, ``jdbc:mysql://host:3306/db``) becomes a SQLAlchemy URL;
the connection's ``USERNAME`` / ``PASSWORD`` are added for server databases. Tables and views
come back as :class:`~headwater.catalog.JdbcTable` values for :func:`headwater.catalog.crawl_jdbc`.
A URL SQLAlchemy cannot open here (no driver, unknown engine, server unreachable) raises
:class:`JdbcUnavailable` with a message the crawl reports as its ErrorMessage.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

from headwater.catalog import JdbcColumn, JdbcTable

__all__ = ["JdbcSource", "JdbcUnavailable", "open_connection_tables"]

_SERVER = re.compile(r"^jdbc:(?P<engine>[a-z0-9]+)://(?P<rest>.+)$", re.IGNORECASE)
_DIALECTS = {"postgresql": "postgresql", "postgres": "postgresql", "mysql": "mysql+pymysql"}
_SKIP_SCHEMAS = {"information_schema", "pg_catalog", "pg_toast"}


class JdbcUnavailable(Exception):
    """The connection's database cannot be opened or read from this machine."""


@dataclass(frozen=True, slots=True, kw_only=True)
class JdbcSource:
    """Where a connection points: the SQLAlchemy URL, the engine name and the database."""

    url: str
    engine: str
    database: str
    has_schemas: bool


def _sqlite(path_text: str) -> JdbcSource:
    path = path_text
    while path.startswith("//"):
        path = path[1:]
    file = Path(path).expanduser()
    return JdbcSource(
        url=f"sqlite:///{file}",
        engine="sqlite",
        database=file.stem or "main",
        has_schemas=False,
    )


def source_for(properties: Mapping[str, str]) -> JdbcSource:
    """The :class:`JdbcSource` of a connection's properties."""
    raw = str(properties.get("JDBC_CONNECTION_URL") or "").strip()
    if not raw:
        raise JdbcUnavailable("The connection has no JDBC_CONNECTION_URL")
    if raw.lower().startswith("jdbc:sqlite:"):
        return _sqlite(raw[len("jdbc:sqlite:") :])
    if raw.lower().startswith("sqlite:///"):
        # SQLAlchemy's own form: four slashes for an absolute path, three for a relative one.
        return _sqlite(raw[len("sqlite:///") :])
    match = _SERVER.match(raw)
    if match is None:
        raise JdbcUnavailable(f"Unsupported JDBC URL {raw!r}")
    engine = match.group("engine").lower()
    dialect = _DIALECTS.get(engine)
    if dialect is None:
        raise JdbcUnavailable(
            f"Cannot crawl {engine} connections here: Headwater reads SQLite, PostgreSQL and "
            "MySQL databases through SQLAlchemy"
        )
    rest = match.group("rest").split("?", 1)[0].split(";", 1)[0]
    host, _, database = rest.partition("/")
    user = properties.get("USERNAME")
    password = properties.get("PASSWORD")
    auth = ""
    if user:
        auth = quote(user, safe="")
        if password:
            auth += ":" + quote(password, safe="")
        auth += "@"
    return JdbcSource(
        url=f"{dialect}://{auth}{host}/{database}",
        engine="postgresql" if dialect == "postgresql" else "mysql",
        database=database,
        has_schemas=dialect == "postgresql",
    )


def _columns(inspector: Any, name: str, schema: str | None) -> tuple[JdbcColumn, ...]:
    return tuple(
        JdbcColumn(name=str(c["name"]), type=str(c["type"]))
        for c in inspector.get_columns(name, schema=schema)
    )


def open_connection_tables(properties: Mapping[str, str]) -> tuple[JdbcSource, list[JdbcTable]]:
    """Every table and view behind the connection, with its columns."""
    source = source_for(properties)
    if source.engine == "sqlite":
        file = Path(source.url[len("sqlite:///") :])
        if not file.is_file():
            raise JdbcUnavailable(f"SQLite database {file} does not exist")
    try:
        engine = sa.create_engine(source.url)
    except (ImportError, ModuleNotFoundError, sa.exc.ArgumentError) as exc:
        raise JdbcUnavailable(f"Cannot open {source.engine} connection: {exc}") from exc
    found: list[JdbcTable] = []
    try:
        inspector = sa.inspect(engine)
        schemas: list[str | None] = [None]
        if source.has_schemas:
            schemas = [s for s in inspector.get_schema_names() if s not in _SKIP_SCHEMAS]
        for schema in schemas:
            names = list(inspector.get_table_names(schema=schema))
            names += list(inspector.get_view_names(schema=schema))
            for name in names:
                found.append(
                    JdbcTable(
                        database=source.database,
                        schema=schema,
                        name=name,
                        columns=_columns(inspector, name, schema),
                    )
                )
    except sa.exc.SQLAlchemyError as exc:
        raise JdbcUnavailable(f"Cannot read {source.engine} database: {exc}") from exc
    except (ImportError, ModuleNotFoundError) as exc:
        raise JdbcUnavailable(f"No driver for {source.engine}: {exc}") from exc
    finally:
        engine.dispose()
    return source, found
