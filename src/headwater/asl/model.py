"""The compiled state machine: immutable objects built once by :mod:`headwater.asl.compiler`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from headwater.asl.choice import ChoiceRule
from headwater.asl.jsonata_expr import JsonataTemplate
from headwater.asl.jsonpath import JsonPath
from headwater.asl.payload import PayloadTemplate

__all__ = [
    "Catcher",
    "ChoiceState",
    "CompiledMachine",
    "FailState",
    "ItemBatcherSpec",
    "ItemReaderSpec",
    "JitterStrategy",
    "MapState",
    "NumberSource",
    "ParallelState",
    "PassState",
    "ProcessorMode",
    "QueryLanguage",
    "Retrier",
    "ResultWriterSpec",
    "State",
    "StateType",
    "StatesBlock",
    "SucceedState",
    "TaskState",
    "WaitState",
]


class QueryLanguage(StrEnum):
    """The two query languages."""

    JSONPATH = "JSONPath"
    JSONATA = "JSONata"


class StateType(StrEnum):
    """State types, as spelled in ``Type``."""

    PASS = "Pass"
    TASK = "Task"
    CHOICE = "Choice"
    WAIT = "Wait"
    SUCCEED = "Succeed"
    FAIL = "Fail"
    PARALLEL = "Parallel"
    MAP = "Map"


class JitterStrategy(StrEnum):
    """Retry jitter strategies."""

    FULL = "FULL"
    NONE = "NONE"


class ProcessorMode(StrEnum):
    """Map ItemProcessor modes."""

    INLINE = "INLINE"
    DISTRIBUTED = "DISTRIBUTED"


@dataclass(frozen=True, slots=True, kw_only=True)
class NumberSource:
    """A number given literally, by a JSONPath (``...Path``) or by a JSONata expression."""

    value: float | int | None = None
    path: JsonPath | None = None
    expression: JsonataTemplate | None = None
    field_name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Retrier:
    """One Retry entry."""

    error_equals: tuple[str, ...]
    interval_seconds: float = 1
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: float | None = None
    jitter: JitterStrategy = JitterStrategy.NONE


@dataclass(frozen=True, slots=True, kw_only=True)
class Catcher:
    """One Catch entry."""

    error_equals: tuple[str, ...]
    next: str
    result_path: JsonPath | None = None
    result_path_null: bool = False
    output: JsonataTemplate | None = None
    assign: PayloadTemplate | JsonataTemplate | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class State:
    """Fields shared by every state (and the JSONPath I/O fields where they apply)."""

    name: str
    type: StateType
    location: str
    query_language: QueryLanguage
    next: str | None = None
    end: bool = False
    comment: str | None = None
    input_path: JsonPath | None = None
    input_path_null: bool = False
    output_path: JsonPath | None = None
    output_path_null: bool = False
    result_path: JsonPath | None = None
    result_path_null: bool = False
    parameters: PayloadTemplate | None = None
    result_selector: PayloadTemplate | None = None
    arguments: JsonataTemplate | None = None
    output: JsonataTemplate | None = None
    assign: PayloadTemplate | JsonataTemplate | None = None
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PassState(State):
    """A Pass state."""

    result: Any = None
    has_result: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskState(State):
    """A Task state."""

    resource: str = ""
    timeout: NumberSource | None = None
    heartbeat: NumberSource | None = None
    credentials: PayloadTemplate | JsonataTemplate | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChoiceState(State):
    """A Choice state."""

    choices: tuple[ChoiceRule, ...] = ()
    default: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitState(State):
    """A Wait state: exactly one of the four sources is set."""

    seconds: NumberSource | None = None
    timestamp: str | None = None
    timestamp_path: JsonPath | None = None
    timestamp_expression: JsonataTemplate | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SucceedState(State):
    """A Succeed state."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FailState(State):
    """A Fail state."""

    error: str | None = None
    cause: str | None = None
    error_path: JsonPath | None = None
    cause_path: JsonPath | None = None
    error_intrinsic: Any = None
    cause_intrinsic: Any = None
    error_expression: JsonataTemplate | None = None
    cause_expression: JsonataTemplate | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatesBlock:
    """A ``StartAt`` + ``States`` block: the machine, a Parallel branch or a Map processor."""

    start_at: str
    states: Mapping[str, State]
    location: str
    query_language: QueryLanguage
    processor_mode: ProcessorMode = ProcessorMode.INLINE
    execution_type: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ParallelState(State):
    """A Parallel state."""

    branches: tuple[StatesBlock, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemReaderSpec:
    """A compiled ItemReader."""

    resource: str
    parameters: PayloadTemplate | JsonataTemplate | None = None
    input_type: str | None = None
    csv_header_location: str = "FIRST_ROW"
    csv_headers: tuple[str, ...] = ()
    csv_delimiter: str = ","
    max_items: NumberSource | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemBatcherSpec:
    """A compiled ItemBatcher."""

    max_items_per_batch: NumberSource | None = None
    max_input_bytes_per_batch: NumberSource | None = None
    batch_input: PayloadTemplate | JsonataTemplate | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ResultWriterSpec:
    """A compiled ResultWriter."""

    resource: str | None = None
    parameters: PayloadTemplate | JsonataTemplate | None = None
    writer_config: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MapState(State):
    """A Map state (inline or distributed)."""

    processor: StatesBlock | None = None
    items_path: JsonPath | None = None
    items: JsonataTemplate | Any = None
    item_selector: PayloadTemplate | JsonataTemplate | None = None
    max_concurrency: NumberSource | None = None
    item_reader: ItemReaderSpec | None = None
    item_batcher: ItemBatcherSpec | None = None
    result_writer: ResultWriterSpec | None = None
    tolerated_failure_count: NumberSource | None = None
    tolerated_failure_percentage: NumberSource | None = None
    label: str | None = None
    distributed: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CompiledMachine:
    """A validated, immutable state machine ready to run many executions."""

    definition: dict[str, Any]
    root: StatesBlock
    query_language: QueryLanguage
    timeout_seconds: int | None = None
    comment: str | None = None
    blocks: Mapping[str, StatesBlock] = field(default_factory=dict)

    def block(self, key: str) -> StatesBlock:
        """The states block registered under ``key`` ("" is the machine itself)."""
        return self.blocks[key]
