"""Per-state-type compilers: Pass, Succeed, Fail, Task, Wait, Choice, Parallel, Map."""

from __future__ import annotations

from typing import Any

from headwater.asl.choice import (
    COMPARATORS,
    IS_TESTS,
    ChoiceRule,
    compile_string_matches,
)
from headwater.asl.compile_base import (  # noqa: F401
    _LABEL_BAD,
    _MAX_LABEL,
    SCHEMA,
    CompilerBase,
)
from headwater.asl.intrinsics import IntrinsicSyntaxError, compile_intrinsic, looks_like_intrinsic
from headwater.asl.item_reader import CSV_DELIMITERS, INPUT_TYPES
from headwater.asl.jsonata_expr import (
    is_jsonata,
)
from headwater.asl.model import (
    ChoiceState,
    FailState,
    ItemBatcherSpec,
    ItemReaderSpec,
    MapState,
    ParallelState,
    PassState,
    ProcessorMode,
    QueryLanguage,
    ResultWriterSpec,
    State,
    StatesBlock,
    SucceedState,
    TaskState,
    WaitState,
)
from headwater.asl.timestamps import parse_timestamp

__all__ = ["StateCompilers"]


class StateCompilers(CompilerBase):
    """One ``state_<type>`` method per state type."""

    def state_pass(
        self,
        raw: dict[str, Any],
        loc: str,
        key: str,
        name: str,
        lang: QueryLanguage,
        common: dict[str, Any],
    ) -> State:
        """Compile a Pass state."""
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
        """Compile a Succeed state."""
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
        """Compile a Fail state."""
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
        """Compile a Task state."""
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
            **common,
            resource=resource,
            timeout=timeout,
            heartbeat=heartbeat,
            credentials=(
                None
                if creds is None
                else self.jsonata(creds, "Credentials", f"{loc}/Credentials")
                if lang is QueryLanguage.JSONATA
                else self.payload(creds, f"{loc}/Credentials")
            ),
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
        """Compile a Wait state."""
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
        """Compile a Choice state."""
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
        """Compile a choice rule (top-level or nested)."""
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
        """Compile a Parallel state."""
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
        """The query language of a nested block."""
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
        """Compile a Map state."""
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
        if isinstance(reader, dict):
            kw["item_reader"] = self.item_reader(reader, f"{loc}/ItemReader", lang)
        batcher = raw.get("ItemBatcher")
        if isinstance(batcher, dict):
            kw["item_batcher"] = self.item_batcher(batcher, f"{loc}/ItemBatcher", lang)
        writer = raw.get("ResultWriter")
        if isinstance(writer, dict):
            kw["result_writer"] = self.result_writer(writer, f"{loc}/ResultWriter", lang)
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

    def _template(self, raw: dict[str, Any], loc: str, lang: QueryLanguage) -> Any:
        """Parameters (JSONPath) or Arguments (JSONata) of a reader or writer."""
        if lang is QueryLanguage.JSONATA:
            if "Arguments" in raw:
                return self.jsonata(raw["Arguments"], "Arguments", f"{loc}/Arguments")
            return None
        if "Parameters" in raw:
            return self.payload(raw["Parameters"], f"{loc}/Parameters")
        return None

    def item_reader(self, raw: dict[str, Any], loc: str, lang: QueryLanguage) -> Any:
        """Compile an ItemReader."""
        for key in raw:
            if key not in {"Resource", "ReaderConfig", "Parameters", "Arguments"}:
                self.error(f"The field '{key}' is not supported by Step Functions", loc)
        resource = raw.get("Resource")
        if not isinstance(resource, str):
            self.error("These fields are required: [Resource]", loc)
            return None
        config = raw.get("ReaderConfig") or {}
        if not isinstance(config, dict):
            self.error(
                "The value for the field 'ReaderConfig' must be an OBJECT", f"{loc}/ReaderConfig"
            )
            return None
        where = f"{loc}/ReaderConfig"
        input_type = config.get("InputType")
        if input_type is not None and input_type not in INPUT_TYPES:
            self.error(
                "The field 'InputType' should have one of these values: "
                "[CSV, JSON, JSONL, MANIFEST]",
                f"{where}/InputType",
            )
            return None
        header_location = config.get("CSVHeaderLocation", "FIRST_ROW")
        if header_location not in ("FIRST_ROW", "GIVEN"):
            self.error(
                "The field 'CSVHeaderLocation' should have one of these values: [FIRST_ROW, GIVEN]",
                f"{where}/CSVHeaderLocation",
            )
            return None
        headers = config.get("CSVHeaders") or []
        if header_location == "GIVEN" and not headers:
            self.error(
                "The field 'CSVHeaders' is required when 'CSVHeaderLocation' is GIVEN", where
            )
            return None
        delimiter = config.get("CSVDelimiter", "COMMA")
        if delimiter not in CSV_DELIMITERS:
            self.error(
                "The field 'CSVDelimiter' should have one of these values: "
                f"[{', '.join(CSV_DELIMITERS)}]",
                f"{where}/CSVDelimiter",
            )
            return None
        return ItemReaderSpec(
            resource=resource,
            parameters=self._template(raw, loc, lang),
            input_type=input_type,
            csv_header_location=header_location,
            csv_headers=tuple(headers),
            csv_delimiter=CSV_DELIMITERS[delimiter],
            max_items=self.number(config, "MaxItems", where, lang, minimum=0, maximum=100_000_000),
        )

    def item_batcher(self, raw: dict[str, Any], loc: str, lang: QueryLanguage) -> Any:
        """Compile an ItemBatcher."""
        batch_input = None
        if "BatchInput" in raw:
            batch_input = (
                self.jsonata(raw["BatchInput"], "BatchInput", f"{loc}/BatchInput")
                if lang is QueryLanguage.JSONATA
                else self.payload(raw["BatchInput"], f"{loc}/BatchInput")
            )
        return ItemBatcherSpec(
            max_items_per_batch=self.number(raw, "MaxItemsPerBatch", loc, lang, minimum=1),
            max_input_bytes_per_batch=self.number(
                raw, "MaxInputBytesPerBatch", loc, lang, minimum=1, maximum=262144
            ),
            batch_input=batch_input,
        )

    def result_writer(self, raw: dict[str, Any], loc: str, lang: QueryLanguage) -> Any:
        """Compile a ResultWriter."""
        if not ({"Resource", "WriterConfig"} & set(raw)):
            self.error("These fields are required: [Resource]", loc)
            return None
        config = raw.get("WriterConfig")
        return ResultWriterSpec(
            resource=raw.get("Resource"),
            parameters=self._template(raw, loc, lang),
            writer_config=config if isinstance(config, dict) else None,
        )
