"""Shared pieces of the definition compiler: diagnostics, paths, templates, Retry, Catch."""

from __future__ import annotations

from typing import Any

from headwater.asl.errors import Diagnostic
from headwater.asl.jsonata_expr import (
    JsonataSyntaxError,
    JsonataTemplate,
    compile_jsonata_template,
    is_jsonata,
)
from headwater.asl.jsonpath import JsonPath, JsonPathSyntaxError, compile_path
from headwater.asl.model import (
    Catcher,
    JitterStrategy,
    NumberSource,
    ProcessorMode,
    QueryLanguage,
    Retrier,
    StatesBlock,
)
from headwater.asl.payload import PayloadTemplate, TemplateError, compile_payload

__all__ = ["SCHEMA", "CompilerBase"]

SCHEMA = "SCHEMA_VALIDATION_FAILED"
_COMMON = {"Type", "Comment", "QueryLanguage"}
_IO = {"InputPath", "OutputPath"}
_JSONATA_ONLY = {"Arguments", "Output", "Items"}
_JSONPATH_ONLY = {
    "InputPath",
    "OutputPath",
    "ResultPath",
    "Parameters",
    "ResultSelector",
    "ItemsPath",
    "SecondsPath",
    "TimestampPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
    "ErrorPath",
    "CausePath",
}
_FIELDS: dict[str, set[str]] = {
    "Pass": {"Next", "End", "Parameters", "Result", "ResultPath", "Assign", "Output"} | _IO,
    "Task": {
        "Next",
        "End",
        "Parameters",
        "ResultSelector",
        "ResultPath",
        "Resource",
        "TimeoutSeconds",
        "TimeoutSecondsPath",
        "HeartbeatSeconds",
        "HeartbeatSecondsPath",
        "Retry",
        "Catch",
        "Credentials",
        "Assign",
        "Arguments",
        "Output",
    }
    | _IO,
    "Choice": {"Choices", "Default", "Assign", "Output"} | _IO,
    "Wait": {
        "Next",
        "End",
        "Seconds",
        "SecondsPath",
        "Timestamp",
        "TimestampPath",
        "Assign",
        "Output",
    }
    | _IO,
    "Succeed": {"Output"} | _IO,
    "Fail": {"Error", "ErrorPath", "Cause", "CausePath"},
    "Parallel": {
        "Next",
        "End",
        "Parameters",
        "ResultSelector",
        "ResultPath",
        "Branches",
        "Retry",
        "Catch",
        "Assign",
        "Arguments",
        "Output",
    }
    | _IO,
    "Map": {
        "Next",
        "End",
        "Parameters",
        "ResultSelector",
        "ResultPath",
        "Iterator",
        "ItemProcessor",
        "ItemsPath",
        "Items",
        "ItemSelector",
        "MaxConcurrency",
        "MaxConcurrencyPath",
        "ItemReader",
        "ItemBatcher",
        "ResultWriter",
        "ToleratedFailureCount",
        "ToleratedFailureCountPath",
        "ToleratedFailurePercentage",
        "ToleratedFailurePercentagePath",
        "Label",
        "Retry",
        "Catch",
        "Assign",
        "Arguments",
        "Output",
    }
    | _IO,
}
_LABEL_BAD = set(' <>{}[]?*"#%\\^|~`$&,;:/')
_MAX_LABEL = 40


class CompilerBase:
    """Diagnostics and the field compilers every state uses."""

    def __init__(self, machine_type: str) -> None:
        self.machine_type = machine_type
        self.diagnostics: list[Diagnostic] = []
        self.blocks: dict[str, StatesBlock] = {}
        self.top_language = QueryLanguage.JSONPATH

    # -------------------------------------------------------------- helpers
    def error(self, message: str, location: str, code: str = SCHEMA) -> None:
        """Record a diagnostic."""
        self.diagnostics.append(Diagnostic(code=code, message=message, location=location or "/"))

    def path(self, raw: Any, field_name: str, loc: str) -> JsonPath | None:
        """Compile a JSONPath field."""
        if not isinstance(raw, str):
            self.error(f"The value for the field '{field_name}' must be a STRING", loc)
            return None
        try:
            return compile_path(raw)
        except JsonPathSyntaxError:
            self.error(f"The value for the field '{field_name}' must be a valid JSONPath", loc)
            return None

    def reference_path(self, raw: Any, field_name: str, loc: str) -> JsonPath | None:
        """Compile a ReferencePath field (definite paths only)."""
        path = self.path(raw, field_name, loc)
        if path is not None and not path.definite:
            self.error(f"The value for the field '{field_name}' must be a valid ReferencePath", loc)
            return None
        return path

    def payload(self, raw: Any, loc: str) -> PayloadTemplate | None:
        """Compile a JSONPath payload template."""
        try:
            return compile_payload(raw, loc)
        except TemplateError as exc:
            self.error(exc.message, exc.location)
            return None

    def jsonata(self, raw: Any, field_name: str, loc: str) -> JsonataTemplate | None:
        """Compile a JSONata-language value."""
        try:
            return compile_jsonata_template(raw, field_name, loc)
        except JsonataSyntaxError as exc:
            self.error(exc.message, exc.location)
            return None

    def number(
        self,
        raw: dict[str, Any],
        name: str,
        loc: str,
        lang: QueryLanguage,
        *,
        integer: bool = True,
        minimum: float | None = None,
        maximum: float | None = None,
    ) -> NumberSource | None:
        """Compile a number field and its ``...Path`` form."""
        value = raw.get(name)
        path_raw = raw.get(f"{name}Path")
        if value is not None and path_raw is not None:
            self.error(f"The fields '{name}' and '{name}Path' are mutually exclusive", loc)
            return None
        if path_raw is not None:
            path = self.reference_path(path_raw, f"{name}Path", f"{loc}/{name}Path")
            return NumberSource(path=path, field_name=f"{name}Path") if path else None
        if value is None:
            return None
        if is_jsonata(value):
            if lang is not QueryLanguage.JSONATA:
                self.error(f"The value for the field '{name}' must be a NUMBER", f"{loc}/{name}")
                return None
            expr = self.jsonata(value, name, f"{loc}/{name}")
            return NumberSource(expression=expr, field_name=name) if expr else None
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and integer and not float(value).is_integer():
            ok = False
        if not ok:
            kind = "INTEGER" if integer else "NUMBER"
            self.error(f"The value for the field '{name}' must be a {kind}", f"{loc}/{name}")
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.error(
                f"The value for the field '{name}' must be between "
                f"{minimum if minimum is not None else '-inf'} and "
                f"{maximum if maximum is not None else 'inf'}",
                f"{loc}/{name}",
            )
            return None
        return NumberSource(value=int(value) if integer else value, field_name=name)

    # -------------------------------------------------------------- machine
    def assign(self, raw: Any, loc: str, lang: QueryLanguage) -> Any:
        """Compile an Assign field."""
        if not isinstance(raw, dict):
            self.error("The value for the field 'Assign' must be an OBJECT", loc)
            return None
        for var in raw:
            name = var[:-2] if var.endswith(".$") else var
            if (
                not name
                or not (name[0].isalpha() or name[0] == "_")
                or not all(c.isalnum() or c == "_" for c in name)
            ):
                self.error(f"The variable name '{name}' is not valid", loc)
                return None
        if lang is QueryLanguage.JSONATA:
            return self.jsonata(raw, "Assign", loc)
        return self.payload(raw, loc)

    def error_names(self, raw: Any, loc: str) -> tuple[str, ...] | None:
        """Check an ErrorEquals list."""
        if not isinstance(raw, list) or not raw or not all(isinstance(e, str) for e in raw):
            self.error(
                "The value for the field 'ErrorEquals' must be a non-empty array of STRING", loc
            )
            return None
        if "States.ALL" in raw and len(raw) > 1:
            self.error("'States.ALL' must appear alone in 'ErrorEquals'", loc)
            return None
        return tuple(raw)

    def retriers(self, raw: Any, loc: str) -> tuple[Retrier, ...]:
        """Compile a Retry list."""
        if not isinstance(raw, list):
            self.error("The value for the field 'Retry' must be an ARRAY", loc)
            return ()
        out: list[Retrier] = []
        for i, entry in enumerate(raw):
            where = f"{loc}/{i}"
            if not isinstance(entry, dict) or "ErrorEquals" not in entry:
                self.error("These fields are required: [ErrorEquals]", where)
                continue
            for k in entry:
                if k not in {
                    "ErrorEquals",
                    "IntervalSeconds",
                    "MaxAttempts",
                    "BackoffRate",
                    "MaxDelaySeconds",
                    "JitterStrategy",
                    "Comment",
                }:
                    self.error(f"The field '{k}' is not supported by Step Functions", where)
            names = self.error_names(entry["ErrorEquals"], f"{where}/ErrorEquals")
            if names is None:
                continue
            if "States.ALL" in names and i != len(raw) - 1:
                self.error("'States.ALL' must be the last retrier", f"{where}/ErrorEquals")
            kw: dict[str, Any] = {"error_equals": names}
            for field_name, attr, lo, integer in (
                ("IntervalSeconds", "interval_seconds", 1, True),
                ("MaxAttempts", "max_attempts", 0, True),
                ("BackoffRate", "backoff_rate", 1.0, False),
                ("MaxDelaySeconds", "max_delay_seconds", 1, True),
            ):
                if field_name in entry:
                    src = self.number(
                        entry,
                        field_name,
                        where,
                        QueryLanguage.JSONPATH,
                        integer=integer,
                        minimum=lo,
                    )
                    if src is not None:
                        kw[attr] = src.value
            if "JitterStrategy" in entry:
                if entry["JitterStrategy"] not in ("FULL", "NONE"):
                    self.error(
                        "The field 'JitterStrategy' should have one of these values: [FULL, NONE]",
                        f"{where}/JitterStrategy",
                    )
                else:
                    kw["jitter"] = JitterStrategy(entry["JitterStrategy"])
            out.append(Retrier(**kw))
        return tuple(out)

    def catchers(self, raw: Any, loc: str, lang: QueryLanguage) -> tuple[Catcher, ...]:
        """Compile a Catch list."""
        if not isinstance(raw, list):
            self.error("The value for the field 'Catch' must be an ARRAY", loc)
            return ()
        out: list[Catcher] = []
        for i, entry in enumerate(raw):
            where = f"{loc}/{i}"
            if not isinstance(entry, dict):
                self.error("The catcher must be an OBJECT", where)
                continue
            missing = [k for k in ("ErrorEquals", "Next") if k not in entry]
            if missing:
                self.error(f"These fields are required: [{', '.join(missing)}]", where)
                continue
            allowed = {"ErrorEquals", "Next", "Comment", "Assign"} | (
                {"Output"} if lang is QueryLanguage.JSONATA else {"ResultPath"}
            )
            for k in entry:
                if k not in allowed:
                    self.error(f"The field '{k}' is not supported by Step Functions", where)
            names = self.error_names(entry["ErrorEquals"], f"{where}/ErrorEquals")
            if names is None:
                continue
            kw: dict[str, Any] = {"error_equals": names, "next": entry["Next"]}
            if "ResultPath" in entry:
                if entry["ResultPath"] is None:
                    kw["result_path_null"] = True
                else:
                    kw["result_path"] = self.reference_path(
                        entry["ResultPath"], "ResultPath", f"{where}/ResultPath"
                    )
            if "Output" in entry:
                kw["output"] = self.jsonata(entry["Output"], "Output", f"{where}/Output")
            if "Assign" in entry:
                kw["assign"] = self.assign(entry["Assign"], f"{where}/Assign", lang)
            out.append(Catcher(**kw))
        return tuple(out)

    # -------------------------------------------------------------- per type

    def block(
        self,
        raw: dict[str, Any],
        loc: str,
        key: str,
        lang: QueryLanguage,
        mode: ProcessorMode = ProcessorMode.INLINE,
        execution_type: str | None = None,
    ) -> StatesBlock | None:
        """Compile a StartAt + States block (implemented by the machine compiler)."""
        raise NotImplementedError
