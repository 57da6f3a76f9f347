"""What a rule target receives: Input, InputPath or InputTransformer, compiled at PutTargets.

JSON paths are EventBridge's subset: ``$`` followed by ``.name`` steps (names may hold
letters, digits, ``-``, ``_``, ``/`` and other characters except ``.``, ``[`` and ``]``),
``[n]`` array indexes and ``*`` / ``[*]`` wildcards (which collect every match into a list).

An InputTemplate is a JSON template when it starts with ``{`` (after white space), otherwise a
string template whose text is delivered as written (AWS does not add or remove the quotes a
user puts around it). Placeholders are ``<name>`` where ``name`` is an InputPathsMap key or one
of the predefined variables. How a value is written into the template follows AWS's rules:

* inside a JSON string literal, or anywhere in a string template, strings are inserted raw
  (EventBridge does not escape them), numbers, booleans and null as their JSON text, and
  objects and arrays as JSON text with their quotes removed;
* elsewhere in a JSON template the value's JSON text is inserted, so a string gets its
  quotes (``{"state": <state>}`` gives ``{"state": "RUNNING"}``);
* a path that matches nothing gives an empty string inside strings and ``null`` elsewhere.

``<aws.events.event>`` is the event without ``detail`` (with ``detail-type`` renamed
``detailType``); ``<aws.events.event.json>`` is the whole event. Predefined variables other than
those two are strings.

Error texts: "Only one of Input, InputPath, or InputTransformer must be provided ...",
"... contains invalid placeholder ..." and "Input for target ... is not a valid JSON text." are
AWS's; the wording of the invalid-JSON-path errors is our own (AWS's was not recorded).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from headwater.events.errors import InvalidTargetInputError

__all__ = [
    "NOT_FOUND",
    "PREDEFINED_VARIABLES",
    "InputTransformer",
    "JsonPath",
    "TargetInput",
    "compile_input_transformer",
    "compile_json_path",
    "compile_target_input",
    "dump_json",
]


class _NotFound:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_FOUND"


NOT_FOUND: Final = _NotFound()
RULE_ARN = "aws.events.rule-arn"
RULE_NAME = "aws.events.rule-name"
INGESTION_TIME = "aws.events.event.ingestion-time"
EVENT = "aws.events.event"
EVENT_JSON = "aws.events.event.json"
PREDEFINED_VARIABLES = frozenset({RULE_ARN, RULE_NAME, INGESTION_TIME, EVENT, EVENT_JSON})
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_STEP = re.compile(r"\.([^.\[\]]+)|\[(\*|[0-9]+)\]")
_WILD = "*"


def dump_json(value: Any) -> str:
    """JSON text as EventBridge delivers it: compact, non-ASCII characters unescaped."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class JsonPath:
    """A compiled EventBridge JSON path (see the module docstring)."""

    text: str
    steps: tuple[str | int, ...]

    @property
    def has_wildcard(self) -> bool:
        """Whether the path can select several values (then it yields a list)."""
        return _WILD in self.steps

    def select(self, document: Any) -> Any:
        """The selected value, a list of values for wildcard paths, or ``NOT_FOUND``."""
        current: list[Any] = [document]
        for step in self.steps:
            following: list[Any] = []
            for node in current:
                if step == _WILD:
                    if isinstance(node, dict):
                        following.extend(node.values())
                    elif isinstance(node, list):
                        following.extend(node)
                elif isinstance(step, int):
                    if isinstance(node, list) and step < len(node):
                        following.append(node[step])
                elif isinstance(node, dict) and step in node:
                    following.append(node[step])
            current = following
        if self.has_wildcard:
            return current if current else NOT_FOUND
        return current[0] if current else NOT_FOUND


def compile_json_path(text: str) -> JsonPath | None:
    """Compile a JSON path; ``None`` if it is not in EventBridge's subset."""
    if not text.startswith("$"):
        return None
    steps: list[str | int] = []
    pos = 1
    while pos < len(text):
        m = _STEP.match(text, pos)
        if m is None:
            return None
        name, index = m.group(1), m.group(2)
        if name is not None:
            steps.append(_WILD if name == _WILD else name)
        else:
            steps.append(_WILD if index == _WILD else int(index))
        pos = m.end()
    return JsonPath(text=text, steps=tuple(steps))


def _unquoted_json(value: Any) -> str:
    return dump_json(value).replace('"', "")


def _in_string(value: Any) -> str:
    if value is NOT_FOUND:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return _unquoted_json(value)
    return dump_json(value)


def _outside_string(value: Any) -> str:
    return "null" if value is NOT_FOUND else dump_json(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class InputTransformer:
    """A compiled InputPathsMap + InputTemplate.

    ``parts`` alternates literal text and ``(name, in_string)`` placeholders, where
    ``in_string`` tells whether the placeholder sits inside a string (see the module doc).
    """

    template: str
    paths: Mapping[str, JsonPath]
    is_json: bool
    parts: tuple[str | tuple[str, bool], ...]

    def render(
        self,
        event: Mapping[str, Any],
        *,
        rule_arn: str,
        rule_name: str,
        ingestion_time: str | None = None,
    ) -> str:
        """The text delivered to the target for ``event``."""
        values: dict[str, Any] = {}
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            name, in_string = part
            if name not in values:
                values[name] = self._value(name, event, rule_arn, rule_name, ingestion_time)
            value = values[name]
            out.append(_in_string(value) if in_string else _outside_string(value))
        return "".join(out)

    def _value(
        self,
        name: str,
        event: Mapping[str, Any],
        rule_arn: str,
        rule_name: str,
        ingestion_time: str | None,
    ) -> Any:
        path = self.paths.get(name)
        if path is not None:
            return path.select(event)
        if name == RULE_ARN:
            return rule_arn
        if name == RULE_NAME:
            return rule_name
        if name == INGESTION_TIME:
            return ingestion_time if ingestion_time is not None else event.get("time", NOT_FOUND)
        if name == EVENT:
            return {
                ("detailType" if k == "detail-type" else k): v
                for k, v in event.items()
                if k != "detail"
            }
        return dict(event)


def _split_template(template: str, is_json: bool) -> list[str | tuple[str, bool]]:
    parts: list[str | tuple[str, bool]] = []
    in_string = not is_json
    literal_start = 0
    i, n = 0, len(template)
    while i < n:
        ch = template[i]
        if is_json and ch == "\\" and in_string:
            i += 2
            continue
        if is_json and ch == '"':
            in_string = not in_string
        elif ch == "<":
            m = _PLACEHOLDER.match(template, i)
            if m is not None:
                if literal_start < i:
                    parts.append(template[literal_start:i])
                parts.append((m.group(1), in_string))
                i = literal_start = m.end()
                continue
        i += 1
    if literal_start < n:
        parts.append(template[literal_start:])
    return parts


def compile_input_transformer(
    input_paths_map: Mapping[str, str] | None, input_template: str, *, target_id: str
) -> InputTransformer:
    """Compile an InputTransformer as PutTargets validates it.

    Raises:
        InvalidTargetInputError: a path is not a valid JSON path, or the template names a
            placeholder that is neither an InputPathsMap key nor a predefined variable.
    """
    paths: dict[str, JsonPath] = {}
    for key, text in (input_paths_map or {}).items():
        path = compile_json_path(text)
        if path is None:
            raise InvalidTargetInputError(
                f"InputPathsMap for target {target_id} contains an invalid JSON path: {text}."
            )
        paths[key] = path
    is_json = input_template.lstrip().startswith("{")
    parts = _split_template(input_template, is_json)
    for part in parts:
        if (
            not isinstance(part, str)
            and part[0] not in paths
            and part[0] not in PREDEFINED_VARIABLES
        ):
            raise InvalidTargetInputError(
                f"InputTemplate for target {target_id} contains invalid placeholder {part[0]}."
            )
    return InputTransformer(
        template=input_template, paths=MappingProxyType(paths), is_json=is_json, parts=tuple(parts)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetInput:
    """How one target turns a matched event into the text it is sent."""

    target_id: str
    input: str | None = None
    input_path: JsonPath | None = None
    transformer: InputTransformer | None = None

    @property
    def whole_event(self) -> bool:
        """Whether the target is sent the matched event itself (:func:`dump_json` of it)."""
        return self.input is None and self.input_path is None and self.transformer is None

    def render(
        self,
        event: Mapping[str, Any],
        *,
        rule_arn: str,
        rule_name: str,
        ingestion_time: str | None = None,
    ) -> str | None:
        """The text to deliver, or ``None`` when an InputPath selects nothing."""
        if self.input is not None:
            return self.input
        if self.input_path is not None:
            value = self.input_path.select(event)
            return None if value is NOT_FOUND else dump_json(value)
        if self.transformer is not None:
            return self.transformer.render(
                event, rule_arn=rule_arn, rule_name=rule_name, ingestion_time=ingestion_time
            )
        return dump_json(event)


def compile_target_input(
    *,
    target_id: str,
    input: str | None = None,
    input_path: str | None = None,
    input_paths_map: Mapping[str, str] | None = None,
    input_template: str | None = None,
) -> TargetInput:
    """Compile a target's Input / InputPath / InputTransformer (at most one of them).

    Raises:
        InvalidTargetInputError: with the message PutTargets gives.
    """
    given = sum(x is not None for x in (input, input_path, input_template))
    if given > 1:
        raise InvalidTargetInputError(
            "Only one of Input, InputPath, or InputTransformer must be provided for target "
            f"{target_id}."
        )
    if input is not None:
        try:
            json.loads(input)
        except ValueError:
            raise InvalidTargetInputError(
                f"Input for target {target_id} is not a valid JSON text."
            ) from None
        return TargetInput(target_id=target_id, input=input)
    if input_path is not None:
        path = compile_json_path(input_path)
        if path is None:
            raise InvalidTargetInputError(
                f"InputPath for target {target_id} is not a valid JSON path: {input_path}."
            )
        return TargetInput(target_id=target_id, input_path=path)
    if input_template is not None:
        return TargetInput(
            target_id=target_id,
            transformer=compile_input_transformer(
                input_paths_map, input_template, target_id=target_id
            ),
        )
    return TargetInput(target_id=target_id)
