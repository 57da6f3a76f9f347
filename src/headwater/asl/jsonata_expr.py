"""JSONata (``{% expr %}``) values: compile once, evaluate with ``$states`` and AWS's functions.

AWS adds ``$partition``, ``$range``, ``$hash``, ``$random``, ``$uuid`` and ``$parse`` and refuses
``$eval``; ``$now()``/``$millis()`` read the injected time, never the wall clock.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jsonata  # type: ignore[import-untyped]
from jsonata import utils as jsonata_utils

from headwater.asl.context import EvalContext
from headwater.asl.errors import StatesError, StatesFailure
from headwater.asl.jsonpath import NOT_FOUND

__all__ = [
    "JsonataSyntaxError",
    "JsonataTemplate",
    "compile_jsonata_template",
    "is_jsonata",
    "jsonata_body",
]

_EXPR = re.compile(r"^\{%(.*)%\}$", re.DOTALL)
_EVAL = re.compile(r"\$eval\s*\(")
_NULL = jsonata_utils.Utils.NULL_VALUE


class JsonataSyntaxError(ValueError):
    """A ``{% %}`` expression does not parse, or uses what AWS refuses."""

    def __init__(self, message: str, location: str) -> None:
        super().__init__(message)
        self.message = message
        self.location = location


def is_jsonata(value: Any) -> bool:
    """Tell whether ``value`` is a ``{% ... %}`` string."""
    return (
        isinstance(value, str)
        and value.startswith("{%")
        and value.endswith("%}")
        and len(value) >= 4
    )


def jsonata_body(value: str) -> str:
    """The expression inside ``{% ... %}``, stripped."""
    m = _EXPR.match(value)
    return m.group(1).strip() if m else value


def _is_json(value: Any) -> bool:
    if value is _NULL or value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, dict):
        return all(_is_json(v) for v in value.values())
    if isinstance(value, list):
        return all(_is_json(v) for v in value)
    return False


def _from_jsonata(value: Any) -> Any:
    if value is _NULL:
        return None
    if isinstance(value, dict):
        return {k: _from_jsonata(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_jsonata(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


@dataclass(frozen=True, slots=True)
class _Expr:
    text: str
    field_name: str
    program: Any

    def evaluate(self, ctx: EvalContext) -> Any:
        # Jsonata.evaluate binds into a fresh frame: the compiled program can be shared.
        program = self.program
        try:
            result = program.evaluate(None, _bindings(ctx))
        except StatesFailure:
            raise
        except Exception as exc:  # the library raises plain JException/ValueError
            code = getattr(exc, "error", None)
            detail = f"{exc} {code}".strip() if code else str(exc)
            if code:
                detail = f"{code}: {exc}"
            raise ctx.query_error(
                f"The JSONata expression '{self.text}' specified for the field "
                f"'{self.field_name}' threw an error during evaluation. {detail}",
                self.field_name,
            ) from exc
        if result is None:
            raise ctx.query_error(
                f"The JSONata expression '{self.text}' specified for the field "
                f"'{self.field_name}' returned nothing (undefined).",
                self.field_name,
            )
        if not _is_json(result):
            raise ctx.query_error(
                f"The JSONata expression '{self.text}' specified for the field "
                f"'{self.field_name}' returned an unsupported result type.",
                self.field_name,
            )
        return _from_jsonata(result)


@dataclass(frozen=True, slots=True)
class _Const:
    value: Any

    def evaluate(self, ctx: EvalContext) -> Any:
        if isinstance(self.value, dict | list):
            return copy.deepcopy(self.value)
        return self.value


@dataclass(frozen=True, slots=True)
class _Obj:
    entries: tuple[tuple[str, Any], ...]

    def evaluate(self, ctx: EvalContext) -> Any:
        return {key: node.evaluate(ctx) for key, node in self.entries}


@dataclass(frozen=True, slots=True)
class _Arr:
    items: tuple[Any, ...]

    def evaluate(self, ctx: EvalContext) -> Any:
        return [node.evaluate(ctx) for node in self.items]


@dataclass(frozen=True, slots=True)
class JsonataTemplate:
    """A value whose strings may be ``{% %}`` expressions (Arguments, Output, Assign, ...)."""

    root: Any
    single: _Expr | None

    def evaluate(self, ctx: EvalContext) -> Any:
        """Evaluate every expression in the value."""
        return self.root.evaluate(ctx)

    @property
    def expression_text(self) -> str | None:
        """The expression when the whole value is one ``{% %}`` string."""
        return self.single.text if self.single else None


def _compile_expr(text: str, field_name: str, location: str) -> _Expr:
    body = jsonata_body(text)
    if _EVAL.search(body):
        raise JsonataSyntaxError(
            f"The JSONata expression '{body}' uses the unsupported function '$eval'", location
        )
    try:
        program = jsonata.Jsonata(body)
    except Exception as exc:
        raise JsonataSyntaxError(
            f"The value for the field '{field_name.rsplit('/', 1)[-1]}' must be a valid JSONata "
            f"expression",
            location,
        ) from exc
    program.set_output_convert_nulls(False)
    return _Expr(body, field_name, program)


def _compile(value: Any, field_name: str, location: str) -> Any:
    if is_jsonata(value):
        return _compile_expr(value, field_name, location)
    if isinstance(value, dict):
        entries = [
            (k, _compile(v, f"{field_name}/{k}", f"{location}/{k}")) for k, v in value.items()
        ]
        if all(isinstance(node, _Const) for _, node in entries):
            return _Const(value)
        return _Obj(tuple(entries))
    if isinstance(value, list):
        items = [_compile(v, f"{field_name}/{i}", f"{location}/{i}") for i, v in enumerate(value)]
        if all(isinstance(node, _Const) for node in items):
            return _Const(value)
        return _Arr(tuple(items))
    return _Const(value)


def compile_jsonata_template(value: Any, field_name: str, location: str) -> JsonataTemplate:
    """Compile a JSONata-language field; raises JsonataSyntaxError."""
    root = _compile(value, field_name, location)
    return JsonataTemplate(root=root, single=root if isinstance(root, _Expr) else None)


# ------------------------------------------------------------------ bindings


def _fail(ctx: EvalContext, message: str) -> StatesFailure:
    return StatesFailure(StatesError.QUERY_EVALUATION_ERROR, message)


def _aws_functions(ctx: EvalContext) -> dict[str, Any]:
    lam = jsonata.Jsonata.JLambda

    def partition(array: Any, size: Any) -> Any:
        if not isinstance(array, list) or not isinstance(size, int | float) or size <= 0:
            raise _fail(ctx, "$partition expects an array and a positive chunk size")
        n = int(size)
        return [array[i : i + n] for i in range(0, len(array), n)]

    def range_(start: Any, end: Any, step: Any) -> Any:
        values = [start, end, step]
        if not all(isinstance(v, int | float) and float(v).is_integer() for v in values):
            raise _fail(ctx, "$range expects integer arguments")
        s, e, st = (int(v) for v in values)
        if st == 0:
            raise _fail(ctx, "$range step cannot be 0")
        out = list(range(s, e + (1 if st > 0 else -1), st))
        if len(out) > 1000:
            raise _fail(ctx, "$range cannot produce more than 1000 items")
        # A JSONata sequence, as AWS returns it: a single item collapses to the item.
        return jsonata_utils.Utils.create_sequence_from_iter(out)

    def hash_(data: Any, algorithm: Any) -> Any:
        names = {
            "MD5": "md5",
            "SHA-1": "sha1",
            "SHA-256": "sha256",
            "SHA-384": "sha384",
            "SHA-512": "sha512",
        }
        if not isinstance(data, str) or algorithm not in names:
            raise _fail(
                ctx, "$hash expects a string and one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"
            )
        return hashlib.new(names[algorithm], data.encode("utf-8")).hexdigest()

    def random(*_seed: Any) -> Any:
        return ctx.entropy.random()

    def uuid() -> Any:
        return ctx.entropy.uuid4()

    def parse(text: Any) -> Any:
        if not isinstance(text, str):
            raise _fail(ctx, "$parse expects a string")
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise _fail(ctx, f"$parse could not parse '{text}' as JSON") from exc

    now_dt = datetime.fromtimestamp(ctx.now, tz=UTC)

    def now(*_args: Any) -> Any:
        return now_dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now_dt.microsecond // 1000:03d}Z"

    def millis() -> Any:
        return int(ctx.now * 1000)

    return {
        "partition": lam(partition),
        "range": lam(range_),
        "hash": lam(hash_),
        "random": lam(random),
        "uuid": lam(uuid),
        "parse": lam(parse),
        "now": lam(now),
        "millis": lam(millis),
    }


def _bindings(ctx: EvalContext) -> dict[str, Any]:
    states: dict[str, Any] = {"input": ctx.state_input, "context": ctx.context}
    if ctx.result is not NOT_FOUND:
        states["result"] = ctx.result
    if ctx.error_output is not NOT_FOUND:
        states["errorOutput"] = ctx.error_output
    out: dict[str, Any] = dict(ctx.variables)
    out.update(_aws_functions(ctx))
    out["states"] = states
    return out
