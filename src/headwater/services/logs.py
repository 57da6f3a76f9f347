"""CloudWatch Logs: log groups, streams and events, with GetLogEvents and FilterLogEvents.

Lambda (and any other service) writes through :meth:`LogsService.append` or directly with
:class:`~headwater.store.logs.LogsStore`; users read with the API, ``aws logs`` and boto3.
Filter patterns support what most people type: terms (all must appear), ``"quoted phrases"``,
``?optional`` terms (any of them), ``-excluded`` terms, and JSON patterns such as
``{ $.level = "ERROR" && $.latency > 100 }``.
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import re
import shlex
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from headwater.services.base import Environment, RequestContext, Service
from headwater.services.errors import ServiceError
from headwater.store.logs import LogEventRow, LogGroupRow, LogsStore, LogStreamRow

__all__ = ["FilterPattern", "LogsService", "compile_filter"]

log = logging.getLogger("headwater.logs")

_MAX_BATCH = 10_000
_COALESCE = 0.02  # seconds the writer waits after a wake-up to gather more events
_MAX_BATCH_BYTES = 1_048_576
_PAGE = 10_000


def _not_found(what: str = "log group") -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"The specified {what} does not exist.")


def _invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterException", message)


# -- filter patterns --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class FilterPattern:
    """A compiled filter pattern: ``matches(message)``."""

    text: str
    test: Callable[[str], bool]

    def matches(self, message: str) -> bool:
        """Whether an event's message fits the pattern."""
        return self.test(message)


def compile_filter(pattern: str | None) -> FilterPattern:
    """Compile a filter pattern once; raise InvalidParameterException if it is not one."""
    text = (pattern or "").strip()
    if not text:
        return FilterPattern(text="", test=lambda _m: True)
    if text.startswith("{"):
        return FilterPattern(text=text, test=_json_pattern(text))
    if text.startswith("["):
        raise _invalid(
            "Headwater does not support space-delimited filter patterns ([...]) yet; use terms "
            "or a JSON pattern"
        )
    try:
        tokens = shlex.split(text, posix=True)
    except ValueError as exc:
        raise _invalid(f"Invalid filter pattern: {text}") from exc
    required = [t for t in tokens if not t.startswith(("?", "-")) or len(t) == 1]
    optional = [t[1:] for t in tokens if t.startswith("?") and len(t) > 1]
    excluded = [t[1:] for t in tokens if t.startswith("-") and len(t) > 1]

    def test(message: str) -> bool:
        if any(t in message for t in excluded):
            return False
        if not all(t in message for t in required):
            return False
        return not optional or any(t in message for t in optional)

    return FilterPattern(text=text, test=test)


_JSON_TOKEN = re.compile(
    r"\s*(?:(?P<op>&&|\|\||!=|>=|<=|=|>|<|\(|\))"
    r"|(?P<path>\$(?:\.[A-Za-z0-9_@-]+|\[\d+\])*)"
    r'|(?P<str>"(?:[^"\\]|\\.)*")'
    r"|(?P<num>-?\d+(?:\.\d+)?)"
    r"|(?P<word>[A-Za-z_*][A-Za-z0-9_*.\-]*))"
)


def _json_pattern(text: str) -> Callable[[str], bool]:
    body = text.strip()
    if not body.endswith("}"):
        raise _invalid(f"Invalid filter pattern: {text}")
    tokens: list[tuple[str, str]] = []
    pos = 0
    inner = body[1:-1]
    while pos < len(inner):
        if inner[pos:].strip() == "":
            break
        m = _JSON_TOKEN.match(inner, pos)
        if m is None or m.end() == pos:
            raise _invalid(f"Invalid filter pattern: {text}")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    parser = _JsonParser(tokens, text)
    predicate = parser.expr()
    if parser.i != len(tokens):
        raise _invalid(f"Invalid filter pattern: {text}")

    def test(message: str) -> bool:
        try:
            doc = json.loads(message)
        except ValueError:
            return False
        return predicate(doc)

    return test


class _JsonParser:
    def __init__(self, tokens: list[tuple[str, str]], text: str) -> None:
        self.tokens = tokens
        self.text = text
        self.i = 0

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        tok = self._peek()
        if tok is None:
            raise _invalid(f"Invalid filter pattern: {self.text}")
        self.i += 1
        return tok

    def expr(self) -> Callable[[Any], bool]:
        left = self.term()
        while self._peek() == ("op", "||"):
            self.i += 1
            right = self.term()
            left = (lambda a, b: lambda d: a(d) or b(d))(left, right)
        return left

    def term(self) -> Callable[[Any], bool]:
        left = self.factor()
        while self._peek() == ("op", "&&"):
            self.i += 1
            right = self.factor()
            left = (lambda a, b: lambda d: a(d) and b(d))(left, right)
        return left

    def factor(self) -> Callable[[Any], bool]:
        if self._peek() == ("op", "("):
            self.i += 1
            inner = self.expr()
            if self._take() != ("op", ")"):
                raise _invalid(f"Invalid filter pattern: {self.text}")
            return inner
        kind, path = self._take()
        if kind != "path":
            raise _invalid(f"Invalid filter pattern: {self.text}")
        op_kind, op = self._take()
        if op_kind != "op" or op not in ("=", "!=", ">", "<", ">=", "<="):
            raise _invalid(f"Invalid filter pattern: {self.text}")
        vkind, raw = self._take()
        return _comparison(path, op, vkind, raw)


def _lookup(doc: Any, path: str) -> tuple[bool, Any]:
    cur = doc
    for part in re.findall(r"\.([A-Za-z0-9_@-]+)|\[(\d+)\]", path):
        key, index = part
        if key:
            if not isinstance(cur, dict) or key not in cur:
                return False, None
            cur = cur[key]
        else:
            if not isinstance(cur, list) or int(index) >= len(cur):
                return False, None
            cur = cur[int(index)]
    return True, cur


def _comparison(path: str, op: str, kind: str, raw: str) -> Callable[[Any], bool]:
    if kind == "num":
        number = float(raw)

        def numeric(doc: Any) -> bool:
            found, value = _lookup(doc, path)
            if not found or isinstance(value, bool) or not isinstance(value, int | float):
                return op == "!="
            return {
                "=": value == number,
                "!=": value != number,
                ">": value > number,
                "<": value < number,
                ">=": value >= number,
                "<=": value <= number,
            }[op]

        return numeric
    if kind == "word" and raw in ("true", "false", "NULL", "null"):
        literal: Any = {"true": True, "false": False}.get(raw)
        want_null = raw in ("NULL", "null")

        def exact(doc: Any) -> bool:
            found, value = _lookup(doc, path)
            same = found and (value is None if want_null else value is literal)
            return same if op == "=" else not same

        return exact
    if kind == "word" and raw == "EXISTS":
        return lambda doc: _lookup(doc, path)[0]
    if op not in ("=", "!="):
        raise _invalid(f"Invalid filter pattern: string comparison with {op}")
    text = json.loads(raw) if kind == "str" else raw
    glob = re.compile("^" + ".*".join(re.escape(p) for p in text.split("*")) + "$", re.DOTALL)

    def textual(doc: Any) -> bool:
        found, value = _lookup(doc, path)
        hit = found and isinstance(value, str) and glob.match(value) is not None
        return hit if op == "=" else not hit

    return textual


# -- tokens -----------------------------------------------------------------------------------
def _encode(kind: str, ts: int, ident: int) -> str:
    return f"{kind}/{ts:020d}{ident:020d}"


def _decode(token: str, kinds: tuple[str, ...]) -> tuple[str, tuple[int, int]]:
    kind, _, digits = token.partition("/")
    if kind not in kinds or len(digits) != 40 or not digits.isdigit():
        raise _invalid("The specified nextToken is invalid.")
    return kind, (int(digits[:20]), int(digits[20:]))


def _name_token(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode()


def _token_name(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except ValueError as exc:
        raise _invalid("The specified nextToken is invalid.") from exc


class LogsService(Service):
    """The CloudWatch Logs operations Lambda users, ``aws logs`` and boto3 rely on.

    Producers that write often (Lambda, one batch per invocation) hand their events to
    :meth:`append_async`: a writer thread commits everything pending in one transaction (group
    commit), and every read operation first flushes what is pending, so a reader always sees
    what was appended before its call.
    """

    service_name = "logs"

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self._pending: list[tuple[str, str, list[tuple[int, str]], bool]] = []
        self._pending_lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._writer: threading.Thread | None = None

    def start(self) -> None:
        """Start the writer thread."""
        self._stopping = False
        self._writer = threading.Thread(target=self._write_loop, name="logs-writer", daemon=True)
        self._writer.start()

    def stop(self) -> None:
        """Write what is pending and stop the writer."""
        self._stopping = True
        self._wake.set()
        if self._writer is not None:
            self._writer.join(timeout=10.0)
            self._writer = None
        self.flush()

    def reset(self) -> None:
        """Drop pending events (the caller wipes the store)."""
        self.flush()

    def _write_loop(self) -> None:
        while not self._stopping:
            self._wake.wait(1.0)
            if not self._stopping:
                # Let a burst of invocations queue up: one transaction then writes them all.
                time.sleep(_COALESCE)
            self._wake.clear()
            try:
                self.flush()
            except Exception:
                log.exception("cannot write pending log events")

    def append_async(
        self,
        group: str,
        stream: str,
        batch: list[tuple[int, str]],
        *,
        monotonic: bool = True,
    ) -> None:
        """Queue ``(timestamp ms, message)`` events for the writer (group and stream are made)."""
        with self._pending_lock:
            self._pending.append((group, stream, batch, monotonic))
        if self._writer is None or self._stopping:  # not running: nobody else will write it
            self.flush()
        else:
            self._wake.set()

    def flush(self) -> None:
        """Commit every pending event now, in one transaction."""
        with self._flush_lock:
            with self._pending_lock:
                pending, self._pending = self._pending, []
            if not pending:
                return
            merged: dict[tuple[str, str, bool], list[tuple[int, str]]] = {}
            for group, stream, batch, monotonic in pending:
                merged.setdefault((group, stream, monotonic), []).extend(batch)
            with self.env.store.transaction() as conn:
                for (group, stream, monotonic), batch in merged.items():
                    LogsStore.append(
                        conn,
                        group,
                        stream,
                        batch,
                        ingestion_time=self._now_ms(),
                        create=True,
                        monotonic=monotonic,
                    )

    # -- helpers -----------------------------------------------------------------------------
    def _now_ms(self) -> int:
        return int(self.env.clock.now() * 1000)

    @staticmethod
    def _group_name(params: dict[str, Any]) -> str:
        name = params.get("logGroupName") or params.get("logGroupIdentifier") or ""
        if name.startswith("arn:"):  # an identifier may be the group's ARN
            name = name.split(":log-group:", 1)[-1].removesuffix(":*")
        if not name:
            raise _invalid("Either logGroupName or logGroupIdentifier must be specified.")
        return str(name)

    def _arn(self, ctx: RequestContext, group: str) -> str:
        return f"arn:aws:logs:{ctx.region}:{ctx.account_id}:log-group:{group}"

    def _group_out(self, ctx: RequestContext, g: LogGroupRow) -> dict[str, Any]:
        out: dict[str, Any] = {
            "logGroupName": g.name,
            "creationTime": g.created,
            "metricFilterCount": 0,
            "arn": self._arn(ctx, g.name) + ":*",
            "logGroupArn": self._arn(ctx, g.name),
            "storedBytes": g.stored_bytes,
            "logGroupClass": g.log_class,
        }
        if g.retention_days is not None:
            out["retentionInDays"] = g.retention_days
        if g.kms_key_id:
            out["kmsKeyId"] = g.kms_key_id
        return out

    def _stream_out(self, ctx: RequestContext, s: LogStreamRow) -> dict[str, Any]:
        out: dict[str, Any] = {
            "logStreamName": s.name,
            "creationTime": s.created,
            "arn": f"{self._arn(ctx, s.group_name)}:log-stream:{s.name}",
            "storedBytes": s.stored_bytes,
        }
        if s.first_event is not None:
            out["firstEventTimestamp"] = s.first_event
            out["lastEventTimestamp"] = s.last_event
        if s.last_ingestion is not None:
            out["lastIngestionTime"] = s.last_ingestion
        out["uploadSequenceToken"] = str(s.sequence)
        return out

    # -- Python API for other services ----------------------------------------------------------
    def append(self, group: str, stream: str, messages: list[tuple[float, str]]) -> None:
        """Append ``(epoch seconds, message)`` events, creating the group and stream."""
        with self.env.store.transaction() as conn:
            LogsStore.append(
                conn,
                group,
                stream,
                [(int(at * 1000), m) for at, m in messages],
                ingestion_time=self._now_ms(),
                create=True,
            )

    # -- groups ------------------------------------------------------------------------------
    def create_log_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateLogGroup."""
        name = params["logGroupName"]
        with self.env.store.transaction() as conn:
            if LogsStore.get_group(conn, name) is not None:
                raise ServiceError(
                    "ResourceAlreadyExistsException", "The specified log group already exists"
                )
            LogsStore.create_group(
                conn,
                name,
                created=self._now_ms(),
                kms_key_id=params.get("kmsKeyId"),
                log_class=params.get("logGroupClass", "STANDARD"),
                tags=params.get("tags"),
            )
        return {}

    def delete_log_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteLogGroup: the group, its streams and events."""
        self.flush()
        name = params["logGroupName"]
        with self.env.store.transaction() as conn:
            if LogsStore.get_group(conn, name) is None:
                raise _not_found()
            LogsStore.delete_group(conn, name)
        return {}

    def describe_log_groups(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DescribeLogGroups (prefix or pattern, limit and nextToken)."""
        self.flush()
        prefix = params.get("logGroupNamePrefix", "")
        pattern = params.get("logGroupNamePattern")
        if prefix and pattern:
            raise _invalid("LogGroup name prefix and LogGroup name pattern are mutually exclusive")
        with self.env.store.read() as conn:
            found = LogsStore.list_groups(conn, prefix)
        if pattern:
            found = [g for g in found if pattern.lower() in g.name.lower()]
        if params.get("logGroupClass"):
            found = [g for g in found if g.log_class == params["logGroupClass"]]
        wanted = params.get("logGroupIdentifiers")
        if wanted:
            names = {self._group_name({"logGroupIdentifier": w}) for w in wanted}
            found = [g for g in found if g.name in names]
        if params.get("nextToken"):
            after = _token_name(params["nextToken"])
            found = [g for g in found if g.name > after]
        limit = int(params.get("limit") or 50)
        page = found[:limit]
        out: dict[str, Any] = {"logGroups": [self._group_out(ctx, g) for g in page]}
        if len(found) > limit:
            out["nextToken"] = _name_token(page[-1].name)
        return out

    def put_retention_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """PutRetentionPolicy (recorded; events are not expired)."""
        return self._update_group(params["logGroupName"], retention_days=params["retentionInDays"])

    def delete_retention_policy(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """DeleteRetentionPolicy."""
        return self._update_group(params["logGroupName"], retention_days=None)

    def _update_group(self, name: str, **values: Any) -> dict[str, Any]:
        with self.env.store.transaction() as conn:
            if LogsStore.get_group(conn, name) is None:
                raise _not_found()
            LogsStore.update_group(conn, name, **values)
        return {}

    # -- tags --------------------------------------------------------------------------------
    def _tags(self, name: str) -> dict[str, str]:
        with self.env.store.read() as conn:
            group = LogsStore.get_group(conn, name)
        if group is None:
            raise _not_found()
        return group.tags

    def tag_log_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """TagLogGroup."""
        tags = {**self._tags(params["logGroupName"]), **params["tags"]}
        return self._update_group(params["logGroupName"], tags=tags)

    def untag_log_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UntagLogGroup."""
        drop = set(params["tags"])
        tags = {k: v for k, v in self._tags(params["logGroupName"]).items() if k not in drop}
        return self._update_group(params["logGroupName"], tags=tags)

    def list_tags_log_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListTagsLogGroup."""
        return {"tags": self._tags(params["logGroupName"])}

    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """TagResource (a log group ARN)."""
        name = self._group_name({"logGroupIdentifier": params["resourceArn"]})
        return self._update_group(name, tags={**self._tags(name), **params["tags"]})

    def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UntagResource."""
        name = self._group_name({"logGroupIdentifier": params["resourceArn"]})
        drop = set(params["tagKeys"])
        return self._update_group(
            name, tags={k: v for k, v in self._tags(name).items() if k not in drop}
        )

    def list_tags_for_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListTagsForResource."""
        return {"tags": self._tags(self._group_name({"logGroupIdentifier": params["resourceArn"]}))}

    # -- streams -----------------------------------------------------------------------------
    def create_log_stream(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateLogStream."""
        group, name = params["logGroupName"], params["logStreamName"]
        with self.env.store.transaction() as conn:
            if LogsStore.get_group(conn, group) is None:
                raise _not_found()
            if LogsStore.get_stream(conn, group, name) is not None:
                raise ServiceError(
                    "ResourceAlreadyExistsException", "The specified log stream already exists"
                )
            LogsStore.create_stream(conn, group, name, created=self._now_ms())
        return {}

    def delete_log_stream(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteLogStream."""
        self.flush()
        group, name = params["logGroupName"], params["logStreamName"]
        with self.env.store.transaction() as conn:
            if LogsStore.get_group(conn, group) is None:
                raise _not_found()
            if LogsStore.get_stream(conn, group, name) is None:
                raise _not_found("log stream")
            LogsStore.delete_stream(conn, group, name)
        return {}

    def describe_log_streams(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DescribeLogStreams (prefix, orderBy LogStreamName or LastEventTime, descending)."""
        self.flush()
        group = self._group_name(params)
        prefix = params.get("logStreamNamePrefix", "")
        order = params.get("orderBy", "LogStreamName")
        if prefix and order == "LastEventTime":
            raise _invalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
        with self.env.store.read() as conn:
            if LogsStore.get_group(conn, group) is None:
                raise _not_found()
            found = LogsStore.list_streams(conn, group, prefix)
        if order == "LastEventTime":
            found.sort(key=lambda s: (s.last_event or 0, s.name))
        if params.get("descending"):
            found.reverse()
        names = [s.name for s in found]
        start = 0
        if params.get("nextToken"):
            after = _token_name(params["nextToken"])
            start = names.index(after) + 1 if after in names else len(names)
        limit = int(params.get("limit") or 50)
        page = found[start : start + limit]
        out: dict[str, Any] = {"logStreams": [self._stream_out(ctx, s) for s in page]}
        if start + limit < len(found):
            out["nextToken"] = _name_token(page[-1].name)
        return out

    # -- events ------------------------------------------------------------------------------
    def put_log_events(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """PutLogEvents (sequence tokens are accepted and ignored, as AWS now does)."""
        group, name = params["logGroupName"], params["logStreamName"]
        batch = [(int(e["timestamp"]), str(e["message"])) for e in params["logEvents"]]
        if len(batch) > _MAX_BATCH:
            raise _invalid(f"The batch of log events exceeds {_MAX_BATCH} events")
        if sum(len(m.encode()) + 26 for _, m in batch) > _MAX_BATCH_BYTES:
            raise _invalid("Upload too large: the batch exceeds 1048576 bytes")
        if any(b[0] < a[0] for a, b in itertools.pairwise(batch)):
            raise _invalid(
                "Log events in a single PutLogEvents request must be in chronological order."
            )
        with self.env.store.transaction() as conn:
            if LogsStore.get_group(conn, group) is None:
                raise _not_found()
            if LogsStore.get_stream(conn, group, name) is None:
                raise _not_found("log stream")
            seq = LogsStore.append(conn, group, name, batch, ingestion_time=self._now_ms())
        return {"nextSequenceToken": f"{seq:056d}"}

    def get_log_events(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """GetLogEvents: one stream, forward or backward from a token, or head/tail."""
        self.flush()
        group = self._group_name(params)
        stream = params["logStreamName"]
        limit = min(int(params.get("limit") or _PAGE), _PAGE)
        token = params.get("nextToken")
        common: dict[str, Any] = {
            "streams_in": [stream],
            "start": params.get("startTime"),
            "end": params.get("endTime"),
        }
        with self.env.store.read() as conn:
            if LogsStore.get_group(conn, group) is None:
                raise _not_found()
            if LogsStore.get_stream(conn, group, stream) is None:
                raise _not_found("log stream")
            if token:
                kind, at = _decode(token, ("f", "b"))
                if kind == "f":
                    rows = LogsStore.query_events(conn, group, after=at, limit=limit, **common)
                else:
                    rows = LogsStore.query_events(
                        conn, group, before=at, descending=True, limit=limit, **common
                    )
                    rows.reverse()
            elif params.get("startFromHead"):
                rows = LogsStore.query_events(conn, group, limit=limit, **common)
            else:
                rows = LogsStore.query_events(conn, group, descending=True, limit=limit, **common)
                rows.reverse()
        if rows:
            forward = _encode("f", rows[-1].timestamp, rows[-1].id)
            backward = _encode("b", rows[0].timestamp, rows[0].id)
        elif token:
            forward = backward = token  # no more events: the same token, as AWS signals it
            if token.startswith("f/"):
                backward = "b/" + token[2:]
            else:
                forward = "f/" + token[2:]
        else:
            forward, backward = _encode("f", 0, 0), _encode("b", 0, 0)
        return {
            "events": [
                {"timestamp": r.timestamp, "message": r.message, "ingestionTime": r.ingestion_time}
                for r in rows
            ],
            "nextForwardToken": forward,
            "nextBackwardToken": backward,
        }

    def filter_log_events(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """FilterLogEvents: a group's events in time order, by stream, time and pattern."""
        self.flush()
        group = self._group_name(params)
        names = params.get("logStreamNames")
        prefix = params.get("logStreamNamePrefix", "")
        if names and prefix:
            raise _invalid(
                "logStreamNames and logStreamNamePrefix are mutually exclusive parameters"
            )
        pattern = compile_filter(params.get("filterPattern"))
        limit = min(int(params.get("limit") or _PAGE), _PAGE)
        after = None
        if params.get("nextToken"):
            after = _decode(_token_name(params["nextToken"]), ("e",))[1]
        hits: list[LogEventRow] = []
        more = False
        with self.env.store.read() as conn:
            if LogsStore.get_group(conn, group) is None:
                raise _not_found()
            streams = [s.name for s in LogsStore.list_streams(conn, group, prefix)]
            if names:
                streams = [s for s in streams if s in set(names)]
            cursor = after
            while len(hits) <= limit:
                rows = LogsStore.query_events(
                    conn,
                    group,
                    streams_in=names,
                    stream_prefix=prefix,
                    start=params.get("startTime"),
                    end=params.get("endTime"),
                    after=cursor,
                    limit=_PAGE,
                )
                if not rows:
                    break
                hits += [r for r in rows if pattern.matches(r.message)]
                cursor = (rows[-1].timestamp, rows[-1].id)
                if len(rows) < _PAGE:
                    break
        if len(hits) > limit:
            hits, more = hits[:limit], True
        out: dict[str, Any] = {
            "events": [
                {
                    "logStreamName": r.stream_name,
                    "timestamp": r.timestamp,
                    "message": r.message,
                    "ingestionTime": r.ingestion_time,
                    "eventId": f"{r.timestamp:020d}{r.id:020d}",
                }
                for r in hits
            ],
            "searchedLogStreams": [
                {"logStreamName": s, "searchedCompletely": not more} for s in streams
            ],
        }
        if more:
            out["nextToken"] = _name_token(_encode("e", hits[-1].timestamp, hits[-1].id))
        return out
