"""The statements that are not plain queries: SHOW, DESCRIBE, Hive DDL, MSCK, partitions.

Each returns a :class:`~headwater.query.results.QueryResult`; statements that change the
catalog put :mod:`~headwater.query.catalog` changes in ``result.changes`` (nothing is applied
here). CTAS and INSERT live in :mod:`headwater.query.writes`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from headwater.query.catalog import (
    AddPartitions,
    CreateDatabase,
    CreateTable,
    DropDatabase,
    DropPartitions,
    DropTable,
)
from headwater.query.ddl import hive_failure, show_create_table, table_input_from_ddl
from headwater.query.errors import NotSupportedError, QueryError, TableNotFoundError
from headwater.query.results import OutputKind, QueryResult, ResultColumn, StatementType
from headwater.query.sources import list_files
from headwater.query.statements import Command, PartitionSpec, QualifiedName
from headwater.query.types import AthenaType
from headwater.query.utility import (
    VIEW_COLUMNS,
    describe_rows,
    like_filter,
    partition_name,
    show_columns_rows,
    string_columns,
    view_column_rows,
)
from headwater.query.views import decode_view

if TYPE_CHECKING:
    from headwater.query.engine import Execution

__all__ = [
    "HIVE_FOLDER",
    "create_database_from_ast",
    "create_external_table",
    "ddl_result",
    "drop_from_ast",
    "partition_input",
    "run_command",
    "unescape_value",
]

HIVE_FOLDER = re.compile(r"\A([^=/]+)=(.*)\Z")


def _utility(
    sub: str,
    columns: Sequence[ResultColumn],
    rows: Sequence[Sequence[str | None]],
    *,
    update_count: int | None = 0,
) -> QueryResult:
    return QueryResult(
        statement_type=StatementType.UTILITY,
        substatement_type=sub,
        columns=tuple(columns),
        rows=tuple(tuple(r) for r in rows),
        update_count=update_count,
        output=OutputKind.TXT,
    )


def ddl_result(sub: str, *changes: Any, rows: Sequence[str] = ()) -> QueryResult:
    """A DDL statement's result: no columns (unless it reports rows), the changes to apply."""
    return QueryResult(
        statement_type=StatementType.DDL,
        substatement_type=sub,
        columns=string_columns("result") if rows else (),
        rows=tuple((r,) for r in rows),
        output=OutputKind.TXT,
        changes=tuple(changes),
    )


def _table(
    run: Execution, name: QualifiedName, default: str | None = None
) -> tuple[str, str, Mapping[str, Any]]:
    database = name.database(default or run.database)
    table = run.resolver.get_table(database, name.name) if run.database_exists(database) else None
    if table is None:
        if not run.database_exists(database):
            raise hive_failure(
                f"SemanticException [Error 10072]: Database does not exist: {database}",
                error_name="SCHEMA_NOT_FOUND",
                error_type=1301,
            )
        raise hive_failure(
            f"SemanticException [Error 10001]: Table not found {database}.{name.name}",
            error_name="TABLE_NOT_FOUND",
            error_type=1301,
        )
    return database, name.name, table


def _is_view(table: Mapping[str, Any]) -> bool:
    return str(table.get("TableType")) == "VIRTUAL_VIEW"


def run_command(run: Execution, command: Command) -> QueryResult:
    """Run a statement :func:`~headwater.query.statements.classify` recognised."""
    if command.kind == "EXPLAIN":
        return _explain(run, command.args)
    if command.kind == "UNLOAD":
        from headwater.query.writes import unload

        return unload(run, command.args)
    handler = _HANDLERS.get(command.kind)
    if handler is None:
        raise NotSupportedError(f"{command.args.get('keyword', command.kind)} is not supported")
    result: QueryResult = handler(run, command.args)
    return result


def _explain(run: Execution, args: dict[str, Any]) -> QueryResult:
    """``EXPLAIN [ANALYZE] query``: DuckDB's plan of the translated query, one row per line."""
    from headwater.query.engine import parse_query

    query = parse_query(str(args["query"]).strip())
    _, _, sql = run.describe_query(query)
    prefix = "EXPLAIN ANALYZE " if args.get("analyze") else "EXPLAIN "
    rows = run.cursor.execute(prefix + sql).fetchall()
    text = "\n".join(str(r[-1]) for r in rows)
    return QueryResult(
        statement_type=StatementType.DML,
        substatement_type="EXPLAIN",
        columns=(ResultColumn(name="Query Plan", type=AthenaType("varchar", len(text), 0, True)),),
        rows=tuple((line,) for line in (text + "\n").split("\n")),
        output=OutputKind.TXT,
    )


def _show_databases(run: Execution, args: dict[str, Any]) -> QueryResult:
    names = like_filter(run.resolver.list_databases(), args.get("like"))
    return _utility("SHOW_DATABASES", string_columns("database_name"), [(n,) for n in names])


def _show_tables(run: Execution, args: dict[str, Any], views_only: bool = False) -> QueryResult:
    database = args["db"].name if args.get("db") else run.database
    if not run.database_exists(database):
        raise hive_failure(
            f"SemanticException [Error 10072]: Database does not exist: {database}",
            error_name="SCHEMA_NOT_FOUND",
            error_type=1301,
        )
    tables = run.resolver.list_tables(database)
    names = [str(t["Name"]).lower() for t in tables if not views_only or _is_view(t)]
    names = like_filter(names, args.get("like"))
    if views_only:
        return _utility(
            "SHOW_VIEWS",
            (ResultColumn(name="views", type=AthenaType("varchar")),),
            [(n,) for n in names],
        )
    return _show_result("SHOW_TABLES", "tab_name", names)


def _show_result(sub: str, column: str, values: Sequence[str]) -> QueryResult:
    return _utility(sub, string_columns(column), [(v,) for v in values])


def _show_columns(run: Execution, args: dict[str, Any]) -> QueryResult:
    default = args["db"].name if args.get("db") else None
    _, _, table = _table(run, args["table"], default)
    if _is_view(table):
        return _utility("DESC_VIEW", VIEW_COLUMNS, view_column_rows(table))
    return _show_result("SHOW_COLUMNS", "field", show_columns_rows(table))


def _partition_keys(table: Mapping[str, Any]) -> list[str]:
    return [str(k["Name"]).lower() for k in table.get("PartitionKeys") or ()]


def _show_partitions(run: Execution, args: dict[str, Any]) -> QueryResult:
    database, name, table = _table(run, args["table"])
    keys = _partition_keys(table)
    if not keys:
        raise hive_failure(
            f"SemanticException [Error 10241]: Table {name} is not a partitioned table",
            error_type=1100,
        )
    parts = sorted(
        tuple(p.get("Values") or ()) for p in run.resolver.get_partitions(database, name)
    )
    return _show_result("SHOW_PARTITIONS", "partition", [partition_name(keys, v) for v in parts])


def _show_create_table(run: Execution, args: dict[str, Any]) -> QueryResult:
    database, name, table = _table(run, args["table"])
    if _is_view(table):
        raise NotSupportedError(
            f"{database}.{name} is a view: use SHOW CREATE VIEW", error_type=1200
        )
    return _utility(
        "SHOW_CREATE_TABLE",
        string_columns("createtab_stmt"),
        [(line,) for line in show_create_table(table)],
        update_count=None,
    )


def _show_create_view(run: Execution, args: dict[str, Any]) -> QueryResult:
    database, name, table = _table(run, args["table"])
    if not _is_view(table):
        raise QueryError(
            f"line 1:1: Relation 'awsdatacatalog.{database}.{name}' is a table, not a view",
            error_name="NOT_SUPPORTED",
            error_type=1200,
        )
    view = decode_view(table.get("ViewOriginalText"), name=f"{database}.{name}")
    text = f'CREATE VIEW "awsdatacatalog"."{database}"."{name}" SECURITY DEFINER AS\n'
    text += view.original_sql
    return _utility(
        "SHOW_CREATE_VIEW",
        (ResultColumn(name="create view", type=AthenaType("varchar")),),
        [(line,) for line in text.split("\n")],
    )


def _show_tblproperties(run: Execution, args: dict[str, Any]) -> QueryResult:
    _, _, table = _table(run, args["table"])
    params = dict(table.get("Parameters") or {})
    prop = args.get("prop")
    if prop is not None:
        rows = [(params.get(prop, f"Table does not have property: {prop}"),)]
    else:
        rows = [(f"{k}\t{v}",) for k, v in params.items()]
    return _utility("SHOW_TABLE_PROPERTIES", string_columns("prpt_name", "prpt_value"), rows)


def _describe(run: Execution, args: dict[str, Any]) -> QueryResult:
    _, _, table = _table(run, args["table"])
    if _is_view(table):
        return _utility("DESC_VIEW", VIEW_COLUMNS, view_column_rows(table))
    rows = describe_rows(table)
    column = args.get("column")
    if column:
        rows = [r for r in rows if r.split("\t", 1)[0].strip().lower() == column][:1]
    return _utility(
        "DESCRIBE_TABLE",
        string_columns("col_name", "data_type", "comment"),
        [(r,) for r in rows],
        update_count=None,
    )


def unescape_value(value: str) -> str:
    """Undo Hive's ``%XX`` escaping in a partition folder name."""
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), value)


def partition_input(
    table: Mapping[str, Any], values: Sequence[str], location: str
) -> dict[str, Any]:
    """A ``PartitionInput`` with the table's storage descriptor at ``location``."""
    sd = copy.deepcopy(dict(table.get("StorageDescriptor") or {}))
    sd["Location"] = location
    return {"Values": list(values), "StorageDescriptor": sd, "Parameters": {}}


def _msck(run: Execution, args: dict[str, Any]) -> QueryResult:
    database, name, table = _table(run, args["table"])
    keys = _partition_keys(table)
    location = str((table.get("StorageDescriptor") or {}).get("Location") or "")
    if not keys or not location:
        return ddl_result("MSCK_REPAIR_TABLE")
    base = run.engine.local_path(location)
    known = {tuple(p.get("Values") or ()) for p in run.resolver.get_partitions(database, name)}
    found: dict[tuple[str, ...], str] = {}
    if base.is_dir():
        for path, _ in list_files(str(base)):
            rel = Path(path).parent.relative_to(base).parts
            if len(rel) < len(keys):
                continue
            values = []
            for key, folder in zip(keys, rel[: len(keys)], strict=True):
                match = HIVE_FOLDER.match(folder)
                if not match or match.group(1).lower() != key:
                    break
                values.append(unescape_value(match.group(2)))
            else:
                folders = "/".join(rel[: len(keys)])
                found.setdefault(tuple(values), location.rstrip("/") + "/" + folders + "/")
    new = sorted(v for v in found if v not in known)
    if not new:
        return ddl_result("MSCK_REPAIR_TABLE")
    names = [f"{name}:{partition_name(keys, v)}" for v in new]
    rows = ["Partitions not in metastore:\t" + "\t".join(names)]
    rows += [f"Repair: Added partition to metastore {n}" for n in names]
    change = AddPartitions(
        database=database,
        table=name,
        partitions=tuple(partition_input(table, v, found[v]) for v in new),
    )
    return ddl_result("MSCK_REPAIR_TABLE", change, rows=rows)


def _spec_values(spec: PartitionSpec, keys: Sequence[str], partial: bool) -> dict[str, str]:
    given = dict(spec.values)
    unknown = [k for k in given if k not in keys]
    if unknown or (not partial and len(given) != len(keys)):
        raise hive_failure(
            f"ValidationFailureSemanticException partition spec {given} doesn't contain all "
            f"({len(keys)}) partition columns",
            error_type=1100,
        )
    return given


def _alter_add(run: Execution, args: dict[str, Any]) -> QueryResult:
    database, name, table = _table(run, args["table"])
    keys = _partition_keys(table)
    if not keys:
        raise hive_failure(f"SemanticException table {name} is not partitioned", error_type=1100)
    known = {tuple(p.get("Values") or ()) for p in run.resolver.get_partitions(database, name)}
    location = str((table.get("StorageDescriptor") or {}).get("Location") or "").rstrip("/")
    adds = []
    for spec in args.get("specs") or ():
        given = _spec_values(spec, keys, partial=False)
        values = tuple(given[k] for k in keys)
        if values in known:
            if args.get("if_not_exists"):
                continue
            raise hive_failure(
                "Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. "
                f"AlreadyExistsException(message:Partition already exists: {values})",
                error_name="ALREADY_EXISTS",
            )
        where = spec.location or f"{location}/{partition_name(keys, values)}/"
        adds.append(partition_input(table, values, where))
        known.add(values)
    changes = [AddPartitions(database=database, table=name, partitions=tuple(adds))] if adds else []
    return ddl_result("ALTER_TABLE_ADD_PARTITION", *changes)


def _alter_drop(run: Execution, args: dict[str, Any]) -> QueryResult:
    database, name, table = _table(run, args["table"])
    keys = _partition_keys(table)
    existing = [tuple(p.get("Values") or ()) for p in run.resolver.get_partitions(database, name)]
    gone: list[tuple[str, ...]] = []
    for spec in args.get("specs") or ():
        given = _spec_values(spec, keys, partial=True)
        matches = [v for v in existing if all(v[keys.index(k)] == val for k, val in given.items())]
        if not matches and not args.get("if_exists"):
            raise hive_failure(
                "SemanticException [Error 10006]: Partition not found", error_type=1301
            )
        gone.extend(m for m in matches if m not in gone)
    changes = [DropPartitions(database=database, table=name, values=tuple(gone))] if gone else []
    return ddl_result("ALTER_TABLE_DROP_PARTITION", *changes)


def _create_database(run: Execution, args: dict[str, Any]) -> QueryResult:
    name = args["name"].name
    if run.database_exists(name):
        if args.get("if_not_exists"):
            return ddl_result("CREATE_DATABASE")
        raise hive_failure(
            "Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. "
            f"Database {name} already exists",
            error_name="ALREADY_EXISTS",
        )
    data: dict[str, Any] = {"Name": name, "Parameters": dict(args.get("properties") or {})}
    if args.get("comment"):
        data["Description"] = args["comment"]
    if args.get("location"):
        data["LocationUri"] = args["location"]
    return ddl_result("CREATE_DATABASE", CreateDatabase(database=data))


def _drop_database(run: Execution, args: dict[str, Any]) -> QueryResult:
    name = args["name"].name
    if not run.database_exists(name):
        if args.get("if_exists"):
            return ddl_result("DROP_DATABASE")
        raise hive_failure(
            f"SemanticException [Error 10072]: Database does not exist: {name}",
            error_name="SCHEMA_NOT_FOUND",
            error_type=1301,
        )
    cascade = args.get("mode") == "CASCADE"
    if run.resolver.list_tables(name) and not cascade:
        raise hive_failure(
            "Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. "
            f"InvalidOperationException(message:Database {name} is not empty. One or more "
            "tables exist.)",
        )
    return ddl_result("DROP_DATABASE", DropDatabase(name=name, cascade=cascade))


def _drop_table(run: Execution, args: dict[str, Any]) -> QueryResult:
    name: QualifiedName = args["table"]
    database = name.database(run.database)
    table = run.resolver.get_table(database, name.name) if run.database_exists(database) else None
    if table is None:
        if args.get("if_exists"):
            return ddl_result("DROP_TABLE")
        _table(run, name)
    assert table is not None
    if _is_view(table):
        raise hive_failure("SemanticException [Error 10137]: Cannot drop a view with DROP TABLE")
    return ddl_result("DROP_TABLE", DropTable(database=database, name=name.name))


def _drop_view(run: Execution, args: dict[str, Any]) -> QueryResult:
    name: QualifiedName = args["table"]
    database = name.database(run.database)
    table = run.resolver.get_table(database, name.name) if run.database_exists(database) else None
    if table is None or not _is_view(table):
        if args.get("if_exists") and table is None:
            return ddl_result("DROP_VIEW")
        raise TableNotFoundError(
            f"line 1:1: View 'awsdatacatalog.{database}.{name.name}' does not exist"
        )
    return ddl_result("DROP_VIEW", DropTable(database=database, name=name.name))


_HANDLERS: dict[str, Any] = {
    "SHOW_DATABASES": _show_databases,
    "SHOW_TABLES": _show_tables,
    "SHOW_VIEWS": lambda run, args: _show_tables(run, args, views_only=True),
    "SHOW_COLUMNS": _show_columns,
    "SHOW_PARTITIONS": _show_partitions,
    "SHOW_CREATE_TABLE": _show_create_table,
    "SHOW_CREATE_VIEW": _show_create_view,
    "SHOW_TBLPROPERTIES": _show_tblproperties,
    "DESCRIBE": _describe,
    "MSCK": _msck,
    "ALTER_ADD_PARTITION": _alter_add,
    "ALTER_DROP_PARTITION": _alter_drop,
    "CREATE_DATABASE": _create_database,
    "DROP_DATABASE": _drop_database,
    "DROP_TABLE": _drop_table,
    "DROP_VIEW": _drop_view,
}


def create_database_from_ast(run: Execution, create: exp.Create) -> QueryResult:
    """``CREATE DATABASE`` that the command grammar did not take."""
    name = QualifiedName((create.this.name,))
    return _create_database(run, {"name": name, "if_not_exists": bool(create.args.get("exists"))})


def drop_from_ast(run: Execution, drop: exp.Drop) -> QueryResult:
    """``DROP TABLE`` / ``VIEW`` / ``DATABASE`` that the command grammar did not take."""
    kind = str(drop.args.get("kind") or "").upper()
    target = drop.this
    parts = tuple(p for p in (target.catalog, target.db, target.name) if p)
    args = {
        "table": QualifiedName(parts),
        "name": QualifiedName(parts),
        "if_exists": bool(drop.args.get("exists")),
    }
    if kind == "VIEW":
        return _drop_view(run, args)
    if kind in ("DATABASE", "SCHEMA"):
        args["mode"] = "CASCADE" if drop.args.get("cascade") else None
        return _drop_database(run, args)
    return _drop_table(run, args)


def create_external_table(run: Execution, create: exp.Create) -> QueryResult:
    """``CREATE EXTERNAL TABLE``: the Glue table to create."""
    table_input = table_input_from_ddl(create)
    target = create.this.this
    database = target.db.lower() if target.db else run.database
    if not run.database_exists(database):
        raise hive_failure(
            f"SemanticException [Error 10072]: Database does not exist: {database}",
            error_name="SCHEMA_NOT_FOUND",
            error_type=1301,
        )
    if run.resolver.get_table(database, table_input["Name"]) is not None:
        if create.args.get("exists"):
            return ddl_result("CREATE_TABLE")
        raise hive_failure(
            "Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. "
            f"AlreadyExistsException(message:Table {table_input['Name']} already exists)",
            error_name="ALREADY_EXISTS",
        )
    return ddl_result("CREATE_TABLE", CreateTable(database=database, table=table_input))
