"""Compile and validate a definition into an immutable :class:`CompiledMachine`.

Every problem becomes a :class:`Diagnostic` in AWS's style (code, message, JSON-pointer
location); :func:`compile_definition` raises :class:`DefinitionError` with them, and
:func:`validate_definition` returns them as ValidateStateMachineDefinition does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from headwater.asl.compile_base import _COMMON, _FIELDS, _JSONATA_ONLY, _JSONPATH_ONLY
from headwater.asl.compile_states import StateCompilers
from headwater.asl.errors import DefinitionError, Diagnostic, DiagnosticSeverity
from headwater.asl.model import (
    ChoiceState,
    CompiledMachine,
    ProcessorMode,
    QueryLanguage,
    State,
    StatesBlock,
    StateType,
)

__all__ = ["ValidationResult", "compile_definition", "validate_definition"]


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


class _Compiler(StateCompilers):
    """Compiles a whole machine: top level, blocks, transitions, common state fields."""

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
        self.unique_names()
        if root is None or self.diagnostics:
            return None
        return CompiledMachine(
            definition=raw,
            root=root,
            query_language=self.top_language,
            timeout_seconds=timeout if isinstance(timeout, int) else None,
            comment=raw.get("Comment"),
            blocks=MappingProxyType(self.blocks),
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
            states=MappingProxyType(states),
            location=loc or "/",
            query_language=lang,
            processor_mode=mode,
            execution_type=execution_type,
        )
        self.blocks[key] = block
        return block

    def unique_names(self) -> None:
        """State names must be unique in the whole machine, nested blocks included."""
        seen: dict[str, str] = {}
        for block in self.blocks.values():
            for name, state in block.states.items():
                if name in seen:
                    self.error(f"Duplicate State name: {name}", state.location)
                seen.setdefault(name, state.location)

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
