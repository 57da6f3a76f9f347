"""Compile and validate a definition into an immutable :class:`CompiledMachine`.

Every problem becomes a :class:`Diagnostic` in AWS's style (code, message, JSON-pointer
location); :func:`compile_definition` raises :class:`DefinitionError` with them, and
:func:`validate_definition` returns them as ValidateStateMachineDefinition does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from headwater.asl.choice import (
    COMPARATORS,
    IS_TESTS,
    ChoiceRule,
    compile_string_matches,
)
from headwater.asl.errors import DefinitionError, Diagnostic, DiagnosticSeverity
from headwater.asl.intrinsics import IntrinsicSyntaxError, compile_intrinsic, looks_like_intrinsic
from headwater.asl.jsonata_expr import (
    JsonataSyntaxError,
    JsonataTemplate,
    compile_jsonata_template,
    is_jsonata,
)
from headwater.asl.jsonpath import JsonPath, JsonPathSyntaxError, compile_path
from headwater.asl.model import (
    Catcher,
    ChoiceState,
    CompiledMachine,
    FailState,
    JitterStrategy,
    MapState,
    NumberSource,
    ParallelState,
    PassState,
    ProcessorMode,
    QueryLanguage,
    Retrier,
    State,
    StatesBlock,
    StateType,
    SucceedState,
    TaskState,
    WaitState,
)
from headwater.asl.payload import PayloadTemplate, TemplateError, compile_payload
from headwater.asl.timestamps import parse_timestamp

__all__ = ["ValidationResult", "compile_definition", "validate_definition"]

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


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidationResult:
    """The answer of ValidateStateMachineDefinition."""

    result: str
    diagnostics: tuple[Diagnostic, ...]
    truncated: bool = False

    def to_wire(self) -> dict[str, Any]:
        """AWS's response shape."""
        return {
            "result": self.result,
            "diagnostics": [d.to_wire() for d in self.diagnostics],
            "truncated": self.truncated,
        }


class _Compiler:
    def __init__(self, machine_type: str) -> None:
        self.machine_type = machine_type
        self.diagnostics: list[Diagnostic] = []
        self.blocks: dict[str, StatesBlock] = {}
        self.top_language = QueryLanguage.JSONPATH

    # -------------------------------------------------------------- helpers
    def error(self, message: str, location: str, code: str = SCHEMA) -> None:
        self.diagnostics.append(Diagnostic(code=code, message=message, location=location or "/"))

    def path(self, raw: Any, field_name: str, loc: str) -> JsonPath | None:
        if not isinstance(raw, str):
            self.error(f"The value for the field '{field_name}' must be a STRING", loc)
            return None
        try:
            return compile_path(raw)
        except JsonPathSyntaxError:
            self.error(f"The value for the field '{field_name}' must be a valid JSONPath", loc)
            return None

    def reference_path(self, raw: Any, field_name: str, loc: str) -> JsonPath | None:
        path = self.path(raw, field_name, loc)
        if path is not None and not path.definite:
            self.error(f"The value for the field '{field_name}' must be a valid ReferencePath", loc)
            return None
        return path

    def payload(self, raw: Any, loc: str) -> PayloadTemplate | None:
        try:
            return compile_payload(raw, loc)
        except TemplateError as exc:
            self.error(exc.message, exc.location)
            return None

    def jsonata(self, raw: Any, field_name: str, loc: str) -> JsonataTemplate | None:
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
    def machine(self, raw: Any) -> CompiledMachine | None:
        if not isinstance(raw, dict):
            self.error("The state machine definition must be a JSON object", "/")
            return None
        missing = [k for k in ("States", "StartAt") if k not in raw]
        if missing:
            self.error(f"These fields are required: [{', '.join(missing)}]", "/")
            return None
        for key in raw:
            if key not in {
                "States",
                "StartAt",
                "Comment",
                "Version",
                "TimeoutSeconds",
                "QueryLanguage",
            }:
                self.error(f"The field '{key}' is not supported by Step Functions", "/")
        lang = raw.get("QueryLanguage", "JSONPath")
        if lang not in ("JSONPath", "JSONata"):
            self.error(
                "The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata]",
                "/QueryLanguage",
            )
            return None
        self.top_language = QueryLanguage(lang)
        timeout = raw.get("TimeoutSeconds")
        if timeout is not None and (
            not isinstance(timeout, int) or isinstance(timeout, bool) or timeout < 0
        ):
            self.error(
                "The value for the field 'TimeoutSeconds' must be a non-negative INTEGER",
                "/TimeoutSeconds",
            )
        root = self.block(raw, "", "", self.top_language)
        if root is None or self.diagnostics:
            return None
        return CompiledMachine(
            definition=raw,
            root=root,
            query_language=self.top_language,
            timeout_seconds=timeout if isinstance(timeout, int) else None,
            comment=raw.get("Comment"),
            blocks=self.blocks,
        )

    def block(
        self,
        raw: dict[str, Any],
        loc: str,
        key: str,
        lang: QueryLanguage,
        mode: ProcessorMode = ProcessorMode.INLINE,
        execution_type: str | None = None,
    ) -> StatesBlock | None:
        states_raw = raw.get("States")
        start_at = raw.get("StartAt")
        missing = [k for k in ("States", "StartAt") if k not in raw]
        if missing:
            self.error(f"These fields are required: [{', '.join(missing)}]", loc or "/")
            return None
        if not isinstance(states_raw, dict) or not states_raw:
            self.error("The field 'States' must be a non-empty object", f"{loc}/States")
            return None
        if not isinstance(start_at, str):
            self.error("The value for the field 'StartAt' must be a STRING", f"{loc}/StartAt")
            return None
        states: dict[str, State] = {}
        for name, state_raw in states_raw.items():
            state = self.state(name, state_raw, f"{loc}/States/{name}", key, lang)
            if state is not None:
                states[name] = state
        if start_at not in states_raw:
            self.error(
                f"Missing 'Next' target: {start_at}", f"{loc}/StartAt", "MISSING_TRANSITION_TARGET"
            )
        if len(states) == len(states_raw) and start_at in states:
            self.transitions(states, start_at, loc)
        block = StatesBlock(
            start_at=start_at,
            states=states,
            location=loc or "/",
            query_language=lang,
            processor_mode=mode,
            execution_type=execution_type,
        )
        self.blocks[key] = block
        return block

    def transitions(self, states: dict[str, State], start_at: str, loc: str) -> None:
        def targets(state: State) -> list[tuple[str, str]]:
            out: list[tuple[str, str]] = []
            if state.next is not None:
                out.append((state.next, f"{state.location}/Next"))
            if isinstance(state, ChoiceState):
                for i, rule in enumerate(state.choices):
                    if rule.next is not None:
                        out.append((rule.next, f"{state.location}/Choices/{i}/Next"))
                if state.default is not None:
                    out.append((state.default, f"{state.location}/Default"))
            for i, catcher in enumerate(state.catch):
                out.append((catcher.next, f"{state.location}/Catch/{i}/Next"))
            return out

        ok = True
        for state in states.values():
            for target, where in targets(state):
                if target not in states:
                    self.error(
                        f"Missing 'Next' target: {target}", where, "MISSING_TRANSITION_TARGET"
                    )
                    ok = False
        if not ok:
            return
        seen = {start_at}
        todo = [start_at]
        while todo:
            for target, _ in targets(states[todo.pop()]):
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        for name, state in states.items():
            if name not in seen:
                self.error(f"State '{name}' is not reachable", state.location, "UNREACHABLE_STATE")

    # -------------------------------------------------------------- states
    def state(
        self, name: str, raw: Any, loc: str, key: str, parent_lang: QueryLanguage
    ) -> State | None:
        if len(name) > 80:
            self.error(f"State name '{name}' exceeds 80 characters", loc)
        if not isinstance(raw, dict):
            self.error("The state must be a JSON object", loc)
            return None
        type_name = raw.get("Type")
        if type_name not in _FIELDS:
            if type_name is None:
                self.error("These fields are required: [Type]", loc)
            else:
                self.error(
                    "The field 'Type' should have one of these values: "
                    "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]",
                    f"{loc}/Type",
                )
            return None
        lang_raw = raw.get("QueryLanguage")
        lang = parent_lang
        if lang_raw is not None:
            if lang_raw not in ("JSONPath", "JSONata"):
                self.error(
                    "The field 'QueryLanguage' should have one of these values: "
                    "[JSONPath, JSONata]",
                    f"{loc}/QueryLanguage",
                )
                return None
            lang = QueryLanguage(lang_raw)
            if self.top_language is QueryLanguage.JSONATA and lang is QueryLanguage.JSONPATH:
                self.error(
                    "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for "
                    "whole state machine",
                    loc,
                )
                return None
        allowed = _FIELDS[type_name] | _COMMON
        ok = True
        for field_name in raw:
            if field_name not in allowed:
                self.error(f"The field '{field_name}' is not supported by Step Functions", loc)
                ok = False
            elif lang is QueryLanguage.JSONATA and field_name in _JSONPATH_ONLY:
                self.error(
                    f"The field '{field_name}' is not supported for the JSONata query language", loc
                )
                ok = False
            elif lang is QueryLanguage.JSONPATH and field_name in _JSONATA_ONLY:
                self.error(
                    f"The field '{field_name}' is not supported for the JSONPath query language",
                    loc,
                )
                ok = False
        if not ok:
            return None
        common = self.common(name, StateType(type_name), raw, loc, lang)
        if common is None:
            return None
        builder = getattr(self, f"state_{type_name.lower()}")
        result: State | None = builder(raw, loc, key, name, lang, common)
        return result

    def common(
        self, name: str, type_: StateType, raw: dict[str, Any], loc: str, lang: QueryLanguage
    ) -> dict[str, Any] | None:
        out: dict[str, Any] = {
            "name": name,
            "type": type_,
            "location": loc,
            "query_language": lang,
            "comment": raw.get("Comment"),
        }
        terminal = type_ in (StateType.SUCCEED, StateType.FAIL, StateType.CHOICE)
        if not terminal:
            has_next, end = "Next" in raw, raw.get("End")
            if has_next and end is not None:
                self.error("The fields 'Next' and 'End' are mutually exclusive", loc)
                return None
            if not has_next and end is not True:
                if end is False:
                    self.error("The value for the field 'End' must be true", f"{loc}/End")
                else:
                    self.error(
                        "These fields are required: [Next]", loc, "MISSING_TRANSITION_TARGET"
                    )
                return None
            if has_next:
                if not isinstance(raw["Next"], str):
                    self.error("The value for the field 'Next' must be a STRING", f"{loc}/Next")
                    return None
                out["next"] = raw["Next"]
            out["end"] = end is True
        for field_name, attr in (("InputPath", "input_path"), ("OutputPath", "output_path")):
            if field_name in raw:
                if raw[field_name] is None:
                    out[f"{attr}_null"] = True
                else:
                    out[attr] = self.path(raw[field_name], field_name, f"{loc}/{field_name}")
        if "ResultPath" in raw:
            if raw["ResultPath"] is None:
                out["result_path_null"] = True
            else:
                out["result_path"] = self.reference_path(
                    raw["ResultPath"], "ResultPath", f"{loc}/ResultPath"
                )
        if "Parameters" in raw:
            out["parameters"] = self.payload(raw["Parameters"], f"{loc}/Parameters")
        if "ResultSelector" in raw:
            out["result_selector"] = self.payload(raw["ResultSelector"], f"{loc}/ResultSelector")
        if "Arguments" in raw:
            out["arguments"] = self.jsonata(raw["Arguments"], "Arguments", f"{loc}/Arguments")
        if "Output" in raw:
            out["output"] = self.jsonata(raw["Output"], "Output", f"{loc}/Output")
        if "Assign" in raw:
            out["assign"] = self.assign(raw["Assign"], f"{loc}/Assign", lang)
        if "Retry" in raw:
            out["retry"] = self.retriers(raw["Retry"], f"{loc}/Retry")
        if "Catch" in raw:
            out["catch"] = self.catchers(raw["Catch"], f"{loc}/Catch", lang)
        return out

    def assign(self, raw: Any, loc: str, lang: QueryLanguage) -> Any:
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
    def state_pass(
        self,
        raw: dict[str, Any],
        loc: str,
        key: str,
        name: str,
        lang: QueryLanguage,
        common: dict[str, Any],
    ) -> State:
        return PassState(**common, result=raw.get("Result"), has_result="Result" in raw)

    def state_succeed(
        self,
        raw: dict[str, Any],
        loc: str,
        key: str,
        name: str,
        lang: QueryLanguage,
        common: dict[str, Any],
    ) -> State:
        return SucceedState(**common)

    def state_fail(
        self,
        raw: dict[str, Any],
        loc: str,
        key: str,
        name: str,
        lang: QueryLanguage,
        common: dict[str, Any],
    ) -> State | None:
        kw: dict[str, Any] = {}
        for field_name in ("Error", "Cause"):
            lower = field_name.lower()
            value = raw.get(field_name)
            path_raw = raw.get(f"{field_name}Path")
            if value is not None and path_raw is not None:
                self.error(
                    f"The fields '{field_name}' and '{field_name}Path' are mutually exclusive", loc
                )
                return None
            if value is not None:
                if not isinstance(value, str):
                    self.error(
                        f"The value for the field '{field_name}' must be a STRING",
                        f"{loc}/{field_name}",
                    )
                    return None
                if lang is QueryLanguage.JSONATA and is_jsonata(value):
                    kw[f"{lower}_expression"] = self.jsonata(
                        value, field_name, f"{loc}/{field_name}"
                    )
                else:
                    kw[lower] = value
            if path_raw is not None:
                where = f"{loc}/{field_name}Path"
                if isinstance(path_raw, str) and looks_like_intrinsic(path_raw):
                    try:
                        kw[f"{lower}_intrinsic"] = compile_intrinsic(path_raw)
                    except IntrinsicSyntaxError:
                        self.error(
                            f"The value for the field '{field_name}Path' must be a "
                            f"valid JSONPath or a valid intrinsic function call",
                            where,
                        )
                else:
                    kw[f"{lower}_path"] = self.path(path_raw, f"{field_name}Path", where)
        return FailState(**common, **kw)

    def state_task(
        self,
        raw: dict[str, Any],
        loc: str,
        key: str,
        name: str,
        lang: QueryLanguage,
        common: dict[str, Any],
    ) -> State | None:
        resource = raw.get("Resource")
        if not isinstance(resource, str):
            self.error("These fields are required: [Resource]", loc)
            return None
        if self.machine_type == "EXPRESS":
            if resource.endswith((".sync", ".sync:2")):
                self.error(
                    "Express state machine does not support '.sync' service integration",
                    f"{loc}/Resource",
                )
                return None
            if resource.endswith(".waitForTaskToken"):
                self.error(
                    "Express state machine does not support '.waitForTaskToken' "
                    "service integration ",
                    f"{loc}/Resource",
                )
                return None
        creds = raw.get("Credentials")
        if creds is not None and (
            not isinstance(creds, dict) or not ("RoleArn" in creds or "RoleArn.$" in creds)
        ):
            self.error("The field 'RoleArn' is required but was missing", f"{loc}/Credentials")
            return None
        timeout = self.number(raw, "TimeoutSeconds", loc, lang, minimum=1, maximum=99999999)
        heartbeat = self.number(raw, "HeartbeatSeconds", loc, lang, minimum=1, maximum=99999999)
        if (
            timeout
            and heartbeat
            and timeout.value is not None
            and heartbeat.value is not None
            and heartbeat.value >= timeout.value
        ):
            self.error(
                "The value of 'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'",
                f"{loc}/HeartbeatSeconds",
            )
        return TaskState(
            **common, resource=resource, timeout=timeout, heartbeat=heartbeat, credentials=creds
        )

    def state_wait(
        self,
        raw: dict[str, Any],
        loc: str,
        key: str,
        name: str,
        lang: QueryLanguage,
        common: dict[str, Any],
    ) -> State | None:
        given = [k for k in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath") if k in raw]
        if len(given) != 1:
            self.error(
                "A Wait state must have exactly one of 'Seconds', 'SecondsPath', "
                "'Timestamp' or 'TimestampPath'",
                loc,
            )
            return None
        kw: dict[str, Any] = {}
        if given[0] in ("Seconds", "SecondsPath"):
            kw["seconds"] = self.number(raw, "Seconds", loc, lang, minimum=0, maximum=99999999)
            if kw["seconds"] is None:
                return None
        elif given[0] == "Timestamp":
            value = raw["Timestamp"]
            if lang is QueryLanguage.JSONATA and is_jsonata(value):
                kw["timestamp_expression"] = self.jsonata(value, "Timestamp", f"{loc}/Timestamp")
            elif parse_timestamp(value) is None:
                self.error("String does not match RFC3339 timestamp", f"{loc}/Timestamp")
                return None
            else:
                kw["timestamp"] = value
        else:
            kw["timestamp_path"] = self.reference_path(
                raw["TimestampPath"], "TimestampPath", f"{loc}/TimestampPath"
            )
        return WaitState(**common, **kw)

    def state_choice(
        self,
        raw: dict[str, Any],
        loc: str,
        key: str,
        name: str,
        lang: QueryLanguage,
        common: dict[str, Any],
    ) -> State | None:
        choices = raw.get("Choices")
        if not isinstance(choices, list) or not choices:
            self.error("The field 'Choices' must be a non-empty ARRAY", f"{loc}/Choices")
            return None
        rules: list[ChoiceRule] = []
        for i, rule_raw in enumerate(choices):
            rule = self.choice_rule(rule_raw, f"{loc}/Choices/{i}", lang, top=True)
            if rule is not None:
                rules.append(rule)
        default = raw.get("Default")
        if default is not None and not isinstance(default, str):
            self.error("The value for the field 'Default' must be a STRING", f"{loc}/Default")
        return ChoiceState(
            **common, choices=tuple(rules), default=default if isinstance(default, str) else None
        )

    def choice_rule(
        self, raw: Any, loc: str, lang: QueryLanguage, *, top: bool
    ) -> ChoiceRule | None:
        if not isinstance(raw, dict):
            self.error("A choice rule must be an OBJECT", loc)
            return None
        kw: dict[str, Any] = {}
        if top:
            if not isinstance(raw.get("Next"), str):
                self.error("These fields are required: [Next]", loc)
                return None
            kw["next"] = raw["Next"]
            if "Assign" in raw:
                kw["assign"] = self.assign(raw["Assign"], f"{loc}/Assign", lang)
            if "Output" in raw:
                if lang is not QueryLanguage.JSONATA:
                    self.error(
                        "The field 'Output' is not supported for the JSONPath query language", loc
                    )
                    return None
                kw["output"] = self.jsonata(raw["Output"], "Output", f"{loc}/Output")
        elif "Next" in raw:
            self.error("The field 'Next' is not supported in a nested choice rule", loc)
            return None
        if lang is QueryLanguage.JSONATA:
            if "Condition" not in raw:
                self.error("These fields are required: [Condition]", loc)
                return None
            cond = raw["Condition"]
            if isinstance(cond, bool):
                cond = "{% " + ("true" if cond else "false") + " %}"
            if not is_jsonata(cond):
                self.error(
                    "The value for the field 'Condition' must be a JSONata expression",
                    f"{loc}/Condition",
                )
                return None
            return ChoiceRule(
                operator="Condition",
                condition=self.jsonata(cond, "Condition", f"{loc}/Condition"),
                **kw,
            )
        extra = {"Next", "Assign", "Comment", "Variable"}
        ops = [k for k in raw if k not in extra]
        if len(ops) != 1:
            self.error("A choice rule must have exactly one comparison operator", loc)
            return None
        op = ops[0]
        value = raw[op]
        if op in ("And", "Or"):
            if not isinstance(value, list) or not value:
                self.error(
                    f"The value for the field '{op}' must be a non-empty ARRAY", f"{loc}/{op}"
                )
                return None
            children = [
                self.choice_rule(r, f"{loc}/{op}/{i}", lang, top=False) for i, r in enumerate(value)
            ]
            if any(c is None for c in children):
                return None
            return ChoiceRule(operator=op, children=tuple(c for c in children if c), **kw)
        if op == "Not":
            child = self.choice_rule(value, f"{loc}/Not", lang, top=False)
            return ChoiceRule(operator=op, children=(child,), **kw) if child else None
        if "Variable" not in raw:
            self.error("These fields are required: [Variable]", loc)
            return None
        variable = self.path(raw["Variable"], "Variable", f"{loc}/Variable")
        if variable is None:
            return None
        if op in IS_TESTS:
            if not isinstance(value, bool):
                self.error(f"The value for the field '{op}' must be a BOOLEAN", f"{loc}/{op}")
                return None
            return ChoiceRule(operator=op, variable=variable, operand=value, **kw)
        if op == "StringMatches":
            if not isinstance(value, str):
                self.error(
                    "The value for the field 'StringMatches' must be a STRING", f"{loc}/{op}"
                )
                return None
            return ChoiceRule(
                operator=op, variable=variable, pattern=compile_string_matches(value), **kw
            )
        if op.endswith("Path") and op[:-4] in COMPARATORS:
            other = self.path(value, op, f"{loc}/{op}")
            if other is None:
                return None
            return ChoiceRule(operator=op, variable=variable, operand_path=other, **kw)
        if op not in COMPARATORS:
            self.error(f"The field '{op}' is not supported by Step Functions", loc)
            return None
        kind = op.split("Equals")[0] if op.startswith("Boolean") else op
        checks = {
            "String": lambda v: isinstance(v, str),
            "Numeric": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
            "Boolean": lambda v: isinstance(v, bool),
            "Timestamp": lambda v: parse_timestamp(v) is not None,
        }
        prefix = next(p for p in checks if kind.startswith(p))
        if not checks[prefix](value):
            wanted = {
                "String": "STRING",
                "Numeric": "NUMBER",
                "Boolean": "BOOLEAN",
                "Timestamp": "TIMESTAMP",
            }[prefix]
            self.error(f"The value for the field '{op}' must be a {wanted}", f"{loc}/{op}")
            return None
        return ChoiceRule(operator=op, variable=variable, operand=value, **kw)

    def state_parallel(
        self,
        raw: dict[str, Any],
        loc: str,
        key: str,
        name: str,
        lang: QueryLanguage,
        common: dict[str, Any],
    ) -> State | None:
        branches_raw = raw.get("Branches")
        if not isinstance(branches_raw, list) or not branches_raw:
            self.error("The field 'Branches' must be a non-empty ARRAY", f"{loc}/Branches")
            return None
        branches: list[StatesBlock] = []
        for i, branch in enumerate(branches_raw):
            if not isinstance(branch, dict):
                self.error("A branch must be an OBJECT", f"{loc}/Branches/{i}")
                continue
            block = self.block(
                branch,
                f"{loc}/Branches/{i}",
                f"{key}/{name}/{i}",
                self.inner_language(branch, lang),
            )
            if block is not None:
                branches.append(block)
        return ParallelState(**common, branches=tuple(branches))

    def inner_language(self, raw: dict[str, Any], lang: QueryLanguage) -> QueryLanguage:
        inner = raw.get("QueryLanguage")
        return QueryLanguage(inner) if inner in ("JSONPath", "JSONata") else lang

    def state_map(
        self,
        raw: dict[str, Any],
        loc: str,
        key: str,
        name: str,
        lang: QueryLanguage,
        common: dict[str, Any],
    ) -> State | None:
        proc_field = "ItemProcessor" if "ItemProcessor" in raw else "Iterator"
        if proc_field not in raw:
            self.error("These fields are required: [ItemProcessor]", loc)
            return None
        if "ItemProcessor" in raw and "Iterator" in raw:
            self.error("The fields 'ItemProcessor' and 'Iterator' are mutually exclusive", loc)
            return None
        proc = raw[proc_field]
        if not isinstance(proc, dict):
            self.error(
                f"The value for the field '{proc_field}' must be an OBJECT", f"{loc}/{proc_field}"
            )
            return None
        config = proc.get("ProcessorConfig") or {}
        mode_raw = config.get("Mode", "INLINE") if isinstance(config, dict) else "INLINE"
        if mode_raw not in ("INLINE", "DISTRIBUTED"):
            self.error(
                "The field 'Mode' should have one of these values: [INLINE, DISTRIBUTED]",
                f"{loc}/{proc_field}/ProcessorConfig/Mode",
            )
            return None
        mode = ProcessorMode(mode_raw)
        exec_type = config.get("ExecutionType") if isinstance(config, dict) else None
        if mode is ProcessorMode.DISTRIBUTED and exec_type not in ("STANDARD", "EXPRESS"):
            self.error(
                "The field 'ExecutionType' should have one of these values: [STANDARD, EXPRESS]",
                f"{loc}/{proc_field}/ProcessorConfig",
            )
            return None
        block = self.block(
            proc,
            f"{loc}/{proc_field}",
            f"{key}/{name}",
            self.inner_language(proc, lang),
            mode,
            exec_type,
        )
        distributed = mode is ProcessorMode.DISTRIBUTED
        kw: dict[str, Any] = {"processor": block, "distributed": distributed}
        if "ItemsPath" in raw:
            kw["items_path"] = self.reference_path(
                raw["ItemsPath"], "ItemsPath", f"{loc}/ItemsPath"
            )
        if "Items" in raw:
            items = raw["Items"]
            if is_jsonata(items) or isinstance(items, list):
                kw["items"] = self.jsonata(items, "Items", f"{loc}/Items")
            else:
                self.error(
                    "The value for the field 'Items' must be an ARRAY or a JSONata expression",
                    f"{loc}/Items",
                )
        selector_field = "ItemSelector" if "ItemSelector" in raw else None
        if selector_field is None and "Parameters" in raw:
            # Legacy maps: Parameters plays the ItemSelector role.
            kw["item_selector"] = common.pop("parameters", None)
        elif selector_field:
            if lang is QueryLanguage.JSONATA:
                kw["item_selector"] = self.jsonata(
                    raw[selector_field], "ItemSelector", f"{loc}/ItemSelector"
                )
            else:
                kw["item_selector"] = self.payload(raw[selector_field], f"{loc}/ItemSelector")
        kw["max_concurrency"] = self.number(raw, "MaxConcurrency", loc, lang, minimum=0)
        kw["tolerated_failure_count"] = self.number(
            raw, "ToleratedFailureCount", loc, lang, minimum=0
        )
        kw["tolerated_failure_percentage"] = self.number(
            raw, "ToleratedFailurePercentage", loc, lang, integer=False, minimum=0, maximum=100
        )
        for field_name in ("ItemReader", "ItemBatcher", "ResultWriter"):
            value = raw.get(field_name)
            if value is not None and not isinstance(value, dict):
                self.error(
                    f"The value for the field '{field_name}' must be an OBJECT",
                    f"{loc}/{field_name}",
                )
        reader = raw.get("ItemReader")
        if isinstance(reader, dict) and "Resource" not in reader:
            self.error("These fields are required: [Resource]", f"{loc}/ItemReader")
        writer = raw.get("ResultWriter")
        if isinstance(writer, dict) and not ({"Resource", "WriterConfig"} & set(writer)):
            self.error("These fields are required: [Resource]", f"{loc}/ResultWriter")
        kw["item_reader"] = reader
        kw["item_batcher"] = raw.get("ItemBatcher")
        kw["result_writer"] = writer
        if "Label" in raw:
            label = raw["Label"]
            problem = None
            if not isinstance(label, str) or not label:
                problem = "Label cannot be empty"
            elif len(label) > _MAX_LABEL:
                problem = f"Label cannot exceed {_MAX_LABEL} characters"
            else:
                bad = next(
                    (
                        c
                        for c in label
                        if c in _LABEL_BAD or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F
                    ),
                    None,
                )
                if bad is not None:
                    problem = f"Label contains invalid character: {bad!r}"
            if problem:
                self.error(problem, f"{loc}/Label")
                return None
            kw["label"] = label
        if block is None:
            return None
        return MapState(**common, **kw)


def _parse(definition: str | dict[str, Any]) -> tuple[Any, list[Diagnostic]]:
    if isinstance(definition, dict):
        return definition, []
    try:
        return json.loads(definition), []
    except (json.JSONDecodeError, TypeError) as exc:
        return None, [Diagnostic(code="INVALID_JSON_DESCRIPTION", message=str(exc), location="/")]


def compile_definition(
    definition: str | dict[str, Any], *, machine_type: str = "STANDARD"
) -> CompiledMachine:
    """Validate and compile a definition (JSON text or parsed); raise DefinitionError."""
    raw, problems = _parse(definition)
    if problems:
        raise DefinitionError(problems)
    compiler = _Compiler(machine_type)
    machine = compiler.machine(raw)
    if compiler.diagnostics:
        raise DefinitionError(compiler.diagnostics)
    assert machine is not None
    return machine


def validate_definition(
    definition: str | dict[str, Any],
    *,
    machine_type: str = "STANDARD",
    severity: str = "ERROR",
    max_results: int = 100,
) -> ValidationResult:
    """Return AWS's ValidateStateMachineDefinition answer for ``definition``."""
    raw, problems = _parse(definition)
    if not problems:
        compiler = _Compiler(machine_type)
        compiler.machine(raw)
        problems = compiler.diagnostics
    if severity == "ERROR":
        problems = [d for d in problems if d.severity is DiagnosticSeverity.ERROR]
    truncated = len(problems) > max_results
    problems = problems[:max_results]
    failed = any(d.severity is DiagnosticSeverity.ERROR for d in problems)
    return ValidationResult(
        result="FAIL" if failed else "OK", diagnostics=tuple(problems), truncated=truncated
    )
