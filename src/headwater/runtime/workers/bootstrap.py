"""The program a function worker process runs: load the handler once, then serve invocations.

It is started as a script (``python -I -B -u bootstrap.py``) and imports the standard library
only, so the handler's process never loads Headwater. The parent talks to it over frames on
the worker's original stdout and its stdin; everything the function writes to fd 1 or 2 is
captured through a pipe and streamed to the parent as ``log`` frames, so the output of an
invocation that times out is kept up to the moment it was killed.

Frames are a 4-byte big-endian length and a JSON object. Parent to worker:
``{"t": "init", ...}`` once, then ``{"t": "invoke", ...}`` per request. Worker to parent:
``{"t": "log", "at": epoch, "d": text}``, ``{"t": "ready", ...}`` after init and
``{"t": "result", ...}`` per invocation. The Lambda-facing shapes (error objects, the context,
the log format) follow the AWS Python runtime.
"""

from __future__ import annotations

import base64
import codecs
import contextlib
import importlib
import json
import logging
import os
import struct
import sys
import threading
import time
import traceback
from typing import IO, Any

__all__ = ["FrameDecoder", "LambdaContext", "encode_frame"]

_HEADER = struct.Struct(">I")
_SYNC = b"\x00\x1bHW-SYNC\x1b\x00"
_ERROR_INDENT = "\u00a0"
_UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code."
)


def encode_frame(obj: dict[str, Any]) -> bytes:
    """Return one frame: the JSON of ``obj`` behind its length."""
    data = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return _HEADER.pack(len(data)) + data


class FrameDecoder:
    """Incremental decoder of frames read in arbitrary chunks."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """Consume ``data`` and return the frames it completes."""
        self._buf += data
        out: list[dict[str, Any]] = []
        while len(self._buf) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self._buf)
            if len(self._buf) < _HEADER.size + size:
                break
            body = bytes(self._buf[_HEADER.size : _HEADER.size + size])
            del self._buf[: _HEADER.size + size]
            out.append(json.loads(body.decode("utf-8")))
        return out


def _read_frame(stream: IO[bytes]) -> dict[str, Any] | None:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    body = stream.read(size)
    if len(body) < size:
        return None
    frame: dict[str, Any] = json.loads(body.decode("utf-8"))
    return frame


class LambdaContext:
    """The ``context`` argument of a handler, as the AWS Python runtime builds it."""

    def __init__(
        self,
        request_id: str,
        deadline_ms: int,
        invoked_function_arn: str,
        client_context: Any = None,
    ) -> None:
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.client_context = _ClientContext(client_context) if client_context else None
        self.identity = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function times out."""
        left = self._deadline_ms - int(time.time() * 1000)
        return left if left > 0 else 0

    def log(self, msg: str) -> None:
        """Write ``msg`` to the function's log."""
        sys.stdout.write(str(msg))

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn}])"
        )


class _ClientContext:
    """``context.client_context``: what the caller sent in ``ClientContext``."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.custom = doc.get("custom")
        self.env = doc.get("env")
        self.client = doc.get("client")


class _Fault(Exception):
    """A runtime fault with the Lambda error type it reports."""

    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []


def _error(message: str, error_type: str, trace: list[str], request_id: str) -> dict[str, Any]:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": trace,
    }


def _user_frames(tb: Any) -> list[str]:
    frames = traceback.extract_tb(tb)
    for i, frame in enumerate(frames):
        if not frame.filename.endswith("bootstrap.py"):
            return traceback.format_list(frames[i:])
    return traceback.format_list(frames)


def _error_log(err: dict[str, Any]) -> str:
    """The ``[ERROR]`` entry the runtime logs for an error: one event, lines joined by CR."""
    head = "[ERROR]"
    if err.get("errorType"):
        head += " " + err["errorType"]
    if err.get("errorMessage"):
        head += (":" if err.get("errorType") else "") + " " + err["errorMessage"]
    lines = [head, "Traceback (most recent call last):"]
    for element in err.get("stackTrace") or []:
        for line in str(element).splitlines():
            stripped = line.lstrip(" ")
            lines.append(_ERROR_INDENT * (len(line) - len(stripped)) + stripped)
    return "\r".join(lines) + "\n"


_request_id = ""


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _request_id
        return True


class _StdoutHandler(logging.Handler):
    """The Lambda runtime's root handler: one formatted record per write to stdout."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stdout.write(self.format(record))
        except Exception:
            self.handleError(record)


def _setup_logging() -> None:
    logging.Formatter.converter = time.gmtime
    handler = _StdoutHandler()
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in logging.getLevelNamesMapping():
        root.setLevel(level)


class _Capture:
    """Owns fds 1 and 2: a thread streams what lands there to the parent as log frames."""

    def __init__(self, send: Any) -> None:
        self._send = send
        read_fd, write_fd = os.pipe()
        os.dup2(write_fd, 1)
        os.dup2(write_fd, 2)
        os.close(write_fd)
        self._read_fd = read_fd
        self._synced = threading.Event()
        self._thread = threading.Thread(target=self._pump, name="log-capture", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending = b""
        while True:
            try:
                chunk = os.read(self._read_fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            pending += chunk
            while True:
                at = pending.find(_SYNC)
                if at < 0:
                    break
                self._emit(decoder.decode(pending[:at]))
                pending = pending[at + len(_SYNC) :]
                self._synced.set()
            # Hold back only a tail that could be the start of a marker still being written.
            hold = 0
            for n in range(min(len(pending), len(_SYNC) - 1), 0, -1):
                if _SYNC.startswith(pending[-n:]):
                    hold = n
                    break
            self._emit(decoder.decode(pending[: len(pending) - hold]))
            pending = pending[len(pending) - hold :]

    def _emit(self, text: str) -> None:
        if text:
            self._send({"t": "log", "at": time.time(), "d": text})

    def sync(self) -> None:
        """Return once everything written so far has been sent to the parent."""
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a closed or replaced stream must not break us
                stream.flush()
        self._synced.clear()
        os.write(1, _SYNC)
        self._synced.wait(5.0)


def _load_handler(handler: str) -> Any:
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as exc:
        raise _Fault("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {exc}") from exc
    if modname.split(".")[0] in sys.builtin_module_names:
        raise _Fault(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {modname} as a handler module",
        )
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as exc:
        raise _Fault(
            "Runtime.ImportModuleError", f"Unable to import module '{modname}': {exc}"
        ) from exc
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        raise _Fault(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{modname}': {exc}", trace
        ) from exc
    try:
        return getattr(module, fname)
    except AttributeError as exc:
        raise _Fault(
            "Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'"
        ) from exc


def _isolate(init: dict[str, Any]) -> None:
    """Put the task root and layers first on the import path; drop Headwater's own path."""
    hidden = {os.path.realpath(p) for p in init.get("hide_paths", [])}
    rest = [p for p in sys.path if p and os.path.realpath(p) not in hidden]
    sys.path[:] = [init["task_root"], *init.get("layer_paths", []), *rest]
    for name in [m for m in sys.modules if m == "headwater" or m.startswith("headwater.")]:
        del sys.modules[name]
    importlib.invalidate_caches()


def _json_default(value: Any) -> Any:
    import decimal

    if isinstance(value, decimal.Decimal):  # DynamoDB numbers, as the AWS runtime allows
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _marshal(value: Any, result: dict[str, Any]) -> None:
    """Put the handler's return value in ``result`` as the runtime encodes it."""
    if isinstance(value, bytes):  # returned as they are, not as JSON
        result["payload_b64"] = base64.b64encode(value).decode("ascii")
        return
    # The AWS runtime writes non-ASCII characters as they are only on python3.12.
    ascii_only = os.environ.get("AWS_EXECUTION_ENV") != "AWS_Lambda_python3.12"
    try:
        result["payload"] = json.dumps(value, default=_json_default, ensure_ascii=ascii_only)
    except (TypeError, ValueError) as exc:
        raise _Fault("Runtime.MarshalError", f"Unable to marshal response: {exc}") from exc


def _max_rss_mb() -> int:
    try:
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    except Exception:
        return 0


def _watch_parent(parent: int) -> None:
    """Exit when the server that started this worker is gone, even mid-invocation."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def main() -> None:
    """Serve the parent until stdin closes."""
    global _request_id
    threading.Thread(
        target=_watch_parent, args=(os.getppid(),), name="parent-watch", daemon=True
    ).start()
    control = os.fdopen(os.dup(1), "wb", buffering=0)
    lock = threading.Lock()

    def send(obj: dict[str, Any]) -> None:
        frame = encode_frame(obj)
        with lock:
            control.write(frame)

    requests = os.fdopen(os.dup(0), "rb")
    os.close(0)
    os.open(os.devnull, os.O_RDONLY)  # fd 0 again: handlers reading stdin get EOF
    capture = _Capture(send)
    init = _read_frame(requests)
    if init is None:
        return
    _isolate(init)
    os.chdir(init["task_root"])
    _setup_logging()
    for line in init.get("notices", []):
        sys.stdout.write(line + "\n")
    started = time.perf_counter()
    handler: Any = None
    init_error: dict[str, Any] | None = None
    try:
        handler = _load_handler(init["handler"])
    except _Fault as fault:
        init_error = _error(fault.message, fault.error_type, fault.trace, "")
    except Exception as exc:
        init_error = _error(str(exc), type(exc).__name__, _user_frames(exc.__traceback__), "")
    if init_error is not None:
        logging.warning(_UNHANDLED_WARNING)
        sys.stdout.write(_error_log(init_error))
    capture.sync()
    send(
        {
            "t": "ready",
            "init_ms": (time.perf_counter() - started) * 1000.0,
            "error": init_error,
            "pid": os.getpid(),
        }
    )
    if init_error is not None:
        return
    while True:
        req = _read_frame(requests)
        if req is None or req.get("t") != "invoke":
            return
        _request_id = req["id"]
        began = time.perf_counter()
        result: dict[str, Any] = {"t": "result", "id": req["id"]}
        try:
            event = json.loads(req["event"]) if req.get("event") else {}
            context = LambdaContext(
                req["id"], int(req["deadline_ms"]), req["arn"], req.get("client_context")
            )
            _marshal(handler(event, context), result)
        except _Fault as fault:
            result["error"] = _error(fault.message, fault.error_type, fault.trace, req["id"])
        except Exception as exc:
            result["error"] = _error(
                str(exc), type(exc).__name__, _user_frames(exc.__traceback__), req["id"]
            )
        if "error" in result:
            sys.stdout.write(_error_log(result["error"]))
        result["duration_ms"] = (time.perf_counter() - began) * 1000.0
        capture.sync()
        result["max_rss_mb"] = _max_rss_mb()
        send(result)
        _request_id = ""


if __name__ == "__main__":
    main()
