"""Classifying a statement and parsing the Hive-style commands sqlglot does not model.

:func:`classify` strips comments and a trailing ``;``, then recognises the utility and Hive
DDL commands (``SHOW ...``, ``DESCRIBE``, ``MSCK REPAIR TABLE``, ``ALTER TABLE ... ADD/DROP
PARTITION``, ``CREATE/DROP DATABASE``) with small grammars of their own; everything else goes
to sqlglot. :func:`substitute_parameters` applies ``ExecutionParameters`` to ``?`` markers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from headwater.query.errors import QuerySyntaxError

__all__ = [
    "Command",
    "PartitionSpec",
    "QualifiedName",
    "classify",
    "split_name",
    "strip_comments",
    "substitute_parameters",
]

_NAME_PART = r'(?:`[^`]+`|"(?:[^"]|"")+"|[\w$@-]+)'
_NAME = rf"{_NAME_PART}(?:\s*\.\s*{_NAME_PART}){{0,2}}"
_STRING = r"'(?:[^']|'')*'"


@dataclass(frozen=True, slots=True)
class QualifiedName:
    """``[catalog.][database.]name`` as written."""

    parts: tuple[str, ...]

    @property
    def name(self) -> str:
        """The last part, lower case."""
        return self.parts[-1].lower()

    def database(self, default: str) -> str:
        """The database part, or ``default``."""
        return self.parts[-2].lower() if len(self.parts) >= 2 else default

    @property
    def catalog(self) -> str | None:
        """The catalog part, when given."""
        return self.parts[-3] if len(self.parts) >= 3 else None


@dataclass(frozen=True, slots=True, kw_only=True)
class PartitionSpec:
    """One ``PARTITION (k='v', ...) [LOCATION '...']`` clause."""

    values: tuple[tuple[str, str], ...]
    location: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """A recognised utility / Hive DDL statement: ``kind`` and its arguments."""

    kind: str
    args: dict[str, Any] = field(default_factory=dict)


def split_name(text: str) -> QualifiedName:
    """Split ``a.b.c`` (backquoted or double-quoted parts allowed)."""
    parts = []
    for match in re.finditer(_NAME_PART, text):
        token = match.group(0)
        if token[0] == "`":
            token = token[1:-1]
        elif token[0] == '"':
            token = token[1:-1].replace('""', '"')
        parts.append(token)
    return QualifiedName(tuple(parts))


def _unquote(literal: str) -> str:
    body = literal.strip()[1:-1].replace("''", "'")
    # Hive DDL strings accept backslash escapes ('\t', '\001', '\\').
    return re.sub(r"\\(\d{3}|.)", _unescape, body)


def _unescape(match: re.Match[str]) -> str:
    token = match.group(1)
    if token.isdigit():
        return chr(int(token, 8))
    return {"t": "\t", "n": "\n", "r": "\r", "0": "\0"}.get(token, token)


def strip_comments(sql: str) -> str:
    """The statement without comments, surrounding space and trailing ``;``."""
    out: list[str] = []
    i = 0
    n = len(sql)
    while i < n:
        char = sql[i]
        if char in "'\"`":
            end = i + 1
            while end < n:
                if sql[end] == char:
                    if end + 1 < n and sql[end + 1] == char:
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1])
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end
            out.append(" ")
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
            out.append(" ")
        else:
            out.append(char)
            i += 1
    text = "".join(out).strip()
    while text.endswith(";"):
        text = text[:-1].rstrip()
    return text


def substitute_parameters(sql: str, parameters: tuple[str, ...] | list[str]) -> str:
    """Replace each ``?`` outside literals by the next ``ExecutionParameters`` value, verbatim."""
    if not parameters:
        return sql
    out: list[str] = []
    values = list(parameters)
    i = 0
    while i < len(sql):
        char = sql[i]
        if char in "'\"":
            end = sql.find(char, i + 1)
            while end >= 0 and end + 1 < len(sql) and sql[end + 1] == char:
                end = sql.find(char, end + 2)
            end = len(sql) - 1 if end < 0 else end
            out.append(sql[i : end + 1])
            i = end + 1
            continue
        if char == "?":
            if not values:
                raise QuerySyntaxError(
                    "Incorrect number of parameters: expected more than provided",
                    error_name="INVALID_PARAMETER_USAGE",
                )
            out.append(values.pop(0))
        else:
            out.append(char)
        i += 1
    if values:
        raise QuerySyntaxError(
            f"Incorrect number of parameters: {len(values)} more provided than used",
            error_name="INVALID_PARAMETER_USAGE",
        )
    return "".join(out)


def _partition_specs(text: str) -> list[PartitionSpec]:
    specs = []
    pattern = re.compile(
        rf"PARTITION\s*\((?P<body>(?:[^()']|{_STRING})*)\)(?:\s*LOCATION\s+(?P<loc>{_STRING}))?",
        re.IGNORECASE,
    )
    for match in pattern.finditer(text):
        values = []
        for item in re.finditer(rf"({_NAME_PART})\s*=\s*({_STRING}|[^,\s)]+)", match["body"]):
            key = split_name(item.group(1)).name
            raw = item.group(2)
            values.append((key, _unquote(raw) if raw.startswith("'") else raw))
        loc = match["loc"]
        specs.append(PartitionSpec(values=tuple(values), location=_unquote(loc) if loc else None))
    return specs


def _like(text: str | None) -> str | None:
    if not text:
        return None
    return _unquote(text)


_COMMANDS: list[tuple[str, re.Pattern[str]]] = [
    (
        "SHOW_DATABASES",
        re.compile(rf"SHOW\s+(?:DATABASES|SCHEMAS)(?:\s+(?:LIKE\s+)?(?P<like>{_STRING}))?\Z"),
    ),
    (
        "SHOW_TABLES",
        re.compile(
            rf"SHOW\s+TABLES(?:\s+(?:IN|FROM)\s+(?P<db>{_NAME}))?"
            rf"(?:\s+(?:LIKE\s+)?(?P<like>{_STRING}))?\Z"
        ),
    ),
    (
        "SHOW_VIEWS",
        re.compile(
            rf"SHOW\s+VIEWS(?:\s+(?:IN|FROM)\s+(?P<db>{_NAME}))?"
            rf"(?:\s+(?:LIKE\s+)?(?P<like>{_STRING}))?\Z"
        ),
    ),
    (
        "SHOW_COLUMNS",
        re.compile(
            rf"SHOW\s+COLUMNS\s+(?:IN|FROM)\s+(?P<table>{_NAME})"
            rf"(?:\s+(?:IN|FROM)\s+(?P<db>{_NAME}))?\Z"
        ),
    ),
    ("SHOW_PARTITIONS", re.compile(rf"SHOW\s+PARTITIONS\s+(?P<table>{_NAME})\Z")),
    ("SHOW_CREATE_TABLE", re.compile(rf"SHOW\s+CREATE\s+TABLE\s+(?P<table>{_NAME})\Z")),
    ("SHOW_CREATE_VIEW", re.compile(rf"SHOW\s+CREATE\s+VIEW\s+(?P<table>{_NAME})\Z")),
    (
        "SHOW_TBLPROPERTIES",
        re.compile(
            rf"SHOW\s+TBLPROPERTIES\s+(?P<table>{_NAME})(?:\s*\(\s*(?P<prop>{_STRING})\s*\))?\Z"
        ),
    ),
    (
        "DESCRIBE",
        re.compile(
            rf"(?:DESCRIBE|DESC)(?:\s+(?P<mode>FORMATTED|EXTENDED))?\s+(?P<table>{_NAME})"
            rf"(?:\s+(?P<column>{_NAME_PART}))?\Z"
        ),
    ),
    ("MSCK", re.compile(rf"MSCK\s+REPAIR\s+TABLE\s+(?P<table>{_NAME})\Z")),
    (
        "ALTER_ADD_PARTITION",
        re.compile(
            rf"ALTER\s+TABLE\s+(?P<table>{_NAME})\s+ADD\s+(?P<ine>IF\s+NOT\s+EXISTS\s+)?"
            r"(?P<specs>PARTITION\b.*)\Z",
            re.DOTALL,
        ),
    ),
    (
        "ALTER_DROP_PARTITION",
        re.compile(
            rf"ALTER\s+TABLE\s+(?P<table>{_NAME})\s+DROP\s+(?P<ie>IF\s+EXISTS\s+)?"
            r"(?P<specs>PARTITION\b.*)\Z",
            re.DOTALL,
        ),
    ),
    (
        "CREATE_DATABASE",
        re.compile(
            rf"CREATE\s+(?:DATABASE|SCHEMA)\s+(?P<ine>IF\s+NOT\s+EXISTS\s+)?(?P<name>{_NAME})"
            rf"(?:\s+COMMENT\s+(?P<comment>{_STRING}))?(?:\s+LOCATION\s+(?P<loc>{_STRING}))?"
            r"(?:\s+WITH\s+DBPROPERTIES\s*\((?P<props>.*)\))?\Z",
            re.DOTALL,
        ),
    ),
    (
        "DROP_DATABASE",
        re.compile(
            rf"DROP\s+(?:DATABASE|SCHEMA)\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{_NAME})"
            r"(?:\s+(?P<mode>CASCADE|RESTRICT))?\Z"
        ),
    ),
    (
        "DROP_TABLE",
        re.compile(rf"DROP\s+TABLE\s+(?P<ie>IF\s+EXISTS\s+)?(?P<table>{_NAME})(?:\s+PURGE)?\Z"),
    ),
    ("DROP_VIEW", re.compile(rf"DROP\s+VIEW\s+(?P<ie>IF\s+EXISTS\s+)?(?P<table>{_NAME})\Z")),
    (
        "UNLOAD",
        re.compile(
            rf"UNLOAD\s*\((?P<query>.*)\)\s*TO\s*(?P<loc>{_STRING})\s*WITH\s*\((?P<with>.*)\)\Z",
            re.DOTALL,
        ),
    ),
    (
        "EXPLAIN",
        re.compile(
            r"EXPLAIN(?P<analyze>\s+ANALYZE)?(?:\s*\([^)]*\))?\s+(?P<query>.*)\Z", re.DOTALL
        ),
    ),
    ("UNSUPPORTED", re.compile(r"(?:VACUUM|OPTIMIZE|MERGE|UPDATE|DELETE)\b.*")),
]


def _props(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    return {
        _unquote(k): _unquote(v) for k, v in re.findall(rf"({_STRING})\s*=\s*({_STRING})", text)
    }


def classify(sql: str) -> Command | None:
    """The recognised command, or ``None`` for a statement sqlglot should parse."""
    text = strip_comments(sql)
    flags = re.IGNORECASE | re.DOTALL
    for kind, pattern in _COMMANDS:
        match = re.match(pattern.pattern, text, flags)
        if not match:
            continue
        groups = match.groupdict()
        args: dict[str, Any] = {}
        for key in ("table", "db", "name"):
            if groups.get(key):
                args[key] = split_name(groups[key])
        if "like" in groups:
            args["like"] = _like(groups["like"])
        if groups.get("column"):
            args["column"] = split_name(groups["column"]).name
        if groups.get("prop"):
            args["prop"] = _unquote(groups["prop"])
        if groups.get("mode"):
            args["mode"] = groups["mode"].upper()
        args["if_not_exists"] = bool(groups.get("ine"))
        args["if_exists"] = bool(groups.get("ie"))
        if groups.get("specs"):
            args["specs"] = _partition_specs(groups["specs"])
        if kind == "CREATE_DATABASE":
            args["comment"] = _unquote(groups["comment"]) if groups.get("comment") else None
            args["location"] = _unquote(groups["loc"]) if groups.get("loc") else None
            args["properties"] = _props(groups.get("props"))
        if kind == "EXPLAIN":
            args["query"] = groups["query"]
            args["analyze"] = bool(groups.get("analyze"))
        if kind == "UNLOAD":
            args["query"] = groups["query"]
            args["location"] = _unquote(groups["loc"])
            args["with"] = groups["with"]
        if kind == "UNSUPPORTED":
            args["keyword"] = text.split(None, 1)[0].upper()
        return Command(kind=kind, args=args)
    return None
