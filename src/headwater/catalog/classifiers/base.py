"""What a classifier returns, and the custom classifier definitions a crawler lists.

A classifier looks at one :class:`~headwater.catalog.sampling.ObjectSample` and returns a
:class:`FileSchema` (format, columns, record statistics) with a certainty, or ``None`` when it
does not recognise the data. Custom classifiers are defined with Glue's ``CsvClassifier`` /
``JsonClassifier`` / ``GrokClassifier`` / ``XMLClassifier`` shapes
(:meth:`CsvClassifierSpec.from_wire`, ...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from headwater.catalog.compression import Compression
from headwater.catalog.errors import InvalidInputError
from headwater.catalog.model import Column

__all__ = [
    "ContainsHeader",
    "CsvClassifierSpec",
    "CsvSerde",
    "FileFormat",
    "FileSchema",
    "GrokClassifierSpec",
    "JsonClassifierSpec",
    "UnsupportedClassifierSpec",
    "XmlClassifierSpec",
    "classifier_from_wire",
]


class ContainsHeader(StrEnum):
    """``CsvClassifier.ContainsHeader``."""

    UNKNOWN = "UNKNOWN"
    PRESENT = "PRESENT"
    ABSENT = "ABSENT"


class CsvSerde(StrEnum):
    """``CsvClassifier.Serde``: which SerDe the crawler writes (``None``: it decides)."""

    OPEN_CSV = "OpenCSVSerDe"
    LAZY_SIMPLE = "LazySimpleSerDe"
    NONE = "None"


@dataclass(frozen=True, slots=True, kw_only=True)
class CsvClassifierSpec:
    """A custom CSV classifier (Glue ``CsvClassifier``)."""

    name: str
    delimiter: str = ","
    quote_symbol: str = '"'
    contains_header: ContainsHeader = ContainsHeader.UNKNOWN
    header: tuple[str, ...] = ()
    disable_value_trimming: bool = True
    allow_single_column: bool = False
    custom_datatype_configured: bool = False
    custom_datatypes: tuple[str, ...] = ()
    serde: CsvSerde = CsvSerde.NONE

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> CsvClassifierSpec:
        """From a ``CsvClassifier`` (or ``CreateCsvClassifierRequest``) dict."""
        name = data.get("Name")
        if not name:
            raise InvalidInputError("CsvClassifier: Name is required")
        delimiter = data.get("Delimiter") or ","
        quote = data.get("QuoteSymbol") or '"'
        if len(delimiter) != 1 or len(quote) != 1:
            raise InvalidInputError(
                f"CsvClassifier {name}: Delimiter and QuoteSymbol must be one character"
            )
        try:
            contains = ContainsHeader(data.get("ContainsHeader") or "UNKNOWN")
            serde = CsvSerde(data.get("Serde") or "None")
        except ValueError as exc:
            raise InvalidInputError(f"CsvClassifier {name}: {exc}") from None
        trimming = data.get("DisableValueTrimming")
        return cls(
            name=str(name),
            delimiter=delimiter,
            quote_symbol=quote,
            contains_header=contains,
            header=tuple(str(h) for h in data.get("Header") or ()),
            disable_value_trimming=True if trimming is None else bool(trimming),
            allow_single_column=bool(data.get("AllowSingleColumn", False)),
            custom_datatype_configured=bool(data.get("CustomDatatypeConfigured", False)),
            custom_datatypes=tuple(str(t).upper() for t in data.get("CustomDatatypes") or ()),
            serde=serde,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class JsonClassifierSpec:
    """A custom JSON classifier (Glue ``JsonClassifier``): ``json_path`` selects the records."""

    name: str
    json_path: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> JsonClassifierSpec:
        """From a ``JsonClassifier`` dict."""
        name, path = data.get("Name"), data.get("JsonPath")
        if not name or not path:
            raise InvalidInputError("JsonClassifier: Name and JsonPath are required")
        return cls(name=str(name), json_path=str(path))


@dataclass(frozen=True, slots=True, kw_only=True)
class GrokClassifierSpec:
    """A custom Grok classifier (Glue ``GrokClassifier``); the expression compiles at once."""

    name: str
    classification: str
    grok_pattern: str
    custom_patterns: str | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> GrokClassifierSpec:
        """From a ``GrokClassifier`` dict (a pattern that does not compile is invalid)."""
        from headwater.catalog.classifiers.grok_classifier import compile_grok

        name, classification = data.get("Name"), data.get("Classification")
        pattern = data.get("GrokPattern")
        if not name or not classification or not pattern:
            raise InvalidInputError(
                "GrokClassifier: Name, Classification and GrokPattern are required"
            )
        spec = cls(
            name=str(name),
            classification=str(classification),
            grok_pattern=str(pattern),
            custom_patterns=data.get("CustomPatterns") or None,
        )
        compile_grok(spec.grok_pattern, spec.custom_patterns)
        return spec


@dataclass(frozen=True, slots=True, kw_only=True)
class XmlClassifierSpec:
    """A custom XML classifier (Glue ``XMLClassifier``): ``row_tag`` elements are records."""

    name: str
    classification: str
    row_tag: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> XmlClassifierSpec:
        """From an ``XMLClassifier`` dict."""
        name, classification = data.get("Name"), data.get("Classification")
        if not name or not classification:
            raise InvalidInputError("XMLClassifier: Name and Classification are required")
        row_tag = str(data.get("RowTag") or "")
        if row_tag and not re.fullmatch(r"[A-Za-z_][\w.:-]*", row_tag):
            raise InvalidInputError(f"XMLClassifier {name}: RowTag {row_tag!r} is not an XML tag")
        return cls(name=str(name), classification=str(classification), row_tag=row_tag)


@dataclass(frozen=True, slots=True, kw_only=True)
class UnsupportedClassifierSpec:
    """A classifier kind crawls do not run (kept for callers of the old API)."""

    name: str
    kind: str


ClassifierSpec = (
    CsvClassifierSpec
    | JsonClassifierSpec
    | GrokClassifierSpec
    | XmlClassifierSpec
    | UnsupportedClassifierSpec
)


def classifier_from_wire(data: Mapping[str, Any]) -> ClassifierSpec:
    """A custom classifier from a Glue ``Classifier`` union (GetClassifier's shape)."""
    if "CsvClassifier" in data:
        return CsvClassifierSpec.from_wire(data["CsvClassifier"])
    if "JsonClassifier" in data:
        return JsonClassifierSpec.from_wire(data["JsonClassifier"])
    if "GrokClassifier" in data:
        return GrokClassifierSpec.from_wire(data["GrokClassifier"])
    if "XMLClassifier" in data:
        return XmlClassifierSpec.from_wire(data["XMLClassifier"])
    raise InvalidInputError("Classifier: expected CsvClassifier, JsonClassifier, ...")


@dataclass(frozen=True, slots=True, kw_only=True)
class FileFormat:
    """How one object is stored: what a table's storage descriptor and parameters record.

    Two objects can share a table only when their :meth:`compat_key` agree (same format,
    compression and, for CSV, delimiter and header), Glue's "data compatibility".
    """

    classification: str
    compression: Compression = Compression.NONE
    input_format: str
    output_format: str
    serde_library: str
    serde_parameters: tuple[tuple[str, str], ...] = ()
    parameters: tuple[tuple[str, str], ...] = ()
    compressed: bool = False

    def compat_key(self) -> tuple[Any, ...]:
        """The fields that must match for two objects to share a table."""
        params = dict(self.parameters)
        return (
            self.classification,
            self.compression,
            params.get("delimiter"),
            params.get("skip.header.line.count"),
        )

    def param(self, name: str) -> str | None:
        """A table parameter this format sets."""
        return dict(self.parameters).get(name)


@dataclass(frozen=True, slots=True, kw_only=True)
class FileSchema:
    """A classified object: its format, columns and record statistics.

    ``record_count`` is exact when the classifier read the whole object (or a columnar footer)
    and estimated from the sample otherwise; ``uncompressed_bytes`` is the estimated content
    size the ``averageRecordSize`` parameter is computed from.
    """

    format: FileFormat
    columns: tuple[Column, ...]
    record_count: int
    uncompressed_bytes: int
    classifier: str
    certainty: float = 1.0
    json_paths: tuple[str, ...] = ()
