"""Hive type strings as Glue stores them: parse, print, and widen when schemas merge.

Glue writes nested types without spaces (``array<struct<a:int,b:string>>``); :func:`parse_type`
also accepts spaces and upper case, :func:`format_type` prints Glue's spelling.
"""

from __future__ import annotations

from dataclasses import dataclass

from headwater.catalog.errors import InvalidTypeError

__all__ = ["HiveType", "format_type", "merge_types", "parse_type", "widen_type_strings"]

_PRIMITIVES = {
    "tinyint",
    "smallint",
    "int",
    "integer",
    "bigint",
    "float",
    "double",
    "boolean",
    "string",
    "binary",
    "date",
    "timestamp",
    "interval",
    "void",
}
# Integer widening order; double absorbs every integer (Glue merges bigint + double to double).
_NUMERIC_RANK = {"tinyint": 0, "smallint": 1, "int": 2, "bigint": 3, "float": 4, "double": 5}


@dataclass(frozen=True, slots=True, kw_only=True)
class HiveType:
    """A parsed Hive type.

    ``name`` is the lower-case base name; ``params`` holds ``decimal(p,s)`` / ``varchar(n)``
    numbers; ``children`` the element (``array``), key and value (``map``) or nothing;
    ``fields`` the ``struct`` members in order.
    """

    name: str
    params: tuple[int, ...] = ()
    children: tuple[HiveType, ...] = ()
    fields: tuple[tuple[str, HiveType], ...] = ()

    def __str__(self) -> str:
        return format_type(self)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, what: str) -> InvalidTypeError:
        return InvalidTypeError(f"Invalid type {self.text!r}: {what} at position {self.pos}")

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip_ws()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self.fail(f"expected {char!r}")
        self.pos += 1

    def word(self) -> str:
        self.skip_ws()
        start = self.pos
        while self.pos < len(self.text) and (
            self.text[self.pos].isalnum() or self.text[self.pos] in "_$"
        ):
            self.pos += 1
        if start == self.pos:
            raise self.fail("expected a name")
        return self.text[start : self.pos]

    def field_name(self) -> str:
        self.skip_ws()
        if self.peek() == "`":
            self.pos += 1
            end = self.text.find("`", self.pos)
            if end < 0:
                raise self.fail("unclosed backquote")
            name = self.text[self.pos : end]
            self.pos = end + 1
            return name
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in ":<>,":
            self.pos += 1
        name = self.text[start : self.pos].strip()
        if not name:
            raise self.fail("expected a field name")
        return name

    def number(self) -> int:
        self.skip_ws()
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos].isdigit():
            self.pos += 1
        if start == self.pos:
            raise self.fail("expected a number")
        return int(self.text[start : self.pos])

    def parse(self) -> HiveType:
        name = self.word().lower()
        if name == "array":
            self.expect("<")
            element = self.parse()
            self.expect(">")
            return HiveType(name="array", children=(element,))
        if name == "map":
            self.expect("<")
            key = self.parse()
            self.expect(",")
            value = self.parse()
            self.expect(">")
            return HiveType(name="map", children=(key, value))
        if name == "struct":
            self.expect("<")
            fields: list[tuple[str, HiveType]] = []
            if self.peek() != ">":
                while True:
                    fname = self.field_name()
                    self.expect(":")
                    fields.append((fname, self.parse()))
                    if self.peek() == ",":
                        self.pos += 1
                        continue
                    break
            self.expect(">")
            return HiveType(name="struct", fields=tuple(fields))
        if name in ("decimal", "numeric"):
            if self.peek() == "(":
                self.pos += 1
                precision = self.number()
                scale = 0
                if self.peek() == ",":
                    self.pos += 1
                    scale = self.number()
                self.expect(")")
                return HiveType(name="decimal", params=(precision, scale))
            return HiveType(name="decimal", params=(10, 0))
        if name in ("varchar", "char"):
            self.expect("(")
            length = self.number()
            self.expect(")")
            return HiveType(name=name, params=(length,))
        if name == "integer":
            return HiveType(name="int")
        if name not in _PRIMITIVES:
            raise self.fail(f"unknown type {name!r}")
        return HiveType(name=name)


def parse_type(text: str) -> HiveType:
    """Parse a Hive type string; raises :class:`InvalidTypeError` when it does not parse."""
    parser = _Parser(text)
    result = parser.parse()
    parser.skip_ws()
    if parser.pos != len(text):
        raise parser.fail("unexpected text")
    return result


def format_type(t: HiveType) -> str:
    """Glue's spelling of a type: lower case, no spaces."""
    if t.name == "array":
        return f"array<{format_type(t.children[0])}>"
    if t.name == "map":
        return f"map<{format_type(t.children[0])},{format_type(t.children[1])}>"
    if t.name == "struct":
        inner = ",".join(f"{n}:{format_type(ft)}" for n, ft in t.fields)
        return f"struct<{inner}>"
    if t.name == "decimal":
        return f"decimal({t.params[0]},{t.params[1]})"
    if t.name in ("varchar", "char"):
        return f"{t.name}({t.params[0]})"
    return t.name


_STRING = HiveType(name="string")


def merge_types(a: HiveType, b: HiveType) -> HiveType:
    """The narrowest type holding values of both ``a`` and ``b``; ``string`` when none.

    ``void`` (a column seen only as null) gives way to the other side.
    """
    if a == b:
        return a
    if a.name == "void":
        return b
    if b.name == "void":
        return a
    if a.name in _NUMERIC_RANK and b.name in _NUMERIC_RANK:
        if {a.name, b.name} <= {"tinyint", "smallint", "int", "bigint"}:
            return a if _NUMERIC_RANK[a.name] >= _NUMERIC_RANK[b.name] else b
        return HiveType(name="double")
    if a.name == "decimal" and b.name == "decimal":
        scale = max(a.params[1], b.params[1])
        integral = max(a.params[0] - a.params[1], b.params[0] - b.params[1])
        return HiveType(name="decimal", params=(min(38, integral + scale), scale))
    if {a.name, b.name} == {"date", "timestamp"}:
        return HiveType(name="timestamp")
    if a.name == "array" and b.name == "array":
        return HiveType(name="array", children=(merge_types(a.children[0], b.children[0]),))
    if a.name == "map" and b.name == "map":
        return HiveType(
            name="map",
            children=(
                merge_types(a.children[0], b.children[0]),
                merge_types(a.children[1], b.children[1]),
            ),
        )
    if a.name == "struct" and b.name == "struct":
        merged: dict[str, HiveType] = {}
        order: list[str] = []
        for fname, ftype in (*a.fields, *b.fields):
            key = fname.lower()
            if key in merged:
                merged[key] = merge_types(merged[key], ftype)
            else:
                merged[key] = ftype
                order.append(fname)
        return HiveType(name="struct", fields=tuple((n, merged[n.lower()]) for n in order))
    return _STRING


def widen_type_strings(a: str, b: str) -> str:
    """:func:`merge_types` on type strings; unparsable inputs merge to ``string``."""
    if a == b:
        return a
    try:
        return format_type(merge_types(parse_type(a), parse_type(b)))
    except InvalidTypeError:
        return "string"
