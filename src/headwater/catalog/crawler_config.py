"""A crawler's settings as the crawl needs them, compiled once from Glue's wire shapes.

:meth:`CrawlSpec.from_wire` takes the ``Crawler`` dict GetCrawler returns (or CreateCrawler's
request) plus the crawler's custom classifiers, validates them (bad exclusion globs, a bad
``Configuration`` JSON) and returns an immutable spec that :func:`crawl_s3` runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from headwater.catalog.classifiers import ClassifierSpec, classifier_from_wire
from headwater.catalog.errors import InvalidInputError
from headwater.catalog.globs import ExclusionSet

__all__ = [
    "CrawlSpec",
    "CrawlerConfiguration",
    "DeleteBehavior",
    "JdbcTarget",
    "RecrawlBehavior",
    "S3Target",
    "UpdateBehavior",
    "parse_s3_path",
]

DEFAULT_SAMPLE_BYTES = 1024 * 1024


class UpdateBehavior(StrEnum):
    """``SchemaChangePolicy.UpdateBehavior``."""

    LOG = "LOG"
    UPDATE_IN_DATABASE = "UPDATE_IN_DATABASE"


class DeleteBehavior(StrEnum):
    """``SchemaChangePolicy.DeleteBehavior``."""

    LOG = "LOG"
    DELETE_FROM_DATABASE = "DELETE_FROM_DATABASE"
    DEPRECATE_IN_DATABASE = "DEPRECATE_IN_DATABASE"


class RecrawlBehavior(StrEnum):
    """``RecrawlPolicy.RecrawlBehavior``."""

    CRAWL_EVERYTHING = "CRAWL_EVERYTHING"
    CRAWL_NEW_FOLDERS_ONLY = "CRAWL_NEW_FOLDERS_ONLY"
    CRAWL_EVENT_MODE = "CRAWL_EVENT_MODE"


def parse_s3_path(path: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> ``("bucket", "some/prefix")``."""
    text = path.strip()
    for scheme in ("s3://", "s3a://", "s3n://"):
        if text.lower().startswith(scheme):
            text = text[len(scheme) :]
            break
    else:
        raise InvalidInputError(f"S3 target path must start with s3://: {path!r}")
    bucket, _, prefix = text.partition("/")
    if not bucket:
        raise InvalidInputError(f"S3 target path has no bucket: {path!r}")
    return bucket, prefix


@dataclass(frozen=True, slots=True, kw_only=True)
class S3Target:
    """One ``S3Targets`` entry, its exclusions compiled."""

    path: str
    bucket: str
    prefix: str
    exclusions: ExclusionSet
    sample_size: int | None = None
    connection_name: str | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> S3Target:
        """From an ``S3Target`` dict (raises :class:`InvalidInputError` on a bad one)."""
        path = data.get("Path")
        if not path:
            raise InvalidInputError("S3Target: Path is required")
        bucket, prefix = parse_s3_path(str(path))
        sample = data.get("SampleSize")
        if sample is not None and not 1 <= int(sample) <= 249:
            raise InvalidInputError("S3Target.SampleSize must be between 1 and 249")
        return cls(
            path=str(path),
            bucket=bucket,
            prefix=prefix,
            exclusions=ExclusionSet.compile(data.get("Exclusions") or ()),
            sample_size=None if sample is None else int(sample),
            connection_name=data.get("ConnectionName"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class JdbcTarget:
    """One ``JdbcTargets`` entry."""

    connection_name: str
    path: str
    exclusions: ExclusionSet

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> JdbcTarget:
        """From a ``JdbcTarget`` dict."""
        connection, path = data.get("ConnectionName"), data.get("Path")
        if not connection or not path:
            raise InvalidInputError("JdbcTarget: ConnectionName and Path are required")
        return cls(
            connection_name=str(connection),
            path=str(path),
            exclusions=ExclusionSet.compile(data.get("Exclusions") or ()),
        )

    def selects(self, parts: Sequence[str]) -> bool:
        """True when ``parts`` (database, [schema,] table) is under the include path."""
        pattern = [p for p in self.path.split("/") if p]
        if not pattern:
            return False
        if len(pattern) < len(parts) and pattern[-1] == "%":
            pattern = pattern[:-1] + ["%"] * (len(parts) - len(pattern) + 1)
        if len(pattern) != len(parts):
            return False
        for want, have in zip(pattern, parts, strict=True):
            regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in want)
            if not re.fullmatch(regex, have, re.IGNORECASE):
                return False
        path = "/".join(parts)
        return not (self.exclusions.excludes(path) or self.exclusions.excludes(parts[-1]))


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlerConfiguration:
    """The crawler's ``Configuration`` JSON, the parts a crawl honours."""

    combine_compatible_schemas: bool = False
    table_level: int | None = None
    partitions_inherit_from_table: bool = False
    tables_merge_new_columns: bool = False

    @classmethod
    def parse(cls, text: str | None) -> CrawlerConfiguration:
        """From the JSON string (``None`` or empty: defaults)."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"Crawler configuration is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise InvalidInputError("Crawler configuration must be a JSON object")
        grouping = data.get("Grouping") or {}
        policy = grouping.get("TableGroupingPolicy")
        if policy not in (None, "CombineCompatibleSchemas"):
            raise InvalidInputError(f"Unknown TableGroupingPolicy {policy!r}")
        level = grouping.get("TableLevelConfiguration")
        if level is not None and (not isinstance(level, int) or level < 1):
            raise InvalidInputError("TableLevelConfiguration must be a positive integer")
        output = data.get("CrawlerOutput") or {}
        partitions = (output.get("Partitions") or {}).get("AddOrUpdateBehavior")
        tables = (output.get("Tables") or {}).get("AddOrUpdateBehavior")
        return cls(
            combine_compatible_schemas=policy == "CombineCompatibleSchemas",
            table_level=level,
            partitions_inherit_from_table=partitions == "InheritFromTable",
            tables_merge_new_columns=tables == "MergeNewColumns",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlSpec:
    """Everything one S3 crawl needs to know about its crawler."""

    crawler_name: str
    database_name: str
    targets: tuple[S3Target, ...]
    jdbc_targets: tuple[JdbcTarget, ...] = ()
    classifiers: tuple[ClassifierSpec, ...] = ()
    table_prefix: str = ""
    update_behavior: UpdateBehavior = UpdateBehavior.UPDATE_IN_DATABASE
    delete_behavior: DeleteBehavior = DeleteBehavior.DEPRECATE_IN_DATABASE
    recrawl_behavior: RecrawlBehavior = RecrawlBehavior.CRAWL_EVERYTHING
    configuration: CrawlerConfiguration = field(default_factory=CrawlerConfiguration)
    sample_bytes: int = DEFAULT_SAMPLE_BYTES

    @classmethod
    def from_wire(
        cls,
        crawler: Mapping[str, Any],
        classifiers: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]] = (),
        *,
        sample_bytes: int = DEFAULT_SAMPLE_BYTES,
    ) -> CrawlSpec:
        """From a ``Crawler`` dict and its custom classifiers.

        Args:
            crawler: GetCrawler's ``Crawler`` (or a CreateCrawler request).
            classifiers: the ``Classifier`` unions (GetClassifier's shape) the crawler names,
                as a list or a mapping by name; they are applied in ``crawler["Classifiers"]``
                order.
            sample_bytes: how much of a text object is read to classify it.
        """
        name = crawler.get("Name")
        database = crawler.get("DatabaseName")
        if not name or not database:
            raise InvalidInputError("Crawler: Name and DatabaseName are required")
        targets = crawler.get("Targets") or {}
        s3 = tuple(S3Target.from_wire(t) for t in targets.get("S3Targets") or ())
        jdbc = tuple(JdbcTarget.from_wire(t) for t in targets.get("JdbcTargets") or ())
        specs = [
            classifier_from_wire(c)
            for c in (classifiers.values() if isinstance(classifiers, Mapping) else classifiers)
        ]
        by_name = {s.name: s for s in specs}
        ordered = [by_name[n] for n in crawler.get("Classifiers") or () if n in by_name]
        ordered += [s for s in specs if s not in ordered]
        policy = crawler.get("SchemaChangePolicy") or {}
        recrawl = (crawler.get("RecrawlPolicy") or {}).get("RecrawlBehavior")
        try:
            update = UpdateBehavior(policy.get("UpdateBehavior") or "UPDATE_IN_DATABASE")
            delete = DeleteBehavior(policy.get("DeleteBehavior") or "DEPRECATE_IN_DATABASE")
            recrawl_behavior = RecrawlBehavior(recrawl or "CRAWL_EVERYTHING")
        except ValueError as exc:
            raise InvalidInputError(str(exc)) from None
        return cls(
            crawler_name=str(name),
            database_name=str(database).lower(),
            targets=s3,
            jdbc_targets=jdbc,
            classifiers=tuple(ordered),
            table_prefix=str(crawler.get("TablePrefix") or ""),
            update_behavior=update,
            delete_behavior=delete,
            recrawl_behavior=recrawl_behavior,
            configuration=CrawlerConfiguration.parse(crawler.get("Configuration")),
            sample_bytes=sample_bytes,
        )
