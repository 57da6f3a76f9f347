"""Type names across the three worlds: Hive (the catalog), DuckDB (execution), Trino (Athena).

Catalog columns carry Hive type strings (``array<struct<a:int>>``); the engine reads data as
DuckDB types (``STRUCT("a" INTEGER)[]``); results and views speak Trino (``array(row(a
integer))``) and ``ColumnInfo`` uses Athena's base names (``varchar``, ``integer``, ``array``,
``row``) with its fixed precisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from headwater.query.errors import NotSupportedError

__all__ = [
    "AthenaType",
    "HType",
    "athena_type",
    "duckdb_to_hive",
    "duckdb_to_trino",
    "hive_to_duckdb",
    "hive_to_trino",
    "hive_type_text",
    "parse_hive_type",
    "trino_to_hive",
]


@dataclass(frozen=True, slots=True)
class HType:
    """A parsed Hive type: base name, numeric parameters, element/key-value children, fields."""

    name: str
    params: tuple[int, ...] = ()
    children: tuple[HType, ...] = ()
    fields: tuple[tuple[str, HType], ...] = ()


class _Reader:
    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.ws()
        return self.text[self.pos : self.pos + 1]

    def take(self, char: str) -> None:
        if self.peek() != char:
            raise NotSupportedError(f"Unknown type {self.text!r}", error_type=1100)
        self.pos += 1

    def name(self, stop: str = "<>(),:") -> str:
        """The next name or number, stopping at one of ``stop``."""
        self.ws()
        if self.peek() in '`"':
            quote = self.text[self.pos]
            end = self.text.index(quote, self.pos + 1)
            value = self.text[self.pos + 1 : end]
            self.pos = end + 1
            return value
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in stop:
            self.pos += 1
        return self.text[start : self.pos].strip()

    def number(self) -> int:
        return int(self.name())

    def parse(self) -> HType:
        base = self.name().lower()
        if base == "array":
            self.take("<")
            element = self.parse()
            self.take(">")
            return HType("array", children=(element,))
        if base == "map":
            self.take("<")
            key = self.parse()
            self.take(",")
            value = self.parse()
            self.take(">")
            return HType("map", children=(key, value))
        if base == "struct":
            self.take("<")
            fields = []
            while self.peek() != ">":
                fname = self.name()
                self.take(":")
                fields.append((fname, self.parse()))
                if self.peek() == ",":
                    self.pos += 1
            self.take(">")
            return HType("struct", fields=tuple(fields))
        if base in ("decimal", "numeric", "varchar", "char"):
            params: list[int] = []
            if self.peek() == "(":
                self.pos += 1
                params.append(self.number())
                if self.peek() == ",":
                    self.pos += 1
                    params.append(self.number())
                self.take(")")
            if base in ("decimal", "numeric"):
                return HType("decimal", params=tuple(params) + (10, 0)[len(params) :])
            return HType(base, params=tuple(params))
        return HType({"integer": "int"}.get(base, base))


def parse_hive_type(text: str) -> HType:
    """Parse a Hive type string (lenient about case and spaces)."""
    return _Reader(text).parse()


_HIVE_TO_DUCK = {
    "string": "VARCHAR",
    "varchar": "VARCHAR",
    "char": "VARCHAR",
    "tinyint": "TINYINT",
    "smallint": "SMALLINT",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "float": "FLOAT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "binary": "BLOB",
}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def hive_to_duckdb(t: HType | str) -> str:
    """The DuckDB type for a Hive type."""
    if isinstance(t, str):
        t = parse_hive_type(t)
    if t.name == "array":
        return hive_to_duckdb(t.children[0]) + "[]"
    if t.name == "map":
        return f"MAP({hive_to_duckdb(t.children[0])}, {hive_to_duckdb(t.children[1])})"
    if t.name == "struct":
        return "STRUCT(" + ", ".join(f"{_quote(n)} {hive_to_duckdb(f)}" for n, f in t.fields) + ")"
    if t.name == "decimal":
        return f"DECIMAL({min(t.params[0], 38)},{t.params[1]})"
    return _HIVE_TO_DUCK.get(t.name, "VARCHAR")


def hive_to_trino(t: HType | str) -> str:
    """The Trino spelling of a Hive type (what a view's column list records)."""
    if isinstance(t, str):
        t = parse_hive_type(t)
    if t.name == "array":
        return f"array({hive_to_trino(t.children[0])})"
    if t.name == "map":
        return f"map({hive_to_trino(t.children[0])}, {hive_to_trino(t.children[1])})"
    if t.name == "struct":
        return "row(" + ", ".join(f"{n} {hive_to_trino(f)}" for n, f in t.fields) + ")"
    if t.name == "decimal":
        return f"decimal({t.params[0]},{t.params[1]})"
    if t.name in ("varchar", "char") and t.params:
        return f"{t.name}({t.params[0]})"
    return {
        "string": "varchar",
        "int": "integer",
        "float": "real",
        "binary": "varbinary",
        "timestamp": "timestamp(3)",
    }.get(t.name, t.name)


def trino_to_hive(text: str) -> str:
    """The Hive spelling of a Trino type string (``array(varchar)`` -> ``array<string>``)."""
    return hive_type_text(_TrinoReader(text).parse())


class _TrinoReader(_Reader):
    """Trino type syntax: ``row(a integer, b array(varchar))``, ``timestamp(3) with time zone``."""

    def parse(self) -> HType:
        base = self.name("(), ").lower()
        params: list[int] = []
        children: list[HType] = []
        fields: list[tuple[str, HType]] = []
        if self.peek() == "(":
            self.pos += 1
            while self.peek() != ")":
                if base == "row":
                    fname = self.name(" (),")
                    fields.append((fname, self.parse()))
                elif base in ("array", "map"):
                    children.append(self.parse())
                else:
                    params.append(self.number())
                if self.peek() == ",":
                    self.pos += 1
            self.take(")")
        rest = self.text[self.pos :].lower()
        if base in ("timestamp", "time") and rest.lstrip().startswith("with time zone"):
            self.pos = len(self.text)
        if base == "row":
            return HType("struct", fields=tuple(fields))
        if base in ("array", "map"):
            return HType(base, children=tuple(children))
        if base == "decimal":
            return HType("decimal", params=tuple(params) + (38, 0)[len(params) :])
        if base in ("varchar", "char"):
            return HType(base, params=tuple(params))
        return HType(
            {
                "integer": "int",
                "real": "float",
                "varbinary": "binary",
                "json": "string",
                "uuid": "string",
                "time": "string",
            }.get(base, base)
        )


def hive_type_text(t: HType) -> str:
    """Glue's spelling of a parsed type (``array<struct<a:int>>``)."""
    if t.name == "array":
        return f"array<{hive_type_text(t.children[0])}>"
    if t.name == "map":
        return f"map<{hive_type_text(t.children[0])},{hive_type_text(t.children[1])}>"
    if t.name == "struct":
        return "struct<" + ",".join(f"{n}:{hive_type_text(f)}" for n, f in t.fields) + ">"
    if t.name == "decimal":
        return f"decimal({t.params[0]},{t.params[1]})"
    if t.name in ("varchar", "char"):
        return f"{t.name}({t.params[0]})" if t.params else "string"
    return t.name


_DUCK_SIMPLE_HIVE = {
    "boolean": "boolean",
    "tinyint": "tinyint",
    "smallint": "smallint",
    "integer": "int",
    "bigint": "bigint",
    "hugeint": "bigint",
    "uhugeint": "bigint",
    "utinyint": "smallint",
    "usmallint": "int",
    "uinteger": "bigint",
    "ubigint": "bigint",
    "float": "float",
    "double": "double",
    "varchar": "string",
    "date": "date",
    "timestamp": "timestamp",
    "timestamp_ms": "timestamp",
    "timestamp_s": "timestamp",
    "timestamp_ns": "timestamp",
    "timestamp with time zone": "timestamp",
    "blob": "binary",
    "time": "string",
    "interval": "string",
    "uuid": "string",
}


def duckdb_to_hive(t: Any) -> str:
    """The Hive type for a DuckDB result type (a ``DuckDBPyType``)."""
    kind = t.id
    if kind in ("list", "array"):
        return f"array<{duckdb_to_hive(t.children[0][1])}>"
    if kind == "map":
        return f"map<{duckdb_to_hive(t.children[0][1])},{duckdb_to_hive(t.children[1][1])}>"
    if kind == "struct":
        return "struct<" + ",".join(f"{n}:{duckdb_to_hive(c)}" for n, c in t.children) + ">"
    if kind == "decimal":
        return f"decimal({t.children[0][1]},{t.children[1][1]})"
    return _DUCK_SIMPLE_HIVE.get(kind, "string")


_DUCK_SIMPLE_TRINO = {
    "boolean": "boolean",
    "tinyint": "tinyint",
    "smallint": "smallint",
    "integer": "integer",
    "bigint": "bigint",
    "hugeint": "bigint",
    "uhugeint": "bigint",
    "utinyint": "smallint",
    "usmallint": "integer",
    "uinteger": "bigint",
    "ubigint": "bigint",
    "float": "real",
    "double": "double",
    "varchar": "varchar",
    "date": "date",
    "timestamp": "timestamp(3)",
    "timestamp_ms": "timestamp(3)",
    "timestamp_s": "timestamp(3)",
    "timestamp_ns": "timestamp(3)",
    "timestamp with time zone": "timestamp(3) with time zone",
    "blob": "varbinary",
    "time": "time(3)",
    "interval": "interval day to second",
    "uuid": "uuid",
}


def duckdb_to_trino(t: Any) -> str:
    """The Trino type for a DuckDB result type."""
    kind = t.id
    if kind in ("list", "array"):
        return f"array({duckdb_to_trino(t.children[0][1])})"
    if kind == "map":
        return f"map({duckdb_to_trino(t.children[0][1])}, {duckdb_to_trino(t.children[1][1])})"
    if kind == "struct":
        return "row(" + ", ".join(f"{n} {duckdb_to_trino(c)}" for n, c in t.children) + ")"
    if kind == "decimal":
        return f"decimal({t.children[0][1]},{t.children[1][1]})"
    return _DUCK_SIMPLE_TRINO.get(kind, "varchar")


@dataclass(frozen=True, slots=True)
class AthenaType:
    """A result column's ``ColumnInfo`` type: base name, precision, scale, case sensitivity.

    ``present`` tells which of Precision / Scale / CaseSensitive Athena writes into the
    ``.metadata`` file for this type (it omits some by type).
    """

    name: str
    precision: int = 0
    scale: int = 0
    case_sensitive: bool = False
    has_precision: bool = True
    has_scale: bool = True
    has_case_sensitive: bool = True


_ATHENA_FIXED = {
    "tinyint": 3,
    "smallint": 5,
    "integer": 10,
    "bigint": 19,
    "double": 17,
    "float": 17,
    "timestamp": 3,
    "time": 3,
    "timestamp with time zone": 3,
    "varbinary": 1073741824,
}


def athena_type(t: Any) -> AthenaType:
    """The ``ColumnInfo`` description of a DuckDB result type."""
    trino = duckdb_to_trino(t)
    base = trino.split("(", 1)[0].strip()
    if trino.startswith("timestamp(3) with time zone"):
        base = "timestamp with time zone"
    if base == "real":
        base = "float"
    if base in ("array", "map", "row"):
        return AthenaType(base, has_precision=False, has_scale=False, has_case_sensitive=False)
    if base == "decimal":
        return AthenaType("decimal", t.children[0][1], t.children[1][1])
    if base == "varchar":
        return AthenaType("varchar", 2147483647, 0, True)
    if base == "boolean":
        return AthenaType("boolean", has_precision=False, has_scale=False)
    if base == "date":
        return AthenaType("date", has_precision=False)
    if base.startswith("interval"):
        return AthenaType("interval day to second", has_precision=False, has_scale=False)
    if base == "uuid":
        return AthenaType("uuid", has_precision=False, has_scale=False, has_case_sensitive=False)
    return AthenaType(base, _ATHENA_FIXED.get(base, 0), 0)
