"""Custom classifiers: CSV, JSON, Grok and XML, stored and handed to crawlers.

All four kinds take part in the crawls of the crawlers that name them
(:mod:`headwater.catalog.classifiers`); a Grok pattern is compiled when it is created, so a
pattern that does not compile (or names an unknown ``%{PATTERN}``) is InvalidInputException.
"""

from __future__ import annotations

from typing import Any

from headwater.catalog import CatalogError, classifier_from_wire
from headwater.services.base import RequestContext
from headwater.services.glue import errors
from headwater.services.glue._core import GlueCore, page
from headwater.store.glue_catalog import ClassifierRow
from headwater.store.glue_catalog import GlueCatalogStore as S

__all__ = ["KINDS", "ClassifierOperations", "classifier_out"]

KINDS = ("GrokClassifier", "XMLClassifier", "JsonClassifier", "CsvClassifier")

_CSV_DEFAULTS: dict[str, Any] = {
    "Delimiter": ",",
    "QuoteSymbol": '"',
    "ContainsHeader": "UNKNOWN",
    "DisableValueTrimming": False,
    "AllowSingleColumn": False,
    "CustomDatatypeConfigured": False,
}


def classifier_out(row: ClassifierRow) -> dict[str, Any]:
    """The ``Classifier`` union GetClassifier returns."""
    body = {
        **row.body,
        "Name": row.name,
        "CreationTime": row.created,
        "LastUpdated": row.updated,
        "Version": row.version,
    }
    return {row.kind: body}


def _one_kind(params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    given = [k for k in KINDS if params.get(k)]
    if len(given) != 1:
        raise errors.invalid_input(
            "Exactly one of GrokClassifier, XMLClassifier, JsonClassifier or CsvClassifier "
            "must be specified"
        )
    kind = given[0]
    body = dict(params[kind])
    if not body.get("Name"):
        raise errors.invalid_input(f"{kind}.Name is required")
    return kind, body


def _check(kind: str, body: dict[str, Any]) -> None:
    if kind == "GrokClassifier" and not (body.get("Classification") and body.get("GrokPattern")):
        raise errors.invalid_input("GrokClassifier needs Classification and GrokPattern")
    if kind == "XMLClassifier" and not body.get("Classification"):
        raise errors.invalid_input("XMLClassifier needs Classification")
    try:
        classifier_from_wire({kind: body})
    except CatalogError as exc:
        raise errors.invalid_input(str(exc)) from None


class ClassifierOperations(GlueCore):
    """CreateClassifier, GetClassifier(s), UpdateClassifier, DeleteClassifier."""

    def create_classifier(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateClassifier."""
        kind, body = _one_kind(params)
        if kind == "CsvClassifier":
            body = {**_CSV_DEFAULTS, **body}
        _check(kind, body)
        name = str(body.pop("Name"))
        now = self._now()
        with self.env.store.transaction() as conn:
            if S.get_classifier(conn, ctx.region, name) is not None:
                raise errors.already_exists(f"{name} already exists")
            S.put_classifier(
                conn,
                ClassifierRow(
                    region=ctx.region,
                    name=name,
                    kind=kind,
                    body=body,
                    version=1,
                    created=now,
                    updated=now,
                ),
            )
        return {}

    def _classifier(self, ctx: RequestContext, name: str) -> ClassifierRow:
        with self.env.store.read() as conn:
            row = S.get_classifier(conn, ctx.region, name)
        if row is None:
            raise errors.entity_not_found(f"Classifier {name} not found")
        return row

    def get_classifier(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetClassifier."""
        return {"Classifier": classifier_out(self._classifier(ctx, params["Name"]))}

    def get_classifiers(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetClassifiers."""
        with self.env.store.read() as conn:
            rows = S.list_classifiers(conn, ctx.region)
        chunk, nxt = page(rows, params)
        out: dict[str, Any] = {"Classifiers": [classifier_out(r) for r in chunk]}
        if nxt:
            out["NextToken"] = nxt
        return out

    def update_classifier(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateClassifier: the given fields replace the stored ones."""
        kind, changes = _one_kind(params)
        name = str(changes.pop("Name"))
        with self.env.store.transaction() as conn:
            row = S.get_classifier(conn, ctx.region, name)
            if row is None:
                raise errors.entity_not_found(f"Classifier {name} not found")
            if row.kind != kind:
                raise errors.invalid_input(f"Classifier {name} is a {row.kind}, not a {kind}")
            body = {**row.body, **changes}
            _check(kind, {**body, "Name": name})
            S.put_classifier(
                conn,
                ClassifierRow(
                    region=row.region,
                    name=name,
                    kind=kind,
                    body=body,
                    version=row.version + 1,
                    created=row.created,
                    updated=self._now(),
                ),
            )
        return {}

    def delete_classifier(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteClassifier."""
        with self.env.store.transaction() as conn:
            if not S.delete_classifier(conn, ctx.region, params["Name"]):
                raise errors.entity_not_found(f"Classifier {params['Name']} not found")
        return {}

    def classifier_dicts(self, region: str, names: list[str]) -> list[dict[str, Any]]:
        """The ``Classifier`` unions of the named classifiers (for a crawl), skipping unknown."""
        with self.env.store.read() as conn:
            rows = [S.get_classifier(conn, region, n) for n in names]
        return [classifier_out(r) for r in rows if r is not None]
