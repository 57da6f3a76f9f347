"""Classifiers: custom ones first, in the crawler's order, then Glue's built-ins.

The built-ins run in Glue's documented order (Avro, ORC, Parquet, JSON, ..., CSV); the first
that recognises the data with certainty 1.0 wins. Custom classifiers are CSV, JSON, Grok and
XML ones.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from headwater.catalog.classifiers.base import (
    ClassifierSpec,
    ContainsHeader,
    CsvClassifierSpec,
    CsvSerde,
    FileFormat,
    FileSchema,
    GrokClassifierSpec,
    JsonClassifierSpec,
    UnsupportedClassifierSpec,
    XmlClassifierSpec,
    classifier_from_wire,
)
from headwater.catalog.classifiers.columnar import classify_avro, classify_orc, classify_parquet
from headwater.catalog.classifiers.csv_classifier import classify_csv
from headwater.catalog.classifiers.grok_classifier import classify_grok, compile_grok
from headwater.catalog.classifiers.json_classifier import classify_json
from headwater.catalog.classifiers.xml_classifier import classify_xml
from headwater.catalog.sampling import ObjectSample

__all__ = [
    "BUILTIN_CLASSIFIERS",
    "ClassifierSpec",
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
    "classify_object",
]

Classifier = Callable[[ObjectSample], FileSchema | None]

# Glue's built-in order; the registry is a tuple so that adding a format is one line here.
BUILTIN_CLASSIFIERS: tuple[tuple[str, Classifier], ...] = (
    ("avro", classify_avro),
    ("orc", classify_orc),
    ("parquet", classify_parquet),
    ("json", lambda s: classify_json(s, None)),
    ("csv", lambda s: classify_csv(s, None)),
)


@functools.lru_cache(maxsize=64)
def _grok(pattern: str, custom: str | None) -> Any:
    """A Grok expression compiled once per crawl process (classifiers are immutable)."""
    return compile_grok(pattern, custom)


def classify_object(
    sample: ObjectSample, custom: Sequence[ClassifierSpec] = ()
) -> FileSchema | None:
    """The schema of one object, or ``None`` when no classifier recognises it (UNKNOWN).

    Raises:
        ClassificationError: the object cannot be read or decoded.
    """
    for spec in custom:
        result: FileSchema | None = None
        if isinstance(spec, CsvClassifierSpec):
            result = classify_csv(sample, spec)
        elif isinstance(spec, JsonClassifierSpec):
            result = classify_json(sample, spec)
        elif isinstance(spec, GrokClassifierSpec):
            result = classify_grok(
                sample,
                _grok(spec.grok_pattern, spec.custom_patterns),
                spec.classification,
                spec.grok_pattern,
            )
        elif isinstance(spec, XmlClassifierSpec):
            result = classify_xml(sample, spec.row_tag, spec.classification)
        if result is not None:
            return result
    for _name, classifier in BUILTIN_CLASSIFIERS:
        result = classifier(sample)
        if result is not None:
            return result
    return None
