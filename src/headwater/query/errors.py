"""Errors of the SQL engine, shaped as Athena reports a failed query.

QueryError                          error_name, message, AthenaError category/type, reason
 ├── QuerySyntaxError               SYNTAX_ERROR: the statement does not parse
 │                                  (Athena rejects it at StartQueryExecution: MALFORMED_QUERY)
 ├── TableNotFoundError             TABLE_NOT_FOUND (1301)
 ├── SchemaNotFoundError            SCHEMA_NOT_FOUND (1301)
 ├── ColumnNotFoundError            COLUMN_NOT_FOUND (1006)
 ├── FunctionNotFoundError          FUNCTION_NOT_FOUND (1303)
 ├── TypeMismatchError              TYPE_MISMATCH (1002)
 ├── NotSupportedError              NOT_SUPPORTED (1200)
 ├── AlreadyExistsError             ALREADY_EXISTS / the Hive DDL "AlreadyExistsException"
 ├── DataError                      HIVE_BAD_DATA, INVALID_CAST_ARGUMENT, DIVISION_BY_ZERO ...
 ├── QueryCancelledError            the query was interrupted (StopQueryExecution)
 └── EngineError                    GENERIC_INTERNAL_ERROR: a fault of the engine (category 1)

Every error carries what GetQueryExecution needs: ``reason`` is the ``StateChangeReason`` and
``AthenaError.ErrorMessage`` (``"COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved
..."``), ``error_category`` (1 system, 2 user) and ``error_type`` the Athena error-catalog number.
:meth:`QueryError.athena_error` renders the ``AthenaError`` dict.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AlreadyExistsError",
    "ColumnNotFoundError",
    "DataError",
    "EngineError",
    "FunctionNotFoundError",
    "NotSupportedError",
    "QueryCancelledError",
    "QueryError",
    "QuerySyntaxError",
    "SchemaNotFoundError",
    "TableNotFoundError",
    "TypeMismatchError",
]


class QueryError(Exception):
    """A failed statement, with Athena's error name, message and error-catalog numbers."""

    error_name = "GENERIC_USER_ERROR"
    error_category = 2
    error_type = 1000
    retryable = False

    def __init__(
        self,
        message: str,
        *,
        error_name: str | None = None,
        error_type: int | None = None,
        error_category: int | None = None,
        reason: str | None = None,
    ) -> None:
        if error_name is not None:
            self.error_name = error_name
        if error_type is not None:
            self.error_type = error_type
        if error_category is not None:
            self.error_category = error_category
        self.message = message
        self.reason = reason if reason is not None else f"{self.error_name}: {message}"
        super().__init__(self.reason)

    def athena_error(self) -> dict[str, Any]:
        """The ``Status.AthenaError`` dict of a FAILED query."""
        return {
            "ErrorCategory": self.error_category,
            "ErrorType": self.error_type,
            "Retryable": self.retryable,
            "ErrorMessage": self.reason,
        }


class QuerySyntaxError(QueryError):
    """The statement does not parse.

    Athena answers StartQueryExecution with ``InvalidRequestException`` (``AthenaErrorCode``
    ``MALFORMED_QUERY``, ``Message`` = :attr:`message`) instead of creating a query; a service
    that prefers a FAILED query can use :attr:`reason` (``SYNTAX_ERROR: ...``).
    """

    error_name = "SYNTAX_ERROR"
    error_type = 1006
    athena_error_code = "MALFORMED_QUERY"


class TableNotFoundError(QueryError):
    """A table or view named in the query does not exist."""

    error_name = "TABLE_NOT_FOUND"
    error_type = 1301


class SchemaNotFoundError(QueryError):
    """A database named in the query does not exist."""

    error_name = "SCHEMA_NOT_FOUND"
    error_type = 1301


class ColumnNotFoundError(QueryError):
    """A column reference cannot be resolved."""

    error_name = "COLUMN_NOT_FOUND"
    error_type = 1006


class FunctionNotFoundError(QueryError):
    """A function is not registered (or not for those argument types)."""

    error_name = "FUNCTION_NOT_FOUND"
    error_type = 1303


class TypeMismatchError(QueryError):
    """Operands or arguments of incompatible types."""

    error_name = "TYPE_MISMATCH"
    error_type = 1002


class NotSupportedError(QueryError):
    """A statement or feature the engine does not support."""

    error_name = "NOT_SUPPORTED"
    error_type = 1200


class AlreadyExistsError(QueryError):
    """The table, view or database to create already exists."""

    error_name = "ALREADY_EXISTS"
    error_type = 1003


class DataError(QueryError):
    """The data cannot be read or converted (bad files, invalid casts, division by zero)."""

    error_name = "HIVE_BAD_DATA"
    error_type = 1001


class QueryCancelledError(QueryError):
    """The statement was interrupted; the query ends CANCELLED, with no AthenaError."""

    error_name = "USER_CANCELED"
    error_type = 1011

    def __init__(self) -> None:
        super().__init__("Query cancelled by user", reason="Query cancelled by user")


class EngineError(QueryError):
    """An internal failure of the engine, reported as Athena reports its own faults."""

    error_name = "GENERIC_INTERNAL_ERROR"
    error_category = 1
    error_type = 200
