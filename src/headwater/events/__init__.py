"""EventBridge event patterns, input transformers and schedules (pure).

Everything here is pure: no I/O, no clock (times are passed in), compiled once at create time
into immutable objects. Errors are :mod:`headwater.events.errors` classes carrying the exact
text and ``aws_code`` the API layer should answer with.

Patterns (PutRule, TestEventPattern, CreateArchive)
    ``compile_pattern(text, max_size=2048) -> EventPattern`` validates a pattern given as JSON
    text (duplicate keys: the last wins; escapes honoured) and raises
    ``InvalidEventPatternError`` whose ``message`` is AWS's ("Event pattern is not valid.
    Reason: ...", Jackson location included). Keep ``EventPattern.source`` as the rule's
    EventPattern. ``EventPattern.matches(event)`` / ``matches(pattern, event)`` answer a
    single check; ``evaluate_event_pattern(pattern_text, event_text)`` is TestEventPattern
    (pattern checked first, then ``validate_event_envelope`` -> "Parameter Event is not
    valid.").

Rule index (PutEvents delivery, archives)
    ``RuleIndex`` holds every enabled rule of a bus in one machine: ``add(name, pattern)``
    (text or ``EventPattern``; re-adding a name replaces it), ``remove(name)``,
    ``match(event) -> list[str]`` (sorted rule names; the event as a dict or JSON text). The
    cost per event does not grow with the number of rules. Keep one index per bus; disabled
    rules are simply not added. Serialise writers; ``prepare()`` after writing makes ``match``
    read-only, so several threads can match at once.

Target input (PutTargets, delivery)
    ``compile_target_input(target_id=..., input=..., input_path=..., input_paths_map=...,
    input_template=...) -> TargetInput`` validates at PutTargets (``InvalidTargetInputError``
    with AWS's message); at delivery ``TargetInput.render(event, rule_arn=..., rule_name=...,
    ingestion_time=...)`` returns the text to send (``None`` when an InputPath selects
    nothing: deliver nothing). ``compile_json_path`` and ``compile_input_transformer`` are the
    parts.

Schedules (PutRule with ScheduleExpression)
    ``compile_schedule(expression) -> RateSchedule | CronSchedule`` (raises
    ``InvalidScheduleExpressionError``, "Parameter ScheduleExpression is not valid.").
    ``schedule.next_fire_after(t, anchor=...)`` takes epoch seconds or a datetime and returns
    the same type (UTC); rates fire at ``anchor + k * period`` (anchor: when the rule was
    created or enabled); a cron returns ``None`` when it can never fire again. For a schedule
    missed while the server was down, fire once if the stored next fire is due, then store
    ``next_fire_after(now)``.
"""

from headwater.events.compiler import DEFAULT_MAX_PATTERN_SIZE, compile_pattern
from headwater.events.envelope import (
    ENVELOPE_FIELDS,
    evaluate_event_pattern,
    validate_event_envelope,
)
from headwater.events.errors import (
    EventsError,
    InvalidEventError,
    InvalidEventPatternError,
    InvalidScheduleExpressionError,
    InvalidTargetInputError,
)
from headwater.events.index import RuleIndex, load_event, matches
from headwater.events.model import Condition, EventPattern
from headwater.events.schedule import CronSchedule, RateSchedule, Schedule, compile_schedule
from headwater.events.transform import (
    NOT_FOUND,
    InputTransformer,
    JsonPath,
    TargetInput,
    compile_input_transformer,
    compile_json_path,
    compile_target_input,
    dump_json,
)

__all__ = [
    "DEFAULT_MAX_PATTERN_SIZE",
    "ENVELOPE_FIELDS",
    "NOT_FOUND",
    "Condition",
    "CronSchedule",
    "EventPattern",
    "EventsError",
    "InputTransformer",
    "InvalidEventError",
    "InvalidEventPatternError",
    "InvalidScheduleExpressionError",
    "InvalidTargetInputError",
    "JsonPath",
    "RateSchedule",
    "RuleIndex",
    "Schedule",
    "TargetInput",
    "compile_input_transformer",
    "compile_json_path",
    "compile_pattern",
    "compile_schedule",
    "compile_target_input",
    "dump_json",
    "evaluate_event_pattern",
    "load_event",
    "matches",
    "validate_event_envelope",
]
