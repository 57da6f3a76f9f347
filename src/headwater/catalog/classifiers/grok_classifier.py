"""Custom Grok classifiers: ``%{PATTERN:field[:type]}`` expressions over the lines of a file.

A Grok expression is compiled once (:func:`compile_grok`) into a regular expression with one
named group per ``%{PATTERN:field}``; patterns expand recursively from the built-in library
below (the common Logstash names: ``TIMESTAMP_ISO8601``, ``LOGLEVEL``, ``IP``,
``COMBINEDAPACHELOG``, ...) and the classifier's ``CustomPatterns`` (``NAME regex`` lines).
A file matches when every complete line of its sample matches the whole expression; the
fields become columns in order, typed by their ``:type`` suffix (``int``, ``long``,
``float``, ``double``, ``boolean``, ``date``, ``timestamp``; ``string`` without one). The
table uses Glue's ``GrokSerDe`` with the expression as ``input.format``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from headwater.catalog.classifiers.base import FileFormat, FileSchema
from headwater.catalog.classifiers.csv_classifier import decode_text
from headwater.catalog.compression import Compression
from headwater.catalog.errors import InvalidInputError
from headwater.catalog.model import CSV_INPUT_FORMAT, CSV_OUTPUT_FORMAT, Column
from headwater.catalog.sampling import ObjectSample

__all__ = ["GROK_SERDE", "BUILTIN_PATTERNS", "CompiledGrok", "classify_grok", "compile_grok"]

GROK_SERDE = "com.amazonaws.glue.serde.GrokSerDe"

BUILTIN_PATTERNS: Mapping[str, str] = {
    "USERNAME": r"[a-zA-Z0-9._-]+",
    "USER": r"%{USERNAME}",
    "INT": r"(?:[+-]?(?:[0-9]+))",
    "BASE10NUM": r"(?:[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+))",
    "NUMBER": r"(?:%{BASE10NUM})",
    "BASE16NUM": r"(?:0[xX]?[0-9a-fA-F]+)",
    "POSINT": r"\b(?:[1-9][0-9]*)\b",
    "NONNEGINT": r"\b(?:[0-9]+)\b",
    "WORD": r"\b\w+\b",
    "NOTSPACE": r"\S+",
    "SPACE": r"\s*",
    "DATA": r".*?",
    "GREEDYDATA": r".*",
    "QUOTEDSTRING": r"(?:\"(?:\\.|[^\\\"])*\"|'(?:\\.|[^\\'])*')",
    "QS": r"%{QUOTEDSTRING}",
    "UUID": r"[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}",
    "MAC": r"(?:[A-Fa-f0-9]{2}[:-]){5}[A-Fa-f0-9]{2}",
    "IPV4": r"(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])",
    "IPV6": r"(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}",
    "IP": r"(?:%{IPV6}|%{IPV4})",
    "HOSTNAME": r"\b(?:[0-9A-Za-z][0-9A-Za-z-]{0,62})(?:\.(?:[0-9A-Za-z][0-9A-Za-z-]{0,62}))*\.?\b",
    "HOST": r"%{HOSTNAME}",
    "IPORHOST": r"(?:%{IP}|%{HOSTNAME})",
    "HOSTPORT": r"%{IPORHOST}:%{POSINT}",
    "UNIXPATH": r"(?:/[\w_%!$@:.,+~-]*)+",
    "PATH": r"%{UNIXPATH}",
    "URIPROTO": r"[A-Za-z][A-Za-z0-9+\-.]*",
    "URIHOST": r"%{IPORHOST}(?::%{POSINT})?",
    "URIPATH": r"(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_\-]*)+",
    "URIPARAM": r"\?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\-\[\]<>]*",
    "URIPATHPARAM": r"%{URIPATH}(?:%{URIPARAM})?",
    "URI": r"%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST})?(?:%{URIPATHPARAM})?",
    "MONTH": r"\b(?:[Jj]an(?:uary)?|[Ff]eb(?:ruary)?|[Mm]ar(?:ch)?|[Aa]pr(?:il)?|[Mm]ay|"
    r"[Jj]un(?:e)?|[Jj]ul(?:y)?|[Aa]ug(?:ust)?|[Ss]ep(?:tember)?|[Oo]ct(?:ober)?|"
    r"[Nn]ov(?:ember)?|[Dd]ec(?:ember)?)\b",
    "MONTHNUM": r"(?:0?[1-9]|1[0-2])",
    "MONTHDAY": r"(?:(?:0[1-9])|(?:[12][0-9])|(?:3[01])|[1-9])",
    "DAY": r"(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|"
    r"Sat(?:urday)?|Sun(?:day)?)",
    "YEAR": r"(?:\d\d){1,2}",
    "HOUR": r"(?:2[0123]|[01]?[0-9])",
    "MINUTE": r"(?:[0-5][0-9])",
    "SECOND": r"(?:(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?)",
    "TIME": r"%{HOUR}:%{MINUTE}(?::%{SECOND})",
    "DATE_US": r"%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}",
    "DATE_EU": r"%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}",
    "ISO8601_TIMEZONE": r"(?:Z|[+-]%{HOUR}(?::?%{MINUTE}))",
    "ISO8601_SECOND": r"(?:%{SECOND}|60)",
    "TIMESTAMP_ISO8601": r"%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}"
    r"(?::?%{SECOND})?%{ISO8601_TIMEZONE}?",
    "DATE": r"%{DATE_US}|%{DATE_EU}",
    "DATESTAMP": r"%{DATE}[- ]%{TIME}",
    "TZ": r"(?:[PMCE][SD]T|UTC|GMT)",
    "HTTPDATE": r"%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}",
    "SYSLOGTIMESTAMP": r"%{MONTH} +%{MONTHDAY} %{TIME}",
    "PROG": r"[\x21-\x5a\x5c\x5e-\x7e]+",
    "SYSLOGPROG": r"%{PROG:program}(?:\[%{POSINT:pid}\])?",
    "SYSLOGHOST": r"%{IPORHOST}",
    "LOGLEVEL": r"(?:[Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|[Nn]otice|NOTICE|[Ii]nfo|INFO|"
    r"[Ww]arn?(?:ing)?|WARN?(?:ING)?|[Ee]rr?(?:or)?|ERR?(?:OR)?|[Cc]rit?(?:ical)?|"
    r"CRIT?(?:ICAL)?|[Ff]atal|FATAL|[Ss]evere|SEVERE|EMERG(?:ENCY)?|[Ee]merg(?:ency)?)",
    "COMMONAPACHELOG": r"%{IPORHOST:clientip} %{USER:ident} %{USER:auth} "
    r"\[%{HTTPDATE:timestamp}\] \"(?:%{WORD:verb} %{NOTSPACE:request}"
    r"(?: HTTP/%{NUMBER:httpversion})?|%{DATA:rawrequest})\" %{NUMBER:response} "
    r"(?:%{NUMBER:bytes}|-)",
    "COMBINEDAPACHELOG": r"%{COMMONAPACHELOG} %{QS:referrer} %{QS:agent}",
}

_REFERENCE = re.compile(
    r"%\{(?P<pattern>[A-Za-z0-9_]+)(?::(?P<field>[^:}]+)(?::(?P<type>[^}]+))?)?\}"
)
_TYPES = {
    "int": "int",
    "integer": "int",
    "long": "bigint",
    "bigint": "bigint",
    "float": "float",
    "double": "double",
    "boolean": "boolean",
    "string": "string",
    "date": "date",
    "timestamp": "timestamp",
}
_MAX_DEPTH = 32


@dataclass(frozen=True, slots=True)
class CompiledGrok:
    """A compiled Grok expression: the regex and its fields, as ``(column, hive type)``."""

    regex: re.Pattern[str]
    fields: tuple[tuple[str, str], ...]


def _custom(text: str | None) -> dict[str, str]:
    patterns: dict[str, str] = {}
    for line in (text or "").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, body = line.partition(" ")
        if not body.strip():
            raise InvalidInputError(f"Custom pattern {name!r} has no regular expression")
        patterns[name] = body.strip()
    return patterns


def compile_grok(pattern: str, custom_patterns: str | None = None) -> CompiledGrok:
    """Compile a Grok expression; :class:`InvalidInputError` names what is wrong."""
    library = {**BUILTIN_PATTERNS, **_custom(custom_patterns)}
    fields: list[tuple[str, str]] = []
    groups: dict[str, int] = {}

    def expand(text: str, depth: int, top: bool) -> str:
        if depth > _MAX_DEPTH:
            raise InvalidInputError("Grok pattern references itself too deeply")

        def one(match: re.Match[str]) -> str:
            name = match.group("pattern")
            body = library.get(name)
            if body is None:
                raise InvalidInputError(f"Grok pattern %{{{name}}} is not defined")
            inner = expand(body, depth + 1, False)
            field = match.group("field")
            if not top or not field:
                return f"(?:{inner})"
            kind = (match.group("type") or "string").strip().lower()
            if kind not in _TYPES:
                raise InvalidInputError(f"Unsupported Grok field type {kind!r} for {field}")
            column = field.strip().lower()
            n = groups[column] = groups.get(column, 0) + 1
            group = f"g{len(fields)}"
            if n == 1:
                fields.append((column, _TYPES[kind]))
            else:  # a repeated field name fills one column
                group = f"g{next(i for i, f in enumerate(fields) if f[0] == column)}_{n}"
            return f"(?P<{group}>{inner})"

        return _REFERENCE.sub(one, text)

    try:
        regex = re.compile(expand(pattern, 0, True))
    except re.error as exc:
        raise InvalidInputError(f"Invalid Grok pattern {pattern!r}: {exc}") from None
    return CompiledGrok(regex=regex, fields=tuple(fields))


def classify_grok(
    sample: ObjectSample, grok: CompiledGrok, classification: str, pattern: str
) -> FileSchema | None:
    """The schema of a text object whose every (complete) sampled line matches ``grok``."""
    text = decode_text(sample.text, sample.text_complete)
    if text is None:
        return None
    lines = text.splitlines()
    if not sample.text_complete and lines:
        lines = lines[:-1]  # the sample may end inside a line
    lines = [line for line in lines if line.strip()]
    if not lines or not all(grok.regex.fullmatch(line) for line in lines):
        return None
    body_bytes = sum(len(line.encode("utf-8")) + 1 for line in lines)
    if sample.text_complete:
        count, content = len(lines), body_bytes
    else:
        content = int(sample.size * len(sample.text) / max(1, len(sample.head)))
        count = int(content / max(1, body_bytes) * len(lines))
    fmt = FileFormat(
        classification=classification,
        compression=sample.compression,
        input_format=CSV_INPUT_FORMAT,
        output_format=CSV_OUTPUT_FORMAT,
        serde_library=GROK_SERDE,
        serde_parameters=(("input.format", pattern),),
        parameters=(
            ("classification", classification),
            ("compressionType", str(sample.compression)),
            ("grokPattern", pattern),
            ("typeOfData", "file"),
        ),
        compressed=sample.compression is not Compression.NONE,
    )
    return FileSchema(
        format=fmt,
        columns=tuple(Column(name=n, type=t) for n, t in grok.fields),
        record_count=count,
        uncompressed_bytes=content,
        classifier=classification,
    )
