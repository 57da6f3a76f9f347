"""A streaming JSON reader that tokenizes, locates and fails the way Jackson does.

EventBridge reads event patterns with Jackson's streaming parser and quotes its messages,
locations included (``... at [Source: (String)"..."; line: 1, column: 5]``). Pattern errors are
raised in token order, so the reader is streaming too: syntax errors surface exactly where the
parser would meet them, interleaved with the compiler's own checks. Strings are read lazily,
like Jackson's ``_tokenIncomplete``: the location after a string token stays just past its
opening quote until its text is asked for. An unexpected character is located at the
character itself (column 2 for ``{'bad': 1}``), as AWS reports it.
"""

from __future__ import annotations

import re
from enum import IntEnum

__all__ = ["JacksonReader", "JsonSyntaxError", "Tok"]

_MAX_SNIPPET = 500
_MAX_TOKEN = 256
_VALID_VALUES = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_HEX = frozenset("0123456789abcdefABCDEF")
_STRING_SPECIAL = re.compile(r'["\\\x00-\x1f]')
_LITERALS = {"true": "TRUE", "false": "FALSE", "null": "NULL"}


class Tok(IntEnum):
    """Jackson's token kinds (``JsonToken``)."""

    START_OBJECT = 1
    END_OBJECT = 2
    START_ARRAY = 3
    END_ARRAY = 4
    FIELD_NAME = 5
    STRING = 6
    INT = 7
    FLOAT = 8
    TRUE = 9
    FALSE = 10
    NULL = 11


_SCALAR_TEXT = {
    Tok.TRUE: "true",
    Tok.FALSE: "false",
    Tok.NULL: "null",
    Tok.START_OBJECT: "{",
    Tok.END_OBJECT: "}",
    Tok.START_ARRAY: "[",
    Tok.END_ARRAY: "]",
}


class JsonSyntaxError(Exception):
    """A Jackson ``JsonParseException``: ``reason`` plus Jackson's location suffix."""

    def __init__(self, reason: str, location: str) -> None:
        self.reason = reason
        self.message = f"{reason}\n at {location}"
        super().__init__(self.message)


def char_desc(ch: str) -> str:
    """Jackson's ``_getCharDesc``: how a character is named in messages."""
    code = ord(ch)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"(CTRL-CHAR, code {code})"
    if code > 255:
        return f"'{ch}' (code {code} / 0x{code:x})"
    return f"'{ch}' (code {code})"


def _identifier_start(ch: str) -> bool:
    # Java's Character.isJavaIdentifierStart: letters, currency symbols, connectors.
    return ch.isalpha() or ch in "_$" or ch in "¢£¤¥"


def _identifier_part(ch: str) -> bool:
    return ch.isalnum() or ch in "_$" or ch in "¢£¤¥"


class _Ctx:
    __slots__ = ("index", "kind", "start")

    def __init__(self, kind: str, start: int) -> None:
        self.kind = kind  # "root", "Array" or "Object" (Jackson's typeDesc)
        self.start = start  # offset of the opening bracket, -1 for the root
        self.index = -1


class JacksonReader:
    """Jackson's ``nextToken`` / ``getText`` / ``getCurrentLocation`` over a string."""

    __slots__ = (
        "_ctx",
        "_incomplete",
        "_pending",
        "_pending_start",
        "_str_start",
        "_text",
        "name",
        "ptr",
        "source",
        "token",
    )

    def __init__(self, source: str) -> None:
        self.source = source
        self.ptr = 0
        self.token: Tok | None = None
        self.name: str | None = None
        self._ctx = [_Ctx("root", -1)]
        self._pending: Tok | None = None
        self._pending_start = -1
        self._incomplete = False
        self._str_start = 0
        self._text = ""

    # -- locations and errors -------------------------------------------------------------

    def _location_at(self, ptr: int, *, column_base: int = 1) -> str:
        src = self.source
        line = 1
        row_start = 0
        i = 0
        while i < ptr:
            ch = src[i]
            if ch == "\n" or ch == "\r":
                if ch == "\r" and i + 1 < ptr and src[i + 1] == "\n":
                    i += 1
                line += 1
                row_start = i + 1
            i += 1
        # Java counts UTF-16 code units.
        column = len(src[row_start:ptr].encode("utf-16-le")) // 2 + column_base
        snippet = src if len(src) <= _MAX_SNIPPET else src[:_MAX_SNIPPET]
        tail = "" if len(src) <= _MAX_SNIPPET else f"[truncated {len(src) - _MAX_SNIPPET} chars]"
        return f'[Source: (String)"{snippet}"{tail}; line: {line}, column: {column}]'

    def location(self) -> str:
        """Jackson's ``getCurrentLocation()`` rendered as in exception messages."""
        return self._location_at(self.ptr)

    def error(self, reason: str) -> JsonSyntaxError:
        """A ``JsonParseException`` at the current location."""
        return JsonSyntaxError(reason, self.location())

    def _unexpected(self, ch: str, comment: str) -> JsonSyntaxError:
        return self.error(f"Unexpected character ({char_desc(ch)}): {comment}")

    def _number_char(self, ch: str, comment: str) -> JsonSyntaxError:
        return self.error(f"Unexpected character ({char_desc(ch)}) in numeric value: {comment}")

    def _start_marker(self, ctx: _Ctx) -> str:
        if ctx.start < 0:
            return self._location_at(0, column_base=0)
        return self._location_at(ctx.start)

    # -- scanning -------------------------------------------------------------------------

    def _skip_ws(self) -> str | None:
        src, n, ptr = self.source, len(self.source), self.ptr
        while ptr < n:
            ch = src[ptr]
            if ch in " \t\n\r":
                ptr += 1
                continue
            if ch == "/":
                self.ptr = ptr
                raise self._unexpected(
                    ch,
                    "maybe a (non-standard) comment? (not recognized as "
                    "one since Feature 'ALLOW_COMMENTS' not enabled for "
                    "parser)",
                )
            if ord(ch) < 0x20:
                self.ptr = ptr
                raise self.error(
                    f"Illegal character ({char_desc(ch)}): only regular white space "
                    "(\\r, \\n, \\t) is allowed between tokens"
                )
            self.ptr = ptr
            return ch
        self.ptr = ptr
        return None

    def _read_identifier(self, start: int) -> str:
        src, n, ptr = self.source, len(self.source), start
        while ptr < n and _identifier_part(src[ptr]):
            ptr += 1
            if ptr - start >= _MAX_TOKEN:
                self.ptr = ptr
                return src[start:ptr] + "..."
        self.ptr = ptr
        return src[start:ptr]

    def _finish_string(self, what: str) -> str:
        """Read a string body from ``self.ptr`` (just past the opening quote)."""
        src, n = self.source, len(self.source)
        ptr = self.ptr
        parts: list[str] = []
        run = ptr
        surrogates = False
        while True:
            found = _STRING_SPECIAL.search(src, ptr)
            if found is None:
                self.ptr = n
                closing = (
                    "closing '\"' for name"
                    if what == "name"
                    else "closing quote for a string value"
                )
                raise self.error(f"Unexpected end-of-input: was expecting {closing}")
            ptr = found.start()
            ch = src[ptr]
            if ch == '"':
                parts.append(src[run:ptr])
                self.ptr = ptr + 1
                break
            if ch == "\\":
                parts.append(src[run:ptr])
                ptr += 1
                if ptr >= n:
                    self.ptr = ptr
                    raise self.error("Unexpected end-of-input in character escape sequence")
                esc = src[ptr]
                ptr += 1
                if esc == "u":
                    code = 0
                    for _ in range(4):
                        if ptr >= n:
                            self.ptr = ptr
                            raise self.error("Unexpected end-of-input in character escape sequence")
                        digit = src[ptr]
                        ptr += 1
                        if digit not in _HEX:
                            self.ptr = ptr - 1
                            raise self._unexpected(
                                digit, "expected a hex-digit for character escape sequence"
                            )
                        code = code * 16 + int(digit, 16)
                    if 0xD800 <= code <= 0xDFFF:
                        surrogates = True
                    parts.append(chr(code))
                elif esc in _ESCAPES:
                    parts.append(_ESCAPES[esc])
                else:
                    self.ptr = ptr - 1
                    raise self.error(f"Unrecognized character escape {char_desc(esc)}")
                run = ptr
                continue
            self.ptr = ptr  # a control character
            raise self.error(
                f"Illegal unquoted character ({char_desc(ch)}): has to be "
                f"escaped using backslash to be included in {what}"
            )
        text = "".join(parts)
        if surrogates:
            # Java strings are UTF-16: a \\uD83D\\uDE80 pair is one character.
            text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
        return text

    def _read_number(self, first: str) -> Tok:
        src, n = self.source, len(self.source)
        start = self.ptr
        ptr = start + 1
        if first == "-":
            if ptr >= n:
                self.ptr = ptr
                raise self.error("Unexpected end-of-input in a Number value")
            ch = src[ptr]
            ptr += 1
            if not "0" <= ch <= "9":
                self.ptr = ptr - 1
                raise self._number_char(
                    ch, "expected digit (0-9) to follow minus sign, for valid numeric value"
                )
            first = ch
        if first == "0" and ptr < n and "0" <= src[ptr] <= "9":
            self.ptr = ptr
            raise self.error("Invalid numeric value: Leading zeroes not allowed")
        while ptr < n and "0" <= src[ptr] <= "9":
            ptr += 1
        kind = Tok.INT
        if ptr < n and src[ptr] == ".":
            kind = Tok.FLOAT
            ptr += 1
            digits = ptr
            while ptr < n and "0" <= src[ptr] <= "9":
                ptr += 1
            if ptr == digits:
                bad = src[ptr] if ptr < n else "."
                self.ptr = ptr
                raise self._number_char(bad, "Decimal point not followed by a digit")
        if ptr < n and src[ptr] in "eE":
            kind = Tok.FLOAT
            ptr += 1
            if ptr < n and src[ptr] in "+-":
                ptr += 1
            digits = ptr
            while ptr < n and "0" <= src[ptr] <= "9":
                ptr += 1
            if ptr == digits:
                bad = src[ptr] if ptr < n else src[ptr - 1]
                self.ptr = ptr
                raise self._number_char(bad, "Exponent indicator not followed by a digit")
        self.ptr = ptr
        self._text = src[start:ptr]
        return kind

    def _read_value_start(self, ch: str) -> Tok:
        """Consume the start of a value whose first character is ``ch`` (at ``self.ptr``)."""
        if ch == '"':
            self.ptr += 1
            self._incomplete = True
            self._str_start = self.ptr
            return Tok.STRING
        if ch == "[" or ch == "{":
            self._pending_start = self.ptr
            self.ptr += 1
            return Tok.START_ARRAY if ch == "[" else Tok.START_OBJECT
        if ch == "-" or "0" <= ch <= "9":
            return self._read_number(ch)
        if ch == "}":
            raise self._unexpected(ch, "expected a value")
        if ch == "+":
            self.ptr += 1
            nxt = self.source[self.ptr] if self.ptr < len(self.source) else "+"
            raise self._number_char(
                nxt, "expected digit (0-9) to follow minus sign, for valid numeric value"
            )
        if _identifier_start(ch):
            word = self._read_identifier(self.ptr)
            literal = _LITERALS.get(word)
            if literal is not None:
                self._text = word
                return Tok[literal]
            if word in ("NaN", "Infinity"):
                raise self.error(
                    f"Non-standard token '{word}': enable "
                    "JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS to allow"
                )
            raise self.error(f"Unrecognized token '{word}': was expecting {_VALID_VALUES}")
        raise self._unexpected(ch, f"expected a valid value {_VALID_VALUES}")

    # -- the token API --------------------------------------------------------------------

    def _push(self, token: Tok) -> None:
        self._ctx.append(
            _Ctx("Array" if token is Tok.START_ARRAY else "Object", self._pending_start)
        )

    def next_token(self) -> Tok | None:
        """Advance to the next token (``None`` at the end of the input)."""
        if self.token is Tok.FIELD_NAME:
            pending = self._pending
            assert pending is not None
            self._pending = None
            if pending is Tok.START_ARRAY or pending is Tok.START_OBJECT:
                self._push(pending)
            self.token = pending
            return pending
        if self._incomplete:
            self._incomplete = False
            self._text = self._finish_string("string value")
        ch = self._skip_ws()
        ctx = self._ctx[-1]
        if ch is None:
            if ctx.kind != "root":
                raise self.error(
                    f"Unexpected end-of-input: expected close marker for "
                    f"{ctx.kind} (start marker at {self._start_marker(ctx)})"
                )
            self.token = None
            return None
        if ch == "]" or ch == "}":
            self.ptr += 1
            expected = "]" if ctx.kind == "Array" else "}"
            if ch != expected or ctx.kind == "root":
                raise self.error(
                    f"Unexpected close marker '{ch}': expected '{expected}' (for "
                    f"{ctx.kind} starting at {self._start_marker(ctx)})"
                )
            self._ctx.pop()
            self.token = Tok.END_ARRAY if ch == "]" else Tok.END_OBJECT
            return self.token
        ctx.index += 1
        if ctx.kind != "root" and ctx.index > 0:
            if ch != ",":
                raise self._unexpected(ch, f"was expecting comma to separate {ctx.kind} entries")
            self.ptr += 1
            ch = self._skip_ws()
            if ch is None:
                raise self.error(f"Unexpected end-of-input within/between {ctx.kind} entries")
        if ctx.kind == "Object":
            if ch != '"':
                raise self._unexpected(ch, "was expecting double-quote to start field name")
            self.ptr += 1
            self.name = self._finish_string("name")
            ch = self._skip_ws()
            if ch is None:
                raise self.error("Unexpected end-of-input within/between Object entries")
            if ch != ":":
                raise self._unexpected(ch, "was expecting a colon to separate field name and value")
            self.ptr += 1
            ch = self._skip_ws()
            if ch is None:
                raise self.error("Unexpected end-of-input within/between Object entries")
            self._pending = self._read_value_start(ch)
            self.token = Tok.FIELD_NAME
            return Tok.FIELD_NAME
        token = self._read_value_start(ch)
        if token is Tok.START_ARRAY or token is Tok.START_OBJECT:
            self._push(token)
        self.token = token
        return token

    def text(self) -> str:
        """Jackson's ``getText()`` for the current token (reads a pending string)."""
        token = self.token
        if token is Tok.FIELD_NAME:
            return self.name or ""
        if token is Tok.STRING:
            if self._incomplete:
                self._incomplete = False
                self.ptr = self._str_start
                self._text = self._finish_string("string value")
            return self._text
        if token is Tok.INT or token is Tok.FLOAT:
            return self._text
        if token is None:
            return ""
        return _SCALAR_TEXT[token]
