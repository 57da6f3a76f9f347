"""Errors as Athena reports them: names, positions, AthenaError numbers, cancellation."""

from __future__ import annotations

import threading

import pytest

from headwater.query import (
    ColumnNotFoundError,
    FunctionNotFoundError,
    QueryCancelledError,
    QueryError,
    QuerySyntaxError,
    SchemaNotFoundError,
    TableNotFoundError,
)


@pytest.fixture
def with_table(athena):  # type: ignore[no-untyped-def]
    athena.table("t", [("a", "bigint"), ("b", "string")], "s3://b/t/")
    athena.put("s3://b/t/x.csv", "1,x\n2,y\n")
    return athena


def test_column_not_found_names_line_and_column(with_table) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ColumnNotFoundError) as err:
        with_table.run("SELECT a,\n  banana FROM t")
    assert err.value.reason == (
        "COLUMN_NOT_FOUND: line 2:3: Column 'banana' cannot be resolved or requester is not "
        "authorized to access requested resources"
    )
    assert err.value.athena_error() == {
        "ErrorCategory": 2,
        "ErrorType": 1006,
        "Retryable": False,
        "ErrorMessage": err.value.reason,
    }


def test_table_and_schema_not_found(with_table) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TableNotFoundError) as err:
        with_table.run("SELECT * FROM nosuch")
    assert err.value.reason == (
        "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.db.nosuch' does not exist"
    )
    assert err.value.error_type == 1301
    with pytest.raises(SchemaNotFoundError) as schema:
        with_table.run("SELECT * FROM nodb.t")
    assert schema.value.reason == "SCHEMA_NOT_FOUND: line 1:15: Schema 'nodb' does not exist"
    with pytest.raises(QueryError) as catalog:
        with_table.run("SELECT * FROM othercat.db.t")
    assert catalog.value.error_name == "CATALOG_NOT_FOUND"


@pytest.mark.parametrize(
    ("sql", "position"),
    [("SELEC 1", "line 1:7"), ("SELECT a FORM t", "line 1:15"), ("SELECT * FROM t WHERE", "")],
)
def test_syntax_errors(with_table, sql: str, position: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QuerySyntaxError) as err:
        with_table.engine.validate(sql)
    assert err.value.athena_error_code == "MALFORMED_QUERY"
    assert err.value.reason.startswith("SYNTAX_ERROR: line ")
    assert position in err.value.message
    with pytest.raises(QuerySyntaxError):
        with_table.run(sql)


def test_validate_accepts_commands_and_queries(with_table) -> None:  # type: ignore[no-untyped-def]
    for sql in ("SHOW TABLES", "MSCK REPAIR TABLE t", "SELECT 1", "-- c\nSELECT 1;"):
        with_table.engine.validate(sql)


def test_function_not_found(with_table) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FunctionNotFoundError) as err:
        with_table.run("SELECT no_such_fn(a) FROM t")
    assert err.value.reason == "FUNCTION_NOT_FOUND: line 1:8: Function 'no_such_fn' not registered"
    assert err.value.error_type == 1303


def test_not_aggregate_and_bad_cast(with_table) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryError) as err:
        with_table.run("SELECT a, count(*) FROM t")
    assert err.value.error_name == "EXPRESSION_NOT_AGGREGATE"
    with pytest.raises(QueryError) as cast:
        with_table.run("SELECT CAST(b AS integer) FROM t")
    assert cast.value.error_name == "INVALID_CAST_ARGUMENT"


def test_execution_parameters(with_table) -> None:  # type: ignore[no-untyped-def]
    rows = with_table.rows("SELECT b FROM t WHERE a = ? AND b <> ?", parameters=["2", "'q'"])
    assert rows == [("y",)]
    with pytest.raises(QueryError):
        with_table.run("SELECT ? FROM t", parameters=[])


def test_cancel_through_the_cursor(with_table) -> None:  # type: ignore[no-untyped-def]
    done = threading.Event()

    def keep_interrupting(cursor) -> None:  # type: ignore[no-untyped-def]
        # Interrupt until the statement gives up: an interrupt before it starts is lost.
        def loop() -> None:
            while not done.wait(0.05):
                try:
                    cursor.interrupt()
                except Exception:  # the cursor may be closed already
                    return

        threading.Thread(target=loop, daemon=True).start()

    try:
        with pytest.raises(QueryCancelledError) as err:
            with_table.run(
                "SELECT count(*) FROM UNNEST(sequence(1, 100000)) AS a(x) "
                "CROSS JOIN UNNEST(sequence(1, 100000)) AS b(y) WHERE x * y % 7 = 3",
                on_cursor=keep_interrupting,
            )
    finally:
        done.set()
    assert err.value.reason == "Query cancelled by user"
